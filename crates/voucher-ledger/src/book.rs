//! The voucher book: the double-entry core, a journal, and voucher programs on top.
//!
//! Every write is a request with an id. A request is planned against the current state
//! (nothing changes while planning), applied to the ledger as one atomic batch, appended to
//! the journal as one batch (header + the accounts and transfers it created), and only then
//! folded into the book's program state. If any step fails, everything is undone: bad input
//! changes nothing. The same id with the same content returns the first reply; the same id
//! with other content is a [`LedgerError::RequestConflict`].
//!
//! [`VoucherBook::group`] runs many requests as one group: each behaves as it does alone,
//! but their journal batches are written in one durable transaction when the group commits,
//! and if the group fails (error, panic, failed write) none of them is in the journal and the
//! book is exactly as before — the ledger's undo log and a log of the book's own changes
//! (`BookUndo`) take it back.
//!
//! The journal records each request with the ledger time it ran at. Reopening replays every
//! request through the same code and checks that it produces exactly the recorded accounts
//! and transfers, then checks every invariant of the ledger and of the programs.
//!
//! # Chart of accounts (per program `P`, on the ledger of its issuing region)
//!
//! | account | code | flags | moves |
//! |---|---|---|---|
//! | `P/fund` | 10 | none | debited when a year's budget is funded |
//! | `P/Y/budget` | 11 | debits ≤ credits (when budgeted) | funded, then debited by grants; credited by expiries and clawbacks |
//! | `P/Y/voucher/FIRM` | 12 | debits ≤ credits | credited by grants, debited by redemptions, expiries, clawbacks |
//! | `P/provider/PROV` | 13 | none | credited with subsidies (on the provider region's ledger) |
//! | `P/due/REGION` | 14 | none | cross-region: what the issuing fund owes another region |
//! | `P/claim/REGION` | 15 | none | cross-region, on the other region's ledger: its claim on the issuing fund |
//! | `P/Y/receivable/FIRM` | 16 | credits ≤ debits | clawback of redeemed subsidy: what the firm owes back |

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use registry_model::{EnterpriseId, Tier, Year};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::{Clock, SystemClock, date_of};
use crate::core::{
    AccountFlags, BATCH_MAX, Checkpoint, Ledger, NewAccount, PendingState, Transfer, TransferFlags,
};
use crate::error::{LedgerError, Result};
use crate::journal::{
    ChainReport, GENESIS_HASH, GROUP_ENTRIES_MAX, GROUP_REQUESTS_MAX, Head, Journal, JournalEntry,
    MemoryJournal, SqliteJournal, verify_chain,
};
use crate::money::{fen_to_yuan, ratio_floor_fen, yuan_to_fen, yuan_to_fen_positive};
use crate::program::{Firm, Program, Provider, Rating, RuleContext, ledger_of, standard_rules};

/// Account codes of the chart of accounts.
pub mod account_code {
    /// A program's source of money (the issuing region's fund).
    pub const FUND: u16 = 10;
    /// A program's budget for one year.
    pub const BUDGET: u16 = 11;
    /// A firm's voucher balance for one program year.
    pub const VOUCHER: u16 = 12;
    /// What a provider is owed.
    pub const PROVIDER: u16 = 13;
    /// Cross-region: what the issuing fund owes another region.
    pub const DUE: u16 = 14;
    /// Cross-region: another region's claim on the issuing fund.
    pub const CLAIM: u16 = 15;
    /// Clawback: what a firm owes back.
    pub const RECEIVABLE: u16 = 16;
}

/// Transfer codes.
pub mod transfer_code {
    /// Fund → budget: a year's budget.
    pub const FUNDING: u16 = 1;
    /// Budget → voucher.
    pub const GRANT: u16 = 2;
    /// Voucher → provider (or → due, cross-region).
    pub const REDEEM: u16 = 3;
    /// Voucher → budget: unused balance after expiry.
    pub const EXPIRE: u16 = 4;
    /// Voucher → budget: unused balance clawed back.
    pub const CLAWBACK_UNUSED: u16 = 5;
    /// Receivable → budget: redeemed subsidy clawed back (the firm owes it).
    pub const CLAWBACK_REDEEMED: u16 = 6;
    /// Claim → provider, on the provider region's ledger: cross-region settlement.
    pub const CROSS_REGION: u16 = 7;

    /// A short name for a code.
    pub fn name(code: u16) -> &'static str {
        match code {
            FUNDING => "funding",
            GRANT => "grant",
            REDEEM => "redeem",
            EXPIRE => "expire",
            CLAWBACK_UNUSED => "clawback_unused",
            CLAWBACK_REDEEMED => "clawback_redeemed",
            CROSS_REGION => "cross_region",
            _ => "other",
        }
    }
}

/// The longest request id.
pub const REQUEST_ID_LEN_MAX: usize = 200;

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

/// What an account is, in program terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AccountMeta {
    /// Program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<Year>,
    /// Firm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firm: Option<EnterpriseId>,
    /// Provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// A journal record (one entry's body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // one header per batch: boxing would buy nothing
pub enum Record {
    /// The first entry of every batch.
    Request {
        /// Request id.
        request_id: String,
        /// Ledger time the request ran at.
        at_s: i64,
        /// SHA-256 of the full command (hex), for idempotency.
        content_hash: String,
        /// Entries that follow in the batch.
        entries: u32,
        /// The command.
        command: Command,
    },
    /// An account the request opened.
    Account {
        /// The account.
        account: NewAccount,
        /// What it is.
        #[serde(default)]
        meta: AccountMeta,
    },
    /// A transfer the request applied (as stored, with its timestamp).
    Transfer {
        /// The transfer.
        transfer: Transfer,
    },
}

/// A firm's year in a program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmYear {
    /// Granted.
    pub granted_fen: u64,
    /// Redeemed.
    pub redeemed_fen: u64,
    /// Expired (returned to the budget).
    pub expired_fen: u64,
    /// Unused balance clawed back.
    pub clawed_back_unused_fen: u64,
    /// Redeemed subsidy clawed back.
    pub clawed_back_redeemed_fen: u64,
    /// Last known tier.
    pub tier: Option<Tier>,
    /// Rating.
    pub rating: Option<Rating>,
    /// Clawed back: no further grants or redemptions this year.
    pub clawed_back: bool,
}

/// A claimed contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// Contract id.
    pub contract_id: String,
    /// The redeeming request.
    pub request_id: String,
    /// Program.
    pub program: String,
    /// Firm.
    pub firm: EnterpriseId,
    /// Provider.
    pub provider: String,
    /// Date.
    pub date: NaiveDate,
    /// Contract amount.
    pub contract_amount_fen: u64,
    /// Ratio applied.
    pub ratio: Decimal,
    /// Subsidy paid (or reserved, while held).
    pub subsidy_fen: u64,
    /// Claimed, or held by pending transfers until settled or released.
    #[serde(default)]
    pub status: ContractStatus,
    /// Voucher legs, oldest grant year first.
    #[serde(default)]
    pub legs: Vec<ContractLeg>,
    /// Every transfer of the claim (voucher legs, then the cross-region leg if any).
    #[serde(default)]
    pub transfer_ids: Vec<u64>,
    /// For holds with a timeout: the ledger time at which the hold lapses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_until_s: Option<i64>,
}

/// Where a contract's claim stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    /// Paid: the subsidy was posted.
    #[default]
    Claimed,
    /// Reserved by pending transfers: settle posts them, release voids them, a timeout lets
    /// them lapse.
    Held,
}

/// One voucher leg of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractLeg {
    /// Grant year of the voucher used.
    pub year: Year,
    /// The transfer.
    pub transfer_id: u64,
    /// Amount.
    pub amount_fen: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct ProgramState {
    pub(crate) program: Program,
    pub(crate) extra_providers: BTreeMap<String, Provider>,
    pub(crate) firms: BTreeMap<(Year, EnterpriseId), FirmYear>,
}

impl ProgramState {
    /// The firm's years in this program, ascending, found by jumping from year to year in
    /// the map keyed (year, firm): O(years × log n) rather than a scan of every firm of the
    /// program (which made a year of redemptions quadratic in the number of firms).
    fn years_of(&self, firm: EnterpriseId) -> Vec<(Year, &FirmYear)> {
        let mut out = Vec::new();
        let mut next_year = self.firms.keys().next().map(|k| k.0);
        while let Some(y) = next_year {
            // The first key at or after (y + 1, firm) has a later year: years strictly
            // increase, so the loop ends after at most the number of distinct years.
            next_year = y
                .checked_add(1)
                .and_then(|y1| self.firms.range((y1, firm)..).next().map(|(k, _)| k.0));
            if let Some(fy) = self.firms.get(&(y, firm)) {
                out.push((y, fy));
            }
        }
        out
    }

    fn provider(&self, id: &str) -> Option<Provider> {
        self.extra_providers
            .get(id)
            .cloned()
            .or_else(|| self.program.provider(id))
    }
}

#[derive(Debug, Clone)]
struct RequestRecord {
    seq: u64,
    content_hash: [u8; 32],
    reply: Reply,
    summary: String,
}

/// Changes to the program state, applied only after ledger and journal succeeded.
#[derive(Debug, Clone)]
enum Effect {
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
struct FirmYearDelta {
    granted_fen: u64,
    redeemed_fen: u64,
    expired_fen: u64,
    clawed_back_unused_fen: u64,
    clawed_back_redeemed_fen: u64,
    tier: Option<Option<Tier>>,
    rating: Option<Rating>,
    clawed_back: bool,
}

#[derive(Debug, Default)]
struct Plan {
    accounts: Vec<(NewAccount, AccountMeta)>,
    transfers: Vec<Transfer>,
    closes: Vec<u64>,
    close_period: Option<NaiveDate>,
    effects: Vec<Effect>,
    reply: Option<Reply>,
}

impl Plan {
    fn has_account(&self, id: u64) -> bool {
        self.accounts.iter().any(|(a, _)| a.id == id)
    }
}

/// The idempotency key of a grant made without application ("免申即享"): one per year,
/// program and firm, so re-running a yearly cycle grants nothing twice.
///
/// ```
/// let firm: registry_model::EnterpriseId = "91330101589882738D".parse().unwrap();
/// assert_eq!(
///     voucher_ledger::book::grant_key(2025, "chengdu-compute-2025", &firm),
///     "grant/2025/chengdu-compute-2025/91330101589882738D"
/// );
/// ```
pub fn grant_key(year: Year, program: &str, firm: &EnterpriseId) -> String {
    format!("grant/{year}/{program}/{firm}")
}

/// Id of the account named `name` (the first 8 bytes of its SHA-256; never 0).
pub fn account_id(name: &str) -> u64 {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b).max(1)
}

fn transfer_id(request_id: &str, leg: usize) -> u64 {
    account_id(&format!("transfer\u{1f}{request_id}\u{1f}{leg}"))
}

/// The reference a redemption's transfers carry in `user_data`: a hash of the contract id.
pub fn contract_ref(contract_id: &str) -> u64 {
    account_id(&format!("contract\u{1f}{contract_id}"))
}

/// Account names of the chart of accounts.
pub mod names {
    use registry_model::{EnterpriseId, RegionCode, Year};
    /// The program's fund.
    pub fn fund(p: &str) -> String {
        format!("{p}/fund")
    }
    /// A year's budget.
    pub fn budget(p: &str, y: Year) -> String {
        format!("{p}/{y}/budget")
    }
    /// A firm's vouchers of a year.
    pub fn voucher(p: &str, y: Year, f: &EnterpriseId) -> String {
        format!("{p}/{y}/voucher/{f}")
    }
    /// A provider's payable.
    pub fn provider(p: &str, prov: &str) -> String {
        format!("{p}/provider/{prov}")
    }
    /// What the issuing fund owes another region.
    pub fn due(p: &str, r: RegionCode) -> String {
        format!("{p}/due/{r}")
    }
    /// Another region's claim on the issuing fund.
    pub fn claim(p: &str, r: RegionCode) -> String {
        format!("{p}/claim/{r}")
    }
    /// A firm's clawback receivable.
    pub fn receivable(p: &str, y: Year, f: &EnterpriseId) -> String {
        format!("{p}/{y}/receivable/{f}")
    }
}

/// SHA-256 identifying a command's content, for idempotency. Raw transfer batches are hashed
/// over a fixed binary layout of their fields (the hot path: no JSON), everything else over
/// its JSON.
fn hash_command(c: &Command) -> Result<[u8; 32]> {
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

fn check_request_id(request_id: &str) -> Result<()> {
    let bad = |reason| LedgerError::InvalidRequestId {
        request_id: request_id.to_string(),
        reason,
    };
    if request_id.trim().is_empty() {
        return Err(bad("empty"));
    }
    if request_id.len() > REQUEST_ID_LEN_MAX {
        return Err(bad("longer than 200 bytes"));
    }
    if request_id.chars().any(char::is_control) {
        return Err(bad("contains control characters"));
    }
    Ok(())
}

/// Summary of a full verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// The journal.
    pub journal: String,
    /// The hash chain.
    pub chain: ChainReport,
    /// Requests replayed.
    pub requests: u64,
    /// Accounts.
    pub accounts: u64,
    /// Transfers.
    pub transfers: u64,
    /// Σ posted (= Σ debits = Σ credits).
    pub posted_total_fen: u128,
}

/// Vouchers on a double-entry ledger, with a journal `J`.
#[derive(Debug)]
pub struct VoucherBook<J: Journal = SqliteJournal> {
    pub(crate) ledger: Ledger,
    journal: J,
    clock: Box<dyn Clock>,
    head: Head,
    pub(crate) programs: BTreeMap<String, ProgramState>,
    requests: HashMap<String, RequestRecord>,
    pub(crate) contracts: BTreeMap<String, Contract>,
    related: BTreeSet<(EnterpriseId, String)>,
    pub(crate) meta: HashMap<u64, AccountMeta>,
    /// Ledger time of each request, in journal order, for audits by date.
    request_ids: Vec<String>,
    /// The open group of requests, if any (see [`VoucherBook::group`]).
    group: Option<GroupState>,
    /// The most requests in one group (≤ [`GROUP_REQUESTS_MAX`]).
    group_requests_max: usize,
}

/// What an open group holds: the journal batches of its requests, not yet written, and how
/// to undo each change its requests made to the book's program state (the ledger has its own
/// undo log, opened by a checkpoint when the group began).
#[derive(Debug, Default)]
struct GroupState {
    /// Open frames: 1 for a group, 2 and more inside nested groups.
    depth: usize,
    /// One journal batch per request, in order, chained from the book's head.
    batches: Vec<Vec<JournalEntry>>,
    /// Σ entries of `batches`.
    entries: usize,
    /// How to undo each change to the book's state, in the order made.
    undo: Vec<BookUndo>,
}

/// One change to the book's own state (outside the ledger), with what it replaced.
#[derive(Debug)]
enum BookUndo {
    /// A request recorded (and pushed onto `request_ids`).
    Request(String, Option<RequestRecord>),
    Meta(u64, Option<AccountMeta>),
    /// A program added (it was absent).
    Program(String),
    Provider {
        program: String,
        id: String,
        prev: Option<Provider>,
    },
    /// A relation added (it was absent).
    Related((EnterpriseId, String)),
    FirmYear {
        program: String,
        key: (Year, EnterpriseId),
        prev: Option<FirmYear>,
    },
    Contract(String, Option<Contract>),
}

/// Where a group (or a nested group) began: what its rollback returns to.
#[derive(Debug, Clone, Copy)]
struct GroupFrame {
    /// The group's depth with this frame open (1 for the outermost).
    depth: usize,
    ledger_cp: Checkpoint,
    ledger_depth: usize,
    undo_len: usize,
    batches_len: usize,
    entries: usize,
    head: Head,
}

impl VoucherBook<SqliteJournal> {
    /// Opens (or creates) the book in a SQLite file, replaying and checking its journal.
    /// The clock is the system clock; see [`VoucherBook::set_clock`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::with_journal(SqliteJournal::open(path)?, Box::new(SystemClock))
    }
}

impl VoucherBook<MemoryJournal> {
    /// A book in memory on `clock`.
    pub fn in_memory(clock: Box<dyn Clock>) -> Self {
        Self {
            ledger: Ledger::new(),
            journal: MemoryJournal::new(),
            clock,
            head: Head::default(),
            programs: BTreeMap::new(),
            requests: HashMap::new(),
            contracts: BTreeMap::new(),
            related: BTreeSet::new(),
            meta: HashMap::new(),
            request_ids: Vec::new(),
            group: None,
            group_requests_max: GROUP_REQUESTS_MAX,
        }
    }
}

struct Replay<'a> {
    seq: u64,
    at_s: i64,
    records: &'a [Record],
}

impl<J: Journal> VoucherBook<J> {
    /// A book over `journal`: verifies the hash chain, replays every request and checks every
    /// invariant. Fails, naming the entry, if anything does not match.
    pub fn with_journal(journal: J, clock: Box<dyn Clock>) -> Result<Self> {
        let mut book = Self {
            ledger: Ledger::new(),
            journal,
            clock,
            head: Head::default(),
            programs: BTreeMap::new(),
            requests: HashMap::new(),
            contracts: BTreeMap::new(),
            related: BTreeSet::new(),
            meta: HashMap::new(),
            request_ids: Vec::new(),
            group: None,
            group_requests_max: GROUP_REQUESTS_MAX,
        };
        book.replay_all()?;
        Ok(book)
    }

    /// Replaces the clock (such as a [`crate::clock::ManualClock`] for a simulated year).
    pub fn set_clock(&mut self, clock: Box<dyn Clock>) {
        self.clock = clock;
    }

    /// The ledger (read only).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The journal (read only).
    pub fn journal(&self) -> &J {
        &self.journal
    }

    /// Mutable access to the journal (tests simulate failures through it).
    pub fn journal_mut(&mut self) -> &mut J {
        &mut self.journal
    }

    /// The program `id`.
    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.get(id).map(|s| &s.program)
    }

    /// All programs, by id.
    pub fn programs(&self) -> impl Iterator<Item = &Program> {
        self.programs.values().map(|s| &s.program)
    }

    /// A firm's year in a program.
    pub fn firm_year(&self, program: &str, year: Year, firm: &EnterpriseId) -> Option<&FirmYear> {
        self.programs
            .get(program)
            .and_then(|s| s.firms.get(&(year, *firm)))
    }

    /// A claimed contract.
    pub fn contract(&self, id: &str) -> Option<&Contract> {
        self.contracts.get(id)
    }

    /// All claimed contracts, by id.
    pub fn contracts(&self) -> impl Iterator<Item = &Contract> {
        self.contracts.values()
    }

    /// What an account is in program terms.
    pub fn account_meta(&self, id: u64) -> Option<&AccountMeta> {
        self.meta.get(&id)
    }

    /// Number of requests applied.
    pub fn request_count(&self) -> usize {
        self.request_ids.len()
    }

    /// The ledger date now (the clock's, never before the last applied request).
    pub fn today(&self) -> NaiveDate {
        date_of(self.clock.now_s().max(self.ledger.last_timestamp_s()))
    }

    /// The usable voucher balance of a firm in a program on the ledger date (all unexpired
    /// years).
    pub fn voucher_balance_fen(&self, program: &str, firm: &EnterpriseId) -> u64 {
        let today = self.today();
        let Some(s) = self.programs.get(program) else {
            return 0;
        };
        s.firms
            .keys()
            .filter(|(y, f)| f == firm && s.program.expires_on(*y) >= today)
            .map(|(y, _)| {
                self.ledger
                    .account(account_id(&names::voucher(&s.program.id, *y, firm)))
                    .map(|a| a.available_fen())
                    .unwrap_or(0)
            })
            .sum()
    }

    /// The firm's usable voucher balances on the ledger date, per program that has one
    /// (program id, kind, fen), by program id: what a payment adapter can draw on.
    pub fn firm_balances_fen(
        &self,
        firm: &EnterpriseId,
    ) -> Vec<(String, crate::program::VoucherKind, u64)> {
        self.programs
            .values()
            .filter(|s| s.firms.keys().any(|(_, f)| f == firm))
            .map(|s| {
                let p = &s.program;
                (p.id.clone(), p.kind, self.voucher_balance_fen(&p.id, firm))
            })
            .filter(|(_, _, b)| *b > 0)
            .collect()
    }

    // ---- the write API --------------------------------------------------------------------

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

    /// The programs `firm` may be granted on `date`: open that day and passing the
    /// eligibility rules (tier, region, credit record), with room left under its cap.
    pub fn eligible_programs(&self, firm: &Firm, date: NaiveDate) -> Vec<&Program> {
        let ctx = RuleContext {
            action: "grant",
            date,
            firm,
            provider: None,
            related: false,
        };
        self.programs
            .values()
            .filter(|s| {
                let p = &s.program;
                let fy = s.firms.get(&(date.year(), firm.id));
                let room = Self::cap_fen(p, fy)
                    .map(|cap| cap > fy.map(|f| f.granted_fen).unwrap_or(0))
                    .unwrap_or(false);
                room && !fy.is_some_and(|f| f.clawed_back)
                    && standard_rules().iter().all(|r| r.check(p, &ctx).is_ok())
            })
            .map(|s| &s.program)
            .collect()
    }

    /// What a redemption would pay now, without writing anything (for placing work by its
    /// cost after vouchers). Fails exactly as [`VoucherBook::redeem`] would.
    pub fn quote_redeem_fen(
        &self,
        program: &str,
        firm: &EnterpriseId,
        provider: &str,
        contract_id: &str,
        contract_amount_fen: u64,
    ) -> Result<RedeemReceipt> {
        let now = self.clock.now_s().max(self.ledger.last_timestamp_s());
        let cmd = Command::Redeem {
            program: program.to_string(),
            firm: *firm,
            provider: provider.to_string(),
            contract_id: contract_id.to_string(),
            contract_amount_fen,
        };
        match self.plan("quote", &cmd, now)?.reply {
            Some(Reply::Redeemed(r)) => Ok(r),
            other => Err(LedgerError::Invariant {
                detail: format!("a redemption planned to {other:?}"),
            }),
        }
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

    fn wrong_reply(&self, request_id: &str, reply: &Reply) -> LedgerError {
        let seq = self.requests.get(request_id).map(|r| r.seq).unwrap_or(0);
        LedgerError::RequestConflict {
            request_id: request_id.to_string(),
            seq,
            detail: format!("it was a different kind of request ({reply:?})"),
        }
    }

    /// Runs `f` as one group of requests, all or nothing, written to the journal in ONE
    /// durable transaction (one fsync for the whole group instead of one per request).
    ///
    /// Inside `f`, every request behaves exactly as it does alone: the same planning, rules,
    /// idempotency (a repeat of a request made earlier, inside the group or before it, returns
    /// its first reply), conflicts, replies and errors; a request that fails changes nothing
    /// and `f` may go on after it. Each request's journal batch is kept in memory, chained
    /// from the previous one, and the group's commit appends them all with
    /// [`Journal::append_batches`] (for [`SqliteJournal`], one IMMEDIATE transaction).
    ///
    /// - `f` returns `Ok`: the group commits. If the journal write fails, the group is rolled
    ///   back and the error returned (`E::from(LedgerError)`).
    /// - `f` returns `Err`, or panics: the group is rolled back (the panic then continues).
    ///   Rolled back means that none of the group's requests is in the journal and the book
    ///   — ledger, programs, firm years, contracts, relations, recorded requests, journal
    ///   head — is exactly as before the group, so the same request ids can be run again.
    /// - The process dies before the commit returns: nothing of the group was written.
    ///
    /// Nested groups are savepoints: an inner group that fails is rolled back alone (the
    /// outer one may go on), an inner group that succeeds joins the outer one, and only the
    /// outermost commit writes to the journal.
    ///
    /// A group holds at most [`GROUP_REQUESTS_MAX`] requests and [`GROUP_ENTRIES_MAX`]
    /// journal entries: the request that would go over is refused with
    /// [`LedgerError::GroupTooLarge`] (and changes nothing). Until the group commits, the
    /// journal (and so [`VoucherBook::verify`]) holds none of it, while the book's reads
    /// already see it.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use rust_decimal_macros::dec;
    /// use registry_model::EnterpriseId;
    /// use voucher_ledger::{Firm, LedgerError, ManualClock, VoucherBook};
    ///
    /// let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
    /// let mut book = VoucherBook::in_memory(Box::new(clock));
    /// book.add_default_programs("defaults")?;
    /// // Two firms in Chengdu (the program's region).
    /// let a = EnterpriseId::from_first17("91510104000000001")?;
    /// let b = EnterpriseId::from_first17("91510104000000002")?;
    /// let p = "chengdu-compute-2025";
    ///
    /// // Both grants or neither, in one journal transaction.
    /// let total_fen = book.group(|book| -> Result<u64, LedgerError> {
    ///     let ga = book.grant("g/a", p, &Firm::new(a), dec!(1000))?;
    ///     let gb = book.grant("g/b", p, &Firm::new(b), dec!(2000))?;
    ///     Ok(ga.amount_fen + gb.amount_fen)
    /// })?;
    /// assert_eq!(total_fen, 300_000);
    /// let requests = book.request_count();
    ///
    /// // A group whose closure fails leaves no trace: not in the journal, not in the book.
    /// let failed = book.group(|book| -> Result<(), LedgerError> {
    ///     book.grant("g2/a", p, &Firm::new(a), dec!(500))?;
    ///     book.grant("g2/b", p, &Firm::new(b), dec!(-1))?; // refused: the group rolls back
    ///     Ok(())
    /// });
    /// assert!(failed.is_err());
    /// assert_eq!(book.request_count(), requests);
    /// assert_eq!(book.voucher_balance_fen(p, &a), 100_000);
    /// book.verify()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn group<T, E, F>(&mut self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&mut Self) -> std::result::Result<T, E>,
        E: From<LedgerError>,
    {
        let frame = self.begin_group();
        // The book is rolled back to `frame` whatever state the panic left it in (every
        // change since then is in the undo logs), so it is safe to use after the unwind.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        match outcome {
            Ok(Ok(value)) => match self.commit_group(frame) {
                Ok(()) => Ok(value),
                Err(e) => Err(E::from(e)),
            },
            Ok(Err(e)) => {
                self.rollback_group(frame);
                Err(e)
            }
            Err(panic) => {
                self.rollback_group(frame);
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Lowers the most requests one group may hold (from [`GROUP_REQUESTS_MAX`], which is
    /// also the ceiling; 0 is taken as 1), for instance to bound the memory a group holds
    /// before it commits. The request that would go over is refused with
    /// [`LedgerError::GroupTooLarge`].
    pub fn set_group_requests_max(&mut self, max: usize) {
        self.group_requests_max = max.clamp(1, GROUP_REQUESTS_MAX);
    }

    /// The most requests one group may hold (see [`VoucherBook::set_group_requests_max`]).
    pub fn group_requests_max(&self) -> usize {
        self.group_requests_max
    }

    /// How many groups are open around the caller (0 outside [`VoucherBook::group`]).
    pub fn group_depth(&self) -> usize {
        self.group.as_ref().map_or(0, |g| g.depth)
    }

    /// Requests made in the open group and not yet written to the journal (0 outside a group).
    pub fn group_pending_requests(&self) -> usize {
        self.group.as_ref().map_or(0, |g| g.batches.len())
    }

    fn begin_group(&mut self) -> GroupFrame {
        let ledger_depth = self.ledger.checkpoint_depth();
        let ledger_cp = self.ledger.checkpoint();
        let g = self.group.get_or_insert_with(GroupState::default);
        g.depth += 1;
        GroupFrame {
            depth: g.depth,
            ledger_cp,
            ledger_depth,
            undo_len: g.undo.len(),
            batches_len: g.batches.len(),
            entries: g.entries,
            head: self.head,
        }
    }

    fn commit_group(&mut self, frame: GroupFrame) -> Result<()> {
        let depth = self.group.as_ref().map_or(0, |g| g.depth);
        if depth != frame.depth {
            // Only reachable if `f` replaced the book it was lent (`*book = ...`).
            self.rollback_group(frame);
            return Err(LedgerError::Invariant {
                detail: "the group's book was replaced inside the group; nothing was written"
                    .into(),
            });
        }
        if depth > 1 {
            // A nested group joins the outer one: its changes stay undoable by the outer
            // group, its batches wait for the outer commit.
            self.ledger.commit(frame.ledger_cp);
            if let Some(g) = self.group.as_mut() {
                g.depth -= 1;
            }
            return Ok(());
        }
        let written = match self.group.as_ref() {
            Some(g) if !g.batches.is_empty() => {
                let batches: Vec<&[JournalEntry]> =
                    g.batches.iter().map(|b| b.as_slice()).collect();
                self.journal.append_batches(&batches)
            }
            _ => Ok(()),
        };
        match written {
            Ok(()) => {
                self.ledger.commit(frame.ledger_cp);
                self.group = None;
                Ok(())
            }
            Err(e) => {
                self.rollback_group(frame);
                Err(e)
            }
        }
    }

    fn rollback_group(&mut self, frame: GroupFrame) {
        self.ledger
            .rollback_to_depth(frame.ledger_cp, frame.ledger_depth);
        while let Some(u) = self.group.as_mut().and_then(|g| {
            (g.undo.len() > frame.undo_len)
                .then(|| g.undo.pop())
                .flatten()
        }) {
            self.undo_book(u);
        }
        self.head = frame.head;
        if let Some(g) = self.group.as_mut() {
            g.batches.truncate(frame.batches_len);
            g.entries = frame.entries;
            g.depth = frame.depth.saturating_sub(1);
            if g.depth == 0 {
                self.group = None;
            }
        }
    }

    /// Runs one request: idempotency check, plan, ledger, journal, state.
    pub fn execute(&mut self, request_id: &str, command: Command) -> Result<Reply> {
        check_request_id(request_id)?;
        let content_hash = hash_command(&command)?;
        if let Some(r) = self.requests.get(request_id) {
            if r.content_hash == content_hash {
                return Ok(r.reply.clone());
            }
            return Err(LedgerError::RequestConflict {
                request_id: request_id.to_string(),
                seq: r.seq,
                detail: r.summary.clone(),
            });
        }
        let now = self.clock.now_s().max(self.ledger.last_timestamp_s());
        self.run(request_id, command, content_hash, now, None)
    }

    /// Plans, applies and (unless replaying) journals one request.
    fn run(
        &mut self,
        request_id: &str,
        command: Command,
        content_hash: [u8; 32],
        now: i64,
        replay: Option<Replay<'_>>,
    ) -> Result<Reply> {
        let cp = self.ledger.checkpoint();
        // Holds whose timeout has passed lapse before the request is planned, so it sees
        // their reservations released (undone with everything else if the request fails).
        if self.ledger.next_deadline_s().is_some_and(|d| d <= now) {
            self.ledger.tick(now);
        }
        let plan = match self.plan(request_id, &command, now) {
            Ok(p) => p,
            Err(e) => {
                self.ledger.rollback(cp);
                return Err(e);
            }
        };
        if let Err(e) = self.apply_plan(now, &plan) {
            self.ledger.rollback(cp);
            return Err(e);
        }
        // The records exactly as the ledger stored them.
        let mut records: Vec<Record> =
            Vec::with_capacity(1 + plan.accounts.len() + plan.transfers.len());
        for (a, m) in &plan.accounts {
            records.push(Record::Account {
                account: a.clone(),
                meta: m.clone(),
            });
        }
        for t in &plan.transfers {
            let stored = self.ledger.transfer(t.id).copied().unwrap_or(*t);
            records.push(Record::Transfer { transfer: stored });
        }
        let header_command = match &command {
            Command::CreateTransfers { transfers, .. } => Command::CreateTransfers {
                transfers: Vec::new(),
                count: u32::try_from(transfers.len()).unwrap_or(u32::MAX),
            },
            other => other.clone(),
        };
        let header = Record::Request {
            request_id: request_id.to_string(),
            at_s: now,
            content_hash: hex::encode(content_hash),
            entries: u32::try_from(records.len()).unwrap_or(u32::MAX),
            command: header_command,
        };
        let seq;
        match replay {
            Some(r) => {
                // Replay: what we produced must be what was recorded.
                seq = r.seq;
                let mismatch = |reason: String| LedgerError::ReplayMismatch {
                    seq: r.seq,
                    request_id: request_id.to_string(),
                    reason,
                };
                if r.at_s != now {
                    self.ledger.rollback(cp);
                    return Err(mismatch(format!("ran at {now}, recorded {}", r.at_s)));
                }
                if r.records.len() != records.len() {
                    self.ledger.rollback(cp);
                    return Err(mismatch(format!(
                        "produced {} records, the journal has {}",
                        records.len(),
                        r.records.len()
                    )));
                }
                for (k, (got, want)) in records.iter().zip(r.records).enumerate() {
                    if got != want {
                        self.ledger.rollback(cp);
                        return Err(mismatch(format!(
                            "record {} differs: replay produced {got:?}, journal has {want:?}",
                            k + 1
                        )));
                    }
                }
                self.ledger.commit(cp);
            }
            None => {
                let batch = self.head.batch + 1;
                let mut entries = Vec::with_capacity(records.len() + 1);
                let mut prev = self.head.hash;
                let mut s = self.head.seq;
                for rec in std::iter::once(&header).chain(records.iter()) {
                    s += 1;
                    let body = serde_json::to_string(rec).map_err(|e| LedgerError::Invariant {
                        detail: format!("record does not serialise: {e}"),
                    })?;
                    let e = JournalEntry::chained(&prev, s, batch, body);
                    prev = e.hash;
                    entries.push(e);
                }
                if let Some(g) = self.group.as_mut() {
                    // Inside a group the batch waits for the group's commit, which writes
                    // every batch of the group in one journal transaction.
                    let too_large = if g.batches.len() + 1 > self.group_requests_max {
                        Some(("requests", g.batches.len() + 1, self.group_requests_max))
                    } else if g.entries + entries.len() > GROUP_ENTRIES_MAX {
                        Some((
                            "journal entries",
                            g.entries + entries.len(),
                            GROUP_ENTRIES_MAX,
                        ))
                    } else {
                        None
                    };
                    if let Some((what, len, max)) = too_large {
                        self.ledger.rollback(cp);
                        return Err(LedgerError::GroupTooLarge {
                            request_id: request_id.to_string(),
                            what,
                            len,
                            max,
                        });
                    }
                    g.entries += entries.len();
                    g.batches.push(entries);
                } else if let Err(e) = self.journal.append(&entries) {
                    self.ledger.rollback(cp);
                    return Err(e);
                }
                self.ledger.commit(cp);
                seq = self.head.seq + 1;
                self.head = Head {
                    seq: s,
                    batch,
                    hash: prev,
                };
            }
        }
        for (a, m) in plan.accounts {
            let prev = self.meta.insert(a.id, m);
            self.note(|| BookUndo::Meta(a.id, prev));
        }
        for e in plan.effects {
            self.apply_effect(e);
        }
        let reply = plan.reply.unwrap_or(Reply::AccountsCreated { count: 0 });
        let prev = self.requests.insert(
            request_id.to_string(),
            RequestRecord {
                seq,
                content_hash,
                reply: reply.clone(),
                summary: summarize(&command),
            },
        );
        self.request_ids.push(request_id.to_string());
        self.note(|| BookUndo::Request(request_id.to_string(), prev));
        Ok(reply)
    }

    /// Records how to undo a change to the book's state, when a group is open (outside a
    /// group a request that got this far is durable and is never undone).
    fn note(&mut self, undo: impl FnOnce() -> BookUndo) {
        if let Some(g) = self.group.as_mut() {
            g.undo.push(undo());
        }
    }

    fn undo_book(&mut self, u: BookUndo) {
        match u {
            BookUndo::Request(id, prev) => {
                // Requests are undone newest first, so this one is the last pushed.
                debug_assert_eq!(self.request_ids.last(), Some(&id));
                self.request_ids.pop();
                match prev {
                    Some(r) => {
                        self.requests.insert(id, r);
                    }
                    None => {
                        self.requests.remove(&id);
                    }
                }
            }
            BookUndo::Meta(id, prev) => match prev {
                Some(m) => {
                    self.meta.insert(id, m);
                }
                None => {
                    self.meta.remove(&id);
                }
            },
            BookUndo::Program(id) => {
                self.programs.remove(&id);
            }
            BookUndo::Provider { program, id, prev } => {
                if let Some(s) = self.programs.get_mut(&program) {
                    match prev {
                        Some(p) => {
                            s.extra_providers.insert(id, p);
                        }
                        None => {
                            s.extra_providers.remove(&id);
                        }
                    }
                }
            }
            BookUndo::Related(key) => {
                self.related.remove(&key);
            }
            BookUndo::FirmYear { program, key, prev } => {
                if let Some(s) = self.programs.get_mut(&program) {
                    match prev {
                        Some(fy) => {
                            s.firms.insert(key, fy);
                        }
                        None => {
                            s.firms.remove(&key);
                        }
                    }
                }
            }
            BookUndo::Contract(id, prev) => match prev {
                Some(c) => {
                    self.contracts.insert(id, c);
                }
                None => {
                    self.contracts.remove(&id);
                }
            },
        }
    }

    fn apply_plan(&mut self, now: i64, plan: &Plan) -> Result<()> {
        if plan.accounts.is_empty()
            && plan.transfers.is_empty()
            && plan.closes.is_empty()
            && plan.close_period.is_none()
        {
            // Programs, providers, relations and ratings move no money: they leave the
            // ledger clock where it is.
            return Ok(());
        }
        self.ledger.tick(now);
        for (i, (a, _)) in plan.accounts.iter().enumerate() {
            self.ledger
                .create_account(now, a)
                .map_err(|e| LedgerError::BatchItem {
                    index: i,
                    source: Box::new(e),
                })?;
        }
        if !plan.transfers.is_empty() {
            self.ledger.apply_all(now, &plan.transfers)?;
        }
        for &id in &plan.closes {
            self.ledger.close_account(now, id)?;
        }
        if let Some(d) = plan.close_period {
            self.ledger.close_period(now, d)?;
        }
        Ok(())
    }

    fn apply_effect(&mut self, e: Effect) {
        match e {
            Effect::Program(p) => {
                let id = p.id.clone();
                if !self.programs.contains_key(&id) {
                    self.programs.insert(
                        id.clone(),
                        ProgramState {
                            program: *p,
                            extra_providers: BTreeMap::new(),
                            firms: BTreeMap::new(),
                        },
                    );
                    self.note(|| BookUndo::Program(id));
                }
            }
            Effect::Provider(program, prov) => {
                if let Some(s) = self.programs.get_mut(&program) {
                    let id = prov.id.clone();
                    let prev = s.extra_providers.insert(id.clone(), prov);
                    self.note(|| BookUndo::Provider { program, id, prev });
                }
            }
            Effect::Related(f, p) => {
                let key = (f, p);
                if self.related.insert(key.clone()) {
                    self.note(|| BookUndo::Related(key));
                }
            }
            Effect::FirmYear {
                program,
                year,
                firm,
                f,
            } => {
                if let Some(s) = self.programs.get_mut(&program) {
                    let key = (year, firm);
                    let prev = s.firms.get(&key).cloned();
                    let fy = s.firms.entry(key).or_default();
                    fy.granted_fen += f.granted_fen;
                    fy.redeemed_fen += f.redeemed_fen;
                    fy.expired_fen += f.expired_fen;
                    fy.clawed_back_unused_fen += f.clawed_back_unused_fen;
                    fy.clawed_back_redeemed_fen += f.clawed_back_redeemed_fen;
                    if let Some(t) = f.tier {
                        fy.tier = t;
                    }
                    if let Some(r) = f.rating {
                        fy.rating = Some(r);
                    }
                    fy.clawed_back |= f.clawed_back;
                    self.note(|| BookUndo::FirmYear { program, key, prev });
                }
            }
            Effect::Contract(c) => {
                let id = c.contract_id.clone();
                let prev = self.contracts.insert(id.clone(), *c);
                self.note(|| BookUndo::Contract(id, prev));
            }
            Effect::ContractSettled(id) => {
                if let Some(c) = self.contracts.get_mut(&id) {
                    let prev = Some(c.clone());
                    c.status = ContractStatus::Claimed;
                    c.hold_until_s = None;
                    self.note(|| BookUndo::Contract(id, prev));
                }
            }
            Effect::ContractReleased(id) => {
                if let Some(prev) = self.contracts.remove(&id) {
                    self.note(|| BookUndo::Contract(id, Some(prev)));
                }
            }
        }
    }

    // ---- planning (pure: reads state, changes nothing) -------------------------------------

    fn program_state(&self, id: &str) -> Result<&ProgramState> {
        self.programs
            .get(id)
            .ok_or_else(|| LedgerError::ProgramNotFound {
                program: id.to_string(),
            })
    }

    fn plan(&self, request_id: &str, command: &Command, now: i64) -> Result<Plan> {
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

    fn need_account(
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

    fn cap_fen(p: &Program, fy: Option<&FirmYear>) -> Result<u64> {
        let mut cap = yuan_to_fen(p.cap_per_firm_yuan, "cap_per_firm_yuan")?;
        if fy.and_then(|f| f.rating) == Some(Rating::Excellent) {
            if let Some(b) = p.cap_bonus_excellent_yuan {
                cap = cap.saturating_add(yuan_to_fen(b, "cap_bonus_excellent_yuan")?);
            }
        }
        Ok(cap)
    }

    fn plan_grant(
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

    #[allow(clippy::too_many_arguments)]
    fn plan_redeem(
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
            return Err(LedgerError::InvalidRequestId {
                request_id: contract_id.to_string(),
                reason: "contract id must be 1–200 bytes",
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
    fn hold_active(&self, c: &Contract, now: i64) -> bool {
        c.status == ContractStatus::Held
            && c.hold_until_s.is_none_or(|d| d > now)
            && c.transfer_ids
                .first()
                .is_some_and(|&id| self.ledger.pending_state(id) == Some(PendingState::Pending))
    }

    /// Subsidy of a firm's program year reserved by holds in force.
    fn held_fen(&self, program: &str, year: Year, firm: &EnterpriseId, now: i64) -> u64 {
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
    fn plan_resolve(
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

    fn plan_expire(
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
    fn plan_clawback(
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

    // ---- replay and verification ----------------------------------------------------------

    fn replay_all(&mut self) -> Result<()> {
        let name = self.journal.describe();
        let entries = self.journal.entries()?;
        let head = self.journal.head()?;
        verify_chain(&name, &entries, &head, request_of)?;
        let mut i = 0;
        while i < entries.len() {
            let Some(first) = entries.get(i) else { break };
            let header: Record = parse_record(first)?;
            let Record::Request {
                request_id,
                at_s,
                content_hash,
                entries: n,
                command,
            } = header
            else {
                return Err(LedgerError::ReplayMismatch {
                    seq: first.seq,
                    request_id: String::new(),
                    reason: "a batch does not start with a request record".into(),
                });
            };
            let n = n as usize;
            let rest =
                entries
                    .get(i + 1..i + 1 + n)
                    .ok_or_else(|| LedgerError::ReplayMismatch {
                        seq: first.seq,
                        request_id: request_id.clone(),
                        reason: format!("the batch should have {n} more entries"),
                    })?;
            let mut records = Vec::with_capacity(n);
            for e in rest {
                if e.batch != first.batch {
                    return Err(LedgerError::ReplayMismatch {
                        seq: e.seq,
                        request_id: request_id.clone(),
                        reason: format!(
                            "entry belongs to batch {}, expected {}",
                            e.batch, first.batch
                        ),
                    });
                }
                records.push(parse_record(e)?);
            }
            if let Some(next) = entries.get(i + 1 + n) {
                if next.batch == first.batch {
                    return Err(LedgerError::ReplayMismatch {
                        seq: next.seq,
                        request_id: request_id.clone(),
                        reason: "more entries in the batch than its header announces".into(),
                    });
                }
            }
            let command = match command {
                Command::CreateTransfers { count, .. } => {
                    let transfers: Vec<Transfer> = records
                        .iter()
                        .filter_map(|r| match r {
                            Record::Transfer { transfer } => Some(Transfer {
                                timestamp_s: 0,
                                ..*transfer
                            }),
                            _ => None,
                        })
                        .collect();
                    if transfers.len() != count as usize {
                        return Err(LedgerError::ReplayMismatch {
                            seq: first.seq,
                            request_id,
                            reason: format!(
                                "header counts {count} transfers, found {}",
                                transfers.len()
                            ),
                        });
                    }
                    Command::CreateTransfers { transfers, count }
                }
                other => other,
            };
            let mut hash = [0u8; 32];
            hex::decode_to_slice(&content_hash, &mut hash).map_err(|_| {
                LedgerError::ReplayMismatch {
                    seq: first.seq,
                    request_id: request_id.clone(),
                    reason: "content hash is not 64 hex digits".into(),
                }
            })?;
            if self.requests.contains_key(&request_id) {
                return Err(LedgerError::ReplayMismatch {
                    seq: first.seq,
                    request_id,
                    reason: "request id appears twice in the journal".into(),
                });
            }
            let replay = Replay {
                seq: first.seq,
                at_s,
                records: &records,
            };
            self.run(&request_id, command, hash, at_s, Some(replay))
                .map_err(|e| match e {
                    LedgerError::ReplayMismatch { .. } => e,
                    other => LedgerError::ReplayMismatch {
                        seq: first.seq,
                        request_id: request_id.clone(),
                        reason: format!("the recorded request fails on replay: {other}"),
                    },
                })?;
            i += 1 + n;
        }
        self.head = head;
        if head.seq == 0 {
            self.head.hash = GENESIS_HASH;
        }
        self.check_invariants()
    }

    /// Verifies the journal in full: the hash chain (naming any edited or missing entry), a
    /// replay of every request into a fresh ledger compared with what was recorded, and every
    /// invariant. Leaves this book untouched.
    pub fn verify(&self) -> Result<VerifyReport> {
        verify_journal(&self.journal)
    }

    /// Checks the ledger's invariants and the programs' against it: every firm year's
    /// counters equal its voucher account, no firm over its cap, no budget overdrawn, no
    /// subsidy above ratio × contract, each contract once.
    pub fn check_invariants(&self) -> Result<()> {
        self.ledger.check_invariants()?;
        let bad = |detail: String| Err(LedgerError::Invariant { detail });
        for s in self.programs.values() {
            let p = &s.program;
            for ((y, f), fy) in &s.firms {
                let vid = account_id(&names::voucher(&p.id, *y, f));
                let bal = self
                    .ledger
                    .account(vid)
                    .map(|a| a.credit_balance_fen())
                    .unwrap_or(0);
                let expect = i128::from(fy.granted_fen)
                    - i128::from(fy.redeemed_fen)
                    - i128::from(fy.expired_fen)
                    - i128::from(fy.clawed_back_unused_fen);
                if bal != expect {
                    return bad(format!(
                        "program '{}' {y} firm {f}: voucher balance {bal} fen ≠ granted − redeemed − expired − clawed back = {expect}",
                        p.id
                    ));
                }
                let cap = Self::cap_fen(p, Some(fy))?;
                if fy.granted_fen > cap || fy.redeemed_fen > fy.granted_fen {
                    return bad(format!(
                        "program '{}' {y} firm {f}: granted {} / redeemed {} over cap {cap}",
                        p.id, fy.granted_fen, fy.redeemed_fen
                    ));
                }
            }
            if let Some(b) = p.annual_budget_yuan {
                let budget_fen = yuan_to_fen(b, "annual_budget_yuan")?;
                let years: BTreeSet<Year> = s.firms.keys().map(|(y, _)| *y).collect();
                for y in years {
                    if let Some(a) = self.ledger.account(account_id(&names::budget(&p.id, y))) {
                        if a.credit_balance_fen() < 0 || a.credits_posted_fen < budget_fen {
                            return bad(format!(
                                "program '{}' {y}: budget overdrawn or unfunded",
                                p.id
                            ));
                        }
                    }
                }
            }
        }
        for c in self.contracts.values() {
            let max = ratio_floor_fen(c.contract_amount_fen, c.ratio, "ratio")?;
            if c.subsidy_fen > max || c.subsidy_fen > c.contract_amount_fen {
                return bad(format!(
                    "contract '{}': subsidy {} above ratio × contract {max}",
                    c.contract_id, c.subsidy_fen
                ));
            }
        }
        Ok(())
    }
}

/// Verifies a journal without opening a book on it: the hash chain (naming any edited or
/// missing entry), then a replay of every request into a fresh in-memory book, compared with
/// what was recorded, and every invariant.
pub fn verify_journal<J: Journal + ?Sized>(journal: &J) -> Result<VerifyReport> {
    let name = journal.describe();
    let entries = journal.entries()?;
    let head = journal.head()?;
    let chain = verify_chain(&name, &entries, &head, request_of)?;
    let mut copy = MemoryJournal::new();
    *copy.entries_mut() = entries;
    let fresh = VoucherBook::with_journal(copy, Box::new(SystemClock))?;
    Ok(VerifyReport {
        journal: name,
        chain,
        requests: fresh.request_ids.len() as u64,
        accounts: fresh.ledger.accounts().len() as u64,
        transfers: fresh.ledger.transfers().len() as u64,
        posted_total_fen: fresh.ledger.posted_total_fen(),
    })
}

fn parse_record(e: &JournalEntry) -> Result<Record> {
    serde_json::from_str(&e.body).map_err(|err| LedgerError::ReplayMismatch {
        seq: e.seq,
        request_id: String::new(),
        reason: format!("entry does not parse: {err}"),
    })
}

fn request_of(e: &JournalEntry) -> Option<String> {
    // Cheap check first: only request headers carry "request_id".
    if !e.body.starts_with("{\"type\":\"request\"") {
        return None;
    }
    #[derive(Deserialize)]
    struct H {
        request_id: String,
    }
    serde_json::from_str::<H>(&e.body)
        .ok()
        .map(|h| h.request_id)
}

fn summarize(c: &Command) -> String {
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
