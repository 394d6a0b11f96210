//! Fact tables read from CSV and the rule-set folder runner.

use std::path::Path;

use sandbox_rules::{FactTable, run_suite, shipped};

fn data_rules() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/rules")
}

#[test]
fn the_shipped_folders_run_every_case_and_pass() {
    let reports = run_suite(&data_rules()).unwrap();
    assert_eq!(reports.len(), 4, "one cases file per shipped set");
    for r in &reports {
        assert!(r.total > 0, "{} has cases", r.file);
        assert!(r.failures.is_empty(), "{}: {:?}", r.file, r.failures);
    }
    // One folder alone.
    let one = run_suite(&data_rules().join("enforcement")).unwrap();
    assert_eq!(one.len(), 1);
}

#[test]
fn a_folder_without_cases_or_rules_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = run_suite(dir.path()).unwrap_err().to_string();
    assert!(e.contains("no rules.toml"), "{e}");
    std::fs::write(dir.path().join("rules.toml"), shipped::ENFORCEMENT.rules).unwrap();
    let e = run_suite(dir.path()).unwrap_err().to_string();
    assert!(e.contains("no cases file"), "{e}");
}

#[test]
fn a_table_is_read_all_or_nothing_naming_file_line_and_value() {
    let set = shipped::ENFORCEMENT.load().unwrap();
    let ok = "id,date,severity,note\nV1,2026-01-05,minor,x\nV2,,serious,\n";
    let t = FactTable::read_csv(
        ok.as_bytes(),
        "v.csv",
        Some(&set),
        &["id", "date", "note"],
        &["id"],
    )
    .unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows[1].line, 3);
    assert_eq!(
        t.rows[0]
            .date("date", "v.csv")
            .unwrap()
            .unwrap()
            .to_string(),
        "2026-01-05"
    );
    assert_eq!(t.rows[1].date("date", "v.csv").unwrap(), None);
    assert!(t.rows[1].facts.get("severity").is_some());

    let missing = "severity\nminor\n";
    let e = FactTable::read_csv(missing.as_bytes(), "v.csv", Some(&set), &["id"], &["id"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("v.csv") && e.contains("needs a 'id' column"),
        "{e}"
    );

    let misspelt = "id,severty\nV1,minor\n";
    let e = FactTable::read_csv(misspelt.as_bytes(), "v.csv", Some(&set), &["id"], &["id"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("v.csv:1") && e.contains("column 'severty' is not a fact"),
        "{e}"
    );

    let bad = "id,severity\nV1,minor\nV2,huge\n";
    let e = FactTable::read_csv(bad.as_bytes(), "v.csv", Some(&set), &["id"], &["id"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("v.csv:3: fact 'severity'") && e.contains("'huge'"),
        "{e}"
    );

    let bad_date = "id,date\nV1,2026-13-01\n";
    let t = FactTable::read_csv(
        bad_date.as_bytes(),
        "v.csv",
        Some(&set),
        &["id", "date"],
        &["id"],
    )
    .unwrap();
    let e = t.rows[0].date("date", "v.csv").unwrap_err().to_string();
    assert!(e.contains("v.csv:2") && e.contains("'2026-13-01'"), "{e}");
    let e = t.rows[0].require("note", "v.csv").unwrap_err().to_string();
    assert!(e.contains("v.csv:2: empty 'note'"), "{e}");

    // Without a rule set, extra columns are ignored (a log of visits).
    let visits = "firm,date,department,subject,extra\nF,2026-01-01,fire,fire,1\n";
    let t = FactTable::read_csv(
        visits.as_bytes(),
        "d.csv",
        None,
        &["firm", "date", "department", "subject"],
        &["firm"],
    )
    .unwrap();
    assert_eq!(t.rows[0].field("department"), Some("fire"));
    assert!(t.rows[0].facts.is_empty());
}
