//! Ratios applied to money: [`Ratio`] (a share in [0, 1] as an exact fraction), the subsidy
//! rule (`ratio × amount` rounded down to the fen) and the exact comparison of a quotient of
//! amounts with a decimal threshold.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::error::MoneyError;
use crate::wide::mul_div_rem;

/// A share in [0, 1] (a subsidy ratio, a government's part of a cost), held as the exact
/// fraction `mantissa / 10^scale` of its decimal, so applying it to an amount is integer
/// arithmetic only.
///
/// ```
/// use money::Ratio;
/// use rust_decimal_macros::dec;
/// let r = Ratio::new(dec!(0.30))?;
/// assert_eq!(r.decimal(), dec!(0.3));
/// assert_eq!(r.floor_fen(999), 299); // 299.7 fen → 299
/// assert!(Ratio::new(dec!(1.01)).is_err());
/// assert_eq!(Ratio::clamped(dec!(1.5)), Ratio::ONE);
/// # Ok::<(), money::MoneyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    /// The decimal, normalised (no trailing zeros), so equal ratios compare equal.
    value: Decimal,
    num: u128,
    den: u128,
}

impl Ratio {
    /// Nothing.
    pub const ZERO: Ratio = Ratio {
        value: Decimal::ZERO,
        num: 0,
        den: 1,
    };
    /// All of it.
    pub const ONE: Ratio = Ratio {
        value: Decimal::ONE,
        num: 1,
        den: 1,
    };

    /// A ratio from a decimal in [0, 1]; an error outside it. Name the field with
    /// [`MoneyError::with_field`].
    pub fn new(ratio: Decimal) -> Result<Ratio, MoneyError> {
        if ratio.is_sign_negative() && !ratio.is_zero() {
            return Err(MoneyError::ratio(ratio, "negative"));
        }
        if ratio > Decimal::ONE {
            return Err(MoneyError::ratio(ratio, "above 1"));
        }
        let value = ratio.normalize();
        // 0 ≤ mantissa ≤ 10^scale and scale ≤ 28, so both fit u128.
        let num = u128::try_from(value.mantissa()).unwrap_or(0);
        let den = 10u128.pow(value.scale());
        Ok(Ratio { value, num, den })
    }

    /// A ratio from any decimal, clamped into [0, 1] (for inputs whose range is enforced
    /// elsewhere, such as a job's voucher coverage).
    pub fn clamped(ratio: Decimal) -> Ratio {
        Ratio::new(ratio.clamp(Decimal::ZERO, Decimal::ONE)).unwrap_or(Ratio::ZERO)
    }

    /// The ratio as a decimal (normalised: `0.30` reads `0.3`).
    pub fn decimal(self) -> Decimal {
        self.value
    }

    /// The exact fraction (numerator, denominator), numerator ≤ denominator, denominator a
    /// power of ten ≤ 10^28.
    pub fn parts(self) -> (u128, u128) {
        (self.num, self.den)
    }

    /// `self × amount_fen` rounded DOWN to the fen, exact in integers: the subsidy rule. Never
    /// above `amount_fen`, never above the exact product.
    pub fn floor_fen(self, amount_fen: u64) -> u64 {
        // num ≤ den, so the quotient ≤ amount_fen: it always exists and fits u64.
        mul_div_rem(u128::from(amount_fen), self.num, self.den)
            .and_then(|(q, _)| u64::try_from(q).ok())
            .unwrap_or(amount_fen)
            .min(amount_fen)
    }

    /// Whether `self × amount_fen` is a whole number of fen (nothing was rounded away).
    pub(crate) fn is_exact_on(self, amount_fen: u64) -> bool {
        mul_div_rem(u128::from(amount_fen), self.num, self.den).is_some_and(|(_, r)| r == 0)
    }
}

impl TryFrom<Decimal> for Ratio {
    type Error = MoneyError;
    fn try_from(ratio: Decimal) -> Result<Self, Self::Error> {
        Ratio::new(ratio)
    }
}

/// `amount_fen × ratio`, rounded DOWN to the fen, computed exactly in integers; `ratio` must
/// lie in [0, 1] (checked), so the result never exceeds `amount_fen`.
///
/// ```
/// use rust_decimal_macros::dec;
/// use money::ratio_floor_fen;
/// assert_eq!(ratio_floor_fen(999, dec!(0.3)).unwrap(), 299); // 299.7 → 299
/// assert_eq!(ratio_floor_fen(1000, dec!(0.3)).unwrap(), 300);
/// assert!(ratio_floor_fen(1000, dec!(1.3)).is_err());
/// ```
pub fn ratio_floor_fen(amount_fen: u64, ratio: Decimal) -> Result<u64, MoneyError> {
    Ok(Ratio::new(ratio)?.floor_fen(amount_fen))
}

/// `num / den` against `ratio`, decided exactly (for tests such as "R&D ÷ revenue ≥ 5 %").
///
/// `den` must be positive; the caller reports a zero or negative denominator as a failed or
/// undecidable condition before asking.
///
/// ```
/// use std::cmp::Ordering;
/// use rust_decimal_macros::dec;
/// // 5 % of 10,000,000 fen is exactly 500,000 fen.
/// assert_eq!(money::ratio_cmp(500_000, 10_000_000, dec!(0.05)), Ordering::Equal);
/// assert_eq!(money::ratio_cmp(499_999, 10_000_000, dec!(0.05)), Ordering::Less);
/// ```
pub fn ratio_cmp(num: i128, den: i128, ratio: Decimal) -> Ordering {
    // num/den vs m/10^s  <=>  num·10^s vs m·den (den > 0). Both sides fit in i128 for amounts
    // up to MONEY_FEN_MAX and ratios with up to 12 decimal places; otherwise fall back to
    // Decimal, which is still exact for the ratios a threshold file can hold.
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
            None => Ordering::Less,
        },
        // Unreachable for amounts within MONEY_FEN_MAX; ordering by sign is the safe answer.
        _ => num.signum().cmp(&den.signum()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn floor_golden_values() {
        // By hand: 0.333 × 1001 = 333.333 → 333; 0.6 × 1 = 0.6 → 0; 1 × max = max.
        assert_eq!(ratio_floor_fen(1001, dec!(0.333)).unwrap(), 333);
        assert_eq!(ratio_floor_fen(1, dec!(0.6)).unwrap(), 0);
        assert_eq!(ratio_floor_fen(u64::MAX, dec!(1)).unwrap(), u64::MAX);
        // 28 decimal places on the largest amount: the product needs 256 bits.
        let r = dec!(0.9999999999999999999999999999);
        assert_eq!(ratio_floor_fen(u64::MAX, r).unwrap(), u64::MAX - 1);
        assert!(ratio_floor_fen(10, dec!(1.01)).is_err());
        assert!(ratio_floor_fen(10, dec!(-0.1)).is_err());
        assert_eq!(ratio_floor_fen(10, dec!(-0)).unwrap(), 0);
    }

    #[test]
    fn equal_ratios_are_equal() {
        assert_eq!(
            Ratio::new(dec!(0.30)).unwrap(),
            Ratio::new(dec!(0.3)).unwrap()
        );
        assert_eq!(Ratio::clamped(dec!(-2)), Ratio::ZERO);
        assert_eq!(Ratio::new(dec!(1.000)).unwrap(), Ratio::ONE);
    }

    #[test]
    fn ratio_is_exact_at_the_boundary() {
        assert_eq!(ratio_cmp(500_000, 10_000_000, dec!(0.05)), Ordering::Equal);
        assert_eq!(
            ratio_cmp(500_001, 10_000_000, dec!(0.05)),
            Ordering::Greater
        );
    }
}
