//! `shuchuang index …` run as a built binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
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

const HEADER: &str = "node,unit,year,index,growth,contribution,total_contribution,estimated_share";

#[test]
fn compute_csv_on_the_shipped_data() {
    let tmp = TempDir::new().unwrap();
    let out = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(caict_dir())
            .args(["--format", "csv"]),
    );
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 44 * 6, "44 nodes × 1 unit × 2019–2024");
    // Base year: 100, growth and contributions empty.
    assert_eq!(rows[0], ["fusion", "CN", "2019", "100", "", "", "", "0"]);
    // 2024 against the NumPy peer's value (crates/index-engine/tests/fixtures).
    let total_2024 = rows
        .iter()
        .find(|r| r[0] == "fusion" && r[2] == "2024")
        .unwrap();
    let v: f64 = total_2024[3].parse().unwrap();
    assert!((v - 155.39126693233155).abs() < 1e-9, "{v}");
    // The total's growth equals its contribution and total contribution (full precision).
    assert_eq!(total_2024[4], total_2024[5]);
    assert_eq!(total_2024[4], total_2024[6]);
}

#[test]
fn compute_table_json_timings_and_chart() {
    let tmp = TempDir::new().unwrap();
    let chart = tmp.path().join("fusion.svg");
    let assert = shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(caict_dir())
        .args(["--to", "2025", "--timings", "--chart"])
        .arg(&chart)
        .assert()
        .success()
        .stderr(predicate::str::is_match(r"load_ms=[0-9.]+ compute_ms=[0-9.]+").unwrap())
        .stdout(predicate::str::contains("fusion").and(predicate::str::contains("2025")));
    let table = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(table.contains("100.00"), "the table rounds to 2 decimals");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("Science-industry innovation fusion index"));
    assert!(svg.contains("Fusion pathway (transfer and conversion)"));
    assert!(
        svg.contains("2025"),
        "the target year is one of the bar series"
    );

    let json = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(caict_dir())
            .args(["--format", "json", "--to", "2025"]),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 44 * 7);
    let carried = rows
        .iter()
        .find(|r| r["node"] == "fusion" && r["year"] == 2025)
        .unwrap();
    // 2025 has no data at all: every value is carried, growth 0, wholly estimated.
    assert_eq!(carried["growth"], 0.0);
    assert_eq!(carried["estimated_share"], 1.0);
    assert!(rows[0]["growth"].is_null());
}

fn write_dir(framework: &str, observations: &str) -> TempDir {
    let tmp = TempDir::new().unwrap();
    std::fs::write(tmp.path().join("framework.csv"), framework).unwrap();
    std::fs::write(tmp.path().join("observations.csv"), observations).unwrap();
    tmp
}

#[test]
fn bad_input_names_file_and_line() {
    let fw = "id,parent,level,name_zh,name_en,weight,direction,unit\nt,,0,,,,1,\na,t,1,,,,1,\n";
    let tmp = write_dir(fw, "indicator,unit,year,value\na,CN,2020,1\na,CN,2021,-3\n");
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("observations.csv: line 3: value '-3' is invalid")
                .and(predicate::str::starts_with("error:")),
        );
    let tmp = write_dir(
        "id,parent\nt,\na,t\na,t\n",
        "indicator,unit,year,value\na,CN,2020,1\n",
    );
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "framework.csv: line 4: node 'a': duplicate id",
        ));
    let empty = TempDir::new().unwrap();
    shuchuang(&empty)
        .args(["index", "compute"])
        .arg(empty.path())
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("cannot open").and(predicate::str::contains("framework.csv")),
        );
}

#[test]
fn zero_beside_a_gap_is_noted_and_methods_and_fills_are_selectable() {
    let fw = "id,parent,weight,direction\nt,,,1\na,t,1,1\nb,t,1,-1\n";
    let obs = "indicator,unit,year,value\na,X,2020,0\na,X,2022,4\nb,X,2020,2\nb,X,2021,2\nb,X,2022,1\na,Y,2020,1\na,Y,2022,1\nb,Y,2020,1\nb,Y,2022,1\n";
    let tmp = write_dir(fw, obs);
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(tmp.path())
        .args(["--format", "csv"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("note: a / X 2021–2021")
                .and(predicate::str::contains("linearly")),
        );
    for interp in ["geometric", "linear", "none"] {
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(tmp.path())
            .args(["--interpolate", interp, "--format", "csv"])
            .assert()
            .success()
            .stdout(predicate::str::starts_with(HEADER));
    }
    let level = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(tmp.path())
            .args(["--method", "level", "--format", "csv"]),
    );
    // Min-max across units X and Y in 2022: a 4 vs 1 → X 100, Y 0; b (lower is better)
    // 1 vs 1 → both the middle, 50, entering mirrored as 50. Total X = 75, Y = 25.
    assert!(level.contains("t,X,2022,75,,"), "{level}");
    assert!(level.contains("t,Y,2022,25,,"), "{level}");
}

#[test]
fn sensitivity_prints_the_exact_header_and_the_largest_change() {
    let tmp = TempDir::new().unwrap();
    let out = shuchuang(&tmp)
        .args(["index", "sensitivity"])
        .arg(caict_dir())
        .args(["--perturb", "0.2", "--format", "csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains("largest change of the total:"));
    let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("node,unit,nominal,low,low_weight,low_direction,high,high_weight,high_direction")
    );
    let fusion: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(fusion[0], "fusion");
    let (nominal, low, high): (f64, f64, f64) = (
        fusion[2].parse().unwrap(),
        fusion[3].parse().unwrap(),
        fusion[6].parse().unwrap(),
    );
    assert!(low < nominal && nominal < high);
    assert!(["up", "down"].contains(&fusion[5]) && ["up", "down"].contains(&fusion[8]));
    assert!(!fusion[4].is_empty() && !fusion[7].is_empty());
    // The report: each weight ±20 % moves the total by well under a few percent.
    assert!((high - nominal) / nominal < 0.05 && (nominal - low) / nominal < 0.05);

    shuchuang(&tmp)
        .args(["index", "sensitivity"])
        .arg(caict_dir())
        .assert()
        .success()
        .stdout(predicate::str::contains("per weight moved by ±20%"));
}

#[test]
fn uncertainty_is_reproducible_and_synth_is_deterministic() {
    let tmp = TempDir::new().unwrap();
    let run = |seed: &str| {
        stdout_of(
            shuchuang(&tmp)
                .args(["index", "uncertainty"])
                .arg(caict_dir())
                .args([
                    "--samples",
                    "300",
                    "--seed",
                    seed,
                    "--perturb",
                    "0.2",
                    "--format",
                    "csv",
                ]),
        )
    };
    let a = run("9");
    assert!(a.starts_with("node,unit,year,nominal,p5,p50,p95\n"));
    assert_eq!(a.lines().count(), 1 + 44 * 6);
    assert_eq!(a, run("9"), "same seed, same bytes");
    assert_ne!(a, run("10"));
    // One thread or two: the same bytes.
    let one = stdout_of(
        shuchuang(&tmp)
            .env("RAYON_NUM_THREADS", "1")
            .args(["index", "uncertainty"])
            .arg(caict_dir())
            .args(["--samples", "300", "--seed", "9", "--format", "csv"]),
    );
    assert_eq!(a, one);

    let out1 = tmp.path().join("p1");
    let out2 = tmp.path().join("p2");
    for out in [&out1, &out2] {
        shuchuang(&tmp)
            .args([
                "index", "synth", "--units", "4", "--years", "5", "--seed", "2", "--out",
            ])
            .arg(out)
            .assert()
            .success();
    }
    let obs = std::fs::read_to_string(out1.join("observations.csv")).unwrap();
    assert_eq!(
        obs,
        std::fs::read_to_string(out2.join("observations.csv")).unwrap()
    );
    assert!(obs.starts_with("indicator,unit,year,value,source\n"));
    let csv = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(&out1)
            .args(["--format", "csv"]),
    );
    assert_eq!(csv.lines().count(), 1 + 44 * 4 * 5);
}
