//! [`PgJournal`]: the voucher ledger's journal in PostgreSQL, with several writers.
//!
//! Tables: `journal(seq, batch, body, hash)` (seq is the primary key: one chain), the head
//! `journal_head` (one row, written with every append), and `journal_requests(request_id
//! PRIMARY KEY, seq)`: a request id is recorded once, whoever writes it.
//!
//! Writers are serialised by a row lock on the head: a write session
//! ([`Journal::begin_write`]) is a READ COMMITTED transaction that starts with `SELECT … FROM
//! journal_head FOR UPDATE`. The book then reads the entries appended since its own head
//! ([`Journal::entries_since`], which under READ COMMITTED sees every commit made before the
//! lock was granted), replays them, plans, and appends in the same transaction, which commits
//! the session. A second writer waits at the lock; a client killed mid-session loses its
//! transaction (the server rolls it back and frees the lock when the connection drops).

use std::sync::{Mutex, MutexGuard};

use postgres::Client;
use voucher_ledger::journal::{
    GENESIS_HASH, Head, Journal, JournalEntry, check_group, hash_hex, parse_hash_hex,
};
use voucher_ledger::{LedgerError, Result};

use crate::conn::{Access, Conn, connect};
use crate::error::{describe, is_denied};
use crate::migrate::{Component, ensure};
use crate::url::DatabaseUrl;

/// The ledger's migrations.
pub(crate) const LEDGER: Component = Component {
    name: "ledger",
    steps: &[ledger_v1],
};

fn ledger_v1() -> String {
    format!(
        "CREATE TABLE journal (
            seq   BIGINT PRIMARY KEY CHECK (seq > 0),
            batch BIGINT NOT NULL CHECK (batch > 0),
            body  TEXT NOT NULL,
            hash  TEXT NOT NULL CHECK (length(hash) = 64)
         );
         CREATE TABLE journal_head (
            id    INTEGER PRIMARY KEY CHECK (id = 1),
            seq   BIGINT NOT NULL,
            batch BIGINT NOT NULL,
            hash  TEXT NOT NULL
         );
         INSERT INTO journal_head (id, seq, batch, hash) VALUES (1, 0, 0, '{}');
         CREATE TABLE journal_requests (
            request_id TEXT PRIMARY KEY,
            seq        BIGINT NOT NULL UNIQUE REFERENCES journal (seq)
         );",
        hash_hex(&GENESIS_HASH)
    )
}

/// Rows per INSERT of a group (bounds the size of one statement's parameters).
const INSERT_ROWS_MAX: usize = 20_000;

/// The journal on a PostgreSQL server. Several processes (or connections) may write it at
/// once ([`Journal::write_sessions`] is true); a book on it catches up with them before each
/// write.
pub struct PgJournal {
    conn: Mutex<Conn>,
    url: DatabaseUrl,
    /// The store's name in messages (URL without password, schema): kept apart from the
    /// connection so that naming it never waits for the connection's lock.
    store: String,
    read_only: bool,
    /// The head locked by the open write session, if one is open.
    session: Option<Head>,
}

impl std::fmt::Debug for PgJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgJournal")
            .field("store", &self.describe())
            .field("read_only", &self.read_only)
            .finish()
    }
}

fn to_i64(v: u64, what: &str, journal: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| LedgerError::Storage {
        journal: journal.to_string(),
        message: format!("{what} {v} does not fit a BIGINT"),
    })
}

fn to_u64(v: i64, what: &str, journal: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| LedgerError::Storage {
        journal: journal.to_string(),
        message: format!("negative {what} {v}"),
    })
}

impl PgJournal {
    /// Connects for writing: creates the ledger's tables on first use (migrations), refuses
    /// a schema newer than this build.
    pub fn open(url: &DatabaseUrl) -> Result<Self> {
        Self::connect(url, Access::Write)
    }

    /// Connects for reading only: every transaction is read-only, nothing is created; an
    /// absent or older ledger schema is refused. Appends are refused.
    pub fn open_read_only(url: &DatabaseUrl) -> Result<Self> {
        Self::connect(url, Access::Read)
    }

    fn connect(url: &DatabaseUrl, access: Access) -> Result<Self> {
        let mut conn = connect(url, access).map_err(LedgerError::from)?;
        ensure(&mut conn, url.schema(), &LEDGER, access).map_err(LedgerError::from)?;
        let store = conn.store.clone();
        Ok(Self {
            conn: Mutex::new(conn),
            url: url.clone(),
            store,
            read_only: access == Access::Read,
            session: None,
        })
    }

    /// The URL it was opened with (its `Display` hides the password).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    fn lock(&self) -> Result<MutexGuard<'_, Conn>> {
        self.conn.lock().map_err(|_| LedgerError::Storage {
            journal: self.store.clone(),
            message: "the connection was poisoned by a panic".into(),
        })
    }

    fn storage(&self, context: &str, e: &postgres::Error) -> LedgerError {
        let message = if is_denied(e) {
            format!(
                "{context}: permission denied: {} — the database role may read the ledger but not write it",
                describe(e)
            )
        } else {
            format!("{context}: {}", describe(e))
        };
        LedgerError::Storage {
            journal: self.describe(),
            message,
        }
    }

    fn refuse_read_only(&self) -> Result<()> {
        if self.read_only {
            return Err(LedgerError::Storage {
                journal: self.describe(),
                message: "the journal was opened read-only".into(),
            });
        }
        Ok(())
    }

    fn read_head_in(
        &self,
        client: &mut impl postgres::GenericClient,
        for_update: bool,
    ) -> Result<Head> {
        let name = self.describe();
        let sql = if for_update {
            "SELECT seq, batch, hash FROM journal_head WHERE id = 1 FOR UPDATE"
        } else {
            "SELECT seq, batch, hash FROM journal_head WHERE id = 1"
        };
        let row = client
            .query_one(sql, &[])
            .map_err(|e| self.storage("reading the head", &e))?;
        let seq = to_u64(row.get(0), "head seq", &name)?;
        Ok(Head {
            seq,
            batch: to_u64(row.get(1), "head batch", &name)?,
            hash: parse_hash_hex(row.get(2), seq, &name)?,
        })
    }

    fn select_entries(
        &self,
        client: &mut impl postgres::GenericClient,
        after: u64,
    ) -> Result<Vec<JournalEntry>> {
        let name = self.describe();
        let rows = client
            .query(
                "SELECT seq, batch, body, hash FROM journal WHERE seq > $1 ORDER BY seq",
                &[&to_i64(after, "seq", &name)?],
            )
            .map_err(|e| self.storage("reading the journal", &e))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let seq = to_u64(r.get(0), "seq", &name)?;
            out.push(JournalEntry {
                seq,
                batch: to_u64(r.get(1), "batch", &name)?,
                body: r.get(2),
                hash: parse_hash_hex(r.get(3), seq, &name)?,
            });
        }
        Ok(out)
    }

    /// Writes checked batches and the new head in the open transaction.
    fn write(&self, tx: &mut Client, batches: &[&[JournalEntry]], head: &Head) -> Result<()> {
        let name = self.describe();
        let entries: Vec<&JournalEntry> = batches.iter().flat_map(|b| b.iter()).collect();
        for chunk in entries.chunks(INSERT_ROWS_MAX) {
            let mut seqs = Vec::with_capacity(chunk.len());
            let mut batch_nos = Vec::with_capacity(chunk.len());
            let mut bodies = Vec::with_capacity(chunk.len());
            let mut hashes = Vec::with_capacity(chunk.len());
            let mut req_ids = Vec::new();
            let mut req_seqs = Vec::new();
            for e in chunk {
                let seq = to_i64(e.seq, "seq", &name)?;
                seqs.push(seq);
                batch_nos.push(to_i64(e.batch, "batch", &name)?);
                bodies.push(e.body.as_str());
                hashes.push(hash_hex(&e.hash));
                if let Some(id) = voucher_ledger::book::request_of(e) {
                    req_ids.push(id);
                    req_seqs.push(seq);
                }
            }
            tx.execute(
                "INSERT INTO journal (seq, batch, body, hash)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[])",
                &[&seqs, &batch_nos, &bodies, &hashes],
            )
            .map_err(|e| self.storage("appending to the journal", &e))?;
            if let Err(e) = tx.execute(
                "INSERT INTO journal_requests (request_id, seq)
                 SELECT * FROM unnest($1::text[], $2::bigint[])",
                &[&req_ids, &req_seqs],
            ) {
                if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
                    return Err(LedgerError::RequestConflict {
                        request_id: req_ids.join(", "),
                        seq: 0,
                        detail: format!(
                            "a request id of this batch is already recorded in the journal by another writer ({})",
                            describe(&e)
                        ),
                    });
                }
                return Err(self.storage("recording request ids", &e));
            }
        }
        tx.execute(
            "UPDATE journal_head SET seq = $1, batch = $2, hash = $3 WHERE id = 1",
            &[
                &to_i64(head.seq, "seq", &name)?,
                &to_i64(head.batch, "batch", &name)?,
                &hash_hex(&head.hash),
            ],
        )
        .map_err(|e| self.storage("writing the head", &e))?;
        Ok(())
    }
}

impl Journal for PgJournal {
    fn append(&mut self, entries: &[JournalEntry]) -> Result<()> {
        self.append_batches(&[entries])
    }

    /// In the open write session: writes the batches and the head and commits the session.
    /// Without one: the same in a transaction of its own that locks the head first.
    fn append_batches(&mut self, batches: &[&[JournalEntry]]) -> Result<()> {
        if batches.iter().all(|b| b.is_empty()) {
            return self.end_write();
        }
        self.refuse_read_only()?;
        // The session's transaction (BEGIN … head locked) is open on the connection, or one
        // is begun here the same way; either ends with COMMIT or ROLLBACK below.
        let session = self.session.take();
        let this = &*self;
        let mut conn = this.lock()?;
        let client = &mut conn.client;
        let outcome = (|| -> Result<()> {
            let head = match session {
                Some(h) => h,
                None => {
                    client
                        .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                        .map_err(|e| this.storage("starting an append", &e))?;
                    this.read_head_in(client, true)?
                }
            };
            let new_head = check_group(&head, batches, &this.store)?;
            this.write(client, batches, &new_head)?;
            client
                .batch_execute("COMMIT")
                .map_err(|e| this.storage("committing the append", &e))
        })();
        if outcome.is_err() {
            // Nothing of the batches stays; a failed ROLLBACK means a lost connection, whose
            // transaction the server has rolled back already.
            let _ = client.batch_execute("ROLLBACK");
        }
        outcome
    }

    fn entries(&self) -> Result<Vec<JournalEntry>> {
        let mut conn = self.lock()?;
        self.select_entries(&mut conn.client, 0)
    }

    fn head(&self) -> Result<Head> {
        let mut conn = self.lock()?;
        self.read_head_in(&mut conn.client, false)
    }

    /// Entries and head in one REPEATABLE READ transaction: one snapshot, which commits by
    /// other writers do not change while it is read.
    fn read_all(&self) -> Result<(Vec<JournalEntry>, Head)> {
        let mut conn = self.lock()?;
        if self.session.is_some() {
            let entries = self.select_entries(&mut conn.client, 0)?;
            let head = self.read_head_in(&mut conn.client, false)?;
            return Ok((entries, head));
        }
        let mut tx = conn
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(|e| self.storage("starting a read", &e))?;
        let entries = self.select_entries(&mut tx, 0)?;
        let head = self.read_head_in(&mut tx, false)?;
        tx.commit().map_err(|e| self.storage("ending a read", &e))?;
        Ok((entries, head))
    }

    fn describe(&self) -> String {
        self.store.clone()
    }

    fn write_sessions(&self) -> bool {
        true
    }

    /// BEGIN (READ COMMITTED) and lock the head row: other writers wait here until this
    /// session commits or ends.
    fn begin_write(&mut self) -> Result<Head> {
        self.refuse_read_only()?;
        if let Some(h) = self.session {
            return Ok(h);
        }
        let head = {
            let mut conn = self.lock()?;
            conn.client
                .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                .map_err(|e| self.storage("starting a write session", &e))?;
            match self.read_head_in(&mut conn.client, true) {
                Ok(h) => h,
                Err(e) => {
                    let _ = conn.client.batch_execute("ROLLBACK");
                    return Err(e);
                }
            }
        };
        self.session = Some(head);
        Ok(head)
    }

    fn entries_since(&self, seq: u64) -> Result<Vec<JournalEntry>> {
        let mut conn = self.lock()?;
        self.select_entries(&mut conn.client, seq)
    }

    fn end_write(&mut self) -> Result<()> {
        if self.session.take().is_some() {
            let mut conn = self.lock()?;
            conn.client
                .batch_execute("ROLLBACK")
                .map_err(|e| self.storage("ending a write session", &e))?;
        }
        Ok(())
    }
}
