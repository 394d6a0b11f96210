//! Step 1's selection panel: before the year's adjustment is committed, its borderline firms
//! are referred to a seeded panel of the shipped example roster, which declares its seeded
//! conflicts of interest and scores them (registry_model::panel_seed: every parameter of the
//! score model is assumed); the year is then committed with the panel's decisions by
//! [`panel_desk::decide`], as `shuchuang registry panel decide` commits it. The panel, its
//! ties and its scores are kept in the registry store, so a rerun of the year finds them and
//! changes nothing.

use compute_scheduler::seed::derive_seed;
use registry_model::panel_desk::{self, FirmResult, Outcome};
use registry_model::panel_seed::{self, Leaning};
use registry_model::{CriteriaSet, EnterpriseId, RegistryStore, TierPolicy, Year};
use serde::Serialize;

use crate::error::Result;

/// The name of the cycle's panel in the registry store.
pub const CYCLE_PANEL: &str = "cycle";

/// What the cycle's panel did in the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PanelSummary {
    /// The panel's name.
    pub panel: String,
    /// Firms referred to it.
    pub referred: usize,
    /// Firms it granted the tier asked about.
    pub admitted: usize,
    /// Firms given the referral's fallback.
    pub not_admitted: usize,
    /// Firms without a quorum (none once the year is decided).
    pub no_quorum: usize,
    /// Member-firm recusals (conflicts of interest) in all.
    pub recusals: usize,
}

/// The cycle's panel in the year: its figures and each referred firm's result (the trimmed
/// mean of the valid scores, the members recused, the outcome and its reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelStep {
    /// The figures.
    pub summary: PanelSummary,
    /// One result per referred firm, by USCC.
    pub results: Vec<FirmResult>,
}

/// Seats the cycle's panel for `year` (not yet adjusted) and enters its seeded ties and
/// scores: the panel is created from the example roster when absent, the year's borderline
/// firms not referred to another panel are referred to it, and, while it has no scores, its
/// ties and scores are drawn from `seed` (derived from the cycle's seed and the year).
/// Nothing is written when the year has no borderline firm.
pub fn seat(
    store: &mut dyn RegistryStore,
    year: Year,
    set: &CriteriaSet,
    policy: &dyn TierPolicy,
    seed: u64,
) -> Result<()> {
    if !store.panel_scores(year, CYCLE_PANEL)?.is_empty() {
        return Ok(());
    }
    let preview = store.preview_adjustment(year, set, policy)?;
    if preview.panel_referrals().next().is_none() {
        return Ok(());
    }
    if store.panel(year, CYCLE_PANEL)?.is_none() {
        panel_desk::create(store, year, &panel_seed::example_panel(CYCLE_PANEL)?)?;
    }
    panel_desk::refer(store, year, CYCLE_PANEL, set, policy, None)?;
    let mut panel = panel_desk::stored(store, year, CYCLE_PANEL)?;
    let seed = derive_seed(seed, year, "panel");
    panel_seed::seed_ties(&mut panel, seed)?;
    panel_seed::check_quorum(&panel)?;
    store.put_panel(year, &panel)?;
    let leanings: Vec<(EnterpriseId, Leaning)> = preview
        .panel_referrals()
        .filter_map(|e| panel_seed::leaning(e).map(|l| (e.id, l)))
        .collect();
    let scores = panel_seed::seed_scores(&panel, &leanings, seed);
    store.put_panel_scores(year, CYCLE_PANEL, &scores)?;
    Ok(())
}

/// The cycle's panel of `year` as stored: `None` when the year had none (no borderline
/// firm, or a year adjusted without it).
pub fn read(store: &dyn RegistryStore, year: Year) -> Result<Option<PanelStep>> {
    let Some(panel) = store.panel(year, CYCLE_PANEL)? else {
        return Ok(None);
    };
    let scores = store.panel_scores(year, CYCLE_PANEL)?;
    let results = panel_desk::results(&panel, &scores);
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    Ok(Some(PanelStep {
        summary: PanelSummary {
            panel: panel.name().to_string(),
            referred: results.len(),
            admitted: count(Outcome::Admitted),
            not_admitted: count(Outcome::NotAdmitted),
            no_quorum: count(Outcome::NoQuorum),
            recusals: results.iter().map(|r| r.recused.len()).sum(),
        },
        results,
    }))
}
