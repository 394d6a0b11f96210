//! The durable log behind the book: a `Journal` trait, an in-memory and a SQLite
//! implementation, and the hash chain that lets [`verify_chain`] name any edited, missing or
//! reordered entry.
//!
//! An entry is one line of JSON (`body`) with a sequence number (1, 2, 3, … without gaps), the
//! number of the batch it belongs to, and `hash = SHA-256(previous hash ‖ seq ‖ batch ‖ body)`
//! (the first entry chains from 32 zero bytes). A batch (one request and everything it
//! produced) is appended in one call, which an implementation must make atomic: after a
//! crash either all of its entries are there or none is. A journal also keeps its head (last
//! seq and hash) in the same transaction, so dropping entries from the end is detected too.
//!
//! Journals never change or delete an entry: the trait has no method for it.

use sha2::{Digest, Sha256};

use crate::error::{LedgerError, Result};

mod anchor;
mod shared;
mod sqlite;

pub use anchor::{
    ANCHOR_BYTES_MAX, ANCHOR_MAGIC, ANCHOR_SLOT_BYTES, Anchor, AnchorCheck, AnchorParseError,
    KeptAnchor, anchor_path_for, check_anchor, read_anchor_file, write_anchor_file,
};
pub use shared::SharedJournal;
pub use sqlite::{ReadMode, SqliteJournal};

/// The most entries in one appended batch (a request of [`crate::core::BATCH_MAX`] transfers
/// plus its header).
pub const BATCH_ENTRIES_MAX: usize = crate::core::BATCH_MAX + 16;

/// The most batches (requests) appended in one [`Journal::append_batches`] call: the size
/// limit of a group of requests ([`crate::VoucherBook::group`]).
pub const GROUP_REQUESTS_MAX: usize = 65_536;

/// The most entries appended in one [`Journal::append_batches`] call (about 4 per grant or
/// redemption, so a full group of ordinary requests fits; a group of large raw batches is
/// bounded here, which also bounds the memory a group holds before it commits).
pub const GROUP_ENTRIES_MAX: usize = 524_288;

/// The most bytes in one entry's body.
pub const BODY_BYTES_MAX: usize = 1 << 20;

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// Position in the journal, from 1, without gaps.
    pub seq: u64,
    /// The batch (request) it belongs to, from 1.
    pub batch: u64,
    /// The record as JSON.
    pub body: String,
    /// SHA-256 over the previous hash, seq, batch and body.
    pub hash: [u8; 32],
}

/// The hash of the entry before the first.
pub const GENESIS_HASH: [u8; 32] = [0u8; 32];

/// Chains one entry.
pub fn chain_hash(prev: &[u8; 32], seq: u64, batch: u64, body: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(batch.to_be_bytes());
    h.update(body.as_bytes());
    h.finalize().into()
}

impl JournalEntry {
    /// Builds the entry following `prev_hash`.
    pub fn chained(prev_hash: &[u8; 32], seq: u64, batch: u64, body: String) -> Self {
        let hash = chain_hash(prev_hash, seq, batch, &body);
        Self {
            seq,
            batch,
            body,
            hash,
        }
    }
}

/// The last entry's seq and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Head {
    /// Last seq (0 when empty).
    pub seq: u64,
    /// Last batch (0 when empty).
    pub batch: u64,
    /// Last hash ([`GENESIS_HASH`] when empty).
    pub hash: [u8; 32],
}

/// A durable, append-only log of batches.
pub trait Journal {
    /// Appends a batch of entries atomically, continuing the stored head. On error nothing of
    /// the batch is stored.
    fn append(&mut self, entries: &[JournalEntry]) -> Result<()>;
    /// Appends several batches atomically, in order, continuing the stored head: after a
    /// crash or an error either all of them are stored or none is. At most
    /// [`GROUP_REQUESTS_MAX`] batches and [`GROUP_ENTRIES_MAX`] entries in all, each batch
    /// within [`BATCH_ENTRIES_MAX`].
    ///
    /// The default concatenates the batches and calls [`Journal::append`] once, so it is
    /// exactly as atomic as `append`; [`MemoryJournal`] and [`SqliteJournal`] override it to
    /// check each batch on its own (one SQLite transaction for all of them).
    fn append_batches(&mut self, batches: &[&[JournalEntry]]) -> Result<()> {
        check_group_size(batches)?;
        let all: Vec<JournalEntry> = batches.iter().flat_map(|b| b.iter().cloned()).collect();
        self.append(&all)
    }
    /// Every entry, in order of seq.
    fn entries(&self) -> Result<Vec<JournalEntry>>;
    /// The stored head (written with each batch).
    fn head(&self) -> Result<Head>;
    /// Every entry and the head, read as of one instant: a write committed by another
    /// process while they are read is either wholly in both or in neither. Verification and
    /// replay read through this.
    ///
    /// The default reads [`Journal::entries`] then [`Journal::head`], which is consistent for
    /// a journal no one else writes (such as [`MemoryJournal`]); [`SqliteJournal`] reads both
    /// in one read transaction.
    fn read_all(&self) -> Result<(Vec<JournalEntry>, Head)> {
        Ok((self.entries()?, self.head()?))
    }
    /// The anchor recorded outside the journal, if it keeps one ([`SqliteJournal`] does, in a
    /// file beside its database); `None` by default. Read it *before* [`Journal::read_all`]:
    /// an anchor never leads the journal it was taken from.
    fn anchor(&self) -> Result<Option<Anchor>> {
        Ok(None)
    }
    /// Where the journal lives, for messages ("memory" or the file path).
    fn describe(&self) -> String;

    /// Whether several writers (processes or connections) may append to this journal at
    /// once, serialised by the journal's write session ([`Journal::begin_write`]). A book on
    /// such a journal opens a session before each request or outermost group, catches up
    /// with what the others appended (replaying it through the same code as opening does),
    /// and only then plans and appends, so the chain stays one chain and every rule holds
    /// against everything written. `false` by default: the book is the journal's only
    /// writer (a second one is refused at the append, as [`SqliteJournal`] does).
    fn write_sessions(&self) -> bool {
        false
    }

    /// Opens a write session and returns the stored head as of it: until the session ends
    /// ([`Journal::append_batches`] commits it, [`Journal::end_write`] abandons it), no other
    /// writer can append, and [`Journal::entries_since`] reads what the head covers. The
    /// default (a journal with a single writer) takes no lock and returns [`Journal::head`].
    fn begin_write(&mut self) -> Result<Head> {
        self.head()
    }

    /// Every entry after `seq`, in order of seq: inside a write session, up to the head
    /// [`Journal::begin_write`] returned; outside one, as of one instant (whole batches).
    /// The default filters [`Journal::entries`].
    fn entries_since(&self, seq: u64) -> Result<Vec<JournalEntry>> {
        Ok(self
            .entries()?
            .into_iter()
            .filter(|e| e.seq > seq)
            .collect())
    }

    /// Ends the open write session without writing (releasing its lock); nothing when none
    /// is open, so it is safe to call after an append that committed the session.
    fn end_write(&mut self) -> Result<()> {
        Ok(())
    }
}

fn check_batch(head: &Head, entries: &[JournalEntry], journal: &str) -> Result<()> {
    if entries.len() > BATCH_ENTRIES_MAX {
        return Err(LedgerError::BatchTooLarge {
            what: "journal entries",
            len: entries.len(),
            max: BATCH_ENTRIES_MAX,
        });
    }
    // Check before writing what verify checks after reading (paired assertions).
    if let Some(first) = entries.first() {
        if first.seq != head.seq + 1 || first.batch != head.batch + 1 {
            return Err(LedgerError::Storage {
                journal: journal.to_string(),
                message: format!(
                    "the journal ends at entry {} but this batch continues entry {}: another writer appended since this book was opened; reopen it and retry",
                    head.seq,
                    first.seq.saturating_sub(1)
                ),
            });
        }
    }
    let mut prev = *head;
    for e in entries {
        let bad = |reason: String| LedgerError::Tampered {
            journal: journal.to_string(),
            seq: e.seq,
            request: String::new(),
            reason,
        };
        if e.seq != prev.seq + 1 {
            return Err(bad(format!("seq does not follow {}", prev.seq)));
        }
        if e.batch < prev.batch || e.batch > prev.batch + 1 {
            return Err(bad(format!(
                "batch {} does not follow {}",
                e.batch, prev.batch
            )));
        }
        if e.body.len() > BODY_BYTES_MAX {
            return Err(bad(format!(
                "body of {} bytes over the limit",
                e.body.len()
            )));
        }
        if chain_hash(&prev.hash, e.seq, e.batch, &e.body) != e.hash {
            return Err(bad("hash does not chain from the head".into()));
        }
        prev = Head {
            seq: e.seq,
            batch: e.batch,
            hash: e.hash,
        };
    }
    Ok(())
}

fn check_group_size(batches: &[&[JournalEntry]]) -> Result<()> {
    if batches.len() > GROUP_REQUESTS_MAX {
        return Err(LedgerError::BatchTooLarge {
            what: "batches in one group",
            len: batches.len(),
            max: GROUP_REQUESTS_MAX,
        });
    }
    let total: usize = batches.iter().map(|b| b.len()).sum();
    if total > GROUP_ENTRIES_MAX {
        return Err(LedgerError::BatchTooLarge {
            what: "journal entries in one group",
            len: total,
            max: GROUP_ENTRIES_MAX,
        });
    }
    Ok(())
}

/// Checks a group of batches against `head` before it is written — the group's size, each
/// batch within its size, continuing the one before, its hashes chained — and returns the
/// head after the last one. Every journal runs it on its append path (including those
/// outside this crate), so what verify checks after reading was checked before writing.
pub fn check_group(head: &Head, batches: &[&[JournalEntry]], journal: &str) -> Result<Head> {
    check_group_size(batches)?;
    let mut head = *head;
    for b in batches {
        check_batch(&head, b, journal)?;
        if let Some(last) = b.last() {
            head = Head {
                seq: last.seq,
                batch: last.batch,
                hash: last.hash,
            };
        }
    }
    Ok(head)
}

/// A journal in memory (tests, simulations, benchmarks of the core).
#[derive(Debug, Clone, Default)]
pub struct MemoryJournal {
    entries: Vec<JournalEntry>,
    /// When set, the next append fails (to test that a failed write changes nothing).
    pub fail_next_append: bool,
}

impl MemoryJournal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mutable access to the stored entries, to simulate tampering in tests.
    pub fn entries_mut(&mut self) -> &mut Vec<JournalEntry> {
        &mut self.entries
    }
}

impl Journal for MemoryJournal {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<()> {
        if self.fail_next_append {
            self.fail_next_append = false;
            return Err(LedgerError::Storage {
                journal: "memory".into(),
                message: "simulated write failure".into(),
            });
        }
        check_batch(&self.head()?, entries, "memory")?;
        self.entries.extend_from_slice(entries);
        Ok(())
    }

    fn append_batches(&mut self, batches: &[&[JournalEntry]]) -> Result<()> {
        if self.fail_next_append {
            self.fail_next_append = false;
            return Err(LedgerError::Storage {
                journal: "memory".into(),
                message: "simulated write failure".into(),
            });
        }
        // Everything is checked before anything is stored: all or nothing.
        check_group(&self.head()?, batches, "memory")?;
        for b in batches {
            self.entries.extend_from_slice(b);
        }
        Ok(())
    }

    fn entries(&self) -> Result<Vec<JournalEntry>> {
        Ok(self.entries.clone())
    }

    fn head(&self) -> Result<Head> {
        Ok(self
            .entries
            .last()
            .map(|e| Head {
                seq: e.seq,
                batch: e.batch,
                hash: e.hash,
            })
            .unwrap_or(Head {
                seq: 0,
                batch: 0,
                hash: GENESIS_HASH,
            }))
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

impl<J: Journal + ?Sized> Journal for Box<J> {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<()> {
        (**self).append(entries)
    }
    fn append_batches(&mut self, batches: &[&[JournalEntry]]) -> Result<()> {
        (**self).append_batches(batches)
    }
    fn entries(&self) -> Result<Vec<JournalEntry>> {
        (**self).entries()
    }
    fn head(&self) -> Result<Head> {
        (**self).head()
    }
    fn read_all(&self) -> Result<(Vec<JournalEntry>, Head)> {
        (**self).read_all()
    }
    fn anchor(&self) -> Result<Option<Anchor>> {
        (**self).anchor()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn write_sessions(&self) -> bool {
        (**self).write_sessions()
    }
    fn begin_write(&mut self) -> Result<Head> {
        (**self).begin_write()
    }
    fn entries_since(&self, seq: u64) -> Result<Vec<JournalEntry>> {
        (**self).entries_since(seq)
    }
    fn end_write(&mut self) -> Result<()> {
        (**self).end_write()
    }
}

/// Lower-case hex of a hash (a table lookup: this runs once per journal entry).
pub fn hash_hex(hash: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in hash {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A stored hash read back from its hex (as [`hash_hex`] writes it); a malformed one is
/// [`LedgerError::Tampered`] at entry `seq` of `journal`. For the journals that store hashes
/// as text (SQLite, a server).
pub fn parse_hash_hex(s: &str, seq: u64, journal: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|e| LedgerError::Tampered {
        journal: journal.to_string(),
        seq,
        request: String::new(),
        reason: format!("stored hash '{s}' is not 64 hex digits ({e})"),
    })?;
    Ok(out)
}

/// What [`verify_chain`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainReport {
    /// Entries checked.
    pub entries: u64,
    /// Batches checked.
    pub batches: u64,
    /// The head hash (hex).
    pub head_hash: String,
}

/// Checks the hash chain of `entries` against `head`. `request_of` extracts a request id from
/// a body, to name it in the error.
pub fn verify_chain(
    journal: &str,
    entries: &[JournalEntry],
    head: &Head,
    request_of: impl Fn(&JournalEntry) -> Option<String>,
) -> Result<ChainReport> {
    verify_chain_from(journal, &Head::default(), entries, head, request_of)
}

/// Checks that `entries` continue the chain from `start` (the head a reader already holds:
/// [`Head::default`] for the whole journal) up to `head`. What a book catching up with other
/// writers checks before it replays their entries.
pub fn verify_chain_from(
    journal: &str,
    start: &Head,
    entries: &[JournalEntry],
    head: &Head,
    request_of: impl Fn(&JournalEntry) -> Option<String>,
) -> Result<ChainReport> {
    let mut prev = if start.seq == 0 {
        GENESIS_HASH
    } else {
        start.hash
    };
    let mut prev_batch = start.batch;
    let mut batches = 0u64;
    let mut current_request: Option<String> = None;
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = start.seq + i as u64 + 1;
        if let Some(r) = request_of(e) {
            current_request = Some(r);
        }
        let request = current_request
            .as_ref()
            .map(|r| format!(" (request '{r}')"))
            .unwrap_or_default();
        let bad = |seq: u64, reason: String| LedgerError::Tampered {
            journal: journal.to_string(),
            seq,
            request: request.clone(),
            reason,
        };
        if e.seq != expected_seq {
            return Err(bad(
                expected_seq,
                format!("missing: the next entry found is {}", e.seq),
            ));
        }
        if e.batch != prev_batch && e.batch != prev_batch + 1 {
            return Err(bad(
                e.seq,
                format!("batch {} does not follow batch {prev_batch}", e.batch),
            ));
        }
        if e.batch != prev_batch {
            batches += 1;
        }
        if chain_hash(&prev, e.seq, e.batch, &e.body) != e.hash {
            return Err(bad(
                e.seq,
                "content does not match its hash (edited)".into(),
            ));
        }
        prev = e.hash;
        prev_batch = e.batch;
    }
    let last_seq = start.seq + entries.len() as u64;
    if head.seq != last_seq || (last_seq > 0 && head.hash != prev) {
        return Err(LedgerError::Tampered {
            journal: journal.to_string(),
            seq: head.seq.max(last_seq + 1),
            request: String::new(),
            reason: format!(
                "the journal ends at entry {last_seq} but its head records entry {} (entries removed from the end or head edited)",
                head.seq
            ),
        });
    }
    Ok(ChainReport {
        entries: last_seq,
        batches,
        head_hash: hex::encode(prev),
    })
}
