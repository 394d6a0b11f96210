//! Selection panels (遴选培育组): "government + enterprise + research + investment" four in one,
//! drawn from the eight sources the national measures name, recusal for ties to a firm, and a
//! trimmed mean of the valid scores.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;

/// Most members on one panel.
pub const PANEL_MEMBERS_MAX: usize = 200;
/// Longest panel name, in characters.
pub const PANEL_NAME_LEN_MAX: usize = 100;
/// Longest member id, in bytes.
pub const MEMBER_ID_LEN_MAX: usize = 64;
/// Most firms referred to one panel (a province refers a few hundred a year).
pub const PANEL_REFERRALS_MAX: usize = 100_000;
/// Longest recusal reason, in characters.
pub const TIE_REASON_LEN_MAX: usize = 500;

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

    /// The Chinese name (政府、企业、创新、投资: the four of "four in one").
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Government => "政府",
            Role::Enterprise => "企业",
            Role::Research => "创新",
            Role::Investment => "投资",
        }
    }

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

/// Where a member comes from: the eight sources the national measures name for the panels
/// (departments, localities, state-owned firms, private firms, research institutes,
/// universities, investors, incubators), grouped into the four roles two by two, in the
/// order the measures list them (the grouping is ours: the measures list the eight and the
/// four without pairing them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    /// 部门: a government department.
    Department,
    /// 地方: a local government.
    Locality,
    /// 国有企业.
    StateOwnedFirm,
    /// 民营企业.
    PrivateFirm,
    /// 科研院所.
    ResearchInstitute,
    /// 高校.
    University,
    /// 投资机构.
    Investor,
    /// 孵化器.
    Incubator,
}

impl MemberKind {
    /// The eight kinds, in the measures' order.
    pub const ALL: [MemberKind; 8] = [
        MemberKind::Department,
        MemberKind::Locality,
        MemberKind::StateOwnedFirm,
        MemberKind::PrivateFirm,
        MemberKind::ResearchInstitute,
        MemberKind::University,
        MemberKind::Investor,
        MemberKind::Incubator,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            MemberKind::Department => "department",
            MemberKind::Locality => "locality",
            MemberKind::StateOwnedFirm => "state_owned_firm",
            MemberKind::PrivateFirm => "private_firm",
            MemberKind::ResearchInstitute => "research_institute",
            MemberKind::University => "university",
            MemberKind::Investor => "investor",
            MemberKind::Incubator => "incubator",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            MemberKind::Department => "部门",
            MemberKind::Locality => "地方",
            MemberKind::StateOwnedFirm => "国有企业",
            MemberKind::PrivateFirm => "民营企业",
            MemberKind::ResearchInstitute => "科研院所",
            MemberKind::University => "高校",
            MemberKind::Investor => "投资机构",
            MemberKind::Incubator => "孵化器",
        }
    }

    /// The role (of the four) this kind of member fills.
    pub fn role(self) -> Role {
        match self {
            MemberKind::Department | MemberKind::Locality => Role::Government,
            MemberKind::StateOwnedFirm | MemberKind::PrivateFirm => Role::Enterprise,
            MemberKind::ResearchInstitute | MemberKind::University => Role::Research,
            MemberKind::Investor | MemberKind::Incubator => Role::Investment,
        }
    }
}

impl std::str::FromStr for MemberKind {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        MemberKind::ALL
            .into_iter()
            .find(|k| k.key() == t || k.name_zh() == t)
            .ok_or_else(|| RegistryError::NotFound {
                what: "panel member kind",
                key: s.to_string(),
            })
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

impl TieKind {
    /// The key used in files and tables.
    pub fn key(self) -> &'static str {
        match self {
            TieKind::Employed => "employed",
            TieKind::Invested => "invested",
            TieKind::Related => "related",
        }
    }
}

impl std::str::FromStr for TieKind {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self> {
        [TieKind::Employed, TieKind::Invested, TieKind::Related]
            .into_iter()
            .find(|k| k.key() == s.trim())
            .ok_or_else(|| RegistryError::NotFound {
                what: "tie kind (employed, invested, related)",
                key: s.to_string(),
            })
    }
}

/// A tie between a member and a firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tie {
    /// The firm.
    pub firm: EnterpriseId,
    /// The kind of tie.
    pub kind: TieKind,
    /// Why the member is recused, as recorded (empty for a tie given without a reason).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
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
    /// Where the member comes from (one of the eight kinds; its role must be `role`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MemberKind>,
    /// The organisation the member works for (a firm's name or USCC here recuses the member
    /// from scoring that firm when it is referred).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub affiliation: String,
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
    /// A referred firm is granted the tier asked about when its score reaches this.
    #[serde(default = "default_pass_mark")]
    pub pass_mark: Decimal,
}

/// The pass mark by default: 60 of 100 (assumed, as the 60-point bars of the tech-based SME
/// and SME gradient assessments).
pub const PASS_MARK_DEFAULT: Decimal = Decimal::from_parts(60, 0, 0, false, 0);

fn default_pass_mark() -> Decimal {
    PASS_MARK_DEFAULT
}

impl Default for ScoringRule {
    fn default() -> Self {
        Self {
            min_valid_scores: 5,
            trim_each_end: 1,
            score_max: Decimal::ONE_HUNDRED,
            pass_mark: PASS_MARK_DEFAULT,
        }
    }
}

/// A panel's make-up: members per role and per kind, and what the measures' list lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Composition {
    /// Members per role, in [`Role::ALL`] order.
    pub per_role: Vec<(Role, usize)>,
    /// Members per kind, in [`MemberKind::ALL`] order.
    pub per_kind: Vec<(MemberKind, usize)>,
    /// Kinds of the eight with no member (a warning: only the four roles are required).
    pub kinds_missing: Vec<MemberKind>,
    /// Members whose kind is not given.
    pub without_kind: usize,
    /// Declared ties (member, firm) in all.
    pub ties: usize,
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
/// let m = |id: &str, role| Member { id: id.into(), name: id.into(), role, kind: None, affiliation: String::new(), ties: vec![] };
/// let err = Panel::new("p", vec![m("a", Role::Government), m("b", Role::Research)], ScoringRule::default()).unwrap_err();
/// assert!(err.to_string().contains("enterprise, investment"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Panel {
    name: String,
    members: Vec<Member>,
    rule: ScoringRule,
    /// Firms referred to the panel, sorted and unique.
    #[serde(default)]
    referred: Vec<EnterpriseId>,
}

impl Panel {
    /// A panel; an error names the roles missing for four-in-one, a duplicate member id, or a
    /// rule that can never yield a result.
    pub fn new(name: &str, members: Vec<Member>, rule: ScoringRule) -> Result<Self> {
        let err = |reason: String| RegistryError::Panel {
            panel: name.to_string(),
            reason,
        };
        if name.trim().is_empty() || name.chars().count() > PANEL_NAME_LEN_MAX {
            return Err(err(format!(
                "a panel's name must have 1 to {PANEL_NAME_LEN_MAX} characters"
            )));
        }
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
            if m.id.trim().is_empty() || m.id.len() > MEMBER_ID_LEN_MAX {
                return Err(err(format!(
                    "member id '{}' must have 1 to {MEMBER_ID_LEN_MAX} characters",
                    m.id
                )));
            }
            if !ids.insert(m.id.as_str()) {
                return Err(err(format!("member id '{}' appears twice", m.id)));
            }
            if let Some(k) = m.kind
                && k.role() != m.role
            {
                return Err(err(format!(
                    "member '{}' is of kind {} (role {}), not {}",
                    m.id,
                    k.key(),
                    k.role().key(),
                    m.role.key()
                )));
            }
        }
        if rule.score_max <= Decimal::ZERO
            || rule.pass_mark < Decimal::ZERO
            || rule.pass_mark > rule.score_max
        {
            return Err(err(format!(
                "pass_mark ({}) must lie in 0..=score_max ({}), score_max positive",
                rule.pass_mark, rule.score_max
            )));
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
            referred: Vec::new(),
        })
    }

    /// The panel with these firms referred (as stored), checked against the limit.
    pub(crate) fn with_referred(mut self, mut firms: Vec<EnterpriseId>) -> Result<Self> {
        firms.sort();
        firms.dedup();
        if firms.len() > PANEL_REFERRALS_MAX {
            return Err(RegistryError::Limit {
                what: "firms referred to one panel",
                value: firms.len() as u64,
                limit: PANEL_REFERRALS_MAX as u64,
            });
        }
        self.referred = firms;
        Ok(self)
    }

    /// The firms referred to the panel, ordered by USCC.
    pub fn referred(&self) -> &[EnterpriseId] {
        &self.referred
    }

    /// Refers `firms` (each with its name) to the panel. A member whose affiliation is the
    /// firm's name or USCC gets a tie (employed) to it, recorded with the reason, so it is
    /// recused from scoring it. Returns the ties added as (member id, firm). Refused beyond
    /// [`PANEL_REFERRALS_MAX`] firms.
    pub fn refer(&mut self, firms: &[(EnterpriseId, &str)]) -> Result<Vec<(String, EnterpriseId)>> {
        let mut all: BTreeSet<EnterpriseId> = self.referred.iter().copied().collect();
        all.extend(firms.iter().map(|(id, _)| *id));
        if all.len() > PANEL_REFERRALS_MAX {
            return Err(RegistryError::Limit {
                what: "firms referred to one panel",
                value: all.len() as u64,
                limit: PANEL_REFERRALS_MAX as u64,
            });
        }
        let mut added = Vec::new();
        for (id, name) in firms {
            for m in &mut self.members {
                let aff = m.affiliation.trim();
                let tied = !aff.is_empty() && (aff == name.trim() || aff == id.as_str());
                if tied && !m.ties.iter().any(|t| t.firm == *id) {
                    m.ties.push(Tie {
                        firm: *id,
                        kind: TieKind::Employed,
                        reason: format!("affiliated with {aff}"),
                    });
                    added.push((m.id.clone(), *id));
                }
            }
        }
        self.referred = all.into_iter().collect();
        Ok(added)
    }

    /// Records a declared conflict of interest: `member` is recused from scoring `firm`, for
    /// `reason`. Refused for an unknown member or an empty reason; a tie already declared is
    /// left as it is (returns `false`).
    pub fn declare_tie(
        &mut self,
        member: &str,
        firm: EnterpriseId,
        kind: TieKind,
        reason: &str,
    ) -> Result<bool> {
        let name = self.name.clone();
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > TIE_REASON_LEN_MAX {
            return Err(RegistryError::Panel {
                panel: name,
                reason: format!("a recusal needs a reason of 1 to {TIE_REASON_LEN_MAX} characters"),
            });
        }
        let Some(m) = self.members.iter_mut().find(|m| m.id == member) else {
            return Err(RegistryError::Panel {
                panel: name,
                reason: format!("'{member}' is not a member"),
            });
        };
        if m.ties.iter().any(|t| t.firm == firm) {
            return Ok(false);
        }
        m.ties.push(Tie {
            firm,
            kind,
            reason: reason.to_string(),
        });
        Ok(true)
    }

    /// The members.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The panel's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its scoring rule.
    pub fn rule(&self) -> ScoringRule {
        self.rule
    }

    /// The member with this id.
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// Members per role and per kind, and the kinds of the eight not represented.
    pub fn composition(&self) -> Composition {
        let per_role = Role::ALL
            .iter()
            .map(|r| (*r, self.members.iter().filter(|m| m.role == *r).count()))
            .collect();
        let per_kind: Vec<(MemberKind, usize)> = MemberKind::ALL
            .iter()
            .map(|k| {
                (
                    *k,
                    self.members.iter().filter(|m| m.kind == Some(*k)).count(),
                )
            })
            .collect();
        Composition {
            per_role,
            kinds_missing: per_kind
                .iter()
                .filter(|(_, n)| *n == 0)
                .map(|(k, _)| *k)
                .collect(),
            per_kind,
            without_kind: self.members.iter().filter(|m| m.kind.is_none()).count(),
            ties: self.members.iter().map(|m| m.ties.len()).sum(),
        }
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
