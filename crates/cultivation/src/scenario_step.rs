//! The scenario step (场景+算力+数据): the year's seeded scenario list is published, the
//! registry's firms' offers are matched to it (maximum total score under capacities), and the
//! compute and data vouchers the matched scenarios promised are granted through the ledger in
//! one group. Follow-through (orders and revenue after the matches) is simulated by an
//! assumed model ([`FollowModel::ASSUMED`]) and its conversion reported, marked as such.
//!
//! The list is scenario-market's seeded generator (same seed and year, same list); its offers
//! are re-homed on the registry's firms, in order, so every match names a real firm. In the
//! cycle each firm takes at most one scenario a year ([`FIRM_CAPACITY`]), which keeps its
//! bundle within one grant per program. Every grant's request id is
//! `bundle/{year}/{scenario}/{firm}/{compute|data}`, so a rerun of the year replays them and
//! moves nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use registry_model::{Enterprise, EnterpriseId, Tier, Year};
use rust_decimal::Decimal;
use scenario_market::bundle::{self, BundlePrograms};
use scenario_market::follow::{Conversion, conversion_of, matched_pairs};
use scenario_market::follow_model::{FollowModel, simulate};
use scenario_market::generate::{MarketSpec, generate};
use scenario_market::{Key, Market, MatchConfig, Matcher, OptimalMatcher, Scoring};
use serde::Serialize;
use voucher_ledger::program::Program;
use voucher_ledger::{Journal, VoucherBook};

use crate::error::{CultivationError, Result};
use crate::market_ledger::LedgerMarket;

/// Scenarios published a year (assumed: a provincial opportunity list of a few dozen
/// scenarios, as the Shandong measures' ≥ 20 key tasks a year suggest).
pub const SCENARIOS_DEFAULT: usize = 40;
/// Offers per registry firm, on average (assumed).
pub const OFFERS_PER_FIRM: usize = 2;
/// Scenarios a firm takes in one year of the cycle.
pub const FIRM_CAPACITY: u32 = 1;
/// Most scenarios a year (the bundle batch must stay within scenario-market's
/// [`scenario_market::ledger::LEDGER_BATCH_MAX`]: at most 3 firms a scenario, 2 grants each).
pub const SCENARIOS_MAX: usize = 1_000;

/// Mixed into the cycle's seed for the follow-through draws ("follow" in ASCII).
const FOLLOW_STREAM: u64 = 0x666f_6c6c_6f77;

/// The ids of the bundle programs: compute, then data. Their vouchers are earmarked for the
/// matched scenario's work, so the compute step does not pay the year's general demand from
/// them.
pub const BUNDLE_PROGRAM_IDS: [&str; 2] = ["scenario-compute-voucher", "scenario-data-voucher"];

/// The bundle programs, beside the benefit programs (data/cycle/), in the order of
/// [`BUNDLE_PROGRAM_IDS`].
pub const BUNDLE_PROGRAMS: [(&str, &str); 2] = [
    (
        "data/cycle/scenario-compute-voucher.toml",
        include_str!("../../../data/cycle/scenario-compute-voucher.toml"),
    ),
    (
        "data/cycle/scenario-data-voucher.toml",
        include_str!("../../../data/cycle/scenario-data-voucher.toml"),
    ),
];

/// The step's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioSummary {
    /// Scenarios published.
    pub scenarios: usize,
    /// Offers of the registry's firms.
    pub offers: usize,
    /// Firms with an offer.
    pub firms_offering: usize,
    /// Matches made (scenario, firm).
    pub matches: usize,
    /// Scenarios that took at least one firm.
    pub scenarios_filled: usize,
    /// Distinct firms matched.
    pub firms_reached: usize,
    /// The assignment's total score (hundredths of a point).
    pub total_score: u64,
    /// Bundle grants on the ledger.
    pub bundle_grants: usize,
    /// Of which made by an earlier run (replayed, nothing moved now).
    pub replayed: usize,
    /// Compute vouchers granted, yuan.
    pub compute_yuan: Decimal,
    /// Data vouchers granted, yuan.
    pub data_yuan: Decimal,
    /// Matches per scenario kind key.
    pub per_kind: BTreeMap<String, u64>,
    /// Follow-through of the matches, simulated: the synthetic year has no firms' reports,
    /// so outcomes are drawn by [`FollowModel::ASSUMED`] (every parameter assumed) from the
    /// cycle's seed. It shows the report's shape, not a measured conversion.
    pub conversion: Conversion,
}

/// One match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchLine {
    /// The scenario.
    pub scenario: String,
    /// Its kind.
    pub kind: String,
    /// Its owner type.
    pub owner_type: String,
    /// The firm.
    pub firm: String,
    /// Its offer.
    pub offer: String,
    /// The score (hundredths of a point).
    pub score: u32,
    /// Compute vouchers granted with it, yuan.
    pub compute_yuan: Decimal,
    /// Data vouchers granted with it, yuan.
    pub data_yuan: Decimal,
}

/// The scenario step's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioStep {
    /// The figures.
    pub summary: ScenarioSummary,
    /// Every match.
    pub matches: Vec<MatchLine>,
}

/// Adds the bundle programs the ledger does not have yet (request id `cycle-program-{id}`).
pub fn ensure_bundle_programs<J: Journal>(book: &mut VoucherBook<J>) -> Result<()> {
    for (file, text) in BUNDLE_PROGRAMS {
        let p = Program::from_toml(text, file)?;
        if book.program(&p.id).is_none() {
            let request = format!("cycle-program-{}", p.id);
            book.add_program(&request, p)?;
        }
    }
    Ok(())
}

/// The year's market: the seeded list, with the offers re-homed on `firms` (the k-th firm
/// the generator drew becomes the k-th registry firm) and every firm's capacity
/// [`FIRM_CAPACITY`].
pub fn market(firms: &[Enterprise], year: Year, seed: u64, scenarios: usize) -> Result<Market> {
    if scenarios > SCENARIOS_MAX {
        return Err(CultivationError::Bounds {
            what: "scenarios a year",
            value: scenarios.to_string(),
            bounds: format!("0..={SCENARIOS_MAX}"),
        });
    }
    let spec = MarketSpec {
        scenarios,
        offers: firms.len().saturating_mul(OFFERS_PER_FIRM),
        firms: firms.len(),
        seed,
        year,
    };
    let generated = generate(&spec)?;
    let home: HashMap<EnterpriseId, EnterpriseId> = generated
        .firms()
        .iter()
        .zip(firms)
        .map(|(g, f)| (*g, f.id))
        .collect();
    let offers = generated
        .offers()
        .iter()
        .map(|o| {
            let firm = *home.get(&o.firm).ok_or_else(|| {
                CultivationError::Market(scenario_market::MarketError::Invariant(format!(
                    "offer '{}' has a firm beyond the registry",
                    o.id
                )))
            })?;
            let mut o = o.clone();
            o.firm = firm;
            o.region = firm.region();
            Ok(o)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut offering: Vec<EnterpriseId> = offers.iter().map(|o| o.firm).collect();
    offering.sort();
    offering.dedup();
    let capacities = offering.into_iter().map(|f| (f, FIRM_CAPACITY)).collect();
    Ok(Market::new(
        generated.scenarios().to_vec(),
        offers,
        capacities,
    )?)
}

fn key(text: &str) -> Result<Key> {
    text.parse().map_err(|e: String| {
        CultivationError::Market(scenario_market::MarketError::Invariant(format!(
            "'{text}' is not a key: {e}"
        )))
    })
}

/// The scenario step from start to end on `book` (dated by the caller).
pub fn run<J: Journal>(
    book: &mut VoucherBook<J>,
    firms: &[Enterprise],
    tiers: HashMap<EnterpriseId, Tier>,
    year: Year,
    seed: u64,
    scenarios: usize,
) -> Result<ScenarioStep> {
    ensure_bundle_programs(book)?;
    let m = market(firms, year, seed, scenarios)?;
    let scoring = Scoring::new(MatchConfig::embedded()?)?;
    let best = OptimalMatcher.assign(&scoring.candidates(&m))?;
    let programs = BundlePrograms {
        compute: key(BUNDLE_PROGRAM_IDS[0])?,
        data: key(BUNDLE_PROGRAM_IDS[1])?,
    };
    let requests = bundle::requests(&m, &best, &programs, &key(&year.to_string())?)?;
    let report = bundle::grant(&mut LedgerMarket::new(book).with_tiers(tiers), &requests)?;
    book.check_invariants()?;

    let mut per_kind: BTreeMap<String, u64> = BTreeMap::new();
    let (mut filled, mut reached) = (BTreeSet::new(), BTreeSet::new());
    let mut matches = Vec::with_capacity(best.pairs.len());
    for p in &best.pairs {
        let (Some(s), Some(firm), Some(offer)) = (
            m.scenarios().get(p.scenario as usize),
            m.firms().get(p.firm as usize),
            m.offers().get(p.offer as usize),
        ) else {
            return Err(CultivationError::Market(
                scenario_market::MarketError::Invariant(format!(
                    "pair ({}, {}) is not in the market",
                    p.scenario, p.firm
                )),
            ));
        };
        filled.insert(p.scenario);
        reached.insert(*firm);
        *per_kind.entry(s.kind.key().to_string()).or_default() += 1;
        matches.push(MatchLine {
            scenario: s.id.to_string(),
            kind: s.kind.key().to_string(),
            owner_type: s.owner_type.key().to_string(),
            firm: firm.to_string(),
            offer: offer.id.to_string(),
            score: p.score,
            compute_yuan: s.compute_voucher_per_firm.yuan(),
            data_yuan: s.data_voucher_per_firm.yuan(),
        });
    }
    let pairs = matched_pairs(&m, &best)?;
    // Its own stream: the generator's draws (seed, record kind, index) stay as they were.
    let outcomes = simulate(&pairs, &FollowModel::ASSUMED, seed ^ FOLLOW_STREAM)?;
    let conversion = conversion_of(&pairs, &outcomes)?;
    Ok(ScenarioStep {
        summary: ScenarioSummary {
            conversion,
            scenarios: m.scenarios().len(),
            offers: m.offers().len(),
            firms_offering: m.firms().len(),
            matches: best.pairs.len(),
            scenarios_filled: filled.len(),
            firms_reached: reached.len(),
            total_score: best.total_score,
            bundle_grants: report.grants,
            replayed: report.replayed,
            compute_yuan: report.compute_total.yuan(),
            data_yuan: report.data_total.yuan(),
            per_kind,
        },
        matches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_program_ids_are_those_of_the_files() {
        for ((file, text), id) in BUNDLE_PROGRAMS.into_iter().zip(BUNDLE_PROGRAM_IDS) {
            assert_eq!(Program::from_toml(text, file).unwrap().id, id, "{file}");
        }
    }
}
