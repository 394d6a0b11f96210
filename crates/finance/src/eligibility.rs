//! Deciding a 云量贷 line: every eligibility rule checked with its citation, the limit worked
//! out step by step, and the terms the line would carry.
//!
//! Rules answer passed, failed or cannot tell (a fact is missing). A firm is eligible when
//! every rule passed, refused when any failed, and pending when the rest passed but facts are
//! missing: the decision lists them, so the firm knows what to supply.
//!
//! The limit: `weighted spend = Σ category spend × weight` (each rounded down to the fen),
//! `by spend = weighted spend × multiple` (down), `score cap = tier cap × the score band's
//! share` (down), `limit = min(by spend, tier cap, score cap)` rounded down to the product's
//! unit. A limit below the product's minimum is not granted.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use registry_model::{EnterpriseId, Tier, Year};

use crate::error::Result;
use crate::evidence::{DateWindow, SpendCategory, SpendEvidence, SpendSummary};
use crate::facts::{FirmProfile, RegistryFacts};
use crate::features::Features;
use crate::model::{Assessment, CreditModel};
use crate::money::{fen_to_yuan, round_down_to_unit, share_down_fen};
use crate::product::{LineTerms, Product};

/// The answer of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOutcome {
    /// The rule holds.
    Passed,
    /// The rule fails.
    Failed,
    /// A fact it needs is missing.
    CannotTell,
}

impl RuleOutcome {
    fn of(b: bool) -> Self {
        if b {
            RuleOutcome::Passed
        } else {
            RuleOutcome::Failed
        }
    }

    /// Kleene conjunction.
    fn and(self, o: RuleOutcome) -> RuleOutcome {
        use RuleOutcome::*;
        match (self, o) {
            (Failed, _) | (_, Failed) => Failed,
            (Passed, Passed) => Passed,
            _ => CannotTell,
        }
    }

    /// Kleene disjunction.
    fn or(self, o: RuleOutcome) -> RuleOutcome {
        use RuleOutcome::*;
        match (self, o) {
            (Passed, _) | (_, Passed) => Passed,
            (Failed, Failed) => Failed,
            _ => CannotTell,
        }
    }

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            RuleOutcome::Passed => "passed",
            RuleOutcome::Failed => "failed",
            RuleOutcome::CannotTell => "cannot_tell",
        }
    }
}

/// One rule checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCheck {
    /// Rule id (`sme`, `stable_operation` …).
    pub rule: String,
    /// What it asks.
    pub description: String,
    /// The document it rests on, or "assumed".
    pub citation: String,
    /// The answer.
    pub outcome: RuleOutcome,
    /// The firm's values.
    pub value: String,
    /// The threshold.
    pub threshold: String,
    /// Facts it needed and did not have.
    pub missing: Vec<String>,
}

/// Where the decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// Every rule passed and the limit reaches the minimum.
    Eligible,
    /// A rule failed.
    Refused,
    /// No rule failed, but facts are missing.
    Pending,
}

/// Which cap decided the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitBinding {
    /// The multiple of verified spend.
    Spend,
    /// The tier's cap.
    TierCap,
    /// The share of the tier cap the score opens.
    ScoreCap,
}

impl LimitBinding {
    /// The name used in reports.
    pub fn key(self) -> &'static str {
        match self {
            LimitBinding::Spend => "spend",
            LimitBinding::TierCap => "tier cap",
            LimitBinding::ScoreCap => "score cap",
        }
    }
}

/// The limit, step by step (fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitBreakdown {
    /// Σ category spend × weight.
    pub weighted_spend_fen: i64,
    /// Weighted spend × multiple.
    pub by_spend_fen: i64,
    /// The tier's cap.
    pub tier_cap_fen: i64,
    /// The score band's share of the tier cap (`None`: below the lowest band).
    pub score_share: Option<Decimal>,
    /// Tier cap × share.
    pub score_cap_fen: i64,
    /// The smallest of the three, rounded down to the product's unit.
    pub limit_fen: i64,
    /// Which one it was.
    pub binding: LimitBinding,
}

/// A decision on a 云量贷 line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineDecision {
    /// The firm.
    pub firm: EnterpriseId,
    /// The product.
    pub product: String,
    /// Decision date.
    pub decided_on: NaiveDate,
    /// Eligible, refused or pending.
    pub status: DecisionStatus,
    /// Every rule with its citation.
    pub checks: Vec<RuleCheck>,
    /// The limit.
    pub limit: LimitBreakdown,
    /// Cultivation tier.
    pub tier: Option<Tier>,
    /// Credit score.
    pub score: i64,
    /// One-year PD.
    pub pd: f64,
    /// The model that scored.
    pub model: String,
    /// Share of the model's weight resting on missing facts.
    pub missing_share: f64,
    /// The terms a line would carry.
    pub terms: LineTerms,
}

/// What a grant needs from an eligible decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantTerms {
    /// The firm.
    pub firm: EnterpriseId,
    /// Its tier at decision.
    pub tier: Option<Tier>,
    /// The limit, fen.
    pub limit_fen: i64,
    /// The terms.
    pub terms: LineTerms,
    /// Score at decision.
    pub score: i64,
    /// PD at decision.
    pub pd: f64,
    /// The product.
    pub product: String,
}

impl LineDecision {
    /// The terms to grant on, for an eligible decision only.
    pub fn grant_terms(&self) -> Option<GrantTerms> {
        (self.status == DecisionStatus::Eligible).then(|| GrantTerms {
            firm: self.firm,
            tier: self.tier,
            limit_fen: self.limit.limit_fen,
            terms: self.terms,
            score: self.score,
            pd: self.pd,
            product: self.product.clone(),
        })
    }

    /// Facts missing for a pending decision.
    pub fn missing_facts(&self) -> Vec<String> {
        let mut m: Vec<String> = self
            .checks
            .iter()
            .flat_map(|c| c.missing.iter().cloned())
            .collect();
        m.sort();
        m.dedup();
        m
    }
}

impl fmt::Display for LineDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = match self.status {
            DecisionStatus::Eligible => "eligible",
            DecisionStatus::Refused => "refused",
            DecisionStatus::Pending => "pending (facts missing)",
        };
        writeln!(
            f,
            "{} under {} on {}: {st}",
            self.firm, self.product, self.decided_on
        )?;
        for c in &self.checks {
            let mark = match c.outcome {
                RuleOutcome::Passed => "✓",
                RuleOutcome::Failed => "✗",
                RuleOutcome::CannotTell => "?",
            };
            writeln!(
                f,
                "  {mark} {:<18} {} (threshold {}) — {}",
                c.rule, c.value, c.threshold, c.citation
            )?;
        }
        let l = &self.limit;
        writeln!(
            f,
            "  limit ¥{}: weighted spend ¥{} × multiple = ¥{}, tier cap ¥{}, score cap ¥{} (bound by {})",
            fen_to_yuan(l.limit_fen),
            fen_to_yuan(l.weighted_spend_fen),
            fen_to_yuan(l.by_spend_fen),
            fen_to_yuan(l.tier_cap_fen),
            fen_to_yuan(l.score_cap_fen),
            l.binding.key()
        )
    }
}

fn tier_slot(t: Option<Tier>) -> usize {
    t.map_or(0, |t| t as usize + 1)
}

/// Works out the limit.
pub fn limit(
    product: &Product,
    spend: &SpendSummary,
    tier: Option<Tier>,
    score: i64,
) -> LimitBreakdown {
    let weighted_spend_fen = SpendCategory::ALL.iter().fold(0i64, |acc, c| {
        let w = share_down_fen(spend.category_fen(*c), product.category_weights[c.index()])
            .unwrap_or(0);
        acc.saturating_add(w)
    });
    let by_spend_fen = share_down_fen(weighted_spend_fen, product.spend_multiple).unwrap_or(0);
    let tier_cap_fen = product.tier_caps_fen[tier_slot(tier)];
    let score_share = product.score_share(score);
    let score_cap_fen = score_share
        .and_then(|s| share_down_fen(tier_cap_fen, s))
        .unwrap_or(0);
    let (pre, binding) = [
        (by_spend_fen, LimitBinding::Spend),
        (tier_cap_fen, LimitBinding::TierCap),
        (score_cap_fen, LimitBinding::ScoreCap),
    ]
    .into_iter()
    .min_by_key(|(v, _)| *v)
    .unwrap_or((0, LimitBinding::Spend));
    LimitBreakdown {
        weighted_spend_fen,
        by_spend_fen,
        tier_cap_fen,
        score_share,
        score_cap_fen,
        limit_fen: round_down_to_unit(pre, product.limit_unit_fen),
        binding,
    }
}

fn yuan(fen: i64) -> String {
    format!("¥{}", fen_to_yuan(fen))
}

/// Decides a line for `firm` on `date` from its profile, spend and assessment.
pub fn decide(
    product: &Product,
    firm: EnterpriseId,
    profile: Option<&FirmProfile>,
    spend: &SpendSummary,
    assessment: &Assessment,
    date: NaiveDate,
) -> LineDecision {
    let tier = profile.and_then(|p| p.tier);
    let lim = limit(product, spend, tier, assessment.score);
    let mut checks = Vec::new();
    let mut check = |rule: &str,
                     description: &str,
                     citation: &str,
                     outcome: RuleOutcome,
                     value: String,
                     threshold: String,
                     missing: Vec<&str>| {
        checks.push(RuleCheck {
            rule: rule.to_string(),
            description: description.to_string(),
            citation: citation.to_string(),
            outcome,
            value,
            threshold,
            missing: missing.into_iter().map(String::from).collect(),
        });
    };
    check(
        "in_force",
        "the product may grant on the decision date",
        &product.source,
        RuleOutcome::of(product.valid_on(date)),
        date.to_string(),
        format!("{} to {}", product.effective_from, product.effective_until),
        vec![],
    );
    let r = &product.rules;
    if let Some(s) = &r.sme {
        let staff = profile.and_then(|p| p.staff);
        let revenue = profile.and_then(|p| p.revenue_yuan).map(|m| m.fen());
        let by_staff = staff.map_or(RuleOutcome::CannotTell, |n| {
            RuleOutcome::of(n < s.staff_below)
        });
        let by_revenue = revenue.map_or(RuleOutcome::CannotTell, |v| {
            RuleOutcome::of(v < s.revenue_below_fen)
        });
        let outcome = by_staff.or(by_revenue);
        let mut missing = vec![];
        if outcome == RuleOutcome::CannotTell {
            if staff.is_none() {
                missing.push("staff");
            }
            if revenue.is_none() {
                missing.push("revenue_yuan");
            }
        }
        check(
            "sme",
            "a small, medium or micro firm (中小微企业): staff or revenue below the bar",
            &s.citation,
            outcome,
            format!(
                "staff {}, revenue {}",
                staff.map_or("missing".into(), |n| n.to_string()),
                revenue.map_or("missing".into(), yuan)
            ),
            format!(
                "staff < {} or revenue < {}",
                s.staff_below,
                yuan(s.revenue_below_fen)
            ),
            missing,
        );
    }
    if let Some(s) = &r.stable_operation {
        let age = profile.and_then(FirmProfile::age_years);
        let by_age = age.map_or(RuleOutcome::CannotTell, |a| {
            RuleOutcome::of(a >= s.age_min_years)
        });
        let by_use = RuleOutcome::of(spend.months_active >= s.months_active_min);
        let mut missing = vec![];
        if age.is_none() {
            missing.push("founded");
        }
        check(
            "stable_operation",
            "stable operation (经营稳定): age and regular verified spend",
            &s.citation,
            by_age.and(by_use),
            format!(
                "age {}, {} months with spend",
                age.map_or("missing".into(), |a| a.to_string()),
                spend.months_active
            ),
            format!(
                "age ≥ {} years and ≥ {} months",
                s.age_min_years, s.months_active_min
            ),
            missing,
        );
    }
    if let Some(c) = &r.good_credit {
        let bad = profile.and_then(|p| p.bad_credit_3y);
        check(
            "good_credit",
            "a good credit record (信誉良好): no bad record in three years",
            &c.citation,
            bad.map_or(RuleOutcome::CannotTell, |b| RuleOutcome::of(!b)),
            bad.map_or("missing".into(), |b| {
                if b { "bad record" } else { "clean" }.to_string()
            }),
            "clean".into(),
            if bad.is_none() {
                vec!["bad_credit_3y"]
            } else {
                vec![]
            },
        );
    }
    if let Some(c) = &r.registered {
        check(
            "registered",
            "a tier in the cultivation registry (培育库)",
            &c.citation,
            RuleOutcome::of(tier.is_some()),
            tier.map_or("no tier".into(), |t| t.key().to_string()),
            "potential, growth or leading".into(),
            vec![],
        );
    }
    if let Some(s) = &r.verified_spend {
        check(
            "verified_spend",
            "verified digital spend over the window (weighted as for the limit)",
            &s.citation,
            RuleOutcome::of(lim.weighted_spend_fen >= s.min_fen),
            yuan(lim.weighted_spend_fen),
            format!("≥ {}", yuan(s.min_fen)),
            vec![],
        );
    }
    if let Some(q) = &r.credit_quality {
        let pd_ok = Decimal::try_from(assessment.pd).is_ok_and(|pd| pd <= q.pd_max);
        check(
            "credit_quality",
            "score at least the lowest band and PD at most the ceiling",
            &q.citation,
            RuleOutcome::of(assessment.score >= product.score_min() && pd_ok),
            format!(
                "score {}, PD {:.4} %",
                assessment.score,
                assessment.pd * 100.0
            ),
            format!(
                "score ≥ {}, PD ≤ {} %",
                product.score_min(),
                q.pd_max * Decimal::ONE_HUNDRED
            ),
            vec![],
        );
    }
    check(
        "limit_min",
        "the computed limit reaches the product's minimum",
        &product.limit_citation,
        RuleOutcome::of(lim.limit_fen >= product.limit_min_fen.max(1)),
        yuan(lim.limit_fen),
        format!("≥ {}", yuan(product.limit_min_fen)),
        vec![],
    );
    let status = if checks.iter().any(|c| c.outcome == RuleOutcome::Failed) {
        DecisionStatus::Refused
    } else if checks.iter().any(|c| c.outcome == RuleOutcome::CannotTell) {
        DecisionStatus::Pending
    } else {
        DecisionStatus::Eligible
    };
    LineDecision {
        firm,
        product: product.id.clone(),
        decided_on: date,
        status,
        checks,
        limit: lim,
        tier,
        score: assessment.score,
        pd: assessment.pd,
        model: assessment.model.clone(),
        missing_share: assessment.missing_share,
        terms: product.terms,
    }
}

/// Everything behind one firm's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The registry's profile (`None`: the registry does not know the firm).
    pub profile: Option<FirmProfile>,
    /// Spend over the window.
    pub spend: SpendSummary,
    /// Spend over the window before.
    pub spend_prior: SpendSummary,
    /// The model's features.
    pub features: Features,
    /// The model's assessment.
    pub assessment: Assessment,
    /// The decision.
    pub decision: LineDecision,
}

/// Reads a firm's evidence and registry facts through the seams, scores it and decides.
///
/// The registry profile read is the last completed statistical year (the year before
/// `date`): annual reports describe the year behind them. The evidence window is the
/// product's `window_months` ending on `date`, and the prior window the same number of calendar
/// months before it.
pub fn evaluate(
    product: &Product,
    model: &dyn CreditModel,
    evidence: &dyn SpendEvidence,
    facts: &dyn RegistryFacts,
    firm: EnterpriseId,
    date: NaiveDate,
) -> Result<Evaluation> {
    evaluate_on_profile(product, model, evidence, facts, firm, date, date.year() - 1)
}

/// [`evaluate`] on the registry profile of `profile_year` instead of the year before `date`:
/// for a caller whose year's reports are known within the year (the annual cycle decides on
/// 31 December on the facts of the year it ran on, as its other steps do).
pub fn evaluate_on_profile(
    product: &Product,
    model: &dyn CreditModel,
    evidence: &dyn SpendEvidence,
    facts: &dyn RegistryFacts,
    firm: EnterpriseId,
    date: NaiveDate,
    profile_year: Year,
) -> Result<Evaluation> {
    let window = DateWindow::months_to(date, product.window_months);
    let prior_window = DateWindow::months_to(
        window.from.pred_opt().unwrap_or(window.from),
        product.window_months,
    );
    let profile = facts.profile(&firm, profile_year)?;
    let spend = SpendSummary::of(&firm, window, &evidence.spend_lines(&firm, window)?);
    let spend_prior = SpendSummary::of(
        &firm,
        prior_window,
        &evidence.spend_lines(&firm, prior_window)?,
    );
    let features = Features::from_sources(profile.as_ref(), &spend, &spend_prior);
    let assessment = model.assess(&features);
    let decision = decide(product, firm, profile.as_ref(), &spend, &assessment, date);
    Ok(Evaluation {
        profile,
        spend,
        spend_prior,
        features,
        assessment,
        decision,
    })
}
