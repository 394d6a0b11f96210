//! # registry-model
//!
//! The cultivation registry (培育库) of digital-economy innovative enterprises, and the shared
//! vocabulary of the shuchuang crates: [`EnterpriseId`] (a validated Unified Social Credit
//! Code), [`RegionCode`], [`Tier`] and [`Year`].
//!
//! ```
//! use registry_model::{EnterpriseId, Tier};
//!
//! let id: EnterpriseId = "91310110666007217T".parse()?;
//! assert_eq!(id.region().province_name_zh(), Some("上海"));
//! assert_eq!(Tier::Leading.name_zh(), "领军型");
//! # Ok::<(), registry_model::UsccError>(())
//! ```
#![warn(missing_docs)]

pub mod adjust;
pub mod cohort;
pub mod criteria;
pub mod csvio;
pub mod error;
pub mod id;
pub mod money;
pub mod panel;
pub mod policy;
pub mod region;
pub mod report;
pub mod resource;
pub mod sqlite;
pub mod store;
pub mod tier;
pub mod verdict;

pub use adjust::{Adjustment, AdjustmentCounts, Change, ChangeEntry, Standing, run_adjustment};
pub use criteria::{CriteriaBook, CriteriaSet, Criterion, CriterionKind, Verdicts};
pub use error::RegistryError;
pub use id::{EnterpriseId, LegacyPolicy, UsccError};
pub use money::Money;
pub use policy::{RulePolicy, Stage, TierDecision, TierPolicy};
pub use region::{RegionCode, RegionError};
pub use report::{AnnualReport, Enterprise, Evidence};
pub use sqlite::SqliteStore;
pub use store::{MemoryStore, RegistryStore};
pub use tier::{Tier, TierParseError, Year};
pub use verdict::{Cmp, Condition, Outcome, Threshold, Value, Verdict};
