//! Stores behind [`RegistryStore`]: [`MemoryStore`] here, [`crate::sqlite::SqliteStore`] on disk.
//!
//! Every write is all-or-nothing: a batch of firms and reports, an adjustment, a resource
//! record either lands whole or not at all. The checks live in [`check_insert`] and
//! [`check_commit`], shared by both stores so they refuse exactly the same things.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Datelike;
use serde::{Deserialize, Serialize};

pub use crate::adjust::check_order;
use crate::adjust::{Adjustment, AdjustmentCounts, ChangeEntry, Standing, run_adjustment};
use crate::criteria::CriteriaSet;
use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;
use crate::panel::Panel;
use crate::panel_store::{
    PanelWrite, ScoreRow, ScoresWrite, check_panel_write, check_scores_write,
};
use crate::policy::TierPolicy;
use crate::report::{AnnualReport, Enterprise, LOOK_BACK_YEARS};
use crate::resource::DataResource;
use crate::tier::{Tier, Year};

/// Most firms plus reports accepted in one batch.
pub const BATCH_ROWS_MAX: usize = 5_000_000;

/// What a batch insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InsertSummary {
    /// Firms added.
    pub firms_added: u64,
    /// Firms already present with identical data (left alone).
    pub firms_unchanged: u64,
    /// Firms stored without an industry code that the batch gives one (the only change a
    /// stored firm accepts).
    #[serde(default)]
    pub firms_updated: u64,
    /// Reports added.
    pub reports_added: u64,
}

/// One year of a firm's history: the change-log entry of that year's adjustment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The year adjusted.
    pub year: Year,
    /// The criteria set applied that year.
    pub criteria_set: String,
    /// The policy applied.
    pub policy: String,
    /// The firm's entry.
    pub entry: ChangeEntry,
}

/// The registry's storage. Implementations: [`MemoryStore`], [`crate::sqlite::SqliteStore`].
pub trait RegistryStore {
    /// Adds firms and reports in one transaction. A firm already stored with identical data is
    /// left alone; with different data it is an error, as is a report already stored, a report
    /// for an unknown firm, or a report for a year already adjusted (its facts are frozen).
    fn insert(&mut self, firms: &[Enterprise], reports: &[AnnualReport]) -> Result<InsertSummary>;
    /// One firm.
    fn firm(&self, id: &EnterpriseId) -> Result<Option<Enterprise>>;
    /// Every firm, ordered by USCC.
    fn firms(&self) -> Result<Vec<Enterprise>>;
    /// One report.
    fn report(&self, id: &EnterpriseId, year: Year) -> Result<Option<AnnualReport>>;
    /// A firm's reports, oldest first.
    fn reports_of(&self, id: &EnterpriseId) -> Result<Vec<AnnualReport>>;
    /// Every report of years `first..=last`, ordered by USCC then year.
    fn reports_between(&self, first: Year, last: Year) -> Result<Vec<AnnualReport>>;
    /// Persists an adjustment in one transaction (see [`check_commit`] for what is refused).
    fn commit_adjustment(&mut self, adjustment: &Adjustment) -> Result<()>;
    /// The adjustment of a year.
    fn adjustment(&self, year: Year) -> Result<Option<Adjustment>>;
    /// Years adjusted, oldest first.
    fn adjusted_years(&self) -> Result<Vec<Year>>;
    /// A firm's entries in every adjustment, oldest first.
    fn history(&self, id: &EnterpriseId) -> Result<Vec<HistoryEntry>>;
    /// Stores a data-resource record (insert or replace by registration id). The assigned
    /// code must be unique across records.
    fn put_resource(&mut self, resource: &DataResource) -> Result<()>;
    /// Every data-resource record, ordered by registration id.
    fn resources(&self) -> Result<Vec<DataResource>>;
    /// Stores a selection panel's roster for `year` (see
    /// [`crate::panel_store::check_panel_write`] for what is refused).
    fn put_panel(&mut self, year: Year, panel: &Panel) -> Result<PanelWrite>;
    /// The panels of `year`, ordered by name.
    fn panels(&self, year: Year) -> Result<Vec<Panel>>;
    /// Stores scores of a panel of `year` in one transaction, all or nothing (see
    /// [`crate::panel_store::check_scores_write`]); the panel must be stored.
    fn put_panel_scores(
        &mut self,
        year: Year,
        panel: &str,
        scores: &[ScoreRow],
    ) -> Result<ScoresWrite>;
    /// The scores of a panel of `year`, ordered by firm then member.
    fn panel_scores(&self, year: Year, panel: &str) -> Result<Vec<ScoreRow>>;

    /// The panel of `year` named `name`.
    fn panel(&self, year: Year, name: &str) -> Result<Option<Panel>> {
        Ok(self.panels(year)?.into_iter().find(|p| p.name() == name))
    }

    /// Number of firms.
    fn firm_count(&self) -> Result<u64> {
        Ok(self.firms()?.len() as u64)
    }

    /// The last adjusted year.
    fn last_adjusted_year(&self) -> Result<Option<Year>> {
        Ok(self.adjusted_years()?.last().copied())
    }

    /// Every firm's standing after the adjustment of `year` (firms absent had no tier).
    fn standings(&self, year: Year) -> Result<HashMap<EnterpriseId, Standing>> {
        Ok(self
            .adjustment(year)?
            .map(|a| a.entries.iter().map(|e| (e.id, e.standing())).collect())
            .unwrap_or_default())
    }

    /// Runs the adjustment of `year` on the stored firms and reports and commits it; returns
    /// the change log. Refused when `year` is not after the last adjusted year, or skips one.
    fn adjust(
        &mut self,
        year: Year,
        set: &CriteriaSet,
        policy: &dyn TierPolicy,
    ) -> Result<Adjustment> {
        self.adjust_with_review(year, set, policy, &mut |_| Ok(()))
    }

    /// The adjustment of `year` on the stored firms and reports, starting from the standings
    /// of the last adjusted year, computed without writing. Refused, as a commit would be,
    /// when `year` is not the year after the last adjusted one. What
    /// [`RegistryStore::adjust_with_review`] commits (before its review step) and what a dry
    /// run shows come from this one method ([`crate::preview::preview_adjustment`]).
    fn preview_adjustment(
        &self,
        year: Year,
        set: &CriteriaSet,
        policy: &dyn TierPolicy,
    ) -> Result<Adjustment> {
        let last = self.last_adjusted_year()?;
        check_order(year, last)?;
        let firms = self.firms()?;
        let reports = self.reports_between(year - LOOK_BACK_YEARS, year)?;
        let prior = match last {
            Some(y) => self.standings(y)?,
            None => HashMap::new(),
        };
        run_adjustment(year, &firms, &reports, &prior, set, policy)
    }

    /// Like [`RegistryStore::adjust`], with a review step before the commit: `review` sees the
    /// change log (its [`Adjustment::panel_referrals`]) and may apply panel decisions with
    /// [`Adjustment::apply_panel_decision`]. An error from `review` commits nothing.
    fn adjust_with_review(
        &mut self,
        year: Year,
        set: &CriteriaSet,
        policy: &dyn TierPolicy,
        review: &mut dyn FnMut(&mut Adjustment) -> Result<()>,
    ) -> Result<Adjustment> {
        let mut adj = self.preview_adjustment(year, set, policy)?;
        review(&mut adj)?;
        self.commit_adjustment(&adj)?;
        Ok(adj)
    }

    /// Firms with their entry in the adjustment of `year`, optionally only those of one tier.
    fn list(&self, year: Year, tier: Option<Tier>) -> Result<Vec<(Enterprise, ChangeEntry)>> {
        let Some(adj) = self.adjustment(year)? else {
            return Err(RegistryError::NotFound {
                what: "adjustment of year",
                key: year.to_string(),
            });
        };
        let firms: HashMap<EnterpriseId, Enterprise> =
            self.firms()?.into_iter().map(|f| (f.id, f)).collect();
        let mut out = Vec::new();
        for e in adj.entries {
            if tier.is_some() && e.to != tier {
                continue;
            }
            if let Some(f) = firms.get(&e.id) {
                out.push((f.clone(), e));
            }
        }
        Ok(out)
    }

    /// A firm's tier after each adjusted year (`None` = no tier that year).
    fn tier_history(&self, id: &EnterpriseId) -> Result<Vec<(Year, Option<Tier>)>> {
        Ok(self
            .history(id)?
            .into_iter()
            .map(|h| (h.year, h.entry.to))
            .collect())
    }

    /// Counts per tier and per change for every adjusted year, for charts.
    fn counts_by_year(&self) -> Result<Vec<(Year, AdjustmentCounts)>> {
        let mut out = Vec::new();
        for y in self.adjusted_years()? {
            if let Some(a) = self.adjustment(y)? {
                out.push((y, a.counts()));
            }
        }
        Ok(out)
    }
}

/// What a batch does to the stored firms, once checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedInsert {
    /// Firms to add.
    pub new_firms: Vec<Enterprise>,
    /// Stored firms without an industry code, with the code the batch gives them.
    pub updated_firms: Vec<Enterprise>,
    /// Firms already stored with identical data.
    pub unchanged: u64,
}

/// Validates a batch against what is stored; returns the firms to add and to update. Shared
/// by the stores. A stored firm accepts one change: an industry code where it had none.
pub fn check_insert(
    firms: &[Enterprise],
    reports: &[AnnualReport],
    stored_firm: &dyn Fn(&EnterpriseId) -> Result<Option<Enterprise>>,
    stored_report: &dyn Fn(&EnterpriseId, Year) -> Result<bool>,
    adjusted: &BTreeSet<Year>,
) -> Result<CheckedInsert> {
    if firms.len() + reports.len() > BATCH_ROWS_MAX {
        return Err(RegistryError::Limit {
            what: "firms and reports in one batch",
            value: (firms.len() + reports.len()) as u64,
            limit: BATCH_ROWS_MAX as u64,
        });
    }
    let text = |f: &Enterprise| {
        format!(
            "{} / {} / {}",
            f.name,
            f.founded,
            f.industry
                .map_or_else(|| "-".to_string(), |c| c.to_string())
        )
    };
    let mut batch: BTreeMap<EnterpriseId, &Enterprise> = BTreeMap::new();
    let mut out = CheckedInsert::default();
    for f in firms {
        f.validate()?;
        if let Some(prev) = batch.insert(f.id, f) {
            if prev != f {
                return Err(RegistryError::InvalidField {
                    record: format!("firm {}", f.id),
                    field: "name/founded/industry".into(),
                    value: text(f),
                    reason: format!(
                        "the batch names this firm twice with different data ({})",
                        text(prev)
                    ),
                });
            }
            continue;
        }
        match stored_firm(&f.id)? {
            Some(s) if s == *f => out.unchanged += 1,
            Some(s)
                if s.name == f.name
                    && s.founded == f.founded
                    && s.industry.is_none()
                    && f.industry.is_some() =>
            {
                out.updated_firms.push(f.clone());
            }
            Some(s) => {
                return Err(RegistryError::InvalidField {
                    record: format!("firm {}", f.id),
                    field: "name/founded/industry".into(),
                    value: text(f),
                    reason: format!(
                        "already registered as {} (a stored firm only accepts an industry code where it had none)",
                        text(&s)
                    ),
                });
            }
            None => out.new_firms.push(f.clone()),
        }
    }
    let mut seen: BTreeSet<(EnterpriseId, Year)> = BTreeSet::new();
    for r in reports {
        r.validate()?;
        if !seen.insert((r.id, r.year)) {
            return Err(RegistryError::Duplicate {
                what: "report in the batch",
                key: format!("{} {}", r.id, r.year),
            });
        }
        if adjusted.contains(&r.year) {
            return Err(RegistryError::InvalidField {
                record: format!("report {} {}", r.id, r.year),
                field: "year".into(),
                value: r.year.to_string(),
                reason: "that year is already adjusted; its reports are frozen".into(),
            });
        }
        let founded = match batch.get(&r.id) {
            Some(f) => Some(f.founded),
            None => stored_firm(&r.id)?.map(|f| f.founded),
        };
        let Some(founded) = founded else {
            return Err(RegistryError::NotFound {
                what: "firm of report",
                key: format!("{} (report {})", r.id, r.year),
            });
        };
        if r.year < founded.year() {
            return Err(RegistryError::InvalidField {
                record: format!("report {} {}", r.id, r.year),
                field: "year".into(),
                value: r.year.to_string(),
                reason: format!("before the firm was founded ({founded})"),
            });
        }
        if stored_report(&r.id, r.year)? {
            return Err(RegistryError::Duplicate {
                what: "report",
                key: format!("{} {}", r.id, r.year),
            });
        }
    }
    Ok(out)
}

/// Validates an adjustment before it is written: in order after `last`, internally
/// consistent, and covering every stored firm exactly once.
pub fn check_commit(
    adj: &Adjustment,
    last: Option<Year>,
    firm_ids: &BTreeSet<EnterpriseId>,
) -> Result<()> {
    check_order(adj.year, last)?;
    adj.check()?;
    if adj.entries.len() != firm_ids.len() || adj.entries.iter().any(|e| !firm_ids.contains(&e.id))
    {
        return Err(RegistryError::AdjustmentOrder {
            year: adj.year,
            reason: format!(
                "the change log has {} entries but the registry holds {} firms; every firm must appear exactly once",
                adj.entries.len(),
                firm_ids.len()
            ),
        });
    }
    Ok(())
}

/// A store in memory: for tests, demos and as the reference behaviour of the trait.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    firms: BTreeMap<EnterpriseId, Enterprise>,
    reports: BTreeMap<(EnterpriseId, Year), AnnualReport>,
    adjustments: BTreeMap<Year, Adjustment>,
    resources: BTreeMap<String, DataResource>,
    panels: BTreeMap<(Year, String), Panel>,
    scores: BTreeMap<(Year, String), BTreeMap<(EnterpriseId, String), ScoreRow>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl RegistryStore for MemoryStore {
    fn insert(&mut self, firms: &[Enterprise], reports: &[AnnualReport]) -> Result<InsertSummary> {
        let adjusted: BTreeSet<Year> = self.adjustments.keys().copied().collect();
        let checked = check_insert(
            firms,
            reports,
            &|id| Ok(self.firms.get(id).cloned()),
            &|id, y| Ok(self.reports.contains_key(&(*id, y))),
            &adjusted,
        )?;
        let summary = InsertSummary {
            firms_added: checked.new_firms.len() as u64,
            firms_unchanged: checked.unchanged,
            firms_updated: checked.updated_firms.len() as u64,
            reports_added: reports.len() as u64,
        };
        for f in checked.new_firms.into_iter().chain(checked.updated_firms) {
            self.firms.insert(f.id, f);
        }
        for r in reports {
            self.reports.insert((r.id, r.year), r.clone());
        }
        Ok(summary)
    }

    fn firm(&self, id: &EnterpriseId) -> Result<Option<Enterprise>> {
        Ok(self.firms.get(id).cloned())
    }

    fn firms(&self) -> Result<Vec<Enterprise>> {
        Ok(self.firms.values().cloned().collect())
    }

    fn firm_count(&self) -> Result<u64> {
        Ok(self.firms.len() as u64)
    }

    fn report(&self, id: &EnterpriseId, year: Year) -> Result<Option<AnnualReport>> {
        Ok(self.reports.get(&(*id, year)).cloned())
    }

    fn reports_of(&self, id: &EnterpriseId) -> Result<Vec<AnnualReport>> {
        Ok(self
            .reports
            .range((*id, Year::MIN)..=(*id, Year::MAX))
            .map(|(_, r)| r.clone())
            .collect())
    }

    fn reports_between(&self, first: Year, last: Year) -> Result<Vec<AnnualReport>> {
        Ok(self
            .reports
            .values()
            .filter(|r| (first..=last).contains(&r.year))
            .cloned()
            .collect())
    }

    fn commit_adjustment(&mut self, adjustment: &Adjustment) -> Result<()> {
        let ids: BTreeSet<EnterpriseId> = self.firms.keys().copied().collect();
        check_commit(adjustment, self.adjustments.keys().last().copied(), &ids)?;
        self.adjustments.insert(adjustment.year, adjustment.clone());
        Ok(())
    }

    fn adjustment(&self, year: Year) -> Result<Option<Adjustment>> {
        Ok(self.adjustments.get(&year).cloned())
    }

    fn adjusted_years(&self) -> Result<Vec<Year>> {
        Ok(self.adjustments.keys().copied().collect())
    }

    fn history(&self, id: &EnterpriseId) -> Result<Vec<HistoryEntry>> {
        Ok(self
            .adjustments
            .values()
            .filter_map(|a| {
                a.entry(id).map(|e| HistoryEntry {
                    year: a.year,
                    criteria_set: a.criteria_set.clone(),
                    policy: a.policy.clone(),
                    entry: e.clone(),
                })
            })
            .collect())
    }

    fn put_resource(&mut self, resource: &DataResource) -> Result<()> {
        if let Some(code) = &resource.code
            && self
                .resources
                .values()
                .any(|r| r.id != resource.id && r.code.as_ref() == Some(code))
        {
            return Err(RegistryError::Duplicate {
                what: "data resource code",
                key: code.clone(),
            });
        }
        self.resources.insert(resource.id.clone(), resource.clone());
        Ok(())
    }

    fn resources(&self) -> Result<Vec<DataResource>> {
        Ok(self.resources.values().cloned().collect())
    }

    fn put_panel(&mut self, year: Year, panel: &Panel) -> Result<PanelWrite> {
        let adjusted: BTreeSet<Year> = self.adjustments.keys().copied().collect();
        let key = (year, panel.name().to_string());
        let scored = self.scores.get(&key).is_some_and(|s| !s.is_empty());
        let stored = self
            .panels
            .range((year, String::new())..)
            .take_while(|((y, _), _)| *y == year)
            .count();
        let w = check_panel_write(
            year,
            panel,
            self.panels.get(&key),
            stored,
            scored,
            &adjusted,
        )?;
        self.panels.insert(key, panel.clone());
        Ok(w)
    }

    fn panels(&self, year: Year) -> Result<Vec<Panel>> {
        Ok(self
            .panels
            .iter()
            .filter(|((y, _), _)| *y == year)
            .map(|(_, p)| p.clone())
            .collect())
    }

    fn put_panel_scores(
        &mut self,
        year: Year,
        panel: &str,
        scores: &[ScoreRow],
    ) -> Result<ScoresWrite> {
        let adjusted: BTreeSet<Year> = self.adjustments.keys().copied().collect();
        let key = (year, panel.to_string());
        let p = self
            .panels
            .get(&key)
            .ok_or_else(|| RegistryError::NotFound {
                what: "panel",
                key: format!("{panel} ({year})"),
            })?;
        let stored = self.panel_scores(year, panel)?;
        let (add, unchanged) = check_scores_write(year, p, &stored, scores, &adjusted)?;
        let sheet = self.scores.entry(key).or_default();
        let added = add.len();
        for r in add {
            sheet.insert((r.firm, r.member.clone()), r);
        }
        Ok(ScoresWrite { added, unchanged })
    }

    fn panel_scores(&self, year: Year, panel: &str) -> Result<Vec<ScoreRow>> {
        Ok(self
            .scores
            .get(&(year, panel.to_string()))
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default())
    }
}
