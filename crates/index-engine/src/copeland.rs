//! Copeland aggregation (COINr `a_copeland`, after Copeland 1951): a parent's score compares
//! each unit with every other unit of the year, child by child.
//!
//! For units `u` and `v` and the children `i` both have a score for, `win = Σ w_i` over the
//! children where `u`'s entering score is higher and `loss = Σ w_i` where it is lower (equal
//! scores count for neither). `u` gets +1 when `win > loss`, −1 when `win < loss`, 0 when they
//! are equal within a relative [`COPELAND_TIE_TOLERANCE`] of the children's total weight; its
//! Copeland score `c` is the sum over the other `m − 1` units with a score. With no missing
//! child this is COINr's rule exactly (its outranking entry `win + tie/2 > ½` iff
//! `win > loss`). COINr's raw `c` lies in `[−(m − 1), m − 1]`; here it becomes the position
//! `r = (c + m − 1) / (2(m − 1))` on the level method's scale, `lo + span·r` (0–100), so a
//! Copeland node enters its parent like any other score (and a direction −1 node mirrors);
//! one unit alone scores the middle of the scale.
//!
//! Missing children: a pair is compared on the children both units have (COINr compares
//! against half of all the weight, so two units missing a child can both lose; assumed
//! here: the shared children decide). A unit without any child scored that year has no score
//! and is not compared; a pair sharing no child ties.
//!
//! Cost: `units² × children` comparisons per parent and year, hence [`COPELAND_UNITS_MAX`].

use rayon::prelude::*;

use crate::error::{IndexError, Result};
use crate::framework::{Direction, Framework};
use crate::method::PanelIndex;

/// Most units a Copeland aggregation compares (assumed: `units²` pairs per parent and year,
/// four million at this bound).
pub const COPELAND_UNITS_MAX: usize = 2_000;

/// Relative tolerance (of the children's total weight) under which a pair's winning and
/// losing weights count as equal: renormalised weights such as 1/3 do not add up exactly
/// (assumed).
pub const COPELAND_TIE_TOLERANCE: f64 = 1e-12;

/// Refuses a panel with more units than [`COPELAND_UNITS_MAX`].
pub(crate) fn check_units(units: usize) -> Result<()> {
    if units > COPELAND_UNITS_MAX {
        return Err(IndexError::TooLarge {
            what: "units compared pairwise by the Copeland aggregation".into(),
            limit: COPELAND_UNITS_MAX as u64,
            actual: units as u64,
        });
    }
    Ok(())
}

/// The level method's score scale, as Copeland writes onto it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// Lowest score.
    pub lo: f64,
    /// Highest minus lowest.
    pub span: f64,
    /// Score of a unit alone.
    pub flat: f64,
    /// A direction −1 node enters as `mirror − s`.
    pub mirror: f64,
}

/// +1, −1 or 0: whether `a` outranks `b` on the children both have (entering scores, `NaN`
/// for none), weighted by `w`.
fn outranks(a: &[f64], b: &[f64], w: &[f64], tolerance: f64) -> i64 {
    let (mut win, mut loss) = (0.0, 0.0);
    for ((&x, &y), &wi) in a.iter().zip(b).zip(w) {
        // Comparisons with NaN are false: a child either lacks counts for neither.
        if x > y {
            win += wi;
        } else if x < y {
            loss += wi;
        }
    }
    let d = win - loss;
    if d.abs() <= tolerance {
        0
    } else if d > 0.0 {
        1
    } else {
        -1
    }
}

/// Writes every inner node's Copeland score for every unit and year, children before
/// parents, from the children's rows in `rows` (leaves as `evaluate` wrote them). Each unit's
/// score is a sum of integers in unit order, so the result does not depend on the threads.
pub(crate) fn copeland_pass(
    framework: &Framework,
    weights: &[f64],
    scale: Scale,
    rows: PanelIndex<'_>,
) {
    let PanelIndex {
        data,
        stride,
        units,
        years,
    } = rows;
    let nodes = framework.nodes();
    let at = |u: usize, n: usize, t: usize| u * stride + n * years + t;
    let mut vals: Vec<f64> = Vec::new();
    let mut present: Vec<bool> = Vec::new();
    for &n in framework.post_order() {
        if nodes[n].leaf.is_some() {
            continue;
        }
        let kids = &nodes[n].children;
        let k = kids.len();
        let w: Vec<f64> = kids.iter().map(|&c| weights[c]).collect();
        let tolerance = COPELAND_TIE_TOLERANCE * w.iter().sum::<f64>();
        for t in 0..years {
            vals.clear();
            present.clear();
            for u in 0..units {
                let mut weight = 0.0;
                for (i, &c) in kids.iter().enumerate() {
                    let s = data[at(u, c, t)];
                    let v = match nodes[c].spec.direction {
                        Direction::HigherIsBetter => s,
                        Direction::LowerIsBetter => scale.mirror - s,
                    };
                    if !v.is_nan() {
                        weight += w[i];
                    }
                    vals.push(v);
                }
                present.push(weight > 0.0);
            }
            let m = present.iter().filter(|&&p| p).count();
            let (vals, present, w) = (&vals, &present, &w);
            let scores: Vec<f64> = (0..units)
                .into_par_iter()
                .map(|u| {
                    if !present[u] {
                        return f64::NAN;
                    }
                    if m < 2 {
                        return scale.flat;
                    }
                    let mine = &vals[u * k..(u + 1) * k];
                    let c: i64 = (0..units)
                        .filter(|&v| v != u && present[v])
                        .map(|v| outranks(mine, &vals[v * k..(v + 1) * k], w, tolerance))
                        .sum();
                    let r = (c + m as i64 - 1) as f64 / (2 * (m - 1)) as f64;
                    scale.lo + scale.span * r
                })
                .collect();
            for (u, s) in scores.into_iter().enumerate() {
                data[at(u, n, t)] = s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outranking_by_hand() {
        let w = [0.5, 0.3, 0.2];
        // a higher on the first (0.5), lower on the others (0.5): a tie.
        assert_eq!(outranks(&[2.0, 1.0, 1.0], &[1.0, 2.0, 2.0], &w, 1e-12), 0);
        assert_eq!(outranks(&[2.0, 2.0, 1.0], &[1.0, 1.0, 2.0], &w, 1e-12), 1);
        assert_eq!(outranks(&[1.0, 2.0, 1.0], &[2.0, 1.0, 1.0], &w, 1e-12), -1);
        // A missing child counts for neither: 0.3 against 0.2.
        assert_eq!(
            outranks(&[f64::NAN, 2.0, 1.0], &[9.0, 1.0, 2.0], &w, 1e-12),
            1
        );
    }
}
