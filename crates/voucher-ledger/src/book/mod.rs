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
//!
//! # Where each part lives
//!
//! | file | what it owns |
//! |---|---|
//! | `mod.rs` | [`VoucherBook`] itself: opening, the clock, and every read (balances, eligible programs, quotes) |
//! | `request.rs` | requests and replies: [`Command`], [`Reply`] and the receipts, request-id checks, content hashing, summaries |
//! | `chart.rs` | the chart of accounts and naming: account and transfer codes, account names, ids, [`grant_key`] |
//! | `state.rs` | the book's program state: [`FirmYear`], [`Contract`], [`AccountMeta`], program and request records |
//! | `record.rs` | the journal record of a request ([`Record`]) and how it is read back |
//! | `write.rs` | the write API, one method per command |
//! | `plan.rs` | planning (pure: reads state, changes nothing): dispatch, grants, expiry, clawback |
//! | `redeem.rs` | planning of redemptions and holds, and their settlement or release |
//! | `apply.rs` | running one request: apply a plan to the ledger, journal it, fold its effects in; the undo log |
//! | `group.rs` | group commit: many requests in one journal transaction, all or nothing |
//! | `session.rs` | several writers on one journal: the write session, catching up, `refresh` |
//! | `replay.rs` | replay of the journal at open, [`VoucherBook::verify`], [`verify_journal`], `check_invariants` |

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use registry_model::{EnterpriseId, Year};

use crate::clock::{Clock, SystemClock, date_of};
use crate::core::Ledger;
use crate::error::{LedgerError, Result};
use crate::journal::{Anchor, GROUP_REQUESTS_MAX, Head, Journal, MemoryJournal, SqliteJournal};
use crate::program::{Firm, Program, RuleContext, standard_rules};

mod apply;
pub mod challenge;
mod chart;
pub mod credit;
pub mod document;
mod group;
mod plan;
mod record;
mod redeem;
mod replay;
mod request;
mod session;
mod state;
mod write;

pub use challenge::{ChallengeReceipt, ChallengeStep, ChallengeTeam};
pub use chart::{account_code, account_id, contract_ref, grant_key, names, transfer_code};
pub use credit::{CreditAccount, CreditAccountKind, CreditCode, CreditPosting, CreditSide};
pub use document::{Document, StoredDocument};
pub use record::{Record, request_of};
pub use replay::{
    VerifyReport, verify_journal, verify_journal_against, verify_journal_against_kept,
};
pub use request::{
    ClawbackReceipt, Command, ExpireReceipt, GrantReceipt, REQUEST_ID_LEN_MAX, RedeemReceipt,
    Reply, SubsidyLimit,
};
pub(crate) use state::ProgramState;
pub use state::{AccountMeta, Contract, ContractLeg, ContractStatus, FirmYear};

use state::GroupState;
use state::RequestRecord;

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
    /// Why catching up with other writers failed, if it did: the book then refuses writes.
    stale: Option<String>,
    /// The teams of challenge programs.
    teams: BTreeMap<challenge::TeamKey, challenge::ChallengeTeam>,
    /// Documents by (collection, key), their latest version.
    documents: BTreeMap<(String, String), document::StoredDocument>,
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
            stale: None,
            teams: BTreeMap::new(),
            documents: BTreeMap::new(),
        }
    }
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
            stale: None,
            teams: BTreeMap::new(),
            documents: BTreeMap::new(),
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

    /// The anchor of what this book has written durably: its journal's head (before the open
    /// group, if one is open). Keep it outside the journal (its text form is one line) and
    /// check the journal against it later with [`VoucherBook::verify_against`] or
    /// [`verify_journal_against`]: a journal cut short since is caught.
    pub fn anchor(&self) -> Anchor {
        Anchor::of_head(self.group.as_ref().map_or(&self.head, |g| &g.durable_head))
    }

    /// The ledger date now (the clock's, never before the last applied request).
    pub fn today(&self) -> NaiveDate {
        date_of(self.clock.now_s().max(self.ledger.last_timestamp_s()))
    }

    /// What a program's budget for `year` still holds, in fen: the whole annual budget before
    /// the year's first grant funds it. `None` for an unknown program or one without a budget
    /// (only its caps bound it). What an allocation shares out ([`crate::allocation`]).
    pub fn budget_left_fen(&self, program: &str, year: Year) -> Option<u64> {
        let p = self.program(program)?;
        let budget_fen =
            crate::money::yuan_to_fen(p.annual_budget_yuan?, "annual_budget_yuan").ok()?;
        Some(
            self.ledger
                .account(account_id(&names::budget(&p.id, year)))
                .map_or(budget_fen, |a| a.available_fen()),
        )
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
                room && p.kind != crate::program::VoucherKind::Challenge
                    && !fy.is_some_and(|f| f.clawed_back)
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
        }
        .normalized()?;
        match self.plan("quote", &cmd, now)?.reply {
            Some(Reply::Redeemed(r)) => Ok(r),
            other => Err(LedgerError::Invariant {
                detail: format!("a redemption planned to {other:?}"),
            }),
        }
    }
}
