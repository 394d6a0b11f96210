//! Step 2's budgets: before any grant is written, each budgeted program's year's budget is
//! shared among the firms the benefit rules grant through it, by the program's allocation
//! rule (`voucher_ledger::allocation`: application order with a seeded lottery by default,
//! tier priority, score order or pro rata). The ledger is then asked only for what the rule
//! gives, so when a budget runs out the refusals follow the stated rule, never the order the
//! firms happen to be matched in (USCC order, which put every refusal on the provinces with
//! the highest codes).
//!
//! Benefits granted without application carry no application date: under application order
//! every firm ties and the seeded lottery decides, the same draw on every run. A firm's
//! requests in one program are allocated as one (the sum of its benefits there); a partial
//! grant (pro rata) goes to its benefits in their order.

use std::collections::{BTreeMap, HashMap};

use registry_model::{EnterpriseId, Tier, Year};
use rust_decimal::Decimal;
use voucher_ledger::allocation::{Allocation, Request, allocate};
use voucher_ledger::money::yuan_to_fen;
use voucher_ledger::{Journal, VoucherBook};

use crate::error::Result;

/// One benefit to be paid through a program.
#[derive(Debug, Clone)]
pub struct Want {
    /// The grant's request id.
    pub request_id: String,
    /// The paying program.
    pub program: String,
    /// The firm.
    pub firm: EnterpriseId,
    /// Its tier, for tier priority.
    pub tier: Option<Tier>,
    /// The amount the benefit gives.
    pub amount_yuan: Decimal,
}

/// What the rule gives one benefit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The amount to ask the ledger for, in fen (0: refused by the rule, not asked).
    pub amount_fen: u64,
    /// The rule that decided, when the budget could not cover every request.
    pub rule: Option<Allocation>,
    /// The rule's explanation for the firm (its position, where the budget ran out).
    pub reason: String,
}

/// Shares every budgeted program's budget among `wants` (lottery seeded by `seed`). Benefits
/// of programs without a budget are not in the plan: only their caps bound them.
///
/// The budget shared is what the year's budget still holds plus what the firms of `wants`
/// were already granted in the year, so that rerunning the step decides as the first run
/// did (its grants are then answered from the ledger by their request ids).
pub fn plan<J: Journal>(
    book: &VoucherBook<J>,
    year: Year,
    wants: &[Want],
    seed: u64,
) -> Result<HashMap<String, Planned>> {
    let mut by_program: BTreeMap<&str, Vec<&Want>> = BTreeMap::new();
    for w in wants {
        by_program.entry(w.program.as_str()).or_default().push(w);
    }
    let mut out = HashMap::new();
    for (program, ws) in by_program {
        let (Some(p), Some(left_fen)) =
            (book.program(program), book.budget_left_fen(program, year))
        else {
            continue;
        };
        let rule = p.allocation;
        // A firm's benefits in the program, in their order, and its request.
        let mut firms: BTreeMap<EnterpriseId, (Vec<(&Want, u64)>, Option<Tier>)> = BTreeMap::new();
        for w in ws {
            let fen = yuan_to_fen(w.amount_yuan, &format!("benefit {}", w.request_id))?;
            let e = firms.entry(w.firm).or_insert_with(|| (Vec::new(), w.tier));
            e.0.push((w, fen));
        }
        let already_fen: u64 = firms
            .keys()
            .filter_map(|f| book.firm_year(program, year, f))
            .map(|fy| fy.granted_fen)
            .sum();
        let requests: Vec<Request> = firms
            .iter()
            .map(|(firm, (parts, tier))| Request {
                firm: *firm,
                amount_fen: parts.iter().map(|(_, f)| f).sum(),
                applied_on: None,
                tier: *tier,
                score: None,
            })
            .collect();
        let budget_fen = left_fen.saturating_add(already_fen);
        let total_fen: u128 = requests.iter().map(|r| u128::from(r.amount_fen)).sum();
        let binding = total_fen > u128::from(budget_fen);
        let decisions = allocate(rule, budget_fen, &requests, seed)?;
        for d in decisions {
            let Some((parts, _)) = firms.get(&d.firm) else {
                continue;
            };
            let mut left = d.granted_fen;
            for (w, fen) in parts {
                let amount_fen = (*fen).min(left);
                left -= amount_fen;
                out.insert(
                    w.request_id.clone(),
                    Planned {
                        amount_fen,
                        rule: binding.then_some(rule),
                        reason: d.reason.clone(),
                    },
                );
            }
        }
    }
    Ok(out)
}
