//! Golden values computed independently: by hand (with the arithmetic written out below) and
//! by the NumPy peer `benches/peers/chain_index_numpy.py` (fixtures under tests/fixtures).

use std::collections::HashMap;
use std::path::Path;

use index_engine::sensitivity::{Move, OatOptions, one_at_a_time};
use index_engine::{
    Aggregation, Chain, ComputeOptions, Direction, Framework, Interpolation, Level, NodeSpec,
    Normalisation, Observation, Panel, compute, compute_with,
};

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

fn assert_close(got: Option<f64>, want: f64, what: &str) {
    let g = got.unwrap_or_else(|| panic!("{what}: no value, want {want}"));
    assert!(close(g, want, 1e-12), "{what}: got {g}, want {want}");
}

/// total ← A (weight 3) ← {a1, a2}; total ← b (weight 1, lower is better).
fn hand_framework() -> Framework {
    Framework::from_nodes(vec![
        NodeSpec::root("total"),
        NodeSpec::child("A", "total").weight(3.0),
        NodeSpec::child("b", "total")
            .weight(1.0)
            .direction(Direction::LowerIsBetter),
        NodeSpec::child("a1", "A"),
        NodeSpec::child("a2", "A"),
    ])
    .unwrap()
}

fn hand_panel(fw: &Framework) -> Panel {
    let obs = [
        ("a1", 2020, 100.0),
        ("a1", 2021, 110.0),
        ("a1", 2022, 121.0),
        ("a2", 2020, 50.0),
        ("a2", 2021, 50.0), // 2022 unpublished: carried forward
        ("b", 2020, 10.0),
        ("b", 2021, 8.0),
        ("b", 2022, 8.0),
    ];
    Panel::from_records(
        fw,
        obs.iter().map(|&(i, y, v)| Observation::new(i, "X", y, v)),
    )
    .unwrap()
}

#[test]
fn hand_computed_chain() {
    // 2021: V_a1 = 200·10/210 = 9.5238…, V_a2 = 0, V_A = 4.7619…, V_b = 200·(−2)/18 = −22.2…,
    // V_total = 0.75·V_A + 0.25·(−1)·V_b = 9.126984…, E = 100·(200+V)/(200−V).
    // 2022: V_a1 = 200·11/231, a2 carried (V = 0), V_b = 0, V_total = 0.75·V_a1/2.
    let fw = hand_framework();
    let r = compute(&fw, &hand_panel(&fw), &ComputeOptions::default()).unwrap();
    let c = |n: &str, y| r.cell(n, "X", y).unwrap();
    assert_close(c("a1", 2021).growth, 9.523809523809524, "V a1 2021");
    assert_close(c("A", 2021).growth, 4.761904761904762, "V A 2021");
    assert_close(c("b", 2021).growth, -22.22222222222222, "V b 2021");
    assert_close(c("total", 2021).growth, 9.126984126984127, "V total 2021");
    assert_close(c("total", 2021).index, 109.56340956340955, "E total 2021");
    assert_close(c("total", 2022).growth, 3.571428571428571, "V total 2022");
    assert_close(c("total", 2022).index, 113.54753354753356, "E total 2022");
    assert_close(c("A", 2021).index, 104.8780487804878, "E A 2021");
    assert_close(c("A", 2022).index, 109.9940511600238, "E A 2022");
    // Leaves: 100·x_t/x_base, whatever their direction.
    assert_close(c("a1", 2022).index, 121.0, "E a1 2022");
    assert_close(c("b", 2022).index, 80.0, "E b 2022");
    // Contributions: renormalised weight × direction × growth.
    assert_close(
        c("A", 2021).contribution,
        3.571428571428571,
        "contribution A",
    );
    assert_close(
        c("b", 2021).contribution,
        5.555555555555555,
        "contribution b",
    );
    assert_close(
        c("a1", 2021).total_contribution,
        3.571428571428571,
        "total contribution a1",
    );
    assert_eq!(c("a2", 2021).total_contribution, Some(0.0));
    assert_close(c("b", 2021).total_contribution, 5.555555555555555, "tc b");
    // Estimated shares: a2 carried in 2022 → A half estimated, total 0.75·0.5.
    assert_eq!(c("a2", 2022).estimated_share, Some(1.0));
    assert_eq!(c("A", 2022).estimated_share, Some(0.5));
    assert_eq!(c("total", 2022).estimated_share, Some(0.375));
    assert_eq!(c("total", 2021).estimated_share, Some(0.0));
    // Base year: index 100, no growth, no contributions.
    let base = c("total", 2020);
    assert_eq!(base.index, Some(100.0));
    assert_eq!(
        (base.growth, base.contribution, base.total_contribution),
        (None, None, None)
    );
    assert_eq!(r.last_observed_year(), Some(2022));
}

#[test]
fn hand_computed_sensitivity() {
    // total ← a, b equal; a doubles (V = 200·100/300), b flat. Nominal E = 140.
    // a up: w_a = 0.6/1.1 → 144.444…; a down: 0.4/0.9 → 134.7826…;
    // b up: w_a = 0.5/1.1 → 135.714…; b down: w_a = 0.5/0.9 → 145.4545…
    let fw = Framework::from_nodes(vec![
        NodeSpec::root("t"),
        NodeSpec::child("a", "t"),
        NodeSpec::child("b", "t"),
    ])
    .unwrap();
    let obs = vec![
        Observation::new("a", "X", 2020, 100.0),
        Observation::new("a", "X", 2021, 200.0),
        Observation::new("b", "X", 2020, 100.0),
        Observation::new("b", "X", 2021, 100.0),
    ];
    let panel = Panel::from_records(&fw, obs).unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let rep = one_at_a_time(&Chain, &fw, &filled, &OatOptions::default()).unwrap();
    let row = rep.rows.iter().find(|r| r.node == "t").unwrap();
    assert_close(row.nominal, 140.0, "nominal");
    assert_close(row.low, 134.78260869565216, "low");
    assert_close(row.high, 145.45454545454547, "high");
    let lb = row.low_by.as_ref().unwrap();
    assert_eq!((lb.weight.as_str(), lb.direction), ("a", Move::Down));
    let hb = row.high_by.as_ref().unwrap();
    assert_eq!((hb.weight.as_str(), hb.direction), ("b", Move::Down));
    let largest = rep.largest.unwrap();
    assert!(close(
        largest.total_change_pct.unwrap(),
        3.896103896103905,
        1e-9
    ));
    assert_eq!(
        (largest.shift.weight.as_str(), largest.shift.direction),
        ("b", Move::Down)
    );
    let pcts: Vec<f64> = rep
        .cases
        .iter()
        .filter_map(|c| c.total_change_pct)
        .collect();
    assert_eq!(pcts.len(), rep.cases.len());
    for (g, w) in pcts.iter().zip([
        3.1746031746031833,
        -3.7267080745341725,
        -3.0612244897959124,
        3.896103896103905,
    ]) {
        assert!(close(*g, w, 1e-9), "{pcts:?}");
    }
    // Leaves do not depend on weights: their range is their nominal, with no weight named.
    let a = rep.rows.iter().find(|r| r.node == "a").unwrap();
    assert_eq!(
        (a.low, a.high, a.low_by.as_ref()),
        (a.nominal, a.nominal, None)
    );
}

fn level_fixture() -> (Framework, Panel) {
    let fw = Framework::from_nodes(vec![
        NodeSpec::root("t"),
        NodeSpec::child("x", "t"),
        NodeSpec::child("y", "t").direction(Direction::LowerIsBetter),
    ])
    .unwrap();
    let mut obs = Vec::new();
    for (u, x, y) in [("A", 10.0, 5.0), ("B", 20.0, 5.0), ("C", 30.0, 1.0)] {
        obs.push(Observation::new("x", u, 2024, x));
        obs.push(Observation::new("y", u, 2024, y));
    }
    let p = Panel::from_records(&fw, obs).unwrap();
    (fw, p)
}

#[test]
fn hand_computed_level_methods() {
    let (fw, panel) = level_fixture();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let run = |n, a| {
        let r = compute_with(
            &Level {
                normalisation: n,
                aggregation: a,
            },
            &fw,
            &filled,
            None,
        )
        .unwrap();
        ["A", "B", "C"].map(|u| r.cell("t", u, 2024).unwrap().index.unwrap())
    };
    // Min-max: x → 0, 50, 100; y own → 100, 100, 0, entering mirrored → 0, 0, 100.
    assert_eq!(
        run(Normalisation::MinMax, Aggregation::Arithmetic),
        [0.0, 25.0, 100.0]
    );
    // Geometric on [1, 100]: x → 1, 50.5, 100; y entering 101 − s → 1, 1, 100.
    let g = run(Normalisation::MinMax, Aggregation::Geometric);
    assert!(
        close(g[0], 1.0, 1e-12)
            && close(g[1], 7.106335201775948, 1e-12)
            && close(g[2], 100.0, 1e-12),
        "{g:?}"
    );
    // z-scores (population sd), numpy: ((x−x̄)/σx − (y−ȳ)/σy)/2.
    let z = run(Normalisation::ZScore, Aggregation::Arithmetic);
    for (g, w) in z
        .iter()
        .zip([-0.9659258262890682, -0.3535533905932738, 1.319479216882342])
    {
        assert!(close(*g, w, 1e-12), "{z:?}");
    }
    let err = compute_with(
        &Level {
            normalisation: Normalisation::ZScore,
            aggregation: Aggregation::Geometric,
        },
        &fw,
        &filled,
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("min-max"), "{err}");
    // Arithmetic contributions add up to the parent's score.
    let r = compute_with(
        &Level {
            normalisation: Normalisation::MinMax,
            aggregation: Aggregation::Arithmetic,
        },
        &fw,
        &filled,
        None,
    )
    .unwrap();
    let cx = r.cell("x", "B", 2024).unwrap().contribution.unwrap();
    let cy = r.cell("y", "B", 2024).unwrap().contribution.unwrap();
    assert_eq!((cx, cy), (25.0, 0.0));
}

fn read_dir(dir: &Path) -> (Framework, Panel) {
    let fw = Framework::read_csv(
        std::fs::File::open(dir.join("framework.csv")).unwrap(),
        "framework.csv",
    )
    .unwrap();
    let p = Panel::read_csv(
        &fw,
        std::fs::File::open(dir.join("observations.csv")).unwrap(),
        "observations.csv",
    )
    .unwrap();
    (fw, p)
}

fn peer_values(file: &Path) -> HashMap<(String, String, i32), f64> {
    let mut rdr = csv::Reader::from_path(file).unwrap();
    let mut out = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let key = (
            rec[0].to_string(),
            rec[1].to_string(),
            rec[2].parse().unwrap(),
        );
        out.insert(key, rec[3].parse().unwrap());
    }
    out
}

fn check_against_peer(dir: &str, peer_file: &str, to: Option<i32>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let (fw, panel) = read_dir(&dir);
    let peer = peer_values(&dir.join(peer_file));
    let r = compute(
        &fw,
        &panel,
        &ComputeOptions {
            to_year: to,
            ..Default::default()
        },
    )
    .unwrap();
    let mut n = 0;
    for row in r.rows() {
        let key = (row.node.to_string(), row.unit.to_string(), row.year);
        let want = *peer
            .get(&key)
            .unwrap_or_else(|| panic!("peer lacks {key:?}"));
        let got = row.cell.index.unwrap();
        assert!(close(got, want, 1e-9), "{key:?}: index {got}, peer {want}");
        n += 1;
    }
    assert_eq!(n, peer.len(), "row count");
    assert_eq!(n, fw.len() * 6 * r.years().len());
}

#[test]
fn matches_numpy_peer_with_interior_and_trailing_gaps() {
    check_against_peer("peer_small", "peer_index.csv", None);
}

#[test]
fn matches_numpy_peer_carrying_to_a_later_target_year() {
    check_against_peer("peer_small", "peer_index_to2014.csv", Some(2014));
}

#[test]
fn matches_numpy_peer_with_leading_gaps() {
    check_against_peer("peer_leading", "peer_index.csv", None);
}

#[test]
fn linear_and_no_interpolation_differ_from_geometric_as_expected() {
    // One leaf observed in 2019 and 2022 only: geometric spreads the growth evenly, linear
    // front-loads the ratio, none leaves the index flat until the data comes back.
    let fw = Framework::from_nodes(vec![
        NodeSpec::root("t"),
        NodeSpec::child("x", "t"),
        NodeSpec::child("y", "t"),
    ])
    .unwrap();
    let obs = vec![
        Observation::new("x", "U", 2019, 1.0),
        Observation::new("x", "U", 2022, 8.0),
        Observation::new("y", "U", 2019, 5.0),
        Observation::new("y", "U", 2020, 5.0),
        Observation::new("y", "U", 2021, 5.0),
        Observation::new("y", "U", 2022, 5.0),
    ];
    let panel = Panel::from_records(&fw, obs).unwrap();
    let run = |i| {
        let r = compute(
            &fw,
            &panel,
            &ComputeOptions {
                interpolation: i,
                ..Default::default()
            },
        )
        .unwrap();
        (2019..=2022)
            .map(|y| r.cell("x", "U", y).unwrap().index.unwrap())
            .collect::<Vec<_>>()
    };
    let g = run(Interpolation::Geometric);
    for (a, b) in g.iter().zip([100.0, 200.0, 400.0, 800.0]) {
        assert!(close(*a, b, 1e-12), "{g:?}");
    }
    let l = run(Interpolation::Linear);
    for (a, b) in l
        .iter()
        .zip([100.0, 100.0 + 700.0 / 3.0, 100.0 + 1400.0 / 3.0, 800.0])
    {
        assert!(close(*a, b, 1e-12), "{l:?}");
    }
    // With no interpolation the leaf has no growth 2020–2022: flat at 100, and the parent
    // rests on y alone (weight renormalised to 1).
    assert_eq!(run(Interpolation::None), [100.0; 4]);
    let r = compute(
        &fw,
        &panel,
        &ComputeOptions {
            interpolation: Interpolation::None,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.cell("t", "U", 2022).unwrap().growth, Some(0.0));
    assert_eq!(r.cell("x", "U", 2021).unwrap().estimated_share, None);
}

#[test]
fn zero_values_are_handled_and_noted() {
    let fw = Framework::from_nodes(vec![NodeSpec::root("t"), NodeSpec::child("x", "t")]).unwrap();
    let obs = vec![
        Observation::new("x", "U", 2019, 4.0),
        Observation::new("x", "U", 2020, 0.0),
        Observation::new("x", "U", 2022, 4.0),
    ];
    let panel = Panel::from_records(&fw, obs).unwrap();
    let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
    // 4 → 0: growth −200 exactly; 0 → 2 (linear fill beside the zero): +200.
    assert_eq!(r.cell("x", "U", 2020).unwrap().growth, Some(-200.0));
    assert_eq!(r.cell("x", "U", 2021).unwrap().growth, Some(200.0));
    // The leaf's index stays the ratio to the base value across the zero.
    assert_eq!(r.cell("x", "U", 2021).unwrap().index, Some(50.0));
    assert_eq!(r.cell("x", "U", 2022).unwrap().index, Some(100.0));
    assert_eq!(r.notes().len(), 1);
    assert!(r.notes()[0].message.contains("linearly"));
}

#[test]
fn the_national_caict_index_matches_the_numpy_peer() {
    let fw = index_engine::caict2025::framework().unwrap();
    let panel = index_engine::caict2025::panel(&fw).unwrap();
    let r = compute(
        &fw,
        &panel,
        &ComputeOptions {
            to_year: Some(2024),
            ..Default::default()
        },
    )
    .unwrap();
    let peer = peer_values(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/caict_peer_index.csv"),
    );
    assert_eq!(peer.len(), fw.len() * 6);
    for row in r.rows() {
        let want = peer[&(row.node.to_string(), row.unit.to_string(), row.year)];
        let got = row.cell.index.unwrap();
        assert!(
            close(got, want, 1e-9),
            "{} {}: {got} vs {want}",
            row.node,
            row.year
        );
    }
    // The report's reading: the pathway (融合途径) and the foundation (融合基础) contributed
    // most to the total's growth in 2024.
    let mut firsts: Vec<(f64, &str)> = ["foundation", "key", "pathway", "efficacy"]
        .iter()
        .map(|&n| (r.cell(n, "CN", 2024).unwrap().contribution.unwrap(), n))
        .collect();
    firsts.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert_eq!([firsts[0].1, firsts[1].1], ["pathway", "foundation"]);
}

/// The chain, but with every row stored: the reference for the leaf rows a chain result
/// derives from the panel when read.
struct StoredChain;

impl index_engine::Method for StoredChain {
    type Prepared = ();
    type UnitInput = index_engine::ChainUnit;

    fn name(&self) -> String {
        Chain.name()
    }
    fn contributions(&self) -> index_engine::Contributions {
        Chain.contributions()
    }
    fn prepare(
        &self,
        fw: &Framework,
        filled: &index_engine::FilledPanel,
    ) -> index_engine::Result<()> {
        Chain.prepare(fw, filled)
    }
    fn unit_input(
        &self,
        p: &(),
        fw: &Framework,
        filled: &index_engine::FilledPanel,
        unit: usize,
    ) -> index_engine::ChainUnit {
        Chain.unit_input(p, fw, filled, unit)
    }
    fn evaluate(
        &self,
        p: &(),
        fw: &Framework,
        input: &index_engine::ChainUnit,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: index_engine::UnitOutput<'_>,
    ) {
        Chain.evaluate(p, fw, input, weights, scratch, out);
    }
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    a.map(f64::to_bits) == b.map(f64::to_bits)
}

#[test]
fn derived_leaf_rows_equal_stored_ones_bit_for_bit() {
    use index_engine::synth::{SynthOptions, synth_panel};
    let fw = index_engine::caict2025::framework().unwrap();
    let panel = synth_panel(
        &fw,
        &SynthOptions {
            units: 40,
            years: 12,
            seed: 3,
            gap_share: 0.3,
            ..Default::default()
        },
    )
    .unwrap();
    for interpolation in [Interpolation::Geometric, Interpolation::Linear] {
        let filled = ComputeOptions {
            interpolation,
            ..Default::default()
        }
        .fill(&panel)
        .unwrap();
        let derived = compute_with(&Chain, &fw, &filled, None).unwrap();
        let stored = compute_with(&StoredChain, &fw, &filled, None).unwrap();
        let mut n = 0;
        for (a, b) in derived.rows().zip(stored.rows()) {
            let (x, y) = (a, b);
            assert_eq!((x.node, x.unit, x.year), (y.node, y.unit, y.year));
            let (p, q) = (x.cell, y.cell);
            assert!(
                same(p.index, q.index)
                    && same(p.growth, q.growth)
                    && same(p.contribution, q.contribution)
                    && same(p.total_contribution, q.total_contribution)
                    && same(p.estimated_share, q.estimated_share),
                "{} {} {}: {p:?} vs {q:?}",
                x.node,
                x.unit,
                x.year
            );
            let t = (a.year - derived.base_year()) as usize;
            let (node, unit) = (
                derived.node_position(a.node).unwrap(),
                derived.unit_position(a.unit).unwrap(),
            );
            assert_eq!(derived.cell_at(node, unit, t), Some(a.cell));
            assert_eq!(derived.cell(a.node, a.unit, a.year).unwrap(), a.cell);
            n += 1;
        }
        assert_eq!(n, fw.len() * 40 * 12);
        for node in 0..fw.len() {
            for unit in 0..40 {
                for (x, y) in [
                    (
                        derived.index_series(node, unit),
                        stored.index_series(node, unit),
                    ),
                    (
                        derived.growth_series(node, unit),
                        stored.growth_series(node, unit),
                    ),
                    (
                        derived.estimated_series(node, unit),
                        stored.estimated_series(node, unit),
                    ),
                ] {
                    let (x, y) = (x.unwrap(), y.unwrap());
                    assert!(
                        x.iter()
                            .map(|v| v.to_bits())
                            .eq(y.iter().map(|v| v.to_bits()))
                    );
                }
            }
        }
    }
}
