//! The double-entry core: accounts, immutable transfers, linked chains, pending transfers.
//!
//! Modelled on TigerBeetle's state machine:
//! - an account has a ledger (a partition: here one per region fund), a code (what kind of
//!   account), a name, limit flags and four balances (posted and pending, debits and credits);
//! - a transfer moves an amount of integer fen from a debit account to a credit account on the
//!   same ledger; it is never changed or deleted afterwards (corrections are new, reversing
//!   transfers);
//! - a transfer flagged `linked` succeeds or fails together with the next one: a chain ends at
//!   the first transfer without the flag;
//! - a `pending` transfer reserves the amount on both accounts; a later `post_pending` moves
//!   all or part of it, `void_pending` releases it, and a timeout on the ledger clock expires
//!   it; each pending transfer resolves at most once;
//! - every transfer adds the same amount to one account's debits and another's credits, so
//!   Σ debits = Σ credits after every step ([`Ledger::check_invariants`]).
//!
//! The core does no I/O. Batches are applied with an undo log, so a caller can make a whole
//! batch atomic ([`Ledger::apply_all`]) or undo it after a failed journal write.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::clock::date_of;
use crate::error::{LedgerError, Result};
use crate::money::AMOUNT_FEN_MAX;

/// The most transfers (or accounts) in one batch, as in TigerBeetle.
pub const BATCH_MAX: usize = 8_190;

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
    fn name(self) -> &'static str {
        match self {
            PendingState::Pending => "pending",
            PendingState::Posted => "posted",
            PendingState::Voided => "voided",
            PendingState::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct PendingInfo {
    state: PendingState,
    index: usize,
    deadline_s: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
struct Balances {
    dp: u64,
    dpo: u64,
    cp: u64,
    cpo: u64,
}

#[derive(Debug, Clone)]
enum Undo {
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
pub struct Checkpoint(usize);

/// The in-memory double-entry state machine.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    accounts: Vec<Account>,
    account_index: HashMap<u64, usize>,
    transfers: Vec<Transfer>,
    transfer_index: HashMap<u64, usize>,
    pending: HashMap<u64, PendingInfo>,
    expiries: BTreeSet<(i64, u64)>,
    posted_total_fen: u128,
    pending_total_fen: u128,
    last_timestamp_s: i64,
    closed_through: Option<NaiveDate>,
    undo: Vec<Undo>,
    recording: usize,
}

/// One refused item of a batch applied with [`Ledger::create_transfers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFailure {
    /// Zero-based index in the batch.
    pub index: usize,
    /// Why.
    pub error: LedgerError,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    // ---- queries -------------------------------------------------------------------------

    /// The account with `id`.
    pub fn account(&self, id: u64) -> Option<&Account> {
        self.account_index
            .get(&id)
            .and_then(|&i| self.accounts.get(i))
    }

    /// All accounts in creation order.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// The transfer with `id`.
    pub fn transfer(&self, id: u64) -> Option<&Transfer> {
        self.transfer_index
            .get(&id)
            .and_then(|&i| self.transfers.get(i))
    }

    /// All transfers in the order applied.
    pub fn transfers(&self) -> &[Transfer] {
        &self.transfers
    }

    /// The state of pending transfer `id`.
    pub fn pending_state(&self, id: u64) -> Option<PendingState> {
        self.pending.get(&id).map(|p| p.state)
    }

    /// Σ of all posted amounts (equal to Σ debits posted and to Σ credits posted).
    pub fn posted_total_fen(&self) -> u128 {
        self.posted_total_fen
    }

    /// Σ of all amounts currently reserved by pending transfers.
    pub fn pending_total_fen(&self) -> u128 {
        self.pending_total_fen
    }

    /// The latest ledger time applied.
    pub fn last_timestamp_s(&self) -> i64 {
        self.last_timestamp_s
    }

    /// The earliest timeout among pending transfers, if any.
    pub fn next_deadline_s(&self) -> Option<i64> {
        self.expiries.first().map(|&(d, _)| d)
    }

    /// The last day of the closed period, if any.
    pub fn closed_through(&self) -> Option<NaiveDate> {
        self.closed_through
    }

    // ---- undo ------------------------------------------------------------------------------

    /// Starts recording an undo log (nestable) and returns the position to roll back to.
    pub fn checkpoint(&mut self) -> Checkpoint {
        self.recording += 1;
        Checkpoint(self.undo.len())
    }

    /// Keeps everything since `cp` (the matching [`Ledger::checkpoint`] ends).
    pub fn commit(&mut self, cp: Checkpoint) {
        self.recording = self.recording.saturating_sub(1);
        if self.recording == 0 {
            self.undo.clear();
        } else {
            // An outer checkpoint may still roll these changes back: keep their undo entries.
            debug_assert!(self.undo.len() >= cp.0);
        }
    }

    /// Undoes everything since `cp` (the matching [`Ledger::checkpoint`] ends).
    pub fn rollback(&mut self, cp: Checkpoint) {
        while self.undo.len() > cp.0 {
            let Some(u) = self.undo.pop() else { break };
            self.undo_one(u);
        }
        self.recording = self.recording.saturating_sub(1);
        if self.recording == 0 {
            self.undo.clear();
        }
    }

    /// How many checkpoints are open (a group of requests remembers it, to restore it even
    /// when a panic skipped the end of an inner checkpoint).
    pub(crate) fn checkpoint_depth(&self) -> usize {
        self.recording
    }

    /// Undoes everything since `cp` and leaves `depth` checkpoints open: `cp` was taken when
    /// `depth` were open, and any checkpoint opened after it and never ended is ended too.
    pub(crate) fn rollback_to_depth(&mut self, cp: Checkpoint, depth: usize) {
        while self.undo.len() > cp.0 {
            let Some(u) = self.undo.pop() else { break };
            self.undo_one(u);
        }
        self.recording = depth;
        if self.recording == 0 {
            self.undo.clear();
        }
    }

    fn undo_one(&mut self, u: Undo) {
        match u {
            Undo::Balances { index, prev } => {
                if let Some(a) = self.accounts.get_mut(index) {
                    a.debits_pending_fen = prev.dp;
                    a.debits_posted_fen = prev.dpo;
                    a.credits_pending_fen = prev.cp;
                    a.credits_posted_fen = prev.cpo;
                }
            }
            Undo::TransferPushed { id } => {
                self.transfers.pop();
                self.transfer_index.remove(&id);
            }
            Undo::AccountPushed { id } => {
                self.accounts.pop();
                self.account_index.remove(&id);
            }
            Undo::AccountClosed { index } => {
                if let Some(a) = self.accounts.get_mut(index) {
                    a.closed = false;
                }
            }
            Undo::Pending { id, prev } => match prev {
                Some(p) => {
                    self.pending.insert(id, p);
                }
                None => {
                    self.pending.remove(&id);
                }
            },
            Undo::ExpiryInserted { deadline_s, id } => {
                self.expiries.remove(&(deadline_s, id));
            }
            Undo::ExpiryRemoved { deadline_s, id } => {
                self.expiries.insert((deadline_s, id));
            }
            Undo::Totals { posted, pending } => {
                self.posted_total_fen = posted;
                self.pending_total_fen = pending;
            }
            Undo::LastTimestamp { prev } => self.last_timestamp_s = prev,
            Undo::ClosedThrough { prev } => self.closed_through = prev,
        }
    }

    fn log(&mut self, u: Undo) {
        if self.recording > 0 {
            self.undo.push(u);
        }
    }

    fn save_balances(&mut self, index: usize) {
        if self.recording > 0 {
            if let Some(a) = self.accounts.get(index) {
                let prev = Balances {
                    dp: a.debits_pending_fen,
                    dpo: a.debits_posted_fen,
                    cp: a.credits_pending_fen,
                    cpo: a.credits_posted_fen,
                };
                self.undo.push(Undo::Balances { index, prev });
            }
        }
    }

    // ---- time ------------------------------------------------------------------------------

    /// Moves the ledger clock to `now_s` (never backwards: an earlier reading is ignored, so
    /// timestamps are monotonic) and expires pending transfers whose timeout has passed.
    /// Returns the ledger time in force.
    pub fn tick(&mut self, now_s: i64) -> i64 {
        if now_s > self.last_timestamp_s {
            self.log(Undo::LastTimestamp {
                prev: self.last_timestamp_s,
            });
            self.last_timestamp_s = now_s;
        }
        let now = self.last_timestamp_s;
        // Bounded by the number of pending transfers with a timeout.
        while let Some(&(deadline_s, id)) = self.expiries.first() {
            if deadline_s > now {
                break;
            }
            self.expiries.remove(&(deadline_s, id));
            self.log(Undo::ExpiryRemoved { deadline_s, id });
            self.release_pending(id, PendingState::Expired);
        }
        now
    }

    fn release_pending(&mut self, id: u64, new_state: PendingState) {
        let Some(info) = self.pending.get(&id).copied() else {
            return;
        };
        let Some(p) = self.transfers.get(info.index).copied() else {
            return;
        };
        let (Some(&di), Some(&ci)) = (
            self.account_index.get(&p.debit_account_id),
            self.account_index.get(&p.credit_account_id),
        ) else {
            return;
        };
        self.save_balances(di);
        self.save_balances(ci);
        if let Some(a) = self.accounts.get_mut(di) {
            a.debits_pending_fen = a.debits_pending_fen.saturating_sub(p.amount_fen);
        }
        if let Some(a) = self.accounts.get_mut(ci) {
            a.credits_pending_fen = a.credits_pending_fen.saturating_sub(p.amount_fen);
        }
        self.log(Undo::Totals {
            posted: self.posted_total_fen,
            pending: self.pending_total_fen,
        });
        self.pending_total_fen = self
            .pending_total_fen
            .saturating_sub(u128::from(p.amount_fen));
        self.log(Undo::Pending {
            id,
            prev: Some(info),
        });
        self.pending.insert(
            id,
            PendingInfo {
                state: new_state,
                ..info
            },
        );
    }

    // ---- accounts --------------------------------------------------------------------------

    /// Opens one account at ledger time `now_s`.
    pub fn create_account(&mut self, now_s: i64, a: &NewAccount) -> Result<()> {
        if a.id == 0 {
            return Err(LedgerError::IdZero { what: "account" });
        }
        if a.ledger == 0 {
            return Err(LedgerError::LedgerZero {
                what: "account",
                id: a.id,
            });
        }
        if a.flags.debits_must_not_exceed_credits && a.flags.credits_must_not_exceed_debits {
            return Err(LedgerError::AccountFlagsConflict { id: a.id });
        }
        if let Some(old) = self.account(a.id) {
            let field = if old.ledger != a.ledger {
                "ledger"
            } else if old.code != a.code {
                "code"
            } else if old.flags != a.flags {
                "flags"
            } else if old.name != a.name {
                "name"
            } else {
                return Err(LedgerError::AccountExists { id: a.id });
            };
            return Err(LedgerError::AccountExistsWithDifferentFields { id: a.id, field });
        }
        let now = self.tick(now_s);
        self.accounts.push(Account {
            id: a.id,
            ledger: a.ledger,
            code: a.code,
            flags: a.flags,
            name: a.name.clone(),
            debits_pending_fen: 0,
            debits_posted_fen: 0,
            credits_pending_fen: 0,
            credits_posted_fen: 0,
            timestamp_s: now,
            closed: false,
        });
        self.account_index.insert(a.id, self.accounts.len() - 1);
        self.log(Undo::AccountPushed { id: a.id });
        Ok(())
    }

    /// Closes an account: it keeps its balances and history and accepts nothing more.
    pub fn close_account(&mut self, now_s: i64, id: u64) -> Result<()> {
        let index = *self
            .account_index
            .get(&id)
            .ok_or_else(|| LedgerError::AccountNotFound {
                id,
                context: String::new(),
            })?;
        if self.accounts.get(index).is_some_and(|a| a.closed) {
            return Err(LedgerError::AccountAlreadyClosed { id });
        }
        self.tick(now_s);
        if let Some(a) = self.accounts.get_mut(index) {
            a.closed = true;
        }
        self.log(Undo::AccountClosed { index });
        Ok(())
    }

    /// Closes every day up to and including `through`: no transfer dated on or before it is
    /// accepted afterwards.
    pub fn close_period(&mut self, now_s: i64, through: NaiveDate) -> Result<()> {
        if let Some(c) = self.closed_through {
            if through < c {
                return Err(LedgerError::PeriodOrder {
                    closed_through: c,
                    requested: through,
                });
            }
        }
        self.tick(now_s);
        self.log(Undo::ClosedThrough {
            prev: self.closed_through,
        });
        self.closed_through = Some(through);
        Ok(())
    }

    // ---- transfers -------------------------------------------------------------------------

    /// Applies a batch TigerBeetle-style: each transfer (or linked chain) succeeds or fails on
    /// its own; the failures are returned, in order. Everything returned failed and left no
    /// trace.
    pub fn create_transfers(&mut self, now_s: i64, batch: &[Transfer]) -> Vec<BatchFailure> {
        let mut failures = Vec::new();
        if batch.len() > BATCH_MAX {
            failures.push(BatchFailure {
                index: 0,
                error: LedgerError::BatchTooLarge {
                    what: "transfers",
                    len: batch.len(),
                    max: BATCH_MAX,
                },
            });
            return failures;
        }
        let now = self.tick(now_s);
        let mut i = 0;
        while i < batch.len() {
            // A chain runs from i through the first transfer without `linked`.
            let mut end = i;
            while end < batch.len() && batch.get(end).is_some_and(|t| t.flags.linked) {
                end += 1;
            }
            if end >= batch.len() {
                // Open chain: every member fails.
                let last = batch.last().map(|t| t.id).unwrap_or(0);
                for (k, t) in batch.iter().enumerate().skip(i) {
                    let error = if t.id == last {
                        LedgerError::LinkedChainOpen { transfer: t.id }
                    } else {
                        LedgerError::LinkedEventFailed {
                            transfer: t.id,
                            failed: last,
                        }
                    };
                    failures.push(BatchFailure { index: k, error });
                }
                break;
            }
            if end == i {
                if let Some(t) = batch.get(i) {
                    if let Err(error) = self.apply_one(now, t) {
                        failures.push(BatchFailure { index: i, error });
                    }
                }
            } else {
                let cp = self.checkpoint();
                let mut failed = None;
                for (k, t) in batch.iter().enumerate().take(end + 1).skip(i) {
                    if let Err(e) = self.apply_one(now, t) {
                        failed = Some((k, t.id, e));
                        break;
                    }
                }
                match failed {
                    None => self.commit(cp),
                    Some((fk, fid, fe)) => {
                        self.rollback(cp);
                        for (k, t) in batch.iter().enumerate().take(end + 1).skip(i) {
                            let error = if k == fk {
                                fe.clone()
                            } else {
                                LedgerError::LinkedEventFailed {
                                    transfer: t.id,
                                    failed: fid,
                                }
                            };
                            failures.push(BatchFailure { index: k, error });
                        }
                    }
                }
            }
            i = end + 1;
        }
        failures
    }

    /// Applies a batch all-or-nothing: on the first failure everything of the batch is undone
    /// and the error names the failing item. The `linked` flag is not needed (the whole batch
    /// is one unit) but is honoured: a chain left open at the end is refused.
    pub fn apply_all(&mut self, now_s: i64, batch: &[Transfer]) -> Result<()> {
        if batch.len() > BATCH_MAX {
            return Err(LedgerError::BatchTooLarge {
                what: "transfers",
                len: batch.len(),
                max: BATCH_MAX,
            });
        }
        if let Some(last) = batch.last() {
            if last.flags.linked {
                return Err(LedgerError::BatchItem {
                    index: batch.len() - 1,
                    source: Box::new(LedgerError::LinkedChainOpen { transfer: last.id }),
                });
            }
        }
        let cp = self.checkpoint();
        let now = self.tick(now_s);
        for (index, t) in batch.iter().enumerate() {
            if let Err(e) = self.apply_one(now, t) {
                self.rollback(cp);
                return Err(LedgerError::BatchItem {
                    index,
                    source: Box::new(e),
                });
            }
        }
        self.commit(cp);
        Ok(())
    }

    fn compare_existing(old: &Transfer, t: &Transfer) -> LedgerError {
        let field = if old.flags != t.flags {
            "flags"
        } else if old.pending_id != t.pending_id {
            "pending_id"
        } else if t.debit_account_id != 0 && old.debit_account_id != t.debit_account_id {
            "debit_account_id"
        } else if t.credit_account_id != 0 && old.credit_account_id != t.credit_account_id {
            "credit_account_id"
        } else if t.amount_fen != 0 && old.amount_fen != t.amount_fen {
            "amount_fen"
        } else if t.ledger != 0 && old.ledger != t.ledger {
            "ledger"
        } else if old.code != t.code {
            "code"
        } else if old.timeout_s != t.timeout_s {
            "timeout_s"
        } else if old.user_data != t.user_data {
            "user_data"
        } else {
            return LedgerError::TransferExists { id: t.id };
        };
        LedgerError::TransferExistsWithDifferentFields { id: t.id, field }
    }

    fn account_for(&self, id: u64, transfer: u64, side: &'static str) -> Result<usize> {
        self.account_index
            .get(&id)
            .copied()
            .ok_or_else(|| LedgerError::AccountNotFound {
                id,
                context: format!(" ({side} side of transfer {transfer})"),
            })
    }

    /// Validates and applies one transfer at ledger time `now` (already ticked).
    fn apply_one(&mut self, now: i64, t: &Transfer) -> Result<()> {
        let tid = t.id;
        if tid == 0 {
            return Err(LedgerError::IdZero { what: "transfer" });
        }
        if let Some(&i) = self.transfer_index.get(&tid) {
            let old = self.transfers.get(i).copied().unwrap_or(*t);
            return Err(Self::compare_existing(&old, t));
        }
        if t.timestamp_s != 0 {
            return Err(LedgerError::InvalidTransfer {
                transfer: tid,
                reason: format!(
                    "timestamp_s is set by the ledger and must be 0 on input, got {}",
                    t.timestamp_s
                ),
            });
        }
        let f = t.flags;
        let kinds = u8::from(f.pending) + u8::from(f.post_pending) + u8::from(f.void_pending);
        if kinds > 1 {
            return Err(LedgerError::InvalidTransfer {
                transfer: tid,
                reason: "at most one of pending, post_pending, void_pending may be set".into(),
            });
        }
        if let Some(c) = self.closed_through {
            let date = date_of(now);
            if date <= c {
                return Err(LedgerError::PeriodClosed {
                    transfer: tid,
                    closed_through: c,
                    date,
                });
            }
        }
        if f.post_pending || f.void_pending {
            return self.resolve_pending(now, t);
        }
        if t.pending_id != 0 {
            return Err(LedgerError::InvalidTransfer {
                transfer: tid,
                reason: "pending_id is only for post_pending or void_pending".into(),
            });
        }
        if t.timeout_s != 0 && !f.pending {
            return Err(LedgerError::InvalidTransfer {
                transfer: tid,
                reason: "timeout_s is only for pending transfers".into(),
            });
        }
        if t.amount_fen == 0 {
            return Err(LedgerError::ZeroAmount { transfer: tid });
        }
        if t.amount_fen > AMOUNT_FEN_MAX {
            return Err(LedgerError::Overflow {
                transfer: tid,
                what: "amount (above 10^15 fen)",
            });
        }
        if t.ledger == 0 {
            return Err(LedgerError::LedgerZero {
                what: "transfer",
                id: tid,
            });
        }
        if t.debit_account_id == t.credit_account_id {
            return Err(LedgerError::SameAccount {
                transfer: tid,
                account: t.debit_account_id,
            });
        }
        let di = self.account_for(t.debit_account_id, tid, "debit")?;
        let ci = self.account_for(t.credit_account_id, tid, "credit")?;
        let (Some(dr), Some(cr)) = (self.accounts.get(di), self.accounts.get(ci)) else {
            return Err(LedgerError::Invariant {
                detail: "account index points past the account table".into(),
            });
        };
        for (side, a) in [("debit", dr), ("credit", cr)] {
            if a.ledger != t.ledger {
                return Err(LedgerError::LedgerMismatch {
                    transfer: tid,
                    transfer_ledger: t.ledger,
                    side,
                    account: a.id,
                    account_ledger: a.ledger,
                });
            }
            if a.closed {
                return Err(LedgerError::AccountClosed {
                    id: a.id,
                    transfer: tid,
                });
            }
        }
        let amount = t.amount_fen;
        // Overflow: balances are u64, and every limit check below adds pending + posted.
        let dr_total = dr
            .debits_posted_fen
            .checked_add(dr.debits_pending_fen)
            .and_then(|v| v.checked_add(amount))
            .ok_or(LedgerError::Overflow {
                transfer: tid,
                what: "debit account's debits",
            })?;
        let cr_total = cr
            .credits_posted_fen
            .checked_add(cr.credits_pending_fen)
            .and_then(|v| v.checked_add(amount))
            .ok_or(LedgerError::Overflow {
                transfer: tid,
                what: "credit account's credits",
            })?;
        if dr.flags.debits_must_not_exceed_credits && dr_total > dr.credits_posted_fen {
            return Err(LedgerError::ExceedsCredits {
                transfer: tid,
                account: dr.id,
                name: dr.name.clone(),
                debits_fen: dr.debits_posted_fen,
                pending_fen: dr.debits_pending_fen,
                amount_fen: amount,
                credits_fen: dr.credits_posted_fen,
            });
        }
        if cr.flags.credits_must_not_exceed_debits && cr_total > cr.debits_posted_fen {
            return Err(LedgerError::ExceedsDebits {
                transfer: tid,
                account: cr.id,
                name: cr.name.clone(),
                credits_fen: cr.credits_posted_fen,
                pending_fen: cr.credits_pending_fen,
                amount_fen: amount,
                debits_fen: cr.debits_posted_fen,
            });
        }
        let deadline_s = if f.pending && t.timeout_s > 0 {
            Some(now.saturating_add(i64::from(t.timeout_s)))
        } else {
            None
        };
        self.save_balances(di);
        self.save_balances(ci);
        self.log(Undo::Totals {
            posted: self.posted_total_fen,
            pending: self.pending_total_fen,
        });
        // The checked sums above bound every addition below.
        if f.pending {
            if let Some(a) = self.accounts.get_mut(di) {
                a.debits_pending_fen += amount;
            }
            if let Some(a) = self.accounts.get_mut(ci) {
                a.credits_pending_fen += amount;
            }
            self.pending_total_fen += u128::from(amount);
        } else {
            if let Some(a) = self.accounts.get_mut(di) {
                a.debits_posted_fen += amount;
            }
            if let Some(a) = self.accounts.get_mut(ci) {
                a.credits_posted_fen += amount;
            }
            self.posted_total_fen += u128::from(amount);
        }
        let mut stored = *t;
        stored.timestamp_s = now;
        self.push_transfer(stored);
        if f.pending {
            let info = PendingInfo {
                state: PendingState::Pending,
                index: self.transfers.len() - 1,
                deadline_s,
            };
            self.pending.insert(tid, info);
            self.log(Undo::Pending {
                id: tid,
                prev: None,
            });
            if let Some(d) = deadline_s {
                self.expiries.insert((d, tid));
                self.log(Undo::ExpiryInserted {
                    deadline_s: d,
                    id: tid,
                });
            }
        }
        Ok(())
    }

    fn push_transfer(&mut self, t: Transfer) {
        self.transfers.push(t);
        self.transfer_index.insert(t.id, self.transfers.len() - 1);
        self.log(Undo::TransferPushed { id: t.id });
    }

    fn resolve_pending(&mut self, now: i64, t: &Transfer) -> Result<()> {
        let tid = t.id;
        if t.timeout_s != 0 {
            return Err(LedgerError::InvalidTransfer {
                transfer: tid,
                reason: "timeout_s is only for pending transfers".into(),
            });
        }
        let info =
            self.pending
                .get(&t.pending_id)
                .copied()
                .ok_or(LedgerError::PendingNotFound {
                    transfer: tid,
                    pending_id: t.pending_id,
                })?;
        if info.state != PendingState::Pending {
            return Err(LedgerError::PendingResolved {
                transfer: tid,
                pending_id: t.pending_id,
                state: info.state.name(),
            });
        }
        let p = self
            .transfers
            .get(info.index)
            .copied()
            .ok_or(LedgerError::PendingNotFound {
                transfer: tid,
                pending_id: t.pending_id,
            })?;
        if info.deadline_s.is_some_and(|d| d <= now) {
            // tick() expires these first; this guards a caller that skipped it.
            return Err(LedgerError::PendingResolved {
                transfer: tid,
                pending_id: t.pending_id,
                state: "expired",
            });
        }
        let mismatch = |reason: &str| LedgerError::InvalidTransfer {
            transfer: tid,
            reason: format!("{reason} differs from pending transfer {}", p.id),
        };
        if t.debit_account_id != 0 && t.debit_account_id != p.debit_account_id {
            return Err(mismatch("debit_account_id"));
        }
        if t.credit_account_id != 0 && t.credit_account_id != p.credit_account_id {
            return Err(mismatch("credit_account_id"));
        }
        if t.ledger != 0 && t.ledger != p.ledger {
            return Err(mismatch("ledger"));
        }
        let amount = if t.amount_fen == 0 {
            p.amount_fen
        } else {
            t.amount_fen
        };
        let fits = if t.flags.post_pending {
            amount <= p.amount_fen
        } else {
            amount == p.amount_fen
        };
        if !fits {
            return Err(LedgerError::PendingAmount {
                transfer: tid,
                pending_id: p.id,
                amount_fen: amount,
                pending_fen: p.amount_fen,
            });
        }
        let di = self.account_for(p.debit_account_id, tid, "debit")?;
        let ci = self.account_for(p.credit_account_id, tid, "credit")?;
        for i in [di, ci] {
            if let Some(a) = self.accounts.get(i) {
                if a.closed {
                    return Err(LedgerError::AccountClosed {
                        id: a.id,
                        transfer: tid,
                    });
                }
            }
        }
        // Release the reservation, then post the (partial) amount: posting never breaks a
        // limit because the reservation was checked against it when made.
        let new_state = if t.flags.post_pending {
            PendingState::Posted
        } else {
            PendingState::Voided
        };
        self.release_pending(p.id, new_state);
        if let Some(d) = info.deadline_s {
            if self.expiries.remove(&(d, p.id)) {
                self.log(Undo::ExpiryRemoved {
                    deadline_s: d,
                    id: p.id,
                });
            }
        }
        if t.flags.post_pending {
            self.save_balances(di);
            self.save_balances(ci);
            self.log(Undo::Totals {
                posted: self.posted_total_fen,
                pending: self.pending_total_fen,
            });
            if let Some(a) = self.accounts.get_mut(di) {
                a.debits_posted_fen = a.debits_posted_fen.saturating_add(amount);
            }
            if let Some(a) = self.accounts.get_mut(ci) {
                a.credits_posted_fen = a.credits_posted_fen.saturating_add(amount);
            }
            self.posted_total_fen += u128::from(amount);
        }
        let stored = Transfer {
            debit_account_id: p.debit_account_id,
            credit_account_id: p.credit_account_id,
            amount_fen: amount,
            ledger: p.ledger,
            timestamp_s: now,
            ..*t
        };
        self.push_transfer(stored);
        Ok(())
    }

    // ---- invariants ------------------------------------------------------------------------

    /// Recomputes every balance from the transfers and checks, in full:
    /// Σ debits = Σ credits (posted and pending), each account's balances equal the sum of its
    /// transfers, each limit flag holds, and the running totals agree. O(accounts + transfers).
    pub fn check_invariants(&self) -> Result<()> {
        let bad = |detail: String| Err(LedgerError::Invariant { detail });
        let mut recomputed: HashMap<u64, Balances> = self
            .accounts
            .iter()
            .map(|a| {
                (
                    a.id,
                    Balances {
                        dp: 0,
                        dpo: 0,
                        cp: 0,
                        cpo: 0,
                    },
                )
            })
            .collect();
        let mut posted: u128 = 0;
        let mut pending: u128 = 0;
        for t in &self.transfers {
            let (Some(d), Some(c)) = (
                recomputed.get(&t.debit_account_id).copied(),
                recomputed.get(&t.credit_account_id).copied(),
            ) else {
                return bad(format!("transfer {} names a missing account", t.id));
            };
            let mut d = d;
            let mut c = c;
            if t.flags.pending {
                if self.pending_state(t.id) == Some(PendingState::Pending) {
                    d.dp += t.amount_fen;
                    c.cp += t.amount_fen;
                    pending += u128::from(t.amount_fen);
                }
            } else if !t.flags.void_pending {
                d.dpo += t.amount_fen;
                c.cpo += t.amount_fen;
                posted += u128::from(t.amount_fen);
            }
            recomputed.insert(t.debit_account_id, d);
            recomputed.insert(t.credit_account_id, c);
        }
        // Transfers never cross ledgers, so each ledger balances on its own too.
        let mut per_ledger: HashMap<u32, (u128, u128)> = HashMap::new();
        for a in &self.accounts {
            let e = per_ledger.entry(a.ledger).or_default();
            e.0 += u128::from(a.debits_posted_fen);
            e.1 += u128::from(a.credits_posted_fen);
        }
        if let Some((l, (d, c))) = per_ledger.iter().find(|(_, (d, c))| d != c) {
            return bad(format!("ledger {l}: Σ debits {d} ≠ Σ credits {c}"));
        }
        let (mut sd, mut sc, mut sdp, mut scp) = (0u128, 0u128, 0u128, 0u128);
        for a in &self.accounts {
            let Some(r) = recomputed.get(&a.id) else {
                return bad(format!("account {} vanished", a.id));
            };
            if (r.dp, r.dpo, r.cp, r.cpo)
                != (
                    a.debits_pending_fen,
                    a.debits_posted_fen,
                    a.credits_pending_fen,
                    a.credits_posted_fen,
                )
            {
                return bad(format!(
                    "account {} ({}) balances differ from the sum of its transfers",
                    a.id, a.name
                ));
            }
            if a.flags.debits_must_not_exceed_credits
                && u128::from(a.debits_posted_fen) + u128::from(a.debits_pending_fen)
                    > u128::from(a.credits_posted_fen)
            {
                return bad(format!(
                    "account {} ({}) debits exceed credits",
                    a.id, a.name
                ));
            }
            if a.flags.credits_must_not_exceed_debits
                && u128::from(a.credits_posted_fen) + u128::from(a.credits_pending_fen)
                    > u128::from(a.debits_posted_fen)
            {
                return bad(format!(
                    "account {} ({}) credits exceed debits",
                    a.id, a.name
                ));
            }
            sd += u128::from(a.debits_posted_fen);
            sc += u128::from(a.credits_posted_fen);
            sdp += u128::from(a.debits_pending_fen);
            scp += u128::from(a.credits_pending_fen);
        }
        if sd != sc || sdp != scp {
            return bad(format!(
                "Σ debits {sd} ≠ Σ credits {sc} (pending {sdp} ≠ {scp})"
            ));
        }
        if sd != posted
            || sd != self.posted_total_fen
            || sdp != pending
            || sdp != self.pending_total_fen
        {
            return bad(format!(
                "running totals disagree: posted {} vs {sd}, pending {} vs {sdp}",
                self.posted_total_fen, self.pending_total_fen
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger_with(accounts: &[(u64, AccountFlags)]) -> Ledger {
        let mut l = Ledger::new();
        for &(id, flags) in accounts {
            l.create_account(
                1,
                &NewAccount {
                    id,
                    ledger: 1,
                    code: 1,
                    flags,
                    name: format!("a{id}"),
                },
            )
            .unwrap();
        }
        l
    }

    #[test]
    fn limits_hold_and_failures_leave_no_trace() {
        let mut l = ledger_with(&[(1, AccountFlags::NONE), (2, AccountFlags::DEBITS_LIMITED)]);
        assert!(
            l.apply_all(10, &[Transfer::new(1, 1, 2, 500, 1, 1)])
                .is_ok()
        );
        // 2 holds 500: paying 600 out must fail, paying 500 must work.
        let err = l
            .apply_all(11, &[Transfer::new(2, 2, 1, 600, 1, 1)])
            .unwrap_err();
        assert!(err.to_string().contains("debits above credits"), "{err}");
        assert_eq!(l.transfers().len(), 1);
        l.apply_all(12, &[Transfer::new(3, 2, 1, 500, 1, 1)])
            .unwrap();
        assert_eq!(l.account(2).unwrap().credit_balance_fen(), 0);
        l.check_invariants().unwrap();
    }

    #[test]
    fn linked_chain_is_all_or_nothing() {
        let mut l = ledger_with(&[(1, AccountFlags::NONE), (2, AccountFlags::DEBITS_LIMITED)]);
        let mut a = Transfer::new(10, 1, 2, 100, 1, 1);
        a.flags.linked = true;
        let b = Transfer::new(11, 2, 1, 101, 1, 1); // over what 2 holds after a
        let c = Transfer::new(12, 1, 2, 7, 1, 1);
        let failures = l.create_transfers(5, &[a, b, c]);
        assert_eq!(failures.len(), 2);
        assert!(matches!(
            failures[0].error,
            LedgerError::LinkedEventFailed { failed: 11, .. }
        ));
        assert_eq!(l.transfers().len(), 1);
        assert_eq!(l.account(2).unwrap().credits_posted_fen, 7);
        l.check_invariants().unwrap();
    }

    #[test]
    fn pending_post_void_and_timeout() {
        let mut l = ledger_with(&[(1, AccountFlags::NONE), (2, AccountFlags::NONE)]);
        let mut p = Transfer::new(1, 1, 2, 1000, 1, 1);
        p.flags.pending = true;
        p.timeout_s = 60;
        l.apply_all(100, &[p]).unwrap();
        assert_eq!(l.account(1).unwrap().debits_pending_fen, 1000);
        let mut post = Transfer::new(2, 0, 0, 400, 0, 1);
        post.flags.post_pending = true;
        post.pending_id = 1;
        l.apply_all(120, &[post]).unwrap();
        assert_eq!(l.account(1).unwrap().debits_pending_fen, 0);
        assert_eq!(l.account(2).unwrap().credits_posted_fen, 400);
        // Posting again is refused: a pending transfer resolves once.
        let mut again = post;
        again.id = 3;
        assert!(matches!(
            l.apply_all(121, &[again]).unwrap_err(),
            LedgerError::BatchItem { .. }
        ));
        // A second pending times out after 60 s of ledger time.
        let mut q = p;
        q.id = 4;
        l.apply_all(130, &[q]).unwrap();
        l.tick(190);
        assert_eq!(l.pending_state(4), Some(PendingState::Expired));
        assert_eq!(l.account(1).unwrap().debits_pending_fen, 0);
        let mut void = Transfer::new(5, 0, 0, 0, 0, 1);
        void.flags.void_pending = true;
        void.pending_id = 4;
        let err = l.apply_all(191, &[void]).unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
        l.check_invariants().unwrap();
    }

    #[test]
    fn closed_account_and_period_accept_nothing() {
        let mut l = ledger_with(&[(1, AccountFlags::NONE), (2, AccountFlags::NONE)]);
        l.close_account(5, 2).unwrap();
        let e = l
            .apply_all(6, &[Transfer::new(1, 1, 2, 1, 1, 1)])
            .unwrap_err();
        assert!(e.to_string().contains("closed"), "{e}");
        let mut l = ledger_with(&[(1, AccountFlags::NONE), (2, AccountFlags::NONE)]);
        let day = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        l.close_period(5, day).unwrap();
        let e = l
            .apply_all(6, &[Transfer::new(1, 1, 2, 1, 1, 1)])
            .unwrap_err();
        assert!(e.to_string().contains("period"), "{e}");
        assert!(
            l.apply_all(86_400, &[Transfer::new(1, 1, 2, 1, 1, 1)])
                .is_ok()
        );
    }
}
