//! # voucher-ledger
//!
//! Data, algorithm, compute and innovation vouchers (数据券, 算法券, 算力券, 创新券) on a
//! double-entry ledger that never loses or creates money.
//!
//! - [`core`]: a TigerBeetle-like state machine: accounts with limit flags, immutable
//!   transfers in integer fen, linked chains that succeed or fail together, pending transfers
//!   that are posted, voided or time out on the ledger's own clock, closed accounts and
//!   periods; Σ debits = Σ credits after every step.
//! - [`program`]: voucher programs from TOML (budget, caps, ratios by provider category and
//!   tier, eligibility, approved providers, related-party ban, validity, clawback,
//!   cross-region use) and the rules checked before money moves.
//! - [`book`]: [`VoucherBook`], the voucher life cycle as ledger operations (grant, redeem,
//!   expire, clawback, rate), every write idempotent by request id, durable through a
//!   [`Journal`] (in memory or SQLite) whose hash chain [`VoucherBook::verify`] checks.
//!   [`VoucherBook::group`] runs many requests as one group: all or nothing, written to the
//!   journal in one durable transaction (one fsync instead of one per request).
//!   The SQLite journal records its head outside the database after every commit (an
//!   [`Anchor`], see [`journal`]), so a journal cut short is caught by reopening and by
//!   [`book::verify_journal`]; an auditor can keep an anchor elsewhere
//!   ([`VoucherBook::anchor`], [`book::verify_journal_against`]).
//! - [`ids`]: identifiers normalised and validated once, at the boundary (a USCC by
//!   `registry_model::EnterpriseId`, provider and contract ids like request ids).
//! - [`audit`]: balances at a date, firm statements, program reports, CSV and beancount.
//! - [`share`]: cost and revenue sharing exact to the fen (largest remainder rule).
//! - [`money`]: yuan ↔ fen at the ledger's boundary, over the workspace's `money` crate (the
//!   one money type and its rounding rules: subsidies round down to the fen).
//! - [`paying`]: which refusals are answers ([`LedgerError::is_refusal`]) and which program
//!   pays a bill ([`VoucherBook::paying_program`]).
//!
//! ```
//! use chrono::NaiveDate;
//! use rust_decimal_macros::dec;
//! use registry_model::{EnterpriseId, Tier};
//! use voucher_ledger::{Firm, ManualClock, VoucherBook};
//!
//! let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
//! let mut book = VoucherBook::in_memory(Box::new(clock.clone()));
//! book.add_program_toml("p1", r#"
//!     id = "hz-compute"
//!     kind = "compute"
//!     issuing_region = "330100"
//!     annual_budget_yuan = "250000000"
//!     cap_per_firm_yuan = "8000000"
//!     [ratio]
//!     default = "0.20"
//!     by_category = { domestic_chip = "0.30" }
//!     [validity]
//!     from = 2024-01-01
//!     until = 2024-12-31
//!     [providers]
//!     any = true
//!     related_party_ban = true
//! "#, "hz.toml")?;
//!
//! let firm: EnterpriseId = "91330101589882738D".parse()?;
//! book.grant("g1", "hz-compute", &Firm::new(firm).with_tier(Tier::Growth), dec!(100000))?;
//! // A ¥300,000 contract at 20 %: the subsidy is ¥60,000, the firm pays ¥240,000.
//! let r = book.redeem("r1", "hz-compute", &firm, "some-cloud", "C-001", dec!(300000))?;
//! assert_eq!(r.subsidy_fen, 6_000_000);
//! assert_eq!(r.firm_pays_fen, 24_000_000);
//! // The same request again returns the first reply and changes nothing.
//! assert_eq!(book.redeem("r1", "hz-compute", &firm, "some-cloud", "C-001", dec!(300000))?, r);
//! // The contract cannot be claimed twice.
//! assert!(book.redeem("r2", "hz-compute", &firm, "some-cloud", "C-001", dec!(300000)).is_err());
//! assert_eq!(book.voucher_balance_fen("hz-compute", &firm), 4_000_000);
//! book.check_invariants()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod allocation;
pub mod audit;
pub mod book;
pub mod clock;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod core;
pub mod defaults;
pub mod error;
pub mod ids;
pub mod journal;
pub mod money;
pub mod paying;
pub mod program;
pub mod share;

pub use allocation::{Allocation, allocate};
pub use audit::{AccountBalance, FirmStatement, ProgramReport, StatementLine, YearReport};
pub use book::{
    ClawbackReceipt, Command, Contract, ContractStatus, ExpireReceipt, GrantReceipt, RedeemReceipt,
    Reply, SubsidyLimit, VerifyReport, VoucherBook,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use core::{Account, AccountFlags, Ledger, NewAccount, PendingState, Transfer, TransferFlags};
pub use error::{LedgerError, Result};
pub use journal::{
    Anchor, Journal, JournalEntry, MemoryJournal, ReadMode, SharedJournal, SqliteJournal,
};
pub use program::{Firm, Program, Provider, Rating, VoucherKind};
