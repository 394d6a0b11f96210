//! Level methods: compare units within a year. Each leaf's (filled) values are normalised
//! across the units of each year, then aggregated up the tree with the weights.
//!
//! - [`Normalisation::MinMax`]: `100·(x − min)/(max − min)` (with geometric aggregation
//!   `1 + 99·(x − min)/(max − min)`, so no score is 0); every unit scores the middle of the
//!   scale when all units have the same value.
//! - [`Normalisation::ZScore`]: `(x − mean)/sd` (population sd); 0 when sd is 0. Only with
//!   arithmetic aggregation (z-scores can be negative).
//! - [`Aggregation::Arithmetic`]: `Σ w_i·s_i / Σ w_i`; [`Aggregation::Geometric`]:
//!   `exp(Σ w_i·ln s_i / Σ w_i)`, over the children with a score that year.
//! - Direction −1: a node's own score stays "more is more"; it enters its parent mirrored
//!   (`100 − s` on the min-max scale, `101 − s` on the geometric scale, `−s` for z-scores).
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
use crate::method::{Method, UnitOutput};

/// How leaf values are put on a common scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Normalisation {
    /// Min-max onto [0, 100] (or [1, 100] for geometric aggregation).
    MinMax,
    /// Standard scores.
    ZScore,
}

/// How scores are combined into a parent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    /// Weighted arithmetic mean.
    Arithmetic,
    /// Weighted geometric mean (needs positive scores).
    Geometric,
}

/// A level method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// Normalisation of the leaves.
    pub normalisation: Normalisation,
    /// Aggregation up the tree.
    pub aggregation: Aggregation,
}

/// Per leaf and year, the normalisation's location and scale across units.
#[derive(Debug, Clone, Default)]
pub struct LevelPrepared {
    /// `[leaf][t]`: score = lo + span·((x/pre − shift)/div), or `flat` when `div` is not > 0.
    params: Vec<Scale>,
    lo: f64,
    span: f64,
    /// Score when the spread is 0.
    flat: f64,
    /// Mirror for direction −1: entering = mirror − s (min-max), or −s (z-score, mirror 0).
    mirror: f64,
}

/// One leaf-year's normalisation, in a form that cannot overflow for any finite values ≥ 0:
/// min-max divides `x − min` by the range (a ratio in [0, 1]); z-scores are computed on the
/// values divided by the largest one.
#[derive(Debug, Clone, Copy, Default)]
struct Scale {
    pre: f64,
    shift: f64,
    div: f64,
}

impl Scale {
    fn min_max(xs: impl Iterator<Item = f64>) -> Self {
        let (mut mn, mut mx) = (f64::INFINITY, f64::NEG_INFINITY);
        for x in xs {
            mn = mn.min(x);
            mx = mx.max(x);
        }
        // Values are ≥ 0 and finite, so the range is finite.
        Self {
            pre: 1.0,
            shift: mn,
            div: mx - mn,
        }
    }

    fn z_score(xs: &[f64]) -> Self {
        let m = xs.iter().fold(0.0f64, |m, &x| m.max(x.abs()));
        if xs.is_empty() || m == 0.0 {
            return Self::default();
        }
        let n = xs.len() as f64;
        let mean = xs.iter().map(|&x| x / m).sum::<f64>() / n;
        let sq: f64 = xs.iter().map(|&x| (x / m - mean) * (x / m - mean)).sum();
        Self {
            pre: m,
            shift: mean,
            div: (sq / n).sqrt(),
        }
    }

    /// The normalised position of `x`, or `None` when the spread is 0 (every unit equal).
    fn position(self, x: f64) -> Option<f64> {
        let r = (x / self.pre - self.shift) / self.div;
        (self.div > 0.0 && r.is_finite()).then_some(r)
    }
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
        let n = match self.normalisation {
            Normalisation::MinMax => "min-max",
            Normalisation::ZScore => "z-score",
        };
        let a = match self.aggregation {
            Aggregation::Arithmetic => "arithmetic",
            Aggregation::Geometric => "geometric",
        };
        format!("level({n}, {a})")
    }

    fn contributions(&self) -> Contributions {
        match (self.aggregation, self.normalisation) {
            (Aggregation::Geometric, _) => Contributions::None,
            (Aggregation::Arithmetic, Normalisation::MinMax) => {
                Contributions::OfScore { mirror: 100.0 }
            }
            (Aggregation::Arithmetic, Normalisation::ZScore) => {
                Contributions::OfScore { mirror: 0.0 }
            }
        }
    }

    fn prepare(&self, _framework: &Framework, filled: &FilledPanel) -> Result<LevelPrepared> {
        if self.normalisation == Normalisation::ZScore && self.aggregation == Aggregation::Geometric
        {
            return Err(IndexError::Options(
                "geometric aggregation needs positive scores; use min-max normalisation with it"
                    .into(),
            ));
        }
        let (lo, hi) = match self.aggregation {
            Aggregation::Arithmetic => (0.0, 100.0),
            Aggregation::Geometric => (1.0, 100.0),
        };
        let t_len = filled.n_years();
        let n_units = filled.units().len();
        let values = filled.values();
        let mut params = Vec::with_capacity(filled.leaf_ids().len() * t_len);
        let mut xs = Vec::with_capacity(n_units);
        for l in 0..filled.leaf_ids().len() {
            for t in 0..t_len {
                xs.clear();
                xs.extend(
                    (0..n_units)
                        .map(|u| values[(l * n_units + u) * t_len + t])
                        .filter(|x| !x.is_nan()),
                );
                params.push(match self.normalisation {
                    Normalisation::MinMax => Scale::min_max(xs.iter().copied()),
                    Normalisation::ZScore => Scale::z_score(&xs),
                });
            }
        }
        let (lo, span, flat, mirror) = match self.normalisation {
            Normalisation::MinMax => (lo, hi - lo, (lo + hi) / 2.0, lo + hi),
            Normalisation::ZScore => (0.0, 1.0, 0.0, 0.0),
        };
        Ok(LevelPrepared {
            params,
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
        if unit >= n_units || latest.len() != n_leaves || p.params.len() != n_leaves * t_len {
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
                score[l * t_len + t] = match p.params[l * t_len + t].position(x) {
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
        let geometric = self.aggregation == Aggregation::Geometric;
        for &n in framework.post_order() {
            let row = n * t_len;
            if let Some(l) = nodes[n].leaf {
                score[row..row + t_len].copy_from_slice(&input.score[l * t_len..(l + 1) * t_len]);
                est[row..row + t_len].copy_from_slice(&input.estimated[l * t_len..(l + 1) * t_len]);
                continue;
            }
            for t in 0..t_len {
                let (mut num, mut d, mut e) = (0.0, 0.0, 0.0);
                for &c in &nodes[n].children {
                    let s = score[c * t_len + t];
                    if s.is_nan() {
                        continue;
                    }
                    let v = entering(c, s);
                    let w = weights[c];
                    num += if geometric { w * v.ln() } else { w * v };
                    d += w;
                    e += w * est[c * t_len + t];
                }
                score[row + t] = if d > 0.0 {
                    if geometric { (num / d).exp() } else { num / d }
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
}
