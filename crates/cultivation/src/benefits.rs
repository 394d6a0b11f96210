//! Step 2: benefits without application (免申即享). The shipped benefit rules are matched
//! against every firm's registry facts; benefits whose facts are complete are granted as
//! vouchers on the ledger, within each program's budget and caps (a refusal is an answer,
//! reported with its reason); firms with missing facts are told what to supply (快申快享).
//!
//! The grants are written in ledger groups of [`GRANT_FIRMS_PER_GROUP`] firms: each group is
//! one durable transaction, whole or absent, and every grant carries a request id derived
//! from the year, program, firm and policy, so a rerun after a failure writes only what is
//! missing.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use compute_scheduler::seed::derive_seed;
use registry_model::{Adjustment, Enterprise, EnterpriseId, RegionCode, RegistryStore, Tier, Year};
use rust_decimal::Decimal;
use sandbox_rules::shipped;
use voucher_ledger::program::{Firm, Program};
use voucher_ledger::{Journal, VoucherBook};

use crate::error::{CultivationError, Result};
use crate::facts::registry_subjects;
use crate::grant_plan::{self, Want};
use crate::observer::Observer;
use crate::result::{BenefitLine, BenefitStep, BenefitSummary, ProgramLine};
use crate::step::Step;

/// Firms whose grants go into one ledger group. A firm has at most a few dozen benefits, so
/// a group stays far within the ledger's group limits
/// ([`voucher_ledger::journal::GROUP_REQUESTS_MAX`] requests).
pub const GRANT_FIRMS_PER_GROUP: usize = 1_000;

/// The cultivation voucher programs the benefit rules pay through, beside the city rounds
/// voucher-ledger ships (data/cycle/).
pub const CULTIVATION_PROGRAMS: [(&str, &str); 3] = [
    (
        "data/cycle/data-voucher.toml",
        include_str!("../../../data/cycle/data-voucher.toml"),
    ),
    (
        "data/cycle/algorithm-voucher.toml",
        include_str!("../../../data/cycle/algorithm-voucher.toml"),
    ),
    (
        "data/cycle/compute-voucher.toml",
        include_str!("../../../data/cycle/compute-voucher.toml"),
    ),
];

/// The request id of a grant: voucher-ledger's key for a year, program and firm, with the
/// policy that granted it (two policies may pay through one program).
pub fn grant_request_id(year: Year, program: &str, policy: &str, firm: &EnterpriseId) -> String {
    format!(
        "{}/{policy}",
        voucher_ledger::book::grant_key(year, program, firm)
    )
}

/// Adds the shipped programs and the cultivation programs the ledger does not have yet
/// (request id `cycle-program-{id}`).
pub fn ensure_programs<J: Journal>(book: &mut VoucherBook<J>) -> Result<()> {
    let mut programs = voucher_ledger::defaults::programs()?;
    for (file, text) in CULTIVATION_PROGRAMS {
        programs.push(Program::from_toml(text, file)?);
    }
    for p in programs {
        if book.program(&p.id).is_none() {
            let request = format!("cycle-program-{}", p.id);
            book.add_program(&request, p)?;
        }
    }
    Ok(())
}

/// Step 2 from start to end. `seed` draws the allocation lottery of budgets that cannot cover
/// every grant ([`crate::grant_plan`]).
#[allow(clippy::too_many_arguments)]
pub fn run<J: Journal>(
    book: &mut VoucherBook<J>,
    store: &dyn RegistryStore,
    firms: &[Enterprise],
    adj: &Adjustment,
    year: Year,
    date: NaiveDate,
    seed: u64,
    observer: &mut dyn Observer,
) -> Result<BenefitStep> {
    ensure_programs(book)?;
    let set = shipped::BENEFITS.load()?;
    let subjects = registry_subjects(store, firms, year, date)?;
    observer.begin(&format!("matching {} firms", subjects.len()), None);
    let matched = sandbox_rules::match_benefits(&set, &subjects, date, true);
    observer.end();
    let tiers: HashMap<EnterpriseId, Option<Tier>> =
        adj.entries.iter().map(|e| (e.id, e.to)).collect();
    let regions: HashMap<EnterpriseId, RegionCode> =
        firms.iter().map(|f| (f.id, f.region())).collect();

    // Every positive grant, in matched order, shared out by each program's rule first.
    let mut wants = Vec::new();
    for m in &matched {
        let Ok(id) = m.firm.parse::<EnterpriseId>() else {
            continue; // reported below, where the grants are written
        };
        for g in &m.granted {
            if let (Some(program), Some(amount)) = (&g.program, g.amount_yuan)
                && amount > Decimal::ZERO
            {
                wants.push(Want {
                    request_id: grant_request_id(year, program, &g.policy, &id),
                    program: program.clone(),
                    firm: id,
                    tier: tiers.get(&id).copied().flatten(),
                    amount_yuan: amount,
                });
            }
        }
    }
    let plan = grant_plan::plan(book, year, &wants, derive_seed(seed, year, "allocation"))?;

    let mut lines = Vec::new();
    let mut per_program: BTreeMap<String, ProgramLine> = BTreeMap::new();
    let (mut granted, mut refused, mut pending, mut conflicts) = (0usize, 0usize, 0usize, 0usize);
    let mut refused_by_rule = 0usize;
    let mut granted_yuan = Decimal::ZERO;
    let mut firms_missing = 0usize;
    let mut writes = 0usize;
    let total: u64 = matched.iter().map(|m| m.granted.len() as u64).sum();
    observer.begin("grants", Some(total));
    for chunk in matched.chunks(GRANT_FIRMS_PER_GROUP) {
        book.group(|book| -> Result<()> {
            for m in chunk {
                let id: EnterpriseId = m.firm.parse().map_err(|e| {
                    CultivationError::Registry(registry_model::RegistryError::from(e))
                })?;
                let mut firm = Firm::new(id);
                if let Some(t) = tiers.get(&id).copied().flatten() {
                    firm = firm.with_tier(t);
                }
                firm.region = regions.get(&id).copied();
                for g in &m.granted {
                    observer.advance(1);
                    let (Some(program), Some(amount)) = (g.program.clone(), g.amount_yuan) else {
                        continue;
                    };
                    let request_id = grant_request_id(year, &program, &g.policy, &id);
                    // A program with a benefit appears in the summary even when its only
                    // grants are of nothing.
                    let line = per_program.entry(program.clone()).or_default();
                    if amount <= Decimal::ZERO {
                        continue;
                    }
                    let planned = plan.get(&request_id);
                    let decided_by = planned
                        .and_then(|p| p.rule)
                        .map_or("", |r| r.key())
                        .to_string();
                    if let Some(p) = planned
                        && p.amount_fen == 0
                    {
                        // Refused by the program's allocation rule: the ledger is not asked.
                        refused += 1;
                        refused_by_rule += 1;
                        line.refused += 1;
                        lines.push(BenefitLine {
                            firm: m.firm.clone(),
                            policy: g.policy.clone(),
                            program,
                            status: "refused",
                            amount_yuan: Some(amount),
                            detail: p.reason.clone(),
                            request_id,
                            decided_by,
                        });
                        continue;
                    }
                    let ask = planned
                        .map_or(amount, |p| voucher_ledger::money::fen_to_yuan(p.amount_fen));
                    let result = book.grant(&request_id, &program, &firm, ask);
                    writes += 1;
                    observer.ledger_write(Step::Benefits, writes);
                    match result {
                        Ok(r) => {
                            granted += 1;
                            let yuan = voucher_ledger::money::fen_to_yuan(r.amount_fen);
                            granted_yuan += yuan;
                            line.grants += 1;
                            line.granted_yuan += yuan;
                            let mut detail = g.reasons.join("; ");
                            // A grant cut by the rule (pro rata) says so.
                            if let Some(p) = planned
                                && yuan < amount
                            {
                                detail = format!("{detail}; {}", p.reason);
                            }
                            lines.push(BenefitLine {
                                firm: m.firm.clone(),
                                policy: g.policy.clone(),
                                program,
                                status: "granted",
                                amount_yuan: Some(yuan),
                                detail,
                                request_id,
                                decided_by,
                            });
                        }
                        Err(e) if e.is_refusal() => {
                            refused += 1;
                            line.refused += 1;
                            lines.push(BenefitLine {
                                firm: m.firm.clone(),
                                policy: g.policy.clone(),
                                program,
                                status: "refused",
                                amount_yuan: Some(amount),
                                detail: e.to_string(),
                                request_id,
                                decided_by: "ledger".to_string(),
                            });
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                if !m.pending.is_empty() {
                    firms_missing += 1;
                }
                for p in &m.pending {
                    pending += 1;
                    let program = p.program.clone().unwrap_or_default();
                    per_program.entry(program.clone()).or_default().pending += 1;
                    lines.push(BenefitLine {
                        firm: m.firm.clone(),
                        policy: p.policy.clone(),
                        program,
                        status: "missing facts",
                        amount_yuan: None,
                        detail: p.missing.join("; "),
                        request_id: String::new(),
                        decided_by: String::new(),
                    });
                }
                conflicts += m.conflicts.len();
            }
            Ok(())
        })?;
    }
    observer.end();
    book.check_invariants()?;
    Ok(BenefitStep {
        summary: BenefitSummary {
            firms_matched: matched.len(),
            granted,
            granted_yuan,
            refused,
            refused_by_rule,
            pending,
            firms_with_missing_facts: firms_missing,
            conflicts,
            per_program,
        },
        lines,
    })
}
