//! [`MatchConfig`]: the scoring weights, proximity scores, shortlist length and default firm
//! capacity, from TOML (`data/scenario-market/matching.toml` is the embedded default).

use serde::{Deserialize, Serialize};

use crate::error::{MarketError, Result};

/// The shipped matching defaults.
pub const DEFAULT_MATCHING_TOML: &str = include_str!("../../../data/scenario-market/matching.toml");

/// Largest weight of one score part.
pub const WEIGHT_MAX: u32 = 1_000;
/// Longest shortlist per scenario.
pub const SHORTLIST_MAX: u32 = 1_000;

/// Weights of the four score parts (integers; the total is the weighted mean).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// Share of the scenario's needs the offer covers.
    pub tags: u32,
    /// Technology readiness.
    pub maturity: u32,
    /// Price within the budget per slot.
    pub price: u32,
    /// Nearness.
    pub proximity: u32,
}

impl Weights {
    /// The weights in scorer order (tags, maturity, price, proximity).
    pub fn as_array(&self) -> [u32; 4] {
        [self.tags, self.maturity, self.price, self.proximity]
    }
}

/// Proximity score parts, percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProximityPercent {
    /// Same prefecture.
    pub same_prefecture: u32,
    /// Same province, another prefecture.
    pub same_province: u32,
    /// Another province.
    pub elsewhere: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shortlist {
    firms_per_scenario: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Capacity {
    firm_default: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Relevance {
    min_shared_tags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    weights: Weights,
    proximity_percent: ProximityPercent,
    shortlist: Shortlist,
    capacity: Capacity,
    relevance: Relevance,
}

/// How the scoring matcher scores and shortlists.
///
/// ```
/// use scenario_market::MatchConfig;
/// let c = MatchConfig::embedded()?;
/// assert_eq!(c.weights.as_array().iter().sum::<u32>(), 100);
/// let bad = MatchConfig::from_toml(&scenario_market::config::DEFAULT_MATCHING_TOML
///     .replace("tags = 50", "tags = 5000"), "mine.toml");
/// assert!(bad.unwrap_err().to_string().contains("weights.tags"));
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchConfig {
    /// The configuration's id (shown in explanations).
    pub id: String,
    /// Score weights.
    pub weights: Weights,
    /// Proximity parts.
    pub proximity: ProximityPercent,
    /// Firms kept per scenario (each with its best offer).
    pub shortlist_len: u32,
    /// Scenarios a firm may take when its capacity is not given.
    pub firm_capacity_default: u32,
    /// Needs an offer must share to be considered (at least 1).
    pub min_shared_tags: u32,
}

impl MatchConfig {
    /// The shipped defaults (`data/scenario-market/matching.toml`).
    pub fn embedded() -> Result<Self> {
        Self::from_toml(
            DEFAULT_MATCHING_TOML,
            "embedded data/scenario-market/matching.toml",
        )
    }

    /// Reads and checks a configuration; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self> {
        let raw: Raw = toml::from_str(text).map_err(|e| MarketError::Config {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let c = Self {
            id: raw.id,
            weights: raw.weights,
            proximity: raw.proximity_percent,
            shortlist_len: raw.shortlist.firms_per_scenario,
            firm_capacity_default: raw.capacity.firm_default,
            min_shared_tags: raw.relevance.min_shared_tags,
        };
        c.check().map_err(|message| MarketError::Config {
            file: file.to_string(),
            message,
        })?;
        Ok(c)
    }

    /// Checks every value's range; the message names the key and value.
    pub fn check(&self) -> std::result::Result<(), String> {
        let w = self.weights;
        for (name, v) in [
            ("weights.tags", w.tags),
            ("weights.maturity", w.maturity),
            ("weights.price", w.price),
            ("weights.proximity", w.proximity),
        ] {
            if v > WEIGHT_MAX {
                return Err(format!("{name} = {v}: at most {WEIGHT_MAX}"));
            }
        }
        if w.as_array().iter().sum::<u32>() == 0 {
            return Err("weights: all four are 0; at least one must be positive".into());
        }
        let p = self.proximity;
        for (name, v) in [
            ("proximity_percent.same_prefecture", p.same_prefecture),
            ("proximity_percent.same_province", p.same_province),
            ("proximity_percent.elsewhere", p.elsewhere),
        ] {
            if v > 100 {
                return Err(format!("{name} = {v}: outside 0..=100"));
            }
        }
        if self.shortlist_len == 0 || self.shortlist_len > SHORTLIST_MAX {
            return Err(format!(
                "shortlist.firms_per_scenario = {}: outside 1..={SHORTLIST_MAX}",
                self.shortlist_len
            ));
        }
        if self.firm_capacity_default == 0
            || self.firm_capacity_default > crate::market::FIRM_CAPACITY_MAX
        {
            return Err(format!(
                "capacity.firm_default = {}: outside 1..={}",
                self.firm_capacity_default,
                crate::market::FIRM_CAPACITY_MAX
            ));
        }
        if self.min_shared_tags == 0
            || self.min_shared_tags as usize > crate::key::TAGS_PER_RECORD_MAX
        {
            return Err(format!(
                "relevance.min_shared_tags = {}: outside 1..={}",
                self.min_shared_tags,
                crate::key::TAGS_PER_RECORD_MAX
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults() {
        let c = MatchConfig::embedded().unwrap();
        assert_eq!(c.weights.as_array(), [50, 15, 20, 15]);
        assert_eq!(c.shortlist_len, 20);
        assert_eq!(c.firm_capacity_default, 3);
    }

    #[test]
    fn errors_name_the_key() {
        let t = DEFAULT_MATCHING_TOML.replace("same_province = 50", "same_province = 150");
        let e = MatchConfig::from_toml(&t, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.toml") && e.contains("same_province = 150"),
            "{e}"
        );
        let t = DEFAULT_MATCHING_TOML.replace("[weights]", "[weights]\nbogus = 1");
        assert!(MatchConfig::from_toml(&t, "x.toml").is_err());
        let t = DEFAULT_MATCHING_TOML.replace("min_shared_tags = 1", "min_shared_tags = 0");
        assert!(MatchConfig::from_toml(&t, "x.toml").is_err());
    }
}
