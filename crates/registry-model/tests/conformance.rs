//! The store conformance suite (`registry_model::conformance`) on this crate's stores: memory
//! (the reference) and SQLite. PostgreSQL runs the same suite in crates/store-postgres.

use registry_model::conformance::StoreFactory;
use registry_model::{MemoryStore, SqliteStore};

struct Memory;

impl StoreFactory for Memory {
    type Store = MemoryStore;
    fn create(&mut self) -> MemoryStore {
        MemoryStore::new()
    }
    fn reopen(&mut self, store: &MemoryStore) -> MemoryStore {
        store.clone()
    }
}

/// Fresh SQLite files in a temporary directory, kept until the factory is dropped.
struct Sqlite {
    dir: tempfile::TempDir,
    files: u32,
}

impl StoreFactory for Sqlite {
    type Store = SqliteStore;
    fn create(&mut self) -> SqliteStore {
        self.files += 1;
        SqliteStore::open(
            self.dir
                .path()
                .join(format!("registry-{}.sqlite", self.files)),
        )
        .expect("a new SQLite store")
    }
    fn reopen(&mut self, store: &SqliteStore) -> SqliteStore {
        SqliteStore::open(store.path()).expect("reopening the SQLite store")
    }
}

mod memory {
    use super::*;
    registry_model::registry_conformance!(Some(Memory));
}

mod sqlite {
    use super::*;
    registry_model::registry_conformance!(Some(Sqlite {
        dir: tempfile::tempdir().expect("a temporary directory"),
        files: 0,
    }));
}
