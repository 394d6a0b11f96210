//! The four shipped rule sets load, pass their own cases and analyse clean.

use sandbox_rules::{run_cases, shipped};

#[test]
fn every_shipped_set_passes_its_cases() {
    for s in shipped::ALL {
        let set = s.load().unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let report = run_cases(&set, s.cases, &format!("data/rules/{}/cases.toml", s.name))
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert!(report.total >= 6, "{}: only {} cases", s.name, report.total);
        assert!(
            report.failures.is_empty(),
            "{}: {:#?}",
            s.name,
            report.failures
        );
    }
}

#[test]
fn shipped_sets_have_no_overlaps_or_dead_exceptions() {
    for s in shipped::ALL {
        let set = s.load().unwrap();
        let a = set.analyze();
        assert!(
            a.dead_exceptions.is_empty(),
            "{}: {:#?}",
            s.name,
            a.dead_exceptions
        );
        assert!(
            a.not_analysed.is_empty(),
            "{}: {:?}",
            s.name,
            a.not_analysed
        );
        // Overlaps with different outcomes would be conflicts waiting for a firm.
        assert!(a.overlaps.is_empty(), "{}: {:#?}", s.name, a.overlaps);
    }
}

fn violation(pairs: &[(&str, sandbox_rules::Value)]) -> sandbox_rules::FactMap {
    let mut f = sandbox_rules::FactMap::new()
        .with("violation_code", "XX-1")
        .with("severity", "general")
        .with("corrected_in_time", false)
        .with("harm", "serious")
        .with("fault", "negligent")
        .with("prior_violations_2y", 1)
        .with("reduced_harm", false)
        .with("cooperated", false)
        .with("credit_commitment", false);
    for (k, v) in pairs {
        f.insert(*k, v.clone());
    }
    f
}

#[test]
fn each_paragraph_of_article_33_is_reached() {
    use sandbox_rules::Value;
    let set = shipped::ENFORCEMENT.load().unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    // Without any ground: the standard penalty.
    let base = set.evaluate(&violation(&[]), day);
    assert_eq!(base.outcome.as_deref(), Some("standard_penalty"));
    // ¶1, first sentence: minor, corrected in time, no harm → no penalty.
    let p1 = set.evaluate(
        &violation(&[
            ("severity", Value::from("minor")),
            ("corrected_in_time", Value::from(true)),
            ("harm", Value::from("none")),
        ]),
        day,
    );
    assert_eq!(p1.rule(), Some("art33_1_minor"));
    assert_eq!(p1.outcome.as_deref(), Some("no_penalty"));
    // ¶1, second sentence: first offence, minor harm, corrected in time, on the list → may.
    let p1b = set.evaluate(
        &violation(&[
            ("violation_code", Value::from("AD-002")),
            ("prior_violations_2y", Value::from(0)),
            ("corrected_in_time", Value::from(true)),
            ("harm", Value::from("minor")),
        ]),
        day,
    );
    assert_eq!(p1b.outcome.as_deref(), Some("discretionary_no_penalty"));
    // ¶2: no fault proven → no penalty.
    let p2 = set.evaluate(&violation(&[("fault", Value::from("none_proven"))]), day);
    assert_eq!(p2.rule(), Some("art33_2_no_fault"));
    // ¶3: every no-penalty outcome carries education and cites ¶3.
    for d in [&p1, &p1b, &p2] {
        let g = d.grant().unwrap();
        assert!(g.measures.iter().any(|m| m.contains("education")), "{g:?}");
        assert!(
            g.citations.iter().any(|c| c.contains("第三十三条第三款")),
            "{g:?}"
        );
    }
    assert!(base.grant().unwrap().measures.is_empty());
}
