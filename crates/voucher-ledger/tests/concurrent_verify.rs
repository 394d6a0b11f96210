//! Verification during concurrent writes: a second process appends requests to the SQLite
//! journal without pause while this one verifies it again and again. Verify reads the journal
//! and its head in one read transaction (and its anchor before them), so it sees a consistent
//! snapshot and never reports tampering that is not there.
//!
//! Rounds: `VOUCHER_VERIFY_ROUNDS` full verifications (default 30), then
//! `VOUCHER_VERIFY_READ_ROUNDS` reads of the journal and its head checked against each other
//! (default 150: cheaper, so more of them meet a commit in flight).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rust_decimal_macros::dec;
use voucher_ledger::book::verify_journal;
use voucher_ledger::journal::verify_chain;
use voucher_ledger::{Firm, Journal, ManualClock, SqliteJournal, VoucherBook, defaults};

const CHILD_ENV: &str = "VOUCHER_VERIFY_CHILD";
const P: &str = "hangzhou-compute-2024";
/// The writer stops by itself after this long, should the parent die first.
const CHILD_SECONDS_MAX: u64 = 600;
/// Rounds that must have seen the journal grow since the round before: proof that reads
/// and commits really overlapped.
const GROWTH_MIN: usize = 3;

fn open_book(path: &Path) -> VoucherBook<SqliteJournal> {
    let mut book = VoucherBook::open(path).unwrap();
    book.set_clock(Box::new(ManualClock::at_date(
        NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
    )));
    book
}

/// The writer: one grant per request, each its own durable transaction, one every few ms.
fn child(path: &Path) {
    let mut book = open_book(path);
    let start = std::time::Instant::now();
    for i in 0.. {
        if start.elapsed().as_secs() > CHILD_SECONDS_MAX {
            break;
        }
        let firm = EnterpriseId::from_first17(&format!("91330106{:09}", i)).unwrap();
        book.grant(&format!("g{i}"), P, &Firm::new(firm), dec!(10))
            .unwrap();
        if i == 0 {
            println!("writing");
        }
        // A steady stream rather than a flood: the journal (and so each verification, which
        // replays all of it) stays small enough for the test to finish in seconds.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn verify_during_concurrent_appends_reports_no_false_tampering() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(Path::new(&path));
        return;
    }
    let setting = |name: &str, default: usize| -> usize {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let rounds = setting("VOUCHER_VERIFY_ROUNDS", 30);
    let read_rounds = setting("VOUCHER_VERIFY_READ_ROUNDS", 150);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    {
        let mut book = open_book(&path);
        let p = defaults::programs()
            .unwrap()
            .into_iter()
            .find(|p| p.id == P)
            .unwrap();
        book.add_program("p", p).unwrap();
    }
    let mut writer = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "verify_during_concurrent_appends_reports_no_false_tampering",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the writer has committed its first request.
    let mut out = BufReader::new(writer.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 && !line.contains("writing") {
        line.clear();
    }
    let mut failures = Vec::new();
    let mut seen = Vec::with_capacity(rounds);
    // Rounds go on past the number asked for until some of them have met the writer's commits
    // (on a loaded machine a commit can take tens of milliseconds), within a bound.
    let grew = |v: &[u64]| v.windows(2).filter(|w| w[1] > w[0]).count();
    while seen.len() + failures.len() < rounds
        || (grew(&seen) < GROWTH_MIN && seen.len() + failures.len() < rounds * 20)
    {
        let journal = SqliteJournal::open_read_only(&path).unwrap();
        match verify_journal(&journal) {
            Ok(r) => seen.push(r.chain.entries),
            Err(e) => failures.push(e.to_string()),
        }
    }
    // The journal and its head, read together, always agree.
    let journal = SqliteJournal::open_read_only(&path).unwrap();
    let mut read_failures = Vec::new();
    let mut entries_seen = Vec::with_capacity(read_rounds);
    while entries_seen.len() < read_rounds
        || (grew(&entries_seen) < GROWTH_MIN && entries_seen.len() < read_rounds * 20)
    {
        let (entries, head) = journal.read_all().unwrap();
        entries_seen.push(entries.len() as u64);
        if let Err(e) = verify_chain(&journal.describe(), &entries, &head, |_| None) {
            read_failures.push(e.to_string());
        }
    }
    let still_writing = writer.try_wait().unwrap().is_none();
    writer.kill().ok();
    writer.wait().ok();
    assert!(
        failures.is_empty(),
        "{} of {rounds} verifications failed: {:?}",
        failures.len(),
        failures.first()
    );
    assert!(
        read_failures.is_empty(),
        "{} of {read_rounds} reads disagreed with their head: {:?}",
        read_failures.len(),
        read_failures.first()
    );
    // The rounds saw the journal grow: the writer really wrote while they ran.
    assert!(
        still_writing,
        "the writer finished before the verifications did"
    );
    // (How often depends on the machine's load; that it happens at all is what matters.)
    assert!(grew(&seen) >= GROWTH_MIN, "{seen:?}");
    assert!(grew(&entries_seen) >= GROWTH_MIN, "the reads saw no growth");
    // And what the writer left verifies too.
    verify_journal(&SqliteJournal::open_read_only(&path).unwrap()).unwrap();
}
