//! Criteria and the tier policy never panic, whatever the facts (even reports that skipped
//! validation), and the outcome-only path always agrees with the full verdicts.

use chrono::NaiveDate;
use proptest::prelude::*;
use registry_model::money::MONEY_FEN_MAX;
use registry_model::report::{FACTS, FactKind, FactValue};
use registry_model::{
    AnnualReport, CriteriaBook, Enterprise, EnterpriseId, Evidence, Money, RulePolicy, TierPolicy,
};
use rust_decimal::Decimal;

/// One fact value from a flat draw (kind of value, mantissa, scale): missing, extreme,
/// zero, small or anything — flat so the strategy stays shallow.
fn fact(kind: FactKind, pick: u8, m: i64, scale: u32) -> FactValue {
    let none = pick % 5 == 0;
    match kind {
        FactKind::Money => FactValue::Money(if none {
            None
        } else if pick % 5 == 1 {
            Money::from_fen(m.clamp(-MONEY_FEN_MAX, MONEY_FEN_MAX))
        } else {
            Money::from_fen(m.rem_euclid(100_000_000_000))
        }),
        FactKind::Decimal => FactValue::Decimal(if none {
            None
        } else if pick % 5 == 1 {
            Some(Decimal::MAX)
        } else if pick % 5 == 2 {
            Some(Decimal::new(m, scale % 29))
        } else {
            Some(Decimal::new(m.rem_euclid(1001), 3))
        }),
        FactKind::Count => FactValue::Count(if none {
            None
        } else if pick % 5 == 1 {
            Some(m as u32)
        } else {
            Some((m.rem_euclid(50)) as u32)
        }),
        FactKind::Flag => FactValue::Flag(if none { None } else { Some(m % 2 == 0) }),
    }
}

fn report(year: i32) -> impl Strategy<Value = AnnualReport> {
    proptest::collection::vec((any::<u8>(), any::<i64>(), any::<u32>()), FACTS.len()).prop_map(
        move |draws| {
            let id: EnterpriseId = "91330101589882738D".parse().unwrap();
            let mut r = AnnualReport::new(id, year);
            for ((name, kind), (pick, m, scale)) in FACTS.iter().zip(draws) {
                r.set_fact(name, fact(*kind, pick, m, scale)).unwrap();
            }
            r
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_panic_and_fast_path_agrees(
        reports in (report(2021), report(2022), report(2023), report(2024)),
        founded_year in 1900i32..2030,
        year in prop_oneof![Just(2024), Just(2026), Just(1980)],
    ) {
        let firm = Enterprise {
            id: "91330101589882738D".parse().unwrap(),
            name: "x".into(),
            founded: NaiveDate::from_ymd_opt(founded_year, 6, 15).unwrap(),
            industry: None,
        };
        let reports = vec![reports.0, reports.1, reports.2, reports.3];
        let book = CriteriaBook::embedded().unwrap();
        let policy = RulePolicy::default_policy().unwrap();
        for set in book.sets() {
            let ev = Evidence::new(&firm, year, &reports);
            let full = set.evaluate(&ev);
            let fast = set.outcomes(&ev);
            let outcomes: Vec<_> = full.verdicts.iter().map(|v| v.outcome).collect();
            prop_assert_eq!(outcomes, fast.to_vec());
            for v in &full.verdicts {
                for c in &v.conditions {
                    let _ = c.threshold.to_string();
                    let _ = c.actual.map(|a| a.to_string());
                }
            }
            let d = policy.decide(&ev, &full);
            prop_assert_eq!(d.rule_outcomes.len(), 3);
        }
    }
}
