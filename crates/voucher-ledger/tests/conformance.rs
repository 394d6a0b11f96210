//! The journal conformance suite (`voucher_ledger::conformance`) on the journals of this
//! crate: memory (the reference), shared memory (several writers on threads) and SQLite.
//! PostgreSQL runs the same suite in crates/store-postgres.

use voucher_ledger::conformance::JournalFactory;
use voucher_ledger::{MemoryJournal, SharedJournal, SqliteJournal};

struct Memory;

impl JournalFactory for Memory {
    type Journal = MemoryJournal;
    fn create(&mut self) -> MemoryJournal {
        MemoryJournal::new()
    }
    fn reopen(&mut self, journal: &MemoryJournal) -> MemoryJournal {
        journal.clone()
    }
}

struct Shared;

impl JournalFactory for Shared {
    type Journal = SharedJournal;
    fn create(&mut self) -> SharedJournal {
        SharedJournal::new()
    }
    fn reopen(&mut self, journal: &SharedJournal) -> SharedJournal {
        journal.handle()
    }
    fn several_writers(&self) -> bool {
        true
    }
}

/// Fresh SQLite files in a temporary directory, kept until the factory is dropped.
struct Sqlite {
    dir: tempfile::TempDir,
    files: u32,
}

impl JournalFactory for Sqlite {
    type Journal = SqliteJournal;
    fn create(&mut self) -> SqliteJournal {
        self.files += 1;
        SqliteJournal::open(
            self.dir
                .path()
                .join(format!("ledger-{}.sqlite", self.files)),
        )
        .expect("a new SQLite journal")
    }
    fn reopen(&mut self, journal: &SqliteJournal) -> SqliteJournal {
        SqliteJournal::open(journal.path()).expect("reopening the SQLite journal")
    }
}

mod memory {
    use super::*;
    voucher_ledger::journal_conformance!(Some(Memory));
}

mod shared_memory {
    use super::*;
    voucher_ledger::journal_conformance!(Some(Shared));
}

mod sqlite {
    use super::*;
    voucher_ledger::journal_conformance!(Some(Sqlite {
        dir: tempfile::tempdir().expect("a temporary directory"),
        files: 0,
    }));
}
