//! Reading records from CSV and TOML, all or nothing: the machinery every reader of the
//! crate shares (scenarios, offers, capacities, bids, scores, applications, purchases,
//! outcomes, registry standings). A file is accepted whole or refused with its first fault,
//! named by file, line, field and value; unknown columns, missing required columns and
//! duplicate keys (with the line of the first) are refused too.

use std::collections::BTreeMap;
use std::io::Read;

use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;

use crate::error::{FieldError, MarketError, Result};

/// Longest CSV record, in bytes.
pub const RECORD_BYTES_MAX: usize = 64 * 1024;
/// Longest TOML text, in bytes (about 200,000 scenarios or offers).
pub const TOML_BYTES_MAX: usize = 256 * 1024 * 1024;

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

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> u64 {
    text.get(..offset)
        .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count()) as u64
        + 1
}

pub(crate) fn read_toml<R: DeserializeOwned, V>(
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
