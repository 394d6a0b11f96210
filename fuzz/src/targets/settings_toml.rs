//! The TOML settings the registry, the scheduler and supervision load from data/: registry
//! criteria sets (`CriteriaSet::from_toml_str`), tier policies (`RulePolicy::from_toml_str`),
//! the compute catalog (`Catalog::from_toml_str`) and supervision scenarios
//! (`ScenarioConfig::from_toml`). No panic; what loads holds no non-finite number. The first
//! byte chooses the loader.

use crate::{assert_finite, assert_finite_debug, select, text};
use compute_scheduler::Catalog;
use registry_model::{CriteriaSet, RulePolicy};
use sandbox_rules::ScenarioConfig;

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let Some((k, rest)) = select(data, 4) else {
        return;
    };
    let Some(s) = text(rest) else { return };
    match k {
        0 => {
            if let Ok(c) = CriteriaSet::from_toml_str(s, "criteria.toml") {
                assert_finite("criteria", &c);
            }
        }
        1 => {
            let _ = RulePolicy::from_toml_str(s, "tier-policy.toml");
        }
        2 => {
            if let Ok(c) = Catalog::from_toml_str(s, "catalog.toml") {
                assert_finite("catalog", &c);
            }
        }
        _ => {
            if let Ok(c) = ScenarioConfig::from_toml(s, "scenarios.toml") {
                assert_finite_debug("scenarios", &c);
            }
        }
    }
}
