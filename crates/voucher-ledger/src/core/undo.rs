//! The ledger's undo log: every change made while a [`Checkpoint`] is open is recorded with
//! what it replaced, so a batch, a request or a group of requests can be rolled back exactly.

use super::Ledger;
use super::types::{Balances, Checkpoint, Undo};

impl Ledger {
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

    pub(super) fn undo_one(&mut self, u: Undo) {
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

    pub(super) fn log(&mut self, u: Undo) {
        if self.recording > 0 {
            self.undo.push(u);
        }
    }

    pub(super) fn save_balances(&mut self, index: usize) {
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
}
