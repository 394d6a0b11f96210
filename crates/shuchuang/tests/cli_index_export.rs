//! `shuchuang index fill`, `sobol`, the `--nodes`/`--level` filters and observations from
//! standard input, run as a built binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

fn caict_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/caict-2025")
}

fn shuchuang(data: &TempDir) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", data.path().join("state"));
    c
}

fn stdout_of(c: &mut Command) -> String {
    let out = c.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn fill_writes_every_leaf_unit_and_year_with_its_flag() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("filled.csv");
    shuchuang(&tmp)
        .args(["index", "fill"])
        .arg(caict_dir())
        .args(["--to", "2025", "--format", "csv", "--out"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("indicator,unit,year,value,flag"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 27 * 7, "27 leaves × 1 unit × 2019–2025");
    let flags: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[4]).collect();
    assert!(flags.is_subset(&["observed", "interpolated", "carried", "missing"].into()));
    // Every flag but `interpolated` occurs in the shipped data carried to 2025; a missing value
    // is empty, every other value a number.
    for f in ["observed", "carried", "missing"] {
        assert!(flags.contains(f), "{flags:?}");
    }
    for r in &rows {
        assert_eq!(r[3].is_empty(), r[4] == "missing", "{r:?}");
    }
    // Cross-check one leaf against observations.csv: an observed value is the value as given.
    let obs = std::fs::read_to_string(caict_dir().join("observations.csv")).unwrap();
    let given = obs
        .lines()
        .find(|l| l.starts_with("valid_invention_patents,CN,2024,"))
        .unwrap();
    let v: f64 = given.split(',').nth(3).unwrap().parse().unwrap();
    let ours = rows
        .iter()
        .find(|r| r[0] == "valid_invention_patents" && r[2] == "2024")
        .unwrap();
    assert_eq!((ours[3].parse::<f64>().unwrap(), ours[4]), (v, "observed"));
    // JSON: typed, null for a missing value.
    let json = stdout_of(
        shuchuang(&tmp)
            .args(["index", "fill"])
            .arg(caict_dir())
            .args(["--format", "json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let missing = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["flag"] == "missing")
        .unwrap();
    assert!(
        missing["value"].is_null() && missing["year"].is_i64(),
        "{missing}"
    );
}

#[test]
fn nodes_and_level_filter_the_result_and_observations_come_from_stdin() {
    let tmp = TempDir::new().unwrap();
    let out = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(caict_dir())
            .args(["--level", "1", "--nodes", "fusion,patent_supply"])
            .args(["--format", "csv"]),
    );
    let nodes: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut distinct = nodes.clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        [
            "fusion",
            "foundation",
            "key",
            "pathway",
            "efficacy",
            "patent_supply"
        ],
        "framework order"
    );
    assert_eq!(nodes.len(), 6 * 6);
    // The same rows as the unfiltered output.
    let all = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(caict_dir())
            .args(["--format", "csv"]),
    );
    for l in out.lines() {
        assert!(all.lines().any(|a| a == l), "{l}");
    }
    // An unknown node is named.
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(caict_dir())
        .args(["--nodes", "nosuch"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("unknown node 'nosuch'"));
    // Observations from standard input give the bytes of the file.
    let obs = std::fs::read(caict_dir().join("observations.csv")).unwrap();
    let piped = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(caict_dir())
            .args(["--observations", "-", "--format", "csv"])
            .write_stdin(obs),
    );
    assert_eq!(piped, all);
    // A bad line on standard input is named as such.
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(caict_dir())
        .args(["--observations", "-"])
        .write_stdin("indicator,unit,year,value\npatent_supply,CN,20x4,1\n")
        .assert()
        .failure()
        .stderr(predicates::str::contains("<stdin>"));
}

#[test]
fn sobol_prints_salibs_columns_and_the_same_bytes_for_the_same_seed() {
    let tmp = TempDir::new().unwrap();
    let run = |seed: &str, threads: &str| {
        stdout_of(
            shuchuang(&tmp)
                .env("RAYON_NUM_THREADS", threads)
                .args(["index", "sobol"])
                .arg(caict_dir())
                .args([
                    "--samples",
                    "64",
                    "--seed",
                    seed,
                    "--raw",
                    "--format",
                    "csv",
                ]),
        )
    };
    let out = run("5", "1");
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("factor,S1,S1_conf,ST,ST_conf"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 43, "every non-root node");
    assert_eq!(rows[0][0], "foundation");
    for r in &rows {
        let st: f64 = r[3].parse().unwrap();
        assert!(st >= 0.0 && r[4].parse::<f64>().unwrap() >= 0.0, "{r:?}");
    }
    assert_eq!(out, run("5", "2"));
    assert_ne!(out, run("6", "2"));
    let json = stdout_of(
        shuchuang(&tmp)
            .args(["index", "sobol"])
            .arg(caict_dir())
            .args(["--samples", "16", "--node", "pathway", "--year", "2023"])
            .args(["--format", "json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v[0]["ST"].is_f64() && v[0]["factor"] == "foundation", "{v}");
    shuchuang(&tmp)
        .args(["index", "sobol"])
        .arg(caict_dir())
        .args(["--samples", "1"])
        .assert()
        .code(2);
}
