//! # finance
#![warn(missing_docs)]

pub mod booking;
pub mod calibration;
mod csvio;
pub mod discrimination;
pub mod error;
pub mod evidence;
pub mod facts;
pub mod features;
pub mod irls;
pub mod logistic;
pub mod memory_books;
pub mod model;
pub mod money;
pub mod scorecard;
pub mod synthetic;
mod tomlio;

pub use booking::{AccountKey, AccountKind, Booking, BookingError, Posted, Posting, PostingCode};
pub use error::{FinanceError, Result};
pub use evidence::{
    DateWindow, MemoryEvidence, SpendCategory, SpendEvidence, SpendLine, SpendSummary,
};
pub use facts::{FirmProfile, MemoryFacts, RegistryFacts};
pub use features::{Factor, FactorValue, Features};
pub use logistic::LogisticModel;
pub use memory_books::MemoryBooks;
pub use model::{Assessment, CreditModel, FactorContribution, ScoreScale};
pub use scorecard::Scorecard;
