//! Migrations on first use, a newer schema refused, readers that create nothing.

use registry_model::RegistryStore;
use store_postgres::{PgError, PgJournal, PgMemory, PgRegistry};

use crate::support::{Schema, admin, server};

#[test]
fn first_use_creates_every_table_and_records_versions() {
    let Some(server) = server() else { return };
    let s = Schema::fresh(&server);
    let reg = PgRegistry::open(&s.url).expect("registry");
    assert_eq!(
        reg.schema_version().unwrap(),
        PgRegistry::supported_version()
    );
    PgJournal::open(&s.url).expect("journal");
    PgMemory::open(&s.url).expect("memory");
    let mut c = admin(&s.url).unwrap();
    for (component, version) in store_postgres::schema_versions() {
        let row = c
            .query_one(
                "SELECT version FROM schema_versions WHERE component = $1",
                &[&component],
            )
            .unwrap();
        assert_eq!(row.get::<_, i32>(0), version, "{component}");
    }
    // Opening again applies nothing and keeps the data.
    let mut reg = reg;
    let (firms, reports) =
        registry_model::cohort::generate_cohort(&registry_model::cohort::CohortSpec {
            count: 5,
            first_year: 2023,
            last_year: 2024,
            seed: 1,
        })
        .unwrap();
    reg.insert(&firms, &reports).unwrap();
    let again = PgRegistry::open(&s.url).unwrap();
    assert_eq!(again.firm_count().unwrap(), 5);
}

#[test]
fn a_newer_schema_is_refused() {
    let Some(server) = server() else { return };
    let s = Schema::fresh(&server);
    PgRegistry::open(&s.url).expect("registry");
    PgJournal::open(&s.url).expect("journal");
    PgMemory::open(&s.url).expect("memory");
    let mut c = admin(&s.url).unwrap();
    c.batch_execute("UPDATE schema_versions SET version = version + 1")
        .unwrap();
    let e = PgRegistry::open(&s.url).unwrap_err();
    assert!(
        matches!(e, registry_model::RegistryError::SchemaTooNew { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("newer"), "{e}");
    let e = PgJournal::open(&s.url).unwrap_err().to_string();
    assert!(e.contains("newer than this build"), "{e}");
    let e = PgMemory::open(&s.url).unwrap_err();
    assert!(matches!(e, PgError::SchemaTooNew { .. }), "{e}");
}

#[test]
fn readers_create_nothing_and_say_what_is_missing() {
    let Some(server) = server() else { return };
    let s = Schema::fresh(&server);
    let e = PgRegistry::open_read_only(&s.url).unwrap_err().to_string();
    assert!(e.contains("no registry here"), "{e}");
    let e = PgJournal::open_read_only(&s.url).unwrap_err().to_string();
    assert!(e.contains("no ledger here"), "{e}");
    let mut c = admin(&s.url).unwrap();
    let n: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = $1",
            &[&s.name()],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 0, "a reader created the schema");
}

#[test]
fn passwords_never_reach_an_error() {
    let Some(server) = server() else { return };
    // A wrong password: the server refuses; the message must not carry the password tried.
    let url = crate::support::as_user(&server, "shuchuang_test", "wrong-Pa55word", "x");
    let e = PgRegistry::open(&url).unwrap_err().to_string();
    assert!(!e.contains("wrong-Pa55word"), "{e}");
    assert!(e.contains("***"), "{e}");
    let e = PgJournal::open(&url).unwrap_err().to_string();
    assert!(!e.contains("wrong-Pa55word"), "{e}");
}
