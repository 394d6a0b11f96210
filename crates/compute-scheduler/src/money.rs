//! Money: `Decimal` yuan at the API, integer fen inside.
//!
//! Rounding rules, written once here:
//! - a price times a quantity (a job's gross cost) rounds HALF UP to the fen, because it is
//!   what a provider bills;
//! - a subsidy (voucher coverage times a cost) rounds DOWN to the fen, so a voucher never pays
//!   a fraction of a fen more than its ratio allows.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Fen in one yuan.
pub const FEN_PER_YUAN: i64 = 100;

/// Largest amount accepted anywhere in the crate, in yuan (10^12: far above any compute
/// bill). Totals are summed in i128 fen, so no sum of accepted amounts can overflow.
pub const MAX_YUAN: i64 = 1_000_000_000_000;

/// Yuan to whole fen, or `None` when the amount has fractions of a fen, is negative or is
/// above [`MAX_YUAN`].
pub fn yuan_to_fen_exact(yuan: Decimal) -> Option<i64> {
    if yuan.is_sign_negative() || yuan > Decimal::from(MAX_YUAN) {
        return None;
    }
    let fen = yuan.checked_mul(Decimal::from(FEN_PER_YUAN))?;
    if fen.fract() != Decimal::ZERO {
        return None;
    }
    fen.to_i64()
}

/// Fen to yuan, exact.
pub fn fen_to_yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// `price_fen_per_unit_hour × units × seconds / 3600`, rounded half up to the fen.
///
/// Computed in i128 so no product of catalog limits can overflow; saturates at i64::MAX.
pub fn usage_cost_fen(price_fen_per_unit_hour: i64, units: u64, seconds: u64) -> i64 {
    let num = i128::from(price_fen_per_unit_hour) * i128::from(units) * i128::from(seconds);
    let fen = (num + 1800) / 3600;
    i64::try_from(fen).unwrap_or(i64::MAX)
}

/// `ratio × amount_fen`, rounded DOWN to the fen (the subsidy rule). `ratio` is clamped to
/// [0, 1].
pub fn subsidy_fen(amount_fen: i64, ratio: Decimal) -> i64 {
    let ratio = ratio.clamp(Decimal::ZERO, Decimal::ONE);
    let product = Decimal::from(amount_fen).checked_mul(ratio);
    product.and_then(|p| p.floor().to_i64()).unwrap_or(0).max(0)
}

/// A ratio in [0, 1] as an exact fraction `numerator / denominator` (from the decimal's
/// mantissa and scale), for computing many subsidies at one ratio without decimal arithmetic.
pub fn ratio_parts(ratio: Decimal) -> (i128, i128) {
    let r = ratio.clamp(Decimal::ZERO, Decimal::ONE);
    let den = 10i128.checked_pow(r.scale()).unwrap_or(1);
    (r.mantissa(), den)
}

/// [`subsidy_fen`] with the ratio given by [`ratio_parts`]: the same result, rounded down.
pub fn subsidy_fen_parts(amount_fen: i64, (num, den): (i128, i128)) -> i64 {
    if amount_fen <= 0 || den <= 0 {
        return 0;
    }
    let v = i128::from(amount_fen) * num / den;
    i64::try_from(v).unwrap_or(0).clamp(0, amount_fen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn exact_conversion_rejects_fractions_of_a_fen() {
        assert_eq!(yuan_to_fen_exact(dec!(12.34)), Some(1234));
        assert_eq!(yuan_to_fen_exact(dec!(12.345)), None);
        assert_eq!(yuan_to_fen_exact(dec!(-1)), None);
        assert_eq!(fen_to_yuan(1234), dec!(12.34));
    }

    #[test]
    fn usage_rounds_half_up_and_subsidy_rounds_down() {
        // 1050 fen/card-hour × 3 cards × 1 s = 3150/3600 fen = 0.875 → 1 fen.
        assert_eq!(usage_cost_fen(1050, 3, 1), 1);
        // 1050 × 1 × 1714 / 3600 = 499.9166 → 500; 1050 × 1 × 1712 / 3600 = 499.33 → 499.
        assert_eq!(usage_cost_fen(1050, 1, 1714), 500);
        assert_eq!(usage_cost_fen(1050, 1, 1712), 499);
        // 30 % of 333 fen = 99.9 → 99.
        assert_eq!(subsidy_fen(333, dec!(0.3)), 99);
        assert_eq!(subsidy_fen(333, dec!(1.5)), 333);
        assert_eq!(subsidy_fen(333, dec!(-0.5)), 0);
    }

    #[test]
    fn ratio_parts_agree_with_decimal_subsidies() {
        for ratio in [
            dec!(0),
            dec!(0.3),
            dec!(0.333),
            dec!(0.5),
            dec!(0.6),
            dec!(1),
            dec!(0.123456789),
            dec!(2),
        ] {
            let parts = ratio_parts(ratio);
            for amount in [0i64, 1, 99, 333, 1234, 98_765_432, 4_000_000_000_000] {
                assert_eq!(
                    subsidy_fen_parts(amount, parts),
                    subsidy_fen(amount, ratio),
                    "{ratio} × {amount}"
                );
            }
        }
    }
}
