//! Every table of the cycle, typed: the rows behind each CSV file of the report folder as
//! [`Table`]s of [`Cell`]s, so that the HTML page and the workbook show the same values as
//! the CSV (numbers as numbers, money as money, dates as dates, keys with their names).
//!
//! The CSV files are written from these tables or from the same rows by serde; a test reads
//! the workbook back and compares it with the CSVs cell by cell.

use std::collections::HashMap;

use chrono::NaiveDate;
use cultivation::CycleOutcome;
use registry_model::EnterpriseId;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::cell::{Cell, Term};
use crate::error::{ReportError, Result};
use crate::index::RESULT_HEADER;
use crate::lang::Lang;
use crate::messages::text;
use crate::names::{Kind, Names};
use crate::registry::change_log_table;
use crate::scenario::cycle_matches_table;
use crate::table::Table;
use crate::targets::targets_table;

/// Decimals shown to people for the measured numbers of the cycle's tables (shares,
/// indices); the workbook keeps full precision.
const FLOAT_DIGITS: u8 = 3;

/// One table of the cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleTable {
    /// Its CSV file in the report folder.
    pub file: &'static str,
    /// Its title (a message key, `table.benefits`).
    pub title: &'static str,
    /// The section it belongs to (a message key, `sec.benefits`).
    pub section: &'static str,
    /// The rows.
    pub table: Table,
}

/// The header of `rows` as the CSV writer names it (serde's field order).
fn serde_header<T: Serialize>(row: &T) -> Result<Vec<String>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(row)?;
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::Invalid(format!("CSV: {e}")))?;
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    Ok(r.headers()?.iter().map(str::to_string).collect())
}

/// One value of a serialised row, typed by its JSON kind and its column: `_yuan` columns
/// are money, a `date` column is a date.
fn typed(column: &str, v: &serde_json::Value) -> Cell {
    use serde_json::Value;
    match v {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Cell::Int(i128::from(i)),
            (_, Some(u), _) => Cell::Int(i128::from(u)),
            (_, _, Some(f)) => Cell::fixed(f, FLOAT_DIGITS),
            _ => Cell::Null,
        },
        Value::String(s) if column.ends_with("_yuan") => s
            .parse::<Decimal>()
            .map_or_else(|_| Cell::from(s), Cell::Money),
        Value::String(s) if column == "date" => {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_or_else(|_| Cell::from(s), Cell::Date)
        }
        Value::String(s) => Cell::from(s),
        other => Cell::from(other.to_string()),
    }
}

/// Rows serialised by serde as a typed table with the CSV's header.
pub fn rows_table<T: Serialize>(rows: &[T]) -> Result<Table> {
    let Some(first) = rows.first() else {
        return Ok(Table::default());
    };
    let header = serde_header(first)?;
    let mut t = Table::new(header.iter().cloned());
    for r in rows {
        let v = serde_json::to_value(r)?;
        t.push(header.iter().map(|h| typed(h, &v[h.as_str()])));
    }
    Ok(t)
}

/// Gives the cells of `column` their names of `kind`.
fn name_column(t: &mut Table, column: &str, kind: Kind, names: &Names) {
    let Some(k) = t.header.iter().position(|h| h == column) else {
        return;
    };
    for row in &mut t.rows {
        if let Some(Cell::Text(key)) = row.get(k) {
            row[k] = names.cell(kind, &key.clone());
        }
    }
}

/// Gives the cells of `column` their labels from the catalogue (`value.` + the key).
fn label_column(t: &mut Table, column: &str) {
    let Some(k) = t.header.iter().position(|h| h == column) else {
        return;
    };
    for row in &mut t.rows {
        if let Some(Cell::Text(key)) = row.get(k) {
            let msg = format!("value.{key}");
            if text(&msg, Lang::En) != msg {
                row[k] = Cell::Term(Box::new(Term {
                    key: key.clone(),
                    en: text(&msg, Lang::En).into(),
                    zh: text(&msg, Lang::Zh).into(),
                }));
            }
        }
    }
}

/// The index result as a typed table (the columns of [`RESULT_HEADER`]).
fn index_table(r: &index_engine::IndexResult) -> Table {
    let mut t = Table::new(RESULT_HEADER);
    let f = |x: Option<f64>| x.map_or(Cell::Null, |v| Cell::fixed(v, FLOAT_DIGITS));
    for row in r.rows() {
        let c = row.cell;
        t.push([
            Cell::from(row.node),
            Cell::from(row.unit),
            Cell::from(row.year),
            f(c.index),
            f(c.growth),
            f(c.contribution),
            f(c.total_contribution),
            f(c.estimated_share),
            Cell::fixed(c.missing_share, FLOAT_DIGITS),
            Cell::from(c.source.as_str()),
        ]);
    }
    t
}

/// Firms per tier after each adjusted year (`tiers.csv`).
pub fn tiers_table(outcome: &CycleOutcome) -> Table {
    let mut t = Table::new(["year", "potential", "growth", "leading", "untiered"]);
    for (y, c) in &outcome.registry.counts_by_year {
        t.push([
            Cell::from(*y),
            Cell::from(c.per_tier[0]),
            Cell::from(c.per_tier[1]),
            Cell::from(c.per_tier[2]),
            Cell::from(c.untiered),
        ]);
    }
    t
}

/// The inspection plan (`inspections.csv`).
fn inspections_table(outcome: &CycleOutcome) -> Table {
    let mut t = Table::new([
        "id",
        "firm",
        "date",
        "mode",
        "mandatory",
        "departments",
        "subjects",
        "members",
    ]);
    for j in &outcome.supervision.plan.inspections {
        t.push([
            Cell::from(&j.id),
            Cell::from(&j.firm),
            Cell::from(j.date),
            Cell::from(format!("{:?}", j.mode).to_lowercase()),
            Cell::from(j.mandatory),
            Cell::from(j.departments.join("; ")),
            Cell::from(j.subjects.join("; ")),
            Cell::from(j.members.join("; ")),
        ]);
    }
    t
}

/// Every table of the cycle, in the order of the report folder's CSV files.
pub fn tables(outcome: &CycleOutcome, names: &Names) -> Result<Vec<CycleTable>> {
    let reg = &outcome.registry;
    let firm_names: HashMap<EnterpriseId, &str> =
        reg.firms.iter().map(|f| (f.id, f.name.as_str())).collect();
    let name_of = |id: &EnterpriseId| firm_names.get(id).copied().unwrap_or_default().to_string();
    let c = &outcome.compute;
    let s = &outcome.supervision;
    let mut benefits = rows_table(&outcome.benefits.lines)?;
    name_column(&mut benefits, "program", Kind::Program, names);
    label_column(&mut benefits, "status");
    let mut vouchers = rows_table(&outcome.vouchers)?;
    name_column(&mut vouchers, "program", Kind::Program, names);
    let mut clusters = rows_table(&c.clusters)?;
    name_column(&mut clusters, "cluster", Kind::Cluster, names);
    let mut jobs = rows_table(&c.jobs)?;
    name_column(&mut jobs, "cluster", Kind::Cluster, names);
    name_column(&mut jobs, "tier", Kind::Tier, names);
    let summary = rows_table(std::slice::from_ref(&c.summary))?;
    let f = &outcome.finance;
    let mut credit_lines = rows_table(&f.lines)?;
    name_column(&mut credit_lines, "tier", Kind::Tier, names);
    label_column(&mut credit_lines, "status");
    let mut credit_reach = rows_table(&f.reach)?;
    name_column(&mut credit_reach, "tier", Kind::Tier, names);
    let mut panel = crate::panel::cycle_panel_table(reg.panel.as_ref().map_or(&[], |p| &p.results));
    label_column(&mut panel, "decision");
    let entry = |file, title, section, table| CycleTable {
        file,
        title,
        section,
        table,
    };
    Ok(vec![
        entry(
            "tiers.csv",
            "table.tiers",
            "sec.registry",
            tiers_table(outcome),
        ),
        entry(
            "changes.csv",
            "table.changes",
            "sec.registry",
            change_log_table(&reg.adjustment, &name_of, true),
        ),
        entry("panel.csv", "table.panel", "sec.registry", panel),
        entry("benefits.csv", "table.benefits", "sec.benefits", benefits),
        entry("vouchers.csv", "table.vouchers", "sec.benefits", vouchers),
        entry(
            "compute_clusters.csv",
            "table.compute_clusters",
            "sec.compute",
            clusters,
        ),
        entry(
            "compute_jobs.csv",
            "table.compute_jobs",
            "sec.compute",
            jobs,
        ),
        entry(
            "compute_rejections.csv",
            "table.compute_rejections",
            "sec.compute",
            rows_table(&c.rejections)?,
        ),
        entry(
            "compute_summary.csv",
            "table.compute_summary",
            "sec.compute",
            summary,
        ),
        entry(
            "sandbox.csv",
            "table.sandbox",
            "sec.supervision",
            rows_table(&s.sandbox)?,
        ),
        entry(
            "enforcement.csv",
            "table.enforcement",
            "sec.supervision",
            rows_table(&s.enforcement)?,
        ),
        entry(
            "inspections.csv",
            "table.inspections",
            "sec.supervision",
            inspections_table(outcome),
        ),
        entry(
            "index_caict.csv",
            "table.index_caict",
            "sec.index",
            index_table(&outcome.index.caict),
        ),
        entry(
            "index_cohort.csv",
            "table.index_cohort",
            "sec.index",
            index_table(&outcome.index.cohort),
        ),
        entry(
            "scenario_matches.csv",
            "table.scenario_matches",
            "sec.scenarios",
            cycle_matches_table(&outcome.scenarios.matches, names),
        ),
        entry(
            "credit_lines.csv",
            "table.credit_lines",
            "sec.finance",
            credit_lines,
        ),
        entry(
            "credit_reach.csv",
            "table.credit_reach",
            "sec.finance",
            credit_reach,
        ),
        entry(
            "targets.csv",
            "table.targets",
            "sec.targets",
            targets_table(&outcome.targets),
        ),
    ])
}

/// The heading of a column of the cycle's tables for people: a tier's name for a tier
/// column, else the catalogue's label.
pub fn heading(column: &str, lang: Lang, names: &Names) -> String {
    if names.knows(Kind::Tier, column) {
        names.name(Kind::Tier, column, lang)
    } else {
        crate::messages::column(column, lang).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        name: &'static str,
        amount_yuan: Option<Decimal>,
        share: f64,
        count: u32,
        date: &'static str,
    }

    #[test]
    fn serialised_rows_become_typed_cells_in_csv_order() {
        let rows = [Row {
            name: "a",
            amount_yuan: Some(Decimal::new(123450, 2)),
            share: 0.25,
            count: 3,
            date: "2025-07-01",
        }];
        let t = rows_table(&rows).unwrap();
        assert_eq!(t.header, ["name", "amount_yuan", "share", "count", "date"]);
        assert_eq!(t.rows[0][1], Cell::Money(Decimal::new(123450, 2)));
        assert_eq!(t.rows[0][2], Cell::fixed(0.25, FLOAT_DIGITS));
        assert_eq!(t.rows[0][3], Cell::Int(3));
        assert!(matches!(t.rows[0][4], Cell::Date(_)));
        assert_eq!(rows_table::<Row>(&[]).unwrap(), Table::default());
    }
}
