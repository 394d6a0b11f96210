//! What an operation on a program's credit lines did: [`Receipt`] and its [`Outcome`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::pool::Award;

/// Which program account a funding goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Fund {
    /// The interest-subsidy budget (贴息).
    SubsidyBudget,
    /// The risk pool.
    RiskPool,
}

/// The subsidy on one interest payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyPaid {
    /// Interest paid that was accrued in the subsidised period.
    pub subsidisable_fen: i64,
    /// The subsidy the rule gives on it, rounded down.
    pub computed_fen: i64,
    /// What the program paid.
    pub paid_fen: i64,
    /// Why less than computed (the yearly cap, the budget), if so.
    pub note: Option<String>,
}

/// One line's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDefault {
    /// The line.
    pub line: String,
    /// Interest accrued up to the default date.
    pub accrued_fen: i64,
    /// The pool's award on the claim.
    pub award: Award,
    /// Unpaid interest reversed.
    pub interest_reversed_fen: i64,
}

/// What an operation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "operation")]
pub enum Outcome {
    /// A program account was funded.
    Funded {
        /// Which.
        fund: Fund,
        /// Amount.
        amount_fen: i64,
    },
    /// A line was granted.
    Granted {
        /// Line.
        line: String,
        /// Limit.
        limit_fen: i64,
        /// Maturity.
        maturity: NaiveDate,
    },
    /// Interest was accrued.
    Accrued {
        /// Line.
        line: String,
        /// Interest accrued.
        accrued_fen: i64,
    },
    /// Principal was drawn.
    Drawn {
        /// Line.
        line: String,
        /// Amount.
        amount_fen: i64,
        /// Interest accrued first.
        accrued_fen: i64,
    },
    /// Interest was paid and subsidised.
    InterestPaid {
        /// Line.
        line: String,
        /// Paid by the firm.
        paid_fen: i64,
        /// Interest accrued first.
        accrued_fen: i64,
        /// The subsidy.
        subsidy: SubsidyPaid,
    },
    /// Principal was repaid.
    Repaid {
        /// Line.
        line: String,
        /// Amount.
        amount_fen: i64,
        /// Interest accrued first.
        accrued_fen: i64,
        /// Principal left.
        principal_left_fen: i64,
    },
    /// A line was closed.
    Closed {
        /// Line.
        line: String,
        /// Undrawn limit cancelled.
        cancelled_fen: i64,
    },
    /// Lines went into default and the pool settled their claims.
    Defaulted {
        /// Each line.
        lines: Vec<LineDefault>,
    },
    /// Money was recovered on a defaulted line.
    Recovered {
        /// Line.
        line: String,
        /// Amount.
        amount_fen: i64,
        /// Returned to the pool.
        returned_to_pool_fen: i64,
    },
    /// A defaulted line's open claim was written off.
    WrittenOff {
        /// Line.
        line: String,
        /// Amount.
        amount_fen: i64,
    },
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The request id.
    pub request_id: String,
    /// What was done.
    pub outcome: Outcome,
    /// Postings made.
    pub postings: usize,
    /// True when this is a repeat of an earlier request: nothing changed now.
    pub repeat: bool,
}
