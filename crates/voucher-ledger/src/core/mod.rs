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
//!
//! | file | what it owns |
//! |---|---|
//! | `mod.rs` | [`Ledger`] itself, its limits and its queries |
//! | `types.rs` | the data: [`Account`], [`NewAccount`], [`AccountFlags`], [`Transfer`], [`TransferFlags`], [`PendingState`] |
//! | `undo.rs` | the undo log: [`Checkpoint`], commit and rollback of everything since one |
//! | `apply.rs` | opening and closing accounts, closing periods, applying transfers one by one or as a batch |
//! | `pending.rs` | ledger time: the clock tick, timeouts, posting and voiding pending transfers |
//! | `invariants.rs` | [`Ledger::check_invariants`]: every balance recomputed from the transfers |

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::error::LedgerError;

mod apply;
mod invariants;
mod pending;
mod types;
mod undo;

pub use types::{
    Account, AccountFlags, Checkpoint, NewAccount, PendingState, Transfer, TransferFlags,
};

use types::{PendingInfo, Undo};

/// The most transfers (or accounts) in one batch, as in TigerBeetle.
pub const BATCH_MAX: usize = 8_190;

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
