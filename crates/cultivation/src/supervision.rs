//! Step 4: supervision. A seeded year of sandbox applications, violations and planned
//! inspections among the registry's firms (sandbox-rules' scenario generator, from
//! data/supervision/scenarios.toml) is decided by the shipped sandbox and enforcement rule
//! sets, and the inspections are merged, capped and moved to non-site review by the
//! inspection planner. Nothing is stored.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use compute_scheduler::seed::derive_seed;
use registry_model::{Adjustment, Enterprise, EnterpriseId, Tier, Year};
use sandbox_rules::inspection::{PlannerConfig, plan};
use sandbox_rules::scenario::{Case, ScenarioConfig, Subject};
use sandbox_rules::{RuleSet, shipped};

use crate::error::Result;
use crate::result::{DecisionLine, SupervisionStep, SupervisionSummary};

fn decide(set: &RuleSet, case: &Case, date: NaiveDate) -> DecisionLine {
    let d = set.evaluate(&case.facts, date);
    let grant = d.grant();
    DecisionLine {
        case: case.id.clone(),
        firm: case.firm.clone(),
        outcome: d.outcome.clone().unwrap_or_else(|| "-".into()),
        status: format!("{:?}", d.status).to_lowercase(),
        rule: grant.map(|g| g.rule.clone()).unwrap_or_default(),
        citation: grant.map(|g| g.citations.join("; ")).unwrap_or_default(),
    }
}

fn count(lines: &[DecisionLine]) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry(l.outcome.clone()).or_insert(0u64) += 1;
    }
    m
}

/// Step 4 from start to end, with `scenarios` (the shipped ones by default) drawn from the
/// master `seed` for `year`.
pub fn run(
    scenarios: &ScenarioConfig,
    firms: &[Enterprise],
    adj: &Adjustment,
    year: Year,
    date: NaiveDate,
    seed: u64,
) -> Result<SupervisionStep> {
    let sandbox_set = shipped::SANDBOX.load()?;
    let enforcement_set = shipped::ENFORCEMENT.load()?;
    let inspection_set = shipped::INSPECTION.load()?;
    let tiers: HashMap<EnterpriseId, Tier> = adj
        .entries
        .iter()
        .filter_map(|e| e.to.map(|t| (e.id, t)))
        .collect();
    let ids: Vec<String> = firms.iter().map(|f| f.id.to_string()).collect();
    let subjects: Vec<Subject<'_>> = firms
        .iter()
        .zip(&ids)
        .map(|(f, id)| Subject {
            firm: id,
            tier: tiers.get(&f.id).map(|t| t.key()),
        })
        .collect();
    let drawn = scenarios.generate(&subjects, year, derive_seed(seed, year, "supervision"))?;
    let sandbox: Vec<DecisionLine> = drawn
        .sandbox
        .iter()
        .map(|c| decide(&sandbox_set, c, date))
        .collect();
    let enforcement: Vec<DecisionLine> = drawn
        .violations
        .iter()
        .map(|c| decide(&enforcement_set, c, date))
        .collect();
    let config = PlannerConfig::from_rule_set(&inspection_set, date)?;
    let plan = plan(&inspection_set, &drawn.inspections, &config)?;
    let s = &plan.summary;
    let summary = SupervisionSummary {
        sandbox: count(&sandbox),
        enforcement: count(&enforcement),
        inspections_planned: s.planned,
        visits_before: s.visits_before,
        visits_after: s.visits_after,
        visits_saved: s.visits_before.saturating_sub(s.visits_after),
        non_site_reviews: s.non_site_reviews,
        cap_breaches: s.cap_breaches,
        alerts: plan.alerts.len(),
    };
    Ok(SupervisionStep {
        summary,
        sandbox,
        enforcement,
        plan,
    })
}
