//! The [`Booking`] seam: how the scheme's money movements reach a double-entry ledger.
//!
//! Every operation on a credit line, the subsidy budget or the risk pool becomes one request:
//! a request id and a short list of [`Posting`]s (each a debit, a credit and an amount in
//! fen). An implementation applies a request all or nothing, applies a request id at most
//! once, and refuses any posting that would take a bounded account below zero. The voucher
//! ledger implements it in the orchestration layer with new account kinds; [`MemoryBooks`](crate::MemoryBooks)
//! is the in-crate implementation used by tests and simulations.
//!
//! ## The chart of accounts
//!
//! | kind | owner | normal side | bounded (never below 0) | holds |
//! |---|---|---|---|---|
//! | `program_treasury` | program | credit | no | money the program put into the scheme |
//! | `subsidy_budget` | program | debit | yes | what is left to pay interest subsidies |
//! | `risk_pool` | program | debit | yes | the risk compensation pool |
//! | `subsidy_paid` | firm | debit | yes | subsidies paid to the firm |
//! | `bank_cash` | bank | debit | no | the bank's cash moved by the scheme (lent out: negative) |
//! | `commitments_issued` | bank | credit | no | undrawn limits the bank has committed |
//! | `commitment` | line | debit | yes | the line's undrawn limit |
//! | `principal` | line | debit | yes | principal outstanding |
//! | `interest_receivable` | line | debit | yes | interest accrued and not yet paid |
//! | `interest_income` | bank | credit | no | interest the bank earned |
//! | `defaulted_claim` | line | debit | yes | principal in default, not yet recovered or written off |
//! | `credit_losses` | bank | debit | no | claims written off |

use serde::{Deserialize, Serialize};

/// Most postings one request may carry (TigerBeetle's batch size: a batch of defaults settled
/// together against the pool is one request).
pub const POSTINGS_PER_REQUEST_MAX: usize = 8_190;

/// Longest request id, in bytes.
pub const REQUEST_ID_LEN_MAX: usize = 128;

/// Longest account owner (a program, bank, line or firm id), in bytes.
pub const OWNER_LEN_MAX: usize = 128;

/// Which side of an account its balance normally sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Debits increase the balance.
    Debit,
    /// Credits increase the balance.
    Credit,
}

/// The kinds of account the scheme needs (see the module's chart of accounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Money the program put into the scheme (its counterpart is the budget and the pool).
    ProgramTreasury,
    /// The interest-subsidy budget (贴息资金).
    SubsidyBudget,
    /// The risk compensation pool (风险补偿资金池).
    RiskPool,
    /// Subsidies received by a firm.
    SubsidyPaid,
    /// A bank's cash moved by the scheme.
    BankCash,
    /// Limits a bank has committed and not yet lent.
    CommitmentsIssued,
    /// A line's undrawn limit.
    Commitment,
    /// A line's principal outstanding.
    Principal,
    /// A line's interest accrued and unpaid.
    InterestReceivable,
    /// A bank's interest earned.
    InterestIncome,
    /// A line's principal in default.
    DefaultedClaim,
    /// A bank's written-off claims.
    CreditLosses,
}

impl AccountKind {
    /// Every kind, in chart order.
    pub const ALL: [AccountKind; 12] = [
        AccountKind::ProgramTreasury,
        AccountKind::SubsidyBudget,
        AccountKind::RiskPool,
        AccountKind::SubsidyPaid,
        AccountKind::BankCash,
        AccountKind::CommitmentsIssued,
        AccountKind::Commitment,
        AccountKind::Principal,
        AccountKind::InterestReceivable,
        AccountKind::InterestIncome,
        AccountKind::DefaultedClaim,
        AccountKind::CreditLosses,
    ];

    /// The side its balance normally sits on.
    pub fn normal_side(self) -> Side {
        match self {
            AccountKind::ProgramTreasury
            | AccountKind::CommitmentsIssued
            | AccountKind::InterestIncome => Side::Credit,
            _ => Side::Debit,
        }
    }

    /// True when the balance on the normal side must never go below zero: the books refuse a
    /// posting that would cross it (no pool, budget, principal or claim is ever negative).
    pub fn bounded(self) -> bool {
        matches!(
            self,
            AccountKind::SubsidyBudget
                | AccountKind::RiskPool
                | AccountKind::SubsidyPaid
                | AccountKind::Commitment
                | AccountKind::Principal
                | AccountKind::InterestReceivable
                | AccountKind::DefaultedClaim
        )
    }

    /// The key used in files and reports.
    pub fn key(self) -> &'static str {
        match self {
            AccountKind::ProgramTreasury => "program_treasury",
            AccountKind::SubsidyBudget => "subsidy_budget",
            AccountKind::RiskPool => "risk_pool",
            AccountKind::SubsidyPaid => "subsidy_paid",
            AccountKind::BankCash => "bank_cash",
            AccountKind::CommitmentsIssued => "commitments_issued",
            AccountKind::Commitment => "commitment",
            AccountKind::Principal => "principal",
            AccountKind::InterestReceivable => "interest_receivable",
            AccountKind::InterestIncome => "interest_income",
            AccountKind::DefaultedClaim => "defaulted_claim",
            AccountKind::CreditLosses => "credit_losses",
        }
    }
}

/// One account: a kind and its owner (a program, bank, line or firm id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountKey {
    /// The kind.
    pub kind: AccountKind,
    /// The owner's id.
    pub owner: String,
}

impl AccountKey {
    /// An account of `kind` owned by `owner`.
    pub fn new(kind: AccountKind, owner: impl Into<String>) -> Self {
        Self {
            kind,
            owner: owner.into(),
        }
    }
}

impl std::fmt::Display for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind.key(), self.owner)
    }
}

/// Why money moved: the code of a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostingCode {
    /// The program funds its subsidy budget or risk pool.
    Funding,
    /// A line is granted: its limit is committed.
    Grant,
    /// Principal lent.
    Drawdown,
    /// Interest accrued.
    InterestAccrual,
    /// Interest paid by the firm.
    InterestPayment,
    /// Interest subsidy (贴息) paid by the program.
    Subsidy,
    /// Principal repaid.
    Repayment,
    /// Undrawn limit cancelled (maturity, closing, default).
    Cancellation,
    /// Unpaid interest reversed at default.
    InterestReversal,
    /// Principal moved to default.
    Default,
    /// The risk pool compensates the bank for a defaulted loan.
    Compensation,
    /// Money recovered on a defaulted loan.
    Recovery,
    /// The pool's share of a recovery returned to it.
    PoolReturn,
    /// A remaining claim written off.
    WriteOff,
}

impl PostingCode {
    /// The key used in files and reports.
    pub fn key(self) -> &'static str {
        match self {
            PostingCode::Funding => "funding",
            PostingCode::Grant => "grant",
            PostingCode::Drawdown => "drawdown",
            PostingCode::InterestAccrual => "interest_accrual",
            PostingCode::InterestPayment => "interest_payment",
            PostingCode::Subsidy => "subsidy",
            PostingCode::Repayment => "repayment",
            PostingCode::Cancellation => "cancellation",
            PostingCode::InterestReversal => "interest_reversal",
            PostingCode::Default => "default",
            PostingCode::Compensation => "compensation",
            PostingCode::Recovery => "recovery",
            PostingCode::PoolReturn => "pool_return",
            PostingCode::WriteOff => "write_off",
        }
    }
}

/// One movement of money: `amount_fen` debited to one account and credited to another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Posting {
    /// The account debited.
    pub debit: AccountKey,
    /// The account credited.
    pub credit: AccountKey,
    /// The amount, in fen (positive).
    pub amount_fen: i64,
    /// Why.
    pub code: PostingCode,
}

impl Posting {
    /// A posting.
    pub fn new(debit: AccountKey, credit: AccountKey, amount_fen: i64, code: PostingCode) -> Self {
        Self {
            debit,
            credit,
            amount_fen,
            code,
        }
    }
}

/// What the books did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Posted {
    /// The postings were applied now.
    Applied,
    /// The same request id with the same postings was applied before; nothing changed now.
    Repeat,
}

/// Why the books refused a request. Nothing was written in every case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BookingError {
    /// The request id is empty, too long or has control characters.
    #[error("request id '{request_id}' is not valid: {reason}")]
    BadRequestId {
        /// The id.
        request_id: String,
        /// Why.
        reason: String,
    },
    /// A request with no postings.
    #[error("a request needs at least one posting")]
    Empty,
    /// More postings than [`POSTINGS_PER_REQUEST_MAX`].
    #[error("{count} postings in one request, above the limit of {max}")]
    TooManyPostings {
        /// Postings given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A posting of zero, a negative amount or an amount beyond the bound.
    #[error("posting {index}: amount {amount_fen} fen is not positive or is beyond the bound")]
    BadAmount {
        /// 0-based position in the request.
        index: usize,
        /// The amount.
        amount_fen: i64,
    },
    /// A posting whose owner id is empty or too long.
    #[error("posting {index}: account '{account}' has an empty or too long owner")]
    BadOwner {
        /// 0-based position in the request.
        index: usize,
        /// The account.
        account: String,
    },
    /// A posting that debits and credits the same account.
    #[error("posting {index}: debits and credits the same account {account}")]
    SameAccount {
        /// 0-based position in the request.
        index: usize,
        /// The account.
        account: String,
    },
    /// A posting that would take a bounded account below zero.
    #[error(
        "posting {index} ({code}): account {account} holds {balance_fen} fen, cannot give {amount_fen} fen"
    )]
    Insufficient {
        /// 0-based position in the request.
        index: usize,
        /// The posting's code key.
        code: String,
        /// The account.
        account: String,
        /// Its balance before the posting.
        balance_fen: i64,
        /// The amount asked.
        amount_fen: i64,
    },
    /// A request id already applied with other postings.
    #[error("request id '{request_id}' was already applied with other postings")]
    RequestConflict {
        /// The id.
        request_id: String,
    },
    /// The books could not write (a store that failed): nothing was applied.
    #[error("the books failed: {message}")]
    Failed {
        /// What the store said.
        message: String,
    },
}

/// A double-entry ledger the scheme can post to.
///
/// The contract every implementation keeps:
/// - a request is applied all or nothing: when `post` returns an error, no balance changed;
/// - postings are checked in order, each against the balances left by the ones before it, and
///   a posting that would take a [bounded](AccountKind::bounded) account below zero refuses
///   the whole request;
/// - a request id is applied at most once: the same id with the same postings returns
///   [`Posted::Repeat`] and changes nothing; with other postings, [`BookingError::RequestConflict`];
/// - Σ debits = Σ credits over the books after every request.
pub trait Booking {
    /// Applies `postings` under `request_id`, all or nothing.
    fn post(&mut self, request_id: &str, postings: &[Posting]) -> Result<Posted, BookingError>;

    /// The balance of `account` on its normal side, in fen (zero for an account never
    /// posted to).
    fn balance_fen(&self, account: &AccountKey) -> Result<i64, BookingError>;
}

/// Checks the shape of a request before any balance is looked at: the id, the number of
/// postings, each amount and each pair of accounts. Implementations call it first.
pub fn check_request(request_id: &str, postings: &[Posting]) -> Result<(), BookingError> {
    check_request_id(request_id)?;
    if postings.is_empty() {
        return Err(BookingError::Empty);
    }
    if postings.len() > POSTINGS_PER_REQUEST_MAX {
        return Err(BookingError::TooManyPostings {
            count: postings.len(),
            max: POSTINGS_PER_REQUEST_MAX,
        });
    }
    for (index, p) in postings.iter().enumerate() {
        if p.amount_fen <= 0 || p.amount_fen > registry_model::money::MONEY_FEN_MAX {
            return Err(BookingError::BadAmount {
                index,
                amount_fen: p.amount_fen,
            });
        }
        for a in [&p.debit, &p.credit] {
            if a.owner.is_empty() || a.owner.len() > OWNER_LEN_MAX {
                return Err(BookingError::BadOwner {
                    index,
                    account: a.to_string(),
                });
            }
        }
        if p.debit == p.credit {
            return Err(BookingError::SameAccount {
                index,
                account: p.debit.to_string(),
            });
        }
    }
    Ok(())
}

/// Checks a request id: 1 to [`REQUEST_ID_LEN_MAX`] bytes, no control characters.
pub fn check_request_id(request_id: &str) -> Result<(), BookingError> {
    let reason = if request_id.is_empty() {
        Some("empty")
    } else if request_id.len() > REQUEST_ID_LEN_MAX {
        Some("longer than 128 bytes")
    } else if request_id.chars().any(char::is_control) {
        Some("has a control character")
    } else {
        None
    };
    match reason {
        Some(r) => Err(BookingError::BadRequestId {
            request_id: request_id.chars().take(REQUEST_ID_LEN_MAX).collect(),
            reason: r.to_string(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_is_consistent() {
        for k in AccountKind::ALL {
            // Every bounded account is debit-normal: the scheme's assets and budgets.
            if k.bounded() {
                assert_eq!(k.normal_side(), Side::Debit, "{}", k.key());
            }
        }
        let keys: std::collections::BTreeSet<_> =
            AccountKind::ALL.iter().map(|k| k.key()).collect();
        assert_eq!(keys.len(), AccountKind::ALL.len());
    }

    #[test]
    fn request_shape_is_checked() {
        let a = AccountKey::new(AccountKind::RiskPool, "p");
        let b = AccountKey::new(AccountKind::ProgramTreasury, "p");
        let ok = Posting::new(a.clone(), b.clone(), 5, PostingCode::Funding);
        assert!(check_request("r1", std::slice::from_ref(&ok)).is_ok());
        assert_eq!(check_request("r1", &[]), Err(BookingError::Empty));
        assert!(matches!(
            check_request("", std::slice::from_ref(&ok)),
            Err(BookingError::BadRequestId { .. })
        ));
        assert!(matches!(
            check_request("a\nb", std::slice::from_ref(&ok)),
            Err(BookingError::BadRequestId { .. })
        ));
        let zero = Posting::new(a.clone(), b.clone(), 0, PostingCode::Funding);
        assert!(matches!(
            check_request("r", &[zero]),
            Err(BookingError::BadAmount { index: 0, .. })
        ));
        let same = Posting::new(a.clone(), a.clone(), 1, PostingCode::Funding);
        assert!(matches!(
            check_request("r", &[ok.clone(), same]),
            Err(BookingError::SameAccount { index: 1, .. })
        ));
        let many = vec![ok; POSTINGS_PER_REQUEST_MAX + 1];
        assert!(matches!(
            check_request("r", &many),
            Err(BookingError::TooManyPostings { .. })
        ));
    }
}
