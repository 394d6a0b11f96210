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
//! [`super::SqliteJournal`] keeps one beside its database (the anchor file,
//! [`anchor_path_for`]) and records its head there after every durable commit. The file has
//! two slots, one line each, each line carrying a checksum of itself (`crc=`, the first 8 hex
//! digits of its SHA-256); a commit overwrites the slot holding the older anchor, in place,
//! and readers take the valid slot with the most entries. So:
//!
//! - the anchor is written only after the commit is durable: it may lag the database by the
//!   commits a crash interrupted, never lead it;
//! - a write torn by a power cut damages at most the slot being written, and the other still
//!   holds the previous anchor: the file never reads as garbage, and needs no `fsync` of its
//!   own on each commit (which would double the cost of a commit); the file is created whole,
//!   through a temporary file that is flushed and renamed into place;
//! - readers take the anchor *before* they read the journal, so a commit in between cannot
//!   make a sound journal look cut.
//!
//! An auditor can also keep an anchor elsewhere (its text form, one line) and verify against
//! it with [`crate::book::verify_journal_against`]; a hand-written anchor file of one line
//! without a checksum is read too.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{LedgerError, Result};

use super::{Head, JournalEntry, hash_hex};

/// The first word of an anchor's text form (and of the anchor file).
pub const ANCHOR_MAGIC: &str = "shuchuang-ledger-anchor";

/// The largest anchor file read, in bytes (two slots of [`ANCHOR_SLOT_BYTES`]).
pub const ANCHOR_BYTES_MAX: u64 = 4096;

/// The bytes of one slot of the anchor file: its line (at most about 170 characters) padded
/// with spaces, and a newline.
pub const ANCHOR_SLOT_BYTES: usize = 192;

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
        // A slot of the anchor file ends with the checksum of what comes before it.
        if let Some(w) = words.next() {
            let Some(crc) = w.strip_prefix("crc=") else {
                return Err(bad(format!("unexpected '{w}' at the end")));
            };
            let body = s.trim();
            let body = body.get(..body.len() - w.len()).unwrap_or("").trim_end();
            if crc != line_crc(body) {
                return Err(bad(format!(
                    "crc={crc} does not match the line (torn or edited)"
                )));
            }
            if let Some(w) = words.next() {
                return Err(bad(format!("unexpected '{w}' at the end")));
            }
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

/// An anchor kept elsewhere, as a user gives it: the whole anchor (its line), or only its head
/// hash (64 hex digits, optionally written `head=…`), whose position
/// [`crate::book::verify_journal_against_kept`] finds in the journal.
///
/// ```
/// use voucher_ledger::journal::{Anchor, KeptAnchor};
/// let a = Anchor { entries: 4, batches: 2, head_hash: [0x1f; 32] };
/// assert_eq!(a.to_string().parse::<KeptAnchor>().unwrap(), KeptAnchor::Anchor(a));
/// assert_eq!("1f".repeat(32).parse::<KeptAnchor>().unwrap(), KeptAnchor::Head([0x1f; 32]));
/// assert!("nonsense".parse::<KeptAnchor>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeptAnchor {
    /// The whole anchor.
    Anchor(Anchor),
    /// Only its head hash.
    Head([u8; 32]),
}

impl FromStr for KeptAnchor {
    type Err = AnchorParseError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let t = s.trim();
        if t.starts_with(ANCHOR_MAGIC) {
            return t.parse().map(KeptAnchor::Anchor);
        }
        let hex = t.strip_prefix("head=").unwrap_or(t);
        let mut head = [0u8; 32];
        hex::decode_to_slice(hex, &mut head).map_err(|_| AnchorParseError {
            reason: format!("'{s}' is neither an anchor line nor a head hash of 64 hex digits"),
        })?;
        Ok(KeptAnchor::Head(head))
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

/// The checksum of a slot's line: the first 8 hex digits of its SHA-256.
fn line_crc(line: &str) -> String {
    hash_hex(&Sha256::digest(line.as_bytes()).into())
        .get(..8)
        .unwrap_or("")
        .to_string()
}

/// One slot's bytes: the anchor's line with its checksum, padded to [`ANCHOR_SLOT_BYTES`].
fn slot_bytes(anchor: &Anchor) -> Vec<u8> {
    let line = anchor.to_string();
    let mut out = format!("{line} crc={}", line_crc(&line));
    while out.len() < ANCHOR_SLOT_BYTES - 1 {
        out.push(' ');
    }
    out.push('\n');
    out.into_bytes()
}

/// What an anchor file holds: its valid lines (slots), in file order; `None` when there is
/// no file or it holds nothing but white space. A file with text but no valid line is an
/// error naming it: a damaged anchor is never taken as absent.
pub(super) fn read_anchor_slots(path: &Path, journal: &str) -> Result<Option<Vec<Option<Anchor>>>> {
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
    if text.trim().is_empty() {
        return Ok(None);
    }
    let mut first_error = None;
    let slots: Vec<Option<Anchor>> = text
        .lines()
        .map(|line| match line.trim().parse::<Anchor>() {
            Ok(a) => Some(a),
            Err(e) => {
                if !line.trim().is_empty() && first_error.is_none() {
                    first_error = Some(e);
                }
                None
            }
        })
        .collect();
    if slots.iter().all(Option::is_none) {
        let why = first_error.map(|e| e.to_string()).unwrap_or_default();
        return Err(bad(why));
    }
    Ok(Some(slots))
}

/// Reads an anchor file: the valid slot with the most entries; `None` when there is no file
/// (or only white space); an error naming the file when it cannot be read or no slot in it
/// is an anchor (a damaged anchor is never taken as absent).
pub fn read_anchor_file(path: &Path, journal: &str) -> Result<Option<Anchor>> {
    Ok(read_anchor_slots(path, journal)?
        .and_then(|slots| slots.into_iter().flatten().max_by_key(|a| a.entries)))
}

impl KeptAnchor {
    /// An anchor as a user passes it (`voucher verify --anchor`): a file holding it, its line,
    /// or only its head hash. An existing file is read (an error when it holds no anchor);
    /// anything else is parsed.
    pub fn from_arg(arg: &str) -> Result<Self> {
        let file = Path::new(arg);
        let bad = |reason: String| LedgerError::InvalidAnchor {
            file: arg.to_string(),
            reason,
        };
        if file.is_file() {
            return match read_anchor_file(file, arg)? {
                Some(a) => Ok(KeptAnchor::Anchor(a)),
                None => Err(bad("the file holds no anchor".to_string())),
            };
        }
        arg.parse()
            .map_err(|e: AnchorParseError| bad(format!("not a file, and {e}")))
    }
}

/// Writes a new anchor file holding `anchor` (and an empty second slot), whole: through a
/// temporary file beside it that is flushed to disk and then renamed over the path.
pub fn write_anchor_file(path: &Path, anchor: &Anchor) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = (|| {
        let mut f = File::create(&tmp)?;
        let mut bytes = slot_bytes(anchor);
        bytes.extend(std::iter::repeat_n(b' ', ANCHOR_SLOT_BYTES - 1));
        bytes.push(b'\n');
        f.write_all(&bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Overwrites slot `slot` (0 or 1) of an existing anchor file with `anchor`, in place, in one
/// write and without a flush of its own (see the module notes: the other slot keeps the
/// previous anchor should this write be lost or torn).
pub(super) fn write_anchor_slot(path: &Path, slot: usize, anchor: &Anchor) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).open(path)?;
    f.seek(SeekFrom::Start((slot.min(1) * ANCHOR_SLOT_BYTES) as u64))?;
    f.write_all(&slot_bytes(anchor))
}
