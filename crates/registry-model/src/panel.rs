//! Selection panels (遴选培育组): "government + enterprise + research + investment" four in one,
//! recusal for ties to a firm, and a trimmed mean of the valid scores.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;

/// Most members on one panel.
pub const PANEL_MEMBERS_MAX: usize = 200;

/// The sector a member represents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 政府.
    Government,
    /// 企业.
    Enterprise,
    /// 创新 (research institutes, universities).
    Research,
    /// 投资.
    Investment,
}

impl Role {
    /// The four roles every panel must include.
    pub const ALL: [Role; 4] = [
        Role::Government,
        Role::Enterprise,
        Role::Research,
        Role::Investment,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            Role::Government => "government",
            Role::Enterprise => "enterprise",
            Role::Research => "research",
            Role::Investment => "investment",
        }
    }
}

/// How a member is tied to a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieKind {
    /// Works or worked for it.
    Employed,
    /// Holds or managed an investment in it.
    Invested,
    /// Another relation (family, adviser, competitor).
    Related,
}

/// A tie between a member and a firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tie {
    /// The firm.
    pub firm: EnterpriseId,
    /// The kind of tie.
    pub kind: TieKind,
}

/// A panel member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Unique id within the panel.
    pub id: String,
    /// Name.
    pub name: String,
    /// Sector represented.
    pub role: Role,
    /// Declared ties.
    #[serde(default)]
    pub ties: Vec<Tie>,
}

/// Scoring rules of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringRule {
    /// Fewest valid (non-recused) scores for a result.
    pub min_valid_scores: usize,
    /// Scores dropped at each end before averaging (1 = drop the highest and the lowest).
    pub trim_each_end: usize,
    /// Highest score (scores lie in 0..=max).
    pub score_max: Decimal,
}

impl Default for ScoringRule {
    fn default() -> Self {
        Self {
            min_valid_scores: 5,
            trim_each_end: 1,
            score_max: Decimal::ONE_HUNDRED,
        }
    }
}

/// The panel's result for one firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelScore {
    /// The firm.
    pub firm: EnterpriseId,
    /// Trimmed mean of the valid scores (rounded to 2 decimals, half to even).
    pub score: Decimal,
    /// Members whose scores were used, before trimming.
    pub valid: Vec<String>,
    /// Members recused for a tie (their scores, if given, were ignored).
    pub recused: Vec<String>,
    /// Members whose scores were trimmed off.
    pub trimmed: Vec<String>,
}

/// A checked panel.
///
/// ```
/// use registry_model::panel::{Member, Panel, Role, ScoringRule};
/// let m = |id: &str, role| Member { id: id.into(), name: id.into(), role, ties: vec![] };
/// let err = Panel::new("p", vec![m("a", Role::Government), m("b", Role::Research)], ScoringRule::default()).unwrap_err();
/// assert!(err.to_string().contains("enterprise, investment"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Panel {
    name: String,
    members: Vec<Member>,
    rule: ScoringRule,
}

impl Panel {
    /// A panel; an error names the roles missing for four-in-one, a duplicate member id, or a
    /// rule that can never yield a result.
    pub fn new(name: &str, members: Vec<Member>, rule: ScoringRule) -> Result<Self> {
        let err = |reason: String| RegistryError::Panel {
            panel: name.to_string(),
            reason,
        };
        if members.len() > PANEL_MEMBERS_MAX {
            return Err(err(format!(
                "{} members, at most {PANEL_MEMBERS_MAX}",
                members.len()
            )));
        }
        let roles: BTreeSet<Role> = members.iter().map(|m| m.role).collect();
        let missing: Vec<&str> = Role::ALL
            .iter()
            .filter(|r| !roles.contains(r))
            .map(|r| r.key())
            .collect();
        if !missing.is_empty() {
            return Err(err(format!(
                "four-in-one rule: no {} member (needs government, enterprise, research and investment)",
                missing.join(", ")
            )));
        }
        let mut ids = BTreeSet::new();
        for m in &members {
            if !ids.insert(m.id.as_str()) {
                return Err(err(format!("member id '{}' appears twice", m.id)));
            }
        }
        if rule.min_valid_scores == 0 || rule.min_valid_scores <= 2 * rule.trim_each_end {
            return Err(err(format!(
                "min_valid_scores ({}) must exceed twice trim_each_end ({})",
                rule.min_valid_scores, rule.trim_each_end
            )));
        }
        if rule.min_valid_scores > members.len() {
            return Err(err(format!(
                "min_valid_scores ({}) exceeds the {} members",
                rule.min_valid_scores,
                members.len()
            )));
        }
        Ok(Self {
            name: name.to_string(),
            members,
            rule,
        })
    }

    /// The members.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Members recused from scoring `firm`.
    pub fn recused_for(&self, firm: &EnterpriseId) -> Vec<&Member> {
        self.members
            .iter()
            .filter(|m| m.ties.iter().any(|t| t.firm == *firm))
            .collect()
    }

    /// Scores `firm` from `(member id, score)` pairs: recused members' scores are ignored, the
    /// rest are sorted, `trim_each_end` dropped at each end (ties broken by member id), and the
    /// remainder averaged. Errors: an unknown member, a member scoring twice, a score out of
    /// range, or fewer valid scores than the rule's minimum.
    pub fn score(&self, firm: &EnterpriseId, scores: &[(String, Decimal)]) -> Result<PanelScore> {
        let err = |reason: String| RegistryError::Panel {
            panel: self.name.clone(),
            reason: format!("firm {firm}: {reason}"),
        };
        let recused: BTreeSet<&str> = self
            .recused_for(firm)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        let mut seen = BTreeSet::new();
        let mut valid: Vec<(Decimal, &str)> = Vec::new();
        for (id, s) in scores {
            if !self.members.iter().any(|m| m.id == *id) {
                return Err(err(format!("score from '{id}', who is not a member")));
            }
            if !seen.insert(id.as_str()) {
                return Err(err(format!("member '{id}' scored twice")));
            }
            if *s < Decimal::ZERO || *s > self.rule.score_max {
                return Err(err(format!(
                    "member '{id}' gave {s}, outside 0..={}",
                    self.rule.score_max
                )));
            }
            if !recused.contains(id.as_str()) {
                valid.push((*s, id.as_str()));
            }
        }
        if valid.len() < self.rule.min_valid_scores {
            return Err(err(format!(
                "{} valid scores, at least {} needed ({} recused)",
                valid.len(),
                self.rule.min_valid_scores,
                recused.len()
            )));
        }
        valid.sort();
        let k = self.rule.trim_each_end;
        let n = valid.len();
        // n ≥ min_valid_scores > 2k, so the kept slice is non-empty.
        let kept = valid.get(k..n - k).unwrap_or(&[]);
        let trimmed: Vec<String> = valid
            .iter()
            .take(k)
            .chain(valid.iter().skip(n - k))
            .map(|(_, id)| id.to_string())
            .collect();
        let sum: Decimal = kept.iter().map(|(s, _)| *s).sum();
        let count = Decimal::from(kept.len().max(1) as u64);
        Ok(PanelScore {
            firm: *firm,
            score: (sum / count).round_dp(2),
            valid: valid.iter().map(|(_, id)| id.to_string()).collect(),
            recused: recused.iter().map(|s| s.to_string()).collect(),
            trimmed,
        })
    }
}
