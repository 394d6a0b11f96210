//! Panel files read into typed values: a roster (`id,name,member_type,affiliation`), a list
//! of firms to refer (`uscc`) and a score sheet (`member,firm,score[,note]`). Every error
//! names the file, line, field and value at fault, and a file with one bad line yields
//! nothing (the caller writes nothing).

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use rust_decimal::Decimal;

use crate::error::{RegistryError, Result};
use crate::id::{EnterpriseId, LegacyPolicy};
use crate::panel::{Member, MemberKind, PANEL_MEMBERS_MAX, Panel};
use crate::panel_store::{SCORES_PER_WRITE_MAX, ScoreRow};

/// Most lines of a list of firms to refer.
pub const REFER_FILE_ROWS_MAX: usize = crate::panel::PANEL_REFERRALS_MAX;

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

/// A file's columns by name and its rows with their line numbers.
type Rows = (HashMap<String, usize>, Vec<(u64, csv::StringRecord)>);

/// A CSV file's rows with their line numbers, after checking its header: `required`
/// columns must be present, `optional` ones may be; any other column is refused.
fn rows(
    input: impl Read,
    file: &str,
    required: &[&str],
    optional: &[&str],
    rows_max: usize,
) -> Result<Rows> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = rdr
        .headers()
        .map_err(|e| csv_err(file, 1, "-", "", format!("unreadable header: {e}")))?
        .clone();
    let mut col = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if !required.contains(&h) && !optional.contains(&h) {
            let known = [required, optional].concat().join(", ");
            return Err(csv_err(
                file,
                1,
                h,
                h,
                format!("unknown column (columns: {known})"),
            ));
        }
        if col.insert(h.to_string(), i).is_some() {
            return Err(csv_err(file, 1, h, h, "column appears twice"));
        }
    }
    for k in required {
        if !col.contains_key(*k) {
            return Err(csv_err(file, 1, k, "", "required column missing"));
        }
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            csv_err(file, line, "-", "", format!("malformed row: {e}"))
        })?;
        if out.len() >= rows_max {
            return Err(RegistryError::Limit {
                what: "rows in one panel file",
                value: out.len() as u64 + 1,
                limit: rows_max as u64,
            });
        }
        let line = rec.position().map_or(out.len() as u64 + 2, |p| p.line());
        out.push((line, rec));
    }
    Ok((col, out))
}

fn cell<'a>(col: &HashMap<String, usize>, rec: &'a csv::StringRecord, name: &str) -> &'a str {
    col.get(name).and_then(|&i| rec.get(i)).unwrap_or("")
}

/// Reads a roster: `id,name,member_type[,affiliation]`, the member type one of the eight
/// kinds the measures name (`department` … `incubator`, or 部门 … 孵化器), which fixes its
/// role. Refused: an empty id or name, an unknown type, an id twice, more than
/// [`PANEL_MEMBERS_MAX`] members.
pub fn parse_roster(input: impl Read, file: &str) -> Result<Vec<Member>> {
    let (col, recs) = rows(
        input,
        file,
        &["id", "name", "member_type"],
        &["affiliation"],
        PANEL_MEMBERS_MAX,
    )?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(recs.len());
    for (line, rec) in &recs {
        let (id, name, kind_s) = (
            cell(&col, rec, "id"),
            cell(&col, rec, "name"),
            cell(&col, rec, "member_type"),
        );
        if id.is_empty() || id.len() > crate::panel::MEMBER_ID_LEN_MAX {
            return Err(csv_err(
                file,
                *line,
                "id",
                id,
                "a member id has 1 to 64 bytes",
            ));
        }
        if !seen.insert(id.to_string()) {
            return Err(csv_err(file, *line, "id", id, "member id appears twice"));
        }
        if name.is_empty() {
            return Err(csv_err(file, *line, "name", name, "a member needs a name"));
        }
        let kind: MemberKind = kind_s.parse().map_err(|_| {
            let keys: Vec<&str> = MemberKind::ALL.iter().map(|k| k.key()).collect();
            csv_err(
                file,
                *line,
                "member_type",
                kind_s,
                format!("not one of {}", keys.join(", ")),
            )
        })?;
        out.push(Member {
            id: id.to_string(),
            name: name.to_string(),
            role: kind.role(),
            kind: Some(kind),
            affiliation: cell(&col, rec, "affiliation").to_string(),
            ties: Vec::new(),
        });
    }
    Ok(out)
}

/// Reads a list of firms to refer: a `uscc` column (other columns are refused), one firm a
/// line; returns each firm with its line. Refused: a code that is not a USCC, a firm twice.
pub fn parse_firm_list(input: impl Read, file: &str) -> Result<Vec<(u64, EnterpriseId)>> {
    let (col, recs) = rows(input, file, &["uscc"], &["name"], REFER_FILE_ROWS_MAX)?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(recs.len());
    for (line, rec) in &recs {
        let s = cell(&col, rec, "uscc");
        let id = EnterpriseId::parse_with(s, LegacyPolicy::Accept)
            .map_err(|e| csv_err(file, *line, "uscc", s, e.to_string()))?;
        if !seen.insert(id) {
            return Err(csv_err(file, *line, "uscc", s, "firm listed twice"));
        }
        out.push((*line, id));
    }
    Ok(out)
}

/// Reads a score sheet for `panel`: `member,firm,score[,note]`. Every line is checked
/// against the panel before anything is returned: the member must be on the roster, the firm
/// referred to the panel, the member not recused from it (the error gives the recorded
/// reason), the score a number in `0..=score_max`, and no member may score a firm twice.
pub fn parse_scores(input: impl Read, file: &str, panel: &Panel) -> Result<Vec<ScoreRow>> {
    let (col, recs) = rows(
        input,
        file,
        &["member", "firm", "score"],
        &["note"],
        SCORES_PER_WRITE_MAX,
    )?;
    let referred: BTreeSet<EnterpriseId> = panel.referred().iter().copied().collect();
    let max = panel.rule().score_max;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(recs.len());
    for (line, rec) in &recs {
        let (m_s, f_s, s_s) = (
            cell(&col, rec, "member"),
            cell(&col, rec, "firm"),
            cell(&col, rec, "score"),
        );
        let Some(member) = panel.member(m_s) else {
            return Err(csv_err(
                file,
                *line,
                "member",
                m_s,
                format!("not a member of panel '{}'", panel.name()),
            ));
        };
        let firm = EnterpriseId::parse_with(f_s, LegacyPolicy::Accept)
            .map_err(|e| csv_err(file, *line, "firm", f_s, e.to_string()))?;
        if !referred.contains(&firm) {
            return Err(csv_err(
                file,
                *line,
                "firm",
                f_s,
                format!("not referred to panel '{}'", panel.name()),
            ));
        }
        if let Some(t) = member.ties.iter().find(|t| t.firm == firm) {
            let why = if t.reason.is_empty() {
                t.kind.key().to_string()
            } else {
                format!("{}: {}", t.kind.key(), t.reason)
            };
            return Err(csv_err(
                file,
                *line,
                "member",
                m_s,
                format!("recused from scoring {firm} ({why})"),
            ));
        }
        let score = Decimal::from_str_exact(s_s)
            .map_err(|_| csv_err(file, *line, "score", s_s, "not a number"))?;
        if score < Decimal::ZERO || score > max {
            return Err(csv_err(
                file,
                *line,
                "score",
                s_s,
                format!("outside 0..={max}"),
            ));
        }
        if !seen.insert((firm, m_s)) {
            return Err(csv_err(
                file,
                *line,
                "firm",
                f_s,
                format!("member '{m_s}' scores this firm twice"),
            ));
        }
        let note = cell(&col, rec, "note");
        if note.chars().count() > crate::panel_store::SCORE_NOTE_LEN_MAX {
            return Err(csv_err(file, *line, "note", "…", "note too long"));
        }
        out.push(ScoreRow {
            firm,
            member: member.id.clone(),
            score: score.normalize(),
            note: note.to_string(),
        });
    }
    Ok(out)
}
