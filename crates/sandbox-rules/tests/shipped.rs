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
