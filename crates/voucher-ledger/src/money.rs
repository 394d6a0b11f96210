//! Money at the ledger's boundary: `Decimal` yuan in, integer fen (`u64`) inside. These are
//! the ledger's thin, field-naming wrappers over the workspace's one money implementation (the
//! `money` crate, re-exported by registry-model as `registry_model::Money`): the parsing,
//! the bound and the rounding rules are that crate's; what is added here is the ledger's own
//! bound ([`AMOUNT_FEN_MAX`]), its refusal of negatives, and its error type.
//!
//! Rules (written once, in the `money` crate):
//! - an amount given in yuan must be a whole number of fen (at most two decimals after
//!   trailing zeros are removed), non-negative and at most [`AMOUNT_FEN_MAX`]; anything else is
//!   refused, never rounded;
//! - a subsidy (ratio × amount) rounds DOWN to the fen: the program never pays a fraction of a
//!   fen it did not promise;
//! - every split (cost sharing, revenue sharing) hands out the whole amount, see
//!   [`crate::share`].

use ::money::{Money, Ratio};
use rust_decimal::Decimal;

use crate::error::{LedgerError, Result};

/// Fen in one yuan.
pub const FEN_PER_YUAN: u64 = ::money::FEN_PER_YUAN as u64;

/// The largest amount the ledger accepts in one transfer or account field: ¥10 trillion
/// (10^15 fen). Far above any voucher budget, and low enough that sums of many such amounts
/// stay inside `u64` and any product with a ratio inside `u128`.
pub const AMOUNT_FEN_MAX: u64 = 1_000_000_000_000_000;

/// Converts yuan to fen, refusing negatives, fractions of a fen and amounts over the maximum.
///
/// ```
/// use rust_decimal_macros::dec;
/// use voucher_ledger::money::yuan_to_fen;
/// assert_eq!(yuan_to_fen(dec!(12.34), "amount").unwrap(), 1234);
/// assert_eq!(yuan_to_fen(dec!(5.000), "amount").unwrap(), 500);
/// assert!(yuan_to_fen(dec!(0.001), "amount").is_err());
/// assert!(yuan_to_fen(dec!(-1), "amount").is_err());
/// ```
pub fn yuan_to_fen(yuan: Decimal, field: &str) -> Result<u64> {
    let bad = |reason| LedgerError::InvalidAmount {
        field: field.to_string(),
        value: yuan.to_string(),
        reason,
    };
    if yuan.is_sign_negative() && !yuan.is_zero() {
        return Err(bad("negative"));
    }
    let money = Money::from_yuan(yuan).map_err(|e| bad(e.reason()))?;
    match money.fen_u64() {
        Some(fen) if fen <= AMOUNT_FEN_MAX => Ok(fen),
        _ => Err(bad("above the maximum of 10^15 fen")),
    }
}

/// Converts yuan to a positive number of fen (zero refused too).
pub fn yuan_to_fen_positive(yuan: Decimal, field: &str) -> Result<u64> {
    let fen = yuan_to_fen(yuan, field)?;
    if fen == 0 {
        return Err(LedgerError::InvalidAmount {
            field: field.to_string(),
            value: yuan.to_string(),
            reason: "must be positive",
        });
    }
    Ok(fen)
}

/// Fen as yuan with two decimals.
///
/// ```
/// use voucher_ledger::money::fen_to_yuan;
/// assert_eq!(fen_to_yuan(1234).to_string(), "12.34");
/// ```
pub fn fen_to_yuan(fen: u64) -> Decimal {
    // Every u64 fits Decimal's 96-bit mantissa.
    ::money::yuan_of_fen_i128(i128::from(fen)).unwrap_or(Decimal::MAX)
}

/// Signed fen (a balance) as yuan with two decimals; saturates at Decimal's range, far beyond
/// any sum of amounts within [`AMOUNT_FEN_MAX`].
pub fn signed_fen_to_yuan(fen: i128) -> Decimal {
    ::money::yuan_of_fen_i128(fen).unwrap_or(if fen < 0 { Decimal::MIN } else { Decimal::MAX })
}

/// Checks that `ratio` lies in 0..=1.
pub fn check_ratio(ratio: Decimal, field: &str) -> Result<Decimal> {
    Ratio::new(ratio)
        .map(|_| ratio)
        .map_err(|_| LedgerError::InvalidRatio {
            field: field.to_string(),
            value: ratio.to_string(),
        })
}

/// `amount_fen × ratio`, rounded DOWN to the fen, computed exactly in integers.
///
/// `ratio` must lie in 0..=1 (checked), so the result never exceeds `amount_fen`.
///
/// ```
/// use rust_decimal_macros::dec;
/// use voucher_ledger::money::ratio_floor_fen;
/// assert_eq!(ratio_floor_fen(999, dec!(0.3), "ratio").unwrap(), 299); // 299.7 → 299
/// assert_eq!(ratio_floor_fen(1000, dec!(0.3), "ratio").unwrap(), 300);
/// ```
pub fn ratio_floor_fen(amount_fen: u64, ratio: Decimal, field: &str) -> Result<u64> {
    ::money::ratio_floor_fen(amount_fen, ratio).map_err(|_| LedgerError::InvalidRatio {
        field: field.to_string(),
        value: ratio.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn conversions_are_exact_and_strict() {
        assert_eq!(yuan_to_fen(dec!(250000000), "b").unwrap(), 25_000_000_000);
        assert_eq!(yuan_to_fen(dec!(0), "b").unwrap(), 0);
        assert!(yuan_to_fen_positive(dec!(0), "b").is_err());
        assert!(yuan_to_fen(dec!(0.005), "b").is_err());
        assert!(yuan_to_fen(dec!(10000000000000.01), "b").is_err());
        assert_eq!(fen_to_yuan(5), dec!(0.05));
        assert_eq!(signed_fen_to_yuan(-150), dec!(-1.50));
    }

    #[test]
    fn ratio_rounds_down() {
        // Golden values by hand: 0.333 × 1001 = 333.333 → 333; 0.6 × 1 = 0.6 → 0.
        assert_eq!(ratio_floor_fen(1001, dec!(0.333), "r").unwrap(), 333);
        assert_eq!(ratio_floor_fen(1, dec!(0.6), "r").unwrap(), 0);
        assert_eq!(
            ratio_floor_fen(AMOUNT_FEN_MAX, dec!(1), "r").unwrap(),
            AMOUNT_FEN_MAX
        );
        assert!(ratio_floor_fen(10, dec!(1.01), "r").is_err());
        assert!(ratio_floor_fen(10, dec!(-0.1), "r").is_err());
    }
}
