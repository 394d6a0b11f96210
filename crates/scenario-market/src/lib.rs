//! # scenario-market
#![warn(missing_docs)]

pub mod bundle;
pub mod candidates;
pub mod cell;
pub mod challenge;
pub mod compare;
pub mod config;
pub mod directory;
pub mod error;
pub mod example;
mod explain;
pub mod flow;
pub mod follow;
pub mod generate;
mod index;
pub mod key;
pub mod ledger;
pub mod load;
pub mod market;
pub mod matcher;
pub mod memory_ledger;
pub mod offer;
pub mod pair;
pub mod purchase;
pub mod scenario;
pub mod score;
pub mod stable;

pub use candidates::{Candidates, Edge, FilterCounts};
pub use compare::{Comparison, ComparisonRow, compare};
pub use config::{MatchConfig, Weights};
pub use directory::{DirectoryFault, FirmDirectory, FirmSize, FirmTable, Standing};
pub use error::{MarketError, Result};
pub use flow::OptimalMatcher;
pub use key::{Key, Tag};
pub use ledger::{GrantPurpose, LedgerFault, LedgerRequest, MarketLedger, Movement, Receipt};
pub use market::Market;
pub use matcher::{Assignment, Certificate, GreedyMatcher, Matcher, Pair};
pub use memory_ledger::{Account, MemoryLedger};
pub use offer::{Maturity, Offer, OfferKind};
pub use pair::{Filter, Part, SCORE_MAX};
pub use scenario::{OwnerType, RegionScope, Scenario, ScenarioKind};
pub use score::{Explanation, Scoring};
pub use stable::{Preferences, Side, StableMatcher, blocking_pairs};
