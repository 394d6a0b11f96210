//! Public data-resource registration (公共数据资源登记, 发改数据规〔2025〕26号).
//!
//! Every registration — initial, change, correction, cancellation — runs the same steps:
//! apply (申请) → accept (受理) → formal review (形式审核) → public notice (公示) → registered
//! (赋码 for an initial one). A step from the wrong state is an error; an assigned code is unique
//! and never reused, even after cancellation.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;

/// Most events kept per record (a record that needs more is mis-managed).
pub const RESOURCE_EVENTS_MAX: usize = 1_000;

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceState {
    /// 申请: submitted.
    Applied,
    /// 受理: accepted for processing.
    Accepted,
    /// 形式审核: passed formal review.
    Reviewed,
    /// 公示: under public notice.
    Noticed,
    /// 已登记: registered (code assigned), no registration in progress.
    Registered,
    /// 不予登记: refused (an initial registration refused ends here).
    Rejected,
    /// 已注销: cancelled; the code is retired.
    Cancelled,
}

impl ResourceState {
    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            ResourceState::Applied => "applied",
            ResourceState::Accepted => "accepted",
            ResourceState::Reviewed => "reviewed",
            ResourceState::Noticed => "noticed",
            ResourceState::Registered => "registered",
            ResourceState::Rejected => "rejected",
            ResourceState::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for ResourceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The kind of registration in progress (or last completed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    /// 首次登记.
    Initial,
    /// 变更登记: the holder changes the description.
    Change,
    /// 更正登记: an error in the register is corrected.
    Correction,
    /// 注销登记.
    Cancellation,
}

/// What is registered about a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceDetails {
    /// Name of the data resource.
    pub name: String,
    /// What it holds, its fields, update frequency and so on.
    pub description: String,
}

/// One step in a record's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceEvent {
    /// When.
    pub date: NaiveDate,
    /// The step (`apply`, `accept`, …).
    pub action: String,
    /// State before.
    pub from: Option<ResourceState>,
    /// State after.
    pub to: ResourceState,
    /// Reason or remark.
    pub note: String,
}

/// A data-resource registration record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataResource {
    /// Registration id (application number).
    pub id: String,
    /// The holder.
    pub holder: EnterpriseId,
    /// The registered details (for an initial registration in progress: as applied).
    pub details: ResourceDetails,
    /// Details proposed by a change or correction in progress.
    pub pending: Option<ResourceDetails>,
    /// The registration code, once assigned.
    pub code: Option<String>,
    /// Where it stands.
    pub state: ResourceState,
    /// The registration in progress or last completed.
    pub kind: RegistrationKind,
    /// Completed registrations (1 after the initial one).
    pub version: u32,
    /// Every step, oldest first.
    pub events: Vec<ResourceEvent>,
}

impl DataResource {
    fn illegal(&self, action: &str) -> RegistryError {
        RegistryError::IllegalTransition {
            resource: self.id.clone(),
            action: action.to_string(),
            state: format!("{} ({:?} registration)", self.state, self.kind),
        }
    }

    fn step(
        &mut self,
        date: NaiveDate,
        action: &str,
        to: ResourceState,
        note: String,
    ) -> Result<()> {
        if self.events.len() >= RESOURCE_EVENTS_MAX {
            return Err(RegistryError::Limit {
                what: "events of one data resource",
                value: self.events.len() as u64,
                limit: RESOURCE_EVENTS_MAX as u64,
            });
        }
        if let Some(last) = self.events.last()
            && date < last.date
        {
            return Err(RegistryError::InvalidField {
                record: format!("data resource {}", self.id),
                field: "date".into(),
                value: date.to_string(),
                reason: format!("before the previous step ({})", last.date),
            });
        }
        self.events.push(ResourceEvent {
            date,
            action: action.to_string(),
            from: Some(self.state),
            to,
            note,
        });
        self.state = to;
        Ok(())
    }
}

/// The registration office: records, the code sequence and the notice period.
///
/// ```
/// use chrono::NaiveDate;
/// use registry_model::resource::{ResourceDetails, ResourceRegistry, ResourceState};
/// let mut reg = ResourceRegistry::new(10);
/// let d = |day| NaiveDate::from_ymd_opt(2025, 3, day).unwrap();
/// let holder = "91330101589882738D".parse()?;
/// let id = reg.apply(holder, ResourceDetails { name: "交通流量".into(), description: "每日".into() }, d(1))?;
/// reg.accept(&id, d(2))?;
/// reg.pass_review(&id, d(3))?;
/// reg.publish_notice(&id, d(4))?;
/// assert!(reg.complete(&id, d(5)).is_err()); // notice period not over
/// let code = reg.complete(&id, d(14))?.code.clone().unwrap();
/// assert_eq!(code, "DR-33-2025-000001");
/// assert_eq!(reg.get(&id).unwrap().state, ResourceState::Registered);
/// # Ok::<(), registry_model::RegistryError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ResourceRegistry {
    records: BTreeMap<String, DataResource>,
    codes: BTreeSet<String>,
    next_seq: u64,
    next_id: u64,
    notice_days: i64,
}

impl ResourceRegistry {
    /// An empty office whose public notice lasts `notice_days` calendar days (an assumption of
    /// the deployment: the 2025 rules leave the period to the registration body).
    pub fn new(notice_days: i64) -> Self {
        Self {
            notice_days: notice_days.max(0),
            next_seq: 1,
            next_id: 1,
            ..Self::default()
        }
    }

    /// An office holding stored records; the sequences continue after the highest ones seen.
    pub fn from_records(records: Vec<DataResource>, notice_days: i64) -> Result<Self> {
        let mut reg = Self::new(notice_days);
        for r in records {
            if let Some(code) = &r.code {
                if !reg.codes.insert(code.clone()) {
                    return Err(RegistryError::Duplicate {
                        what: "data resource code",
                        key: code.clone(),
                    });
                }
                if let Some(seq) = code.rsplit('-').next().and_then(|s| s.parse::<u64>().ok()) {
                    reg.next_seq = reg.next_seq.max(seq + 1);
                }
            }
            if let Some(n) =
                r.id.strip_prefix("REG-")
                    .and_then(|s| s.parse::<u64>().ok())
            {
                reg.next_id = reg.next_id.max(n + 1);
            }
            reg.records.insert(r.id.clone(), r);
        }
        Ok(reg)
    }

    /// One record.
    pub fn get(&self, id: &str) -> Option<&DataResource> {
        self.records.get(id)
    }

    /// Every record, by id.
    pub fn records(&self) -> impl Iterator<Item = &DataResource> {
        self.records.values()
    }

    fn record_mut(&mut self, id: &str) -> Result<&mut DataResource> {
        self.records
            .get_mut(id)
            .ok_or_else(|| RegistryError::NotFound {
                what: "data resource",
                key: id.to_string(),
            })
    }

    fn check_details(id: &str, d: &ResourceDetails) -> Result<()> {
        if d.name.trim().is_empty() || d.name.chars().count() > 200 {
            return Err(RegistryError::InvalidField {
                record: format!("data resource {id}"),
                field: "name".into(),
                value: d.name.clone(),
                reason: "must have 1 to 200 characters".into(),
            });
        }
        Ok(())
    }

    /// 申请: a new initial registration; returns its registration id.
    pub fn apply(
        &mut self,
        holder: EnterpriseId,
        details: ResourceDetails,
        date: NaiveDate,
    ) -> Result<String> {
        let id = format!("REG-{:08}", self.next_id);
        Self::check_details(&id, &details)?;
        self.next_id += 1;
        let rec = DataResource {
            id: id.clone(),
            holder,
            details,
            pending: None,
            code: None,
            state: ResourceState::Applied,
            kind: RegistrationKind::Initial,
            version: 0,
            events: vec![ResourceEvent {
                date,
                action: "apply".into(),
                from: None,
                to: ResourceState::Applied,
                note: String::new(),
            }],
        };
        self.records.insert(id.clone(), rec);
        Ok(id)
    }

    /// 受理.
    pub fn accept(&mut self, id: &str, date: NaiveDate) -> Result<&DataResource> {
        let r = self.record_mut(id)?;
        if r.state != ResourceState::Applied {
            return Err(r.illegal("accept"));
        }
        r.step(date, "accept", ResourceState::Accepted, String::new())?;
        Ok(r)
    }

    /// 形式审核 passed.
    pub fn pass_review(&mut self, id: &str, date: NaiveDate) -> Result<&DataResource> {
        let r = self.record_mut(id)?;
        if r.state != ResourceState::Accepted {
            return Err(r.illegal("pass formal review"));
        }
        r.step(date, "pass_review", ResourceState::Reviewed, String::new())?;
        Ok(r)
    }

    /// Refuses the registration in progress (at acceptance, review or after an objection
    /// during notice). An initial registration ends rejected; a change, correction or
    /// cancellation is dropped and the record returns to registered.
    pub fn reject(&mut self, id: &str, date: NaiveDate, reason: &str) -> Result<&DataResource> {
        let r = self.record_mut(id)?;
        if !matches!(
            r.state,
            ResourceState::Applied
                | ResourceState::Accepted
                | ResourceState::Reviewed
                | ResourceState::Noticed
        ) {
            return Err(r.illegal("reject"));
        }
        let to = if r.kind == RegistrationKind::Initial {
            ResourceState::Rejected
        } else {
            r.pending = None;
            ResourceState::Registered
        };
        r.step(date, "reject", to, reason.to_string())?;
        Ok(r)
    }

    /// 公示: starts the public notice.
    pub fn publish_notice(&mut self, id: &str, date: NaiveDate) -> Result<&DataResource> {
        let r = self.record_mut(id)?;
        if r.state != ResourceState::Reviewed {
            return Err(r.illegal("publish notice"));
        }
        r.step(
            date,
            "publish_notice",
            ResourceState::Noticed,
            String::new(),
        )?;
        Ok(r)
    }

    /// Completes the registration once the notice period is over: 赋码 for an initial one (a
    /// new unique code), the pending details for a change or correction, retirement of the code
    /// for a cancellation.
    pub fn complete(&mut self, id: &str, date: NaiveDate) -> Result<&DataResource> {
        let notice_days = self.notice_days;
        let next_code = {
            let r = self.record_mut(id)?;
            if r.state != ResourceState::Noticed {
                return Err(r.illegal("complete registration"));
            }
            let noticed = r
                .events
                .iter()
                .rev()
                .find(|e| e.action == "publish_notice")
                .map_or(date, |e| e.date);
            if (date - noticed).num_days() < notice_days {
                return Err(RegistryError::IllegalTransition {
                    resource: id.to_string(),
                    action: format!("complete registration on {date}"),
                    state: format!(
                        "under public notice since {noticed} ({notice_days} days required)"
                    ),
                });
            }
            (r.kind == RegistrationKind::Initial)
                .then(|| (r.holder.region().province_code().to_string(), date.year()))
        };
        let code = match next_code {
            Some((province, year)) => {
                let code = format!("DR-{province}-{year}-{:06}", self.next_seq);
                if self.codes.contains(&code) {
                    return Err(RegistryError::Duplicate {
                        what: "data resource code",
                        key: code,
                    });
                }
                Some(code)
            }
            None => None,
        };
        if let Some(c) = &code {
            self.codes.insert(c.clone());
            self.next_seq += 1;
        }
        let r = self.record_mut(id)?;
        match r.kind {
            RegistrationKind::Initial => {
                r.code = code;
                r.version = 1;
                r.step(
                    date,
                    "assign_code",
                    ResourceState::Registered,
                    String::new(),
                )?;
            }
            RegistrationKind::Change | RegistrationKind::Correction => {
                if let Some(p) = r.pending.take() {
                    r.details = p;
                }
                r.version += 1;
                r.step(date, "register", ResourceState::Registered, String::new())?;
            }
            RegistrationKind::Cancellation => {
                r.version += 1;
                r.step(date, "cancel", ResourceState::Cancelled, String::new())?;
            }
        }
        Ok(r)
    }

    fn reopen(
        &mut self,
        id: &str,
        kind: RegistrationKind,
        pending: Option<ResourceDetails>,
        date: NaiveDate,
        note: &str,
    ) -> Result<&DataResource> {
        if let Some(p) = &pending {
            Self::check_details(id, p)?;
        }
        let r = self.record_mut(id)?;
        if r.state != ResourceState::Registered {
            let action = match kind {
                RegistrationKind::Change => "apply for a change",
                RegistrationKind::Correction => "apply for a correction",
                _ => "apply for cancellation",
            };
            return Err(r.illegal(action));
        }
        r.kind = kind;
        r.pending = pending;
        let action = match kind {
            RegistrationKind::Change => "apply_change",
            RegistrationKind::Correction => "apply_correction",
            _ => "apply_cancellation",
        };
        r.step(date, action, ResourceState::Applied, note.to_string())?;
        Ok(r)
    }

    /// 变更登记: the holder proposes new details for a registered resource.
    pub fn apply_change(
        &mut self,
        id: &str,
        details: ResourceDetails,
        date: NaiveDate,
    ) -> Result<&DataResource> {
        self.reopen(id, RegistrationKind::Change, Some(details), date, "")
    }

    /// 更正登记: corrected details for a registered resource.
    pub fn apply_correction(
        &mut self,
        id: &str,
        details: ResourceDetails,
        date: NaiveDate,
        reason: &str,
    ) -> Result<&DataResource> {
        self.reopen(
            id,
            RegistrationKind::Correction,
            Some(details),
            date,
            reason,
        )
    }

    /// 注销登记.
    pub fn apply_cancellation(
        &mut self,
        id: &str,
        date: NaiveDate,
        reason: &str,
    ) -> Result<&DataResource> {
        self.reopen(id, RegistrationKind::Cancellation, None, date, reason)
    }
}
