//! Outlier treatment of the level method, after COINr's `qTreat`/`Treat`: each leaf's values of
//! one year (the cross-section the level method normalises) are winsorised one extreme value
//! at a time until their skewness and kurtosis fall within thresholds; when
//! [`OutlierTreatment::winsorise_max`] steps do not suffice, the original values are
//! log-transformed instead. Every changed value is recorded as a [`TreatedValue`].
//!
//! Definitions (SciPy's, so a NumPy/SciPy script can check them; see the test fixture
//! `tests/fixtures/outliers/make_fixture.py`), over the `n` units with a value, with central
//! moments `m_k = Σ (x − mean)^k / n`:
//! - skewness, sample-adjusted (`scipy.stats.skew(bias=False)`):
//!   `G1 = m3 / m2^1.5 · √(n(n − 1)) / (n − 2)`, defined for `n ≥ 3` and `m2 > 0`;
//! - kurtosis, excess and sample-adjusted (`scipy.stats.kurtosis(bias=False)`):
//!   `G2 = ((n² − 1)·m4/m2² − 3(n − 1)²) / ((n − 2)(n − 3))`, defined for `n ≥ 4`, `m2 > 0`.
//!
//! A cross-section is outlying when `|G1| ≥ skew_max` and `G2 ≥ kurtosis_max` (COINr
//! `check_SkewKurt`: it passes when either is below its threshold); one without both figures
//! defined (fewer than 4 units, or no spread) is never treated.
//!
//! Winsorising (COINr `winsorise`): while the values are outlying and fewer than
//! `winsorise_max` steps were taken, the most extreme value on the side of the skew (the
//! largest when `G1 ≥ 0`, else the smallest), with the units tied to it, takes the next value
//! inwards. Log transform when winsorising does not suffice, applied to the original values
//! (COINr `combine_treat = FALSE`), with `a = (max − min)/100`: `ln(x − min + a)` when the
//! original skew is positive (COINr `log_CT`), `−ln(max + a − x)` when it is negative (COINr
//! `log_CT_plus`; COINr's default `log_CT` would deepen a negative skew: assumed). Every value
//! of a logged cross-section changes and is recorded; a cross-section still outlying after the
//! log keeps its logged values (as COINr).
//!
//! The log changes the units of measurement, so it cannot be combined with normalisations that
//! read raw values against fixed references (targets, goalposts, the frontier `x / max`):
//! [`treat`] refuses that and [`OutlierRule::WinsoriseOnly`] skips the log.

use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::fill::FilledPanel;
use crate::level::Level;
use crate::normalise::Normalisation;
use crate::treated::{TreatedValue, Treatment};
use crate::year::Year;

/// COINr's default maximum number of winsorising steps per indicator (`qTreat`, `winmax = 5`).
pub const COINR_WINSORISE_MAX: usize = 5;
/// COINr's default threshold of the absolute skewness (`qTreat`, `skew_thresh = 2`).
pub const COINR_SKEW_MAX: f64 = 2.0;
/// COINr's default threshold of the (excess) kurtosis (`qTreat`, `kurt_thresh = 3.5`).
pub const COINR_KURTOSIS_MAX: f64 = 3.5;
/// Largest accepted `winsorise_max`: more steps than this would winsorise a cross-section
/// away (assumed bound, so a typo cannot run for long).
pub const WINSORISE_MAX_LIMIT: usize = 1_000;

/// Which treatment, as chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum OutlierRule {
    /// No treatment (the default: published figures do not change).
    #[default]
    None,
    /// Winsorise, then log-transform where winsorising does not suffice (COINr's default).
    Winsorise,
    /// Winsorise only; a cross-section still outlying keeps its winsorised values.
    WinsoriseOnly,
}

impl OutlierRule {
    /// The treatment of this rule with COINr's default thresholds, `None` for no treatment.
    pub fn treatment(self) -> Option<OutlierTreatment> {
        match self {
            Self::None => None,
            Self::Winsorise => Some(OutlierTreatment::default()),
            Self::WinsoriseOnly => Some(OutlierTreatment {
                log: false,
                ..OutlierTreatment::default()
            }),
        }
    }
}

/// The thresholds of the treatment; the default is COINr's `qTreat`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OutlierTreatment {
    /// Most winsorising steps per leaf and year ([`COINR_WINSORISE_MAX`]).
    pub winsorise_max: usize,
    /// Absolute skewness at or above which (with the kurtosis) values are outlying
    /// ([`COINR_SKEW_MAX`]).
    pub skew_max: f64,
    /// Kurtosis at or above which (with the skewness) values are outlying
    /// ([`COINR_KURTOSIS_MAX`]).
    pub kurtosis_max: f64,
    /// Whether to log-transform when winsorising does not suffice.
    pub log: bool,
}

impl Default for OutlierTreatment {
    fn default() -> Self {
        Self {
            winsorise_max: COINR_WINSORISE_MAX,
            skew_max: COINR_SKEW_MAX,
            kurtosis_max: COINR_KURTOSIS_MAX,
            log: true,
        }
    }
}

/// Central moments `m2, m3, m4` of `xs`, computed on values scaled by the largest deviation
/// (so no power overflows); `None` without spread. The scale cancels in both ratios.
fn moments(xs: &[f64]) -> Option<(f64, f64, f64)> {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let scale = xs.iter().fold(0.0f64, |m, &x| m.max((x - mean).abs()));
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &x in xs {
        let d = (x - mean) / scale;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    (m2 > 0.0).then_some((m2 / n, m3 / n, m4 / n))
}

/// Sample-adjusted skewness `G1` (SciPy `skew(bias=False)`); `None` for fewer than 3 values
/// or no spread.
pub fn skewness(xs: &[f64]) -> Option<f64> {
    if xs.len() < 3 {
        return None;
    }
    let n = xs.len() as f64;
    let (m2, m3, _) = moments(xs)?;
    let g1 = m3 / m2.powf(1.5) * (n * (n - 1.0)).sqrt() / (n - 2.0);
    g1.is_finite().then_some(g1)
}

/// Sample-adjusted excess kurtosis `G2` (SciPy `kurtosis(bias=False)`); `None` for fewer than
/// 4 values or no spread.
pub fn kurtosis(xs: &[f64]) -> Option<f64> {
    if xs.len() < 4 {
        return None;
    }
    let n = xs.len() as f64;
    let (m2, _, m4) = moments(xs)?;
    let g2 =
        ((n * n - 1.0) * m4 / (m2 * m2) - 3.0 * (n - 1.0) * (n - 1.0)) / ((n - 2.0) * (n - 3.0));
    g2.is_finite().then_some(g2)
}

impl OutlierTreatment {
    /// Checks the thresholds and that the treatment suits `level`'s normalisation.
    pub fn check(&self, level: &Level) -> Result<()> {
        if self.winsorise_max > WINSORISE_MAX_LIMIT {
            return Err(IndexError::TooLarge {
                what: "winsorising steps".into(),
                limit: WINSORISE_MAX_LIMIT as u64,
                actual: self.winsorise_max as u64,
            });
        }
        if !(self.skew_max.is_finite() && self.skew_max > 0.0 && self.kurtosis_max.is_finite()) {
            return Err(IndexError::Options(format!(
                "outlier thresholds must be finite, the skewness one positive: skew {}, kurtosis {}",
                self.skew_max, self.kurtosis_max
            )));
        }
        let raw_scale = matches!(
            level.normalisation,
            Normalisation::DistanceToTarget
                | Normalisation::Goalposts
                | Normalisation::DistanceToFrontier
        );
        if self.log && raw_scale {
            return Err(IndexError::Options(format!(
                "--outliers winsorise may log-transform values, which --normalise {} reads against fixed references; use --outliers winsorise-only",
                level.normalisation.as_str()
            )));
        }
        Ok(())
    }

    /// Whether `xs` is outlying (both figures defined and at or over their thresholds).
    pub fn outlying(&self, xs: &[f64]) -> bool {
        match (skewness(xs), kurtosis(xs)) {
            (Some(s), Some(k)) => s.abs() >= self.skew_max && k >= self.kurtosis_max,
            _ => false,
        }
    }

    /// Treats one cross-section in place; returns the treatment applied to every changed
    /// position (empty when nothing changed).
    pub fn treat_values(&self, xs: &mut [f64]) -> Vec<(usize, Treatment)> {
        if !self.outlying(xs) {
            return Vec::new();
        }
        let original = xs.to_vec();
        let skew_before = skewness(xs).unwrap_or(0.0);
        for _ in 0..self.winsorise_max {
            let top = skewness(xs).unwrap_or(0.0) >= 0.0;
            let extreme = if top {
                xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            } else {
                xs.iter().copied().fold(f64::INFINITY, f64::min)
            };
            let next = xs.iter().copied().filter(|&x| x != extreme).fold(
                if top {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                },
                |a, x| if top { a.max(x) } else { a.min(x) },
            );
            if !next.is_finite() {
                break;
            }
            for x in xs.iter_mut().filter(|x| **x == extreme) {
                *x = next;
            }
            if !self.outlying(xs) {
                break;
            }
        }
        if self.log && self.outlying(xs) {
            let (mn, mx) = original
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            let a = (mx - mn) / 100.0;
            for (x, &o) in xs.iter_mut().zip(&original) {
                *x = if skew_before >= 0.0 {
                    (o - mn + a).ln()
                } else {
                    -(mx + a - o).ln()
                };
            }
            return (0..xs.len()).map(|i| (i, Treatment::Logged)).collect();
        }
        (0..xs.len())
            .filter(|&i| xs[i] != original[i])
            .map(|i| (i, Treatment::Winsorised))
            .collect()
    }
}

/// Treats every leaf-year cross-section of `filled` (the units with a value) for the level
/// method `level`, recording each changed value in [`FilledPanel::treated`]. Fill flags stay
/// as they were: a treated value is still observed, interpolated or carried.
pub fn treat(
    mut filled: FilledPanel,
    level: &Level,
    treatment: &OutlierTreatment,
) -> Result<FilledPanel> {
    treatment.check(level)?;
    let (n_leaves, n_units, t_len) = (
        filled.leaf_ids().len(),
        filled.units().len(),
        filled.n_years(),
    );
    let base = filled.base_year();
    let mut records = Vec::new();
    let mut xs = Vec::with_capacity(n_units);
    let mut who = Vec::with_capacity(n_units);
    for l in 0..n_leaves {
        for t in 0..t_len {
            xs.clear();
            who.clear();
            for u in 0..n_units {
                let x = filled.values()[(l * n_units + u) * t_len + t];
                if !x.is_nan() {
                    xs.push(x);
                    who.push(u);
                }
            }
            let before = xs.clone();
            for (k, how) in treatment.treat_values(&mut xs) {
                let u = who[k];
                filled.values_mut()[(l * n_units + u) * t_len + t] = xs[k];
                records.push(TreatedValue {
                    indicator: filled.leaf_ids()[l].clone(),
                    unit: filled.units()[u].clone(),
                    year: base + t as Year,
                    original: before[k],
                    treated: xs[k],
                    treatment: how,
                });
            }
        }
    }
    filled.set_treated(records);
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_by_hand() {
        // 1, 2, 3, 10: mean 4, deviations −3, −2, −1, 6; m2 = 50/4, m3 = 180/4, m4 = 1394/4.
        let xs = [1.0, 2.0, 3.0, 10.0];
        let (m2, m3, m4) = (12.5f64, 45.0f64, 348.5f64);
        let g1 = m3 / m2.powf(1.5) * (12.0f64).sqrt() / 2.0;
        assert!((skewness(&xs).unwrap() - g1).abs() < 1e-12);
        let g2 = (15.0 * m4 / (m2 * m2) - 27.0) / 2.0;
        assert!((kurtosis(&xs).unwrap() - g2).abs() < 1e-12);
        assert_eq!(skewness(&[1.0, 1.0, 1.0]), None);
        assert_eq!(kurtosis(&[1.0, 2.0, 3.0]), None);
    }

    #[test]
    fn one_outlier_is_winsorised_to_the_next_value() {
        let mut xs: Vec<f64> = (1..=20).map(f64::from).collect();
        xs.push(1000.0);
        let t = OutlierTreatment::default();
        assert!(t.outlying(&xs));
        let changed = t.treat_values(&mut xs);
        assert_eq!(changed, vec![(20, Treatment::Winsorised)]);
        assert_eq!(xs[20], 20.0);
        assert!(!t.outlying(&xs));
    }
}
