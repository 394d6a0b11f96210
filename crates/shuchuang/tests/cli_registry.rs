//! `shuchuang registry` end to end on the built binary, in temporary data directories.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn sc(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", dir);
    c
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[test]
fn validate_id_names_the_expected_check_character() {
    let dir = tempfile::tempdir().unwrap();
    sc(dir.path())
        .args(["registry", "validate-id", "91310110666007217T"])
        .assert()
        .success()
        .stdout(predicate::str::contains("上海 Shanghai"))
        .stdout(predicate::str::contains("310110"));
    sc(dir.path())
        .args(["registry", "validate-id", "91310110666007217A"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("expected 'T'"));
    let out = sc(dir.path())
        .args([
            "registry",
            "validate-id",
            "91310110666007217A",
            "--accept-legacy",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let legacy = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["item"].as_str().unwrap().starts_with("legacy"))
        .unwrap();
    assert_eq!(legacy["value"], true, "JSON values are typed");
}

#[test]
fn read_commands_without_a_registry_say_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    sc(dir.path())
        .args(["registry", "list", "--year", "2024"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("registry init"));
}

#[test]
fn generate_adjust_list_show_history() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sc(d)
        .args(["registry", "init"])
        .assert()
        .success()
        .stdout(predicate::str::contains("schema version 3"));
    sc(d)
        .args([
            "registry",
            "generate",
            "--count",
            "300",
            "--years",
            "2020..2025",
            "--seed",
            "1",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("firms added"));
    // A dry run prints the change log and commits nothing.
    sc(d)
        .args(["registry", "adjust", "--year", "2022", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("dry run, not committed"));
    sc(d)
        .args(["registry", "list", "--year", "2022"])
        .assert()
        .failure();
    sc(d)
        .args(["registry", "adjust", "--year", "2022"])
        .assert()
        .success()
        .stdout(predicate::str::contains("admitted 入库"))
        .stdout(predicate::str::contains("potential 潜力型"));
    let out = sc(d)
        .args(["registry", "adjust", "--year", "2023", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let adj = json(&out);
    assert_eq!(adj["year"], 2023);
    assert_eq!(adj["criteria_set"], "cn-2022");
    let entries = adj["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 300);
    let counts = &adj["counts"];
    let per_change: u64 = counts["per_change"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(per_change, 300);
    let potential = counts["per_tier"][0].as_u64().unwrap();
    // History is never rewritten.
    sc(d)
        .args(["registry", "adjust", "--year", "2023"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("already adjusted"));
    // list --tier potential returns exactly the counted firms.
    let out = sc(d)
        .args([
            "registry",
            "list",
            "--year",
            "2023",
            "--tier",
            "potential",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let mut rows = text.lines();
    assert!(rows.next().unwrap().starts_with("uscc,name,province,tier"));
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len() as u64, potential);
    assert!(rows.iter().all(|r| r.contains(",potential,")));
    // A tiered firm: show and history.
    let uscc = rows[0].split(',').next().unwrap().to_string();
    let out = sc(d)
        .args([
            "registry", "show", &uscc, "--year", "2023", "--format", "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let show = json(&out);
    let verdicts = show["verdicts"]["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 10, "nine criteria and the 数创企业 test");
    for v in verdicts {
        for c in v["conditions"].as_array().unwrap() {
            assert!(!c["citation"].as_str().unwrap().is_empty());
            assert!(c["threshold"].is_object());
        }
    }
    assert_eq!(show["decision"]["tier"], "potential");
    // A tiered firm passed the 数创企业 test, so its class is known: 01-05.
    let class = show["class"]["digital"].as_str().unwrap();
    assert!(["01", "02", "03", "04", "05"].contains(&class), "{class}");
    // list shows the class next to the tier.
    assert!(
        rows.iter()
            .all(|r| r.split(',').nth(4).is_some_and(|c| !c.is_empty())),
        "{rows:?}"
    );
    sc(d)
        .args(["registry", "show", &uscc, "--year", "2023"])
        .assert()
        .success()
        .stdout(predicate::str::contains("第十一条"))
        .stdout(predicate::str::contains("tier: potential 潜力型"));
    let out = sc(d)
        .args(["registry", "history", &uscc, "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let hist = json(&out);
    let hist = hist.as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[1]["year"], 2023);
    assert_eq!(hist[1]["entry"]["to"], "potential");
    assert!(!hist[1]["entry"]["reasons"].as_array().unwrap().is_empty());
}

#[test]
fn a_bad_import_names_file_line_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = d.join("bad.csv");
    std::fs::write(
        &csv,
        "uscc,name,founded,year,revenue_yuan,staff\n\
         91110000600037341L,甲科技,2015-01-01,2024,1000000,20\n\
         91310110666007217T,乙科技,2016-01-01,2024,2000000,-3\n",
    )
    .unwrap();
    sc(d)
        .args(["registry", "import"])
        .arg(&csv)
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.csv:3"))
        .stderr(predicate::str::contains("'staff' = '-3'"));
    sc(d)
        .args(["registry", "show", "91110000600037341L"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not in the registry"));
}

#[test]
fn generated_csv_is_reproducible_and_imports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = d.join("a.csv");
    let b = d.join("b.csv");
    for p in [&a, &b] {
        sc(d)
            .args([
                "registry",
                "generate",
                "--count",
                "120",
                "--years",
                "2022..2024",
                "--seed",
                "9",
                "--out",
            ])
            .arg(p)
            .assert()
            .success();
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let out = sc(&d.join("data"))
        .args(["registry", "import", "--format", "json"])
        .arg(&a)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let added = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["item"] == "firms added")
        .unwrap();
    assert_eq!(added["value"], 120, "JSON values are typed");
}

#[test]
fn targets_report_progress_from_the_registry_and_name_a_bad_target() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sc(d).args(["registry", "init"]).assert().success();
    sc(d)
        .args([
            "registry",
            "generate",
            "--count",
            "200",
            "--years",
            "2021..2024",
            "--seed",
            "5",
        ])
        .assert()
        .success();
    for y in ["2023", "2024"] {
        sc(d)
            .args(["registry", "adjust", "--year", y])
            .assert()
            .success();
    }
    let file = d.join("t.toml");
    std::fs::write(
        &file,
        "[[target]]\nmetric = \"registry_firms\"\nunit = \"firms\"\nregion = \"all\"\nyear = 2027\nvalue = 50\nsource = \"test\"\n\
         [[target]]\nmetric = \"registry_firms\"\nunit = \"firms\"\nregion = \"all\"\nyear = 2027\nbaseline_year = 2023\nvalue = 50\nsource = \"test\"\n\
         [[target]]\nmetric = \"voucher_spend_yuan\"\nunit = \"yuan\"\nregion = \"all\"\nyear = 2027\nvalue = 1\nsource = \"test\"\n",
    )
    .unwrap();
    let tiered = |year: &str| {
        let out = sc(d)
            .args(["registry", "list", "--year", year, "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        json(&out)
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["tier"].as_str().is_some_and(|t| !t.is_empty()))
            .count() as f64
    };
    let out = sc(d)
        .args([
            "registry",
            "targets",
            file.to_str().unwrap(),
            "--year",
            "2024",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows = json(&out);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["measured"].as_f64(), Some(tiered("2024")));
    assert_eq!(
        rows[1]["measured"].as_f64(),
        Some(tiered("2024") - tiered("2023"))
    );
    assert_eq!(rows[2]["measured"], Value::Null);
    assert_eq!(rows[2]["basis"], "not measured: no voucher ledger");
    // The shipped Shandong file is accepted.
    let shipped = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/targets/shandong-2025.toml"
    );
    sc(d)
        .args(["registry", "targets", shipped, "--year", "2024"])
        .assert()
        .success();
    std::fs::write(&file, "[[target]]\nmetric = \"registry_firms\"\nunit = \"firms\"\nregion = \"99\"\nyear = 2027\nvalue = 5\nsource = \"s\"\n").unwrap();
    sc(d)
        .args([
            "registry",
            "targets",
            file.to_str().unwrap(),
            "--year",
            "2024",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("target #1: field 'region' = '99'"));
}
