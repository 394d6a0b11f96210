//! A year on the shipped example files (data/scenario-market/example/), every figure worked by
//! hand: challenge tasks from bids to payments, the catalogue, a procurement, first purchases
//! and the matches' conversion.

mod common;

use common::{d, key, yuan};

use registry_model::Tier;
use rust_decimal_macros::dec;
use scenario_market::challenge::{
    Challenge, SHANDONG_TASKS_PER_YEAR, Status, TeamStatus, read_bids_csv, read_scores_csv,
    read_tasks_toml, summarise,
};
use scenario_market::purchase::{
    Catalogue, CatalogueRules, Decision, Method, PreferencePolicy, Procurement, ProcurementKind,
    PurchaseLog, evaluate, read_applications_csv, read_procurement_bids_csv, read_purchases_csv,
};
use scenario_market::{
    FirmDirectory, FirmTable, MatchConfig, Matcher, MemoryLedger, OptimalMatcher, Scoring, example,
    follow,
};

#[test]
fn challenges_from_the_files() {
    // Panel scores (trimmed mean of six, highest and lowest dropped):
    // PORT-AI  B-F1 (82 85 88 80 86 90) → (82+85+86+88)/4 = 85.25
    //          B-F3 (78 84 80 82 79 75) → (78+79+80+82)/4 = 79.75
    //          B-F5 (70 72 68 75 71 66) → (68+70+71+72)/4 = 70.25
    // GRID     B-F2 (76 80 78 74 79 81) → (76+78+79+80)/4 = 78.25
    //          B-F4 (72 70 75 77 69 73) → (70+72+73+75)/4 = 72.50
    let tasks = read_tasks_toml(example::TASKS_TOML, "tasks.toml").unwrap();
    let bids = read_bids_csv(example::BIDS_CSV.as_bytes(), "bids.csv").unwrap();
    let scores = read_scores_csv(example::SCORES_CSV.as_bytes(), "scores.csv").unwrap();
    let panel = example::panel().unwrap();
    let program = key("challenge-2025");
    let mut ledger = MemoryLedger::new();
    ledger
        .appropriate("appropriate/challenge-2025", &program, yuan(6_000_000))
        .unwrap();
    let mut challenges = Vec::new();
    for t in tasks {
        let id = t.id.clone();
        let mut c = Challenge::post(t).unwrap();
        for b in bids.iter().filter(|b| b.task == id) {
            c.bid(b.clone()).unwrap();
        }
        let mine: Vec<_> = scores
            .iter()
            .filter(|s| s.task == c.task().id)
            .cloned()
            .collect();
        c.award(&panel, &mine, d(2025, 6, 20), &mut ledger).unwrap();
        challenges.push(c);
    }
    let (port, grid) = (&challenges[0], &challenges[1]);
    let ranked: Vec<(String, String, bool)> = port
        .evaluation()
        .iter()
        .map(|e| (e.bid.to_string(), e.panel.score.to_string(), e.awarded))
        .collect();
    assert_eq!(
        ranked,
        vec![
            ("B-F1".into(), "85.25".into(), true),
            ("B-F3".into(), "79.75".into(), true),
            ("B-F5".into(), "70.25".into(), false),
        ]
    );
    assert_eq!(grid.teams()[0].bid.as_str(), "B-F2");
    assert_eq!(grid.evaluation()[1].panel.score.to_string(), "72.50");

    // Awards: F1 ¥1.4M and F3 ¥1.5M race (¥2.9M ≤ ¥3M), F2 ¥1.2M; advances: F1 50 % of
    // 30 % of ¥1.4M = ¥210,000, F3 ¥225,000, F2 30 % of ¥1.2M = ¥360,000.
    let f1: registry_model::EnterpriseId = "91370200163562681G".parse().unwrap();
    let f2: registry_model::EnterpriseId = "913701001234567881".parse().unwrap();
    let f3: registry_model::EnterpriseId = "91110108555555552Q".parse().unwrap();
    let (tp, tg) = (key("T-2025-PORT-AI"), key("T-2025-GRID-DATA"));
    assert_eq!(ledger.paid(&program, &tp, &f1), yuan(210_000));
    assert_eq!(ledger.paid(&program, &tp, &f3), yuan(225_000));
    assert_eq!(ledger.paid(&program, &tg, &f2), yuan(360_000));
    assert_eq!(ledger.fund(&program), yuan(6_000_000 - 4_100_000));

    // F1 passes M1: ¥210,000 more and M2's advance, 20 % of ¥980,000 = ¥196,000. F3 fails
    // M1: its ¥225,000 is clawed back, ¥1,275,000 returns to the fund. F2 completes.
    challenges[0]
        .accept(&f1, &key("M1"), d(2025, 9, 25), "accepted", &mut ledger)
        .unwrap();
    challenges[0]
        .fail(
            &f3,
            &key("M1"),
            d(2025, 9, 30),
            "missed the 5 % target",
            &mut ledger,
        )
        .unwrap();
    challenges[1]
        .accept(&f2, &key("M1"), d(2025, 10, 20), "accepted", &mut ledger)
        .unwrap();
    assert_eq!(ledger.paid(&program, &tp, &f1), yuan(616_000));
    assert_eq!(ledger.escrow(&program, &tp, &f1), yuan(784_000));
    assert_eq!(ledger.receivable(&program, &f3), yuan(225_000));
    assert_eq!(ledger.paid(&program, &tg, &f2), yuan(1_200_000));
    assert_eq!(ledger.fund(&program), yuan(3_175_000));
    // ¥3,175,000 + 784,000 + 616,000 + 225,000 + 1,200,000 = ¥6,000,000.
    ledger.check_invariants().unwrap();
    assert_eq!(challenges[1].status(), Status::Closed);
    assert_eq!(challenges[1].teams()[0].status, TeamStatus::Completed);

    let s = summarise(&challenges, SHANDONG_TASKS_PER_YEAR).unwrap();
    assert_eq!(
        (
            s.tasks,
            s.awarded,
            s.races,
            s.teams,
            s.teams_completed,
            s.teams_failed
        ),
        (2, 2, 1, 3, 1, 1)
    );
    assert_eq!((s.milestones_accepted, s.milestones_failed), (2, 1));
    assert_eq!(s.money.reserved, yuan(4_100_000));
    assert_eq!(s.money.released, yuan(1_275_000));
    assert!(!s.target_met); // 2 awarded tasks against Shandong's 20 a year
}

#[test]
fn catalogue_procurement_and_purchases_from_the_files() {
    let rules = CatalogueRules::embedded().unwrap();
    let mut cat = Catalogue::new();
    let apps =
        read_applications_csv(example::APPLICATIONS_CSV.as_bytes(), "applications.csv").unwrap();
    let decisions: Vec<Decision> = apps
        .iter()
        .map(|a| cat.recognise(&rules, a).unwrap().decision)
        .collect();
    // QC-VISION-1: every Shandong 首台套 condition holds. PRIV-EX-1 (首版次): IP, test, first
    // sale 5 months before: recognised. LLM-SVC-1 (创新产品): TRL 6 < 7: refused.
    assert_eq!(
        decisions,
        vec![
            Decision::Recognised,
            Decision::Recognised,
            Decision::Refused
        ]
    );

    // Procurement P-QD-2025-003 (goods and services, 2025-05-10, comprehensive scoring, price
    // weight 30 %; small and micro 10 %, consortium 4 %, catalogue 5 %):
    // F1 small, catalogue product: 1,200,000 × (1 − 0.15) = 1,020,000
    // F4 large, 35 % to small firms: 1,050,000 × 0.96 = 1,008,000 (the lowest)
    // F3 medium, 10 % to small firms (< 30 %): 1,100,000
    // price points 30 × 1,008,000 / own: F1 29.6471 + 56 = 85.6471; F3 27.4909 + 58 =
    // 85.4909; F4 30 + 52 = 82. F1 wins, at its bid price ¥1,200,000.
    let bids =
        read_procurement_bids_csv(example::PROCUREMENT_BIDS_CSV.as_bytes(), "bids.csv").unwrap();
    let p = Procurement {
        id: key("P-QD-2025-003"),
        kind: ProcurementKind::GoodsServices,
        method: Method::Comprehensive {
            price_weight: dec!(0.30),
        },
        date: d(2025, 5, 10),
        small_micro_rate: dec!(0.10),
        consortium_rate: dec!(0.04),
        catalogue_rate: dec!(0.05),
    };
    let r = evaluate(&PreferencePolicy::embedded().unwrap(), &cat, &p, &bids).unwrap();
    let got: Vec<(String, String, String)> = r
        .bids
        .iter()
        .map(|b| {
            (
                b.bidder.to_string(),
                b.evaluated_price.to_string(),
                b.total_points.unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "91370200163562681G".into(),
                "1020000".into(),
                "85.6471".into()
            ),
            (
                "91110108555555552Q".into(),
                "1100000".into(),
                "85.4909".into()
            ),
            (
                "91440300876543210T".into(),
                "1008000".into(),
                "82.0000".into()
            ),
        ]
    );
    assert_eq!(r.bids[0].price, yuan(1_200_000));

    let mut log = PurchaseLog::new();
    for pu in read_purchases_csv(example::PURCHASES_CSV.as_bytes(), "purchases.csv").unwrap() {
        log.record(&cat, pu).unwrap();
    }
    let firsts = log.first_purchases(&cat);
    let f: Vec<(&str, &str, usize)> = firsts
        .iter()
        .map(|x| (x.product.as_str(), x.purchase.id.as_str(), x.purchases))
        .collect();
    assert_eq!(
        f,
        vec![
            ("PRIV-EX-1", "C-JN-2025-031", 1),
            ("QC-VISION-1", "C-QD-2025-017", 2)
        ]
    );
}

#[test]
fn conversion_and_directory_from_the_files() {
    let dir = FirmTable::read_csv(example::FIRMS_CSV.as_bytes(), "firms.csv").unwrap();
    let f4 = "91440300876543210T".parse().unwrap();
    let s = dir.standing(&f4, 2025).unwrap().unwrap();
    assert_eq!(
        (s.tier, s.size),
        (None, Some(scenario_market::FirmSize::Large))
    );
    let m = example::market()
        .unwrap()
        .with_directory(&dir, 2025)
        .unwrap();
    assert_eq!(m.firm_standing(0).unwrap().tier, Some(Tier::Leading));
    let g = Scoring::new(MatchConfig::embedded().unwrap())
        .unwrap()
        .candidates(&m);
    let a = OptimalMatcher.assign(&g).unwrap();
    // Optimum: JN→F2, PLAT→F3, PORT→F1, PORT→F2. Reports: JN→F2 1 order; PORT→F1 2 + 1
    // orders, ¥1.2M; PORT→F2 reported no order; PLAT→F3 never reported.
    let outcomes =
        follow::read_outcomes_csv(example::OUTCOMES_CSV.as_bytes(), "outcomes.csv").unwrap();
    let c = follow::conversion(&m, &a, &outcomes).unwrap();
    let t = &c.total;
    assert_eq!((t.matched, t.reported, t.converted, t.orders), (4, 3, 2, 4));
    assert_eq!(
        (
            t.rate.unwrap().to_string(),
            t.rate_reported.unwrap().to_string(),
            t.unreported_share.unwrap().to_string()
        ),
        ("0.5".into(), "0.6667".into(), "0.25".into())
    );
    assert_eq!(t.revenue, yuan(1_580_000));
    let soe = &c.by_owner_type[1];
    assert_eq!(
        (soe.group.as_str(), soe.matched, soe.converted),
        ("state_owned", 2, 1)
    );
    let platform = &c.by_owner_type[3];
    assert_eq!(
        (
            platform.matched,
            platform.reported,
            platform.rate.unwrap().to_string()
        ),
        (1, 0, "0".into())
    );
    // A report for a pair that was not matched is refused.
    let mut bad = outcomes.clone();
    bad[0].firm = f4;
    assert!(
        follow::conversion(&m, &a, &bad)
            .unwrap_err()
            .to_string()
            .contains("was not matched")
    );
}
