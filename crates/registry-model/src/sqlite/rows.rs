//! Rows of the SQLite store to records and back: firms, reports and change-log entries. A
//! stored value that does not decode is reported as corrupt, naming the record.

use chrono::NaiveDate;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};

use crate::adjust::ChangeEntry;
use crate::change_row::ChangeRow;
use crate::error::{RegistryError, Result};
use crate::id::{EnterpriseId, LegacyPolicy};
use crate::industry::IndustryCode;
use crate::money::Money;
use crate::report::{AnnualReport, Enterprise, FACTS, FactKind, FactValue};
use crate::tier::{Tier, Year};

/// The change-log columns after `year`, in the order [`entry_values`] gives them and
/// [`entry_from_row`] reads them.
pub(super) const TIER_COLS: &str = "uscc, from_tier, to_tier, change, grace, borderline, stage, \
     reasons, missing, digital_class, class_partial, innovation, referral, panel";

/// How many columns [`TIER_COLS`] names.
pub(super) const TIER_COL_COUNT: usize = 14;

/// The firm columns [`firm_from_row`] reads.
pub(super) const FIRM_COLS: &str = "uscc, legacy, name, founded, industry";

fn corrupt(path: &str, key: impl Into<String>, reason: impl Into<String>) -> RegistryError {
    RegistryError::Corrupt {
        path: path.to_string(),
        key: key.into(),
        reason: reason.into(),
    }
}

fn sql_err(path: &str, context: &str) -> impl Fn(rusqlite::Error) -> RegistryError {
    let path = path.to_string();
    let context = context.to_string();
    move |source| RegistryError::Sqlite {
        path: path.clone(),
        context: context.clone(),
        source,
    }
}

/// A stored USCC (validated on insert; a legacy code is re-flagged by its checksum).
pub(super) fn parse_id(path: &str, s: &str) -> Result<EnterpriseId> {
    EnterpriseId::parse_with(s, LegacyPolicy::Accept).map_err(|e| corrupt(path, s, e.to_string()))
}

/// A firm from a row of [`FIRM_COLS`].
pub(super) fn firm_from_row(path: &str, row: &rusqlite::Row<'_>) -> Result<Enterprise> {
    let e = sql_err(path, "reading a firm");
    let uscc: String = row.get(0).map_err(&e)?;
    let legacy: i64 = row.get(1).map_err(&e)?;
    let name: String = row.get(2).map_err(&e)?;
    let founded: String = row.get(3).map_err(&e)?;
    let industry: Option<String> = row.get(4).map_err(&e)?;
    let policy = if legacy != 0 {
        LegacyPolicy::Accept
    } else {
        LegacyPolicy::Reject
    };
    let id =
        EnterpriseId::parse_with(&uscc, policy).map_err(|x| corrupt(path, &uscc, x.to_string()))?;
    let founded = NaiveDate::parse_from_str(&founded, "%Y-%m-%d")
        .map_err(|x| corrupt(path, &uscc, format!("founded '{founded}': {x}")))?;
    let industry = industry
        .map(|c| IndustryCode::parse(&c).map_err(|x| corrupt(path, &uscc, x.to_string())))
        .transpose()?;
    Ok(Enterprise {
        id,
        name,
        founded,
        industry,
    })
}

/// One firm, read on `conn` (the store's connection or an open transaction).
pub(super) fn read_firm(
    conn: &Connection,
    path: &str,
    id: &EnterpriseId,
) -> Result<Option<Enterprise>> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {FIRM_COLS} FROM firms WHERE uscc = ?1"))
        .map_err(sql_err(path, "reading a firm"))?;
    let mut rows = stmt
        .query([id.as_str()])
        .map_err(sql_err(path, "reading a firm"))?;
    match rows.next().map_err(sql_err(path, "reading a firm"))? {
        Some(row) => Ok(Some(firm_from_row(path, row)?)),
        None => Ok(None),
    }
}

/// Whether a report of `id` for `year` is stored.
pub(super) fn has_report(
    conn: &Connection,
    path: &str,
    id: &EnterpriseId,
    year: Year,
) -> Result<bool> {
    conn.prepare_cached("SELECT 1 FROM reports WHERE uscc = ?1 AND year = ?2")
        .and_then(|mut s| {
            s.query_row(rusqlite::params![id.as_str(), year], |_| Ok(()))
                .optional()
        })
        .map(|o| o.is_some())
        .map_err(sql_err(path, "reading a report"))
}

/// A report from a row of `uscc, year` and every fact of [`FACTS`].
pub(super) fn report_from_row(path: &str, row: &rusqlite::Row<'_>) -> Result<AnnualReport> {
    let e = sql_err(path, "reading a report");
    let uscc: String = row.get(0).map_err(&e)?;
    let year: Year = row.get(1).map_err(&e)?;
    let id = parse_id(path, &uscc)?;
    let mut r = AnnualReport::new(id, year);
    for (i, (name, kind)) in FACTS.iter().enumerate() {
        let raw: SqlValue = row.get(i + 2).map_err(&e)?;
        let key = || format!("report {uscc} {year} {name}");
        let v = match (kind, raw) {
            (FactKind::Money, SqlValue::Null) => FactValue::Money(None),
            (FactKind::Decimal, SqlValue::Null) => FactValue::Decimal(None),
            (FactKind::Count, SqlValue::Null) => FactValue::Count(None),
            (FactKind::Flag, SqlValue::Null) => FactValue::Flag(None),
            (FactKind::Money, SqlValue::Integer(f)) => FactValue::Money(Some(
                Money::from_fen(f).ok_or_else(|| corrupt(path, key(), "amount out of range"))?,
            )),
            (FactKind::Decimal, SqlValue::Text(t)) => FactValue::Decimal(Some(
                rust_decimal::Decimal::from_str_exact(&t)
                    .map_err(|x| corrupt(path, key(), x.to_string()))?,
            )),
            (FactKind::Count, SqlValue::Integer(n)) => FactValue::Count(Some(
                u32::try_from(n).map_err(|x| corrupt(path, key(), x.to_string()))?,
            )),
            (FactKind::Flag, SqlValue::Integer(n)) => FactValue::Flag(Some(n != 0)),
            (_, other) => {
                return Err(corrupt(path, key(), format!("unexpected value {other:?}")));
            }
        };
        r.set_fact(name, v).map_err(|x| corrupt(path, key(), x))?;
    }
    Ok(r)
}

/// A fact as an SQL value (`NULL` when not reported).
pub(super) fn fact_to_sql(v: FactValue) -> SqlValue {
    match v {
        FactValue::Money(Some(m)) => SqlValue::Integer(m.fen()),
        FactValue::Decimal(Some(d)) => SqlValue::Text(d.to_string()),
        FactValue::Count(Some(n)) => SqlValue::Integer(i64::from(n)),
        FactValue::Flag(Some(b)) => SqlValue::Integer(i64::from(b)),
        _ => SqlValue::Null,
    }
}

fn tier_key(t: Option<Tier>) -> SqlValue {
    t.map_or(SqlValue::Null, |t| SqlValue::Text(t.key().to_string()))
}

fn json_or_null<T: serde::Serialize>(v: Option<&T>) -> SqlValue {
    v.and_then(|x| serde_json::to_string(x).ok())
        .map_or(SqlValue::Null, SqlValue::Text)
}

/// The values of [`TIER_COLS`] for one entry.
pub(super) fn entry_values(en: &ChangeEntry) -> [SqlValue; TIER_COL_COUNT] {
    let text = |s: String| SqlValue::Text(s);
    let innovation: Vec<&str> = en.class.innovation.iter().map(|t| t.key()).collect();
    [
        text(en.id.as_str().to_string()),
        tier_key(en.from),
        tier_key(en.to),
        text(en.change.key().to_string()),
        SqlValue::Integer(i64::from(en.grace)),
        SqlValue::Integer(i64::from(en.borderline)),
        en.stage
            .map_or(SqlValue::Null, |s| text(s.key().to_string())),
        text(serde_json::to_string(&en.reasons).unwrap_or_else(|_| "[]".into())),
        text(serde_json::to_string(&en.missing).unwrap_or_else(|_| "[]".into())),
        en.class
            .digital
            .map_or(SqlValue::Null, |c| text(c.key().to_string())),
        SqlValue::Integer(i64::from(en.class.partial)),
        text(innovation.join(",")),
        json_or_null(en.referral.as_ref()),
        json_or_null(en.panel.as_ref()),
    ]
}

/// A change-log entry from a row of [`TIER_COLS`] (starting at column 0), decoded by
/// [`ChangeRow::decode`] as every store's.
pub(super) fn entry_from_row(
    path: &str,
    year: Year,
    row: &rusqlite::Row<'_>,
) -> Result<ChangeEntry> {
    let e = sql_err(path, "reading a change log");
    let text = |i: usize| -> Result<String> { row.get(i).map_err(&e) };
    let maybe = |i: usize| -> Result<Option<String>> { row.get(i).map_err(&e) };
    let flag = |i: usize| -> Result<bool> { Ok(row.get::<_, i64>(i).map_err(&e)? != 0) };
    let (uscc, from, to, change) = (text(0)?, maybe(1)?, maybe(2)?, text(3)?);
    let (stage, reasons, missing, digital) = (maybe(6)?, text(7)?, text(8)?, maybe(9)?);
    let (innovation, referral, panel) = (text(11)?, maybe(12)?, maybe(13)?);
    ChangeRow {
        uscc: &uscc,
        from_tier: from.as_deref(),
        to_tier: to.as_deref(),
        change: &change,
        grace: flag(4)?,
        borderline: flag(5)?,
        stage: stage.as_deref(),
        reasons: &reasons,
        missing: &missing,
        digital_class: digital.as_deref(),
        class_partial: flag(10)?,
        innovation: &innovation,
        referral: referral.as_deref(),
        panel: panel.as_deref(),
    }
    .decode(path, year)
}
