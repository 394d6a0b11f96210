//! A hand-worked inspection plan.

use chrono::NaiveDate;
use sandbox_rules::inspection::{
    AlertKind, InspectionMode, PlannedInspection, PlannerConfig, plan,
};
use sandbox_rules::{FactMap, shipped};

#[allow(clippy::too_many_arguments)] // a row of the hand-worked table, one argument per column
fn p(
    id: &str,
    dept: &str,
    date: (i32, u32, u32),
    subject: &str,
    trigger: &str,
    risk: &str,
    credit: &str,
    data: bool,
) -> PlannedInspection {
    PlannedInspection {
        id: id.into(),
        firm: "F1".into(),
        department: dept.into(),
        date: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
        subject: subject.into(),
        facts: FactMap::new()
            .with("trigger", trigger)
            .with("risk_class", risk)
            .with("credit_rating", credit)
            .with("data_available", data),
    }
}

#[test]
fn merges_caps_folds_and_reports_by_hand() {
    let set = shipped::INSPECTION.load().unwrap();
    let config =
        PlannerConfig::from_rule_set(&set, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap();
    assert_eq!(
        (
            config.window_days,
            config.yearly_cap,
            config.repeat_alert_threshold
        ),
        (30, 2, 3)
    );
    let plan_in = vec![
        p(
            "A",
            "market",
            (2026, 3, 1),
            "quality",
            "plan",
            "medium",
            "B",
            false,
        ),
        p(
            "B",
            "fire",
            (2026, 3, 15),
            "fire",
            "plan",
            "medium",
            "B",
            false,
        ),
        p(
            "C",
            "market",
            (2026, 6, 1),
            "quality",
            "complaint",
            "medium",
            "B",
            false,
        ),
        p("D", "tax", (2026, 9, 1), "tax", "plan", "high", "B", true),
        p("E", "data", (2026, 11, 1), "data", "plan", "low", "A", true),
    ];
    let out = plan(&set, &plan_in, &config).unwrap();
    // By hand: clusters {A,B} (14 days apart), {C} mandatory, {D}, {E} non-site.
    // Cap 2: keep {C} (mandatory) and {A,B} (earliest); {D} folds into the nearest kept
    // visit, {C} (92 days away, against 184 to {A,B}).
    let shape: Vec<(&str, InspectionMode, bool, Vec<&str>)> = out
        .inspections
        .iter()
        .map(|j| {
            (
                j.id.as_str(),
                j.mode,
                j.mandatory,
                j.members.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("J0001", InspectionMode::Site, false, vec!["A", "B"]),
            ("J0002", InspectionMode::Site, true, vec!["C", "D"]),
            ("J0003", InspectionMode::NonSite, false, vec!["E"]),
        ]
    );
    assert_eq!(out.inspections[0].departments, vec!["fire", "market"]);
    assert_eq!(out.summary.visits_before, 5);
    assert_eq!(out.summary.visits_after, 2);
    assert_eq!(out.summary.non_site_reviews, 1);
    assert_eq!(out.summary.mandatory, 1);
    assert_eq!(out.summary.cap_breaches, 0);
    let kinds: Vec<AlertKind> = out.alerts.iter().map(|a| a.kind).collect();
    // "quality" planned twice (A, C); 5 inspections > threshold 3.
    assert_eq!(
        kinds,
        vec![AlertKind::RepeatedSubject, AlertKind::HighFrequency]
    );
}

#[test]
fn mandatory_visits_over_the_cap_are_kept_and_reported() {
    let set = shipped::INSPECTION.load().unwrap();
    let config = PlannerConfig {
        window_days: 10,
        yearly_cap: 1,
        repeat_alert_threshold: 10,
    };
    let plan_in = vec![
        p(
            "A",
            "market",
            (2026, 1, 1),
            "q",
            "complaint",
            "low",
            "A",
            true,
        ),
        p("B", "fire", (2026, 5, 1), "f", "accident", "low", "A", true),
        p("C", "env", (2026, 9, 1), "e", "referral", "low", "A", true),
    ];
    let out = plan(&set, &plan_in, &config).unwrap();
    assert_eq!(out.summary.visits_after, 3);
    assert_eq!(out.summary.cap_breaches, 1);
    assert!(
        out.alerts
            .iter()
            .any(|a| a.kind == AlertKind::CapBreach && a.message.contains("3 mandatory"))
    );
}

#[test]
fn undecided_inspection_is_kept_as_mandatory_with_an_alert() {
    let set = shipped::INSPECTION.load().unwrap();
    let config = PlannerConfig {
        window_days: 10,
        yearly_cap: 0,
        repeat_alert_threshold: 10,
    };
    let mut x = p("A", "market", (2026, 1, 1), "q", "plan", "low", "A", true);
    x.facts.remove("trigger");
    let out = plan(&set, &[x], &config).unwrap();
    assert_eq!(out.inspections[0].mode, InspectionMode::Site);
    assert!(out.inspections[0].mandatory);
    assert!(
        out.alerts
            .iter()
            .any(|a| a.kind == AlertKind::Undecided && a.message.contains("trigger"))
    );
}

#[test]
fn duplicate_ids_are_refused() {
    let set = shipped::INSPECTION.load().unwrap();
    let config = PlannerConfig {
        window_days: 10,
        yearly_cap: 2,
        repeat_alert_threshold: 10,
    };
    let a = p("A", "m", (2026, 1, 1), "q", "plan", "low", "A", true);
    assert!(plan(&set, &[a.clone(), a], &config).is_err());
}

#[test]
fn visits_already_made_use_up_the_cap_and_raise_repeat_alerts() {
    use sandbox_rules::inspection::{CompletedVisit, plan_with_history};
    let set = shipped::INSPECTION.load().unwrap();
    let config = PlannerConfig {
        window_days: 10,
        yearly_cap: 2,
        repeat_alert_threshold: 10,
    };
    let done = vec![CompletedVisit {
        firm: "F1".into(),
        department: "fire".into(),
        date: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        subject: "fire".into(),
    }];
    let plan_in = vec![
        p(
            "A",
            "market",
            (2026, 3, 1),
            "quality",
            "plan",
            "medium",
            "B",
            false,
        ),
        p(
            "B",
            "fire",
            (2026, 6, 1),
            "fire",
            "plan",
            "medium",
            "B",
            false,
        ),
    ];
    // Without history: two visits, within the cap of 2.
    let free = plan(&set, &plan_in, &config).unwrap();
    assert_eq!(free.summary.visits_after, 2);
    // One visit already made: one left; B folds into A's visit.
    let out = plan_with_history(&set, &plan_in, &done, &config).unwrap();
    assert_eq!(out.summary.visits_after, 1);
    assert_eq!(out.summary.visits_done, 1);
    assert_eq!(out.inspections[0].members, vec!["A", "B"]);
    assert!(out.alerts.iter().any(|a| {
        a.kind == AlertKind::RepeatedSubject
            && a.message
                .contains("already inspected this year by fire on 2026-02-01")
    }));
}
