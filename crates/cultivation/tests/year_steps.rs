//! The cycle's scenario step and the finance step after a cycle year: the same results on
//! in-memory and SQLite stores, money where the summaries say it is, and a rerun that posts
//! nothing.

use std::collections::HashMap;

use cultivation::finance_step::{self, FinanceStep};
use cultivation::scenario_step::{self, ScenarioStep};
use cultivation::{CycleConfig, CycleOutcome, DataDir, Quiet, Stores, run_cycle};
use registry_model::{EnterpriseId, MemoryStore, RegistryStore, Tier};
use rust_decimal::Decimal;
use voucher_ledger::{Journal, MemoryJournal, SystemClock, VoucherBook};

fn config() -> CycleConfig {
    let mut c = CycleConfig::new().unwrap();
    c.firms = 150;
    c.seed = 11;
    c.jobs_per_holder = 4;
    c
}

fn tiers(o: &CycleOutcome) -> HashMap<EnterpriseId, Tier> {
    o.registry
        .adjustment
        .entries
        .iter()
        .filter_map(|e| e.to.map(|t| (e.id, t)))
        .collect()
}

fn steps<J: Journal>(
    book: &mut VoucherBook<J>,
    store: &dyn RegistryStore,
    o: &CycleOutcome,
) -> (ScenarioStep, FinanceStep) {
    let s = scenario_step::run(
        book,
        &o.registry.firms,
        tiers(o),
        o.year,
        11,
        scenario_step::SCENARIOS_DEFAULT,
    )
    .unwrap();
    let f = finance_step::run(book, store, o.year, o.date).unwrap();
    (s, f)
}

/// The cycle's scenario step (step 6), then the finance step.
fn first<J: Journal>(
    book: &mut VoucherBook<J>,
    store: &dyn RegistryStore,
    o: &CycleOutcome,
) -> (ScenarioStep, FinanceStep) {
    let f = finance_step::run(book, store, o.year, o.date).unwrap();
    (o.scenarios.clone(), f)
}

fn text(s: &ScenarioStep, f: &FinanceStep) -> [String; 4] {
    let j = |v: serde_json::Value| v.to_string();
    [
        j(serde_json::to_value(&s.summary).unwrap()),
        j(serde_json::to_value(&s.matches).unwrap()),
        j(serde_json::to_value(&f.summary).unwrap()),
        j(serde_json::to_value(&f.lines).unwrap()),
    ]
}

#[test]
fn memory_and_sqlite_agree_and_a_rerun_posts_nothing() {
    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let mut cohort = None;
    let o = run_cycle(
        Stores {
            registry: &mut registry,
            ledger: &mut ledger,
            cohort: &mut cohort,
        },
        &config(),
        &mut Quiet,
    )
    .unwrap();
    let (ms, mf) = first(&mut ledger, &registry, &o);

    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("data"));
    let (ss, sf) = {
        let lock = dir.lock().unwrap();
        let mut registry = dir.open_registry(&lock).unwrap();
        let mut book = dir.open_ledger(&lock, true, None).unwrap();
        let mut cohort = dir.cohort_file(&lock);
        let o = run_cycle(
            Stores {
                registry: registry.as_mut(),
                ledger: &mut book,
                cohort: &mut cohort,
            },
            &config(),
            &mut Quiet,
        )
        .unwrap();
        first(&mut book, registry.as_ref(), &o)
    };
    assert_eq!(text(&ms, &mf), text(&ss, &sf), "the stores disagree");

    // Something happened, and the money is where the summaries say.
    let s = &ms.summary;
    assert_eq!(s.scenarios, scenario_step::SCENARIOS_DEFAULT);
    assert!(s.matches > 0 && s.bundle_grants > 0, "{s:?}");
    assert_eq!(s.replayed, 0);
    assert_eq!(s.firms_reached, s.matches, "one scenario a firm");
    let lines = cultivation::cycle::voucher_lines(&ledger, o.year).unwrap();
    let granted = |p: &str| {
        lines
            .iter()
            .find(|l| l.program == p)
            .map_or(Decimal::ZERO, |l| l.granted_yuan)
    };
    assert_eq!(granted("scenario-compute-voucher"), s.compute_yuan);
    assert_eq!(granted("scenario-data-voucher"), s.data_yuan);
    let matched: Decimal = ms
        .matches
        .iter()
        .map(|m| m.compute_yuan + m.data_yuan)
        .sum();
    assert_eq!(matched, s.compute_yuan + s.data_yuan);

    let f = &mf.summary;
    assert!(f.firms_with_spend > 0, "{f:?}");
    assert_eq!(f.granted + f.refused + f.pending, f.firms_with_spend);
    assert_eq!(mf.lines.len(), f.firms_with_spend);
    for l in mf.lines.iter().filter(|l| l.status != "eligible") {
        assert!(!l.reasons.is_empty(), "a refusal says why: {l:?}");
        assert!(l.line.is_empty() && l.limit_yuan.is_zero());
    }
    assert_eq!(f.replayed, 0);
    let limits: Decimal = mf.lines.iter().map(|l| l.limit_yuan).sum();
    assert_eq!(limits, f.limit_yuan);
    let subsidy: Decimal = mf.lines.iter().map(|l| l.subsidy_yuan).sum();
    assert_eq!(subsidy, f.subsidy_yuan);
    assert!(
        f.subsidy_yuan <= f.interest_yuan,
        "subsidy within interest paid"
    );
    assert_eq!(
        f.cost_yuan, f.subsidy_yuan,
        "no defaults: the cost is the subsidy"
    );
    assert_eq!(
        f.budget_left_yuan,
        Decimal::from(finance_step::SUBSIDY_BUDGET_YUAN) - f.subsidy_yuan
    );

    // Again: everything is a replay, nothing is posted, the same results.
    let requests = ledger.request_count();
    let (rs, rf) = steps(&mut ledger, &registry, &o);
    assert_eq!(ledger.request_count(), requests, "a rerun posts nothing");
    assert_eq!(rs.summary.replayed, rs.summary.bundle_grants);
    assert!(
        rf.summary.replayed >= 2 + rf.summary.granted,
        "{:?}",
        rf.summary
    );
    let (mut a, mut b) = (text(&ms, &mf), text(&rs, &rf));
    // Only the replay counts differ.
    for t in [&mut a, &mut b] {
        t[0] = String::new();
        t[2] = String::new();
    }
    assert_eq!(a, b);
    ledger.check_invariants().unwrap();
}
