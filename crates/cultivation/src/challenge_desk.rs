//! Challenge tasks (揭榜挂帅 / 赛马制) kept on the voucher ledger between steps, so that each
//! step — post, bid, award, accept or fail a milestone — can run in its own process.
//!
//! A challenge's state is a ledger document (collection [`CHALLENGE_COLLECTION`], keyed by the
//! task id), put in the same [`VoucherBook::group`] as the money the step moves: the state and
//! the money commit together or not at all, and `verify` covers both. Each step also puts a
//! record of itself (collection [`CHALLENGE_REQUEST_COLLECTION`], keyed by the caller's
//! request id) holding the command and its reply, which makes a step idempotent as every
//! ledger write is: the same request id with the same command returns the first reply and
//! moves nothing; the same id with another command is refused.

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use registry_model::panel::Panel;
use registry_model::panel_store::PanelRecord;
use scenario_market::challenge::{Bid, BidScore, Challenge, ChallengeTask};
use scenario_market::{Key, MarketError, Receipt};
use serde::{Deserialize, Serialize};
use voucher_ledger::book::Document;
use voucher_ledger::{Journal, LedgerError, VoucherBook};

use crate::error::{CultivationError, Result};
use crate::market_ledger::LedgerMarket;

/// The ledger collection of challenge states, one document per task id.
pub const CHALLENGE_COLLECTION: &str = "scenario-market/challenge";
/// The ledger collection of challenge steps, one document per request id.
pub const CHALLENGE_REQUEST_COLLECTION: &str = "scenario-market/challenge-request";

/// One step of a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "snake_case")]
pub enum ChallengeCommand {
    /// Post a task (发榜).
    Post {
        /// The task.
        task: ChallengeTask,
    },
    /// Take a bid (揭榜).
    Bid {
        /// The bid (it names its task).
        bid: Bid,
    },
    /// Evaluate the bids with the panel's scores and award; escrow is reserved.
    Award {
        /// The task.
        task: Key,
        /// Every panel member's score of every bid.
        scores: Vec<BidScore>,
        /// The award date.
        date: NaiveDate,
        /// The panel that scored (its members, their ties to firms, which recuse them, and
        /// its trimmed-mean rule), when not the default one given to [`challenge_step`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        panel: Option<PanelRecord>,
    },
    /// Accept a team's running milestone: it is paid.
    Accept {
        /// The task.
        task: Key,
        /// The team's firm.
        firm: EnterpriseId,
        /// The milestone.
        milestone: Key,
        /// The decision date.
        date: NaiveDate,
        /// A note (may be empty).
        note: String,
    },
    /// Fail a team's running milestone: its advance is clawed back and the escrow released.
    Fail {
        /// The task.
        task: Key,
        /// The team's firm.
        firm: EnterpriseId,
        /// The milestone.
        milestone: Key,
        /// The decision date.
        date: NaiveDate,
        /// Why it failed (required).
        reason: String,
    },
}

impl ChallengeCommand {
    /// The task the step concerns.
    pub fn task(&self) -> &Key {
        match self {
            ChallengeCommand::Post { task } => &task.id,
            ChallengeCommand::Bid { bid } => &bid.task,
            ChallengeCommand::Award { task, .. }
            | ChallengeCommand::Accept { task, .. }
            | ChallengeCommand::Fail { task, .. } => task,
        }
    }

    /// The verb, as the CLI names it.
    pub fn verb(&self) -> &'static str {
        match self {
            ChallengeCommand::Post { .. } => "post",
            ChallengeCommand::Bid { .. } => "bid",
            ChallengeCommand::Award { .. } => "award",
            ChallengeCommand::Accept { .. } => "accept",
            ChallengeCommand::Fail { .. } => "fail",
        }
    }
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeReply {
    /// The caller's request id.
    pub request_id: String,
    /// The verb.
    pub verb: String,
    /// The task.
    pub task: Key,
    /// The ledger's receipts of the money moved (empty for post and bid).
    pub receipts: Vec<Receipt>,
    /// True when this request had been made before: the first reply, nothing moved now.
    pub replayed: bool,
}

/// A step as kept on the ledger: the command and its first reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StepRecord {
    command: ChallengeCommand,
    reply: ChallengeReply,
}

/// The challenge of `task` as the ledger holds it, or `None` when it was never posted. A
/// stored state that does not read back (its invariants fail) is an error naming the task.
pub fn load_challenge<J: Journal>(book: &VoucherBook<J>, task: &str) -> Result<Option<Challenge>> {
    match book.document(CHALLENGE_COLLECTION, task) {
        None => Ok(None),
        Some(d) => Ok(Some(d.document.read::<Challenge>()?)),
    }
}

/// Every challenge on the ledger, in the order they were last changed.
pub fn load_challenges<J: Journal>(book: &VoucherBook<J>) -> Result<Vec<Challenge>> {
    book.documents(CHALLENGE_COLLECTION)
        .into_iter()
        .map(|d| Ok(d.document.read::<Challenge>()?))
        .collect()
}

fn not_posted(task: &Key, action: &str) -> CultivationError {
    CultivationError::Market(MarketError::State {
        what: "task",
        id: task.to_string(),
        action: action.to_string(),
        reason: "no such task has been posted on this ledger".into(),
    })
}

/// Runs one step of a challenge under `request_id`: the challenge's money (through
/// [`LedgerMarket`]) and its new state commit in one ledger transaction. `panel` scores the
/// bids of an award that names no panel of its own (other steps ignore it).
///
/// Refused, with nothing written: a request id used before for another command or for
/// another ledger request; a post of a task id already posted; any other step on a task not
/// posted; whatever the challenge itself refuses (a milestone out of order, a bid after the
/// close, …).
pub fn challenge_step<J: Journal>(
    book: &mut VoucherBook<J>,
    request_id: &str,
    command: ChallengeCommand,
    panel: &Panel,
) -> Result<ChallengeReply> {
    if let Some(d) = book.document(CHALLENGE_REQUEST_COLLECTION, request_id) {
        let first: StepRecord = d.document.read()?;
        if first.command == command {
            return Ok(ChallengeReply {
                replayed: true,
                ..first.reply
            });
        }
        return Err(LedgerError::RequestConflict {
            request_id: request_id.to_string(),
            seq: d.seq,
            detail: format!(
                "challenge {} of task '{}'",
                first.command.verb(),
                first.command.task()
            ),
        }
        .into());
    }
    let task = command.task().clone();
    let current = load_challenge(book, task.as_str())?;
    let mut challenge = match (&command, current) {
        (ChallengeCommand::Post { task: t }, None) => Challenge::post(t.clone())?,
        (ChallengeCommand::Post { .. }, Some(_)) => {
            return Err(CultivationError::Market(MarketError::State {
                what: "task",
                id: task.to_string(),
                action: "post".into(),
                reason: "a task with this id is already posted".into(),
            }));
        }
        (c, None) => return Err(not_posted(&task, c.verb())),
        (_, Some(c)) => c,
    };
    book.group(|book| -> Result<ChallengeReply> {
        let receipts = {
            let mut ledger = LedgerMarket::new(book);
            match &command {
                ChallengeCommand::Post { .. } => Vec::new(),
                ChallengeCommand::Bid { bid } => {
                    challenge.bid(bid.clone())?;
                    Vec::new()
                }
                ChallengeCommand::Award {
                    scores,
                    date,
                    panel: own,
                    ..
                } => {
                    let own = own.clone().map(PanelRecord::into_panel).transpose()?;
                    challenge.award(own.as_ref().unwrap_or(panel), scores, *date, &mut ledger)?
                }
                ChallengeCommand::Accept {
                    firm,
                    milestone,
                    date,
                    note,
                    ..
                } => challenge.accept(firm, milestone, *date, note, &mut ledger)?,
                ChallengeCommand::Fail {
                    firm,
                    milestone,
                    date,
                    reason,
                    ..
                } => challenge.fail(firm, milestone, *date, reason, &mut ledger)?,
            }
        };
        let reply = ChallengeReply {
            request_id: request_id.to_string(),
            verb: command.verb().to_string(),
            task: task.clone(),
            receipts,
            replayed: false,
        };
        let record = StepRecord {
            command: command.clone(),
            reply: reply.clone(),
        };
        book.put_documents(
            request_id,
            vec![
                Document::of(CHALLENGE_COLLECTION, task.as_str(), &challenge)?,
                Document::of(CHALLENGE_REQUEST_COLLECTION, request_id, &record)?,
            ],
        )?;
        Ok(reply)
    })
}
