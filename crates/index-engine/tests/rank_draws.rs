//! Rank distributions of the Monte Carlo test, against ranks worked out by hand from each
//! draw's weights, and the same bytes on one thread and two.

use index_engine::uncertainty::{McOptions, draw_weights, monte_carlo};
use index_engine::{
    Aggregation, Chain, ComputeOptions, FilledPanel, Framework, Level, Normalisation, Panel,
    caict2025, compute_with,
};

const MINMAX_MEAN: Level = Level {
    normalisation: Normalisation::MinMax,
    aggregation: Aggregation::Arithmetic,
};

/// Copeland couples the units, so its draws run over all units at once (another path).
const COPELAND: Level = Level {
    normalisation: Normalisation::MinMax,
    aggregation: Aggregation::Copeland,
};

/// Two equally weighted leaves a and b under t. After min-max, X scores `w_b`, Y scores `w_a`
/// and Z half of the scale: Z is second in every draw, and X and Y swap places with the sign
/// of `w_a − w_b`. By Copeland too: Z beats the one of X and Y that loses on the heavier
/// leaf, and loses to the other.
fn example() -> (Framework, FilledPanel) {
    let fw = Framework::read_csv("id,parent\nt,\na,t\nb,t\n".as_bytes(), "fw.csv").unwrap();
    let mut obs = String::from("indicator,unit,year,value\n");
    for year in [2023, 2024] {
        for (unit, a, b) in [("X", 0.0, 1.0), ("Y", 1.0, 0.0), ("Z", 0.5, 0.5)] {
            obs += &format!("a,{unit},{year},{a}\nb,{unit},{year},{b}\n");
        }
    }
    let panel = Panel::read_csv(&fw, obs.as_bytes(), "obs.csv").unwrap();
    (fw, ComputeOptions::default().fill(&panel).unwrap())
}

/// numpy.percentile(xs, [5, 50, 95]) (linear interpolation).
fn numpy_percentiles(mut xs: Vec<f64>) -> [f64; 3] {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    [0.05, 0.5, 0.95].map(|p| {
        let h = p * (n - 1) as f64;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(n - 1);
        xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
    })
}

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn ranks_by_hand_from_each_draws_weights() {
    for method in [MINMAX_MEAN, COPELAND] {
        ranks_by_hand(&method);
    }
}

fn ranks_by_hand(method: &Level) {
    let (fw, filled) = example();
    let opts = McOptions {
        samples: 257,
        seed: 11,
        perturb: 0.3,
    };
    let mc = monte_carlo(method, &fw, &filled, &opts, &|_| {}).unwrap();
    // Ranks of X and Y in each draw, from the weights alone.
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for d in 0..opts.samples as u64 {
        let w = draw_weights(&fw, opts.seed, opts.perturb, d).unwrap();
        let (wa, wb) = (w[1], w[2]);
        assert_ne!(wa, wb);
        x.push(if wb > wa { 1.0 } else { 3.0 });
        y.push(if wa > wb { 1.0 } else { 3.0 });
    }
    let want_x = numpy_percentiles(x);
    let want_y = numpy_percentiles(y);
    assert_eq!(mc.ranks.len(), 6);
    for r in &mc.ranks {
        assert_eq!(r.node, "t");
        let got = [r.p5.unwrap(), r.p50.unwrap(), r.p95.unwrap()];
        let want = match r.unit.as_str() {
            "X" => want_x,
            "Y" => want_y,
            _ => [2.0; 3],
        };
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() < 1e-12,
                "{method:?} {r:?}: {got:?} vs {want:?}"
            );
        }
        // Equal weights: all three tie and share rank 1.
        assert_eq!(r.nominal, Some(1), "{method:?} {r:?}");
    }
    // Both orders occur, so X's band spans first to third place.
    assert_eq!((want_x[0], want_x[2]), (1.0, 3.0));
}

#[test]
fn nominal_ranks_match_the_result_and_threads_do_not_matter() {
    let fw = caict2025::framework().unwrap();
    let panel = caict2025::panel(&fw).unwrap();
    let filled = ComputeOptions {
        to_year: Some(2024),
        ..Default::default()
    }
    .fill(&panel)
    .unwrap();
    let opts = McOptions {
        samples: 130,
        seed: 3,
        perturb: 0.2,
    };
    let mc = |threads| {
        on_threads(threads, || {
            monte_carlo(&Chain, &fw, &filled, &opts, &|_| {})
        })
    };
    let one = mc(1).unwrap();
    assert_eq!(one, mc(2).unwrap());
    let result = compute_with(&Chain, &fw, &filled, None).unwrap();
    let ranks = result.ranks();
    let root = fw.root();
    let units = result.units().len();
    assert_eq!(one.ranks.len(), units * result.years().len());
    for r in &one.ranks {
        let u = result.units().iter().position(|x| x == &r.unit).unwrap();
        let t = result.years().iter().position(|&y| y == r.year).unwrap();
        assert_eq!(r.nominal, ranks.rank(root, u, t), "{r:?}");
        let (lo, mid, hi) = (r.p5.unwrap(), r.p50.unwrap(), r.p95.unwrap());
        assert!(
            1.0 <= lo && lo <= mid && mid <= hi && hi <= units as f64,
            "{r:?}"
        );
    }
}
