//! `shuchuang finance` end to end on a temporary data directory: a firm in the registry,
//! its compute contracts redeemed with vouchers on the ledger, and its 云量贷 decision from
//! them.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

// A valid USCC in Hangzhou (330106), as in cli_voucher.rs.
const FIRM: &str = "913301060000001231";

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", dir)
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

/// The firm in the registry (reports of 2023 and 2024) and ten monthly compute contracts of
/// ¥41,000 redeemed on the Hangzhou program in 2024: ¥410,000 of verified spend.
fn setup(dir: &Path) {
    let csv = dir.join("firms.csv");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        &csv,
        format!(
            "uscc,name,founded,year,revenue_yuan,staff,rd_spend_yuan,debt_ratio\n\
             {FIRM},甲科技,2015-01-01,2023,16000000,80,1200000,0.35\n\
             {FIRM},甲科技,2015-01-01,2024,20000000,80,1600000,0.35\n"
        ),
    )
    .unwrap();
    sc(dir)
        .args(["registry", "import"])
        .arg(&csv)
        .assert()
        .success();
    sc(dir)
        .args(["voucher", "program", "add-defaults", "--request-id", "d"])
        .assert()
        .success();
    sc(dir)
        .args(["voucher", "--date", "2024-03-01", "grant"])
        .args(["--program", "hangzhou-compute-2024", "--firm", FIRM])
        .args([
            "--amount",
            "8000000",
            "--tier",
            "growth",
            "--request-id",
            "g1",
        ])
        .assert()
        .success();
    for m in 3..=12 {
        sc(dir)
            .args(["voucher", "--date", &format!("2024-{m:02}-15"), "redeem"])
            .args(["--program", "hangzhou-compute-2024", "--firm", FIRM])
            .args(["--provider", "some-cloud", "--contract", &format!("HZ-{m}")])
            .args(["--amount", "41000", "--request-id", &format!("r{m}")])
            .assert()
            .success();
    }
}

#[test]
fn score_reads_verified_spend_from_the_ledger_and_facts_from_the_registry() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    let out = sc(d)
        .args([
            "finance",
            "score",
            "--date",
            "2025-01-15",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let row = &v.as_array().unwrap()[0];
    assert_eq!(row["firm"], FIRM);
    // Ten contracts of ¥41,000: money as a yuan string.
    assert_eq!(row["verified_spend_yuan"], "410000.00");
    assert!(row["score"].is_i64(), "typed JSON: {row}");
    // No adjustment yet, so no tier: the registered rule refuses the line.
    assert_eq!(row["status"], "refused");
    assert!(row["tier"].is_null());
    // CSV has the same row; the explanation names the factors and the failed rule.
    sc(d)
        .args([
            "finance",
            "score",
            "--date",
            "2025-01-15",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "firm,status,tier,score,pd,verified_spend_yuan,limit_yuan,bound_by,missing_share\n",
        ))
        .stdout(predicate::str::contains(",410000.00,"));
    sc(d)
        .args([
            "finance",
            "score",
            "--date",
            "2025-01-15",
            "--firm",
            FIRM,
            "--explain",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("verified_spend"))
        .stdout(predicate::str::contains("✗ registered"));
    // A USCC whose check character is wrong is refused at the boundary, named.
    sc(d)
        .args([
            "finance",
            "score",
            "--date",
            "2025-01-15",
            "--format",
            "csv",
        ])
        .args(["--firm", "91330106000000002X"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("91330106000000002X"));
}

#[test]
fn help_has_examples_and_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    sc(tmp.path())
        .args(["finance", "score", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("At most 1,000,000 firms"));
}

#[test]
fn simulate_prints_years_and_the_loss_check_and_repeats_its_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |format: &str, seed: &str| {
        let out = sc(tmp.path())
            .args(["finance", "simulate", "--firms", "400", "--runs", "300"])
            .args(["--seed", seed, "--format", format])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let table = run("table", "3");
    assert!(
        table.contains("expected loss") && table.contains("analytic"),
        "{table}"
    );
    let csv = run("csv", "3");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines.len(),
        1 + 5 + 1,
        "a header, five years and the total: {csv}"
    );
    assert!(lines[0].starts_with("year,credit_extended_yuan,defaults,loss_yuan"));
    assert!(lines[6].starts_with("total,"));
    assert_eq!(csv, run("csv", "3"), "the same seed gives the same bytes");
    assert_ne!(csv, run("csv", "4"));
    let json: serde_json::Value = serde_json::from_str(&run("json", "3")).unwrap();
    let z = json["loss_check"]["z"].as_f64().unwrap();
    assert!(
        z.abs() < 3.0,
        "the simulated mean loss is within 3 standard errors: {z}"
    );
    assert_eq!(json["spec"]["runs"], 300);
    assert_eq!(json["by_year"].as_array().unwrap().len(), 5);
    // Sizes beyond their bounds are refused, naming the value.
    sc(tmp.path())
        .args(["finance", "simulate", "--years", "31"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("31"));
}
