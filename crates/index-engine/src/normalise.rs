//! Normalisations of the level method: how one leaf's values of one year are put on a common
//! scale across the units.
//!
//! Every normalisation but the z-score gives a position `r` in [0, 1] (1 best), and the level
//! method scores `lo + (hi − lo)·r` on its 0–100 (or 1–100) scale. A leaf's own score is
//! always "more of the indicator scores higher"; with direction −1 it enters its parent
//! mirrored (`lo + hi − s`). The normalisations that treat the two directions differently
//! (distance to target, distance to the frontier) therefore give a direction −1 leaf the
//! position `1 − e`, where `e` is COINr's formula for a negative indicator: its entering score
//! is then exactly COINr's.
//!
//! | normalisation | position `r` (direction 1) | direction −1 enters as | source |
//! |---|---|---|---|
//! | min-max | `(x − min)/(max − min)` | `1 − r` | COINr `n_minmax` |
//! | z-score | `(x − mean)/sd` (population sd; not a position) | `−z` | COINr `n_zscore` |
//! | rank | `(k − 1)/(n − 1)`, `k` the rank from the lowest, ties sharing the lowest rank | `1 − r` | COINr `n_rank` (ties "min"), rescaled |
//! | percentile rank | `(below + equal/2)/n` | `1 − r` | mid-rank percentile (SciPy `percentileofscore(kind="mean")`) |
//! | distance to target | `min(1, (x − min)/(T − min))`; 1 when `T ≤ min` | `min(1, (max − x)/(max − T))`; 1 when `T ≥ max` | COINr `n_dist2targ`, `cap_max = TRUE` |
//! | goalposts | `(x − L)/(U − L)` clipped to [0, 1] | `1 − r` = `(x − U)/(L − U)` clipped | COINr `n_goalposts`, `trunc2posts = TRUE` |
//! | distance to frontier | `x / max` (the best unit of the year) | `min / x` (1 when `x = 0`) | COINr `n_fracmax` |
//!
//! `n` counts the units with a value that year. Min-max, rank and the frontier score every
//! unit the middle of the scale when the spread is 0 (all equal, or one unit).

use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::fill::FilledPanel;
use crate::framework::{Direction, Framework};

/// How leaf values are put on a common scale (see the module's table for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Normalisation {
    /// Min-max onto [0, 100] (or [1, 100] for geometric aggregation).
    MinMax,
    /// Standard scores.
    ZScore,
    /// Rank among the units (ties share the lowest), rescaled onto the score scale.
    Rank,
    /// Mid-rank percentile: the share of units below plus half the share equal.
    PercentileRank,
    /// Progress from the worst unit to the leaf's target, capped at the target.
    DistanceToTarget,
    /// Position between the leaf's fixed goalposts, clipped to them.
    Goalposts,
    /// Fraction of the best unit of the year.
    DistanceToFrontier,
}

impl Normalisation {
    /// Every normalisation, in the order of the documentation.
    pub const ALL: [Self; 7] = [
        Self::MinMax,
        Self::ZScore,
        Self::Rank,
        Self::PercentileRank,
        Self::DistanceToTarget,
        Self::Goalposts,
        Self::DistanceToFrontier,
    ];

    /// The spelling of the command line and of serde: `min-max`, `percentile-rank`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MinMax => "min-max",
            Self::ZScore => "z-score",
            Self::Rank => "rank",
            Self::PercentileRank => "percentile-rank",
            Self::DistanceToTarget => "distance-to-target",
            Self::Goalposts => "goalposts",
            Self::DistanceToFrontier => "distance-to-frontier",
        }
    }

    /// Whether scores are positions on the fixed 0–100 scale (all but the z-score).
    pub fn on_fixed_scale(self) -> bool {
        self != Self::ZScore
    }
}

/// One leaf-year's rule from a value to its position.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// No spread: every unit scores the middle of the scale.
    Flat,
    /// `(x/pre − shift)/div`: min-max (pre 1) and z-scores (on values divided by the largest,
    /// which cannot overflow).
    Linear { pre: f64, shift: f64, div: f64 },
    /// Rank or percentile rank among `sorted[start..start + len]`.
    Ranked { start: usize, len: usize },
    /// `clamp((x − from)/span, 0, 1)`, then `1 − ·` when `flip`.
    Clamped { from: f64, span: f64, flip: bool },
    /// `x / max`.
    OfMax { max: f64 },
    /// `1 − min / x` (1 − COINr's score of a negative indicator).
    OfMin { min: f64 },
    /// The same position for every unit.
    Fixed(f64),
}

/// Per leaf and year, the rule of a normalisation across the units.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scales {
    norm: Option<Normalisation>,
    /// `[leaf * years + t]`.
    rules: Vec<Rule>,
    /// The sorted values of each leaf-year, for the rank normalisations.
    sorted: Vec<f64>,
}

impl Scales {
    /// The rules of `norm` for every leaf and year of `filled`. Distance to target and
    /// goalposts need every leaf's target or goalposts; the error names the first leaf
    /// without.
    pub(crate) fn new(norm: Normalisation, fw: &Framework, filled: &FilledPanel) -> Result<Self> {
        let t_len = filled.n_years();
        let n_units = filled.units().len();
        let values = filled.values();
        let ranked = matches!(norm, Normalisation::Rank | Normalisation::PercentileRank);
        let mut rules = Vec::with_capacity(filled.leaf_ids().len() * t_len);
        let mut sorted = Vec::new();
        let mut xs = Vec::with_capacity(n_units);
        for (l, &node) in fw.leaves().iter().enumerate() {
            let spec = &fw.nodes()[node].spec;
            let lower = spec.direction == Direction::LowerIsBetter;
            let missing = |what: &str| {
                IndexError::Options(format!(
                    "--normalise {} needs a {what} for every indicator; '{}' has none \
                     (framework.csv columns or a targets file)",
                    norm.as_str(),
                    spec.id
                ))
            };
            let target = match norm {
                Normalisation::DistanceToTarget => {
                    Some(spec.target.ok_or_else(|| missing("target"))?)
                }
                _ => None,
            };
            let goalposts = match norm {
                Normalisation::Goalposts => {
                    Some(spec.goalposts.ok_or_else(|| missing("goalposts"))?)
                }
                _ => None,
            };
            for t in 0..t_len {
                xs.clear();
                xs.extend(
                    (0..n_units)
                        .map(|u| values[(l * n_units + u) * t_len + t])
                        .filter(|x| !x.is_nan()),
                );
                let (mn, mx) = xs
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                        (a.min(x), b.max(x))
                    });
                // Values are finite and ≥ 0, as are targets and goalposts, so every
                // difference below is finite.
                let rule = match norm {
                    _ if xs.is_empty() => Rule::Flat,
                    Normalisation::MinMax => linear(1.0, mn, mx - mn),
                    Normalisation::ZScore => z_score(&xs),
                    Normalisation::Rank | Normalisation::PercentileRank => {
                        let start = sorted.len();
                        sorted.extend_from_slice(&xs);
                        sorted[start..].sort_unstable_by(f64::total_cmp);
                        Rule::Ranked {
                            start,
                            len: xs.len(),
                        }
                    }
                    Normalisation::DistanceToTarget => {
                        let t = target.unwrap_or_default();
                        match (lower, t) {
                            (false, t) if t > mn => Rule::Clamped {
                                from: mn,
                                span: t - mn,
                                flip: false,
                            },
                            (true, t) if t < mx => Rule::Clamped {
                                from: mx,
                                span: t - mx,
                                flip: true,
                            },
                            // Every unit has reached the target.
                            (false, _) => Rule::Fixed(1.0),
                            (true, _) => Rule::Fixed(0.0),
                        }
                    }
                    Normalisation::Goalposts => {
                        let g = goalposts.unwrap_or(crate::Goalposts {
                            lower: 0.0,
                            upper: 1.0,
                        });
                        Rule::Clamped {
                            from: g.lower,
                            span: g.upper - g.lower,
                            flip: false,
                        }
                    }
                    Normalisation::DistanceToFrontier if lower => Rule::OfMin { min: mn },
                    Normalisation::DistanceToFrontier if mx > 0.0 => Rule::OfMax { max: mx },
                    Normalisation::DistanceToFrontier => Rule::Flat,
                };
                rules.push(rule);
            }
        }
        debug_assert!(ranked || sorted.is_empty());
        Ok(Self {
            norm: Some(norm),
            rules,
            sorted,
        })
    }

    /// Whether the rules cover `n` leaf-years.
    pub(crate) fn covers(&self, n: usize) -> bool {
        self.rules.len() == n
    }

    /// The position of value `x` in leaf-year `i` (`[leaf * years + t]`), or `None` when the
    /// leaf-year has no spread (the middle of the scale).
    pub(crate) fn position(&self, i: usize, x: f64) -> Option<f64> {
        let r = match self.rules[i] {
            Rule::Flat => return None,
            Rule::Linear { pre, shift, div } => {
                if div <= 0.0 {
                    return None;
                }
                (x / pre - shift) / div
            }
            Rule::Ranked { start, len } => {
                let s = &self.sorted[start..start + len];
                let below = s.partition_point(|&v| v < x);
                let equal = s[below..].partition_point(|&v| v <= x);
                if self.norm == Some(Normalisation::PercentileRank) {
                    (below as f64 + 0.5 * equal as f64) / len as f64
                } else if len < 2 || s[0] == s[len - 1] {
                    return None;
                } else {
                    below as f64 / (len - 1) as f64
                }
            }
            Rule::Clamped { from, span, flip } => {
                let r = ((x - from) / span).clamp(0.0, 1.0);
                if flip { 1.0 - r } else { r }
            }
            Rule::OfMax { max } => (x / max).clamp(0.0, 1.0),
            Rule::OfMin { min } => {
                if x > 0.0 {
                    1.0 - (min / x).clamp(0.0, 1.0)
                } else {
                    0.0
                }
            }
            Rule::Fixed(r) => r,
        };
        r.is_finite().then_some(r)
    }
}

fn linear(pre: f64, shift: f64, div: f64) -> Rule {
    if div > 0.0 {
        Rule::Linear { pre, shift, div }
    } else {
        Rule::Flat
    }
}

/// Z-scores computed on the values divided by the largest one, which cannot overflow for any
/// finite values.
fn z_score(xs: &[f64]) -> Rule {
    let m = xs.iter().fold(0.0f64, |m, &x| m.max(x.abs()));
    if xs.is_empty() || m == 0.0 {
        return Rule::Flat;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().map(|&x| x / m).sum::<f64>() / n;
    let sq: f64 = xs.iter().map(|&x| (x / m - mean) * (x / m - mean)).sum();
    linear(m, mean, (sq / n).sqrt())
}
