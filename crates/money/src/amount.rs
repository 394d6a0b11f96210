//! [`Money`]: integer fen inside, `Decimal` yuan at the API; parsing, printing, serde and
//! checked arithmetic.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::MoneyError;
use crate::ratio::Ratio;

/// Fen in one yuan.
pub const FEN_PER_YUAN: i64 = 100;

/// The largest amount accepted, in fen: ¥10^15 (a thousand trillion yuan), far above any firm
/// or program, low enough that sums of many amounts and products with ratios fit in `i128`
/// and in Decimal's 96-bit mantissa.
pub const MONEY_FEN_MAX: i64 = 100_000_000_000_000_000;

/// An exact amount of money in yuan, stored as integer fen, within ±[`MONEY_FEN_MAX`].
///
/// Parsing accepts at most two decimal places: an amount with a fraction of a fen is an error,
/// not a silent rounding.
///
/// ```
/// use money::Money;
/// let m: Money = "12345.67".parse().unwrap();
/// assert_eq!(m.fen(), 1_234_567);
/// assert_eq!(m.to_string(), "12345.67");
/// assert!("1.005".parse::<Money>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Money(i64);

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(0);
    /// The largest amount, ¥10^15.
    pub const MAX: Money = Money(MONEY_FEN_MAX);

    /// An amount from integer fen; `None` beyond ±[`MONEY_FEN_MAX`].
    pub const fn from_fen(fen: i64) -> Option<Money> {
        if fen > MONEY_FEN_MAX || fen < -MONEY_FEN_MAX {
            None
        } else {
            Some(Money(fen))
        }
    }

    /// An amount from unsigned fen (a ledger's balances); `None` beyond [`MONEY_FEN_MAX`].
    pub const fn from_fen_u64(fen: u64) -> Option<Money> {
        if fen > MONEY_FEN_MAX as u64 {
            None
        } else {
            Some(Money(fen as i64))
        }
    }

    /// An amount of whole yuan; `None` beyond the bound.
    pub const fn from_yuan_i64(yuan: i64) -> Option<Money> {
        match yuan.checked_mul(FEN_PER_YUAN) {
            Some(f) => Money::from_fen(f),
            None => None,
        }
    }

    /// An amount from `Decimal` yuan: an error when it has a fraction of a fen (trailing zeros
    /// do not count: `5.000` is ¥5) or lies beyond ±¥10^15. Name the field with
    /// [`MoneyError::with_field`].
    pub fn from_yuan(yuan: Decimal) -> Result<Money, MoneyError> {
        let beyond = || MoneyError::amount(yuan, "beyond ±10^15 yuan");
        let fen = yuan.checked_mul(Decimal::ONE_HUNDRED).ok_or_else(beyond)?;
        if !fen.fract().is_zero() {
            return Err(MoneyError::amount(
                yuan,
                "not a whole number of fen (at most two decimal places)",
            ));
        }
        fen.to_i64().and_then(Money::from_fen).ok_or_else(beyond)
    }

    /// The amount in integer fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// The amount in unsigned fen; `None` when negative.
    pub const fn fen_u64(self) -> Option<u64> {
        if self.0 < 0 {
            None
        } else {
            Some(self.0 as u64)
        }
    }

    /// The amount in yuan, exact, with two decimal places.
    pub fn yuan(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Whether the amount is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The absolute amount (always within the bound, which is symmetric).
    pub const fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// Sum of two amounts; `None` beyond the bound.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).and_then(Money::from_fen)
    }

    /// Difference of two amounts; `None` beyond the bound.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).and_then(Money::from_fen)
    }

    /// The amount `n` times; `None` beyond the bound.
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).and_then(Money::from_fen)
    }

    /// The sum of amounts; `None` as soon as a partial sum leaves the bound.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }

    /// `ratio × self`, rounded DOWN to the fen (towards −∞), exactly: the subsidy rule. The
    /// result lies between zero and `self`, so it is always within the bound.
    pub fn floor_ratio(self, ratio: Ratio) -> Money {
        let magnitude = ratio.floor_fen(self.0.unsigned_abs());
        let magnitude = i64::try_from(magnitude).unwrap_or(i64::MAX);
        if self.0 >= 0 {
            Money(magnitude)
        } else {
            // floor(−x) = −ceil(x): one fen more in magnitude when the product is not whole.
            let whole = ratio.is_exact_on(self.0.unsigned_abs());
            Money(-(magnitude + i64::from(!whole)))
        }
    }
}

/// Fen as exact yuan with two decimal places (every `i64` fits Decimal's mantissa).
///
/// ```
/// assert_eq!(money::yuan_of_fen(1234).to_string(), "12.34");
/// ```
pub fn yuan_of_fen(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// A sum of fen (`i128`, as ledgers add them) as exact yuan; `None` when it is beyond
/// Decimal's 96-bit mantissa (about ±7.9·10^26 yuan).
pub fn yuan_of_fen_i128(fen: i128) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(fen, 2).ok()
}

impl fmt::Display for Money {
    /// Yuan with two decimals: `1234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.yuan())
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    /// A decimal number of yuan (`1234.5`, `-3`, ` 7.00 `); no exponent, no separators.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let d = Decimal::from_str_exact(t).map_err(|_| {
            // Digits beyond what a Decimal holds are a number too large, not a malformed one.
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
            let numeric = !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit());
            let reason = if numeric {
                "beyond ±10^15 yuan"
            } else {
                "not a decimal number"
            };
            MoneyError::amount(t, reason)
        })?;
        Money::from_yuan(d)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;
    fn try_from(yuan: Decimal) -> Result<Self, Self::Error> {
        Money::from_yuan(yuan)
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Decimal {
        m.yuan()
    }
}

impl Serialize for Money {
    /// Serialised as a decimal string of yuan ("1234.50"), exact in every format.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.yuan().to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Accepts a decimal string or an integer of yuan (never a float).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
            Raw::Int(i) => Money::from_yuan_i64(i).ok_or_else(|| {
                serde::de::Error::custom(MoneyError::amount(i, "beyond ±10^15 yuan"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn parse_and_print() {
        assert_eq!("0.01".parse::<Money>().unwrap().fen(), 1);
        assert_eq!("-3".parse::<Money>().unwrap().fen(), -300);
        assert_eq!(" 5.000 ".parse::<Money>().unwrap().fen(), 500);
        assert_eq!(Money::from_fen(150).unwrap().to_string(), "1.50");
        assert!("abc".parse::<Money>().is_err());
        assert!("1e3".parse::<Money>().is_err());
        assert!("10000000000000000".parse::<Money>().is_err());
        assert_eq!(
            "1000000000000000".parse::<Money>().unwrap().fen(),
            MONEY_FEN_MAX
        );
        // Beyond Decimal's range after scaling to fen: an error, not a panic.
        assert!("79228162514264337593543950335".parse::<Money>().is_err());
        // Beyond Decimal's own range: named as too large, not as malformed.
        for t in [
            "1234567890123456789012345678901",
            "-99999999999999999999999999999.5",
        ] {
            assert_eq!(
                t.parse::<Money>().unwrap_err().reason(),
                "beyond ±10^15 yuan"
            );
        }
        assert!(Money::from_fen(MONEY_FEN_MAX + 1).is_none());
        assert!(Money::from_fen_u64(u64::MAX).is_none());
    }

    #[test]
    fn errors_name_field_value_and_reason() {
        let e = Money::from_yuan(dec!(0.001))
            .map_err(|e| e.with_field("amount"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "amount: '0.001' is not an amount of yuan: not a whole number of fen (at most two decimal places)"
        );
        let e = "12,5".parse::<Money>().unwrap_err();
        assert_eq!(e.reason(), "not a decimal number");
        assert_eq!(e.field(), None);
    }

    #[test]
    fn arithmetic_is_checked() {
        let max = Money::MAX;
        assert_eq!(max.checked_add(Money::from_fen(1).unwrap()), None);
        assert_eq!(max.checked_sub(max), Some(Money::ZERO));
        assert_eq!(
            Money::from_fen(7).unwrap().checked_mul(3).unwrap().fen(),
            21
        );
        assert_eq!(max.checked_mul(2), None);
        let parts = [Money::from_fen(1).unwrap(), Money::from_fen(2).unwrap()];
        assert_eq!(Money::checked_sum(parts).unwrap().fen(), 3);
        assert_eq!(Money::checked_sum([max, max]), None);
    }

    #[test]
    fn floor_ratio_rounds_towards_minus_infinity() {
        let third = Ratio::new(dec!(0.3)).unwrap();
        // 0.3 × 999 fen = 299.7 → 299; 0.3 × −999 fen = −299.7 → −300.
        assert_eq!(Money::from_fen(999).unwrap().floor_ratio(third).fen(), 299);
        assert_eq!(
            Money::from_fen(-999).unwrap().floor_ratio(third).fen(),
            -300
        );
        assert_eq!(
            Money::from_fen(-1000).unwrap().floor_ratio(third).fen(),
            -300
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
        assert!(serde_json::from_str::<Money>("7.5").is_err());
        assert!(serde_json::from_str::<Money>("\"7.555\"").is_err());
    }
}
