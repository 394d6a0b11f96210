//! Exact money: `Decimal` yuan at the API, integer fen inside, and every rounding rule of the
//! crate, written once here.
//!
//! - An amount given in yuan must be a whole number of fen and non-negative; anything else is
//!   refused, never rounded.
//! - **Interest** accrued for a period is `principal × rate × days ÷ basis`, computed exactly
//!   in integers and rounded **half up to the fen** (四舍五入, as banks state interest), once
//!   per accrual posting. Accruals happen at every change of principal and at every interest
//!   payment, so each posting covers a period of constant principal.
//! - Every amount **the program pays or is owed** by a ratio (an interest subsidy, a risk-pool
//!   compensation, the pool's share of a recovery, a pro-rata award) rounds **down to the
//!   fen**: the program never pays a fraction of a fen it did not promise.
//! - A credit limit rounds down to its configured unit (whole yuan, thousands …).
//!
//! Ratios come from validated parameter files: non-negative, at most [`RATIO_MAX`], at most
//! [`RATIO_SCALE_MAX`] decimal places, so every product below fits in `i128`.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use registry_model::Money;
use registry_model::money::MONEY_FEN_MAX;

use crate::error::{Result, invalid};

/// Fen in one yuan.
pub const FEN_PER_YUAN: i64 = 100;

/// The largest amount the crate accepts, in fen: registry-model's bound (¥10^15).
pub const AMOUNT_FEN_MAX: i64 = MONEY_FEN_MAX;

/// The largest ratio a parameter may hold (a limit multiple of 100× verified spend).
pub const RATIO_MAX: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

/// Most decimal places of a ratio or rate in a parameter file.
pub const RATIO_SCALE_MAX: u32 = 12;

/// Longest accrual period, in days (a hundred years): beyond it a date is surely wrong.
pub const ACCRUAL_DAYS_MAX: i64 = 36_525;

/// How interest days are turned into a fraction of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayCount {
    /// Actual days ÷ 360: the convention of RMB lending (日利率 = 年利率 ÷ 360).
    Act360,
    /// Actual days ÷ 365.
    Act365,
}

impl DayCount {
    /// Days in the year of the convention.
    pub fn basis_days(self) -> i64 {
        match self {
            DayCount::Act360 => 360,
            DayCount::Act365 => 365,
        }
    }

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            DayCount::Act360 => "act360",
            DayCount::Act365 => "act365",
        }
    }
}

/// Converts yuan to fen: refuses negatives, fractions of a fen and amounts beyond
/// [`AMOUNT_FEN_MAX`].
///
/// ```
/// use rust_decimal_macros::dec;
/// assert_eq!(finance::money::yuan_to_fen(dec!(12.30), "line L1", "amount_yuan").unwrap(), 1230);
/// assert!(finance::money::yuan_to_fen(dec!(0.001), "line L1", "amount_yuan").is_err());
/// assert!(finance::money::yuan_to_fen(dec!(-1), "line L1", "amount_yuan").is_err());
/// ```
pub fn yuan_to_fen(yuan: Decimal, record: &str, field: &str) -> Result<i64> {
    let bad = |reason: &str| invalid(record, field, yuan, reason);
    if yuan.is_sign_negative() && !yuan.is_zero() {
        return Err(bad("must not be negative"));
    }
    let fen = yuan
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or_else(|| bad("is beyond ¥10^15"))?
        .normalize();
    if fen.scale() != 0 {
        return Err(bad("has a fraction of a fen (at most two decimal places)"));
    }
    let fen = fen.to_i64().ok_or_else(|| bad("is beyond ¥10^15"))?;
    if fen > AMOUNT_FEN_MAX {
        return Err(bad("is beyond ¥10^15"));
    }
    Ok(fen)
}

/// Converts yuan to a positive number of fen (zero refused too).
pub fn yuan_to_fen_positive(yuan: Decimal, record: &str, field: &str) -> Result<i64> {
    let fen = yuan_to_fen(yuan, record, field)?;
    if fen == 0 {
        return Err(invalid(record, field, yuan, "must be positive"));
    }
    Ok(fen)
}

/// Fen as exact yuan with two decimals.
pub fn fen_to_yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// Fen as registry-model's [`Money`]; saturates at the bound (never reached by amounts the
/// crate accepted).
pub fn money(fen: i64) -> Money {
    Money::from_fen(fen.clamp(-AMOUNT_FEN_MAX, AMOUNT_FEN_MAX)).unwrap_or(Money::ZERO)
}

/// Checks a ratio read from a parameter file: in `[0, max]`, at most [`RATIO_SCALE_MAX`]
/// decimal places. Returns it normalised.
pub(crate) fn check_ratio(
    ratio: Decimal,
    max: Decimal,
    file: &str,
    field: &str,
) -> Result<Decimal> {
    let r = ratio.normalize();
    if r.is_sign_negative() && !r.is_zero() {
        return Err(crate::error::config(
            file,
            field,
            ratio,
            "must not be negative",
        ));
    }
    if r > max {
        return Err(crate::error::config(
            file,
            field,
            ratio,
            format!("must be at most {max}"),
        ));
    }
    if r.scale() > RATIO_SCALE_MAX {
        return Err(crate::error::config(
            file,
            field,
            ratio,
            format!("has more than {RATIO_SCALE_MAX} decimal places"),
        ));
    }
    Ok(r)
}

/// `ratio` as an exact fraction `m / 10^s` (`m` ≥ 0), for ratios checked by [`check_ratio`].
fn fraction(ratio: Decimal) -> Option<(i128, i128)> {
    let r = ratio.normalize();
    if r.is_sign_negative() && !r.is_zero() {
        return None;
    }
    let s = r.scale();
    if s > 28 {
        return None;
    }
    Some((r.mantissa(), 10i128.checked_pow(s)?))
}

/// An exact non-negative ratio `num / den` of integers, prepared once from decimals for hot
/// loops (the simulation applies the same rate and subsidy share millions of times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fraction {
    num: i128,
    den: i128,
}

impl Fraction {
    /// `d` exactly; `None` when negative or with more than 28 decimal places.
    pub fn of(d: Decimal) -> Option<Self> {
        let (num, den) = fraction(d)?;
        Some(Self { num, den })
    }

    /// `a ÷ b` exactly, for `a ≥ 0`, `b > 0`.
    pub fn ratio(a: Decimal, b: Decimal) -> Option<Self> {
        let (an, ad) = fraction(a)?;
        let (bn, bd) = fraction(b)?;
        let num = an.checked_mul(bd)?;
        let den = ad.checked_mul(bn)?;
        (den > 0).then_some(Self { num, den })
    }

    /// `amount × self`, rounded down to the fen; `None` on a negative amount or overflow.
    pub fn mul_down(&self, amount_fen: i64) -> Option<i64> {
        if amount_fen < 0 {
            return None;
        }
        let p = i128::from(amount_fen).checked_mul(self.num)?;
        i64::try_from(div_floor(p, self.den)).ok()
    }

    /// Interest at this annual rate: as [`interest_fen`], half up to the fen.
    pub fn interest_fen(&self, principal_fen: i64, days: i64, dc: DayCount) -> Option<i64> {
        if principal_fen < 0 || !(0..=ACCRUAL_DAYS_MAX).contains(&days) {
            return None;
        }
        let num = i128::from(principal_fen)
            .checked_mul(self.num)?
            .checked_mul(i128::from(days))?;
        let den = self.den.checked_mul(i128::from(dc.basis_days()))?;
        i64::try_from(div_half_up(num, den))
            .ok()
            .filter(|v| *v <= AMOUNT_FEN_MAX)
    }
}

/// `num / den` rounded down (toward −∞), for `den > 0`.
fn div_floor(num: i128, den: i128) -> i128 {
    num.div_euclid(den)
}

/// `num / den` rounded half up (half away from zero for the non-negative values used here),
/// for `den > 0`.
fn div_half_up(num: i128, den: i128) -> i128 {
    // floor((2·num + den) / (2·den)) rounds halves up for any sign of num.
    (2 * num + den).div_euclid(2 * den)
}

/// `amount × ratio`, rounded down to the fen: the rule for everything the program pays by a
/// ratio. `None` when the amount is negative or the product leaves the accepted range.
///
/// ```
/// use rust_decimal_macros::dec;
/// use finance::money::share_down_fen;
/// assert_eq!(share_down_fen(1_001, dec!(0.5)), Some(500)); // 5.005 yuan → 5.00
/// assert_eq!(share_down_fen(999, dec!(1)), Some(999));
/// ```
pub fn share_down_fen(amount_fen: i64, ratio: Decimal) -> Option<i64> {
    if amount_fen < 0 {
        return None;
    }
    let (m, d) = fraction(ratio)?;
    let p = i128::from(amount_fen).checked_mul(m)?;
    let v = div_floor(p, d);
    i64::try_from(v).ok().filter(|v| *v <= AMOUNT_FEN_MAX)
}

/// `amount × num ÷ den` for decimal `num` ≥ 0 and `den` > 0, rounded down to the fen: a
/// subsidy of `num` percentage points on interest charged at rate `den` is this share of the
/// interest, computed without rounding the ratio first. `None` on a bad sign or overflow.
///
/// ```
/// use rust_decimal_macros::dec;
/// use finance::money::fraction_down_fen;
/// // 1.5 points of a 3.45 % rate on ¥2,875.00 of interest: 2875 × 1.5 / 3.45 = 1250.00.
/// assert_eq!(fraction_down_fen(287_500, dec!(0.015), dec!(0.0345)), Some(125_000));
/// ```
pub fn fraction_down_fen(amount_fen: i64, num: Decimal, den: Decimal) -> Option<i64> {
    if amount_fen < 0 || den <= Decimal::ZERO {
        return None;
    }
    let (mn, dn) = fraction(num)?;
    let (md, dd) = fraction(den)?;
    // amount × (mn/dn) ÷ (md/dd) = amount × mn × dd ÷ (dn × md)
    let p = i128::from(amount_fen).checked_mul(mn)?.checked_mul(dd)?;
    let q = dn.checked_mul(md)?;
    if q <= 0 {
        return None;
    }
    i64::try_from(div_floor(p, q))
        .ok()
        .filter(|v| *v <= AMOUNT_FEN_MAX)
}

/// `amount × num ÷ den` rounded down to the fen (a pro-rata share), for `amount ≥ 0`,
/// `num ≥ 0`, `den > 0`. `None` otherwise.
pub fn prorate_down_fen(amount_fen: i64, num: i64, den: i64) -> Option<i64> {
    if amount_fen < 0 || num < 0 || den <= 0 {
        return None;
    }
    let v = div_floor(i128::from(amount_fen) * i128::from(num), i128::from(den));
    i64::try_from(v).ok()
}

/// Interest on a constant principal over `days` days: `principal × rate × days ÷ basis`,
/// rounded half up to the fen. `None` for a negative principal or days, a negative rate, more
/// than [`ACCRUAL_DAYS_MAX`] days or a result beyond the accepted range.
///
/// ```
/// use rust_decimal_macros::dec;
/// use finance::money::{DayCount, interest_fen};
/// // ¥1,000,000 at 3.45 % for 30 days, ACT/360: 1,000,000 × 0.0345 × 30 / 360 = ¥2,875.00.
/// assert_eq!(interest_fen(100_000_000, dec!(0.0345), 30, DayCount::Act360), Some(287_500));
/// // ¥10,000 at 3.45 % for 1 day: ¥0.958333… → ¥0.96 (half up).
/// assert_eq!(interest_fen(1_000_000, dec!(0.0345), 1, DayCount::Act360), Some(96));
/// ```
pub fn interest_fen(
    principal_fen: i64,
    annual_rate: Decimal,
    days: i64,
    dc: DayCount,
) -> Option<i64> {
    if principal_fen < 0 || !(0..=ACCRUAL_DAYS_MAX).contains(&days) {
        return None;
    }
    let (m, d) = fraction(annual_rate)?;
    let num = i128::from(principal_fen)
        .checked_mul(m)?
        .checked_mul(i128::from(days))?;
    let den = d.checked_mul(i128::from(dc.basis_days()))?;
    let v = div_half_up(num, den);
    i64::try_from(v).ok().filter(|v| *v <= AMOUNT_FEN_MAX)
}

/// Rounds an amount down to a whole multiple of `unit_fen` (a limit to whole thousands of
/// yuan …). A unit of zero or less leaves the amount as it is.
pub fn round_down_to_unit(amount_fen: i64, unit_fen: i64) -> i64 {
    if unit_fen <= 0 {
        amount_fen
    } else {
        amount_fen.div_euclid(unit_fen) * unit_fen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn yuan_to_fen_is_strict() {
        assert_eq!(yuan_to_fen(dec!(0), "r", "f").unwrap(), 0);
        assert_eq!(yuan_to_fen(dec!(1.5), "r", "f").unwrap(), 150);
        assert!(yuan_to_fen(dec!(1000000000000000.01), "r", "f").is_err());
        assert_eq!(
            yuan_to_fen(dec!(1000000000000000), "r", "f").unwrap(),
            AMOUNT_FEN_MAX
        );
        assert!(yuan_to_fen_positive(dec!(0), "r", "f").is_err());
        let e = yuan_to_fen(dec!(0.001), "line L1", "amount_yuan").unwrap_err();
        assert!(
            e.to_string()
                .contains("line L1: field 'amount_yuan' = '0.001'"),
            "{e}"
        );
    }

    #[test]
    fn interest_rounds_half_up_and_exactly() {
        // 1 fen × 18 % for 1000 days / 360 = 0.5 fen → 1 fen (half up).
        assert_eq!(interest_fen(1, dec!(0.18), 1000, DayCount::Act360), Some(1));
        // 0.49999… fen → 0.
        assert_eq!(
            interest_fen(1, dec!(0.17999), 1000, DayCount::Act360),
            Some(0)
        );
        // ACT/365: ¥365,000 at 10 % for 1 day = ¥100 exactly.
        assert_eq!(
            interest_fen(36_500_000, dec!(0.10), 1, DayCount::Act365),
            Some(10_000)
        );
        assert_eq!(interest_fen(100, dec!(0.05), 0, DayCount::Act360), Some(0));
        assert_eq!(interest_fen(-1, dec!(0.05), 1, DayCount::Act360), None);
        assert_eq!(interest_fen(1, dec!(-0.05), 1, DayCount::Act360), None);
        assert_eq!(
            interest_fen(1, dec!(0.05), ACCRUAL_DAYS_MAX + 1, DayCount::Act360),
            None
        );
        // The largest amount for the longest period does not overflow.
        assert!(
            interest_fen(
                AMOUNT_FEN_MAX,
                dec!(0.000000000001),
                ACCRUAL_DAYS_MAX,
                DayCount::Act360
            )
            .is_some()
        );
    }

    #[test]
    fn shares_round_down() {
        assert_eq!(share_down_fen(333, dec!(0.333333333333)), Some(110));
        assert_eq!(share_down_fen(0, dec!(0.5)), Some(0));
        assert_eq!(share_down_fen(-1, dec!(0.5)), None);
        assert_eq!(prorate_down_fen(100, 1, 3), Some(33));
        assert_eq!(prorate_down_fen(100, 2, 3), Some(66));
        assert_eq!(prorate_down_fen(100, 1, 0), None);
        assert_eq!(round_down_to_unit(123_456, 100_000), 100_000);
        assert_eq!(round_down_to_unit(123_456, 0), 123_456);
    }

    #[test]
    fn ratios_are_checked() {
        assert!(check_ratio(dec!(0.5), Decimal::ONE, "f.toml", "x").is_ok());
        assert!(check_ratio(dec!(1.5), Decimal::ONE, "f.toml", "x").is_err());
        assert!(check_ratio(dec!(-0.1), Decimal::ONE, "f.toml", "x").is_err());
        assert!(check_ratio(dec!(0.0000000000001), Decimal::ONE, "f.toml", "x").is_err());
        assert_eq!(
            check_ratio(dec!(0.500), Decimal::ONE, "f", "x")
                .unwrap()
                .scale(),
            1
        );
    }
}
