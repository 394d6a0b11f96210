//! Registry facts for the benefit rules carry the change log's class and stage.

use chrono::NaiveDate;
use cultivation::facts::registry_subjects;
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::criteria::InnovationType;
use registry_model::{CriteriaBook, MemoryStore, RegistryStore, RulePolicy};
use sandbox_rules::Value;

#[test]
fn stage_class_and_data_value_come_from_the_change_log() {
    let (firms, reports) = generate_cohort(&CohortSpec {
        count: 80,
        first_year: 2021,
        last_year: 2025,
        seed: 9,
    })
    .unwrap();
    let mut store = MemoryStore::new();
    store.insert(&firms, &reports).unwrap();
    let book = CriteriaBook::embedded().unwrap();
    let policy = RulePolicy::default_policy().unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    // Before the adjustment: no stage or class facts.
    let before = registry_subjects(&store, &firms, 2025, date).unwrap();
    assert!(
        before
            .iter()
            .all(|(_, f)| f.get("stage").is_none() && f.get("digital_class").is_none())
    );
    let adj = store
        .adjust(2025, book.for_year(2025).unwrap(), &policy)
        .unwrap();
    let subjects = registry_subjects(&store, &firms, 2025, date).unwrap();
    let (mut staged, mut classed) = (0, 0);
    for e in &adj.entries {
        let (_, f) = subjects
            .iter()
            .find(|(id, _)| *id == e.id.to_string())
            .unwrap();
        let text = |k: &str| match f.get(k) {
            Some(Value::Text(t)) => Some(t.clone()),
            Some(other) => Some(format!("{other:?}")),
            None => None,
        };
        let stage = text("stage");
        assert_eq!(
            stage
                .as_deref()
                .map(|s| s.contains(e.stage.map_or("-", |s| s.key()))),
            e.stage.map(|_| true)
        );
        let class = text("digital_class");
        assert_eq!(class.is_some(), e.class.digital.is_some());
        if let Some(c) = e.class.digital {
            assert!(class.unwrap().contains(c.key()));
            classed += 1;
        }
        if e.stage.is_some() {
            staged += 1;
        }
        let has_report = reports.iter().any(|r| r.id == e.id && r.year == 2025);
        if has_report {
            let dv = e.class.innovation.contains(&InnovationType::DataValue);
            assert_eq!(f.get("data_value_innovator"), Some(&Value::Boolean(dv)));
        }
    }
    assert!(staged > 0 && classed > 0);
}
