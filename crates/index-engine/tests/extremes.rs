//! Observations near the top of the `f64` range (issue 11.7): `200·(x_t − x_{t−1})` once
//! overflowed to ±inf, so a leaf's growth came out infinite, its parents' indices empty, and
//! the CSV wrote `-inf` where the JSON wrote `null`. Growth is now computed in a form that
//! cannot overflow for values ≥ 0 (the only values a panel accepts), and every figure is
//! finite or absent.

use index_engine::{ComputeOptions, Framework, NodeSpec, Observation, Panel, compute};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs()
}

fn fw() -> Framework {
    Framework::from_nodes(vec![
        NodeSpec::root("total"),
        NodeSpec::child("x", "total"),
        NodeSpec::child("y", "total"),
    ])
    .unwrap()
}

#[test]
fn growth_between_values_near_f64_max_is_finite_and_right() {
    let fw = fw();
    // x: 1e306 → 1.7e308 → 1.7e308; y: 1 → 1 → 1.
    let obs = [
        ("x", 2020, 1e306),
        ("x", 2021, 1.7e308),
        ("x", 2022, 1.7e308),
        ("y", 2020, 1.0),
        ("y", 2021, 1.0),
        ("y", 2022, 1.0),
    ];
    let panel = Panel::from_records(
        &fw,
        obs.iter().map(|&(i, y, v)| Observation::new(i, "CN", y, v)),
    )
    .unwrap();
    let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
    let c = |n: &str, y| r.cell(n, "CN", y).unwrap();
    // By hand: V = 200·(170 − 1)/(170 + 1) = 33,800/171 = 197.660818713…; the leaf's index is
    // 100·x_t/x_base = 17,000; the total (equal weights, y flat) grows by V/2 = 98.830409356…,
    // E = 100·(200 + V/2)/(200 − V/2) = 100·(200·171 + 16,900)/(200·171 − 16,900)
    //   = 100·51,100/17,300 = 295.3757225…
    let v = 33_800.0 / 171.0;
    let g = c("x", 2021).growth.expect("a growth for x in 2021");
    assert!(close(g, v), "growth of x {g}, want {v}");
    let e = c("x", 2021).index.expect("an index for x in 2021");
    assert!(close(e, 17_000.0), "index of x {e}");
    let t = c("total", 2021)
        .index
        .expect("an index for the total in 2021");
    assert!(
        close(t, 100.0 * 51_100.0 / 17_300.0),
        "index of the total {t}"
    );
    assert_eq!(c("x", 2022).growth, Some(0.0));
    for row in r.rows() {
        for x in [
            row.cell.index,
            row.cell.growth,
            row.cell.contribution,
            row.cell.total_contribution,
            row.cell.estimated_share,
        ]
        .into_iter()
        .flatten()
        {
            assert!(x.is_finite(), "{} {} {}: {x}", row.node, row.unit, row.year);
        }
    }
}

#[test]
fn symmetric_growth_never_overflows_for_values_a_panel_accepts() {
    use index_engine::symmetric_growth;
    let values = [
        0.0,
        f64::MIN_POSITIVE,
        1e-300,
        1.0,
        1e300,
        1e306,
        1.7e308,
        f64::MAX,
    ];
    for a in values {
        for b in values {
            let v = symmetric_growth(a, b);
            assert!(
                v.is_finite() && (-200.0..=200.0).contains(&v),
                "V({a}, {b}) = {v}"
            );
        }
    }
    assert_eq!(symmetric_growth(f64::MAX, f64::MAX), 0.0);
    assert!(close(symmetric_growth(f64::MAX / 3.0, f64::MAX), 100.0));
}

/// A synthetic panel whose years would pass `i32::MAX` (issue 11.8: `--first-year
/// 2147483640` wrapped to negative years) is refused, naming the years and the bounds.
#[test]
fn synthetic_years_beyond_their_bounds_are_refused_not_wrapped() {
    use index_engine::synth::{SYNTH_YEAR_MAX, SynthOptions, synth_panel};
    let fw = fw();
    let opts = |first_year, years| SynthOptions {
        units: 2,
        years,
        first_year,
        ..Default::default()
    };
    let e = synth_panel(&fw, &opts(2_147_483_640, 10)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid option: years 2147483640..=2147483649 are outside 1..=9999 (first year 2147483640, 10 years)"
    );
    assert!(synth_panel(&fw, &opts(0, 3)).is_err());
    assert!(synth_panel(&fw, &opts(SYNTH_YEAR_MAX - 2, 4)).is_err());
    let p = synth_panel(&fw, &opts(SYNTH_YEAR_MAX - 2, 3)).unwrap();
    assert_eq!(p.year_span(), Some((SYNTH_YEAR_MAX - 2, SYNTH_YEAR_MAX)));
}
