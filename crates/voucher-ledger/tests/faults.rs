//! Fault injection for the journal (issue 13): a `Journal` wrapper fails the N-th write, for
//! every N a workload makes, in two ways, over the in-memory and the SQLite journal:
//!
//! - **write error**: the write is refused before anything reaches the journal (an I/O error,
//!   a full disk);
//! - **fsync error**: the write reached the journal but the call reports failure (a failed
//!   flush after the data was written: the caller cannot know whether it is durable).
//!
//! Each run is checked against a reference model, a fault-free in-memory book given only the
//! requests that were acknowledged: after the fault, the journal reopened holds exactly the
//! acknowledged requests (write error) or those plus the one whose outcome was unknown (fsync
//! error), nothing half-written, and `verify` passes. The book that saw the fault refuses to
//! write on a journal it no longer matches rather than diverge, and a rerun of the whole
//! workload on the reopened journal ends byte for byte where a fault-free run ends.

use std::cell::Cell;
use std::rc::Rc;

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rust_decimal_macros::dec;
use voucher_ledger::journal::Head;
use voucher_ledger::{
    Firm, Journal, JournalEntry, LedgerError, ManualClock, MemoryJournal, Provider, SqliteJournal,
    VoucherBook, defaults,
};

type Book = VoucherBook<Box<dyn Journal>>;

fn boxed(j: impl Journal + 'static) -> Box<dyn Journal> {
    Box::new(j)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The N-th write fails and writes nothing.
    Write,
    /// The N-th write is stored, then reported failed.
    Fsync,
}

/// Fails the `fail_at`-th write (1-based; 0 never); counts writes in `writes`.
struct Faulty {
    inner: Box<dyn Journal>,
    writes: Rc<Cell<u64>>,
    fail_at: u64,
    fault: Fault,
}

impl Faulty {
    fn write(
        &mut self,
        f: impl FnOnce(&mut dyn Journal) -> voucher_ledger::Result<()>,
    ) -> voucher_ledger::Result<()> {
        let n = self.writes.get() + 1;
        self.writes.set(n);
        if n != self.fail_at {
            return f(&mut *self.inner);
        }
        if self.fault == Fault::Fsync {
            f(&mut *self.inner)?;
        }
        Err(LedgerError::Storage {
            journal: self.inner.describe(),
            message: format!("injected {:?} fault at write {n}", self.fault),
        })
    }
}

impl Journal for Faulty {
    fn append(&mut self, entries: &[JournalEntry]) -> voucher_ledger::Result<()> {
        self.write(|j| j.append(entries))
    }
    fn append_batches(&mut self, batches: &[&[JournalEntry]]) -> voucher_ledger::Result<()> {
        self.write(|j| j.append_batches(batches))
    }
    fn entries(&self) -> voucher_ledger::Result<Vec<JournalEntry>> {
        self.inner.entries()
    }
    fn head(&self) -> voucher_ledger::Result<Head> {
        self.inner.head()
    }
    fn read_all(&self) -> voucher_ledger::Result<(Vec<JournalEntry>, Head)> {
        self.inner.read_all()
    }
    fn describe(&self) -> String {
        format!("faulty {}", self.inner.describe())
    }
}

/// A shared in-memory journal, so that the test can reopen what a faulty book left.
#[derive(Clone, Default)]
struct Shared(Rc<std::cell::RefCell<MemoryJournal>>);

impl Journal for Shared {
    fn append(&mut self, entries: &[JournalEntry]) -> voucher_ledger::Result<()> {
        self.0.borrow_mut().append(entries)
    }
    fn append_batches(&mut self, batches: &[&[JournalEntry]]) -> voucher_ledger::Result<()> {
        self.0.borrow_mut().append_batches(batches)
    }
    fn entries(&self) -> voucher_ledger::Result<Vec<JournalEntry>> {
        self.0.borrow().entries()
    }
    fn head(&self) -> voucher_ledger::Result<Head> {
        self.0.borrow().head()
    }
    fn describe(&self) -> String {
        "shared memory".into()
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A firm in Chengdu (chengdu-compute-2025's region).
fn cd(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91510104{n:09}")).unwrap()
}

const CD: &str = "chengdu-compute-2025";
const SZ: &str = "shenzhen-corpus-2024";
const STEPS: usize = 16;

/// Step `k` of the workload: one request, or one group of requests. Each runs at its own
/// ledger time, so a rerun gives the same bytes.
fn step(book: &mut Book, clock: &ManualClock, k: usize) -> voucher_ledger::Result<()> {
    clock.set_s(
        day(2025, 3, 1)
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp()
            + 60 * k as i64,
    );
    let programs = defaults::programs()?;
    match k {
        0..=3 => {
            let p = programs[k % programs.len()].clone();
            book.add_program(&format!("program:{}", p.id), p)
                .map(|_| ())
        }
        4 => {
            // The rest of the shipped programs in one group.
            book.group(|b| {
                for p in programs.iter().skip(4) {
                    b.add_program(&format!("program:{}", p.id), p.clone())?;
                }
                Ok::<_, LedgerError>(())
            })
        }
        5..=8 => {
            let n = (k - 4) as u32;
            book.grant(
                &format!("grant/{n}"),
                CD,
                &Firm::new(cd(n)),
                dec!(1000) * rust_decimal::Decimal::from(n),
            )
            .map(|_| ())
        }
        9 => book
            .add_provider(
                "prov/sz-x",
                SZ,
                Provider {
                    id: "sz-x".into(),
                    name: "a second exchange".into(),
                    category: "data_exchange".into(),
                    region: None,
                },
            )
            .map(|_| ()),
        10..=12 => {
            let n = (k - 9) as u32;
            book.redeem_fen(
                &format!("redeem/{n}"),
                CD,
                &cd(n),
                "cd-cloud",
                &format!("job-{n}"),
                50_000 * u64::from(n),
            )
            .map(|_| ())
        }
        13 => book
            .hold_fen("hold/9", CD, &cd(4), "cd-cloud", "job-9", 70_000, 3_600)
            .map(|_| ()),
        14 => book.settle("settle/9", "job-9").map(|_| ()),
        _ => book.group(|b| {
            for n in 5..=7 {
                b.grant(&format!("grant/{n}"), CD, &Firm::new(cd(n)), dec!(500))?;
            }
            Ok::<_, LedgerError>(())
        }),
    }
}

/// Everything observable: the journal, every balance, the requests, the export.
fn fingerprint(
    book: &Book,
) -> (
    Vec<JournalEntry>,
    Vec<voucher_ledger::AccountBalance>,
    usize,
    String,
) {
    (
        book.journal().entries().unwrap(),
        book.balances(None),
        book.request_count(),
        book.export_csv().unwrap(),
    )
}

/// The reference model: a fault-free in-memory book given the steps in `steps`.
fn reference(steps: impl IntoIterator<Item = usize>) -> Book {
    let clock = ManualClock::at_date(day(2025, 3, 1));
    let mut book: Book =
        VoucherBook::with_journal(boxed(MemoryJournal::new()), Box::new(clock.clone())).unwrap();
    for k in steps {
        step(&mut book, &clock, k).unwrap();
    }
    book
}

/// A fresh journal of each kind, and how to reopen what was written to it.
enum Store {
    Memory(Shared),
    Sqlite(tempfile::TempDir),
}

impl Store {
    fn journal(&self) -> Box<dyn Journal> {
        match self {
            Store::Memory(s) => Box::new(s.clone()),
            Store::Sqlite(dir) => {
                Box::new(SqliteJournal::open(dir.path().join("ledger.sqlite")).unwrap())
            }
        }
    }
}

/// Runs the workload with write `fail_at` failing; returns the steps acknowledged and the
/// step that failed, after checking everything the module documentation promises.
fn run(store: &Store, fail_at: u64, fault: Fault) -> (Vec<usize>, Option<usize>) {
    let writes = Rc::new(Cell::new(0));
    let clock = ManualClock::at_date(day(2025, 3, 1));
    let journal = Faulty {
        inner: store.journal(),
        writes: writes.clone(),
        fail_at,
        fault,
    };
    let mut book: Book =
        VoucherBook::with_journal(boxed(journal), Box::new(clock.clone())).unwrap();
    let mut acked = Vec::new();
    let mut failed = None;
    for k in 0..STEPS {
        match step(&mut book, &clock, k) {
            Ok(()) => acked.push(k),
            Err(e) => {
                assert!(matches!(e, LedgerError::Storage { .. }), "step {k}: {e}");
                failed = Some(k);
                break;
            }
        }
    }
    let what = format!(
        "{fault:?} fault at write {fail_at} ({})",
        store.journal().describe()
    );
    if let Some(k) = failed {
        // The book that saw the fault: after a write error it is as the reference; after an
        // fsync error it refuses to go on over a journal it no longer matches.
        if fault == Fault::Write {
            assert!(
                fingerprint(&book).1 == reference(acked.clone()).balances(None),
                "{what}: balances"
            );
            book.verify().unwrap_or_else(|e| panic!("{what}: {e}"));
        } else {
            let before = store.journal().entries().unwrap().len();
            if let Some(next) = (k + 1..STEPS).next() {
                let r = step(&mut book, &clock, next);
                let after = store.journal().entries().unwrap().len();
                assert!(
                    r.is_err() && after == before,
                    "{what}: a book that lost track of its journal went on with step {next}"
                );
            }
        }
    }
    drop(book);
    // Reopened: exactly the acknowledged steps, plus the unknown one after an fsync error.
    let clock = ManualClock::at_date(day(2025, 3, 1));
    let mut reopened: Book = VoucherBook::with_journal(store.journal(), Box::new(clock.clone()))
        .unwrap_or_else(|e| panic!("{what}: reopen: {e}"));
    reopened
        .verify()
        .unwrap_or_else(|e| panic!("{what}: verify: {e}"));
    let mut expected = acked.clone();
    if fault == Fault::Fsync {
        expected.extend(failed);
    }
    let want = reference(expected);
    assert!(
        fingerprint(&reopened) == fingerprint(&want),
        "{what}: reopened journal differs from the model"
    );
    // A rerun of the whole workload completes it, as a fault-free run would.
    for k in 0..STEPS {
        step(&mut reopened, &clock, k).unwrap_or_else(|e| panic!("{what}: rerun step {k}: {e}"));
    }
    assert!(
        fingerprint(&reopened) == fingerprint(&reference(0..STEPS)),
        "{what}: rerun differs"
    );
    (acked, failed)
}

fn every_write_fails_once(make: impl Fn() -> Store) {
    // A fault-free run counts the writes.
    let store = make();
    let writes = Rc::new(Cell::new(0));
    let clock = ManualClock::at_date(day(2025, 3, 1));
    let j = Faulty {
        inner: store.journal(),
        writes: writes.clone(),
        fail_at: 0,
        fault: Fault::Write,
    };
    let mut book: Book = VoucherBook::with_journal(boxed(j), Box::new(clock.clone())).unwrap();
    for k in 0..STEPS {
        step(&mut book, &clock, k).unwrap();
    }
    let total = writes.get();
    assert!(
        total >= STEPS as u64 - 2,
        "{total} writes for {STEPS} steps"
    );
    for fault in [Fault::Write, Fault::Fsync] {
        for n in 1..=total {
            let (acked, failed) = run(&make(), n, fault);
            assert!(
                failed.is_some(),
                "{fault:?} at write {n} of {total} never failed"
            );
            assert_eq!(acked.len(), failed.unwrap());
        }
    }
}

#[test]
fn every_write_fails_once_in_memory() {
    every_write_fails_once(|| Store::Memory(Shared::default()));
}

#[test]
fn every_write_fails_once_on_sqlite() {
    every_write_fails_once(|| Store::Sqlite(tempfile::tempdir().unwrap()));
}
