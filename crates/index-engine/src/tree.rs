//! The figures a result derives when read rather than stores: contributions, missing share,
//! source, and which leaves a figure lacks. They follow from the tree and weights the result
//! was computed with and from its stored figures, which [`Figures`] hands over; so a result
//! read back from JSON answers the same as the one computed.

use serde::{Deserialize, Serialize};

use crate::contributions::Contributions;
use crate::fill::Flag;
use crate::framework::{Framework, MAX_DEPTH};
use crate::overlay::Overlay;
use crate::source::Source;

/// Position of the index among the stored figures.
pub(crate) const INDEX: usize = 0;
/// Position of the growth among the stored figures.
pub(crate) const GROWTH: usize = 1;
/// Position of the estimated share among the stored figures.
pub(crate) const ESTIMATED: usize = 2;

/// What the derivations read of a result: its stored (or derived) figures, the leaves' fill
/// flags and the overlay. Out-of-range positions answer `NaN`, `Missing` and `None`.
pub(crate) trait Figures {
    /// Figure `figure` ([`INDEX`], [`GROWTH`], [`ESTIMATED`]) of a node, `NaN` for none.
    fn figure(&self, unit: usize, figure: usize, node: usize, t: usize) -> f64;
    /// The fill flag of leaf `leaf` (panel position) for a unit and year position.
    fn leaf_flag(&self, leaf: usize, unit: usize, t: usize) -> Flag;
    /// How a node's own overlay covers the year.
    fn overlay(&self, node: usize, unit: usize, t: usize) -> Overlay;
}

/// The tree and weights a result was computed with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tree {
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    weight: Vec<f64>,
    sign: Vec<f64>,
    rule: Contributions,
    /// Per node, its leaf position in the panel (`None` for inner nodes).
    #[serde(default)]
    leaf_of: Vec<Option<usize>>,
}

impl Tree {
    pub(crate) fn new(framework: &Framework, weights: &[f64], rule: Contributions) -> Self {
        let nodes = framework.nodes();
        Self {
            parent: nodes.iter().map(|n| n.parent).collect(),
            children: nodes.iter().map(|n| n.children.clone()).collect(),
            weight: weights.to_vec(),
            sign: nodes.iter().map(|n| n.spec.direction.sign()).collect(),
            rule,
            leaf_of: nodes.iter().map(|n| n.leaf).collect(),
        }
    }

    pub(crate) fn leaf_of(&self, node: usize) -> Option<usize> {
        self.leaf_of.get(node).copied().flatten()
    }

    fn parent(&self, node: usize) -> Option<usize> {
        self.parent.get(node).copied().flatten()
    }

    fn children(&self, node: usize) -> &[usize] {
        self.children.get(node).map_or(&[][..], Vec::as_slice)
    }

    fn weight(&self, node: usize) -> f64 {
        self.weight.get(node).copied().unwrap_or(f64::NAN)
    }

    fn sign(&self, node: usize) -> f64 {
        self.sign.get(node).copied().unwrap_or(1.0)
    }

    /// Whether `node` takes part in its parent's contributions (unit, year position).
    fn takes_part(&self, f: &impl Figures, node: usize, unit: usize, t: usize) -> bool {
        match self.rule {
            Contributions::OfGrowth => !f.figure(unit, GROWTH, node, t).is_nan(),
            Contributions::OfScore { .. } => !f.figure(unit, INDEX, node, t).is_nan(),
            Contributions::None => false,
        }
    }

    /// Whether `node` has data that year, i.e. counts in its parent's figure: a growth
    /// (chain, after the base year), an estimated share (chain, base year: it has a value), a
    /// score (level methods).
    pub(crate) fn has_data(&self, f: &impl Figures, node: usize, unit: usize, t: usize) -> bool {
        match self.rule {
            Contributions::OfGrowth if t == 0 => !f.figure(unit, ESTIMATED, node, t).is_nan(),
            Contributions::OfGrowth => !f.figure(unit, GROWTH, node, t).is_nan(),
            _ => !f.figure(unit, INDEX, node, t).is_nan(),
        }
    }

    /// Whether the node's own series (leaf) or children (inner node) give it a growth in year
    /// position `t`, before any overlay: what decides between a child-borne figure and a
    /// carried one after a published path.
    fn covered(&self, f: &impl Figures, node: usize, unit: usize, t: usize) -> bool {
        if t == 0 {
            return true;
        }
        if let Some(l) = self.leaf_of(node) {
            return f.leaf_flag(l, unit, t - 1) != Flag::Missing
                && f.leaf_flag(l, unit, t) != Flag::Missing;
        }
        let den: f64 = self
            .children(node)
            .iter()
            .filter(|&&c| !f.figure(unit, GROWTH, c, t).is_nan())
            .map(|&c| self.weight(c))
            .sum();
        den > 0.0
    }

    /// The node's figure that year comes from its overlay, not from its children: on its
    /// published path, or carried after it.
    fn owns(&self, f: &impl Figures, node: usize, unit: usize, t: usize) -> bool {
        match f.overlay(node, unit, t) {
            Overlay::None => false,
            Overlay::Path => true,
            Overlay::AfterPath => !self.covered(f, node, unit, t),
        }
    }

    /// The node's renormalised (and, for growth, signed) weight within its parent in the
    /// year, the same arithmetic as the methods' aggregation; `NaN` when it does not take part.
    fn share(&self, f: &impl Figures, node: usize, unit: usize, t: usize) -> f64 {
        let Some(p) = self.parent(node) else {
            return 1.0;
        };
        if !self.takes_part(f, node, unit, t) || self.owns(f, p, unit, t) {
            return f64::NAN;
        }
        let mut den = 0.0;
        for &c in self.children(p) {
            if self.takes_part(f, c, unit, t) {
                den += self.weight(c);
            }
        }
        let w = match self.rule {
            Contributions::OfGrowth => self.weight(node) * self.sign(node),
            _ => self.weight(node),
        };
        if den > 0.0 { w / den } else { f64::NAN }
    }

    /// (contribution, total contribution) of a node. A node whose parent takes its figure
    /// from an overlay that year contributes nothing to it (none); nor does any node below.
    pub(crate) fn contributions(
        &self,
        f: &impl Figures,
        node: usize,
        unit: usize,
        t: usize,
    ) -> (f64, f64) {
        let base = match self.rule {
            Contributions::OfGrowth => f.figure(unit, GROWTH, node, t),
            Contributions::OfScore { mirror } => {
                let s = f.figure(unit, INDEX, node, t);
                if self.parent(node).is_some() && self.sign(node) < 0.0 {
                    mirror - s
                } else {
                    s
                }
            }
            Contributions::None => return (f64::NAN, f64::NAN),
        };
        if self.parent(node).is_none() {
            return (base, base);
        }
        // Path weight, multiplied from the root down.
        let mut chain = [0usize; MAX_DEPTH + 1];
        let mut depth = 0;
        let mut cur = node;
        while let Some(p) = self.parent(cur) {
            if depth >= chain.len() {
                return (f64::NAN, f64::NAN);
            }
            chain[depth] = cur;
            depth += 1;
            cur = p;
        }
        let mut path = 1.0;
        let mut share = f64::NAN;
        for &n in chain[..depth].iter().rev() {
            share = self.share(f, n, unit, t);
            path *= share;
        }
        (share * base, path * base)
    }

    /// The share of the node's weight (weights multiplied down the tree) resting on leaves
    /// that contribute nothing to the year's figure because they have no data; 0 where an
    /// overlay gives the node a figure of its own.
    pub(crate) fn missing_share(
        &self,
        f: &impl Figures,
        node: usize,
        unit: usize,
        t: usize,
    ) -> f64 {
        self.missing_at(f, node, unit, t, 0)
    }

    fn missing_at(
        &self,
        f: &impl Figures,
        node: usize,
        unit: usize,
        t: usize,
        depth: usize,
    ) -> f64 {
        if self.owns(f, node, unit, t) {
            return if self.has_data(f, node, unit, t) {
                0.0
            } else {
                1.0
            };
        }
        let kids = self.children(node);
        if kids.is_empty() || depth > MAX_DEPTH {
            return if self.has_data(f, node, unit, t) {
                0.0
            } else {
                1.0
            };
        }
        kids.iter()
            .map(|&c| self.weight(c) * self.missing_at(f, c, unit, t, depth + 1))
            .sum::<f64>()
            .clamp(0.0, 1.0)
    }

    /// Where the node's figure comes from (see [`Source`]).
    pub(crate) fn source(&self, f: &impl Figures, node: usize, unit: usize, t: usize) -> Source {
        self.source_at(f, node, unit, t, 0)
    }

    fn source_at(
        &self,
        f: &impl Figures,
        node: usize,
        unit: usize,
        t: usize,
        depth: usize,
    ) -> Source {
        match f.overlay(node, unit, t) {
            Overlay::Path => {
                return if self.has_data(f, node, unit, t) {
                    Source::Published
                } else {
                    Source::NoData
                };
            }
            Overlay::AfterPath if !self.covered(f, node, unit, t) => return Source::Carried,
            _ => {}
        }
        if let Some(l) = self.leaf_of(node) {
            return Source::of_flag(f.leaf_flag(l, unit, t));
        }
        if depth > MAX_DEPTH {
            return Source::NoData;
        }
        self.children(node)
            .iter()
            .filter(|&&c| self.has_data(f, c, unit, t))
            .map(|&c| self.source_at(f, c, unit, t, depth + 1))
            .reduce(Source::weaker)
            .unwrap_or(Source::NoData)
    }

    /// Appends the leaves below `node` (or `node` itself) that have no data in the year and
    /// count in its missing share.
    pub(crate) fn missing_leaves(
        &self,
        f: &impl Figures,
        node: usize,
        unit: usize,
        t: usize,
        out: &mut Vec<usize>,
    ) {
        let mut stack = vec![(node, 0usize)];
        while let Some((n, depth)) = stack.pop() {
            if depth > MAX_DEPTH {
                continue;
            }
            if self.owns(f, n, unit, t) {
                // Its own figure (a published path) stands in for its leaves; none that year
                // (a gap in the path left open) names the node itself.
                if !self.has_data(f, n, unit, t) {
                    out.push(n);
                }
                continue;
            }
            let kids = self.children(n);
            if kids.is_empty() {
                if !self.has_data(f, n, unit, t) {
                    out.push(n);
                }
                continue;
            }
            for &c in kids.iter().rev() {
                if self.weight(c) > 0.0 {
                    stack.push((c, depth + 1));
                }
            }
        }
    }
}
