//! `shuchuang registry panel` end to end on the built binary: each verb its own process over
//! one data directory.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn sc(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", dir.join("d"));
    c.current_dir(dir);
    c
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

const ROSTER: &str = "id,name,member_type,affiliation
g1,王政,department,工信厅
g2,李地,locality,西安市
e1,张国,state_owned_firm,国投
e2,赵民,private_firm,某民企
r1,钱研,research_institute,中科院
r2,孙校,university,西安交大
i1,周投,investor,某基金
i2,吴孵,incubator,某孵化器
";

const PANEL: [&str; 4] = ["--year", "2025", "--panel", "p1"];

#[test]
fn create_refer_score_decide_in_separate_processes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("roster.csv"), ROSTER).unwrap();
    sc(d)
        .args([
            "registry",
            "generate",
            "--count",
            "300",
            "--years",
            "2022..2025",
            "--seed",
            "1",
        ])
        .assert()
        .success();
    sc(d)
        .args(["registry", "panel", "create", "--roster", "roster.csv"])
        .args(PANEL)
        .assert()
        .success()
        .stdout(predicate::str::contains("investment 投资"));
    // A roster lacking the investment role is refused, naming it.
    std::fs::write(
        d.join("short.csv"),
        ROSTER.lines().take(7).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    sc(d)
        .args([
            "registry",
            "panel",
            "create",
            "--roster",
            "short.csv",
            "--year",
            "2025",
            "--panel",
            "p2",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no investment member"));
    let out = sc(d)
        .args(["registry", "panel", "refer", "--format", "json"])
        .args(PANEL)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let referred = json(&out.stdout);
    let firms: Vec<String> = referred
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["firm"].as_str().unwrap().to_string())
        .collect();
    assert!(!firms.is_empty());
    let first = firms[0].clone();
    sc(d)
        .args([
            "registry",
            "panel",
            "recuse",
            "--member",
            "i2",
            "--firm",
            &first,
            "--kind",
            "invested",
            "--reason",
            "fund holds 5 %",
        ])
        .args(PANEL)
        .assert()
        .success()
        .stdout(predicate::str::contains("recused"));
    // Scores 55 65 70 72 90 for every firm: trimmed mean (65 + 70 + 72) / 3 = 69.
    let mut sheet = String::from("member,firm,score\n");
    for f in &firms {
        for (m, s) in [("g1", 55), ("e2", 65), ("r1", 70), ("r2", 72), ("i1", 90)] {
            sheet.push_str(&format!("{m},{f},{s}\n"));
        }
    }
    // The recused member's line (the last) rejects the whole file, naming file and line.
    let bad_line = sheet.lines().count() + 1;
    std::fs::write(d.join("bad.csv"), format!("{sheet}i2,{first},99\n")).unwrap();
    sc(d)
        .args(["registry", "panel", "scores", "bad.csv"])
        .args(PANEL)
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "bad.csv:{bad_line}: field 'member' = 'i2': recused"
        )));
    let out = sc(d)
        .args(["registry", "panel", "results", "--format", "json"])
        .args(PANEL)
        .output()
        .unwrap();
    assert!(
        json(&out.stdout)
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["valid"] == 0),
        "nothing written"
    );
    std::fs::write(d.join("scores.csv"), &sheet).unwrap();
    sc(d)
        .args(["registry", "panel", "scores", "scores.csv"])
        .args(PANEL)
        .assert()
        .success();
    sc(d)
        .args(["registry", "panel", "results", "--format", "csv"])
        .args(PANEL)
        .assert()
        .success()
        .stdout(predicate::str::contains(",5,3,69,admitted,"))
        .stdout(predicate::str::contains("i2 (invested: fund holds 5 %)"));
    sc(d)
        .args(["registry", "panel", "decide", "--year", "2025"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "committed with the year's adjustment",
        ));
    sc(d)
        .args(["registry", "panel", "decide", "--year", "2025"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "already in the change log, nothing changed",
        ));
    sc(d)
        .args(["registry", "show", &first, "--year", "2025"])
        .assert()
        .success()
        .stdout(predicate::str::contains("decided by panel p1"))
        .stdout(predicate::str::contains(
            "panel 'p1': trimmed mean 69 of 5 scores",
        ));
    // The year is adjusted: its panels are frozen.
    sc(d)
        .args(["registry", "panel", "scores", "scores.csv"])
        .args(PANEL)
        .assert()
        .failure()
        .stderr(predicate::str::contains("frozen"));
}
