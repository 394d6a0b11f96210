//! `shuchuang voucher` end to end on a temporary data directory.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

// A valid USCC in Hangzhou (330106); check character computed independently (python) from GB 32100.
const FIRM: &str = "913301060000001231";

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", dir)
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

fn setup(dir: &Path) {
    sc(dir)
        .args([
            "voucher",
            "program",
            "add-defaults",
            "--request-id",
            "defaults",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("hangzhou-compute-2024"));
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-03-01",
            "grant",
            "--program",
            "hangzhou-compute-2024",
        ])
        .args([
            "--firm",
            FIRM,
            "--amount",
            "8000000",
            "--tier",
            "growth",
            "--request-id",
            "g1",
        ])
        .assert()
        .success();
}

fn journal_entries(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("ledger.sqlite")).unwrap();
    conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn grant_redeem_report_statement_verify_export() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    // 20 % of ¥10,000,000.01 = ¥2,000,000.002 → ¥2,000,000.00 (rounded down to the fen).
    let redeem = || {
        let mut c = sc(dir);
        c.args([
            "voucher",
            "--date",
            "2024-03-02",
            "redeem",
            "--program",
            "hangzhou-compute-2024",
        ])
        .args([
            "--firm",
            FIRM,
            "--provider",
            "some-cloud",
            "--contract",
            "HZ-1",
        ])
        .args([
            "--amount",
            "10000000.01",
            "--request-id",
            "r1",
            "--format",
            "json",
        ]);
        c
    };
    let first = redeem().assert().success().get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&first).unwrap();
    // Money is exact yuan as a decimal string in every format.
    assert_eq!(v["subsidy_yuan"], "2000000.00");
    assert_eq!(v["firm_pays_yuan"], "8000000.01");
    assert_eq!(v["limited_by"], "ratio");
    let entries = journal_entries(dir);
    // The same request again: the same reply, nothing written.
    let again = redeem().assert().success().get_output().stdout.clone();
    assert_eq!(first, again);
    assert_eq!(journal_entries(dir), entries);
    // The same id for another request is refused.
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-03-02",
            "redeem",
            "--program",
            "hangzhou-compute-2024",
        ])
        .args([
            "--firm",
            FIRM,
            "--provider",
            "some-cloud",
            "--contract",
            "HZ-2",
        ])
        .args(["--amount", "5", "--request-id", "r1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("request 'r1' was already used"));

    let out = sc(dir)
        .args([
            "voucher",
            "report",
            "hangzhou-compute-2024",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("year,budget_yuan,granted_yuan,redeemed_yuan")
    );
    // Remaining = 250,000,000 − 8,000,000.
    assert_eq!(
        lines.next().unwrap(),
        "2024,250000000.00,8000000.00,2000000.00,0.00,0.00,0.00,242000000.00,6000000.00,1"
    );

    let out = sc(dir)
        .args(["voucher", "statement", FIRM, "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let st: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(st["lines"].as_array().unwrap().len(), 2);
    assert_eq!(st["lines"][1]["contract_id"], "HZ-1");
    assert_eq!(st["subsidy_total_yuan"], "2000000.00");

    sc(dir)
        .args(["voucher", "balance", "--firm", FIRM, "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "hangzhou-compute-2024/2024/voucher/913301060000001231,330100,2000000.00,8000000.00,6000000.00",
        ));
    // As of the day before the grant the firm had nothing.
    sc(dir)
        .args(["voucher", "balance", "--firm", FIRM, "--as-of", "2024-02-29", "--format", "csv"])
        .assert()
        .success()
        .stdout("account,ledger,debits_yuan,credits_yuan,balance_yuan,pending_debits_yuan,pending_credits_yuan\n");

    sc(dir)
        .args(["voucher", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("verified"));
    let csv = sc(dir)
        .args(["voucher", "export", "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // Header + funding + grant + redemption.
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 4);
    let bean_path = dir.join("ledger.beancount");
    sc(dir)
        .args(["voucher", "export", "--format", "beancount", "--out"])
        .arg(&bean_path)
        .assert()
        .success();
    let bean = std::fs::read_to_string(&bean_path).unwrap();
    assert!(bean.contains("2024-03-02 * \"redeem\""));
    assert!(
        bean.contains("Liabilities:Hangzhou-compute-2024:Provider:Some-cloud  -2000000.00 CNY")
    );
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let entries = journal_entries(dir);
    let cases: [(&[&str], &str); 6] = [
        (&["--amount", "-1"], "negative"),
        (&["--amount", "0.001"], "whole number of fen"),
        (
            &["--amount", "1", "--program", "nope"],
            "program 'nope' is not in the book",
        ),
        (&["--amount", "0.01"], "exceeds the cap"),
        (
            &["--amount", "1", "--firm", "91110000600037341L"],
            "not eligible",
        ),
        (
            &["--amount", "1", "--firm", "91110000600037341A"],
            "expected 'L'",
        ),
    ];
    for (args, needle) in cases {
        let mut c = sc(dir);
        c.args([
            "voucher",
            "--date",
            "2024-03-05",
            "grant",
            "--request-id",
            "bad",
        ]);
        if !args.contains(&"--program") {
            c.args(["--program", "hangzhou-compute-2024"]);
        }
        if !args.contains(&"--firm") {
            c.args(["--firm", FIRM]);
        }
        c.args(args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(needle));
        assert_eq!(journal_entries(dir), entries, "{needle}");
    }
    // A date before the ledger's is refused: the ledger never moves backwards.
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-01-01",
            "expire",
            "--as-of",
            "2024-01-01",
            "--request-id",
            "x",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("never moves backwards"));
    // An unparsable program file is named with its line.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "id = \"x\"\nkind = \"compute\"\nissuing_region = \"99\"\n",
    )
    .unwrap();
    sc(dir)
        .args(["voucher", "program", "add"])
        .arg(&bad)
        .args(["--request-id", "p"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.toml").and(predicate::str::contains("line 3")));
    assert_eq!(journal_entries(dir), entries);
    // Reading a data dir without a ledger says so.
    let empty = tempfile::tempdir().unwrap();
    sc(empty.path())
        .args(["voucher", "report", "x"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no ledger"));
}

#[test]
fn verify_names_an_edited_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    {
        let conn = rusqlite::Connection::open(dir.join("ledger.sqlite")).unwrap();
        conn.execute(
            "UPDATE journal SET body = replace(body, '800000000', '900000000') WHERE seq = (SELECT MAX(seq) FROM journal)",
            [],
        )
        .unwrap();
    }
    let n = journal_entries(dir);
    sc(dir)
        .args(["voucher", "verify"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains(format!("entry {n} (request 'g1')"))
                .and(predicate::str::contains("edited")),
        );
}

#[test]
fn expiry_clawback_and_cross_region_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    sc(dir)
        .args([
            "voucher",
            "provider",
            "add",
            "zhejiang-innovation",
            "--id",
            "hefei-lab",
        ])
        .args(["--region", "340100", "--request-id", "prov"])
        .assert()
        .success();
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-06-01",
            "grant",
            "--program",
            "zhejiang-innovation",
        ])
        .args(["--firm", FIRM, "--amount", "100000", "--request-id", "zg"])
        .assert()
        .success();
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-06-02",
            "redeem",
            "--program",
            "zhejiang-innovation",
        ])
        .args([
            "--firm",
            FIRM,
            "--provider",
            "hefei-lab",
            "--contract",
            "ZJ-1",
            "--amount",
            "50000",
        ])
        .args(["--request-id", "zr", "--format", "json"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"cross_region\": true")
                .and(predicate::str::contains("\"subsidy_yuan\": \"20000.00\"")),
        );
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-06-03",
            "clawback",
            "--program",
            "zhejiang-innovation",
        ])
        .args([
            "--firm",
            FIRM,
            "--year",
            "2024",
            "--reason",
            "audit finding",
            "--request-id",
            "zc",
        ])
        .args(["--format", "csv"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("unused_returned_yuan,80000.00")
                .and(predicate::str::contains("redeemed_owed_back_yuan,20000.00")),
        );
    // The Hangzhou 2024 vouchers (¥8M unused) expire after 2024-12-31.
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2025-01-02",
            "expire",
            "--as-of",
            "2025-01-01",
            "--request-id",
            "x1",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "returned_to_budget_yuan,8000000.00",
        ));
    sc(dir).args(["voucher", "verify"]).assert().success();
}

#[test]
fn relate_rate_and_program_list() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    sc(dir)
        .args(["voucher", "program", "list", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            // An open-ended budget is an empty cell (null in JSON): money columns hold yuan only.
            "shandong-corpus,山东语料券,data,370000,,750000,1,2024-01-01,2026-12-31",
        ));
    // The full program round-trips through TOML: show it, add it back under a new id.
    let shown = sc(dir)
        .args(["voucher", "program", "show", "shenzhen-corpus-2024"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(shown).unwrap();
    assert!(text.contains("annual_budget_yuan = \"50000000\""), "{text}");
    let copy = dir.join("copy.toml");
    std::fs::write(
        &copy,
        text.replace("id = \"shenzhen-corpus-2024\"", "id = \"sz-copy\""),
    )
    .unwrap();
    sc(dir)
        .args(["voucher", "program", "add"])
        .arg(&copy)
        .args(["--request-id", "copy"])
        .assert()
        .success();
    // A Shandong firm (370102); check character computed independently (python) from GB 32100.
    let sd = "91370102000000031W";
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2025-05-01",
            "grant",
            "--program",
            "shandong-corpus",
        ])
        .args(["--firm", sd, "--amount", "750000", "--request-id", "sg"])
        .assert()
        .success();
    sc(dir)
        .args([
            "voucher",
            "relate",
            sd,
            "my-sister-co",
            "--request-id",
            "rel",
        ])
        .assert()
        .success();
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2025-05-02",
            "redeem",
            "--program",
            "shandong-corpus",
        ])
        .args([
            "--firm",
            sd,
            "--provider",
            "my-sister-co",
            "--contract",
            "S1",
            "--amount",
            "10",
        ])
        .args(["--request-id", "sr"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("related parties"));
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2025-12-01",
            "rate",
            "--program",
            "shandong-corpus",
        ])
        .args([
            "--firm",
            sd,
            "--year",
            "2025",
            "--rating",
            "excellent",
            "--request-id",
            "rt",
        ])
        .assert()
        .success();
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2025-12-02",
            "grant",
            "--program",
            "shandong-corpus",
        ])
        .args([
            "--firm",
            sd,
            "--amount",
            "750000",
            "--request-id",
            "sg2",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("cap_yuan,1500000.00"));
}

#[test]
fn share_splits_exactly_and_closed_period_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // ¥1,000.00 by 1:2:3 = 166.666…, 333.333…, 500: floors 166.66, 333.33, 500.00 leave one
    // fen, which goes to the largest remainder (the first party's 0.666… fen).
    sc(dir)
        .args([
            "voucher",
            "share",
            "--total",
            "1000",
            "--weights",
            "a=1,b=2,c=3",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout("party,weight,amount_yuan\na,1,166.67\nb,2,333.33\nc,3,500.00\n");
    // 30 % of ¥100.01 = ¥30.003 → ¥30.00; the firm pays ¥70.01.
    sc(dir)
        .args([
            "voucher",
            "share",
            "--total",
            "100.01",
            "--government-ratio",
            "0.3",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout("party,weight,amount_yuan\ngovernment,0.3,30.00\nfirm,0.7,70.01\n");
    sc(dir)
        .args(["voucher", "share", "--total", "10", "--weights", "a=0"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("weights sum to zero"));

    setup(dir);
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-03-31",
            "close-period",
            "--through",
            "2024-03-31",
            "--request-id",
            "close-q1",
        ])
        .assert()
        .success();
    let entries = journal_entries(dir);
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-03-31",
            "redeem",
            "--program",
            "hangzhou-compute-2024",
        ])
        .args([
            "--firm",
            FIRM,
            "--provider",
            "p",
            "--contract",
            "LATE-1",
            "--amount",
            "100",
        ])
        .args(["--request-id", "late"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "the period through 2024-03-31 is closed",
        ));
    assert_eq!(journal_entries(dir), entries);
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-04-01",
            "redeem",
            "--program",
            "hangzhou-compute-2024",
        ])
        .args([
            "--firm",
            FIRM,
            "--provider",
            "p",
            "--contract",
            "Q2-1",
            "--amount",
            "100",
            "--request-id",
            "q2",
        ])
        .assert()
        .success();
}

#[test]
fn hold_then_settle_or_release() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let hold = |date: &str, contract: &str, rid: &str| {
        let mut c = sc(dir);
        c.args([
            "voucher",
            "--date",
            date,
            "hold",
            "--program",
            "hangzhou-compute-2024",
        ])
        .args(["--firm", FIRM, "--provider", "p", "--contract", contract])
        .args([
            "--amount",
            "1000000",
            "--timeout-hours",
            "48",
            "--request-id",
            rid,
        ])
        .args(["--format", "csv"]);
        c
    };
    // 20 % of ¥1,000,000 = ¥200,000 reserved on each hold.
    hold("2024-04-01", "J1", "h1").assert().success().stdout(
        predicate::str::contains("subsidy_yuan,200000.00")
            .and(predicate::str::contains("held,true")),
    );
    hold("2024-04-01", "J2", "h2").assert().success();
    sc(dir)
        .args(["voucher", "balance", "--firm", FIRM, "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            ",8000000.00,8000000.00,400000.00,0.00",
        ));
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-04-02",
            "settle",
            "--contract",
            "J1",
            "--request-id",
            "s1",
        ])
        .assert()
        .success();
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-04-02",
            "release",
            "--contract",
            "J2",
            "--request-id",
            "x2",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("returned_to_voucher_yuan"));
    sc(dir)
        .args([
            "voucher",
            "report",
            "hangzhou-compute-2024",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "2024,250000000.00,8000000.00,200000.00,",
        ));
    // A hold left alone lapses after its timeout (48 h): settling it then is refused.
    hold("2024-04-02", "J3", "h3").assert().success();
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-04-05",
            "settle",
            "--contract",
            "J3",
            "--request-id",
            "s3",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("lapsed"));
    sc(dir).args(["voucher", "verify"]).assert().success();
}
