//! Money: `Decimal` yuan at the API, integer fen inside. Thin wrappers, with this crate's
//! signatures and bound, over the workspace's one money implementation (the `money` crate,
//! also `registry_model::Money`).
//!
//! Rounding rules, written once in the `money` crate:
//! - a price times a quantity (a job's gross cost) rounds HALF UP to the fen, because it is
//!   what a provider bills;
//! - a subsidy (voucher coverage times a cost) rounds DOWN to the fen, so a voucher never pays
//!   a fraction of a fen more than its ratio allows.

use ::money::{Money, Ratio};
use rust_decimal::Decimal;

/// Fen in one yuan.
pub const FEN_PER_YUAN: i64 = ::money::FEN_PER_YUAN;

/// Largest amount accepted anywhere in the crate, in yuan (10^12: far above any compute
/// bill). Totals are summed in i128 fen, so no sum of accepted amounts can overflow.
pub const MAX_YUAN: i64 = 1_000_000_000_000;

/// Yuan to whole fen, or `None` when the amount has fractions of a fen, is negative or is
/// above [`MAX_YUAN`].
pub fn yuan_to_fen_exact(yuan: Decimal) -> Option<i64> {
    if yuan.is_sign_negative() || yuan > Decimal::from(MAX_YUAN) {
        return None;
    }
    Money::from_yuan(yuan).ok().map(Money::fen)
}

/// Fen to yuan, exact.
pub fn fen_to_yuan(fen: i64) -> Decimal {
    ::money::yuan_of_fen(fen)
}

/// `price_fen_per_unit_hour × units × seconds / 3600`, rounded half up to the fen.
///
/// Computed in i128 so no product of catalog limits can overflow; saturates at i64::MAX.
pub fn usage_cost_fen(price_fen_per_unit_hour: i64, units: u64, seconds: u64) -> i64 {
    let num = i128::from(price_fen_per_unit_hour) * i128::from(units) * i128::from(seconds);
    ::money::div_half_up(num, 3600)
        .and_then(|fen| i64::try_from(fen).ok())
        .unwrap_or(i64::MAX)
}

/// `ratio × amount_fen`, rounded DOWN to the fen (the subsidy rule). `ratio` is clamped to
/// [0, 1]; a negative amount subsidises nothing.
pub fn subsidy_fen(amount_fen: i64, ratio: Decimal) -> i64 {
    subsidy_fen_parts(amount_fen, ratio_parts(ratio))
}

/// A ratio in [0, 1] as an exact fraction `numerator / denominator` (from the decimal's
/// mantissa and scale), for computing many subsidies at one ratio without decimal arithmetic.
pub fn ratio_parts(ratio: Decimal) -> (i128, i128) {
    let (num, den) = Ratio::clamped(ratio).parts();
    // num ≤ den ≤ 10^28 < 2^127.
    (
        i128::try_from(num).unwrap_or(0),
        i128::try_from(den).unwrap_or(1),
    )
}

/// [`subsidy_fen`] with the ratio given by [`ratio_parts`]: the same result, rounded down.
pub fn subsidy_fen_parts(amount_fen: i64, (num, den): (i128, i128)) -> i64 {
    let (Ok(amount), Ok(num), Ok(den)) = (
        u128::try_from(amount_fen),
        u128::try_from(num),
        u128::try_from(den),
    ) else {
        return 0;
    };
    if num > den {
        // Not a ratio from `ratio_parts`: the subsidy is capped at the whole amount.
        return amount_fen;
    }
    ::money::mul_div_rem(amount, num, den)
        .and_then(|(q, _)| i64::try_from(q).ok())
        .unwrap_or(0)
        .clamp(0, amount_fen)
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
