//! Running one request: the idempotency check, planning, applying the plan to the ledger,
//! journaling it (or checking it against the journal on replay), and folding its effects into
//! the book's state; and the undo log of those effects that a group's rollback plays back.

use std::collections::BTreeMap;

use crate::clock::date_of;
use crate::error::{LedgerError, Result};
use crate::journal::{GROUP_ENTRIES_MAX, Head, Journal, JournalEntry};

use super::VoucherBook;
use super::plan::{Effect, Plan};
use super::record::Record;
use super::replay::Replay;
use super::request::{Command, Reply, check_request_id, hash_command, summarize};
use super::state::{BookUndo, ContractStatus, ProgramState, RequestRecord};

impl<J: Journal> VoucherBook<J> {
    /// Runs one request: idempotency check, plan, ledger, journal, state.
    ///
    /// The command's identifiers are first put in their normal form ([`crate::ids`]), so two
    /// spellings of one request are one request. Checks that only new requests get (a journal
    /// written before them replays as recorded) are made here too: a period cannot be closed
    /// through a day after the request's ledger date.
    pub fn execute(&mut self, request_id: &str, command: Command) -> Result<Reply> {
        check_request_id(request_id)?;
        let command = command.normalized()?;
        let content_hash = hash_command(&command)?;
        // Outside a group, a journal with several writers is locked and caught up first, so
        // the idempotency check and the plan see every request written so far.
        let session = self.group.is_none() && self.begin_session()?;
        let out = self.execute_normalized(request_id, command, content_hash);
        self.end_session(session);
        out
    }

    fn execute_normalized(
        &mut self,
        request_id: &str,
        command: Command,
        content_hash: [u8; 32],
    ) -> Result<Reply> {
        self.check_not_stale()?;
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
        if let Command::ClosePeriod { through } = &command {
            let date = date_of(now);
            if *through > date {
                // A closed day refuses every transfer dated on it: closing days that have not
                // begun would lock the ledger against its own future.
                return Err(LedgerError::NothingToDo {
                    what: format!(
                        "close period through {through} is after the ledger date {date}: only days that have begun can be closed"
                    ),
                });
            }
        }
        self.run(request_id, command, content_hash, now, None)
    }

    /// Plans, applies and (unless replaying) journals one request.
    pub(super) fn run(
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
        for d in &plan.documents {
            records.push(Record::Document {
                document: d.clone(),
            });
        }
        // Raw transfers and documents follow the header as entries of their own.
        let header_command = match &command {
            Command::CreateTransfers { transfers, .. } => Command::CreateTransfers {
                transfers: Vec::new(),
                count: u32::try_from(transfers.len()).unwrap_or(u32::MAX),
            },
            Command::PutDocuments { count, .. } => Command::PutDocuments {
                documents: Vec::new(),
                count: *count,
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
        self.store_documents(request_id, seq, plan.documents);
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
    pub(super) fn note(&mut self, undo: impl FnOnce() -> BookUndo) {
        if let Some(g) = self.group.as_mut() {
            g.undo.push(undo());
        }
    }

    pub(super) fn undo_book(&mut self, u: BookUndo) {
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
            BookUndo::Team(key, prev) => match prev {
                Some(t) => {
                    self.teams.insert(key, t);
                }
                None => {
                    self.teams.remove(&key);
                }
            },
            BookUndo::Document(key, prev) => match prev {
                Some(d) => {
                    self.documents.insert(key, *d);
                }
                None => {
                    self.documents.remove(&key);
                }
            },
        }
    }

    pub(super) fn apply_plan(&mut self, now: i64, plan: &Plan) -> Result<()> {
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

    pub(super) fn apply_effect(&mut self, e: Effect) {
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
            Effect::Team(key, team) => {
                let prev = self.teams.insert(key.clone(), team);
                self.note(|| BookUndo::Team(key, prev));
            }
        }
    }
}
