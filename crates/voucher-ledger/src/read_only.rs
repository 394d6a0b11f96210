//! [`ReadOnlyJournal`]: a SQLite journal opened without writing, for readers (balances,
//! statements, reports, exports, verification) beside a live writer and in a read-only data
//! directory.
//!
//! It reads every entry and the head in one read transaction when it opens, so the two
//! always agree even while another process appends (a reader never mistakes a concurrent
//! append for a truncated journal), and serves that snapshot; appending is refused.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{LedgerError, Result};
use crate::journal::{Head, Journal, JournalEntry, parse_hash_hex};

/// How a [`ReadOnlyJournal`] opens its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Read beside other processes, which may be writing (SQLite's `mode=ro`).
    Shared,
    /// A file on a read-only medium that nothing writes to: SQLite needs no lock or
    /// shared-memory file beside it (`immutable=1`).
    Immutable,
}

/// A snapshot of a SQLite journal, read without writing anything.
#[derive(Debug)]
pub struct ReadOnlyJournal {
    path: PathBuf,
    entries: Vec<JournalEntry>,
    head: Head,
}

impl ReadOnlyJournal {
    /// Opens the journal at `path` (which must exist) and reads its entries and head in one
    /// read transaction.
    pub fn open(path: impl AsRef<Path>, mode: ReadMode) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let name = path.display().to_string();
        let storage = |message: String| LedgerError::Storage {
            journal: name.clone(),
            message,
        };
        if !path.is_file() {
            return Err(storage("no such ledger file".into()));
        }
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
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn =
            Connection::open_with_flags(&uri, flags).map_err(|e| storage(e.to_string()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| storage(e.to_string()))?;
        // One read transaction: the entries and the head come from the same commit.
        let tx = conn.transaction().map_err(|e| storage(e.to_string()))?;
        let tables: i64 = tx
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('journal', 'head')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| storage(e.to_string()))?;
        if tables != 2 {
            return Err(storage(
                "not a ledger journal (no journal and head tables)".into(),
            ));
        }
        let mut entries = Vec::new();
        {
            let mut st = tx
                .prepare("SELECT seq, batch, body, hash FROM journal ORDER BY seq")
                .map_err(|e| storage(e.to_string()))?;
            let mut rows = st.query([]).map_err(|e| storage(e.to_string()))?;
            while let Some(row) = rows.next().map_err(|e| storage(e.to_string()))? {
                let seq: i64 = row.get(0).map_err(|e| storage(e.to_string()))?;
                let batch: i64 = row.get(1).map_err(|e| storage(e.to_string()))?;
                let body: String = row.get(2).map_err(|e| storage(e.to_string()))?;
                let hash: String = row.get(3).map_err(|e| storage(e.to_string()))?;
                let seq = u64::try_from(seq).map_err(|_| storage(format!("negative seq {seq}")))?;
                entries.push(JournalEntry {
                    seq,
                    batch: u64::try_from(batch)
                        .map_err(|_| storage(format!("entry {seq}: negative batch")))?,
                    body,
                    hash: parse_hash_hex(&hash, seq, &name)?,
                });
            }
        }
        let head = tx
            .query_row("SELECT seq, batch, hash FROM head WHERE id = 1", [], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()
            .map_err(|e| storage(e.to_string()))?;
        let head = match head {
            None => Head::default(),
            Some((seq, batch, hash)) => {
                let seq = u64::try_from(seq).map_err(|_| storage("negative head seq".into()))?;
                Head {
                    seq,
                    batch: u64::try_from(batch)
                        .map_err(|_| storage("negative head batch".into()))?,
                    hash: parse_hash_hex(&hash, seq, &name)?,
                }
            }
        };
        tx.finish().map_err(|e| storage(e.to_string()))?;
        Ok(Self {
            path,
            entries,
            head,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Journal for ReadOnlyJournal {
    fn append(&mut self, _entries: &[JournalEntry]) -> Result<()> {
        Err(LedgerError::Storage {
            journal: self.path.display().to_string(),
            message: "opened read-only: nothing can be written".into(),
        })
    }

    fn entries(&self) -> Result<Vec<JournalEntry>> {
        Ok(self.entries.clone())
    }

    fn head(&self) -> Result<Head> {
        Ok(self.head)
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}
