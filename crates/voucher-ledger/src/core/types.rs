//! The ledger's data: accounts with their limit flags and balances, transfers with their
//! flags, the states of a pending transfer, and the records of the undo log.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Limit flags of an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountFlags {
    /// Posted plus pending debits may never exceed posted credits (a balance that cannot go
    /// below zero: budgets, voucher balances).
    #[serde(default, skip_serializing_if = "is_false")]
    pub debits_must_not_exceed_credits: bool,
    /// Posted plus pending credits may never exceed posted debits (a receivable that cannot
    /// turn into a payable).
    #[serde(default, skip_serializing_if = "is_false")]
    pub credits_must_not_exceed_debits: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

impl AccountFlags {
    /// No limit.
    pub const NONE: AccountFlags = AccountFlags {
        debits_must_not_exceed_credits: false,
        credits_must_not_exceed_debits: false,
    };
    /// Debits must not exceed credits.
    pub const DEBITS_LIMITED: AccountFlags = AccountFlags {
        debits_must_not_exceed_credits: true,
        credits_must_not_exceed_debits: false,
    };
    /// Credits must not exceed debits.
    pub const CREDITS_LIMITED: AccountFlags = AccountFlags {
        debits_must_not_exceed_credits: false,
        credits_must_not_exceed_debits: true,
    };
}

/// What a caller gives to open an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    /// Unique, non-zero id.
    pub id: u64,
    /// The ledger (partition); transfers only connect accounts of one ledger.
    pub ledger: u32,
    /// What kind of account (chart-of-accounts code).
    pub code: u16,
    /// Limit flags.
    #[serde(default)]
    pub flags: AccountFlags,
    /// A readable name, such as `hangzhou-compute-2024/2025/budget`.
    pub name: String,
}

/// An account with its balances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Unique, non-zero id.
    pub id: u64,
    /// The ledger.
    pub ledger: u32,
    /// Chart-of-accounts code.
    pub code: u16,
    /// Limit flags.
    pub flags: AccountFlags,
    /// Readable name.
    pub name: String,
    /// Debits reserved by pending transfers.
    pub debits_pending_fen: u64,
    /// Debits posted.
    pub debits_posted_fen: u64,
    /// Credits reserved by pending transfers.
    pub credits_pending_fen: u64,
    /// Credits posted.
    pub credits_posted_fen: u64,
    /// Ledger time of creation.
    pub timestamp_s: i64,
    /// Closed accounts accept no transfer.
    pub closed: bool,
}

impl Account {
    /// Posted credits minus posted debits (positive for a funded budget or voucher).
    pub fn credit_balance_fen(&self) -> i128 {
        i128::from(self.credits_posted_fen) - i128::from(self.debits_posted_fen)
    }

    /// Credits minus debits minus pending debits: what a debits-limited account can still pay.
    pub fn available_fen(&self) -> u64 {
        self.credits_posted_fen
            .saturating_sub(self.debits_posted_fen)
            .saturating_sub(self.debits_pending_fen)
    }
}

/// Flags of a transfer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TransferFlags {
    /// Succeeds or fails together with the next transfer of the batch.
    #[serde(default, skip_serializing_if = "is_false")]
    pub linked: bool,
    /// Reserves the amount until posted, voided or timed out.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pending: bool,
    /// Posts (all or part of) the pending transfer `pending_id`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub post_pending: bool,
    /// Releases the pending transfer `pending_id`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub void_pending: bool,
}

/// A transfer. Input transfers leave `timestamp_s` at 0; the ledger stamps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transfer {
    /// Unique, non-zero id.
    pub id: u64,
    /// Account debited. For post/void it may be 0 (taken from the pending transfer).
    pub debit_account_id: u64,
    /// Account credited. For post/void it may be 0 (taken from the pending transfer).
    pub credit_account_id: u64,
    /// Amount in fen; positive, except for post/void where 0 means "the pending amount".
    pub amount_fen: u64,
    /// For post/void: the pending transfer resolved.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub pending_id: u64,
    /// The ledger; must equal both accounts' ledger (0 allowed for post/void).
    pub ledger: u32,
    /// What kind of movement (chart-of-movements code).
    pub code: u16,
    /// Flags.
    #[serde(default)]
    pub flags: TransferFlags,
    /// For pending transfers: seconds until the reservation lapses (0 = never).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub timeout_s: u32,
    /// Free reference (such as a hash of the contract id).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub user_data: u64,
    /// Ledger time when applied (set by the ledger).
    #[serde(default)]
    pub timestamp_s: i64,
}

impl Transfer {
    /// A plain posted transfer.
    pub fn new(id: u64, debit: u64, credit: u64, amount_fen: u64, ledger: u32, code: u16) -> Self {
        Self {
            id,
            debit_account_id: debit,
            credit_account_id: credit,
            amount_fen,
            pending_id: 0,
            ledger,
            code,
            flags: TransferFlags::default(),
            timeout_s: 0,
            user_data: 0,
            timestamp_s: 0,
        }
    }

    /// Whether this transfer moved posted balances (a plain or a post-pending transfer).
    pub fn is_posting(&self) -> bool {
        !self.flags.pending && !self.flags.void_pending
    }
}

/// Where a pending transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingState {
    /// Reserved, not resolved.
    Pending,
    /// Posted (fully or in part).
    Posted,
    /// Voided.
    Voided,
    /// Lapsed after its timeout.
    Expired,
}

impl PendingState {
    pub(super) fn name(self) -> &'static str {
        match self {
            PendingState::Pending => "pending",
            PendingState::Posted => "posted",
            PendingState::Voided => "voided",
            PendingState::Expired => "expired",
        }
    }
}

// ---- the ledger's own bookkeeping: pending transfers and the undo log ----------------------

#[derive(Debug, Clone, Copy)]
pub(super) struct PendingInfo {
    pub(super) state: PendingState,
    pub(super) index: usize,
    pub(super) deadline_s: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Balances {
    pub(super) dp: u64,
    pub(super) dpo: u64,
    pub(super) cp: u64,
    pub(super) cpo: u64,
}

#[derive(Debug, Clone)]
pub(super) enum Undo {
    Balances { index: usize, prev: Balances },
    TransferPushed { id: u64 },
    AccountPushed { id: u64 },
    AccountClosed { index: usize },
    Pending { id: u64, prev: Option<PendingInfo> },
    ExpiryInserted { deadline_s: i64, id: u64 },
    ExpiryRemoved { deadline_s: i64, id: u64 },
    Totals { posted: u128, pending: u128 },
    LastTimestamp { prev: i64 },
    ClosedThrough { prev: Option<NaiveDate> },
}

/// A position in the undo log, to roll back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint(pub(super) usize);
