//! The record of first purchases (首购首用) kept on the voucher ledger, so that purchases
//! recorded in one process are there for the next (and for `scenario report`).
//!
//! Each purchase is a ledger document (collection [`PURCHASE_COLLECTION`], keyed by its
//! contract id), beside the catalogue entry it was recorded against (collection
//! [`PURCHASE_ENTRY_COLLECTION`], keyed by product), and each batch leaves a record of its
//! request (collection [`PURCHASE_REQUEST_COLLECTION`], keyed by the caller's request id)
//! holding its contract ids and reply. A batch is all or nothing: every purchase is checked
//! (listed on its date, amount positive, a contract id not recorded with other content)
//! before one request puts them all. The same request id with the same purchases returns the
//! first reply and writes nothing; with other purchases it is refused.

use scenario_market::Key;
use scenario_market::purchase::{Catalogue, CatalogueEntry, Category, Purchase, PurchaseLog};
use serde::{Deserialize, Serialize};
use voucher_ledger::book::Document;
use voucher_ledger::{Journal, LedgerError, VoucherBook};

use crate::error::{CultivationError, Result};

/// The ledger collection of purchases, one document per contract id.
pub const PURCHASE_COLLECTION: &str = "scenario-market/purchase";
/// The ledger collection of the catalogue entries purchases were recorded against, by product.
pub const PURCHASE_ENTRY_COLLECTION: &str = "scenario-market/purchase-entry";
/// The ledger collection of purchase batches, one document per request id.
pub const PURCHASE_REQUEST_COLLECTION: &str = "scenario-market/purchase-request";
/// Most purchases one batch records: two documents each and the request's record must fit
/// one ledger request ([`voucher_ledger::book::DOCUMENTS_PER_REQUEST_MAX`]), and the record
/// of the contract ids one document.
pub const PURCHASES_PER_BATCH_MAX: usize = 2_000;

/// One purchase of a batch as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedPurchase {
    /// The purchase.
    pub purchase: Purchase,
    /// The product's category in the catalogue.
    pub category: Category,
    /// Whether it is the product's first purchase (首购) in the record after the batch.
    pub first: bool,
    /// True when this contract was recorded before with the same content (by an earlier
    /// batch): nothing was written for it.
    pub already_recorded: bool,
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseReply {
    /// The caller's request id.
    pub request_id: String,
    /// Each purchase, in the order given.
    pub purchases: Vec<RecordedPurchase>,
    /// True when this request had been made before: the first reply, nothing written now.
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BatchRecord {
    ids: Vec<Key>,
    reply: PurchaseReply,
}

/// The record of purchases on the ledger and the catalogue entries they were recorded
/// against. A stored document that does not read back is an error naming it.
pub fn load_purchases<J: Journal>(book: &VoucherBook<J>) -> Result<(PurchaseLog, Catalogue)> {
    let purchases = book
        .documents(PURCHASE_COLLECTION)
        .into_iter()
        .map(|d| d.document.read::<Purchase>())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let entries = book
        .documents(PURCHASE_ENTRY_COLLECTION)
        .into_iter()
        .map(|d| d.document.read::<CatalogueEntry>())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((
        PurchaseLog::restore(purchases)?,
        Catalogue::from_entries(entries)?,
    ))
}

fn invalid(request_id: &str, reason: String) -> CultivationError {
    CultivationError::Market(scenario_market::MarketError::State {
        what: "purchase batch",
        id: request_id.to_string(),
        action: "record".into(),
        reason,
    })
}

/// Records `purchases` of products in `catalogue` under `request_id`, all or nothing (see the
/// module documentation). Refused, with nothing written: an empty batch or one over
/// [`PURCHASES_PER_BATCH_MAX`]; a contract id twice in the batch; a product not listed on its
/// purchase date; a contract id recorded before with other content; a request id used before
/// for other purchases.
pub fn record_purchases<J: Journal>(
    book: &mut VoucherBook<J>,
    request_id: &str,
    catalogue: &Catalogue,
    purchases: Vec<Purchase>,
) -> Result<PurchaseReply> {
    let ids: Vec<Key> = purchases.iter().map(|p| p.id.clone()).collect();
    if let Some(d) = book.document(PURCHASE_REQUEST_COLLECTION, request_id) {
        let first: BatchRecord = d.document.read()?;
        let same = first.ids == ids
            && first
                .reply
                .purchases
                .iter()
                .zip(&purchases)
                .all(|(r, p)| r.purchase == *p);
        if same {
            return Ok(PurchaseReply {
                replayed: true,
                ..first.reply
            });
        }
        return Err(LedgerError::RequestConflict {
            request_id: request_id.to_string(),
            seq: d.seq,
            detail: format!("a purchase batch of {} contract(s)", first.ids.len()),
        }
        .into());
    }
    if purchases.is_empty() || purchases.len() > PURCHASES_PER_BATCH_MAX {
        return Err(invalid(
            request_id,
            format!(
                "{} purchases: a batch records 1..={PURCHASES_PER_BATCH_MAX}",
                purchases.len()
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(p) = purchases.iter().find(|p| !seen.insert(&p.id)) {
        return Err(invalid(
            request_id,
            format!("contract '{}' is given twice", p.id),
        ));
    }
    let (mut log, stored) = load_purchases(book)?;
    let mut entries: std::collections::BTreeMap<Key, CatalogueEntry> = stored
        .entries()
        .map(|e| (e.product.clone(), e.clone()))
        .collect();
    let mut documents = Vec::new();
    let mut changed = std::collections::BTreeSet::new();
    let mut already = Vec::with_capacity(purchases.len());
    for p in &purchases {
        let before = log.record(catalogue, p.clone())?;
        already.push(before);
        if before {
            continue;
        }
        // Listed on its date: `record` checked it.
        let entry = catalogue
            .listed(&p.product, p.date)
            .ok_or_else(|| invalid(request_id, format!("product '{}' not listed", p.product)))?;
        documents.push(Document::of(PURCHASE_COLLECTION, p.id.as_str(), p)?);
        if entries.get(&entry.product) != Some(entry) {
            changed.insert(entry.product.clone());
            entries.insert(entry.product.clone(), entry.clone());
        }
    }
    // One document a product whose entry is new or changed (a request puts a key once).
    for product in &changed {
        if let Some(e) = entries.get(product) {
            documents.push(Document::of(
                PURCHASE_ENTRY_COLLECTION,
                product.as_str(),
                e,
            )?);
        }
    }
    let firsts: std::collections::BTreeSet<Key> = log
        .first_purchases(&Catalogue::from_entries(entries.values().cloned())?)
        .into_iter()
        .map(|f| f.purchase.id)
        .collect();
    let mut recorded = Vec::with_capacity(purchases.len());
    for (p, already_recorded) in purchases.iter().zip(already) {
        // Every recorded product has its entry: stored with its first purchase, or put above.
        let category = entries.get(&p.product).map(|e| e.category).ok_or_else(|| {
            invalid(
                request_id,
                format!(
                    "the ledger holds no catalogue entry of product '{}'",
                    p.product
                ),
            )
        })?;
        recorded.push(RecordedPurchase {
            first: firsts.contains(&p.id),
            category,
            purchase: p.clone(),
            already_recorded,
        });
    }
    let reply = PurchaseReply {
        request_id: request_id.to_string(),
        purchases: recorded,
        replayed: false,
    };
    documents.push(Document::of(
        PURCHASE_REQUEST_COLLECTION,
        request_id,
        &BatchRecord {
            ids,
            reply: reply.clone(),
        },
    )?);
    book.put_documents(request_id, documents)?;
    Ok(reply)
}
