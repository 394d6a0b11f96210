//! Challenge programs (揭榜挂帅 / 赛马制): a program of kind `challenge` pays key technology
//! tasks milestone by milestone. Its money moves by four steps of a team (a task and the firm
//! that won it, or one of the racing firms), each a request ([`Command::Challenge`]):
//!
//! | step | transfer | refused when |
//! |---|---|---|
//! | reserve | `P/Y/budget` → `P/Y/escrow/TASK/FIRM` (the year's budget funded from `P/fund` at its first use) | the team was reserved before, the date is outside the program's validity, the award is above `cap_per_firm_yuan` or the year's budget |
//! | pay | escrow → `P/Y/award/TASK/FIRM` | the escrow holds less |
//! | release | escrow → budget | the escrow holds less |
//! | recover | `P/Y/receivable/FIRM` → budget (the firm owes it, as a clawback) | beyond what the task paid the firm net of recoveries |
//!
//! `Y` is the year of the reservation: a team's escrow, award and release stay in the year
//! its award was reserved, however long its milestones run. The book keeps each team's sums
//! ([`ChallengeTeam`]) and `check_invariants` checks them against the accounts: escrow =
//! reserved − paid − released, award = paid, recovered ≤ paid, and each receivable equals the
//! recoveries of its firm's teams.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use registry_model::{EnterpriseId, Year};
use serde::{Deserialize, Serialize};

use crate::core::{AccountFlags, Transfer};
use crate::error::{LedgerError, Result};
use crate::journal::Journal;
use crate::money::{fen_to_yuan, yuan_to_fen};
use crate::program::VoucherKind;

use super::VoucherBook;
use super::chart::{account_code, account_id, names, transfer_code, transfer_id};
use super::plan::{Effect, Plan};
use super::request::{Command, Reply};
use super::state::AccountMeta;

/// The longest task or milestone id, in bytes (they are parts of account names).
pub const CHALLENGE_ID_LEN_MAX: usize = 64;

/// A team of a challenge program: (program, task, firm).
pub type TeamKey = (String, String, EnterpriseId);

/// What a challenge request does to a team.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ChallengeStep {
    /// Reserves the team's award from the year's budget into its escrow.
    Reserve,
    /// Pays the team from its escrow for a milestone (or its advance).
    Pay {
        /// The milestone.
        milestone: String,
    },
    /// Returns what is left in the escrow to the budget.
    Release,
    /// Claws back what was paid for a failed milestone: the firm owes it.
    Recover {
        /// The milestone.
        milestone: String,
    },
}

impl ChallengeStep {
    /// Its short name.
    pub fn key(&self) -> &'static str {
        match self {
            ChallengeStep::Reserve => "reserve",
            ChallengeStep::Pay { .. } => "pay",
            ChallengeStep::Release => "release",
            ChallengeStep::Recover { .. } => "recover",
        }
    }
}

/// One team's sums in a challenge program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeTeam {
    /// The year its award was reserved in (the year of its accounts).
    pub year: Year,
    /// Reserved into escrow.
    pub reserved_fen: u64,
    /// Paid for milestones.
    pub paid_fen: u64,
    /// Returned to the budget.
    pub released_fen: u64,
    /// Clawed back (owed by the firm).
    pub recovered_fen: u64,
}

impl ChallengeTeam {
    /// What is left in escrow.
    pub fn escrow_fen(&self) -> u64 {
        self.reserved_fen
            .saturating_sub(self.paid_fen)
            .saturating_sub(self.released_fen)
    }
}

/// What a challenge request did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeReceipt {
    /// The program.
    pub program: String,
    /// The task.
    pub task: String,
    /// The team's firm.
    pub firm: EnterpriseId,
    /// The step.
    pub step: ChallengeStep,
    /// The amount moved.
    pub amount_fen: u64,
    /// The year of the team's accounts.
    pub year: Year,
    /// The team's sums after the step.
    pub team: ChallengeTeam,
    /// The transfers, in order.
    pub transfer_ids: Vec<u64>,
}

fn check_part(request_id: &str, field: &str, value: &str) -> Result<()> {
    if value.is_empty()
        || value.len() > CHALLENGE_ID_LEN_MAX
        || value
            .chars()
            .any(|c| c.is_control() || c == '/' || c.is_whitespace())
    {
        return Err(LedgerError::InvalidRequest {
            request_id: request_id.to_string(),
            field: field.to_string(),
            value: value.chars().take(80).collect(),
            reason: "must be 1–64 bytes without '/', white space or control characters".into(),
        });
    }
    Ok(())
}

impl<J: Journal> VoucherBook<J> {
    /// Runs one challenge step of a team: `amount_fen` moved as the step says (see the module
    /// documentation), dated by the ledger clock.
    pub fn challenge(
        &mut self,
        request_id: &str,
        program: &str,
        task: &str,
        firm: &EnterpriseId,
        step: ChallengeStep,
        amount_fen: u64,
    ) -> Result<ChallengeReceipt> {
        let command = Command::Challenge {
            program: program.to_string(),
            task: task.to_string(),
            firm: *firm,
            step,
            amount_fen,
        };
        match self.execute(request_id, command)? {
            Reply::Challenge(r) => Ok(r),
            other => Err(LedgerError::Invariant {
                detail: format!("a challenge step replied {other:?}"),
            }),
        }
    }

    /// A team's sums, if its award was reserved.
    pub fn challenge_team(
        &self,
        program: &str,
        task: &str,
        firm: &EnterpriseId,
    ) -> Option<&ChallengeTeam> {
        self.teams
            .get(&(program.to_string(), task.to_string(), *firm))
    }

    /// Every team of every challenge program, by (program, task, firm).
    pub fn challenge_teams(&self) -> &BTreeMap<TeamKey, ChallengeTeam> {
        &self.teams
    }

    /// Refuses a grant, redemption or hold on a challenge program: its money moves only by
    /// challenge steps.
    pub(super) fn refuse_challenge_program(&self, program: &str, action: &str) -> Result<()> {
        match self.programs.get(program) {
            Some(s) if s.program.kind == VoucherKind::Challenge => Err(LedgerError::NothingToDo {
                what: format!(
                    "program '{program}' is a challenge program: its money moves by challenge steps, not by {action}"
                ),
            }),
            _ => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn plan_challenge(
        &self,
        request_id: &str,
        plan: &mut Plan,
        program: &str,
        task: &str,
        firm: &EnterpriseId,
        step: &ChallengeStep,
        amount_fen: u64,
        date: NaiveDate,
    ) -> Result<()> {
        let s = self.program_state(program)?;
        let p = &s.program;
        if p.kind != VoucherKind::Challenge {
            return Err(LedgerError::NothingToDo {
                what: format!(
                    "program '{program}' is a {} program, not a challenge program",
                    p.kind.key()
                ),
            });
        }
        check_part(request_id, "task", task)?;
        if let ChallengeStep::Pay { milestone } | ChallengeStep::Recover { milestone } = step {
            check_part(request_id, "milestone", milestone)?;
        }
        if amount_fen == 0 {
            return Err(LedgerError::InvalidAmount {
                field: format!("challenge {} amount", step.key()),
                value: "0".into(),
                reason: "must be positive",
            });
        }
        let key: TeamKey = (program.to_string(), task.to_string(), *firm);
        let ledger = p.ledger();
        let meta = |year: Year| AccountMeta {
            program: Some(p.id.clone()),
            year: Some(year),
            firm: Some(*firm),
            provider: None,
        };
        let refuse = |what: String| Err(LedgerError::NothingToDo { what });
        let mut team = self.teams.get(&key).cloned();
        let mut leg = 0usize;
        let mut push = |plan: &mut Plan, from: u64, to: u64, amount: u64, code: u16| {
            let t = Transfer::new(transfer_id(request_id, leg), from, to, amount, ledger, code);
            leg += 1;
            plan.transfers.push(t);
        };
        match step {
            ChallengeStep::Reserve => {
                if team.is_some() {
                    return refuse(format!(
                        "program '{program}': the award of {firm} on task '{task}' was reserved before"
                    ));
                }
                if !p.is_open_on(date) {
                    return Err(LedgerError::OutsideValidity {
                        program: p.id.clone(),
                        what: "reserve",
                        date,
                        from: p.validity.from,
                        until: p.validity.until,
                    });
                }
                let year = date.year();
                let cap = yuan_to_fen(p.cap_per_firm_yuan, "cap_per_firm_yuan")?;
                if amount_fen > cap {
                    return refuse(format!(
                        "program '{program}': an award of {} yuan to {firm} on task '{task}' is above the cap of {} yuan per team",
                        fen_to_yuan(amount_fen),
                        fen_to_yuan(cap)
                    ));
                }
                let fund = self.need_account(
                    plan,
                    names::fund(&p.id),
                    ledger,
                    account_code::FUND,
                    AccountFlags::NONE,
                    AccountMeta {
                        program: Some(p.id.clone()),
                        ..AccountMeta::default()
                    },
                );
                let budget_name = names::budget(&p.id, year);
                let budget = account_id(&budget_name);
                let budget_meta = AccountMeta {
                    firm: None,
                    ..meta(year)
                };
                let over_budget = |left: u64| {
                    refuse(format!(
                        "program '{program}': an award of {} yuan to {firm} on task '{task}' is above the {} yuan left in the {year} budget",
                        fen_to_yuan(amount_fen),
                        fen_to_yuan(left)
                    ))
                };
                match (p.annual_budget_yuan, self.ledger.account(budget)) {
                    (Some(_), Some(a)) if a.available_fen() < amount_fen => {
                        return over_budget(a.available_fen());
                    }
                    (Some(b), None) => {
                        let budget_fen = yuan_to_fen(b, "annual_budget_yuan")?;
                        if budget_fen < amount_fen {
                            return over_budget(budget_fen);
                        }
                        self.need_account(
                            plan,
                            budget_name,
                            ledger,
                            account_code::BUDGET,
                            AccountFlags::DEBITS_LIMITED,
                            budget_meta,
                        );
                        push(plan, fund, budget, budget_fen, transfer_code::FUNDING);
                    }
                    (None, None) => {
                        self.need_account(
                            plan,
                            budget_name,
                            ledger,
                            account_code::BUDGET,
                            AccountFlags::NONE,
                            budget_meta,
                        );
                    }
                    _ => {}
                }
                let escrow = self.need_account(
                    plan,
                    names::escrow(&p.id, year, task, firm),
                    ledger,
                    account_code::ESCROW,
                    AccountFlags::DEBITS_LIMITED,
                    meta(year),
                );
                push(plan, budget, escrow, amount_fen, transfer_code::RESERVE);
                team = Some(ChallengeTeam {
                    year,
                    reserved_fen: amount_fen,
                    ..ChallengeTeam::default()
                });
            }
            ChallengeStep::Pay { .. } | ChallengeStep::Release | ChallengeStep::Recover { .. } => {
                let Some(t) = team.as_mut() else {
                    return refuse(format!(
                        "program '{program}': no award of {firm} on task '{task}' was reserved"
                    ));
                };
                let year = t.year;
                let escrow = account_id(&names::escrow(&p.id, year, task, firm));
                let budget = account_id(&names::budget(&p.id, year));
                let short = |what: &str, have: u64| {
                    refuse(format!(
                        "program '{program}' task '{task}' firm {firm}: {} of {} yuan asked, {what} holds {} yuan",
                        step.key(),
                        fen_to_yuan(amount_fen),
                        fen_to_yuan(have)
                    ))
                };
                match step {
                    ChallengeStep::Pay { .. } => {
                        if amount_fen > t.escrow_fen() {
                            return short("the escrow", t.escrow_fen());
                        }
                        let award = self.need_account(
                            plan,
                            names::award(&p.id, year, task, firm),
                            ledger,
                            account_code::AWARD,
                            AccountFlags::NONE,
                            meta(year),
                        );
                        push(plan, escrow, award, amount_fen, transfer_code::MILESTONE);
                        t.paid_fen += amount_fen;
                    }
                    ChallengeStep::Release => {
                        if amount_fen > t.escrow_fen() {
                            return short("the escrow", t.escrow_fen());
                        }
                        push(
                            plan,
                            escrow,
                            budget,
                            amount_fen,
                            transfer_code::RELEASE_ESCROW,
                        );
                        t.released_fen += amount_fen;
                    }
                    _ => {
                        let net = t.paid_fen.saturating_sub(t.recovered_fen);
                        if amount_fen > net {
                            return short("what the task paid net of recoveries", net);
                        }
                        let recv = self.need_account(
                            plan,
                            names::receivable(&p.id, year, firm),
                            ledger,
                            account_code::RECEIVABLE,
                            AccountFlags::CREDITS_LIMITED,
                            meta(year),
                        );
                        push(plan, recv, budget, amount_fen, transfer_code::RECOVER);
                        t.recovered_fen += amount_fen;
                    }
                }
            }
        }
        let team = team.unwrap_or_default();
        let transfer_ids = plan.transfers.iter().map(|t| t.id).collect();
        plan.effects.push(Effect::Team(key, team.clone()));
        plan.reply = Some(Reply::Challenge(ChallengeReceipt {
            program: program.to_string(),
            task: task.to_string(),
            firm: *firm,
            step: step.clone(),
            amount_fen,
            year: team.year,
            team,
            transfer_ids,
        }));
        Ok(())
    }

    /// Checks every team against its accounts (see the module documentation).
    pub(super) fn check_challenges(&self) -> Result<()> {
        let bad = |detail: String| Err(LedgerError::Invariant { detail });
        let balance = |name: String| {
            self.ledger
                .account(account_id(&name))
                .map_or(0, |a| a.credit_balance_fen())
        };
        let mut owed: BTreeMap<(String, Year, EnterpriseId), i128> = BTreeMap::new();
        for ((p, task, f), t) in &self.teams {
            let y = t.year;
            let escrow = balance(names::escrow(p, y, task, f));
            let award = balance(names::award(p, y, task, f));
            if t.paid_fen + t.released_fen > t.reserved_fen
                || t.recovered_fen > t.paid_fen
                || escrow != i128::from(t.escrow_fen())
                || award != i128::from(t.paid_fen)
            {
                return bad(format!(
                    "challenge '{p}' task '{task}' firm {f}: escrow {escrow} and award {award} fen do not match reserved {} − paid {} − released {} (recovered {})",
                    t.reserved_fen, t.paid_fen, t.released_fen, t.recovered_fen
                ));
            }
            *owed.entry((p.clone(), y, *f)).or_default() += i128::from(t.recovered_fen);
        }
        for ((p, y, f), sum) in owed {
            let recv = -balance(names::receivable(&p, y, &f));
            if recv != sum {
                return bad(format!(
                    "challenge '{p}' {y} firm {f}: receivable {recv} fen ≠ recoveries {sum} fen"
                ));
            }
        }
        Ok(())
    }
}
