//! Group commit (`VoucherBook::group`): a group that commits writes exactly what the same
//! requests write one by one; a group that fails (error, panic, journal failure, another
//! writer) leaves journal and book exactly as before; nested groups are savepoints; the size
//! limit refuses the request that would go over; `append_batches` is all or nothing.

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rust_decimal_macros::dec;
use voucher_ledger::book::{Reply, names};
use voucher_ledger::journal::{GROUP_REQUESTS_MAX, Head};
use voucher_ledger::{
    Firm, Journal, JournalEntry, LedgerError, ManualClock, MemoryJournal, Provider, SqliteJournal,
    VoucherBook, defaults,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A firm in Chengdu (chengdu-compute-2025's region).
fn cd(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91510104{n:09}")).unwrap()
}

/// A firm in Shenzhen (shenzhen-corpus-2024's region).
fn sz(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91440300{n:09}")).unwrap()
}

const CD: &str = "chengdu-compute-2025";
const SZ: &str = "shenzhen-corpus-2024";

fn with_defaults<J: Journal>(book: &mut VoucherBook<J>) {
    for p in defaults::programs().unwrap() {
        let id = format!("program:{}", p.id);
        book.add_program(&id, p).unwrap();
    }
}

fn memory_book(date: NaiveDate) -> (VoucherBook<MemoryJournal>, ManualClock) {
    let clock = ManualClock::at_date(date);
    let mut book = VoucherBook::in_memory(Box::new(clock.clone()));
    with_defaults(&mut book);
    (book, clock)
}

/// Everything observable about a book: journal (every entry with its hash) and head, every
/// balance, the recorded requests, the contracts, the program reports, the firm statements
/// and the transfers as CSV.
#[derive(Debug, PartialEq)]
struct Fingerprint {
    entries: Vec<JournalEntry>,
    head: Head,
    balances: Vec<voucher_ledger::AccountBalance>,
    requests: usize,
    contracts: Vec<voucher_ledger::Contract>,
    reports: Vec<voucher_ledger::ProgramReport>,
    statements: Vec<voucher_ledger::FirmStatement>,
    csv: String,
    last_timestamp_s: i64,
}

fn fingerprint<J: Journal>(book: &VoucherBook<J>) -> Fingerprint {
    Fingerprint {
        entries: book.journal().entries().unwrap(),
        head: book.journal().head().unwrap(),
        balances: book.balances(None),
        requests: book.request_count(),
        contracts: book.contracts().cloned().collect(),
        reports: [CD, SZ].iter().map(|p| book.report(p).unwrap()).collect(),
        statements: (1..=4)
            .map(|n| book.statement(&cd(n)))
            .chain((1..=2).map(|n| book.statement(&sz(n))))
            .collect(),
        csv: book.export_csv().unwrap(),
        last_timestamp_s: book.ledger().last_timestamp_s(),
    }
}

/// Asserts two fingerprints are equal, naming the first field (and entry) that differs.
#[track_caller]
fn assert_same(a: &Fingerprint, b: &Fingerprint) {
    let n = a.entries.len().max(b.entries.len());
    for i in 0..n {
        assert_eq!(
            a.entries.get(i),
            b.entries.get(i),
            "journal entry {}",
            i + 1
        );
    }
    assert_eq!(a.head, b.head, "head");
    assert_eq!(a.balances, b.balances, "balances");
    assert_eq!(a.requests, b.requests, "request count");
    assert_eq!(a.contracts, b.contracts, "contracts");
    assert_eq!(a.reports, b.reports, "reports");
    assert_eq!(a.statements, b.statements, "statements");
    assert_eq!(a.csv, b.csv, "csv");
    assert_eq!(a.last_timestamp_s, b.last_timestamp_s, "ledger time");
    assert!(a == b);
}

fn szdex_like(id: &str) -> Provider {
    Provider {
        id: id.into(),
        name: "a second exchange".into(),
        category: "data_exchange".into(),
        region: None,
    }
}

/// A year's work in requests of every kind: grants, a provider, a relation, redemptions, a
/// hold and its settlement, an idempotent repeat. Run through `f` so the caller decides
/// whether it runs in a group.
fn year_of_requests<J: Journal>(
    book: &mut VoucherBook<J>,
    clock: &ManualClock,
) -> Result<Vec<Reply>, LedgerError> {
    let mut replies = Vec::new();
    for n in 1..=4 {
        let g = book.grant(
            &format!("grant/2025/{CD}/{n}"),
            CD,
            &Firm::new(cd(n)),
            dec!(1000) * rust_decimal::Decimal::from(n),
        )?;
        replies.push(Reply::Granted(g));
    }
    replies.push(book.add_provider("prov/sz/x", SZ, szdex_like("sz-x"))?);
    replies.push(book.declare_related("rel/sz/1", sz(1), "sz-x")?);
    clock.advance_s(3_600);
    for n in 1..=3 {
        let r = book.redeem_fen(
            &format!("redeem/job-{n}"),
            CD,
            &cd(n),
            "cd-cloud",
            &format!("job-{n}"),
            50_000 * u64::from(n),
        )?;
        replies.push(Reply::Redeemed(r));
    }
    let h = book.hold_fen("hold/job-9", CD, &cd(4), "cd-cloud", "job-9", 70_000, 3_600)?;
    replies.push(Reply::Held(h));
    replies.push(book.settle("settle/job-9", "job-9")?);
    // A repeat inside the same run returns the first reply and writes nothing.
    let again = book.grant(
        &format!("grant/2025/{CD}/1"),
        CD,
        &Firm::new(cd(1)),
        dec!(1000),
    )?;
    replies.push(Reply::Granted(again));
    Ok(replies)
}

#[test]
fn committed_group_equals_one_by_one_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (one, grouped) = (
        dir.path().join("one.sqlite"),
        dir.path().join("group.sqlite"),
    );
    let start = day(2025, 3, 1);

    let clock1 = ManualClock::at_date(start);
    let mut book1 = VoucherBook::open(&one).unwrap();
    book1.set_clock(Box::new(clock1.clone()));
    with_defaults(&mut book1);
    let replies1 = year_of_requests(&mut book1, &clock1).unwrap();

    let clock2 = ManualClock::at_date(start);
    let mut book2 = VoucherBook::open(&grouped).unwrap();
    book2.set_clock(Box::new(clock2.clone()));
    with_defaults(&mut book2);
    let head_before = book2.journal().head().unwrap();
    let replies2 = book2
        .group(|b| {
            assert_eq!(b.group_depth(), 1);
            let r = year_of_requests(b, &clock2)?;
            // Nothing is in the journal before the commit, though the book sees it all.
            assert_eq!(b.journal().head().unwrap(), head_before);
            assert_eq!(b.group_pending_requests(), 11);
            assert_eq!(b.voucher_balance_fen(CD, &cd(4)), 400_000 - 42_000);
            Ok::<_, LedgerError>(r)
        })
        .unwrap();
    assert_eq!(book2.group_depth(), 0);
    assert_eq!(replies1, replies2);
    // Same journal, entry for entry (seq, batch, body, hash), and the same state.
    let f1 = fingerprint(&book1);
    assert_same(&f1, &fingerprint(&book2));
    assert_eq!(
        f1.head.batch - head_before.batch,
        11,
        "one batch per request"
    );
    drop((book1, book2));

    // Reopening replays the grouped journal to the same state; verify passes.
    let mut reopened = VoucherBook::open(&grouped).unwrap();
    reopened.set_clock(Box::new(clock2.clone())); // balances are read as of the ledger date
    assert_same(&fingerprint(&reopened), &f1);
    let report = reopened.verify().unwrap();
    assert_eq!(report.chain.entries, f1.head.seq);
    // After the reopen, every request of the group is remembered: repeats return the first
    // replies, the same id with other content is a conflict naming its entry.
    clock2.set_date(day(2025, 6, 1));
    let r = reopened
        .redeem_fen("redeem/job-2", CD, &cd(2), "cd-cloud", "job-2", 100_000)
        .unwrap();
    assert_eq!(Reply::Redeemed(r), replies1[7]);
    let e = reopened
        .redeem_fen("redeem/job-2", CD, &cd(2), "cd-cloud", "job-2", 100_001)
        .unwrap_err();
    assert!(matches!(e, LedgerError::RequestConflict { .. }), "{e}");
    assert_eq!(reopened.journal().head().unwrap(), f1.head);
}

#[test]
fn failed_group_leaves_everything_as_before_and_ids_can_be_reused() {
    let (mut book, clock) = memory_book(day(2025, 3, 1));
    // Some history before the group, so the rollback has state to return to.
    book.grant("before/1", CD, &Firm::new(cd(1)), dec!(500))
        .unwrap();
    book.redeem_fen("before/r", CD, &cd(1), "cd-cloud", "job-0", 10_000)
        .unwrap();
    let before = fingerprint(&book);
    let fy_before = book.firm_year(CD, 2025, &cd(1)).cloned();

    let e = book
        .group(|b| {
            let replies = year_of_requests(b, &clock)?;
            assert_eq!(replies.len(), 12);
            // Refused by the program rules: the group fails.
            b.grant("too-much", CD, &Firm::new(cd(1)), dec!(100000000))?;
            Ok::<_, LedgerError>(())
        })
        .unwrap_err();
    assert!(matches!(e, LedgerError::CapExceeded { .. }), "{e}");
    assert_same(&fingerprint(&book), &before);
    assert_eq!(book.firm_year(CD, 2025, &cd(1)).cloned(), fy_before);
    assert!(book.firm_year(CD, 2025, &cd(2)).is_none());
    assert!(book.contract("job-1").is_none());
    // The provider added in the group is gone (szdex is the only approved provider), and so
    // is the relation.
    let q = book.quote_redeem_fen(SZ, &sz(1), "sz-x", "q", 10_000);
    assert!(q.is_err(), "{q:?}");
    book.verify().unwrap();
    book.check_invariants().unwrap();

    // The same ids run again, one by one, and give what a book that never saw the failed
    // group gives (same clock readings: the failed group's time moved the clock only).
    let rerun_at_s = clock.now_s_for_test();
    let replies = year_of_requests(&mut book, &clock).unwrap();
    let (mut fresh, fresh_clock) = memory_book(day(2025, 3, 1));
    fresh
        .grant("before/1", CD, &Firm::new(cd(1)), dec!(500))
        .unwrap();
    fresh
        .redeem_fen("before/r", CD, &cd(1), "cd-cloud", "job-0", 10_000)
        .unwrap();
    fresh_clock.set_s(rerun_at_s);
    let fresh_replies = year_of_requests(&mut fresh, &fresh_clock).unwrap();
    assert_eq!(replies, fresh_replies);
    assert_same(&fingerprint(&book), &fingerprint(&fresh));
    book.verify().unwrap();
}

/// Reads a manual clock (through the `Clock` trait).
trait NowForTest {
    fn now_s_for_test(&self) -> i64;
}
impl NowForTest for ManualClock {
    fn now_s_for_test(&self) -> i64 {
        voucher_ledger::Clock::now_s(self)
    }
}

#[test]
fn panic_inside_a_group_rolls_back_and_the_book_stays_usable() {
    let (mut book, clock) = memory_book(day(2025, 3, 1));
    book.grant("g0", CD, &Firm::new(cd(1)), dec!(500)).unwrap();
    let before = fingerprint(&book);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = book.group(|b| {
            year_of_requests(b, &clock)?;
            if b.request_count() > 0 {
                panic!("the caller's own bug, mid-group");
            }
            Ok::<_, LedgerError>(())
        });
    }));
    assert!(caught.is_err());
    assert_eq!(book.group_depth(), 0);
    assert_same(&fingerprint(&book), &before);
    // Usable afterwards, outside and inside groups; the undo log was not left recording.
    book.grant("g1", CD, &Firm::new(cd(2)), dec!(700)).unwrap();
    book.group(|b| b.grant("g2", CD, &Firm::new(cd(3)), dec!(300)).map(|_| ()))
        .unwrap();
    assert_eq!(book.voucher_balance_fen(CD, &cd(3)), 30_000);
    book.verify().unwrap();
    book.check_invariants().unwrap();
}

#[test]
fn nested_groups_are_savepoints() {
    let (mut book, _clock) = memory_book(day(2025, 3, 1));
    let before = fingerprint(&book);
    book.group(|b| {
        b.grant("a", CD, &Firm::new(cd(1)), dec!(100))?;
        // An inner group that fails is undone alone; the outer one goes on.
        let inner = b.group(|b| {
            assert_eq!(b.group_depth(), 2);
            b.grant("b", CD, &Firm::new(cd(2)), dec!(200))?;
            b.grant("c", CD, &Firm::new(cd(3)), dec!(-1))?;
            Ok::<_, LedgerError>(())
        });
        assert!(inner.is_err());
        assert_eq!(b.group_depth(), 1);
        assert_eq!(b.voucher_balance_fen(CD, &cd(2)), 0);
        assert_eq!(b.group_pending_requests(), 1);
        // An inner group that succeeds joins the outer one (nothing written yet).
        b.group(|b| b.grant("d", CD, &Firm::new(cd(4)), dec!(400)).map(|_| ()))?;
        assert_eq!(b.journal().entries().unwrap(), before.entries);
        assert_eq!(b.group_pending_requests(), 2);
        Ok::<_, LedgerError>(())
    })
    .unwrap();
    assert_eq!(book.voucher_balance_fen(CD, &cd(1)), 10_000);
    assert_eq!(book.voucher_balance_fen(CD, &cd(2)), 0);
    assert_eq!(book.voucher_balance_fen(CD, &cd(4)), 40_000);
    assert_eq!(book.request_count(), before.requests + 2);
    // "b" was undone with its inner group: the id is free.
    book.grant("b", CD, &Firm::new(cd(2)), dec!(250)).unwrap();
    assert_eq!(book.voucher_balance_fen(CD, &cd(2)), 25_000);

    // An inner group that succeeded is undone with an outer group that fails.
    let mid = fingerprint(&book);
    let r: Result<(), LedgerError> = book.group(|b| {
        b.group(|b| b.grant("e", CD, &Firm::new(cd(1)), dec!(1)).map(|_| ()))?;
        Err(LedgerError::NothingToDo {
            what: "caller gave up".into(),
        })
    });
    assert!(r.is_err());
    assert_same(&fingerprint(&book), &mid);
    book.verify().unwrap();
}

#[test]
fn failed_journal_write_at_commit_rolls_the_group_back() {
    let (mut book, clock) = memory_book(day(2025, 3, 1));
    let before = fingerprint(&book);
    let e = book
        .group(|b| {
            year_of_requests(b, &clock)?;
            // The commit's one write will fail.
            b.journal_mut().fail_next_append = true;
            Ok::<_, LedgerError>(())
        })
        .unwrap_err();
    assert!(e.is_failure(), "{e}");
    assert_same(&fingerprint(&book), &before);
    // The ids are free again, and the book writes normally.
    year_of_requests(&mut book, &clock).unwrap();
    book.verify().unwrap();
}

#[test]
fn another_writer_during_a_group_fails_the_commit_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let clock = ManualClock::at_date(day(2025, 3, 1));
    let mut book = VoucherBook::open(&path).unwrap();
    book.set_clock(Box::new(clock.clone()));
    with_defaults(&mut book);
    let mut other = VoucherBook::open(&path).unwrap();
    other.set_clock(Box::new(clock.clone()));
    let before = fingerprint(&book);
    let e = book
        .group(|b| {
            b.grant("mine", CD, &Firm::new(cd(1)), dec!(100))?;
            let theirs = other.grant("theirs", CD, &Firm::new(cd(2)), dec!(200));
            assert!(theirs.is_ok(), "{theirs:?}");
            Ok::<_, LedgerError>(())
        })
        .unwrap_err();
    assert!(e.to_string().contains("another writer"), "{e}");
    let after = fingerprint(&book);
    assert_eq!(after.requests, before.requests);
    assert_eq!(after.balances, before.balances);
    assert_eq!(book.voucher_balance_fen(CD, &cd(1)), 0);
    drop((book, other));
    // The file holds the other writer's request and none of the group's.
    let mut reopened = VoucherBook::open(&path).unwrap();
    reopened.set_clock(Box::new(clock));
    assert_eq!(reopened.voucher_balance_fen(CD, &cd(2)), 20_000);
    assert_eq!(reopened.voucher_balance_fen(CD, &cd(1)), 0);
    reopened.verify().unwrap();
}

#[test]
fn group_size_limit_refuses_the_request_that_would_go_over() {
    let (mut book, _clock) = memory_book(day(2025, 3, 1));
    assert_eq!(book.group_requests_max(), GROUP_REQUESTS_MAX);
    book.set_group_requests_max(3);
    let count = book
        .group(|b| {
            for n in 1..=3 {
                b.grant(&format!("g{n}"), CD, &Firm::new(cd(n)), dec!(10))?;
            }
            // A repeat writes nothing, so it does not count.
            b.grant("g1", CD, &Firm::new(cd(1)), dec!(10))?;
            let e = b.grant("g4", CD, &Firm::new(cd(4)), dec!(10)).unwrap_err();
            match &e {
                LedgerError::GroupTooLarge {
                    request_id,
                    what,
                    len,
                    max,
                } => {
                    assert_eq!(
                        (request_id.as_str(), *what, *len, *max),
                        ("g4", "requests", 4, 3)
                    );
                }
                other => panic!("{other}"),
            }
            assert!(e.to_string().contains("'g4'"), "{e}");
            // The refused request changed nothing; the group goes on and commits.
            assert_eq!(b.voucher_balance_fen(CD, &cd(4)), 0);
            Ok::<_, LedgerError>(b.group_pending_requests())
        })
        .unwrap();
    assert_eq!(count, 3);
    assert_eq!(book.voucher_balance_fen(CD, &cd(3)), 1_000);
    // Outside a group there is no such limit, and the refused id is free.
    book.grant("g4", CD, &Firm::new(cd(4)), dec!(10)).unwrap();
    book.verify().unwrap();
}

#[test]
fn append_batches_is_all_or_nothing_on_sqlite_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteJournal::open(dir.path().join("j.sqlite")).unwrap();
    let mut memory = MemoryJournal::new();
    // Batch 1 (two entries), batch 2 (one entry), batch 3 with a broken hash.
    let e1 = JournalEntry::chained(&[0; 32], 1, 1, "{\"a\":1}".into());
    let e2 = JournalEntry::chained(&e1.hash, 2, 1, "{\"a\":2}".into());
    let e3 = JournalEntry::chained(&e2.hash, 3, 2, "{\"b\":1}".into());
    let mut e4 = JournalEntry::chained(&e3.hash, 4, 3, "{\"c\":1}".into());
    e4.hash[0] ^= 1;
    let first = [e1.clone(), e2.clone()];
    let good: [&[JournalEntry]; 2] = [&first, std::slice::from_ref(&e3)];
    let bad: [&[JournalEntry]; 3] = [good[0], good[1], std::slice::from_ref(&e4)];
    for j in [&mut sqlite as &mut dyn Journal, &mut memory] {
        let e = j.append_batches(&bad).unwrap_err();
        assert!(matches!(e, LedgerError::Tampered { seq: 4, .. }), "{e}");
        assert!(j.entries().unwrap().is_empty());
        assert_eq!(j.head().unwrap(), Head::default());
        j.append_batches(&good).unwrap();
        assert_eq!(
            j.entries().unwrap(),
            vec![e1.clone(), e2.clone(), e3.clone()]
        );
        assert_eq!(
            j.head().unwrap(),
            Head {
                seq: 3,
                batch: 2,
                hash: e3.hash
            }
        );
        // Too many batches at once is refused before anything is looked at.
        let empty: Vec<&[JournalEntry]> = vec![&[]; GROUP_REQUESTS_MAX + 1];
        let e = j.append_batches(&empty).unwrap_err();
        assert!(matches!(e, LedgerError::BatchTooLarge { .. }), "{e}");
        assert_eq!(j.entries().unwrap().len(), 3);
    }
}

#[test]
fn a_grouped_budget_account_is_funded_once() {
    // The first grant of a year funds the budget; inside a rolled-back group that funding
    // (and the accounts it opened) must disappear too, and happen again later.
    let (mut book, _clock) = memory_book(day(2025, 3, 1));
    let budget = voucher_ledger::book::account_id(&names::budget(CD, 2025));
    assert!(book.ledger().account(budget).is_none());
    let _ = book.group(|b| {
        b.grant("g", CD, &Firm::new(cd(1)), dec!(10))?;
        assert!(b.ledger().account(budget).is_some());
        Err::<(), _>(LedgerError::NothingToDo {
            what: "rollback".into(),
        })
    });
    assert!(book.ledger().account(budget).is_none());
    assert!(
        book.account_meta(budget).is_none(),
        "account metadata undone"
    );
    book.group(|b| b.grant("g", CD, &Firm::new(cd(1)), dec!(10)).map(|_| ()))
        .unwrap();
    assert!(book.ledger().account(budget).is_some());
    book.verify().unwrap();
}
