//! Property tests of matching: the indexed search equals the exhaustive one; the optimum is
//! never below greedy, respects capacities, equals an independent LP and carries a valid
//! certificate; deferred acceptance is stable and best for the proposing side.

mod common;

use std::collections::BTreeSet;

use good_lp::{Expression, ProblemVariables, Solution, SolverModel, microlp, variable};
use proptest::prelude::*;
use scenario_market::config::DEFAULT_MATCHING_TOML;
use scenario_market::{
    Assignment, Candidates, Edge, GreedyMatcher, MatchConfig, Matcher, OptimalMatcher, Preferences,
    Scoring, Side, StableMatcher, blocking_pairs,
};

fn scoring(min_shared: u32, shortlist: u32) -> Scoring {
    let text = DEFAULT_MATCHING_TOML
        .replace(
            "min_shared_tags = 1",
            &format!("min_shared_tags = {min_shared}"),
        )
        .replace(
            "firms_per_scenario = 20",
            &format!("firms_per_scenario = {shortlist}"),
        );
    Scoring::new(MatchConfig::from_toml(&text, "test").unwrap()).unwrap()
}

fn graph_strategy() -> impl Strategy<Value = Candidates> {
    (1usize..6, 1usize..7).prop_flat_map(|(n_s, n_f)| {
        (
            proptest::collection::vec(1u32..=3, n_s),
            proptest::collection::vec(1u32..=3, n_f),
            proptest::collection::vec(proptest::option::weighted(0.6, 0u32..=10_000), n_s * n_f),
        )
            .prop_map(move |(cs, cf, w)| {
                let edges = w
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| {
                        s.map(|score| Edge {
                            scenario: (i / n_f) as u32,
                            firm: (i % n_f) as u32,
                            offer: (i % n_f) as u32,
                            score,
                        })
                    })
                    .collect();
                Candidates::new(cs.clone(), cf.clone(), edges).unwrap()
            })
    })
}

/// The LP relaxation of the b-matching, solved by good_lp: an oracle independent of the
/// min-cost flow (the relaxation is integral, so its value is the integer optimum).
fn lp_optimum(g: &Candidates) -> f64 {
    let mut vars = ProblemVariables::new();
    let xs: Vec<_> = g
        .edges()
        .iter()
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let mut objective = Expression::with_capacity(xs.len());
    for (e, x) in g.edges().iter().zip(&xs) {
        objective.add_mul(f64::from(e.score), *x);
    }
    let mut problem = vars.maximise(objective).using(microlp);
    for s in 0..g.scenarios() {
        let mut row = Expression::with_capacity(4);
        for (e, x) in g.edges().iter().zip(&xs) {
            if e.scenario as usize == s {
                row.add_mul(1.0, *x);
            }
        }
        problem = problem.with(row.leq(f64::from(g.scenario_capacity(s))));
    }
    for f in 0..g.firms() {
        let mut row = Expression::with_capacity(4);
        for (e, x) in g.edges().iter().zip(&xs) {
            if e.firm as usize == f {
                row.add_mul(1.0, *x);
            }
        }
        problem = problem.with(row.leq(f64::from(g.firm_capacity(f))));
    }
    let sol = problem.solve().unwrap();
    g.edges()
        .iter()
        .zip(&xs)
        .map(|(e, x)| f64::from(e.score) * sol.value(*x))
        .sum()
}

/// Blocking pairs counted independently of the crate's own function.
fn is_stable(g: &Candidates, p: &Preferences, a: &Assignment) -> bool {
    let rank = |list: &[u32], x: u32| list.iter().position(|&y| y == x);
    let matched: BTreeSet<(u32, u32)> = a.pairs.iter().map(|x| (x.scenario, x.firm)).collect();
    for e in g.edges() {
        let (s, f) = (e.scenario, e.firm);
        if matched.contains(&(s, f)) {
            continue;
        }
        let (sl, fl) = (p.scenario_list(s as usize), p.firm_list(f as usize));
        let (Some(rs), Some(rf)) = (rank(sl, f), rank(fl, s)) else {
            continue;
        };
        let partners_s: Vec<u32> = a
            .pairs
            .iter()
            .filter(|x| x.scenario == s)
            .map(|x| x.firm)
            .collect();
        let partners_f: Vec<u32> = a
            .pairs
            .iter()
            .filter(|x| x.firm == f)
            .map(|x| x.scenario)
            .collect();
        let s_wants = (partners_s.len() as u32) < g.scenario_capacity(s as usize)
            || partners_s
                .iter()
                .any(|&q| rank(sl, q).is_none_or(|r| rs < r));
        let f_wants = (partners_f.len() as u32) < g.firm_capacity(f as usize)
            || partners_f
                .iter()
                .any(|&q| rank(fl, q).is_none_or(|r| rf < r));
        if s_wants && f_wants {
            return false;
        }
    }
    true
}

/// Every stable matching of a small graph, by enumeration of edge subsets.
fn all_stable(g: &Candidates, p: &Preferences) -> Vec<Assignment> {
    let edges = g.edges();
    assert!(edges.len() <= 14);
    let mut out = Vec::new();
    for mask in 0u32..(1 << edges.len()) {
        let pairs: Vec<scenario_market::Pair> = edges
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, e)| scenario_market::Pair {
                scenario: e.scenario,
                firm: e.firm,
                offer: e.offer,
                score: e.score,
            })
            .collect();
        let a = Assignment::new("enumerated", pairs);
        if a.validate(g).is_ok()
            && a.pairs.iter().all(|x| {
                p.scenario_list(x.scenario as usize).contains(&x.firm)
                    && p.firm_list(x.firm as usize).contains(&x.scenario)
            })
            && is_stable(g, p, &a)
        {
            out.push(a);
        }
    }
    out
}

/// Ranks (positions in `list`) of `partners`, best first.
fn ranks(list: &[u32], partners: impl Iterator<Item = u32>) -> Vec<usize> {
    let mut r: Vec<usize> = partners
        .filter_map(|x| list.iter().position(|&y| y == x))
        .collect();
    r.sort_unstable();
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn indexed_search_equals_exhaustive(
        ss in proptest::collection::vec(common::scenario_strategy(), 1..8),
        os in proptest::collection::vec(common::offer_strategy(6), 0..40),
        caps in proptest::collection::vec((0usize..6, 1u32..4), 0..3),
        min_shared in 1u32..=3,
        shortlist in 1u32..=5,
    ) {
        let market = common::build(&ss, &os, &caps);
        let sc = scoring(min_shared, shortlist);
        let fast = sc.candidates(&market);
        fast.check().unwrap();
        prop_assert_eq!(&fast, &sc.candidates_exhaustive(&market));
        // Stored and read back, the graph is checked and unchanged.
        let back: Candidates = serde_json::from_str(&serde_json::to_string(&fast).unwrap()).unwrap();
        prop_assert_eq!(&back, &fast);
        for s in 0..market.scenarios().len() {
            let why = sc.explain(&market, s).unwrap();
            let (removed, passed) = why.counts();
            let c = fast.counts(s);
            prop_assert_eq!(passed as u32, c.passed);
            for (f, n) in removed {
                prop_assert_eq!(n as u32, c.removed_by(f));
            }
            prop_assert_eq!(c.passed + c.removed.iter().sum::<u32>(), os.len() as u32);
            let short: Vec<_> = why.shortlist.iter().map(|e| (e.firm, e.score)).collect();
            let edges: Vec<_> = fast
                .edges_of(s)
                .iter()
                .map(|e| (market.firms()[e.firm as usize], scenario_market::score::points(e.score)))
                .collect();
            prop_assert_eq!(short, edges);
        }
    }

    #[test]
    fn optimal_is_never_below_greedy_and_equals_the_lp(g in graph_strategy()) {
        let greedy = GreedyMatcher.assign(&g).unwrap();
        let opt = OptimalMatcher.assign(&g).unwrap();
        greedy.validate(&g).unwrap();
        opt.validate(&g).unwrap();
        prop_assert!(opt.total_score >= greedy.total_score);
        // Greedy is a ½-approximation of b-matching.
        prop_assert!(2 * greedy.total_score >= opt.total_score);
        let lp = lp_optimum(&g);
        prop_assert!((lp - opt.total_score as f64).abs() < 1e-6 * (1.0 + lp), "lp {} flow {}", lp, opt.total_score);
        let c = opt.certificate.unwrap();
        prop_assert_eq!(c.dual_bound, opt.total_score);
    }

    #[test]
    fn deferred_acceptance_is_stable_and_proposer_optimal(
        g in graph_strategy().prop_filter("small enough to enumerate", |g| g.edges().len() <= 12),
        keys in proptest::collection::vec(-3i64..3, 6),
    ) {
        let prefs = Preferences::from_scores(&g, &keys);
        let stable = all_stable(&g, &prefs);
        for side in [Side::Scenarios, Side::Firms] {
            let a = StableMatcher::new(prefs.clone(), side).assign(&g).unwrap();
            prop_assert!(is_stable(&g, &prefs, &a));
            prop_assert!(blocking_pairs(&g, &prefs, &a).is_empty());
            prop_assert!(stable.iter().any(|x| x.pairs == a.pairs), "DA result is among the stable matchings");
            // No proposer does better in any other stable matching.
            let n = match side { Side::Scenarios => g.scenarios(), Side::Firms => g.firms() };
            for who in 0..n as u32 {
                let (list, mine): (&[u32], Vec<usize>) = match side {
                    Side::Scenarios => (prefs.scenario_list(who as usize), ranks(prefs.scenario_list(who as usize), a.pairs.iter().filter(|x| x.scenario == who).map(|x| x.firm))),
                    Side::Firms => (prefs.firm_list(who as usize), ranks(prefs.firm_list(who as usize), a.pairs.iter().filter(|x| x.firm == who).map(|x| x.scenario))),
                };
                for other in &stable {
                    let theirs = match side {
                        Side::Scenarios => ranks(list, other.pairs.iter().filter(|x| x.scenario == who).map(|x| x.firm)),
                        Side::Firms => ranks(list, other.pairs.iter().filter(|x| x.firm == who).map(|x| x.scenario)),
                    };
                    prop_assert_eq!(mine.len(), theirs.len(), "same number of partners in every stable matching");
                    for (m, t) in mine.iter().zip(&theirs) {
                        prop_assert!(m <= t, "proposer {} does better elsewhere: {:?} vs {:?}", who, mine, theirs);
                    }
                }
            }
        }
        // Greedy's blocking pairs, as the crate counts them, match the independent check.
        let greedy = GreedyMatcher.assign(&g).unwrap();
        prop_assert_eq!(blocking_pairs(&g, &prefs, &greedy).is_empty(), is_stable(&g, &prefs, &greedy));
    }
}

#[test]
fn scoring_is_the_same_on_any_number_of_threads() {
    use scenario_market::generate::{MarketSpec, generate};
    let spec = MarketSpec {
        scenarios: 300,
        offers: 3_000,
        firms: 500,
        seed: 11,
        year: 2025,
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let m = generate(&spec).unwrap();
            let g = scoring(1, 10).candidates(&m);
            (
                serde_json::to_string(m.offers()).unwrap(),
                serde_json::to_string(&g).unwrap(),
            )
        })
    };
    assert_eq!(run(1), run(4));
}

#[test]
fn a_damaged_graph_is_refused_when_read_back() {
    let m = scenario_market::example::market().unwrap();
    let g = scoring(1, 20).candidates(&m);
    let json = serde_json::to_string(&g).unwrap();
    let bad = json.replacen("\"firm\":2", "\"firm\":99", 1);
    assert_ne!(bad, json);
    let e = serde_json::from_str::<Candidates>(&bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("malformed or repeated"), "{e}");
}

#[test]
fn a_cut_shortlist_is_reported_by_the_certificate() {
    // Two scenarios want the same firm first; with shortlists of one, scenario 1 loses its
    // second choice and the certificate says a longer list could matter.
    let market = scenario_market::example::market().unwrap();
    let full = scoring(1, 20).candidates(&market);
    let cut = scoring(1, 1).candidates(&market);
    let a_full = OptimalMatcher.assign(&full).unwrap();
    let a_cut = OptimalMatcher.assign(&cut).unwrap();
    assert!(a_full.certificate.as_ref().unwrap().shortlist_sufficient);
    assert!(a_cut.total_score < a_full.total_score);
    let c = a_cut.certificate.unwrap();
    assert!(!c.shortlist_sufficient);
    assert!(!c.scenarios_uncertified.is_empty());
}
