//! Follow-through kept on the voucher ledger: the matches a program office made (so that what
//! is reported later can be checked against them) and the orders and revenue the matched
//! firms reported after, so that `scenario report` can say, for any year, what the matches
//! became.
//!
//! A match is a ledger document (collection [`MATCH_COLLECTION`], keyed
//! `{year}/{scenario}/{firm}`, the year being that of the scenario's close); an outcome report
//! is one too ([`OUTCOME_COLLECTION`], keyed `{scenario}/{firm}/{reported}`). Each batch
//! leaves a record of its request ([`FOLLOW_REQUEST_COLLECTION`], keyed by the caller's
//! request id) with its keys and reply. A batch is all or nothing: every record is checked
//! (an outcome must be of a recorded match; a key recorded before must hold the same content)
//! before one ledger request puts them all. The same request id with the same records returns
//! the first reply and writes nothing; with other records it is refused.

use std::collections::{BTreeMap, BTreeSet};

use registry_model::{EnterpriseId, Year};
use scenario_market::follow::{MatchedPair, Outcome};
use scenario_market::{Key, MarketError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use voucher_ledger::book::Document;
use voucher_ledger::{Journal, LedgerError, VoucherBook};

use crate::error::{CultivationError, Result};

/// The ledger collection of matches, one document per `{year}/{scenario}/{firm}`.
pub const MATCH_COLLECTION: &str = "scenario-market/match";
/// The ledger collection of outcome reports, one document per `{scenario}/{firm}/{reported}`.
pub const OUTCOME_COLLECTION: &str = "scenario-market/outcome";
/// The ledger collection of match and outcome batches, one document per request id.
pub const FOLLOW_REQUEST_COLLECTION: &str = "scenario-market/follow-request";
/// Most records one batch writes: one document each and the request's record (holding every
/// key) must fit one ledger request and one document.
pub const FOLLOW_RECORDS_PER_BATCH_MAX: usize = 2_000;

/// What a batch of matches or outcomes did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowReply {
    /// The caller's request id.
    pub request_id: String,
    /// `match` or `outcome`.
    pub verb: String,
    /// Records in the batch.
    pub records: usize,
    /// Of which written now.
    pub written: usize,
    /// Of which recorded before with the same content (nothing written for them).
    pub already_recorded: usize,
    /// True when this request had been made before: the first reply, nothing written now.
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BatchRecord {
    keys: Vec<String>,
    reply: FollowReply,
}

fn refused(verb: &str, id: &str, reason: String) -> CultivationError {
    CultivationError::Market(MarketError::State {
        what: "follow-through batch",
        id: id.to_string(),
        action: verb.to_string(),
        reason,
    })
}

/// Writes `records` (key, body) into `collection` under `request_id`, all or nothing.
fn record_batch<J: Journal, T: Serialize + DeserializeOwned + PartialEq>(
    book: &mut VoucherBook<J>,
    request_id: &str,
    verb: &str,
    collection: &str,
    records: Vec<(String, T)>,
) -> Result<FollowReply> {
    let keys: Vec<String> = records.iter().map(|(k, _)| k.clone()).collect();
    let stored = |book: &VoucherBook<J>, key: &str| -> Result<Option<T>> {
        book.document(collection, key)
            .map(|d| d.document.read::<T>())
            .transpose()
            .map_err(Into::into)
    };
    if let Some(d) = book.document(FOLLOW_REQUEST_COLLECTION, request_id) {
        let first: BatchRecord = d.document.read()?;
        let mut same = first.reply.verb == verb && first.keys == keys;
        for (k, v) in &records {
            same = same && stored(book, k)?.as_ref() == Some(v);
        }
        if same {
            return Ok(FollowReply {
                replayed: true,
                ..first.reply
            });
        }
        return Err(LedgerError::RequestConflict {
            request_id: request_id.to_string(),
            seq: d.seq,
            detail: format!(
                "a {} batch of {} record(s)",
                first.reply.verb,
                first.keys.len()
            ),
        }
        .into());
    }
    if records.is_empty() || records.len() > FOLLOW_RECORDS_PER_BATCH_MAX {
        return Err(refused(
            verb,
            request_id,
            format!(
                "{} records: a batch writes 1..={FOLLOW_RECORDS_PER_BATCH_MAX}",
                records.len()
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut documents = Vec::with_capacity(records.len() + 1);
    let mut already = 0;
    for (k, v) in &records {
        if !seen.insert(k.as_str()) {
            return Err(refused(verb, request_id, format!("'{k}' is given twice")));
        }
        match stored(book, k)? {
            Some(old) if old == *v => already += 1,
            Some(_) => {
                return Err(refused(
                    verb,
                    request_id,
                    format!("'{k}' is recorded already with other content"),
                ));
            }
            None => documents.push(Document::of(collection, k, v)?),
        }
    }
    let reply = FollowReply {
        request_id: request_id.to_string(),
        verb: verb.to_string(),
        records: records.len(),
        written: documents.len(),
        already_recorded: already,
        replayed: false,
    };
    documents.push(Document::of(
        FOLLOW_REQUEST_COLLECTION,
        request_id,
        &BatchRecord {
            keys,
            reply: reply.clone(),
        },
    )?);
    book.put_documents(request_id, documents)?;
    Ok(reply)
}

fn match_key(p: &MatchedPair) -> String {
    format!(
        "{}/{}/{}",
        chrono::Datelike::year(&p.closes),
        p.scenario,
        p.firm
    )
}

/// Records the matched `pairs` under `request_id`, all or nothing (see the module
/// documentation).
pub fn record_matches<J: Journal>(
    book: &mut VoucherBook<J>,
    request_id: &str,
    pairs: Vec<MatchedPair>,
) -> Result<FollowReply> {
    let records = pairs.into_iter().map(|p| (match_key(&p), p)).collect();
    record_batch(book, request_id, "match", MATCH_COLLECTION, records)
}

/// Every match on the ledger, by key.
pub fn load_matches<J: Journal>(book: &VoucherBook<J>) -> Result<Vec<MatchedPair>> {
    book.documents(MATCH_COLLECTION)
        .into_iter()
        .map(|d| Ok(d.document.read::<MatchedPair>()?))
        .collect()
}

/// Every outcome report on the ledger, by key.
pub fn load_outcomes<J: Journal>(book: &VoucherBook<J>) -> Result<Vec<Outcome>> {
    book.documents(OUTCOME_COLLECTION)
        .into_iter()
        .map(|d| Ok(d.document.read::<Outcome>()?))
        .collect()
}

/// Records the outcome reports under `request_id`, all or nothing. Refused besides: a report
/// of a scenario and firm with no recorded match, or dated before the scenario closed.
pub fn record_outcomes<J: Journal>(
    book: &mut VoucherBook<J>,
    request_id: &str,
    outcomes: Vec<Outcome>,
) -> Result<FollowReply> {
    if book
        .document(FOLLOW_REQUEST_COLLECTION, request_id)
        .is_none()
    {
        let matched: BTreeMap<(Key, EnterpriseId), chrono::NaiveDate> = load_matches(book)?
            .into_iter()
            .map(|p| ((p.scenario, p.firm), p.closes))
            .collect();
        for o in &outcomes {
            match matched.get(&(o.scenario.clone(), o.firm)) {
                None => {
                    return Err(refused(
                        "outcome",
                        request_id,
                        format!(
                            "firm {} has no recorded match to scenario '{}'",
                            o.firm, o.scenario
                        ),
                    ));
                }
                Some(closes) if o.reported < *closes => {
                    return Err(refused(
                        "outcome",
                        request_id,
                        format!(
                            "report of {} for '{}' is dated {}, before the scenario closed on {closes}",
                            o.firm, o.scenario, o.reported
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let records = outcomes
        .into_iter()
        .map(|o| (format!("{}/{}/{}", o.scenario, o.firm, o.reported), o))
        .collect();
    record_batch(book, request_id, "outcome", OUTCOME_COLLECTION, records)
}

/// Matches of one year, with the outcome reports of those matches.
pub fn year_matches<J: Journal>(
    book: &VoucherBook<J>,
    year: Year,
) -> Result<(Vec<MatchedPair>, Vec<Outcome>)> {
    let pairs: Vec<MatchedPair> = load_matches(book)?
        .into_iter()
        .filter(|p| chrono::Datelike::year(&p.closes) == year)
        .collect();
    let keys: BTreeSet<(&Key, EnterpriseId)> =
        pairs.iter().map(|p| (&p.scenario, p.firm)).collect();
    let outcomes = load_outcomes(book)?
        .into_iter()
        .filter(|o| keys.contains(&(&o.scenario, o.firm)))
        .collect();
    Ok((pairs, outcomes))
}
