//! Opening a registry file without writing: for readers beside a live writer and for a
//! read-only data directory.

use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::{RegistryStore, SqliteStore};

#[test]
fn a_read_only_store_reads_everything_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.sqlite");
    assert!(
        SqliteStore::open_read_only(&path).is_err(),
        "no file, no store"
    );
    assert!(
        SqliteStore::open_immutable(&path).is_err(),
        "no file, no store"
    );
    assert!(!path.exists(), "opening without writing creates nothing");
    let spec = CohortSpec {
        count: 20,
        first_year: 2023,
        last_year: 2024,
        seed: 1,
    };
    let (firms, reports) = generate_cohort(&spec).unwrap();
    SqliteStore::open(&path)
        .unwrap()
        .insert(&firms, &reports)
        .unwrap();
    let more = generate_cohort(&CohortSpec {
        count: 2,
        seed: 99,
        ..spec
    })
    .unwrap();
    let mut by_id = firms.clone();
    by_id.sort_by_key(|f| f.id);
    for mut r in [
        SqliteStore::open_read_only(&path).unwrap(),
        SqliteStore::open_immutable(&path).unwrap(),
    ] {
        assert_eq!(r.firms().unwrap(), by_id);
        assert_eq!(r.reports_between(2023, 2024).unwrap().len(), reports.len());
        assert!(
            r.insert(&more.0, &more.1).is_err(),
            "a store opened without writing refuses a write"
        );
    }
    assert_eq!(SqliteStore::open(&path).unwrap().firm_count().unwrap(), 20);
}
