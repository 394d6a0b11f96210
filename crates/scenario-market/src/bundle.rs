//! Bundles (场景+算力+数据): a matched scenario brings the compute and data vouchers it
//! promised to each firm it took. The grants of a whole assignment go to the ledger as one
//! all-or-nothing batch.

use registry_model::Money;
use serde::{Deserialize, Serialize};

use crate::error::{MarketError, Result};
use crate::key::Key;
use crate::ledger::{self, GrantPurpose, LedgerRequest, MarketLedger, Movement, Receipt};
use crate::market::Market;
use crate::matcher::Assignment;

/// The voucher programs that pay bundles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundlePrograms {
    /// The compute voucher program (算力券).
    pub compute: Key,
    /// The data voucher program (数据券).
    pub data: Key,
}

/// The request id of a bundle grant: `bundle/{round}/{scenario}/{firm}/{compute|data}`.
pub fn request_id(
    round: &Key,
    scenario: &Key,
    firm: &registry_model::EnterpriseId,
    purpose: GrantPurpose,
) -> String {
    format!("bundle/{round}/{scenario}/{firm}/{}", purpose.key())
}

/// The grants an assignment's scenarios promised, one request per firm and purpose with a
/// positive amount, in pair order. `round` (such as the year) keeps one round's ids apart
/// from another's.
pub fn requests(
    market: &Market,
    assignment: &Assignment,
    programs: &BundlePrograms,
    round: &Key,
) -> Result<Vec<LedgerRequest>> {
    let mut out = Vec::new();
    for p in &assignment.pairs {
        let (Some(s), Some(firm)) = (
            market.scenarios().get(p.scenario as usize),
            market.firms().get(p.firm as usize),
        ) else {
            return Err(MarketError::Invariant(format!(
                "pair ({}, {}) is not in this market",
                p.scenario, p.firm
            )));
        };
        for (purpose, program, amount) in [
            (
                GrantPurpose::Compute,
                &programs.compute,
                s.compute_voucher_per_firm,
            ),
            (GrantPurpose::Data, &programs.data, s.data_voucher_per_firm),
        ] {
            if amount.fen() <= 0 {
                continue;
            }
            let id = request_id(round, &s.id, firm, purpose);
            let movement = Movement::Grant {
                program: program.clone(),
                firm: *firm,
                purpose,
                scenario: s.id.clone(),
                amount,
            };
            out.push(LedgerRequest::new(id.clone(), movement).ok_or_else(|| {
                MarketError::Invariant(format!("bundle request '{id}' is malformed"))
            })?);
        }
    }
    Ok(out)
}

/// What a bundle batch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleReport {
    /// Grants in the batch.
    pub grants: usize,
    /// Of which applied before (replayed, nothing moved now).
    pub replayed: usize,
    /// Compute vouchers granted in the batch (replays included), yuan.
    pub compute_total: Money,
    /// Data vouchers granted in the batch (replays included), yuan.
    pub data_total: Money,
    /// The ledger's receipts, in request order.
    pub receipts: Vec<Receipt>,
}

/// Grants `requests` through `ledger` as one all-or-nothing batch (at most
/// [`ledger::LEDGER_BATCH_MAX`] requests).
///
/// ```
/// use scenario_market::{bundle, example, MatchConfig, MemoryLedger, Matcher, OptimalMatcher, Scoring};
/// use registry_model::Money;
/// let market = example::market()?;
/// let g = Scoring::new(MatchConfig::embedded()?)?.candidates(&market);
/// let a = OptimalMatcher.assign(&g)?;
/// let programs = bundle::BundlePrograms { compute: "compute-2025".parse().unwrap(), data: "data-2025".parse().unwrap() };
/// let mut ledger = MemoryLedger::new();
/// ledger.appropriate("a/c", &programs.compute, Money::from_yuan_i64(1_000_000).unwrap())?;
/// ledger.appropriate("a/d", &programs.data, Money::from_yuan_i64(1_000_000).unwrap())?;
/// let reqs = bundle::requests(&market, &a, &programs, &"2025".parse().unwrap())?;
/// let report = bundle::grant(&mut ledger, &reqs)?;
/// assert_eq!(report.compute_total.to_string(), "100000.00");
/// // Again: every grant is a replay, nothing moves twice.
/// assert_eq!(bundle::grant(&mut ledger, &reqs)?.replayed, report.grants);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn grant(ledger: &mut dyn MarketLedger, requests: &[LedgerRequest]) -> Result<BundleReport> {
    let receipts = ledger::submit_checked(ledger, requests)?;
    let mut compute: i64 = 0;
    let mut data: i64 = 0;
    for r in requests {
        if let Movement::Grant {
            purpose, amount, ..
        } = &r.movement
        {
            let slot = match purpose {
                GrantPurpose::Compute => &mut compute,
                GrantPurpose::Data => &mut data,
            };
            *slot = slot.checked_add(amount.fen()).ok_or(MarketError::Limit {
                what: "bundle total, fen",
                value: u64::MAX,
                limit: i64::MAX as u64,
            })?;
        }
    }
    let money = |fen: i64| {
        Money::from_fen(fen).ok_or(MarketError::Limit {
            what: "bundle total, fen",
            value: fen as u64,
            limit: registry_model::money::MONEY_FEN_MAX as u64,
        })
    };
    Ok(BundleReport {
        grants: requests.len(),
        replayed: receipts.iter().filter(|r| r.replayed).count(),
        compute_total: money(compute)?,
        data_total: money(data)?,
        receipts,
    })
}
