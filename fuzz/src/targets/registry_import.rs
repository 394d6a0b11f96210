//! The registry's CSV import (`registry import FILE`: `csvio::parse_csv`, `csvio::precheck`,
//! `RegistryStore::insert`) into a store that already holds firms and an adjusted year, in
//! memory and in SQLite: no panic, and an import that fails leaves the store exactly as it was
//! (firms, reports, adjusted years).

use std::sync::{Mutex, OnceLock};

use crate::all_or_nothing;
use registry_model::csvio::{parse_csv, precheck};
use registry_model::{
    AnnualReport, Enterprise, LegacyPolicy, MemoryStore, RegistryStore, SqliteStore, Year,
};

/// What the store holds, to compare before and after a failed import.
fn snapshot(store: &dyn RegistryStore) -> (Vec<Enterprise>, Vec<AnnualReport>, Vec<Year>) {
    (
        store.firms().expect("reading firms"),
        store
            .reports_between(Year::MIN, Year::MAX)
            .expect("reading reports"),
        store.adjusted_years().expect("reading years"),
    )
}

const BASE: &str = "uscc,name,founded,year,revenue_yuan,staff\n\
                    91110000600037341L,北京甲科技有限公司,2015-01-01,2024,1000000,20\n";

#[allow(clippy::redundant_closure)] // the closure re-borrows the trait object
fn import(store: &mut dyn RegistryStore, data: &[u8], legacy: LegacyPolicy) {
    let _ = all_or_nothing(
        "registry import",
        store,
        |s| snapshot(s),
        |s| -> registry_model::error::Result<()> {
            let parsed = parse_csv(data, "firms.csv", legacy)?;
            precheck(s, &parsed, "firms.csv")?;
            s.insert(&parsed.firms, &parsed.reports)?;
            Ok(())
        },
    );
}

fn memory_base() -> &'static MemoryStore {
    static BASE_STORE: OnceLock<MemoryStore> = OnceLock::new();
    BASE_STORE.get_or_init(|| {
        let mut s = MemoryStore::default();
        let parsed = parse_csv(BASE.as_bytes(), "base.csv", LegacyPolicy::Reject).unwrap();
        s.insert(&parsed.firms, &parsed.reports).unwrap();
        s
    })
}

fn sqlite() -> &'static Mutex<SqliteStore> {
    static STORE: OnceLock<Mutex<SqliteStore>> = OnceLock::new();
    STORE.get_or_init(|| {
        // On a memory file system where there is one: the store fsyncs every commit.
        let dir = ["/dev/shm", "/tmp"]
            .into_iter()
            .map(std::path::PathBuf::from)
            .find(|d| d.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let path = dir.join(format!(
            "shuchuang-fuzz-registry-{}.sqlite",
            std::process::id()
        ));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let mut s = SqliteStore::open(&path).unwrap();
        let parsed = parse_csv(BASE.as_bytes(), "base.csv", LegacyPolicy::Reject).unwrap();
        s.insert(&parsed.firms, &parsed.reports).unwrap();
        Mutex::new(s)
    })
}

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let legacy = if data.first() == Some(&b'#') {
        LegacyPolicy::Accept
    } else {
        LegacyPolicy::Reject
    };
    let mut memory = memory_base().clone();
    import(&mut memory, data, legacy);
    let mut sql = sqlite().lock().unwrap_or_else(|p| p.into_inner());
    import(&mut *sql, data, legacy);
}
