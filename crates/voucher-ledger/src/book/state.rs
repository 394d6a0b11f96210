//! The book's program state beside the ledger: what each account is ([`AccountMeta`]), each
//! firm's year in a program ([`FirmYear`]), claimed and held contracts ([`Contract`]), the
//! programs with their extra providers, and the record of each request applied.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Tier, Year};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::journal::{Head, JournalEntry};
use crate::program::{Program, Provider, Rating};

use super::request::Reply;

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
    pub(super) fn years_of(&self, firm: EnterpriseId) -> Vec<(Year, &FirmYear)> {
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

    pub(super) fn provider(&self, id: &str) -> Option<Provider> {
        self.extra_providers
            .get(id)
            .cloned()
            .or_else(|| self.program.provider(id))
    }
}

#[derive(Debug, Clone)]
pub(super) struct RequestRecord {
    pub(super) seq: u64,
    pub(super) content_hash: [u8; 32],
    pub(super) reply: Reply,
    pub(super) summary: String,
}

/// What an open group holds: the journal batches of its requests, not yet written, and how
/// to undo each change its requests made to the book's program state (the ledger has its own
/// undo log, opened by a checkpoint when the group began).
#[derive(Debug, Default)]
pub(super) struct GroupState {
    /// Open frames: 1 for a group, 2 and more inside nested groups.
    pub(super) depth: usize,
    /// One journal batch per request, in order, chained from the book's head.
    pub(super) batches: Vec<Vec<JournalEntry>>,
    /// Σ entries of `batches`.
    pub(super) entries: usize,
    /// How to undo each change to the book's state, in the order made.
    pub(super) undo: Vec<BookUndo>,
    /// The journal's head when the outermost group began: what is durable until it commits.
    pub(super) durable_head: Head,
}

/// One change to the book's own state (outside the ledger), with what it replaced.
#[derive(Debug)]
pub(super) enum BookUndo {
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
