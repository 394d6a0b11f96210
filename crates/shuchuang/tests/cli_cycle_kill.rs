//! The cycle killed at its group boundaries (issue 13), on the built binary: the process is
//! aborted (`SHUCHUANG_CYCLE_FAULT=abort:STEP:N`, no clean-up at all, as kill -9) right
//! after the N-th ledger request of a step, and checked against a reference model, an
//! uninterrupted run of the same years:
//!
//! - the killed ledger verifies and its journal is a prefix of the reference journal that
//!   ends at a group boundary (nothing half-written: the group in progress is lost whole);
//! - a rerun of the year ends with the reference journal, entry for entry, and the same
//!   report tables.
//!
//! By default each of steps 2 (grants, one group per 1,000 firms) and 3 (compute payments,
//! one group per 10,000) is killed after its first, second, second-to-last and last request,
//! and one past the last (no kill: the step's requests are all made, so the run completes).
//! `SHUCHUANG_KILL_EVERY=1` kills after every request of both steps instead.

use std::path::Path;

use assert_cmd::Command;
use voucher_ledger::{Journal, JournalEntry, SqliteJournal};

const FIRMS: &str = "150";
const SEED: &str = "11";

fn cycle(data: &Path, report: &Path, year: &str) -> Command {
    let mut cmd = Command::cargo_bin("shuchuang").expect("binary built");
    cmd.env("LC_ALL", "C")
        .env_remove("SHUCHUANG_CYCLE_FAULT")
        .arg("cycle")
        .arg("--data-dir")
        .arg(data)
        .args(["--firms", FIRMS, "--seed", SEED, "--jobs-per-holder", "2"])
        .args(["--year", year, "--format", "json", "--out"])
        .arg(report);
    cmd
}

fn journal(data: &Path) -> Vec<JournalEntry> {
    let j = SqliteJournal::open(data.join("ledger.sqlite")).expect("ledger opens");
    voucher_ledger::book::verify_journal(&j).expect("the journal verifies");
    j.entries().expect("entries")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() && p.file_name().unwrap() != "lock" {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn tables(report: &Path) -> Vec<(String, Vec<u8>)> {
    let mut t: Vec<_> = std::fs::read_dir(report)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    t.sort();
    t
}

#[test]
fn killed_at_each_group_boundary_the_cycle_loses_nothing_and_a_rerun_completes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name);
    // The reference: 2025, then 2026 uninterrupted.
    cycle(&dir("base"), &dir("r25"), "2025").assert().success();
    copy_dir(&dir("base"), &dir("clean"));
    let before = journal(&dir("base"));
    let out = cycle(&dir("clean"), &dir("clean26"), "2026")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let reference = journal(&dir("clean"));
    let reference_tables = tables(&dir("clean26"));
    assert!(reference.len() > before.len());
    // The requests each step makes (grants; paid jobs), as the summary counts them.
    let writes = |step: &str| -> u64 {
        match step {
            "benefits" => summary["benefits"]["granted"].as_u64().unwrap(),
            _ => summary["compute"]["placed"].as_u64().unwrap(),
        }
    };
    let every = std::env::var_os("SHUCHUANG_KILL_EVERY").is_some();
    let mut kills = 0;
    for step in ["benefits", "compute"] {
        let w = writes(step);
        assert!(w >= 3, "{step}: {w} requests");
        let points: Vec<u64> = if every {
            (1..=w + 1).collect()
        } else {
            vec![1, 2, w - 1, w, w + 1]
        };
        // The journal length after each kill: it never shrinks as the kill comes later.
        let mut kept_before = before.len();
        for n in points {
            let name = format!("{step}-{n}");
            copy_dir(&dir("base"), &dir(&name));
            let run = cycle(&dir(&name), &dir(&format!("{name}-r")), "2026")
                .env("SHUCHUANG_CYCLE_FAULT", format!("abort:{step}:{n}"))
                .output()
                .unwrap();
            if n > w {
                assert!(
                    run.status.success(),
                    "{name}: no kill past the last request"
                );
                continue;
            }
            assert!(!run.status.success(), "{name}: the process was not killed");
            kills += 1;
            let kept = journal(&dir(&name));
            assert!(
                kept.len() <= reference.len(),
                "{name}: more entries than the reference"
            );
            assert_eq!(
                kept[..],
                reference[..kept.len()],
                "{name}: not a prefix of the reference"
            );
            assert!(kept.len() >= kept_before, "{name}: a later kill kept less");
            kept_before = kept.len();
            // The group in progress is lost whole: the journal ends where a group ended, so
            // the next reference entry starts a new request batch.
            if let Some(next) = reference.get(kept.len()) {
                assert!(
                    kept.last().is_none_or(|last| last.batch != next.batch),
                    "{name}: the journal ends inside a batch"
                );
            }
            // A rerun completes the year to the reference, entry for entry.
            cycle(&dir(&name), &dir(&format!("{name}-again")), "2026")
                .assert()
                .success();
            assert_eq!(
                journal(&dir(&name)),
                reference,
                "{name}: the rerun differs from the reference"
            );
            assert_eq!(
                tables(&dir(&format!("{name}-again"))),
                reference_tables,
                "{name}: tables differ"
            );
            let _ = std::fs::remove_dir_all(dir(&name));
        }
    }
    eprintln!("{kills} kills, each recovered to the reference journal");
}
