//! Property tests: evaluation is deterministic and ignores unrelated facts; the inspection
//! plan never exceeds the cap (unless mandatory visits alone do, reported) and never drops a
//! mandatory inspection.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use sandbox_rules::inspection::{
    AlertKind, CompletedVisit, InspectionMode, PlannedInspection, PlannerConfig, plan_with_history,
};
use sandbox_rules::{FactMap, Options, RuleSet, Value, shipped};

// Loaded once: loading runs the reachability analysis, which is slow in debug builds.
static ENFORCEMENT: LazyLock<RuleSet> = LazyLock::new(|| shipped::ENFORCEMENT.load().unwrap());
static SANDBOX: LazyLock<RuleSet> = LazyLock::new(|| shipped::SANDBOX.load().unwrap());
static BENEFITS: LazyLock<RuleSet> = LazyLock::new(|| shipped::BENEFITS.load().unwrap());
static INSPECTION: LazyLock<RuleSet> = LazyLock::new(|| shipped::INSPECTION.load().unwrap());

fn enforcement_facts() -> impl Strategy<Value = FactMap> {
    (
        prop::sample::select(vec!["AD-001", "LB-002", "DS-004", "XX-1"]),
        prop::sample::select(vec!["minor", "general", "serious"]),
        prop::option::of(any::<bool>()),
        prop::sample::select(vec!["none", "minor", "serious"]),
        prop::sample::select(vec!["none_proven", "negligent", "intentional"]),
        0i64..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(code, sev, corr, harm, fault, prior, red, coop, cc)| {
            let mut f = FactMap::new()
                .with("violation_code", code)
                .with("severity", sev)
                .with("harm", harm)
                .with("fault", fault)
                .with("prior_violations_2y", prior)
                .with("reduced_harm", red)
                .with("cooperated", coop)
                .with("credit_commitment", cc);
            if let Some(c) = corr {
                f.insert("corrected_in_time", c);
            }
            f
        })
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..2200)
        .prop_map(|d| NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Days::new(d as u64))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn evaluation_is_deterministic(facts in enforcement_facts(), day in date()) {
        let set = &*ENFORCEMENT;
        let a = set.explain(&facts, day);
        let b = set.explain(&facts, day);
        prop_assert_eq!(&a, &b);
        // The same through the parallel path, whatever the thread split.
        let many = set.evaluate_many(&vec![facts.clone(); 64], day, Options { trace: true, reasons: true });
        prop_assert!(many.iter().all(|m| m == &a));
    }

    #[test]
    fn an_unrelated_fact_changes_nothing(
        facts in enforcement_facts(),
        day in date(),
        name in "[a-z]{3,12}",
        value in prop_oneof![any::<i64>().prop_map(Value::Integer), any::<bool>().prop_map(Value::Boolean), "[a-z]{0,8}".prop_map(Value::Text)],
    ) {
        let set = &*ENFORCEMENT;
        prop_assume!(set.fact_type(&name).is_none());
        let before = set.explain(&facts, day);
        let after = set.explain(&facts.clone().with(name, value), day);
        prop_assert_eq!(before, after);
    }

    #[test]
    fn benefits_ignore_unrelated_facts(
        tier in prop::sample::select(vec!["potential", "growth", "leading"]),
        ratio in 0u32..100,
        contract in prop::option::of(0u64..50_000_000),
        day in date(),
        name in "zz_[a-z]{1,8}",
    ) {
        let set = &*BENEFITS;
        let mut f = FactMap::new()
            .with("tier", tier)
            .with("region", "440305")
            .with("province", "44")
            .with("rd_ratio", Value::Percent(rust_decimal::Decimal::new(i64::from(ratio), 3)))
            .with("listed", false);
        if let Some(c) = contract {
            f.insert("compute_contract_yuan", Value::Money(rust_decimal::Decimal::from(c)));
        }
        let a = set.evaluate(&f, day);
        let b = set.evaluate(&f.clone().with(name, 42), day);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn inspection_plan_respects_cap_and_keeps_mandatory(
        rows in prop::collection::vec((
            0usize..5,
            0u64..365,
            prop::sample::select(vec!["plan", "random", "complaint", "accident", "referral"]),
            prop::sample::select(vec!["low", "medium", "high"]),
            prop::sample::select(vec!["A", "B", "C", "D"]),
            any::<bool>(),
            0usize..4,
            prop::sample::select(vec!["fire", "food", "data", "tax"]),
        ), 0..40),
        cap in 0u32..4,
        window in 0u32..60,
        done_rows in prop::collection::vec((0usize..5, 0u64..365), 0..4),
    ) {
        let set = &*INSPECTION;
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let inspections: Vec<PlannedInspection> = rows.iter().enumerate().map(|(i, r)| PlannedInspection {
            id: format!("P{i:03}"),
            firm: format!("F{}", r.0),
            department: format!("D{}", r.6),
            date: start + chrono::Days::new(r.1),
            subject: r.7.to_string(),
            facts: FactMap::new()
                .with("trigger", r.2)
                .with("risk_class", r.3)
                .with("credit_rating", r.4)
                .with("data_available", r.5),
        }).collect();
        let config = PlannerConfig { window_days: window, yearly_cap: cap, repeat_alert_threshold: 3 };
        let done: Vec<CompletedVisit> = done_rows.iter().map(|(f, day)| CompletedVisit {
            firm: format!("F{f}"),
            department: "D9".to_string(),
            date: start + chrono::Days::new(*day),
            subject: "fire".to_string(),
        }).collect();
        let p = plan_with_history(set, &inspections, &done, &config).unwrap();

        // Every planned inspection appears exactly once.
        let mut seen: Vec<&str> = p.inspections.iter().flat_map(|j| j.members.iter().map(String::as_str)).collect();
        seen.sort_unstable();
        let mut want: Vec<&str> = inspections.iter().map(|x| x.id.as_str()).collect();
        want.sort_unstable();
        prop_assert_eq!(seen, want);

        // Every mandatory inspection is in a site visit.
        let mandatory: BTreeSet<&str> = inspections.iter()
            .filter(|x| set.evaluate(&x.facts, x.date).outcome.as_deref() == Some("mandatory_site_visit"))
            .map(|x| x.id.as_str())
            .collect();
        for j in &p.inspections {
            for m in &j.members {
                if mandatory.contains(m.as_str()) {
                    prop_assert_eq!(j.mode, InspectionMode::Site);
                    prop_assert!(j.mandatory);
                }
            }
        }

        // Site visits per firm-year within the cap, unless mandatory ones alone exceed it.
        let mut visits: BTreeMap<(&str, i32), Vec<bool>> = BTreeMap::new();
        for j in &p.inspections {
            if j.mode == InspectionMode::Site {
                visits.entry((j.firm.as_str(), j.date.year())).or_default().push(j.mandatory);
            }
        }
        for ((firm, year), v) in &visits {
            let made = done.iter().filter(|d| d.firm == *firm && d.date.year() == *year).count();
            if v.len() + made > cap as usize {
                prop_assert!(v.iter().all(|m| *m), "non-mandatory visit over the cap for {firm}");
                prop_assert!(p.alerts.iter().any(|a| a.kind == AlertKind::CapBreach && a.firm == *firm && a.year == *year));
            }
        }
        prop_assert_eq!(p.summary.visits_before, inspections.len());
        prop_assert_eq!(p.summary.visits_after, visits.values().map(Vec::len).sum::<usize>());
        prop_assert!(p.summary.visits_after <= p.summary.visits_before);
    }
}

fn sandbox_facts() -> impl Strategy<Value = FactMap> {
    (
        prop::sample::select(vec!["application", "review"]),
        prop::sample::select(vec!["low", "medium", "high", "prohibited"]),
        prop::sample::select(vec!["potential", "growth", "leading"]),
        0i64..300_000,
        0i64..80_000_000,
        0i64..40,
        any::<bool>(),
        0i64..3,
        any::<bool>(),
    )
        .prop_map(
            |(phase, risk, tier, users, value, months, plan, incidents, passed)| {
                FactMap::new()
                    .with("phase", phase)
                    .with("risk_class", risk)
                    .with("tier", tier)
                    .with("users", users)
                    .with(
                        "transaction_value_yuan",
                        Value::Money(rust_decimal::Decimal::from(value)),
                    )
                    .with("duration_months", months)
                    .with("has_risk_plan", plan)
                    .with("incidents", incidents)
                    .with("tests_passed", passed)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The analysis finds no overlap in the shipped decision sets; on complete facts they
    /// must then never produce a conflict, nor leave a decision open.
    #[test]
    fn shipped_sandbox_set_never_conflicts_on_complete_facts(facts in sandbox_facts(), day in date()) {
        let set = &*SANDBOX;
        prop_assume!(day >= NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        let d = set.evaluate(&facts, day);
        prop_assert!(d.conflicts.is_empty(), "{:?}", d);
        prop_assert!(d.missing_facts.is_empty(), "{:?}", d);
        prop_assert!(d.outcome.is_some());
    }

    #[test]
    fn shipped_enforcement_set_never_conflicts_on_complete_facts(facts in enforcement_facts(), day in date()) {
        let set = &*ENFORCEMENT;
        prop_assume!(facts.get("corrected_in_time").is_some());
        prop_assume!(day >= NaiveDate::from_ymd_opt(2021, 7, 15).unwrap());
        let d = set.evaluate(&facts, day);
        prop_assert!(d.conflicts.is_empty(), "{:?}", d);
        prop_assert!(d.outcome.is_some(), "{:?}", d);
    }
}
