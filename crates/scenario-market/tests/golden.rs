//! Golden matches on the shipped example market (data/scenario-market/example/), every figure
//! worked by hand below with the default weights (tags 50, maturity 15, price 20,
//! proximity 15; proximity 100 / 50 / 0 for same prefecture / province / elsewhere).
//!
//! Positions. Scenarios by id: 0 S-JN-GOV, 1 S-PLAT-AI, 2 S-QD-PORT. Firms by USCC:
//! 0 F3 91110108555555552Q (Beijing), 1 F5 913301002468135703 (Hangzhou),
//! 2 F2 913701001234567881 (Jinan), 3 F1 91370200163562681G (Qingdao, capacity 1),
//! 4 F4 91440300876543210T (Shenzhen).
//!
//! S-JN-GOV (Jinan, needs data-governance + privacy-computing, own province only, TRL ≥ 5,
//! ¥400,000 for 1 slot):
//! - region removes the 5 offers of F3, F4, F5 (provinces 11, 44, 33);
//! - relevance removes F1-LLM, F1-VISION, F2-PORT (no shared need);
//! - O-F2-DATA passes: tags 2/2 → 100; TRL 7 → 100·6/8 = 75; price (400,000 − 380,000) /
//!   400,000 → 5; same prefecture 3701 → 100; total (100·50 + 75·15 + 5·20 + 100·15)/100
//!   = 77.25.
//!
//! S-PLAT-AI (Hangzhou, needs customer-service + large-model, no budget, anywhere):
//! - O-F1-LLM: tags 100; TRL 6 → 62.5; price 100 (no budget); another province → 0;
//!   total (5000 + 937.5 + 2000 + 0)/100 = 79.375 → 79.37 (rounded down to the hundredth);
//! - O-F3-LLM: tags 100; TRL 4 → 37.5; price 100; elsewhere → 0; total 75.625 → 75.62;
//! - relevance removes the other 7.
//!
//! S-QD-PORT (Qingdao, needs computer-vision + iot + port, port required, products or
//! solutions, TRL ≥ 6, ¥900,000 for 2 slots → ¥450,000 per slot):
//! - required tags remove the 5 offers without `port`;
//! - maturity removes O-F5-PORT (TRL 5); price removes O-F3-PORT (¥500,000 > ¥450,000);
//! - O-F1-VISION: tags 3/3 → 100; TRL 7 → 75; price 50,000/450,000 → 11.11; same
//!   prefecture → 100; total (5000 + 1125 + 222.2 + 1500)/100 = 78.472 → 78.47;
//! - O-F2-PORT: tags 2/3 → 66.66; TRL 8 → 87.5; price 0; same province → 50; total
//!   (3333 + 1312.5 + 0 + 750)/100 = 53.955 → 53.95.
//!
//! Greedy takes the best edge first: F1→PLAT 79.37, which fills F1 (capacity 1), then
//! F2→JN 77.25, F2→PORT 53.95: 210.57. The optimum sends F1 to the port instead and F3 to
//! the platform: 77.25 + 75.62 + 78.47 + 53.95 = 285.29. Greedy's gap is 74.72 / 285.29 =
//! 26.191 %.

use scenario_market::{
    Filter, GreedyMatcher, MatchConfig, Matcher, MemoryLedger, OptimalMatcher, Preferences,
    Scoring, Side, StableMatcher, blocking_pairs, bundle, compare, example,
};

fn pairs(a: &scenario_market::Assignment) -> Vec<(u32, u32, u32)> {
    a.pairs
        .iter()
        .map(|p| (p.scenario, p.firm, p.score))
        .collect()
}

#[test]
fn shortlists_and_counts_by_hand() {
    let m = example::market().unwrap();
    let sc = Scoring::new(MatchConfig::embedded().unwrap()).unwrap();
    let g = sc.candidates(&m);
    let edges: Vec<(u32, u32, u32)> = g
        .edges()
        .iter()
        .map(|e| (e.scenario, e.firm, e.score))
        .collect();
    assert_eq!(
        edges,
        vec![
            (0, 2, 7725),
            (1, 3, 7937),
            (1, 0, 7562),
            (2, 3, 7847),
            (2, 2, 5395)
        ]
    );
    let c = g.counts(0);
    assert_eq!(
        (
            c.removed_by(Filter::Region),
            c.removed_by(Filter::Relevance),
            c.passed
        ),
        (5, 3, 1)
    );
    let c = g.counts(1);
    assert_eq!((c.removed_by(Filter::Relevance), c.passed), (7, 2));
    let c = g.counts(2);
    assert_eq!(
        (
            c.removed_by(Filter::RequiredTags),
            c.removed_by(Filter::Maturity),
            c.removed_by(Filter::Price),
            c.passed
        ),
        (5, 1, 1, 2)
    );
}

#[test]
fn explanations_give_the_values_compared() {
    let m = example::market().unwrap();
    let sc = Scoring::new(MatchConfig::embedded().unwrap()).unwrap();
    let why = sc.explain(&m, 2).unwrap();
    let price = &why.filters[Filter::Price.index()].removed;
    assert_eq!(price.len(), 1);
    assert_eq!(price[0].offer.as_str(), "O-F3-PORT");
    assert_eq!(
        price[0].reason,
        "price 500000.00 yuan > 450000.00 yuan per slot (budget 900000.00 yuan over 2 slot(s))"
    );
    let maturity = &why.filters[Filter::Maturity.index()].removed;
    assert_eq!(
        maturity[0].reason,
        "readiness level 5 < the scenario's minimum 6"
    );
    let best = &why.scores[0];
    assert_eq!(best.offer.as_str(), "O-F1-VISION");
    assert_eq!(best.total.to_string(), "78.47");
    let parts: Vec<String> = best
        .parts
        .iter()
        .map(|p| format!("{} {} ×{}: {}", p.part.key(), p.score, p.weight, p.why))
        .collect();
    assert_eq!(
        parts,
        vec![
            "tags 100.00 ×50: shares 3 of 3 needs (computer-vision, iot, port)",
            "maturity 75.00 ×15: readiness level 7 of 9",
            "price 11.11 ×20: price 400000.00 yuan of 450000.00 yuan per slot",
            "proximity 100.00 ×15: same prefecture 3702",
        ]
    );
    let why = sc.explain(&m, 0).unwrap();
    let region = &why.filters[Filter::Region.index()].removed;
    assert_eq!(region.len(), 5);
    assert!(
        region[0]
            .reason
            .contains("the scenario takes firms of its own province 37 (Shandong)"),
        "{}",
        region[0].reason
    );
}

#[test]
fn greedy_optimal_and_stable_by_hand() {
    let m = example::market().unwrap();
    let g = Scoring::new(MatchConfig::embedded().unwrap())
        .unwrap()
        .candidates(&m);
    let greedy = GreedyMatcher.assign(&g).unwrap();
    assert_eq!(
        pairs(&greedy),
        vec![(0, 2, 7725), (1, 3, 7937), (2, 2, 5395)]
    );
    assert_eq!(greedy.total_score, 21_057);
    let opt = OptimalMatcher.assign(&g).unwrap();
    assert_eq!(
        pairs(&opt),
        vec![(0, 2, 7725), (1, 0, 7562), (2, 2, 5395), (2, 3, 7847)]
    );
    assert_eq!(opt.total_score, 28_529);
    assert!(opt.certificate.as_ref().unwrap().shortlist_sufficient);

    // Firms rank by pay per slot: F1 and F2 prefer the port (¥450,000) to the platform
    // (no budget) and to Jinan (¥400,000). Both proposing sides reach the optimum here; the
    // greedy assignment is blocked by (port, F1): the port has a free slot and F1 prefers it.
    let prefs = Preferences::pay_first(&m, &g);
    assert_eq!(prefs.firm_list(3), &[2, 1]);
    for side in [Side::Scenarios, Side::Firms] {
        let a = StableMatcher::new(prefs.clone(), side).assign(&g).unwrap();
        assert_eq!(pairs(&a), pairs(&opt));
    }
    assert_eq!(blocking_pairs(&g, &prefs, &greedy), vec![(2, 3)]);

    let c = compare(&g, Some(&prefs)).unwrap();
    let row = |name: &str| c.rows.iter().find(|r| r.matcher == name).unwrap();
    assert_eq!(row("greedy").total_score.to_string(), "210.57");
    assert_eq!(row("greedy").gap_pct.unwrap().to_string(), "26.191");
    assert_eq!(row("greedy").blocking_pairs, Some(1));
    assert_eq!(row("optimal").total_score.to_string(), "285.29");
    assert_eq!(row("optimal").gap_pct.unwrap().to_string(), "0");
    // 4 of 4 slots (1 + 1 + 2) filled by the optimum, 3 by greedy.
    assert_eq!(row("optimal").slots_filled_pct.unwrap().to_string(), "100");
    assert_eq!(row("greedy").slots_filled_pct.unwrap().to_string(), "75");
}

#[test]
fn bundles_of_the_optimum_by_hand() {
    // JN→F2: data ¥100,000. PORT→F1 and PORT→F2: compute ¥50,000 and data ¥20,000 each.
    // The platform's scenario promises nothing. Compute ¥100,000, data ¥140,000.
    let m = example::market().unwrap();
    let g = Scoring::new(MatchConfig::embedded().unwrap())
        .unwrap()
        .candidates(&m);
    let a = OptimalMatcher.assign(&g).unwrap();
    let programs = bundle::BundlePrograms {
        compute: "compute-2025".parse().unwrap(),
        data: "data-2025".parse().unwrap(),
    };
    let round = "2025".parse().unwrap();
    let reqs = bundle::requests(&m, &a, &programs, &round).unwrap();
    let ids: Vec<&str> = reqs.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "bundle/2025/S-JN-GOV/913701001234567881/data",
            "bundle/2025/S-QD-PORT/913701001234567881/compute",
            "bundle/2025/S-QD-PORT/913701001234567881/data",
            "bundle/2025/S-QD-PORT/91370200163562681G/compute",
            "bundle/2025/S-QD-PORT/91370200163562681G/data",
        ]
    );
    let mut ledger = MemoryLedger::new();
    let yuan = |y| registry_model::Money::from_yuan_i64(y).unwrap();
    ledger
        .appropriate("a/compute", &programs.compute, yuan(100_000))
        .unwrap();
    ledger
        .appropriate("a/data", &programs.data, yuan(139_999))
        .unwrap();
    // ¥1 short on data: the whole batch is declined, compute included.
    let err = bundle::grant(&mut ledger, &reqs).unwrap_err();
    assert!(err.to_string().contains("declined"), "{err}");
    assert_eq!(ledger.fund(&programs.compute), yuan(100_000));
    ledger
        .appropriate("a/data-2", &programs.data, yuan(1))
        .unwrap();
    let r = bundle::grant(&mut ledger, &reqs).unwrap();
    assert_eq!(
        (r.compute_total, r.data_total, r.replayed),
        (yuan(100_000), yuan(140_000), 0)
    );
    assert_eq!(ledger.fund(&programs.compute), yuan(0));
    let f1 = m.firms()[3];
    assert_eq!(ledger.voucher(&programs.compute, &f1), yuan(50_000));
    ledger.check_invariants().unwrap();
}

#[test]
fn a_scenario_open_only_to_registered_firms() {
    // The port scenario opened only to registered firms of tier growth or above: the Qingdao
    // firm (growth) stays; the Jinan firm (potential) is removed by the tier filter, with
    // the tier it has; a firm not in the registry would be told so.
    use registry_model::Tier;
    use scenario_market::{FirmTable, Market, Standing, load};
    let mut scenarios =
        load::read_scenarios_csv(example::SCENARIOS_CSV.as_bytes(), "s.csv").unwrap();
    scenarios[2].tier_min = Some(Tier::Growth);
    let offers = load::read_offers_csv(example::OFFERS_CSV.as_bytes(), "o.csv").unwrap();
    let caps = load::read_capacities_csv(example::CAPACITIES_CSV.as_bytes(), "c.csv").unwrap();
    let mut dir = FirmTable::new();
    let standing = |tier| Standing {
        tier: Some(tier),
        size: None,
    };
    dir.insert(
        "91370200163562681G".parse().unwrap(),
        2025,
        standing(Tier::Growth),
    );
    dir.insert(
        "913701001234567881".parse().unwrap(),
        2025,
        standing(Tier::Potential),
    );
    let m = Market::new(scenarios, offers, caps)
        .unwrap()
        .with_directory(&dir, 2025)
        .unwrap();
    let sc = Scoring::new(MatchConfig::embedded().unwrap()).unwrap();
    let g = sc.candidates(&m);
    assert_eq!(
        g.edges_of(2).iter().map(|e| e.firm).collect::<Vec<_>>(),
        vec![3]
    );
    assert_eq!(g.counts(2).removed_by(Filter::Tier), 1);
    let why = sc.explain(&m, 2).unwrap();
    assert_eq!(
        why.filters[Filter::Tier.index()].removed[0].reason,
        "the firm's registry tier is potential; the scenario takes growth or above"
    );
    // Without a directory nobody counts as registered.
    let plain = Market::new(
        {
            let mut s =
                load::read_scenarios_csv(example::SCENARIOS_CSV.as_bytes(), "s.csv").unwrap();
            s[2].tier_min = Some(Tier::Growth);
            s
        },
        load::read_offers_csv(example::OFFERS_CSV.as_bytes(), "o.csv").unwrap(),
        vec![],
    )
    .unwrap();
    assert!(sc.candidates(&plain).edges_of(2).is_empty());
}
