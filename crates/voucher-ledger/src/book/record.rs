//! The journal record of a request: a [`Record::Request`] header followed by the accounts and
//! transfers it produced, one JSON body per journal entry, and how a body is read back.

use serde::{Deserialize, Serialize};

use crate::core::{NewAccount, Transfer};
use crate::error::{LedgerError, Result};
use crate::journal::JournalEntry;

use super::request::Command;
use super::state::AccountMeta;

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
    /// A document the request put.
    Document {
        /// The document.
        document: super::document::Document,
    },
}

pub(super) fn parse_record(e: &JournalEntry) -> Result<Record> {
    serde_json::from_str(&e.body).map_err(|err| LedgerError::ReplayMismatch {
        seq: e.seq,
        request_id: String::new(),
        reason: format!("entry does not parse: {err}"),
    })
}

/// The request id of a batch's header entry (`None` for the other entries): what a journal
/// that keeps request ids unique (a database's unique constraint) indexes.
pub fn request_of(e: &JournalEntry) -> Option<String> {
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
