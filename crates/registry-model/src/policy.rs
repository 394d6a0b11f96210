//! Tier policy: from criteria verdicts to 潜力型 / 成长型 / 领军型, and the lifecycle stage.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::criteria::{CriterionKind, Verdicts};
use crate::error::{RegistryError, Result};
use crate::margin::Side;
use crate::money::{Money, ratio_cmp};
use crate::report::Evidence;
use crate::tier::Tier;
use crate::verdict::{Condition, Outcome};

/// Lifecycle stage (生命周期阶段), for matching support to a firm's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 研发期: young and small.
    Rnd,
    /// 成长期: neither.
    Growth,
    /// 成熟期: old and slow-growing, or large.
    Mature,
}

impl Stage {
    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            Stage::Rnd => "rnd",
            Stage::Growth => "growth",
            Stage::Mature => "mature",
        }
    }
    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Stage::Rnd => "研发期",
            Stage::Growth => "成长期",
            Stage::Mature => "成熟期",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The question a borderline firm is referred to the selection panel with: grant `tier`
/// (a tier the firm just missed, or the one it just earned), or else give `fallback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// The tier the panel may grant.
    pub tier: Tier,
    /// The tier the firm gets when the panel does not grant it.
    pub fallback: Option<Tier>,
}

impl Referral {
    /// The tier the panel's decision gives: `tier` when it grants it, else `fallback`.
    pub fn decide(&self, granted: bool) -> Option<Tier> {
        if granted {
            Some(self.tier)
        } else {
            self.fallback
        }
    }
}

/// What a tier policy decides for one firm-year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierDecision {
    /// The tier earned, or none.
    pub tier: Option<Tier>,
    /// Outcome of each tier's rule, potential first.
    pub rule_outcomes: [Outcome; 3],
    /// Why: the clause that earned the tier, and why the next tier was not earned.
    pub reasons: Vec<String>,
    /// Facts whose absence left a higher tier undecided.
    pub missing: Vec<String>,
    /// A deciding condition lies within the policy's margin of its threshold.
    pub borderline: bool,
    /// The panel's question for a borderline firm: a tier it just missed (the next one up),
    /// else the tier it just earned.
    pub referral: Option<Referral>,
    /// Lifecycle stage, when the facts tell.
    pub stage: Option<Stage>,
}

/// Maps verdicts to a tier. The default is [`RulePolicy`], read from TOML.
pub trait TierPolicy: Send + Sync {
    /// The policy's id, recorded with every adjustment.
    fn id(&self) -> &str;
    /// Decides one firm-year from its evidence and verdicts.
    fn decide(&self, ev: &Evidence<'_>, verdicts: &Verdicts<'_>) -> TierDecision;
}

/// A criterion a tier clause may name: an official criterion or the policy's size bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", untagged)]
pub enum ClauseItem {
    /// An official criterion.
    Criterion(CriterionKind),
    /// The policy's own leading bar.
    SizeBar(SizeBarKey),
}

/// The literal key `size_bar`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeBarKey {
    /// `size_bar`.
    SizeBar,
}

impl ClauseItem {
    fn key(self) -> &'static str {
        match self {
            ClauseItem::Criterion(k) => k.key(),
            ClauseItem::SizeBar(_) => "size_bar",
        }
    }
}

/// A tier's rule: alternative clauses, each a list of items that must all be met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    /// Alternatives.
    pub any_of: Vec<Vec<ClauseItem>>,
}

/// The three tiers' rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRules {
    /// 潜力型.
    pub potential: TierRule,
    /// 成长型.
    pub growth: TierRule,
    /// 领军型.
    pub leading: TierRule,
}

/// The leading tier's configurable size and R&D bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeBar {
    /// Lowest revenue in the year.
    pub revenue_min_yuan: Money,
    /// Lowest R&D ÷ revenue in the year.
    pub rd_ratio_min: Decimal,
}

/// The lifecycle-stage rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageRule {
    /// 研发期 when at most this old …
    pub rnd_age_max: i64,
    /// … and revenue below this.
    pub rnd_revenue_below_yuan: Money,
    /// 成熟期 when at least this old …
    pub mature_age_min: i64,
    /// … and growing slower than this year on year …
    pub mature_growth_below: Decimal,
    /// … or with at least this revenue.
    pub mature_revenue_min_yuan: Money,
}

/// Policy header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInfo {
    /// Stable id recorded with adjustments.
    pub id: String,
    /// Title.
    pub title: String,
    /// Relative distance from a threshold that makes a decision borderline.
    pub borderline_margin: Decimal,
}

/// The shipped default policy file.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../data/registry/tier-policy.toml");

/// A tier policy read from TOML (see `data/registry/tier-policy.toml`).
///
/// ```
/// use registry_model::policy::{RulePolicy, TierPolicy};
/// let p = RulePolicy::default_policy()?;
/// assert_eq!(p.id(), "default-2025-digital");
/// # Ok::<(), registry_model::RegistryError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulePolicy {
    /// Id, title, margin.
    pub policy: PolicyInfo,
    /// Tier rules.
    pub tiers: TierRules,
    /// The leading bar.
    pub size_bar: SizeBar,
    /// The stage rule.
    pub stage: StageRule,
}

impl RulePolicy {
    /// The shipped default.
    pub fn default_policy() -> Result<Self> {
        Self::from_toml_str(DEFAULT_POLICY_TOML, "data/registry/tier-policy.toml")
    }

    /// Parses and checks a policy; `file` names it in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        let p: RulePolicy = toml::from_str(text).map_err(|e| RegistryError::Config {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let err = |m: String| RegistryError::Config {
            file: file.to_string(),
            message: m,
        };
        for (tier, rule) in p.rules() {
            if rule.any_of.is_empty() || rule.any_of.iter().any(Vec::is_empty) {
                return Err(err(format!(
                    "tiers.{}: needs at least one clause and no empty clause",
                    tier.key()
                )));
            }
        }
        let m = p.policy.borderline_margin;
        if m < Decimal::ZERO || m > Decimal::ONE {
            return Err(err(format!(
                "policy.borderline_margin = {m}: must lie in 0..=1"
            )));
        }
        Ok(p)
    }

    /// Reads a policy file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    fn rules(&self) -> [(Tier, &TierRule); 3] {
        [
            (Tier::Potential, &self.tiers.potential),
            (Tier::Growth, &self.tiers.growth),
            (Tier::Leading, &self.tiers.leading),
        ]
    }

    /// The size bar's outcome for one firm-year.
    pub fn size_bar_outcome(&self, ev: &Evidence<'_>) -> Outcome {
        let Some(r) = ev.current() else {
            return Outcome::CannotTell;
        };
        let revenue = r.revenue_yuan;
        let revenue_ok = revenue.map(|rev| rev >= self.size_bar.revenue_min_yuan);
        let rd_ok = match (r.rd_spend_yuan, revenue) {
            (Some(rd), Some(rev)) if rev.fen() > 0 => Some(
                ratio_cmp(
                    i128::from(rd.fen()),
                    i128::from(rev.fen()),
                    self.size_bar.rd_ratio_min,
                ) != std::cmp::Ordering::Less,
            ),
            (Some(_), Some(_)) => Some(false),
            _ => None,
        };
        let o = |b: Option<bool>| b.map_or(Outcome::CannotTell, Outcome::from_bool);
        o(revenue_ok).and(o(rd_ok))
    }

    /// The lifecycle stage, or `None` when revenue facts are missing.
    pub fn stage_of(&self, ev: &Evidence<'_>) -> Option<Stage> {
        let s = &self.stage;
        let age = ev.age_years();
        let revenue = ev.current()?.revenue_yuan?;
        if age <= s.rnd_age_max && revenue < s.rnd_revenue_below_yuan {
            return Some(Stage::Rnd);
        }
        if age >= s.mature_age_min {
            if revenue >= s.mature_revenue_min_yuan {
                return Some(Stage::Mature);
            }
            let prev = ev.back(1)?.revenue_yuan?;
            if prev.fen() <= 0 {
                return Some(Stage::Growth);
            }
            // growth < g  ⇔  revenue < (1 + g)·prev, exact.
            let slow = ratio_cmp(
                i128::from(revenue.fen()),
                i128::from(prev.fen()),
                Decimal::ONE + s.mature_growth_below,
            ) == std::cmp::Ordering::Less;
            return Some(if slow { Stage::Mature } else { Stage::Growth });
        }
        Some(Stage::Growth)
    }

    fn item_outcome(
        &self,
        item: ClauseItem,
        verdicts: &Verdicts<'_>,
        size_bar: Outcome,
    ) -> Outcome {
        match item {
            ClauseItem::Criterion(k) => verdicts.outcome(k),
            ClauseItem::SizeBar(_) => size_bar,
        }
    }

    fn margin(&self) -> f64 {
        rust_decimal::prelude::ToPrimitive::to_f64(&self.policy.borderline_margin).unwrap_or(0.0)
    }

    /// The reason a firm is borderline: the criterion and its deciding condition near the bar.
    fn near_reason(&self, k: CriterionKind, c: &Condition<'_>, side: Side, tier: Tier) -> String {
        let actual = c.actual.map_or_else(String::new, |a| a.to_string());
        let verb = match side {
            Side::JustMet => "just meets",
            Side::JustMissed => "just misses",
        };
        format!(
            "borderline: {} {} {actual} {verb} {} (within {} of the bar), deciding {} ({})",
            k.key(),
            c.key,
            c.threshold,
            self.policy.borderline_margin.normalize(),
            tier.key(),
            tier.name_zh()
        )
    }
}

impl TierPolicy for RulePolicy {
    fn id(&self) -> &str {
        &self.policy.id
    }

    fn decide(&self, ev: &Evidence<'_>, verdicts: &Verdicts<'_>) -> TierDecision {
        let size_bar = self.size_bar_outcome(ev);
        let mut rule_outcomes = [Outcome::NotMet; 3];
        let mut met_clause: [Option<usize>; 3] = [None; 3];
        for (i, (_, rule)) in self.rules().iter().enumerate() {
            let mut o = Outcome::NotMet;
            for (ci, clause) in rule.any_of.iter().enumerate() {
                let c = clause.iter().fold(Outcome::Met, |acc, item| {
                    acc.and(self.item_outcome(*item, verdicts, size_bar))
                });
                if c == Outcome::Met && met_clause[i].is_none() {
                    met_clause[i] = Some(ci);
                }
                o = o.or(c);
            }
            rule_outcomes[i] = o;
        }
        let tier_idx = (0..3).rev().find(|&i| rule_outcomes[i] == Outcome::Met);
        let tier = tier_idx.and_then(|i| Tier::ALL.get(i).copied());
        let mut reasons = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        // Near the bar of the tier earned, and near the bar of the next tier up.
        let margin = self.margin();
        let (mut near_pass, mut near_fail): (Option<String>, Option<String>) = (None, None);
        let set_id = verdicts
            .verdicts
            .first()
            .map_or(Cow::Borrowed(""), |v| v.set_id.clone());
        if let (Some(i), Some(t)) = (tier_idx, tier)
            && let Some(ci) = met_clause[i]
            && let Some(clause) = self.rules()[i].1.any_of.get(ci)
        {
            let names: Vec<&str> = clause.iter().map(|c| c.key()).collect();
            reasons.push(format!(
                "{} ({}): met {} under {set_id}",
                t.key(),
                t.name_zh(),
                names.join(" + ")
            ));
            // A criterion just met decides the tier only when every met clause needs it.
            let rule = self.rules()[i].1;
            let met_clauses: Vec<&Vec<ClauseItem>> = rule
                .any_of
                .iter()
                .filter(|cl| {
                    cl.iter()
                        .all(|it| self.item_outcome(*it, verdicts, size_bar) == Outcome::Met)
                })
                .collect();
            near_pass = clause.iter().find_map(|item| match item {
                ClauseItem::Criterion(k) if met_clauses.iter().all(|cl| cl.contains(item)) => {
                    let v = verdicts.get(*k)?;
                    let c = v.deciding_near(Side::JustMet, margin)?;
                    Some(self.near_reason(*k, c, Side::JustMet, t))
                }
                _ => None,
            });
        }
        // Why not the next tier up (or why no tier at all).
        let next = tier_idx.map_or(Some(0), |i| (i < 2).then_some(i + 1));
        if let Some(n) = next
            && let Some((t, rule)) = self.rules().get(n)
        {
            let mut parts = Vec::new();
            for clause in &rule.any_of {
                let mut failing = Vec::new();
                for item in clause {
                    let o = self.item_outcome(*item, verdicts, size_bar);
                    if o != Outcome::Met {
                        failing.push(format!("{} {}", item.key(), o.key()));
                    }
                    if let ClauseItem::Criterion(k) = item
                        && o == Outcome::CannotTell
                        && let Some(v) = verdicts.get(*k)
                    {
                        for m in &v.missing {
                            let m = m.to_string();
                            if !missing.contains(&m) {
                                missing.push(m);
                            }
                        }
                    }
                }
                // A near miss decides only when it is the clause's one unmet item.
                if near_fail.is_none()
                    && let [ClauseItem::Criterion(k)] = clause
                        .iter()
                        .filter(|it| self.item_outcome(**it, verdicts, size_bar) != Outcome::Met)
                        .collect::<Vec<_>>()
                        .as_slice()
                    && let Some(v) = verdicts.get(*k)
                    && let Some(c) = v.deciding_near(Side::JustMissed, margin)
                {
                    near_fail = Some(self.near_reason(*k, c, Side::JustMissed, *t));
                }
                parts.push(failing.join(", "));
            }
            reasons.push(format!(
                "not {} ({}): {}",
                t.key(),
                t.name_zh(),
                parts.join(" | ")
            ));
        }
        let next_tier = next.and_then(|n| Tier::ALL.get(n).copied());
        let referral = match (&near_fail, next_tier, &near_pass, tier_idx) {
            (Some(_), Some(up), _, _) => Some(Referral {
                tier: up,
                fallback: tier,
            }),
            (_, _, Some(_), Some(i)) => Tier::ALL.get(i).map(|&t| Referral {
                tier: t,
                fallback: (0..i)
                    .rev()
                    .find(|&j| rule_outcomes[j] == Outcome::Met)
                    .and_then(|j| Tier::ALL.get(j).copied()),
            }),
            _ => None,
        };
        // The reason of the question the panel gets: the near miss of the tier above first.
        if referral.is_some()
            && let Some(r) = near_fail.or(near_pass)
        {
            reasons.push(r);
        }
        TierDecision {
            tier,
            rule_outcomes,
            reasons,
            missing,
            borderline: referral.is_some(),
            referral,
            stage: self.stage_of(ev),
        }
    }
}
