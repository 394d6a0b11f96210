//! The write API: one method per [`Command`], each a request with an id (repeating it with the
//! same content returns the first reply).

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Year};
use rust_decimal::Decimal;

use crate::core::{NewAccount, Transfer};
use crate::error::{LedgerError, Result};
use crate::journal::Journal;
use crate::money::yuan_to_fen_positive;
use crate::program::{Firm, Program, Provider, Rating};

use super::VoucherBook;
use super::request::{ClawbackReceipt, Command, ExpireReceipt, GrantReceipt, RedeemReceipt, Reply};

impl<J: Journal> VoucherBook<J> {
    /// Adds a voucher program.
    pub fn add_program(&mut self, request_id: &str, program: Program) -> Result<Reply> {
        self.execute(request_id, Command::AddProgram { program })
    }

    /// Adds the shipped default programs (`data/vouchers`), each under the request id
    /// `{request_prefix}/{program id}`, so calling it again changes nothing. Returns the ids.
    pub fn add_default_programs(&mut self, request_prefix: &str) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for p in crate::defaults::programs()? {
            let id = p.id.clone();
            self.add_program(&format!("{request_prefix}/{id}"), p)?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Adds a program from TOML text (`file` names it in errors).
    pub fn add_program_toml(&mut self, request_id: &str, text: &str, file: &str) -> Result<Reply> {
        let program = Program::from_toml(text, file)?;
        self.add_program(request_id, program)
    }

    /// Approves one more provider for a program.
    pub fn add_provider(
        &mut self,
        request_id: &str,
        program: &str,
        provider: Provider,
    ) -> Result<Reply> {
        self.execute(
            request_id,
            Command::AddProvider {
                program: program.to_string(),
                provider,
            },
        )
    }

    /// Declares a firm and a provider related parties (for the related-party ban).
    pub fn declare_related(
        &mut self,
        request_id: &str,
        firm: EnterpriseId,
        provider: &str,
    ) -> Result<Reply> {
        self.execute(
            request_id,
            Command::DeclareRelated {
                firm,
                provider: provider.to_string(),
            },
        )
    }

    /// Grants `amount` yuan of vouchers of `program` to `firm` on the ledger date.
    pub fn grant(
        &mut self,
        request_id: &str,
        program: &str,
        firm: &Firm,
        amount: Decimal,
    ) -> Result<GrantReceipt> {
        let amount_fen = yuan_to_fen_positive(amount, "grant amount")?;
        self.grant_fen(request_id, program, firm, amount_fen)
    }

    /// [`VoucherBook::grant`] in fen.
    pub fn grant_fen(
        &mut self,
        request_id: &str,
        program: &str,
        firm: &Firm,
        amount_fen: u64,
    ) -> Result<GrantReceipt> {
        let cmd = Command::Grant {
            program: program.to_string(),
            firm: firm.clone(),
            amount_fen,
        };
        match self.execute(request_id, cmd)? {
            Reply::Granted(r) => Ok(r),
            other => Err(self.wrong_reply(request_id, &other)),
        }
    }

    /// Redeems vouchers against a contract: subsidy = min(ratio × contract, voucher balance,
    /// remaining cap), rounded down to the fen; the provider is credited the subsidy, the
    /// firm pays the rest; the contract can be claimed once.
    pub fn redeem(
        &mut self,
        request_id: &str,
        program: &str,
        firm: &EnterpriseId,
        provider: &str,
        contract_id: &str,
        contract_amount: Decimal,
    ) -> Result<RedeemReceipt> {
        let contract_amount_fen = yuan_to_fen_positive(contract_amount, "contract amount")?;
        self.redeem_fen(
            request_id,
            program,
            firm,
            provider,
            contract_id,
            contract_amount_fen,
        )
    }

    /// [`VoucherBook::redeem`] in fen.
    pub fn redeem_fen(
        &mut self,
        request_id: &str,
        program: &str,
        firm: &EnterpriseId,
        provider: &str,
        contract_id: &str,
        contract_amount_fen: u64,
    ) -> Result<RedeemReceipt> {
        let cmd = Command::Redeem {
            program: program.to_string(),
            firm: *firm,
            provider: provider.to_string(),
            contract_id: contract_id.to_string(),
            contract_amount_fen,
        };
        match self.execute(request_id, cmd)? {
            Reply::Redeemed(r) => Ok(r),
            other => Err(self.wrong_reply(request_id, &other)),
        }
    }

    /// Reserves a redemption with pending transfers: the same rules and subsidy as
    /// [`VoucherBook::redeem_fen`], but the money stays on the voucher (reserved) until
    /// [`VoucherBook::settle`] posts it or [`VoucherBook::release`] voids it; with a non-zero
    /// `timeout_s` the hold lapses by itself after that much ledger time. While held, the
    /// contract cannot be claimed by anyone else and the reservation counts against the cap.
    #[allow(clippy::too_many_arguments)]
    pub fn hold_fen(
        &mut self,
        request_id: &str,
        program: &str,
        firm: &EnterpriseId,
        provider: &str,
        contract_id: &str,
        contract_amount_fen: u64,
        timeout_s: u32,
    ) -> Result<RedeemReceipt> {
        let cmd = Command::Hold {
            program: program.to_string(),
            firm: *firm,
            provider: provider.to_string(),
            contract_id: contract_id.to_string(),
            contract_amount_fen,
            timeout_s,
        };
        match self.execute(request_id, cmd)? {
            Reply::Held(r) => Ok(r),
            other => Err(self.wrong_reply(request_id, &other)),
        }
    }

    /// Posts a held redemption: the subsidy is paid and counted as redeemed.
    pub fn settle(&mut self, request_id: &str, contract_id: &str) -> Result<Reply> {
        self.execute(
            request_id,
            Command::Settle {
                contract_id: contract_id.to_string(),
            },
        )
    }

    /// Voids a held redemption: the reservation returns to the voucher and the contract can
    /// be claimed again.
    pub fn release(&mut self, request_id: &str, contract_id: &str) -> Result<Reply> {
        self.execute(
            request_id,
            Command::Release {
                contract_id: contract_id.to_string(),
            },
        )
    }

    /// Returns the unused balance of every voucher whose last day is before `as_of` to its
    /// budget. `as_of` may not lie after the ledger date.
    pub fn expire(&mut self, request_id: &str, as_of: NaiveDate) -> Result<ExpireReceipt> {
        match self.execute(request_id, Command::Expire { as_of })? {
            Reply::Expired(r) => Ok(r),
            other => Err(self.wrong_reply(request_id, &other)),
        }
    }

    /// Claws back a firm's program year in full: the unused balance returns to the budget and
    /// the redeemed subsidy becomes a receivable the firm owes.
    pub fn clawback(
        &mut self,
        request_id: &str,
        program: &str,
        firm: &EnterpriseId,
        year: Year,
        reason: &str,
    ) -> Result<ClawbackReceipt> {
        let cmd = Command::Clawback {
            program: program.to_string(),
            firm: *firm,
            year,
            reason: reason.to_string(),
        };
        match self.execute(request_id, cmd)? {
            Reply::ClawedBack(r) => Ok(r),
            other => Err(self.wrong_reply(request_id, &other)),
        }
    }

    /// Rates a firm's program year; `excellent` raises its cap by the program's bonus,
    /// `failing` claws it back when the program says so.
    pub fn rate(
        &mut self,
        request_id: &str,
        program: &str,
        firm: &EnterpriseId,
        year: Year,
        rating: Rating,
    ) -> Result<Reply> {
        self.execute(
            request_id,
            Command::Rate {
                program: program.to_string(),
                firm: *firm,
                year,
                rating,
            },
        )
    }

    /// Opens raw accounts (all or nothing).
    pub fn create_accounts(
        &mut self,
        request_id: &str,
        accounts: Vec<NewAccount>,
    ) -> Result<Reply> {
        self.execute(request_id, Command::CreateAccounts { accounts })
    }

    /// Applies raw transfers (all or nothing), as one journal batch.
    pub fn create_transfers(
        &mut self,
        request_id: &str,
        transfers: Vec<Transfer>,
    ) -> Result<Reply> {
        let count = u32::try_from(transfers.len()).unwrap_or(u32::MAX);
        self.execute(request_id, Command::CreateTransfers { transfers, count })
    }

    /// Closes an account.
    pub fn close_account(&mut self, request_id: &str, account_id: u64) -> Result<Reply> {
        self.execute(request_id, Command::CloseAccount { account_id })
    }

    /// Closes every day up to and including `through`.
    pub fn close_period(&mut self, request_id: &str, through: NaiveDate) -> Result<Reply> {
        self.execute(request_id, Command::ClosePeriod { through })
    }

    pub(super) fn wrong_reply(&self, request_id: &str, reply: &Reply) -> LedgerError {
        let seq = self.requests.get(request_id).map(|r| r.seq).unwrap_or(0);
        LedgerError::RequestConflict {
            request_id: request_id.to_string(),
            seq,
            detail: format!("it was a different kind of request ({reply:?})"),
        }
    }
}
