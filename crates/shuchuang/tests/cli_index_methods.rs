//! `shuchuang index compute --method level` with each normalisation, aggregation and the
//! ranks, run as a built binary against the NumPy/SciPy fixture of index-engine.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../index-engine/tests/fixtures/normalise")
}

fn shuchuang(data: &TempDir) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", data.path().join("state"));
    c
}

/// `(node, unit, year) → index` of a `--format csv` output.
fn scores(csv: &str) -> Vec<((String, String, String), f64)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                (f[0].into(), f[1].into(), f[2].into()),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_normalisation_on_the_command_line_matches_the_fixture() {
    let tmp = TempDir::new().unwrap();
    let expected = std::fs::read_to_string(fixture_dir().join("expected.csv")).unwrap();
    for norm in [
        "min-max",
        "z-score",
        "rank",
        "percentile-rank",
        "distance-to-target",
        "goalposts",
        "distance-to-frontier",
    ] {
        let out = shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(fixture_dir())
            .args(["--method", "level", "--normalise", norm, "--format", "csv"])
            .assert()
            .success();
        let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let got = scores(&csv);
        assert_eq!(got.len(), 8 * 7 * 3, "{norm}");
        for ((node, unit, year), s) in got {
            let key = format!("{norm},{node},{unit},{year},");
            let line = expected
                .lines()
                .find(|l| l.starts_with(&key))
                .unwrap_or_else(|| panic!("{key} not in the fixture"));
            let want: f64 = line[key.len()..].parse().unwrap();
            assert!((s - want).abs() < 1e-9, "{key}: {s} vs {want}");
        }
    }
}

#[test]
fn targets_file_replaces_the_framework_and_errors_name_the_line() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("d");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("framework.csv"), "id,parent\nt,\na,t\n").unwrap();
    std::fs::write(
        dir.join("observations.csv"),
        "indicator,unit,year,value\na,X,2024,2\na,Y,2024,6\n",
    )
    .unwrap();
    let compute = |extra: &[&str]| {
        let mut c = shuchuang(&tmp);
        c.args(["index", "compute"]).arg(&dir).args([
            "--method",
            "level",
            "--normalise",
            "goalposts",
            "--format",
            "csv",
        ]);
        c.args(extra);
        c
    };
    compute(&[])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "needs a goalposts for every indicator; 'a' has none",
        ));
    let targets = tmp.path().join("targets.csv");
    std::fs::write(&targets, "id,goalpost_lower,goalpost_upper\na,0,8\n").unwrap();
    let out = compute(&["--targets", targets.to_str().unwrap()])
        .assert()
        .success();
    let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // 2/8 and 6/8 of the way between the goalposts.
    assert!(csv.contains("t,X,2024,25,,"), "{csv}");
    assert!(csv.contains("t,Y,2024,75,,"), "{csv}");
    std::fs::write(&targets, "id,goalpost_lower,goalpost_upper\na,9,8\n").unwrap();
    compute(&["--targets", targets.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "targets.csv: line 2: goalpost_lower '9–8' is invalid",
        ));
    // An unknown value lists the normalisations.
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(&dir)
        .args(["--method", "level", "--normalise", "borda"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("percentile-rank")
                .and(predicate::str::contains("distance-to-frontier")),
        );
}

#[test]
fn every_aggregation_and_the_ranks_on_the_command_line_match_the_fixture() {
    let tmp = TempDir::new().unwrap();
    let expected = std::fs::read_to_string(fixture_dir().join("aggregations.csv")).unwrap();
    for agg in ["arithmetic", "geometric", "harmonic", "median", "copeland"] {
        let out = shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(fixture_dir())
            .args([
                "--method",
                "level",
                "--normalise",
                "rank",
                "--aggregate",
                agg,
            ])
            .args(["--ranks", "--format", "csv"])
            .assert()
            .success();
        let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("node,unit,year,index,rank,rank_change"));
        let mut n = 0;
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            let key = format!("rank,{agg},{},{},{},", f[0], f[1], f[2]);
            let want: Vec<&str> = expected
                .lines()
                .find(|l| l.starts_with(&key))
                .unwrap_or_else(|| panic!("{key} not in the fixture"))
                .split(',')
                .collect();
            let (got, score): (f64, f64) = (f[3].parse().unwrap(), want[5].parse().unwrap());
            assert!((got - score).abs() < 1e-9, "{line} vs {want:?}");
            assert_eq!(&f[4..], &want[6..], "{agg}: {line} vs {want:?}");
            n += 1;
        }
        assert_eq!(n, 8 * 7 * 3, "{agg}");
    }
    // An unknown aggregation lists them all.
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(fixture_dir())
        .args(["--method", "level", "--aggregate", "borda"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("harmonic")
                .and(predicate::str::contains("median"))
                .and(predicate::str::contains("copeland")),
        );
}
