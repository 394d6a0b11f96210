//! The conformance suites of registry-model and voucher-ledger, on PostgreSQL: the same checks
//! that memory and SQLite pass (crates/registry-model/tests/conformance.rs,
//! crates/voucher-ledger/tests/conformance.rs), each on a schema of its own.

use registry_model::conformance::StoreFactory;
use store_postgres::{PgJournal, PgRegistry};
use voucher_ledger::conformance::JournalFactory;

use crate::support::{Schema, server};

/// Fresh schemas on the test server; dropped with the factory.
pub struct Pg {
    server: String,
    schemas: Vec<Schema>,
}

impl Pg {
    pub fn new() -> Option<Self> {
        Some(Self {
            server: server()?,
            schemas: Vec::new(),
        })
    }

    fn fresh(&mut self) -> store_postgres::DatabaseUrl {
        let s = Schema::fresh(&self.server);
        let url = s.url.clone();
        self.schemas.push(s);
        url
    }
}

impl StoreFactory for Pg {
    type Store = PgRegistry;
    fn create(&mut self) -> PgRegistry {
        PgRegistry::open(&self.fresh()).expect("a new registry schema")
    }
    fn reopen(&mut self, store: &PgRegistry) -> PgRegistry {
        PgRegistry::open(store.url()).expect("another connection")
    }
    fn concurrent_writers(&self) -> bool {
        true
    }
}

impl JournalFactory for Pg {
    type Journal = PgJournal;
    fn create(&mut self) -> PgJournal {
        PgJournal::open(&self.fresh()).expect("a new ledger schema")
    }
    fn reopen(&mut self, journal: &PgJournal) -> PgJournal {
        PgJournal::open(journal.url()).expect("another connection")
    }
    fn several_writers(&self) -> bool {
        true
    }
}

mod registry {
    use super::Pg;
    registry_model::registry_conformance!(Pg::new());
}

mod journal {
    use super::Pg;
    voucher_ledger::journal_conformance!(Pg::new());
}
