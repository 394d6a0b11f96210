//! Where a figure comes from: every result cell names its [`Source`], so a reader can tell an
//! observed figure from one that rests on filled, carried or published values, or on nothing.

use serde::{Deserialize, Serialize};

use crate::fill::Flag;

/// The origin of a cell's figure.
///
/// A leaf's is its value's: observed, filled (interpolated inside a gap), carried (forward past
/// the last value) or `no_data`. An inner node's is `published` when its figure comes from a
/// published path (see [`crate::published`]), `no_data` when none of its children takes part
/// that year, and otherwise the weakest source among the children that take part, in the
/// order observed < published < filled < carried (a total resting partly on carried values
/// says `carried`; its `estimated_share` says how much).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Source {
    /// Observed values only.
    #[default]
    Observed = 0,
    /// A published index path (a figure of the report, not raw data).
    Published = 1,
    /// Rests on values interpolated inside a gap.
    Filled = 2,
    /// Rests on values carried forward past the last one.
    Carried = 3,
    /// No data: the figure does not exist, or the node contributes nothing that year.
    NoData = 4,
}

impl Source {
    /// The spelling used in CSV and JSON: `observed`, `published`, `filled`, `carried`,
    /// `no_data`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Observed => "observed",
            Self::Published => "published",
            Self::Filled => "filled",
            Self::Carried => "carried",
            Self::NoData => "no_data",
        }
    }

    /// A leaf value's source from its fill flag.
    pub fn of_flag(flag: Flag) -> Self {
        match flag {
            Flag::Observed => Self::Observed,
            Flag::Interpolated => Self::Filled,
            Flag::Carried => Self::Carried,
            Flag::Missing => Self::NoData,
        }
    }

    /// The weaker of two sources of parts that both take part (observed < published <
    /// filled < carried).
    pub fn weaker(self, other: Self) -> Self {
        self.max(other)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_order_and_round_trip() {
        let all = [
            Source::Observed,
            Source::Published,
            Source::Filled,
            Source::Carried,
            Source::NoData,
        ];
        for s in all {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Source::Filled.weaker(Source::Observed), Source::Filled);
        assert_eq!(Source::Published.weaker(Source::Carried), Source::Carried);
        assert_eq!(Source::of_flag(Flag::Interpolated), Source::Filled);
    }
}
