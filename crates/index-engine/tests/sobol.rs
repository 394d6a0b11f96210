//! Sobol indices against SALib on the same model: the fixture (tests/fixtures/sobol, made by
//! its committed `make_fixture.py` with SALib and NumPy, no engine code) holds SALib's design,
//! the model's outputs computed in NumPy, SALib's indices and the Jansen first-order index.

use index_engine::sobol::{SobolOptions, SobolReport, sobol, sobol_on};
use index_engine::{Chain, ComputeOptions, FilledPanel, Framework, Panel};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sobol");

fn fixture() -> (Framework, FilledPanel, Value) {
    let read = |f: &str| std::fs::read(format!("{DIR}/{f}")).unwrap();
    let fw = Framework::read_csv(&read("framework.csv")[..], "framework.csv").unwrap();
    let panel = Panel::read_csv(&fw, &read("observations.csv")[..], "observations.csv").unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let json: Value = serde_json::from_slice(&read("sobol_salib.json")).unwrap();
    (fw, filled, json)
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|x| match x.as_array() {
            Some(row) => row.iter().map(|y| y.as_f64().unwrap()).collect(),
            None => vec![x.as_f64().unwrap()],
        })
        .collect()
}

fn opts(samples: usize, seed: u64) -> SobolOptions {
    SobolOptions {
        samples,
        seed,
        perturb: 0.2,
        ..Default::default()
    }
}

#[test]
fn on_salibs_design_the_indices_are_salibs() {
    let (fw, filled, j) = fixture();
    let d = &j["design"];
    let p = j["perturb"].as_f64().unwrap();
    // SALib's multipliers back onto the uniforms the engine maps onto [1 − P, 1 + P].
    let u = |key: &str| -> Vec<f64> {
        floats(&d[key])
            .iter()
            .map(|x| (x - (1.0 - p)) / (2.0 * p))
            .collect()
    };
    let (a, b) = (u("A"), u("B"));
    let r = sobol_on(&Chain, &fw, &filled, &opts(256, 7), (&a, &b), &|_| {}).unwrap();
    let names: Vec<&str> = r.factors.iter().map(|f| f.factor.as_str()).collect();
    let want: Vec<&str> = j["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(names, want);
    assert_eq!((r.node.as_str(), r.unit.as_str(), r.year), ("t", "U", 2024));
    // The same model: the outputs' mean and variance are NumPy's.
    let outputs: Vec<f64> = floats(&d["fA"])
        .into_iter()
        .chain(floats(&d["fB"]))
        .collect();
    let mean = outputs.iter().sum::<f64>() / outputs.len() as f64;
    assert!((r.mean - mean).abs() < 1e-9 * mean, "{} vs {mean}", r.mean);
    let v = d["variance"].as_f64().unwrap();
    assert!((r.variance - v).abs() < 1e-7 * v, "{} vs {v}", r.variance);
    let (st, s1j, s1) = (floats(&d["ST"]), floats(&d["jansen_S1"]), floats(&d["S1"]));
    let (st_conf, s1_conf) = (floats(&d["ST_conf"]), floats(&d["jansen_S1_conf"]));
    for (i, f) in r.factors.iter().enumerate() {
        // Total order: SALib's estimator is Jansen's, the engine's.
        assert!(
            (f.st.unwrap() - st[i]).abs() < 1e-9,
            "{}: ST {f:?} vs {}",
            f.factor,
            st[i]
        );
        // First order: Jansen's computed in NumPy on the same runs.
        assert!(
            (f.s1.unwrap() - s1j[i]).abs() < 1e-9,
            "{}: S1 {f:?} vs {}",
            f.factor,
            s1j[i]
        );
        // SALib's first-order estimator (Saltelli 2010) estimates the same index.
        assert!(
            (f.s1.unwrap() - s1[i]).abs() < 0.1,
            "{}: S1 {f:?} vs SALib {}",
            f.factor,
            s1[i]
        );
        // Confidence half-widths from other resamples (SALib's for ST, NumPy's bootstrap of
        // the Jansen S1 for S1): the same size.
        for (ours, theirs) in [(f.st_conf, st_conf[i]), (f.s1_conf, s1_conf[i])] {
            let ratio = ours.unwrap() / theirs;
            assert!(
                (0.5..2.0).contains(&ratio),
                "{}: conf {f:?} vs {theirs}",
                f.factor
            );
        }
    }
}

#[test]
fn on_its_own_seeded_design_the_indices_converge_to_salibs() {
    let (fw, filled, j) = fixture();
    let l = &j["large"];
    let (s1, st) = (floats(&l["S1"]), floats(&l["ST"]));
    let r = sobol(&Chain, &fw, &filled, &opts(16384, 3), &|_| {}).unwrap();
    for (i, f) in r.factors.iter().enumerate() {
        // Two independent designs of 16,384 rows: sampling error only (SALib's 95 %
        // half-widths at this size are at most ~0.02).
        assert!(
            (f.st.unwrap() - st[i]).abs() < 0.02,
            "{}: ST {f:?} vs {}",
            f.factor,
            st[i]
        );
        assert!(
            (f.s1.unwrap() - s1[i]).abs() < 0.03,
            "{}: S1 {f:?} vs {}",
            f.factor,
            s1[i]
        );
        assert!(f.st_conf.unwrap() > 0.0 && f.s1_conf.unwrap() > 0.0);
    }
    // d's weight matters most (its leaf grows least steadily and weighs 3 of 5 in g2), as
    // SALib finds.
    let top = r
        .factors
        .iter()
        .max_by(|x, y| x.st.unwrap().total_cmp(&y.st.unwrap()))
        .unwrap();
    assert_eq!(top.factor, "d");
}

fn run_in(threads: usize, o: &SobolOptions) -> String {
    let (fw, filled, _) = fixture();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let r: SobolReport = pool.install(|| sobol(&Chain, &fw, &filled, o, &|_| {}).unwrap());
    serde_json::to_string(&r).unwrap()
}

#[test]
fn same_seed_same_bytes_on_any_thread_count_and_another_seed_differs() {
    let o = opts(300, 42);
    let one = run_in(1, &o);
    assert_eq!(one, run_in(2, &o));
    assert_eq!(one, run_in(5, &o));
    assert_ne!(one, run_in(2, &opts(300, 43)));
}

#[test]
fn bad_options_are_refused_with_what_is_wrong() {
    let (fw, filled, _) = fixture();
    let err = |o: SobolOptions| {
        sobol(&Chain, &fw, &filled, &o, &|_| {})
            .unwrap_err()
            .to_string()
    };
    assert!(err(opts(1, 1)).contains("samples must be between 2"));
    assert!(
        err(SobolOptions {
            perturb: 1.0,
            ..opts(8, 1)
        })
        .contains("perturbation")
    );
    assert!(
        err(SobolOptions {
            node: Some("zz".into()),
            ..opts(8, 1)
        })
        .contains("'zz'")
    );
    assert!(
        err(SobolOptions {
            unit: Some("V".into()),
            ..opts(8, 1)
        })
        .contains("'V'")
    );
    assert!(
        err(SobolOptions {
            year: Some(1990),
            ..opts(8, 1)
        })
        .contains("1990")
    );
    assert!(
        err(SobolOptions {
            resamples: 10_001,
            ..opts(8, 1)
        })
        .contains("resamples")
    );
    // A leaf's index does not move with the weights: no index, no number that is not finite.
    let r = sobol(
        &Chain,
        &fw,
        &filled,
        &SobolOptions {
            node: Some("a".into()),
            ..opts(8, 1)
        },
        &|_| {},
    )
    .unwrap();
    assert_eq!(r.variance, 0.0);
    assert!(r.factors.iter().all(|f| f.s1.is_none() && f.st.is_none()));
}
