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

const HEADER: &str = "node,unit,year,index,growth,contribution,total_contribution,estimated_share,missing_share,source";

#[test]
fn compute_csv_on_the_shipped_data_in_raw_mode() {
    let tmp = TempDir::new().unwrap();
    let out = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(caict_dir())
            .args(["--raw", "--format", "csv"]),
    );
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 44 * 6, "44 nodes × 1 unit × 2019–2024");
    // Base year: 100, growth and contributions empty; a quarter of the weight rests on
    // leaves without a 2019 value (nsfc, unicorns, the two platforms, PE/VC).
    assert_eq!(
        rows[0][..8],
        ["fusion", "CN", "2019", "100", "", "", "", "0"]
    );
    assert_eq!(rows[0][9], "observed");
    // 2024 against the NumPy peer's value (crates/index-engine/tests/fixtures).
    let total_2024 = rows
        .iter()
        .find(|r| r[0] == "fusion" && r[2] == "2024")
        .unwrap();
    let v: f64 = total_2024[3].parse().unwrap();
    assert!((v - 145.63638572118768).abs() < 1e-9, "{v}");
    assert!(
        rows.iter().all(|r| r[9] != "published"),
        "raw: no published source"
    );
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
    assert_eq!(carried["source"], "carried");
    assert!(rows[0]["growth"].is_null());
    // Typed: shares are numbers, the source a string, in every row.
    assert!(
        rows.iter()
            .all(|r| r["missing_share"].is_f64() || r["missing_share"].is_u64())
    );
    assert!(rows.iter().all(|r| r["source"].is_string()));
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

    // The cases (86: 43 weights up and down) are in no CSV or JSON: the table shows them all.
    let table = stdout_of(
        shuchuang(&tmp)
            .args(["index", "sensitivity"])
            .arg(caict_dir()),
    );
    let cases = table.split("per weight moved by ±20%:").nth(1).unwrap();
    assert_eq!(cases.matches(" ┆ CN ").count(), 86, "{cases}");
    assert!(!table.contains("showing"), "{table}");
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
    assert!(a.starts_with("node,unit,year,nominal,p5,p50,p95,rank,rank_p5,rank_p50,rank_p95\n"));
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
    // A table shows its first rows and says so, like every table; CSV above has every row.
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(&out1)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "showing 50 of 880 rows; use --format csv for all",
        ));
}

fn csv_rows(out: &str) -> Vec<Vec<String>> {
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn figure(rows: &[Vec<String>], node: &str, year: &str) -> Vec<String> {
    rows.iter()
        .find(|r| r[0] == node && r[2] == year)
        .unwrap_or_else(|| panic!("no row {node} {year}"))
        .clone()
}

#[test]
fn default_mode_meets_every_published_figure_and_raw_does_not() {
    let tmp = TempDir::new().unwrap();
    let run = |extra: &[&str]| {
        let out = shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(caict_dir())
            .args(["--format", "csv"])
            .args(extra)
            .assert()
            .success();
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        (
            csv_rows(&String::from_utf8(out.get_output().stdout.clone()).unwrap()),
            stderr,
        )
    };
    let (default, note) = run(&[]);
    assert!(note.contains("nodes take their published path"), "{note}");
    let published = std::fs::read_to_string(caict_dir().join("published.csv")).unwrap();
    for line in published.lines().skip(1) {
        let f: Vec<&str> = line.splitn(4, ',').collect();
        let row = figure(&default, f[0], f[1]);
        let (got, want): (f64, f64) = (row[3].parse().unwrap(), f[2].parse().unwrap());
        assert!(
            (got - want).abs() < 1e-9,
            "{} {}: {got} vs {want}",
            f[0],
            f[1]
        );
        assert_eq!(row[9], "published", "{line}");
        assert_eq!(
            row[8], "0",
            "{line}: the published path leaves nothing missing"
        );
    }
    // The report's headline totals, which are not in published.csv: 138.2 (2023), 146.4
    // (2024); the default mode comes within 0.2 and 0.6 of them.
    let total = |rows: &[Vec<String>], y| figure(rows, "fusion", y)[3].parse::<f64>().unwrap();
    assert!((total(&default, "2023") - 138.2).abs() < 0.2);
    assert!((total(&default, "2024") - 146.4).abs() < 0.6);
    let (raw, note) = run(&["--raw"]);
    assert!(!note.contains("published path"), "{note}");
    let ior = figure(&raw, "industry_oriented_research", "2023");
    assert_eq!((ior[3].as_str(), ior[9].as_str()), ("100", "observed"));
    assert_eq!(ior[8], "0.5", "nsfc_joint_fund_share has one value only");
    // Nodes kept raw by rule keep their raw figure while the others take their path. With
    // patent_supply alone kept raw, it aggregates its leaves' published paths instead.
    let (never, _) = run(&["--published-rule", "patent_supply=never"]);
    let ps = figure(&never, "patent_supply", "2023");
    assert_ne!(ps[3], figure(&raw, "patent_supply", "2023")[3]);
    assert_eq!(ps[9], "published", "from its children's paths");
    let (never, _) = run(&[
        "--published-rule",
        "patent_supply=never",
        "--published-rule",
        "valid_invention_patents=never",
        "--published-rule",
        "pct_share=never",
    ]);
    let ps = figure(&never, "patent_supply", "2023");
    assert_eq!(ps, figure(&raw, "patent_supply", "2023"));
    assert_eq!(ps[9], "filled");
    assert_eq!(figure(&never, "platforms", "2023")[3], "198.9");
}

#[test]
fn the_warning_names_the_leaves_without_data() {
    let tmp = TempDir::new().unwrap();
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(caict_dir())
        .args(["--format", "csv"])
        .assert()
        .success()
        .stderr(
            predicate::str::is_match(
                r"(?m)^warning: \d+ of 264 figures shown rest partly on leaves without data \(missing_share > 0\): common_tech_platforms, national_incubators, nsfc_joint_fund_share, pe_vc_investment, unicorn_share; see the missing_share column$",
            )
            .unwrap(),
        );
    // Complete data: no warning.
    let fw = "id,parent\nt,\na,t\nb,t\n";
    let obs = "indicator,unit,year,value\na,X,2020,1\na,X,2021,2\nb,X,2020,3\nb,X,2021,3\n";
    let dir = write_dir(fw, obs);
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not());
    // b's data begins in 2021, so it has no value in 2020 and no growth in 2021: the total
    // and b are flagged in both years, and b is named.
    let dir = write_dir(
        fw,
        "indicator,unit,year,value\na,X,2020,1\na,X,2021,2\nb,X,2021,3\n",
    );
    let out = shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(dir.path())
        .args(["--format", "csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: 4 of 6 figures shown rest partly on leaves without data (missing_share > 0): b;",
        ));
    let rows = csv_rows(&String::from_utf8(out.get_output().stdout.clone()).unwrap());
    assert_eq!(figure(&rows, "t", "2021")[8], "0.5");
    assert_eq!(figure(&rows, "b", "2021")[9], "observed");
    assert_eq!(figure(&rows, "b", "2020")[9], "no_data");
}

#[test]
fn the_table_marks_each_index_by_its_source_and_names_leaves_behind_cut_rows() {
    let tmp = TempDir::new().unwrap();
    let out = shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(caict_dir())
        .assert()
        .success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // 2023 on the published paths, 2024 carried past them.
    assert!(
        table.contains("138.37 p") && table.contains("145.85 *"),
        "{table}"
    );
    assert!(table.contains("showing 50 of 264 rows; use --format csv for all"));
    assert!(table.ends_with(
        "index marks: * rests partly on filled or carried values, p published path, - no data\n"
    ));
    // The leaves' own rows are cut, yet the warning names those behind the figures shown.
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("warning: 4 of 50 figures shown rest partly on leaves without data (missing_share > 0): nsfc_joint_fund_share, pe_vc_investment;"),
        "{err}"
    );
}

#[test]
fn validate_lists_every_published_figure_beside_the_raw_computation() {
    let tmp = TempDir::new().unwrap();
    let out = shuchuang(&tmp)
        .args(["index", "validate"])
        .arg(caict_dir())
        .args(["--format", "csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "18 published figures: 4 met by the raw computation to the report's precision (|diff| < 0.05), 14 not; the default mode of index compute meets 18",
        ));
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.starts_with(
        "node,unit,year,published,kind,computed,diff,missing_share,estimated_share,source,explained_by,quote\n"
    ));
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 18);
    let platforms = figure(&rows, "platforms", "2023");
    assert_eq!(&platforms[3..7], ["198.9", "actual", "100", "-98.9"]);
    assert_eq!(platforms[7], "1");
    assert!(
        platforms[10].contains("common_tech_platforms (no data 2019–2023)"),
        "{platforms:?}"
    );
    assert!(platforms[11].contains("创新平台"));
    let estimate = figure(&rows, "patent_supply", "2024");
    assert_eq!(estimate[4], "estimate");
    let json = stdout_of(
        shuchuang(&tmp)
            .args(["index", "validate"])
            .arg(caict_dir())
            .args(["--format", "json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 18);
    assert_eq!(v[0]["published"], 153.8);
    assert!(v[0]["computed"].is_f64() && v[0]["missing_share"].is_f64());
    shuchuang(&tmp)
        .args(["index", "validate"])
        .arg(caict_dir())
        .assert()
        .success()
        .stdout(
            predicate::str::contains("industry_oriented_research")
                .and(predicate::str::contains("(est.)")),
        );
    // Without published.csv, a clear error.
    let dir = write_dir(
        "id,parent\nt,\na,t\n",
        "indicator,unit,year,value\na,X,2020,1\n",
    );
    shuchuang(&tmp)
        .args(["index", "validate"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("published.csv not found"));
}

#[test]
fn bad_published_figures_name_file_line_and_value() {
    let fw = "id,parent\nt,\na,t\nb,t\n";
    let obs = "indicator,unit,year,value\na,X,2020,1\na,X,2022,2\nb,X,2020,1\n";
    let tmp = TempDir::new().unwrap();
    for (body, want) in [
        (
            "zz,2021,110\n",
            "published.csv: line 2: node 'zz' is invalid: not an id of the framework",
        ),
        (
            "a,2023,110\n",
            "published.csv: line 2: year '2023' is invalid: outside the panel's years 2020–2022",
        ),
        (
            "a,2021,110\na,2022,-1\n",
            "published.csv: line 3: index '-1' is invalid: must be a finite number > 0",
        ),
        (
            "a,2021,110\nb,2021,120\na,2021,111\n",
            "published.csv: line 4: year '2021' is invalid: a second figure for node 'a', unit 'X' (the first is on line 2)",
        ),
    ] {
        let dir = write_dir(fw, obs);
        std::fs::write(
            dir.path().join("published.csv"),
            format!("node,year,index\n{body}"),
        )
        .unwrap();
        for cmd in ["compute", "validate"] {
            shuchuang(&tmp)
                .args(["index", cmd])
                .arg(dir.path())
                .assert()
                .failure()
                .stderr(predicate::str::contains(want).and(predicate::str::starts_with("error:")));
        }
        // --raw does not read it.
        shuchuang(&tmp)
            .args(["index", "compute", "--raw"])
            .arg(dir.path())
            .assert()
            .success();
    }
    let dir = write_dir(fw, obs);
    std::fs::write(
        dir.path().join("published.csv"),
        "node,year,index\na,2021,110\n",
    )
    .unwrap();
    shuchuang(&tmp)
        .args(["index", "compute", "--published-rule", "b=always"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("node 'b' has no published figure"));
    shuchuang(&tmp)
        .args(["index", "compute", "--published-rule", "a=sometimes"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected auto, always or never"));
}

#[test]
fn out_writes_the_file_whole_and_nothing_to_stdout() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("fusion.csv");
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(caict_dir())
        .args(["--format", "csv", "--out"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with(HEADER) && text.lines().count() == 1 + 44 * 6);
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // An output path that cannot be written: an error naming it, no file.
    let nowhere = tmp.path().join("no/such/dir/x.csv");
    shuchuang(&tmp)
        .args(["index", "compute"])
        .arg(caict_dir())
        .arg("--out")
        .arg(&nowhere)
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "writing {}",
            nowhere.display()
        )));
    assert!(!nowhere.exists());
}

#[test]
fn every_leaf_has_examples_and_size_options_have_maximums() {
    let tmp = TempDir::new().unwrap();
    for leaf in ["compute", "validate", "sensitivity", "uncertainty", "synth"] {
        shuchuang(&tmp)
            .args(["index", leaf, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:\n  shuchuang index"));
    }
    shuchuang(&tmp)
        .args(["index", "compute", "--help"])
        .assert()
        .stdout(
            predicate::str::contains("geometric")
                .and(predicate::str::contains("NODE=auto|always|never"))
                .and(predicate::str::contains("- csv:")),
        );
    shuchuang(&tmp)
        .args(["index", "uncertainty", "--help"])
        .assert()
        .stdout(predicate::str::contains("at most 10,000,000"));
    shuchuang(&tmp)
        .args(["index", "uncertainty"])
        .arg(caict_dir())
        .args(["--samples", "10000001"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("10000001"));
    shuchuang(&tmp)
        .args(["index", "synth", "--units", "1000001", "--out"])
        .arg(tmp.path().join("s"))
        .assert()
        .code(2);
    // Years never wrap: the last year would pass i32::MAX.
    shuchuang(&tmp)
        .args([
            "index",
            "synth",
            "--units",
            "2",
            "--first-year",
            "2147483640",
            "--out",
        ])
        .arg(tmp.path().join("s"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("are outside 1..=9999"));
}

#[test]
fn huge_and_tiny_values_never_give_a_non_finite_number() {
    let fw = "id,parent\nt,\na,t\nb,t\n";
    let obs = "indicator,unit,year,value\n\
               a,X,2020,1e306\na,X,2021,1.7e308\na,X,2022,1e-300\n\
               b,X,2020,5e-324\nb,X,2021,1e308\nb,X,2022,0\n";
    let dir = write_dir(fw, obs);
    let tmp = TempDir::new().unwrap();
    let csv = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(dir.path())
            .args(["--format", "csv"]),
    );
    for bad in ["inf", "NaN", "nan"] {
        assert!(!csv.contains(bad), "{csv}");
    }
    let rows = csv_rows(&csv);
    // 1e306 → 1.7e308 is growth 200·1.69e308/1.71e308, exactly as for small numbers.
    let g: f64 = figure(&rows, "a", "2021")[4].parse().unwrap();
    assert!((g - 200.0 * 169.0 / 171.0).abs() < 1e-9, "{g}");
    // The index of a (170-fold) stays; b's rise from the smallest subnormal leaves f64: none.
    assert_eq!(figure(&rows, "b", "2021")[3], "");
    let json = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(dir.path())
            .args(["--format", "json"]),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for r in v.as_array().unwrap() {
        for key in [
            "index",
            "growth",
            "contribution",
            "total_contribution",
            "estimated_share",
        ] {
            assert!(
                r[key].is_null() || r[key].as_f64().unwrap().is_finite(),
                "{r}"
            );
        }
    }
    for cmd in [["sensitivity", "--format"], ["uncertainty", "--format"]] {
        let out = stdout_of(
            shuchuang(&tmp)
                .args(["index", cmd[0]])
                .arg(dir.path())
                .args([cmd[1], "csv"]),
        );
        assert!(!out.contains("inf") && !out.contains("NaN"), "{out}");
    }
}

#[test]
fn sensitivity_and_uncertainty_draw_their_charts_and_a_node_without_data_is_a_gap() {
    let tmp = TempDir::new().unwrap();
    let tornado = tmp.path().join("tornado.svg");
    shuchuang(&tmp)
        .args(["index", "sensitivity"])
        .arg(caict_dir())
        .args(["--format", "csv", "--chart"])
        .arg(&tornado)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&tornado).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("Weight raised"),
        "{svg}"
    );
    let band = tmp.path().join("band.svg");
    shuchuang(&tmp)
        .args(["--lang", "zh", "index", "uncertainty"])
        .arg(caict_dir())
        .args([
            "--samples",
            "50",
            "--format",
            "csv",
            "--unit",
            "CN",
            "--chart",
        ])
        .arg(&band)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&band).unwrap();
    assert!(svg.contains("5%–95% 区间"), "{svg}");

    // b has no data in 2020: its line has a gap with a note, never a level of 100.
    let fw = "id,parent,level,name_zh,name_en,weight,direction,unit\nt,,0,,,,1,\na,t,1,,,,1,\nb,t,1,,,,1,\n";
    let dir = write_dir(
        fw,
        "indicator,unit,year,value\na,X,2020,1\na,X,2021,2\nb,X,2021,3\nb,X,2022,3\na,X,2022,4\n",
    );
    for (lang, note) in [
        ("en", "Gap: b has no data in 2020"),
        ("zh", "断点：b 2020 年无数据"),
    ] {
        let chart = dir.path().join(format!("gap-{lang}.svg"));
        shuchuang(&dir)
            .args(["--lang", lang, "index", "compute"])
            .arg(dir.path())
            .args(["--format", "csv", "--chart"])
            .arg(&chart)
            .assert()
            .success();
        let svg = std::fs::read_to_string(&chart).unwrap();
        assert!(svg.contains(note), "{svg}");
    }
}
