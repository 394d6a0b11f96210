//! Planning: what a request would do, worked out against the current state without changing
//! it (accounts to open, transfers, effects on the program state, the reply). This file holds
//! the dispatch and the plans of grants, expiry and clawback; redemptions are in `redeem.rs`.

use chrono::{Datelike, NaiveDate};
use registry_model::{EnterpriseId, Tier, Year};

use crate::clock::date_of;
use crate::core::{AccountFlags, BATCH_MAX, NewAccount, Transfer};
use crate::error::{LedgerError, Result};
use crate::journal::Journal;
use crate::money::yuan_to_fen;
use crate::program::{Firm, Program, Provider, Rating, RuleContext, standard_rules};

use super::VoucherBook;
use super::chart::{account_code, account_id, names, transfer_code, transfer_id};
use super::request::{ClawbackReceipt, Command, ExpireReceipt, GrantReceipt, Reply};
use super::state::{AccountMeta, Contract, FirmYear, ProgramState};

/// Changes to the program state, applied only after ledger and journal succeeded.
#[derive(Debug, Clone)]
pub(super) enum Effect {
    Program(Box<Program>),
    Provider(String, Provider),
    Related(EnterpriseId, String),
    FirmYear {
        program: String,
        year: Year,
        firm: EnterpriseId,
        f: FirmYearDelta,
    },
    Contract(Box<Contract>),
    ContractSettled(String),
    ContractReleased(String),
}

#[derive(Debug, Clone, Default)]
pub(super) struct FirmYearDelta {
    pub(super) granted_fen: u64,
    pub(super) redeemed_fen: u64,
    pub(super) expired_fen: u64,
    pub(super) clawed_back_unused_fen: u64,
    pub(super) clawed_back_redeemed_fen: u64,
    pub(super) tier: Option<Option<Tier>>,
    pub(super) rating: Option<Rating>,
    pub(super) clawed_back: bool,
}

#[derive(Debug, Default)]
pub(super) struct Plan {
    pub(super) accounts: Vec<(NewAccount, AccountMeta)>,
    pub(super) transfers: Vec<Transfer>,
    pub(super) closes: Vec<u64>,
    pub(super) close_period: Option<NaiveDate>,
    pub(super) effects: Vec<Effect>,
    pub(super) reply: Option<Reply>,
}

impl Plan {
    pub(super) fn has_account(&self, id: u64) -> bool {
        self.accounts.iter().any(|(a, _)| a.id == id)
    }
}

impl<J: Journal> VoucherBook<J> {
    // ---- planning (pure: reads state, changes nothing) -------------------------------------

    pub(super) fn program_state(&self, id: &str) -> Result<&ProgramState> {
        self.programs
            .get(id)
            .ok_or_else(|| LedgerError::ProgramNotFound {
                program: id.to_string(),
            })
    }

    pub(super) fn plan(&self, request_id: &str, command: &Command, now: i64) -> Result<Plan> {
        let date = date_of(now);
        let mut plan = Plan::default();
        match command {
            Command::AddProgram { program } => {
                program.validate()?;
                if let Some(old) = self.programs.get(&program.id) {
                    if old.program != *program {
                        return Err(LedgerError::ProgramExists {
                            program: program.id.clone(),
                        });
                    }
                } else {
                    // The fund account opens with the first grant: adding a program moves no
                    // money and leaves the ledger clock where it is.
                    plan.effects
                        .push(Effect::Program(Box::new(program.clone())));
                }
                plan.reply = Some(Reply::ProgramAdded {
                    program: program.id.clone(),
                });
            }
            Command::AddProvider { program, provider } => {
                let s = self.program_state(program)?;
                provider.validate(program)?;
                if let Some(old) = s.extra_providers.get(&provider.id) {
                    if old != provider {
                        return Err(LedgerError::ProgramInvalid {
                            program: program.clone(),
                            field: "provider".into(),
                            value: provider.id.clone(),
                            reason: "approved already with different details".into(),
                        });
                    }
                }
                if s.extra_providers.len() >= crate::program::PROVIDERS_MAX {
                    return Err(LedgerError::ProgramInvalid {
                        program: program.clone(),
                        field: "providers".into(),
                        value: s.extra_providers.len().to_string(),
                        reason: "too many providers".into(),
                    });
                }
                plan.effects
                    .push(Effect::Provider(program.clone(), provider.clone()));
                plan.reply = Some(Reply::ProviderAdded {
                    program: program.clone(),
                    provider: provider.id.clone(),
                });
            }
            Command::DeclareRelated { firm, provider } => {
                if provider.is_empty() || provider.len() > 64 {
                    return Err(LedgerError::ProgramInvalid {
                        program: "-".into(),
                        field: "provider".into(),
                        value: provider.clone(),
                        reason: "must be 1–64 characters".into(),
                    });
                }
                plan.effects.push(Effect::Related(*firm, provider.clone()));
                plan.reply = Some(Reply::RelatedDeclared {
                    firm: *firm,
                    provider: provider.clone(),
                });
            }
            Command::Grant {
                program,
                firm,
                amount_fen,
            } => self.plan_grant(request_id, &mut plan, program, firm, *amount_fen, date)?,
            Command::Redeem {
                program,
                firm,
                provider,
                contract_id,
                contract_amount_fen,
            } => self.plan_redeem(
                request_id,
                &mut plan,
                program,
                firm,
                provider,
                contract_id,
                *contract_amount_fen,
                now,
                None,
            )?,
            Command::Hold {
                program,
                firm,
                provider,
                contract_id,
                contract_amount_fen,
                timeout_s,
            } => self.plan_redeem(
                request_id,
                &mut plan,
                program,
                firm,
                provider,
                contract_id,
                *contract_amount_fen,
                now,
                Some(*timeout_s),
            )?,
            Command::Settle { contract_id } => {
                self.plan_resolve(request_id, &mut plan, contract_id, now, true)?
            }
            Command::Release { contract_id } => {
                self.plan_resolve(request_id, &mut plan, contract_id, now, false)?
            }
            Command::Expire { as_of } => self.plan_expire(request_id, &mut plan, *as_of, date)?,
            Command::Clawback {
                program,
                firm,
                year,
                reason,
            } => {
                let r = self.plan_clawback(request_id, &mut plan, program, firm, *year, reason)?;
                plan.reply = Some(Reply::ClawedBack(r));
            }
            Command::Rate {
                program,
                firm,
                year,
                rating,
            } => {
                let s = self.program_state(program)?;
                let fy = s
                    .firms
                    .get(&(*year, *firm))
                    .ok_or_else(|| LedgerError::NothingToDo {
                        what: format!(
                            "program '{program}': firm {firm} has no vouchers in {year} to rate"
                        ),
                    })?;
                if let Some(old) = fy.rating {
                    if old != *rating {
                        return Err(LedgerError::NothingToDo {
                            what: format!(
                                "program '{program}': firm {firm} was already rated {old:?} for {year}"
                            ),
                        });
                    }
                }
                let clawback = if *rating == Rating::Failing
                    && s.program.clawback.on_failing_rating
                    && !fy.clawed_back
                {
                    Some(self.plan_clawback(
                        request_id,
                        &mut plan,
                        program,
                        firm,
                        *year,
                        "rated failing",
                    )?)
                } else {
                    None
                };
                plan.effects.push(Effect::FirmYear {
                    program: program.clone(),
                    year: *year,
                    firm: *firm,
                    f: FirmYearDelta {
                        rating: Some(*rating),
                        ..FirmYearDelta::default()
                    },
                });
                plan.reply = Some(Reply::Rated {
                    program: program.clone(),
                    firm: *firm,
                    year: *year,
                    rating: *rating,
                    clawback,
                });
            }
            Command::CreateAccounts { accounts } => {
                if accounts.is_empty() {
                    return Err(LedgerError::EmptyBatch {
                        what: "accounts",
                        request_id: request_id.to_string(),
                    });
                }
                if accounts.len() > BATCH_MAX {
                    return Err(LedgerError::BatchTooLarge {
                        what: "accounts",
                        len: accounts.len(),
                        max: BATCH_MAX,
                    });
                }
                for a in accounts {
                    plan.accounts.push((a.clone(), AccountMeta::default()));
                }
                plan.reply = Some(Reply::AccountsCreated {
                    count: u32::try_from(accounts.len()).unwrap_or(u32::MAX),
                });
            }
            Command::CreateTransfers { transfers, .. } => {
                if transfers.is_empty() {
                    return Err(LedgerError::EmptyBatch {
                        what: "transfers",
                        request_id: request_id.to_string(),
                    });
                }
                plan.transfers = transfers.clone();
                plan.reply = Some(Reply::TransfersCreated {
                    count: u32::try_from(transfers.len()).unwrap_or(u32::MAX),
                });
            }
            Command::CloseAccount { account_id } => {
                plan.closes.push(*account_id);
                plan.reply = Some(Reply::AccountClosed {
                    account_id: *account_id,
                });
            }
            Command::ClosePeriod { through } => {
                plan.close_period = Some(*through);
                plan.reply = Some(Reply::PeriodClosed { through: *through });
            }
        }
        Ok(plan)
    }

    pub(super) fn need_account(
        &self,
        plan: &mut Plan,
        name: String,
        ledger: u32,
        code: u16,
        flags: AccountFlags,
        meta: AccountMeta,
    ) -> u64 {
        let id = account_id(&name);
        if self.ledger.account(id).is_none() && !plan.has_account(id) {
            plan.accounts.push((
                NewAccount {
                    id,
                    ledger,
                    code,
                    flags,
                    name,
                },
                meta,
            ));
        }
        id
    }

    pub(super) fn cap_fen(p: &Program, fy: Option<&FirmYear>) -> Result<u64> {
        let mut cap = yuan_to_fen(p.cap_per_firm_yuan, "cap_per_firm_yuan")?;
        if fy.and_then(|f| f.rating) == Some(Rating::Excellent) {
            if let Some(b) = p.cap_bonus_excellent_yuan {
                cap = cap.saturating_add(yuan_to_fen(b, "cap_bonus_excellent_yuan")?);
            }
        }
        Ok(cap)
    }

    pub(super) fn plan_grant(
        &self,
        request_id: &str,
        plan: &mut Plan,
        program: &str,
        firm: &Firm,
        amount_fen: u64,
        date: NaiveDate,
    ) -> Result<()> {
        let s = self.program_state(program)?;
        let p = &s.program;
        if amount_fen == 0 {
            return Err(LedgerError::InvalidAmount {
                field: "grant amount".into(),
                value: "0".into(),
                reason: "must be positive",
            });
        }
        let ctx = RuleContext {
            action: "grant",
            date,
            firm,
            provider: None,
            related: false,
        };
        for rule in standard_rules() {
            rule.check(p, &ctx)?;
        }
        let year = date.year();
        let fy = s.firms.get(&(year, firm.id));
        if fy.is_some_and(|f| f.clawed_back) {
            return Err(LedgerError::Ineligible {
                program: p.id.clone(),
                firm: firm.id.to_string(),
                reason: format!("its {year} vouchers were clawed back"),
            });
        }
        let cap = Self::cap_fen(p, fy)?;
        let granted = fy.map(|f| f.granted_fen).unwrap_or(0);
        if granted.saturating_add(amount_fen) > cap {
            return Err(LedgerError::CapExceeded {
                program: p.id.clone(),
                firm: firm.id.to_string(),
                year,
                cap_fen: cap,
                granted_fen: granted,
                requested_fen: amount_fen,
            });
        }
        let ledger = p.ledger();
        let pm = || AccountMeta {
            program: Some(p.id.clone()),
            year: Some(year),
            ..AccountMeta::default()
        };
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
        let budget_flags = if p.annual_budget_yuan.is_some() {
            AccountFlags::DEBITS_LIMITED
        } else {
            AccountFlags::NONE
        };
        let budget_name = names::budget(&p.id, year);
        let budget = account_id(&budget_name);
        let mut leg = 0;
        if let Some(b) = p.annual_budget_yuan {
            let budget_fen = yuan_to_fen(b, "annual_budget_yuan")?;
            let available = match self.ledger.account(budget) {
                Some(a) => a.available_fen(),
                None => {
                    self.need_account(
                        plan,
                        budget_name.clone(),
                        ledger,
                        account_code::BUDGET,
                        budget_flags,
                        pm(),
                    );
                    let mut t = Transfer::new(
                        transfer_id(request_id, leg),
                        fund,
                        budget,
                        budget_fen,
                        ledger,
                        transfer_code::FUNDING,
                    );
                    t.user_data = u64::try_from(year).unwrap_or(0);
                    leg += 1;
                    plan.transfers.push(t);
                    budget_fen
                }
            };
            if amount_fen > available {
                return Err(LedgerError::BudgetExceeded {
                    program: p.id.clone(),
                    year,
                    remaining_fen: available,
                    requested_fen: amount_fen,
                });
            }
        } else {
            self.need_account(
                plan,
                budget_name,
                ledger,
                account_code::BUDGET,
                budget_flags,
                pm(),
            );
        }
        let voucher = self.need_account(
            plan,
            names::voucher(&p.id, year, &firm.id),
            ledger,
            account_code::VOUCHER,
            AccountFlags::DEBITS_LIMITED,
            AccountMeta {
                firm: Some(firm.id),
                ..pm()
            },
        );
        let tid = transfer_id(request_id, leg);
        plan.transfers.push(Transfer::new(
            tid,
            budget,
            voucher,
            amount_fen,
            ledger,
            transfer_code::GRANT,
        ));
        plan.effects.push(Effect::FirmYear {
            program: p.id.clone(),
            year,
            firm: firm.id,
            f: FirmYearDelta {
                granted_fen: amount_fen,
                tier: Some(firm.tier),
                ..FirmYearDelta::default()
            },
        });
        plan.reply = Some(Reply::Granted(GrantReceipt {
            program: p.id.clone(),
            firm: firm.id,
            year,
            amount_fen,
            granted_year_fen: granted + amount_fen,
            cap_fen: cap,
            expires_on: p.expires_on(year),
            transfer_id: tid,
        }));
        Ok(())
    }

    pub(super) fn plan_expire(
        &self,
        request_id: &str,
        plan: &mut Plan,
        as_of: NaiveDate,
        date: NaiveDate,
    ) -> Result<()> {
        if as_of > date {
            return Err(LedgerError::NothingToDo {
                what: format!(
                    "expire as of {as_of} is after the ledger date {date}: vouchers cannot expire early"
                ),
            });
        }
        let mut count = 0u32;
        let mut remaining = 0u32;
        let mut total = 0u64;
        for s in self.programs.values() {
            let p = &s.program;
            for (y, f) in s.firms.keys() {
                if p.expires_on(*y) >= as_of {
                    continue;
                }
                let vid = account_id(&names::voucher(&p.id, *y, f));
                let Some(a) = self.ledger.account(vid) else {
                    continue;
                };
                let left = a.available_fen();
                if left == 0 {
                    continue;
                }
                if plan.transfers.len() >= BATCH_MAX {
                    remaining += 1;
                    continue;
                }
                let budget = account_id(&names::budget(&p.id, *y));
                plan.transfers.push(Transfer::new(
                    transfer_id(request_id, plan.transfers.len()),
                    vid,
                    budget,
                    left,
                    p.ledger(),
                    transfer_code::EXPIRE,
                ));
                plan.effects.push(Effect::FirmYear {
                    program: p.id.clone(),
                    year: *y,
                    firm: *f,
                    f: FirmYearDelta {
                        expired_fen: left,
                        ..FirmYearDelta::default()
                    },
                });
                count += 1;
                total += left;
            }
        }
        plan.reply = Some(Reply::Expired(ExpireReceipt {
            as_of,
            vouchers: count,
            returned_fen: total,
            remaining,
        }));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn plan_clawback(
        &self,
        request_id: &str,
        plan: &mut Plan,
        program: &str,
        firm: &EnterpriseId,
        year: Year,
        reason: &str,
    ) -> Result<ClawbackReceipt> {
        let s = self.program_state(program)?;
        let p = &s.program;
        let fy = s
            .firms
            .get(&(year, *firm))
            .ok_or_else(|| LedgerError::NothingToDo {
                what: format!("program '{program}': firm {firm} has no vouchers in {year}"),
            })?;
        if fy.clawed_back {
            return Err(LedgerError::NothingToDo {
                what: format!(
                    "program '{program}': firm {firm}'s {year} vouchers were clawed back already"
                ),
            });
        }
        if reason.trim().is_empty() || reason.len() > 500 {
            return Err(LedgerError::NothingToDo {
                what: "a clawback needs a reason of 1–500 bytes".into(),
            });
        }
        let ledger = p.ledger();
        let vid = account_id(&names::voucher(&p.id, year, firm));
        let budget = account_id(&names::budget(&p.id, year));
        let unused = self
            .ledger
            .account(vid)
            .map(|a| a.available_fen())
            .unwrap_or(0);
        let redeemed = fy.redeemed_fen.saturating_sub(fy.clawed_back_redeemed_fen);
        // Transfer ids continue after any legs the request planned before (a rating's own).
        let mut leg = plan.transfers.len();
        if unused > 0 {
            plan.transfers.push(Transfer::new(
                transfer_id(request_id, leg),
                vid,
                budget,
                unused,
                ledger,
                transfer_code::CLAWBACK_UNUSED,
            ));
            leg += 1;
        }
        if redeemed > 0 {
            let recv = self.need_account(
                plan,
                names::receivable(&p.id, year, firm),
                ledger,
                account_code::RECEIVABLE,
                AccountFlags::CREDITS_LIMITED,
                AccountMeta {
                    program: Some(p.id.clone()),
                    year: Some(year),
                    firm: Some(*firm),
                    provider: None,
                },
            );
            plan.transfers.push(Transfer::new(
                transfer_id(request_id, leg),
                recv,
                budget,
                redeemed,
                ledger,
                transfer_code::CLAWBACK_REDEEMED,
            ));
        }
        plan.effects.push(Effect::FirmYear {
            program: p.id.clone(),
            year,
            firm: *firm,
            f: FirmYearDelta {
                clawed_back_unused_fen: unused,
                clawed_back_redeemed_fen: redeemed,
                clawed_back: true,
                ..FirmYearDelta::default()
            },
        });
        Ok(ClawbackReceipt {
            program: p.id.clone(),
            firm: *firm,
            year,
            unused_fen: unused,
            redeemed_fen: redeemed,
            reason: reason.to_string(),
        })
    }
}
