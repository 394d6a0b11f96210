//! A seeded synthetic portfolio of firm-years with known default outcomes, for calibrating
//! and checking the credit models where no real loan book is at hand.
//!
//! Each row draws from its own ChaCha8 stream (the seed, stream = row index), so the portfolio
//! is the same bytes whatever the number of threads. Amounts are drawn in floating point and
//! rounded to whole thousands of yuan (spend to hundreds) before they become exact fen, which
//! keeps last-bit differences of libm away from the output.
//!
//! **Everything here is assumed**: the distributions are chosen to look like a cohort of
//! small digital firms (most small, revenue log-normal, a few percent with a bad credit
//! record), and defaults are drawn from a known logistic "truth" ([`TRUE_INTERCEPT`],
//! [`TRUE_COEFFICIENTS`]) over the model's covariates. A model fitted on it can be checked
//! against that truth; nothing about real default rates of 数创企业 is claimed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Binomial, Distribution, Exp, LogNormal, Normal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

use registry_model::{EnterpriseId, Tier};

use crate::error::{FinanceError, Result};
use crate::evidence::{DateWindow, SpendSummary};
use crate::facts::FirmProfile;
use crate::features::Features;
use crate::logistic::{COVARIATE_COUNT, covariates};
use crate::model::sigmoid;

/// Most rows one synthetic portfolio may have.
pub const PORTFOLIO_ROWS_MAX: usize = 20_000_000;

/// Intercept of the true log-odds of default (assumed; gives a default rate near 4 %).
pub const TRUE_INTERCEPT: f64 = 0.6;

/// True coefficients, in the order of [`crate::logistic::COVARIATES`] (assumed): more
/// verified spend, more regular use, growth, R&D and age lower the risk; debt and a bad
/// credit record raise it; higher tiers lower it.
pub const TRUE_COEFFICIENTS: [f64; COVARIATE_COUNT] = [
    -0.12, // ln_spend
    -0.8,  // months_active_share
    -0.3,  // spend_growth
    -0.15, // ln_revenue
    -0.9,  // revenue_growth
    -2.0,  // rd_intensity
    -0.05, // age_years
    1.8,   // debt_ratio
    -0.2,  // tier_potential
    -0.5,  // tier_growth
    -0.8,  // tier_leading
    1.5,   // bad_credit
];

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PortfolioSpec {
    /// Firm-years.
    pub rows: usize,
    /// Master seed.
    pub seed: u64,
    /// Blank facts as registries do (revenue of the year before 5 %, R&D 8 %, debt ratio
    /// 6 %, credit record 3 %; assumed). Defaults are drawn from the complete facts either way.
    pub with_missing: bool,
}

/// A synthetic portfolio: features and whether each firm-year defaulted within the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// The spec it was generated from.
    pub spec: PortfolioSpec,
    /// Features of each firm-year.
    pub features: Vec<Features>,
    /// The true PD each firm-year was drawn with.
    pub true_pd: Vec<f64>,
    /// Defaulted within the year.
    pub defaulted: Vec<bool>,
}

impl Portfolio {
    /// Rows.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Defaults.
    pub fn defaults(&self) -> usize {
        self.defaulted.iter().filter(|d| **d).count()
    }
}

/// The true PD of a firm-year: the logistic truth over its covariates (a missing covariate
/// counts as zero; rows are drawn complete, so this only matters for hand-made features).
pub fn true_pd(f: &Features) -> f64 {
    let c = covariates(f);
    let z = TRUE_INTERCEPT
        + TRUE_COEFFICIENTS
            .iter()
            .zip(c)
            .map(|(b, x)| b * x.unwrap_or(0.0))
            .sum::<f64>();
    sigmoid(z)
}

/// Generates a portfolio.
///
/// ```
/// use finance::synthetic::{PortfolioSpec, generate};
/// let spec = PortfolioSpec { rows: 2_000, seed: 7, with_missing: true };
/// let p = generate(&spec)?;
/// assert_eq!(p.len(), 2_000);
/// assert_eq!(generate(&spec)?, p); // the same seed, the same portfolio
/// # Ok::<(), finance::FinanceError>(())
/// ```
pub fn generate(spec: &PortfolioSpec) -> Result<Portfolio> {
    if spec.rows > PORTFOLIO_ROWS_MAX {
        return Err(FinanceError::TooMany {
            what: "synthetic portfolio rows",
            count: spec.rows,
            max: PORTFOLIO_ROWS_MAX,
        });
    }
    let rows: Vec<(Features, f64, bool)> = (0..spec.rows)
        .into_par_iter()
        .map(|i| row(spec, i as u64))
        .collect();
    let mut features = Vec::with_capacity(rows.len());
    let mut pds = Vec::with_capacity(rows.len());
    let mut defaulted = Vec::with_capacity(rows.len());
    for (f, p, d) in rows {
        features.push(f);
        pds.push(p);
        defaulted.push(d);
    }
    Ok(Portfolio {
        spec: *spec,
        features,
        true_pd: pds,
        defaulted,
    })
}

fn thousands_fen(yuan: f64) -> i64 {
    let k = (yuan / 1000.0).round();
    if k.is_finite() {
        k.clamp(0.0, 1.0e9) as i64 * 100_000
    } else {
        0
    }
}

fn hundreds_fen(yuan: f64) -> i64 {
    let h = (yuan / 100.0).round();
    if h.is_finite() {
        h.clamp(0.0, 1.0e10) as i64 * 10_000
    } else {
        0
    }
}

/// One firm-year from its own stream.
fn row(spec: &PortfolioSpec, index: u64) -> (Features, f64, bool) {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    rng.set_stream(index);
    // Distribution parameters are constants known to be valid; the fallbacks never run.
    let u: f64 = rng.r#gen();
    let tier = if u < 0.40 {
        None
    } else if u < 0.75 {
        Some(Tier::Potential)
    } else if u < 0.93 {
        Some(Tier::Growth)
    } else {
        Some(Tier::Leading)
    };
    let (size_boost, age_boost) = match tier {
        None => (0.0, 0.0),
        Some(Tier::Potential) => (0.3, 0.0),
        Some(Tier::Growth) => (0.9, 2.0),
        Some(Tier::Leading) => (1.8, 5.0),
    };
    let age: f64 = Exp::new(1.0 / 6.0).map_or(6.0, |d| d.sample(&mut rng)) + age_boost;
    let age_years = (age.floor() as i64).clamp(0, 40);
    let revenue =
        LogNormal::new((8.0e6f64).ln() + size_boost, 1.2).map_or(8.0e6, |d| d.sample(&mut rng));
    let revenue_fen = thousands_fen(revenue);
    let g_mean = if matches!(tier, Some(Tier::Growth | Tier::Leading)) {
        0.18
    } else {
        0.10
    };
    let g = Normal::new(g_mean, 0.25)
        .map_or(0.1f64, |d| d.sample(&mut rng))
        .clamp(-0.7, 2.0);
    let revenue_prior_fen = thousands_fen(revenue_fen as f64 / 100.0 / (1.0 + g));
    let rd_ratio = LogNormal::new((0.04f64).ln(), 0.7)
        .map_or(0.04, |d| d.sample(&mut rng))
        .clamp(0.0, 0.6);
    let rd_fen = thousands_fen(rd_ratio * revenue_fen as f64 / 100.0);
    let debt: f64 = Beta::new(2.0, 3.0).map_or(0.4, |d| d.sample(&mut rng));
    let debt_ratio_micros = ((debt * 10_000.0).round() as i64).clamp(0, 10_000) * 100;
    let no_cloud: f64 = rng.r#gen();
    let intensity = LogNormal::new((0.02f64).ln(), 1.0)
        .map_or(0.02, |d| d.sample(&mut rng))
        .clamp(0.0, 0.5);
    let spend_fen = if no_cloud < 0.10 {
        0
    } else {
        hundreds_fen(intensity * revenue_fen as f64 / 100.0)
    };
    let regularity = 0.5 + 0.45 * rng.r#gen::<f64>();
    let months = if spend_fen == 0 {
        0
    } else {
        Binomial::new(12, regularity)
            .map_or(6, |d| d.sample(&mut rng))
            .max(1) as u32
    };
    let new_to_cloud: f64 = rng.r#gen();
    let gs = Normal::new(0.2, 0.4)
        .map_or(0.2f64, |d| d.sample(&mut rng))
        .clamp(-0.8, 3.0);
    let spend_prior_fen = if new_to_cloud < 0.15 {
        0
    } else {
        hundreds_fen(spend_fen as f64 / 100.0 / (1.0 + gs))
    };
    let bad_credit = rng.r#gen::<f64>() < 0.04;
    let staff = ((revenue_fen as f64 / 100.0 / 600_000.0).round() as i64).clamp(1, 100_000) as u32;
    let mut f = Features {
        spend_fen: Some(spend_fen),
        spend_prior_fen: Some(spend_prior_fen),
        months_active: Some(months),
        revenue_fen: Some(revenue_fen),
        revenue_prior_fen: Some(revenue_prior_fen),
        rd_spend_fen: Some(rd_fen),
        age_years: Some(age_years),
        debt_ratio_micros: Some(debt_ratio_micros),
        tier,
        bad_credit_3y: Some(bad_credit),
        staff: Some(staff),
    };
    let pd = true_pd(&f);
    let defaulted = rng.r#gen::<f64>() < pd;
    if spec.with_missing {
        let m: [f64; 4] = [rng.r#gen(), rng.r#gen(), rng.r#gen(), rng.r#gen()];
        if m[0] < 0.05 {
            f.revenue_prior_fen = None;
        }
        if m[1] < 0.08 {
            f.rd_spend_fen = None;
        }
        if m[2] < 0.06 {
            f.debt_ratio_micros = None;
        }
        if m[3] < 0.03 {
            f.bad_credit_3y = None;
        }
    }
    (f, pd, defaulted)
}

/// The registry profile and the spend summary a synthetic firm-year stands for, as of
/// `date` (profile of the year before; spend all in cloud and compute over the 12 months to
/// `date`), so synthetic firms go through the same decision as real ones.
pub fn profile_and_spend(
    f: &Features,
    index: u64,
    date: NaiveDate,
) -> Result<(FirmProfile, SpendSummary)> {
    let firm = synthetic_firm_id(index)?;
    let year = date.year() - 1;
    let money = |fen: Option<i64>| fen.and_then(registry_model::Money::from_fen);
    let founded = f.age_years.and_then(|a| {
        NaiveDate::from_ymd_opt(year, 12, 31)?
            .checked_sub_months(Months::new(u32::try_from(a).ok()?.checked_mul(12)?))
    });
    let profile = FirmProfile {
        firm,
        year,
        founded,
        tier: f.tier,
        sector: None,
        staff: f.staff,
        revenue_yuan: money(f.revenue_fen),
        revenue_prior_yuan: money(f.revenue_prior_fen),
        rd_spend_yuan: money(f.rd_spend_fen),
        debt_ratio: f.debt_ratio_micros.map(|m| Decimal::new(m, 6)),
        bad_credit_3y: f.bad_credit_3y,
    };
    let window = DateWindow::months_to(date, 12);
    let spend = f.spend_fen.unwrap_or(0);
    let summary = SpendSummary {
        window,
        by_category_fen: [spend, 0, 0, 0],
        verified_fen: spend,
        unverified_fen: 0,
        months_active: f.months_active.unwrap_or(0),
        lines: f.months_active.unwrap_or(0),
        providers: u32::from(spend > 0),
    };
    Ok((profile, summary))
}

/// A valid, synthetic USCC for row `index` (Beijing Haidian, organisation code from the
/// index): for fixtures and simulations that need firm ids.
pub fn synthetic_firm_id(index: u64) -> Result<EnterpriseId> {
    let org8 = format!("{:08}", index % 100_000_000);
    let check =
        registry_model::id::org_code_check_char(&org8).ok_or_else(|| FinanceError::Degenerate {
            what: "synthetic firm id",
            reason: format!("no organisation check character for {org8}"),
        })?;
    EnterpriseId::from_first17(&format!("91110108{org8}{check}")).map_err(|e| {
        FinanceError::Degenerate {
            what: "synthetic firm id",
            reason: e.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portfolio_is_plausible_and_reproducible() {
        let spec = PortfolioSpec {
            rows: 50_000,
            seed: 11,
            with_missing: true,
        };
        let p = generate(&spec).unwrap();
        let rate = p.defaults() as f64 / p.len() as f64;
        // The truth is built for a default rate of a few percent.
        assert!((0.02..0.08).contains(&rate), "default rate {rate}");
        let mean_pd: f64 = p.true_pd.iter().sum::<f64>() / p.len() as f64;
        let se = (mean_pd * (1.0 - mean_pd) / p.len() as f64).sqrt();
        assert!((rate - mean_pd).abs() < 4.0 * se, "{rate} vs {mean_pd}");
        let again = generate(&spec).unwrap();
        assert_eq!(p, again);
        // Another thread count gives the same bytes.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let one = pool.install(|| generate(&spec).unwrap());
        assert_eq!(
            serde_json::to_string(&one).unwrap(),
            serde_json::to_string(&p).unwrap()
        );
        assert!(p.features.iter().any(|f| f.rd_spend_fen.is_none()));
    }

    #[test]
    fn synthetic_ids_are_valid() {
        let a = synthetic_firm_id(0).unwrap();
        let b = synthetic_firm_id(123_456).unwrap();
        assert_ne!(a, b);
        assert!(b.org_code_valid());
    }
}
