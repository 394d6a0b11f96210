//! Scorecard golden cases, worked by hand from data/finance/scorecard-2025.toml.

use finance::features::Factor;
use finance::{CreditModel, Features, Scorecard};
use registry_model::Tier;

fn card() -> Scorecard {
    Scorecard::embedded().expect("the shipped scorecard is valid")
}

fn yuan(y: i64) -> Option<i64> {
    Some(y * 100)
}

/// A strong firm. Points: spend ¥1.2M → [1M, 5M) 90; 12 months → 55; spend growth 20 % →
/// [0, 0.5) 35; revenue ¥20M → [10M, 100M) 30; revenue growth 25 % → ≥ 0.2 45; R&D 8 % →
/// ≥ 0.05 35; age 6 → [5, 10) 40; debt 35 % → < 0.4 55; growth tier 40; clean 40.
/// 300 + 90 + 55 + 35 + 30 + 45 + 35 + 40 + 55 + 40 + 40 = 765.
fn firm_a() -> Features {
    Features {
        spend_fen: yuan(1_200_000),
        spend_prior_fen: yuan(1_000_000),
        months_active: Some(12),
        revenue_fen: yuan(20_000_000),
        revenue_prior_fen: yuan(16_000_000),
        rd_spend_fen: yuan(1_600_000),
        age_years: Some(6),
        debt_ratio_micros: Some(350_000),
        tier: Some(Tier::Growth),
        bad_credit_3y: Some(false),
        staff: Some(80),
    }
}

#[test]
fn strong_firm() {
    let c = card();
    let f = firm_a();
    assert_eq!(c.score(&f), 765);
    // PD on the card's scale: odds = 30 × 2^((765 − 600) / 50) = 30 × 2^3.3.
    let odds = 30.0 * 2f64.powf(3.3);
    let pd = 1.0 / (1.0 + odds);
    assert!((c.pd(&f) - pd).abs() < 1e-15, "{} vs {pd}", c.pd(&f));
    let a = c.assess(&f);
    assert_eq!(a.score, 765);
    let points: Vec<i64> = a.factors.iter().map(|x| x.points.unwrap()).collect();
    assert_eq!(points, vec![90, 55, 35, 30, 45, 35, 40, 55, 40, 40]);
    assert_eq!(a.missing_share, 0.0);
    assert_eq!(a.factors[0].band.as_deref(), Some("[1000000, 5000000)"));
    assert_eq!(a.factors[8].band.as_deref(), Some("growth"));
    // The explanation names every factor.
    let text = a.to_string();
    for f in Factor::ALL {
        assert!(text.contains(f.key()), "{text}");
    }
}

/// Values exactly at thresholds land in the band the threshold opens; missing facts earn
/// the missing points. Spend ¥50,000 → 30; 4 months → 20; no prior spend → growth missing
/// 15; revenue missing 0; revenue growth missing 10; R&D missing 5; age 2 → 20; debt exactly
/// 80 % → 0; no tier 0; bad record −100. 300 + 30 + 20 + 15 + 0 + 10 + 5 + 20 + 0 + 0 − 100
/// = 300. Missing weight: ranges 45 + 40 + 45 + 30 = 160 of 630.
#[test]
fn thresholds_and_missing_facts() {
    let f = Features {
        spend_fen: yuan(50_000),
        spend_prior_fen: Some(0),
        months_active: Some(4),
        revenue_fen: None,
        revenue_prior_fen: yuan(1_000_000),
        rd_spend_fen: yuan(100_000),
        age_years: Some(2),
        debt_ratio_micros: Some(800_000),
        tier: None,
        bad_credit_3y: Some(true),
        staff: None,
    };
    let a = card().assess(&f);
    assert_eq!(a.score, 300);
    let missing = a.missing();
    assert_eq!(
        missing,
        vec![
            Factor::SpendGrowth,
            Factor::Revenue,
            Factor::RevenueGrowth,
            Factor::RdIntensity
        ]
    );
    assert!((a.missing_share - 160.0 / 630.0).abs() < 1e-15);
    assert_eq!(a.factors[7].band.as_deref(), Some("≥ 0.8"));
}

/// Just below each threshold: spend ¥49,999.99 → 0; 3 months → 0; spend growth −50 % → 0;
/// revenue ¥999,999.99 → 0; revenue growth just below −20 % → 0; R&D just above 2 % → 20;
/// age 1 → 0; debt 39.999 % → 55; potential 20; clean 40. 300 + 20 + 55 + 20 + 40 = 435.
#[test]
fn just_below_thresholds() {
    let f = Features {
        spend_fen: Some(4_999_999),
        spend_prior_fen: yuan(100_000),
        months_active: Some(3),
        revenue_fen: Some(99_999_999),
        revenue_prior_fen: yuan(1_250_000),
        rd_spend_fen: yuan(20_000),
        age_years: Some(1),
        debt_ratio_micros: Some(399_990),
        tier: Some(Tier::Potential),
        bad_credit_3y: Some(false),
        staff: Some(5),
    };
    let a = card().assess(&f);
    let points: Vec<i64> = a.factors.iter().map(|x| x.points.unwrap()).collect();
    assert_eq!(points, vec![0, 0, 0, 0, 0, 20, 0, 55, 20, 40]);
    assert_eq!(a.score, 435);
}

#[test]
fn bad_parameter_files_are_refused_with_the_field() {
    let good = finance::scorecard::DEFAULT_SCORECARD_TOML;
    let cases = [
        (
            good.replace(
                "{ from = \"50000\", points = 30 }",
                "{ from = \"50000.001\", points = 30 }",
            ),
            "factor[0].bands[1].from",
        ),
        (
            good.replace(
                "{ from = \"200000\", points = 60 }",
                "{ from = \"20000\", points = 60 }",
            ),
            "bands must ascend",
        ),
        (
            good.replace("key = \"age\"", "key = \"height\""),
            "factor[6].key",
        ),
        (
            good.replace(
                "{ points = 0 },\n    { from = \"50000\"",
                "{ from = \"0\", points = 0 },\n    { from = \"50000\"",
            ),
            "first band starts at −∞",
        ),
        (
            good.replace("bad_record = -100", "bad_record = -1000000"),
            "points must lie",
        ),
        (
            good.replace("base_points = 300", "base_points = 900"),
            "possible scores",
        ),
        (
            good.replace(
                "categories = { none = 0, potential = 20",
                "categories = { nobody = 0, potential = 20",
            ),
            "categories",
        ),
        (
            good.replace("base_odds = \"30\"", "base_odds = \"-3\""),
            "scale.base_odds",
        ),
        (
            good.replace("pdo = \"50\"", "pdo = \"50\"\nextra = 1"),
            "data/x.toml:",
        ),
    ];
    for (text, needle) in cases {
        let e = Scorecard::from_toml_str(&text, "data/x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{needle}: {e}");
    }
}

#[test]
fn dated_sets_pick_the_one_in_force() {
    let a = card();
    let mut b = card();
    b.id = "later".into();
    b.effective_from = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let cards = [a, b];
    let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(
        Scorecard::in_force(&cards, d(2025, 6, 1)).unwrap().id,
        "ylp-scorecard-2025"
    );
    assert_eq!(
        Scorecard::in_force(&cards, d(2026, 1, 1)).unwrap().id,
        "later"
    );
    assert!(Scorecard::in_force(&cards, d(2024, 12, 31)).is_none());
}
