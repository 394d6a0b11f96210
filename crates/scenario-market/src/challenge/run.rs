//! [`Challenge`]: one task's life — bids, the panel's evaluation and the award, then each
//! team's milestones, paid and clawed back through the [`MarketLedger`].
//!
//! Money follows the task: on award each team's amount moves from the program's fund into
//! its escrow and the first milestone's advance is paid; an accepted milestone pays the rest
//! of its amount and the next milestone's advance; a failed milestone claws its advance
//! back (a receivable of the program) and releases everything left in the team's escrow to
//! the fund. Every step is one ledger batch with ids derived from task, firm and milestone,
//! and the challenge's own state changes only after the ledger said yes.

use chrono::NaiveDate;
use registry_model::panel::{Panel, PanelScore};
use registry_model::{EnterpriseId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::challenge::task::{BIDS_MAX, Bid, BidScore, ChallengeTask, Mode};
use crate::error::{MarketError, Result};
use crate::key::{self, Key};
use crate::ledger::{self, LedgerRequest, MarketLedger, Movement, Receipt};
use crate::total::fen_total;

/// Where a challenge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Taking bids.
    Open,
    /// Awarded; teams at work.
    Awarded,
    /// Every team completed or failed, or nobody could be awarded (流榜).
    Closed,
}

/// Where a milestone stands for a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneStatus {
    /// Not started (an earlier milestone is running).
    Waiting,
    /// Running; its advance, if any, is paid.
    Started,
    /// Accepted and paid in full.
    Accepted,
    /// Failed: its advance clawed back.
    Failed,
    /// Never run because an earlier milestone failed.
    Cancelled,
}

/// One milestone of one team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneState {
    /// The milestone.
    pub id: Key,
    /// Its amount for this team.
    pub amount: Money,
    /// The advance paid when it starts.
    pub advance: Money,
    /// Paid so far for it.
    pub paid: Money,
    /// Clawed back from it.
    pub recovered: Money,
    /// Where it stands.
    pub status: MilestoneStatus,
    /// When it was accepted or failed.
    pub decided: Option<NaiveDate>,
    /// The acceptance note or the reason of failure.
    pub note: String,
}

/// Where a team stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamStatus {
    /// Working on a milestone.
    Active,
    /// Every milestone accepted.
    Completed,
    /// A milestone failed.
    Failed,
}

/// An awarded team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// The firm (a consortium's lead).
    pub firm: EnterpriseId,
    /// Its winning bid.
    pub bid: Key,
    /// The funding awarded (its bid's amount).
    pub award: Money,
    /// The panel's score.
    pub score: Decimal,
    /// Its milestones, in order.
    pub milestones: Vec<MilestoneState>,
    /// Where it stands.
    pub status: TeamStatus,
    /// Released back to the fund when it failed.
    pub released: Money,
}

impl Team {
    fn paid_fen(&self) -> i128 {
        fen_total(self.milestones.iter().map(|m| m.paid))
    }

    fn escrow_fen(&self) -> i128 {
        i128::from(self.award.fen()) - self.paid_fen() - i128::from(self.released.fen())
    }

    /// What is still in its escrow: award − paid − released (0 if the team's money is
    /// inconsistent, which [`Team::check`] reports).
    pub fn escrow(&self) -> Money {
        i64::try_from(self.escrow_fen())
            .ok()
            .and_then(Money::from_fen)
            .filter(|m| m.fen() >= 0)
            .unwrap_or(Money::ZERO)
    }

    /// Checks the team's money: amounts add up to the award; paid, recovered and released
    /// within bounds; escrow not negative.
    pub fn check(&self) -> std::result::Result<(), String> {
        let amounts = fen_total(self.milestones.iter().map(|m| m.amount));
        if amounts != i128::from(self.award.fen()) {
            return Err(format!(
                "milestone amounts {amounts} ≠ award {}",
                self.award.fen()
            ));
        }
        for m in &self.milestones {
            if m.paid.fen() > m.amount.fen() || m.recovered.fen() > m.paid.fen() {
                return Err(format!(
                    "milestone {}: paid or recovered out of bounds",
                    m.id
                ));
            }
        }
        let escrow = self.escrow_fen();
        if escrow < 0 {
            return Err(format!("escrow {escrow} below zero"));
        }
        if self.status != TeamStatus::Active && escrow != 0 {
            return Err(format!("team finished with {escrow} fen still in escrow"));
        }
        Ok(())
    }
}

/// One bid's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidEvaluation {
    /// The bid.
    pub bid: Key,
    /// Its firm.
    pub firm: EnterpriseId,
    /// Its amount.
    pub amount: Money,
    /// The panel's result (trimmed mean, valid, recused and trimmed members).
    pub panel: PanelScore,
    /// Its place (1 = best) by score, then lower amount, earlier submission, bid id.
    pub rank: u32,
    /// Whether it was awarded.
    pub awarded: bool,
    /// Why it was or was not.
    pub reason: String,
}

/// Money of a challenge, yuan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChallengeMoney {
    /// Moved into escrow at award.
    pub reserved: Money,
    /// Paid to firms (before claw-backs).
    pub paid: Money,
    /// Clawed back (owed by firms).
    pub recovered: Money,
    /// Returned to the fund.
    pub released: Money,
    /// Still in escrow.
    pub escrow: Money,
}

/// A task, its bids, its evaluation and its teams.
///
/// Serialises as its state, so a program office can keep it between steps; reading it back
/// checks the task and every money invariant again, so a damaged or edited record is refused
/// rather than paid from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ChallengeState")]
pub struct Challenge {
    task: ChallengeTask,
    bids: Vec<Bid>,
    status: Status,
    awarded_on: Option<NaiveDate>,
    evaluation: Vec<BidEvaluation>,
    teams: Vec<Team>,
}

/// A challenge as stored, checked on the way in.
#[derive(Deserialize)]
struct ChallengeState {
    task: ChallengeTask,
    bids: Vec<Bid>,
    status: Status,
    awarded_on: Option<NaiveDate>,
    evaluation: Vec<BidEvaluation>,
    teams: Vec<Team>,
}

impl TryFrom<ChallengeState> for Challenge {
    type Error = String;

    fn try_from(s: ChallengeState) -> std::result::Result<Self, String> {
        s.task.check().map_err(|e| {
            format!(
                "task '{}': {} = '{}': {}",
                s.task.id, e.field, e.value, e.reason
            )
        })?;
        let n = s.task.milestones.len();
        for t in &s.teams {
            if t.milestones.len() != n
                || t.milestones
                    .iter()
                    .zip(&s.task.milestones)
                    .any(|(a, b)| a.id != b.id)
            {
                return Err(format!(
                    "team {}: milestones differ from the task's",
                    t.firm
                ));
            }
        }
        if s.bids.len() > BIDS_MAX || s.bids.iter().any(|b| b.task != s.task.id) {
            return Err("bids: too many, or a bid of another task".into());
        }
        if (s.status == Status::Open) != s.awarded_on.is_none() {
            return Err(format!(
                "status {:?} does not match the award date",
                s.status
            ));
        }
        let c = Challenge {
            task: s.task,
            bids: s.bids,
            status: s.status,
            awarded_on: s.awarded_on,
            evaluation: s.evaluation,
            teams: s.teams,
        };
        c.check_invariants().map_err(|e| e.to_string())?;
        Ok(c)
    }
}

fn rid(task: &Key, firm: &EnterpriseId, step: &str) -> String {
    format!("challenge/{task}/{firm}/{step}")
}

/// A sum within one challenge: bounded by the budget when the invariants hold (they are
/// checked after every step and when a challenge is read back), so it cannot leave the money
/// range; it is clamped to it rather than wrapped if a caller built an inconsistent one.
fn money_sum(xs: impl Iterator<Item = Money>) -> Money {
    let fen = fen_total(xs).clamp(0, i128::from(registry_model::money::MONEY_FEN_MAX));
    Money::from_fen(fen as i64).unwrap_or(Money::ZERO)
}

impl Challenge {
    /// Posts a checked task (发榜).
    pub fn post(task: ChallengeTask) -> Result<Self> {
        task.check().map_err(|e| e.of("task", task.id.as_str()))?;
        Ok(Self {
            task,
            bids: Vec::new(),
            status: Status::Open,
            awarded_on: None,
            evaluation: Vec::new(),
            teams: Vec::new(),
        })
    }

    /// The task.
    pub fn task(&self) -> &ChallengeTask {
        &self.task
    }

    /// The bids, in the order received.
    pub fn bids(&self) -> &[Bid] {
        &self.bids
    }

    /// Where it stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The evaluation of every bid (after award), best first.
    pub fn evaluation(&self) -> &[BidEvaluation] {
        &self.evaluation
    }

    /// The awarded teams.
    pub fn teams(&self) -> &[Team] {
        &self.teams
    }

    fn state_error(&self, action: &str, reason: impl Into<String>) -> MarketError {
        MarketError::State {
            what: "task",
            id: self.task.id.to_string(),
            action: action.to_string(),
            reason: reason.into(),
        }
    }

    /// Takes a bid (揭榜). Refused: after the task closed to bids, on another task, a second
    /// bid of a firm or a bid id used twice, an amount above the budget, beyond
    /// [`BIDS_MAX`].
    pub fn bid(&mut self, bid: Bid) -> Result<()> {
        let action = format!("take bid '{}'", bid.id);
        if self.status != Status::Open {
            return Err(self.state_error(&action, "the task no longer takes bids"));
        }
        if bid.task != self.task.id {
            return Err(self.state_error(&action, format!("the bid is for task '{}'", bid.task)));
        }
        if bid.submitted > self.task.bids_close {
            return Err(self.state_error(
                &action,
                format!(
                    "submitted {} after bids closed on {}",
                    bid.submitted, self.task.bids_close
                ),
            ));
        }
        if let Some(b) = self
            .bids
            .iter()
            .find(|b| b.id == bid.id || b.firm == bid.firm)
        {
            return Err(self.state_error(
                &action,
                format!("bid '{}' of firm {} is already in", b.id, b.firm),
            ));
        }
        if bid.amount.fen() <= 0 || bid.amount > self.task.budget {
            return Err(self.state_error(
                &action,
                format!(
                    "amount {} yuan is outside (0, budget {}]",
                    bid.amount, self.task.budget
                ),
            ));
        }
        key::text("plan", &bid.plan, false).map_err(|e| e.of("bid", bid.id.as_str()))?;
        if self.bids.len() >= BIDS_MAX {
            return Err(MarketError::Limit {
                what: "bids on one task",
                value: self.bids.len() as u64 + 1,
                limit: BIDS_MAX as u64,
            });
        }
        self.bids.push(bid);
        Ok(())
    }

    /// Evaluates every bid with `panel` (registry-model's four-in-one panel: recusal for
    /// ties, trimmed mean) and awards the best: one winner, or the best `teams` that fit in
    /// the budget together (赛马制). Bids below the task's `score_min` are not awarded. Each
    /// team's award moves into escrow and its first advance is paid, in one ledger batch; a
    /// task nobody can take closes with no money moved (流榜).
    pub fn award(
        &mut self,
        panel: &Panel,
        scores: &[BidScore],
        date: NaiveDate,
        ledger: &mut dyn MarketLedger,
    ) -> Result<Vec<Receipt>> {
        let action = "award";
        if self.status != Status::Open {
            return Err(self.state_error(action, "the task was awarded already"));
        }
        if date <= self.task.bids_close {
            return Err(self.state_error(
                action,
                format!("{date} is not after bids close ({})", self.task.bids_close),
            ));
        }
        if let Some(s) = scores
            .iter()
            .find(|s| s.task != self.task.id || !self.bids.iter().any(|b| b.id == s.bid))
        {
            return Err(self.state_error(
                action,
                format!(
                    "a score is for bid '{}' of task '{}', not a bid of this task",
                    s.bid, s.task
                ),
            ));
        }
        let mut evals = Vec::with_capacity(self.bids.len());
        for b in &self.bids {
            let mine: Vec<(String, Decimal)> = scores
                .iter()
                .filter(|s| s.bid == b.id)
                .map(|s| (s.member.clone(), s.score))
                .collect();
            let panel_score = panel
                .score(&b.firm, &mine)
                .map_err(|e| MarketError::Panel {
                    task: self.task.id.to_string(),
                    reason: format!("bid '{}': {e}", b.id),
                })?;
            evals.push((b, panel_score));
        }
        evals.sort_by(|(a, sa), (b, sb)| {
            sb.score
                .cmp(&sa.score)
                .then(a.amount.cmp(&b.amount))
                .then(a.submitted.cmp(&b.submitted))
                .then(a.id.cmp(&b.id))
        });
        let seats = self.task.mode.teams();
        let mut committed = 0i64;
        let mut teams = Vec::new();
        let mut evaluation = Vec::with_capacity(evals.len());
        for (rank, (b, ps)) in evals.into_iter().enumerate() {
            let (awarded, reason) = if ps.score < self.task.score_min {
                (
                    false,
                    format!(
                        "score {} below the minimum {}",
                        ps.score, self.task.score_min
                    ),
                )
            } else if teams.len() as u32 >= seats {
                (false, format!("all {seats} place(s) taken by better bids"))
            } else if committed + b.amount.fen() > self.task.budget.fen() {
                (
                    false,
                    format!(
                        "{} yuan would take the awards past the budget of {} (committed {})",
                        b.amount,
                        self.task.budget,
                        Money::from_fen(committed).unwrap_or(Money::ZERO)
                    ),
                )
            } else {
                committed += b.amount.fen();
                teams.push(self.new_team(b, ps.score));
                (true, format!("place {} of {seats}", teams.len()))
            };
            evaluation.push(BidEvaluation {
                bid: b.id.clone(),
                firm: b.firm,
                amount: b.amount,
                panel: ps,
                rank: rank as u32 + 1,
                awarded,
                reason,
            });
        }
        let mut batch = Vec::new();
        for t in &teams {
            batch.push(self.request(
                &t.firm,
                "reserve",
                Movement::Reserve {
                    program: self.task.program.clone(),
                    task: self.task.id.clone(),
                    firm: t.firm,
                    amount: t.award,
                },
            )?);
            if let Some(first) = t.milestones.first()
                && first.advance.fen() > 0
            {
                batch.push(self.pay(t, first, "advance", first.advance)?);
            }
        }
        let receipts = ledger::submit_checked(ledger, &batch)?;
        for t in &mut teams {
            if let Some(first) = t.milestones.first_mut() {
                first.status = MilestoneStatus::Started;
                first.paid = first.advance;
            }
        }
        self.status = if teams.is_empty() {
            Status::Closed
        } else {
            Status::Awarded
        };
        self.awarded_on = Some(date);
        self.evaluation = evaluation;
        self.teams = teams;
        self.check_invariants()?;
        Ok(receipts)
    }

    fn new_team(&self, b: &Bid, score: Decimal) -> Team {
        let milestones = self
            .task
            .milestones
            .iter()
            .zip(self.task.amounts(b.amount))
            .map(|(m, (amount, advance))| MilestoneState {
                id: m.id.clone(),
                amount,
                advance,
                paid: Money::ZERO,
                recovered: Money::ZERO,
                status: MilestoneStatus::Waiting,
                decided: None,
                note: String::new(),
            })
            .collect();
        Team {
            firm: b.firm,
            bid: b.id.clone(),
            award: b.amount,
            score,
            milestones,
            status: TeamStatus::Active,
            released: Money::ZERO,
        }
    }

    fn request(
        &self,
        firm: &EnterpriseId,
        step: &str,
        movement: Movement,
    ) -> Result<LedgerRequest> {
        let id = rid(&self.task.id, firm, step);
        LedgerRequest::new(id.clone(), movement)
            .ok_or_else(|| MarketError::Invariant(format!("request '{id}' is malformed")))
    }

    fn pay(
        &self,
        t: &Team,
        m: &MilestoneState,
        what: &str,
        amount: Money,
    ) -> Result<LedgerRequest> {
        self.request(
            &t.firm,
            &format!("{}/{what}", m.id),
            Movement::Pay {
                program: self.task.program.clone(),
                task: self.task.id.clone(),
                firm: t.firm,
                milestone: m.id.clone(),
                amount,
            },
        )
    }

    /// The team of `firm` and the position of its running milestone, checked against
    /// `milestone`.
    fn running(
        &self,
        action: &str,
        firm: &EnterpriseId,
        milestone: &Key,
    ) -> Result<(usize, usize)> {
        if self.status != Status::Awarded {
            return Err(self.state_error(action, "the task is not running"));
        }
        let Some(ti) = self.teams.iter().position(|t| t.firm == *firm) else {
            return Err(self.state_error(action, format!("firm {firm} has no team on this task")));
        };
        let t = &self.teams[ti];
        if t.status != TeamStatus::Active {
            return Err(self.state_error(action, format!("the team of {firm} is {:?}", t.status)));
        }
        let Some(mi) = t
            .milestones
            .iter()
            .position(|m| m.status == MilestoneStatus::Started)
        else {
            return Err(MarketError::Invariant(format!(
                "active team of {firm} has no running milestone"
            )));
        };
        if t.milestones[mi].id != *milestone {
            return Err(self.state_error(
                action,
                format!(
                    "the running milestone of {firm} is '{}', not '{milestone}'",
                    t.milestones[mi].id
                ),
            ));
        }
        Ok((ti, mi))
    }

    /// What accepting or failing a milestone first checks: the team of `firm` runs
    /// `milestone`, the date is not before the award, and the note (field, text, required)
    /// is valid text. Returns the team's and milestone's positions and the note.
    fn decision(
        &self,
        verb: &str,
        firm: &EnterpriseId,
        milestone: &Key,
        date: NaiveDate,
        (field, text, required): (&str, &str, bool),
    ) -> Result<(usize, usize, String)> {
        let action = format!("{verb} milestone '{milestone}'");
        let (ti, mi) = self.running(&action, firm, milestone)?;
        self.check_date(&action, date)?;
        let text =
            key::text(field, text, required).map_err(|e| e.of("milestone", milestone.as_str()))?;
        Ok((ti, mi, text))
    }

    /// Accepts `firm`'s running milestone: pays the rest of its amount and the next
    /// milestone's advance in one batch; the next milestone starts, or the team completes.
    pub fn accept(
        &mut self,
        firm: &EnterpriseId,
        milestone: &Key,
        date: NaiveDate,
        note: &str,
        ledger: &mut dyn MarketLedger,
    ) -> Result<Vec<Receipt>> {
        let (ti, mi, note) =
            self.decision("accept", firm, milestone, date, ("note", note, false))?;
        let t = &self.teams[ti];
        let m = &t.milestones[mi];
        let mut batch = Vec::new();
        let rest = Money::from_fen(m.amount.fen() - m.paid.fen()).unwrap_or(Money::ZERO);
        if rest.fen() > 0 {
            batch.push(self.pay(t, m, "pay", rest)?);
        }
        if let Some(next) = t.milestones.get(mi + 1)
            && next.advance.fen() > 0
        {
            batch.push(self.pay(t, next, "advance", next.advance)?);
        }
        let receipts = ledger::submit_checked(ledger, &batch)?;
        let t = &mut self.teams[ti];
        t.milestones[mi].paid = t.milestones[mi].amount;
        t.milestones[mi].status = MilestoneStatus::Accepted;
        t.milestones[mi].decided = Some(date);
        t.milestones[mi].note = note;
        match t.milestones.get_mut(mi + 1) {
            Some(next) => {
                next.status = MilestoneStatus::Started;
                next.paid = next.advance;
            }
            None => t.status = TeamStatus::Completed,
        }
        self.close_if_done();
        self.check_invariants()?;
        Ok(receipts)
    }

    /// Fails `firm`'s running milestone: claws back what was paid for it and releases the
    /// team's escrow to the fund, in one batch; later milestones are cancelled and the team
    /// is out (in a race, the other teams go on).
    pub fn fail(
        &mut self,
        firm: &EnterpriseId,
        milestone: &Key,
        date: NaiveDate,
        reason: &str,
        ledger: &mut dyn MarketLedger,
    ) -> Result<Vec<Receipt>> {
        let (ti, mi, reason) =
            self.decision("fail", firm, milestone, date, ("reason", reason, true))?;
        let t = &self.teams[ti];
        let m = &t.milestones[mi];
        let mut batch = Vec::new();
        if m.paid.fen() > 0 {
            batch.push(self.request(
                &t.firm,
                &format!("{}/recover", m.id),
                Movement::Recover {
                    program: self.task.program.clone(),
                    task: self.task.id.clone(),
                    firm: t.firm,
                    milestone: m.id.clone(),
                    amount: m.paid,
                },
            )?);
        }
        let escrow = t.escrow();
        if escrow.fen() > 0 {
            batch.push(self.request(
                &t.firm,
                "release",
                Movement::Release {
                    program: self.task.program.clone(),
                    task: self.task.id.clone(),
                    firm: t.firm,
                    amount: escrow,
                },
            )?);
        }
        let receipts = ledger::submit_checked(ledger, &batch)?;
        let t = &mut self.teams[ti];
        t.milestones[mi].recovered = t.milestones[mi].paid;
        t.milestones[mi].status = MilestoneStatus::Failed;
        t.milestones[mi].decided = Some(date);
        t.milestones[mi].note = reason;
        for later in t.milestones.iter_mut().skip(mi + 1) {
            later.status = MilestoneStatus::Cancelled;
        }
        t.released = escrow;
        t.status = TeamStatus::Failed;
        self.close_if_done();
        self.check_invariants()?;
        Ok(receipts)
    }

    fn check_date(&self, action: &str, date: NaiveDate) -> Result<()> {
        match self.awarded_on {
            Some(a) if date < a => {
                Err(self.state_error(action, format!("{date} is before the award ({a})")))
            }
            _ => Ok(()),
        }
    }

    fn close_if_done(&mut self) {
        if self.teams.iter().all(|t| t.status != TeamStatus::Active) {
            self.status = Status::Closed;
        }
    }

    /// The challenge's money.
    pub fn money(&self) -> ChallengeMoney {
        ChallengeMoney {
            reserved: money_sum(self.teams.iter().map(|t| t.award)),
            paid: money_sum(
                self.teams
                    .iter()
                    .flat_map(|t| t.milestones.iter().map(|m| m.paid)),
            ),
            recovered: money_sum(
                self.teams
                    .iter()
                    .flat_map(|t| t.milestones.iter().map(|m| m.recovered)),
            ),
            released: money_sum(self.teams.iter().map(|t| t.released)),
            escrow: money_sum(self.teams.iter().map(Team::escrow)),
        }
    }

    /// Checks the challenge: every team's money, and the awards within the budget.
    pub fn check_invariants(&self) -> Result<()> {
        for t in &self.teams {
            t.check().map_err(|e| {
                MarketError::Invariant(format!("task {} team {}: {e}", self.task.id, t.firm))
            })?;
        }
        let m = self.money();
        if m.reserved > self.task.budget {
            return Err(MarketError::Invariant(format!(
                "task {}: awards {} exceed the budget {}",
                self.task.id, m.reserved, self.task.budget
            )));
        }
        if self.task.mode == Mode::Single && self.teams.len() > 1 {
            return Err(MarketError::Invariant(format!(
                "task {}: several winners of a single task",
                self.task.id
            )));
        }
        Ok(())
    }
}
