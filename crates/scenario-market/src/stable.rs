//! Stable matching when both sides rank: [`Preferences`], [`StableMatcher`] (deferred
//! acceptance with capacities on both sides) and [`blocking_pairs`].
//!
//! Deferred acceptance (Gale and Shapley 1962; for many-to-many matching with responsive
//! preferences, Roth 1984): every proposer with room proposes to the best receiver it has not
//! yet asked; every receiver holds its best proposals up to its capacity and rejects the
//! rest; rejected proposers go on. The result is pairwise stable — no scenario and firm that
//! both find each other acceptable would both rather be together than keep one of their
//! present partners (or a free slot) — and, among stable matchings, the best for every
//! proposer.
//!
//! A pair is acceptable when it is a candidate edge (it passed the filters) and each side
//! lists the other.

use serde::{Deserialize, Serialize};

use crate::candidates::Candidates;
use crate::error::{MarketError, Result};
use crate::market::Market;
use crate::matcher::{Assignment, Matcher, Pair};

/// Which side proposes in deferred acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Scenarios propose to firms (the result is best for the scenarios).
    Scenarios,
    /// Firms propose to scenarios (the result is best for the firms).
    Firms,
}

/// Both sides' rankings: for each scenario its firms, for each firm its scenarios, best
/// first. Each list holds distinct positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    scenario_lists: Vec<Vec<u32>>,
    firm_lists: Vec<Vec<u32>>,
}

impl Preferences {
    /// Rankings given by both sides (for example read from their submissions). Errors: a
    /// list count that does not match the graph, a position out of range, a position listed
    /// twice.
    pub fn new(
        g: &Candidates,
        scenario_lists: Vec<Vec<u32>>,
        firm_lists: Vec<Vec<u32>>,
    ) -> Result<Self> {
        check_lists("scenario", &scenario_lists, g.scenarios(), g.firms())?;
        check_lists("firm", &firm_lists, g.firms(), g.scenarios())?;
        Ok(Self {
            scenario_lists,
            firm_lists,
        })
    }

    /// Rankings derived from the candidate graph: each scenario ranks its shortlisted firms
    /// by score (the graph's order); each firm ranks the scenarios that shortlisted it by
    /// `firm_key` (higher first), then by score, then by scenario position.
    pub fn from_scores(g: &Candidates, firm_key: &[i64]) -> Self {
        let scenario_lists = (0..g.scenarios())
            .map(|s| g.edges_of(s).iter().map(|e| e.firm).collect())
            .collect();
        let mut firm_lists: Vec<Vec<(i64, u32, u32)>> = vec![Vec::new(); g.firms()];
        for e in g.edges() {
            if let Some(list) = firm_lists.get_mut(e.firm as usize) {
                let key = firm_key.get(e.scenario as usize).copied().unwrap_or(0);
                list.push((key, e.score, e.scenario));
            }
        }
        let firm_lists = firm_lists
            .into_iter()
            .map(|mut l| {
                l.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
                l.into_iter().map(|x| x.2).collect()
            })
            .collect();
        Self {
            scenario_lists,
            firm_lists,
        }
    }

    /// [`Preferences::from_scores`] with firms preferring the scenario that pays most per
    /// slot (budget ÷ slots; no budget counts as 0). Firm-side ranking by pay is assumed: a
    /// program default, replaceable by the firms' own rankings through [`Preferences::new`].
    pub fn pay_first(market: &Market, g: &Candidates) -> Self {
        let key: Vec<i64> = market
            .scenarios()
            .iter()
            .map(|s| s.budget_per_slot().map_or(0, |m| m.fen()))
            .collect();
        Self::from_scores(g, &key)
    }

    /// Scenario `s`'s ranking of firms.
    pub fn scenario_list(&self, s: usize) -> &[u32] {
        self.scenario_lists.get(s).map_or(&[], Vec::as_slice)
    }

    /// Firm `f`'s ranking of scenarios.
    pub fn firm_list(&self, f: usize) -> &[u32] {
        self.firm_lists.get(f).map_or(&[], Vec::as_slice)
    }
}

fn check_lists(what: &'static str, lists: &[Vec<u32>], n: usize, m: usize) -> Result<()> {
    if lists.len() != n {
        return Err(MarketError::Invalid {
            what,
            id: "-".into(),
            field: "rankings".into(),
            value: lists.len().to_string(),
            reason: format!("expected one ranking for each of the {n}"),
        });
    }
    for (i, l) in lists.iter().enumerate() {
        let mut seen = vec![false; m];
        for &x in l {
            match seen.get_mut(x as usize) {
                None => {
                    return Err(MarketError::Invalid {
                        what,
                        id: i.to_string(),
                        field: "rankings".into(),
                        value: x.to_string(),
                        reason: format!("position out of range (there are {m})"),
                    });
                }
                Some(true) => {
                    return Err(MarketError::Invalid {
                        what,
                        id: i.to_string(),
                        field: "rankings".into(),
                        value: x.to_string(),
                        reason: "ranked twice".into(),
                    });
                }
                Some(slot) => *slot = true,
            }
        }
    }
    Ok(())
}

/// Rank tables: `rank[a][k] = (b, r)` sorted by b, for lookups of a's rank of b.
fn rank_table(lists: &[Vec<u32>]) -> Vec<Vec<(u32, u32)>> {
    lists
        .iter()
        .map(|l| {
            let mut v: Vec<(u32, u32)> =
                l.iter().enumerate().map(|(r, &b)| (b, r as u32)).collect();
            v.sort_unstable();
            v
        })
        .collect()
}

fn rank_of(table: &[Vec<(u32, u32)>], a: usize, b: u32) -> Option<u32> {
    let row = table.get(a)?;
    row.binary_search_by_key(&b, |x| x.0).ok().map(|i| row[i].1)
}

/// Deferred acceptance on a candidate graph with both sides' rankings.
#[derive(Debug, Clone)]
pub struct StableMatcher {
    prefs: Preferences,
    proposing: Side,
}

impl StableMatcher {
    /// A matcher with these rankings; `proposing` names the side that proposes.
    pub fn new(prefs: Preferences, proposing: Side) -> Self {
        Self { prefs, proposing }
    }

    /// The rankings.
    pub fn preferences(&self) -> &Preferences {
        &self.prefs
    }
}

impl Matcher for StableMatcher {
    fn name(&self) -> &'static str {
        match self.proposing {
            Side::Scenarios => "stable (scenarios propose)",
            Side::Firms => "stable (firms propose)",
        }
    }

    fn assign(&self, g: &Candidates) -> Result<Assignment> {
        let (p_lists, r_lists, p_cap, r_cap): (_, _, Vec<u32>, Vec<u32>) = match self.proposing {
            Side::Scenarios => (
                &self.prefs.scenario_lists,
                &self.prefs.firm_lists,
                (0..g.scenarios()).map(|s| g.scenario_capacity(s)).collect(),
                (0..g.firms()).map(|f| g.firm_capacity(f)).collect(),
            ),
            Side::Firms => (
                &self.prefs.firm_lists,
                &self.prefs.scenario_lists,
                (0..g.firms()).map(|f| g.firm_capacity(f)).collect(),
                (0..g.scenarios()).map(|s| g.scenario_capacity(s)).collect(),
            ),
        };
        let edge = |p: usize, r: u32| match self.proposing {
            Side::Scenarios => g.edge(p, r as usize).copied(),
            Side::Firms => g.edge(r as usize, p).copied(),
        };
        let r_rank = rank_table(r_lists);
        let mut next = vec![0usize; p_lists.len()];
        let mut holds = vec![0u32; p_lists.len()];
        // Each receiver's held proposers as (rank, proposer), at most its capacity.
        let mut held: Vec<Vec<(u32, u32)>> = vec![Vec::new(); r_lists.len()];
        let mut queue: std::collections::VecDeque<usize> = (0..p_lists.len()).collect();
        while let Some(p) = queue.pop_front() {
            let list = p_lists.get(p).map_or(&[][..], Vec::as_slice);
            let cap = p_cap.get(p).copied().unwrap_or(0);
            while holds[p] < cap && next[p] < list.len() {
                let r = list[next[p]];
                next[p] += 1;
                let Some(rank) = rank_of(&r_rank, r as usize, p as u32) else {
                    continue;
                };
                if edge(p, r).is_none() {
                    continue;
                }
                let Some(h) = held.get_mut(r as usize) else {
                    continue;
                };
                let room = r_cap.get(r as usize).copied().unwrap_or(0) as usize;
                if h.len() < room {
                    h.push((rank, p as u32));
                    holds[p] += 1;
                    continue;
                }
                // Full: replace the worst held proposer if p ranks better.
                if let Some((wi, &(wrank, worst))) = h.iter().enumerate().max_by_key(|x| x.1.0)
                    && rank < wrank
                {
                    h[wi] = (rank, p as u32);
                    holds[p] += 1;
                    holds[worst as usize] -= 1;
                    queue.push_back(worst as usize);
                }
            }
        }
        let mut pairs = Vec::new();
        for (r, h) in held.iter().enumerate() {
            for &(_, p) in h {
                if let Some(e) = edge(p as usize, r as u32) {
                    pairs.push(Pair::from(&e));
                }
            }
        }
        let a = Assignment::new(self.name(), pairs);
        a.validate(g)?;
        Ok(a)
    }
}

/// Pairs that block `a` under `prefs`: acceptable to both sides (a candidate edge, each in
/// the other's list), not matched, and each side has a free slot or ranks the other above
/// one of its present partners. Empty exactly when `a` is stable.
pub fn blocking_pairs(g: &Candidates, prefs: &Preferences, a: &Assignment) -> Vec<(u32, u32)> {
    let s_rank = rank_table(&prefs.scenario_lists);
    let f_rank = rank_table(&prefs.firm_lists);
    let mut of_s: Vec<Vec<u32>> = vec![Vec::new(); g.scenarios()];
    let mut of_f: Vec<Vec<u32>> = vec![Vec::new(); g.firms()];
    for p in &a.pairs {
        if let (Some(x), Some(y)) = (
            of_s.get_mut(p.scenario as usize),
            of_f.get_mut(p.firm as usize),
        ) {
            x.push(p.firm);
            y.push(p.scenario);
        }
    }
    let wants = |rank: &[Vec<(u32, u32)>], me: usize, other: u32, partners: &[u32], cap: u32| {
        let Some(r) = rank_of(rank, me, other) else {
            return false;
        };
        if (partners.len() as u32) < cap {
            return true;
        }
        partners
            .iter()
            .any(|&q| rank_of(rank, me, q).is_none_or(|rq| r < rq))
    };
    let mut out = Vec::new();
    for e in g.edges() {
        let (s, f) = (e.scenario as usize, e.firm as usize);
        if of_s[s].contains(&e.firm) {
            continue;
        }
        if wants(&s_rank, s, e.firm, &of_s[s], g.scenario_capacity(s))
            && wants(&f_rank, f, e.scenario, &of_f[f], g.firm_capacity(f))
        {
            out.push((e.scenario, e.firm));
        }
    }
    out
}
