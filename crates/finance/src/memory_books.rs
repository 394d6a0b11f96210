//! [`MemoryBooks`]: an in-memory double-entry implementation of [`Booking`], for tests,
//! simulations and a bank's own what-if runs.
//!
//! It keeps every request in a journal, so its balances can be recomputed from scratch and
//! checked ([`MemoryBooks::check_invariants`]): every posting has a debit and a credit of the
//! same positive amount, Σ of all balances is zero, no bounded account is below zero, and a
//! request id appears once.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::booking::{AccountKey, Booking, BookingError, Posted, Posting, Side, check_request};

/// Most requests one in-memory book keeps (its journal is in memory): 10 million.
pub const MEMORY_REQUESTS_MAX: usize = 10_000_000;

/// One applied request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The request id.
    pub request_id: String,
    /// Its postings, in order.
    pub postings: Vec<Posting>,
}

/// An in-memory double-entry book.
///
/// ```
/// use finance::booking::{AccountKey, AccountKind, Booking, Posted, Posting, PostingCode};
/// use finance::MemoryBooks;
///
/// let mut books = MemoryBooks::new();
/// let pool = AccountKey::new(AccountKind::RiskPool, "ylp");
/// let treasury = AccountKey::new(AccountKind::ProgramTreasury, "ylp");
/// let fund = [Posting::new(pool.clone(), treasury.clone(), 10_000, PostingCode::Funding)];
/// assert_eq!(books.post("fund-1", &fund)?, Posted::Applied);
/// assert_eq!(books.post("fund-1", &fund)?, Posted::Repeat); // idempotent
/// assert_eq!(books.balance_fen(&pool)?, 10_000);
/// // The pool can never go below zero: the whole request is refused.
/// let bank = AccountKey::new(AccountKind::BankCash, "bank-a");
/// let pay = [Posting::new(bank, pool.clone(), 10_001, PostingCode::Compensation)];
/// assert!(books.post("pay-1", &pay).is_err());
/// assert_eq!(books.balance_fen(&pool)?, 10_000);
/// books.check_invariants().unwrap();
/// # Ok::<(), finance::booking::BookingError>(())
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MemoryBooks {
    /// Signed balances: debits − credits. Not serialised: rebuilt from the journal.
    #[serde(skip)]
    balances: BTreeMap<AccountKey, i64>,
    journal: Vec<JournalEntry>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl MemoryBooks {
    /// Empty books.
    pub fn new() -> Self {
        Self::default()
    }

    /// The applied requests, oldest first.
    pub fn journal(&self) -> &[JournalEntry] {
        &self.journal
    }

    /// Every account posted to, with its balance on its normal side, in key order.
    pub fn balances(&self) -> impl Iterator<Item = (&AccountKey, i64)> {
        self.balances.iter().map(|(k, v)| (k, normal(k, *v)))
    }

    /// Rebuilds balances and the request index from the journal: call it after
    /// deserialising (only the journal is serialised), then [`MemoryBooks::check_invariants`].
    pub fn rebuild(&mut self) {
        self.index = self
            .journal
            .iter()
            .enumerate()
            .map(|(i, e)| (e.request_id.clone(), i))
            .collect();
        self.balances.clear();
        for e in &self.journal {
            for p in &e.postings {
                let d = self.balances.entry(p.debit.clone()).or_default();
                *d = d.saturating_add(p.amount_fen);
                let c = self.balances.entry(p.credit.clone()).or_default();
                *c = c.saturating_sub(p.amount_fen);
            }
        }
    }

    /// Checks every invariant of double entry from the journal up; returns what is wrong.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut replay: BTreeMap<AccountKey, i64> = BTreeMap::new();
        let mut seen: HashMap<&str, ()> = HashMap::new();
        for e in &self.journal {
            if seen.insert(e.request_id.as_str(), ()).is_some() {
                return Err(format!("request id '{}' appears twice", e.request_id));
            }
            if let Err(err) = check_request(&e.request_id, &e.postings) {
                return Err(format!("request '{}': {err}", e.request_id));
            }
            for p in &e.postings {
                *replay.entry(p.debit.clone()).or_default() += p.amount_fen;
                *replay.entry(p.credit.clone()).or_default() -= p.amount_fen;
            }
        }
        if replay != self.balances {
            return Err("balances differ from the replayed journal".into());
        }
        let total: i128 = self.balances.values().map(|v| i128::from(*v)).sum();
        if total != 0 {
            return Err(format!("Σ balances is {total} fen, not zero"));
        }
        for (k, v) in &self.balances {
            if k.kind.bounded() && normal(k, *v) < 0 {
                return Err(format!("bounded account {k} is at {} fen", normal(k, *v)));
            }
        }
        if self.index.len() != self.journal.len() {
            return Err("the request index does not match the journal".into());
        }
        Ok(())
    }
}

/// A signed (debit − credit) balance seen from the account's normal side.
fn normal(k: &AccountKey, signed: i64) -> i64 {
    match k.kind.normal_side() {
        Side::Debit => signed,
        Side::Credit => -signed,
    }
}

impl Booking for MemoryBooks {
    fn post(&mut self, request_id: &str, postings: &[Posting]) -> Result<Posted, BookingError> {
        check_request(request_id, postings)?;
        if let Some(&i) = self.index.get(request_id) {
            return if self.journal[i].postings == postings {
                Ok(Posted::Repeat)
            } else {
                Err(BookingError::RequestConflict {
                    request_id: request_id.to_string(),
                })
            };
        }
        if self.journal.len() >= MEMORY_REQUESTS_MAX {
            return Err(BookingError::Failed {
                message: format!(
                    "the in-memory book holds its maximum of {MEMORY_REQUESTS_MAX} requests"
                ),
            });
        }
        // Plan on a copy of the touched balances, in order; commit only when all pass.
        let mut touched: BTreeMap<&AccountKey, i64> = BTreeMap::new();
        for (index, p) in postings.iter().enumerate() {
            for (acct, delta) in [(&p.debit, p.amount_fen), (&p.credit, -p.amount_fen)] {
                let before = *touched
                    .entry(acct)
                    .or_insert_with(|| self.balances.get(acct).copied().unwrap_or(0));
                let after = before
                    .checked_add(delta)
                    .ok_or_else(|| BookingError::Failed {
                        message: format!("balance of {acct} overflows"),
                    })?;
                if acct.kind.bounded() && normal(acct, after) < 0 {
                    return Err(BookingError::Insufficient {
                        index,
                        code: p.code.key().to_string(),
                        account: acct.to_string(),
                        balance_fen: normal(acct, before),
                        amount_fen: p.amount_fen,
                    });
                }
                touched.insert(acct, after);
            }
        }
        let updates: Vec<(AccountKey, i64)> =
            touched.into_iter().map(|(k, v)| (k.clone(), v)).collect();
        for (k, v) in updates {
            self.balances.insert(k, v);
        }
        self.index
            .insert(request_id.to_string(), self.journal.len());
        self.journal.push(JournalEntry {
            request_id: request_id.to_string(),
            postings: postings.to_vec(),
        });
        Ok(Posted::Applied)
    }

    fn balance_fen(&self, account: &AccountKey) -> Result<i64, BookingError> {
        Ok(normal(
            account,
            self.balances.get(account).copied().unwrap_or(0),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::{AccountKind, PostingCode};

    fn k(kind: AccountKind, o: &str) -> AccountKey {
        AccountKey::new(kind, o)
    }

    #[test]
    fn all_or_nothing_in_order() {
        let mut b = MemoryBooks::new();
        let pool = k(AccountKind::RiskPool, "p");
        let tre = k(AccountKind::ProgramTreasury, "p");
        let bank = k(AccountKind::BankCash, "b");
        // Funding then paying out in one request: checked in order, so it passes.
        let req = [
            Posting::new(pool.clone(), tre.clone(), 500, PostingCode::Funding),
            Posting::new(bank.clone(), pool.clone(), 500, PostingCode::Compensation),
        ];
        assert_eq!(b.post("r1", &req).unwrap(), Posted::Applied);
        assert_eq!(b.balance_fen(&pool).unwrap(), 0);
        // Paying before funding fails at posting 0, and nothing is written.
        let rev = [req[1].clone(), req[0].clone()];
        let e = b.post("r2", &rev).unwrap_err();
        assert!(
            matches!(e, BookingError::Insufficient { index: 0, .. }),
            "{e}"
        );
        assert_eq!(b.journal().len(), 1);
        assert_eq!(b.balance_fen(&tre).unwrap(), 500);
        assert_eq!(b.balance_fen(&bank).unwrap(), 500);
        b.check_invariants().unwrap();
        // Conflicting reuse of an id.
        assert!(matches!(
            b.post("r1", &req[..1]),
            Err(BookingError::RequestConflict { .. })
        ));
    }

    #[test]
    fn invariants_catch_a_tampered_book() {
        let mut b = MemoryBooks::new();
        let pool = k(AccountKind::RiskPool, "p");
        let tre = k(AccountKind::ProgramTreasury, "p");
        b.post(
            "r1",
            &[Posting::new(pool.clone(), tre, 7, PostingCode::Funding)],
        )
        .unwrap();
        b.check_invariants().unwrap();
        b.balances.insert(pool, 8);
        assert!(b.check_invariants().is_err());
    }

    #[test]
    fn serde_round_trip_keeps_balances_and_idempotency() {
        let mut b = MemoryBooks::new();
        let pool = k(AccountKind::RiskPool, "p");
        let tre = k(AccountKind::ProgramTreasury, "p");
        let req = [Posting::new(pool, tre, 7, PostingCode::Funding)];
        b.post("r1", &req).unwrap();
        let text = serde_json::to_string(&b).unwrap();
        let mut back: MemoryBooks = serde_json::from_str(&text).unwrap();
        back.rebuild();
        back.check_invariants().unwrap();
        assert_eq!(back.balance_fen(&req[0].debit).unwrap(), 7);
        assert_eq!(back.post("r1", &req).unwrap(), Posted::Repeat);
    }
}
