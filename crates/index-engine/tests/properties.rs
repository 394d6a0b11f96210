//! Invariants of the chain method, checked on random frameworks and panels (proptest), and
//! reproducibility of the Monte Carlo bands across thread counts.

use index_engine::uncertainty::{McOptions, monte_carlo};
use index_engine::{
    Aggregation, Chain, ComputeOptions, Direction, Framework, IndexResult, Interpolation, Level,
    Method, NodeSpec, Normalisation, Observation, Panel, Published, PublishedFigure, PublishedRule,
    PublishedUse, chain_factor, compute, compute_published, compute_with, symmetric_growth,
};
use proptest::prelude::*;

/// A random two-level tree: the root's children, each a leaf or the parent of 1–3 leaves.
#[derive(Debug, Clone)]
struct Shape {
    /// Per first-level node: number of leaf children (0 = it is a leaf itself).
    kids: Vec<usize>,
    /// Raw weight of every non-root node, in creation order.
    weights: Vec<f64>,
    /// Direction −1 for these non-root nodes.
    lower: Vec<bool>,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop::collection::vec(0usize..4, 1..5).prop_flat_map(|kids| {
        let n = kids.len() + kids.iter().sum::<usize>();
        (
            Just(kids),
            prop::collection::vec(0.1f64..5.0, n),
            prop::collection::vec(any::<bool>(), n),
        )
            .prop_map(|(kids, weights, lower)| Shape {
                kids,
                weights,
                lower,
            })
    })
}

/// Node specs for a shape; `reverse` lists every sibling group in reverse order.
fn specs(s: &Shape, scale: f64, reverse: bool) -> Vec<NodeSpec> {
    let mut groups: Vec<Vec<NodeSpec>> = Vec::new();
    let mut first = Vec::new();
    let mut k = 0;
    let node = |id: String, parent: &str, k: &mut usize| {
        let mut n = NodeSpec::child(id, parent).weight(s.weights[*k] * scale);
        if s.lower[*k] {
            n = n.direction(Direction::LowerIsBetter);
        }
        *k += 1;
        n
    };
    for (i, &c) in s.kids.iter().enumerate() {
        let id = format!("n{i}");
        first.push(node(id.clone(), "root", &mut k));
        let mut g = Vec::new();
        for j in 0..c {
            g.push(node(format!("n{i}_{j}"), &id, &mut k));
        }
        groups.push(g);
    }
    if reverse {
        first.reverse();
        groups.reverse();
        for g in &mut groups {
            g.reverse();
        }
    }
    let mut out = vec![NodeSpec::root("root")];
    out.extend(first);
    out.extend(groups.into_iter().flatten());
    out
}

fn leaf_ids(fw: &Framework) -> Vec<String> {
    fw.leaf_ids().map(str::to_string).collect()
}

/// Fully observed positive values, leaf by leaf (in `ids` order), units × years.
fn panel_for(fw: &Framework, ids: &[String], values: &[f64], units: usize, years: usize) -> Panel {
    let mut obs = Vec::new();
    let mut k = 0;
    let mut sorted = ids.to_vec();
    sorted.sort();
    for id in &sorted {
        for u in 0..units {
            for t in 0..years {
                obs.push(Observation::new(
                    id.clone(),
                    format!("u{u}"),
                    2000 + t as i32,
                    values[k % values.len()],
                ));
                k += 1;
            }
        }
    }
    Panel::from_records(fw, obs).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

fn children_sum_check(fw: &Framework, r: &IndexResult) {
    let years = r.years();
    for u in r.units() {
        for &y in &years[1..] {
            let root = fw.root_node();
            let rg = r.cell(&root.spec.id, u, y).unwrap().growth.unwrap();
            let mut leaf_total = 0.0;
            for id in fw.leaf_ids() {
                leaf_total += r.cell(id, u, y).unwrap().total_contribution.unwrap();
            }
            assert!(
                close(leaf_total, rg, 1e-9),
                "leaves {leaf_total} vs root {rg}"
            );
            for n in fw.nodes().iter().filter(|n| !n.children.is_empty()) {
                let g = r.cell(&n.spec.id, u, y).unwrap().growth.unwrap();
                let sum: f64 = n
                    .children
                    .iter()
                    .map(|&c| {
                        r.cell(&fw.nodes()[c].spec.id, u, y)
                            .unwrap()
                            .contribution
                            .unwrap()
                    })
                    .sum();
                assert!(close(sum, g, 1e-9), "{}: {sum} vs {g}", n.spec.id);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn leaf_index_is_the_ratio_and_growth_inverts(
        s in shape(),
        values in prop::collection::vec(0.01f64..1e6, 8..60),
        units in 1usize..3,
        years in 2usize..7,
    ) {
        let fw = Framework::from_nodes(specs(&s, 1.0, false)).unwrap();
        let ids = leaf_ids(&fw);
        let panel = panel_for(&fw, &ids, &values, units, years);
        let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
        for (l, id) in ids.iter().enumerate() {
            for u in 0..units {
                let x0 = panel.value(l, u, 2000).unwrap();
                for t in 0..years {
                    let y = 2000 + t as i32;
                    let x = panel.value(l, u, y).unwrap();
                    let c = r.cell(id, &format!("u{u}"), y).unwrap();
                    prop_assert!(close(c.index.unwrap(), 100.0 * x / x0, 1e-12));
                    prop_assert_eq!(c.estimated_share, Some(0.0));
                    if t > 0 {
                        let xp = panel.value(l, u, y - 1).unwrap();
                        let g = c.growth.unwrap();
                        prop_assert!(g > -200.0 && g < 200.0);
                        // (200 + g) / (200 − g) is ill-conditioned as |g| nears 200: an
                        // error of one ulp of 200 in the smaller factor is relative error
                        // ≈ 2.3e-14 / (200 − |g|) in the ratio, so the bound scales with it.
                        let inverse = (200.0 + g) / (200.0 - g);
                        let tol = 1e-12 * (1.0 + 200.0 / (200.0 - g.abs()));
                        prop_assert!(
                            (inverse - x / xp).abs() <= tol * (x / xp),
                            "growth {g} inverts to {inverse}, ratio {}", x / xp
                        );
                        prop_assert_eq!(g, symmetric_growth(xp, x));
                    }
                }
            }
        }
        // Fully observed data: nothing rests on estimates, anywhere.
        for row in r.rows() {
            prop_assert_eq!(row.cell.estimated_share, Some(0.0));
        }
        children_sum_check(&fw, &r);
    }

    #[test]
    fn equal_child_growth_gives_the_parent_that_growth(
        s in shape(),
        path in prop::collection::vec(0.5f64..2.0, 2..7),
        scales in prop::collection::vec(0.1f64..100.0, 1..20),
    ) {
        // Every leaf follows the same path up to a constant factor: equal growth everywhere.
        // All directions 1 here (direction −1 would negate the growth entering the parent).
        let s = Shape { lower: vec![false; s.lower.len()], ..s };
        let fw = Framework::from_nodes(specs(&s, 1.0, false)).unwrap();
        let ids = leaf_ids(&fw);
        let mut obs = Vec::new();
        for (l, id) in ids.iter().enumerate() {
            let mut x = scales[l % scales.len()];
            for (t, step) in path.iter().enumerate() {
                obs.push(Observation::new(id.clone(), "U", 2000 + t as i32, x));
                x *= step;
            }
        }
        let panel = Panel::from_records(&fw, obs).unwrap();
        let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
        for t in 1..path.len() {
            let y = 2000 + t as i32;
            let want = r.cell(&ids[0], "U", y).unwrap().growth.unwrap();
            for n in fw.nodes() {
                let g = r.cell(&n.spec.id, "U", y).unwrap().growth.unwrap();
                prop_assert!((g - want).abs() < 1e-9, "{}: {} vs {}", n.spec.id, g, want);
            }
        }
    }

    #[test]
    fn sibling_order_and_weight_scale_change_nothing(
        s in shape(),
        values in prop::collection::vec(0.01f64..1e4, 8..40),
        scale in 0.01f64..100.0,
    ) {
        let a = Framework::from_nodes(specs(&s, 1.0, false)).unwrap();
        let b = Framework::from_nodes(specs(&s, scale, true)).unwrap();
        let ids = leaf_ids(&a);
        let pa = panel_for(&a, &ids, &values, 2, 5);
        let pb = panel_for(&b, &ids, &values, 2, 5);
        let ra = compute(&a, &pa, &ComputeOptions::default()).unwrap();
        let rb = compute(&b, &pb, &ComputeOptions::default()).unwrap();
        for row in ra.rows() {
            let other = rb.cell(row.node, row.unit, row.year).unwrap();
            for (x, y) in [
                (row.cell.index, other.index),
                (row.cell.growth, other.growth),
                (row.cell.contribution, other.contribution),
                (row.cell.total_contribution, other.total_contribution),
                (row.cell.estimated_share, other.estimated_share),
            ] {
                match (x, y) {
                    (Some(x), Some(y)) => prop_assert!(close(x, y, 1e-12), "{}: {} vs {}", row.node, x, y),
                    (x, y) => prop_assert_eq!(x, y),
                }
            }
        }
    }

    #[test]
    fn a_fully_carried_year_is_wholly_estimated(
        s in shape(),
        values in prop::collection::vec(0.01f64..1e4, 8..40),
        extra in 1i32..4,
    ) {
        let fw = Framework::from_nodes(specs(&s, 1.0, false)).unwrap();
        let ids = leaf_ids(&fw);
        let panel = panel_for(&fw, &ids, &values, 1, 3);
        let r = compute(&fw, &panel, &ComputeOptions { to_year: Some(2002 + extra), ..Default::default() }).unwrap();
        for n in fw.nodes() {
            for y in 2003..=2002 + extra {
                let c = r.cell(&n.spec.id, "u0", y).unwrap();
                prop_assert_eq!(c.estimated_share, Some(1.0));
                prop_assert_eq!(c.growth, Some(0.0));
                let before = r.cell(&n.spec.id, "u0", 2002).unwrap();
                prop_assert_eq!(c.index, before.index);
            }
            prop_assert_eq!(r.cell(&n.spec.id, "u0", 2002).unwrap().estimated_share, Some(0.0));
        }
    }
}

/// Published figures for random nodes, units and years of a panel from 2000 (never the base
/// year), at most one per node, unit and year.
fn published_for(
    fw: &Framework,
    picks: &[(usize, usize, f64)],
    units: usize,
    years: usize,
    panel: &Panel,
) -> Published {
    let mut seen = std::collections::HashSet::new();
    let mut figures = Vec::new();
    for (i, &(n, off, index)) in picks.iter().enumerate() {
        if years < 2 {
            break;
        }
        let node = fw.nodes()[n % fw.len()].spec.id.clone();
        let unit = format!("u{}", i % units);
        let year = 2000 + (1 + off % (years - 1)) as i32;
        if seen.insert((node.clone(), unit.clone(), year)) {
            figures.push(PublishedFigure::new(node, unit, year, index));
        }
    }
    Published::from_records(fw, panel, figures).unwrap()
}

/// Any finite value ≥ 0, from 0 and the smallest subnormals to the largest f64.
fn magnitude() -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => Just(0.0),
        1 => Just(f64::MAX),
        1 => Just(f64::from_bits(1)),
        12 => (1.0f64..10.0, -323i32..=308).prop_map(|(m, e)| (m * 10f64.powi(e)).min(f64::MAX)),
        // Where a + b and 200·(b − a) overflow, and among the subnormals.
        4 => (0.01f64..1.7976).prop_map(|m| m * 1e308),
        4 => (1u64..1 << 52).prop_map(f64::from_bits),
    ]
}

fn finite_or_none(x: Option<f64>) -> bool {
    x.is_none_or(f64::is_finite)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn with_no_missing_data_published_mode_equals_raw_mode(
        s in shape(),
        values in prop::collection::vec(0.01f64..1e6, 8..60),
        units in 1usize..3,
        years in 2usize..7,
        picks in prop::collection::vec((0usize..64, 0usize..8, 1.0f64..500.0), 0..10),
    ) {
        let fw = Framework::from_nodes(specs(&s, 1.0, false)).unwrap();
        let panel = panel_for(&fw, &leaf_ids(&fw), &values, units, years);
        let published = published_for(&fw, &picks, units, years, &panel);
        let opts = ComputeOptions::default();
        let raw = compute(&fw, &panel, &opts).unwrap();
        let with = compute_published(&fw, &panel, &published, &PublishedRule::default(), &opts).unwrap();
        // Bit for bit: every figure, share and source.
        prop_assert_eq!(
            serde_json::to_string(&with.rows().collect::<Vec<_>>()).unwrap(),
            serde_json::to_string(&raw.rows().collect::<Vec<_>>()).unwrap()
        );
    }

    #[test]
    fn huge_and_tiny_values_give_finite_figures_or_none(
        s in shape(),
        cells in prop::collection::vec((magnitude(), 0u8..6), 8..60),
        units in 1usize..3,
        years in 2usize..6,
        picks in prop::collection::vec((0usize..64, 0usize..8, 1e-300f64..1e300), 0..6),
    ) {
        let fw = Framework::from_nodes(specs(&s, 1.0, false)).unwrap();
        let mut obs = Vec::new();
        let mut k = 0;
        for id in leaf_ids(&fw) {
            for u in 0..units {
                for t in 0..years {
                    let (v, gap) = cells[k % cells.len()];
                    k += 1;
                    // A gap one time in six (the first year always observed).
                    if t == 0 || gap != 0 {
                        obs.push(Observation::new(id.clone(), format!("u{u}"), 2000 + t as i32, v));
                    }
                }
            }
        }
        let panel = Panel::from_records(&fw, obs).unwrap();
        // Trailing gaps may shorten the panel's years.
        let span = panel.year_span().map_or(1, |(a, b)| (b - a + 1) as usize);
        let published = published_for(&fw, &picks, units, span, &panel);
        let mut always = PublishedRule::default();
        for f in published.figures() {
            always.set(f.node.clone(), PublishedUse::Always);
        }
        let mut results = Vec::new();
        for interpolation in [Interpolation::Geometric, Interpolation::Linear, Interpolation::None] {
            let opts = ComputeOptions { interpolation, ..Default::default() };
            results.push(compute(&fw, &panel, &opts).unwrap());
            results.push(compute_published(&fw, &panel, &published, &always, &opts).unwrap());
        }
        let filled = ComputeOptions::default().fill(&panel).unwrap();
        // Targets and goalposts at the ends of the range, where a careless difference
        // would overflow.
        let with_targets = Framework::from_nodes(
            fw.nodes()
                .iter()
                .map(|n| match n.leaf {
                    Some(l) if l % 2 == 0 => n.spec.clone().target(f64::MAX).goalposts(0.0, f64::MAX),
                    Some(_) => n.spec.clone().target(0.0).goalposts(f64::MIN_POSITIVE, 1e-300),
                    None => n.spec.clone(),
                })
                .collect(),
        )
        .unwrap();
        for normalisation in Normalisation::ALL {
            for aggregation in Aggregation::ALL {
                if !normalisation.on_fixed_scale() && aggregation.needs_fixed_scale() {
                    continue;
                }
                let level = Level { normalisation, aggregation };
                results.push(compute_with(&level, &with_targets, &filled, None).unwrap());
            }
        }
        for r in &results {
            let ranks = r.ranks();
            let n_units = r.units().len() as u32;
            for (node, unit, t) in (0..r.node_ids().len()).flat_map(|n| {
                (0..r.units().len()).flat_map(move |u| (0..r.years().len()).map(move |t| (n, u, t)))
            }) {
                let has = r.index_series(node, unit).is_some_and(|s| !s[t].is_nan());
                let rank = ranks.rank(node, unit, t);
                prop_assert_eq!(rank.is_some(), has);
                prop_assert!(rank.is_none_or(|k| (1..=n_units).contains(&k)));
            }
            for row in r.rows() {
                let c = row.cell;
                for x in [c.index, c.growth, c.contribution, c.total_contribution, c.estimated_share] {
                    prop_assert!(finite_or_none(x), "{} {} {}: {:?}", r.method(), row.node, row.year, c);
                }
                prop_assert!(c.growth.is_none_or(|g| (-200.0..=200.0).contains(&g)));
                prop_assert!((0.0..=1.0).contains(&c.missing_share));
                prop_assert!(c.estimated_share.is_none_or(|e| (0.0..=1.0).contains(&e)));
            }
        }
        let report = index_engine::sensitivity::one_at_a_time(&Chain, &fw, &filled, &Default::default()).unwrap();
        for row in &report.rows {
            prop_assert!(finite_or_none(row.nominal) && finite_or_none(row.low) && finite_or_none(row.high));
        }
        for case in &report.cases {
            prop_assert!(finite_or_none(case.total_change_pct));
        }
    }

    #[test]
    fn symmetric_growth_is_bounded_antisymmetric_and_inverts_at_any_magnitude(
        a in magnitude(),
        b in magnitude(),
        shift in -60i32..60,
    ) {
        let g = symmetric_growth(a, b);
        prop_assert!(g.is_finite() && (-200.0..=200.0).contains(&g), "{a} {b}: {g}");
        prop_assert_eq!(g, -symmetric_growth(b, a));
        // Growth depends on the ratio alone: scaling both by a power of two (exact while both
        // stay normal) changes it by rounding only.
        let k = 2f64.powi(shift);
        let (ak, bk) = (a * k, b * k);
        if a.is_normal() && b.is_normal() && ak.is_normal() && bk.is_normal() {
            prop_assert!((symmetric_growth(ak, bk) - g).abs() <= 1e-12 * (1.0 + g.abs()));
            let ratio = b / a;
            if ratio.is_normal() && g.abs() < 199.0 {
                let tol = 1e-12 * (1.0 + 200.0 / (200.0 - g.abs()));
                prop_assert!((chain_factor(g) - ratio).abs() <= tol * ratio, "{a} {b}: {g}");
            }
        }
    }
}

fn mc_fixture() -> (Framework, index_engine::FilledPanel) {
    let fw = index_engine::caict2025::framework().unwrap();
    let panel = index_engine::synth::synth_panel(
        &fw,
        &index_engine::synth::SynthOptions {
            units: 3,
            years: 6,
            seed: 11,
            ..Default::default()
        },
    )
    .unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    (fw, filled)
}

fn mc_json(threads: usize, seed: u64) -> String {
    let (fw, filled) = mc_fixture();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let opts = McOptions {
        samples: 1100, // above the bucketed-percentile threshold, with a short last block
        seed,
        perturb: 0.2,
    };
    let report = pool
        .install(|| monte_carlo(&Chain, &fw, &filled, &opts, &|_| {}))
        .unwrap();
    serde_json::to_string(&report).unwrap()
}

#[test]
fn monte_carlo_is_identical_on_one_and_two_threads() {
    let one = mc_json(1, 7);
    let two = mc_json(2, 7);
    assert_eq!(one, two);
    assert_ne!(one, mc_json(2, 8), "another seed must give other bands");
}

#[test]
fn monte_carlo_bands_are_ordered_and_counted() {
    let (fw, filled) = mc_fixture();
    let count = std::sync::atomic::AtomicU64::new(0);
    let opts = McOptions {
        samples: 200,
        seed: 3,
        perturb: 0.3,
    };
    let rep = monte_carlo(&Chain, &fw, &filled, &opts, &|n| {
        count.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(count.into_inner(), 3 * 200);
    assert_eq!(rep.bands.len(), fw.len() * 3 * 6);
    let mut spread = 0.0f64;
    for b in &rep.bands {
        let (p5, p50, p95) = (b.p5.unwrap(), b.p50.unwrap(), b.p95.unwrap());
        assert!(p5 <= p50 && p50 <= p95, "{b:?}");
        if fw.node(&b.node).unwrap().leaf.is_some() || b.year == 2000 {
            // Leaves and the base year do not depend on the weights.
            assert_eq!((b.p5, b.p95), (b.nominal, b.nominal));
        }
        spread = spread.max(p95 - p5);
    }
    assert!(spread > 0.0, "noisy weights must move some inner node");
    assert!(
        monte_carlo(
            &Chain,
            &fw,
            &filled,
            &McOptions {
                perturb: 1.5,
                ..opts
            },
            &|_| {}
        )
        .is_err()
    );
}

/// The chain without its across-draws kernel: the trait's default evaluates draw by draw.
struct DrawByDraw;

impl Method for DrawByDraw {
    type Prepared = ();
    type UnitInput = index_engine::ChainUnit;
    fn name(&self) -> String {
        "chain, draw by draw".into()
    }
    fn contributions(&self) -> index_engine::Contributions {
        Chain.contributions()
    }
    fn prepare(&self, fw: &Framework, f: &index_engine::FilledPanel) -> index_engine::Result<()> {
        Chain.prepare(fw, f)
    }
    fn unit_input(
        &self,
        p: &(),
        fw: &Framework,
        f: &index_engine::FilledPanel,
        unit: usize,
    ) -> index_engine::ChainUnit {
        Chain.unit_input(p, fw, f, unit)
    }
    fn evaluate(
        &self,
        p: &(),
        fw: &Framework,
        input: &index_engine::ChainUnit,
        w: &[f64],
        scratch: &mut Vec<f64>,
        out: index_engine::UnitOutput<'_>,
    ) {
        Chain.evaluate(p, fw, input, w, scratch, out);
    }
}

#[test]
fn the_across_draws_kernel_equals_draw_by_draw_evaluation() {
    let (fw, filled) = mc_fixture();
    let opts = McOptions {
        samples: 150, // not a multiple of the block size: a short last block
        seed: 5,
        perturb: 0.25,
    };
    let fast = monte_carlo(&Chain, &fw, &filled, &opts, &|_| {}).unwrap();
    let slow = monte_carlo(&DrawByDraw, &fw, &filled, &opts, &|_| {}).unwrap();
    assert_eq!(
        serde_json::to_string(&fast).unwrap(),
        serde_json::to_string(&slow).unwrap()
    );
}

#[test]
fn mismatched_shapes_give_errors_or_no_figures_never_a_panic() {
    let (fw, filled) = mc_fixture();
    let other =
        Framework::from_nodes(vec![NodeSpec::root("t"), NodeSpec::child("x", "t")]).unwrap();
    assert!(index_engine::compute_with(&Chain, &other, &filled, None).is_err());
    assert!(
        index_engine::sensitivity::one_at_a_time(&Chain, &other, &filled, &Default::default())
            .is_err()
    );
    assert!(monte_carlo(&Chain, &other, &filled, &McOptions::default(), &|_| {}).is_err());
    assert!(index_engine::compute_with(&Chain, &fw, &filled, Some(&[1.0])).is_err());
    // Direct trait calls with wrong shapes: NaN out, no panic.
    let input = Chain.unit_input(&(), &fw, &filled, 99);
    let mut out = vec![0.0; fw.len() * filled.n_years()];
    Chain.evaluate(
        &(),
        &fw,
        &input,
        &fw.weights(),
        &mut Vec::new(),
        index_engine::UnitOutput {
            index: &mut out,
            detail: None,
        },
    );
    assert!(out.iter().all(|x| x.is_nan()));
    let input = Chain.unit_input(&(), &fw, &filled, 0);
    let mut many = vec![0.0; fw.len() * filled.n_years() * 2];
    Chain.evaluate_many(&(), &fw, &input, &[0.5; 3], 2, &mut Vec::new(), &mut many);
    assert!(many.iter().all(|x| x.is_nan()));
}
