//! What the registry keeps of its selection panels (遴选培育组): each year's rosters and the
//! scores entered, and the write checks every [`crate::RegistryStore`] runs on them, so that
//! every store refuses exactly the same things.
//!
//! A roster can be replaced until its first score is entered; scores are never changed once
//! entered (entering the same score again changes nothing, so an import can be rerun); and
//! nothing of a year already adjusted can be written: its panel decisions are in its change
//! log.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;
use crate::panel::{Member, Panel, ScoringRule};
use crate::tier::Year;

/// Most panels one year may have.
pub const PANELS_PER_YEAR_MAX: usize = 100;
/// Most scores one write may carry.
pub const SCORES_PER_WRITE_MAX: usize = 1_000_000;
/// Longest note a member may give with a score, in characters.
pub const SCORE_NOTE_LEN_MAX: usize = 2_000;

/// One member's score of one firm, with the member's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreRow {
    /// The firm scored.
    pub firm: EnterpriseId,
    /// The member's id on the panel.
    pub member: String,
    /// The score (0..=the rule's maximum).
    pub score: Decimal,
    /// The member's reason, if given.
    #[serde(default)]
    pub note: String,
}

/// What writing a roster did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelWrite {
    /// A new panel.
    Added,
    /// The same roster was already stored.
    Unchanged,
    /// A roster without scores was replaced.
    Replaced,
}

/// What writing scores did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScoresWrite {
    /// Scores added.
    pub added: usize,
    /// Scores already stored with the same value and note.
    pub unchanged: usize,
}

/// The form in which stores keep a panel; read back through [`PanelRecord::into_panel`],
/// which checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelRecord {
    /// The panel's name.
    pub name: String,
    /// Its members.
    pub members: Vec<Member>,
    /// Its scoring rule.
    pub rule: ScoringRule,
    /// The firms referred to it (absent in records written before referrals were kept).
    #[serde(default)]
    pub referred: Vec<EnterpriseId>,
}

impl PanelRecord {
    /// The record of a panel.
    pub fn of(panel: &Panel) -> Self {
        Self {
            name: panel.name().to_string(),
            members: panel.members().to_vec(),
            rule: panel.rule(),
            referred: panel.referred().to_vec(),
        }
    }

    /// The panel, checked as [`Panel::new`] checks it.
    pub fn into_panel(self) -> Result<Panel> {
        Panel::new(&self.name, self.members, self.rule)?.with_referred(self.referred)
    }
}

fn frozen(year: Year, what: &str) -> RegistryError {
    RegistryError::AdjustmentOrder {
        year,
        reason: format!("the year is adjusted: its {what} are frozen"),
    }
}

/// Checks writing `panel` for `year` against what is stored: refused for an adjusted year,
/// beyond [`PANELS_PER_YEAR_MAX`] panels, or when a different roster already has scores.
pub fn check_panel_write(
    year: Year,
    panel: &Panel,
    stored: Option<&Panel>,
    panels_stored: usize,
    scored: bool,
    adjusted: &BTreeSet<Year>,
) -> Result<PanelWrite> {
    if adjusted.contains(&year) {
        return Err(frozen(year, "panels"));
    }
    match stored {
        Some(s) if s == panel => Ok(PanelWrite::Unchanged),
        Some(_) if scored => Err(RegistryError::Panel {
            panel: panel.name().to_string(),
            reason: format!(
                "its {year} roster already has scores; a roster is fixed once scoring starts"
            ),
        }),
        Some(_) => Ok(PanelWrite::Replaced),
        None if panels_stored >= PANELS_PER_YEAR_MAX => Err(RegistryError::Limit {
            what: "panels in one year",
            value: panels_stored as u64 + 1,
            limit: PANELS_PER_YEAR_MAX as u64,
        }),
        None => Ok(PanelWrite::Added),
    }
}

/// Checks scores for `panel` in `year` against the panel and the stored scores; returns the
/// rows to add and how many were already stored. Refused, naming the row: a year already
/// adjusted, an unknown member, a member recused for the firm (a declared tie), a score out
/// of range, a firm scored twice by one member in the batch, a stored score changed, a note
/// too long, or more than [`SCORES_PER_WRITE_MAX`] rows.
pub fn check_scores_write(
    year: Year,
    panel: &Panel,
    stored: &[ScoreRow],
    rows: &[ScoreRow],
    adjusted: &BTreeSet<Year>,
) -> Result<(Vec<ScoreRow>, usize)> {
    if adjusted.contains(&year) {
        return Err(frozen(year, "panel scores"));
    }
    if rows.len() > SCORES_PER_WRITE_MAX {
        return Err(RegistryError::Limit {
            what: "scores in one write",
            value: rows.len() as u64,
            limit: SCORES_PER_WRITE_MAX as u64,
        });
    }
    let before: BTreeMap<(EnterpriseId, &str), &ScoreRow> = stored
        .iter()
        .map(|r| ((r.firm, r.member.as_str()), r))
        .collect();
    let mut seen = BTreeSet::new();
    let mut add = Vec::new();
    let mut unchanged = 0;
    for (i, r) in rows.iter().enumerate() {
        let refuse = |reason: String| RegistryError::Panel {
            panel: panel.name().to_string(),
            reason: format!(
                "score #{} (firm {}, member '{}'): {reason}",
                i + 1,
                r.firm,
                r.member
            ),
        };
        let Some(m) = panel.member(&r.member) else {
            return Err(refuse("not a member of the panel".into()));
        };
        if let Some(t) = m.ties.iter().find(|t| t.firm == r.firm) {
            return Err(refuse(format!(
                "recused: declared tie ({:?}) to the firm",
                t.kind
            )));
        }
        let max = panel.rule().score_max;
        if r.score < Decimal::ZERO || r.score > max {
            return Err(refuse(format!("score {} outside 0..={max}", r.score)));
        }
        if r.note.chars().count() > SCORE_NOTE_LEN_MAX {
            return Err(refuse(format!(
                "note longer than {SCORE_NOTE_LEN_MAX} characters"
            )));
        }
        if !seen.insert((r.firm, r.member.as_str())) {
            return Err(refuse("scored twice in this batch".into()));
        }
        match before.get(&(r.firm, r.member.as_str())) {
            Some(s) if s.score == r.score && s.note == r.note => unchanged += 1,
            Some(s) => {
                return Err(refuse(format!(
                    "already scored {} in {year}; a score is never changed once entered",
                    s.score
                )));
            }
            None => add.push(r.clone()),
        }
    }
    Ok((add, unchanged))
}
