//! Step 1: the registry. An empty registry gets a seeded synthetic cohort (reports for the
//! year and the [`LOOK_BACK_YEARS`] before it); a generated cohort is extended to a later
//! year with the same seed; then the year's borderline firms go to a seeded selection panel
//! ([`crate::panel_step`]) and the year is adjusted with its decisions, once.

use std::collections::BTreeMap;

use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::panel_desk;
use registry_model::{
    Adjustment, AnnualReport, Change, CriteriaBook, LOOK_BACK_YEARS, RegistryStore, RulePolicy,
    Tier, Year,
};

use crate::cohort::{CohortMemory, CohortMeta};
use crate::error::{CultivationError, Result};
use crate::observer::Observer;
use crate::panel_step;
use crate::result::{RegistryStep, RegistrySummary};

/// The year a first cycle runs on an empty registry (assumed: the first year the shipped
/// criteria and programs cover together).
pub const DEFAULT_YEAR: Year = 2025;

/// The cycle's year: the one asked for, else the last adjusted year, else
/// [`DEFAULT_YEAR`]. A year before the last adjusted one is refused.
pub fn cycle_year(store: &dyn RegistryStore, asked: Option<Year>) -> Result<Year> {
    let last = store.last_adjusted_year()?;
    let year = asked.or(last).unwrap_or(DEFAULT_YEAR);
    match last {
        Some(l) if year < l => Err(CultivationError::YearBefore { year, last: l }),
        _ => Ok(year),
    }
}

/// The cohort of `meta` with reports up to `year`.
fn cohort_to(
    meta: &CohortMeta,
    year: Year,
) -> Result<(Vec<registry_model::Enterprise>, Vec<AnnualReport>)> {
    Ok(generate_cohort(&CohortSpec {
        count: meta.firms,
        first_year: meta.first_year,
        last_year: year,
        seed: meta.seed,
    })?)
}

/// Makes sure the registry holds firms and their reports up to `year`: generates the cohort
/// `firms` × `seed` when empty (returning how many firms were made), or extends a generated
/// cohort with the year's reports.
pub fn prepare(
    store: &mut dyn RegistryStore,
    cohort: &mut dyn CohortMemory,
    year: Year,
    firms: usize,
    seed: u64,
    observer: &mut dyn Observer,
) -> Result<Option<usize>> {
    if store.firm_count()? == 0 {
        let meta = CohortMeta {
            firms,
            seed,
            first_year: year - LOOK_BACK_YEARS,
        };
        observer.begin(&format!("generating {firms} firms"), None);
        let (made, reports) = cohort_to(&meta, year)?;
        // The recipe first: a crash before the insert leaves an empty registry, which the
        // next run fills again (and remembers again).
        cohort.remember(&meta)?;
        store.insert(&made, &reports)?;
        observer.end();
        return Ok(Some(meta.firms));
    }
    if let Some(meta) = cohort.recall()?
        && store.reports_between(year, year)?.is_empty()
    {
        let (_, reports) = cohort_to(&meta, year)?;
        let new: Vec<AnnualReport> = reports.into_iter().filter(|r| r.year == year).collect();
        store.insert(&[], &new)?;
    }
    Ok(None)
}

/// The year's adjustment under the criteria set in force and the shipped tier policy: read
/// back when done before (`true`), else the cycle's panel is seated and scored (from `seed`)
/// and the year committed with its decisions, in one transaction.
pub fn adjust(store: &mut dyn RegistryStore, year: Year, seed: u64) -> Result<(Adjustment, bool)> {
    if let Some(done) = store.adjustment(year)? {
        return Ok((done, true));
    }
    let book = CriteriaBook::embedded()?;
    let set = book.for_year(year)?;
    let policy = RulePolicy::default_policy()?;
    panel_step::seat(store, year, set, &policy, seed)?;
    panel_desk::decide(store, year, set, &policy)?;
    let done = store
        .adjustment(year)?
        .ok_or(registry_model::RegistryError::NotFound {
            what: "adjustment just committed",
            key: year.to_string(),
        })?;
    Ok((done, false))
}

/// Step 1 from start to end.
pub fn run(
    store: &mut dyn RegistryStore,
    cohort: &mut dyn CohortMemory,
    year: Year,
    firms: usize,
    seed: u64,
    observer: &mut dyn Observer,
) -> Result<RegistryStep> {
    let generated = prepare(store, cohort, year, firms, seed, observer)?;
    let (adjustment, already) = adjust(store, year, seed)?;
    let panel = panel_step::read(store, year)?;
    let c = adjustment.counts();
    let per_tier = Tier::ALL
        .iter()
        .zip(c.per_tier)
        .map(|(t, n)| (t.key().to_string(), n))
        .collect();
    let per_change: BTreeMap<String, u64> = Change::ALL
        .iter()
        .zip(c.per_change)
        .map(|(ch, n)| (ch.key().to_string(), n))
        .collect();
    Ok(RegistryStep {
        summary: RegistrySummary {
            firms: store.firm_count()?,
            generated,
            already_adjusted: already,
            criteria_set: adjustment.criteria_set.clone(),
            per_tier,
            untiered: c.untiered,
            per_change,
            grace: c.grace,
            borderline: c.borderline,
            panel: panel.as_ref().map(|p| p.summary.clone()),
        },
        panel,
        counts_by_year: store.counts_by_year()?,
        firms: store.firms()?,
        adjustment,
    })
}
