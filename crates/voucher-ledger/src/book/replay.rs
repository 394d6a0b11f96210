//! Replay and verification: reopening a book replays every journaled request through the same
//! code and compares what it produces with what was recorded; [`verify_journal`] does the same
//! on a fresh book; `check_invariants` checks the ledger and the programs against each other.

use std::collections::BTreeSet;

use registry_model::Year;
use serde::{Deserialize, Serialize};

use crate::clock::SystemClock;
use crate::core::Transfer;
use crate::error::{LedgerError, Result};
use crate::journal::{
    Anchor, AnchorCheck, ChainReport, GENESIS_HASH, Head, Journal, JournalEntry, KeptAnchor,
    MemoryJournal, check_anchor, verify_chain, verify_chain_from,
};
use crate::money::{ratio_floor_fen, yuan_to_fen};

use super::VoucherBook;
use super::chart::{account_id, names};
use super::record::{Record, parse_record, request_of};
use super::request::Command;

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
    /// The anchor the journal was checked against (its own anchor file, or one the caller
    /// gave) and how far the journal is ahead of it; `None` when there was none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<AnchorCheck>,
}

pub(super) struct Replay<'a> {
    pub(super) seq: u64,
    pub(super) at_s: i64,
    pub(super) records: &'a [Record],
}

impl<J: Journal> VoucherBook<J> {
    pub(super) fn replay_all(&mut self) -> Result<()> {
        let name = self.journal.describe();
        // The anchor first: it never leads the journal, so read before the journal it cannot
        // make a sound journal look cut, whatever is committed in between.
        let anchor = self.journal.anchor()?;
        let (entries, head) = self.journal.read_all()?;
        verify_chain(&name, &entries, &head, request_of)?;
        self.replay_entries(&entries)?;
        self.head = head;
        if head.seq == 0 {
            self.head.hash = GENESIS_HASH;
        }
        self.check_invariants()?;
        // A journal cut short (its tail dropped and its head moved back) is a valid, shorter
        // chain: only the anchor kept outside it tells. Nothing is appended to such a journal.
        if let Some(a) = anchor {
            check_anchor(&name, &entries, &a, "its anchor file")?;
        }
        Ok(())
    }

    /// Brings the book up to `head` with what other writers appended since its own head
    /// (`entries`, read under the journal's write session or in one snapshot): checks that
    /// they continue the chain from the book's head, replays them through the same code as
    /// opening does, and checks every invariant. On error the book is unusable for writing
    /// (its state may hold part of the entries) and must be reopened; the caller says so.
    pub(super) fn catch_up(&mut self, entries: &[JournalEntry], head: Head) -> Result<()> {
        if head == self.head {
            return Ok(());
        }
        let name = self.journal.describe();
        verify_chain_from(&name, &self.head, entries, &head, request_of)?;
        self.replay_entries(entries)?;
        self.head = head;
        self.check_invariants()
    }

    /// Replays whole batches (a header and the entries it announces) through the same code
    /// that runs new requests, checking that each produces exactly what was recorded.
    fn replay_entries(&mut self, entries: &[JournalEntry]) -> Result<()> {
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
                Command::PutDocuments { count, .. } => {
                    let documents: Vec<_> = records
                        .iter()
                        .filter_map(|r| match r {
                            Record::Document { document } => Some(document.clone()),
                            _ => None,
                        })
                        .collect();
                    if documents.len() != count as usize {
                        return Err(LedgerError::ReplayMismatch {
                            seq: first.seq,
                            request_id,
                            reason: format!(
                                "header counts {count} documents, found {}",
                                documents.len()
                            ),
                        });
                    }
                    Command::PutDocuments { documents, count }
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
        Ok(())
    }

    /// Verifies the journal in full: the hash chain (naming any edited or missing entry), a
    /// replay of every request into a fresh ledger compared with what was recorded, and every
    /// invariant. Leaves this book untouched.
    pub fn verify(&self) -> Result<VerifyReport> {
        verify_journal(&self.journal)
    }

    /// [`VoucherBook::verify`] against an anchor the caller kept (see
    /// [`verify_journal_against`]).
    pub fn verify_against(&self, anchor: &Anchor) -> Result<VerifyReport> {
        verify_journal_against(&self.journal, anchor)
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
        self.check_challenges()?;
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
/// what was recorded, and every invariant; then, if the journal keeps an anchor (the anchor
/// file of a [`crate::SqliteJournal`]), that the journal still holds everything the anchor
/// records. The journal is read in one consistent snapshot (its anchor just before), so a
/// verification running while another process appends reports what was committed, never a
/// false alarm.
pub fn verify_journal<J: Journal + ?Sized>(journal: &J) -> Result<VerifyReport> {
    let anchor = journal.anchor()?;
    verify_with(journal, anchor.map(KeptAnchor::Anchor), "its anchor file")
}

/// [`verify_journal`] against an anchor the caller kept elsewhere (an auditor's copy of
/// [`VoucherBook::anchor`], or of the anchor file's line), instead of the journal's own: a
/// journal cut short, emptied or replaced since that anchor was taken is an error
/// ([`LedgerError::Tampered`] at the anchor's entry).
pub fn verify_journal_against<J: Journal + ?Sized>(
    journal: &J,
    anchor: &Anchor,
) -> Result<VerifyReport> {
    verify_with(
        journal,
        Some(KeptAnchor::Anchor(*anchor)),
        "the anchor given",
    )
}

/// [`verify_journal_against`] for an anchor kept elsewhere as a user gives it: the whole
/// anchor, or only its head hash (what a printed verification shows as `head_hash`). For a
/// head hash, the entry with that hash is found in the journal and the journal is checked
/// against the anchor there: it must hold that entry, at the end of its batch. No entry with
/// that hash is [`LedgerError::Tampered`]: entries were removed from the end, or the ledger
/// was replaced.
pub fn verify_journal_against_kept<J: Journal + ?Sized>(
    journal: &J,
    kept: &KeptAnchor,
) -> Result<VerifyReport> {
    verify_with(journal, Some(*kept), "the anchor given")
}

/// The anchor a head hash names in `entries`: the entry with that hash, which ends its batch
/// (a head always does). The genesis hash names the empty journal.
fn anchor_at_head(
    journal: &str,
    entries: &[crate::journal::JournalEntry],
    hash: &[u8; 32],
    source: &str,
) -> Result<Anchor> {
    if *hash == GENESIS_HASH {
        return Ok(Anchor {
            entries: 0,
            batches: 0,
            head_hash: GENESIS_HASH,
        });
    }
    let at = entries.iter().position(|e| e.hash == *hash);
    let ends_batch = |k: usize| {
        entries
            .get(k + 1)
            .is_none_or(|next| next.batch != entries[k].batch)
    };
    match at {
        Some(k) if ends_batch(k) => Ok(Anchor {
            entries: entries[k].seq,
            batches: entries[k].batch,
            head_hash: *hash,
        }),
        Some(k) => Err(LedgerError::Tampered {
            journal: journal.to_string(),
            seq: entries[k].seq,
            request: String::new(),
            reason: format!(
                "{source} {} is the hash of entry {}, inside batch {}: a head is always at the end of a batch",
                crate::journal::hash_hex(hash),
                entries[k].seq,
                entries[k].batch
            ),
        }),
        None => Err(LedgerError::Tampered {
            journal: journal.to_string(),
            seq: entries.len() as u64,
            request: String::new(),
            reason: format!(
                "no entry of the journal has the head hash {} ({source}): entries were removed from the end, or the ledger was replaced",
                crate::journal::hash_hex(hash)
            ),
        }),
    }
}

fn verify_with<J: Journal + ?Sized>(
    journal: &J,
    anchor: Option<KeptAnchor>,
    source: &str,
) -> Result<VerifyReport> {
    let name = journal.describe();
    let (entries, head) = journal.read_all()?;
    let chain = verify_chain(&name, &entries, &head, request_of)?;
    // Checked now, while the entries are at hand, and reported after the replay: an entry
    // edited inside the chain is named by the replay first.
    let anchor = anchor.map(|w| {
        let a = match w {
            KeptAnchor::Anchor(a) => a,
            KeptAnchor::Head(h) => anchor_at_head(&name, &entries, &h, source)?,
        };
        check_anchor(&name, &entries, &a, source)
    });
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
        anchor: anchor.transpose()?,
    })
}
