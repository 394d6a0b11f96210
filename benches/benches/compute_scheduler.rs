//! Benches of compute-scheduler: placing 100,000 jobs on the 10 clusters with each policy, a
//! simulation of 1,000,000 events, the optimal reference's solve times, and a report of each
//! policy's cost gap to the optimum on small instances (printed before the timings).
//!
//! `cargo bench -p shuchuang-benches --bench compute_scheduler`
use std::hint::black_box;
use std::time::Duration;

use compute_scheduler::generate::{GeneratorConfig, Horizon, generate};
use compute_scheduler::optimum::{OptimumOptions, gap_percent, optimum};
use compute_scheduler::{
    Catalog, CoveragePayment, Job, NoPayment, Pipeline, PolicyKind, Scheduler, Simulator,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

fn stream(catalog: &Catalog, jobs: usize, seed: u64, load: f64) -> Vec<Job> {
    generate(&GeneratorConfig {
        jobs,
        seed,
        firms: 500,
        horizon: Horizon::Load {
            utilisation: load,
            capacity_cards: catalog.total_cards(),
        },
        ..GeneratorConfig::default()
    })
    .expect("generator parameters are valid")
}

fn place_100k(c: &mut Criterion) {
    let catalog = Catalog::embedded().expect("embedded catalog parses");
    let jobs = stream(&catalog, 100_000, 1, 0.7);
    let mut g = c.benchmark_group("place_100k_jobs");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for kind in PolicyKind::ALL {
        g.bench_function(kind.key(), |b| {
            b.iter_batched(
                || CoveragePayment::new(None).expect("no cap"),
                |mut pay| {
                    let s = Simulator::new(&catalog, kind.build(&catalog.scheduling))
                        .schedule(black_box(&jobs), &mut pay)
                        .expect("schedules");
                    black_box(s.metrics.jobs_placed)
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn simulate_1m_events(c: &mut Criterion) {
    let catalog = Catalog::embedded().expect("embedded catalog parses");
    // About 2 events a job (arrival and completion; rejected jobs have no completion).
    let jobs = stream(&catalog, 510_000, 2, 0.7);
    let mut pay = NoPayment;
    let probe = Simulator::new(&catalog, PolicyKind::Greedy.build(&catalog.scheduling))
        .schedule(&jobs, &mut pay)
        .expect("schedules");
    assert!(
        probe.metrics.events >= 1_000_000,
        "{} events",
        probe.metrics.events
    );
    println!(
        "simulate_1m_events: {} events, {} jobs placed",
        probe.metrics.events, probe.metrics.jobs_placed
    );
    let mut g = c.benchmark_group("simulate_1m_events");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("greedy", |b| {
        b.iter(|| {
            let mut pay = CoveragePayment::new(None).expect("no cap");
            let s = Simulator::new(&catalog, PolicyKind::Greedy.build(&catalog.scheduling))
                .schedule(black_box(&jobs), &mut pay)
                .expect("schedules");
            black_box(s.metrics.events)
        })
    });
    g.finish();
}

/// Small instances on a network shrunk 3000-fold (3-5 cards a cluster) so capacity binds:
/// each policy's modelled cost after vouchers against the integer optimum, over the runs that
/// meet every deadline (the optimum bounds only those).
fn gap_report() {
    let catalog = Catalog::embedded()
        .expect("embedded catalog parses")
        .with_capacity_divisor(3000)
        .expect("divisor");
    let pipeline = Pipeline::standard();
    let opts = OptimumOptions::default();
    println!("cost gap to the integer optimum, 40 instances of 30 jobs, network / 3000:");
    println!(
        "{:<10} {:>8} {:>10} {:>10} {:>10}",
        "policy", "bounded", "mean_gap%", "max_gap%", "total_gap%"
    );
    let mut rows: Vec<(PolicyKind, u32, Decimal, Decimal, Decimal, Decimal)> = PolicyKind::ALL
        .iter()
        .map(|&k| {
            (
                k,
                0,
                Decimal::ZERO,
                Decimal::ZERO,
                Decimal::ZERO,
                Decimal::ZERO,
            )
        })
        .collect();
    for seed in 0..40 {
        let jobs = generate(&GeneratorConfig {
            jobs: 30,
            seed,
            firms: 8,
            horizon: Horizon::Load {
                utilisation: 0.8,
                capacity_cards: catalog.total_cards(),
            },
            ..GeneratorConfig::default()
        })
        .expect("generator");
        let o = optimum(&catalog, &pipeline, &jobs, &opts).expect("optimum");
        let Some(best) = o.integer_optimum else {
            continue;
        };
        for row in &mut rows {
            let mut pay = NoPayment;
            let s = Simulator::new(&catalog, row.0.build(&catalog.scheduling))
                .schedule(&jobs, &mut pay)
                .expect("schedules");
            if s.metrics.deadline_violations > 0 {
                continue;
            }
            let cost =
                Decimal::from_i128_with_scale(s.modelled_net_fen(&jobs, &catalog, &pipeline), 2);
            let gap = gap_percent(cost, best).unwrap_or_default();
            row.1 += 1;
            row.2 += gap;
            row.3 = row.3.max(gap);
            row.4 += cost;
            row.5 += best;
        }
    }
    for (k, n, sum, max, cost, best) in rows {
        let mean = if n == 0 {
            Decimal::ZERO
        } else {
            (sum / Decimal::from(n)).round_dp(3)
        };
        let total = gap_percent(cost, best).unwrap_or_default();
        println!(
            "{:<10} {:>8} {:>10} {:>10} {:>10}",
            k.key(),
            n,
            mean,
            max,
            total
        );
    }
}

fn optimum_solve(c: &mut Criterion) {
    gap_report();
    let catalog = Catalog::embedded()
        .expect("embedded catalog parses")
        .with_capacity_divisor(1000)
        .expect("divisor");
    let pipeline = Pipeline::standard();
    let mut g = c.benchmark_group("optimum");
    g.sample_size(10);
    for (name, n, opts) in [
        (
            "lp_300_jobs",
            300usize,
            OptimumOptions {
                integer_jobs_max: 0,
                ..OptimumOptions::default()
            },
        ),
        ("integer_40_jobs", 40, OptimumOptions::default()),
    ] {
        let jobs = stream(&catalog, n, 5, 0.8);
        g.bench_function(name, |b| {
            b.iter(|| optimum(&catalog, &pipeline, black_box(&jobs), &opts).expect("optimum"))
        });
    }
    g.finish();
}

criterion_group!(benches, optimum_solve, place_100k, simulate_1m_events);
criterion_main!(benches);
