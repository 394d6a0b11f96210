//! Applying to the ledger: opening and closing accounts, closing periods, and transfers one
//! by one ([`Ledger::create_transfers`], TigerBeetle's per-transfer results) or all or nothing
//! ([`Ledger::apply_all`]), with every check of a transfer against its accounts.

use chrono::NaiveDate;

use crate::clock::date_of;
use crate::error::{LedgerError, Result};
use crate::money::AMOUNT_FEN_MAX;

use super::types::{Account, NewAccount, PendingState, Transfer};
use super::types::{PendingInfo, Undo};
use super::{BATCH_MAX, BatchFailure, Ledger};

impl Ledger {
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

    pub(super) fn compare_existing(old: &Transfer, t: &Transfer) -> LedgerError {
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

    pub(super) fn account_for(&self, id: u64, transfer: u64, side: &'static str) -> Result<usize> {
        self.account_index
            .get(&id)
            .copied()
            .ok_or_else(|| LedgerError::AccountNotFound {
                id,
                context: format!(" ({side} side of transfer {transfer})"),
            })
    }

    /// Validates and applies one transfer at ledger time `now` (already ticked).
    pub(super) fn apply_one(&mut self, now: i64, t: &Transfer) -> Result<()> {
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

    pub(super) fn push_transfer(&mut self, t: Transfer) {
        self.transfers.push(t);
        self.transfer_index.insert(t.id, self.transfers.len() - 1);
        self.log(Undo::TransferPushed { id: t.id });
    }
}
