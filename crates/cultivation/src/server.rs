//! What the cycle keeps on a PostgreSQL server besides the registry and the ledger: the
//! cohort recipe, as the same TOML text the data directory's file holds, under one key of
//! `store_postgres::PgMemory`.

use store_postgres::{DatabaseUrl, PgMemory};

use crate::cohort::{CohortMemory, CohortMeta};
use crate::error::{CultivationError, Result};

/// The key of the cohort recipe (named as the data directory's file).
pub const COHORT_KEY: &str = crate::data_dir::COHORT_FILE;

/// The cohort recipe in the database's `cycle_memory` table.
#[derive(Debug)]
pub struct ServerCohort {
    memory: PgMemory,
}

impl ServerCohort {
    /// Connects (creating the table on first use).
    pub fn open(url: &DatabaseUrl) -> Result<Self> {
        Ok(Self {
            memory: PgMemory::open(url)?,
        })
    }

    fn bad(&self, message: impl std::fmt::Display) -> CultivationError {
        CultivationError::File {
            path: format!("{} {COHORT_KEY}", self.memory.store()).into(),
            message: message.to_string(),
        }
    }
}

impl CohortMemory for ServerCohort {
    fn recall(&self) -> Result<Option<CohortMeta>> {
        match self.memory.get(COHORT_KEY)? {
            Some(text) => toml::from_str(&text)
                .map(Some)
                .map_err(|e| self.bad(e.message())),
            None => Ok(None),
        }
    }

    /// One statement: whole or not at all.
    fn remember(&mut self, meta: &CohortMeta) -> Result<()> {
        let text = toml::to_string(meta).map_err(|e| self.bad(e))?;
        Ok(self.memory.put(COHORT_KEY, &text)?)
    }
}
