//! Line decisions through the seams, worked by hand against data/finance/yunliangdai-2025.toml
//! and data/finance/scorecard-2025.toml.

use chrono::NaiveDate;
use rust_decimal_macros::dec;

use finance::eligibility::{LimitBinding, RuleOutcome};
use finance::evidence::SpendSource;
use finance::{
    DecisionStatus, FirmProfile, MemoryEvidence, MemoryFacts, Product, Scorecard, SpendCategory,
    SpendLine, evaluate,
};
use registry_model::{EnterpriseId, Money, Tier};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn firm() -> EnterpriseId {
    "91330101589882738D".parse().unwrap()
}

fn line(date: NaiveDate, category: SpendCategory, yuan: i64, id: &str) -> SpendLine {
    SpendLine {
        firm: firm(),
        date,
        category,
        amount_yuan: Money::from_yuan_i64(yuan).unwrap(),
        provider: "cloud-a".into(),
        contract_id: id.into(),
        source: SpendSource::VoucherRedemption,
        verified: true,
    }
}

/// ¥25,000 of cloud a month from July 2024 to June 2025 (¥300,000), ¥100,000 of equipment,
/// and ¥250,000 of cloud in the year before.
fn evidence() -> MemoryEvidence {
    let mut lines = Vec::new();
    for m in 0..12u32 {
        let (y, mo) = if m < 6 { (2024, 7 + m) } else { (2025, m - 5) };
        lines.push(line(
            d(y, mo, 15),
            SpendCategory::CloudCompute,
            25_000,
            &format!("C{m}"),
        ));
    }
    lines.push(line(
        d(2025, 3, 1),
        SpendCategory::DigitalEquipment,
        100_000,
        "E1",
    ));
    lines.push(line(
        d(2024, 1, 10),
        SpendCategory::CloudCompute,
        250_000,
        "P1",
    ));
    let mut ev = MemoryEvidence::new();
    ev.add(lines).unwrap();
    ev
}

fn profile() -> FirmProfile {
    let y = |v: i64| Some(Money::from_yuan_i64(v).unwrap());
    FirmProfile {
        founded: Some(d(2019, 3, 1)),
        tier: Some(Tier::Growth),
        sector: Some("0301".into()),
        staff: Some(80),
        revenue_yuan: y(20_000_000),
        revenue_prior_yuan: y(16_000_000),
        rd_spend_yuan: y(1_600_000),
        debt_ratio: Some(dec!(0.35)),
        bad_credit_3y: Some(false),
        ..FirmProfile::new(firm(), 2024)
    }
}

fn facts(p: FirmProfile) -> MemoryFacts {
    let mut f = MemoryFacts::new();
    f.add(vec![p]).unwrap();
    f
}

/// Score: spend ¥400,000 → 60; 12 months → 55; spend growth 60 % → 45; revenue ¥20M → 30;
/// revenue growth 25 % → 45; R&D 8 % → 35; age 5 at the end of 2024 → 40; debt 35 % → 55;
/// growth tier 40; clean 40: 745. Limit: weighted spend 300,000 + 100,000 × 0.5 = 350,000;
/// × 2 = 700,000; growth cap 3,000,000; score ≥ 640 opens all of it; limit ¥700,000 (spend).
#[test]
fn an_eligible_firm_and_its_limit() {
    let e = evaluate(
        &Product::embedded().unwrap(),
        &Scorecard::embedded().unwrap(),
        &evidence(),
        &facts(profile()),
        firm(),
        d(2025, 6, 30),
    )
    .unwrap();
    assert_eq!(e.spend.verified_fen, 40_000_000);
    assert_eq!(e.spend.months_active, 12);
    assert_eq!(e.spend_prior.verified_fen, 25_000_000);
    assert_eq!(e.assessment.score, 745);
    let dec = &e.decision;
    assert_eq!(dec.status, DecisionStatus::Eligible, "{dec}");
    assert_eq!(dec.limit.weighted_spend_fen, 35_000_000);
    assert_eq!(dec.limit.by_spend_fen, 70_000_000);
    assert_eq!(dec.limit.tier_cap_fen, 300_000_000);
    assert_eq!(dec.limit.score_cap_fen, 300_000_000);
    assert_eq!(dec.limit.limit_fen, 70_000_000);
    assert_eq!(dec.limit.binding, LimitBinding::Spend);
    assert!(dec.checks.iter().all(|c| !c.citation.is_empty()));
    assert!(dec.checks.iter().all(|c| c.outcome == RuleOutcome::Passed));
    let g = dec.grant_terms().unwrap();
    assert_eq!(g.limit_fen, 70_000_000);
    let text = dec.to_string();
    assert!(
        text.contains("eligible") && text.contains("发改高技〔2020〕552号"),
        "{text}"
    );
}

#[test]
fn refusals_and_pending_decisions_say_why() {
    let product = Product::embedded().unwrap();
    let card = Scorecard::embedded().unwrap();
    let ev = evidence();
    let run = |p: Option<FirmProfile>, date| {
        let f = p.map_or_else(MemoryFacts::new, facts);
        evaluate(&product, &card, &ev, &f, firm(), date)
            .unwrap()
            .decision
    };
    let failed = |dec: &finance::LineDecision| -> Vec<String> {
        dec.checks
            .iter()
            .filter(|c| c.outcome == RuleOutcome::Failed)
            .map(|c| c.rule.clone())
            .collect()
    };
    // A bad credit record.
    let dec = run(
        Some(FirmProfile {
            bad_credit_3y: Some(true),
            ..profile()
        }),
        d(2025, 6, 30),
    );
    assert_eq!(dec.status, DecisionStatus::Refused);
    assert!(failed(&dec).contains(&"good_credit".to_string()));
    assert!(dec.grant_terms().is_none());
    // Not in the registry at all.
    let dec = run(None, d(2025, 6, 30));
    assert_eq!(dec.status, DecisionStatus::Refused);
    assert!(failed(&dec).contains(&"registered".to_string()));
    // No staff and no revenue: the size rule cannot tell, and says which facts to supply.
    let dec = run(
        Some(FirmProfile {
            staff: None,
            revenue_yuan: None,
            ..profile()
        }),
        d(2025, 6, 30),
    );
    assert_eq!(dec.status, DecisionStatus::Pending, "{dec}");
    assert_eq!(
        dec.missing_facts(),
        vec!["revenue_yuan".to_string(), "staff".to_string()]
    );
    // Large on both bars: not an SME.
    let big = FirmProfile {
        staff: Some(300),
        revenue_yuan: Some(Money::from_yuan_i64(100_000_000).unwrap()),
        ..profile()
    };
    assert!(failed(&run(Some(big), d(2025, 6, 30))).contains(&"sme".to_string()));
    // Outside the product's validity.
    assert!(failed(&run(Some(profile()), d(2026, 1, 5))).contains(&"in_force".to_string()));
}

/// The same firm with a potential tier (¥1M cap), ¥15M of flat revenue, R&D 1 %, debt 70 %,
/// founded 2022, and ¥600,000 more of data bought: spend ¥1M → 90, months 55, spend growth
/// 300 % → 45, revenue 30, growth 0 % → 35, R&D 5, age 2 → 20, debt 20, potential 20, clean
/// 40: 660, which opens the whole cap; 2 × ¥950,000 is above it, so the tier cap binds. With
/// revenue down 25 % (→ 0) and debt at 85 % (→ 0) the score is 605: the 580 band opens 75 %
/// of the cap, ¥750,000, and the score cap binds.
#[test]
fn tier_and_score_caps() {
    let y = |v: i64| Some(Money::from_yuan_i64(v).unwrap());
    let p = FirmProfile {
        tier: Some(Tier::Potential),
        revenue_yuan: y(15_000_000),
        revenue_prior_yuan: y(15_000_000),
        rd_spend_yuan: y(150_000),
        debt_ratio: Some(dec!(0.7)),
        founded: Some(d(2022, 1, 1)),
        ..profile()
    };
    let mut big = evidence();
    big.add(vec![line(
        d(2025, 4, 1),
        SpendCategory::Data,
        600_000,
        "D1",
    )])
    .unwrap();
    let product = Product::embedded().unwrap();
    let card = Scorecard::embedded().unwrap();
    let e = evaluate(
        &product,
        &card,
        &big,
        &facts(p.clone()),
        firm(),
        d(2025, 6, 30),
    )
    .unwrap();
    assert_eq!(e.assessment.score, 660);
    let l = e.decision.limit;
    assert_eq!(l.weighted_spend_fen, 95_000_000);
    assert_eq!(l.score_share, Some(dec!(1)));
    assert_eq!(
        (l.binding, l.limit_fen),
        (LimitBinding::TierCap, 100_000_000)
    );
    let weaker = FirmProfile {
        revenue_prior_yuan: y(20_000_000),
        debt_ratio: Some(dec!(0.85)),
        ..p
    };
    let e = evaluate(
        &product,
        &card,
        &big,
        &facts(weaker),
        firm(),
        d(2025, 6, 30),
    )
    .unwrap();
    assert_eq!(e.assessment.score, 605);
    let l = e.decision.limit;
    assert_eq!(l.score_share, Some(dec!(0.75)));
    assert_eq!(
        (l.binding, l.limit_fen),
        (LimitBinding::ScoreCap, 75_000_000)
    );
    assert_eq!(e.decision.status, DecisionStatus::Eligible);
}

#[test]
fn bad_product_files_are_refused_with_the_field() {
    let good = finance::product::DEFAULT_PRODUCT_TOML;
    let cases = [
        (
            good.replace(
                "value = \"0.5\"\nmonths = 12",
                "value = \"0.05\"\nmonths = 12",
            )
            .replace("kind = \"share_of_interest\"", "kind = \"rate_points\""),
            "more points than the rate",
        ),
        (
            good.replace("months = 12\ncap", "months = 13\ncap"),
            "subsidy.months",
        ),
        (
            good.replace("potential = \"1000000\"", "potent = \"1000000\""),
            "limit.tier_caps_yuan.potent",
        ),
        (
            good.replace("{ from = 580,", "{ from = 500,"),
            "score bands must ascend",
        ),
        (
            good.replace("spend_multiple = \"2\"", "spend_multiple = \"-2\""),
            "limit.spend_multiple",
        ),
        (
            good.replace("min_yuan = \"100000\"", "min_yuan = \"100000.001\""),
            "limit.min_yuan",
        ),
        (
            good.replace("rule = \"pro_rata\"", "rule = \"lottery\""),
            "x.toml:",
        ),
        (
            good.replace("day_count = \"act360\"", "day_count = \"30/360\""),
            "x.toml:",
        ),
    ];
    for (text, needle) in cases {
        let e = Product::from_toml_str(&text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{needle}: {e}");
    }
}
