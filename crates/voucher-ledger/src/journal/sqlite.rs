//! [`SqliteJournal`]: the journal in one SQLite file (WAL, `synchronous=FULL`), one
//! IMMEDIATE transaction per batch or group, and its anchor file beside it.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{LedgerError, Result};

use super::{Head, Journal, JournalEntry, check_group, check_group_size, hash_hex};

/// A journal in one SQLite file, in WAL mode with `synchronous=FULL`: a batch is one
/// transaction, durable when `append` returns.
#[derive(Debug)]
pub struct SqliteJournal {
    conn: Connection,
    path: PathBuf,
}

impl SqliteJournal {
    /// Opens (creating if needed) the journal at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let err = |e: rusqlite::Error| LedgerError::Storage {
            journal: path.display().to_string(),
            message: e.to_string(),
        };
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
        conn.execute_batch(
            "PRAGMA synchronous=FULL;
             PRAGMA foreign_keys=ON;
             PRAGMA wal_autocheckpoint=10000;
             CREATE TABLE IF NOT EXISTS journal (
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
             );",
        )
        .map_err(err)?;
        Ok(Self { conn, path })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn storage(&self, e: impl std::fmt::Display) -> LedgerError {
        LedgerError::Storage {
            journal: self.path.display().to_string(),
            message: e.to_string(),
        }
    }
}

fn parse_hash(s: &str, seq: u64, journal: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|e| LedgerError::Tampered {
        journal: journal.to_string(),
        seq,
        request: String::new(),
        reason: format!("stored hash '{s}' is not 64 hex digits ({e})"),
    })?;
    Ok(out)
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
        tx.commit().map_err(|e| storage(e.to_string()))
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
            let hash = parse_hash(&hash, seq, &name)?;
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
                hash: parse_hash(&hash, seq, name)?,
            })
        }
    }
}
