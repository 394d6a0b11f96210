//! One input value as text, whether it came from a CSV cell or a TOML value, and the parsers
//! every loader shares (dates, money, integers, ratios, flags), each failing with the field
//! and the value at fault.

use chrono::NaiveDate;
use registry_model::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::error::FieldError;

/// A raw input value as text. CSV cells are text already; TOML integers, booleans, dates and
/// arrays of strings are turned into the text a CSV cell would hold (`2025-03-01`, `true`,
/// `a;b`), so both formats go through the same validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell(pub String);

impl Cell {
    /// The text, trimmed.
    pub fn text(&self) -> &str {
        self.0.trim()
    }

    /// `None` for an empty cell.
    pub fn opt(&self) -> Option<&str> {
        let t = self.text();
        (!t.is_empty()).then_some(t)
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
            Bool(bool),
            Date(toml::value::Datetime),
            List(Vec<String>),
        }
        Ok(Cell(match Raw::deserialize(d)? {
            Raw::Text(s) => s,
            Raw::Int(i) => i.to_string(),
            Raw::Bool(b) => b.to_string(),
            Raw::Date(dt) => dt.to_string(),
            Raw::List(v) => v.join(";"),
        }))
    }
}

/// A required cell.
pub(crate) fn required<'a>(field: &str, cell: &'a Cell) -> Result<&'a str, FieldError> {
    cell.opt()
        .ok_or_else(|| FieldError::new(field, "", "is required"))
}

/// A required USCC (checked by registry-model's `EnterpriseId`).
pub(crate) fn firm(field: &str, cell: &Cell) -> Result<registry_model::EnterpriseId, FieldError> {
    let t = required(field, cell)?;
    t.parse()
        .map_err(|e: registry_model::UsccError| FieldError::new(field, t, e.to_string()))
}

/// An ISO date `YYYY-MM-DD`.
pub(crate) fn date(field: &str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, text, "not a date YYYY-MM-DD"))
}

/// An optional date (empty: `None`).
pub(crate) fn opt_date(field: &str, cell: &Cell) -> Result<Option<NaiveDate>, FieldError> {
    cell.opt().map(|t| date(field, t)).transpose()
}

/// An amount of yuan, whole fen, not negative.
pub(crate) fn money(field: &str, text: &str) -> Result<Money, FieldError> {
    let m: Money = text
        .trim()
        .parse()
        .map_err(|e: registry_model::money::MoneyError| FieldError::new(field, text, e.reason()))?;
    if m.fen() < 0 {
        return Err(FieldError::new(field, text, "is negative"));
    }
    Ok(m)
}

/// An optional amount (empty: `None`).
pub(crate) fn opt_money(field: &str, cell: &Cell) -> Result<Option<Money>, FieldError> {
    cell.opt().map(|t| money(field, t)).transpose()
}

/// An amount that defaults to zero when the cell is empty.
pub(crate) fn money_or_zero(field: &str, cell: &Cell) -> Result<Money, FieldError> {
    Ok(opt_money(field, cell)?.unwrap_or(Money::ZERO))
}

/// An integer in `min..=max`.
pub(crate) fn int_in(field: &str, text: &str, min: u64, max: u64) -> Result<u64, FieldError> {
    let v: u64 = text
        .trim()
        .parse()
        .map_err(|_| FieldError::new(field, text, "not a whole number"))?;
    if v < min || v > max {
        return Err(FieldError::new(
            field,
            text,
            format!("outside {min}..={max}"),
        ));
    }
    Ok(v)
}

/// A decimal ratio in `[0, 1]` with at most four decimal places (basis points).
pub(crate) fn ratio(field: &str, text: &str) -> Result<Decimal, FieldError> {
    let d = Decimal::from_str_exact(text.trim())
        .map_err(|_| FieldError::new(field, text, "not a decimal number"))?;
    check_ratio(field, d)?;
    Ok(d.normalize())
}

/// Checks that `d` is a ratio in `[0, 1]` with at most four decimal places.
pub(crate) fn check_ratio(field: &str, d: Decimal) -> Result<(), FieldError> {
    if d < Decimal::ZERO || d > Decimal::ONE {
        return Err(FieldError::new(field, d, "outside [0, 1]"));
    }
    if d.normalize().scale() > 4 {
        return Err(FieldError::new(
            field,
            d,
            "has more than four decimal places (basis points)",
        ));
    }
    Ok(())
}

/// A ratio in `[0, 1]` as basis points (exact: the ratio has at most four decimal places).
pub(crate) fn ratio_bp(d: Decimal) -> u32 {
    use rust_decimal::prelude::ToPrimitive;
    (d * Decimal::from(10_000)).trunc().to_u32().unwrap_or(0)
}

/// `true`/`false` (also `yes`/`no`, `1`/`0`).
pub(crate) fn flag(field: &str, text: &str) -> Result<bool, FieldError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(FieldError::new(field, text, "not true or false")),
    }
}

/// An optional flag (empty: unknown).
pub(crate) fn opt_flag(field: &str, cell: &Cell) -> Result<Option<bool>, FieldError> {
    cell.opt().map(|t| flag(field, t)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_values_become_cell_text() {
        #[derive(Deserialize)]
        struct R {
            a: Cell,
            b: Cell,
            c: Cell,
            d: Cell,
            e: Cell,
        }
        let r: R =
            toml::from_str("a = \"x\"\nb = 7\nc = true\nd = 2025-03-01\ne = [\"p\", \"q\"]\n")
                .unwrap();
        assert_eq!(
            [r.a.0, r.b.0, r.c.0, r.d.0, r.e.0],
            ["x", "7", "true", "2025-03-01", "p;q"]
        );
    }

    #[test]
    fn parsers_name_the_field() {
        assert_eq!(money("budget_yuan", "12.5").unwrap().fen(), 1250);
        let e = money("budget_yuan", "1.001").unwrap_err();
        assert_eq!(e.field, "budget_yuan");
        assert!(money("budget_yuan", "-1").is_err());
        assert!(date("opens", "2025-02-30").is_err());
        assert_eq!(int_in("slots", "3", 1, 10).unwrap(), 3);
        assert!(int_in("slots", "0", 1, 10).is_err());
        assert!(int_in("slots", "-1", 1, 10).is_err());
        assert_eq!(ratio_bp(ratio("d", "0.1").unwrap()), 1000);
        assert!(ratio("d", "0.12345").is_err());
        assert!(ratio("d", "1.5").is_err());
        assert!(flag("own_ip", "maybe").is_err());
    }
}
