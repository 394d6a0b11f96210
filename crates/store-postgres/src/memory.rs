//! [`PgMemory`]: small named values the annual cycle keeps between runs (such as how its
//! synthetic cohort was made), in one table. The orchestration layer gives them meaning;
//! this crate only stores text under a key, each write one statement.

use std::sync::{Mutex, MutexGuard};

use crate::conn::{Access, Conn, connect};
use crate::error::{PgError, Result, server};
use crate::migrate::{Component, ensure};
use crate::url::DatabaseUrl;

/// The cycle's migrations.
pub(crate) const CYCLE: Component = Component {
    name: "cycle",
    steps: &[cycle_v1],
};

fn cycle_v1() -> String {
    "CREATE TABLE cycle_memory (
        key   TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
        value TEXT NOT NULL CHECK (length(value) <= 65536)
     );"
    .into()
}

/// The longest value kept, in bytes.
pub const VALUE_BYTES_MAX: usize = 65_536;

/// Named text values on a PostgreSQL server.
pub struct PgMemory {
    conn: Mutex<Conn>,
    store: String,
}

impl std::fmt::Debug for PgMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgMemory")
            .field("store", &self.store)
            .finish()
    }
}

impl PgMemory {
    /// Connects for writing (creating the table on first use).
    pub fn open(url: &DatabaseUrl) -> Result<Self> {
        Self::connect(url, Access::Write)
    }

    /// Connects for reading only.
    pub fn open_read_only(url: &DatabaseUrl) -> Result<Self> {
        Self::connect(url, Access::Read)
    }

    fn connect(url: &DatabaseUrl, access: Access) -> Result<Self> {
        let mut conn = connect(url, access)?;
        ensure(&mut conn, url.schema(), &CYCLE, access)?;
        let store = conn.store.clone();
        Ok(Self {
            conn: Mutex::new(conn),
            store,
        })
    }

    /// The store's name in messages (no password).
    pub fn store(&self) -> &str {
        &self.store
    }

    fn lock(&self) -> Result<MutexGuard<'_, Conn>> {
        self.conn.lock().map_err(|_| PgError::Server {
            store: self.store.clone(),
            context: "using the connection".into(),
            message: "poisoned by a panic".into(),
        })
    }

    /// The value under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<String>> {
        let mut conn = self.lock()?;
        let row = conn
            .client
            .query_opt("SELECT value FROM cycle_memory WHERE key = $1", &[&key])
            .map_err(|e| server(&self.store, &format!("reading '{key}'"), &e))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Keeps `value` under `key` (replacing what was there), in one statement.
    pub fn put(&mut self, key: &str, value: &str) -> Result<()> {
        if value.len() > VALUE_BYTES_MAX {
            return Err(PgError::Server {
                store: self.store.clone(),
                context: format!("writing '{key}'"),
                message: format!("{} bytes, over the limit of {VALUE_BYTES_MAX}", value.len()),
            });
        }
        let mut conn = self.lock()?;
        conn.client
            .execute(
                "INSERT INTO cycle_memory (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .map_err(|e| server(&self.store, &format!("writing '{key}'"), &e))?;
        Ok(())
    }
}
