//! Exact money: [`Money`] holds integer fen (分) inside and speaks `Decimal` yuan at the API.
//!
//! Criteria compare money and money ratios exactly with integer arithmetic, so a firm exactly at
//! a threshold always passes a "≥" test; nothing on the money path touches floating point.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest amount accepted, in fen: ¥10^15 (a thousand trillion yuan), far above any firm,
/// low enough that sums of a few thousand amounts and products with small ratios fit in i128.
pub const MONEY_FEN_MAX: i64 = 100_000_000_000_000_000;

/// An exact amount of money in yuan, stored as integer fen.
///
/// Parsing accepts at most two decimal places: an amount with a fraction of a fen is an error,
/// not a silent rounding.
///
/// ```
/// use registry_model::Money;
/// let m: Money = "12345.67".parse().unwrap();
/// assert_eq!(m.fen(), 1_234_567);
/// assert_eq!(m.to_string(), "12345.67");
/// assert!("1.005".parse::<Money>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Money(i64);

/// Why a value is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not an amount of yuan: {reason}")]
pub struct MoneyError {
    /// The text or value as given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(0);

    /// An amount from integer fen; `None` beyond ±[`MONEY_FEN_MAX`].
    pub const fn from_fen(fen: i64) -> Option<Money> {
        if fen > MONEY_FEN_MAX || fen < -MONEY_FEN_MAX {
            None
        } else {
            Some(Money(fen))
        }
    }

    /// An amount of whole yuan; `None` beyond the limit.
    pub const fn from_yuan_i64(yuan: i64) -> Option<Money> {
        match yuan.checked_mul(100) {
            Some(f) => Money::from_fen(f),
            None => None,
        }
    }

    /// An amount from `Decimal` yuan; an error when it has a fraction of a fen or is too large.
    pub fn from_yuan(yuan: Decimal) -> Result<Money, MoneyError> {
        let Some(fen) = yuan.checked_mul(Decimal::ONE_HUNDRED) else {
            return Err(MoneyError {
                value: yuan.to_string(),
                reason: "is beyond ±10^15 yuan",
            });
        };
        if fen.fract() != Decimal::ZERO {
            return Err(MoneyError {
                value: yuan.to_string(),
                reason: "has a fraction of a fen (at most two decimal places)",
            });
        }
        fen.to_i64()
            .and_then(Money::from_fen)
            .ok_or_else(|| MoneyError {
                value: yuan.to_string(),
                reason: "is beyond ±10^15 yuan",
            })
    }

    /// The amount in integer fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// The amount in yuan, exact.
    pub fn yuan(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Sum of two amounts; `None` beyond the limit.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).and_then(Money::from_fen)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.yuan())
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let d = Decimal::from_str_exact(t).map_err(|_| MoneyError {
            value: t.to_string(),
            reason: "not a decimal number",
        })?;
        Money::from_yuan(d)
    }
}

impl Serialize for Money {
    /// Serialised as a decimal string of yuan ("1234.50"), exact in every format.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.yuan().to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Accepts a decimal string or a JSON/TOML integer of yuan.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
            Raw::Int(i) => Money::from_yuan_i64(i)
                .ok_or_else(|| serde::de::Error::custom(format!("{i} yuan is beyond ±10^15 yuan"))),
        }
    }
}

/// True when `num / den >= ratio` (or `>` when `strict`), decided exactly.
///
/// `den` must be positive; the caller reports a zero or negative denominator as a failed or
/// undecidable condition before asking.
pub(crate) fn ratio_cmp(num: i128, den: i128, ratio: Decimal) -> std::cmp::Ordering {
    // num/den vs m/10^s  <=>  num·10^s vs m·den (den > 0). Both sides fit in i128 for amounts
    // up to MONEY_FEN_MAX and ratios with up to 12 decimal places; otherwise fall back to
    // Decimal, which is still exact for the ratios a criteria file can hold.
    let m = ratio.mantissa();
    let s = ratio.scale();
    if s <= 12 {
        let p = 10i128.pow(s);
        if let (Some(l), Some(r)) = (num.checked_mul(p), m.checked_mul(den)) {
            return l.cmp(&r);
        }
    }
    match (
        Decimal::try_from_i128_with_scale(num, 0),
        Decimal::try_from_i128_with_scale(den, 0),
    ) {
        (Ok(n), Ok(d)) => match ratio.checked_mul(d) {
            Some(r) => n.cmp(&r),
            // ratio·den overflows Decimal only when it is astronomically larger than any amount.
            None => std::cmp::Ordering::Less,
        },
        // Unreachable for amounts within MONEY_FEN_MAX; ordering by sign is the safe answer.
        _ => num.signum().cmp(&den.signum()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use std::cmp::Ordering;

    #[test]
    fn parse_and_print() {
        assert_eq!("0.01".parse::<Money>().unwrap().fen(), 1);
        assert_eq!("-3".parse::<Money>().unwrap().fen(), -300);
        assert_eq!(Money::from_fen(150).unwrap().to_string(), "1.50");
        assert!("abc".parse::<Money>().is_err());
        assert!("1e3".parse::<Money>().is_err());
        assert!("10000000000000000".parse::<Money>().is_err());
        // Beyond Decimal's range after scaling to fen: an error, not a panic.
        assert!("79228162514264337593543950335".parse::<Money>().is_err());
    }

    #[test]
    fn ratio_is_exact_at_the_boundary() {
        // 5 % of 10,000,000 fen is exactly 500,000 fen.
        assert_eq!(ratio_cmp(500_000, 10_000_000, dec!(0.05)), Ordering::Equal);
        assert_eq!(ratio_cmp(499_999, 10_000_000, dec!(0.05)), Ordering::Less);
        assert_eq!(
            ratio_cmp(500_001, 10_000_000, dec!(0.05)),
            Ordering::Greater
        );
    }

    #[test]
    fn serde_is_a_yuan_string() {
        let m = Money::from_fen(123_456).unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"1234.56\"");
        let back: Money = serde_json::from_str("\"1234.56\"").unwrap();
        assert_eq!(back, m);
        let int: Money = serde_json::from_str("7").unwrap();
        assert_eq!(int.fen(), 700);
    }
}
