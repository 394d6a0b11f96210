//! The ledger seam: [`MarketLedger`], through which challenge payments and scenario bundles
//! move money. scenario-market defines it and never depends on a ledger crate; the
//! orchestration layer implements it with voucher-ledger (a program of kind "challenge" for
//! tasks, the compute and data voucher programs for bundles). [`crate::MemoryLedger`] is the
//! in-crate implementation used by the tests and examples.
//!
//! # The contract an implementation must keep
//!
//! 1. **All or nothing.** [`MarketLedger::submit`] applies every request of the batch or
//!    none: on `Err` nothing of the batch is visible, now or after a crash; on `Ok` all of it
//!    is durable.
//! 2. **Idempotent by request id.** A request id already applied with the same movement is
//!    answered with its first receipt, marked `replayed`, and moves nothing; an id already
//!    applied with a different movement fails the batch with [`LedgerFault::Conflict`]. The
//!    market derives every id from the task, firm, milestone or scenario, so re-running a
//!    step after a crash repeats the same ids and changes nothing twice.
//! 3. **Double entry.** Each movement is a transfer (or linked transfers) whose debits equal
//!    its credits: money moves between accounts of the program and the firms and is never
//!    created or destroyed. Appropriations into a program come from outside this seam.
//! 4. **Exact amounts.** Amounts are whole fen and positive ([`registry_model::Money`]).
//!    `Reserve` and `Grant` are declined when the program's fund is short; `Pay` and
//!    `Release` when the team's escrow is short; `Recover` beyond what the task has paid the
//!    firm. A decline is [`LedgerFault::Declined`] naming the request and the reason.
//! 5. **In order.** Requests of a batch apply in order (a `Reserve` then a `Pay` from it in
//!    one batch works), and receipts come back in request order.
//! 6. **Bounded.** A batch holds at most [`LEDGER_BATCH_MAX`] requests; request ids are at
//!    most [`REQUEST_ID_LEN_MAX`] bytes.

use std::fmt;

use registry_model::{EnterpriseId, Money};
use serde::{Deserialize, Serialize};

pub use crate::fault::LedgerFault;
use crate::key::Key;

/// Most requests in one batch (within voucher-ledger's group limit of 65,536).
pub const LEDGER_BATCH_MAX: usize = 10_000;
/// Longest request id, in bytes.
pub const REQUEST_ID_LEN_MAX: usize = 256;

/// What a bundle grant is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantPurpose {
    /// Compute vouchers (算力券).
    Compute,
    /// Data vouchers (数据券).
    Data,
}

impl GrantPurpose {
    /// The key used in request ids and files.
    pub fn key(self) -> &'static str {
        match self {
            GrantPurpose::Compute => "compute",
            GrantPurpose::Data => "data",
        }
    }
}

/// A movement of money the market asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Movement {
    /// Commits part of a program's fund to one team of a challenge task (fund → the team's
    /// escrow).
    Reserve {
        /// The paying program.
        program: Key,
        /// The task.
        task: Key,
        /// The team's firm.
        firm: EnterpriseId,
        /// Amount.
        amount: Money,
    },
    /// Pays a firm from its escrow for a milestone (escrow → the firm).
    Pay {
        /// The paying program.
        program: Key,
        /// The task.
        task: Key,
        /// The firm paid.
        firm: EnterpriseId,
        /// The milestone paid for.
        milestone: Key,
        /// Amount.
        amount: Money,
    },
    /// Returns unspent escrow to the program's fund (escrow → fund).
    Release {
        /// The paying program.
        program: Key,
        /// The task.
        task: Key,
        /// The team's firm.
        firm: EnterpriseId,
        /// Amount.
        amount: Money,
    },
    /// Claws back money paid for a milestone that failed: the firm owes it to the program (paid
    /// → a receivable of the program).
    Recover {
        /// The paying program.
        program: Key,
        /// The task.
        task: Key,
        /// The firm that owes.
        firm: EnterpriseId,
        /// The failed milestone.
        milestone: Key,
        /// Amount.
        amount: Money,
    },
    /// Grants vouchers a matched scenario promised (the program's fund → the firm's
    /// voucher).
    Grant {
        /// The voucher program.
        program: Key,
        /// The firm granted.
        firm: EnterpriseId,
        /// Compute or data.
        purpose: GrantPurpose,
        /// The scenario whose match brought the grant.
        scenario: Key,
        /// Amount.
        amount: Money,
    },
}

impl Movement {
    /// The amount moved.
    pub fn amount(&self) -> Money {
        match self {
            Movement::Reserve { amount, .. }
            | Movement::Pay { amount, .. }
            | Movement::Release { amount, .. }
            | Movement::Recover { amount, .. }
            | Movement::Grant { amount, .. } => *amount,
        }
    }

    /// The program the money belongs to.
    pub fn program(&self) -> &Key {
        match self {
            Movement::Reserve { program, .. }
            | Movement::Pay { program, .. }
            | Movement::Release { program, .. }
            | Movement::Recover { program, .. }
            | Movement::Grant { program, .. } => program,
        }
    }

    /// A short name of the kind of movement.
    pub fn kind(&self) -> &'static str {
        match self {
            Movement::Reserve { .. } => "reserve",
            Movement::Pay { .. } => "pay",
            Movement::Release { .. } => "release",
            Movement::Recover { .. } => "recover",
            Movement::Grant { .. } => "grant",
        }
    }
}

/// A request: an id and a movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRequest {
    /// The idempotency key.
    pub request_id: String,
    /// What to move.
    pub movement: Movement,
}

impl LedgerRequest {
    /// A request; `None` when the id is empty or too long or the amount is not positive
    /// (the market builds ids and amounts itself, so this is an internal check).
    pub fn new(request_id: String, movement: Movement) -> Option<Self> {
        (!request_id.is_empty()
            && request_id.len() <= REQUEST_ID_LEN_MAX
            && movement.amount().fen() > 0)
            .then_some(Self {
                request_id,
                movement,
            })
    }
}

/// The ledger's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The request's id.
    pub request_id: String,
    /// The amount moved.
    pub amount: Money,
    /// True when the request had been applied before and nothing moved now.
    pub replayed: bool,
}

/// Moves the market's money. See the module documentation for the contract.
pub trait MarketLedger {
    /// Applies `batch` all or nothing, idempotently by request id; receipts in request order.
    fn submit(&mut self, batch: &[LedgerRequest]) -> Result<Vec<Receipt>, LedgerFault>;
}

impl fmt::Display for GrantPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Submits `batch` through `ledger` after checking its size; an empty batch moves nothing.
pub(crate) fn submit_checked(
    ledger: &mut dyn MarketLedger,
    batch: &[LedgerRequest],
) -> crate::error::Result<Vec<Receipt>> {
    if batch.len() > LEDGER_BATCH_MAX {
        return Err(crate::error::MarketError::Limit {
            what: "ledger requests in one batch",
            value: batch.len() as u64,
            limit: LEDGER_BATCH_MAX as u64,
        });
    }
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let receipts = ledger.submit(batch)?;
    if receipts.len() != batch.len()
        || receipts
            .iter()
            .zip(batch)
            .any(|(r, q)| r.request_id != q.request_id || r.amount != q.movement.amount())
    {
        return Err(crate::error::MarketError::Invariant(format!(
            "the ledger answered {} receipts that do not match the {} requests",
            receipts.len(),
            batch.len()
        )));
    }
    Ok(receipts)
}
