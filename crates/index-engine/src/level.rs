//! Level methods: compare units within a year. Each leaf's (filled) values are normalised
//! across the units of each year, then aggregated up the tree with the weights.
//!
//! - Normalisations (formulas and sources in [`Normalisation`]'s module): every one but the
//!   z-score gives a position `r` in [0, 1] and the score `100·r` (with geometric aggregation
//!   `1 + 99·r`, so no score is 0), e.g. min-max `r = (x − min)/(max − min)`; every unit
//!   scores the middle of the scale when a leaf-year has no spread. The z-score is
//!   `(x − mean)/sd` (population sd), 0 when sd is 0, only with arithmetic aggregation
//!   (z-scores can be negative).
//! - [`Aggregation::Arithmetic`]: `Σ w_i·s_i / Σ w_i`; [`Aggregation::Geometric`]:
//!   `exp(Σ w_i·ln s_i / Σ w_i)`; [`Aggregation::Harmonic`]: `Σ w_i / Σ (w_i / s_i)`;
//!   [`Aggregation::Median`]: the weighted median (see [`weighted_median`]); each over the
//!   children with a score that year. Geometric and harmonic means need positive scores, so
//!   they use the scale [1, 100] and refuse z-scores. [`Aggregation::Copeland`] compares
//!   units pairwise (see [`crate::copeland`]): the per-unit pass leaves its inner rows and
//!   [`Method::couple`] writes them across units; it refuses z-scores too.
//! - Direction −1: a node's own score stays "more is more"; it enters its parent mirrored
//!   (`100 − s` on the 0–100 scale, `101 − s` on the [1, 100] scale, `−s` for z-scores).
//!
//! The result's `index` is the score; `growth` is empty; `contribution` (arithmetic only) is
//! the renormalised weight × the entering score, so a parent's score is the sum of its
//! children's contributions; `total_contribution` (arithmetic only) is the product of
//! renormalised weights on the path × the entering score, which adds up to the root's score
//! over the leaves when no inner node has direction −1.

use serde::{Deserialize, Serialize};

use crate::contributions::Contributions;
use crate::error::{IndexError, Result};
use crate::fill::FilledPanel;
use crate::framework::{Direction, Framework};
use crate::growth::leaf_estimate;
use crate::method::{Method, PanelIndex, UnitOutput};
use crate::normalise::{Normalisation, Scales};

/// How scores are combined into a parent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    /// Weighted arithmetic mean.
    Arithmetic,
    /// Weighted geometric mean (needs positive scores).
    Geometric,
    /// Weighted harmonic mean (needs positive scores).
    Harmonic,
    /// Weighted median; an even split of the weight takes the mean of the two middle scores.
    Median,
    /// Copeland's pairwise rule (COINr `a_copeland`): a unit wins against another when the
    /// children it scores higher on outweigh those it scores lower on; wins minus losses,
    /// rescaled onto 0–100 (see [`crate::copeland`]). Compares units, so the engine runs it
    /// level by level across units ([`Method::couple`]).
    Copeland,
}

impl Aggregation {
    /// Every aggregation, in the order the command line lists them.
    pub const ALL: [Self; 5] = [
        Self::Arithmetic,
        Self::Geometric,
        Self::Harmonic,
        Self::Median,
        Self::Copeland,
    ];

    /// The name used on the command line and in method labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arithmetic => "arithmetic",
            Self::Geometric => "geometric",
            Self::Harmonic => "harmonic",
            Self::Median => "median",
            Self::Copeland => "copeland",
        }
    }

    /// Whether the aggregation needs positive scores (and so the scale [1, 100]).
    pub fn needs_positive(self) -> bool {
        matches!(self, Self::Geometric | Self::Harmonic)
    }

    /// Whether the aggregation needs scores on a fixed scale (not z-scores): the positive
    /// ones, and Copeland, whose result is a position on 0–100 that z-scores could not join.
    pub fn needs_fixed_scale(self) -> bool {
        self.needs_positive() || self == Self::Copeland
    }
}

/// Relative tolerance under which the weight below a score counts as exactly half the total
/// (weights renormalised among siblings, e.g. six of 1/6, do not add up to ½ exactly; assumed).
const HALF_TOLERANCE: f64 = 1e-12;

/// The weighted median of `(score, weight)` pairs with positive weights: the pairs sorted by
/// score, the first score at which the cumulated weight reaches half the total; where it
/// reaches exactly half (an even split, within [`HALF_TOLERANCE`]), the mean of that score and
/// the next. With equal weights this is the ordinary median (the mean of the two middle values
/// for an even count, as `numpy.median`); the averaging at an even split with unequal weights
/// is assumed. `NaN` for no pairs. Sorts `pairs` in place.
pub fn weighted_median(pairs: &mut [(f64, f64)]) -> f64 {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let mut below = 0.0;
    for (k, &(s, w)) in pairs.iter().enumerate() {
        below += w;
        let excess = 2.0 * below - total;
        if excess.abs() <= HALF_TOLERANCE * total {
            return match pairs.get(k + 1) {
                Some(&(next, _)) => (s + next) / 2.0,
                None => s,
            };
        }
        if excess > 0.0 {
            return s;
        }
    }
    f64::NAN
}

/// A level method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// Normalisation of the leaves.
    pub normalisation: Normalisation,
    /// Aggregation up the tree.
    pub aggregation: Aggregation,
}

/// Per leaf and year, the normalisation's rule across units, and the score scale.
#[derive(Debug, Clone, Default)]
pub struct LevelPrepared {
    scales: Scales,
    lo: f64,
    span: f64,
    /// Score when the spread is 0.
    flat: f64,
    /// Mirror for direction −1: entering = mirror − s (0–100 scales), or −s (z-score, mirror 0).
    mirror: f64,
}

/// Weight-independent inputs of one unit: per leaf and year the score and whether the value
/// is filled.
#[derive(Debug, Clone, Default)]
pub struct LevelUnit {
    score: Vec<f64>,
    estimated: Vec<f64>,
}

impl Method for Level {
    type Prepared = LevelPrepared;
    type UnitInput = LevelUnit;

    fn name(&self) -> String {
        let n = self.normalisation.as_str();
        let a = self.aggregation.as_str();
        format!("level({n}, {a})")
    }

    fn contributions(&self) -> Contributions {
        match (self.aggregation, self.normalisation) {
            (
                Aggregation::Geometric
                | Aggregation::Harmonic
                | Aggregation::Median
                | Aggregation::Copeland,
                _,
            ) => Contributions::None,
            (Aggregation::Arithmetic, Normalisation::ZScore) => {
                Contributions::OfScore { mirror: 0.0 }
            }
            (Aggregation::Arithmetic, _) => Contributions::OfScore { mirror: 100.0 },
        }
    }

    fn prepare(&self, framework: &Framework, filled: &FilledPanel) -> Result<LevelPrepared> {
        if self.normalisation == Normalisation::ZScore && self.aggregation.needs_fixed_scale() {
            let needs = if self.aggregation.needs_positive() {
                "positive scores"
            } else {
                "scores on a fixed scale"
            };
            return Err(IndexError::Options(format!(
                "{} aggregation needs {needs}; use min-max or another normalisation onto 0–100 with it",
                self.aggregation.as_str()
            )));
        }
        if self.aggregation == Aggregation::Copeland {
            crate::copeland::check_units(filled.units().len())?;
        }
        let (lo, hi) = if self.aggregation.needs_positive() {
            (1.0, 100.0)
        } else {
            (0.0, 100.0)
        };
        let scales = Scales::new(self.normalisation, framework, filled)?;
        let (lo, span, flat, mirror) = if self.normalisation.on_fixed_scale() {
            (lo, hi - lo, (lo + hi) / 2.0, lo + hi)
        } else {
            (0.0, 1.0, 0.0, 0.0)
        };
        Ok(LevelPrepared {
            scales,
            lo,
            span,
            flat,
            mirror,
        })
    }

    fn unit_input(
        &self,
        p: &LevelPrepared,
        framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
    ) -> LevelUnit {
        let t_len = filled.n_years();
        let n_leaves = filled.leaf_ids().len();
        let n_units = filled.units().len();
        let latest = framework.latest_positions(filled.base_year());
        if unit >= n_units || latest.len() != n_leaves || !p.scales.covers(n_leaves * t_len) {
            // Empty inputs, which `evaluate` answers with no figures.
            return LevelUnit::default();
        }
        let mut score = vec![f64::NAN; n_leaves * t_len];
        let mut estimated = vec![f64::NAN; n_leaves * t_len];
        for l in 0..n_leaves {
            for t in 0..t_len {
                let i = (l * n_units + unit) * t_len + t;
                let x = filled.values()[i];
                if x.is_nan() {
                    continue;
                }
                score[l * t_len + t] = match p.scales.position(l * t_len + t, x) {
                    Some(r) => p.lo + p.span * r,
                    None => p.flat,
                };
                estimated[l * t_len + t] = leaf_estimate(filled.flags()[i], t, latest[l]);
            }
        }
        LevelUnit { score, estimated }
    }

    fn evaluate(
        &self,
        p: &LevelPrepared,
        framework: &Framework,
        input: &LevelUnit,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    ) {
        let nodes = framework.nodes();
        let n_nodes = nodes.len();
        let t_len = out.index.len() / n_nodes.max(1);
        let cells = n_nodes * t_len;
        let fits = weights.len() == n_nodes
            && out.index.len() == cells
            && input.score.len() == framework.leaves().len() * t_len
            && out
                .detail
                .as_ref()
                .is_none_or(|d| d.growth.len() == cells && d.estimated_share.len() == cells);
        if !fits {
            // Shapes that do not fit (a caller's mistake): no figures rather than a panic.
            out.index.fill(f64::NAN);
            return;
        }
        // Every slot read below is written first in this call, so no clearing is needed.
        let needed = n_nodes * t_len;
        if scratch.len() < needed {
            scratch.resize(needed, 0.0);
        }
        let est_tmp = &mut scratch[..needed];
        let score = out.index;
        let (mut growth, est) = match out.detail {
            Some(d) => (Some(d.growth), d.estimated_share),
            None => (None, est_tmp),
        };
        let entering = |n: usize, s: f64| match nodes[n].spec.direction {
            Direction::HigherIsBetter => s,
            Direction::LowerIsBetter => p.mirror - s,
        };
        let aggregation = self.aggregation;
        // The (entering score, weight) pairs of one parent-year, for the median.
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        for &n in framework.post_order() {
            let row = n * t_len;
            if let Some(l) = nodes[n].leaf {
                score[row..row + t_len].copy_from_slice(&input.score[l * t_len..(l + 1) * t_len]);
                est[row..row + t_len].copy_from_slice(&input.estimated[l * t_len..(l + 1) * t_len]);
                continue;
            }
            for t in 0..t_len {
                let (mut num, mut d, mut e) = (0.0, 0.0, 0.0);
                pairs.clear();
                for &c in &nodes[n].children {
                    let s = score[c * t_len + t];
                    if s.is_nan() {
                        continue;
                    }
                    let v = entering(c, s);
                    let w = weights[c];
                    match aggregation {
                        Aggregation::Arithmetic => num += w * v,
                        Aggregation::Geometric => num += w * v.ln(),
                        Aggregation::Harmonic => num += w / v,
                        Aggregation::Median if w > 0.0 => pairs.push((v, w)),
                        Aggregation::Median | Aggregation::Copeland => {}
                    }
                    d += w;
                    e += w * est[c * t_len + t];
                }
                score[row + t] = if d > 0.0 {
                    match aggregation {
                        Aggregation::Arithmetic => num / d,
                        Aggregation::Geometric => (num / d).exp(),
                        Aggregation::Harmonic => d / num,
                        Aggregation::Median => weighted_median(&mut pairs),
                        // A placeholder that marks the score as present (so the parents'
                        // estimated shares count it); `couple` writes the real one.
                        Aggregation::Copeland => p.flat,
                    }
                } else {
                    f64::NAN
                };
                est[row + t] = if d > 0.0 { e / d } else { f64::NAN };
            }
        }
        if let Some(g) = growth.as_mut() {
            g.fill(f64::NAN);
        }
    }

    fn couples_units(&self) -> bool {
        self.aggregation == Aggregation::Copeland
    }

    fn couple(
        &self,
        p: &LevelPrepared,
        framework: &Framework,
        weights: &[f64],
        rows: PanelIndex<'_>,
    ) {
        if self.aggregation != Aggregation::Copeland {
            return;
        }
        let scale = crate::copeland::Scale {
            lo: p.lo,
            span: p.span,
            flat: p.flat,
            mirror: p.mirror,
        };
        crate::copeland::copeland_pass(framework, weights, scale, rows);
    }
}

#[cfg(test)]
mod tests {
    use super::weighted_median;

    #[test]
    fn weighted_median_by_hand() {
        // Equal weights: the ordinary median, the two middle values averaged for an even count.
        assert_eq!(
            weighted_median(&mut [(3.0, 1.0), (1.0, 1.0), (2.0, 1.0)]),
            2.0
        );
        assert_eq!(
            weighted_median(&mut [(4.0, 1.0), (1.0, 1.0), (2.0, 1.0), (3.0, 1.0)]),
            2.5
        );
        // Weight 3 of 4 on 10: it holds the median.
        assert_eq!(weighted_median(&mut [(10.0, 3.0), (1.0, 1.0)]), 10.0);
        // Exactly half below 2 (1 + 2 of 6): the even split averages 2 and 5.
        assert_eq!(
            weighted_median(&mut [(5.0, 3.0), (2.0, 2.0), (1.0, 1.0)]),
            3.5
        );
        // Six renormalised weights of 1/6: the split is found despite rounding.
        let w = 1.0 / 6.0;
        let mut six = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0].map(|s| (s, w));
        assert_eq!(weighted_median(&mut six), 3.5);
        assert!(weighted_median(&mut []).is_nan());
    }
}
