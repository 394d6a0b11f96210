//! Ledger time and pending transfers: the monotonic clock tick that lets timed-out
//! reservations lapse, and the posting or voiding of a pending transfer.

use crate::error::{LedgerError, Result};

use super::Ledger;
use super::types::{PendingInfo, Undo};
use super::types::{PendingState, Transfer};

impl Ledger {
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

    pub(super) fn release_pending(&mut self, id: u64, new_state: PendingState) {
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

    pub(super) fn resolve_pending(&mut self, now: i64, t: &Transfer) -> Result<()> {
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
}
