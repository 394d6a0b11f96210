//! `shuchuang voucher verify` and truncation (issue 11.2) on the built binary: the journal's
//! tail dropped with its head pointed at the last entry kept, an emptied ledger, an anchor
//! kept elsewhere (`--anchor FILE|LINE|HASH`), and what verify prints of the anchor it
//! checked. Verification opens the ledger read-only: it writes no file.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

// A valid USCC in Hangzhou (330106); check character computed independently (python) from GB 32100.
const FIRM: &str = "913301060000001231";

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C")
        .env("SHUCHUANG_DATA_DIR", dir)
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

/// The default programs and `grants` grants, one request each.
fn ledger(dir: &Path, grants: usize) {
    sc(dir)
        .args([
            "voucher",
            "program",
            "add-defaults",
            "--request-id",
            "defaults",
        ])
        .assert()
        .success();
    for k in 0..grants {
        sc(dir)
            .args(["voucher", "--date", "2024-03-01", "grant"])
            .args(["--program", "hangzhou-compute-2024", "--firm", FIRM])
            .args(["--amount", "1000", "--tier", "growth"])
            .args(["--request-id", &format!("g{k}")])
            .assert()
            .success();
    }
}

fn verify_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let out = sc(dir)
        .args(["voucher", "verify", "--format", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// Drops every batch after the first `keep` requests and points the head at the last entry
/// kept: a shorter, valid chain.
fn cut_to(dir: &Path, keep_batches: i64) {
    let conn = rusqlite::Connection::open(dir.join("ledger.sqlite")).unwrap();
    conn.execute("DELETE FROM journal WHERE batch > ?1", [keep_batches])
        .unwrap();
    conn.execute(
        "UPDATE head SET seq = (SELECT MAX(seq) FROM journal), batch = (SELECT batch FROM journal ORDER BY seq DESC LIMIT 1), hash = (SELECT hash FROM journal ORDER BY seq DESC LIMIT 1)",
        [],
    )
    .unwrap();
}

fn files(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let m = std::fs::metadata(&p).unwrap();
            (p, m.len(), m.modified().unwrap())
        })
        // SQLite's side files of a WAL database come and go with its readers.
        .filter(|(p, _, _)| {
            let s = p.to_string_lossy();
            !s.ends_with("-shm") && !s.ends_with("-wal")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn verify_prints_the_anchor_it_checked_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ledger(dir, 2);
    let before = files(dir);
    let v = verify_json(dir, &[]);
    assert_eq!(files(dir), before, "verify wrote nothing");
    let anchor = v["anchor"].as_str().expect("the anchor checked is printed");
    assert!(
        anchor.starts_with(&format!(
            "shuchuang-ledger-anchor v1 entries={} batches={} head={}",
            v["entries"],
            v["batches"],
            v["head_hash"].as_str().unwrap()
        )),
        "{v}"
    );
    assert_eq!(v["anchor_lag_entries"], 0);
    assert!(
        v["anchor_source"]
            .as_str()
            .unwrap()
            .ends_with("ledger.sqlite.anchor"),
        "{v}"
    );
    // In a table, too.
    sc(dir)
        .args(["voucher", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains(anchor));
}

#[test]
fn a_cut_tail_with_a_moved_head_fails_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ledger(dir, 3);
    cut_to(dir, 2);
    sc(dir)
        .args(["voucher", "verify"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "entries were removed from the end",
        ));
}

#[test]
fn an_emptied_ledger_fails_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ledger(dir, 1);
    std::fs::write(dir.join("ledger.sqlite"), b"").unwrap();
    for side in ["ledger.sqlite-wal", "ledger.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.join(side));
    }
    sc(dir)
        .args(["voucher", "verify"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("empty (0 bytes)"));
}

#[test]
fn an_anchor_kept_elsewhere_catches_a_cut_when_the_anchor_file_is_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ledger(dir, 3);
    let v = verify_json(dir, &[]);
    let line = v["anchor"].as_str().unwrap().to_string();
    let head = v["head_hash"].as_str().unwrap().to_string();
    let kept = tmp.path().join("auditor-copy.txt");
    std::fs::write(&kept, format!("{line}\n")).unwrap();
    // Each form of the anchor passes on the sound ledger and names where it came from.
    for arg in [kept.display().to_string(), line.clone(), head.clone()] {
        let v = verify_json(dir, &["--anchor", &arg]);
        assert_eq!(v["anchor_lag_entries"], 0, "{arg}");
        assert_eq!(v["anchor_source"], "--anchor", "{arg}");
    }
    // The cut, and the anchor file removed with it: the ledger's own check cannot see it...
    cut_to(dir, 2);
    std::fs::remove_file(dir.join("ledger.sqlite.anchor")).unwrap();
    let v = verify_json(dir, &[]);
    assert!(v["anchor"].is_null(), "{v}");
    // ...the kept anchor does, in each form.
    for arg in [kept.display().to_string(), line, head] {
        sc(dir)
            .args(["voucher", "verify", "--anchor", &arg])
            .assert()
            .failure()
            .stderr(
                predicate::str::contains("removed from the end").or(predicate::str::contains(
                    "no entry of the journal has the head hash",
                )),
            );
    }
    // Something that is none of the three is a usage error naming it.
    sc(dir)
        .args(["voucher", "verify", "--anchor", "nonsense"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("'nonsense'"));
}
