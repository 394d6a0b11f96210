//! # registry-model
//!
//! The cultivation registry (培育库) of digital-economy innovative enterprises, and the shared
//! vocabulary of the shuchuang crates: [`EnterpriseId`] (a validated Unified Social Credit
//! Code), [`RegionCode`], [`Tier`] and [`Year`].
//!
//! A year of the registry: firms and reports go in, the official criteria are evaluated with
//! cited reasons, tiers are assigned and the change log is committed in one transaction.
//!
//! ```
//! use registry_model::cohort::{CohortSpec, generate_cohort};
//! use registry_model::{CriteriaBook, Evidence, MemoryStore, RegistryStore, RulePolicy, Tier};
//!
//! let spec = CohortSpec { count: 300, first_year: 2021, last_year: 2024, seed: 7 };
//! let (firms, reports) = generate_cohort(&spec)?;
//! let mut store = MemoryStore::new(); // or registry_model::SqliteStore::open(path)?
//! store.insert(&firms, &reports)?;
//!
//! let book = CriteriaBook::embedded()?; // data/registry/criteria-*.toml
//! let policy = RulePolicy::default_policy()?; // data/registry/tier-policy.toml
//! let adj = store.adjust(2024, book.for_year(2024)?, &policy)?;
//! let counts = adj.counts();
//! assert_eq!(counts.per_change.iter().sum::<u64>(), 300); // every firm exactly once
//!
//! // Why does a firm have its tier? Every condition carries threshold, value and citation.
//! let firm = &firms[0];
//! let own = store.reports_of(&firm.id)?;
//! let verdicts = book.for_year(2024)?.evaluate(&Evidence::new(firm, 2024, &own));
//! for v in &verdicts.verdicts {
//!     for c in &v.conditions {
//!         assert!(!c.citation.is_empty());
//!     }
//! }
//! let leading = store.list(2024, Some(Tier::Leading))?;
//! assert_eq!(leading.len() as u64, counts.per_tier[2]);
//!
//! // The shared vocabulary.
//! let id: registry_model::EnterpriseId = "91310110666007217T".parse()?;
//! assert_eq!(id.region().province_name_zh(), Some("上海"));
//! assert_eq!(Tier::Leading.name_zh(), "领军型");
//! # Ok::<(), registry_model::RegistryError>(())
//! ```
#![warn(missing_docs)]

pub mod adjust;
pub mod change_row;
pub mod cohort;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod criteria;
pub mod csvio;
pub mod digital;
pub mod error;
pub mod id;
pub mod industry;
mod kind;
pub mod margin;
pub mod money;
pub mod panel;
pub mod panel_csv;
pub mod panel_desk;
pub mod panel_seed;
pub mod panel_store;
pub mod policy;
pub mod preview;
pub mod province;
pub mod region;
pub mod report;
pub mod resource;
pub mod sqlite;
pub mod store;
pub mod tier;
pub mod verdict;

pub use adjust::{
    Adjustment, AdjustmentCounts, Change, ChangeEntry, PanelDecision, Standing, run_adjustment,
};
pub use criteria::{
    CriteriaBook, CriteriaSet, Criterion, CriterionKind, FirmClass, InnovationType, Verdicts,
};
pub use digital::{DigitalClass, DigitalEconomyTable};
pub use error::RegistryError;
pub use id::{EnterpriseId, LegacyPolicy, UsccError};
pub use industry::{IndustryCode, IndustryCodeError};
pub use money::Money;
pub use policy::{Referral, RulePolicy, Stage, TierDecision, TierPolicy};
pub use region::{RegionCode, RegionError};
pub use report::{AnnualReport, Enterprise, Evidence, LOOK_BACK_YEARS};
pub use sqlite::SqliteStore;
pub use store::{MemoryStore, RegistryStore};
pub use tier::{Tier, TierParseError, Year};
pub use verdict::{Cmp, Condition, Outcome, Threshold, Value, Verdict};
