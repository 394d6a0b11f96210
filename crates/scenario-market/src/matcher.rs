//! The [`Matcher`] trait, the [`Assignment`] every matcher returns, and the greedy matcher.
//!
//! The scoring matcher of the market is [`crate::Scoring`] (hard filters, then weighted
//! scores) followed by a matcher that assigns under capacities: [`GreedyMatcher`] (best pair
//! first), [`crate::OptimalMatcher`] (maximum total score) or [`crate::StableMatcher`]
//! (deferred acceptance when both sides rank).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::candidates::{Candidates, Edge};
use crate::error::{MarketError, Result};

/// A scenario–firm pair in an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Pair {
    /// Scenario position.
    pub scenario: u32,
    /// Firm position.
    pub firm: u32,
    /// The offer the firm brings (its best for the scenario).
    pub offer: u32,
    /// The pair's score, hundredths of a point.
    pub score: u32,
}

impl From<&Edge> for Pair {
    fn from(e: &Edge) -> Self {
        Self {
            scenario: e.scenario,
            firm: e.firm,
            offer: e.offer,
            score: e.score,
        }
    }
}

/// Proof that an optimal assignment is optimal: an LP dual solution of equal value, and
/// whether it also covers the pairs the shortlists left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Value of the dual solution; equal to the assignment's total score (zero gap).
    pub dual_bound: u64,
    /// True when the dual covers every pair cut from a shortlist too, so the assignment is
    /// optimal over all pairs that passed the filters, not only over the shortlists.
    pub shortlist_sufficient: bool,
    /// Scenarios whose cut pairs the dual does not cover (a longer shortlist might help
    /// them), by position.
    pub scenarios_uncertified: Vec<u32>,
}

/// Pairs chosen by a matcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The matcher's name.
    pub matcher: String,
    /// The pairs, sorted by scenario then firm.
    pub pairs: Vec<Pair>,
    /// Σ of the pairs' scores, hundredths of a point.
    pub total_score: u64,
    /// The optimality proof, from matchers that give one.
    pub certificate: Option<Certificate>,
}

impl Assignment {
    /// An assignment of `pairs` (sorted here; the total is computed).
    pub fn new(matcher: &str, mut pairs: Vec<Pair>) -> Self {
        pairs.sort();
        let total_score = pairs.iter().map(|p| u64::from(p.score)).sum();
        Self {
            matcher: matcher.to_string(),
            pairs,
            total_score,
            certificate: None,
        }
    }

    /// Checks the assignment against its graph: every pair is a candidate edge with the
    /// same offer and score, no pair twice, no scenario or firm over its capacity.
    pub fn validate(&self, g: &Candidates) -> Result<()> {
        let fail = |m: String| Err(MarketError::Invariant(format!("{}: {m}", self.matcher)));
        let mut seen = BTreeSet::new();
        let mut per_s = vec![0u32; g.scenarios()];
        let mut per_f = vec![0u32; g.firms()];
        let mut total = 0u64;
        for p in &self.pairs {
            let (s, f) = (p.scenario as usize, p.firm as usize);
            match g.edge(s, f) {
                Some(e) if e.offer == p.offer && e.score == p.score => {}
                _ => return fail(format!("pair ({s}, {f}) is not a candidate edge")),
            }
            if !seen.insert((s, f)) {
                return fail(format!("pair ({s}, {f}) twice"));
            }
            match (per_s.get_mut(s), per_f.get_mut(f)) {
                (Some(a), Some(b)) => {
                    *a += 1;
                    *b += 1;
                }
                _ => return fail(format!("pair ({s}, {f}) out of range")),
            }
            total += u64::from(p.score);
        }
        if let Some(s) = (0..g.scenarios()).find(|&s| per_s[s] > g.scenario_capacity(s)) {
            return fail(format!("scenario {s} over its capacity"));
        }
        if let Some(f) = (0..g.firms()).find(|&f| per_f[f] > g.firm_capacity(f)) {
            return fail(format!("firm {f} over its capacity"));
        }
        if total != self.total_score {
            return fail(format!("total {} ≠ Σ scores {total}", self.total_score));
        }
        Ok(())
    }

    /// Firms assigned to scenario `s`.
    pub fn firms_of(&self, s: u32) -> impl Iterator<Item = &Pair> {
        self.pairs.iter().filter(move |p| p.scenario == s)
    }
}

/// Assigns firms to scenarios on a candidate graph, within both sides' capacities.
pub trait Matcher {
    /// Short name shown in comparisons.
    fn name(&self) -> &'static str;
    /// The assignment. Implementations return only valid assignments
    /// ([`Assignment::validate`]).
    fn assign(&self, g: &Candidates) -> Result<Assignment>;
}

/// Best pair first: all edges by score (ties: scenario, then firm position), each taken
/// when both sides still have room. A ½-approximation of the optimum for this problem
/// (b-matching); [`crate::compare()`] shows the gap on an instance.
#[derive(Debug, Clone, Copy, Default)]
pub struct GreedyMatcher;

impl Matcher for GreedyMatcher {
    fn name(&self) -> &'static str {
        "greedy"
    }

    fn assign(&self, g: &Candidates) -> Result<Assignment> {
        let mut edges: Vec<_> = g.edges().to_vec();
        edges.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(a.scenario.cmp(&b.scenario))
                .then(a.firm.cmp(&b.firm))
        });
        let mut room_s: Vec<u32> = (0..g.scenarios()).map(|s| g.scenario_capacity(s)).collect();
        let mut room_f: Vec<u32> = (0..g.firms()).map(|f| g.firm_capacity(f)).collect();
        let mut pairs = Vec::new();
        for e in edges {
            let (Some(rs), Some(rf)) = (
                room_s.get_mut(e.scenario as usize),
                room_f.get_mut(e.firm as usize),
            ) else {
                continue;
            };
            if *rs > 0 && *rf > 0 {
                *rs -= 1;
                *rf -= 1;
                pairs.push(Pair::from(&e));
            }
        }
        let a = Assignment::new(self.name(), pairs);
        a.validate(g)?;
        Ok(a)
    }
}
