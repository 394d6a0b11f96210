//! Benches of scenario-market: scoring 10,000 scenarios against 100,000 offers with
//! explanations off (goal < 1 s on 2 cores), one scenario explained in full, and the
//! assignments of 1,000 scenarios against 10,000 offers (optimal goal < 5 s). Before the
//! timings it prints the instances' sizes and greedy's gap to the optimum.
//!
//! `cargo bench -p shuchuang-benches --bench scenario_market`
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use scenario_market::generate::{MarketSpec, generate};
use scenario_market::{
    GreedyMatcher, MatchConfig, Matcher, OptimalMatcher, Preferences, Scoring, Side, StableMatcher,
    compare,
};

fn scoring(shortlist: u32) -> Scoring {
    let text = scenario_market::config::DEFAULT_MATCHING_TOML.replace(
        "firms_per_scenario = 20",
        &format!("firms_per_scenario = {shortlist}"),
    );
    Scoring::new(MatchConfig::from_toml(&text, "bench").expect("valid config")).expect("valid")
}

fn score_10k_x_100k(c: &mut Criterion) {
    let market = generate(&MarketSpec {
        scenarios: 10_000,
        offers: 100_000,
        firms: 10_000,
        seed: 1,
        year: 2025,
    })
    .expect("generator parameters are valid");
    let sc = scoring(20);
    let g = sc.candidates(&market);
    let passed: u64 = (0..g.scenarios())
        .map(|s| u64::from(g.counts(s).passed))
        .sum();
    println!(
        "10,000 x 100,000: {} shortlist edges; {passed} scenario-offer pairs pass every filter \
         (of 10^9); rayon threads {}",
        g.edges().len(),
        rayon::current_num_threads()
    );
    let mut group = c.benchmark_group("scenario_market");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("score_10k_x_100k", |b| {
        b.iter(|| black_box(sc.candidates(black_box(&market)).edges().len()))
    });
    group.bench_function("explain_1_scenario_x_100k", |b| {
        b.iter(|| {
            black_box(
                sc.explain(black_box(&market), 0)
                    .expect("in range")
                    .scores
                    .len(),
            )
        })
    });
    group.finish();
}

fn assign_1k_x_10k(c: &mut Criterion) {
    let market = generate(&MarketSpec {
        scenarios: 1_000,
        offers: 10_000,
        firms: 10_000,
        seed: 2,
        year: 2025,
    })
    .expect("generator parameters are valid");
    let mut group = c.benchmark_group("scenario_market");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for shortlist in [20u32, 100] {
        let g = scoring(shortlist).candidates(&market);
        let prefs = Preferences::pay_first(&market, &g);
        let cmp = compare(&g, Some(&prefs)).expect("matchers run");
        let opt = &cmp.assignments[1];
        println!(
            "1,000 x 10,000, shortlists of {shortlist}: {} edges, {} slots; {}",
            g.edges().len(),
            g.total_slots(),
            cmp.rows
                .iter()
                .map(|r| format!(
                    "{} total {} gap {}% blocking {}",
                    r.matcher,
                    r.total_score,
                    r.gap_pct.map_or("-".into(), |x| x.to_string()),
                    r.blocking_pairs.map_or("-".into(), |x| x.to_string())
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
        println!(
            "  optimal certificate: {:?}",
            opt.certificate.as_ref().map(|c| (
                c.dual_bound,
                c.shortlist_sufficient,
                c.scenarios_uncertified.len()
            ))
        );
        group.bench_function(format!("optimal_1k_x_10k_shortlist_{shortlist}"), |b| {
            b.iter(|| {
                black_box(
                    OptimalMatcher
                        .assign(black_box(&g))
                        .expect("solves")
                        .total_score,
                )
            })
        });
        group.bench_function(format!("greedy_1k_x_10k_shortlist_{shortlist}"), |b| {
            b.iter(|| {
                black_box(
                    GreedyMatcher
                        .assign(black_box(&g))
                        .expect("runs")
                        .total_score,
                )
            })
        });
        let stable = StableMatcher::new(prefs.clone(), Side::Scenarios);
        group.bench_function(format!("stable_1k_x_10k_shortlist_{shortlist}"), |b| {
            b.iter(|| black_box(stable.assign(black_box(&g)).expect("runs").total_score))
        });
    }
    group.finish();
}

criterion_group!(benches, score_10k_x_100k, assign_1k_x_10k);
criterion_main!(benches);
