//! One 云量贷 credit line's state: its terms, balances and life-cycle status.
//!
//! The balances here mirror the line's accounts in the books (principal, interest receivable,
//! undrawn commitment, defaulted claim); [`crate::CreditLines::check_invariants`] checks that
//! they agree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use registry_model::{EnterpriseId, Tier};

use crate::error::{FinanceError, Result, invalid};
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
