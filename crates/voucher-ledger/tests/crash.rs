//! Crash test: a child process writes batches of transfers to the SQLite journal and prints
//! the id of each batch once `create_transfers` has returned (committed); the parent kills it
//! with SIGKILL at a random point, reopens the journal and checks that every batch reported
//! committed is there, no batch is half there, and `verify` passes. Each seed kills the
//! writer twice (the second run continues on the recovered journal).
//!
//! The same machinery kills a writer that makes its batches in groups
//! (`VoucherBook::group`, one journal transaction per group), at a point where it is known
//! to be inside a group: after the reopen, the batches present are exactly whole groups.
//!
//! Seeds: `VOUCHER_CRASH_SEEDS` (default 8) starting at `VOUCHER_CRASH_SEED0` (default 0).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use voucher_ledger::{AccountFlags, LedgerError, NewAccount, SqliteJournal, Transfer, VoucherBook};

const CHILD_ENV: &str = "VOUCHER_CRASH_CHILD";
const ACCOUNTS: u64 = 8;
const BATCHES_MAX: u64 = 100_000;

/// The deterministic content of batch `i`: how many transfers and each one.
fn batch(i: u64) -> Vec<Transfer> {
    let count = 1 + (i * 7) % 60;
    (0..count)
        .map(|k| {
            let dr = 1 + (i + k) % ACCOUNTS;
            let cr = 1 + (i + k + 1 + k % 3) % ACCOUNTS;
            let cr = if cr == dr { 1 + dr % ACCOUNTS } else { cr };
            Transfer::new(i * 1_000 + k + 1, dr, cr, (i * 31 + k) % 1_000 + 1, 1, 1)
        })
        .collect()
}

/// A tiny seeded generator (splitmix64): the test needs only a few reproducible numbers.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The number of batches in group `g` (from 1): 2 to 12.
fn group_len(g: u64) -> u64 {
    2 + (g * 5) % 11
}

/// The group that batch `i` belongs to and whether `i` is the last batch of it.
fn group_of(i: u64) -> (u64, bool) {
    let (mut g, mut end) = (1, group_len(1));
    while end < i {
        g += 1;
        end += group_len(g);
    }
    (g, end == i)
}

fn open_child(path: &Path) -> VoucherBook<SqliteJournal> {
    let mut book = VoucherBook::open(path).expect("child opens the journal");
    if book.ledger().accounts().is_empty() {
        let accounts = (1..=ACCOUNTS)
            .map(|id| NewAccount {
                id,
                ledger: 1,
                code: 1,
                flags: AccountFlags::NONE,
                name: format!("a{id}"),
            })
            .collect();
        book.create_accounts("accounts", accounts)
            .expect("accounts");
    }
    book
}

/// The first batch not yet in the book.
fn next_batch(book: &VoucherBook<SqliteJournal>) -> u64 {
    let mut i = 1;
    while i < BATCHES_MAX && book.ledger().transfer(i * 1_000 + 1).is_some() {
        i += 1;
    }
    i
}

fn child(path: &Path) {
    let mut book = open_child(path);
    // Continue after the last batch present.
    let mut i = next_batch(&book);
    let out = std::io::stdout();
    while i < BATCHES_MAX {
        book.create_transfers(&format!("batch-{i}"), batch(i))
            .expect("batch commits");
        let mut lock = out.lock();
        writeln!(lock, "COMMITTED {i}").expect("stdout");
        lock.flush().expect("stdout");
        i += 1;
    }
}

/// The grouped writer: each group of batches is one `VoucherBook::group`; in the middle of
/// each group it prints `INSIDE g`, and after the group committed `COMMITTED i` for each of
/// its batches.
fn child_in_groups(path: &Path) {
    let mut book = open_child(path);
    let mut i = next_batch(&book);
    let (mut g, _) = group_of(i);
    let out = std::io::stdout();
    while i < BATCHES_MAX {
        let first = i;
        let last = first + group_len(g) - 1;
        book.group(|book| {
            for k in first..=last {
                book.create_transfers(&format!("batch-{k}"), batch(k))?;
                if k == first + (last - first) / 2 {
                    let mut lock = out.lock();
                    writeln!(lock, "INSIDE {g}").expect("stdout");
                    lock.flush().expect("stdout");
                }
            }
            Ok::<_, LedgerError>(())
        })
        .expect("group commits");
        let mut lock = out.lock();
        for k in first..=last {
            writeln!(lock, "COMMITTED {k}").expect("stdout");
        }
        lock.flush().expect("stdout");
        i = last + 1;
        g += 1;
    }
}

/// Runs the writer (the test `test_name` of this binary, as a child) until it has printed
/// `after` lines starting with `count_prefix` (plus a little), kills it with SIGKILL, and
/// returns the batch ids it reported committed.
fn run_and_kill(
    path: &Path,
    test_name: &str,
    count_prefix: &str,
    after: u64,
    extra_ms: u64,
) -> Vec<u64> {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    let mut committed = Vec::new();
    let mut line = String::new();
    let mut counted = 0;
    while counted < after {
        line.clear();
        if reader.read_line(&mut line).expect("read child") == 0 {
            break; // the child ended on its own (should not happen)
        }
        if line.starts_with(count_prefix) {
            counted += 1;
        }
        if let Some(id) = line.trim().strip_prefix("COMMITTED ") {
            committed.push(id.parse::<u64>().expect("batch id"));
        }
    }
    std::thread::sleep(Duration::from_micros(extra_ms * 100));
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    // Lines already written before the kill were committed too.
    for line in reader.lines() {
        let Ok(line) = line else { break };
        if let Some(id) = line.trim().strip_prefix("COMMITTED ") {
            committed.push(id.parse::<u64>().expect("batch id"));
        }
    }
    let _ = child.wait();
    committed
}

fn check(path: &Path, reported: &[u64]) -> u64 {
    let book = VoucherBook::open(path).expect("reopen after SIGKILL replays and checks");
    let l = book.ledger();
    // Every reported batch is there in full.
    for &i in reported {
        for t in batch(i) {
            let got = l.transfer(t.id).unwrap_or_else(|| {
                panic!("batch {i} reported committed but transfer {} missing", t.id)
            });
            assert_eq!(got.amount_fen, t.amount_fen);
        }
    }
    // No batch is half there: each batch is all present or all absent, and present batches
    // are exactly 1..=n.
    let mut n = 0;
    loop {
        let b = batch(n + 1);
        let present = b.iter().filter(|t| l.transfer(t.id).is_some()).count();
        if present == 0 {
            break;
        }
        assert_eq!(present, b.len(), "batch {} is half there", n + 1);
        n += 1;
    }
    let expected: usize = (1..=n).map(|i| batch(i).len()).sum();
    assert_eq!(
        l.transfers().len(),
        expected,
        "transfers outside complete batches"
    );
    assert!(reported.iter().all(|&i| i <= n));
    let report = book.verify().expect("verify passes after a crash");
    assert_eq!(report.transfers as usize, expected);
    let j = SqliteJournal::open(path).expect("journal");
    voucher_ledger::book::verify_journal(&j).expect("journal verifies");
    n
}

#[test]
fn crash_recovery_over_seeds() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&path));
        return;
    }
    let seeds: u64 = std::env::var("VOUCHER_CRASH_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let seed0: u64 = std::env::var("VOUCHER_CRASH_SEED0")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut kills = 0;
    for seed in seed0..seed0 + seeds {
        let mut rng = Rng(seed);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger.sqlite");
        let mut all = Vec::new();
        for _round in 0..2 {
            let after = rng.next() % 25;
            let extra = rng.next() % 30;
            let reported = run_and_kill(
                &path,
                "crash_recovery_over_seeds",
                "COMMITTED ",
                after,
                extra,
            );
            kills += 1;
            all.extend(reported);
            let n = check(&path, &all);
            assert!(
                n as usize >= all.len(),
                "seed {seed}: {n} batches but {} reported",
                all.len()
            );
        }
    }
    assert_eq!(kills, 2 * seeds);
}

#[test]
fn crash_recovery_in_groups() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child_in_groups(Path::new(&path));
        return;
    }
    let seeds: u64 = std::env::var("VOUCHER_CRASH_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let seed0: u64 = std::env::var("VOUCHER_CRASH_SEED0")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut kills = 0;
    let mut mid_group = 0;
    for seed in seed0..seed0 + seeds {
        let mut rng = Rng(seed ^ 0x0067_726f_7570);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger.sqlite");
        let mut all = Vec::new();
        for _round in 0..2 {
            // Killed right after the writer said it is inside its `after`-th group (plus
            // up to 3 ms): usually before that group commits.
            let after = 1 + rng.next() % 6;
            let extra = rng.next() % 30;
            let reported = run_and_kill(&path, "crash_recovery_in_groups", "INSIDE ", after, extra);
            kills += 1;
            all.extend(reported);
            let n = check(&path, &all);
            assert!(
                n as usize >= all.len(),
                "seed {seed}: {n} batches but {} reported",
                all.len()
            );
            // What survived is whole groups: none of a group is there unless all of it is.
            assert!(
                n == 0 || group_of(n).1,
                "seed {seed}: the journal ends at batch {n}, inside group {}",
                group_of(n).0
            );
            if n == 0 || all.iter().max().copied().unwrap_or(0) == n {
                // Nothing beyond what was reported: the group in progress was lost whole.
                mid_group += 1;
            }
        }
    }
    assert_eq!(kills, 2 * seeds);
    // The kill follows the writer's word that it is inside a group by at most 3 ms, while
    // half a group and an fsync remain: at least one kill must have landed mid-group.
    assert!(mid_group > 0, "no kill landed inside a group");
    eprintln!("{kills} SIGKILLs, {mid_group} with a group in progress lost whole");
}

/// The writer for the disk-full test: writes batches until one is refused, then prints
/// `REFUSED` with the error and ends normally (a full disk is an error, never a panic).
fn child_until_refused(path: &Path) {
    let mut book = open_child(path);
    let mut i = next_batch(&book);
    let out = std::io::stdout();
    while i < BATCHES_MAX {
        let r = book.create_transfers(&format!("batch-{i}"), batch(i));
        let mut lock = out.lock();
        match r {
            Ok(_) => writeln!(lock, "COMMITTED {i}").expect("stdout"),
            Err(e) => {
                writeln!(lock, "REFUSED {e}").expect("stdout");
                lock.flush().expect("stdout");
                // The book refuses to go on as it was: a further batch is refused too.
                let again = book.create_transfers(&format!("batch-{i}"), batch(i));
                writeln!(lock, "AGAIN {}", again.is_err()).expect("stdout");
                return;
            }
        }
        lock.flush().expect("stdout");
        i += 1;
    }
}

/// Disk full (issue 13): the writer runs with its file size limited (`ulimit -f`, SIGXFSZ
/// ignored, so a write past the limit fails with EFBIG as on a full disk, and SQLite reports
/// "database or disk is full"). The batch that does not fit is refused with an error, no
/// panic; after the limit is lifted every batch reported committed is there in full, none is
/// half there, verify passes, and the writer goes on where it stopped.
#[test]
fn a_full_disk_refuses_the_batch_and_loses_nothing() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child_until_refused(Path::new(&path));
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    for limit_kib in [96, 160, 256] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger.sqlite");
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f {limit_kib}; exec \"$0\" a_full_disk_refuses_the_batch_and_loses_nothing --exact --nocapture --test-threads=1"
            ))
            .arg(&exe)
            .env(CHILD_ENV, &path)
            .stderr(Stdio::null())
            .output()
            .expect("run the writer");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "limit {limit_kib} KiB: writer failed: {text}"
        );
        let refused = text
            .lines()
            .find_map(|l| l.strip_prefix("REFUSED "))
            .unwrap_or_else(|| panic!("limit {limit_kib} KiB: nothing refused: {text}"));
        assert!(
            refused.contains("full") || refused.contains("I/O") || refused.contains("disk"),
            "limit {limit_kib} KiB: {refused}"
        );
        assert!(text.contains("AGAIN true"), "limit {limit_kib} KiB: {text}");
        let reported: Vec<u64> = text
            .lines()
            .filter_map(|l| l.strip_prefix("COMMITTED "))
            .map(|s| s.parse().expect("batch id"))
            .collect();
        assert!(
            !reported.is_empty(),
            "limit {limit_kib} KiB: nothing fitted"
        );
        let n = check(&path, &reported);
        assert!(n as usize >= reported.len());
        // With room again, the writer continues from the first batch not stored.
        let mut book = open_child(&path);
        let next = next_batch(&book);
        assert_eq!(next, n + 1);
        book.create_transfers(&format!("batch-{next}"), batch(next))
            .expect("a batch fits once there is room");
        drop(book);
        check(&path, &reported);
        eprintln!(
            "limit {limit_kib} KiB: {} batches committed, then refused: {refused}",
            reported.len()
        );
    }
}
