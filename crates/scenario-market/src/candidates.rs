//! [`Candidates`]: the scored bipartite graph the matchers assign on — for each scenario its
//! shortlist of firms (each with its best offer and score), and the capacities of both sides.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{MarketError, Result};
use crate::pair::{FILTERS, Filter, SCORE_MAX};

/// Most edges in one candidate graph (the bench's 1,000 × 20 is far below; a market of
/// 100,000 scenarios with shortlists of 100 reaches it).
pub const EDGES_MAX: usize = 10_000_000;

/// A scenario–firm pair that passed every filter, with the firm's best offer for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// Scenario position.
    pub scenario: u32,
    /// Firm position.
    pub firm: u32,
    /// Offer position (the firm's best-scoring offer for the scenario).
    pub offer: u32,
    /// Score in hundredths of a point, 0 to [`SCORE_MAX`].
    pub score: u32,
}

/// What the filters did for one scenario.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterCounts {
    /// Offers removed by each filter, in [`Filter::ALL`] order.
    pub removed: [u32; FILTERS],
    /// Offers that passed every filter.
    pub passed: u32,
    /// Distinct firms among them.
    pub firms_passing: u32,
}

impl FilterCounts {
    /// Offers removed by `f`.
    pub fn removed_by(&self, f: Filter) -> u32 {
        self.removed.get(f.index()).copied().unwrap_or(0)
    }
}

/// The candidate graph: shortlists per scenario and both sides' capacities.
///
/// Edges are grouped by scenario; within a scenario they are ranked by score (highest
/// first), ties by firm position. A pair appears at most once. A graph read back from
/// storage is checked again ([`Candidates::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CandidatesData")]
pub struct Candidates {
    scenario_capacity: Vec<u32>,
    firm_capacity: Vec<u32>,
    edges: Vec<Edge>,
    start: Vec<u32>,
    cut_best: Vec<Option<u32>>,
    counts: Vec<FilterCounts>,
}

impl Candidates {
    /// A graph from scores computed elsewhere (another scorer, a test): capacities of the
    /// scenarios and firms, and the edges in any order. Errors: a position out of range, a
    /// pair given twice, a score above [`SCORE_MAX`], a capacity of 0, too many edges.
    ///
    /// ```
    /// use scenario_market::{Candidates, Edge};
    /// let e = |scenario, firm, score| Edge { scenario, firm, offer: 0, score };
    /// let g = Candidates::new(vec![1, 1], vec![1, 1], vec![e(0, 0, 90), e(0, 1, 80), e(1, 0, 85)])?;
    /// assert_eq!(g.edges_of(0).len(), 2);
    /// assert!(Candidates::new(vec![1], vec![1], vec![e(0, 0, 1), e(0, 0, 2)]).is_err());
    /// # Ok::<(), scenario_market::MarketError>(())
    /// ```
    pub fn new(
        scenario_capacity: Vec<u32>,
        firm_capacity: Vec<u32>,
        edges: Vec<Edge>,
    ) -> Result<Self> {
        let n_s = scenario_capacity.len();
        let mut per: Vec<Vec<Edge>> = vec![Vec::new(); n_s];
        let mut seen = BTreeSet::new();
        if edges.len() > EDGES_MAX {
            return Err(MarketError::Limit {
                what: "candidate edges",
                value: edges.len() as u64,
                limit: EDGES_MAX as u64,
            });
        }
        for (what, caps) in [("scenario", &scenario_capacity), ("firm", &firm_capacity)] {
            if let Some(i) = caps.iter().position(|&c| c == 0) {
                return Err(invalid(what, i, "capacity", "0", "must be at least 1"));
            }
        }
        for e in edges {
            if e.firm as usize >= firm_capacity.len() {
                return Err(invalid(
                    "edge",
                    e.scenario as usize,
                    "firm",
                    e.firm,
                    "no such firm",
                ));
            }
            if e.score > SCORE_MAX {
                return Err(invalid(
                    "edge",
                    e.scenario as usize,
                    "score",
                    e.score,
                    "above 10000",
                ));
            }
            if !seen.insert((e.scenario, e.firm)) {
                return Err(invalid(
                    "edge",
                    e.scenario as usize,
                    "firm",
                    e.firm,
                    "pair given twice",
                ));
            }
            match per.get_mut(e.scenario as usize) {
                Some(list) => list.push(e),
                None => {
                    return Err(invalid(
                        "edge",
                        e.scenario as usize,
                        "scenario",
                        e.scenario,
                        "no such scenario",
                    ));
                }
            }
        }
        let n_f = firm_capacity.len();
        let mut g = Self::with_capacity(scenario_capacity, firm_capacity);
        for mut list in per {
            list.sort_by(|a, b| b.score.cmp(&a.score).then(a.firm.cmp(&b.firm)));
            let counts = FilterCounts {
                passed: list.len() as u32,
                firms_passing: list.len() as u32,
                ..FilterCounts::default()
            };
            g.push_scenario(list, None, counts);
        }
        debug_assert_eq!(g.firm_capacity.len(), n_f);
        Ok(g)
    }

    /// An empty graph to be filled scenario by scenario, in order.
    pub(crate) fn with_capacity(scenario_capacity: Vec<u32>, firm_capacity: Vec<u32>) -> Self {
        let n = scenario_capacity.len();
        Self {
            scenario_capacity,
            firm_capacity,
            edges: Vec::new(),
            start: {
                let mut v = Vec::with_capacity(n + 1);
                v.push(0);
                v
            },
            cut_best: Vec::with_capacity(n),
            counts: Vec::with_capacity(n),
        }
    }

    /// Appends the next scenario's ranked edges.
    pub(crate) fn push_scenario(
        &mut self,
        edges: Vec<Edge>,
        cut_best: Option<u32>,
        counts: FilterCounts,
    ) {
        self.edges.extend(edges);
        self.start.push(self.edges.len() as u32);
        self.cut_best.push(cut_best);
        self.counts.push(counts);
    }

    /// Number of scenarios.
    pub fn scenarios(&self) -> usize {
        self.scenario_capacity.len()
    }

    /// Number of firms.
    pub fn firms(&self) -> usize {
        self.firm_capacity.len()
    }

    /// Every edge, grouped by scenario and ranked within it.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// Scenario `s`'s edges, best first.
    pub fn edges_of(&self, s: usize) -> &[Edge] {
        let a = self.start.get(s).copied().unwrap_or(0) as usize;
        let b = self.start.get(s + 1).copied().unwrap_or(0) as usize;
        self.edges.get(a..b).unwrap_or(&[])
    }

    /// The edge of a pair, if it is a candidate.
    pub fn edge(&self, s: usize, f: usize) -> Option<&Edge> {
        self.edges_of(s).iter().find(|e| e.firm as usize == f)
    }

    /// How many firms scenario `s` takes.
    pub fn scenario_capacity(&self, s: usize) -> u32 {
        self.scenario_capacity.get(s).copied().unwrap_or(0)
    }

    /// How many scenarios firm `f` takes.
    pub fn firm_capacity(&self, f: usize) -> u32 {
        self.firm_capacity.get(f).copied().unwrap_or(0)
    }

    /// The best score of a firm that passed every filter for scenario `s` but was left off
    /// its shortlist; `None` when the shortlist holds every passing firm.
    pub fn cut_best(&self, s: usize) -> Option<u32> {
        self.cut_best.get(s).copied().flatten()
    }

    /// What the filters did for scenario `s`.
    pub fn counts(&self, s: usize) -> FilterCounts {
        self.counts.get(s).copied().unwrap_or_default()
    }

    /// Total slots of all scenarios.
    pub fn total_slots(&self) -> u64 {
        self.scenario_capacity.iter().map(|&c| u64::from(c)).sum()
    }
}

/// A graph as stored, checked on the way in.
#[derive(Deserialize)]
struct CandidatesData {
    scenario_capacity: Vec<u32>,
    firm_capacity: Vec<u32>,
    edges: Vec<Edge>,
    start: Vec<u32>,
    cut_best: Vec<Option<u32>>,
    counts: Vec<FilterCounts>,
}

impl TryFrom<CandidatesData> for Candidates {
    type Error = String;

    fn try_from(d: CandidatesData) -> std::result::Result<Self, String> {
        let g = Candidates {
            scenario_capacity: d.scenario_capacity,
            firm_capacity: d.firm_capacity,
            edges: d.edges,
            start: d.start,
            cut_best: d.cut_best,
            counts: d.counts,
        };
        g.check()?;
        Ok(g)
    }
}

impl Candidates {
    /// Checks the graph's structure: offsets, groups, ranks, positions, scores, unique
    /// pairs, capacities, one count and cut score per scenario.
    pub fn check(&self) -> std::result::Result<(), String> {
        let n = self.scenario_capacity.len();
        if self.start.len() != n + 1
            || self.start.first() != Some(&0)
            || self.start.last().copied() != Some(self.edges.len() as u32)
            || self.start.windows(2).any(|w| w[0] > w[1])
        {
            return Err("edge offsets do not match the scenarios".into());
        }
        if self.cut_best.len() != n || self.counts.len() != n {
            return Err("one cut score and one count per scenario expected".into());
        }
        if self.scenario_capacity.contains(&0) || self.firm_capacity.contains(&0) {
            return Err("a capacity of 0".into());
        }
        if self.edges.len() > EDGES_MAX {
            return Err(format!("{} edges, at most {EDGES_MAX}", self.edges.len()));
        }
        let mut seen = BTreeSet::new();
        for s in 0..n {
            let group = self.edges_of(s);
            for (k, e) in group.iter().enumerate() {
                if e.scenario as usize != s
                    || e.firm as usize >= self.firm_capacity.len()
                    || e.score > SCORE_MAX
                    || !seen.insert((e.scenario, e.firm))
                {
                    return Err(format!(
                        "scenario {s}: edge to firm {} is malformed or repeated",
                        e.firm
                    ));
                }
                if let Some(prev) = k.checked_sub(1).and_then(|p| group.get(p))
                    && (prev.score, std::cmp::Reverse(prev.firm))
                        < (e.score, std::cmp::Reverse(e.firm))
                {
                    return Err(format!("scenario {s}: edges out of rank order"));
                }
            }
        }
        Ok(())
    }
}

fn invalid(
    what: &'static str,
    i: usize,
    field: &str,
    value: impl ToString,
    reason: &str,
) -> MarketError {
    MarketError::Invalid {
        what,
        id: i.to_string(),
        field: field.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}
