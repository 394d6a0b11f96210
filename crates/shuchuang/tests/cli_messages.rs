//! Clear errors on the built binary for the inputs issue 11.11 names: each message names the
//! file, the line, the field and the value at fault, and says what would be accepted.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const FIRM: &str = "913301060000001231";

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C")
        .env("SHUCHUANG_DATA_DIR", dir.join("data"))
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

/// `registry import` of a 31-digit revenue: the number is a decimal, beyond the money bound,
/// and the message says so (it once said "not a decimal number").
#[test]
fn a_31_digit_revenue_is_named_as_beyond_the_money_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("firms.csv");
    std::fs::write(
        &csv,
        "uscc,name,founded,year,revenue_yuan\n\
         91110000600037341L,甲科技,2015-01-01,2024,1234567890123456789012345678901\n",
    )
    .unwrap();
    sc(tmp.path())
        .args(["registry", "import"])
        .arg(&csv)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "firms.csv:2: field 'revenue_yuan' = '1234567890123456789012345678901': beyond ±10^15 yuan",
        ))
        .stderr(predicate::str::contains("not a decimal number").not());
}

/// `index compute` on a framework with a header and no rows: "no nodes", not "line 0: node ''".
#[test]
fn a_header_only_framework_says_it_has_no_nodes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(
        d.join("framework.csv"),
        "id,parent,level,name_zh,name_en,weight,direction,unit\n",
    )
    .unwrap();
    std::fs::write(d.join("observations.csv"), "indicator,unit,year,value\n").unwrap();
    sc(d)
        .args(["index", "compute"])
        .arg(d)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "framework.csv: line 1: no nodes: the file has a header and no rows",
        ))
        .stderr(predicate::str::contains("line 0").not());
}

/// `voucher redeem --contract ''` (and a contract id of spaces): refused before anything is
/// written, naming the field and the value.
#[test]
fn an_empty_contract_id_is_refused_naming_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    sc(d)
        .args([
            "voucher",
            "program",
            "add-defaults",
            "--request-id",
            "defaults",
        ])
        .assert()
        .success();
    sc(d)
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
    for contract in ["", "   "] {
        sc(d)
            .args(["voucher", "--date", "2024-04-01", "redeem"])
            .args(["--program", "hangzhou-compute-2024", "--firm", FIRM])
            .args(["--provider", "aliyun", "--contract", contract])
            .args(["--amount", "1000", "--request-id", "r1"])
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!(
                "contract id '{contract}' is invalid: empty (a contract id is 1–200 bytes"
            )));
    }
    // Nothing was written: the request id is still free for a good redemption.
    sc(d)
        .args(["voucher", "--date", "2024-04-01", "redeem"])
        .args(["--program", "hangzhou-compute-2024", "--firm", FIRM])
        .args(["--provider", "aliyun", "--contract", "C-1"])
        .args(["--amount", "1000", "--request-id", "r1"])
        .assert()
        .success();
}

/// `index synth --first-year 2147483640 --years 10`: refused with the years and the bounds,
/// no panic, nothing written (issue 11.8; the years once wrapped to negative).
#[test]
fn synthetic_years_past_the_bound_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("syn");
    sc(tmp.path())
        .args([
            "index",
            "synth",
            "--first-year",
            "2147483640",
            "--years",
            "10",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "years 2147483640..=2147483649 are outside 1..=9999",
        ))
        .stderr(predicate::str::contains("panicked").not());
    assert!(!out.exists(), "a refused panel writes nothing");
}
