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

/// A registry created by the build before schema 2 (no industry codes, no digital-economy
/// facts, no classes or panels) is migrated on first write-open and keeps its data.
#[test]
fn a_version_1_registry_is_migrated() {
    let Some(server) = server() else { return };
    let s = Schema::fresh(&server);
    let (firms, reports) =
        registry_model::cohort::generate_cohort(&registry_model::cohort::CohortSpec {
            count: 4,
            first_year: 2023,
            last_year: 2024,
            seed: 7,
        })
        .unwrap();
    // Every firm gets an industry code (软件开发 6513) the migrated store must take.
    let mut firms = firms;
    firms.sort_by_key(|f| f.id);
    for f in &mut firms {
        f.industry = registry_model::IndustryCode::parse("6513").ok();
    }
    let mut reports = reports;
    reports.sort_by_key(|r| (r.id, r.year));
    let bare: Vec<_> = firms
        .iter()
        .cloned()
        .map(|mut f| {
            f.industry = None;
            f
        })
        .collect();
    {
        let mut reg = PgRegistry::open(&s.url).expect("registry");
        reg.insert(&bare, &[]).unwrap();
    }
    // Take the schema back to what version 1 created.
    let mut c = admin(&s.url).unwrap();
    c.batch_execute(
        "DROP TABLE panel_scores; DROP TABLE panels;
         ALTER TABLE firms DROP COLUMN industry;
         ALTER TABLE reports DROP COLUMN data_assets_yuan, DROP COLUMN data_registrations,
             DROP COLUMN data_spend_yuan, DROP COLUMN data_revenue_yuan,
             DROP COLUMN new_product_revenue_yuan, DROP COLUMN scenario_projects,
             DROP COLUMN digital_level;
         ALTER TABLE tiers DROP COLUMN digital_class, DROP COLUMN class_partial,
             DROP COLUMN innovation, DROP COLUMN referral, DROP COLUMN panel;
         UPDATE schema_versions SET version = 1 WHERE component = 'registry';",
    )
    .unwrap();
    let e = PgRegistry::open_read_only(&s.url).unwrap_err().to_string();
    assert!(e.contains("version 1"), "{e}");
    let mut reg = PgRegistry::open(&s.url).expect("migrating");
    assert_eq!(
        reg.schema_version().unwrap(),
        PgRegistry::supported_version()
    );
    assert_eq!(reg.firms().unwrap(), bare);
    let sum = reg.insert(&firms, &reports).unwrap();
    assert_eq!(sum.firms_updated, 4);
    assert_eq!(sum.reports_added, reports.len() as u64);
    assert_eq!(
        PgRegistry::open_read_only(&s.url).unwrap().firms().unwrap(),
        firms
    );
    assert_eq!(reg.reports_between(2023, 2024).unwrap(), reports);
}
