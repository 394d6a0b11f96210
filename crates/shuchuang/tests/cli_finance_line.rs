//! `shuchuang finance fund` and `finance line grant|draw|repay|default|show` against the built
//! binary, each step its own process on one data directory: a firm's 云量贷 line granted from
//! its verified spend, drawn, repaid in part and defaulted, every figure worked by hand, then
//! `voucher verify`; bad requests refused with a clear error and nothing changed.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

// A valid USCC in Hangzhou (330106), as in cli_finance.rs.
const FIRM: &str = "913301060000001231";

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C")
        .env("SHUCHUANG_DATA_DIR", dir.join("data"))
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

fn json(c: &mut Command) -> Value {
    let out = c.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

/// The firm of data/finance/example-firm.csv in the registry (reports 2022–2024, no major
/// incident: a clean credit record), graded `leading` by data/finance/example-tier-policy.toml
/// (the size bar alone: the shipped policy asks for facts three lines of CSV do not have), and
/// ten compute contracts of ¥41,000 redeemed in
/// 2024: ¥410,000 of verified spend, ten active months.
fn setup(d: &Path) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/finance");
    sc(d)
        .args(["registry", "import"])
        .arg(data.join("example-firm.csv"))
        .assert()
        .success();
    sc(d)
        .args(["registry", "adjust", "--year", "2024", "--tier-policy"])
        .arg(data.join("example-tier-policy.toml"))
        .assert()
        .success();
    sc(d)
        .args(["voucher", "program", "add-defaults", "--request-id", "d"])
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
    for m in 3..=12 {
        sc(d)
            .args(["voucher", "--date", &format!("2024-{m:02}-15"), "redeem"])
            .args(["--program", "hangzhou-compute-2024", "--firm", FIRM])
            .args(["--provider", "some-cloud", "--contract", &format!("HZ-{m}")])
            .args(["--amount", "41000", "--request-id", &format!("r{m}")])
            .assert()
            .success();
    }
}

/// Everything a refused request could have changed: the lines and the ledger's request count.
fn snapshot(d: &Path) -> (Value, Value) {
    let lines = json(sc(d).args(["finance", "line", "show", "--format", "json"]));
    let verify = json(sc(d).args(["voucher", "verify", "--format", "json"]));
    (lines, verify["requests"].clone())
}

#[test]
fn a_line_granted_drawn_repaid_in_part_and_defaulted_across_processes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    let fund = |fund: &str, amount: &str, id: &str| {
        sc(d)
            .args(["finance", "fund", "--fund", fund, "--amount-yuan", amount])
            .args(["--date", "2025-01-02", "--request-id", id])
            .assert()
            .success();
    };
    fund("risk-pool", "1000000", "fund-pool");
    fund("subsidy-budget", "200000", "fund-budget");

    // Grant on 2025-01-15: 2 × ¥410,000 of spend = ¥820,000, under the leading tier's ¥5M cap.
    let g = json(
        sc(d)
            .args([
                "finance", "line", "grant", "--firm", FIRM, "--line", "YLP-0001",
            ])
            .args(["--bank", "bank-a", "--date", "2025-01-15"])
            .args(["--request-id", "grant-1", "--format", "json"]),
    );
    assert_eq!(g["decision"]["status"], "eligible", "{g}");
    assert_eq!(g["receipts"][0]["outcome"]["limit_fen"], 82_000_000);
    assert_eq!(g["after"]["maturity"], "2026-01-15");

    sc(d)
        .args([
            "finance",
            "line",
            "draw",
            "YLP-0001",
            "--date",
            "2025-01-15",
        ])
        .args(["--amount-yuan", "500000", "--request-id", "draw-1"])
        .assert()
        .success();

    // 180 days on ¥500,000 at 3.45 % ACT/360: 500,000 × 0.0345 × 180 / 360 = ¥8,625.00; the
    // program's 贴息 is half, ¥4,312.50. Then ¥200,000 of principal: ¥300,000 left.
    let r = json(
        sc(d)
            .args([
                "finance",
                "line",
                "repay",
                "YLP-0001",
                "--date",
                "2025-07-14",
            ])
            .args(["--interest-yuan", "8625", "--principal-yuan", "200000"])
            .args(["--request-id", "repay-1", "--format", "json"]),
    );
    let paid = &r["receipts"][0]["outcome"];
    assert_eq!(paid["accrued_fen"], 862_500);
    assert_eq!(paid["subsidy"]["paid_fen"], 431_250);
    assert_eq!(
        r["receipts"][1]["outcome"]["principal_left_fen"],
        30_000_000
    );

    // Default on 2025-10-11, 89 days later: 300,000 × 0.0345 × 89 / 360 = ¥2,558.75 accrued
    // and reversed; the claim is ¥300,000, the pool pays its half, ¥150,000; the bank writes
    // the claim off, its loss ¥300,000 − ¥150,000.
    let x = json(
        sc(d)
            .args([
                "finance",
                "line",
                "default",
                "YLP-0001",
                "--date",
                "2025-10-11",
            ])
            .args([
                "--write-off",
                "--request-id",
                "default-1",
                "--format",
                "json",
            ]),
    );
    let l = &x["receipts"][0]["outcome"]["lines"][0];
    assert_eq!(l["accrued_fen"], 255_875);
    assert_eq!(l["interest_reversed_fen"], 255_875);
    assert_eq!(l["award"]["claim_fen"], 30_000_000);
    assert_eq!(l["award"]["paid_fen"], 15_000_000);
    assert_eq!(x["receipts"][1]["outcome"]["amount_fen"], 30_000_000);

    // A later process sees the line as the steps left it.
    let shown = json(sc(d).args(["finance", "line", "show", "YLP-0001", "--format", "json"]));
    let line = &shown[0];
    assert_eq!(line["status"], "written_off");
    assert_eq!(line["drawn_total_fen"], 50_000_000);
    assert_eq!(line["repaid_total_fen"], 20_000_000);
    assert_eq!(line["interest_paid_total_fen"], 862_500);
    assert_eq!(line["subsidy_paid_total_fen"], 431_250);
    assert_eq!(
        line["available_fen"], 0,
        "the undrawn ¥320,000 is cancelled"
    );
    assert_eq!(line["default"]["compensation_fen"], 15_000_000);
    let csv = sc(d)
        .args(["finance", "line", "show", "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.contains(",820000.00,0.00,0.00,0.00,500000.00,200000.00,8625.00,4312.50,300000.00,150000.00,300000.00\n"),
        "{csv}"
    );

    // The pool: ¥1,000,000 less the ¥150,000 paid; the claim paid in full under pro rata.
    let pool = json(sc(d).args(["finance", "pool", "--format", "json"]));
    assert_eq!(pool["pool_yuan"], "850000.00");
    assert_eq!(pool["claims"], 1);
    assert_eq!(pool["compensation_yuan"], "150000.00");
    assert_eq!(pool["shortfall_yuan"], "0.00");
    assert_eq!(pool["rule"], "pro_rata");
    // The scheme: the program's cost is the subsidy plus the compensation, ¥154,312.50.
    let rep = json(sc(d).args(["finance", "report", "--format", "json"]));
    let p = &rep["program"];
    assert_eq!(p["granted"], 1);
    assert_eq!(p["credit_extended_yuan"], "820000.00");
    assert_eq!(p["repaid_yuan"], "200000.00");
    assert_eq!(p["defaulted_yuan"], "300000.00");
    assert_eq!(p["program_cost_yuan"], "154312.50");
    assert_eq!(p["budget_left_yuan"], "195687.50");
    let leading = &rep["reach"]["by_tier"][3];
    assert_eq!(
        (leading["key"].as_str(), leading["lines"].as_u64()),
        (Some("leading"), Some(1))
    );
    assert_eq!(rep["reach"]["by_province"][0]["key"], "33");

    // The same request again: the first reply, nothing written.
    let before = snapshot(d);
    let again = json(
        sc(d)
            .args([
                "finance",
                "line",
                "repay",
                "YLP-0001",
                "--date",
                "2025-07-14",
            ])
            .args(["--interest-yuan", "8625", "--principal-yuan", "200000"])
            .args(["--request-id", "repay-1", "--format", "json"]),
    );
    assert_eq!(again["replayed"], true);
    assert_eq!(again["receipts"], r["receipts"]);
    assert_eq!(snapshot(d), before);

    sc(d).args(["voucher", "verify"]).assert().success();
}

#[test]
fn bad_requests_are_refused_with_a_clear_error_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    sc(d)
        .args([
            "finance", "line", "grant", "--firm", FIRM, "--line", "YLP-0001",
        ])
        .args([
            "--bank",
            "bank-a",
            "--date",
            "2025-01-15",
            "--request-id",
            "grant-1",
        ])
        .assert()
        .success();
    sc(d)
        .args([
            "finance",
            "line",
            "draw",
            "YLP-0001",
            "--date",
            "2025-01-15",
        ])
        .args(["--amount-yuan", "500000", "--request-id", "draw-1"])
        .assert()
        .success();
    let before = snapshot(d);
    // An unknown line.
    sc(d)
        .args([
            "finance",
            "line",
            "draw",
            "YLP-0009",
            "--date",
            "2025-01-16",
        ])
        .args(["--amount-yuan", "1000", "--request-id", "draw-2"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("credit line 'YLP-0009' not found"));
    // A draw over what is left of the ¥820,000 limit (¥320,000).
    sc(d)
        .args([
            "finance",
            "line",
            "draw",
            "YLP-0001",
            "--date",
            "2025-01-16",
        ])
        .args(["--amount-yuan", "320000.01", "--request-id", "draw-3"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("'amount_yuan' = '320000.01'"))
        .stderr(predicate::str::contains("available limit"));
    // A request id reused with other content.
    sc(d)
        .args([
            "finance",
            "line",
            "draw",
            "YLP-0001",
            "--date",
            "2025-01-15",
        ])
        .args(["--amount-yuan", "400000", "--request-id", "draw-1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("'draw-1' was already used"));
    assert_eq!(snapshot(d), before, "nothing changed");
    // Exactly the remaining limit is accepted.
    sc(d)
        .args([
            "finance",
            "line",
            "draw",
            "YLP-0001",
            "--date",
            "2025-01-16",
        ])
        .args(["--amount-yuan", "320000", "--request-id", "draw-3"])
        .assert()
        .success();
    sc(d).args(["voucher", "verify"]).assert().success();
}

#[test]
fn a_refused_grant_names_its_rules_and_books_no_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    // Decided on 2025-12-31, the twelve months of evidence are 2025's: the 2024 contracts are
    // outside, so no verified spend and no active month.
    sc(d)
        .args([
            "finance", "line", "grant", "--firm", FIRM, "--line", "YLP-0002",
        ])
        .args([
            "--bank",
            "bank-a",
            "--date",
            "2025-12-31",
            "--request-id",
            "grant-2",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("refused"))
        .stdout(predicate::str::contains("✗ verified_spend"))
        .stdout(predicate::str::contains("✗ stable_operation"));
    let shown = json(sc(d).args(["finance", "line", "show", "--format", "json"]));
    assert_eq!(shown, serde_json::json!([]), "no line");
    // The report counts it with its reasons.
    let csv = sc(d)
        .args(["finance", "report", "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("firm,line,status,tier,score,pd,limit_yuan,reasons\n"),
        "{csv}"
    );
    assert!(csv.contains(&format!("{FIRM},,refused,leading,")), "{csv}");
    assert!(
        csv.contains("verified_spend: ¥0.00 (needs ≥ ¥50000.00)"),
        "{csv}"
    );
    // The refusal is kept with its request: repeating it replays it.
    let again = json(
        sc(d)
            .args([
                "finance", "line", "grant", "--firm", FIRM, "--line", "YLP-0002",
            ])
            .args(["--bank", "bank-a", "--date", "2025-12-31"])
            .args(["--request-id", "grant-2", "--format", "json"]),
    );
    assert_eq!(again["replayed"], true);
    assert_eq!(again["decision"]["status"], "refused");
    assert_eq!(again["receipts"], serde_json::json!([]));
}

#[test]
fn banks_get_the_firms_their_appetite_takes_and_funds_their_grown_firms() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    setup(d);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/finance");
    let lists = json(
        sc(d)
            .args([
                "finance",
                "recommend",
                "--date",
                "2025-01-15",
                "--format",
                "json",
            ])
            .arg("--bank")
            .arg(data.join("appetites-example.toml")),
    );
    let by_bank = |bank: &str| {
        lists
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["bank"] == bank)
            .unwrap()
            .clone()
    };
    // A Zhejiang leading firm scoring 720 with ¥20M revenue: what bank-zhejiang wants.
    let zj = by_bank("bank-zhejiang");
    assert_eq!(zj["matched"], 1);
    assert_eq!(zj["firms"][0]["firm"], FIRM);
    assert_eq!(zj["firms"][0]["limit_fen"], 82_000_000);
    // The registry has no sector: bank-tech's sector filter cannot take it, and says so.
    assert_eq!(by_bank("bank-tech")["excluded"]["sector unknown"], 1);
    assert_eq!(by_bank("bank-inclusive")["excluded"]["tier"], 1);

    // Two investments in one firm count once, from the first, with both amounts.
    let funds = json(
        sc(d)
            .args(["finance", "vc", "--year", "2024", "--format", "json"])
            .arg("--portfolio")
            .arg(data.join("portfolio-example.csv")),
    );
    let f = &funds[0];
    assert_eq!(f["firms"], 1);
    assert_eq!(f["invested_fen"], 700_000_000);
    // Three years of reports cannot tell a gazelle (the registry's criteria need more).
    assert_eq!(f["gazelles"]["cannot_tell"], 1);
    assert_eq!(f["gazelles"]["grown"], 0);
}
