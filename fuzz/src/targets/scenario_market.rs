//! Every loader of scenario-market: scenarios and offers (CSV and TOML), capacities, the firm
//! table, outcomes, challenge tasks, bids and panel scores, catalogue applications,
//! procurement bids, purchases, the matching configuration, catalogue rules and procurement
//! preferences. No panic; what loads holds no non-finite number. The first byte chooses the
//! loader; with scenarios and offers in CSV (`SCENARIOS 0xff OFFERS`), a market that loads is
//! also scored, indexed and exhaustively, and the two must agree.

use crate::{assert_finite, select, split, text};
use scenario_market::challenge::{read_bids_csv, read_scores_csv, read_tasks_toml};
use scenario_market::follow::read_outcomes_csv;
use scenario_market::load::{
    read_capacities_csv, read_offers_csv, read_offers_toml, read_scenarios_csv, read_scenarios_toml,
};
use scenario_market::purchase::{
    CatalogueRules, PreferencePolicy, read_applications_csv, read_procurement_bids_csv,
    read_purchases_csv,
};
use scenario_market::{FirmTable, Market, MatchConfig, Scoring};

fn check<T: serde::Serialize, E>(what: &str, r: Result<T, E>) {
    if let Ok(v) = r {
        assert_finite(what, &v);
    }
}

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let Some((k, rest)) = select(data, 16) else {
        return;
    };
    let s = text(rest);
    match (k, s) {
        (0, _) => {
            let parts = split(rest, 2);
            let (Ok(sc), Ok(of)) = (
                read_scenarios_csv(parts[0], "scenarios.csv"),
                read_offers_csv(parts[1], "offers.csv"),
            ) else {
                return;
            };
            assert_finite("scenarios", &sc);
            assert_finite("offers", &of);
            if sc.len() * of.len() > 4_096 {
                return;
            }
            let Ok(market) = Market::new(sc, of, vec![]) else {
                return;
            };
            let scoring = Scoring::new(MatchConfig::embedded().expect("the shipped config"))
                .expect("the shipped config scores");
            let indexed = scoring.candidates(&market);
            let exhaustive = scoring.candidates_exhaustive(&market);
            assert_eq!(
                indexed, exhaustive,
                "indexed and exhaustive candidates differ"
            );
        }
        (1, _) => check("offers", read_offers_csv(rest, "offers.csv")),
        (2, Some(s)) => check("scenarios", read_scenarios_toml(s, "scenarios.toml")),
        (3, Some(s)) => check("offers", read_offers_toml(s, "offers.toml")),
        (4, _) => check("capacities", read_capacities_csv(rest, "capacities.csv")),
        (5, _) => {
            let _ = FirmTable::read_csv(rest, "firms.csv");
        }
        (6, _) => check("outcomes", read_outcomes_csv(rest, "outcomes.csv")),
        (7, Some(s)) => check("tasks", read_tasks_toml(s, "tasks.toml")),
        (8, _) => check("bids", read_bids_csv(rest, "bids.csv")),
        (9, _) => check("scores", read_scores_csv(rest, "scores.csv")),
        (10, _) => check(
            "applications",
            read_applications_csv(rest, "applications.csv"),
        ),
        (11, _) => check(
            "procurement bids",
            read_procurement_bids_csv(rest, "bids.csv"),
        ),
        (12, _) => check("purchases", read_purchases_csv(rest, "purchases.csv")),
        (13, Some(s)) => check(
            "matching config",
            MatchConfig::from_toml(s, "matching.toml"),
        ),
        (14, Some(s)) => check(
            "catalogue rules",
            CatalogueRules::from_toml(s, "rules.toml"),
        ),
        (15, Some(s)) => check(
            "preferences",
            PreferencePolicy::from_toml(s, "preferences.toml"),
        ),
        _ => {}
    }
}
