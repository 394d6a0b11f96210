//! The journal conformance suite: what every [`Journal`] must do, written once over the trait
//! and run against every implementation (memory, SQLite, PostgreSQL, …) by its own tests.
//!
//! Enabled by the `conformance` feature, for tests. Each check takes a [`JournalFactory`] of
//! fresh journals and panics (as a test does) naming what differs. The reference behaviour is
//! [`MemoryJournal`]'s: a check runs the same requests on a memory book and on the journal
//! under test and requires the same journal entries (hashes included), balances, reports and
//! exports, byte for byte.
//!
//! ```
//! use voucher_ledger::MemoryJournal;
//! use voucher_ledger::conformance::{self, JournalFactory};
//!
//! struct Memory;
//! impl JournalFactory for Memory {
//!     type Journal = MemoryJournal;
//!     fn create(&mut self) -> MemoryJournal { MemoryJournal::new() }
//!     fn reopen(&mut self, j: &MemoryJournal) -> MemoryJournal { j.clone() }
//! }
//! conformance::journal_appends_and_reads_back(&mut Memory);
//! ```
//!
//! In a test file, [`crate::journal_conformance!`] writes one `#[test]` per check.

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rust_decimal::Decimal;

use crate::book::{Reply, VoucherBook};
use crate::clock::ManualClock;
use crate::error::LedgerError;
use crate::journal::{Head, Journal, JournalEntry, MemoryJournal};
use crate::program::{Firm, Provider, Rating};
use crate::{AccountBalance, ProgramReport, defaults};

/// Makes the journals a conformance check runs on.
pub trait JournalFactory {
    /// The journal under test.
    type Journal: Journal + Send;
    /// A new, empty journal (a fresh file, schema or memory).
    fn create(&mut self) -> Self::Journal;
    /// Another handle on the journal `journal` is stored in: a reopened file, a new
    /// connection, a copy of the memory. What it reads is what `journal` wrote.
    fn reopen(&mut self, journal: &Self::Journal) -> Self::Journal;
    /// Whether handles from [`JournalFactory::reopen`] may write at once (the journal has
    /// write sessions): enables the checks of several writers.
    fn several_writers(&self) -> bool {
        false
    }
}

/// A Chengdu-region program with a small budget and cap, so that races meet its limits.
pub const RACE_PROGRAM_TOML: &str = r#"
id = "race-2025"
name = "race test program"
kind = "compute"
issuing_region = "510100"
annual_budget_yuan = "1000"
cap_per_firm_yuan = "600"
source = "conformance suite: assumed"

[ratio]
default = "0.50"

[validity]
from = 2025-01-01
until = 2025-12-31

[providers]
any = true
"#;

/// The race program's id.
pub const RACE_PROGRAM: &str = "race-2025";
const CD: &str = "chengdu-compute-2025";
const SD: &str = "shandong-corpus";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).unwrap_or_default()
}

/// The `n`th firm of Chengdu (the region of the Chengdu programs).
pub fn chengdu_firm(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91510104{n:09}")).expect("a valid Chengdu USCC")
}

fn shandong_firm(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91370102{n:09}")).expect("a valid Jinan USCC")
}

fn book_on<J: Journal>(journal: J, date: NaiveDate) -> VoucherBook<J> {
    VoucherBook::with_journal(journal, Box::new(ManualClock::at_date(date)))
        .unwrap_or_else(|e| panic!("opening a book: {e}"))
}

/// Everything observable about a book, for comparing backends.
#[derive(Debug, PartialEq)]
pub struct Observed {
    /// Every journal entry, hashes included.
    pub entries: Vec<JournalEntry>,
    /// The stored head.
    pub head: Head,
    /// Every account's balance.
    pub balances: Vec<AccountBalance>,
    /// Program reports of the programs used.
    pub reports: Vec<ProgramReport>,
    /// The transfers as CSV.
    pub csv: String,
    /// The beancount export.
    pub beancount: String,
    /// Requests applied.
    pub requests: usize,
}

/// Observes a book.
pub fn observe<J: Journal>(book: &VoucherBook<J>) -> Observed {
    let (entries, head) = book.journal().read_all().expect("reading the journal");
    Observed {
        entries,
        head,
        balances: book.balances(None),
        reports: [CD, SD, RACE_PROGRAM]
            .iter()
            .filter(|p| book.program(p).is_some())
            .map(|p| book.report(p).expect("a report"))
            .collect(),
        csv: book.export_csv().expect("the CSV export"),
        beancount: book.export_beancount(),
        requests: book.request_count(),
    }
}

fn assert_same(what: &str, got: &Observed, want: &Observed) {
    if got == want {
        return;
    }
    for (i, (g, w)) in got.entries.iter().zip(&want.entries).enumerate() {
        assert_eq!(g, w, "{what}: journal entry {} differs", i + 1);
    }
    assert_eq!(got.entries.len(), want.entries.len(), "{what}: entry count");
    assert_eq!(got.head, want.head, "{what}: head");
    assert_eq!(got.balances, want.balances, "{what}: balances");
    assert_eq!(got.reports, want.reports, "{what}: reports");
    assert_eq!(got.csv, want.csv, "{what}: CSV export");
    assert_eq!(got.beancount, want.beancount, "{what}: beancount export");
    assert_eq!(got.requests, want.requests, "{what}: requests");
}

/// The hand-built batches of [`journal_appends_and_reads_back`]: `n` batches of `1 + k % 3`
/// entries each, chained from the genesis hash.
fn batches(n: u64) -> Vec<Vec<JournalEntry>> {
    let mut prev = crate::journal::GENESIS_HASH;
    let mut seq = 0;
    let mut out = Vec::new();
    for b in 1..=n {
        let mut batch = Vec::new();
        for k in 0..=(b % 3) {
            seq += 1;
            let e = JournalEntry::chained(&prev, seq, b, format!("{{\"b\":{b},\"k\":{k}}}"));
            prev = e.hash;
            batch.push(e);
        }
        out.push(batch);
    }
    out
}

/// Appending batches one by one and in groups; reading them back whole, from a seq, and after
/// reopening; a batch that does not continue the head, and a group whose third batch is
/// broken, store nothing.
pub fn journal_appends_and_reads_back<F: JournalFactory>(f: &mut F) {
    let mut j = f.create();
    assert_eq!(
        j.head().expect("head"),
        Head::default(),
        "a new journal is empty"
    );
    assert!(j.entries().expect("entries").is_empty());
    let all = batches(6);
    j.append(&all[0]).expect("appending batch 1");
    let refs: Vec<&[JournalEntry]> = all[1..3].iter().map(Vec::as_slice).collect();
    j.append_batches(&refs).expect("appending batches 2-3");
    let stored: Vec<JournalEntry> = all[..3].iter().flatten().cloned().collect();
    let (entries, head) = j.read_all().expect("read_all");
    assert_eq!(entries, stored);
    let last = stored.last().expect("entries");
    assert_eq!(
        head,
        Head {
            seq: last.seq,
            batch: last.batch,
            hash: last.hash
        }
    );
    assert_eq!(j.entries_since(2).expect("entries_since"), stored[2..]);
    assert!(j.entries_since(last.seq).expect("entries_since").is_empty());

    // Batch 5 does not continue the head (batch 4 is missing): refused, nothing stored.
    assert!(j.append(&all[4]).is_err(), "a gap in the chain is refused");
    // A group whose third batch is broken (an edited body) stores nothing.
    let mut broken = all[5].clone();
    broken[0].body.push(' ');
    let group: Vec<&[JournalEntry]> = vec![&all[3], &all[4], &broken];
    assert!(
        j.append_batches(&group).is_err(),
        "a broken group is refused"
    );
    assert_eq!(j.read_all().expect("read_all"), (stored.clone(), head));

    let reopened = f.reopen(&j);
    assert_eq!(reopened.read_all().expect("read_all"), (stored, head));
}

/// The scripted year of [`book_matches_memory_reference`]: programs, a provider, a relation,
/// grants, a refused grant, redemptions, a hold settled and one released, a committed group, a
/// group rolled back, a rating with its clawback, expiry.
fn script<J: Journal>(book: &mut VoucherBook<J>) {
    let ok = |what: &str, r: Result<Reply, LedgerError>| {
        r.unwrap_or_else(|e| panic!("{what}: {e}"));
    };
    for p in defaults::programs().expect("the shipped programs") {
        let id = format!("program:{}", p.id);
        ok("adding a program", book.add_program(&id, p));
    }
    ok(
        "adding the race program",
        book.add_program_toml("program:race", RACE_PROGRAM_TOML, "race.toml"),
    );
    let cloud = Provider {
        id: "cd-cloud".into(),
        name: "成都云".into(),
        category: "domestic_chip".into(),
        region: None,
    };
    ok("adding a provider", book.add_provider("prov:1", CD, cloud));
    ok(
        "relating",
        book.declare_related("rel:1", chengdu_firm(3), "cd-cloud"),
    );
    for n in 1..=3 {
        book.grant(
            &format!("g:{n}"),
            CD,
            &Firm::new(chengdu_firm(n)),
            Decimal::from(1000 * n),
        )
        .unwrap_or_else(|e| panic!("grant {n}: {e}"));
    }
    // Over the cap (¥5M per firm): refused, nothing written.
    assert!(
        book.grant(
            "g:over",
            CD,
            &Firm::new(chengdu_firm(1)),
            Decimal::from(5_000_000)
        )
        .is_err()
    );
    book.redeem(
        "r:1",
        CD,
        &chengdu_firm(1),
        "cd-cloud",
        "C-1",
        Decimal::from(700),
    )
    .expect("redeem 1");
    // A contract is claimed once: refused.
    assert!(
        book.redeem(
            "r:1b",
            CD,
            &chengdu_firm(2),
            "cd-cloud",
            "C-1",
            Decimal::from(10)
        )
        .is_err()
    );
    book.hold_fen(
        "h:2",
        CD,
        &chengdu_firm(2),
        "cd-cloud",
        "JOB-2",
        50_000,
        3600,
    )
    .expect("hold 2");
    ok("settle", book.settle("s:2", "JOB-2"));
    book.hold_fen(
        "h:3",
        CD,
        &chengdu_firm(1),
        "other-cloud",
        "JOB-3",
        10_000,
        0,
    )
    .expect("hold 3");
    ok("release", book.release("rl:3", "JOB-3"));
    book.group(|b| -> Result<(), LedgerError> {
        b.grant(
            "g:grp:4",
            CD,
            &Firm::new(chengdu_firm(4)),
            Decimal::from(400),
        )?;
        b.redeem(
            "r:grp:4",
            CD,
            &chengdu_firm(4),
            "cd-cloud",
            "C-4",
            Decimal::from(300),
        )?;
        Ok(())
    })
    .expect("a committed group");
    let rolled_back = book.group(|b| -> Result<(), LedgerError> {
        b.grant(
            "g:grp:5",
            CD,
            &Firm::new(chengdu_firm(5)),
            Decimal::from(400),
        )?;
        b.grant(
            "g:grp:bad",
            CD,
            &Firm::new(chengdu_firm(5)),
            Decimal::from(-1),
        )?;
        Ok(())
    });
    assert!(
        rolled_back.is_err(),
        "a group with a refused request rolls back"
    );
    let sd = Firm::new(shandong_firm(1));
    book.grant("g:sd", SD, &sd, Decimal::from(20_000))
        .expect("Shandong grant");
    book.rate("rate:sd", SD, &sd.id, 2025, Rating::Failing)
        .expect("a failing rating");
    book.grant(
        "g:race:1",
        RACE_PROGRAM,
        &Firm::new(chengdu_firm(1)),
        Decimal::from(600),
    )
    .expect("race grant 1");
    // ¥400 left in the race budget: refused.
    assert!(
        book.grant(
            "g:race:2",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(2)),
            Decimal::from(500)
        )
        .is_err()
    );
}

/// The same requests on the journal under test and on a memory book give the same journal
/// (entry by entry, hashes included), balances, reports and exports; after reopening too, and
/// after expiry on a later date; repeats return the first replies and other content under a
/// used id is a conflict, also after reopening; `verify` passes.
pub fn book_matches_memory_reference<F: JournalFactory>(f: &mut F) {
    let mut reference = book_on(MemoryJournal::new(), day(3, 1));
    script(&mut reference);
    let j = f.create();
    let mut book = book_on(j, day(3, 1));
    script(&mut book);
    assert_same("after the script", &observe(&book), &observe(&reference));

    let mut reopened = book_on(f.reopen(book.journal()), day(3, 1));
    assert_same("reopened", &observe(&reopened), &observe(&reference));
    reopened.verify().expect("verify after reopening");
    let first = reference
        .grant("g:1", CD, &Firm::new(chengdu_firm(1)), Decimal::from(1000))
        .expect("repeat");
    let again = reopened
        .grant("g:1", CD, &Firm::new(chengdu_firm(1)), Decimal::from(1000))
        .expect("repeat after reopening");
    assert_eq!(again, first, "a repeat returns the first reply");
    let conflict = reopened
        .grant("g:1", CD, &Firm::new(chengdu_firm(1)), Decimal::from(999))
        .expect_err("other content under a used id");
    assert!(
        matches!(conflict, LedgerError::RequestConflict { .. }),
        "{conflict}"
    );

    fn expire_all<J: Journal>(b: &mut VoucherBook<J>) {
        b.set_clock(Box::new(ManualClock::at_date(
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
        )));
        b.expire(
            "x:1",
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        )
        .expect("expiry");
    }
    expire_all(&mut reference);
    expire_all(&mut reopened);
    assert_same("after expiry", &observe(&reopened), &observe(&reference));
    let report = reopened.verify().expect("verify");
    assert_eq!(report.requests, reference.request_count() as u64);
}

/// A failed request and a failed group leave the journal as it was, on the journal under
/// test as in memory.
pub fn failures_write_nothing<F: JournalFactory>(f: &mut F) {
    let mut book = book_on(f.create(), day(3, 1));
    book.add_program_toml("program:race", RACE_PROGRAM_TOML, "race.toml")
        .expect("adding the race program");
    let before = observe(&book);
    assert!(
        book.grant(
            "g:bad",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(1)),
            Decimal::from(601)
        )
        .is_err(),
        "over the cap"
    );
    let failed = book.group(|b| -> Result<(), LedgerError> {
        b.grant(
            "g:a",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(1)),
            Decimal::from(100),
        )?;
        Err(LedgerError::NothingToDo {
            what: "the caller gives up".into(),
        })
    });
    assert!(failed.is_err());
    assert_same("after the failures", &observe(&book), &before);
    let reopened = book_on(f.reopen(book.journal()), day(3, 1));
    assert_same("reopened after the failures", &observe(&reopened), &before);
    // The ids are free: the same requests run now.
    book.grant(
        "g:a",
        RACE_PROGRAM,
        &Firm::new(chengdu_firm(1)),
        Decimal::from(100),
    )
    .expect("the id of a rolled-back group is free");
}

/// Two writers on one journal (skipped when the factory has no write sessions): each catches
/// up with the other before it writes, so the budget holds across them, a request id the other
/// used returns its reply (same content) or is a conflict (other content), a group of one
/// writer is planned against the other's last write, and the journal stays one chain.
pub fn two_writers_see_each_other<F: JournalFactory>(f: &mut F) {
    if !f.several_writers() {
        return;
    }
    let mut a = book_on(f.create(), day(3, 1));
    let mut b = book_on(f.reopen(a.journal()), day(3, 1));
    a.add_program_toml("program:race", RACE_PROGRAM_TOML, "race.toml")
        .expect("adding the race program");
    // b has not seen the program yet; it catches up before planning.
    let g1 = b
        .grant(
            "g:1",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(1)),
            Decimal::from(600),
        )
        .expect("b grants after catching up with a's program");
    // a does not know of b's grant: it catches up, and the budget (¥1,000) refuses ¥500 more.
    let over = a
        .grant(
            "g:2",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(2)),
            Decimal::from(500),
        )
        .expect_err("the budget holds across writers");
    assert!(over.is_refusal(), "{over}");
    // The same id and content from the other writer: the first reply.
    let again = a
        .grant(
            "g:1",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(1)),
            Decimal::from(600),
        )
        .expect("a repeat of b's request");
    assert_eq!(again, g1);
    let conflict = a
        .grant(
            "g:1",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(2)),
            Decimal::from(1),
        )
        .expect_err("other content under b's id");
    assert!(
        matches!(conflict, LedgerError::RequestConflict { .. }),
        "{conflict}"
    );
    // A group on a, then a redemption on b of what the group granted.
    a.group(|a| -> Result<(), LedgerError> {
        a.grant(
            "g:3",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(3)),
            Decimal::from(200),
        )?;
        a.grant(
            "g:4",
            RACE_PROGRAM,
            &Firm::new(chengdu_firm(4)),
            Decimal::from(200),
        )?;
        Ok(())
    })
    .expect("a group");
    let r = b
        .redeem(
            "r:3",
            RACE_PROGRAM,
            &chengdu_firm(3),
            "p",
            "C-3",
            Decimal::from(100),
        )
        .expect("b redeems a's grant");
    assert_eq!(r.subsidy_fen, 5_000);
    assert_eq!(b.refresh().expect("refresh"), 0, "b is up to date");
    assert!(a.refresh().expect("refresh") >= 1, "a reads b's redemption");
    assert_same("the two writers", &observe(&a), &observe(&b));
    a.verify().expect("verify");
    let fresh = book_on(f.reopen(a.journal()), day(3, 1));
    assert_same("a third reader", &observe(&fresh), &observe(&a));
}

/// Writers on threads (skipped without write sessions): each grants and redeems on shared
/// firms under a small budget, in single requests and in groups; afterwards the journal is
/// one chain that verifies, every acknowledged request is in it and nothing else, the budget
/// and caps held, and the balances equal the sum of the acknowledged replies.
pub fn writers_on_threads_keep_one_chain<F: JournalFactory>(f: &mut F) {
    const WRITERS: u32 = 4;
    const ROUNDS: u32 = 12;
    if !f.several_writers() {
        return;
    }
    let mut setup = book_on(f.create(), day(3, 1));
    setup
        .add_program_toml("program:race", RACE_PROGRAM_TOML, "race.toml")
        .expect("adding the race program");
    let journals: Vec<F::Journal> = (0..WRITERS).map(|_| f.reopen(setup.journal())).collect();
    let acknowledged: Vec<Vec<(String, Reply)>> = std::thread::scope(|s| {
        let handles: Vec<_> = journals
            .into_iter()
            .enumerate()
            .map(|(w, j)| {
                s.spawn(move || {
                    let mut book = book_on(j, day(3, 1));
                    let mut acks = Vec::new();
                    for round in 0..ROUNDS {
                        let firm = chengdu_firm(1 + (round + w as u32) % 5);
                        let id = format!("w{w}:g{round}");
                        if let Ok(g) =
                            book.grant(&id, RACE_PROGRAM, &Firm::new(firm), Decimal::from(70))
                        {
                            acks.push((id, Reply::Granted(g)));
                        }
                        let rid = format!("w{w}:r{round}");
                        let contract = format!("C-{w}-{round}");
                        let redeemed = book.group(|b| {
                            b.redeem_fen(&rid, RACE_PROGRAM, &firm, "p", &contract, 9_000)
                        });
                        if let Ok(r) = redeemed {
                            acks.push((rid, Reply::Redeemed(r)));
                        }
                    }
                    acks
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a writer thread panicked"))
            .collect()
    });
    let book = book_on(f.reopen(setup.journal()), day(3, 1));
    book.verify().expect("verify after the writers");
    let acks: Vec<(String, Reply)> = acknowledged.into_iter().flatten().collect();
    // Every acknowledged request is in the journal with its reply, and nothing else is.
    assert_eq!(
        book.request_count(),
        acks.len() + 1,
        "requests in the journal"
    );
    let mut granted = 0u64;
    let mut subsidies = 0u64;
    for (id, reply) in &acks {
        match reply {
            Reply::Granted(g) => granted += g.amount_fen,
            Reply::Redeemed(r) => subsidies += r.subsidy_fen,
            _ => {}
        }
        let again = match reply {
            Reply::Granted(g) => {
                let mut repeat = book_on(f.reopen(book.journal()), day(3, 1));
                Reply::Granted(
                    repeat
                        .grant(id, RACE_PROGRAM, &Firm::new(g.firm), Decimal::from(70))
                        .expect("a repeat"),
                )
            }
            other => other.clone(),
        };
        assert_eq!(&again, reply, "request {id}");
    }
    assert!(granted <= 100_000, "the budget held: {granted} fen granted");
    let report = book.report(RACE_PROGRAM).expect("report");
    let year = report.years.first().expect("a year");
    assert_eq!(year.granted_fen, granted, "granted = Σ acknowledged grants");
    assert_eq!(
        year.redeemed_fen, subsidies,
        "redeemed = Σ acknowledged subsidies"
    );
    for n in 1..=5 {
        let fy = book.firm_year(RACE_PROGRAM, 2025, &chengdu_firm(n));
        assert!(
            fy.is_none_or(|fy| fy.granted_fen <= 60_000),
            "cap of firm {n}"
        );
    }
}

/// Writes one `#[test]` per conformance check. `$make` is an expression giving
/// `Option<impl JournalFactory>`: `None` skips the checks (a backend not available here).
#[macro_export]
macro_rules! journal_conformance {
    ($make:expr) => {
        #[test]
        fn conformance_journal_appends_and_reads_back() {
            if let Some(mut f) = $make {
                $crate::conformance::journal_appends_and_reads_back(&mut f);
            }
        }
        #[test]
        fn conformance_book_matches_memory_reference() {
            if let Some(mut f) = $make {
                $crate::conformance::book_matches_memory_reference(&mut f);
            }
        }
        #[test]
        fn conformance_failures_write_nothing() {
            if let Some(mut f) = $make {
                $crate::conformance::failures_write_nothing(&mut f);
            }
        }
        #[test]
        fn conformance_two_writers_see_each_other() {
            if let Some(mut f) = $make {
                $crate::conformance::two_writers_see_each_other(&mut f);
            }
        }
        #[test]
        fn conformance_writers_on_threads_keep_one_chain() {
            if let Some(mut f) = $make {
                $crate::conformance::writers_on_threads_keep_one_chain(&mut f);
            }
        }
    };
}
