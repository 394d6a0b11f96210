//! Identifiers and dates at the boundary, on the built binary (issue 11.4–11.6): the
//! related-party ban holds however the provider's USCC is spelt, a period cannot be closed
//! in the future, and a split cannot name a party twice. Each refusal writes nothing.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

/// A valid USCC in Beijing's Haidian district (110108); check character by GB 32100-2015,
/// computed independently (Python, weights 3^i mod 31).
const FIRM: &str = "91110108000000017X";
const PROGRAM: &str = "beijing-compute-2023";

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C")
        .env("SHUCHUANG_DATA_DIR", dir)
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

fn entries(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("ledger.sqlite")).unwrap();
    conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0))
        .unwrap()
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
        .success();
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-05-01",
            "grant",
            "--program",
            PROGRAM,
        ])
        .args(["--firm", FIRM, "--amount", "10000", "--request-id", "g1"])
        .assert()
        .success();
}

/// Issue 11.4: `--provider` as the firm's own USCC in lower case or with a space around it
/// is the firm itself, and Beijing's program bans related parties.
#[test]
fn the_related_party_ban_holds_in_any_spelling_of_the_provider() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let before = entries(dir);
    let lower = FIRM.to_ascii_lowercase();
    for (k, provider) in [
        FIRM.to_string(),
        lower.clone(),
        format!(" {FIRM}"),
        format!("{lower} "),
    ]
    .iter()
    .enumerate()
    {
        sc(dir)
            .args([
                "voucher",
                "--date",
                "2024-05-02",
                "redeem",
                "--program",
                PROGRAM,
            ])
            .args(["--firm", FIRM, "--provider", provider, "--contract", "C-1"])
            .args(["--amount", "1000", "--request-id", &format!("r{k}")])
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!(
                "firm {FIRM} and provider '{FIRM}' are related parties"
            )));
    }
    assert_eq!(entries(dir), before, "a refused redemption writes nothing");
}

/// Issue 11.5: closing a period that has not ended yet would lock the ledger for good.
#[test]
fn a_period_cannot_be_closed_in_the_future() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let before = entries(dir);
    sc(dir)
        .args(["voucher", "--date", "2024-05-02", "close-period"])
        .args(["--through", "2024-05-03", "--request-id", "close"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "close period through 2024-05-03 is after the ledger date 2024-05-02",
        ));
    assert_eq!(entries(dir), before, "a refused close writes nothing");
    // The ledger still takes transfers dated after the refused close.
    sc(dir)
        .args([
            "voucher",
            "--date",
            "2024-05-03",
            "grant",
            "--program",
            PROGRAM,
        ])
        .args(["--firm", FIRM, "--amount", "1000", "--request-id", "g2"])
        .assert()
        .success();
}

/// Issue 11.6: `--weights a=1,a=2` once returned two parties both named `a`.
#[test]
fn a_split_cannot_name_a_party_twice() {
    let tmp = tempfile::tempdir().unwrap();
    for weights in ["a=1,a=2", "a=1, a =2"] {
        sc(tmp.path())
            .args(["voucher", "share", "--total", "10", "--weights", weights])
            .assert()
            .failure()
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains("party 'a' is named twice"));
    }
}
