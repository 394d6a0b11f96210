//! Several writers on one journal: before a request (or an outermost group) a book on a
//! journal with write sessions ([`Journal::write_sessions`]) opens one — the journal's lock
//! on its chain head — reads what other writers appended since its own head, replays it
//! through the same code as opening does, and only then plans and appends, all in the one
//! session. So the chain stays one chain, budgets and caps hold against everything written,
//! and a request id used by another writer is recognised (same content: its first reply;
//! other content: a conflict), whichever process made it.

use crate::error::{LedgerError, Result};
use crate::journal::Journal;

use super::VoucherBook;

impl<J: Journal> VoucherBook<J> {
    /// Opens the journal's write session when it has them and brings the book up to its head.
    /// Returns whether a session was opened (the caller ends it with `end_session`). A book
    /// whose catch-up failed refuses every later write: its state may hold part of what it
    /// was replaying, so it must be reopened.
    pub(super) fn begin_session(&mut self) -> Result<bool> {
        self.check_not_stale()?;
        if !self.journal.write_sessions() {
            return Ok(false);
        }
        let head = self.journal.begin_write()?;
        if head == self.head {
            return Ok(true);
        }
        let caught_up = self
            .journal
            .entries_since(self.head.seq)
            .and_then(|entries| self.catch_up(&entries, head));
        if let Err(e) = caught_up {
            self.end_session(true);
            self.stale = Some(e.to_string());
            return Err(e);
        }
        Ok(true)
    }

    /// Ends a session `begin_session` opened, if it is still open (an append that committed
    /// it already ended it). A failure to end it is not reported: nothing it could undo was
    /// acknowledged, and a journal that cannot end a session (a lost connection) has lost
    /// the session with it.
    pub(super) fn end_session(&mut self, opened: bool) {
        if opened {
            let _ = self.journal.end_write();
        }
    }

    pub(super) fn check_not_stale(&self) -> Result<()> {
        match &self.stale {
            None => Ok(()),
            Some(why) => Err(LedgerError::Storage {
                journal: self.journal.describe(),
                message: format!(
                    "this book could not catch up with the journal ({why}); reopen it before writing"
                ),
            }),
        }
    }

    /// Reads what other writers appended since this book's head and replays it, so that the
    /// book's reads (balances, statements, reports) show it; returns the number of requests
    /// read. Outside a group only. Needed only for a journal with several writers
    /// ([`Journal::write_sessions`]); on others it finds nothing. Every write catches up by
    /// itself before it plans.
    pub fn refresh(&mut self) -> Result<usize> {
        self.check_not_stale()?;
        if self.group.is_some() {
            return Err(LedgerError::Invariant {
                detail: "refresh inside a group: the group's requests are not written yet".into(),
            });
        }
        let entries = self.journal.entries_since(self.head.seq)?;
        let Some(last) = entries.last() else {
            return Ok(0);
        };
        let head = crate::journal::Head {
            seq: last.seq,
            batch: last.batch,
            hash: last.hash,
        };
        let before = self.request_ids.len();
        if let Err(e) = self.catch_up(&entries, head) {
            self.stale = Some(e.to_string());
            return Err(e);
        }
        Ok(self.request_ids.len() - before)
    }
}
