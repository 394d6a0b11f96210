//! The inspection planner (规范涉企检查, 国办发〔2024〕54号): planned inspections from several
//! departments are merged per firm within a window into one joint inspection (综合查一次),
//! a yearly cap of site visits per firm is enforced, low-risk firms get a non-site (data)
//! review instead of a visit, and repeats raise alerts. The plan reports visits before and
//! after.
//!
//! A rule set decides each planned inspection's mode from its facts (risk class, trigger,
//! credit rating, …); its outcome must be one of `mandatory_site_visit`, `site_visit` or
//! `non_site_review`. A mandatory inspection is never dropped or moved out of a site visit:
//! when mandatory visits alone exceed the cap, the plan reports a cap breach instead.
//! A decision the rules cannot make (facts missing, a conflict) is treated as a mandatory
//! site visit and raises an alert, so nothing that might be required disappears.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::eval::Status;
use crate::facts::FactMap;
use crate::model::RuleSet;
use crate::value::Value;

/// The most planned inspections one plan may hold.
pub const INSPECTIONS_MAX: usize = 1_000_000;

/// One planned inspection, as a department files it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedInspection {
    /// Unique id of the planned inspection.
    pub id: String,
    /// The firm (USCC or another id).
    pub firm: String,
    /// The planning department.
    pub department: String,
    /// The planned date.
    pub date: NaiveDate,
    /// What is checked (product quality, fire safety, data security, …).
    pub subject: String,
    /// Facts for the rule set (risk class, trigger, credit rating, …).
    pub facts: FactMap,
}

/// A site visit already made this year: it counts against the cap and for repeat alerts,
/// and is not planned again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedVisit {
    /// The firm.
    pub firm: String,
    /// The department that visited.
    pub department: String,
    /// The date of the visit.
    pub date: NaiveDate,
    /// What was checked.
    pub subject: String,
}

/// How an inspection is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionMode {
    /// A visit to the firm's premises.
    Site,
    /// A review of data and documents, no visit (非现场监管).
    NonSite,
}

/// Planner settings; [`PlannerConfig::from_rule_set`] reads them from the set's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannerConfig {
    /// Inspections of one firm within this many days of the first are merged into one.
    pub window_days: u32,
    /// Site visits per firm per calendar year.
    pub yearly_cap: u32,
    /// More planned inspections than this for one firm in a year raise a high-frequency alert.
    pub repeat_alert_threshold: u32,
}

impl PlannerConfig {
    /// Reads `merge_window_days`, `yearly_visit_cap` and `repeat_alert_threshold` (integer
    /// parameters) in force on `date`.
    pub fn from_rule_set(set: &RuleSet, date: NaiveDate) -> Result<Self, Error> {
        let get = |name: &str| -> Result<u32, Error> {
            match set.param_value(name, date) {
                Some(Value::Integer(i)) => u32::try_from(*i).map_err(|_| Error::Input {
                    origin: set.file().to_string(),
                    message: format!(
                        "parameter '{name}' = {i} must be between 0 and {}",
                        u32::MAX
                    ),
                }),
                Some(other) => Err(Error::Input {
                    origin: set.file().to_string(),
                    message: format!("parameter '{name}' must be an integer, found {other}"),
                }),
                None => Err(Error::Input {
                    origin: set.file().to_string(),
                    message: format!("the planner needs parameter '{name}' in force on {date}"),
                }),
            }
        };
        Ok(Self {
            window_days: get("merge_window_days")?,
            yearly_cap: get("yearly_visit_cap")?,
            repeat_alert_threshold: get("repeat_alert_threshold")?,
        })
    }
}

/// One joint inspection in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointInspection {
    /// Plan-wide id, `J0001`, … in firm, then date order.
    pub id: String,
    /// The firm.
    pub firm: String,
    /// Date of the joint inspection (the earliest of its members).
    pub date: NaiveDate,
    /// Visit or non-site review.
    pub mode: InspectionMode,
    /// Whether it contains a mandatory inspection.
    pub mandatory: bool,
    /// Departments taking part (sorted, distinct).
    pub departments: Vec<String>,
    /// Subjects checked (sorted, distinct).
    pub subjects: Vec<String>,
    /// The planned inspections it replaces.
    pub members: Vec<String>,
    /// Why it looks the way it does (rules, merges, cap).
    pub notes: Vec<String>,
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The same subject planned more than once for a firm in a year.
    RepeatedSubject,
    /// More planned inspections for a firm in a year than the threshold.
    HighFrequency,
    /// Mandatory site visits alone exceed the yearly cap.
    CapBreach,
    /// The rules could not decide an inspection's mode (treated as mandatory).
    Undecided,
}

/// An alert for the supervising office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The firm.
    pub firm: String,
    /// The year.
    pub year: i32,
    /// The kind.
    pub kind: AlertKind,
    /// What happened, naming ids and departments.
    pub message: String,
}

/// Visits before and after planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanSummary {
    /// Planned inspections (each would have been a visit).
    pub planned: usize,
    /// Firms concerned.
    pub firms: usize,
    /// Site visits before: one per planned inspection.
    pub visits_before: usize,
    /// Site visits after merging and capping.
    pub visits_after: usize,
    /// Non-site reviews in the plan.
    pub non_site_reviews: usize,
    /// Mandatory inspections (all kept).
    pub mandatory: usize,
    /// Firm-years where mandatory visits (with visits already made) exceed the cap.
    pub cap_breaches: usize,
    /// Site visits already made in the planned firm-years (counted against the cap).
    pub visits_done: usize,
}

/// The plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The settings used.
    pub config: PlannerConfig,
    /// Joint inspections, by firm then date.
    pub inspections: Vec<JointInspection>,
    /// Alerts, by firm, year and kind.
    pub alerts: Vec<Alert>,
    /// Counts.
    pub summary: PlanSummary,
}

struct Item<'a> {
    p: &'a PlannedInspection,
    mode: InspectionMode,
    mandatory: bool,
    note: String,
}

/// Plans `inspections` with the mode rules of `set` (evaluated on each inspection's date).
///
/// Invariants (checked by property tests): every planned inspection appears in exactly one
/// joint inspection; every mandatory one is in a site visit; site visits per firm-year never
/// exceed `yearly_cap` unless mandatory visits alone do, which is reported as a cap breach.
pub fn plan(
    set: &RuleSet,
    inspections: &[PlannedInspection],
    config: &PlannerConfig,
) -> Result<Plan, Error> {
    plan_with_history(set, inspections, &[], config)
}

/// Like [`plan`], with the site visits already made: in each firm-year they use up part of
/// the cap (`yearly_cap` − visits made is left for the plan) and a planned subject already
/// inspected that year raises a repeat alert.
pub fn plan_with_history(
    set: &RuleSet,
    inspections: &[PlannedInspection],
    done: &[CompletedVisit],
    config: &PlannerConfig,
) -> Result<Plan, Error> {
    if inspections.len() > INSPECTIONS_MAX || done.len() > INSPECTIONS_MAX {
        return Err(Error::Limit {
            what: "planned inspections".to_string(),
            limit: INSPECTIONS_MAX,
        });
    }
    let mut seen = BTreeSet::new();
    for p in inspections {
        if !seen.insert(p.id.as_str()) {
            return Err(Error::Input {
                origin: format!("inspection '{}'", p.id),
                message: "duplicate inspection id".to_string(),
            });
        }
    }
    let mut alerts = Vec::new();
    // Firm -> year -> items; BTreeMaps keep the output order independent of input order.
    let mut by_firm: BTreeMap<(&str, i32), Vec<Item<'_>>> = BTreeMap::new();
    for p in inspections {
        let d = set.evaluate(&p.facts, p.date);
        let (mode, mandatory, note) = match (d.status, d.outcome.as_deref()) {
            (Status::Decided | Status::Default, Some(o)) => {
                let rule = d.rule().unwrap_or("default");
                match o {
                    "mandatory_site_visit" => (
                        InspectionMode::Site,
                        true,
                        format!("{}: mandatory site visit (rule {rule})", p.id),
                    ),
                    "site_visit" => (
                        InspectionMode::Site,
                        false,
                        format!("{}: site visit (rule {rule})", p.id),
                    ),
                    "non_site_review" => (
                        InspectionMode::NonSite,
                        false,
                        format!("{}: non-site review (rule {rule})", p.id),
                    ),
                    other => {
                        return Err(Error::Input {
                            origin: set.file().to_string(),
                            message: format!(
                                "inspection '{}': outcome '{other}' is not mandatory_site_visit, site_visit or non_site_review",
                                p.id
                            ),
                        });
                    }
                }
            }
            (status, _) => {
                alerts.push(Alert {
                    firm: p.firm.clone(),
                    year: p.date.year(),
                    kind: AlertKind::Undecided,
                    message: format!(
                        "inspection '{}' ({}): rules gave {status:?}{}; kept as a mandatory site visit",
                        p.id,
                        p.department,
                        if d.missing_facts.is_empty() {
                            String::new()
                        } else {
                            format!(", missing {}", d.missing_facts.join(", "))
                        }
                    ),
                });
                (
                    InspectionMode::Site,
                    true,
                    format!("{}: undecided by the rules, kept as mandatory", p.id),
                )
            }
        };
        by_firm
            .entry((p.firm.as_str(), p.date.year()))
            .or_default()
            .push(Item {
                p,
                mode,
                mandatory,
                note,
            });
    }

    let mut out: Vec<JointInspection> = Vec::new();
    let mut summary = PlanSummary {
        planned: inspections.len(),
        visits_before: inspections.len(),
        ..PlanSummary::default()
    };
    let firms: BTreeSet<&str> = inspections.iter().map(|p| p.firm.as_str()).collect();
    summary.firms = firms.len();
    for ((firm, year), mut items) in by_firm {
        items.sort_by(|a, b| (a.p.date, &a.p.id).cmp(&(b.p.date, &b.p.id)));
        summary.mandatory += items.iter().filter(|i| i.mandatory).count();
        let done_here: Vec<&CompletedVisit> = done
            .iter()
            .filter(|d| d.firm == firm && d.date.year() == year)
            .collect();
        summary.visits_done += done_here.len();
        for i in &items {
            let before: Vec<String> = done_here
                .iter()
                .filter(|d| d.subject == i.p.subject)
                .map(|d| format!("{} on {}", d.department, d.date))
                .collect();
            if !before.is_empty() {
                alerts.push(Alert {
                    firm: firm.to_string(),
                    year,
                    kind: AlertKind::RepeatedSubject,
                    message: format!(
                        "{} plans subject '{}' on {}, already inspected this year by {}",
                        i.p.id,
                        i.p.subject,
                        i.p.date,
                        before.join("; ")
                    ),
                });
            }
        }
        // Alerts on repeats.
        let mut by_subject: BTreeMap<&str, Vec<&Item<'_>>> = BTreeMap::new();
        for i in &items {
            by_subject.entry(i.p.subject.as_str()).or_default().push(i);
        }
        for (subject, list) in &by_subject {
            if list.len() > 1 {
                let who: Vec<String> = list
                    .iter()
                    .map(|i| format!("{} by {} on {}", i.p.id, i.p.department, i.p.date))
                    .collect();
                alerts.push(Alert {
                    firm: firm.to_string(),
                    year,
                    kind: AlertKind::RepeatedSubject,
                    message: format!(
                        "subject '{subject}' planned {} times: {}",
                        list.len(),
                        who.join("; ")
                    ),
                });
            }
        }
        if items.len() + done_here.len() > config.repeat_alert_threshold as usize {
            alerts.push(Alert {
                firm: firm.to_string(),
                year,
                kind: AlertKind::HighFrequency,
                message: format!(
                    "{} inspections planned and {} made in {year}, above the alert threshold of {}",
                    items.len(),
                    done_here.len(),
                    config.repeat_alert_threshold
                ),
            });
        }

        // 1. Merge within the window (greedy from the earliest: optimal for interval covering).
        let mut clusters: Vec<Vec<Item<'_>>> = Vec::new();
        let mut start: Option<NaiveDate> = None;
        for it in items {
            let fits =
                start.is_some_and(|s| (it.p.date - s).num_days() <= i64::from(config.window_days));
            if fits {
                if let Some(c) = clusters.last_mut() {
                    c.push(it);
                    continue;
                }
            }
            start = Some(it.p.date);
            clusters.push(vec![it]);
        }

        // 2. Enforce the cap on site visits: keep every mandatory visit, then the earliest
        //    others; fold the rest into the nearest kept visit (nothing is dropped).
        let is_site = |c: &Vec<Item<'_>>| c.iter().any(|i| i.mode == InspectionMode::Site);
        let is_mandatory = |c: &Vec<Item<'_>>| c.iter().any(|i| i.mandatory);
        let site_idx: Vec<usize> = (0..clusters.len())
            .filter(|&i| clusters.get(i).is_some_and(is_site))
            .collect();
        // Visits already made use up part of the cap.
        let cap = (config.yearly_cap as usize).saturating_sub(done_here.len());
        let mandatory_idx: Vec<usize> = site_idx
            .iter()
            .copied()
            .filter(|&i| clusters.get(i).is_some_and(is_mandatory))
            .collect();
        let mut keep: BTreeSet<usize> = mandatory_idx.iter().copied().collect();
        for &i in &site_idx {
            if keep.len() >= cap {
                break;
            }
            keep.insert(i);
        }
        if mandatory_idx.len() > cap {
            summary.cap_breaches += 1;
            alerts.push(Alert {
                firm: firm.to_string(),
                year,
                kind: AlertKind::CapBreach,
                message: format!(
                    "{} mandatory site visits in {year} (with {} already made) exceed the cap of {}; none is dropped",
                    mandatory_idx.len(),
                    done_here.len(),
                    config.yearly_cap
                ),
            });
        }
        let mut fold_notes: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut folded_into: BTreeMap<usize, usize> = BTreeMap::new();
        let mut converted: BTreeSet<usize> = BTreeSet::new();
        for &i in &site_idx {
            if keep.contains(&i) {
                continue;
            }
            let date_i = clusters.get(i).and_then(|c| c.first()).map(|x| x.p.date);
            let target = keep.iter().copied().min_by_key(|&k| {
                let dk = clusters.get(k).and_then(|c| c.first()).map(|x| x.p.date);
                match (date_i, dk) {
                    (Some(a), Some(b)) => ((a - b).num_days().abs(), k),
                    _ => (i64::MAX, k),
                }
            });
            match target {
                Some(t) => {
                    folded_into.insert(i, t);
                    fold_notes.entry(t).or_default().push(format!(
                        "takes in the visit planned for {} to stay within the cap of {}",
                        date_i.map(|d| d.to_string()).unwrap_or_default(),
                        config.yearly_cap
                    ));
                }
                // Cap 0 and nothing mandatory: the check is done as a data review instead.
                None => {
                    converted.insert(i);
                }
            }
        }

        // 3. Emit.
        let mut emitted: Vec<(usize, JointInspection)> = Vec::new();
        let mut pending_fold: Vec<(usize, Vec<Item<'_>>)> = Vec::new();
        for (i, c) in clusters.into_iter().enumerate() {
            if let Some(&t) = folded_into.get(&i) {
                pending_fold.push((t, c));
                continue;
            }
            let site = is_site(&c) && !converted.contains(&i);
            let mut j = JointInspection {
                id: String::new(),
                firm: firm.to_string(),
                date: c.first().map(|x| x.p.date).unwrap_or_default(),
                mode: if site {
                    InspectionMode::Site
                } else {
                    InspectionMode::NonSite
                },
                mandatory: is_mandatory(&c),
                departments: Vec::new(),
                subjects: Vec::new(),
                members: Vec::new(),
                notes: Vec::new(),
            };
            if converted.contains(&i) {
                j.notes.push(format!(
                    "the yearly cap of {} is used up: done as a non-site review instead of a visit",
                    config.yearly_cap
                ));
            }
            add_members(&mut j, &c);
            if let Some(n) = fold_notes.remove(&i) {
                j.notes.extend(n);
            }
            emitted.push((i, j));
        }
        for (t, c) in pending_fold {
            if let Some((_, j)) = emitted.iter_mut().find(|(i, _)| *i == t) {
                add_members(j, &c);
            }
        }
        for (_, mut j) in emitted {
            j.departments.sort();
            j.departments.dedup();
            j.subjects.sort();
            j.subjects.dedup();
            if j.members.len() > 1 {
                j.notes.insert(
                    0,
                    format!(
                        "joint inspection of {} planned checks (综合查一次)",
                        j.members.len()
                    ),
                );
            }
            match j.mode {
                InspectionMode::Site => summary.visits_after += 1,
                InspectionMode::NonSite => summary.non_site_reviews += 1,
            }
            out.push(j);
        }
    }
    for (n, j) in out.iter_mut().enumerate() {
        j.id = format!("J{:04}", n + 1);
    }
    alerts.sort_by(|a, b| (&a.firm, a.year, a.kind).cmp(&(&b.firm, b.year, b.kind)));
    Ok(Plan {
        config: *config,
        inspections: out,
        alerts,
        summary,
    })
}

fn add_members(j: &mut JointInspection, c: &[Item<'_>]) {
    for it in c {
        j.departments.push(it.p.department.clone());
        j.subjects.push(it.p.subject.clone());
        j.members.push(it.p.id.clone());
        j.mandatory |= it.mandatory;
        j.notes.push(it.note.clone());
    }
}
