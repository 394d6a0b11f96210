//! The three cultivation tiers of the registry.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A statistical year (plain integer, such as 2025).
pub type Year = i32;

/// A cultivation tier (培育层级), ordered potential < growth < leading.
///
/// ```
/// use registry_model::Tier;
/// assert!(Tier::Leading > Tier::Potential);
/// assert_eq!("growth".parse::<Tier>().unwrap(), Tier::Growth);
/// assert_eq!(Tier::Growth.name_zh(), "成长型");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 潜力型: early firms with innovation potential.
    Potential,
    /// 成长型: firms growing fast on their technology.
    Growth,
    /// 领军型: leading firms of their field.
    Leading,
}

impl Tier {
    /// All tiers, lowest first.
    pub const ALL: [Tier; 3] = [Tier::Potential, Tier::Growth, Tier::Leading];

    /// The English key used in files and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Tier::Potential => "potential",
            Tier::Growth => "growth",
            Tier::Leading => "leading",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Tier::Potential => "潜力型",
            Tier::Growth => "成长型",
            Tier::Leading => "领军型",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The text is not a tier key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a tier (expected potential, growth or leading)")]
pub struct TierParseError(pub String);

impl std::str::FromStr for Tier {
    type Err = TierParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "potential" | "潜力型" => Ok(Tier::Potential),
            "growth" | "成长型" => Ok(Tier::Growth),
            "leading" | "领军型" => Ok(Tier::Leading),
            _ => Err(TierParseError(s.to_string())),
        }
    }
}
