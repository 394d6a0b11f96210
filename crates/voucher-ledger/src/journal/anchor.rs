//! Anchors: the journal's head recorded outside the journal, so that truncation can be told
//! from a journal that was always short.
//!
//! A journal's hash chain and head catch an edited, reordered or missing entry, and entries
//! dropped from the end while the head still names them. They cannot catch someone who drops
//! the tail *and* points the head at the last entry kept, nor a journal emptied or replaced
//! by an older copy: what is left is a valid, shorter chain. An [`Anchor`] (the head's entry
//! count, batch and hash) kept somewhere the journal's writer cannot rewrite at the same time
//! closes that gap: a journal is consistent with an anchor when it holds at least the
//! anchor's entries and its entry at the anchor's position has the anchor's hash
//! ([`check_anchor`]).
//!
//! [`super::SqliteJournal`] writes one beside its database after every durable commit (the
//! anchor file, [`anchor_path_for`]), atomically (temporary file, `fsync`, rename). It is
//! written only after the commit, so it may lag the database by the commits a crash
//! interrupted, but never leads it. Readers take the anchor *before* they
//! read the journal, so a commit between the two cannot make a sound journal look cut. An
//! auditor can also keep an anchor elsewhere (its text form, one line) and verify against it
//! with [`crate::book::verify_journal_against`].

use std::fmt;
use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{LedgerError, Result};

use super::{Head, JournalEntry, hash_hex};

/// The first word of an anchor's text form (and of the anchor file).
pub const ANCHOR_MAGIC: &str = "shuchuang-ledger-anchor";

/// The largest anchor file read, in bytes (one line of about 150).
pub const ANCHOR_BYTES_MAX: u64 = 4096;

/// A journal's head as recorded outside the journal: how many entries and batches it held
/// and the hash of its last entry.
///
/// Its text form is one line, `shuchuang-ledger-anchor v1 entries=N batches=B head=HEX`:
///
/// ```
/// use voucher_ledger::journal::Anchor;
/// let a = Anchor { entries: 42, batches: 9, head_hash: [0xab; 32] };
/// let text = a.to_string();
/// assert!(text.starts_with("shuchuang-ledger-anchor v1 entries=42 batches=9 head=abab"));
/// assert_eq!(text.parse::<Anchor>().unwrap(), a);
/// assert!("entries=42".parse::<Anchor>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// Entries in the journal (the head's seq).
    pub entries: u64,
    /// Batches (requests) in the journal (the head's batch).
    pub batches: u64,
    /// Hash of the last entry ([`super::GENESIS_HASH`] when empty).
    pub head_hash: [u8; 32],
}

impl Anchor {
    /// The anchor of a journal whose head is `head`.
    pub fn of_head(head: &Head) -> Anchor {
        Anchor {
            entries: head.seq,
            batches: head.batch,
            head_hash: head.hash,
        }
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ANCHOR_MAGIC} v1 entries={} batches={} head={}",
            self.entries,
            self.batches,
            hash_hex(&self.head_hash)
        )
    }
}

/// Why a text is not an anchor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a ledger anchor ('{ANCHOR_MAGIC} v1 entries=N batches=B head=HEX'): {reason}")]
pub struct AnchorParseError {
    /// What is wrong.
    pub reason: String,
}

impl FromStr for Anchor {
    type Err = AnchorParseError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let bad = |reason: String| AnchorParseError { reason };
        let mut words = s.split_whitespace();
        if words.next() != Some(ANCHOR_MAGIC) {
            return Err(bad(format!("it does not start with '{ANCHOR_MAGIC}'")));
        }
        if words.next() != Some("v1") {
            return Err(bad("unknown version (expected v1)".into()));
        }
        let mut field = |name: &str| -> std::result::Result<&str, AnchorParseError> {
            let w = words
                .next()
                .ok_or_else(|| bad(format!("'{name}=' is missing")))?;
            w.strip_prefix(name)
                .and_then(|v| v.strip_prefix('='))
                .ok_or_else(|| bad(format!("expected '{name}=…', found '{w}'")))
        };
        let number = |name: &str, v: &str| {
            v.parse::<u64>()
                .map_err(|_| bad(format!("{name}={v} is not a whole number")))
        };
        let entries = number("entries", field("entries")?)?;
        let batches = number("batches", field("batches")?)?;
        let hex = field("head")?;
        let mut head_hash = [0u8; 32];
        hex::decode_to_slice(hex, &mut head_hash)
            .map_err(|_| bad(format!("head={hex} is not 64 hex digits")))?;
        if let Some(w) = words.next() {
            return Err(bad(format!("unexpected '{w}' at the end")));
        }
        if batches > entries || (entries > 0 && batches == 0) {
            return Err(bad(format!(
                "{batches} batches cannot hold {entries} entries"
            )));
        }
        Ok(Anchor {
            entries,
            batches,
            head_hash,
        })
    }
}

impl Serialize for Anchor {
    /// Serialised as its one-line text form.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Anchor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// What checking a journal against an anchor found (it held).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorCheck {
    /// The anchor checked against.
    pub anchor: Anchor,
    /// Entries the journal holds beyond the anchor (commits after it was taken, or lost in a
    /// crash before the anchor file was replaced).
    pub lag_entries: u64,
}

/// Checks that `entries` (a whole journal, from seq 1, its chain already verified) still
/// holds everything `anchor` recorded: at least its entries, and at its position the same
/// batch and hash. `source` says where the anchor came from, for the message.
pub fn check_anchor(
    journal: &str,
    entries: &[JournalEntry],
    anchor: &Anchor,
    source: &str,
) -> Result<AnchorCheck> {
    let held = entries.len() as u64;
    let bad = |reason: String| LedgerError::Tampered {
        journal: journal.to_string(),
        seq: anchor.entries,
        request: String::new(),
        reason,
    };
    if anchor.entries == 0 {
        return Ok(AnchorCheck {
            anchor: *anchor,
            lag_entries: held,
        });
    }
    if held < anchor.entries {
        let what = if held == 0 {
            "the journal holds no entries: the ledger was emptied or replaced".to_string()
        } else {
            format!(
                "the journal ends at entry {held}: entries were removed from the end (and the head moved back) or an older copy was put in its place"
            )
        };
        return Err(bad(format!(
            "{source} records {} entries in {} batches (head {}), but {what}",
            anchor.entries,
            anchor.batches,
            hash_hex(&anchor.head_hash)
        )));
    }
    let at = usize::try_from(anchor.entries - 1)
        .ok()
        .and_then(|i| entries.get(i));
    match at {
        Some(e) if e.hash == anchor.head_hash && e.batch == anchor.batches => Ok(AnchorCheck {
            anchor: *anchor,
            lag_entries: held - anchor.entries,
        }),
        Some(e) => Err(bad(format!(
            "entry {} differs from the anchor ({source}: batch {}, hash {}; the journal: batch {}, hash {}): the history up to it was rewritten or replaced",
            anchor.entries,
            anchor.batches,
            hash_hex(&anchor.head_hash),
            e.batch,
            hash_hex(&e.hash)
        ))),
        None => Err(bad(format!(
            "{source}: entry {} is missing",
            anchor.entries
        ))),
    }
}

/// Where [`super::SqliteJournal`] keeps the anchor of the database at `db`: beside it, with
/// `.anchor` appended to the file name (`ledger.sqlite` → `ledger.sqlite.anchor`).
pub fn anchor_path_for(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".anchor");
    PathBuf::from(name)
}

/// Reads an anchor file: `None` when there is none; an error naming the file when it cannot
/// be read or is not an anchor (a damaged anchor is never taken as absent).
pub fn read_anchor_file(path: &Path, journal: &str) -> Result<Option<Anchor>> {
    let bad = |message: String| LedgerError::Storage {
        journal: journal.to_string(),
        message: format!("anchor {}: {message}", path.display()),
    };
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(e.to_string())),
    };
    if meta.len() > ANCHOR_BYTES_MAX {
        return Err(bad(format!(
            "{} bytes, more than an anchor's {ANCHOR_BYTES_MAX}",
            meta.len()
        )));
    }
    let text = fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    text.trim()
        .parse()
        .map(Some)
        .map_err(|e: AnchorParseError| bad(e.to_string()))
}

/// Replaces the anchor file atomically: the new text goes to a temporary file beside it,
/// which is flushed to disk and then renamed over the old one, so the anchor file is always
/// one whole anchor, the old or the new.
///
/// The directory is not flushed after the rename: that would cost a second `fsync` on every
/// commit, and all a lost rename can do after a power cut is bring back the previous anchor,
/// which lags the journal (allowed) and never leads it.
pub fn write_anchor_file(path: &Path, anchor: &Anchor) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(format!("{anchor}\n").as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = fs::remove_file(&tmp);
    }
    written
}
