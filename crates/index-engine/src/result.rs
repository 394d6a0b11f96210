//! Results: per node, unit and year, the index, growth, contribution, total contribution,
//! estimated share, missing share and source, with the choices that produced them.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::contributions::Contributions;
use crate::error::{IndexError, Result};
use crate::fill::{FillNote, FilledPanel, Flag};
use crate::framework::{Framework, Year};
use crate::growth::{leaf_estimate, leaf_rows, symmetric_growth};
use crate::overlay::Overlay;
use crate::source::Source;
use crate::treated::TreatedValue;
use crate::tree::{ESTIMATED, Figures, GROWTH, INDEX, Tree};

/// Number of figures stored per node, unit and year: index, growth, estimated share.
/// Contributions are derived from them and the weights when read.
pub(crate) const N_MEASURES: usize = 3;

/// The figures of one node, unit and year; `None` where the figure does not exist (growth and
/// contributions in the base year, an indicator before its data begins).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Index (base year = 100) or, for level methods, the score.
    pub index: Option<f64>,
    /// Symmetric growth in the year, in (−200, 200).
    pub growth: Option<f64>,
    /// Renormalised weight within the parent × direction × growth: the parent's growth is the
    /// sum of its children's contributions.
    pub contribution: Option<f64>,
    /// Product of renormalised weights (and directions) on the path from the root × growth:
    /// the leaves' total contributions add up to the root's growth.
    pub total_contribution: Option<f64>,
    /// Share of the node's weight resting on filled (interpolated or carried) values, in
    /// [0, 1], over the parts that take part in the year's figure.
    pub estimated_share: Option<f64>,
    /// Share of the node's weight (weights multiplied down the tree) resting on leaves that
    /// contribute nothing to the year's figure because they have no data, in [0, 1]; 0 where
    /// a published path gives the node a figure of its own.
    #[serde(default)]
    pub missing_share: f64,
    /// Where the figure comes from.
    #[serde(default)]
    pub source: Source,
}

/// One output row: a [`Cell`] with its node, unit and year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Row<'a> {
    /// Node id.
    pub node: &'a str,
    /// Unit.
    pub unit: &'a str,
    /// Year.
    pub year: Year,
    /// The figures.
    #[serde(flatten)]
    pub cell: Cell,
}

/// Everything a computation produced, laid out densely as unit × figure × stored node × year
/// (index, growth, estimated share); contributions are derived when read, and so are the
/// leaves' rows when the method's leaves follow from the filled panel alone (the chain).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexResult {
    method: String,
    tree: Tree,
    interpolation: String,
    node_ids: Vec<String>,
    units: Vec<String>,
    base_year: Year,
    years: usize,
    last_observed_year: Option<Year>,
    notes: Vec<FillNote>,
    /// Values changed by an outlier treatment before the computation.
    #[serde(default)]
    treated: Vec<TreatedValue>,
    /// Per node, its position among the stored nodes; `None` for a leaf derived from
    /// `leaf_values`.
    slot: Vec<Option<usize>>,
    /// How many nodes are stored.
    n_stored: usize,
    /// Per leaf (panel order), the position after the base year of its latest published year
    /// (`i64::MAX`: none recorded); values after it are estimates.
    #[serde(default)]
    leaf_latest: Vec<i64>,
    /// `[leaf][unit][t]`: the fill flag of every leaf value, a [`Flag`] as `u8`.
    #[serde(default)]
    leaf_flags: Vec<u8>,
    /// `[leaf][unit][t]`: the filled leaf series, when leaf rows are derived rather than
    /// stored (`NaN` where missing).
    #[serde(default, with = "crate::nan_serde::option")]
    leaf_values: Option<Vec<f64>>,
    /// `[unit][node][t]`: an [`Overlay`] as `u8`, when the method has one.
    #[serde(default)]
    overlay: Option<Vec<u8>>,
    /// `[unit][figure][stored node][t]`: index, growth, estimated share; `NaN` = none.
    #[serde(with = "crate::nan_serde")]
    data: Vec<f64>,
    /// Leaf rows laid out like `data` over the leaves (`[unit][figure][leaf][t]`), made on
    /// the first request for a leaf's series, so that series can be lent as slices.
    #[serde(skip)]
    derived_leaves: OnceLock<Vec<f64>>,
}

fn opt(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

impl IndexResult {
    pub(crate) fn empty(
        method: String,
        rule: Contributions,
        framework: &Framework,
        weights: &[f64],
        filled: &FilledPanel,
        derive_leaves: bool,
    ) -> Result<Self> {
        let nodes = framework.nodes();
        let derive_leaves = derive_leaves && filled.leaf_ids().len() == framework.leaves().len();
        let mut n_stored = 0;
        let slot: Vec<Option<usize>> = nodes
            .iter()
            .map(|n| {
                if derive_leaves && n.leaf.is_some() {
                    None
                } else {
                    n_stored += 1;
                    Some(n_stored - 1)
                }
            })
            .collect();
        let cells = filled
            .units()
            .len()
            .checked_mul(N_MEASURES * n_stored)
            .and_then(|x| x.checked_mul(filled.n_years()))
            .filter(|&x| x <= crate::panel::MAX_CELLS * 4)
            .ok_or_else(|| IndexError::TooLarge {
                what: "result cells (units × 3 figures × nodes × years)".into(),
                limit: (crate::panel::MAX_CELLS * 4) as u64,
                actual: (filled.units().len() * N_MEASURES * framework.len() * filled.n_years())
                    as u64,
            })?;
        let tree = Tree::new(framework, weights, rule);
        Ok(Self {
            method,
            tree,
            interpolation: filled.interpolation().to_string(),
            node_ids: framework
                .nodes()
                .iter()
                .map(|n| n.spec.id.clone())
                .collect(),
            units: filled.units().to_vec(),
            base_year: filled.base_year(),
            years: filled.n_years(),
            last_observed_year: filled.last_observed_year(),
            notes: filled.notes().to_vec(),
            treated: filled.treated().to_vec(),
            slot,
            n_stored,
            leaf_latest: framework.latest_positions(filled.base_year()),
            // Attached after the computation (see `set_leaf_source`).
            leaf_flags: Vec::new(),
            leaf_values: None,
            overlay: None,
            // Zeroed memory comes lazily from the allocator, so the parallel workers touch
            // (and fault in) their own blocks.
            data: vec![0.0; cells],
            derived_leaves: OnceLock::new(),
        })
    }

    /// Whether leaf rows are derived from the panel (and need their values in
    /// [`Self::set_leaf_source`]).
    pub(crate) fn derives_leaves(&self) -> bool {
        self.slot.iter().any(Option::is_none)
    }

    /// Attaches the leaves' fill flags (`[leaf][unit][t]`) and, when leaf rows are derived,
    /// the filled values they are derived from.
    pub(crate) fn set_leaf_source(&mut self, values: Option<Vec<f64>>, flags: Vec<u8>) {
        self.leaf_values = values;
        self.leaf_flags = flags;
    }

    /// Attaches the method's overlay (`[unit][node][t]`, an [`Overlay`] as `u8`).
    pub(crate) fn set_overlay(&mut self, overlay: Vec<u8>) {
        self.overlay = Some(overlay);
    }

    /// The stored nodes, in slot order.
    pub(crate) fn stored_nodes(&self) -> Vec<usize> {
        (0..self.slot.len())
            .filter(|&n| self.slot[n].is_some())
            .collect()
    }

    /// The filled series and flags of a derived leaf for a unit.
    fn leaf_series(&self, node: usize, unit: usize) -> Option<(&[f64], &[u8])> {
        let values = self.leaf_values.as_ref()?;
        let l = self.tree.leaf_of(node)?;
        let start = (l * self.units.len() + unit) * self.years;
        let range = start..start + self.years;
        Some((values.get(range.clone())?, self.leaf_flags.get(range)?))
    }

    fn latest(&self, leaf: usize) -> i64 {
        self.leaf_latest.get(leaf).copied().unwrap_or(i64::MAX)
    }

    /// One figure of a derived leaf, with the same arithmetic as the chain's leaf rows.
    fn leaf_at(&self, figure: usize, node: usize, unit: usize, t: usize) -> f64 {
        let Some((x, f)) = self.leaf_series(node, unit) else {
            return f64::NAN;
        };
        match figure {
            GROWTH => match (t.checked_sub(1).and_then(|p| x.get(p)), x.get(t)) {
                (Some(&xp), Some(&xt)) if !xp.is_nan() && !xt.is_nan() => symmetric_growth(xp, xt),
                _ => f64::NAN,
            },
            ESTIMATED => match (f.get(t), self.tree.leaf_of(node)) {
                (Some(&flag), Some(l)) => leaf_estimate(flag, t, self.latest(l)),
                _ => f64::NAN,
            },
            _ => self
                .leaf_index_series(node, unit)
                .get(t)
                .copied()
                .unwrap_or(f64::NAN),
        }
    }

    /// The index series of a derived leaf (the index at a year rests on the whole stretch
    /// before it).
    fn leaf_index_series(&self, node: usize, unit: usize) -> Vec<f64> {
        let Some((x, f)) = self.leaf_series(node, unit) else {
            return Vec::new();
        };
        let (mut g, mut e) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        leaf_rows(x, f, &mut g, &mut e, None, i64::MAX);
        e
    }

    /// Every derived leaf row, `[unit][figure][leaf][t]`.
    fn derived_leaves(&self) -> &[f64] {
        self.derived_leaves.get_or_init(|| {
            let Some(values) = self.leaf_values.as_ref() else {
                return Vec::new();
            };
            let (n_units, t_len) = (self.units.len(), self.years);
            let n_leaves = values.len() / (n_units * t_len).max(1);
            let block = n_leaves * t_len;
            let mut out = vec![f64::NAN; n_units * N_MEASURES * block];
            for (u, unit_rows) in out.chunks_exact_mut(N_MEASURES * block).enumerate() {
                let (e, rest) = unit_rows.split_at_mut(block);
                let (g, est) = rest.split_at_mut(block);
                for l in 0..n_leaves {
                    let start = (l * n_units + u) * t_len;
                    let (Some(x), Some(f)) = (
                        values.get(start..start + t_len),
                        self.leaf_flags.get(start..start + t_len),
                    ) else {
                        continue;
                    };
                    let row = l * t_len..(l + 1) * t_len;
                    leaf_rows(
                        x,
                        f,
                        &mut g[row.clone()],
                        &mut e[row.clone()],
                        Some(&mut est[row]),
                        self.latest(l),
                    );
                }
            }
            out
        })
    }

    pub(crate) fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// The method's label.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The gap-fill rule used.
    pub fn interpolation(&self) -> &str {
        &self.interpolation
    }

    /// Node ids in framework order.
    pub fn node_ids(&self) -> &[String] {
        &self.node_ids
    }

    /// Units, sorted.
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// The computed years, base year first.
    pub fn years(&self) -> Vec<Year> {
        (0..self.years)
            .map(|t| self.base_year + t as Year)
            .collect()
    }

    /// The base year.
    pub fn base_year(&self) -> Year {
        self.base_year
    }

    /// The target (last computed) year.
    pub fn to_year(&self) -> Year {
        self.base_year + self.years as Year - 1
    }

    /// The last computed year in which any value was observed (later years rest on carried
    /// values only).
    pub fn last_observed_year(&self) -> Option<Year> {
        self.last_observed_year
    }

    /// Gaps not filled the way asked.
    pub fn notes(&self) -> &[FillNote] {
        &self.notes
    }

    /// Values changed by an outlier treatment of the panel before the computation, each with
    /// its leaf, unit, year, original and treated value (empty when none was applied).
    pub fn treated(&self) -> &[TreatedValue] {
        &self.treated
    }

    fn at(&self, unit: usize, figure: usize, node: usize, t: usize) -> f64 {
        // `get`: a result read back from JSON may not be consistent; no panic then.
        match self.slot.get(node) {
            Some(Some(s)) => self
                .data
                .get(((unit * N_MEASURES + figure) * self.n_stored + s) * self.years + t)
                .copied()
                .unwrap_or(f64::NAN),
            Some(None) => self.leaf_at(figure, node, unit, t),
            None => f64::NAN,
        }
    }

    /// The figures by position: node (framework order), unit (sorted), year position (0 =
    /// base year). `None` when out of range.
    pub fn cell_at(&self, node: usize, unit: usize, t: usize) -> Option<Cell> {
        if node >= self.node_ids.len() || unit >= self.units.len() || t >= self.years {
            return None;
        }
        Some(self.cell_with_index(node, unit, t, self.at(unit, INDEX, node, t)))
    }

    /// The cell at valid positions, its index given (read once per series by [`Self::rows`]).
    fn cell_with_index(&self, node: usize, unit: usize, t: usize, index: f64) -> Cell {
        let (contribution, total_contribution) = self.tree.contributions(self, node, unit, t);
        Cell {
            index: opt(index),
            growth: opt(self.at(unit, GROWTH, node, t)),
            contribution: opt(contribution),
            total_contribution: opt(total_contribution),
            estimated_share: opt(self.at(unit, ESTIMATED, node, t)),
            missing_share: self.tree.missing_share(self, node, unit, t),
            source: self.tree.source(self, node, unit, t),
        }
    }

    /// Whether node `node` (framework position) is a leaf.
    pub fn is_leaf(&self, node: usize) -> bool {
        self.tree.leaf_of(node).is_some()
    }

    /// How a published path covers node `node` of unit `unit` in year position `t`
    /// ([`Overlay::None`] for the raw computation and out-of-range positions).
    pub fn overlay_at(&self, node: usize, unit: usize, t: usize) -> Overlay {
        Figures::overlay(self, node, unit, t)
    }

    /// The leaves (framework node positions) that have no data in the year and so count in
    /// the missing share of `node` (itself when it is such a leaf), in framework order.
    pub fn missing_leaves(&self, node: usize, unit: usize, t: usize) -> Vec<usize> {
        let mut out = Vec::new();
        if node < self.node_ids.len() && unit < self.units.len() && t < self.years {
            self.tree.missing_leaves(self, node, unit, t, &mut out);
        }
        out.sort_unstable();
        out
    }

    /// The figures of `node`, `unit` and `year` by name.
    pub fn cell(&self, node: &str, unit: &str, year: Year) -> Result<Cell> {
        let n = self.node_position(node)?;
        let u = self.unit_position(unit)?;
        let t = self.year_position(year)?;
        self.cell_at(n, u, t).ok_or_else(|| IndexError::Unknown {
            kind: "year",
            name: year.to_string(),
        })
    }

    /// Position of a node id.
    pub fn node_position(&self, node: &str) -> Result<usize> {
        self.node_ids
            .iter()
            .position(|x| x == node)
            .ok_or_else(|| IndexError::Unknown {
                kind: "node",
                name: node.to_string(),
            })
    }

    /// Position of a unit.
    pub fn unit_position(&self, unit: &str) -> Result<usize> {
        self.units
            .binary_search_by(|u| u.as_str().cmp(unit))
            .map_err(|_| IndexError::Unknown {
                kind: "unit",
                name: unit.to_string(),
            })
    }

    /// Position of a year.
    pub fn year_position(&self, year: Year) -> Result<usize> {
        let t = i64::from(year) - i64::from(self.base_year);
        if t < 0 || t >= self.years as i64 {
            return Err(IndexError::Unknown {
                kind: "year",
                name: year.to_string(),
            });
        }
        Ok(t as usize)
    }

    /// The index series (one value per year) of a node for a unit, `NaN` where none.
    pub fn index_series(&self, node: usize, unit: usize) -> Option<&[f64]> {
        self.series(INDEX, node, unit)
    }

    /// The estimated-share series of a node for a unit.
    pub fn estimated_series(&self, node: usize, unit: usize) -> Option<&[f64]> {
        self.series(ESTIMATED, node, unit)
    }

    /// The growth series of a node for a unit.
    pub fn growth_series(&self, node: usize, unit: usize) -> Option<&[f64]> {
        self.series(GROWTH, node, unit)
    }

    fn series(&self, figure: usize, node: usize, unit: usize) -> Option<&[f64]> {
        if node >= self.node_ids.len() || unit >= self.units.len() {
            return None;
        }
        match *self.slot.get(node)? {
            Some(s) => {
                let start = ((unit * N_MEASURES + figure) * self.n_stored + s) * self.years;
                self.data.get(start..start + self.years)
            }
            None => {
                let l = self.tree.leaf_of(node)?;
                let all = self.derived_leaves();
                let n_leaves = all.len() / (self.units.len() * N_MEASURES * self.years).max(1);
                let start = ((unit * N_MEASURES + figure) * n_leaves + l) * self.years;
                all.get(start..start + self.years)
            }
        }
    }

    /// Every row, ordered by node (framework order), unit (sorted) and year.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        self.rows_of_nodes(0..self.node_ids.len())
    }

    /// The rows of the nodes at positions `nodes` (in the order given; positions out of range
    /// are skipped), each ordered by unit and year as in [`Self::rows`].
    pub fn rows_of_nodes<'a, I>(&'a self, nodes: I) -> impl Iterator<Item = Row<'a>> + 'a
    where
        I: IntoIterator<Item = usize>,
        I::IntoIter: 'a,
    {
        let (n_nodes, n_units) = (self.node_ids.len(), self.units.len());
        nodes
            .into_iter()
            .filter(move |&n| n < n_nodes)
            .flat_map(move |n| (0..n_units).flat_map(move |u| self.rows_of_series(n, u)))
    }

    /// The rows of node `node` for unit `unit`, by year: the pieces [`Self::rows_of_nodes`]
    /// is made of, for a writer that formats pieces on several threads. Empty when either
    /// position is out of range.
    pub fn rows_of_series(&self, node: usize, unit: usize) -> impl Iterator<Item = Row<'_>> + '_ {
        let years = if node < self.node_ids.len() && unit < self.units.len() {
            self.years
        } else {
            0
        };
        // A derived leaf's index series is made once, not once per year.
        let leaf_index = (years > 0 && matches!(self.slot.get(node), Some(None)))
            .then(|| self.leaf_index_series(node, unit));
        (0..years).map(move |t| {
            let index = match &leaf_index {
                Some(e) => e.get(t).copied().unwrap_or(f64::NAN),
                None => self.at(unit, INDEX, node, t),
            };
            Row {
                node: &self.node_ids[node],
                unit: &self.units[unit],
                year: self.base_year + t as Year,
                cell: self.cell_with_index(node, unit, t, index),
            }
        })
    }
}

impl Figures for IndexResult {
    fn figure(&self, unit: usize, figure: usize, node: usize, t: usize) -> f64 {
        self.at(unit, figure, node, t)
    }

    fn leaf_flag(&self, leaf: usize, unit: usize, t: usize) -> Flag {
        if unit >= self.units.len() || t >= self.years {
            return Flag::Missing;
        }
        self.leaf_flags
            .get((leaf * self.units.len() + unit) * self.years + t)
            .map_or(Flag::Missing, |&f| Flag::from_u8(f))
    }

    fn overlay(&self, node: usize, unit: usize, t: usize) -> Overlay {
        let Some(o) = &self.overlay else {
            return Overlay::None;
        };
        if node >= self.node_ids.len() || t >= self.years {
            return Overlay::None;
        }
        o.get((unit * self.node_ids.len() + node) * self.years + t)
            .map_or(Overlay::None, |&x| Overlay::from_u8(x))
    }
}
