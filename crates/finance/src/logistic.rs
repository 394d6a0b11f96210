//! The logistic PD model: `PD = σ(β₀ + Σ β_j x_j)` over [`COVARIATES`] derived from the
//! features, fitted by IRLS ([`crate::irls`]) on a portfolio.
//!
//! A missing covariate is imputed at its training mean, so it contributes nothing to the
//! explanation and the assessment says it was missing. The explanation of a factor is
//! `Σ β_j (x_j − mean_j)` over its covariates: the log-odds of default it adds against a firm
//! at the training means, and the contributions sum exactly to the firm's log-odds minus the
//! log-odds at the means.

use serde::{Deserialize, Serialize};

use registry_model::Tier;

use crate::error::{FinanceError, Result};
use crate::features::{Factor, Features, MICROS};
use crate::irls::{Fit, FitOptions, fit_logistic};
use crate::model::{Assessment, CreditModel, FactorContribution, ScoreScale, clamp_pd, sigmoid};

/// Number of covariates (the intercept excluded).
pub const COVARIATE_COUNT: usize = 12;

/// The covariates: name, the factor they explain, and how they are computed.
pub const COVARIATES: [(&str, Factor, &str); COVARIATE_COUNT] = [
    (
        "ln_spend",
        Factor::VerifiedSpend,
        "ln(1 + verified spend in yuan)",
    ),
    (
        "months_active_share",
        Factor::SpendMonthsActive,
        "months with spend ÷ 12",
    ),
    (
        "spend_growth",
        Factor::SpendGrowth,
        "spend growth, clamped to [−1, 3]",
    ),
    ("ln_revenue", Factor::Revenue, "ln(1 + revenue in yuan)"),
    (
        "revenue_growth",
        Factor::RevenueGrowth,
        "revenue growth, clamped to [−1, 3]",
    ),
    (
        "rd_intensity",
        Factor::RdIntensity,
        "R&D ÷ revenue, clamped to [0, 1]",
    ),
    (
        "age_years",
        Factor::Age,
        "years since registration, clamped to [0, 30]",
    ),
    (
        "debt_ratio",
        Factor::DebtRatio,
        "liabilities ÷ assets, clamped to [0, 2]",
    ),
    ("tier_potential", Factor::Tier, "1 for the potential tier"),
    ("tier_growth", Factor::Tier, "1 for the growth tier"),
    ("tier_leading", Factor::Tier, "1 for the leading tier"),
    (
        "bad_credit",
        Factor::CreditRecord,
        "1 for a bad credit record in three years",
    ),
];

/// The covariates of a firm-year; `None` where the facts are missing.
pub fn covariates(f: &Features) -> [Option<f64>; COVARIATE_COUNT] {
    let micros = |v: i64| v as f64 / MICROS as f64;
    let ln_yuan = |fen: i64| (fen.max(0) as f64 / 100.0).ln_1p();
    let v = |factor: Factor| match f.value(factor) {
        Some(crate::features::FactorValue::Number(n)) => Some(n),
        _ => None,
    };
    let tier = |t: Tier| Some(if f.tier == Some(t) { 1.0 } else { 0.0 });
    [
        f.spend_fen.map(ln_yuan),
        f.months_active.map(|m| f64::from(m.min(12)) / 12.0),
        v(Factor::SpendGrowth).map(|g| micros(g).clamp(-1.0, 3.0)),
        f.revenue_fen.map(ln_yuan),
        v(Factor::RevenueGrowth).map(|g| micros(g).clamp(-1.0, 3.0)),
        v(Factor::RdIntensity).map(|g| micros(g).clamp(0.0, 1.0)),
        f.age_years.map(|a| a.clamp(0, 30) as f64),
        f.debt_ratio_micros.map(|d| micros(d).clamp(0.0, 2.0)),
        tier(Tier::Potential),
        tier(Tier::Growth),
        tier(Tier::Leading),
        f.bad_credit_3y.map(|b| if b { 1.0 } else { 0.0 }),
    ]
}

/// A fitted logistic PD model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// Model id.
    pub id: String,
    /// What it was fitted on.
    pub fitted_on: String,
    /// Intercept.
    pub intercept: f64,
    /// One coefficient per covariate, in [`COVARIATES`] order.
    pub coefficients: [f64; COVARIATE_COUNT],
    /// Standard errors: intercept first, then the covariates.
    pub std_errors: Vec<f64>,
    /// Training means (the imputation of a missing covariate).
    pub means: [f64; COVARIATE_COUNT],
    /// Training standard deviations (the weight of a factor in the missing share).
    pub sds: [f64; COVARIATE_COUNT],
    /// The score scale used to report a score.
    pub scale: ScoreScale,
    /// The fit's diagnostics.
    pub fit: FitSummary,
}

/// How the fit went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitSummary {
    /// IRLS iterations.
    pub iterations: usize,
    /// Deviance at the optimum.
    pub deviance: f64,
    /// Rows fitted.
    pub rows: usize,
    /// Defaults among them.
    pub defaults: usize,
}

impl LogisticModel {
    /// Fits the model on `features` and outcomes (`true` = defaulted within the year).
    pub fn fit(
        id: &str,
        fitted_on: &str,
        features: &[Features],
        defaulted: &[bool],
        scale: ScoreScale,
        opts: &FitOptions,
    ) -> Result<Self> {
        if features.len() != defaulted.len() {
            return Err(FinanceError::Degenerate {
                what: "logistic model",
                reason: format!(
                    "{} feature rows for {} outcomes",
                    features.len(),
                    defaulted.len()
                ),
            });
        }
        if !scale.is_valid() {
            return Err(FinanceError::Degenerate {
                what: "logistic model",
                reason: "invalid score scale".into(),
            });
        }
        let cov: Vec<[Option<f64>; COVARIATE_COUNT]> = features.iter().map(covariates).collect();
        let mut means = [0.0; COVARIATE_COUNT];
        let mut sds = [0.0; COVARIATE_COUNT];
        for j in 0..COVARIATE_COUNT {
            let (mut n, mut s) = (0usize, 0.0);
            for c in &cov {
                if let Some(v) = c[j] {
                    n += 1;
                    s += v;
                }
            }
            means[j] = if n > 0 { s / n as f64 } else { 0.0 };
            let mut ss = 0.0;
            for c in &cov {
                if let Some(v) = c[j] {
                    ss += (v - means[j]) * (v - means[j]);
                }
            }
            sds[j] = if n > 1 {
                (ss / (n - 1) as f64).sqrt()
            } else {
                0.0
            };
        }
        let p = COVARIATE_COUNT + 1;
        let mut x = Vec::with_capacity(cov.len() * p);
        for c in &cov {
            x.push(1.0);
            for j in 0..COVARIATE_COUNT {
                x.push(c[j].unwrap_or(means[j]));
            }
        }
        let Fit {
            coefficients,
            std_errors,
            iterations,
            deviance,
            rows,
            events,
        } = fit_logistic(&x, defaulted, p, opts)?;
        let mut b = [0.0; COVARIATE_COUNT];
        b.copy_from_slice(&coefficients[1..]);
        Ok(Self {
            id: id.to_string(),
            fitted_on: fitted_on.to_string(),
            intercept: coefficients[0],
            coefficients: b,
            std_errors,
            means,
            sds,
            scale,
            fit: FitSummary {
                iterations,
                deviance,
                rows,
                defaults: events,
            },
        })
    }

    /// Checks a model read back from JSON: every number finite, the scale valid.
    pub fn check(&self) -> Result<()> {
        let all = std::iter::once(self.intercept)
            .chain(self.coefficients)
            .chain(self.means)
            .chain(self.sds)
            .chain(self.std_errors.iter().copied());
        if all.clone().any(|v| !v.is_finite()) || !self.scale.is_valid() {
            return Err(FinanceError::Degenerate {
                what: "logistic model",
                reason: format!(
                    "model '{}' has a non-finite number or an invalid scale",
                    self.id
                ),
            });
        }
        Ok(())
    }

    fn log_odds(&self, f: &Features) -> f64 {
        let c = covariates(f);
        c.iter()
            .zip(self.coefficients.iter().zip(&self.means))
            .fold(self.intercept, |z, (x, (b, m))| z + b * x.unwrap_or(*m))
    }
}

impl CreditModel for LogisticModel {
    fn id(&self) -> &str {
        &self.id
    }

    fn pd(&self, f: &Features) -> f64 {
        clamp_pd(sigmoid(self.log_odds(f)))
    }

    fn score(&self, f: &Features) -> i64 {
        self.scale.score_of_pd(self.pd(f))
    }

    fn assess(&self, f: &Features) -> Assessment {
        let c = covariates(f);
        let mut total_weight = 0.0;
        let mut missing_weight = 0.0;
        let mut factors = Vec::with_capacity(Factor::ALL.len());
        for factor in Factor::ALL {
            let mut lo = 0.0;
            let mut missing = false;
            for (j, (_, fac, _)) in COVARIATES.iter().enumerate() {
                if *fac != factor {
                    continue;
                }
                let w = (self.coefficients[j] * self.sds[j]).abs();
                total_weight += w;
                match c[j] {
                    Some(v) => lo += self.coefficients[j] * (v - self.means[j]),
                    None => {
                        missing = true;
                        missing_weight += w;
                    }
                }
            }
            let value = f.value(factor);
            factors.push(FactorContribution {
                factor,
                value,
                value_text: value.map_or_else(|| "missing".to_string(), |v| v.display(factor)),
                band: None,
                points: None,
                log_odds: Some(lo),
                missing,
            });
        }
        let pd = self.pd(f);
        Assessment {
            model: self.id.clone(),
            score: self.scale.score_of_pd(pd),
            pd,
            factors,
            missing_share: if total_weight > 0.0 {
                (missing_weight / total_weight).clamp(0.0, 1.0)
            } else {
                0.0
            },
        }
    }
}
