//! # scenario-market
//!
//! Application scenarios and opportunity lists (应用场景, 机会清单), the 数创企业's offers (the
//! 四新: new technology, product, solution, service), and what a program office does with
//! them: matching with every decision explained, optimal and stable assignment under
//! capacities, first purchase (首购首用) with 首台套 recognition and procurement preferences,
//! challenge tasks (揭榜挂帅 / 赛马制) paid milestone by milestone, scenarios that bring compute
//! and data vouchers (场景+算力+数据), and follow-through on what the matches became.
//!
//! - Records and loading: [`Scenario`], [`Offer`], [`Market`]; [`load`] reads CSV and TOML
//!   all or nothing; [`generate`] makes seeded markets.
//! - Matching: [`Scoring`] (hard filters, then weighted scores; [`Scoring::explain`] gives
//!   every exclusion and score of a scenario) builds [`Candidates`]; a [`Matcher`] assigns:
//!   [`GreedyMatcher`], [`OptimalMatcher`] (min-cost flow, with an LP dual certificate),
//!   [`StableMatcher`] (deferred acceptance); [`compare()`] puts them side by side.
//! - Money moves only through [`MarketLedger`], which this crate defines and the orchestration
//!   layer implements ([`MemoryLedger`] keeps the contract in memory): [`challenge`] tasks and
//!   [`bundle`] grants. The registry is reached only through [`FirmDirectory`].
//! - [`purchase`]: the catalogue, recognition rules as data, price deductions, the record;
//!   [`follow`]: conversion of matches into orders and revenue.
//!
//! ```
//! use registry_model::Money;
//! use scenario_market::{bundle, example, GreedyMatcher, MatchConfig, Matcher, MemoryLedger,
//!                       OptimalMatcher, Scoring};
//!
//! let market = example::market()?; // data/scenario-market/example: 3 scenarios, 9 offers
//! let scoring = Scoring::new(MatchConfig::embedded()?)?;
//! let g = scoring.candidates(&market);
//!
//! // Why does the port scenario rank the Qingdao firm's kit first? Every part, every weight.
//! let why = scoring.explain(&market, 2)?;
//! assert_eq!(why.scores[0].offer.as_str(), "O-F1-VISION");
//! assert_eq!(why.scores[0].total.to_string(), "78.47");
//! assert!(why.filters.iter().flat_map(|f| &f.removed).all(|x| !x.reason.is_empty()));
//!
//! // Greedy against the optimum on the same graph; the optimum proves itself.
//! let greedy = GreedyMatcher.assign(&g)?;
//! let best = OptimalMatcher.assign(&g)?;
//! assert!(best.total_score > greedy.total_score);
//! assert!(best.certificate.as_ref().is_some_and(|c| c.dual_bound == best.total_score));
//!
//! // The matched scenarios' compute and data vouchers: one all-or-nothing ledger batch.
//! let programs = bundle::BundlePrograms { compute: "compute-2025".parse()?, data: "data-2025".parse()? };
//! let mut ledger = MemoryLedger::new();
//! ledger.appropriate("fund/compute", &programs.compute, Money::from_yuan_i64(1_000_000).unwrap())?;
//! ledger.appropriate("fund/data", &programs.data, Money::from_yuan_i64(1_000_000).unwrap())?;
//! let grants = bundle::requests(&market, &best, &programs, &"2025".parse()?)?;
//! let report = bundle::grant(&mut ledger, &grants)?;
//! assert_eq!((report.compute_total.to_string(), report.data_total.to_string()),
//!            ("100000.00".to_string(), "140000.00".to_string()));
//! ledger.check_invariants()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod bundle;
pub mod candidates;
mod cell;
pub mod challenge;
pub mod compare;
pub mod config;
pub mod directory;
pub mod error;
pub mod example;
mod explain;
mod fault;
pub mod flow;
pub mod follow;
pub mod follow_model;
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
mod records;
mod rows;
pub mod scenario;
pub mod score;
pub mod stable;
mod total;

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
