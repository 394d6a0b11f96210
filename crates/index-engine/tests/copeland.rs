//! Copeland aggregation beyond the NumPy fixture (tests/normalise.rs checks every node of
//! tests/fixtures/normalise against COINr's rule): pairs that tie, a child missing for one
//! unit, and the analyses (sensitivity, Monte Carlo, Sobol), which must run the cross-unit
//! pass in every draw and give the same bytes on any thread count.

use index_engine::sensitivity::{OatOptions, one_at_a_time};
use index_engine::sobol::{SobolOptions, sobol};
use index_engine::uncertainty::{McOptions, monte_carlo};
use index_engine::{
    Aggregation, ComputeOptions, FilledPanel, Framework, Level, Normalisation, Panel, compute_with,
};

const COPELAND: Level = Level {
    normalisation: Normalisation::MinMax,
    aggregation: Aggregation::Copeland,
};

/// Two equally weighted leaves; W lacks b in 2023 (a leading gap, left open).
fn example() -> (Framework, FilledPanel) {
    let fw = Framework::read_csv("id,parent\nt,\na,t\nb,t\n".as_bytes(), "fw.csv").unwrap();
    let mut obs = String::from("indicator,unit,year,value\n");
    for year in [2023, 2024] {
        for (unit, a, b) in [("X", 1, 2), ("Y", 2, 1), ("Z", 3, 3)] {
            obs += &format!("a,{unit},{year},{a}\nb,{unit},{year},{b}\n");
        }
        obs += &format!("a,W,{year},0.5\n");
    }
    obs += "b,W,2024,2.5\n";
    let panel = Panel::read_csv(&fw, obs.as_bytes(), "obs.csv").unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    (fw, filled)
}

#[test]
fn ties_and_missing_children_by_hand() {
    let (fw, filled) = example();
    let r = compute_with(&COPELAND, &fw, &filled, None).unwrap();
    let t = |unit, year| r.cell("t", unit, year).unwrap().index.unwrap();
    // 2023: X and Y split the weight (tie, 0); both lose to Z. W has only a, on which it is
    // lowest: −1 against everyone (COINr, comparing with half of all the weight, would give
    // X and Y 0 against W instead). c: X 0, Y 0, Z 3, W −3 over m = 4: r = (c + 3)/6.
    assert_eq!(
        [t("X", 2023), t("Y", 2023), t("Z", 2023), t("W", 2023)],
        [50.0, 50.0, 100.0, 0.0]
    );
    // Every figure rests on observed values; W's missing b moves its weight to a.
    for (unit, missing) in [("X", 0.0), ("W", 0.5)] {
        let cell = r.cell("t", unit, 2023).unwrap();
        assert_eq!(
            (cell.estimated_share, cell.missing_share),
            (Some(0.0), missing),
            "{unit}"
        );
    }
    // 2024: W (0.5, 2.5) is lowest on a, highest but Z on b: it ties X (1, 2) and Y (2, 1).
    // c: X 0 + 0 − 1 = −1, Y −1, Z 3, W −1.
    assert_eq!(
        [t("X", 2024), t("Y", 2024), t("Z", 2024), t("W", 2024)],
        [
            100.0 * (2.0 / 6.0),
            100.0 * (2.0 / 6.0),
            100.0,
            100.0 * (2.0 / 6.0)
        ]
    );
    // A weight of 2 on a breaks the X–Y tie in Y's favour.
    let heavier =
        Framework::read_csv("id,parent,weight\nt,,\na,t,2\nb,t,1\n".as_bytes(), "fw.csv").unwrap();
    let r = compute_with(&COPELAND, &heavier, &filled, None).unwrap();
    assert!(
        r.cell("t", "Y", 2024).unwrap().index > r.cell("t", "X", 2024).unwrap().index,
        "{:?}",
        r.cell("t", "Y", 2024)
    );
}

#[test]
fn an_output_that_never_moves_has_no_sobol_indices() {
    // On the NumPy fixture, U3's total in 2023 keeps its Copeland score, 100·2/6, under any
    // weights within ±20 %; the mean of the runs rounds to 33.33333333333331, which must not
    // make up a variance (it gave S1 = 1, ST = 0).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/normalise");
    let read = |f: &str| std::fs::read(format!("{dir}/{f}")).unwrap();
    let fw = Framework::read_csv(&read("framework.csv")[..], "framework.csv").unwrap();
    let panel = Panel::read_csv(&fw, &read("observations.csv")[..], "observations.csv").unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let opts = SobolOptions {
        samples: 64,
        unit: Some("U3".into()),
        ..Default::default()
    };
    let r = sobol(&COPELAND, &fw, &filled, &opts, &|_| {}).unwrap();
    assert_eq!(r.variance, 0.0);
    for f in &r.factors {
        assert_eq!((f.s1, f.st), (None, None), "{f:?}");
    }
}

#[test]
fn z_scores_are_refused() {
    let (fw, filled) = example();
    let level = Level {
        normalisation: Normalisation::ZScore,
        aggregation: Aggregation::Copeland,
    };
    let err = compute_with(&level, &fw, &filled, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("copeland aggregation needs scores on a fixed scale"),
        "{err}"
    );
}

/// Runs `f` on a pool of `threads` threads.
fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn analyses_run_the_cross_unit_pass_the_same_on_any_thread_count() {
    let fw = index_engine::synth::framework().unwrap();
    let opts = index_engine::synth::SynthOptions {
        units: 8,
        years: 3,
        gap_share: 0.1,
        ..Default::default()
    };
    let panel = index_engine::synth::synth_panel(&fw, &opts).unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let nominal = compute_with(&COPELAND, &fw, &filled, None).unwrap();
    let mc = |threads| {
        let opts = McOptions {
            samples: 300,
            seed: 7,
            perturb: 0.3,
        };
        on_threads(threads, || {
            monte_carlo(&COPELAND, &fw, &filled, &opts, &|_| {}).unwrap()
        })
    };
    let (one, two) = (mc(1), mc(2));
    assert_eq!(one, two);
    let mut moved = 0;
    for b in &one.bands {
        let cell = nominal.cell(&b.node, &b.unit, b.year).unwrap();
        assert_eq!(b.nominal, cell.index, "{b:?}");
        if let (Some(lo), Some(mid), Some(hi)) = (b.p5, b.p50, b.p95) {
            assert!(
                lo <= mid && mid <= hi && (0.0..=100.0).contains(&lo),
                "{b:?}"
            );
            moved += usize::from(hi > lo);
        }
    }
    // Ranks among the units move with the weights somewhere.
    assert!(moved > 0);

    let s = |threads| {
        let opts = SobolOptions {
            samples: 64,
            resamples: 20,
            ..Default::default()
        };
        on_threads(threads, || {
            sobol(&COPELAND, &fw, &filled, &opts, &|_| {}).unwrap()
        })
    };
    assert_eq!(s(1), s(2));

    let oat = one_at_a_time(&COPELAND, &fw, &filled, &OatOptions::default()).unwrap();
    for row in &oat.rows {
        let cell = nominal.cell(&row.node, &row.unit, oat.year).unwrap();
        assert_eq!(row.nominal, cell.index, "{row:?}");
    }
}
