//! Ranks of the units per node and year, and their change from the year before.
//!
//! Within a node and year the units with a figure are ranked by it, highest first (rank 1);
//! units with equal figures share the lowest rank of their group and the next rank skips
//! ("1, 2, 2, 4": R's `rank(ties.method = "min")` on the negated scores, COINr's default for
//! `rank_df`; SciPy `rankdata(method="min")`). Equal means within [`TIE_TOLERANCE`] of the
//! group's highest figure, relatively: two units with the same true score (e.g. 700/9) may
//! differ in the last bit after weighted sums in different orders, and must not be split. A unit without a figure that year
//! has no rank. The rank change of a year is the previous year's rank minus this year's, so a
//! unit moving up gains a positive change (assumed: COINr reports ranks per year and leaves
//! the comparison to the user); none in the first year or where either rank is missing.
//!
//! Every node ranks by its own figure: the score of a level method (higher is better even for
//! a direction −1 node, whose score already reads "more of the indicator scores higher") or
//! the chain's index (base year 100 for every unit, so ranks compare growth since the base).

use crate::result::IndexResult;

/// Relative difference under which two figures tie (assumed: far above the rounding of a
/// weighted mean, far below any difference a published index shows).
pub const TIE_TOLERANCE: f64 = 1e-12;

/// Ranks the units of one column of `(figure, unit)` pairs (no NaN), highest first, ties
/// within [`TIE_TOLERANCE`] sharing the lowest rank of their group; calls `put(unit, rank)`
/// for each. Reorders `column`. The one ranking rule of [`Ranks::of`] and of the Monte Carlo
/// rank distributions.
pub(crate) fn rank_column(column: &mut [(f64, usize)], mut put: impl FnMut(usize, u32)) {
    // Highest first; equal figures keep the unit order, which does not matter as they share a
    // rank.
    column.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut shared, mut head) = (0u32, f64::NAN);
    for (k, &(x, u)) in column.iter().enumerate() {
        // Positions are bounded by the unit count; a panel of over 4·10⁹ units (beyond any
        // memory the result fits in) would saturate rather than wrap.
        let position = u32::try_from(k + 1).unwrap_or(u32::MAX);
        if k == 0 || head - x > TIE_TOLERANCE * head.abs().max(x.abs()) {
            (shared, head) = (position, x);
        }
        put(u, shared);
    }
}

/// Ranks per node, unit and year of an [`IndexResult`], from [`IndexResult::ranks`].
/// Memory: one `u32` per node, unit and year (a sixth of the result's own figures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranks {
    n_units: usize,
    years: usize,
    /// `[(node * n_units + unit) * years + t]`; 0 for no rank.
    rank: Vec<u32>,
}

impl Ranks {
    /// Ranks every node's units in every year of `result` (time `O(nodes × years × units ·
    /// log units)`).
    pub fn of(result: &IndexResult) -> Self {
        let n_nodes = result.node_ids().len();
        let n_units = result.units().len();
        let years = result.years().len();
        let mut rank = vec![0u32; n_nodes * n_units * years];
        let mut column: Vec<(f64, usize)> = Vec::with_capacity(n_units);
        for node in 0..n_nodes {
            for t in 0..years {
                column.clear();
                column.extend((0..n_units).filter_map(|u| {
                    let x = *result.index_series(node, u)?.get(t)?;
                    (!x.is_nan()).then_some((x, u))
                }));
                rank_column(&mut column, |u, r| {
                    rank[(node * n_units + u) * years + t] = r
                });
            }
        }
        Self {
            n_units,
            years,
            rank,
        }
    }

    /// The rank of unit position `unit` at node position `node` in year position `t` (1 the
    /// highest figure), `None` without a figure or out of range.
    pub fn rank(&self, node: usize, unit: usize, t: usize) -> Option<u32> {
        if unit >= self.n_units || t >= self.years {
            return None;
        }
        let r = *self
            .rank
            .get((node * self.n_units + unit) * self.years + t)?;
        (r > 0).then_some(r)
    }

    /// The previous year's rank minus this year's (positive: the unit moved up), `None` in the
    /// first year or where either year has no rank.
    pub fn rank_change(&self, node: usize, unit: usize, t: usize) -> Option<i64> {
        let before = self.rank(node, unit, t.checked_sub(1)?)?;
        let now = self.rank(node, unit, t)?;
        Some(i64::from(before) - i64::from(now))
    }
}

impl IndexResult {
    /// The ranks of the units per node and year, and their changes (see [`Ranks`]).
    pub fn ranks(&self) -> Ranks {
        Ranks::of(self)
    }
}
