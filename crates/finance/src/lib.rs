//! # finance
//!
//! 云量贷 for digital-economy innovative enterprises (数创企业): credit lines granted from a
//! firm's verified cloud, compute, data and algorithm spend, an interest subsidy (贴息) paid by
//! the program, a risk compensation pool, a transparent credit scorecard beside a logistic
//! probability of default, a seeded portfolio simulation of what the scheme costs, and the
//! matching of firms to banks and of funds to the gazelles and unicorns they grow.
//!
//! The crate reaches the ledger and the registry only through traits it defines:
//! [`SpendEvidence`] (verified spend), [`RegistryFacts`] (registry profiles), [`Booking`] (the
//! double-entry ledger), [`statevc::GrowthCriteria`] (gazelle and unicorn verdicts) and
//! [`CreditModel`]. In-memory implementations of each ship here; the orchestration layer
//! implements them over voucher-ledger and registry-model.
//!
//! ```
//! use chrono::NaiveDate;
//! use rust_decimal_macros::dec;
//! use finance::{
//!     CreditLines, DecisionStatus, Fund, MemoryBooks, MemoryEvidence, MemoryFacts, Product,
//!     ProgramRules, Scorecard, evaluate,
//! };
//!
//! // Evidence: ¥30,000 of verified cloud spend a month in 2025, ¥300,000 the year before.
//! let mut csv = String::from("uscc,date,category,amount_yuan,provider,contract_id,source,verified\n");
//! for m in 1..=12 {
//!     csv += &format!("91330101589882738D,2025-{m:02}-15,cloud_compute,30000,cloud-a,C{m},voucher_redemption,true\n");
//! }
//! csv += "91330101589882738D,2024-06-01,cloud_compute,300000,cloud-a,C0,voucher_redemption,true\n";
//! let mut evidence = MemoryEvidence::new();
//! evidence.read_csv(csv.as_bytes(), "spend.csv")?;
//! // Registry facts for 2024 (the last year reported before the decision).
//! let mut facts = MemoryFacts::new();
//! facts.read_csv(
//!     "uscc,year,founded,tier,sector,staff,revenue_yuan,revenue_prior_yuan,rd_spend_yuan,debt_ratio,bad_credit_3y\n\
//!      91330101589882738D,2024,2019-03-01,growth,0301,80,20000000,16000000,1600000,0.35,false\n"
//!         .as_bytes(),
//!     "firms.csv",
//! )?;
//!
//! // Score, explain, decide: every factor's points and every rule's citation.
//! let product = Product::embedded()?; // data/finance/yunliangdai-2025.toml
//! let card = Scorecard::embedded()?; // data/finance/scorecard-2025.toml
//! let firm = "91330101589882738D".parse()?;
//! let decided_on = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
//! let e = evaluate(&product, &card, &evidence, &facts, firm, decided_on)?;
//! assert_eq!(e.assessment.score, 735);
//! assert_eq!(e.decision.status, DecisionStatus::Eligible);
//! // Limit: 2 × ¥360,000 of verified spend, under the growth tier's ¥3M cap.
//! assert_eq!(e.decision.limit.limit_fen, 72_000_000);
//!
//! // Grant, draw and pay interest; every movement is a posting in double-entry books.
//! let mut lines = CreditLines::new(MemoryBooks::new(), ProgramRules::of(&product))?;
//! lines.fund("budget-2025", Fund::SubsidyBudget, dec!(1000000))?;
//! lines.grant("grant-1", "YLP-0001", "bank-a", &e.decision.grant_terms().unwrap(), decided_on)?;
//! lines.draw("draw-1", "YLP-0001", decided_on, dec!(500000))?;
//! // 30 days on ¥500,000 at 3.45 %, ACT/360: ¥1,437.50; the program pays half back.
//! let paid = NaiveDate::from_ymd_opt(2026, 1, 30).unwrap();
//! lines.pay_interest("interest-1", "YLP-0001", paid, dec!(1437.50))?;
//! assert_eq!(lines.line("YLP-0001").unwrap().subsidy_paid_total_fen, 71_875);
//! assert!(lines.pay_interest("interest-1", "YLP-0001", paid, dec!(1437.50))?.repeat); // idempotent
//! lines.books().check_invariants()?;
//! let summary = finance::report::summarise(&lines)?;
//! assert_eq!(summary.program_cost_fen, 71_875);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modules
//!
//! - Seams and their in-memory implementations: [`evidence`] (spend), [`facts`] (registry
//!   profiles), [`booking`] and [`memory_books`] (double entry), [`statevc`] (growth criteria).
//! - Credit: [`features`] (exact factors), [`model`] (the [`CreditModel`] trait, score scale),
//!   [`scorecard`], [`logistic`] and [`irls`] (the fit), [`synthetic`] (a seeded portfolio with
//!   a known truth), [`discrimination`] (AUC, KS, calibration tables), [`calibration`].
//! - 云量贷: [`product`] (dated parameters), [`eligibility`] (rules with citations, the limit),
//!   [`mod@line`], [`lines`] and [`default`] (the life of a line over [`Booking`]), [`receipt`],
//!   [`pool`] (the risk pool's rules), [`money`] (every rounding rule).
//! - Programs: [`mod@simulate`] (Monte Carlo over years), [`report`] (cost and reach),
//!   [`matching`] (banks' appetites).
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
pub use eligibility::{
    DecisionStatus, Evaluation, GrantTerms, LineDecision, decide, evaluate, evaluate_on_profile,
};
pub use error::{FinanceError, Result};
pub use evidence::{
    DateWindow, MemoryEvidence, SpendCategory, SpendEvidence, SpendLine, SpendSummary,
};
pub use facts::{FirmProfile, MemoryFacts, RegistryFacts};
pub use features::{Factor, FactorValue, Features};
pub use line::{CreditLine, LineStatus};
pub use lines::{CreditLines, Fund, Outcome, ProgramRules, Receipt};
pub use logistic::LogisticModel;
pub use matching::{Appetite, Candidate, Recommendations};
pub use memory_books::MemoryBooks;
pub use model::{Assessment, CreditModel, FactorContribution, ScoreScale};
pub use pool::PoolRule;
pub use product::{LineTerms, Product, SubsidyRule};
pub use scorecard::Scorecard;
pub use simulate::{Loan, SimulationResult, SimulationSpec, simulate};
pub use statevc::{GrowthCriteria, GrowthStatus, Holding, MemoryGrowth};
