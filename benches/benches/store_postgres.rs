//! store-postgres benches, each PostgreSQL case beside the same work on SQLite in the same
//! run:
//!
//! - `ledger/sqlite_create_transfers_1000` and `ledger/postgres_create_transfers_1000`: the
//!   durable voucher book, batches of 1,000 hash-chained transfers between 1,000 limited
//!   accounts, each batch one request = one journal transaction. SQLite in WAL with
//!   `synchronous=FULL`; PostgreSQL with the server's default durability
//!   (`synchronous_commit = on`, checked before the run), the batch appended in the book's
//!   write session (head row locked, entries since the book's head read, batch and head
//!   written, committed). Throughput in transfers per second.
//! - `import/sqlite_insert_100k_firms_3y` and `import/postgres_insert_100k_firms_3y`: 100,000
//!   firms and their 2023–2025 reports into a fresh, empty store, one transaction
//!   (`RegistryStore::insert`; PostgreSQL loads them with `COPY`).
//!
//! The PostgreSQL cases run against `SHUCHUANG_BENCH_DATABASE_URL`, else
//! `SHUCHUANG_TEST_DATABASE_URL` (a server URL without `schema`, as `bash .ci/postgres.sh`
//! prints), each in a schema of its own, dropped afterwards. Without either, one line says
//! they were skipped and the SQLite cases run alone.
//!
//! Run: `cargo bench -p shuchuang-benches --bench store_postgres`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use registry_model::{RegistryStore, SqliteStore};
use shuchuang_benches::ledger::{fund, funded_sqlite_book, timed_batches};
use store_postgres::{DatabaseUrl, PgJournal, PgRegistry};
use voucher_ledger::{ManualClock, VoucherBook};

const BATCH: u64 = 1_000;

/// The server the PostgreSQL cases use, or `None` after saying once that they are skipped.
fn server() -> Option<String> {
    for var in [
        "SHUCHUANG_BENCH_DATABASE_URL",
        "SHUCHUANG_TEST_DATABASE_URL",
    ] {
        if let Ok(url) = std::env::var(var)
            && !url.trim().is_empty()
        {
            return Some(url);
        }
    }
    static SKIPPED: std::sync::Once = std::sync::Once::new();
    SKIPPED.call_once(|| {
        eprintln!(
            "note: PostgreSQL benches skipped: set SHUCHUANG_BENCH_DATABASE_URL (or SHUCHUANG_TEST_DATABASE_URL, `bash .ci/postgres.sh` prints one)"
        );
    });
    None
}

/// A schema of its own on the server, dropped with everything in it when this is dropped.
struct Schema {
    server: String,
    url: DatabaseUrl,
}

impl Schema {
    fn fresh(server: &str, tag: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("bench_{tag}_{}_{n}", std::process::id());
        let url: DatabaseUrl = server.parse().expect("the bench database URL");
        Schema {
            server: server.to_string(),
            url: url.with_schema(&name).expect("schema name"),
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.url.schema()
            ));
        }
    }
}

/// The server's `synchronous_commit` (the figures are only those of the default, `on`).
fn synchronous_commit(server: &str) -> String {
    let mut c = postgres::Client::connect(server, postgres::NoTls).expect("the bench server");
    c.query_one("SHOW synchronous_commit", &[])
        .expect("SHOW synchronous_commit")
        .get(0)
}

fn ledger(c: &mut Criterion) {
    let mut g = c.benchmark_group("ledger");
    g.throughput(Throughput::Elements(BATCH));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("sqlite_create_transfers_1000", |b| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut book = funded_sqlite_book(dir.path());
        let mut n = 0u64;
        b.iter_custom(|iters| timed_batches(&mut book, &mut n, iters, BATCH));
    });
    if let Some(server) = server() {
        let sync = synchronous_commit(&server);
        assert_eq!(sync, "on", "the server's synchronous_commit is {sync}");
        let schema = Schema::fresh(&server, "ledger");
        g.bench_function("postgres_create_transfers_1000", |b| {
            let journal = PgJournal::open(&schema.url).expect("open the journal");
            let mut book =
                VoucherBook::with_journal(journal, Box::new(ManualClock::new(1))).expect("book");
            fund(&mut book);
            let mut n = 0u64;
            b.iter_custom(|iters| timed_batches(&mut book, &mut n, iters, BATCH));
        });
    }
    g.finish();
}

fn import(c: &mut Criterion) {
    let (firms, reports) = shuchuang_benches::import_cohort();
    eprintln!(
        "import fixture: {} firms, {} reports",
        firms.len(),
        reports.len()
    );
    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(30));
    g.bench_function("sqlite_insert_100k_firms_3y", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |dir| {
                let mut s = SqliteStore::open(dir.path().join("r.sqlite")).expect("open");
                black_box(s.insert(&firms, &reports).expect("insert"));
                dir
            },
            BatchSize::PerIteration,
        )
    });
    if let Some(server) = server() {
        g.bench_function("postgres_insert_100k_firms_3y", |b| {
            b.iter_batched(
                || {
                    // A fresh schema with the registry's tables, created outside the timing.
                    let schema = Schema::fresh(&server, "import");
                    let store = PgRegistry::open(&schema.url).expect("open the registry");
                    (schema, store)
                },
                |(schema, mut store)| {
                    black_box(store.insert(&firms, &reports).expect("insert"));
                    (schema, store)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, ledger, import);
criterion_main!(benches);
