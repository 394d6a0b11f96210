//! [`SharedJournal`]: one journal in memory shared by several writers (threads), each through
//! its own handle, serialised by write sessions — the in-memory model of a journal on a
//! database server, for tests and simulations of concurrent offices.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::error::{LedgerError, Result};

use super::{Head, Journal, JournalEntry, check_group, check_group_size};

/// Handle numbers, unique in the process.
static NEXT_HANDLE: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Default)]
struct State {
    entries: Vec<JournalEntry>,
    /// The handle whose write session is open.
    holder: Option<u64>,
}

#[derive(Debug, Default)]
struct Inner {
    state: Mutex<State>,
    freed: Condvar,
}

/// A journal in memory that several books write at once, one handle each
/// ([`SharedJournal::handle`]); appends are serialised by write sessions
/// ([`Journal::begin_write`]), so books on it catch up with each other before they write.
/// A handle dropped with its session open releases it, as a lost database connection does.
#[derive(Debug)]
pub struct SharedJournal {
    inner: Arc<Inner>,
    id: u64,
}

impl Default for SharedJournal {
    fn default() -> Self {
        Self::new()
    }
}

impl SharedJournal {
    /// A new, empty journal and its first handle.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner::default()),
            id: NEXT_HANDLE.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Another handle on the same journal (another writer).
    pub fn handle(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            id: NEXT_HANDLE.fetch_add(1, Ordering::Relaxed),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.inner.state.lock().map_err(|_| LedgerError::Storage {
            journal: self.describe(),
            message: "a writer panicked while holding the journal".into(),
        })
    }

    /// Waits until no other handle holds a session; returns the guard.
    fn wait_free(&self) -> Result<MutexGuard<'_, State>> {
        let mut st = self.lock()?;
        while st.holder.is_some_and(|h| h != self.id) {
            st = self
                .inner
                .freed
                .wait(st)
                .map_err(|_| LedgerError::Storage {
                    journal: self.describe(),
                    message: "a writer panicked while holding the journal".into(),
                })?;
        }
        Ok(st)
    }

    fn release(&self, st: &mut State) {
        if st.holder == Some(self.id) {
            st.holder = None;
            self.inner.freed.notify_all();
        }
    }
}

fn head_of(entries: &[JournalEntry]) -> Head {
    entries
        .last()
        .map(|e| Head {
            seq: e.seq,
            batch: e.batch,
            hash: e.hash,
        })
        .unwrap_or_default()
}

impl Journal for SharedJournal {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<()> {
        self.append_batches(&[entries])
    }

    /// Within this handle's session: appends and ends it. Without one: waits for any other
    /// session to end, then appends as a session of its own would.
    fn append_batches(&mut self, batches: &[&[JournalEntry]]) -> Result<()> {
        check_group_size(batches)?;
        let name = self.describe();
        let mut st = self.wait_free()?;
        let checked = check_group(&head_of(&st.entries), batches, &name);
        if checked.is_ok() {
            for b in batches {
                st.entries.extend_from_slice(b);
            }
        }
        self.release(&mut st);
        checked.map(|_| ())
    }

    fn entries(&self) -> Result<Vec<JournalEntry>> {
        Ok(self.lock()?.entries.clone())
    }

    fn head(&self) -> Result<Head> {
        Ok(head_of(&self.lock()?.entries))
    }

    fn read_all(&self) -> Result<(Vec<JournalEntry>, Head)> {
        let st = self.lock()?;
        Ok((st.entries.clone(), head_of(&st.entries)))
    }

    fn describe(&self) -> String {
        "shared memory".into()
    }

    fn write_sessions(&self) -> bool {
        true
    }

    fn begin_write(&mut self) -> Result<Head> {
        let mut st = self.wait_free()?;
        st.holder = Some(self.id);
        Ok(head_of(&st.entries))
    }

    fn entries_since(&self, seq: u64) -> Result<Vec<JournalEntry>> {
        let st = self.lock()?;
        let from = usize::try_from(seq)
            .unwrap_or(usize::MAX)
            .min(st.entries.len());
        // Seqs are 1, 2, 3, … without gaps, so entry `seq + 1` is at index `seq`.
        Ok(st
            .entries
            .get(from..)
            .map(<[_]>::to_vec)
            .unwrap_or_default())
    }

    fn end_write(&mut self) -> Result<()> {
        let mut st = self.lock()?;
        self.release(&mut st);
        Ok(())
    }
}

impl Drop for SharedJournal {
    fn drop(&mut self) {
        if let Ok(mut st) = self.inner.state.lock() {
            self.release(&mut st);
        }
    }
}
