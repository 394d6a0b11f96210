//! scenario-market's [`MarketLedger`] on the voucher ledger: challenge payments and scenario
//! bundles move money as journaled requests of a [`VoucherBook`], one batch = one
//! [`VoucherBook::group`] (one durable transaction, all or nothing).
//!
//! | movement | ledger request |
//! |---|---|
//! | `Reserve` | [`VoucherBook::challenge`] step `reserve` (the year's budget → the team's escrow) |
//! | `Pay` | step `pay` (escrow → the team's award account) |
//! | `Release` | step `release` (escrow → budget) |
//! | `Recover` | step `recover` (the firm's receivable → budget, a clawback) |
//! | `Grant` | [`VoucherBook::grant_fen`] on the compute or data program |
//!
//! The request id of the market is the ledger's request id, so the ledger's own idempotency
//! (same id and content → the first reply; same id, other content → a conflict) is the
//! market's. A `Grant` names its purpose: the program must be of the matching kind (compute
//! vouchers from a compute program, data vouchers from a data program), or the batch is
//! declined before anything moves. The firm's tier, when known ([`LedgerMarket::with_tiers`]),
//! goes with the grant, because a voucher program may be open only to some tiers.

use std::collections::HashMap;

use registry_model::{EnterpriseId, Tier};
use scenario_market::{GrantPurpose, LedgerFault, LedgerRequest, MarketLedger, Movement, Receipt};
use voucher_ledger::book::ChallengeStep;
use voucher_ledger::{Firm, Journal, LedgerError, VoucherBook, VoucherKind};

/// The market's ledger: a voucher book, borrowed for the batches of a step.
pub struct LedgerMarket<'a, J: Journal> {
    book: &'a mut VoucherBook<J>,
    tiers: HashMap<EnterpriseId, Tier>,
}

impl<'a, J: Journal> LedgerMarket<'a, J> {
    /// The market's ledger over `book`; grants carry no tier.
    pub fn new(book: &'a mut VoucherBook<J>) -> Self {
        Self {
            book,
            tiers: HashMap::new(),
        }
    }

    /// Grants carry each firm's registry tier (a firm not in `tiers` is granted without one).
    pub fn with_tiers(mut self, tiers: HashMap<EnterpriseId, Tier>) -> Self {
        self.tiers = tiers;
        self
    }

    /// The book, for reads between batches.
    pub fn book(&self) -> &VoucherBook<J> {
        self.book
    }
}

/// Applies one request inside the open group; `Ok(replayed)`.
fn apply<J: Journal>(
    book: &mut VoucherBook<J>,
    tiers: &HashMap<EnterpriseId, Tier>,
    request: &LedgerRequest,
) -> Result<bool, LedgerError> {
    let id = request.request_id.as_str();
    let replayed = book.has_request(id);
    let fen = u64::try_from(request.movement.amount().fen()).unwrap_or(0);
    let step = |program: &scenario_market::Key,
                task: &scenario_market::Key,
                firm: &EnterpriseId,
                step: ChallengeStep,
                book: &mut VoucherBook<J>| {
        book.challenge(id, program.as_str(), task.as_str(), firm, step, fen)
            .map(|_| ())
    };
    match &request.movement {
        Movement::Reserve {
            program,
            task,
            firm,
            ..
        } => step(program, task, firm, ChallengeStep::Reserve, book)?,
        Movement::Pay {
            program,
            task,
            firm,
            milestone,
            ..
        } => step(
            program,
            task,
            firm,
            ChallengeStep::Pay {
                milestone: milestone.as_str().to_string(),
            },
            book,
        )?,
        Movement::Release {
            program,
            task,
            firm,
            ..
        } => step(program, task, firm, ChallengeStep::Release, book)?,
        Movement::Recover {
            program,
            task,
            firm,
            milestone,
            ..
        } => step(
            program,
            task,
            firm,
            ChallengeStep::Recover {
                milestone: milestone.as_str().to_string(),
            },
            book,
        )?,
        Movement::Grant {
            program,
            firm,
            purpose,
            ..
        } => {
            let wanted = match purpose {
                GrantPurpose::Compute => VoucherKind::Compute,
                GrantPurpose::Data => VoucherKind::Data,
            };
            match book.program(program.as_str()) {
                Some(p) if p.kind != wanted => {
                    return Err(LedgerError::NothingToDo {
                        what: format!(
                            "program '{program}' grants {} vouchers, not {purpose} vouchers",
                            p.kind.key()
                        ),
                    });
                }
                _ => {}
            }
            let mut f = Firm::new(*firm);
            if let Some(t) = tiers.get(firm) {
                f = f.with_tier(*t);
            }
            book.grant_fen(id, program.as_str(), &f, fen)?;
        }
    }
    Ok(replayed)
}

/// A ledger error as the market's fault: a conflicting id, a store that failed, or a refusal.
fn fault(request_id: &str, e: LedgerError) -> LedgerFault {
    match e {
        LedgerError::RequestConflict { request_id, .. } => LedgerFault::Conflict { request_id },
        LedgerError::Storage { .. }
        | LedgerError::Tampered { .. }
        | LedgerError::ReplayMismatch { .. }
        | LedgerError::Invariant { .. } => LedgerFault::Failed {
            reason: e.to_string(),
        },
        other => LedgerFault::Declined {
            request_id: request_id.to_string(),
            reason: other.to_string(),
        },
    }
}

/// The error of a batch: the market's fault for the first failing request.
struct BatchFailed(LedgerFault);

impl From<LedgerError> for BatchFailed {
    // Only the group's commit raises an error outside a request: the journal write.
    fn from(e: LedgerError) -> Self {
        BatchFailed(fault("", e))
    }
}

impl<J: Journal> MarketLedger for LedgerMarket<'_, J> {
    fn submit(&mut self, batch: &[LedgerRequest]) -> Result<Vec<Receipt>, LedgerFault> {
        if batch.len() > scenario_market::ledger::LEDGER_BATCH_MAX {
            return Err(LedgerFault::Declined {
                request_id: batch
                    .first()
                    .map(|r| r.request_id.clone())
                    .unwrap_or_default(),
                reason: format!(
                    "{} requests in one batch, above the limit of {}",
                    batch.len(),
                    scenario_market::ledger::LEDGER_BATCH_MAX
                ),
            });
        }
        let tiers = &self.tiers;
        self.book
            .group(|book| -> Result<Vec<Receipt>, BatchFailed> {
                let mut receipts = Vec::with_capacity(batch.len());
                for r in batch {
                    let replayed =
                        apply(book, tiers, r).map_err(|e| BatchFailed(fault(&r.request_id, e)))?;
                    receipts.push(Receipt {
                        request_id: r.request_id.clone(),
                        amount: r.movement.amount(),
                        replayed,
                    });
                }
                Ok(receipts)
            })
            .map_err(|BatchFailed(f)| f)
    }
}
