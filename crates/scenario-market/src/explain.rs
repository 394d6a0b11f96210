//! The words of an explanation: why a filter removed an offer and what each score part rests
//! on, with the values compared. Only [`crate::Scoring::explain`] calls this; the data plane
//! never builds a string.

use crate::config::MatchConfig;
use crate::key::Tag;
use crate::offer::Offer;
use crate::pair::{Filter, Part};
use crate::scenario::{RegionScope, Scenario};

fn join(tags: &[&Tag]) -> String {
    tags.iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn shared<'a>(scenario: &'a Scenario, offer: &Offer) -> Vec<&'a Tag> {
    scenario
        .needs
        .iter()
        .filter(|t| offer.tags.binary_search(t).is_ok())
        .collect()
}

fn province_label(code: &str) -> String {
    match registry_model::region::province_name_en(code) {
        Some(name) => format!("{code} ({name})"),
        None => code.to_string(),
    }
}

fn date_or(d: Option<chrono::NaiveDate>, open: &str) -> String {
    d.map_or_else(|| open.to_string(), |d| d.to_string())
}

/// Why filter `f` removed `offer` from `scenario`.
pub(crate) fn reason(
    f: Filter,
    scenario: &Scenario,
    offer: &Offer,
    overlap: u32,
    config: &MatchConfig,
    tier: Option<Option<registry_model::Tier>>,
) -> String {
    match f {
        Filter::RequiredTags => {
            let missing: Vec<&Tag> = scenario
                .required
                .iter()
                .filter(|t| offer.tags.binary_search(t).is_err())
                .collect();
            format!("lacks required tag(s) {}", join(&missing))
        }
        Filter::Relevance => format!(
            "shares {overlap} of the scenario's {} needs ({}); at least {} required",
            scenario.needs.len(),
            join(&scenario.needs.iter().collect::<Vec<_>>()),
            config.min_shared_tags
        ),
        Filter::OfferKind => format!(
            "is a {} offer; the scenario takes {}",
            offer.kind,
            scenario
                .offer_kinds
                .iter()
                .map(|k| k.key())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Filter::Maturity => format!(
            "readiness level {} < the scenario's minimum {}",
            offer.maturity.level(),
            scenario.maturity_min.level()
        ),
        Filter::Region => {
            let firm = province_label(offer.region.province_code());
            match &scenario.scope {
                RegionScope::SameProvince => format!(
                    "delivers from province {firm}; the scenario takes firms of its own province {}",
                    province_label(scenario.region.province_code())
                ),
                RegionScope::Provinces(list) => format!(
                    "delivers from province {firm}; the scenario takes firms of provinces {}",
                    list.join(", ")
                ),
                RegionScope::Anywhere => format!("delivers from province {firm}"),
            }
        }
        Filter::Window => format!(
            "available {} to {}; the scenario is open {} to {}",
            date_or(offer.available_from, "open"),
            date_or(offer.available_until, "open"),
            scenario.opens,
            scenario.closes
        ),
        Filter::Tier => {
            let need = scenario.tier_min.map_or("any", |t| t.key());
            match tier {
                Some(Some(t)) => format!(
                    "the firm's registry tier is {}; the scenario takes {need} or above",
                    t.key()
                ),
                Some(None) => format!(
                    "the firm is in the registry without a tier; the scenario takes {need} or above"
                ),
                None => format!(
                    "the firm is not in the registry (or no registry was consulted); the scenario takes registered firms of tier {need} or above"
                ),
            }
        }
        Filter::Price => {
            let per_slot = scenario
                .budget_per_slot()
                .map_or_else(|| "none".to_string(), |m| m.to_string());
            format!(
                "price {} yuan > {} yuan per slot (budget {} yuan over {} slot(s))",
                offer.price,
                per_slot,
                scenario
                    .budget
                    .map_or_else(|| "none".to_string(), |m| m.to_string()),
                scenario.slots
            )
        }
    }
}

/// What score part `part` of `offer` for `scenario` rests on.
pub(crate) fn part_reason(part: Part, scenario: &Scenario, offer: &Offer, overlap: u32) -> String {
    match part {
        Part::Tags => format!(
            "shares {overlap} of {} needs ({})",
            scenario.needs.len(),
            join(&shared(scenario, offer))
        ),
        Part::Maturity => format!("readiness level {} of 9", offer.maturity.level()),
        Part::Price => match scenario.budget_per_slot() {
            Some(max) if max.fen() > 0 => {
                format!("price {} yuan of {} yuan per slot", offer.price, max)
            }
            Some(_) => "budget per slot is 0 and the offer is free".to_string(),
            None => "the scenario has no budget: price not compared".to_string(),
        },
        Part::Proximity => {
            let (s, o) = (scenario.region.as_str(), offer.region.as_str());
            if s.get(..4) == o.get(..4) {
                format!("same prefecture {}", s.get(..4).unwrap_or(s))
            } else if s.get(..2) == o.get(..2) {
                format!(
                    "same province {}",
                    province_label(scenario.region.province_code())
                )
            } else {
                format!(
                    "another province ({} to {})",
                    province_label(offer.region.province_code()),
                    province_label(scenario.region.province_code())
                )
            }
        }
    }
}
