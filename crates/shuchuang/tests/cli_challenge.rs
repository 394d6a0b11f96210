//! `shuchuang scenario challenge` end to end, one process a step, on a temporary data
//! directory: post a race of two teams, two bids, award, one milestone accepted and one
//! failed; the ledger verifies and the program's money is conserved. Bad input is refused
//! with the id, file or line at fault, and changes nothing.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

// Valid USCCs (check characters from GB 32100), the example's F1 and F5.
const F1: &str = "91370200163562681G";
const F5: &str = "913301002468135703";
const TASK: &str = "T-2025-PORT-AI";

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

// Six members' scores of each bid (the example panel): B-F1 ranks first, B-F5 second; both
// are above the task's minimum of 60 and race (teams = 2).
const SCORES: &str = "task,bid,member,score
T-2025-PORT-AI,B-F1,gov,82
T-2025-PORT-AI,B-F1,ent,85
T-2025-PORT-AI,B-F1,res,88
T-2025-PORT-AI,B-F1,inv,80
T-2025-PORT-AI,B-F1,res2,86
T-2025-PORT-AI,B-F1,ent2,90
T-2025-PORT-AI,B-F5,gov,70
T-2025-PORT-AI,B-F5,ent,72
T-2025-PORT-AI,B-F5,res,68
T-2025-PORT-AI,B-F5,inv,75
T-2025-PORT-AI,B-F5,res2,71
T-2025-PORT-AI,B-F5,ent2,66
";

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C")
        .env("SHUCHUANG_DATA_DIR", dir.join("data"))
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

fn run<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> String {
    let out = sc(dir).args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

fn state(dir: &Path) -> String {
    run(
        dir,
        &["scenario", "challenge", "show", TASK, "--format", "json"],
    )
}

fn milestone(firm: &str, m: &str, verb: &[&str], rid: &str) -> Vec<String> {
    let mut a: Vec<String> = [
        "scenario",
        "challenge",
        "milestone",
        "--task",
        TASK,
        "--firm",
        firm,
        "--milestone",
        m,
        "--date",
        "2025-09-30",
        "--request-id",
        rid,
        "--format",
        "csv",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(verb.iter().map(|s| s.to_string()));
    a
}

#[test]
fn a_race_runs_end_to_end_in_separate_processes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("program.toml"), PROGRAM).unwrap();
    std::fs::write(dir.join("scores.csv"), SCORES).unwrap();
    let tasks =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/scenario-market/example/tasks.toml");
    let tasks = tasks.to_str().unwrap();
    let p = dir.join("program.toml");
    run(
        dir,
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
    );
    run(
        dir,
        &[
            "scenario",
            "challenge",
            "post",
            tasks,
            "--task",
            TASK,
            "--date",
            "2025-04-15",
            "--request-id",
            "post-1",
        ],
    );
    for (rid, bid, firm, amount, day) in [
        ("bid-1", "B-F1", F1, "1400000", "2025-05-20"),
        ("bid-2", "B-F5", F5, "1200000", "2025-05-30"),
    ] {
        run(
            dir,
            &[
                "scenario",
                "challenge",
                "bid",
                "--task",
                TASK,
                "--bid",
                bid,
                "--firm",
                firm,
                "--amount-yuan",
                amount,
                "--submitted",
                day,
                "--request-id",
                rid,
            ],
        );
    }
    let scores = dir.join("scores.csv");
    let award = [
        "scenario",
        "challenge",
        "award",
        "--task",
        TASK,
        "--scores",
        scores.to_str().unwrap(),
        "--date",
        "2025-06-10",
        "--request-id",
        "award-1",
        "--format",
        "csv",
    ];
    let first = run(dir, &award);
    // Each team's award into escrow and its M1 advance (M1 = 30 % of the award, half in
    // advance): F1 1,400,000 → M1 420,000, advance 210,000; F5 1,200,000 → 360,000, 180,000.
    for line in [
        "challenge/T-2025-PORT-AI/91370200163562681G/reserve,1400000.00,false",
        "challenge/T-2025-PORT-AI/91370200163562681G/M1/advance,210000.00,false",
        "challenge/T-2025-PORT-AI/913301002468135703/reserve,1200000.00,false",
        "challenge/T-2025-PORT-AI/913301002468135703/M1/advance,180000.00,false",
    ] {
        assert!(first.contains(line), "{line} not in\n{first}");
    }
    // The same request again: the first reply, marked replayed, nothing moved.
    let again = run(dir, &award);
    assert_eq!(again, first.replace(",false", ",true"));

    // Out of order: F1's running milestone is M1, not M2. Nothing changes.
    let before = state(dir);
    sc(dir)
        .args(milestone(F1, "M2", &["--accept"], "m2-early"))
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "the running milestone of 91370200163562681G is 'M1', not 'M2'",
        ));
    assert_eq!(state(dir), before);

    // F1 passes M1: the rest of M1 (210,000) and M2's advance (20 % of 980,000 = 196,000).
    let acc = run(dir, &milestone(F1, "M1", &["--accept"], "m1-f1"));
    assert!(
        acc.contains("91370200163562681G/M1/pay,210000.00,false"),
        "{acc}"
    );
    assert!(
        acc.contains("91370200163562681G/M2/advance,196000.00,false"),
        "{acc}"
    );
    // F5 fails M1: its advance clawed back (180,000) and 1,200,000 − 180,000 = 1,020,000 released.
    let fail = run(
        dir,
        &milestone(
            F5,
            "M1",
            &["--fail", "--reason", "missed the target"],
            "m1-f5",
        ),
    );
    assert!(
        fail.contains("913301002468135703/M1/recover,180000.00,false"),
        "{fail}"
    );
    assert!(
        fail.contains("913301002468135703/release,1020000.00,false"),
        "{fail}"
    );

    // The task's money: reserved 2,600,000 = paid (210,000 + 196,000 + 180,000 + 210,000
    // = 796,000) + released 1,020,000 + still in escrow (1,400,000 − 616,000 = 784,000).
    let money = run(dir, &["scenario", "challenge", "show", "--format", "csv"]);
    assert!(
        money.contains("T-2025-PORT-AI,awarded,challenge-2025,3000000.00,2,2,2600000.00,796000.00,180000.00,1020000.00,784000.00"),
        "{money}"
    );
    sc(dir).args(["voucher", "verify"]).assert().success();
    // The program's 10,000,000: budget 10,000,000 − 2,600,000 + 1,020,000 + 180,000 =
    // 8,600,000; escrow 784,000; awards 616,000 + 180,000; less F5's receivable 180,000.
    let bal = run(
        dir,
        &[
            "voucher",
            "balance",
            "--program",
            "challenge-2025",
            "--format",
            "csv",
        ],
    );
    let balance = |account: &str| -> String {
        bal.lines()
            .find(|l| l.starts_with(&format!("{account},")))
            .unwrap_or_else(|| panic!("{account} not in\n{bal}"))
            .split(',')
            .nth(4)
            .unwrap()
            .to_string()
    };
    assert_eq!(balance("challenge-2025/2025/budget"), "8600000.00");
    assert_eq!(
        balance(&format!("challenge-2025/2025/escrow/{TASK}/{F1}")),
        "784000.00"
    );
    assert_eq!(
        balance(&format!("challenge-2025/2025/escrow/{TASK}/{F5}")),
        "0.00"
    );
    assert_eq!(
        balance(&format!("challenge-2025/2025/award/{TASK}/{F1}")),
        "616000.00"
    );
    assert_eq!(
        balance(&format!("challenge-2025/2025/award/{TASK}/{F5}")),
        "180000.00"
    );
    assert_eq!(
        balance(&format!("challenge-2025/2025/receivable/{F5}")),
        "-180000.00"
    );
    // 8,600,000 + 784,000 + 0 + 616,000 + 180,000 − 180,000 = 10,000,000.

    // Refusals that change nothing: an unknown task, a TOML error, a request id reused for
    // another step.
    let before = state(dir);
    sc(dir)
        .args(
            milestone(F1, "M2", &["--accept"], "x1")
                .iter()
                .map(|s| s.replace(TASK, "T-NOPE")),
        )
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("task 'T-NOPE'")
                .and(predicate::str::contains("no such task has been posted")),
        );
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[task]]\nid = \"T-X\"\nbudget_yuan = \"abc\"\n").unwrap();
    sc(dir)
        .args([
            "scenario",
            "challenge",
            "post",
            bad.to_str().unwrap(),
            "--request-id",
            "x2",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.toml:1:"));
    let mut reuse = award.to_vec();
    reuse[8] = "2025-06-11";
    sc(dir)
        .args(reuse)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "request 'award-1' was already used",
        ));
    assert_eq!(state(dir), before);
    sc(dir).args(["voucher", "verify"]).assert().success();
}

const PANEL: &str = r#"
name = "port AI challenge panel"
[rule]
min_valid_scores = 5
trim_each_end = 1
score_max = "100"
[[members]]
id = "gov"
name = "gov"
role = "government"
[[members]]
id = "ent"
name = "ent"
role = "enterprise"
[[members]]
id = "res"
name = "res"
role = "research"
[[members]]
id = "inv"
name = "inv"
role = "investment"
ties = [{ firm = "91370200163562681G", kind = "invested", reason = "fund holds 5 %" }]
[[members]]
id = "res2"
name = "res2"
role = "research"
[[members]]
id = "ent2"
name = "ent2"
role = "enterprise"
"#;

#[test]
fn an_award_scored_by_a_panel_file_recuses_a_tied_member() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("program.toml"), PROGRAM).unwrap();
    std::fs::write(dir.join("scores.csv"), SCORES).unwrap();
    std::fs::write(dir.join("panel.toml"), PANEL).unwrap();
    // No investment member: not a four-in-one panel, refused before anything is written.
    std::fs::write(
        dir.join("bad-panel.toml"),
        PANEL.replace("role = \"investment\"", "role = \"research\""),
    )
    .unwrap();
    let tasks =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/scenario-market/example/tasks.toml");
    let p = dir.join("program.toml");
    run(
        dir,
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
    );
    run(
        dir,
        &[
            "scenario",
            "challenge",
            "post",
            tasks.to_str().unwrap(),
            "--task",
            TASK,
            "--date",
            "2025-04-15",
            "--request-id",
            "post-1",
        ],
    );
    for (rid, bid, firm, amount, day) in [
        ("bid-1", "B-F1", F1, "1400000", "2025-05-20"),
        ("bid-2", "B-F5", F5, "1200000", "2025-05-30"),
    ] {
        run(
            dir,
            &[
                "scenario",
                "challenge",
                "bid",
                "--task",
                TASK,
                "--bid",
                bid,
                "--firm",
                firm,
                "--amount-yuan",
                amount,
                "--submitted",
                day,
                "--request-id",
                rid,
            ],
        );
    }
    let scores = dir.join("scores.csv");
    let award = |panel: &str, rid: &str| {
        let mut c = sc(dir);
        c.args([
            "scenario",
            "challenge",
            "award",
            "--task",
            TASK,
            "--scores",
            scores.to_str().unwrap(),
            "--panel",
            dir.join(panel).to_str().unwrap(),
            "--date",
            "2025-06-10",
            "--request-id",
            rid,
            "--format",
            "csv",
        ]);
        c
    };
    let before = state(dir);
    award("bad-panel.toml", "award-0")
        .assert()
        .failure()
        .stderr(predicate::str::contains("investment"));
    assert_eq!(state(dir), before);

    award("panel.toml", "award-1").assert().success();
    // By hand: inv (80) is recused from F1's bid; of 82, 85, 88, 86, 90 the trimmed mean
    // drops 82 and 90: (85 + 86 + 88) / 3 = 86.33…; the example panel would have counted inv
    // (82, 85, 86, 88: 85.25). F5's bid, no one recused: 70, 72, 68, 71 of six → 70.25.
    let json: serde_json::Value = serde_json::from_str(&state(dir)).unwrap();
    let evals = json
        .pointer("/challenge/evaluation")
        .unwrap()
        .as_array()
        .unwrap();
    let of = |bid: &str| {
        let e = evals.iter().find(|e| e["bid"] == bid).unwrap();
        (
            e["panel"]["recused"].to_string(),
            e["panel"]["score"].to_string(),
        )
    };
    let (recused, score) = of("B-F1");
    assert_eq!(recused, r#"["inv"]"#);
    assert!(score.starts_with("\"86.33"), "{score}");
    assert_eq!(of("B-F5"), ("[]".to_string(), "\"70.25\"".to_string()));
    // The same request id with the example panel instead: another command, refused.
    sc(dir)
        .args([
            "scenario",
            "challenge",
            "award",
            "--task",
            TASK,
            "--scores",
            scores.to_str().unwrap(),
            "--date",
            "2025-06-10",
            "--request-id",
            "award-1",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("award-1"));
    // With its panel: the first reply.
    award("panel.toml", "award-1")
        .assert()
        .success()
        .stdout(predicate::str::contains(",true"));
}
