//! Credit books: the chart of accounts of a credit program (云量贷 lines, their interest
//! subsidy budget and risk compensation pool) on the same double-entry ledger, so that loans
//! are journaled, replayed, verified and audited with the vouchers that gave rise to them.
//!
//! A request ([`Command::Post`]) carries postings — a debit account, a credit account, an
//! amount and a [`CreditCode`] — applied in order, all or nothing, at most once per request
//! id. Accounts are `(kind, owner)` of named books, opened on first use on the ledger of the
//! books' region as `{books}/credit/{kind}/{owner}`. The twelve kinds ([`CreditAccountKind`])
//! each have a normal side; the bounded ones (budgets, pools, principal, claims…) are debit
//! accounts opened with `credits_must_not_exceed_debits`, so the ledger itself refuses a
//! posting that would take one below zero, as it refuses an overdrawn voucher.
//!
//! | kind | code | normal side | bounded |
//! |---|---|---|---|
//! | `program_treasury` | 30 | credit | |
//! | `subsidy_budget` | 31 | debit | yes |
//! | `risk_pool` | 32 | debit | yes |
//! | `subsidy_paid` | 33 | debit | yes |
//! | `bank_cash` | 34 | debit | |
//! | `commitments_issued` | 35 | credit | |
//! | `commitment` | 36 | debit | yes |
//! | `principal` | 37 | debit | yes |
//! | `interest_receivable` | 38 | debit | yes |
//! | `interest_income` | 39 | credit | |
//! | `defaulted_claim` | 40 | debit | yes |
//! | `credit_losses` | 41 | debit | |

use registry_model::RegionCode;
use serde::{Deserialize, Serialize};

use crate::core::{AccountFlags, BATCH_MAX, Transfer};
use crate::error::{LedgerError, Result};
use crate::journal::Journal;
use crate::money::AMOUNT_FEN_MAX;
use crate::program::ledger_of;

use super::VoucherBook;
use super::chart::{account_code, account_id, names, transfer_code, transfer_id};
use super::plan::Plan;
use super::request::{Command, Reply};
use super::state::AccountMeta;

/// The most postings in one request (a ledger batch).
pub const POSTINGS_PER_REQUEST_MAX: usize = BATCH_MAX;
/// The longest account owner (a program, bank, line or firm id), in bytes.
pub const CREDIT_OWNER_LEN_MAX: usize = 128;

/// Which side of an account its balance normally sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditSide {
    /// Debits increase the balance.
    Debit,
    /// Credits increase the balance.
    Credit,
}

macro_rules! kinds {
    ($name:ident, $doc:literal, $first:expr, [$(($v:ident, $key:literal, $vdoc:literal)),+ $(,)?]) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[doc = $vdoc] $v,)+
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$v,)+];

            /// Its key in files and account names.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$v => $key,)+
                }
            }

            /// Its ledger code.
            pub fn code(self) -> u16 {
                $first + self as u16
            }

            /// The value of a ledger code.
            pub fn of_code(code: u16) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.code() == code)
            }

            /// The value of a key.
            pub fn of_key(key: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.key() == key)
            }
        }
    };
}

kinds!(
    CreditAccountKind,
    "The kinds of account of credit books (see the module's table).",
    account_code::CREDIT_FIRST,
    [
        (
            ProgramTreasury,
            "program_treasury",
            "Money the program put into the scheme."
        ),
        (
            SubsidyBudget,
            "subsidy_budget",
            "The interest-subsidy budget (贴息资金)."
        ),
        (
            RiskPool,
            "risk_pool",
            "The risk compensation pool (风险补偿资金池)."
        ),
        (SubsidyPaid, "subsidy_paid", "Subsidies received by a firm."),
        (BankCash, "bank_cash", "A bank's cash moved by the scheme."),
        (
            CommitmentsIssued,
            "commitments_issued",
            "Limits a bank has committed and not yet lent."
        ),
        (Commitment, "commitment", "A line's undrawn limit."),
        (Principal, "principal", "A line's principal outstanding."),
        (
            InterestReceivable,
            "interest_receivable",
            "A line's interest accrued and unpaid."
        ),
        (
            InterestIncome,
            "interest_income",
            "A bank's interest earned."
        ),
        (
            DefaultedClaim,
            "defaulted_claim",
            "A line's principal in default."
        ),
        (
            CreditLosses,
            "credit_losses",
            "A bank's written-off claims."
        ),
    ]
);

kinds!(
    CreditCode,
    "Why money moved between credit accounts: the code of a posting.",
    transfer_code::CREDIT_FIRST,
    [
        (
            Funding,
            "funding",
            "The program funds its subsidy budget or risk pool."
        ),
        (Grant, "grant", "A line is granted: its limit is committed."),
        (Drawdown, "drawdown", "Principal lent."),
        (InterestAccrual, "interest_accrual", "Interest accrued."),
        (
            InterestPayment,
            "interest_payment",
            "Interest paid by the firm."
        ),
        (
            Subsidy,
            "subsidy",
            "Interest subsidy (贴息) paid by the program."
        ),
        (Repayment, "repayment", "Principal repaid."),
        (Cancellation, "cancellation", "Undrawn limit cancelled."),
        (
            InterestReversal,
            "interest_reversal",
            "Unpaid interest reversed at default."
        ),
        (Default, "default", "Principal moved to default."),
        (
            Compensation,
            "compensation",
            "The risk pool compensates the bank."
        ),
        (Recovery, "recovery", "Money recovered on a defaulted loan."),
        (
            PoolReturn,
            "pool_return",
            "The pool's share of a recovery returned to it."
        ),
        (WriteOff, "write_off", "A remaining claim written off."),
    ]
);

const _: () = assert!(account_code::CREDIT_FIRST + 11 == account_code::CREDIT_LAST);
const _: () = assert!(transfer_code::CREDIT_FIRST + 13 == transfer_code::CREDIT_LAST);

impl CreditAccountKind {
    /// The side its balance normally sits on.
    pub fn normal_side(self) -> CreditSide {
        match self {
            CreditAccountKind::ProgramTreasury
            | CreditAccountKind::CommitmentsIssued
            | CreditAccountKind::InterestIncome => CreditSide::Credit,
            _ => CreditSide::Debit,
        }
    }

    /// True when its balance must never go below zero (on the debit side): the ledger opens
    /// it with `credits_must_not_exceed_debits`.
    pub fn bounded(self) -> bool {
        matches!(
            self,
            CreditAccountKind::SubsidyBudget
                | CreditAccountKind::RiskPool
                | CreditAccountKind::SubsidyPaid
                | CreditAccountKind::Commitment
                | CreditAccountKind::Principal
                | CreditAccountKind::InterestReceivable
                | CreditAccountKind::DefaultedClaim
        )
    }

    fn flags(self) -> AccountFlags {
        if self.bounded() {
            AccountFlags::CREDITS_LIMITED
        } else {
            AccountFlags::NONE
        }
    }
}

/// An account of credit books.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CreditAccount {
    /// The kind.
    pub kind: CreditAccountKind,
    /// The owner's id (a program, bank, line or firm).
    pub owner: String,
}

/// One posting: `amount_fen` debited to one account and credited to another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreditPosting {
    /// The account debited.
    pub debit: CreditAccount,
    /// The account credited.
    pub credit: CreditAccount,
    /// The amount, fen (positive).
    pub amount_fen: u64,
    /// Why.
    pub code: CreditCode,
}

impl<J: Journal> VoucherBook<J> {
    /// Applies `postings` to the credit books `books` (accounts on the ledger of `region`),
    /// in order, all or nothing; a repeat of `request_id` with the same postings returns the
    /// first reply and writes nothing.
    pub fn post_credit(
        &mut self,
        request_id: &str,
        books: &str,
        region: RegionCode,
        postings: Vec<CreditPosting>,
    ) -> Result<Reply> {
        self.execute(
            request_id,
            Command::Post {
                books: books.to_string(),
                region,
                postings,
            },
        )
    }

    /// The balance of an account of `books` on its normal side, fen (0 for an account never
    /// posted to).
    pub fn credit_balance_fen(&self, books: &str, account: &CreditAccount) -> i128 {
        let name = names::credit(books, account.kind.key(), &account.owner);
        let b = self
            .ledger
            .account(account_id(&name))
            .map_or(0, |a| a.credit_balance_fen());
        match account.kind.normal_side() {
            CreditSide::Credit => b,
            CreditSide::Debit => -b,
        }
    }

    /// Every account of `books` with its balance on its normal side, by kind and owner.
    pub fn credit_accounts(&self, books: &str) -> Vec<(CreditAccount, i128)> {
        let prefix = format!("{books}/credit/");
        let mut out: Vec<(CreditAccount, i128)> = self
            .ledger
            .accounts()
            .iter()
            .filter(|a| {
                (account_code::CREDIT_FIRST..=account_code::CREDIT_LAST).contains(&a.code)
                    && a.name.starts_with(&prefix)
            })
            .filter_map(|a| {
                let kind = CreditAccountKind::of_code(a.code)?;
                let owner = a.name.get(prefix.len() + kind.key().len() + 1..)?;
                let b = a.credit_balance_fen();
                let b = match kind.normal_side() {
                    CreditSide::Credit => b,
                    CreditSide::Debit => -b,
                };
                Some((
                    CreditAccount {
                        kind,
                        owner: owner.to_string(),
                    },
                    b,
                ))
            })
            .collect();
        out.sort();
        out
    }

    pub(super) fn plan_post(
        &self,
        request_id: &str,
        plan: &mut Plan,
        books: &str,
        region: RegionCode,
        postings: &[CreditPosting],
    ) -> Result<()> {
        let bad = |field: String, value: String, reason: &str| LedgerError::InvalidRequest {
            request_id: request_id.to_string(),
            field,
            value: value.chars().take(80).collect(),
            reason: reason.to_string(),
        };
        if books.is_empty()
            || books.len() > 64
            || !books
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(bad(
                "books".into(),
                books.into(),
                "must be 1–64 letters, digits, '-', '_' or '.'",
            ));
        }
        if postings.is_empty() {
            return Err(LedgerError::EmptyBatch {
                what: "postings",
                request_id: request_id.to_string(),
            });
        }
        if postings.len() > POSTINGS_PER_REQUEST_MAX {
            return Err(LedgerError::BatchTooLarge {
                what: "postings",
                len: postings.len(),
                max: POSTINGS_PER_REQUEST_MAX,
            });
        }
        let ledger = ledger_of(region);
        for (i, p) in postings.iter().enumerate() {
            if p.amount_fen == 0 || p.amount_fen > AMOUNT_FEN_MAX {
                return Err(bad(
                    format!("postings[{i}].amount_fen"),
                    p.amount_fen.to_string(),
                    "must be positive and at most 10^15 fen",
                ));
            }
            if p.debit == p.credit {
                return Err(bad(
                    format!("postings[{i}]"),
                    format!("{}:{}", p.debit.kind.key(), p.debit.owner),
                    "debits and credits the same account",
                ));
            }
            let mut ids = [0u64; 2];
            for (slot, a) in [&p.debit, &p.credit].into_iter().enumerate() {
                if a.owner.trim().is_empty()
                    || a.owner.len() > CREDIT_OWNER_LEN_MAX
                    || a.owner.chars().any(char::is_control)
                {
                    return Err(bad(
                        format!("postings[{i}].owner"),
                        a.owner.clone(),
                        "must be 1–128 bytes without control characters",
                    ));
                }
                ids[slot] = self.need_account(
                    plan,
                    names::credit(books, a.kind.key(), &a.owner),
                    ledger,
                    a.kind.code(),
                    a.kind.flags(),
                    AccountMeta {
                        program: Some(books.to_string()),
                        ..AccountMeta::default()
                    },
                );
            }
            plan.transfers.push(Transfer::new(
                transfer_id(request_id, i),
                ids[0],
                ids[1],
                p.amount_fen,
                ledger,
                p.code.code(),
            ));
        }
        plan.reply = Some(Reply::Posted {
            books: books.to_string(),
            postings: u32::try_from(postings.len()).unwrap_or(u32::MAX),
            transfer_ids: plan.transfers.iter().map(|t| t.id).collect(),
        });
        Ok(())
    }
}
