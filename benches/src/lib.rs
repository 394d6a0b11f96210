//! Shared fixtures for the shuchuang criterion benches (one bench file per crate in
//! `benches/`). Fixtures are built in memory from seeds and shipped data, so a bench run
//! needs no files besides the workspace.

use index_engine::synth::{SynthOptions, synth_panel};
use index_engine::{Framework, Panel, PanelBuilder};

/// The CAICT 2025 framework and the national observations shipped in `data/caict-2025`.
pub fn caict_national() -> (Framework, Panel) {
    let fw = index_engine::caict2025::framework().expect("the shipped framework is valid");
    let panel = index_engine::caict2025::panel(&fw).expect("the shipped observations are valid");
    (fw, panel)
}

/// A synthetic panel of the CAICT framework, as `shuchuang index synth --units U --years Y
/// --seed S` writes it (5 % of values removed, never in the first year).
pub fn synthetic_panel(units: usize, years: usize, seed: u64) -> (Framework, Panel) {
    let fw = index_engine::synth::framework().expect("the shipped framework is valid");
    let opts = SynthOptions {
        units,
        years,
        seed,
        ..SynthOptions::default()
    };
    let panel = synth_panel(&fw, &opts).expect("synthetic panel");
    (fw, panel)
}

/// The observations CSV of [`synthetic_panel`], exactly as `shuchuang index synth` writes it.
pub fn synthetic_csv(units: usize, years: usize, seed: u64) -> Vec<u8> {
    let (_, panel) = synthetic_panel(units, years, seed);
    let mut out = Vec::new();
    panel
        .write_csv(&mut out, "synthetic")
        .expect("writing to memory");
    out
}

/// The records of `csv` parsed into a builder, ready for [`PanelBuilder::finish`] (the dense
/// layout, which `shuchuang index compute --timings` counts in `compute_ms`).
pub fn parsed_builder<'f>(fw: &'f Framework, csv: &[u8]) -> PanelBuilder<'f> {
    let mut b = PanelBuilder::new(fw, "synthetic observations");
    b.read_csv(csv).expect("synthetic observations parse");
    b
}

/// The voucher ledger's transfer fixtures: 1,000 limited accounts funded from one source, and
/// seeded batches of transfers between them (`--bench voucher_ledger` and `--bench
/// store_postgres` time the same batches on every journal).
pub mod ledger {
    use std::time::{Duration, Instant};

    use voucher_ledger::{AccountFlags, Journal, Ledger, NewAccount, Transfer, VoucherBook};

    /// The accounts transfers move between.
    pub const ACCOUNTS: u64 = 1_000;
    /// The unlimited account that funds them.
    pub const SOURCE: u64 = ACCOUNTS + 1;
    /// What each account is funded with: ¥10 billion.
    pub const FUNDING_FEN: u64 = 1_000_000_000_000;

    /// 1,000 accounts whose debits must not exceed their credits (so every transfer checks
    /// the limit), plus an unlimited source that funds each with ¥10 billion: far more than
    /// the ≤ 2,000,000 transfers of ≤ 10,000 fen a ledger sees before it is rebuilt can drain.
    pub fn accounts() -> Vec<NewAccount> {
        (1..=SOURCE)
            .map(|id| NewAccount {
                id,
                ledger: 1,
                code: 1,
                flags: if id == SOURCE {
                    AccountFlags::NONE
                } else {
                    AccountFlags::DEBITS_LIMITED
                },
                name: format!("account-{id}"),
            })
            .collect()
    }

    /// One transfer from the source to each account.
    pub fn funding() -> Vec<Transfer> {
        (1..=ACCOUNTS)
            .map(|id| Transfer::new(u64::MAX - id, SOURCE, id, FUNDING_FEN, 1, 1))
            .collect()
    }

    /// An in-memory core ledger with the accounts, funded.
    pub fn fresh_ledger() -> Ledger {
        let mut l = Ledger::new();
        for a in accounts() {
            l.create_account(1, &a).expect("account");
        }
        l.apply_all(1, &funding()).expect("funding");
        l
    }

    /// Batch `n` of `size` transfers between the limited accounts.
    pub fn batch(n: u64, size: u64) -> Vec<Transfer> {
        (0..size)
            .map(|k| {
                let i = n * size + k;
                let dr = 1 + (i * 7919) % ACCOUNTS;
                let mut cr = 1 + (i * 104_729 + 13) % ACCOUNTS;
                if cr == dr {
                    cr = 1 + dr % ACCOUNTS;
                }
                Transfer::new(i + 1, dr, cr, 1 + i % 10_000, 1, 1)
            })
            .collect()
    }

    /// Creates the accounts in `book` and funds them (two requests).
    pub fn fund<J: Journal>(book: &mut VoucherBook<J>) {
        book.create_accounts("accounts", accounts())
            .expect("accounts");
        book.create_transfers("funding", funding())
            .expect("funding");
    }

    /// A book on a new SQLite journal in `dir` (WAL, `synchronous=FULL`), its clock at second
    /// 1, with the accounts funded.
    pub fn funded_sqlite_book(dir: &std::path::Path) -> VoucherBook {
        let mut book = VoucherBook::open(dir.join("ledger.sqlite")).expect("open");
        book.set_clock(Box::new(voucher_ledger::ManualClock::new(1)));
        fund(&mut book);
        book
    }

    /// Commits `iters` batches of `size` transfers to `book`, each one request (one journal
    /// transaction), from batch `*next` on; returns the time spent committing them (the
    /// batches are built outside it).
    pub fn timed_batches<J: Journal>(
        book: &mut VoucherBook<J>,
        next: &mut u64,
        iters: u64,
        size: u64,
    ) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let t = batch(*next, size);
            let id = format!("batch-{next}");
            *next += 1;
            let start = Instant::now();
            book.create_transfers(&id, t).expect("batch commits");
            total += start.elapsed();
        }
        total
    }
}

/// The registry import fixture: 100,000 firms with their 2023–2025 reports, seed 7
/// (`--bench registry` and `--bench store_postgres` import the same cohort).
pub fn import_cohort() -> (
    Vec<registry_model::Enterprise>,
    Vec<registry_model::AnnualReport>,
) {
    registry_model::cohort::generate_cohort(&registry_model::cohort::CohortSpec {
        count: 100_000,
        first_year: 2023,
        last_year: 2025,
        seed: 7,
    })
    .expect("cohort")
}
