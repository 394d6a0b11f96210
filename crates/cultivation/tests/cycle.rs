//! The cycle as a library: the same results on in-memory and SQLite stores, a repeat writes
//! nothing, a failed step is completed by a rerun, and payments chunked into ledger groups
//! of any size give the same subsidies.

use chrono::NaiveDate;
use cultivation::payment::{LedgerPayer, schedule_paying_in_groups};
use cultivation::{
    CultivationError, CycleConfig, CycleOutcome, DataDir, Quiet, Step, Stores, run_cycle,
};
use registry_model::MemoryStore;
use voucher_ledger::{Journal, MemoryJournal, SystemClock, VoucherBook};

fn config(firms: usize) -> CycleConfig {
    let mut c = CycleConfig::new().unwrap();
    c.firms = firms;
    c.seed = 11;
    c.jobs_per_holder = 2;
    c
}

/// Everything a report is made of, as comparable text.
fn tables(o: &CycleOutcome) -> Vec<String> {
    let j = |v: serde_json::Value| v.to_string();
    let rows = |r: &index_engine::IndexResult| {
        r.rows()
            .map(|row| serde_json::to_string(&row).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    };
    vec![
        j(serde_json::to_value(o.summary()).unwrap()),
        j(serde_json::to_value(&o.registry.adjustment).unwrap()),
        format!("{:?}", o.registry.counts_by_year),
        j(serde_json::to_value(&o.benefits.lines).unwrap()),
        j(serde_json::to_value(&o.compute.jobs).unwrap()),
        j(serde_json::to_value(&o.compute.clusters).unwrap()),
        j(serde_json::to_value(&o.compute.rejections).unwrap()),
        j(serde_json::to_value(&o.supervision.sandbox).unwrap()),
        j(serde_json::to_value(&o.supervision.enforcement).unwrap()),
        j(serde_json::to_value(&o.supervision.plan).unwrap()),
        j(serde_json::to_value(&o.vouchers).unwrap()),
        rows(&o.index.caict),
        rows(&o.index.cohort),
        j(serde_json::to_value(&o.scenarios.matches).unwrap()),
        j(serde_json::to_value(&o.finance.lines).unwrap()),
        j(serde_json::to_value(&o.finance.reach).unwrap()),
        j(serde_json::to_value(o.registry.panel.as_ref().map(|p| &p.results)).unwrap()),
    ]
}

fn memory_year(
    registry: &mut MemoryStore,
    ledger: &mut VoucherBook<MemoryJournal>,
    cohort: &mut Option<cultivation::CohortMeta>,
    config: &CycleConfig,
) -> cultivation::Result<CycleOutcome> {
    run_cycle(
        Stores {
            registry,
            ledger,
            cohort,
        },
        config,
        &mut Quiet,
    )
}

fn sqlite_year(dir: &DataDir, config: &CycleConfig) -> cultivation::Result<CycleOutcome> {
    let lock = dir.lock()?;
    let mut registry = dir.open_registry(&lock)?;
    let mut ledger = dir.open_ledger(&lock, true, None)?;
    let mut cohort = dir.cohort_file(&lock);
    run_cycle(
        Stores {
            registry: registry.as_mut(),
            ledger: &mut ledger,
            cohort: &mut cohort,
        },
        config,
        &mut Quiet,
    )
}

#[test]
fn memory_and_sqlite_stores_give_the_same_tables_year_after_year() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("data"));
    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let mut cohort = None;
    for year in [None, Some(2026)] {
        let mut c = config(120);
        c.year = year;
        let m = memory_year(&mut registry, &mut ledger, &mut cohort, &c).unwrap();
        let s = sqlite_year(&dir, &c).unwrap();
        assert_eq!(m.year, s.year);
        assert!(
            !m.compute.jobs.is_empty(),
            "voucher holders' jobs are placed"
        );
        assert!(m.benefits.summary.granted > 0);
        // The year's borderline firms were decided by the seeded panel, in the change log.
        let panel = m.registry.panel.as_ref().expect("the cycle's panel");
        let referred = m.registry.adjustment.panel_referrals().count();
        assert!(referred > 0, "{} has borderline firms", m.year);
        assert_eq!(panel.results.len(), referred);
        assert_eq!(
            panel.summary.admitted + panel.summary.not_admitted,
            referred
        );
        for e in m.registry.adjustment.panel_referrals() {
            let d = e.panel.as_ref().expect("every referral decided");
            assert_eq!(d.panel, "cycle");
            assert!(
                e.reasons
                    .iter()
                    .any(|r| r.starts_with("panel 'cycle': trimmed mean ")),
                "{:?}",
                e.reasons
            );
        }
        let (tm, ts) = (tables(&m), tables(&s));
        for (k, (a, b)) in tm.iter().zip(&ts).enumerate() {
            assert_eq!(a, b, "table {k} of {} differs between the stores", m.year);
        }
    }
    assert_eq!(
        cohort,
        Some(cultivation::CohortMeta {
            firms: 120,
            seed: 11,
            first_year: 2022
        })
    );
}

#[test]
fn the_caict_figure_is_the_published_mode_and_says_what_it_rests_on() {
    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let o = memory_year(&mut registry, &mut ledger, &mut None, &config(20)).unwrap();
    let s = &o.index.summary;
    // `shuchuang index compute data/caict-2025` by default: the report's published paths
    // stand in where its raw data falls short (the raw computation gives 145.64).
    let total = s.caict_total.unwrap();
    assert!((total - 145.84757112138038).abs() < 1e-9, "{total}");
    // By hand, with equal weights: in 2024 half of 产业导向科研 (the joint-fund share) and
    // half of 要素集聚 (PE/VC) have no data: 1/4·1/2·1/2 + 1/4·1/4·1/2 = 3/32.
    assert_eq!(s.caict_missing_share, 3.0 / 32.0);
    assert!(s.caict_estimated_share.is_some_and(|e| e > 0.0 && e < 1.0));
    assert!(
        o.index
            .caict
            .rows()
            .any(|r| r.cell.source == index_engine::Source::Published)
    );
}

#[test]
fn a_repeat_writes_nothing_and_a_failed_step_is_completed_by_a_rerun() {
    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let mut cohort = None;
    let first = memory_year(&mut registry, &mut ledger, &mut cohort, &config(80)).unwrap();
    let requests = ledger.request_count();
    let again = memory_year(&mut registry, &mut ledger, &mut cohort, &config(80)).unwrap();
    assert_eq!(ledger.request_count(), requests, "a repeat writes nothing");
    assert!(again.registry.summary.already_adjusted);
    assert_eq!(tables(&first)[3..], tables(&again)[3..]);

    // The reference: 2026 uninterrupted, on its own stores.
    let mut ref_registry = MemoryStore::new();
    let mut ref_ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let mut ref_cohort = None;
    memory_year(
        &mut ref_registry,
        &mut ref_ledger,
        &mut ref_cohort,
        &config(80),
    )
    .unwrap();
    let mut c26 = config(80);
    c26.year = Some(2026);
    let reference = memory_year(&mut ref_registry, &mut ref_ledger, &mut ref_cohort, &c26).unwrap();

    // 2026 fails at the end of step 2, then of step 3, then of step 6 (scenarios), then of
    // step 7 (the credit lines); each failure names the step and says that a rerun completes
    // it; the committed groups stay.
    for step in [
        Step::Benefits,
        Step::Compute,
        Step::Scenarios,
        Step::Finance,
    ] {
        let mut failing = c26.clone();
        failing.fail_at_end_of = Some(step);
        let e = memory_year(&mut registry, &mut ledger, &mut cohort, &failing).unwrap_err();
        assert_eq!(e.step(), Some(step));
        let text = e.to_string();
        assert!(
            text.contains(&format!("step {step}")) && text.contains("rerun"),
            "{text}"
        );
        assert!(matches!(e, CultivationError::Step { .. }));
    }
    assert!(
        ledger.request_count() > requests,
        "the failed steps' groups stay"
    );
    let done = memory_year(&mut registry, &mut ledger, &mut cohort, &c26).unwrap();
    assert_eq!(
        tables(&done)[1..],
        tables(&reference)[1..],
        "the rerun completes the year"
    );
    assert_eq!(
        ledger.ledger().transfers().len(),
        ref_ledger.ledger().transfers().len()
    );
}

#[test]
fn payments_in_groups_of_any_size_give_the_same_subsidies() {
    // Two identical ledgers with the year's grants, then the same jobs paid in groups of 1
    // and of 10,000.
    let mut runs = Vec::new();
    for group_size in [1usize, 3, 10_000] {
        let mut registry = MemoryStore::new();
        let mut ledger =
            VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
        let mut cohort = None;
        let mut c = config(60);
        c.jobs_per_holder = 0; // grants only
        let year = memory_year(&mut registry, &mut ledger, &mut cohort, &c).unwrap();
        let catalog = compute_scheduler::Catalog::embedded()
            .unwrap()
            .with_capacity_divisor(200)
            .unwrap();
        let mut program_of = std::collections::HashMap::new();
        let mut holders = Vec::new();
        for f in &year.registry.firms {
            let tier = year
                .registry
                .adjustment
                .entries
                .iter()
                .find(|e| e.id == f.id)
                .and_then(|e| e.to);
            if let (Some(tier), Some(p)) = (
                tier,
                ledger.paying_program(voucher_ledger::VoucherKind::Compute, &f.id),
            ) {
                program_of.insert(f.id, p.id.clone());
                holders.push(compute_scheduler::generate::FirmDemand {
                    id: f.id,
                    tier,
                    home: f.region(),
                    voucher_coverage: p.ratio.default,
                });
            }
        }
        assert!(!holders.is_empty());
        let jobs = compute_scheduler::generate::generate_for_firms(
            &holders,
            &compute_scheduler::generate::GeneratorConfig {
                jobs: 40,
                seed: 5,
                ..Default::default()
            },
        )
        .unwrap();
        ledger.set_clock(Box::new(voucher_ledger::ManualClock::at_date(
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        )));
        let payer = LedgerPayer::new(2025, program_of);
        let schedule = schedule_paying_in_groups(
            &mut ledger,
            &payer,
            &catalog,
            &jobs,
            compute_scheduler::PolicyKind::Fair,
            group_size,
            &mut Quiet,
        )
        .unwrap();
        assert!(schedule.metrics.subsidy > rust_decimal::Decimal::ZERO);
        assert_eq!(
            ledger.journal().entries().unwrap().len() as u64,
            ledger.journal().head().unwrap().seq
        );
        ledger.verify().unwrap();
        runs.push((
            serde_json::to_string(&schedule.placements).unwrap(),
            ledger.ledger().transfers().len(),
            ledger.request_count(),
        ));
    }
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
}
