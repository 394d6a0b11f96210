//! voucher-ledger benches.
//!
//! - `core/create_transfers_8000`: the in-memory double-entry core, batches of 8,000 plain
//!   transfers between 1,000 accounts that all carry the debits-must-not-exceed-credits
//!   limit, TigerBeetle-style per-transfer results. Goal: ≥ 1,000,000 transfers/s on one core.
//! - `core/apply_all_8000`: the same batches applied all-or-nothing (with the undo log).
//! - `journal/sqlite_create_transfers_1000`: the durable book on SQLite (WAL,
//!   synchronous=FULL), batches of 1,000 transfers, each batch one request = one transaction
//!   with its hash-chained entries. Goal: ≥ 100,000 transfers/s.
//! - `journal/memory_create_transfers_1000`: the same through the in-memory journal (the cost
//!   of planning, JSON records and the hash chain without the disk).
//! - `book/grant_and_redeem`: one grant and one redemption request on the in-memory book.
//! - `group/sqlite_grant_redeem_grouped_1000`: the durable book on SQLite (WAL,
//!   synchronous=FULL), grant + redemption pairs (new firm, new contract each), 1,000
//!   requests per `VoucherBook::group`: one journal transaction (one fsync) per group.
//! - `group/memory_grant_redeem_grouped_1000`: the same groups on the in-memory book (what
//!   the group costs in CPU without the disk; compare with `book/grant_and_redeem`).
//! - `group/sqlite_grant_redeem_one_by_one_100`: the same pairs, each request its own
//!   transaction (one fsync per request), as the cycle did before groups; 100 requests per
//!   iteration so a sample takes seconds, not minutes. Both report requests per second.
//!
//! Transfer ids keep increasing across iterations, so every measured transfer is a new one;
//! the ledger is rebuilt (outside the timed section) when it grows large.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use registry_model::EnterpriseId;
use rust_decimal::Decimal;
use shuchuang_benches::ledger::{batch, fresh_ledger, fund, funded_sqlite_book, timed_batches};
use voucher_ledger::{Firm, ManualClock, VoucherBook, defaults};

const CORE_BATCH: u64 = 8_000;
const JOURNAL_BATCH: u64 = 1_000;
const LEDGER_TRANSFERS_MAX: usize = 2_000_000;

fn core(c: &mut Criterion) {
    let mut g = c.benchmark_group("core");
    g.throughput(Throughput::Elements(CORE_BATCH));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(6));
    for atomic in [false, true] {
        let name = if atomic {
            "apply_all_8000"
        } else {
            "create_transfers_8000"
        };
        g.bench_function(name, |b| {
            let mut ledger = fresh_ledger();
            let mut n = 0u64;
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    if ledger.transfers().len() >= LEDGER_TRANSFERS_MAX {
                        ledger = fresh_ledger();
                        n = 0;
                    }
                    let t = batch(n, CORE_BATCH);
                    n += 1;
                    let start = Instant::now();
                    if atomic {
                        ledger.apply_all(2, &t).expect("batch applies");
                    } else {
                        let failures = ledger.create_transfers(2, &t);
                        assert!(failures.is_empty(), "{:?}", failures.first());
                    }
                    total += start.elapsed();
                }
                total
            });
        });
    }
    g.finish();
}

fn journal(c: &mut Criterion) {
    let mut g = c.benchmark_group("journal");
    g.throughput(Throughput::Elements(JOURNAL_BATCH));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("sqlite_create_transfers_1000", |b| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut book = funded_sqlite_book(dir.path());
        let mut n = 0u64;
        b.iter_custom(|iters| timed_batches(&mut book, &mut n, iters, JOURNAL_BATCH));
    });
    g.bench_function("memory_create_transfers_1000", |b| {
        let mut book = VoucherBook::in_memory(Box::new(ManualClock::new(1)));
        fund(&mut book);
        let mut n = 0u64;
        b.iter_custom(|iters| timed_batches(&mut book, &mut n, iters, JOURNAL_BATCH));
    });
    g.finish();
}

fn book(c: &mut Criterion) {
    let mut g = c.benchmark_group("book");
    g.throughput(Throughput::Elements(2));
    g.sample_size(20);
    g.bench_function("grant_and_redeem", |b| {
        let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2024, 3, 1).expect("date"));
        let mut book = VoucherBook::in_memory(Box::new(clock));
        for p in defaults::programs().expect("defaults") {
            let id = format!("program:{}", p.id);
            book.add_program(&id, p).expect("program");
        }
        let mut n = 0u64;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A new firm each time (the cap is per firm), all in Hangzhou; the budget of
                // ¥250M allows 2,500,000 grants of ¥100.
                let firm = EnterpriseId::from_first17(&format!("91330106{:09}", n % 250_000))
                    .expect("uscc");
                let start = Instant::now();
                book.grant(
                    &format!("g{n}"),
                    "hangzhou-compute-2024",
                    &Firm::new(firm),
                    Decimal::from(100),
                )
                .expect("grant");
                book.redeem(
                    &format!("r{n}"),
                    "hangzhou-compute-2024",
                    &firm,
                    "cloud",
                    &format!("C{n}"),
                    Decimal::from(200),
                )
                .expect("redeem");
                total += start.elapsed();
                n += 1;
            }
            total
        });
    });
    g.finish();
}

/// A durable book with the shipped programs, on a ledger date inside Hangzhou's 2024 round.
fn sqlite_book(dir: &std::path::Path) -> VoucherBook {
    let mut book = VoucherBook::open(dir.join("ledger.sqlite")).expect("open");
    let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2024, 3, 1).expect("date"));
    book.set_clock(Box::new(clock));
    for p in defaults::programs().expect("defaults") {
        let id = format!("program:{}", p.id);
        book.add_program(&id, p).expect("program");
    }
    book
}

/// Grant ¥100 to a new firm and redeem a ¥200 contract with it (two requests).
fn grant_redeem_pair<J: voucher_ledger::Journal>(
    book: &mut VoucherBook<J>,
    n: u64,
) -> Result<(), voucher_ledger::LedgerError> {
    // A new firm each time (n cycles through 250,000 USCCs; the ¥8M cap per firm allows
    // 80,000 grants of ¥100 each), all in Hangzhou; the ¥250M budget allows 2,500,000.
    let firm = EnterpriseId::from_first17(&format!("91330106{:09}", n % 250_000)).expect("uscc");
    book.grant(
        &format!("g{n}"),
        "hangzhou-compute-2024",
        &Firm::new(firm),
        Decimal::from(100),
    )?;
    book.redeem(
        &format!("r{n}"),
        "hangzhou-compute-2024",
        &firm,
        "cloud",
        &format!("C{n}"),
        Decimal::from(200),
    )?;
    Ok(())
}

const GROUP_REQUESTS: u64 = 1_000;
const ONE_BY_ONE_REQUESTS: u64 = 100;

fn group(c: &mut Criterion) {
    let mut g = c.benchmark_group("group");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(GROUP_REQUESTS));
    g.bench_function("sqlite_grant_redeem_grouped_1000", |b| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut book = sqlite_book(dir.path());
        let mut n = 0u64;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let first = n;
                n += GROUP_REQUESTS / 2;
                let start = Instant::now();
                book.group(|book| {
                    for k in first..first + GROUP_REQUESTS / 2 {
                        grant_redeem_pair(book, k)?;
                    }
                    Ok::<_, voucher_ledger::LedgerError>(())
                })
                .expect("group commits");
                total += start.elapsed();
            }
            total
        });
    });
    g.bench_function("memory_grant_redeem_grouped_1000", |b| {
        let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2024, 3, 1).expect("date"));
        let mut book = VoucherBook::in_memory(Box::new(clock));
        for p in defaults::programs().expect("defaults") {
            let id = format!("program:{}", p.id);
            book.add_program(&id, p).expect("program");
        }
        let mut n = 0u64;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let first = n;
                n += GROUP_REQUESTS / 2;
                let start = Instant::now();
                book.group(|book| {
                    for k in first..first + GROUP_REQUESTS / 2 {
                        grant_redeem_pair(book, k)?;
                    }
                    Ok::<_, voucher_ledger::LedgerError>(())
                })
                .expect("group commits");
                total += start.elapsed();
            }
            total
        });
    });
    g.throughput(Throughput::Elements(ONE_BY_ONE_REQUESTS));
    g.bench_function("sqlite_grant_redeem_one_by_one_100", |b| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut book = sqlite_book(dir.path());
        let mut n = 0u64;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let first = n;
                n += ONE_BY_ONE_REQUESTS / 2;
                let start = Instant::now();
                for k in first..first + ONE_BY_ONE_REQUESTS / 2 {
                    grant_redeem_pair(&mut book, k).expect("pair commits");
                }
                total += start.elapsed();
            }
            total
        });
    });
    g.finish();
}

criterion_group!(benches, core, journal, book, group);
criterion_main!(benches);
