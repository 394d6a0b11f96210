//! The symmetric chain method (CAICT 2025; the Conference Board's composite indexes).
//!
//! - Leaf growth: `V_t = 200·(x_t − x_{t−1}) / (x_t + x_{t−1})`, in [−200, 200] (0 when both
//!   values are 0); none when either value is missing.
//! - Parent growth: `Σ w_i·d_i·V_i / Σ w_i` over the children with a growth that year
//!   (`d_i` = ±1, the direction); none when no child has one.
//! - Index: `E_base = 100`, `E_t = E_{t−1}·(200 + V_t)/(200 − V_t)`, flat in years without
//!   growth. For a leaf this is `100·x_t/x_base`, computed as that ratio (within each
//!   unbroken stretch) so zeros inside the series do not break the chain.
//! - Contribution: renormalised weight × direction × growth (children's contributions sum to
//!   the parent's growth); total contribution: the product of renormalised weights and
//!   directions on the path from the root × growth (leaves' sum to the root's growth).
//! - Estimated share: a leaf's is 1 when its value that year is filled (interpolated or
//!   carried), 0 when observed; a parent's is the weighted mean of its children's over the
//!   children that take part that year (have a growth; in the base year, have a value).

use crate::error::Result;
use crate::fill::{FilledPanel, Flag};
use crate::framework::Framework;
use crate::method::{Method, UnitOutput};

/// The symmetric chain method.
#[derive(Debug, Clone, Copy, Default)]
pub struct Chain;

/// Weight-independent inputs of one unit for [`Chain`]: per leaf, growth, index and whether
/// the year's value is filled, each `leaves × years`.
#[derive(Debug, Clone, Default)]
pub struct ChainUnit {
    growth: Vec<f64>,
    index: Vec<f64>,
    estimated: Vec<f64>,
}

/// Growth from `a` to `b`, both known and ≥ 0.
#[inline]
pub fn symmetric_growth(a: f64, b: f64) -> f64 {
    let s = a + b;
    if s > 0.0 { 200.0 * (b - a) / s } else { 0.0 }
}

/// The chain factor `(200 + V)/(200 − V)`: the ratio `x_t/x_{t−1}` that growth `V` stands for.
#[inline]
pub fn chain_factor(growth: f64) -> f64 {
    (200.0 + growth) / (200.0 - growth)
}

impl ChainUnit {
    /// Computes the leaf inputs of one series set directly from values and flags
    /// (`leaves × years` each).
    fn fill_from(&mut self, filled: &FilledPanel, unit: usize) {
        let t_len = filled.n_years();
        let n_leaves = filled.leaf_ids().len();
        let n_units = filled.units().len();
        let size = n_leaves * t_len;
        self.growth.resize(size, 0.0);
        self.index.resize(size, 0.0);
        self.estimated.resize(size, 0.0);
        let (values, flags) = (filled.values(), filled.flags());
        for l in 0..n_leaves {
            let src = (l * n_units + unit) * t_len;
            let x = &values[src..src + t_len];
            let f = &flags[src..src + t_len];
            let dst = l * t_len;
            let g = &mut self.growth[dst..dst + t_len];
            let e = &mut self.index[dst..dst + t_len];
            let est = &mut self.estimated[dst..dst + t_len];
            for t in 0..t_len {
                est[t] = match Flag::from_u8(f[t]) {
                    Flag::Observed => 0.0,
                    Flag::Interpolated | Flag::Carried => 1.0,
                    Flag::Missing => f64::NAN,
                };
            }
            // Index by stretches: (level at the stretch's start, value there).
            let mut stretch: Option<(f64, f64)> = None;
            let mut prev_e = 100.0;
            for t in 0..t_len {
                let xt = x[t];
                if t == 0 {
                    g[0] = f64::NAN;
                    e[0] = 100.0;
                    if !xt.is_nan() {
                        stretch = Some((100.0, xt));
                    }
                    continue;
                }
                let xp = x[t - 1];
                if xt.is_nan() {
                    g[t] = f64::NAN;
                    e[t] = prev_e;
                    stretch = None;
                } else if xp.is_nan() {
                    // Re-entry after a gap, or entry after a leading gap: flat, new stretch.
                    g[t] = f64::NAN;
                    e[t] = prev_e;
                    stretch = Some((prev_e, xt));
                } else {
                    let v = symmetric_growth(xp, xt);
                    g[t] = v;
                    e[t] = match stretch {
                        Some((level, x0)) if x0 > 0.0 => level * xt / x0,
                        _ => {
                            let next = prev_e * chain_factor(v);
                            if next.is_finite() { next } else { f64::NAN }
                        }
                    };
                }
                prev_e = e[t];
            }
        }
    }
}

impl Method for Chain {
    type Prepared = ();
    type UnitInput = ChainUnit;

    fn name(&self) -> String {
        "chain".to_string()
    }

    fn prepare(&self, _framework: &Framework, _filled: &FilledPanel) -> Result<()> {
        Ok(())
    }

    fn unit_input(
        &self,
        _p: &(),
        _framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
    ) -> ChainUnit {
        let mut u = ChainUnit::default();
        u.fill_from(filled, unit);
        u
    }

    fn evaluate(
        &self,
        _p: &(),
        framework: &Framework,
        input: &ChainUnit,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    ) {
        let nodes = framework.nodes();
        let n_nodes = nodes.len();
        let t_len = out.index.len() / n_nodes.max(1);
        if t_len == 0 {
            return;
        }
        // Scratch: per node and year, the sum of the weights of the children taking part
        // (den) and the path weight from the root; when detail is not asked, also the
        // growth and estimated share of every node.
        scratch.clear();
        scratch.resize(4 * n_nodes * t_len, 0.0);
        let (den, rest) = scratch.split_at_mut(n_nodes * t_len);
        let (path, rest) = rest.split_at_mut(n_nodes * t_len);
        let (growth_tmp, est_tmp) = rest.split_at_mut(n_nodes * t_len);
        let index = out.index;
        let (growth, est, extra) = match out.detail {
            Some(d) => (
                d.growth,
                d.estimated_share,
                Some((d.contribution, d.total_contribution)),
            ),
            None => (growth_tmp, est_tmp, None),
        };
        let want_detail = extra.is_some();
        for &n in framework.post_order() {
            let node = &nodes[n];
            let row = n * t_len..(n + 1) * t_len;
            if let Some(l) = node.leaf {
                let src = l * t_len..(l + 1) * t_len;
                growth[row.clone()].copy_from_slice(&input.growth[src.clone()]);
                index[row.clone()].copy_from_slice(&input.index[src.clone()]);
                if want_detail {
                    est[row].copy_from_slice(&input.estimated[src]);
                }
                continue;
            }
            // Aggregate the children's growth into this node's row.
            for t in 0..t_len {
                growth[row.start + t] = 0.0;
                den[row.start + t] = 0.0;
                if want_detail {
                    est[row.start + t] = 0.0;
                }
            }
            for &c in &node.children {
                let w = weights[c];
                let ws = w * nodes[c].spec.direction.sign();
                let crow = c * t_len;
                for t in 1..t_len {
                    let g = growth[crow + t];
                    let take = !g.is_nan();
                    growth[row.start + t] += if take { ws * g } else { 0.0 };
                    den[row.start + t] += if take { w } else { 0.0 };
                }
            }
            for t in 1..t_len {
                let d = den[row.start + t];
                growth[row.start + t] = if d > 0.0 {
                    growth[row.start + t] / d
                } else {
                    f64::NAN
                };
            }
            growth[row.start] = f64::NAN;
            // Index chain.
            let mut e = 100.0;
            index[row.start] = e;
            for t in 1..t_len {
                let g = growth[row.start + t];
                if !g.is_nan() {
                    e *= chain_factor(g);
                    if !e.is_finite() {
                        e = f64::NAN;
                    }
                }
                index[row.start + t] = e;
            }
            if want_detail {
                // Estimated share over the children taking part: with a growth, or in the
                // base year with a value.
                for t in 0..t_len {
                    let mut s = 0.0;
                    let mut d = 0.0;
                    for &c in &node.children {
                        let part = if t == 0 {
                            !est[c * t_len].is_nan()
                        } else {
                            !growth[c * t_len + t].is_nan()
                        };
                        if part {
                            s += weights[c] * est[c * t_len + t];
                            d += weights[c];
                        }
                    }
                    est[row.start + t] = if d > 0.0 { s / d } else { f64::NAN };
                }
            }
        }
        let Some((contribution, total)) = extra else {
            return;
        };
        // Contributions, parents before children. The root's are its growth.
        let root = framework.root();
        for t in 0..t_len {
            let g = growth[root * t_len + t];
            contribution[root * t_len + t] = g;
            total[root * t_len + t] = g;
            path[root * t_len + t] = 1.0;
        }
        for &n in framework.post_order().iter().rev() {
            let Some(p) = nodes[n].parent else { continue };
            let ws = weights[n] * nodes[n].spec.direction.sign();
            for t in 0..t_len {
                let g = growth[n * t_len + t];
                let d = den[p * t_len + t];
                let share = if g.is_nan() || d <= 0.0 {
                    f64::NAN
                } else {
                    ws / d
                };
                let pw = path[p * t_len + t] * share;
                path[n * t_len + t] = pw;
                contribution[n * t_len + t] = share * g;
                total[n * t_len + t] = pw * g;
            }
        }
    }
}
