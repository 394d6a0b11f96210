//! Outlier treatment against NumPy/SciPy: the fixture (tests/fixtures/outliers, made by its
//! committed `make_fixture.py`, no engine code) holds a panel with one outlier, two, ties at
//! the top, a negative outlier, a heavy tail that needs the log and a unit without a value;
//! every value the treatment changes (treated.csv) and every node's min-max score after it
//! (scores.csv).

use std::collections::HashMap;

use index_engine::Treatment;
use index_engine::outliers::{OutlierRule, OutlierTreatment, kurtosis, skewness, treat};
use index_engine::{
    Aggregation, ComputeOptions, FilledPanel, Framework, Level, Normalisation, Panel, compute_with,
};
use proptest::prelude::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/outliers");

fn read(f: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{f}")).unwrap()
}

const MIN_MAX: Level = Level {
    normalisation: Normalisation::MinMax,
    aggregation: Aggregation::Arithmetic,
};

fn fixture() -> (Framework, FilledPanel) {
    let fw = Framework::read_csv(&read("framework.csv")[..], "framework.csv").unwrap();
    let panel = Panel::read_csv(&fw, &read("observations.csv")[..], "observations.csv").unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    (fw, filled)
}

fn rows(f: &str) -> Vec<csv::StringRecord> {
    let bytes = read(f);
    let mut rdr = csv::Reader::from_reader(&bytes[..]);
    rdr.records().map(Result::unwrap).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-11 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn skewness_and_kurtosis_match_scipy() {
    let (_, filled) = fixture();
    let years = filled.years();
    for r in rows("moments.csv") {
        let l = filled.leaf_ids().iter().position(|x| x == &r[0]).unwrap();
        let year: i32 = r[1].parse().unwrap();
        let t = years.iter().position(|&y| y == year).unwrap();
        let xs: Vec<f64> = (0..filled.units().len())
            .filter_map(|u| filled.get(l, u, t).map(|v| v.0))
            .filter(|x| !x.is_nan())
            .collect();
        let (s, k): (f64, f64) = (r[2].parse().unwrap(), r[3].parse().unwrap());
        assert!(close(skewness(&xs).unwrap(), s), "{r:?}");
        assert!(close(kurtosis(&xs).unwrap(), k), "{r:?}");
    }
}

#[test]
fn treated_values_match_scipy() {
    let (_, filled) = fixture();
    let treated = treat(filled, &MIN_MAX, &OutlierTreatment::default()).unwrap();
    let want: HashMap<(String, String, i32), (f64, f64, String)> = rows("treated.csv")
        .iter()
        .map(|r| {
            (
                (r[0].into(), r[1].into(), r[2].parse().unwrap()),
                (r[3].parse().unwrap(), r[4].parse().unwrap(), r[5].into()),
            )
        })
        .collect();
    assert_eq!(treated.treated().len(), want.len());
    let mut logged = 0;
    for t in treated.treated() {
        let (original, value, how) = &want[&(t.indicator.clone(), t.unit.clone(), t.year)];
        assert!(
            close(t.original, *original) && close(t.treated, *value),
            "{t:?}: SciPy {original} → {value}"
        );
        assert_eq!(t.treatment.as_str(), how, "{t:?}");
        logged += usize::from(t.treatment == Treatment::Logged);
    }
    // One leaf-year of 60 units logged; the rest winsorised.
    assert_eq!(logged, 60);
}

#[test]
fn scores_after_treatment_match_numpy_and_are_in_the_result() {
    let (fw, filled) = fixture();
    let treated = treat(filled, &MIN_MAX, &OutlierTreatment::default()).unwrap();
    let r = compute_with(&MIN_MAX, &fw, &treated, None).unwrap();
    let want = rows("scores.csv");
    for row in &want {
        let got = r
            .cell(&row[0], &row[1], row[2].parse().unwrap())
            .unwrap()
            .index
            .unwrap();
        let score: f64 = row[3].parse().unwrap();
        assert!((got - score).abs() < 1e-9, "{row:?}: engine {got}");
    }
    // 5 nodes × 60 units × 3 years, less the one missing leaf value.
    assert_eq!(want.len(), 5 * 60 * 3 - 1);
    assert_eq!(r.treated(), treated.treated());
}

#[test]
fn no_treatment_by_default_and_refusals() {
    assert_eq!(OutlierRule::default(), OutlierRule::None);
    assert_eq!(OutlierRule::None.treatment(), None);
    let (_, filled) = fixture();
    let goalposts = Level {
        normalisation: Normalisation::Goalposts,
        ..MIN_MAX
    };
    let err = treat(filled.clone(), &goalposts, &OutlierTreatment::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("winsorise-only"), "{err}");
    // Winsorising alone keeps the units, so goalposts still read them.
    let only = OutlierRule::WinsoriseOnly.treatment().unwrap();
    let t = treat(filled.clone(), &goalposts, &only).unwrap();
    assert!(!t.treated().is_empty());
    assert!(
        t.treated()
            .iter()
            .all(|v| v.treatment == Treatment::Winsorised)
    );
    let too_many = OutlierTreatment {
        winsorise_max: 1_000_000,
        ..OutlierTreatment::default()
    };
    assert!(treat(filled, &MIN_MAX, &too_many).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Treatment keeps the units' order, gives finite values, and leaves a cross-section
    /// either within the thresholds, or logged, or winsorised the most steps allowed.
    #[test]
    fn treatment_keeps_order_and_stays_finite(
        xs in prop::collection::vec(0.0f64..1e6, 4..40),
        spikes in prop::collection::vec((0usize..40, 1e6f64..1e12), 0..8),
    ) {
        let mut xs = xs;
        for (i, v) in spikes {
            let n = xs.len();
            xs[i % n] = v;
        }
        let t = OutlierTreatment::default();
        let before = xs.clone();
        let changed = t.treat_values(&mut xs);
        prop_assert!(xs.iter().all(|x| x.is_finite()));
        for i in 0..xs.len() {
            for j in 0..xs.len() {
                if before[i] < before[j] {
                    prop_assert!(xs[i] <= xs[j], "{i} {j}: {:?} → {:?}", before, xs);
                }
            }
        }
        let logged = changed.iter().any(|c| c.1 == Treatment::Logged);
        prop_assert!(!t.outlying(&xs) || logged || !changed.is_empty());
        if changed.is_empty() {
            prop_assert!(!t.outlying(&before));
        }
    }
}
