//! The chain with published aggregates as observations: where a node's children's data falls
//! short, its published index path stands in for it.
//!
//! For a node that takes its path (the rule: [`PublishedRule`]), in each unit:
//! - the path: the published base year = 100, the published figures, interior years filled by
//!   the same [`GapFill`] as the leaves (an estimate), a figure of kind `estimate` an
//!   estimate too;
//! - years up to its last published year: its growth is the path's symmetric growth (so its
//!   index meets every published figure), whatever its children say; its cells say
//!   `source = published` and `missing_share = 0`;
//! - years after it: its growth comes from its children (or its own series, for a leaf) where
//!   they have a growth; otherwise it is carried forward (growth 0, an estimate,
//!   `source = carried`);
//! - every node above aggregates these figures by the chain method as usual; the children of
//!   a node on its path contribute nothing to it that year (their contributions are none).
//!
//! ```
//! use index_engine::{compute_published, ComputeOptions, Framework, NodeSpec, Observation,
//!     Panel, Published, PublishedFigure, PublishedRule, Source};
//! // a has data only in 2019, so the raw total would rest on b alone; the report publishes a.
//! let fw = Framework::from_nodes(vec![
//!     NodeSpec::root("t"),
//!     NodeSpec::child("a", "t"),
//!     NodeSpec::child("a1", "a"),
//!     NodeSpec::child("b", "t"),
//! ])?;
//! let panel = Panel::from_records(&fw, vec![
//!     Observation::new("a1", "CN", 2019, 5.0),
//!     Observation::new("b", "CN", 2019, 10.0),
//!     Observation::new("b", "CN", 2020, 10.0),
//! ])?;
//! let published = Published::from_records(&fw, &panel, vec![
//!     PublishedFigure::new("a", "CN", 2020, 150.0),
//! ])?;
//! let r = compute_published(&fw, &panel, &published, &PublishedRule::default(),
//!     &ComputeOptions::default())?;
//! let a = r.cell("a", "CN", 2020)?;
//! assert!((a.index.unwrap() - 150.0).abs() < 1e-9);
//! assert_eq!((a.source, a.missing_share), (Source::Published, 0.0));
//! // The total: a's growth 200·50/250 = 40 and b's 0, equal weights: growth 20.
//! assert!((r.cell("t", "CN", 2020)?.growth.unwrap() - 20.0).abs() < 1e-12);
//! # Ok::<(), index_engine::IndexError>(())
//! ```

use crate::chain::{Chain, ChainUnit, direct, evaluate_unit};
use crate::contributions::Contributions;
use crate::error::Result;
use crate::fill::{FilledPanel, GapFill, GapOutcome};
use crate::framework::Framework;
use crate::growth::symmetric_growth;
use crate::method::{Method, UnitOutput, compute_with};
use crate::overlay::{Overlay, UnitOverlay};
use crate::published::{Published, PublishedKind, PublishedRule, PublishedUse};
use crate::year::Year;

/// The symmetric chain with published aggregates as observations (see the module docs).
#[derive(Clone, Copy)]
pub struct PublishedChain<'a> {
    published: &'a Published,
    rule: &'a PublishedRule,
    gap_fill: &'a dyn GapFill,
}

impl std::fmt::Debug for PublishedChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishedChain")
            .field("figures", &self.published.len())
            .field("rule", self.rule)
            .field("gap_fill", &self.gap_fill.name())
            .finish()
    }
}

impl<'a> PublishedChain<'a> {
    /// The chain with `published` standing in as `rule` says; interior years of a path are
    /// filled by `gap_fill` (the leaves' rule, e.g. `Interpolation::Geometric.gap_fill()`).
    pub fn new(
        published: &'a Published,
        rule: &'a PublishedRule,
        gap_fill: &'a dyn GapFill,
    ) -> Self {
        Self {
            published,
            rule,
            gap_fill,
        }
    }
}

/// What [`PublishedChain`] decided before any unit is evaluated: which nodes take their path
/// in which unit, and each path's growth and estimate flags over the computed years.
#[derive(Debug, Clone, Default)]
pub struct PublishedPrepared {
    n_nodes: usize,
    t_len: usize,
    /// `[unit][node]`: slot into the arrays below.
    slot: Vec<Option<usize>>,
    /// `[slot][t]`: an [`Overlay`] as `u8`.
    mode: Vec<u8>,
    /// `[slot][t]`: the path's growth.
    growth: Vec<f64>,
    /// `[slot][t]`: the path's estimate flag.
    estimated: Vec<f64>,
    /// `[slot][t]`: the path's value.
    value: Vec<f64>,
    /// `(node, unit)` of every path taken, in slot order.
    taken: Vec<(usize, usize)>,
}

impl PublishedPrepared {
    fn view(&self, unit: usize) -> UnitOverlay<'_> {
        let start = unit * self.n_nodes;
        UnitOverlay {
            slot: self.slot.get(start..start + self.n_nodes).unwrap_or(&[]),
            mode: &self.mode,
            growth: &self.growth,
            estimated: &self.estimated,
            value: &self.value,
        }
    }

    /// The (node, unit) positions whose published path the computation takes.
    pub fn taken(&self) -> &[(usize, usize)] {
        &self.taken
    }
}

/// Per-unit inputs of [`PublishedChain`]: the chain's leaf rows and the unit's position.
#[derive(Debug, Clone, Default)]
pub struct PublishedUnit {
    chain: ChainUnit,
    unit: usize,
}

/// One published path over the years from the published base year to its last figure:
/// values (`NaN` where a gap was left open) and estimate flags.
struct Path {
    first: Year,
    values: Vec<f64>,
    estimated: Vec<f64>,
}

impl Path {
    fn build(
        base: Year,
        figures: &[&crate::published::PublishedFigure],
        gap_fill: &dyn GapFill,
    ) -> Option<Self> {
        let last = figures.last()?.year;
        let len = usize::try_from(i64::from(last) - i64::from(base) + 1).ok()?;
        let mut values = vec![f64::NAN; len];
        let mut estimated = vec![f64::NAN; len];
        values[0] = 100.0;
        estimated[0] = 0.0;
        let mut known = vec![0usize];
        for f in figures {
            let k = usize::try_from(i64::from(f.year) - i64::from(base)).ok()?;
            values[k] = f.index;
            estimated[k] = match f.kind {
                PublishedKind::Actual => 0.0,
                PublishedKind::Estimate => 1.0,
            };
            known.push(k);
        }
        for w in known.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b > a + 1 {
                // Only finite values > 0 count as filled, as for leaves.
                let outcome = gap_fill.fill_gap(&mut values, a, b);
                for k in a + 1..b {
                    let ok =
                        outcome != GapOutcome::Left && values[k].is_finite() && values[k] >= 0.0;
                    if ok {
                        estimated[k] = 1.0;
                    } else {
                        values[k] = f64::NAN;
                    }
                }
            }
        }
        Some(Self {
            first: base,
            values,
            estimated,
        })
    }

    fn at(&self, year: Year) -> Option<(f64, f64)> {
        let k = usize::try_from(i64::from(year) - i64::from(self.first)).ok()?;
        Some((*self.values.get(k)?, *self.estimated.get(k)?))
    }

    /// The overlay of computed year `year` (position `t`): its mode and the path's growth,
    /// estimate flag and value there.
    fn cell(&self, year: Year, t: usize) -> (Overlay, f64, f64, f64) {
        const NONE: f64 = f64::NAN;
        if year > self.last() {
            let mode = if t > 0 {
                Overlay::AfterPath
            } else {
                Overlay::None
            };
            return (mode, NONE, NONE, NONE);
        }
        if year == self.first && t == 0 {
            // The computation's base year is the path's: 100, an actual figure.
            return (Overlay::Path, NONE, 0.0, 100.0);
        }
        if year <= self.first {
            // Before the path, or its first year after the computation's base year (growth
            // into it would need the year before the path).
            return (Overlay::None, NONE, NONE, NONE);
        }
        let (x, e) = self.at(year).unwrap_or((NONE, NONE));
        let g = match (t, self.at(year - 1)) {
            (1.., Some((xp, _))) if !xp.is_nan() && !x.is_nan() => symmetric_growth(xp, x),
            _ => NONE,
        };
        (Overlay::Path, g, if x.is_nan() { NONE } else { e }, x)
    }

    fn last(&self) -> Year {
        self.first + self.values.len() as Year - 1
    }
}

impl Method for PublishedChain<'_> {
    type Prepared = PublishedPrepared;
    type UnitInput = PublishedUnit;

    fn name(&self) -> String {
        "chain with published aggregates".to_string()
    }

    fn contributions(&self) -> Contributions {
        Contributions::OfGrowth
    }

    fn prepare(&self, framework: &Framework, filled: &FilledPanel) -> Result<PublishedPrepared> {
        self.rule.check(framework, self.published)?;
        let (n_nodes, t_len) = (framework.len(), filled.n_years());
        let n_units = filled.units().len();
        let mut prep = PublishedPrepared {
            n_nodes,
            t_len,
            slot: vec![None; n_units * n_nodes],
            ..Default::default()
        };
        let paths = self.published.paths();
        if paths.is_empty() || t_len == 0 {
            return Ok(prep);
        }
        // The rule reads the raw computation (no published aggregates at all).
        let raw = compute_with(&Chain, framework, filled, None)?;
        let base = filled.base_year();
        for ((node_id, unit_id), figures) in paths {
            let (Some(node), Ok(unit)) = (framework.index_of(node_id), raw.unit_position(unit_id))
            else {
                continue;
            };
            let Some(path) = Path::build(self.published.base_year(), &figures, self.gap_fill)
            else {
                continue;
            };
            // The computed years the path covers.
            let from = i64::from(path.first.max(base)) - i64::from(base);
            let to = (i64::from(path.last()) - i64::from(base)).min(t_len as i64 - 1);
            let take = match self.rule.get(node_id) {
                PublishedUse::Always => true,
                PublishedUse::Never => false,
                PublishedUse::Auto => (from.max(0)..=to).any(|t| {
                    raw.cell_at(node, unit, t as usize).is_some_and(|c| {
                        c.missing_share > 0.0 || c.estimated_share.is_none_or(|e| e > 0.0)
                    })
                }),
            };
            if !take {
                continue;
            }
            let s = prep.taken.len();
            prep.taken.push((node, unit));
            prep.slot[unit * n_nodes + node] = Some(s);
            for t in 0..t_len {
                let year = base + t as Year;
                let (mode, g, e, v) = path.cell(year, t);
                prep.mode.push(mode as u8);
                prep.growth.push(g);
                prep.estimated.push(e);
                prep.value.push(v);
            }
        }
        Ok(prep)
    }

    fn overlay(&self, prepared: &PublishedPrepared, unit: usize, node: usize, t: usize) -> Overlay {
        let Some(Some(s)) = prepared.slot.get(unit * prepared.n_nodes + node) else {
            return Overlay::None;
        };
        prepared
            .mode
            .get(s * prepared.t_len + t)
            .map_or(Overlay::None, |&m| Overlay::from_u8(m))
    }

    fn unit_input(
        &self,
        _prepared: &PublishedPrepared,
        framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
    ) -> PublishedUnit {
        PublishedUnit {
            chain: Chain.unit_input(&(), framework, filled, unit),
            unit,
        }
    }

    fn evaluate(
        &self,
        prepared: &PublishedPrepared,
        framework: &Framework,
        input: &PublishedUnit,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    ) {
        let view = prepared.view(input.unit);
        evaluate_unit(framework, &input.chain, weights, scratch, out, Some(&view));
    }

    fn evaluate_direct(
        &self,
        prepared: &PublishedPrepared,
        framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    ) {
        let view = prepared.view(unit);
        direct(
            framework,
            filled,
            unit,
            weights,
            scratch,
            out,
            true,
            Some(&view),
        );
    }
}
