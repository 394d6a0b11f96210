//! Group commit: [`VoucherBook::group`] runs many requests as one group, all or nothing, and
//! writes their journal batches in one durable transaction; nested groups are savepoints.

use crate::core::Checkpoint;
use crate::error::{LedgerError, Result};
use crate::journal::{GROUP_REQUESTS_MAX, Head, Journal, JournalEntry};

use super::VoucherBook;
use super::state::GroupState;

/// Where a group (or a nested group) began: what its rollback returns to.
#[derive(Debug, Clone, Copy)]
pub(super) struct GroupFrame {
    /// The group's depth with this frame open (1 for the outermost).
    pub(super) depth: usize,
    pub(super) ledger_cp: Checkpoint,
    pub(super) ledger_depth: usize,
    pub(super) undo_len: usize,
    pub(super) batches_len: usize,
    pub(super) entries: usize,
    pub(super) head: Head,
}

impl<J: Journal> VoucherBook<J> {
    /// Runs `f` as one group of requests, all or nothing, written to the journal in ONE
    /// durable transaction (one fsync for the whole group instead of one per request).
    ///
    /// Inside `f`, every request behaves exactly as it does alone: the same planning, rules,
    /// idempotency (a repeat of a request made earlier, inside the group or before it, returns
    /// its first reply), conflicts, replies and errors; a request that fails changes nothing
    /// and `f` may go on after it. Each request's journal batch is kept in memory, chained
    /// from the previous one, and the group's commit appends them all with
    /// [`Journal::append_batches`] (for [`SqliteJournal`](crate::SqliteJournal), one IMMEDIATE transaction).
    ///
    /// - `f` returns `Ok`: the group commits. If the journal write fails, the group is rolled
    ///   back and the error returned (`E::from(LedgerError)`).
    /// - `f` returns `Err`, or panics: the group is rolled back (the panic then continues).
    ///   Rolled back means that none of the group's requests is in the journal and the book
    ///   — ledger, programs, firm years, contracts, relations, recorded requests, journal
    ///   head — is exactly as before the group, so the same request ids can be run again.
    /// - The process dies before the commit returns: nothing of the group was written.
    ///
    /// Nested groups are savepoints: an inner group that fails is rolled back alone (the
    /// outer one may go on), an inner group that succeeds joins the outer one, and only the
    /// outermost commit writes to the journal.
    ///
    /// A group holds at most [`GROUP_REQUESTS_MAX`] requests and [`GROUP_ENTRIES_MAX`](crate::journal::GROUP_ENTRIES_MAX)
    /// journal entries: the request that would go over is refused with
    /// [`LedgerError::GroupTooLarge`] (and changes nothing). Until the group commits, the
    /// journal (and so [`VoucherBook::verify`]) holds none of it, while the book's reads
    /// already see it.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use rust_decimal_macros::dec;
    /// use registry_model::EnterpriseId;
    /// use voucher_ledger::{Firm, LedgerError, ManualClock, VoucherBook};
    ///
    /// let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
    /// let mut book = VoucherBook::in_memory(Box::new(clock));
    /// book.add_default_programs("defaults")?;
    /// // Two firms in Chengdu (the program's region).
    /// let a = EnterpriseId::from_first17("91510104000000001")?;
    /// let b = EnterpriseId::from_first17("91510104000000002")?;
    /// let p = "chengdu-compute-2025";
    ///
    /// // Both grants or neither, in one journal transaction.
    /// let total_fen = book.group(|book| -> Result<u64, LedgerError> {
    ///     let ga = book.grant("g/a", p, &Firm::new(a), dec!(1000))?;
    ///     let gb = book.grant("g/b", p, &Firm::new(b), dec!(2000))?;
    ///     Ok(ga.amount_fen + gb.amount_fen)
    /// })?;
    /// assert_eq!(total_fen, 300_000);
    /// let requests = book.request_count();
    ///
    /// // A group whose closure fails leaves no trace: not in the journal, not in the book.
    /// let failed = book.group(|book| -> Result<(), LedgerError> {
    ///     book.grant("g2/a", p, &Firm::new(a), dec!(500))?;
    ///     book.grant("g2/b", p, &Firm::new(b), dec!(-1))?; // refused: the group rolls back
    ///     Ok(())
    /// });
    /// assert!(failed.is_err());
    /// assert_eq!(book.request_count(), requests);
    /// assert_eq!(book.voucher_balance_fen(p, &a), 100_000);
    /// book.verify()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn group<T, E, F>(&mut self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut Self) -> std::result::Result<T, E>,
        E: From<LedgerError>,
    {
        // The outermost group of a journal with several writers holds the write session
        // from before its first request to its commit: everything in it is planned against
        // everything written, and the commit is the session's one transaction.
        let session = if self.group.is_none() {
            self.begin_session().map_err(E::from)?
        } else {
            false
        };
        let frame = self.begin_group();
        // The book is rolled back to `frame` whatever state the panic left it in (every
        // change since then is in the undo logs), so it is safe to use after the unwind.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        let result = match outcome {
            Ok(Ok(value)) => match self.commit_group(frame) {
                Ok(()) => Ok(value),
                Err(e) => Err(E::from(e)),
            },
            Ok(Err(e)) => {
                self.rollback_group(frame);
                Err(e)
            }
            Err(panic) => {
                self.rollback_group(frame);
                self.end_session(session);
                std::panic::resume_unwind(panic)
            }
        };
        self.end_session(session);
        result
    }

    /// Lowers the most requests one group may hold (from [`GROUP_REQUESTS_MAX`], which is
    /// also the ceiling; 0 is taken as 1), for instance to bound the memory a group holds
    /// before it commits. The request that would go over is refused with
    /// [`LedgerError::GroupTooLarge`].
    pub fn set_group_requests_max(&mut self, max: usize) {
        self.group_requests_max = max.clamp(1, GROUP_REQUESTS_MAX);
    }

    /// The most requests one group may hold (see [`VoucherBook::set_group_requests_max`]).
    pub fn group_requests_max(&self) -> usize {
        self.group_requests_max
    }

    /// How many groups are open around the caller (0 outside [`VoucherBook::group`]).
    pub fn group_depth(&self) -> usize {
        self.group.as_ref().map_or(0, |g| g.depth)
    }

    /// Requests made in the open group and not yet written to the journal (0 outside a group).
    pub fn group_pending_requests(&self) -> usize {
        self.group.as_ref().map_or(0, |g| g.batches.len())
    }

    pub(super) fn begin_group(&mut self) -> GroupFrame {
        let ledger_depth = self.ledger.checkpoint_depth();
        let ledger_cp = self.ledger.checkpoint();
        let head = self.head;
        let g = self.group.get_or_insert_with(|| GroupState {
            durable_head: head,
            ..GroupState::default()
        });
        g.depth += 1;
        GroupFrame {
            depth: g.depth,
            ledger_cp,
            ledger_depth,
            undo_len: g.undo.len(),
            batches_len: g.batches.len(),
            entries: g.entries,
            head: self.head,
        }
    }

    pub(super) fn commit_group(&mut self, frame: GroupFrame) -> Result<()> {
        let depth = self.group.as_ref().map_or(0, |g| g.depth);
        if depth != frame.depth {
            // Only reachable if `f` replaced the book it was lent (`*book = ...`).
            self.rollback_group(frame);
            return Err(LedgerError::Invariant {
                detail: "the group's book was replaced inside the group; nothing was written"
                    .into(),
            });
        }
        if depth > 1 {
            // A nested group joins the outer one: its changes stay undoable by the outer
            // group, its batches wait for the outer commit.
            self.ledger.commit(frame.ledger_cp);
            if let Some(g) = self.group.as_mut() {
                g.depth -= 1;
            }
            return Ok(());
        }
        let written = match self.group.as_ref() {
            Some(g) if !g.batches.is_empty() => {
                let batches: Vec<&[JournalEntry]> =
                    g.batches.iter().map(|b| b.as_slice()).collect();
                self.journal.append_batches(&batches)
            }
            _ => Ok(()),
        };
        match written {
            Ok(()) => {
                self.ledger.commit(frame.ledger_cp);
                self.group = None;
                Ok(())
            }
            Err(e) => {
                self.rollback_group(frame);
                Err(e)
            }
        }
    }

    pub(super) fn rollback_group(&mut self, frame: GroupFrame) {
        self.ledger
            .rollback_to_depth(frame.ledger_cp, frame.ledger_depth);
        while let Some(u) = self.group.as_mut().and_then(|g| {
            (g.undo.len() > frame.undo_len)
                .then(|| g.undo.pop())
                .flatten()
        }) {
            self.undo_book(u);
        }
        self.head = frame.head;
        if let Some(g) = self.group.as_mut() {
            g.batches.truncate(frame.batches_len);
            g.entries = frame.entries;
            g.depth = frame.depth.saturating_sub(1);
            if g.depth == 0 {
                self.group = None;
            }
        }
    }
}
