//! The [`CreditModel`] seam and what every model answers: a score, a one-year probability of
//! default and, factor by factor, why ([`Assessment`]).
//!
//! Two models ship: the transparent [`Scorecard`](crate::Scorecard) (points per band of each
//! factor) and the [`LogisticModel`](crate::LogisticModel) fitted by IRLS. Both speak the same
//! score scale ([`ScoreScale`], points to double the odds), so a product's score bands work
//! with either.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::features::{Factor, FactorValue, Features};

/// Lowest score any model reports.
pub const SCORE_MIN: i64 = 0;
/// Highest score any model reports.
pub const SCORE_MAX: i64 = 1_000;

/// Smallest probability of default a model reports: PDs are clamped into
/// [`PD_MIN`, `1 − PD_MIN`] so that log-odds and scores stay finite.
pub const PD_MIN: f64 = 1e-6;

/// A credit model: features in, score and probability of default out.
pub trait CreditModel: Send + Sync {
    /// The model's id (a parameter set id, or the id of a fit).
    fn id(&self) -> &str;
    /// The one-year probability of default, in [`PD_MIN`, 1 − `PD_MIN`] (the fast path: no
    /// allocation).
    fn pd(&self, features: &Features) -> f64;
    /// The score, in [`SCORE_MIN`, `SCORE_MAX`] (the fast path).
    fn score(&self, features: &Features) -> i64;
    /// Score, PD and the contribution of every factor.
    fn assess(&self, features: &Features) -> Assessment;
}

/// The scale that turns odds into points: `score = base_score + pdo × log2(odds ÷ base_odds)`,
/// where odds = (1 − PD) ÷ PD (good to bad). The usual scorecard scaling (Siddiqi, *Credit
/// Risk Scorecards*, 2006, ch. 6): a score of `base_score` means odds of `base_odds` to 1,
/// and every `pdo` points double the odds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreScale {
    /// The score at `base_odds`.
    pub base_score: f64,
    /// Good-to-bad odds at `base_score`.
    pub base_odds: f64,
    /// Points to double the odds.
    pub pdo: f64,
}

impl ScoreScale {
    /// True when every field is finite and positive.
    pub fn is_valid(&self) -> bool {
        [self.base_score, self.base_odds, self.pdo]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
    }

    /// The PD a score stands for on this scale.
    pub fn pd_of_score(&self, score: f64) -> f64 {
        let log2_odds = self.base_odds.log2() + (score - self.base_score) / self.pdo;
        clamp_pd(1.0 / (1.0 + log2_odds.exp2()))
    }

    /// The score of a PD on this scale, rounded half up and clamped into
    /// [`SCORE_MIN`, `SCORE_MAX`].
    pub fn score_of_pd(&self, pd: f64) -> i64 {
        let pd = clamp_pd(pd);
        let odds = (1.0 - pd) / pd;
        let s = self.base_score + self.pdo * (odds / self.base_odds).log2();
        clamp_score((s + 0.5).floor())
    }
}

/// A PD forced into [`PD_MIN`, 1 − `PD_MIN`]; a NaN becomes 1 − `PD_MIN` (the cautious end).
pub fn clamp_pd(pd: f64) -> f64 {
    if pd.is_nan() {
        1.0 - PD_MIN
    } else {
        pd.clamp(PD_MIN, 1.0 - PD_MIN)
    }
}

/// A score forced into [`SCORE_MIN`, `SCORE_MAX`]; a NaN becomes `SCORE_MIN`.
pub fn clamp_score(s: f64) -> i64 {
    if s.is_nan() {
        SCORE_MIN
    } else {
        // The clamp keeps the value inside i64 before the cast.
        s.clamp(SCORE_MIN as f64, SCORE_MAX as f64) as i64
    }
}

/// The logistic function, finite for every finite input.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// What one factor contributed to an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorContribution {
    /// The factor.
    pub factor: Factor,
    /// Its value (`None`: missing).
    pub value: Option<FactorValue>,
    /// The value as people read it ("missing" when missing).
    pub value_text: String,
    /// Scorecard: the band the value fell in.
    pub band: Option<String>,
    /// Scorecard: the points it earned (the missing-value points when missing).
    pub points: Option<i64>,
    /// Logistic model: its contribution to the log-odds of default against a firm at the
    /// training means (positive raises the PD; 0 when missing, since a missing value is
    /// imputed at the mean).
    pub log_odds: Option<f64>,
    /// True when the facts behind the factor are missing.
    pub missing: bool,
}

/// A score, a PD and the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The model that assessed.
    pub model: String,
    /// The score.
    pub score: i64,
    /// The one-year probability of default.
    pub pd: f64,
    /// Every factor, in [`Factor::ALL`] order.
    pub factors: Vec<FactorContribution>,
    /// Share of the model's factor weight that rests on missing facts, in [0, 1] (a scorecard
    /// weighs a factor by the range of its points; the logistic model by |coefficient| × the
    /// factor's standard deviation in training).
    pub missing_share: f64,
}

impl Assessment {
    /// The factors whose facts are missing.
    pub fn missing(&self) -> Vec<Factor> {
        self.factors
            .iter()
            .filter(|c| c.missing)
            .map(|c| c.factor)
            .collect()
    }
}

impl fmt::Display for Assessment {
    /// The explanation, one factor a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: score {}, PD {:.4} % ({:.0} % of the weight on missing facts)",
            self.model,
            self.score,
            self.pd * 100.0,
            self.missing_share * 100.0
        )?;
        for c in &self.factors {
            write!(f, "  {:<20} {:<22}", c.factor.key(), c.value_text)?;
            if let Some(b) = &c.band {
                write!(f, " band {b:<24}")?;
            }
            if let Some(p) = c.points {
                write!(f, " {p:+} points")?;
            }
            if let Some(l) = c.log_odds {
                write!(f, " {l:+.4} log-odds")?;
            }
            if c.missing {
                f.write_str(" (missing)")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_round_trips() {
        let s = ScoreScale {
            base_score: 600.0,
            base_odds: 30.0,
            pdo: 50.0,
        };
        // At the base score the odds are 30:1, PD 1/31.
        assert!((s.pd_of_score(600.0) - 1.0 / 31.0).abs() < 1e-15);
        // 50 points more doubles the odds: 60:1.
        assert!((s.pd_of_score(650.0) - 1.0 / 61.0).abs() < 1e-15);
        assert_eq!(s.score_of_pd(1.0 / 31.0), 600);
        assert_eq!(s.score_of_pd(1.0 / 61.0), 650);
        for score in [300, 455, 600, 777] {
            assert_eq!(s.score_of_pd(s.pd_of_score(score as f64)), score);
        }
        assert_eq!(s.score_of_pd(f64::NAN), s.score_of_pd(1.0));
        assert!(s.pd_of_score(-1e9) <= 1.0 - PD_MIN && s.pd_of_score(1e9) >= PD_MIN);
    }

    #[test]
    fn sigmoid_is_finite() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(sigmoid(1000.0) <= 1.0 && sigmoid(-1000.0) >= 0.0);
        assert!(sigmoid(-1000.0).is_finite());
    }
}
