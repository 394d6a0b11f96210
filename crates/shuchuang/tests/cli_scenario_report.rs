//! `shuchuang scenario match --record`, `scenario follow-up` and `scenario report` against the
//! built binary, one process a step: the example's matches and outcome reports recorded on the
//! ledger all or nothing and idempotently, a challenge and first purchases beside them, and
//! the year's report with conversion figures worked by hand below.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

const PROGRAM: &str = r#"
id = "challenge-2025"
name = "Shandong challenge tasks 2025 (test)"
kind = "challenge"
issuing_region = "370000"
annual_budget_yuan = "10000000"
cap_per_firm_yuan = "8000000"
[ratio]
default = "1"
[validity]
from = 2025-01-01
until = 2027-12-31
"#;

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

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn follow_up(dir: &Path, file: &str, rid: &str) -> Command {
    let mut c = sc(dir);
    c.args([
        "scenario",
        "follow-up",
        file,
        "--request-id",
        rid,
        "--format",
        "csv",
    ]);
    c
}

fn report(dir: &Path, format: &str) -> String {
    run(
        dir,
        &["scenario", "report", "--year", "2025", "--format", format],
    )
}

fn challenge(dir: &Path) {
    let p = write(dir, "program.toml", PROGRAM);
    let scores = write(
        dir,
        "scores.csv",
        "task,bid,member,score\n\
         T-2025-PORT-AI,B-F1,gov,82\nT-2025-PORT-AI,B-F1,ent,85\nT-2025-PORT-AI,B-F1,res,88\n\
         T-2025-PORT-AI,B-F1,inv,80\nT-2025-PORT-AI,B-F1,res2,86\nT-2025-PORT-AI,B-F1,ent2,90\n",
    );
    let tasks = example("tasks.toml");
    let steps: [&[&str]; 4] = [
        &[
            "voucher",
            "--date",
            "2025-04-01",
            "program",
            "add",
            p.to_str().unwrap(),
            "--request-id",
            "p1",
        ],
        &[
            "scenario",
            "challenge",
            "post",
            &tasks,
            "--task",
            "T-2025-PORT-AI",
            "--date",
            "2025-04-15",
            "--request-id",
            "post-1",
        ],
        &[
            "scenario",
            "challenge",
            "bid",
            "--task",
            "T-2025-PORT-AI",
            "--bid",
            "B-F1",
            "--firm",
            "91370200163562681G",
            "--amount-yuan",
            "1400000",
            "--submitted",
            "2025-05-20",
            "--request-id",
            "bid-1",
        ],
        &[
            "scenario",
            "challenge",
            "award",
            "--task",
            "T-2025-PORT-AI",
            "--scores",
            scores.to_str().unwrap(),
            "--date",
            "2025-06-10",
            "--request-id",
            "award-1",
        ],
    ];
    for s in steps {
        run(dir, s);
    }
}

#[test]
fn a_year_of_matches_outcomes_purchases_and_a_challenge_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let outcomes = example("outcomes.csv");

    // Before any match, a report of a pair is refused: nothing to follow.
    follow_up(dir, &outcomes, "f-0")
        .assert()
        .failure()
        .stderr(predicate::str::contains("has no recorded match"));

    let record = [
        "scenario",
        "match",
        "--example",
        "--record",
        "--request-id",
        "match-1",
        "--format",
        "csv",
    ];
    assert_eq!(
        run(dir, &record),
        "request_id,verb,records,written,already_recorded,replayed\nmatch-1,match,4,4,0,false\n"
    );
    assert_eq!(
        run(dir, &record),
        "request_id,verb,records,written,already_recorded,replayed\nmatch-1,match,4,4,0,true\n"
    );

    // A bad orders cell on line 3: the file's first fault, nothing recorded.
    let bad = write(
        dir,
        "bad.csv",
        "scenario,firm,reported,orders,revenue_yuan\n\
         S-JN-GOV,913701001234567881,2025-10-15,1,380000\n\
         S-QD-PORT,91370200163562681G,2025-09-30,two,800000\n",
    );
    follow_up(dir, bad.to_str().unwrap(), "f-1")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "bad.csv:3: field 'orders' = 'two'",
        ));
    // Dated before the scenario closed: refused whole.
    let early = write(
        dir,
        "early.csv",
        "scenario,firm,reported,orders,revenue_yuan\n\
         S-JN-GOV,913701001234567881,2025-10-15,1,380000\n\
         S-QD-PORT,91370200163562681G,2024-01-02,1,1\n",
    );
    follow_up(dir, early.to_str().unwrap(), "f-1")
        .assert()
        .failure()
        .stderr(predicate::str::contains("before the scenario closed"));
    let none = report(dir, "json");
    assert!(none.contains("\"orders\": 0"), "{none}");

    let out = follow_up(dir, &outcomes, "f-2").assert().success();
    assert_eq!(
        String::from_utf8(out.get_output().stdout.clone()).unwrap(),
        "request_id,verb,records,written,already_recorded,replayed\nf-2,outcome,4,4,0,false\n"
    );
    // The same request: replayed; its id for other reports: refused.
    follow_up(dir, &outcomes, "f-2")
        .assert()
        .success()
        .stdout(predicate::str::contains("f-2,outcome,4,4,0,true"));
    let one = write(
        dir,
        "one.csv",
        "scenario,firm,reported,orders,revenue_yuan\n\
         S-JN-GOV,913701001234567881,2025-11-15,1,1000\n",
    );
    follow_up(dir, one.to_str().unwrap(), "f-2")
        .assert()
        .failure()
        .stderr(predicate::str::contains("f-2"));

    run(
        dir,
        &[
            "scenario",
            "purchase",
            "record",
            &example("purchases.csv"),
            "--example",
            "--request-id",
            "buy-1",
        ],
    );
    challenge(dir);

    // By hand from outcomes.csv and the example's four matches (S-JN-GOV: government, data
    // empowerment; S-QD-PORT twice: state-owned, technology application; S-PLAT-AI: platform,
    // service support): S-JN-GOV 1 order; S-QD-PORT's F1 2 + 1 orders, its other firm reported
    // 0; S-PLAT-AI never reported. All: 4 matched, 3 reported, 2 converted → rate 2/4 = 0.5,
    // among reported 2/3 = 0.6667, unreported 1/4 = 0.25; revenue 380,000 + 1,200,000.
    let csv = report(dir, "csv");
    assert_eq!(
        csv,
        "group,key,matches,reported,converted,rate,rate_reported,unreported_share,orders,revenue_yuan\n\
         owner_type,government,1,1,1,1,1,0,1,380000.00\n\
         owner_type,state_owned,2,2,1,0.5,0.5,0,3,1200000.00\n\
         owner_type,industry_leader,0,0,0,,,,0,0.00\n\
         owner_type,platform,1,0,0,0,,1,0,0.00\n\
         kind,technology_application,2,2,1,0.5,0.5,0,3,1200000.00\n\
         kind,service_support,1,0,0,0,,1,0,0.00\n\
         kind,data_empowerment,1,1,1,1,1,0,1,380000.00\n\
         owner,Hangzhou e-commerce platform,1,0,0,0,,1,0,0.00\n\
         owner,Jinan Big Data Bureau,1,1,1,1,1,0,1,380000.00\n\
         owner,Qingdao Port Group,2,2,1,0.5,0.5,0,3,1200000.00\n\
         all,all,4,3,2,0.5,0.6667,0.25,4,1580000.00\n"
    );
    let json: serde_json::Value = serde_json::from_str(&report(dir, "json")).unwrap();
    // Purchases of 2025 (purchases.csv): 1,200,000 + 1,150,000 + 380,000; the firsts of the
    // crane and the privacy kit 1,200,000 + 380,000. The challenge: F1's award of 1,400,000
    // into escrow and its M1 advance (15 % of it) of 210,000 paid.
    for (field, value) in [
        ("/matches", "4"),
        ("/scenarios_matched", "3"),
        ("/firms_matched", "3"),
        ("/purchases", "3"),
        ("/first_purchases", "2"),
        ("/purchase_amount", "\"2730000.00\""),
        ("/first_purchase_amount", "\"1580000.00\""),
        ("/challenges/tasks", "1"),
        ("/challenges/teams", "1"),
        ("/challenges/money/reserved", "\"1400000.00\""),
        ("/challenges/money/paid", "\"210000.00\""),
        ("/challenges/money/recovered", "\"0.00\""),
    ] {
        assert_eq!(
            json.pointer(field).map(|v| v.to_string()).as_deref(),
            Some(value),
            "{field} in {json:#}"
        );
    }
    // Another year holds none of it.
    let other = run(
        dir,
        &["scenario", "report", "--year", "2024", "--format", "csv"],
    );
    assert!(other.ends_with("all,all,0,0,0,,,,0,0.00\n"), "{other}");

    // In Chinese the headings and the group names are translated.
    let zh = run(
        dir,
        &["--lang", "zh", "scenario", "report", "--year", "2025"],
    );
    assert!(zh.contains("转化率") && zh.contains("未报告占比"), "{zh}");
}
