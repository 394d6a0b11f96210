//! # finance
#![warn(missing_docs)]

pub mod booking;
pub mod calibration;
mod csvio;
pub mod default;
pub mod discrimination;
pub mod eligibility;
pub mod error;
pub mod evidence;
pub mod facts;
pub mod features;
pub mod irls;
pub mod line;
pub mod lines;
pub mod logistic;
pub mod matching;
pub mod memory_books;
pub mod model;
pub mod money;
pub mod pool;
pub mod product;
pub mod receipt;
pub mod report;
pub mod scorecard;
pub mod simulate;
pub mod statevc;
pub mod synthetic;
mod tomlio;

pub use booking::{AccountKey, AccountKind, Booking, BookingError, Posted, Posting, PostingCode};
pub use eligibility::{DecisionStatus, Evaluation, GrantTerms, LineDecision, decide, evaluate};
pub use error::{FinanceError, Result};
pub use evidence::{
    DateWindow, MemoryEvidence, SpendCategory, SpendEvidence, SpendLine, SpendSummary,
};
pub use facts::{FirmProfile, MemoryFacts, RegistryFacts};
pub use features::{Factor, FactorValue, Features};
pub use line::{CreditLine, LineStatus};
pub use lines::{CreditLines, Fund, Outcome, ProgramRules, Receipt};
pub use logistic::LogisticModel;
pub use memory_books::MemoryBooks;
pub use model::{Assessment, CreditModel, FactorContribution, ScoreScale};
pub use pool::PoolRule;
pub use product::{LineTerms, Product, SubsidyRule};
pub use scorecard::Scorecard;
