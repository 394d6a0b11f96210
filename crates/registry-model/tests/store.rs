//! Stores: adjustment invariants, grace and exit, all-or-nothing writes, SQLite reopen,
//! migration, and a writer killed mid-adjustment.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use proptest::prelude::*;
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::csvio::{import_csv, write_csv};
use registry_model::{
    AnnualReport, Change, CriteriaBook, Enterprise, EnterpriseId, LegacyPolicy, MemoryStore,
    RegistryError, RegistryStore, RulePolicy, SqliteStore, Tier,
};
use rust_decimal::Decimal;

fn cohort(count: usize, seed: u64) -> (Vec<Enterprise>, Vec<AnnualReport>) {
    generate_cohort(&CohortSpec {
        count,
        first_year: 2019,
        last_year: 2025,
        seed,
    })
    .unwrap()
}

fn adjust_years(store: &mut dyn RegistryStore, years: std::ops::RangeInclusive<i32>) {
    let book = CriteriaBook::embedded().unwrap();
    let policy = RulePolicy::default_policy().unwrap();
    for y in years {
        store.adjust(y, book.for_year(y).unwrap(), &policy).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every firm appears exactly once; counts per tier and per change add up to the firms;
    /// each change agrees with the tiers before and after; the next year starts from this one.
    #[test]
    fn adjustment_invariants(seed in 0u64..10_000, count in 1usize..120) {
        let (firms, reports) = cohort(count, seed);
        let mut store = MemoryStore::new();
        store.insert(&firms, &reports).unwrap();
        adjust_years(&mut store, 2022..=2025);
        let mut prev: HashMap<EnterpriseId, Option<Tier>> = HashMap::new();
        for y in 2022..=2025 {
            let adj = store.adjustment(y).unwrap().unwrap();
            let c = adj.counts();
            prop_assert_eq!(adj.entries.len(), firms.len());
            let mut ids: Vec<_> = adj.entries.iter().map(|e| e.id).collect();
            ids.dedup();
            prop_assert_eq!(ids.len(), firms.len());
            prop_assert_eq!(c.per_tier.iter().sum::<u64>() + c.untiered, c.firms);
            prop_assert_eq!(c.per_change.iter().sum::<u64>(), c.firms);
            for e in &adj.entries {
                prop_assert_eq!(e.from, prev.get(&e.id).copied().flatten());
                prop_assert_eq!(Change::between(e.from, e.to), e.change);
                prop_assert!(!e.reasons.is_empty());
                if e.grace {
                    prop_assert_eq!(e.change, Change::Retained);
                }
            }
            prev = adj.entries.iter().map(|e| (e.id, e.to)).collect();
        }
    }
}

fn firm(code: &str) -> Enterprise {
    Enterprise {
        id: code.parse().unwrap(),
        name: "测试企业".into(),
        founded: NaiveDate::from_ymd_opt(2015, 5, 1).unwrap(),
        // 6513 应用软件开发: a core digital-economy class (03).
        industry: Some("6513".parse().unwrap()),
    }
}

/// A report meeting the tech-based SME and 数创企业 tests (tier potential) and nothing
/// higher: revenue 20 million yuan in 2021, up 20 % a year (the 数创企业 growth test), a
/// third of it from new products (its agility test).
fn potential_report(id: EnterpriseId, year: i32) -> AnnualReport {
    let mut r = AnnualReport::new(id, year);
    let mut revenue_yuan = Decimal::from(20_000_000);
    for _ in 2021..year {
        revenue_yuan *= Decimal::new(12, 1);
    }
    let rev = |share: Decimal| Some((revenue_yuan * share).round().to_string().parse().unwrap());
    r.revenue_yuan = rev(Decimal::ONE);
    r.rd_spend_yuan = rev(Decimal::new(6, 2));
    r.new_product_revenue_yuan = rev(Decimal::new(3, 1));
    r.staff = Some(50);
    r.tech_staff = Some(15);
    r.assets_yuan = Some("10000000".parse().unwrap());
    r.ip_class1 = Some(1);
    r.ip_class2 = Some(0);
    r
}

fn grace_then_exit(store: &mut dyn RegistryStore) {
    let a = firm("91110000600037341L");
    let b = firm("91310110666007217T");
    let reports = vec![
        potential_report(a.id, 2021),
        potential_report(a.id, 2022),
        potential_report(b.id, 2021),
        potential_report(b.id, 2022),
        potential_report(b.id, 2023),
        potential_report(b.id, 2024),
    ];
    store.insert(&[a.clone(), b.clone()], &reports).unwrap();
    adjust_years(store, 2022..=2024);
    let h = store.history(&a.id).unwrap();
    let got: Vec<(i32, Option<Tier>, Change, bool)> = h
        .iter()
        .map(|h| (h.year, h.entry.to, h.entry.change, h.entry.grace))
        .collect();
    assert_eq!(
        got,
        vec![
            (2022, Some(Tier::Potential), Change::Admitted, false),
            (2023, Some(Tier::Potential), Change::Retained, true),
            (2024, None, Change::Exited, false),
        ]
    );
    assert!(
        h[1].entry.reasons[0].contains("one year of grace"),
        "{:?}",
        h[1]
    );
    assert!(
        h[2].entry.reasons[0].contains("after a year of grace"),
        "{:?}",
        h[2]
    );
    assert_eq!(h[0].criteria_set, "cn-2022");
    assert!(
        h[0].entry.reasons[0].contains("tech_based_sme"),
        "{:?}",
        h[0]
    );
    let hb = store.tier_history(&b.id).unwrap();
    assert_eq!(
        hb,
        vec![
            (2022, Some(Tier::Potential)),
            (2023, Some(Tier::Potential)),
            (2024, Some(Tier::Potential))
        ]
    );
    assert_eq!(store.list(2024, Some(Tier::Potential)).unwrap().len(), 1);
    let counts = store.counts_by_year().unwrap();
    assert_eq!(counts.len(), 3);
    assert_eq!(counts[1].1.grace, 1);
}

#[test]
fn grace_year_then_exit_in_memory() {
    grace_then_exit(&mut MemoryStore::new());
}

#[test]
fn grace_year_then_exit_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    grace_then_exit(&mut SqliteStore::open(dir.path().join("r.sqlite")).unwrap());
}

#[test]
fn adjustments_are_neither_rewritten_nor_skipped_nor_partial() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(dir.path().join("r.sqlite")).unwrap();
    let (firms, reports) = cohort(40, 3);
    s.insert(&firms, &reports).unwrap();
    adjust_years(&mut s, 2023..=2023);
    let book = CriteriaBook::embedded().unwrap();
    let policy = RulePolicy::default_policy().unwrap();
    let set = book.for_year(2024).unwrap();
    assert!(matches!(
        s.adjust(2023, set, &policy),
        Err(RegistryError::AdjustmentOrder { .. })
    ));
    assert!(matches!(
        s.adjust(2025, set, &policy),
        Err(RegistryError::AdjustmentOrder { .. })
    ));
    // A change log missing one firm is refused whole.
    let mut adj = registry_model::run_adjustment(
        2024,
        &firms,
        &reports,
        &s.standings(2023).unwrap(),
        set,
        &policy,
    )
    .unwrap();
    adj.entries.pop();
    let err = s.commit_adjustment(&adj).unwrap_err().to_string();
    assert!(err.contains("exactly once"), "{err}");
    assert_eq!(s.adjusted_years().unwrap(), vec![2023]);
    // Reports of an adjusted year are frozen.
    let late = potential_report(firms[0].id, 2023);
    let err = s.insert(&[], &[late]).unwrap_err().to_string();
    assert!(err.contains("already adjusted"), "{err}");
}

#[test]
fn sqlite_and_memory_agree_and_sqlite_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite");
    let (firms, reports) = cohort(300, 11);
    let mut mem = MemoryStore::new();
    mem.insert(&firms, &reports).unwrap();
    adjust_years(&mut mem, 2022..=2024);
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.insert(&firms, &reports).unwrap();
        adjust_years(&mut s, 2022..=2024);
    }
    let s = SqliteStore::open(&path).unwrap();
    s.integrity_check().unwrap();
    assert_eq!(s.firms().unwrap(), mem.firms().unwrap());
    assert_eq!(
        s.reports_between(2000, 2100).unwrap(),
        mem.reports_between(2000, 2100).unwrap()
    );
    for y in 2022..=2024 {
        assert_eq!(
            s.adjustment(y).unwrap(),
            mem.adjustment(y).unwrap(),
            "year {y}"
        );
    }
    let id = firms[5].id;
    assert_eq!(s.history(&id).unwrap(), mem.history(&id).unwrap());
    assert_eq!(s.report(&id, 2024).unwrap(), mem.report(&id, 2024).unwrap());
    let journal: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
}

#[test]
fn an_older_schema_is_migrated_and_a_newer_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite");
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.insert(&[firm("91110000600037341L")], &[]).unwrap();
        assert_eq!(
            s.schema_version().unwrap(),
            registry_model::sqlite::SCHEMA_VERSION
        );
    }
    // Turn the file back into a version-1 file: undo version 3 (industry codes, the
    // entries' class, referral and panel columns, the new facts, the panel tables) and
    // version 2 (the data-resource table).
    let mut undo = String::from(
        "DROP TABLE panel_scores; DROP TABLE panels;
         ALTER TABLE firms DROP COLUMN industry;
         ALTER TABLE tiers DROP COLUMN digital_class;
         ALTER TABLE tiers DROP COLUMN class_partial;
         ALTER TABLE tiers DROP COLUMN innovation;
         ALTER TABLE tiers DROP COLUMN referral;
         ALTER TABLE tiers DROP COLUMN panel;
         DROP TABLE data_resources;",
    );
    for (name, _) in &registry_model::report::FACTS[registry_model::report::FACTS_V1..] {
        undo.push_str(&format!("ALTER TABLE reports DROP COLUMN {name};"));
    }
    undo.push_str("PRAGMA user_version = 1;");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(&undo).unwrap();
    drop(c);
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), 3);
    assert_eq!(s.firm_count().unwrap(), 1);
    assert_eq!(
        s.firm(&firm("91110000600037341L").id)
            .unwrap()
            .unwrap()
            .industry,
        None
    );
    assert!(s.resources().unwrap().is_empty());
    assert!(s.panels(2024).unwrap().is_empty());
    drop(s);
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("PRAGMA user_version = 99;").unwrap();
    drop(c);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(err, RegistryError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
}

#[test]
fn a_bad_csv_row_rejects_the_whole_file_naming_line_field_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let (firms, reports) = cohort(30, 5);
    let csv_path = dir.path().join("good.csv");
    write_csv(std::fs::File::create(&csv_path).unwrap(), &firms, &reports).unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    // Line 8 of the file gets a revenue with a fraction of a fen.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let cols: Vec<&str> = lines[0].split(',').collect();
    let rev = cols.iter().position(|c| *c == "revenue_yuan").unwrap();
    let mut cells: Vec<String> = lines[7].split(',').map(String::from).collect();
    cells[rev] = "12.345".into();
    lines[7] = cells.join(",");
    let bad_path = dir.path().join("bad.csv");
    std::fs::write(&bad_path, lines.join("\n") + "\n").unwrap();
    let mut s = SqliteStore::open(dir.path().join("r.sqlite")).unwrap();
    let err = import_csv(&mut s, &bad_path, LegacyPolicy::Reject).unwrap_err();
    match &err {
        RegistryError::Csv {
            file,
            line,
            field,
            value,
            ..
        } => {
            assert!(file.ends_with("bad.csv"));
            assert_eq!(*line, 8);
            assert_eq!(field, "revenue_yuan");
            assert_eq!(value, "12.345");
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(s.firm_count().unwrap(), 0, "nothing written");
    // The good file imports whole; importing it again is refused at its first report line.
    let sum = import_csv(&mut s, &csv_path, LegacyPolicy::Reject).unwrap();
    assert_eq!(sum.firms_added, 30);
    assert_eq!(sum.reports_added as usize, reports.len());
    let err = import_csv(&mut s, &csv_path, LegacyPolicy::Reject).unwrap_err();
    assert!(matches!(err, RegistryError::Csv { line: 2, .. }), "{err}");
    assert_eq!(s.reports_between(2000, 2100).unwrap().len(), reports.len());
}

#[test]
fn csv_with_a_wrong_check_character_names_the_expected_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.csv");
    let mut f = std::fs::File::create(&p).unwrap();
    writeln!(f, "uscc,name,founded,year,revenue_yuan").unwrap();
    writeln!(f, "91110000600037341L,甲,2015-01-01,2024,100").unwrap();
    writeln!(f, "91310110666007217A,乙,2016-01-01,2024,200").unwrap();
    drop(f);
    let mut s = MemoryStore::new();
    let err = import_csv(&mut s, &p, LegacyPolicy::Reject)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(":3:") && err.contains("expected 'T'") && err.contains("uscc"),
        "{err}"
    );
    assert_eq!(s.firm_count().unwrap(), 0);
    // Accepted on request, and flagged.
    import_csv(&mut s, &p, LegacyPolicy::Accept).unwrap();
    let legacy = s
        .firms()
        .unwrap()
        .into_iter()
        .find(|f| f.id.is_legacy())
        .unwrap();
    assert_eq!(legacy.id.as_str(), "91310110666007217A");
}

#[test]
fn legacy_firms_round_trip_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite");
    let id = EnterpriseId::parse_with("91310110666007217A", LegacyPolicy::Accept).unwrap();
    let f = Enterprise {
        id,
        name: "旧码".into(),
        founded: NaiveDate::from_ymd_opt(2010, 1, 1).unwrap(),
        industry: None,
    };
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.insert(std::slice::from_ref(&f), &[potential_report(id, 2024)])
            .unwrap();
    }
    let s = SqliteStore::open(&path).unwrap();
    let back = s.firm(&id).unwrap().unwrap();
    assert!(back.id.is_legacy());
    assert_eq!(back, f);
    assert_eq!(s.reports_of(&id).unwrap().len(), 1);
}

// ---- crash test -------------------------------------------------------------------------------

const CHILD_ENV: &str = "REGISTRY_CRASH_WRITER_DB";

/// The writer role: adjusts year after year until killed. Run only by the crash test below,
/// which re-executes this test binary with the database path in the environment.
#[test]
#[ignore = "child role of killed_writer_leaves_the_last_committed_year"]
fn crash_writer_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut s = SqliteStore::open(&path).unwrap();
    let book = CriteriaBook::embedded().unwrap();
    let policy = RulePolicy::default_policy().unwrap();
    let set = book.for_year(2024).unwrap();
    let mut year = s.last_adjusted_year().unwrap().map_or(2022, |y| y + 1);
    // Years past the cohort have no reports: firms go on grace, then exit; every year still
    // writes one change-log row per firm inside one transaction.
    while year < 2200 {
        s.adjust(year, set, &policy).unwrap();
        year += 1;
    }
}

#[test]
fn killed_writer_leaves_the_last_committed_year() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.sqlite");
    let (firms, reports) = cohort(1500, 21);
    let n_firms = firms.len();
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.insert(&firms, &reports).unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "crash_writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Let it commit a few years, then kill it (SIGKILL) wherever it is.
    let start = Instant::now();
    loop {
        let done = SqliteStore::open(&path)
            .unwrap()
            .adjusted_years()
            .unwrap()
            .len();
        if done >= 3 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "writer made no progress"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("writer exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(37));
    child.kill().unwrap();
    child.wait().unwrap();

    let mut s = SqliteStore::open(&path).unwrap();
    s.integrity_check().unwrap();
    let years = s.adjusted_years().unwrap();
    assert!(years.len() >= 3, "{years:?}");
    // Contiguous from 2022, and every committed year is whole: one row per firm.
    for (i, y) in years.iter().enumerate() {
        assert_eq!(*y, 2022 + i as i32);
        let adj = s.adjustment(*y).unwrap().unwrap();
        assert_eq!(adj.entries.len(), n_firms, "year {y}");
    }
    assert_eq!(s.firm_count().unwrap() as usize, n_firms);
    assert_eq!(s.reports_between(2000, 2100).unwrap().len(), reports.len());
    // The store carries on from the last committed year.
    let last = *years.last().unwrap();
    assert!(last < 2199, "the writer finished instead of being killed");
    let book = CriteriaBook::embedded().unwrap();
    let policy = RulePolicy::default_policy().unwrap();
    let adj = s
        .adjust(last + 1, book.for_year(2024).unwrap(), &policy)
        .unwrap();
    assert_eq!(adj.entries.len(), n_firms);
}

#[test]
fn a_report_before_the_founding_year_is_refused() {
    let mut s = MemoryStore::new();
    let f = firm("91110000600037341L"); // founded 2015-05-01
    let err = s
        .insert(std::slice::from_ref(&f), &[potential_report(f.id, 2014)])
        .unwrap_err();
    assert!(
        err.to_string().contains("before the firm was founded"),
        "{err}"
    );
    assert_eq!(s.firm_count().unwrap(), 0);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.csv");
    std::fs::write(&p, "uscc,name,founded,year\n91110000600037341L,甲,2015-05-01,2015\n91110000600037341L,甲,2015-05-01,2014\n").unwrap();
    let err = import_csv(&mut s, &p, LegacyPolicy::Reject).unwrap_err();
    assert!(matches!(err, RegistryError::Csv { line: 3, .. }), "{err}");
}
