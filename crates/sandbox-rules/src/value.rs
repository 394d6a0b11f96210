//! Fact types and typed values.
//!
//! Numbers are exact: integers are `i64`, decimals, percents and money are
//! [`rust_decimal::Decimal`]. A percent is stored as a fraction (`5%` is `0.05`); money is in
//! yuan. Enumeration and text values are strings; an enumeration's fact declaration lists the
//! values it may take.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The type of a fact or a parameter, as declared in a rule set's `[facts]` or `[params]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FactType {
    /// A whole number (`i64`).
    Integer,
    /// An exact decimal number.
    Decimal,
    /// A share, stored as a fraction: `"5%"` and `0.05` are the same value.
    Percent,
    /// An amount of money in yuan, exact.
    Money,
    /// A calendar date.
    Date,
    /// True or false.
    Boolean,
    /// One of a closed list of values.
    Enumeration {
        /// The values the fact may take.
        values: Vec<String>,
    },
    /// Free text (codes, names).
    Text,
    /// A list of items; items are enumeration values when `values` is not empty, text otherwise.
    List {
        /// The values an item may take (empty: any text).
        values: Vec<String>,
    },
}

impl FactType {
    /// Parses a declared type name; `values` are the variants of an enumeration or list.
    pub fn from_name(name: &str, values: Vec<String>) -> Option<Self> {
        Some(match name {
            "integer" => Self::Integer,
            "decimal" => Self::Decimal,
            "percent" => Self::Percent,
            "money" => Self::Money,
            "date" => Self::Date,
            "boolean" => Self::Boolean,
            "enumeration" => Self::Enumeration { values },
            "text" => Self::Text,
            "list" => Self::List { values },
            _ => return None,
        })
    }

    /// The declared name of the type.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Percent => "percent",
            Self::Money => "money",
            Self::Date => "date",
            Self::Boolean => "boolean",
            Self::Enumeration { .. } => "enumeration",
            Self::Text => "text",
            Self::List { .. } => "list",
        }
    }

    /// Whether values of this type are numbers (compared as decimals).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Self::Integer | Self::Decimal | Self::Percent | Self::Money
        )
    }

    /// Whether values of this type are ordered (numbers and dates).
    pub fn is_ordered(&self) -> bool {
        self.is_numeric() || matches!(self, Self::Date)
    }

    /// Whether values of this type are strings (enumerations and text).
    pub fn is_textual(&self) -> bool {
        matches!(self, Self::Enumeration { .. } | Self::Text)
    }

    /// Checks a value against this type; numbers of another numeric kind are accepted
    /// (an integer where money is declared), strings must be a declared variant.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let ok = match (self, value) {
            (t, v) if t.is_numeric() && v.as_number().is_some() => {
                !matches!(t, Self::Integer) || matches!(v, Value::Integer(_))
            }
            (Self::Date, Value::Date(_)) | (Self::Boolean, Value::Boolean(_)) => true,
            (Self::Text, Value::Text(_)) => true,
            (Self::Enumeration { values }, Value::Text(s)) => {
                if !values.iter().any(|v| v == s) {
                    return Err(format!(
                        "'{s}' is not one of the declared values [{}]",
                        values.join(", ")
                    ));
                }
                true
            }
            (Self::List { values }, Value::List(items)) => {
                if !values.is_empty() {
                    if let Some(bad) = items.iter().find(|i| !values.contains(i)) {
                        return Err(format!(
                            "list item '{bad}' is not one of the declared values [{}]",
                            values.join(", ")
                        ));
                    }
                }
                true
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "expected {}, found {} {}",
                self.name(),
                value.kind(),
                value
            ))
        }
    }

    /// Parses a value of this type from text (a CSV cell, a command-line argument).
    ///
    /// Percent accepts `"5%"` (five per cent) or a fraction `"0.05"`; money accepts an
    /// optional `¥` prefix and `,` digit separators; lists are separated by `;` or `|`;
    /// booleans are `true/false`, `yes/no`, `1/0`, `是/否`.
    pub fn parse_text(&self, text: &str) -> Result<Value, String> {
        let t = text.trim();
        let value = match self {
            Self::Integer => Value::Integer(
                t.replace(',', "")
                    .parse::<i64>()
                    .map_err(|_| format!("'{t}' is not an integer"))?,
            ),
            Self::Decimal => Value::Decimal(parse_decimal(t)?),
            Self::Money => {
                let s = t.trim_start_matches('¥').replace(',', "");
                Value::Money(parse_decimal(&s)?)
            }
            Self::Percent => Value::Percent(parse_percent(t)?),
            Self::Date => Value::Date(
                NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map_err(|_| format!("'{t}' is not a date (YYYY-MM-DD)"))?,
            ),
            Self::Boolean => Value::Boolean(match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" | "是" => true,
                "false" | "no" | "n" | "0" | "否" => false,
                _ => return Err(format!("'{t}' is not a boolean (true/false)")),
            }),
            Self::Enumeration { .. } | Self::Text => Value::Text(t.to_string()),
            Self::List { .. } => Value::List(
                t.split([';', '|'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
        };
        self.check(&value)?;
        Ok(value)
    }

    /// Converts a TOML value to a value of this type. Decimals may be written as TOML numbers
    /// or as strings (`"0.05"`, `"5%"` for a percent); a float is read through its shortest
    /// decimal text, so `0.05` is exactly `0.05`.
    pub fn from_toml(&self, v: &toml::Value) -> Result<Value, String> {
        let value = match (self, v) {
            (Self::Integer, toml::Value::Integer(i)) => Value::Integer(*i),
            (Self::Decimal, toml::Value::Integer(i)) => Value::Decimal(Decimal::from(*i)),
            (Self::Money, toml::Value::Integer(i)) => Value::Money(Decimal::from(*i)),
            // `rd_ratio = 5` would silently mean 500 %: a percent is written "5%" or 0.05.
            (Self::Percent, toml::Value::Integer(i)) => {
                return Err(format!(
                    "a percent written as the integer {i} is ambiguous: write \"{i}%\" or the fraction {}",
                    Decimal::from(*i) / Decimal::ONE_HUNDRED
                ));
            }
            (Self::Decimal, toml::Value::Float(f)) => Value::Decimal(float_decimal(*f)?),
            (Self::Money, toml::Value::Float(f)) => Value::Money(float_decimal(*f)?),
            (Self::Percent, toml::Value::Float(f)) => Value::Percent(float_decimal(*f)?),
            (Self::Date, toml::Value::Datetime(d)) => Value::Date(toml_date(d)?),
            (Self::Boolean, toml::Value::Boolean(b)) => Value::Boolean(*b),
            (Self::Enumeration { .. } | Self::Text, toml::Value::String(s)) => {
                Value::Text(s.clone())
            }
            (Self::List { .. }, toml::Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        toml::Value::String(s) => out.push(s.clone()),
                        other => {
                            return Err(format!(
                                "list items must be strings, found {}",
                                other.type_str()
                            ));
                        }
                    }
                }
                Value::List(out)
            }
            (
                Self::Integer
                | Self::Decimal
                | Self::Money
                | Self::Percent
                | Self::Date
                | Self::Boolean,
                toml::Value::String(s),
            ) => return self.parse_text(s),
            (t, other) => {
                return Err(format!(
                    "expected {}, found TOML {} {}",
                    t.name(),
                    other.type_str(),
                    other
                ));
            }
        };
        self.check(&value)?;
        Ok(value)
    }
}

/// A typed value of a fact or parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// A whole number.
    Integer(i64),
    /// An exact decimal.
    Decimal(Decimal),
    /// A share as a fraction (`0.05` is 5 %).
    Percent(Decimal),
    /// Money in yuan.
    Money(Decimal),
    /// A date.
    Date(NaiveDate),
    /// True or false.
    Boolean(bool),
    /// An enumeration value or free text.
    Text(String),
    /// A list of items.
    List(Vec<String>),
}

impl Value {
    /// The number, for the numeric kinds.
    pub fn as_number(&self) -> Option<Decimal> {
        match self {
            Self::Integer(i) => Some(Decimal::from(*i)),
            Self::Decimal(d) | Self::Percent(d) | Self::Money(d) => Some(*d),
            _ => None,
        }
    }

    /// The name of the value's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Integer(_) => "integer",
            Self::Decimal(_) => "decimal",
            Self::Percent(_) => "percent",
            Self::Money(_) => "money",
            Self::Date(_) => "date",
            Self::Boolean(_) => "boolean",
            Self::Text(_) => "text",
            Self::List(_) => "list",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer(i) => write!(f, "{i}"),
            Self::Decimal(d) => write!(f, "{}", d.normalize()),
            Self::Percent(d) => match d.checked_mul(Decimal::ONE_HUNDRED) {
                Some(p) => write!(f, "{}%", p.normalize()),
                None => write!(f, "{} (fraction)", d.normalize()),
            },
            Self::Money(d) => write!(f, "¥{}", d.normalize()),
            Self::Date(d) => write!(f, "{d}"),
            Self::Boolean(b) => write!(f, "{b}"),
            Self::Text(s) => write!(f, "{s}"),
            Self::List(items) => write!(f, "[{}]", items.join(", ")),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Integer(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Boolean(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Self::Date(v)
    }
}

fn parse_decimal(t: &str) -> Result<Decimal, String> {
    t.parse::<Decimal>()
        .map_err(|_| format!("'{t}' is not a decimal number"))
}

fn parse_percent(t: &str) -> Result<Decimal, String> {
    match t.strip_suffix('%') {
        Some(p) => Ok(parse_decimal(p.trim())? / Decimal::ONE_HUNDRED),
        None => parse_decimal(t),
    }
}

/// A TOML float read through Rust's shortest round-trip text, so `0.05` stays `0.05`.
fn float_decimal(f: f64) -> Result<Decimal, String> {
    if !f.is_finite() {
        return Err(format!("{f} is not a finite number"));
    }
    let text = format!("{f}");
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("{f} cannot be held as an exact decimal"))
}

/// A TOML date (no time, no offset) as a `NaiveDate`.
pub(crate) fn toml_date(d: &toml::value::Datetime) -> Result<NaiveDate, String> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .ok_or_else(|| format!("{d} is not a valid date")),
        _ => Err(format!(
            "{d} must be a plain date (YYYY-MM-DD), without a time"
        )),
    }
}

/// A date given in TOML either natively or as a `"YYYY-MM-DD"` string.
pub(crate) fn toml_value_date(v: &toml::Value) -> Result<NaiveDate, String> {
    match v {
        toml::Value::Datetime(d) => toml_date(d),
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)")),
        other => Err(format!("expected a date, found {}", other.type_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn percent_forms_agree() {
        let t = FactType::Percent;
        assert_eq!(t.parse_text("5%").unwrap(), Value::Percent(dec!(0.05)));
        assert_eq!(t.parse_text("0.05").unwrap(), Value::Percent(dec!(0.05)));
        let v: toml::Value = toml::from_str::<toml::Table>("x = 0.05").unwrap()["x"].clone();
        assert_eq!(t.from_toml(&v).unwrap(), Value::Percent(dec!(0.05)));
        assert_eq!(Value::Percent(dec!(0.035)).to_string(), "3.5%");
    }

    #[test]
    fn percent_as_integer_is_refused() {
        let v: toml::Value = toml::from_str::<toml::Table>("x = 5").unwrap()["x"].clone();
        let err = FactType::Percent.from_toml(&v).unwrap_err();
        assert!(err.contains("\"5%\"") && err.contains("0.05"), "{err}");
    }

    #[test]
    fn enumeration_rejects_undeclared_value() {
        let t = FactType::Enumeration {
            values: vec!["low".into(), "high".into()],
        };
        assert!(t.parse_text("low").is_ok());
        let err = t.parse_text("medium").unwrap_err();
        assert!(err.contains("medium") && err.contains("low, high"), "{err}");
    }

    #[test]
    fn integer_rejects_decimal_and_money_takes_separators() {
        assert!(FactType::Integer.parse_text("1.5").is_err());
        assert_eq!(
            FactType::Money.parse_text("¥1,250,000.50").unwrap(),
            Value::Money(dec!(1250000.50))
        );
    }
}
