//! # cultivation
//!
//! A program office's year as a library: the annual cultivation cycle over the crates'
//! traits. The registry is adjusted ([`registry_model::RegistryStore`]), benefits are
//! matched on registry facts ([`sandbox_rules::Facts`]) and granted as vouchers
//! ([`voucher_ledger::VoucherBook`] over any [`voucher_ledger::Journal`]), the voucher
//! holders' compute is placed on the national network and paid through the ledger
//! ([`compute_scheduler::Payment`]), supervision cases are decided by the rule sets, the
//! indices are computed (index-engine), and the year's scenario list is matched to the
//! firms with its compute and data bundles granted (scenario-market). Each step returns a typed result; nothing is
//! printed: an [`Observer`] hears of progress and of each step's result as it comes.
//!
//! The adapters between the crates live here: registry profiles as rule facts
//! ([`facts`]), compute bills paid through the ledger ([`payment`]), scenario-market's
//! ledger on the voucher book ([`market_ledger`]), finance's books on the ledger's credit
//! books ([`credit_books`]), its spend evidence from the ledger's contracts
//! ([`spend_evidence`]), and the registry as finance's facts and growth criteria and the
//! market's firm directory ([`registry_view`]). Over these adapters, the cycle's step 6 is
//! [`scenario_step`] (the year's seeded scenario list matched to the registry's firms, the
//! promised compute and data bundles granted in one ledger group), and [`finance_step`]
//! (云量贷 lines decided from the compute spend the cycle paid, with the year's subsidy,
//! pool and cost) runs after the cycle on the same stores; both are idempotent by request
//! id.
//! [`DataDir`] owns the
//! embedded data directory (its layout, its writers' lock, the stores behind their traits).
//!
//! ```
//! use cultivation::{CycleConfig, Quiet, Stores, run_cycle};
//! use registry_model::MemoryStore;
//! use voucher_ledger::{SystemClock, VoucherBook, MemoryJournal};
//!
//! let mut registry = MemoryStore::new();
//! let mut ledger = VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock))?;
//! let mut cohort = None; // where the synthetic cohort's recipe is remembered
//! let mut config = CycleConfig::new()?;
//! config.firms = 60;
//! config.jobs_per_holder = 2;
//! let stores = Stores { registry: &mut registry, ledger: &mut ledger, cohort: &mut cohort };
//! let year = run_cycle(stores, &config, &mut Quiet)?;
//! assert_eq!(year.year, 2025);
//! assert_eq!(year.registry.summary.generated, Some(60));
//! // Every firm appears once in the change log; granted vouchers are on the ledger: the
//! // benefits of step 2 and the scenario bundles of step 6.
//! assert_eq!(year.registry.adjustment.entries.len(), 60);
//! let granted: rust_decimal::Decimal = year.vouchers.iter().map(|v| v.granted_yuan).sum();
//! let bundles = &year.scenarios.summary;
//! assert!(bundles.matches > 0);
//! assert_eq!(
//!     granted,
//!     year.benefits.summary.granted_yuan + bundles.compute_yuan + bundles.data_yuan
//! );
//! # Ok::<(), cultivation::CultivationError>(())
//! ```
#![warn(missing_docs)]

pub mod benefits;
pub mod challenge_desk;
pub mod cohort;
pub mod compute;
pub mod credit_books;
pub mod credit_command;
pub mod credit_desk;
pub mod cycle;
pub mod data_dir;
pub mod error;
pub mod facts;
pub mod finance_step;
pub mod follow_desk;
pub mod grant_plan;
pub mod market_ledger;
pub mod measure;
pub mod observer;
pub mod panel_step;
pub mod payment;
pub mod purchase_desk;
pub mod registry;
pub mod registry_view;
pub mod result;
pub mod scenario_files;
pub mod scenario_step;
pub mod scenario_year;
pub mod server;
pub mod spend_evidence;
pub mod step;
pub mod supervision;
pub mod targets;
pub mod text_input;

pub use cohort::{CohortMemory, CohortMeta};
pub use credit_books::LedgerBooks;
pub use cycle::{CycleConfig, Stores, run_cycle};
pub use data_dir::{DataDir, DirLock, LedgerHandle, RegistryHandle, RegistryInit};
pub use error::{CultivationError, Result};
pub use market_ledger::LedgerMarket;
pub use observer::{Observer, Quiet, StepDone};
pub use registry_view::RegistryView;
pub use result::{
    BenefitStep, ComputeStep, CycleOutcome, IndexStep, RegistryStep, Summary, SupervisionStep,
    VoucherLine,
};
pub use spend_evidence::LedgerEvidence;
pub use step::Step;
pub use store_postgres::DatabaseUrl;
