//! Reading TOML parameter files: parse errors with their line, and dates written either as
//! TOML dates (`2025-01-01`) or strings (`"2025-01-01"`).

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

use crate::error::{FinanceError, Result};

/// The 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses TOML into `T`, turning a parser error into [`FinanceError::Syntax`] with its line.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| FinanceError::Syntax {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
        message: e.message().to_string(),
    })
}

/// Deserialises a date from a TOML date or a `YYYY-MM-DD` string.
pub(crate) fn date<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Toml(dt) => match (dt.date, dt.time) {
            (Some(date), None) => date.to_string(),
            _ => {
                return Err(serde::de::Error::custom(format!(
                    "'{dt}' is not a plain date"
                )));
            }
        },
        Raw::Text(s) => s,
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| serde::de::Error::custom(format!("'{text}' is not a date (YYYY-MM-DD)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_name_the_line() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            a: u32,
        }
        let e = parse_toml::<T>("a = 1\nb = 2\n", "x.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("x.toml:2:"), "{msg}");
    }

    #[test]
    fn dates_in_both_spellings() {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(deserialize_with = "date")]
            d: NaiveDate,
        }
        let a: T = parse_toml("d = 2025-01-02", "x").unwrap();
        let b: T = parse_toml("d = \"2025-01-02\"", "x").unwrap();
        assert_eq!(a.d, b.d);
        assert!(parse_toml::<T>("d = 2025-01-02T10:00:00", "x").is_err());
        assert!(parse_toml::<T>("d = \"2025-13-02\"", "x").is_err());
    }
}
