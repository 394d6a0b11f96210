//! One 云量贷 credit line's state: its terms, balances and life-cycle status.
//!
//! The balances here mirror the line's accounts in the books (principal, interest receivable,
//! undrawn commitment, defaulted claim); [`crate::CreditLines::check_invariants`] checks that
//! they agree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use registry_model::{EnterpriseId, Tier};

use crate::booking::{AccountKey, AccountKind, Posting, PostingCode};
use crate::error::{FinanceError, Result, invalid};
use crate::money::interest_fen;
use crate::product::LineTerms;

/// Longest line or bank id, in bytes.
pub const LINE_ID_LEN_MAX: usize = 64;

/// Where a line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Granted: may be drawn (before maturity), repaid, paid interest on.
    Active,
    /// Closed after full repayment.
    Closed,
    /// In default: recoveries may come in until it is written off.
    Defaulted,
    /// Default resolved: what was not recovered is written off.
    WrittenOff,
}

impl LineStatus {
    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            LineStatus::Active => "active",
            LineStatus::Closed => "closed",
            LineStatus::Defaulted => "defaulted",
            LineStatus::WrittenOff => "written_off",
        }
    }
}

/// What happened at and after default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRecord {
    /// Date of default.
    pub on: NaiveDate,
    /// Principal outstanding at default: the claim.
    pub claim_fen: i64,
    /// Unpaid interest reversed at default.
    pub interest_reversed_fen: i64,
    /// What the claim was due from the pool (share × claim).
    pub compensation_due_fen: i64,
    /// What the pool paid.
    pub compensation_fen: i64,
    /// Recovered so far.
    pub recovered_fen: i64,
    /// Returned to the pool from recoveries so far.
    pub returned_to_pool_fen: i64,
    /// Written off.
    pub written_off_fen: i64,
}

impl DefaultRecord {
    /// The claim still open: neither recovered nor written off.
    pub fn open_fen(&self) -> i64 {
        self.claim_fen - self.recovered_fen - self.written_off_fen
    }

    /// The bank's loss so far: claim − recoveries − compensation + returns to the pool.
    pub fn bank_loss_fen(&self) -> i64 {
        self.claim_fen - self.recovered_fen - self.compensation_fen + self.returned_to_pool_fen
    }
}

/// A credit line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditLine {
    /// Line id.
    pub id: String,
    /// The borrower.
    pub firm: EnterpriseId,
    /// Its tier at grant.
    pub tier: Option<Tier>,
    /// The lending bank.
    pub bank: String,
    /// The product it was granted under.
    pub product: String,
    /// Score at grant.
    pub score: i64,
    /// PD at grant.
    pub pd: f64,
    /// The limit.
    pub limit_fen: i64,
    /// The terms.
    pub terms: LineTerms,
    /// Grant date.
    pub granted_on: NaiveDate,
    /// Maturity: no draw on or after it; the undrawn limit lapses.
    pub maturity: NaiveDate,
    /// Interest accrued before this date is subsidised.
    pub subsidy_until: NaiveDate,
    /// Status.
    pub status: LineStatus,
    /// Undrawn limit still available.
    pub available_fen: i64,
    /// Principal outstanding.
    pub principal_fen: i64,
    /// Interest accrued and unpaid.
    pub interest_unpaid_fen: i64,
    /// The part of it accrued in the subsidised period.
    pub subsidisable_unpaid_fen: i64,
    /// Interest accrued up to (not including) this date.
    pub accrued_through: NaiveDate,
    /// Drawn in total.
    pub drawn_total_fen: i64,
    /// Principal repaid in total.
    pub repaid_total_fen: i64,
    /// Interest accrued in total.
    pub interest_accrued_total_fen: i64,
    /// Interest paid by the firm in total.
    pub interest_paid_total_fen: i64,
    /// Subsidy paid on the line in total.
    pub subsidy_paid_total_fen: i64,
    /// Set at default.
    pub default: Option<DefaultRecord>,
}

/// Checks a line or bank id: 1 to [`LINE_ID_LEN_MAX`] bytes of ASCII letters, digits and
/// `. _ - :`.
pub fn check_id(what: &str, id: &str) -> Result<()> {
    if id.is_empty()
        || id.len() > LINE_ID_LEN_MAX
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b))
    {
        return Err(invalid(
            what,
            "id",
            id,
            format!("must be 1 to {LINE_ID_LEN_MAX} ASCII letters, digits or . _ - :"),
        ));
    }
    Ok(())
}

impl CreditLine {
    /// An error when the line is not in `wanted` for `operation`.
    pub(crate) fn require(&self, wanted: LineStatus, operation: &str) -> Result<()> {
        if self.status != wanted {
            return Err(FinanceError::LineState {
                line: self.id.clone(),
                state: self.status.key().to_string(),
                operation: operation.to_string(),
            });
        }
        Ok(())
    }

    /// The firm owes on the line (principal and interest).
    pub fn owed_fen(&self) -> i64 {
        self.principal_fen + self.interest_unpaid_fen
    }
}

fn key(kind: AccountKind, owner: &str) -> AccountKey {
    AccountKey::new(kind, owner)
}

/// Accrues `l` up to `date` (split at the end of the subsidised period) and lets the undrawn
/// limit lapse at maturity; returns the interest accrued.
pub(crate) fn bring_to(
    l: &mut CreditLine,
    date: NaiveDate,
    postings: &mut Vec<Posting>,
) -> Result<i64> {
    if date < l.accrued_through {
        return Err(invalid(
            &l.id,
            "date",
            date,
            format!(
                "before the last accrual date {}: no back-dating",
                l.accrued_through
            ),
        ));
    }
    let mut total = 0;
    let from = l.accrued_through;
    let split = l.subsidy_until.clamp(from, date);
    for (a, b, subsidised) in [(from, split, true), (split, date, false)] {
        let days = (b - a).num_days();
        if days <= 0 || l.principal_fen == 0 {
            continue;
        }
        let i = interest_fen(
            l.principal_fen,
            l.terms.annual_rate,
            days,
            l.terms.day_count,
        )
        .ok_or_else(|| invalid(&l.id, "date", date, "interest beyond the accepted range"))?;
        if i > 0 {
            postings.push(Posting::new(
                key(AccountKind::InterestReceivable, &l.id),
                key(AccountKind::InterestIncome, &l.bank),
                i,
                PostingCode::InterestAccrual,
            ));
            l.interest_unpaid_fen = l
                .interest_unpaid_fen
                .checked_add(i)
                .filter(|v| *v <= crate::money::AMOUNT_FEN_MAX)
                .ok_or_else(|| {
                    invalid(
                        &l.id,
                        "date",
                        date,
                        "unpaid interest beyond the accepted range",
                    )
                })?;
            l.interest_accrued_total_fen = l.interest_accrued_total_fen.saturating_add(i);
            if subsidised {
                l.subsidisable_unpaid_fen += i;
            }
            total += i;
        }
    }
    l.accrued_through = date;
    if date >= l.maturity {
        cancel_commitment(l, postings);
    }
    Ok(total)
}

/// Cancels the undrawn limit; returns the amount.
pub(crate) fn cancel_commitment(l: &mut CreditLine, postings: &mut Vec<Posting>) -> i64 {
    let c = l.available_fen;
    if c > 0 {
        postings.push(Posting::new(
            key(AccountKind::CommitmentsIssued, &l.bank),
            key(AccountKind::Commitment, &l.id),
            c,
            PostingCode::Cancellation,
        ));
        l.available_fen = 0;
    }
    c
}
