//! Requests and replies: the [`Command`] of every write, the [`Reply`] and receipts it gets,
//! the checks on request ids, the content hash that makes a repeat idempotent, and the
//! one-line summaries named in conflicts.

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Year};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::{NewAccount, Transfer};
use crate::error::{LedgerError, Result};
use crate::ids::{self, IdFault, check_id_text};
use crate::money::fen_to_yuan;
use crate::program::{Firm, Program, Provider, Rating};

pub use crate::ids::REQUEST_ID_LEN_MAX;

/// A write request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Adds a program.
    AddProgram {
        /// The program.
        program: Program,
    },
    /// Approves a provider for a program.
    AddProvider {
        /// Program id.
        program: String,
        /// The provider.
        provider: Provider,
    },
    /// Declares a firm and a provider related parties.
    DeclareRelated {
        /// The firm.
        firm: EnterpriseId,
        /// The provider id.
        provider: String,
    },
    /// Grants vouchers.
    Grant {
        /// Program id.
        program: String,
        /// The firm.
        firm: Firm,
        /// Amount.
        amount_fen: u64,
    },
    /// Redeems vouchers against a contract.
    Redeem {
        /// Program id.
        program: String,
        /// The firm.
        firm: EnterpriseId,
        /// Provider id.
        provider: String,
        /// Contract id, claimable once.
        contract_id: String,
        /// Contract amount.
        contract_amount_fen: u64,
    },
    /// Reserves a redemption with pending transfers (apply → use → claim; a compute job
    /// placed but not yet run).
    Hold {
        /// Program id.
        program: String,
        /// The firm.
        firm: EnterpriseId,
        /// Provider id.
        provider: String,
        /// Contract id.
        contract_id: String,
        /// Contract amount.
        contract_amount_fen: u64,
        /// Seconds of ledger time until the hold lapses (0 = until settled or released).
        timeout_s: u32,
    },
    /// Posts a held redemption.
    Settle {
        /// Contract id.
        contract_id: String,
    },
    /// Voids a held redemption; the contract can be claimed again.
    Release {
        /// Contract id.
        contract_id: String,
    },
    /// Returns the unused balance of expired vouchers to the budget.
    Expire {
        /// Vouchers whose last day is before this date expire.
        as_of: NaiveDate,
    },
    /// Claws back a firm's program year.
    Clawback {
        /// Program id.
        program: String,
        /// The firm.
        firm: EnterpriseId,
        /// The grant year.
        year: Year,
        /// Why.
        reason: String,
    },
    /// Rates a firm's program year.
    Rate {
        /// Program id.
        program: String,
        /// The firm.
        firm: EnterpriseId,
        /// The grant year.
        year: Year,
        /// The rating.
        rating: Rating,
    },
    /// Opens raw accounts.
    CreateAccounts {
        /// The accounts.
        accounts: Vec<NewAccount>,
    },
    /// Applies raw transfers, all or nothing. In the journal header the list is empty: the
    /// transfers follow as entries of their own.
    CreateTransfers {
        /// The transfers.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        transfers: Vec<Transfer>,
        /// How many (set in the journal header).
        #[serde(default, skip_serializing_if = "is_zero")]
        count: u32,
    },
    /// Closes an account.
    CloseAccount {
        /// The account.
        account_id: u64,
    },
    /// Closes every day up to and including `through`.
    ClosePeriod {
        /// Last closed day.
        through: NaiveDate,
    },
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// What a grant did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantReceipt {
    /// Program.
    pub program: String,
    /// Firm.
    pub firm: EnterpriseId,
    /// Grant year.
    pub year: Year,
    /// Amount granted now.
    pub amount_fen: u64,
    /// Granted to the firm this year, including this grant.
    pub granted_year_fen: u64,
    /// The firm's cap this year.
    pub cap_fen: u64,
    /// Last day the voucher can be used.
    pub expires_on: NaiveDate,
    /// The grant transfer.
    pub transfer_id: u64,
}

/// What limited a subsidy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubsidyLimit {
    /// ratio × contract.
    Ratio,
    /// The voucher balance.
    Balance,
    /// The remaining cap (per application or per year).
    Cap,
}

/// What a redemption did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemReceipt {
    /// Program.
    pub program: String,
    /// Firm.
    pub firm: EnterpriseId,
    /// Provider.
    pub provider: String,
    /// Contract.
    pub contract_id: String,
    /// Contract amount.
    pub contract_amount_fen: u64,
    /// Ratio applied.
    pub ratio: Decimal,
    /// ratio × contract, rounded down.
    pub by_ratio_fen: u64,
    /// Usable voucher balance before.
    pub balance_fen: u64,
    /// Cap remaining before.
    pub cap_remaining_fen: u64,
    /// The subsidy: min of the three.
    pub subsidy_fen: u64,
    /// What the firm pays the provider itself.
    pub firm_pays_fen: u64,
    /// Which bound decided.
    pub limited_by: SubsidyLimit,
    /// Settled against the issuing fund from another region.
    pub cross_region: bool,
    /// Held (pending) rather than paid.
    #[serde(default)]
    pub held: bool,
    /// The transfers, in order.
    pub transfer_ids: Vec<u64>,
}

/// What an expiry run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireReceipt {
    /// The date used.
    pub as_of: NaiveDate,
    /// Voucher accounts emptied.
    pub vouchers: u32,
    /// Returned to budgets.
    pub returned_fen: u64,
    /// Accounts left for a later run (over the batch limit).
    pub remaining: u32,
}

/// What a clawback did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClawbackReceipt {
    /// Program.
    pub program: String,
    /// Firm.
    pub firm: EnterpriseId,
    /// Year.
    pub year: Year,
    /// Unused balance returned to the budget.
    pub unused_fen: u64,
    /// Redeemed subsidy the firm owes back.
    pub redeemed_fen: u64,
    /// Why.
    pub reason: String,
}

/// The reply to a request (stored for idempotent repeats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Reply {
    ProgramAdded {
        program: String,
    },
    ProviderAdded {
        program: String,
        provider: String,
    },
    RelatedDeclared {
        firm: EnterpriseId,
        provider: String,
    },
    Granted(GrantReceipt),
    Redeemed(RedeemReceipt),
    Held(RedeemReceipt),
    Settled {
        contract_id: String,
        subsidy_fen: u64,
        transfer_ids: Vec<u64>,
    },
    Released {
        contract_id: String,
        subsidy_fen: u64,
    },
    Expired(ExpireReceipt),
    ClawedBack(ClawbackReceipt),
    Rated {
        program: String,
        firm: EnterpriseId,
        year: Year,
        rating: Rating,
        clawback: Option<ClawbackReceipt>,
    },
    AccountsCreated {
        count: u32,
    },
    TransfersCreated {
        count: u32,
    },
    AccountClosed {
        account_id: u64,
    },
    PeriodClosed {
        through: NaiveDate,
    },
}

/// SHA-256 identifying a command's content, for idempotency. Raw transfer batches are hashed
/// over a fixed binary layout of their fields (the hot path: no JSON), everything else over
/// its JSON.
pub(super) fn hash_command(c: &Command) -> Result<[u8; 32]> {
    if let Command::CreateTransfers { transfers, .. } = c {
        let mut h = Sha256::new();
        h.update(b"create_transfers\0");
        h.update((transfers.len() as u64).to_be_bytes());
        let mut buf = [0u8; 63];
        for t in transfers {
            let f = t.flags;
            let flags = u8::from(f.linked)
                | u8::from(f.pending) << 1
                | u8::from(f.post_pending) << 2
                | u8::from(f.void_pending) << 3;
            buf[0..8].copy_from_slice(&t.id.to_be_bytes());
            buf[8..16].copy_from_slice(&t.debit_account_id.to_be_bytes());
            buf[16..24].copy_from_slice(&t.credit_account_id.to_be_bytes());
            buf[24..32].copy_from_slice(&t.amount_fen.to_be_bytes());
            buf[32..40].copy_from_slice(&t.pending_id.to_be_bytes());
            buf[40..44].copy_from_slice(&t.ledger.to_be_bytes());
            buf[44..46].copy_from_slice(&t.code.to_be_bytes());
            buf[46] = flags;
            buf[47..51].copy_from_slice(&t.timeout_s.to_be_bytes());
            buf[51..59].copy_from_slice(&t.user_data.to_be_bytes());
            buf[59..63].copy_from_slice(&(t.timestamp_s as u32).to_be_bytes());
            h.update(buf);
        }
        return Ok(h.finalize().into());
    }
    let bytes = serde_json::to_vec(c).map_err(|e| LedgerError::Invariant {
        detail: format!("command does not serialise: {e}"),
    })?;
    Ok(Sha256::digest(&bytes).into())
}

pub(super) fn check_request_id(request_id: &str) -> Result<()> {
    check_id_text(request_id, REQUEST_ID_LEN_MAX).map_err(|fault| LedgerError::InvalidRequestId {
        request_id: request_id.to_string(),
        reason: match fault {
            IdFault::Empty => "empty",
            IdFault::TooLong => "longer than 200 bytes",
            IdFault::ControlCharacter => "contains control characters",
        },
    })
}

impl Command {
    /// The command with every identifier in its normal form (see [`crate::ids`]); an error
    /// naming the first that is not an identifier at all. Applied to new requests before they
    /// are hashed, so two spellings of one request are one request.
    pub(super) fn normalized(self) -> Result<Command> {
        Ok(match self {
            Command::AddProgram { mut program } => {
                for p in &mut program.providers.approved {
                    p.id = ids::provider_id(&p.id, &program.id)?;
                }
                Command::AddProgram { program }
            }
            Command::AddProvider {
                program,
                mut provider,
            } => {
                provider.id = ids::provider_id(&provider.id, &program)?;
                Command::AddProvider { program, provider }
            }
            Command::DeclareRelated { firm, provider } => Command::DeclareRelated {
                firm,
                provider: ids::provider_id(&provider, "-")?,
            },
            Command::Redeem {
                program,
                firm,
                provider,
                contract_id,
                contract_amount_fen,
            } => Command::Redeem {
                provider: ids::provider_id(&provider, &program)?,
                contract_id: ids::contract_id(&contract_id)?,
                program,
                firm,
                contract_amount_fen,
            },
            Command::Hold {
                program,
                firm,
                provider,
                contract_id,
                contract_amount_fen,
                timeout_s,
            } => Command::Hold {
                provider: ids::provider_id(&provider, &program)?,
                contract_id: ids::contract_id(&contract_id)?,
                program,
                firm,
                contract_amount_fen,
                timeout_s,
            },
            Command::Settle { contract_id } => Command::Settle {
                contract_id: ids::contract_id(&contract_id)?,
            },
            Command::Release { contract_id } => Command::Release {
                contract_id: ids::contract_id(&contract_id)?,
            },
            other => other,
        })
    }
}

pub(super) fn summarize(c: &Command) -> String {
    match c {
        Command::AddProgram { program } => format!("add program '{}'", program.id),
        Command::AddProvider { program, provider } => {
            format!("add provider '{}' to '{program}'", provider.id)
        }
        Command::DeclareRelated { firm, provider } => {
            format!("declare {firm} related to '{provider}'")
        }
        Command::Grant {
            program,
            firm,
            amount_fen,
        } => {
            format!(
                "grant {} yuan of '{program}' to {}",
                fen_to_yuan(*amount_fen),
                firm.id
            )
        }
        Command::Redeem {
            program,
            firm,
            contract_id,
            contract_amount_fen,
            ..
        } => format!(
            "redeem '{program}' for {firm} on contract '{contract_id}' of {} yuan",
            fen_to_yuan(*contract_amount_fen)
        ),
        Command::Hold {
            program,
            firm,
            contract_id,
            contract_amount_fen,
            ..
        } => format!(
            "hold '{program}' for {firm} on contract '{contract_id}' of {} yuan",
            fen_to_yuan(*contract_amount_fen)
        ),
        Command::Settle { contract_id } => format!("settle contract '{contract_id}'"),
        Command::Release { contract_id } => format!("release contract '{contract_id}'"),
        Command::Expire { as_of } => format!("expire as of {as_of}"),
        Command::Clawback {
            program,
            firm,
            year,
            ..
        } => format!("clawback '{program}' {year} from {firm}"),
        Command::Rate {
            program,
            firm,
            year,
            rating,
        } => format!("rate {firm} {rating:?} in '{program}' {year}"),
        Command::CreateAccounts { accounts } => format!("create {} accounts", accounts.len()),
        Command::CreateTransfers { transfers, .. } => {
            format!("create {} transfers", transfers.len())
        }
        Command::CloseAccount { account_id } => format!("close account {account_id}"),
        Command::ClosePeriod { through } => format!("close period through {through}"),
    }
}
