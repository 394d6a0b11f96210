//! index-engine benches: the CAICT national data; a 2,000-unit × 31-year panel of the
//! 27-indicator framework (the shape `shuchuang index synth` writes); 10,000 Monte Carlo draws
//! over 31 units × 31 years; the one-at-a-time ±20 % test and 1,024-sample Sobol indices on
//! the national data; writing the 2,000-unit result as CSV (throughput in bytes).
//!
//! `cargo bench --bench index_engine`. Figures and machine conditions: docs/index-engine.md.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use index_engine::sensitivity::{OatOptions, one_at_a_time};
use index_engine::sobol::{SobolOptions, sobol};
use index_engine::uncertainty::{McOptions, monte_carlo};
use index_engine::{Chain, ComputeOptions, Panel, compute_with};
use shuchuang_benches::{caict_national, parsed_builder, synthetic_csv, synthetic_panel};

fn national(c: &mut Criterion) {
    let (fw, panel) = caict_national();
    let opts = ComputeOptions {
        to_year: Some(2024),
        ..Default::default()
    };
    c.bench_function("caict_national/fill_and_compute", |b| {
        b.iter(|| {
            let filled = opts.fill(&panel).expect("fill");
            compute_with(&Chain, &fw, &filled, None).expect("compute")
        })
    });
    let filled = opts.fill(&panel).expect("fill");
    c.bench_function("caict_national/sensitivity_oat_20pct", |b| {
        b.iter(|| one_at_a_time(&Chain, &fw, &filled, &OatOptions::default()).expect("oat"))
    });
    let mut g = c.benchmark_group("caict_national");
    g.sample_size(10);
    g.bench_function("sobol_1024_samples", |b| {
        let opts = SobolOptions {
            samples: 1024,
            ..Default::default()
        };
        b.iter(|| sobol(&Chain, &fw, &filled, &opts, &|_| {}).expect("sobol"))
    });
    g.finish();
}

fn panel_2000x31(c: &mut Criterion) {
    let (fw, _) = synthetic_panel(1, 1, 1);
    let csv = synthetic_csv(2000, 31, 1);
    let mut g = c.benchmark_group("panel_2000x31");
    g.sample_size(10);
    // What `--timings` calls compute_ms: dense layout + gap filling + every figure.
    let builder = parsed_builder(&fw, &csv);
    g.bench_function("layout_fill_compute", |b| {
        b.iter_batched(
            || builder.clone(),
            |bld| {
                let panel = bld.finish().expect("layout");
                let filled = ComputeOptions::default().fill_owned(panel).expect("fill");
                compute_with(&Chain, &fw, &filled, None).expect("compute")
            },
            BatchSize::LargeInput,
        )
    });
    let panel: Panel = builder.clone().finish().expect("layout");
    let filled = ComputeOptions::default().fill(&panel).expect("fill");
    g.bench_function("compute_only", |b| {
        b.iter(|| compute_with(&Chain, &fw, &filled, None).expect("compute"))
    });
    // What `--timings` calls load_ms, minus the file system: CSV parsing and checks.
    g.bench_function("parse_csv", |b| b.iter(|| parsed_builder(&fw, &csv)));
    // Writing every row as CSV (`index compute --format csv`), into memory.
    let result = compute_with(&Chain, &fw, &filled, None).expect("compute");
    let write = || {
        let mut out = Vec::new();
        report::index::write_result_to(&result, report::Format::Csv, &mut out).expect("csv");
        out
    };
    g.throughput(Throughput::Bytes(write().len() as u64));
    g.bench_function("write_csv", |b| b.iter(write));
    g.finish();
}

fn monte_carlo_10000(c: &mut Criterion) {
    let (fw, panel) = synthetic_panel(31, 31, 1);
    let filled = ComputeOptions::default().fill(&panel).expect("fill");
    let opts = McOptions {
        samples: 10_000,
        seed: 1,
        perturb: 0.2,
    };
    let mut g = c.benchmark_group("monte_carlo");
    g.sample_size(10);
    g.bench_function("10000_draws_31x31", |b| {
        b.iter(|| monte_carlo(&Chain, &fw, &filled, &opts, &|_| {}).expect("mc"))
    });
    g.finish();
}

criterion_group!(benches, national, panel_2000x31, monte_carlo_10000);
criterion_main!(benches);
