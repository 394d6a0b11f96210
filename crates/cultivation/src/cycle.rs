//! The annual cycle from start to end over the store traits.

use chrono::NaiveDate;
use compute_scheduler::{Catalog, PolicyKind};
use registry_model::{RegistryStore, Year};
use rust_decimal::Decimal;
use sandbox_rules::scenario::ScenarioConfig;
use voucher_ledger::{Journal, VoucherBook};

use crate::cohort::CohortMemory;
use crate::data_dir::set_cycle_ledger_date;
use crate::error::{CultivationError, Result};
use crate::observer::{Observer, StepDone};
use crate::result::{CycleOutcome, VoucherLine};
use crate::step::Step;
use crate::targets::{self, TargetFile};
use crate::{benefits, compute, finance_step, measure, registry, scenario_step, supervision};

/// Firms in the synthetic cohort by default (assumed: a mid-sized city's registry).
pub const FIRMS_DEFAULT: usize = 3_000;
/// Most firms of a synthetic cohort.
pub const FIRMS_MAX: usize = registry_model::cohort::COHORT_FIRMS_MAX;
/// The seed by default.
pub const SEED_DEFAULT: u64 = 2025;
/// Jobs per compute-voucher holder by default (assumed: a few jobs a month).
pub const JOBS_PER_HOLDER_DEFAULT: usize = 20;
/// The subsidised pool is the national capacity divided by this by default (assumed:
/// 99,000 cards ÷ 200 ≈ 500 cards booked by the program).
pub const CAPACITY_DIVISOR_DEFAULT: u32 = 200;
/// The largest capacity divisor (compute-scheduler's bound).
pub const CAPACITY_DIVISOR_MAX: u32 = compute_scheduler::catalog::MAX_CAPACITY;
/// The day of the year on which the cycle's grants and payments are dated (assumed:
/// mid-year, 1 July).
pub const LEDGER_DAY: (u32, u32) = (7, 1);

/// The date on which the cycle of `year` matches benefits and dates its grants and payments
/// ([`LEDGER_DAY`] of the year); `None` for a year without calendar dates. `shuchuang rules
/// match` takes the same date by default, so the two agree.
pub fn ledger_date(year: Year) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, LEDGER_DAY.0, LEDGER_DAY.1)
}

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleConfig {
    /// The statistical year; `None`: the last adjusted year, or 2025 on an empty registry.
    pub year: Option<Year>,
    /// Firms of the synthetic cohort generated when the registry is empty.
    pub firms: usize,
    /// Seed of everything synthetic (cohort, compute demand, supervision scenarios).
    pub seed: u64,
    /// The placement policy of the year's compute demand.
    pub placement: PolicyKind,
    /// Compute jobs per compute-voucher holder.
    pub jobs_per_holder: usize,
    /// The subsidised pool is the national capacity divided by this.
    pub capacity_divisor: u32,
    /// The supervision scenarios (the shipped ones by default).
    pub scenarios: ScenarioConfig,
    /// Application scenarios published in the year's opportunity list (step 6).
    pub market_scenarios: usize,
    /// The targets the cycle reports progress on ([`TargetFile::shipped`] by default).
    pub targets: TargetFile,
    /// For recovery tests: fail at the end of this step, after all its writes.
    pub fail_at_end_of: Option<Step>,
}

impl CycleConfig {
    /// The defaults, with the shipped scenarios.
    pub fn new() -> Result<Self> {
        Ok(Self {
            year: None,
            firms: FIRMS_DEFAULT,
            seed: SEED_DEFAULT,
            placement: PolicyKind::Fair,
            jobs_per_holder: JOBS_PER_HOLDER_DEFAULT,
            capacity_divisor: CAPACITY_DIVISOR_DEFAULT,
            scenarios: ScenarioConfig::shipped()?,
            market_scenarios: scenario_step::SCENARIOS_DEFAULT,
            targets: TargetFile::shipped()?,
            fail_at_end_of: None,
        })
    }

    /// Refuses parameters outside their documented bounds.
    pub fn validate(&self) -> Result<()> {
        let bounds = |what, value: String, bounds: String| {
            Err(CultivationError::Bounds {
                what,
                value,
                bounds,
            })
        };
        if self.firms == 0 || self.firms > FIRMS_MAX {
            return bounds(
                "--firms",
                self.firms.to_string(),
                format!("1..={FIRMS_MAX}"),
            );
        }
        if self.jobs_per_holder > compute::JOBS_PER_HOLDER_MAX {
            return bounds(
                "--jobs-per-holder",
                self.jobs_per_holder.to_string(),
                format!("0..={}", compute::JOBS_PER_HOLDER_MAX),
            );
        }
        if self.capacity_divisor == 0 || self.capacity_divisor > CAPACITY_DIVISOR_MAX {
            return bounds(
                "--capacity-divisor",
                self.capacity_divisor.to_string(),
                format!("1..={CAPACITY_DIVISOR_MAX}"),
            );
        }
        if self.market_scenarios > scenario_step::SCENARIOS_MAX {
            return bounds(
                "--scenarios",
                self.market_scenarios.to_string(),
                format!("0..={}", scenario_step::SCENARIOS_MAX),
            );
        }
        if let Some(y) = self.year
            && !(registry_model::report::YEAR_MIN..=registry_model::report::YEAR_MAX).contains(&y)
        {
            return bounds(
                "--year",
                y.to_string(),
                format!(
                    "{}..={}",
                    registry_model::report::YEAR_MIN,
                    registry_model::report::YEAR_MAX
                ),
            );
        }
        Ok(())
    }
}

/// The stores a cycle runs on, behind their traits.
pub struct Stores<'a, J: Journal> {
    /// The registry.
    pub registry: &'a mut dyn RegistryStore,
    /// The voucher ledger.
    pub ledger: &'a mut VoucherBook<J>,
    /// Where the synthetic cohort's recipe is kept.
    pub cohort: &'a mut dyn CohortMemory,
}

fn fail_if(config: &CycleConfig, step: Step) -> Result<()> {
    if config.fail_at_end_of == Some(step) {
        return Err(CultivationError::Injected { step });
    }
    Ok(())
}

/// Runs one year: the registry, benefits, compute, supervision, the indices, the scenario
/// market and the credit lines, then measures the progress of `config.targets`, telling
/// `observer` as it goes. Every write carries an idempotency key derived from the year, the
/// program and the firm (or the job), and the adjustment of a year is done once, so running
/// the same year twice writes nothing the second time. A step that fails is named in the
/// error with what it left behind; the ledger steps leave their committed groups, which a
/// rerun completes.
pub fn run_cycle<J: Journal>(
    stores: Stores<'_, J>,
    config: &CycleConfig,
    observer: &mut dyn Observer,
) -> Result<CycleOutcome> {
    config.validate()?;
    let Stores {
        registry: store,
        ledger: book,
        cohort,
    } = stores;
    let year = registry::cycle_year(store, config.year)?;
    let date = ledger_date(year).ok_or_else(|| CultivationError::Bounds {
        what: "year",
        value: year.to_string(),
        bounds: "a year with a calendar date".into(),
    })?;

    observer.step_started(Step::Registry);
    let registry_step = registry::run(store, cohort, year, config.firms, config.seed, observer)
        .and_then(|r| fail_if(config, Step::Registry).map(|()| r))
        .map_err(|e| e.in_step(Step::Registry, year))?;
    observer.step_done(StepDone::Registry(&registry_step));
    let (firms, adj) = (&registry_step.firms, &registry_step.adjustment);

    set_cycle_ledger_date(book, date).map_err(|e| e.in_step(Step::Benefits, year))?;
    observer.step_started(Step::Benefits);
    let benefit_step = benefits::run(book, store, firms, adj, year, date, config.seed, observer)
        .and_then(|r| fail_if(config, Step::Benefits).map(|()| r))
        .map_err(|e| e.in_step(Step::Benefits, year))?;
    observer.step_done(StepDone::Benefits(&benefit_step));

    observer.step_started(Step::Compute);
    let compute_step = Catalog::embedded()
        .and_then(|c| c.with_capacity_divisor(config.capacity_divisor))
        .map_err(CultivationError::from)
        .and_then(|catalog| {
            compute::run(
                book,
                &catalog,
                firms,
                adj,
                year,
                config.seed,
                config.placement,
                config.jobs_per_holder,
                observer,
            )
        })
        .and_then(|r| fail_if(config, Step::Compute).map(|()| r))
        .map_err(|e| e.in_step(Step::Compute, year))?;
    observer.step_done(StepDone::Compute(&compute_step));

    observer.step_started(Step::Supervision);
    let supervision_step = supervision::run(&config.scenarios, firms, adj, year, date, config.seed)
        .and_then(|r| fail_if(config, Step::Supervision).map(|()| r))
        .map_err(|e| e.in_step(Step::Supervision, year))?;
    observer.step_done(StepDone::Supervision(&supervision_step));

    observer.step_started(Step::Index);
    let index_step = measure::run(store, year)
        .and_then(|r| fail_if(config, Step::Index).map(|()| r))
        .map_err(|e| e.in_step(Step::Index, year))?;
    observer.step_done(StepDone::Index(&index_step));

    observer.step_started(Step::Scenarios);
    // Each firm's tier after the adjustment sizes its bundle vouchers by the programs' caps.
    let tiers = adj
        .entries
        .iter()
        .filter_map(|e| e.to.map(|t| (e.id, t)))
        .collect();
    observer.begin("scenario matching", None);
    let scenario_step = scenario_step::run(
        book,
        firms,
        tiers,
        year,
        config.seed,
        config.market_scenarios,
    )
    .and_then(|r| fail_if(config, Step::Scenarios).map(|()| r))
    .map_err(|e| e.in_step(Step::Scenarios, year));
    observer.end();
    let scenario_step = scenario_step?;
    observer.step_done(StepDone::Scenarios(&scenario_step));

    observer.step_started(Step::Finance);
    let finance_step = finance_step::run(book, store, year)
        .and_then(|r| fail_if(config, Step::Finance).map(|()| r))
        .map_err(|e| e.in_step(Step::Finance, year))?;
    observer.step_done(StepDone::Finance(&finance_step));

    let vouchers = voucher_lines(book, year).map_err(|e| e.in_step(Step::Report, year))?;
    // Measured from what the steps above wrote: the year's change log and the ledger.
    let targets = registry_model::CriteriaBook::embedded()
        .map_err(CultivationError::from)
        .and_then(|criteria| {
            targets::measure(&config.targets, year, &*store, &criteria, Some(&*book))
        })
        .map_err(|e| e.in_step(Step::Report, year))?;
    Ok(CycleOutcome {
        year,
        date,
        registry: registry_step,
        benefits: benefit_step,
        compute: compute_step,
        supervision: supervision_step,
        index: index_step,
        scenarios: scenario_step,
        finance: finance_step,
        vouchers,
        targets,
    })
}

/// Every program's `year` on the ledger: budget, granted, redeemed, expired, clawed back,
/// outstanding, remaining, firms.
pub fn voucher_lines<J: Journal>(book: &VoucherBook<J>, year: Year) -> Result<Vec<VoucherLine>> {
    let yuan = voucher_ledger::money::fen_to_yuan;
    let mut out = Vec::new();
    for p in book.programs() {
        let r = book.report(&p.id)?;
        for y in r.years.iter().filter(|y| y.year == year) {
            out.push(VoucherLine {
                program: p.id.clone(),
                kind: r.kind.clone(),
                year: y.year,
                budget_yuan: y.budget_fen.map(yuan),
                granted_yuan: yuan(y.granted_fen),
                redeemed_yuan: yuan(y.redeemed_fen),
                expired_yuan: yuan(y.expired_fen),
                clawed_back_yuan: yuan(y.clawed_back_unused_fen + y.clawed_back_redeemed_fen),
                outstanding_yuan: yuan(y.outstanding_fen),
                remaining_yuan: y.remaining_fen.map(|x| Decimal::from_i128_with_scale(x, 2)),
                firms: y.firms,
            });
        }
    }
    Ok(out)
}
