//! registry-model benches:
//! - `registry/criteria_outcomes_1m_firm_years`: the outcome of every criterion for 1,000,000
//!   firm-years (250,000 firms × 2022–2025), in parallel: the fast path the adjustment and
//!   benefit matching use over whole cohorts;
//! - `registry/criteria_verdicts_100k_firm_years`: full verdicts (every condition with
//!   threshold, value and citation) for the first 100,000 of those firm-years;
//! - `registry/adjust_100k_firm_years`: verdicts plus the default tier policy's decision with
//!   reasons, for the first 100,000 firm-years;
//! - `registry/sqlite_insert_100k_firms_3y`: 100,000 firms and their 2023–2025 reports into a
//!   fresh SQLite store in one transaction (WAL, synchronous=FULL);
//! - `registry/csv_import_100k_firms_3y`: the same from a firm-year CSV file (parse, check,
//!   insert).
//!
//! Run: `cargo bench -p shuchuang-benches --bench registry`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rayon::prelude::*;
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::csvio::{import_csv, write_csv};
use registry_model::{
    AnnualReport, CriteriaBook, Enterprise, Evidence, LegacyPolicy, Outcome, RegistryStore,
    RulePolicy, SqliteStore, TierPolicy,
};

const CRITERIA_FIRMS: usize = 250_000;

/// Evidence for every firm and every year 2022–2025 (reports from 2019 for the look-back).
fn evidence<'a>(firms: &'a [Enterprise], reports: &'a [AnnualReport]) -> Vec<Evidence<'a>> {
    // Reports are generated firm by firm, so each firm's reports are one contiguous run.
    let mut out = Vec::with_capacity(firms.len() * 4);
    let mut start = 0;
    for f in firms {
        let mut end = start;
        while end < reports.len() && reports[end].id == f.id {
            end += 1;
        }
        let own = &reports[start..end];
        for year in 2022..=2025 {
            out.push(Evidence::new(f, year, own));
        }
        start = end;
    }
    out
}

fn criteria(c: &mut Criterion) {
    let (firms, reports) = generate_cohort(&CohortSpec {
        count: CRITERIA_FIRMS,
        first_year: 2019,
        last_year: 2025,
        seed: 2025,
    })
    .expect("cohort");
    let ev = evidence(&firms, &reports);
    assert_eq!(ev.len(), 1_000_000);
    let book = CriteriaBook::embedded().expect("criteria sets");
    let set = book.for_year(2024).expect("set");
    let policy = RulePolicy::default_policy().expect("policy");

    let mut g = c.benchmark_group("registry");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("criteria_outcomes_1m_firm_years", |b| {
        b.iter(|| {
            let met: usize = ev
                .par_iter()
                .map(|e| {
                    set.outcomes(e)
                        .iter()
                        .filter(|o| **o == Outcome::Met)
                        .count()
                })
                .sum();
            black_box(met)
        })
    });
    let first = &ev[..100_000];
    g.bench_function("criteria_verdicts_100k_firm_years", |b| {
        b.iter(|| {
            let met: usize = first
                .par_iter()
                .map(|e| {
                    let v = set.evaluate(e);
                    v.verdicts
                        .iter()
                        .filter(|v| v.outcome == Outcome::Met)
                        .count()
                })
                .sum();
            black_box(met)
        })
    });
    g.bench_function("adjust_100k_firm_years", |b| {
        b.iter(|| {
            let tiered: usize = first
                .par_iter()
                .map(|e| {
                    let v = set.evaluate(e);
                    usize::from(policy.decide(e, &v).tier.is_some())
                })
                .sum();
            black_box(tiered)
        })
    });
    g.finish();
}

fn import(c: &mut Criterion) {
    let (firms, reports) = shuchuang_benches::import_cohort();
    let csv_dir = tempfile::tempdir().expect("tempdir");
    let csv_path = csv_dir.path().join("cohort.csv");
    write_csv(
        std::io::BufWriter::new(std::fs::File::create(&csv_path).expect("csv file")),
        &firms,
        &reports,
    )
    .expect("write csv");
    eprintln!(
        "import fixture: {} firms, {} reports",
        firms.len(),
        reports.len()
    );

    let mut g = c.benchmark_group("registry");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("sqlite_insert_100k_firms_3y", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |dir| {
                let mut s = SqliteStore::open(dir.path().join("r.sqlite")).expect("open");
                let sum = s.insert(&firms, &reports).expect("insert");
                black_box(sum);
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("csv_import_100k_firms_3y", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |dir| {
                let mut s = SqliteStore::open(dir.path().join("r.sqlite")).expect("open");
                let sum = import_csv(&mut s, &csv_path, LegacyPolicy::Reject).expect("import");
                black_box(sum);
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, criteria, import);
criterion_main!(benches);
