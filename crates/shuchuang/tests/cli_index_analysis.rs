//! `shuchuang index compute --outliers` and `--treated`, and `shuchuang index analyse`, run as
//! a built binary against the NumPy/SciPy fixtures of index-engine.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../index-engine/tests/fixtures")
        .join(name)
}

fn shuchuang(data: &TempDir) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", data.path().join("state"));
    c
}

fn lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().skip(1).map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn treated_values_on_the_command_line_match_the_fixture() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("treated.csv");
    let out = shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(fixture("outliers"))
        .args([
            "--method",
            "level",
            "--outliers",
            "winsorise",
            "--format",
            "csv",
        ])
        .arg("--treated")
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "outlier treatment changed 73 values in 10 indicator-years (13 winsorised, 60 logged)",
        ))
        .get_output()
        .stdout
        .clone();
    // The written file has the fixture's rows (same values: both full precision, and the
    // engine's are checked to 1e-11 against SciPy's in index-engine's tests).
    let got = std::fs::read_to_string(&file).unwrap();
    let want = std::fs::read_to_string(fixture("outliers").join("treated.csv")).unwrap();
    assert_eq!(got.lines().next(), want.lines().next());
    let keys = |s: &str| -> Vec<String> {
        lines(s)
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                format!("{},{},{},{}", f[0], f[1], f[2], f[5])
            })
            .collect()
    };
    assert_eq!(keys(&got), keys(&want));
    // The scores are those after the treatment.
    let stdout = String::from_utf8(out).unwrap();
    let scores = std::fs::read_to_string(fixture("outliers").join("scores.csv")).unwrap();
    for l in scores.lines().skip(1).filter(|l| l.starts_with("t,")) {
        let f: Vec<&str> = l.split(',').collect();
        let row = stdout
            .lines()
            .find(|r| r.starts_with(&format!("t,{},{},", f[1], f[2])))
            .unwrap();
        let got: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
        let want: f64 = f[3].parse().unwrap();
        assert!((got - want).abs() < 1e-9, "{row} vs {l}");
    }
    // JSON by the file's extension.
    let json = tmp.path().join("treated.json");
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(fixture("outliers"))
        .args([
            "--method",
            "level",
            "--outliers",
            "winsorise-only",
            "--level",
            "0",
        ])
        .arg("--treated")
        .arg(&json)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let rows = v.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["treatment"] == "winsorised"));
}

#[test]
fn outliers_are_off_by_default_and_refused_where_they_do_not_apply() {
    let tmp = TempDir::new().unwrap();
    let plain = shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(fixture("outliers"))
        .args(["--method", "level", "--format", "csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains("outlier").not())
        .get_output()
        .stdout
        .clone();
    let none = shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(fixture("outliers"))
        .args(["--method", "level", "--outliers", "none", "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(plain, none);
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(fixture("outliers"))
        .args(["--outliers", "winsorise"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "--outliers applies to --method level",
        ));
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(fixture("outliers"))
        .args(["--method", "level", "--normalise", "goalposts"])
        .args(["--outliers", "winsorise"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("use --outliers winsorise-only"));
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(fixture("outliers"))
        .args(["--method", "level", "--treated", "x.csv"])
        .assert()
        .code(2);
}

#[test]
fn analyse_on_the_command_line_matches_numpy() {
    let tmp = TempDir::new().unwrap();
    let want = std::fs::read_to_string(fixture("normalise").join("correlations.csv")).unwrap();
    for (span, extra) in [("2023", None), ("pooled", Some("--pooled"))] {
        let mut c = shuchuang(&tmp);
        c.args(["index", "analyse"]).arg(fixture("normalise"));
        c.args([
            "--method",
            "level",
            "--table",
            "correlations",
            "--format",
            "csv",
        ]);
        if let Some(e) = extra {
            c.arg(e);
        }
        let out = c.assert().success().get_output().stdout.clone();
        let got = String::from_utf8(out).unwrap();
        assert_eq!(got.lines().next(), Some("node,other,relation,n,r"));
        let mut n = 0;
        for l in want
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{span},")))
        {
            let f: Vec<&str> = l.split(',').collect();
            let row = got
                .lines()
                .find(|r| r.starts_with(&format!("{},{},{},", f[1], f[2], f[3])))
                .unwrap();
            let r = row.rsplit(',').next().unwrap();
            if f[4].is_empty() {
                assert_eq!(r, "", "{row}");
            } else {
                let (a, b): (f64, f64) = (r.parse().unwrap(), f[4].parse().unwrap());
                assert!((a - b).abs() < 1e-9, "{row} vs {l}");
            }
            n += 1;
        }
        assert_eq!(got.lines().count() - 1, n);
    }
    // PCA as JSON: the variance shares of each aggregate add up to 1.
    let out = shuchuang(&tmp)
        .args(["index", "analyse"])
        .arg(fixture("normalise"))
        .args([
            "--method", "level", "--table", "pca", "--format", "json", "--year", "2021",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let rows = v.as_array().unwrap();
    let share: f64 = rows
        .iter()
        .filter(|r| r["node"] == "p" && r["child"] == "a")
        .map(|r| r["variance_share"].as_f64().unwrap())
        .sum();
    assert!((share - 1.0).abs() < 1e-12, "{share}");
    shuchuang(&tmp)
        .args(["index", "analyse"])
        .arg(fixture("normalise"))
        .args(["--year", "2021", "--pooled"])
        .assert()
        .code(2);
}
