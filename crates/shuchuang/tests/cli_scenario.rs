//! `shuchuang scenario` end to end against the built binary, on the crate's worked example
//! (golden values worked by hand in crates/scenario-market/tests/golden.rs) and on files.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C").current_dir(dir);
    c
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn list_and_match_the_example() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    sc(d)
        .args(["scenario", "list", "--example", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "scenario,title,owner,owner_type,kind,region,slots,budget_yuan,",
        ))
        .stdout(predicate::str::contains("S-QD-PORT,"))
        .stdout(predicate::str::contains(",900000.00,"));
    let out = sc(d)
        .args(["scenario", "match", "--example", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // The optimum by hand: 77.25 + 75.62 + 53.95 + 78.47 = 285.29 points over four pairs.
    let v = json(&out);
    let rows = v.as_array().unwrap();
    let scores: Vec<String> = rows.iter().map(|r| r["score"].to_string()).collect();
    assert_eq!(scores, ["77.25", "75.62", "53.95", "78.47"]);
    assert_eq!(rows[3]["scenario"], "S-QD-PORT");
}

#[test]
fn compare_puts_greedy_against_the_optimum_and_the_stable_matchings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sc(tmp.path())
        .args(["scenario", "compare", "--example", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // By hand (crates/scenario-market/tests/golden.rs): greedy 210.57 over 3 of 4 slots,
    // the optimum 285.29 over 4; (285.29 − 210.57) / 285.29 = 26.191 %; the pair (port,
    // Qingdao firm) blocks greedy, and deferred acceptance reaches the optimum from both
    // sides.
    let v = json(&out);
    let rows = v.as_array().unwrap();
    let col = |k: &str| -> Vec<String> { rows.iter().map(|r| r[k].to_string()).collect() };
    assert_eq!(
        col("matcher"),
        [
            "\"greedy\"",
            "\"optimal\"",
            "\"stable (scenarios propose)\"",
            "\"stable (firms propose)\""
        ]
    );
    assert_eq!(col("pairs"), ["3", "4", "4", "4"]);
    assert_eq!(col("total_score"), ["210.57", "285.29", "285.29", "285.29"]);
    assert_eq!(col("gap_pct"), ["26.191", "0.0", "0.0", "0.0"]);
    assert_eq!(col("blocking_pairs"), ["1", "0", "0", "0"]);
    sc(tmp.path())
        .args(["scenario", "compare", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
    sc(tmp.path())
        .args(["scenario", "compare"])
        .assert()
        .failure();
}

#[test]
fn catalogue_decides_each_application_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // By hand (crates/scenario-market/tests/example_files.rs): QC-VISION-1 meets every
    // Shandong 首台套 condition, listed three years from 2025-03-01; PRIV-EX-1 (首版次) is
    // recognised; LLM-SVC-1 (创新产品) has TRL 6 < 7: refused.
    let out = sc(d)
        .args(["scenario", "catalogue", "--example", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let rows = v.as_array().unwrap();
    let decisions: Vec<&str> = rows
        .iter()
        .map(|r| r["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions, ["recognised", "recognised", "refused"]);
    assert_eq!(rows[0]["listed_until"], "2028-02-29");
    assert!(
        rows[2]["conditions"]
            .as_str()
            .unwrap()
            .contains("trl ≥ 7: 6, fails")
    );
    // A fact left empty is missing, never false: the decision is incomplete and names it.
    let apps = "product,firm,name,category,scheme,applied,own_ip,domestic_first,third_party_tested,no_major_incident,trl,first_sale,cumulative_sales_yuan\n\
        LLM-SVC-2,91110108555555552Q,Model,new_product,national,2025-04-20,true,,,,,,2000000\n";
    std::fs::write(d.join("apps.csv"), apps).unwrap();
    sc(d)
        .args(["scenario", "catalogue", "--applications", "apps.csv"])
        .args(["--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("LLM-SVC-2,"))
        .stdout(predicate::str::contains(",incomplete,,"))
        .stdout(predicate::str::contains("trl ≥ 7: -, missing"))
        .stdout(predicate::str::ends_with(",trl\n"));
    // A bad file is refused whole, naming it.
    std::fs::write(d.join("bad.csv"), apps.replace("new_product", "no_such")).unwrap();
    sc(d)
        .args(["scenario", "catalogue", "--applications", "bad.csv"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.csv"));
    sc(d)
        .args(["scenario", "catalogue", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
}

#[test]
fn explain_gives_every_offer_its_fate() {
    let tmp = tempfile::tempdir().unwrap();
    sc(tmp.path())
        .args(["scenario", "match", "--example", "--explain", "S-QD-PORT"])
        .args(["--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("O-F1-VISION,"))
        .stdout(predicate::str::contains("shortlist #1,78.47,"))
        .stdout(predicate::str::contains(
            "tags 100.00 (×50): shares 3 of 3 needs",
        ))
        .stdout(predicate::str::contains(
            "excluded: price,,price 500000.00 yuan > 450000.00 yuan per slot",
        ));
    sc(tmp.path())
        .args(["scenario", "match", "--example", "--explain", "S-NONE"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "scenario 'S-NONE' is not in the market",
        ));
}

#[test]
fn files_are_read_whole_or_refused_with_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/scenario-market/example");
    let offers = std::fs::read_to_string(example.join("offers.csv")).unwrap();
    // Line 3 gets a readiness level of 10.
    let mut lines: Vec<String> = offers.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let at = header.iter().position(|h| *h == "maturity").unwrap();
    let mut fields: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    fields[at] = "10".into();
    lines[2] = fields.join(",");
    std::fs::write(d.join("offers.csv"), lines.join("\n") + "\n").unwrap();
    sc(d)
        .args(["scenario", "list", "--offers", "offers.csv", "--scenarios"])
        .arg(example.join("scenarios.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("offers.csv:3"))
        .stderr(predicate::str::contains("'maturity' = '10'"));
    sc(d)
        .args(["scenario", "match", "--scenarios"])
        .arg(example.join("scenarios.csv"))
        .arg("--offers")
        .arg(example.join("offers.csv"))
        .arg("--capacities")
        .arg(example.join("capacities.csv"))
        .args(["--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("S-QD-PORT,"));
}

#[test]
fn help_has_examples_and_limits() {
    let tmp = tempfile::tempdir().unwrap();
    for verb in ["list", "match"] {
        sc(tmp.path())
            .args(["scenario", verb, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"))
            .stdout(predicate::str::contains("At most 100,000 scenarios"));
    }
}
