//! [`compare()`]: every matcher on the same candidate graph, against the optimum — as
//! compute-scheduler's `compare` does for placement policies.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::candidates::Candidates;
use crate::error::Result;
use crate::flow::OptimalMatcher;
use crate::matcher::{Assignment, GreedyMatcher, Matcher};
use crate::score::points;
use crate::stable::{Preferences, Side, StableMatcher, blocking_pairs};

/// One matcher's result in a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The matcher.
    pub matcher: String,
    /// Pairs assigned.
    pub pairs: usize,
    /// Share of all scenario slots filled, percent (3 decimals); `None` with no slots.
    pub slots_filled_pct: Option<Decimal>,
    /// Σ scores, points.
    pub total_score: Decimal,
    /// Mean score of a pair, points (2 decimals); `None` with no pair.
    pub mean_score: Option<Decimal>,
    /// Shortfall from the optimum, percent of the optimum (3 decimals); `None` when the
    /// optimum is 0.
    pub gap_pct: Option<Decimal>,
    /// Pairs blocking it under the rankings compared against; `None` without rankings.
    pub blocking_pairs: Option<usize>,
}

/// Every matcher on one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// One row per matcher: greedy, optimal, then the two stable matchings when rankings
    /// were given.
    pub rows: Vec<ComparisonRow>,
    /// The assignments, in the same order.
    pub assignments: Vec<Assignment>,
}

fn pct(num: u64, den: u64, dp: u32) -> Option<Decimal> {
    (den > 0).then(|| (Decimal::from(num) * Decimal::ONE_HUNDRED / Decimal::from(den)).round_dp(dp))
}

/// Runs greedy, optimal and (with `prefs`) both stable matchers on `g` and compares them.
///
/// ```
/// use scenario_market::{Candidates, Edge, compare};
/// let e = |scenario, firm, score| Edge { scenario, firm, offer: firm, score };
/// let g = Candidates::new(vec![1, 1], vec![1, 1], vec![e(0, 0, 10), e(0, 1, 9), e(1, 0, 9)])?;
/// let c = compare(&g, None)?;
/// assert_eq!(c.rows[0].matcher, "greedy");
/// assert_eq!(c.rows[0].gap_pct.unwrap().to_string(), "44.444"); // 10 against 18
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
pub fn compare(g: &Candidates, prefs: Option<&Preferences>) -> Result<Comparison> {
    let mut assignments = vec![GreedyMatcher.assign(g)?, OptimalMatcher.assign(g)?];
    if let Some(p) = prefs {
        for side in [Side::Scenarios, Side::Firms] {
            assignments.push(StableMatcher::new(p.clone(), side).assign(g)?);
        }
    }
    let best = assignments.get(1).map_or(0, |a| a.total_score);
    let slots = g.total_slots();
    let rows = assignments
        .iter()
        .map(|a| ComparisonRow {
            matcher: a.matcher.clone(),
            pairs: a.pairs.len(),
            slots_filled_pct: pct(a.pairs.len() as u64, slots, 3),
            total_score: Decimal::new(a.total_score as i64, 2),
            mean_score: (!a.pairs.is_empty())
                .then(|| points((a.total_score / a.pairs.len() as u64) as u32)),
            gap_pct: pct(best.saturating_sub(a.total_score), best, 3),
            blocking_pairs: prefs.map(|p| blocking_pairs(g, p, a).len()),
        })
        .collect();
    Ok(Comparison { rows, assignments })
}
