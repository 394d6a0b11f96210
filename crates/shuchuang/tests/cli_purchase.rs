//! `shuchuang scenario purchase` against the built binary: a procurement evaluated with the
//! preferences of 财库〔2022〕19号 and a catalogue deduction (figures worked by hand below),
//! purchases recorded on the ledger all or nothing and idempotently, one process a step; bad
//! input is refused naming file, line, field and value, and changes nothing.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn example(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/scenario-market/example")
        .join(file)
        .to_str()
        .unwrap()
        .to_string()
}

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C")
        .env("SHUCHUANG_DATA_DIR", dir.join("data"))
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = sc(dir).args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// The columns `keep` (by name) of a CSV output, one line a row.
fn columns(csv: &str, keep: &[&str]) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header = r.headers().unwrap().clone();
    let idx: Vec<usize> = keep
        .iter()
        .map(|k| header.iter().position(|h| h == *k).unwrap())
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            idx.iter().map(|&i| &rec[i]).collect::<Vec<_>>().join(",")
        })
        .collect()
}

fn evaluate(dir: &Path, bids: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "scenario",
        "purchase",
        "evaluate",
        "--bids",
        bids,
        "--procurement",
        "P-QD-2025-003",
        "--date",
        "2025-05-10",
        "--example",
        "--format",
        "csv",
    ];
    args.extend(extra);
    columns(
        &run(dir, &args),
        &[
            "rank",
            "bidder",
            "total_rate",
            "evaluated_price_yuan",
            "total_points",
        ],
    )
}

// The example's bids: Qingdao (small, ¥1,200,000, its catalogue crane QC-VISION-1 listed
// 2025-03-01), Shenzhen (large, ¥1,050,000, 35 % to small firms), Beijing (medium,
// ¥1,100,000, 10 % to small firms: below the 30 % the consortium deduction needs).
const QD: &str = "91370200163562681G";
const SZ: &str = "91440300876543210T";
const BJ: &str = "91110108555555552Q";

#[test]
fn deductions_worked_by_hand_decide_the_winner() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let bids = example("procurement-bids.csv");
    // Rates not given: the lowest of 2025 (19号: 10 % small and micro, 4 % consortium; the
    // catalogue's 0 %). Shenzhen 1,050,000 × 0.96 = 1,008,000 beats Qingdao 1,200,000 × 0.90
    // = 1,080,000 and Beijing's undeducted 1,100,000.
    assert_eq!(
        evaluate(dir, &bids, &[]),
        [
            format!("1,{SZ},4%,1008000,"),
            format!("2,{QD},10%,1080000,"),
            format!("3,{BJ},0%,1100000,"),
        ]
    );
    // A 10 % catalogue deduction: Qingdao 1,200,000 × (1 − 0.10 − 0.10) = 960,000 wins.
    assert_eq!(
        evaluate(dir, &bids, &["--catalogue-rate", "0.10"])[0],
        format!("1,{QD},20%,960000,")
    );
    // Comprehensive scoring, price 30 points, catalogue 5 %: lowest evaluated 1,008,000.
    // Qingdao 30 × 1,008,000 ÷ 1,020,000 = 29.6471 + 56 = 85.6471; Beijing 30 × 1,008,000 ÷
    // 1,100,000 = 27.4909 + 58 = 85.4909; Shenzhen 30 + 52 = 82.
    assert_eq!(
        evaluate(
            dir,
            &bids,
            &[
                "--catalogue-rate",
                "0.05",
                "--method",
                "comprehensive",
                "--price-weight",
                "0.3"
            ]
        ),
        [
            format!("1,{QD},15%,1020000,85.6471"),
            format!("2,{BJ},0%,1100000,85.4909"),
            format!("3,{SZ},4%,1008000,82.0000"),
        ]
    );
    // Each deduction gives its reason and source; a preference that does not apply says why.
    let out = run(
        dir,
        &[
            "scenario",
            "purchase",
            "evaluate",
            "--bids",
            &bids,
            "--procurement",
            "P-1",
            "--date",
            "2025-05-10",
            "--example",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sz = &v["bids"][0];
    assert_eq!(sz["deductions"][0]["kind"], "consortium_small_share");
    assert!(
        sz["deductions"][0]["citation"]
            .as_str()
            .unwrap()
            .contains("财库〔2022〕19号")
    );
    assert_eq!(
        v["bids"][2]["not_applied"][1],
        "consortium_small_share: 10% of the contract to small and micro firms, below 30%"
    );
}

#[test]
fn bad_evaluations_are_refused_with_what_is_at_fault() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let base = |bids: &str| {
        let mut c = sc(dir);
        c.args([
            "scenario",
            "purchase",
            "evaluate",
            "--bids",
            bids,
            "--procurement",
            "P-1",
            "--date",
            "2025-05-10",
            "--example",
        ]);
        c
    };
    // 6 % was 46号's floor; from 2022-07-01 19号 allows 10 %–20 %.
    base(&example("procurement-bids.csv"))
        .args(["--small-micro-rate", "0.06"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("small_micro_rate")
                .and(predicate::str::contains("outside 0.10–0.20"))
                .and(predicate::str::contains("财库〔2022〕19号")),
        );
    let bad = dir.join("bids.csv");
    std::fs::write(
        &bad,
        format!("bidder,size,price_yuan\n{QD},small,100\n{SZ},huge,90\n"),
    )
    .unwrap();
    base(bad.to_str().unwrap())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "bids.csv:3: field 'size' = 'huge'",
        ));
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn record(dir: &Path, file: &Path, rid: &str) -> Command {
    let mut c = sc(dir);
    c.args([
        "scenario",
        "purchase",
        "record",
        file.to_str().unwrap(),
        "--example",
        "--request-id",
        rid,
        "--format",
        "csv",
    ]);
    c
}

fn list(dir: &Path) -> Vec<String> {
    columns(
        &run(dir, &["scenario", "purchase", "list", "--format", "csv"]),
        &[
            "id",
            "product",
            "category",
            "date",
            "amount_yuan",
            "first_purchase",
        ],
    )
}

#[test]
fn purchases_are_recorded_all_or_nothing_and_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let purchases = PathBuf::from(example("purchases.csv"));
    let out = record(dir, &purchases, "buy-1").assert().success();
    let out = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        columns(
            &out,
            &["id", "first_purchase", "already_recorded", "replayed"]
        ),
        [
            "C-QD-2025-017,true,false,false",
            "C-RZ-2025-004,false,false,false",
            "C-JN-2025-031,true,false,false",
        ]
    );
    let first = list(dir);
    assert_eq!(
        first,
        [
            "C-JN-2025-031,PRIV-EX-1,first_version,2025-06-30,380000.00,true",
            "C-QD-2025-017,QC-VISION-1,first_set,2025-05-20,1200000.00,true",
            "C-RZ-2025-004,QC-VISION-1,first_set,2025-08-02,1150000.00,false",
        ]
    );

    // The same request again: its first reply, nothing written.
    let again = record(dir, &purchases, "buy-1").assert().success();
    let again = String::from_utf8(again.get_output().stdout.clone()).unwrap();
    assert!(columns(&again, &["replayed"]).iter().all(|r| r == "true"));
    assert_eq!(list(dir), first);

    // A bad amount on line 3: the file's first fault, nothing recorded (line 2 is valid).
    let bad = write(
        dir,
        "bad.csv",
        "id,product,buyer,buyer_type,date,amount_yuan\n\
         C-NEW-1,PRIV-EX-1,Jinan Data Bureau,government,2025-07-01,1000\n\
         C-NEW-2,PRIV-EX-1,Jinan Data Bureau,government,2025-07-02,abc\n",
    );
    record(dir, &bad, "buy-2")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "bad.csv:3: field 'amount_yuan' = 'abc'",
        ));
    assert_eq!(list(dir), first);

    // A product not yet listed on its date: the whole batch is refused.
    let early = write(
        dir,
        "early.csv",
        "id,product,buyer,buyer_type,date,amount_yuan\n\
         C-NEW-1,PRIV-EX-1,Jinan Data Bureau,government,2025-07-01,1000\n\
         C-OLD-1,QC-VISION-1,Qingdao Port Group,state_owned,2025-02-01,1000\n",
    );
    record(dir, &early, "buy-3").assert().failure().stderr(
        predicate::str::contains("C-OLD-1").and(predicate::str::contains(
            "not in the catalogue on 2025-02-01",
        )),
    );
    assert_eq!(list(dir), first);

    // The request id of the first batch for other purchases: refused.
    record(dir, &early, "buy-1")
        .assert()
        .failure()
        .stderr(predicate::str::contains("buy-1"));
    assert_eq!(list(dir), first);

    // An earlier purchase of the crane becomes its first purchase; a contract recorded before
    // with the same content is taken as recorded.
    let earlier = write(
        dir,
        "earlier.csv",
        "id,product,buyer,buyer_type,date,amount_yuan,procurement\n\
         C-QD-2025-017,QC-VISION-1,Qingdao Port Group,state_owned,2025-05-20,1200000,P-QD-2025-003\n\
         C-WH-2025-001,QC-VISION-1,Weihai Port,state_owned,2025-04-02,900000,\n",
    );
    let out = record(dir, &earlier, "buy-4").assert().success();
    let out = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        columns(&out, &["id", "first_purchase", "already_recorded"]),
        ["C-QD-2025-017,false,true", "C-WH-2025-001,true,false"]
    );
    let now = list(dir);
    assert_eq!(now.len(), 4);
    assert_eq!(
        now[1],
        "C-QD-2025-017,QC-VISION-1,first_set,2025-05-20,1200000.00,false"
    );
    assert_eq!(
        now[3],
        "C-WH-2025-001,QC-VISION-1,first_set,2025-04-02,900000.00,true"
    );
}
