//! Planning of redemptions and holds (which voucher years pay, the subsidy and what limited
//! it, cross-region legs), and of settling or releasing a hold.

use registry_model::{EnterpriseId, Year};

use crate::clock::date_of;
use crate::core::{AccountFlags, PendingState, Transfer, TransferFlags};
use crate::error::{LedgerError, Result};
use crate::journal::Journal;
use crate::money::{fen_to_yuan, ratio_floor_fen, yuan_to_fen};
use crate::program::{Firm, RuleContext, ledger_of, standard_rules};

use super::VoucherBook;
use super::chart::{account_code, account_id, contract_ref, names, transfer_code, transfer_id};
use super::plan::{Effect, FirmYearDelta, Plan};
use super::request::{REQUEST_ID_LEN_MAX, RedeemReceipt, Reply, SubsidyLimit};
use super::state::{AccountMeta, Contract, ContractLeg, ContractStatus};

impl<J: Journal> VoucherBook<J> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn plan_redeem(
        &self,
        request_id: &str,
        plan: &mut Plan,
        program: &str,
        firm_id: &EnterpriseId,
        provider_id: &str,
        contract_id: &str,
        contract_amount_fen: u64,
        now: i64,
        hold: Option<u32>,
    ) -> Result<()> {
        let date = date_of(now);
        if contract_id.trim().is_empty() || contract_id.len() > REQUEST_ID_LEN_MAX {
            return Err(LedgerError::InvalidContractId {
                contract_id: contract_id.to_string(),
                reason: "not 1–200 bytes",
            });
        }
        if let Some(c) = self.contracts.get(contract_id) {
            if c.status == ContractStatus::Claimed || self.hold_active(c, now) {
                return Err(LedgerError::ContractClaimed {
                    contract: contract_id.to_string(),
                    by_request: c.request_id.clone(),
                    program: c.program.clone(),
                });
            }
            // A lapsed hold leaves the contract free to be claimed again.
        }
        if contract_amount_fen == 0 || contract_amount_fen > crate::money::AMOUNT_FEN_MAX {
            return Err(LedgerError::InvalidAmount {
                field: "contract amount".into(),
                value: fen_to_yuan(contract_amount_fen).to_string(),
                reason: "must be positive and at most 10^15 fen",
            });
        }
        let s = self.program_state(program)?;
        let p = &s.program;
        let provider = s
            .provider(provider_id)
            .ok_or_else(|| LedgerError::ProviderNotApproved {
                program: p.id.clone(),
                provider: provider_id.to_string(),
            })?;
        // The tier and region recorded at the firm's latest grant.
        let years = s.years_of(*firm_id);
        let mut firm = Firm::new(*firm_id);
        firm.tier = years.last().and_then(|(_, fy)| fy.tier);
        let related = self.related.contains(&(*firm_id, provider.id.clone()));
        let ctx = RuleContext {
            action: "redemption",
            date,
            firm: &firm,
            provider: Some(&provider),
            related,
        };
        // Eligibility was checked at the grant; validity and provider now.
        for rule in standard_rules() {
            if rule.name() != "eligibility" {
                rule.check(p, &ctx)?;
            }
        }
        // Usable years, oldest first.
        let mut legs: Vec<(Year, u64, u64, u64)> = Vec::new(); // (year, voucher id, available, cap left)
        for (y, fy) in years {
            if fy.clawed_back || p.expires_on(y) < date {
                continue;
            }
            let vid = account_id(&names::voucher(&p.id, y, firm_id));
            let available = self
                .ledger
                .account(vid)
                .map(|a| a.available_fen())
                .unwrap_or(0);
            // Held (not yet settled) redemptions count against the cap too.
            let cap_left = Self::cap_fen(p, Some(fy))?
                .saturating_sub(fy.redeemed_fen)
                .saturating_sub(self.held_fen(&p.id, y, firm_id, now));
            if available > 0 && cap_left > 0 {
                legs.push((y, vid, available, cap_left));
            }
        }
        if legs.is_empty() {
            return Err(LedgerError::NoVoucherBalance {
                program: p.id.clone(),
                firm: firm_id.to_string(),
                date,
            });
        }
        let ratio = p.ratio_for(&provider.category, firm.tier);
        let by_ratio = ratio_floor_fen(contract_amount_fen, ratio, "ratio")?;
        let balance: u64 = legs.iter().map(|l| l.2).sum();
        let mut cap_remaining: u64 = legs.iter().map(|l| l.3).sum();
        if let Some(c) = p.cap_per_application_yuan {
            cap_remaining = cap_remaining.min(yuan_to_fen(c, "cap_per_application_yuan")?);
        }
        let subsidy = by_ratio.min(balance).min(cap_remaining);
        let limited_by = if subsidy == by_ratio {
            SubsidyLimit::Ratio
        } else if subsidy == balance {
            SubsidyLimit::Balance
        } else {
            SubsidyLimit::Cap
        };
        if subsidy == 0 {
            return Err(LedgerError::NothingToDo {
                what: format!(
                    "contract '{contract_id}': the subsidy would be 0 fen (ratio {ratio} × {} fen rounds down to {by_ratio})",
                    contract_amount_fen
                ),
            });
        }
        let ledger_a = p.ledger();
        let prov_region = provider.region.unwrap_or(p.issuing_region);
        let cross = !crate::program::region_covers(p.issuing_region, prov_region);
        let ledger_b = if cross {
            ledger_of(prov_region)
        } else {
            ledger_a
        };
        let pmeta = AccountMeta {
            program: Some(p.id.clone()),
            ..AccountMeta::default()
        };
        let prov_acct = self.need_account(
            plan,
            names::provider(&p.id, &provider.id),
            ledger_b,
            account_code::PROVIDER,
            AccountFlags::NONE,
            AccountMeta {
                provider: Some(provider.id.clone()),
                ..pmeta.clone()
            },
        );
        let first_target = if cross {
            self.need_account(
                plan,
                names::due(&p.id, prov_region),
                ledger_a,
                account_code::DUE,
                AccountFlags::NONE,
                pmeta.clone(),
            )
        } else {
            prov_acct
        };
        let user_data = contract_ref(contract_id);
        let mut left = subsidy;
        let mut ids = Vec::new();
        let mut contract_legs = Vec::new();
        let flags = TransferFlags {
            linked: true,
            pending: hold.is_some(),
            ..TransferFlags::default()
        };
        let timeout_s = hold.unwrap_or(0);
        for (y, vid, available, cap_left) in &legs {
            if left == 0 {
                break;
            }
            let take = left.min(*available).min(*cap_left);
            if take == 0 {
                continue;
            }
            left -= take;
            let mut t = Transfer::new(
                transfer_id(request_id, ids.len()),
                *vid,
                first_target,
                take,
                ledger_a,
                transfer_code::REDEEM,
            );
            t.user_data = user_data;
            t.flags = flags;
            t.timeout_s = timeout_s;
            ids.push(t.id);
            contract_legs.push(ContractLeg {
                year: *y,
                transfer_id: t.id,
                amount_fen: take,
            });
            plan.transfers.push(t);
            if hold.is_none() {
                plan.effects.push(Effect::FirmYear {
                    program: p.id.clone(),
                    year: *y,
                    firm: *firm_id,
                    f: FirmYearDelta {
                        redeemed_fen: take,
                        ..FirmYearDelta::default()
                    },
                });
            }
        }
        if left != 0 {
            return Err(LedgerError::Invariant {
                detail: format!("redemption left {left} fen unallocated"),
            });
        }
        if cross {
            // The other region pays its provider and books a claim on the issuing fund: both
            // legs in one linked chain, so neither can happen without the other.
            let claim = self.need_account(
                plan,
                names::claim(&p.id, p.issuing_region),
                ledger_b,
                account_code::CLAIM,
                AccountFlags::NONE,
                pmeta,
            );
            let mut t = Transfer::new(
                transfer_id(request_id, ids.len()),
                claim,
                prov_acct,
                subsidy,
                ledger_b,
                transfer_code::CROSS_REGION,
            );
            t.user_data = user_data;
            t.flags = flags;
            t.timeout_s = timeout_s;
            ids.push(t.id);
            plan.transfers.push(t);
        }
        if let Some(last) = plan.transfers.last_mut() {
            last.flags.linked = false;
        }
        plan.effects.push(Effect::Contract(Box::new(Contract {
            contract_id: contract_id.to_string(),
            request_id: request_id.to_string(),
            program: p.id.clone(),
            firm: *firm_id,
            provider: provider.id.clone(),
            date,
            contract_amount_fen,
            ratio,
            subsidy_fen: subsidy,
            status: if hold.is_some() {
                ContractStatus::Held
            } else {
                ContractStatus::Claimed
            },
            legs: contract_legs,
            transfer_ids: ids.clone(),
            hold_until_s: hold
                .filter(|&t| t > 0)
                .map(|t| now.saturating_add(i64::from(t))),
        })));
        let receipt = RedeemReceipt {
            program: p.id.clone(),
            firm: *firm_id,
            provider: provider.id.clone(),
            contract_id: contract_id.to_string(),
            contract_amount_fen,
            ratio,
            by_ratio_fen: by_ratio,
            balance_fen: balance,
            cap_remaining_fen: cap_remaining,
            subsidy_fen: subsidy,
            firm_pays_fen: contract_amount_fen - subsidy,
            limited_by,
            cross_region: cross,
            held: hold.is_some(),
            transfer_ids: ids,
        };
        plan.reply = Some(if hold.is_some() {
            Reply::Held(receipt)
        } else {
            Reply::Redeemed(receipt)
        });
        Ok(())
    }

    /// Whether a held contract's reservation is still in force at ledger time `now`.
    pub(super) fn hold_active(&self, c: &Contract, now: i64) -> bool {
        c.status == ContractStatus::Held
            && c.hold_until_s.is_none_or(|d| d > now)
            && c.transfer_ids
                .first()
                .is_some_and(|&id| self.ledger.pending_state(id) == Some(PendingState::Pending))
    }

    /// Subsidy of a firm's program year reserved by holds in force.
    pub(super) fn held_fen(&self, program: &str, year: Year, firm: &EnterpriseId, now: i64) -> u64 {
        // A hold in force has a pending leg of a positive amount: with nothing pending on the
        // ledger there is none, and the scan of every contract is skipped (redemptions
        // without holds, as in the yearly cycle, would otherwise be quadratic).
        if self.ledger.pending_total_fen() == 0 {
            return 0;
        }
        self.contracts
            .values()
            .filter(|c| c.program == program && c.firm == *firm && self.hold_active(c, now))
            .flat_map(|c| c.legs.iter())
            .filter(|l| l.year == year)
            .map(|l| l.amount_fen)
            .sum()
    }

    /// Settles (posts) or releases (voids) a held contract, all legs in one linked chain.
    pub(super) fn plan_resolve(
        &self,
        request_id: &str,
        plan: &mut Plan,
        contract_id: &str,
        now: i64,
        settle: bool,
    ) -> Result<()> {
        let c = self
            .contracts
            .get(contract_id)
            .ok_or_else(|| LedgerError::NothingToDo {
                what: format!("contract '{contract_id}' is not held"),
            })?;
        if c.status != ContractStatus::Held {
            return Err(LedgerError::NothingToDo {
                what: format!("contract '{contract_id}' is already claimed, not held"),
            });
        }
        if !self.hold_active(c, now) {
            return Err(LedgerError::NothingToDo {
                what: format!(
                    "the hold on contract '{contract_id}' lapsed or was released; nothing to {}",
                    if settle { "settle" } else { "release" }
                ),
            });
        }
        if settle {
            for leg in &c.legs {
                if self
                    .firm_year(&c.program, leg.year, &c.firm)
                    .is_some_and(|f| f.clawed_back)
                {
                    return Err(LedgerError::Ineligible {
                        program: c.program.clone(),
                        firm: c.firm.to_string(),
                        reason: format!(
                            "its {} vouchers were clawed back: release the hold instead",
                            leg.year
                        ),
                    });
                }
            }
        }
        let mut ids = Vec::with_capacity(c.transfer_ids.len());
        for (k, &pid) in c.transfer_ids.iter().enumerate() {
            let code = self
                .ledger
                .transfer(pid)
                .map(|t| t.code)
                .unwrap_or(transfer_code::REDEEM);
            let mut t = Transfer::new(transfer_id(request_id, k), 0, 0, 0, 0, code);
            t.pending_id = pid;
            t.user_data = contract_ref(contract_id);
            t.flags = TransferFlags {
                linked: k + 1 < c.transfer_ids.len(),
                post_pending: settle,
                void_pending: !settle,
                ..TransferFlags::default()
            };
            ids.push(t.id);
            plan.transfers.push(t);
        }
        if settle {
            for leg in &c.legs {
                plan.effects.push(Effect::FirmYear {
                    program: c.program.clone(),
                    year: leg.year,
                    firm: c.firm,
                    f: FirmYearDelta {
                        redeemed_fen: leg.amount_fen,
                        ..FirmYearDelta::default()
                    },
                });
            }
            plan.effects
                .push(Effect::ContractSettled(contract_id.to_string()));
            plan.reply = Some(Reply::Settled {
                contract_id: contract_id.to_string(),
                subsidy_fen: c.subsidy_fen,
                transfer_ids: ids,
            });
        } else {
            plan.effects
                .push(Effect::ContractReleased(contract_id.to_string()));
            plan.reply = Some(Reply::Released {
                contract_id: contract_id.to_string(),
                subsidy_fen: c.subsidy_fen,
            });
        }
        Ok(())
    }
}
