//! The facts a credit model reads about one firm-year ([`Features`]), and the factors derived
//! from them ([`Factor`]).
//!
//! Everything is exact integers: money in fen, ratios and growth rates in millionths
//! (`_micros`, 1 % = 10,000), computed by one integer division rounded down. A band threshold
//! with up to six decimals therefore splits firms exactly: a firm exactly at a threshold is in
//! the band the threshold opens. A fact that is unknown is `None`; the model says so.

use std::fmt;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use registry_model::Tier;

use crate::evidence::SpendSummary;
use crate::facts::FirmProfile;

/// Millionths in one: ratios are held as integer millionths.
pub const MICROS: i64 = 1_000_000;

/// The factors of the credit models, each read from [`Features`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// Verified digital spend over the window (fen).
    VerifiedSpend,
    /// Calendar months of the window with verified spend (regular use: 经营稳定).
    SpendMonthsActive,
    /// Growth of verified spend against the previous window (millionths).
    SpendGrowth,
    /// Operating revenue (fen).
    Revenue,
    /// Revenue growth against the year before (millionths).
    RevenueGrowth,
    /// R&D expenditure ÷ revenue (millionths).
    RdIntensity,
    /// Whole years since registration.
    Age,
    /// Liabilities ÷ assets (millionths).
    DebtRatio,
    /// Cultivation tier (none, potential, growth, leading).
    Tier,
    /// A bad credit record in the last three years (信誉良好 is its absence).
    CreditRecord,
}

impl Factor {
    /// Every factor, in explanation order.
    pub const ALL: [Factor; 10] = [
        Factor::VerifiedSpend,
        Factor::SpendMonthsActive,
        Factor::SpendGrowth,
        Factor::Revenue,
        Factor::RevenueGrowth,
        Factor::RdIntensity,
        Factor::Age,
        Factor::DebtRatio,
        Factor::Tier,
        Factor::CreditRecord,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            Factor::VerifiedSpend => "verified_spend",
            Factor::SpendMonthsActive => "spend_months_active",
            Factor::SpendGrowth => "spend_growth",
            Factor::Revenue => "revenue",
            Factor::RevenueGrowth => "revenue_growth",
            Factor::RdIntensity => "rd_intensity",
            Factor::Age => "age",
            Factor::DebtRatio => "debt_ratio",
            Factor::Tier => "tier",
            Factor::CreditRecord => "credit_record",
        }
    }

    /// Position in [`Factor::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The unit of the factor's numeric value, or `None` for a category.
    pub fn unit(self) -> Option<Unit> {
        match self {
            Factor::VerifiedSpend | Factor::Revenue => Some(Unit::Fen),
            Factor::SpendMonthsActive => Some(Unit::Count),
            Factor::Age => Some(Unit::Years),
            Factor::SpendGrowth
            | Factor::RevenueGrowth
            | Factor::RdIntensity
            | Factor::DebtRatio => Some(Unit::Micros),
            Factor::Tier | Factor::CreditRecord => None,
        }
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for Factor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Factor::ALL
            .into_iter()
            .find(|f| f.key() == s.trim())
            .ok_or_else(|| format!("'{s}' is not a factor"))
    }
}

/// The unit of a numeric factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Money in fen (thresholds are written in yuan).
    Fen,
    /// Millionths (thresholds are written as decimal fractions, 0.05 = 5 %).
    Micros,
    /// A count.
    Count,
    /// Whole years.
    Years,
}

/// The value of one factor for one firm-year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum FactorValue {
    /// A number in the factor's [`Unit`].
    Number(i64),
    /// The tier (`None`: the firm holds no tier).
    Tier(Option<Tier>),
    /// A bad credit record.
    BadCredit(bool),
}

impl FactorValue {
    /// The value as people read it (yuan with two decimals, percentages, counts).
    pub fn display(&self, factor: Factor) -> String {
        match (self, factor.unit()) {
            (FactorValue::Number(n), Some(Unit::Fen)) => format!("¥{}", Decimal::new(*n, 2)),
            (FactorValue::Number(n), Some(Unit::Micros)) => {
                format!("{} %", Decimal::new(*n, 4).normalize())
            }
            (FactorValue::Number(n), Some(Unit::Years)) => format!("{n} years"),
            (FactorValue::Number(n), _) => n.to_string(),
            (FactorValue::Tier(Some(t)), _) => t.key().to_string(),
            (FactorValue::Tier(None), _) => "none".to_string(),
            (FactorValue::BadCredit(b), _) => if *b { "bad record" } else { "clean" }.to_string(),
        }
    }
}

/// What a credit model reads about one firm-year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Features {
    /// Verified digital spend over the window, fen.
    pub spend_fen: Option<i64>,
    /// Verified digital spend over the previous window of the same length, fen.
    pub spend_prior_fen: Option<i64>,
    /// Months of the window with verified spend.
    pub months_active: Option<u32>,
    /// Revenue of the year, fen.
    pub revenue_fen: Option<i64>,
    /// Revenue of the year before, fen.
    pub revenue_prior_fen: Option<i64>,
    /// R&D expenditure of the year, fen.
    pub rd_spend_fen: Option<i64>,
    /// Whole years since registration.
    pub age_years: Option<i64>,
    /// Liabilities ÷ assets, millionths.
    pub debt_ratio_micros: Option<i64>,
    /// Cultivation tier (`None`: no tier; a known fact, not a missing one).
    pub tier: Option<Tier>,
    /// A bad credit record in the last three years.
    pub bad_credit_3y: Option<bool>,
    /// Employees.
    pub staff: Option<u32>,
}

/// `num / den` in millionths, rounded down; `None` unless `den > 0`.
pub fn ratio_micros(num: i64, den: i64) -> Option<i64> {
    if den <= 0 {
        return None;
    }
    let v = (i128::from(num) * i128::from(MICROS)).div_euclid(i128::from(den));
    i64::try_from(v).ok()
}

/// A decimal fraction in millionths, rounded down; `None` beyond the range of `i64`.
pub fn decimal_micros(d: Decimal) -> Option<i64> {
    (d * Decimal::from(MICROS)).floor().to_i64()
}

impl Features {
    /// Features from the registry's profile (if the firm is known) and the spend summaries of
    /// the window and the window before it.
    pub fn from_sources(
        profile: Option<&FirmProfile>,
        spend: &SpendSummary,
        spend_prior: &SpendSummary,
    ) -> Self {
        let mut f = Features {
            spend_fen: Some(spend.verified_fen),
            spend_prior_fen: Some(spend_prior.verified_fen),
            months_active: Some(spend.months_active),
            ..Features::default()
        };
        if let Some(p) = profile {
            f.revenue_fen = p.revenue_yuan.map(|m| m.fen());
            f.revenue_prior_fen = p.revenue_prior_yuan.map(|m| m.fen());
            f.rd_spend_fen = p.rd_spend_yuan.map(|m| m.fen());
            f.age_years = p.age_years();
            f.debt_ratio_micros = p.debt_ratio.and_then(decimal_micros);
            f.tier = p.tier;
            f.bad_credit_3y = p.bad_credit_3y;
            f.staff = p.staff;
        }
        f
    }

    /// The value of one factor, or `None` when the facts behind it are missing (a growth rate
    /// over a zero base is missing too).
    pub fn value(&self, factor: Factor) -> Option<FactorValue> {
        use FactorValue::Number;
        match factor {
            Factor::VerifiedSpend => self.spend_fen.map(Number),
            Factor::SpendMonthsActive => self.months_active.map(|m| Number(i64::from(m))),
            Factor::SpendGrowth => growth(self.spend_fen, self.spend_prior_fen).map(Number),
            Factor::Revenue => self.revenue_fen.map(Number),
            Factor::RevenueGrowth => growth(self.revenue_fen, self.revenue_prior_fen).map(Number),
            Factor::RdIntensity => match (self.rd_spend_fen, self.revenue_fen) {
                (Some(rd), Some(rev)) => ratio_micros(rd, rev).map(Number),
                _ => None,
            },
            Factor::Age => self.age_years.map(Number),
            Factor::DebtRatio => self.debt_ratio_micros.map(Number),
            Factor::Tier => Some(FactorValue::Tier(self.tier)),
            Factor::CreditRecord => self.bad_credit_3y.map(FactorValue::BadCredit),
        }
    }
}

/// (now − before) ÷ before in millionths; `None` when either is missing or before ≤ 0.
fn growth(now: Option<i64>, before: Option<i64>) -> Option<i64> {
    let (n, b) = (now?, before?);
    ratio_micros(n.checked_sub(b)?, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_exact_integers() {
        // 5 % exactly.
        assert_eq!(ratio_micros(500_000, 10_000_000), Some(50_000));
        // Just below 5 % stays below (rounded down, never up into the next band).
        assert_eq!(ratio_micros(499_999, 10_000_000), Some(49_999));
        // Negative growth rounds toward −∞: −1/3 → −333,334.
        assert_eq!(ratio_micros(-1, 3), Some(-333_334));
        assert_eq!(ratio_micros(1, 0), None);
        assert_eq!(decimal_micros(Decimal::new(35, 2)), Some(350_000));
    }

    #[test]
    fn values() {
        let f = Features {
            spend_fen: Some(1_500_000),
            spend_prior_fen: Some(1_000_000),
            revenue_fen: Some(0),
            rd_spend_fen: Some(1),
            ..Default::default()
        };
        assert_eq!(
            f.value(Factor::SpendGrowth),
            Some(FactorValue::Number(500_000))
        );
        assert_eq!(f.value(Factor::RdIntensity), None); // zero revenue
        assert_eq!(f.value(Factor::Tier), Some(FactorValue::Tier(None)));
        assert_eq!(f.value(Factor::CreditRecord), None);
        assert_eq!(
            FactorValue::Number(500_000).display(Factor::SpendGrowth),
            "50 %"
        );
        assert_eq!(
            FactorValue::Number(1_500_000).display(Factor::VerifiedSpend),
            "¥15000.00"
        );
        for (i, f) in Factor::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(f.key().parse::<Factor>().unwrap(), *f);
        }
    }
}
