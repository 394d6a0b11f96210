//! The yearly adjustment (动态调整): every firm's tier recomputed for a year, as a change log.

use std::collections::HashMap;
use std::fmt;

use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::criteria::{CriteriaSet, FirmClass};
use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;
use crate::policy::{Referral, Stage, TierPolicy};
use crate::report::{AnnualReport, Enterprise, Evidence};
use crate::tier::{Tier, Year};

/// Most firms one adjustment handles (a national registry is far smaller).
pub const ADJUST_FIRMS_MAX: usize = 10_000_000;

/// What happened to a firm in an adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// 入库: had no tier, now has one.
    Admitted,
    /// 升级: moved to a higher tier.
    Promoted,
    /// 保留: kept its tier (including a year of grace without a report).
    Retained,
    /// 降级: moved to a lower tier.
    Demoted,
    /// 出库: lost its tier.
    Exited,
    /// 未入库: had no tier and still has none.
    NotAdmitted,
}

impl Change {
    /// Every change, in report order.
    pub const ALL: [Change; 6] = [
        Change::Admitted,
        Change::Promoted,
        Change::Retained,
        Change::Demoted,
        Change::Exited,
        Change::NotAdmitted,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            Change::Admitted => "admitted",
            Change::Promoted => "promoted",
            Change::Retained => "retained",
            Change::Demoted => "demoted",
            Change::Exited => "exited",
            Change::NotAdmitted => "not_admitted",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Change::Admitted => "入库",
            Change::Promoted => "升级",
            Change::Retained => "保留",
            Change::Demoted => "降级",
            Change::Exited => "出库",
            Change::NotAdmitted => "未入库",
        }
    }

    /// From the tier before and after.
    pub fn between(from: Option<Tier>, to: Option<Tier>) -> Change {
        match (from, to) {
            (None, None) => Change::NotAdmitted,
            (None, Some(_)) => Change::Admitted,
            (Some(_), None) => Change::Exited,
            (Some(a), Some(b)) if b > a => Change::Promoted,
            (Some(a), Some(b)) if b < a => Change::Demoted,
            _ => Change::Retained,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for Change {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self> {
        Change::ALL
            .into_iter()
            .find(|c| c.key() == s)
            .ok_or_else(|| RegistryError::NotFound {
                what: "change kind",
                key: s.to_string(),
            })
    }
}

/// A firm's standing after an adjustment: what the next adjustment starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Standing {
    /// Its tier, if any.
    pub tier: Option<Tier>,
    /// It kept the tier without a report (its year of grace is used).
    pub grace: bool,
}

/// A selection panel's decision on a referred firm, as the change log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelDecision {
    /// The panel's name.
    pub panel: String,
    /// Its trimmed-mean score.
    pub score: Decimal,
    /// The score at or above which it grants the tier asked about (`None` when the tier was
    /// set directly, without a pass mark).
    pub pass_mark: Option<Decimal>,
    /// The tier the policy computed before the panel decided.
    pub computed: Option<Tier>,
}

/// One line of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEntry {
    /// The firm.
    pub id: EnterpriseId,
    /// Tier before the adjustment.
    pub from: Option<Tier>,
    /// Tier after.
    pub to: Option<Tier>,
    /// The change.
    pub change: Change,
    /// Kept its tier without a report for the year (one year of grace).
    pub grace: bool,
    /// Referred to the selection panel: a deciding condition lies near its threshold.
    pub borderline: bool,
    /// Lifecycle stage, when the facts tell.
    pub stage: Option<Stage>,
    /// Why, in words (criteria met or failed, grace, missing report).
    pub reasons: Vec<String>,
    /// Facts whose absence left a higher tier undecided.
    pub missing: Vec<String>,
    /// The firm's class (分类) beside its tier (分级): digital class and innovation types.
    #[serde(default)]
    pub class: FirmClass,
    /// The question a borderline firm is referred to the panel with.
    #[serde(default)]
    pub referral: Option<Referral>,
    /// The panel's decision, when one was applied.
    #[serde(default)]
    pub panel: Option<PanelDecision>,
}

impl ChangeEntry {
    /// The standing this entry leaves.
    pub fn standing(&self) -> Standing {
        Standing {
            tier: self.to,
            grace: self.grace,
        }
    }
}

/// Counts of an adjustment, per tier after and per change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AdjustmentCounts {
    /// Firms in the change log.
    pub firms: u64,
    /// Firms per tier after, potential first.
    pub per_tier: [u64; 3],
    /// Firms without a tier after.
    pub untiered: u64,
    /// Firms per change, in [`Change::ALL`] order.
    pub per_change: [u64; 6],
    /// Firms kept on grace.
    pub grace: u64,
    /// Firms referred to the panel.
    pub borderline: u64,
}

/// The result of one year's adjustment: the change log with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// The year adjusted.
    pub year: Year,
    /// The criteria set applied.
    pub criteria_set: String,
    /// The tier policy applied.
    pub policy: String,
    /// One entry per firm, ordered by USCC.
    pub entries: Vec<ChangeEntry>,
}

impl Adjustment {
    /// Counts per tier and per change.
    pub fn counts(&self) -> AdjustmentCounts {
        let mut c = AdjustmentCounts {
            firms: self.entries.len() as u64,
            ..AdjustmentCounts::default()
        };
        for e in &self.entries {
            match e.to {
                Some(t) => {
                    if let Some(slot) = c.per_tier.get_mut(t as usize) {
                        *slot += 1;
                    }
                }
                None => c.untiered += 1,
            }
            if let Some(slot) = c.per_change.get_mut(e.change as usize) {
                *slot += 1;
            }
            c.grace += u64::from(e.grace);
            c.borderline += u64::from(e.borderline);
        }
        c
    }

    /// The entry of one firm.
    pub fn entry(&self, id: &EnterpriseId) -> Option<&ChangeEntry> {
        self.entries
            .binary_search_by(|e| e.id.cmp(id))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// Firms referred to the selection panel.
    pub fn panel_referrals(&self) -> impl Iterator<Item = &ChangeEntry> {
        self.entries.iter().filter(|e| e.borderline)
    }

    /// Applies a selection panel's decision to a firm referred to it (a borderline entry),
    /// before the adjustment is committed: the tier becomes `tier`, the change is recomputed
    /// and the reason records the panel and its score. Refused for a firm not referred, or
    /// a firm already decided.
    pub fn apply_panel_decision(
        &mut self,
        panel: &str,
        score: &crate::panel::PanelScore,
        tier: Option<Tier>,
    ) -> Result<()> {
        self.record_decision(panel, score, None, tier, &[])
    }

    /// Decides a referred firm by its referral question: the panel grants the tier asked
    /// about when its score reaches `pass_mark`, else the firm gets the referral's fallback.
    /// The reasons record the question, the score against the mark, how many scores counted
    /// and were recused, and `notes` (the panel's own reasons). Returns the tier given.
    pub fn decide_referral(
        &mut self,
        panel: &str,
        score: &crate::panel::PanelScore,
        pass_mark: Decimal,
        notes: &[String],
    ) -> Result<Option<Tier>> {
        let referral = self
            .entry(&score.firm)
            .and_then(|e| e.referral)
            .ok_or_else(|| RegistryError::Panel {
                panel: panel.to_string(),
                reason: format!(
                    "firm {} was not referred to the panel in {}",
                    score.firm, self.year
                ),
            })?;
        let tier = referral.decide(score.score >= pass_mark);
        self.record_decision(panel, score, Some(pass_mark), tier, notes)?;
        Ok(tier)
    }

    fn record_decision(
        &mut self,
        panel: &str,
        score: &crate::panel::PanelScore,
        pass_mark: Option<Decimal>,
        tier: Option<Tier>,
        notes: &[String],
    ) -> Result<()> {
        let year = self.year;
        let not_found = || RegistryError::NotFound {
            what: "firm in the change log",
            key: score.firm.to_string(),
        };
        let i = self
            .entries
            .binary_search_by(|e| e.id.cmp(&score.firm))
            .map_err(|_| not_found())?;
        let e = self.entries.get_mut(i).ok_or_else(not_found)?;
        let refuse = |reason: String| RegistryError::Panel {
            panel: panel.to_string(),
            reason,
        };
        if !e.borderline {
            return Err(refuse(format!(
                "firm {} was not referred to the panel in {year}",
                e.id
            )));
        }
        if let Some(d) = &e.panel {
            return Err(refuse(format!(
                "firm {} was already decided by panel '{}' in {year}",
                e.id, d.panel
            )));
        }
        let computed = e.to;
        e.to = tier;
        e.change = Change::between(e.from, tier);
        e.grace = false;
        let question = match (e.referral, pass_mark) {
            (Some(r), Some(mark)) => format!(
                ", asked to grant {} (else {}): {} the pass mark {mark}",
                r.tier.key(),
                r.fallback.map_or("none", Tier::key),
                if score.score >= mark {
                    "at or above"
                } else {
                    "below"
                }
            ),
            _ => String::new(),
        };
        e.reasons.push(format!(
            "panel '{panel}' scored {} ({} valid, {} recused){question}: tier {} (computed {})",
            score.score,
            score.valid.len(),
            score.recused.len(),
            tier.map_or("none", Tier::key),
            computed.map_or("none", Tier::key),
        ));
        for n in notes {
            e.reasons.push(format!("panel '{panel}': {n}"));
        }
        e.panel = Some(PanelDecision {
            panel: panel.to_string(),
            score: score.score,
            pass_mark,
            computed,
        });
        Ok(())
    }

    /// Checks the change log's invariants: entries sorted and unique, each change consistent
    /// with its tiers, grace only on a retained tier. Stores call it before writing.
    pub fn check(&self) -> Result<()> {
        let bad = |reason: String| RegistryError::AdjustmentOrder {
            year: self.year,
            reason,
        };
        for w in self.entries.windows(2) {
            if let [a, b] = w
                && a.id >= b.id
            {
                return Err(bad(format!(
                    "change log not sorted or duplicate firm {}",
                    b.id
                )));
            }
        }
        for e in &self.entries {
            if Change::between(e.from, e.to) != e.change {
                return Err(bad(format!(
                    "firm {}: change {} does not match {:?} -> {:?}",
                    e.id, e.change, e.from, e.to
                )));
            }
            if e.grace && (e.change != Change::Retained || e.to.is_none()) {
                return Err(bad(format!("firm {}: grace on a non-retained entry", e.id)));
            }
            if (e.referral.is_some() || e.panel.is_some()) && !e.borderline {
                return Err(bad(format!(
                    "firm {}: a referral or panel decision on a firm not referred",
                    e.id
                )));
            }
        }
        Ok(())
    }
}

/// Runs the adjustment of `year`.
///
/// `firms` are every firm of the registry; `reports` any of their reports (only the year and
/// the three before are read); `prior` the standing each firm had after the last adjustment
/// (absent = no tier). A firm without a report for `year` keeps its tier for one year of grace,
/// flagged, and exits the next year if it still has not reported.
///
/// Evaluation runs in parallel; the result does not depend on the thread count (entries are
/// sorted by USCC).
pub fn run_adjustment(
    year: Year,
    firms: &[Enterprise],
    reports: &[AnnualReport],
    prior: &HashMap<EnterpriseId, Standing>,
    set: &CriteriaSet,
    policy: &dyn TierPolicy,
) -> Result<Adjustment> {
    check_order(year, None)?;
    if firms.len() > ADJUST_FIRMS_MAX {
        return Err(RegistryError::Limit {
            what: "firms in one adjustment",
            value: firms.len() as u64,
            limit: ADJUST_FIRMS_MAX as u64,
        });
    }
    let mut by_firm: HashMap<EnterpriseId, Vec<&AnnualReport>> =
        HashMap::with_capacity(firms.len());
    for r in reports {
        if (year - crate::report::LOOK_BACK_YEARS..=year).contains(&r.year) {
            by_firm.entry(r.id).or_default().push(r);
        }
    }
    let mut sorted: Vec<&Enterprise> = firms.iter().collect();
    sorted.sort_by_key(|f| f.id);
    for w in sorted.windows(2) {
        if let [a, b] = w
            && a.id == b.id
        {
            return Err(RegistryError::Duplicate {
                what: "firm",
                key: a.id.to_string(),
            });
        }
    }
    let empty: Vec<&AnnualReport> = Vec::new();
    let entries: Vec<ChangeEntry> = sorted
        .par_iter()
        .map(|firm| {
            let standing = prior.get(&firm.id).copied().unwrap_or_default();
            let own = by_firm.get(&firm.id).unwrap_or(&empty);
            let ev = Evidence::from_refs(firm, year, own.iter().copied());
            judge(&ev, standing, set, policy)
        })
        .collect();
    let adj = Adjustment {
        year,
        criteria_set: set.id().to_string(),
        policy: policy.id().to_string(),
        entries,
    };
    adj.check()?;
    Ok(adj)
}

/// One firm's line of the change log.
pub fn judge(
    ev: &Evidence<'_>,
    standing: Standing,
    set: &CriteriaSet,
    policy: &dyn TierPolicy,
) -> ChangeEntry {
    let id = ev.enterprise.id;
    let year = ev.year;
    if ev.current().is_none() {
        let (to, grace, reason) = match standing.tier {
            Some(t) if !standing.grace => (
                Some(t),
                true,
                format!(
                    "no report for {year}: keeps {} ({}) for one year of grace",
                    t.key(),
                    t.name_zh()
                ),
            ),
            Some(t) => (
                None,
                false,
                format!(
                    "no report for {year} after a year of grace: exits {} ({})",
                    t.key(),
                    t.name_zh()
                ),
            ),
            None => (None, false, format!("no report for {year}")),
        };
        return ChangeEntry {
            id,
            from: standing.tier,
            to,
            change: Change::between(standing.tier, to),
            grace,
            borderline: false,
            stage: None,
            reasons: vec![reason],
            missing: vec![format!("report ({year})")],
            class: set.classify(ev),
            referral: None,
            panel: None,
        };
    }
    let verdicts = set.evaluate(ev);
    let d = policy.decide(ev, &verdicts);
    ChangeEntry {
        id,
        from: standing.tier,
        to: d.tier,
        change: Change::between(standing.tier, d.tier),
        grace: false,
        borderline: d.borderline,
        stage: d.stage,
        reasons: d.reasons,
        missing: d.missing,
        class: set.classify(ev),
        referral: d.referral,
        panel: None,
    }
}

/// An adjustment of `year` may follow `last` only as the next year (history is neither
/// rewritten nor skipped).
pub fn check_order(year: Year, last: Option<Year>) -> Result<()> {
    if !(crate::report::YEAR_MIN..=crate::report::YEAR_MAX).contains(&year) {
        return Err(RegistryError::AdjustmentOrder {
            year,
            reason: "the year lies outside 1978-2200".into(),
        });
    }
    match last {
        Some(l) if year <= l => Err(RegistryError::AdjustmentOrder {
            year,
            reason: format!("year {l} is already adjusted; adjustments are never rewritten"),
        }),
        Some(l) if year != l + 1 => Err(RegistryError::AdjustmentOrder {
            year,
            reason: format!("the last adjusted year is {l}; adjust {} first", l + 1),
        }),
        _ => Ok(()),
    }
}
