//! Crash test of the new journaled requests: a child process writes groups on a SQLite
//! journal — each group a market batch through `LedgerMarket` (challenge reservations and
//! milestone payments, compute bundle grants) and a credit posting through `LedgerBooks`, in
//! one `VoucherBook::group` — and prints `COMMITTED g` once group `g` returned. The parent
//! kills it with SIGKILL at a random point, reopens the journal and checks that every group
//! reported committed is there, every group is there whole or not at all, and `verify`, the
//! book's invariants and the conservation of each program's money hold. Each seed kills the
//! writer twice (the second run continues on the recovered journal).
//!
//! Seeds: `CULTIVATION_CRASH_SEEDS` (default 6).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use cultivation::{LedgerBooks, LedgerMarket};
use finance::booking::{AccountKey, AccountKind, Booking, Posting, PostingCode};
use registry_model::{EnterpriseId, Money};
use scenario_market::{GrantPurpose, Key, LedgerRequest, MarketLedger, Movement};
use voucher_ledger::{Journal, LedgerError, ManualClock, VoucherBook};

const CHILD_ENV: &str = "CULTIVATION_CRASH_CHILD";
const TEAMS: u32 = 12;
/// Requests a group: three per team (reserve, pay, grant) and the credit posting.
const PER_GROUP: usize = 3 * TEAMS as usize + 1;
const GROUPS_MAX: u32 = 100_000;
const CHALLENGE: &str = r#"
id = "cd-challenge-2025"
name = "成都揭榜挂帅 (test)"
kind = "challenge"
issuing_region = "510100"
annual_budget_yuan = "100000000"
cap_per_firm_yuan = "8000000"
[ratio]
default = "1"
[validity]
from = 2025-01-01
until = 2027-12-31
"#;
const P: &str = "cd-challenge-2025";
const COMPUTE: &str = "chengdu-compute-2025";

fn firm(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91510104{n:09}")).unwrap()
}

fn key(s: &str) -> Key {
    s.parse().unwrap()
}

fn fen(n: i64) -> Money {
    Money::from_fen(n).unwrap()
}

/// The market batch of group `g`.
fn batch(g: u32) -> Vec<LedgerRequest> {
    let task = key(&format!("T{g}"));
    let program = key(P);
    let mut out = Vec::new();
    for t in 0..TEAMS {
        let f = firm(t + 1);
        let moves = [
            Movement::Reserve {
                program: program.clone(),
                task: task.clone(),
                firm: f,
                amount: fen(1_000),
            },
            Movement::Pay {
                program: program.clone(),
                task: task.clone(),
                firm: f,
                milestone: key("M1"),
                amount: fen(400),
            },
            Movement::Grant {
                program: key(COMPUTE),
                firm: f,
                purpose: GrantPurpose::Compute,
                scenario: key(&format!("S{g}")),
                amount: fen(10),
            },
        ];
        for (k, m) in moves.into_iter().enumerate() {
            out.push(LedgerRequest::new(format!("b{g}/{t}/{k}"), m).unwrap());
        }
    }
    out
}

fn funding(g: u32) -> Vec<Posting> {
    vec![Posting::new(
        AccountKey::new(AccountKind::SubsidyBudget, "p"),
        AccountKey::new(AccountKind::ProgramTreasury, "p"),
        100 + i64::from(g),
        PostingCode::Funding,
    )]
}

fn request_ids(g: u32) -> Vec<String> {
    let mut ids: Vec<String> = batch(g).into_iter().map(|r| r.request_id).collect();
    ids.push(format!("c{g}"));
    ids
}

fn clock() -> Box<ManualClock> {
    Box::new(ManualClock::at_date(
        NaiveDate::from_ymd_opt(2025, 4, 15).unwrap(),
    ))
}

/// Why a group failed (the ledger's own error, or the market's or the books' refusal).
#[derive(Debug)]
struct Fail(String);

impl From<LedgerError> for Fail {
    fn from(e: LedgerError) -> Self {
        Fail(e.to_string())
    }
}

fn child(path: &Path) {
    let mut book = VoucherBook::open(path).expect("child opens the journal");
    book.set_clock(clock());
    book.add_program_toml("p/challenge", CHALLENGE, "challenge.toml")
        .expect("program");
    book.add_default_programs("d").expect("defaults");
    let mut g = 1;
    while book.has_request(&format!("c{g}")) {
        g += 1;
    }
    let out = std::io::stdout();
    while g < GROUPS_MAX {
        book.group(|b| -> Result<(), Fail> {
            LedgerMarket::new(b)
                .submit(&batch(g))
                .map_err(|e| Fail(e.to_string()))?;
            LedgerBooks::new(b, "ylp", "510100".parse().unwrap())
                .post(&format!("c{g}"), &funding(g))
                .map_err(|e| Fail(e.to_string()))?;
            Ok(())
        })
        .unwrap_or_else(|Fail(why)| panic!("group {g} failed: {why}"));
        let mut lock = out.lock();
        writeln!(lock, "COMMITTED {g}").expect("stdout");
        lock.flush().expect("stdout");
        g += 1;
    }
}

/// Runs the writer until it reported `after` groups (plus a little), kills it with SIGKILL,
/// and returns the groups it reported committed.
fn run_and_kill(path: &Path, after: u64, extra_100us: u64) -> Vec<u32> {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "groups_survive_sigkill_whole",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn writer");
    let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut committed = Vec::new();
    let mut line = String::new();
    while (committed.len() as u64) < after {
        line.clear();
        if reader.read_line(&mut line).expect("read child") == 0 {
            break;
        }
        if let Some(g) = line.trim().strip_prefix("COMMITTED ") {
            committed.push(g.parse().expect("group"));
        }
    }
    std::thread::sleep(Duration::from_micros(extra_100us * 100));
    child.kill().expect("SIGKILL");
    for line in reader.lines() {
        let Ok(line) = line else { break };
        if let Some(g) = line.trim().strip_prefix("COMMITTED ") {
            committed.push(g.parse().expect("group"));
        }
    }
    let _ = child.wait();
    committed
}

fn program_sum<J: Journal>(book: &VoucherBook<J>, program: &str) -> i128 {
    let prefix = format!("{program}/");
    book.ledger()
        .accounts()
        .iter()
        .filter(|a| a.name.starts_with(&prefix))
        .map(|a| a.credit_balance_fen())
        .sum()
}

/// Reopens and checks; returns the number of whole groups present.
fn check(path: &Path, reported: &[u32]) -> u32 {
    let mut book = VoucherBook::open(path).expect("reopen after SIGKILL replays and checks");
    book.set_clock(clock());
    let mut n = 0;
    loop {
        let ids = request_ids(n + 1);
        let present = ids.iter().filter(|id| book.has_request(id)).count();
        if present == 0 {
            break;
        }
        assert_eq!(present, PER_GROUP, "group {} is half there", n + 1);
        n += 1;
    }
    assert!(
        !book.has_request(&format!("b{}/0/0", n + 2)),
        "a group beyond the first missing one"
    );
    assert!(
        reported.iter().all(|&g| g <= n),
        "a reported group is missing"
    );
    book.verify().expect("verify passes after a crash");
    book.check_invariants().expect("invariants");
    assert_eq!(program_sum(&book, P), 0);
    assert_eq!(program_sum(&book, COMPUTE), 0);
    let treasury = LedgerBooks::new(&mut book, "ylp", "510100".parse().unwrap())
        .balance_fen(&AccountKey::new(AccountKind::ProgramTreasury, "p"))
        .unwrap();
    let funded: i64 = (1..=n).map(|g| 100 + i64::from(g)).sum();
    assert_eq!(treasury, funded);
    let teams = book.challenge_teams();
    assert_eq!(teams.len(), (n * TEAMS) as usize);
    assert!(
        teams
            .values()
            .all(|t| t.reserved_fen == 1_000 && t.paid_fen == 400)
    );
    n
}

#[test]
fn groups_survive_sigkill_whole() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&path));
        return;
    }
    let seeds: u64 = std::env::var("CULTIVATION_CRASH_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let mut kills = 0;
    for seed in 0..seeds {
        // A few reproducible numbers (splitmix64).
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0063_7261_7368;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger.sqlite");
        let mut all = Vec::new();
        for _round in 0..2 {
            let reported = run_and_kill(&path, next() % 8, next() % 50);
            kills += 1;
            all.extend(reported);
            let n = check(&path, &all);
            assert!(
                n as usize >= all.len(),
                "seed {seed}: {n} groups, {} reported",
                all.len()
            );
        }
    }
    assert_eq!(kills, 2 * seeds);
}
