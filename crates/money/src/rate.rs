//! Factors and interest rates applied to money, beyond the [0, 1] of a [`crate::Ratio`]:
//!
//! - **A multiple rounds down** ([`scale_floor_fen`]): an amount times a non-negative
//!   decimal factor (a credit limit of 2 × verified spend, a weight of 0.5) is rounded DOWN to
//!   the fen, as every amount a program grants by a rule: it never exceeds the exact product.
//! - **Interest rounds half up** ([`interest_fen`]): `principal × annual rate × days ÷
//!   basis` (the day count's days in a year: 360 for RMB lending, 365) is rounded HALF UP to
//!   the fen (四舍五入), as banks state interest, once per period of constant principal.
//!
//! Both are exact in integers (a 256-bit intermediate product through
//! [`crate::mul_div_rem`]), so no factor or rate with up to 28 decimal places can overflow on
//! the way, and both stay within [`MONEY_FEN_MAX`].

use rust_decimal::Decimal;

use crate::amount::MONEY_FEN_MAX;
use crate::wide::mul_div_rem;

/// The decimal as (mantissa, 10^scale), for non-negative decimals.
fn parts(d: Decimal) -> Option<(u128, u128)> {
    if d.is_sign_negative() && !d.is_zero() {
        return None;
    }
    let d = d.normalize();
    Some((
        u128::try_from(d.mantissa()).ok()?,
        10u128.checked_pow(d.scale())?,
    ))
}

/// `amount_fen × factor`, rounded DOWN to the fen; `None` for a negative amount or factor,
/// or a result beyond [`MONEY_FEN_MAX`].
///
/// ```
/// use rust_decimal_macros::dec;
/// // A limit of 2 × ¥410,000.01 of spend, and half of ¥1.01 of equipment.
/// assert_eq!(money::scale_floor_fen(41_000_001, dec!(2)), Some(82_000_002));
/// assert_eq!(money::scale_floor_fen(101, dec!(0.5)), Some(50)); // 50.5 fen → 50
/// assert_eq!(money::scale_floor_fen(-1, dec!(2)), None);
/// ```
pub fn scale_floor_fen(amount_fen: i64, factor: Decimal) -> Option<i64> {
    let amount = u128::try_from(amount_fen).ok()?;
    let (m, d) = parts(factor)?;
    let (q, _) = mul_div_rem(amount, m, d)?;
    i64::try_from(q).ok().filter(|v| *v <= MONEY_FEN_MAX)
}

/// Interest on a constant principal: `principal_fen × annual_rate × days ÷ basis_days`,
/// rounded HALF UP to the fen. `None` for a negative principal, rate or number of days, a
/// basis that is not positive, or a result beyond [`MONEY_FEN_MAX`].
///
/// ```
/// use rust_decimal_macros::dec;
/// // ¥1,000,000 at 3.45 % for 30 days, ACT/360: exactly ¥2,875.00.
/// assert_eq!(money::interest_fen(100_000_000, dec!(0.0345), 30, 360), Some(287_500));
/// // ¥10,000 for one day: 95.8333… fen → 96 fen; 0.5 fen → 1 fen.
/// assert_eq!(money::interest_fen(1_000_000, dec!(0.0345), 1, 360), Some(96));
/// assert_eq!(money::interest_fen(1, dec!(0.18), 1000, 360), Some(1));
/// ```
pub fn interest_fen(
    principal_fen: i64,
    annual_rate: Decimal,
    days: i64,
    basis_days: i64,
) -> Option<i64> {
    let principal = u128::try_from(principal_fen).ok()?;
    let days = u128::try_from(days).ok()?;
    let basis = u128::try_from(basis_days).ok().filter(|b| *b > 0)?;
    let (m, d) = parts(annual_rate)?;
    let (q, r) = mul_div_rem(principal.checked_mul(days)?, m, d.checked_mul(basis)?)?;
    // Half up: a remainder of at least half the divisor rounds the quotient up.
    let q = if r.checked_mul(2)? >= d * basis {
        q + 1
    } else {
        q
    };
    i64::try_from(q).ok().filter(|v| *v <= MONEY_FEN_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn golden_values_by_hand() {
        // 0.49999 fen → 0; 0.5 fen → 1; ACT/365: ¥365,000 at 10 % for 1 day = ¥100 exactly.
        assert_eq!(interest_fen(1, dec!(0.17999), 1000, 360), Some(0));
        assert_eq!(interest_fen(36_500_000, dec!(0.10), 1, 365), Some(10_000));
        assert_eq!(interest_fen(100, dec!(0.05), 0, 360), Some(0));
        assert_eq!(interest_fen(-1, dec!(0.05), 1, 360), None);
        assert_eq!(interest_fen(1, dec!(-0.05), 1, 360), None);
        assert_eq!(interest_fen(1, dec!(0.05), 1, 0), None);
        // The largest amount for a century at a rate with 28 decimals: no overflow.
        assert!(
            interest_fen(
                MONEY_FEN_MAX,
                dec!(0.0000000000000000000000000001),
                36_525,
                360
            )
            .is_some()
        );
        assert_eq!(scale_floor_fen(333, dec!(0.333333333333)), Some(110));
        assert_eq!(scale_floor_fen(MONEY_FEN_MAX, dec!(1.01)), None);
        assert_eq!(scale_floor_fen(5, dec!(100)), Some(500));
    }
}
