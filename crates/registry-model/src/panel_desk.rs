//! The program office's panel year over a [`RegistryStore`]: a roster checked against the
//! composition rule, firms referred (the year's borderline firms), conflicts recorded, scores
//! imported, results by trimmed mean, and the decisions written into the year's change log
//! when it is committed. Each step reads and writes the store, so each can run in its own
//! process.
//!
//! A year's panels work before its adjustment is committed: referrals come from the preview
//! of the adjustment, and `decide` commits it with every panel's decisions (after which the
//! year's panels are frozen, and `decide` again changes nothing).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::adjust::Adjustment;
use crate::criteria::CriteriaSet;
use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;
use crate::panel::{Panel, Role};
use crate::panel_store::ScoreRow;
use crate::policy::{Referral, TierPolicy};
use crate::store::RegistryStore;
use crate::tier::{Tier, Year};

/// Where the four-in-one rule comes from.
pub const COMPOSITION_SOURCE: &str = "national measures on 数创企业: 遴选培育组 \"政府+企业+创新+投资\" four in one, drawn from departments, localities, state-owned and private firms, research institutes, universities, investors and incubators";

/// Fewest members of each role (cited: every role of the four must sit on the panel).
pub const ROLE_MEMBERS_MIN: usize = 1;

/// Most of a panel's seats one role may hold, in percent (assumed: no document fixes a
/// limit; a majority of one sector would let it decide alone).
pub const ROLE_SHARE_MAX_PERCENT: usize = 50;

/// Where the scoring defaults come from (the quorum, the trimming and the pass mark).
pub const SCORING_BASIS: &str = "assumed: quorum 5 valid scores, the highest and lowest dropped, pass mark 60 of 100 (the 60-point bars of the SME gradient assessments); no document fixes a panel's scoring";

/// One role's line of the composition check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleCheck {
    /// The role.
    pub role: Role,
    /// Members of the role.
    pub members: usize,
    /// Fewest allowed ([`ROLE_MEMBERS_MIN`], cited).
    pub min: usize,
    /// Most allowed ([`ROLE_SHARE_MAX_PERCENT`] of the seats, assumed).
    pub max: usize,
    /// Whether the count lies in `min..=max`.
    pub ok: bool,
    /// The source of the bounds.
    pub basis: String,
}

/// Each role's count against the composition rule.
pub fn composition_check(panel: &Panel) -> Vec<RoleCheck> {
    let total = panel.members().len();
    let max = (total * ROLE_SHARE_MAX_PERCENT / 100).max(ROLE_MEMBERS_MIN);
    panel
        .composition()
        .per_role
        .into_iter()
        .map(|(role, members)| RoleCheck {
            role,
            members,
            min: ROLE_MEMBERS_MIN,
            max,
            ok: (ROLE_MEMBERS_MIN..=max).contains(&members),
            basis: format!(
                "min {ROLE_MEMBERS_MIN}: national measures, four in one; max {ROLE_SHARE_MAX_PERCENT} % of seats: assumed"
            ),
        })
        .collect()
}

/// The composition check, refused when a role lies outside its bounds (naming it).
pub fn check_composition(panel: &Panel) -> Result<Vec<RoleCheck>> {
    let lines = composition_check(panel);
    if let Some(bad) = lines.iter().find(|l| !l.ok) {
        return Err(RegistryError::Panel {
            panel: panel.name().to_string(),
            reason: format!(
                "{} {} members of {}: a role may hold {}..={} seats ({})",
                bad.members,
                bad.role.key(),
                panel.members().len(),
                bad.min,
                bad.max,
                bad.basis
            ),
        });
    }
    Ok(lines)
}

/// Stores a new panel for `year` after the composition check. Refused when a panel of that
/// name already exists for the year (a roster is created once), or the year is adjusted.
pub fn create(store: &mut dyn RegistryStore, year: Year, panel: &Panel) -> Result<Vec<RoleCheck>> {
    let lines = check_composition(panel)?;
    if store.panel(year, panel.name())?.is_some() {
        return Err(RegistryError::Duplicate {
            what: "panel",
            key: format!("{} ({year})", panel.name()),
        });
    }
    store.put_panel(year, panel)?;
    Ok(lines)
}

/// The stored panel of `year` named `name`, or `NotFound`.
pub fn stored(store: &dyn RegistryStore, year: Year, name: &str) -> Result<Panel> {
    store
        .panel(year, name)?
        .ok_or_else(|| RegistryError::NotFound {
            what: "panel",
            key: format!("{name} ({year})"),
        })
}

/// A firm referred, with its question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Referred {
    /// The firm.
    pub firm: EnterpriseId,
    /// Its name.
    pub name: String,
    /// The tier the panel may grant and the fallback.
    pub referral: Option<Referral>,
    /// Members recused from scoring it, with the recorded reasons.
    pub recused: Vec<(String, String)>,
}

/// Refers firms of `year` to the panel `name`: the year's borderline firms (from the preview
/// of its adjustment under `set` and `policy`) not referred to another panel of the year, or
/// those of `chosen` (each with the line of the file `file` naming it; each must be a
/// borderline firm and not referred elsewhere). Members affiliated with a firm are recused
/// from it. Refused once the panel has scores (its roster is fixed) or the year is adjusted.
pub fn refer(
    store: &mut dyn RegistryStore,
    year: Year,
    name: &str,
    set: &CriteriaSet,
    policy: &dyn TierPolicy,
    chosen: Option<(&str, &[(u64, EnterpriseId)])>,
) -> Result<Vec<Referred>> {
    let mut panel = stored(store, year, name)?;
    let preview = crate::preview::preview_adjustment(store, year, set, policy)?;
    let elsewhere: BTreeSet<EnterpriseId> = store
        .panels(year)?
        .iter()
        .filter(|p| p.name() != name)
        .flat_map(|p| p.referred().to_vec())
        .collect();
    let firms: Vec<EnterpriseId> = match chosen {
        None => preview
            .panel_referrals()
            .map(|e| e.id)
            .filter(|id| !elsewhere.contains(id))
            .collect(),
        Some((file, list)) => {
            for (line, id) in list {
                let bad = |reason: String| RegistryError::Csv {
                    file: file.to_string(),
                    line: *line,
                    field: "uscc".into(),
                    value: id.to_string(),
                    reason,
                };
                if !preview.entry(id).is_some_and(|e| e.borderline) {
                    return Err(bad(format!(
                        "not a borderline firm of {year}: a panel decides only the firms the tier policy refers"
                    )));
                }
                if elsewhere.contains(id) {
                    return Err(bad(format!("already referred to another panel of {year}")));
                }
            }
            list.iter().map(|(_, id)| *id).collect()
        }
    };
    let names: BTreeMap<EnterpriseId, String> =
        store.firms()?.into_iter().map(|f| (f.id, f.name)).collect();
    let with_names: Vec<(EnterpriseId, &str)> = firms
        .iter()
        .map(|id| (*id, names.get(id).map_or("", String::as_str)))
        .collect();
    panel.refer(&with_names)?;
    store.put_panel(year, &panel)?;
    Ok(panel
        .referred()
        .iter()
        .map(|id| Referred {
            firm: *id,
            name: names.get(id).cloned().unwrap_or_default(),
            referral: preview.entry(id).and_then(|e| e.referral),
            recused: recusals(&panel, id),
        })
        .collect())
}

/// Records a declared conflict of interest: `member` of the panel `name` is recused from
/// scoring `firm` for `reason`. Returns `false` when the tie was already recorded. Refused
/// for a firm not referred to the panel, once the panel has scores, or the year is adjusted.
pub fn recuse(
    store: &mut dyn RegistryStore,
    year: Year,
    name: &str,
    member: &str,
    firm: EnterpriseId,
    kind: crate::panel::TieKind,
    reason: &str,
) -> Result<bool> {
    let mut panel = stored(store, year, name)?;
    if !panel.referred().contains(&firm) {
        return Err(RegistryError::Panel {
            panel: name.to_string(),
            reason: format!("firm {firm} is not referred to the panel in {year}"),
        });
    }
    let added = panel.declare_tie(member, firm, kind, reason)?;
    if added {
        store.put_panel(year, &panel)?;
    }
    Ok(added)
}

/// The members recused from scoring `firm`, with their recorded reasons.
pub fn recusals(panel: &Panel, firm: &EnterpriseId) -> Vec<(String, String)> {
    panel
        .members()
        .iter()
        .filter_map(|m| {
            m.ties.iter().find(|t| t.firm == *firm).map(|t| {
                let why = if t.reason.is_empty() {
                    t.kind.key().to_string()
                } else {
                    format!("{}: {}", t.kind.key(), t.reason)
                };
                (m.id.clone(), why)
            })
        })
        .collect()
}

/// What the panel concludes for one referred firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The trimmed mean reaches the pass mark: the panel grants the tier asked about.
    Admitted,
    /// Below the pass mark: the firm gets the referral's fallback.
    NotAdmitted,
    /// Fewer valid scores than the quorum: no decision yet.
    NoQuorum,
}

impl Outcome {
    /// The key used in tables.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Admitted => "admitted",
            Outcome::NotAdmitted => "not_admitted",
            Outcome::NoQuorum => "no_quorum",
        }
    }
}

/// The panel's result for one referred firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirmResult {
    /// The firm.
    pub firm: EnterpriseId,
    /// Valid scores (from members not recused).
    pub valid: usize,
    /// The trimmed mean, when the quorum is met.
    pub mean: Option<Decimal>,
    /// Scores the mean rests on (valid scores less the trimmed ones).
    pub counted: usize,
    /// Members whose scores were trimmed off.
    pub trimmed: Vec<String>,
    /// Members recused, with their reasons.
    pub recused: Vec<(String, String)>,
    /// The conclusion.
    pub outcome: Outcome,
    /// The panel's reasons in words.
    pub reason: String,
}

/// Every referred firm's result from `scores`: the trimmed mean of the valid scores when the
/// quorum is met, against the pass mark. Scores of recused members are never counted.
pub fn results(panel: &Panel, scores: &[ScoreRow]) -> Vec<FirmResult> {
    let rule = panel.rule();
    let mut by_firm: BTreeMap<EnterpriseId, Vec<(String, Decimal)>> = BTreeMap::new();
    for s in scores {
        by_firm
            .entry(s.firm)
            .or_default()
            .push((s.member.clone(), s.score));
    }
    panel
        .referred()
        .iter()
        .map(|firm| {
            let given = by_firm.get(firm).map_or(&[][..], Vec::as_slice);
            let recused = recusals(panel, firm);
            let valid = given
                .iter()
                .filter(|(m, _)| !recused.iter().any(|(r, _)| r == m))
                .count();
            match panel.score(firm, given) {
                Ok(s) => {
                    let counted = s.valid.len() - s.trimmed.len();
                    let admitted = s.score >= rule.pass_mark;
                    FirmResult {
                        firm: *firm,
                        valid,
                        mean: Some(s.score),
                        counted,
                        trimmed: s.trimmed,
                        reason: format!(
                            "panel {}: trimmed mean {} of {valid} scores ({} dropped, {} recused), {} the pass mark {}",
                            panel.name(),
                            s.score,
                            2 * rule.trim_each_end,
                            recused.len(),
                            if admitted { "at or above" } else { "below" },
                            rule.pass_mark
                        ),
                        recused,
                        outcome: if admitted {
                            Outcome::Admitted
                        } else {
                            Outcome::NotAdmitted
                        },
                    }
                }
                Err(_) => FirmResult {
                    firm: *firm,
                    valid,
                    mean: None,
                    counted: 0,
                    trimmed: Vec::new(),
                    reason: format!(
                        "panel {}: {valid} valid scores, quorum {}",
                        panel.name(),
                        rule.min_valid_scores
                    ),
                    recused,
                    outcome: Outcome::NoQuorum,
                },
            }
        })
        .collect()
}

/// One decision written into the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The panel.
    pub panel: String,
    /// The firm.
    pub firm: EnterpriseId,
    /// The trimmed mean.
    pub mean: Decimal,
    /// The tier the policy computed.
    pub computed: Option<Tier>,
    /// The tier decided.
    pub tier: Option<Tier>,
}

/// What `decide` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decided {
    /// The year.
    pub year: Year,
    /// `true` when the year was already adjusted: nothing changed, the decisions are read
    /// back from its change log.
    pub already: bool,
    /// The decisions, by panel then firm.
    pub decisions: Vec<Decision>,
}

/// Applies every panel's results to the change log `adj`, before it is committed. Refused,
/// changing nothing that is then committed, when a referred firm lacks its quorum.
pub fn apply_results(
    adj: &mut Adjustment,
    panels: &[(Panel, Vec<ScoreRow>)],
) -> Result<Vec<Decision>> {
    let mut out = Vec::new();
    for (panel, scores) in panels {
        let rule = panel.rule();
        for r in results(panel, scores) {
            let Some(mean) = r.mean else {
                return Err(RegistryError::Panel {
                    panel: panel.name().to_string(),
                    reason: format!(
                        "firm {}: {} valid scores, quorum {}: enter its scores before deciding",
                        r.firm, r.valid, rule.min_valid_scores
                    ),
                });
            };
            let computed = adj.entry(&r.firm).and_then(|e| e.to);
            let score = panel.score(&r.firm, &scores_of(scores, &r.firm))?;
            let note = format!("trimmed mean {mean} of {} scores", r.valid);
            let tier = adj.decide_referral(panel.name(), &score, rule.pass_mark, &[note])?;
            out.push(Decision {
                panel: panel.name().to_string(),
                firm: r.firm,
                mean,
                computed,
                tier,
            });
        }
    }
    Ok(out)
}

fn scores_of(scores: &[ScoreRow], firm: &EnterpriseId) -> Vec<(String, Decimal)> {
    scores
        .iter()
        .filter(|s| s.firm == *firm)
        .map(|s| (s.member.clone(), s.score))
        .collect()
}

/// Commits the adjustment of `year` with every panel's decisions, in one transaction. When
/// the year is already adjusted nothing changes: the decisions are read back from its change
/// log (`already`).
pub fn decide(
    store: &mut dyn RegistryStore,
    year: Year,
    set: &CriteriaSet,
    policy: &dyn TierPolicy,
) -> Result<Decided> {
    if let Some(adj) = store.adjustment(year)? {
        let decisions = adj
            .entries
            .iter()
            .filter_map(|e| {
                e.panel.as_ref().map(|d| Decision {
                    panel: d.panel.clone(),
                    firm: e.id,
                    mean: d.score,
                    computed: d.computed,
                    tier: e.to,
                })
            })
            .collect();
        return Ok(Decided {
            year,
            already: true,
            decisions,
        });
    }
    let mut panels = Vec::new();
    for p in store.panels(year)? {
        let scores = store.panel_scores(year, p.name())?;
        panels.push((p, scores));
    }
    let mut decisions = Vec::new();
    store.adjust_with_review(year, set, policy, &mut |adj| {
        decisions = apply_results(adj, &panels)?;
        Ok(())
    })?;
    Ok(Decided {
        year,
        already: false,
        decisions,
    })
}
