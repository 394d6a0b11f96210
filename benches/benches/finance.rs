//! finance benches:
//! - `finance/score_1m_firm_years_scorecard`: the shipped scorecard's score of 1,000,000
//!   synthetic firm-years (seed 2025, missing facts as registries have them), in parallel;
//! - `finance/pd_1m_firm_years_logistic`: the logistic model's PD of the same firm-years (the
//!   model fitted once on a 200,000-row portfolio, seed 2024);
//! - `finance/explain_100k_firm_years_scorecard`: full assessments (every factor's value, band
//!   and points) of the first 100,000;
//! - `finance/simulate_100k_loans_5y_1_run` and `…_20_runs`: the shipped simulation
//!   parameters over 100,000 loans granted to synthetic firms under the shipped product;
//! - `finance/lines_10k_lifecycles`: 10,000 lines granted, drawn, paid interest with subsidy and
//!   repaid on in-memory double-entry books (50,000 requests).
//!
//! Run: `cargo bench -p shuchuang-benches --bench finance`.

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use finance::calibration::{CalibrationSpec, calibrate};
use finance::eligibility::GrantTerms;
use finance::simulate::{SimulationSpec, loans_from_portfolio, simulate};
use finance::synthetic::{PortfolioSpec, generate};
use finance::{CreditLines, CreditModel, Fund, MemoryBooks, Product, ProgramRules, Scorecard};
use rayon::prelude::*;
use rust_decimal::Decimal;

fn scoring(c: &mut Criterion) {
    let card = Scorecard::embedded().expect("shipped scorecard");
    let p = generate(&PortfolioSpec {
        rows: 1_000_000,
        seed: 2025,
        with_missing: true,
    })
    .expect("portfolio");
    let mut cal = CalibrationSpec::default_spec();
    cal.portfolio.seed = 2024;
    let (report, _) = calibrate(&card, &cal).expect("calibration");
    let logistic = report.logistic;
    let mut g = c.benchmark_group("finance");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("score_1m_firm_years_scorecard", |b| {
        b.iter(|| {
            let scores: Vec<i64> = p.features.par_iter().map(|f| card.score(f)).collect();
            black_box(scores)
        })
    });
    g.bench_function("pd_1m_firm_years_logistic", |b| {
        b.iter(|| {
            let pds: Vec<f64> = p.features.par_iter().map(|f| logistic.pd(f)).collect();
            black_box(pds)
        })
    });
    let first = &p.features[..100_000];
    g.bench_function("explain_100k_firm_years_scorecard", |b| {
        b.iter(|| {
            let n: usize = first.par_iter().map(|f| card.assess(f).factors.len()).sum();
            black_box(n)
        })
    });
    g.finish();
}

fn simulation(c: &mut Criterion) {
    let product = Product::embedded().expect("shipped product");
    let card = Scorecard::embedded().expect("shipped scorecard");
    let mut spec = SimulationSpec::embedded(&product).expect("shipped simulation");
    let p = generate(&PortfolioSpec {
        rows: 320_000,
        seed: 7,
        with_missing: true,
    })
    .expect("portfolio");
    let date = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let mut loans = loans_from_portfolio(&spec, &p, &card, &product, date).expect("decisions");
    assert!(loans.len() >= 100_000, "{} eligible firms", loans.len());
    loans.truncate(100_000);
    let mut g = c.benchmark_group("finance");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    spec.runs = 1;
    g.bench_function("simulate_100k_loans_5y_1_run", |b| {
        b.iter(|| black_box(simulate(&spec, &loans).expect("simulate")))
    });
    spec.runs = 20;
    g.bench_function("simulate_100k_loans_5y_20_runs", |b| {
        b.iter(|| black_box(simulate(&spec, &loans).expect("simulate")))
    });
    g.finish();
}

fn lines(c: &mut Criterion) {
    let product = Product::embedded().expect("shipped product");
    let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).expect("date");
    let terms: Vec<GrantTerms> = (0..10_000u64)
        .map(|i| GrantTerms {
            firm: finance::synthetic::synthetic_firm_id(i).expect("id"),
            tier: None,
            limit_fen: 100_000_000,
            terms: product.terms,
            score: 650,
            pd: 0.02,
            product: product.id.clone(),
        })
        .collect();
    let mut g = c.benchmark_group("finance");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("lines_10k_lifecycles", |b| {
        b.iter(|| {
            let mut c =
                CreditLines::new(MemoryBooks::new(), ProgramRules::of(&product)).expect("program");
            c.fund("f", Fund::SubsidyBudget, Decimal::new(100_000_000, 0))
                .expect("fund");
            for (i, t) in terms.iter().enumerate() {
                let id = format!("L{i}");
                c.grant(&format!("g{i}"), &id, "bank-a", t, d(1, 1))
                    .expect("grant");
                c.draw(&format!("d{i}"), &id, d(1, 1), Decimal::new(500_000, 0))
                    .expect("draw");
                c.pay_interest(&format!("i{i}"), &id, d(1, 31), Decimal::new(143_750, 2))
                    .expect("interest");
                c.repay(&format!("r{i}"), &id, d(3, 1), Decimal::new(500_000, 0))
                    .expect("repay");
            }
            black_box(c.lines().count())
        })
    });
    g.finish();
}

criterion_group!(benches, scoring, simulation, lines);
criterion_main!(benches);
