//! CSV of firm-years: one row per firm and year, the firm's columns repeated.
//!
//! Columns: `uscc,name,founded,year`, optionally `industry` (the firm's GB/T 4754-2017 class),
//! then any of the fact fields ([`crate::report::FACTS`]) in any order; an empty cell is a
//! missing fact (or a missing industry code), an empty `year` a firm without a report. Import
//! is all-or-nothing: the first bad row rejects the whole file with its line, field and value.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};

use chrono::{Datelike, NaiveDate};

use crate::error::{RegistryError, Result};
use crate::id::{EnterpriseId, LegacyPolicy};
use crate::industry::IndustryCode;
use crate::report::{AnnualReport, Enterprise, FACTS, FactValue, fact_kind};
use crate::store::{InsertSummary, RegistryStore};
use crate::tier::Year;

/// Largest file accepted, in rows.
pub const CSV_ROWS_MAX: u64 = 5_000_000;

/// The columns every file must have.
pub const KEY_COLUMNS: [&str; 4] = ["uscc", "name", "founded", "year"];

/// The firm's industry code (GB/T 4754-2017), an optional column: old files have none.
pub const INDUSTRY_COLUMN: &str = "industry";

/// Firms and reports parsed from a file, with the line of each for later messages.
#[derive(Debug, Clone, Default)]
pub struct ParsedCsv {
    /// Firms, in order of first appearance.
    pub firms: Vec<Enterprise>,
    /// Reports, in file order.
    pub reports: Vec<AnnualReport>,
    /// Line of each report by (firm, year).
    pub report_lines: HashMap<(EnterpriseId, Year), u64>,
    /// Line where each firm first appears.
    pub firm_lines: HashMap<EnterpriseId, u64>,
}

fn csv_err(
    file: &str,
    line: u64,
    field: &str,
    value: &str,
    reason: impl Into<String>,
) -> RegistryError {
    RegistryError::Csv {
        file: file.to_string(),
        line,
        field: field.to_string(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

fn firm_text(f: &Enterprise) -> String {
    format!(
        "{} / {} / {}",
        f.name,
        f.founded,
        f.industry
            .map_or_else(|| "-".to_string(), |c| c.to_string())
    )
}

/// Parses a firm-year CSV; `file` names it in errors. Nothing is written anywhere.
pub fn parse_csv(input: impl Read, file: &str, legacy: LegacyPolicy) -> Result<ParsedCsv> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = rdr
        .headers()
        .map_err(|e| csv_err(file, 1, "-", "", format!("unreadable header: {e}")))?
        .clone();
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if !KEY_COLUMNS.contains(&h) && h != INDUSTRY_COLUMN && fact_kind(h).is_none() {
            return Err(csv_err(
                file,
                1,
                h,
                h,
                "unknown column (see the fact fields in docs/registry-model.md)",
            ));
        }
        if col.insert(h, i).is_some() {
            return Err(csv_err(file, 1, h, h, "column appears twice"));
        }
    }
    for k in KEY_COLUMNS {
        if !col.contains_key(k) {
            return Err(csv_err(file, 1, k, "", "required column missing"));
        }
    }
    // (position in FACTS, name, kind, column), resolved once for the whole file.
    let facts: Vec<(usize, &str, crate::report::FactKind, usize)> = FACTS
        .iter()
        .enumerate()
        .filter_map(|(k, (n, kind))| col.get(n).map(|i| (k, *n, *kind, *i)))
        .collect();
    let key_col = |name: &str| col.get(name).copied().unwrap_or(usize::MAX);
    let (c_uscc, c_name, c_founded, c_year) = (
        key_col("uscc"),
        key_col("name"),
        key_col("founded"),
        key_col("year"),
    );
    let mut out = ParsedCsv::default();
    let mut firms: BTreeMap<EnterpriseId, usize> = BTreeMap::new();
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    loop {
        let more = rdr.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            csv_err(file, line, "-", "", format!("malformed row: {e}"))
        })?;
        if !more {
            break;
        }
        rows += 1;
        if rows > CSV_ROWS_MAX {
            return Err(RegistryError::Limit {
                what: "rows in one CSV file",
                value: rows,
                limit: CSV_ROWS_MAX,
            });
        }
        let line = record.position().map_or(rows + 1, |p| p.line());
        let cell = |i: usize| -> &str { record.get(i).unwrap_or("") };
        let uscc = cell(c_uscc);
        let id = EnterpriseId::parse_with(uscc, legacy)
            .map_err(|e| csv_err(file, line, "uscc", uscc, e.to_string()))?;
        let name = cell(c_name);
        let founded_s = cell(c_founded);
        let founded = NaiveDate::parse_from_str(founded_s, "%Y-%m-%d")
            .map_err(|_| csv_err(file, line, "founded", founded_s, "not a date YYYY-MM-DD"))?;
        let industry_s = col.get(INDUSTRY_COLUMN).map_or("", |&i| cell(i));
        let industry =
            if industry_s.is_empty() {
                None
            } else {
                Some(IndustryCode::parse(industry_s).map_err(|e| {
                    csv_err(file, line, INDUSTRY_COLUMN, industry_s, e.reason.clone())
                })?)
            };
        let firm = Enterprise {
            id,
            name: name.to_string(),
            founded,
            industry,
        };
        firm.validate().map_err(|e| match e {
            RegistryError::InvalidField {
                field,
                value,
                reason,
                ..
            } => csv_err(file, line, &field, &value, reason),
            other => csv_err(file, line, "-", "", other.to_string()),
        })?;
        match firms.get(&id) {
            Some(&i) => {
                if let Some(prev) = out.firms.get(i)
                    && prev != &firm
                {
                    let first = out.firm_lines.get(&id).copied().unwrap_or(0);
                    return Err(csv_err(
                        file,
                        line,
                        "name/founded/industry",
                        &firm_text(&firm),
                        format!("differs from line {first} ({})", firm_text(prev)),
                    ));
                }
            }
            None => {
                firms.insert(id, out.firms.len());
                out.firm_lines.insert(id, line);
                out.firms.push(firm);
            }
        }
        let year_s = cell(c_year);
        if year_s.is_empty() {
            if let Some((_, n, _, i)) = facts
                .iter()
                .find(|(_, _, _, i)| record.get(*i).is_some_and(|v| !v.is_empty()))
            {
                return Err(csv_err(file, line, n, cell(*i), "a fact needs a year"));
            }
            continue;
        }
        let year: Year = year_s
            .parse()
            .map_err(|_| csv_err(file, line, "year", year_s, "not a year"))?;
        if let Some(first) = out.firms.get(firms.get(&id).copied().unwrap_or(usize::MAX))
            && year < first.founded.year()
        {
            return Err(csv_err(
                file,
                line,
                "year",
                year_s,
                format!("before the firm was founded ({})", first.founded),
            ));
        }
        let mut report = AnnualReport::new(id, year);
        for (k, name, kind, i) in &facts {
            let text = record.get(*i).unwrap_or("");
            let v =
                FactValue::parse(*kind, text).map_err(|r| csv_err(file, line, name, text, r))?;
            report
                .set_fact_at(*k, v)
                .map_err(|r| csv_err(file, line, name, text, r))?;
        }
        report.validate().map_err(|e| match e {
            RegistryError::InvalidField {
                field,
                value,
                reason,
                ..
            } => csv_err(file, line, &field, &value, reason),
            other => csv_err(file, line, "-", "", other.to_string()),
        })?;
        if let Some(first) = out.report_lines.insert((id, year), line) {
            return Err(csv_err(
                file,
                line,
                "year",
                year_s,
                format!("firm {id} already has a report for {year} on line {first}"),
            ));
        }
        out.reports.push(report);
    }
    Ok(out)
}

/// Reads a firm-year CSV file and inserts it into `store` in one transaction. Conflicts with
/// what is stored (a report already there, a year already adjusted, a firm registered with
/// other data) are reported with the file's line before anything is written.
pub fn import_csv(
    store: &mut dyn RegistryStore,
    path: &std::path::Path,
    legacy: LegacyPolicy,
) -> Result<InsertSummary> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| RegistryError::Io {
        path: file.clone(),
        source,
    })?;
    let parsed = parse_csv(std::io::BufReader::new(f), &file, legacy)?;
    precheck(store, &parsed, &file)?;
    store.insert(&parsed.firms, &parsed.reports)
}

/// Checks a parsed file against the store, naming the line of the first conflict.
pub fn precheck(store: &dyn RegistryStore, parsed: &ParsedCsv, file: &str) -> Result<()> {
    if store.firm_count()? == 0 {
        return Ok(());
    }
    let adjusted = store.adjusted_years()?;
    for f in &parsed.firms {
        if let Some(s) = store.firm(&f.id)?
            && s != *f
            // The one change a stored firm accepts: an industry code where it had none.
            && !(s.name == f.name && s.founded == f.founded && s.industry.is_none())
        {
            let line = parsed.firm_lines.get(&f.id).copied().unwrap_or(0);
            return Err(csv_err(
                file,
                line,
                "name/founded/industry",
                &firm_text(f),
                format!("already registered as {}", firm_text(&s)),
            ));
        }
    }
    for r in &parsed.reports {
        let line = parsed
            .report_lines
            .get(&(r.id, r.year))
            .copied()
            .unwrap_or(0);
        if adjusted.contains(&r.year) {
            return Err(csv_err(
                file,
                line,
                "year",
                &r.year.to_string(),
                "that year is already adjusted; its reports are frozen",
            ));
        }
        if store.report(&r.id, r.year)?.is_some() {
            return Err(csv_err(
                file,
                line,
                "year",
                &r.year.to_string(),
                format!("firm {} already has a stored report for {}", r.id, r.year),
            ));
        }
    }
    Ok(())
}

/// Writes firms and reports as a firm-year CSV (every fact column; firms without a report get
/// one row with an empty year).
pub fn write_csv(out: impl Write, firms: &[Enterprise], reports: &[AnnualReport]) -> Result<()> {
    let io = |e: csv::Error| RegistryError::Io {
        path: "CSV output".into(),
        source: std::io::Error::other(e.to_string()),
    };
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = KEY_COLUMNS.to_vec();
    header.push(INDUSTRY_COLUMN);
    header.extend(FACTS.iter().map(|(n, _)| *n));
    w.write_record(&header).map_err(io)?;
    let mut by_firm: BTreeMap<EnterpriseId, Vec<&AnnualReport>> = BTreeMap::new();
    for r in reports {
        by_firm.entry(r.id).or_default().push(r);
    }
    for f in firms {
        let founded = f.founded.format("%Y-%m-%d").to_string();
        let industry = f.industry.map(|c| c.to_string()).unwrap_or_default();
        let own = by_firm.get_mut(&f.id);
        match own {
            None => {
                let mut row = vec![
                    f.id.to_string(),
                    f.name.clone(),
                    founded.clone(),
                    String::new(),
                    industry.clone(),
                ];
                row.extend(FACTS.iter().map(|_| String::new()));
                w.write_record(&row).map_err(io)?;
            }
            Some(list) => {
                list.sort_by_key(|r| r.year);
                for r in list.iter() {
                    let mut row = vec![
                        f.id.to_string(),
                        f.name.clone(),
                        founded.clone(),
                        r.year.to_string(),
                        industry.clone(),
                    ];
                    row.extend(
                        FACTS
                            .iter()
                            .map(|(n, _)| r.fact(n).map(|v| v.to_text()).unwrap_or_default()),
                    );
                    w.write_record(&row).map_err(io)?;
                }
            }
        }
    }
    w.flush().map_err(|source| RegistryError::Io {
        path: "CSV output".into(),
        source,
    })?;
    Ok(())
}
