//! Reading scenarios, offers and firm capacities from CSV or TOML, all or nothing.
//!
//! The library reads from readers and text and never opens a path: the caller opens the
//! file and passes its name for messages. A file is accepted whole or refused with the first
//! fault, named by file, line, field and value; nothing is returned from a refused file.
//!
//! Bounds: at most [`crate::market::SCENARIOS_MAX`] scenarios and
//! [`crate::market::OFFERS_MAX`] offers per file (checked while reading, before memory
//! grows further), [`RECORD_BYTES_MAX`] per CSV record, [`TOML_BYTES_MAX`] per TOML text.
//!
//! CSV columns are the names in [`crate::scenario::SCENARIO_COLUMNS`] and
//! [`crate::offer::OFFER_COLUMNS`] (any order; unknown columns are refused, to catch typos);
//! tag lists are `;`-separated. TOML files hold `[[scenario]]` or `[[offer]]` tables with
//! the same keys (lists may be TOML arrays, dates TOML dates).

use std::collections::BTreeMap;
use std::io::Read;

use registry_model::EnterpriseId;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;

use crate::cell::{self, Cell};
use crate::error::{FieldError, MarketError, Result};
use crate::market::{FIRM_CAPACITY_MAX, OFFERS_MAX, SCENARIOS_MAX};
use crate::offer::{OFFER_COLUMNS, Offer, RawOffer};
use crate::scenario::{RawScenario, SCENARIO_COLUMNS, Scenario};

/// Longest CSV record, in bytes.
pub const RECORD_BYTES_MAX: usize = 64 * 1024;
/// Longest TOML text, in bytes (about 200,000 scenarios or offers).
pub const TOML_BYTES_MAX: usize = 256 * 1024 * 1024;
/// Columns of a capacity file.
pub const CAPACITY_COLUMNS: [&str; 3] = ["firm", "capacity", "note"];

/// How one kind of record is read and checked.
pub(crate) struct Kind<'a, R, V> {
    pub(crate) what: &'static str,
    pub(crate) columns: &'a [&'a str],
    pub(crate) required: &'a [&'a str],
    pub(crate) max: usize,
    pub(crate) validate: fn(&R) -> std::result::Result<V, FieldError>,
    /// The record's key for duplicate detection (the first required column names it).
    pub(crate) id: fn(&V) -> String,
}

fn record_error(
    file: &str,
    line: u64,
    field: &str,
    value: &str,
    reason: impl Into<String>,
) -> MarketError {
    FieldError::new(field, value, reason).at(file, line)
}

pub(crate) fn read_csv<R: DeserializeOwned, V>(
    reader: impl Read,
    file: &str,
    kind: &Kind<'_, R, V>,
) -> Result<Vec<V>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| record_error(file, 1, "-", "", format!("unreadable header: {e}")))?
        .clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    for (i, h) in names.iter().enumerate() {
        if !kind.columns.contains(&h.as_str()) {
            return Err(record_error(
                file,
                1,
                h,
                h,
                format!(
                    "unknown column; the columns are {}",
                    kind.columns.join(", ")
                ),
            ));
        }
        if names[..i].contains(h) {
            return Err(record_error(file, 1, h, h, "column given twice"));
        }
    }
    for r in kind.required {
        if !names.iter().any(|h| h == r) {
            return Err(record_error(file, 1, r, "", "required column missing"));
        }
    }
    let mut out: Vec<V> = Vec::new();
    let mut first_line: BTreeMap<String, u64> = BTreeMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = rdr.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            record_error(file, line, "-", "", format!("malformed CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.as_slice().len() > RECORD_BYTES_MAX {
            return Err(record_error(
                file,
                line,
                "-",
                "",
                format!("record longer than {RECORD_BYTES_MAX} bytes"),
            ));
        }
        if out.len() >= kind.max {
            return Err(MarketError::Limit {
                what: kind.what,
                value: out.len() as u64 + 1,
                limit: kind.max as u64,
            });
        }
        let pairs = names.iter().map(String::as_str).zip(record.iter());
        let raw: R = R::deserialize(MapDeserializer::<_, serde::de::value::Error>::new(pairs))
            .map_err(|e| record_error(file, line, "-", "", e.to_string()))?;
        let v = (kind.validate)(&raw).map_err(|e| e.at(file, line))?;
        let id = (kind.id)(&v);
        if let Some(first) = first_line.insert(id.clone(), line) {
            return Err(record_error(
                file,
                line,
                kind.required.first().copied().unwrap_or("id"),
                &id,
                format!("duplicate: already on line {first}"),
            ));
        }
        out.push(v);
    }
    Ok(out)
}

fn line_of(text: &str, offset: usize) -> u64 {
    text.get(..offset)
        .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count()) as u64
        + 1
}

fn read_toml<R: DeserializeOwned, V>(
    text: &str,
    file: &str,
    table: &str,
    kind: &Kind<'_, R, V>,
) -> Result<Vec<V>> {
    if text.len() > TOML_BYTES_MAX {
        return Err(MarketError::Limit {
            what: "TOML bytes",
            value: text.len() as u64,
            limit: TOML_BYTES_MAX as u64,
        });
    }
    let mut doc: BTreeMap<String, Vec<toml::Spanned<R>>> =
        toml::from_str(text).map_err(|e| MarketError::Config {
            file: file.to_string(),
            message: e.to_string(),
        })?;
    if let Some(k) = doc.keys().find(|k| k.as_str() != table) {
        return Err(MarketError::Config {
            file: file.to_string(),
            message: format!("unknown key '{k}'; the file holds [[{table}]] tables"),
        });
    }
    let items = doc.remove(table).unwrap_or_default();
    if items.len() > kind.max {
        return Err(MarketError::Limit {
            what: kind.what,
            value: items.len() as u64,
            limit: kind.max as u64,
        });
    }
    let mut out = Vec::with_capacity(items.len());
    let mut first_line: BTreeMap<String, u64> = BTreeMap::new();
    for item in items {
        let line = line_of(text, item.span().start);
        let v = (kind.validate)(item.get_ref()).map_err(|e| e.at(file, line))?;
        let id = (kind.id)(&v);
        if let Some(first) = first_line.insert(id.clone(), line) {
            return Err(record_error(
                file,
                line,
                "id",
                &id,
                format!("duplicate: already on line {first}"),
            ));
        }
        out.push(v);
    }
    Ok(out)
}

const SCENARIO_REQUIRED: [&str; 9] = [
    "id",
    "title",
    "owner",
    "owner_type",
    "kind",
    "region",
    "needs",
    "opens",
    "closes",
];
const OFFER_REQUIRED: [&str; 7] = [
    "id",
    "firm",
    "kind",
    "title",
    "tags",
    "maturity",
    "price_yuan",
];

fn scenario_kind() -> Kind<'static, RawScenario, Scenario> {
    Kind {
        what: "scenarios",
        columns: &SCENARIO_COLUMNS,
        required: &SCENARIO_REQUIRED,
        max: SCENARIOS_MAX,
        validate: RawScenario::validate,
        id: |s| s.id.to_string(),
    }
}

fn offer_kind() -> Kind<'static, RawOffer, Offer> {
    Kind {
        what: "offers",
        columns: &OFFER_COLUMNS,
        required: &OFFER_REQUIRED,
        max: OFFERS_MAX,
        validate: RawOffer::validate,
        id: |o| o.id.to_string(),
    }
}

/// Reads a scenario CSV (header first); `file` names it in errors.
///
/// ```
/// let csv = "id,title,owner,owner_type,kind,region,needs,opens,closes\n\
///            S1,Smart port,Qingdao Port,state_owned,technology_application,370200,vision;port,2025-03-01,2025-06-30\n\
///            S2,Grid,State Grid,state_owned,data_empowerment,370100,grid,2025-13-01,2025-06-30\n";
/// let err = scenario_market::load::read_scenarios_csv(csv.as_bytes(), "scenarios.csv").unwrap_err();
/// assert!(err.to_string().starts_with("scenarios.csv:3: field 'opens' = '2025-13-01'"));
/// ```
pub fn read_scenarios_csv(reader: impl Read, file: &str) -> Result<Vec<Scenario>> {
    read_csv(reader, file, &scenario_kind())
}

/// Reads an offer CSV; `file` names it in errors.
pub fn read_offers_csv(reader: impl Read, file: &str) -> Result<Vec<Offer>> {
    read_csv(reader, file, &offer_kind())
}

/// Reads `[[scenario]]` tables from TOML text; `file` names it in errors.
pub fn read_scenarios_toml(text: &str, file: &str) -> Result<Vec<Scenario>> {
    read_toml(text, file, "scenario", &scenario_kind())
}

/// Reads `[[offer]]` tables from TOML text; `file` names it in errors.
pub fn read_offers_toml(text: &str, file: &str) -> Result<Vec<Offer>> {
    read_toml(text, file, "offer", &offer_kind())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawCapacity {
    firm: Cell,
    capacity: Cell,
    #[allow(dead_code)] // free text for people
    note: Cell,
}

fn validate_capacity(r: &RawCapacity) -> std::result::Result<(EnterpriseId, u32), FieldError> {
    let t = cell::required("firm", &r.firm)?;
    let firm: EnterpriseId = t
        .parse()
        .map_err(|e: registry_model::UsccError| FieldError::new("firm", t, e.to_string()))?;
    let cap = cell::int_in(
        "capacity",
        cell::required("capacity", &r.capacity)?,
        1,
        u64::from(FIRM_CAPACITY_MAX),
    )? as u32;
    Ok((firm, cap))
}

/// Reads a capacity CSV (`firm,capacity`): how many scenarios each listed firm may take.
pub fn read_capacities_csv(reader: impl Read, file: &str) -> Result<Vec<(EnterpriseId, u32)>> {
    read_csv(
        reader,
        file,
        &Kind {
            what: "capacities",
            columns: &CAPACITY_COLUMNS,
            required: &["firm", "capacity"],
            max: OFFERS_MAX,
            validate: validate_capacity,
            id: |c| c.0.to_string(),
        },
    )
}
