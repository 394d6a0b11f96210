//! One value of a table, typed, so that each output shows it right: rounded for people, at
//! full precision in CSV, as a number, boolean, `null` or string in JSON.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::lang::Lang;
use crate::number;

/// A key for programs with its name for people in each language (a cluster id and the
/// cluster's names, a tier key and the tier's names; see [`crate::names`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The key: CSV and JSON carry it.
    pub key: String,
    /// The English name.
    pub en: String,
    /// The Chinese name.
    pub zh: String,
}

/// A typed table value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value: empty in a table and in CSV, `null` in JSON.
    Null,
    /// Text.
    Text(String),
    /// A whole number.
    Int(i128),
    /// A measured number; `digits` decimals in a table (`None`: full precision everywhere).
    /// A value that is not finite shows as empty (`null` in JSON).
    Float {
        /// The value.
        value: f64,
        /// Decimals shown to people.
        digits: Option<u8>,
    },
    /// An exact decimal that is not money (a ratio, a weight): a JSON number.
    Number(Decimal),
    /// Money in yuan, exact: a decimal string in every format (`"1234.50"`).
    Money(Decimal),
    /// A yes/no value: `true`/`false`.
    Bool(bool),
    /// A calendar date, `YYYY-MM-DD`.
    Date(NaiveDate),
    /// A key for programs, a name for people.
    Term(Box<Term>),
}

impl Cell {
    /// Money in yuan.
    pub fn money(yuan: Decimal) -> Self {
        Cell::Money(yuan)
    }

    /// A measured number shown to people with `digits` decimals.
    pub fn fixed(value: f64, digits: u8) -> Self {
        Cell::Float {
            value,
            digits: Some(digits),
        }
    }

    /// The text in a table for people, in English.
    pub fn text(&self) -> String {
        self.text_in(Lang::En)
    }

    /// The text in a table for people in `lang`: numbers rounded to their digits, money by
    /// [`number::money`]'s rule, names in the language, yes/no in words.
    pub fn text_in(&self, lang: Lang) -> String {
        match self {
            Cell::Float {
                value,
                digits: Some(d),
            } => number::fixed(*value, usize::from(*d)),
            Cell::Money(d) => number::money(*d, lang),
            Cell::Term(t) => lang.pick(&t.en, &t.zh).clone(),
            Cell::Bool(b) if lang == Lang::Zh => if *b { "是" } else { "否" }.into(),
            other => other.csv(),
        }
    }

    /// The text in CSV (full precision).
    pub fn csv(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Float { value, .. } => number::full(*value),
            Cell::Number(d) => d.to_string(),
            Cell::Money(d) => number::yuan_exact(*d),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Term(t) => t.key.clone(),
        }
    }

    /// The JSON value.
    pub fn json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Cell::Null => Value::Null,
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Int(n) => match i64::try_from(*n) {
                Ok(i) => Value::from(i),
                Err(_) => match u64::try_from(*n) {
                    Ok(u) => Value::from(u),
                    Err(_) => Value::String(n.to_string()),
                },
            },
            Cell::Float { value, .. } => serde_json::Number::from_f64(*value)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Cell::Number(d) => d
                .to_f64()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Cell::Money(d) => Value::String(number::yuan_exact(*d)),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            Cell::Term(t) => Value::String(t.key.clone()),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<&String> for Cell {
    fn from(s: &String) -> Self {
        Cell::Text(s.clone())
    }
}

macro_rules! int_cells {
    ($($t:ty),*) => {$(
        impl From<$t> for Cell {
            fn from(n: $t) -> Self {
                Cell::Int(i128::from(n))
            }
        }
    )*};
}
int_cells!(i8, i16, i32, i64, u8, u16, u32, u64);

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Int(n as i128)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Self {
        Cell::Float {
            value,
            digits: None,
        }
    }
}

impl From<Decimal> for Cell {
    fn from(d: Decimal) -> Self {
        Cell::Number(d)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn each_output_shows_a_value_its_way() {
        let x = Cell::fixed(2.0 / 3.0, 3);
        assert_eq!(x.text(), "0.667");
        assert_eq!(x.csv(), "0.6666666666666666");
        assert_eq!(x.json(), serde_json::json!(0.6666666666666666));
        let m = Cell::money(dec!(12345.50));
        assert_eq!((m.text(), m.csv()), ("12,345.50".into(), "12345.50".into()));
        assert_eq!(m.text_in(Lang::Zh), "1.23万元");
        let t = Cell::Term(Box::new(Term {
            key: "wuhu".into(),
            en: "Wuhu".into(),
            zh: "芜湖".into(),
        }));
        assert_eq!(
            (t.csv(), t.json()),
            ("wuhu".into(), serde_json::json!("wuhu"))
        );
        assert_eq!(
            (t.text(), t.text_in(Lang::Zh)),
            ("Wuhu".into(), "芜湖".into())
        );
        assert_eq!(Cell::from(true).text_in(Lang::Zh), "是");
        assert_eq!(m.json(), serde_json::json!("12345.50"));
        assert_eq!(Cell::from(f64::NAN).json(), serde_json::Value::Null);
        assert_eq!(Cell::from(f64::INFINITY).csv(), "");
        assert_eq!(Cell::from(None::<u32>).json(), serde_json::Value::Null);
        assert_eq!(Cell::from(7u64).json(), serde_json::json!(7));
        assert_eq!(Cell::from(true).json(), serde_json::json!(true));
        assert_eq!(Cell::from(dec!(0.25)).json(), serde_json::json!(0.25));
    }
}
