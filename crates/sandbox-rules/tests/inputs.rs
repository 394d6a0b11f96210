//! The case files of enforcement, inspection and matching: all or nothing, errors with file
//! and line, and the exemption lists taking effect from their date.

use chrono::NaiveDate;
use sandbox_rules::inputs::{ExemptionLists, SuppliedFacts, Violation};
use sandbox_rules::inspection::{CompletedVisit, PlannedInspection};
use sandbox_rules::{FactMap, Value, shipped};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

#[test]
fn violations_take_the_default_date_only_where_the_row_has_none() {
    let set = shipped::ENFORCEMENT.load().expect("the shipped set");
    let csv = "id,date,violation_code,note\nV1,2026-05-01,AD-001,x\nV2,,LB-001,\n";
    let v = Violation::read_csv(csv, "v.csv", &set, day(2026, 7, 1)).expect("read");
    assert_eq!(v.len(), 2);
    assert_eq!((v[0].id.as_str(), v[0].date), ("V1", day(2026, 5, 1)));
    assert_eq!((v[1].id.as_str(), v[1].date), ("V2", day(2026, 7, 1)));
    assert_eq!(
        v[1].facts.get("violation_code"),
        Some(&Value::Text("LB-001".into()))
    );
    let bad = "id,date,violation_code\nV1,2026-05-01,AD-001\nV2,2026-13-01,AD-001\n";
    let e = Violation::read_csv(bad, "v.csv", &set, day(2026, 7, 1)).unwrap_err();
    assert!(e.to_string().starts_with("v.csv:3:"), "{e}");
    let no_id = "id,violation_code\n,AD-001\n";
    let e = Violation::read_csv(no_id, "v.csv", &set, day(2026, 7, 1)).unwrap_err();
    assert_eq!(e.to_string(), "v.csv:2: empty 'id'");
}

#[test]
fn a_plan_row_without_a_date_or_subject_refuses_the_plan() {
    let set = shipped::INSPECTION.load().expect("the shipped set");
    let good =
        "id,firm,department,date,subject,risk_class\nA,F1,market,2026-03-01,quality,medium\n";
    let p = PlannedInspection::read_csv(good, "plan.csv", &set).expect("read");
    assert_eq!((p[0].firm.as_str(), p[0].date), ("F1", day(2026, 3, 1)));
    let no_date = format!("{good}B,F1,fire,,fire,medium\n");
    let e = PlannedInspection::read_csv(&no_date, "plan.csv", &set).unwrap_err();
    assert_eq!(e.to_string(), "plan.csv:3: empty 'date'");
    let no_subject = "id,firm,department,date\nA,F1,market,2026-03-01\n";
    assert!(PlannedInspection::read_csv(no_subject, "plan.csv", &set).is_err());
    let done = "firm,department,date,subject\nF1,market,2026-01-05,quality\nF2,fire,,fire\n";
    let e = CompletedVisit::read_csv(done, "done.csv").unwrap_err();
    assert_eq!(e.to_string(), "done.csv:3: empty 'date'");
}

#[test]
fn supplied_facts_are_merged_only_when_every_firm_is_known() {
    let set = shipped::BENEFITS.load().expect("the shipped set");
    let fact = "province".to_string();
    let csv = format!("id,name,{fact}\nF1,one,浙江\n");
    let supplied = SuppliedFacts::read_csv(&csv, "s.csv", &set).expect("read");
    let mut subjects = vec![
        ("F1".to_string(), FactMap::new().with(&fact, "江苏")),
        ("F2".to_string(), FactMap::new()),
    ];
    supplied.merge_into(&mut subjects).expect("merge");
    assert_eq!(subjects[0].1.get(&fact), Some(&Value::Text("浙江".into())));
    assert_eq!(subjects[1].1.get(&fact), None);

    let twice = format!("id,{fact}\nF1,浙江\nF1,江苏\n");
    let e = SuppliedFacts::read_csv(&twice, "s.csv", &set).unwrap_err();
    assert_eq!(e.to_string(), "s.csv:3: firm F1 appears twice");

    let stray =
        SuppliedFacts::read_csv(&format!("id,{fact}\nF9,浙江\n"), "s.csv", &set).expect("read");
    let before = subjects.clone();
    let e = stray.merge_into(&mut subjects).unwrap_err();
    assert_eq!(e.to_string(), "s.csv: firm F9 is not in the registry");
    assert_eq!(subjects, before, "nothing merged when one firm is unknown");
}

#[test]
fn exemption_lists_apply_from_their_date_and_only_to_the_lists_they_give() {
    let mut set = shipped::ENFORCEMENT.load().expect("the shipped set");
    let text = "from = 2027-01-01\nfirst_offence = [\"ZZ-001\"]\n";
    let lists = ExemptionLists::from_toml(text, "lists.toml").expect("read");
    lists.apply_to(&mut set).expect("apply");
    let list = |d| set.param_value("first_offence_list", d).cloned();
    assert_eq!(
        list(day(2027, 1, 1)),
        Some(Value::List(vec!["ZZ-001".into()]))
    );
    assert_ne!(
        list(day(2026, 12, 31)),
        list(day(2027, 1, 1)),
        "earlier days keep the shipped list"
    );
    // Minor list untouched when the file gives none.
    assert!(
        matches!(set.param_value("minor_list", day(2027, 6, 1)), Some(Value::List(l)) if l.contains(&"LB-001".to_string()))
    );

    for (bad, why) in [
        ("from = 2027-01-01T10:00:00\n", "a date-time"),
        ("from = 2027-01-01\nminr = []\n", "an unknown field"),
        ("first_offence = []\n", "no date"),
    ] {
        let e = ExemptionLists::from_toml(bad, "lists.toml").unwrap_err();
        assert!(e.to_string().starts_with("lists.toml:"), "{why}: {e}");
    }
}
