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
//!   `exp(Σ w_i·ln s_i / Σ w_i)`, over the children with a score that year.
//! - Direction −1: a node's own score stays "more is more"; it enters its parent mirrored
//!   (`100 − s` on the 0–100 scale, `101 − s` on the geometric scale, `−s` for z-scores).
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
        let a = match self.aggregation {
            Aggregation::Arithmetic => "arithmetic",
            Aggregation::Geometric => "geometric",
        };
        format!("level({n}, {a})")
    }

    fn contributions(&self) -> Contributions {
        match (self.aggregation, self.normalisation) {
            (Aggregation::Geometric, _) => Contributions::None,
            (Aggregation::Arithmetic, Normalisation::ZScore) => {
                Contributions::OfScore { mirror: 0.0 }
            }
            (Aggregation::Arithmetic, _) => Contributions::OfScore { mirror: 100.0 },
        }
    }

    fn prepare(&self, framework: &Framework, filled: &FilledPanel) -> Result<LevelPrepared> {
        if self.normalisation == Normalisation::ZScore && self.aggregation == Aggregation::Geometric
        {
            return Err(IndexError::Options(
                "geometric aggregation needs positive scores; use min-max or another normalisation onto 0–100 with it"
                    .into(),
            ));
        }
        let (lo, hi) = match self.aggregation {
            Aggregation::Arithmetic => (0.0, 100.0),
            Aggregation::Geometric => (1.0, 100.0),
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
