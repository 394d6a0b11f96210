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
use crate::method::{Contributions, Method, UnitOutput};

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

/// Growth from `a` to `b`, both known and ≥ 0: `200·(b − a)/(a + b)`, always in
/// [−200, 200] and finite.
///
/// The plain formula overflows when `a + b` or `200·(b − a)` passes `f64::MAX` (values near
/// 1e306 gave −inf), and rounding can take it a hair past ±200 when one value is 0, which
/// would turn the chain factor negative. Such inputs take the same ratio from halves, which
/// cannot overflow (`a/2 + b/2 ≤ f64::MAX` and each share is in [0, 1]), and the result is held
/// to [−200, 200]; ordinary inputs keep the plain formula, bit for bit.
#[inline]
pub fn symmetric_growth(a: f64, b: f64) -> f64 {
    let s = a + b;
    if s.is_nan() || s <= 0.0 {
        return 0.0;
    }
    let v = 200.0 * (b - a) / s;
    if s.is_finite() && v.is_finite() && (-200.0..=200.0).contains(&v) {
        return v;
    }
    let (ha, hb) = (a * 0.5, b * 0.5);
    let hs = ha + hb;
    (200.0 * (hb / hs - ha / hs)).clamp(-200.0, 200.0)
}

/// The chain factor `(200 + V)/(200 − V)`: the ratio `x_t/x_{t−1}` that growth `V` stands for.
#[inline]
pub fn chain_factor(growth: f64) -> f64 {
    (200.0 + growth) / (200.0 - growth)
}

/// Growth and estimate flag of one leaf series, as [`leaf_rows`] writes them.
fn leaf_growth(x: &[f64], f: &[u8], g: &mut [f64], est: Option<&mut [f64]>) {
    if let Some(est) = est {
        for (out, &flag) in est.iter_mut().zip(f) {
            *out = match Flag::from_u8(flag) {
                Flag::Observed => 0.0,
                Flag::Interpolated | Flag::Carried => 1.0,
                Flag::Missing => f64::NAN,
            };
        }
    }
    if let Some(g0) = g.first_mut() {
        *g0 = f64::NAN;
    }
    for ((out, &xp), &xt) in g.iter_mut().skip(1).zip(x).zip(x.iter().skip(1)) {
        *out = if xp.is_nan() || xt.is_nan() {
            f64::NAN
        } else {
            symmetric_growth(xp, xt)
        };
    }
}

/// Growth, index and estimate flag of one leaf series (`x` values, `f` flags).
pub(crate) fn leaf_rows(
    x: &[f64],
    f: &[u8],
    g: &mut [f64],
    e: &mut [f64],
    est: Option<&mut [f64]>,
) {
    if let Some(est) = est {
        for (out, &flag) in est.iter_mut().zip(f) {
            *out = match Flag::from_u8(flag) {
                Flag::Observed => 0.0,
                Flag::Interpolated | Flag::Carried => 1.0,
                Flag::Missing => f64::NAN,
            };
        }
    }
    let t_len = x.len();
    if t_len == 0 {
        return;
    }
    // Index by stretches of consecutive values: (level at the stretch's start, value there).
    let mut stretch: Option<(f64, f64)> = (!x[0].is_nan()).then_some((100.0, x[0]));
    g[0] = f64::NAN;
    e[0] = 100.0;
    let mut prev_e = 100.0;
    for t in 1..t_len {
        let (xp, xt) = (x[t - 1], x[t]);
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
                Some((level, x0)) if x0 > 0.0 => {
                    // The ratio first when the product alone would overflow (x near f64::MAX).
                    let e = level * xt / x0;
                    let e = if e.is_finite() { e } else { level * (xt / x0) };
                    if e.is_finite() { e } else { f64::NAN }
                }
                _ => {
                    let next = prev_e * chain_factor(v);
                    if next.is_finite() { next } else { f64::NAN }
                }
            };
        }
        prev_e = e[t];
    }
}

impl ChainUnit {
    /// Computes the leaf inputs of one unit from the filled panel (`leaves × years` each).
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
            let src = (l * n_units + unit) * t_len..(l * n_units + unit + 1) * t_len;
            let dst = l * t_len..(l + 1) * t_len;
            leaf_rows(
                &values[src.clone()],
                &flags[src],
                &mut self.growth[dst.clone()],
                &mut self.index[dst.clone()],
                Some(&mut self.estimated[dst]),
            );
        }
    }
}

/// Output rows and scratch of one unit's aggregation (all `nodes × years`).
struct Rows<'a> {
    index: &'a mut [f64],
    growth: &'a mut [f64],
    est: &'a mut [f64],
    den: &'a mut [f64],
    /// Whether growth and estimated shares go to the caller (else they are scratch).
    want_detail: bool,
}

fn split_rows<'a>(
    n_nodes: usize,
    t_len: usize,
    scratch: &'a mut Vec<f64>,
    out: UnitOutput<'a>,
) -> Rows<'a> {
    // Every slot read later is written first in the same call, so no clearing is needed.
    let needed = 3 * n_nodes * t_len;
    if scratch.len() < needed {
        scratch.resize(needed, 0.0);
    }
    let (den, rest) = scratch[..needed].split_at_mut(n_nodes * t_len);
    let (growth_tmp, est_tmp) = rest.split_at_mut(n_nodes * t_len);
    match out.detail {
        Some(d) => Rows {
            index: out.index,
            growth: d.growth,
            est: d.estimated_share,
            den,
            want_detail: true,
        },
        None => Rows {
            index: out.index,
            growth: growth_tmp,
            est: est_tmp,
            den,
            want_detail: false,
        },
    }
}

/// Aggregates the inner nodes (leaf rows already in place).
fn aggregate(framework: &Framework, weights: &[f64], t_len: usize, rows: Rows<'_>) {
    let nodes = framework.nodes();
    let Rows {
        index,
        growth,
        est,
        den,
        want_detail,
    } = rows;
    for &n in framework.post_order() {
        let node = &nodes[n];
        if node.leaf.is_some() {
            continue;
        }
        let row = n * t_len;
        growth[row..row + t_len].fill(0.0);
        den[row..row + t_len].fill(0.0);
        for &c in &node.children {
            let w = weights[c];
            let ws = w * nodes[c].spec.direction.sign();
            let crow = c * t_len;
            for t in 1..t_len {
                let g = growth[crow + t];
                let take = !g.is_nan();
                growth[row + t] += if take { ws * g } else { 0.0 };
                den[row + t] += if take { w } else { 0.0 };
            }
        }
        growth[row] = f64::NAN;
        for t in 1..t_len {
            let d = den[row + t];
            growth[row + t] = if d > 0.0 {
                growth[row + t] / d
            } else {
                f64::NAN
            };
        }
        let mut e = 100.0;
        index[row] = e;
        for t in 1..t_len {
            let g = growth[row + t];
            if !g.is_nan() {
                e *= chain_factor(g);
                if !e.is_finite() {
                    e = f64::NAN;
                }
            }
            index[row + t] = e;
        }
        if want_detail {
            // Estimated share over the children taking part: with a growth, or in the base
            // year with a value.
            for t in 0..t_len {
                let (mut s, mut d) = (0.0, 0.0);
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
                est[row + t] = if d > 0.0 { s / d } else { f64::NAN };
            }
        }
    }
}

/// Whether the inputs of [`Chain::evaluate`] fit together; they do whenever the engine calls.
fn shapes_agree(
    framework: &Framework,
    input: &ChainUnit,
    weights: &[f64],
    t_len: usize,
    out: &UnitOutput<'_>,
) -> bool {
    let cells = framework.len() * t_len;
    weights.len() == framework.len()
        && out.index.len() == cells
        && input.growth.len() == framework.leaves().len() * t_len
        && out
            .detail
            .as_ref()
            .is_none_or(|d| d.growth.len() == cells && d.estimated_share.len() == cells)
}

impl Method for Chain {
    type Prepared = ();
    type UnitInput = ChainUnit;

    fn name(&self) -> String {
        "chain".to_string()
    }

    fn contributions(&self) -> Contributions {
        Contributions::OfGrowth
    }

    fn leaves_from_panel(&self) -> bool {
        true
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
        // An out-of-range unit gets empty inputs, which `evaluate` answers with no figures.
        if unit < filled.units().len() {
            u.fill_from(filled, unit);
        }
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
        let n_nodes = framework.len();
        let t_len = out.index.len() / n_nodes.max(1);
        if t_len == 0 {
            return;
        }
        if !shapes_agree(framework, input, weights, t_len, &out) {
            // Shapes that do not fit (a caller's mistake): no figures rather than a panic.
            out.index.fill(f64::NAN);
            return;
        }
        let rows = split_rows(n_nodes, t_len, scratch, out);
        let want_detail = rows.want_detail;
        for &n in framework.leaves() {
            let Some(l) = framework.nodes()[n].leaf else {
                continue;
            };
            let (row, src) = (n * t_len..(n + 1) * t_len, l * t_len..(l + 1) * t_len);
            rows.growth[row.clone()].copy_from_slice(&input.growth[src.clone()]);
            rows.index[row.clone()].copy_from_slice(&input.index[src.clone()]);
            if want_detail {
                rows.est[row].copy_from_slice(&input.estimated[src]);
            }
        }
        aggregate(framework, weights, t_len, rows);
    }

    fn evaluate_direct(
        &self,
        _p: &(),
        framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    ) {
        direct(framework, filled, unit, weights, scratch, out, true);
    }

    fn evaluate_direct_inner(
        &self,
        _p: &(),
        framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    ) {
        direct(framework, filled, unit, weights, scratch, out, false);
    }

    fn evaluate_many(
        &self,
        _p: &(),
        framework: &Framework,
        input: &ChainUnit,
        weights: &[f64],
        draws: usize,
        scratch: &mut Vec<f64>,
        out: &mut [f64],
    ) {
        // The same arithmetic as `aggregate`, in the same order for each draw, with the
        // draws innermost so the loops run over contiguous lanes. Leaves do not depend on the
        // weights: their growth is read once per year, and their rows of `out` are left as
        // they are (see the trait).
        let nodes = framework.nodes();
        let n_nodes = nodes.len();
        let k_len = draws;
        if k_len == 0 {
            return;
        }
        let t_len = out.len() / (n_nodes * k_len).max(1);
        if t_len == 0
            || out.len() != n_nodes * t_len * k_len
            || weights.len() != n_nodes * k_len
            || input.growth.len() != framework.leaves().len() * t_len
        {
            // Shapes that do not fit (a caller's mistake): no figures rather than a panic.
            out.fill(f64::NAN);
            return;
        }
        // Growth of every inner node [node][t][k], then the denominators of one node [t][k].
        let block = t_len * k_len;
        let needed = (n_nodes + 1) * block;
        if scratch.len() < needed {
            scratch.resize(needed, 0.0);
        }
        let (growth, den) = scratch[..needed].split_at_mut(n_nodes * block);
        for &n in framework.post_order() {
            let node = &nodes[n];
            if node.leaf.is_some() {
                continue;
            }
            let row = n * block;
            let (before, rest) = growth.split_at_mut(row);
            let (own, after) = rest.split_at_mut(block);
            own.fill(0.0);
            den.fill(0.0);
            for &c in &node.children {
                let sign = nodes[c].spec.direction.sign();
                let wc = &weights[c * k_len..(c + 1) * k_len];
                if let Some(l) = nodes[c].leaf {
                    for t in 1..t_len {
                        let g = input.growth[l * t_len + t];
                        if g.is_nan() {
                            continue;
                        }
                        let num = &mut own[t * k_len..(t + 1) * k_len];
                        let dd = &mut den[t * k_len..(t + 1) * k_len];
                        for ((nu, de), &w) in num.iter_mut().zip(dd.iter_mut()).zip(wc) {
                            *nu += w * sign * g;
                            *de += w;
                        }
                    }
                    continue;
                }
                let child: &[f64] = if c < n {
                    &before[c * block..(c + 1) * block]
                } else {
                    &after[(c - n - 1) * block..(c - n) * block]
                };
                for t in 1..t_len {
                    let gc = &child[t * k_len..(t + 1) * k_len];
                    let num = &mut own[t * k_len..(t + 1) * k_len];
                    let dd = &mut den[t * k_len..(t + 1) * k_len];
                    let nan = gc.iter().filter(|g| g.is_nan()).count();
                    if nan == k_len {
                        continue;
                    }
                    if nan == 0 {
                        for (((nu, de), &g), &w) in
                            num.iter_mut().zip(dd.iter_mut()).zip(gc).zip(wc)
                        {
                            *nu += w * sign * g;
                            *de += w;
                        }
                    } else {
                        for (((nu, de), &g), &w) in
                            num.iter_mut().zip(dd.iter_mut()).zip(gc).zip(wc)
                        {
                            if !g.is_nan() {
                                *nu += w * sign * g;
                                *de += w;
                            }
                        }
                    }
                }
            }
            own[..k_len].fill(f64::NAN);
            for (g, &d) in own[k_len..].iter_mut().zip(&den[k_len..]) {
                let q = *g / d;
                *g = if d > 0.0 { q } else { f64::NAN };
            }
            // Index chain across draws.
            let out_row = &mut out[row..row + block];
            out_row[..k_len].fill(100.0);
            for t in 1..t_len {
                let (prev, cur) = out_row.split_at_mut(t * k_len);
                let prev = &prev[(t - 1) * k_len..];
                let gs = &own[t * k_len..(t + 1) * k_len];
                for ((e, &ep), &g) in cur[..k_len].iter_mut().zip(prev).zip(gs) {
                    let moved = ep * chain_factor(g);
                    let next = if g.is_nan() { ep } else { moved };
                    *e = if next.is_infinite() { f64::NAN } else { next };
                }
            }
        }
    }
}

/// [`Chain::evaluate_direct`]; without the leaves' index rows unless `leaf_index`.
fn direct(
    framework: &Framework,
    filled: &FilledPanel,
    unit: usize,
    weights: &[f64],
    scratch: &mut Vec<f64>,
    out: UnitOutput<'_>,
    leaf_index: bool,
) {
    let n_nodes = framework.len();
    let t_len = filled.n_years();
    if t_len == 0
        || out.index.len() != n_nodes * t_len
        || weights.len() != n_nodes
        || filled.leaf_ids().len() != framework.leaves().len()
        || unit >= filled.units().len()
    {
        out.index.fill(f64::NAN);
        return;
    }
    let rows = split_rows(n_nodes, t_len, scratch, out);
    let n_units = filled.units().len();
    let (values, flags) = (filled.values(), filled.flags());
    let want_detail = rows.want_detail;
    for &n in framework.leaves() {
        let Some(l) = framework.nodes()[n].leaf else {
            continue;
        };
        let src = (l * n_units + unit) * t_len..(l * n_units + unit + 1) * t_len;
        let row = n * t_len..(n + 1) * t_len;
        if !leaf_index {
            // Growth and estimate flags only: what the aggregation reads.
            leaf_growth(
                &values[src.clone()],
                &flags[src],
                &mut rows.growth[row.clone()],
                if want_detail {
                    Some(&mut rows.est[row])
                } else {
                    None
                },
            );
            continue;
        }
        leaf_rows(
            &values[src.clone()],
            &flags[src],
            &mut rows.growth[row.clone()],
            &mut rows.index[row.clone()],
            if want_detail {
                Some(&mut rows.est[row])
            } else {
                None
            },
        );
    }
    aggregate(framework, weights, t_len, rows);
}
