//! Documents: state that callers above the ledger must keep durably beside their money — a
//! challenge task between its steps, a credit program's line records, a published scenario
//! list — journaled as requests of the book ([`Command::PutDocuments`]) so that it is written
//! in the same transaction as the transfers it goes with (one [`VoucherBook::group`]), replayed
//! on reopening, covered by `verify`, and stored by every [`Journal`] without a table of its
//! own.
//!
//! A document is a JSON body under a collection and a key. Putting a document under a key that
//! holds one replaces it (the journal keeps every version); documents move no money and leave
//! the ledger clock where it is. A request puts at most [`DOCUMENTS_PER_REQUEST_MAX`]
//! documents, each at most [`DOCUMENT_BYTES_MAX`] bytes of JSON; they are journaled as one
//! entry each after the request's header, as raw transfer batches are.

use serde::{Deserialize, Serialize};

use crate::core::BATCH_MAX;
use crate::error::{LedgerError, Result};
use crate::ids::{IdFault, check_id_text};
use crate::journal::{BODY_BYTES_MAX, Journal};

use super::VoucherBook;
use super::plan::Plan;
use super::request::{Command, Reply};
use super::state::BookUndo;

/// The most documents one request puts (one journal entry each, as a raw transfer batch).
pub const DOCUMENTS_PER_REQUEST_MAX: usize = BATCH_MAX;
/// The most bytes of one document as JSON (collection, key and body): an entry's limit less
/// room for the record around it.
pub const DOCUMENT_BYTES_MAX: usize = BODY_BYTES_MAX - 4_096;
/// The longest collection name, in bytes.
pub const COLLECTION_LEN_MAX: usize = 128;
/// The longest document key, in bytes (as long as a request id).
pub const DOCUMENT_KEY_LEN_MAX: usize = crate::ids::REQUEST_ID_LEN_MAX;

/// A document: a JSON body under a collection and a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Its collection: 1–128 bytes of ASCII letters, digits and `-_./` (such as
    /// `scenario-market/challenge`).
    pub collection: String,
    /// Its key within the collection: 1–200 bytes, no control characters.
    pub key: String,
    /// The body.
    pub body: serde_json::Value,
}

impl Document {
    /// A document of `body` serialised to JSON.
    pub fn of<T: Serialize>(collection: &str, key: &str, body: &T) -> Result<Self> {
        let body = serde_json::to_value(body).map_err(|e| LedgerError::Invariant {
            detail: format!("document {collection}/{key} does not serialise: {e}"),
        })?;
        Ok(Self {
            collection: collection.to_string(),
            key: key.to_string(),
            body,
        })
    }

    /// The body read back as `T`; an error naming the document when it does not fit.
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.body).map_err(|e| LedgerError::Invariant {
            detail: format!(
                "document {}/{} does not read back: {e}",
                self.collection, self.key
            ),
        })
    }

    fn check(&self, request_id: &str) -> Result<()> {
        let bad = |field: &str, value: &str, reason: &str| LedgerError::InvalidRequest {
            request_id: request_id.to_string(),
            field: field.to_string(),
            value: value.chars().take(80).collect(),
            reason: reason.to_string(),
        };
        let c = &self.collection;
        if c.is_empty()
            || c.len() > COLLECTION_LEN_MAX
            || !c
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
        {
            return Err(bad(
                "collection",
                c,
                "must be 1–128 ASCII letters, digits or '-', '_', '.', '/'",
            ));
        }
        if let Err(f) = check_id_text(&self.key, DOCUMENT_KEY_LEN_MAX) {
            let reason = match f {
                IdFault::Empty => "empty",
                IdFault::TooLong => "longer than 200 bytes",
                IdFault::ControlCharacter => "contains control characters",
            };
            return Err(bad("key", &self.key, reason));
        }
        let len = serde_json::to_vec(self)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if len > DOCUMENT_BYTES_MAX {
            return Err(bad(
                "body",
                &format!("{len} bytes"),
                "longer than the 1 MiB journal entry allows",
            ));
        }
        Ok(())
    }
}

/// A document as the book holds it: the latest version under its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDocument {
    /// The document.
    pub document: Document,
    /// The request that put this version.
    pub request_id: String,
    /// The journal entry of that request's header.
    pub seq: u64,
    /// Its position among the request's documents.
    pub position: u32,
    /// Versions put under the key so far (1 for the first).
    pub version: u32,
}

impl<J: Journal> VoucherBook<J> {
    /// Puts `documents` under `request_id`, all or nothing (repeating the request with the
    /// same documents returns its first reply and writes nothing). In a
    /// [`VoucherBook::group`], they commit with the group's transfers.
    pub fn put_documents(&mut self, request_id: &str, documents: Vec<Document>) -> Result<Reply> {
        self.execute(
            request_id,
            Command::PutDocuments {
                count: u32::try_from(documents.len()).unwrap_or(u32::MAX),
                documents,
            },
        )
    }

    /// The latest version of a document.
    pub fn document(&self, collection: &str, key: &str) -> Option<&StoredDocument> {
        self.documents
            .get(&(collection.to_string(), key.to_string()))
    }

    /// Every document of a collection (the latest version of each key), in the order they
    /// were last put.
    pub fn documents(&self, collection: &str) -> Vec<&StoredDocument> {
        let from = (collection.to_string(), String::new());
        let mut out: Vec<&StoredDocument> = self
            .documents
            .range(from..)
            .take_while(|((c, _), _)| c == collection)
            .map(|(_, d)| d)
            .collect();
        out.sort_by_key(|d| (d.seq, d.position));
        out
    }

    /// Whether a request id has been applied (a repeat of it returns its first reply).
    pub fn has_request(&self, request_id: &str) -> bool {
        self.requests.contains_key(request_id)
    }

    pub(super) fn plan_documents(
        &self,
        request_id: &str,
        plan: &mut Plan,
        documents: &[Document],
        count: u32,
    ) -> Result<()> {
        if documents.is_empty() {
            return Err(LedgerError::EmptyBatch {
                what: "documents",
                request_id: request_id.to_string(),
            });
        }
        if documents.len() > DOCUMENTS_PER_REQUEST_MAX {
            return Err(LedgerError::BatchTooLarge {
                what: "documents",
                len: documents.len(),
                max: DOCUMENTS_PER_REQUEST_MAX,
            });
        }
        if count as usize != documents.len() {
            return Err(LedgerError::Invariant {
                detail: format!(
                    "request '{request_id}' counts {count} documents and carries {}",
                    documents.len()
                ),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for d in documents {
            d.check(request_id)?;
            if !seen.insert((&d.collection, &d.key)) {
                return Err(LedgerError::InvalidRequest {
                    request_id: request_id.to_string(),
                    field: "key".into(),
                    value: format!("{}/{}", d.collection, d.key),
                    reason: "given twice in one request".into(),
                });
            }
        }
        plan.documents = documents.to_vec();
        plan.reply = Some(Reply::DocumentsPut { count });
        Ok(())
    }

    /// Keeps the documents a request put (after its journal write), noting the versions
    /// they replace for a group's rollback.
    pub(super) fn store_documents(&mut self, request_id: &str, seq: u64, documents: Vec<Document>) {
        for (position, document) in documents.into_iter().enumerate() {
            let key = (document.collection.clone(), document.key.clone());
            let version = self
                .documents
                .get(&key)
                .map_or(1, |d| d.version.saturating_add(1));
            let prev = self.documents.insert(
                key.clone(),
                StoredDocument {
                    document,
                    request_id: request_id.to_string(),
                    seq,
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    version,
                },
            );
            self.note(|| BookUndo::Document(key, prev.map(Box::new)));
        }
    }
}
