//! Rounding to the fen: a quotient of integer fen rounded down or half up, and a `Decimal`
//! amount of yuan rounded down to the fen.

use rust_decimal::{Decimal, RoundingStrategy};

/// `num / den` rounded DOWN (towards −∞); `None` when `den` is not positive.
///
/// ```
/// assert_eq!(money::div_floor(7, 2), Some(3));
/// assert_eq!(money::div_floor(-7, 2), Some(-4));
/// ```
pub fn div_floor(num: i128, den: i128) -> Option<i128> {
    (den > 0).then(|| num.div_euclid(den))
}

/// `num / den` rounded half up (halves away from zero, as a provider bills: 0.5 fen → 1 fen,
/// −0.5 fen → −1 fen); `None` when `den` is not positive or the rounding overflows.
///
/// ```
/// // 1050 fen/card-hour × 1 card × 1714 s / 3600 s = 499.9166… → 500 fen.
/// assert_eq!(money::div_half_up(1050 * 1714, 3600), Some(500));
/// assert_eq!(money::div_half_up(5, 10), Some(1));
/// assert_eq!(money::div_half_up(-5, 10), Some(-1));
/// assert_eq!(money::div_half_up(4, 10), Some(0));
/// ```
pub fn div_half_up(num: i128, den: i128) -> Option<i128> {
    if den <= 0 {
        return None;
    }
    let q = num / den;
    let r = num % den;
    // |r| ≥ den/2, i.e. 2|r| ≥ den, rounds away from zero.
    let away = r.unsigned_abs().checked_mul(2)? >= den.unsigned_abs();
    Some(match (away, num < 0) {
        (false, _) => q,
        (true, false) => q.checked_add(1)?,
        (true, true) => q.checked_sub(1)?,
    })
}

/// Rounds an amount of yuan DOWN to the fen (towards −∞): subsidies never round up. The
/// result always carries two decimal places (`200000.00`), so amounts print alike.
///
/// ```
/// use rust_decimal_macros::dec;
/// assert_eq!(money::round_down_to_fen(dec!(1234.5678)).to_string(), "1234.56");
/// assert_eq!(money::round_down_to_fen(dec!(200000)).to_string(), "200000.00");
/// assert_eq!(money::round_down_to_fen(dec!(-0.001)).to_string(), "-0.01");
/// ```
pub fn round_down_to_fen(yuan: Decimal) -> Decimal {
    let mut fen = yuan.round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity);
    fen.rescale(2);
    fen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_up_golden_values() {
        // 1050 × 3 × 1 / 3600 = 0.875 → 1; 1050 × 1712 / 3600 = 499.33 → 499.
        assert_eq!(div_half_up(1050 * 3, 3600), Some(1));
        assert_eq!(div_half_up(1050 * 1712, 3600), Some(499));
        assert_eq!(div_half_up(1800, 3600), Some(1));
        assert_eq!(div_half_up(1799, 3600), Some(0));
        assert_eq!(div_half_up(1, 0), None);
        assert_eq!(div_half_up(i128::MAX, 1), Some(i128::MAX));
        assert_eq!(div_floor(1, -1), None);
    }
}
