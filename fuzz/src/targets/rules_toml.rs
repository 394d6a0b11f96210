//! Rule-set TOML (`RuleSet::from_toml`, `rules check FILE`): no panic; a set that loads is
//! analysed within its bounds and decides, with a full trace, on no facts and on a fact map
//! read from the same input's second part, without a non-finite number in the decision.
//! Input: `RULES 0xff FACTS-TOML`.

use crate::{assert_finite, split, text};
use chrono::NaiveDate;
use sandbox_rules::{FactMap, RuleSet};

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let parts = split(data, 2);
    let Some(rules) = text(parts[0]) else { return };
    let Ok(set) = RuleSet::from_toml(rules, "rules.toml") else {
        return;
    };
    let a = set.analyze();
    assert!(a.overlaps.len() as u64 <= a.overlaps_total.max(a.overlaps.len() as u64));
    let date = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let d = set.explain(&FactMap::new(), date);
    assert_finite("decision on no facts", &d);
    if let Some(facts) = text(parts[1])
        && let Ok(facts) = FactMap::from_toml(&set, facts, "facts.toml", false)
    {
        let d = set.explain(&facts, date);
        assert_finite("decision", &d);
    }
}
