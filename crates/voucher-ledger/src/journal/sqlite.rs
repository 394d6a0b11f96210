//! [`SqliteJournal`]: the journal in one SQLite file (WAL, `synchronous=FULL`), one
//! IMMEDIATE transaction per batch or group, reads in one read transaction, and its anchor
//! file beside it (see [`super::anchor`]).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::{LedgerError, Result};

use super::anchor::{read_anchor_slots, write_anchor_slot};
use super::{
    Anchor, Head, Journal, JournalEntry, anchor_path_for, check_group, check_group_size, hash_hex,
    parse_hash_hex, read_anchor_file, write_anchor_file,
};

/// How [`SqliteJournal::open_read_only_with`] opens its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Read beside other processes, which may be writing (SQLite's `mode=ro`).
    Shared,
    /// A file on a read-only medium that nothing writes to: SQLite needs no lock or
    /// shared-memory file beside it (`immutable=1`).
    Immutable,
}

/// A journal in one SQLite file, in WAL mode with `synchronous=FULL`: a batch is one
/// transaction, durable when `append` returns. After every commit it records the new head in
/// the anchor file beside the database ([`anchor_path_for`]), so that a journal cut short
/// later is caught by [`crate::book::verify_journal`] and by reopening.
///
/// Opening refuses what is not a ledger rather than starting a new one in its place: an
/// empty (0-byte) file, or a missing file where the anchor records entries.
#[derive(Debug)]
pub struct SqliteJournal {
    conn: Connection,
    path: PathBuf,
    anchor_path: PathBuf,
    read_only: bool,
    /// Why the last anchor could not be written, if it could not (the commit itself stood).
    anchor_error: Option<String>,
}

impl SqliteJournal {
    /// Opens the journal at `path` for reading and writing, creating a new, empty ledger when
    /// no file is there (and no anchor says there was one).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let anchor_path = Self::check_file(&path, true)?;
        let err = |e: rusqlite::Error| LedgerError::Storage {
            journal: path.display().to_string(),
            message: e.to_string(),
        };
        if !path.exists() {
            Self::create(&path)?;
        }
        let conn = Connection::open(&path).map_err(err)?;
        // Another process holding the write lock is waited for (bounded), not failed at once.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(LedgerError::Storage {
                journal: path.display().to_string(),
                message: format!("could not switch to WAL mode (got {mode})"),
            });
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous=FULL;
             PRAGMA foreign_keys=ON;
             PRAGMA wal_autocheckpoint=10000;
             {SCHEMA}"
        ))
        .map_err(err)?;
        Ok(Self {
            conn,
            path,
            anchor_path,
            read_only: false,
            anchor_error: None,
        })
    }

    /// Creates a new, empty ledger at `path` whole: the database is made under a temporary
    /// name (WAL mode, its tables) and only then linked to `path`, so `path` never exists as
    /// the empty file SQLite starts from (which a crash at that moment would leave behind, and
    /// which [`SqliteJournal::open`] refuses). A ledger another process created at `path`
    /// meanwhile is kept and used.
    fn create(path: &Path) -> Result<()> {
        let name = path.display().to_string();
        let storage = |message: String| LedgerError::Storage {
            journal: name.clone(),
            message,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".new-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let side = |suffix: &str| {
            let mut p = tmp.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        };
        let clean = || {
            for p in [tmp.clone(), side("-wal"), side("-shm")] {
                // A leftover of this process's own earlier attempt, or nothing.
                let _ = std::fs::remove_file(p);
            }
        };
        clean();
        {
            let conn = Connection::open(&tmp).map_err(|e| storage(e.to_string()))?;
            conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
                .map_err(|e| storage(e.to_string()))?;
            conn.execute_batch(&format!("PRAGMA synchronous=FULL; {SCHEMA}"))
                .map_err(|e| storage(e.to_string()))?;
            // Closing checkpoints the WAL into the file: it is complete on its own.
        }
        // A hard link does not replace an existing file: whoever links first wins, the other
        // uses that ledger. (Where links are not supported, a rename of a file that is still
        // absent.)
        let linked = match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(_) if !path.exists() => std::fs::rename(&tmp, path),
            Err(e) => Err(e),
        };
        clean();
        linked.map_err(|e| storage(format!("creating the ledger: {e}")))?;
        sync_dir(path).map_err(|e| storage(format!("creating the ledger: {e}")))
    }

    /// Opens an existing journal for reading only (to verify or audit it) beside any writer:
    /// [`SqliteJournal::open_read_only_with`] in [`ReadMode::Shared`].
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_read_only_with(path, ReadMode::Shared)
    }

    /// Opens an existing journal for reading only: never creates, changes or rewrites the
    /// ledger file or its anchor, and refuses a missing or empty file (or one whose anchor
    /// records entries it lacks) and one that holds no journal. Appending is refused. Reads
    /// ([`Journal::read_all`]) take the entries and the head in one read transaction, so a
    /// concurrent writer's commit never makes the two disagree; replay and verification check
    /// the anchor file as for a writable journal.
    ///
    /// In [`ReadMode::Shared`] SQLite may create its `-wal` and `-shm` side files, as for any
    /// reader of a WAL database; in [`ReadMode::Immutable`] (a read-only medium or directory
    /// that nothing writes to) it creates nothing at all.
    pub fn open_read_only_with(path: impl AsRef<Path>, mode: ReadMode) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let anchor_path = Self::check_file(&path, false)?;
        let name = path.display().to_string();
        let err = |e: rusqlite::Error| LedgerError::Storage {
            journal: name.clone(),
            message: e.to_string(),
        };
        let mut uri = String::from("file:");
        for c in name.chars() {
            match c {
                '%' => uri.push_str("%25"),
                '?' => uri.push_str("%3f"),
                '#' => uri.push_str("%23"),
                c => uri.push(c),
            }
        }
        uri.push_str(match mode {
            ReadMode::Shared => "?mode=ro",
            ReadMode::Immutable => "?immutable=1",
        });
        let conn = Connection::open_with_flags(
            &uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('journal', 'head')",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if tables != 2 {
            return Err(LedgerError::Storage {
                journal: name,
                message: "not a ledger: the file holds no journal and head tables".into(),
            });
        }
        Ok(Self {
            conn,
            path,
            anchor_path,
            read_only: true,
            anchor_error: None,
        })
    }

    /// Refuses a file that is not a ledger before SQLite sees it (SQLite would take an empty
    /// or missing file for a new database): an empty file always; a missing one when reading
    /// only, or when the anchor beside it records entries. Returns the anchor's path.
    fn check_file(path: &Path, may_create: bool) -> Result<PathBuf> {
        let name = path.display().to_string();
        let anchor_path = anchor_path_for(path);
        let anchor = read_anchor_file(&anchor_path, &name)?;
        let recorded = anchor.filter(|a| a.entries > 0);
        let gone = |what: &str, a: &Anchor| LedgerError::Tampered {
            journal: name.clone(),
            seq: a.entries,
            request: String::new(),
            reason: format!(
                "the ledger file is {what}, but its anchor {} records {} entries in {} batches: restore the ledger from a copy (to start a new ledger here on purpose, remove the anchor first)",
                anchor_path.display(),
                a.entries,
                a.batches
            ),
        };
        match std::fs::metadata(path) {
            Ok(m) if m.len() == 0 => Err(match recorded {
                Some(a) => gone("empty (0 bytes)", &a),
                None => LedgerError::Storage {
                    journal: name.clone(),
                    message: "the ledger file is empty (0 bytes), which is not a ledger: restore it from a copy, or remove it to start a new ledger".into(),
                },
            }),
            Ok(_) => Ok(anchor_path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match recorded {
                Some(a) => Err(gone("missing", &a)),
                None if may_create => Ok(anchor_path),
                None => Err(LedgerError::Storage {
                    journal: name.clone(),
                    message: "no ledger file here".into(),
                }),
            },
            Err(e) => Err(LedgerError::Storage {
                journal: name.clone(),
                message: e.to_string(),
            }),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The anchor file beside the database.
    pub fn anchor_path(&self) -> &Path {
        &self.anchor_path
    }

    /// Why the anchor could not be replaced after the last commit, if it could not (a full
    /// disk, a read-only directory, or an anchor that disagrees with this journal and is
    /// kept as evidence). The commit itself stood; the anchor lags until a later one succeeds.
    pub fn anchor_error(&self) -> Option<&str> {
        self.anchor_error.as_deref()
    }

    fn storage(&self, e: impl std::fmt::Display) -> LedgerError {
        LedgerError::Storage {
            journal: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// Records `head` in the anchor file after a commit: over the slot holding the older
    /// anchor (creating the file whole the first time). It never moves the anchor back (a
    /// concurrent writer may have recorded a later head already: then this one lags), and it
    /// never replaces an anchor that is not on this journal's chain (that anchor is the
    /// evidence of a cut or a replaced history, and verification reports it).
    fn update_anchor(&mut self, head: &Head) -> Result<()> {
        let name = self.path.display().to_string();
        let new = Anchor::of_head(head);
        let io = |e: std::io::Error| LedgerError::Storage {
            journal: name.clone(),
            message: format!("anchor {}: {e}", self.anchor_path.display()),
        };
        let Some(slots) = read_anchor_slots(&self.anchor_path, &name)? else {
            return write_anchor_file(&self.anchor_path, &new).map_err(io);
        };
        let slot = |k: usize| slots.get(k).copied().flatten();
        let newest = slots.iter().flatten().max_by_key(|a| a.entries).copied();
        if let Some(old) = newest {
            if old.entries > new.entries {
                return Ok(());
            }
            if old.entries > 0 && !self.on_chain(&old)? {
                return Err(LedgerError::Tampered {
                    journal: name.clone(),
                    seq: old.entries,
                    request: String::new(),
                    reason: format!(
                        "the anchor {} is not on this journal's chain; it is kept, not replaced",
                        self.anchor_path.display()
                    ),
                });
            }
        }
        // Overwrite the older (or empty) slot; the newer one stays as it is.
        let older = match (slot(0), slot(1)) {
            (None, _) => 0,
            (_, None) => 1,
            (Some(a), Some(b)) => usize::from(b.entries < a.entries),
        };
        write_anchor_slot(&self.anchor_path, older, &new).map_err(io)
    }

    /// Whether the journal's entry at the anchor's position has the anchor's batch and hash.
    fn on_chain(&self, anchor: &Anchor) -> Result<bool> {
        let name = self.path.display().to_string();
        let at: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT batch, hash FROM journal WHERE seq = ?1",
                params![to_i64(anchor.entries, "seq", &name)?],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.storage(e))?;
        Ok(at.is_some_and(|(batch, hash)| {
            u64::try_from(batch).ok() == Some(anchor.batches) && hash == hash_hex(&anchor.head_hash)
        }))
    }
}

/// The journal's tables.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS journal (
                 seq   INTEGER PRIMARY KEY,
                 batch INTEGER NOT NULL,
                 body  TEXT NOT NULL,
                 hash  TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS head (
                 id    INTEGER PRIMARY KEY CHECK (id = 1),
                 seq   INTEGER NOT NULL,
                 batch INTEGER NOT NULL,
                 hash  TEXT NOT NULL
             );";

/// Flushes the directory holding `path`, so a file just linked into it survives a power cut.
#[cfg(unix)]
fn sync_dir(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::File::open(dir)?.sync_all(),
        _ => std::fs::File::open(".")?.sync_all(),
    }
}

/// Directories cannot be opened for flushing here; the link stands once the system flushes.
#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn to_i64(v: u64, what: &str, journal: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| LedgerError::Storage {
        journal: journal.to_string(),
        message: format!("{what} {v} does not fit SQLite's integer"),
    })
}

impl Journal for SqliteJournal {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<()> {
        self.append_batches(&[entries])
    }

    /// One IMMEDIATE transaction for all the batches (one fsync at the commit).
    fn append_batches(&mut self, batches: &[&[JournalEntry]]) -> Result<()> {
        check_group_size(batches)?;
        let Some(last) = batches.iter().rev().find_map(|b| b.last()).cloned() else {
            return Ok(());
        };
        let name = self.path.display().to_string();
        if self.read_only {
            return Err(LedgerError::Storage {
                journal: name,
                message: "the journal was opened read-only".into(),
            });
        }
        let storage = |message: String| LedgerError::Storage {
            journal: name.clone(),
            message,
        };
        // IMMEDIATE takes the write lock first, so the head read below cannot change before
        // the batches are written: a second writer on the same file is refused, not
        // interleaved. Dropping the transaction on any error rolls all of it back.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| storage(e.to_string()))?;
        let head = read_head(&tx, &name)?;
        check_group(&head, batches, &name)?;
        {
            let mut st = tx
                .prepare_cached(
                    "INSERT INTO journal (seq, batch, body, hash) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| storage(e.to_string()))?;
            for e in batches.iter().flat_map(|b| b.iter()) {
                st.execute(params![
                    to_i64(e.seq, "seq", &name)?,
                    to_i64(e.batch, "batch", &name)?,
                    e.body,
                    hash_hex(&e.hash)
                ])
                .map_err(|err| storage(format!("entry {}: {err}", e.seq)))?;
            }
            tx.execute(
                "INSERT INTO head (id, seq, batch, hash) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, batch = excluded.batch, hash = excluded.hash",
                params![
                    to_i64(last.seq, "seq", &name)?,
                    to_i64(last.batch, "batch", &name)?,
                    hash_hex(&last.hash)
                ],
            )
            .map_err(|e| storage(e.to_string()))?;
        }
        tx.commit().map_err(|e| storage(e.to_string()))?;
        // Durable now. The anchor follows (it may lag the database after a crash here, never
        // lead it); failing to write it does not undo the commit, which was acknowledged by
        // SQLite and may not be withdrawn: the failure is kept for `anchor_error`.
        let head = Head {
            seq: last.seq,
            batch: last.batch,
            hash: last.hash,
        };
        self.anchor_error = self.update_anchor(&head).err().map(|e| e.to_string());
        Ok(())
    }

    fn entries(&self) -> Result<Vec<JournalEntry>> {
        let name = self.path.display().to_string();
        let mut st = self
            .conn
            .prepare("SELECT seq, batch, body, hash FROM journal ORDER BY seq")
            .map_err(|e| self.storage(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.storage(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, batch, body, hash) = row.map_err(|e| self.storage(e))?;
            let seq =
                u64::try_from(seq).map_err(|_| self.storage(format!("negative seq {seq}")))?;
            let batch = u64::try_from(batch)
                .map_err(|_| self.storage(format!("entry {seq}: negative batch")))?;
            let hash = parse_hash_hex(&hash, seq, &name)?;
            out.push(JournalEntry {
                seq,
                batch,
                body,
                hash,
            });
        }
        Ok(out)
    }

    fn head(&self) -> Result<Head> {
        let name = self.path.display().to_string();
        read_head(&self.conn, &name)
    }

    /// Entries and head in one read transaction: in WAL mode it reads one snapshot of the
    /// database, which commits by other processes do not change while it is open.
    fn read_all(&self) -> Result<(Vec<JournalEntry>, Head)> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.storage(e))?;
        let entries = self.entries()?;
        let head = self.head()?;
        // Nothing was written: ending the read transaction either way is the same.
        tx.rollback().map_err(|e| self.storage(e))?;
        Ok((entries, head))
    }

    fn anchor(&self) -> Result<Option<Anchor>> {
        read_anchor_file(&self.anchor_path, &self.path.display().to_string())
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// Reads the stored head through `conn` (a connection or an open transaction).
fn read_head(conn: &Connection, name: &str) -> Result<Head> {
    let storage = |m: String| LedgerError::Storage {
        journal: name.to_string(),
        message: m,
    };
    let row: Option<(i64, i64, String)> = conn
        .query_row("SELECT seq, batch, hash FROM head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(|e| storage(e.to_string()))?;
    match row {
        None => Ok(Head::default()),
        Some((seq, batch, hash)) => {
            let seq = u64::try_from(seq).map_err(|_| storage("negative head seq".into()))?;
            Ok(Head {
                seq,
                batch: u64::try_from(batch).map_err(|_| storage("negative head batch".into()))?,
                hash: parse_hash_hex(&hash, seq, name)?,
            })
        }
    }
}
