//! [`MemoryLedger`]: an in-memory, double-entry implementation of [`MarketLedger`] that keeps
//! the trait's whole contract — for tests, examples and a program office trying the market
//! before its ledger is wired in.

use std::collections::BTreeMap;

use registry_model::{EnterpriseId, Money};
use serde::{Deserialize, Serialize};

use crate::key::Key;
use crate::ledger::{LedgerFault, LedgerRequest, MarketLedger, Movement, Receipt};

/// An account of the book.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Account {
    /// Where a program's money comes from (its appropriation); the only account that may go
    /// below zero.
    Appropriation {
        /// The program.
        program: Key,
    },
    /// A program's unspent fund.
    Fund {
        /// The program.
        program: Key,
    },
    /// Money reserved for one team of a challenge task.
    Escrow {
        /// The program.
        program: Key,
        /// The task.
        task: Key,
        /// The team's firm.
        firm: EnterpriseId,
    },
    /// Money a task has paid a firm (net of what was clawed back).
    Paid {
        /// The program.
        program: Key,
        /// The task.
        task: Key,
        /// The firm.
        firm: EnterpriseId,
    },
    /// Money a firm owes the program back (clawed back).
    Receivable {
        /// The program.
        program: Key,
        /// The firm.
        firm: EnterpriseId,
    },
    /// Vouchers granted to a firm by a program.
    Voucher {
        /// The program.
        program: Key,
        /// The firm.
        firm: EnterpriseId,
    },
}

/// One transfer: `amount_fen` leaves `from` and reaches `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The request that made it.
    pub request_id: String,
    /// The account debited (money leaves it).
    pub from: Account,
    /// The account credited (money reaches it).
    pub to: Account,
    /// Amount, fen (positive).
    pub amount_fen: i64,
}

/// A double-entry book in memory: every movement is one transfer between two accounts, so
/// the balances always sum to zero; request ids are idempotent; batches are all or nothing.
///
/// ```
/// use scenario_market::{Key, MemoryLedger};
/// use registry_model::Money;
/// let mut ledger = MemoryLedger::new();
/// let p: Key = "challenge-2025".parse().unwrap();
/// ledger.appropriate("appropriate/1", &p, Money::from_yuan_i64(1_000_000).unwrap())?;
/// ledger.appropriate("appropriate/1", &p, Money::from_yuan_i64(1_000_000).unwrap())?; // replayed
/// assert_eq!(ledger.fund(&p).fen(), 100_000_000);
/// ledger.check_invariants().unwrap();
/// # Ok::<(), scenario_market::ledger::LedgerFault>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryLedger {
    balances: BTreeMap<Account, i64>,
    transfers: Vec<Transfer>,
    applied: BTreeMap<String, (Recorded, Receipt)>,
    fail_on: Option<String>,
}

/// What a request id was used for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Recorded {
    /// A market movement.
    Market(Movement),
    /// Money put into a program's fund.
    Appropriation { program: Key, amount: Money },
}

impl MemoryLedger {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts `amount` into `program`'s fund from its appropriation (idempotent by
    /// `request_id`).
    pub fn appropriate(
        &mut self,
        request_id: &str,
        program: &Key,
        amount: Money,
    ) -> Result<Receipt, LedgerFault> {
        let movement = Recorded::Appropriation {
            program: program.clone(),
            amount,
        };
        if let Some((m, r)) = self.applied.get(request_id) {
            return if *m == movement {
                Ok(Receipt {
                    replayed: true,
                    ..r.clone()
                })
            } else {
                Err(LedgerFault::Conflict {
                    request_id: request_id.to_string(),
                })
            };
        }
        if amount.fen() <= 0 {
            return Err(LedgerFault::Declined {
                request_id: request_id.to_string(),
                reason: format!("amount {amount} is not positive"),
            });
        }
        let t = Transfer {
            request_id: request_id.to_string(),
            from: Account::Appropriation {
                program: program.clone(),
            },
            to: Account::Fund {
                program: program.clone(),
            },
            amount_fen: amount.fen(),
        };
        let mut stage = BTreeMap::new();
        Self::stage(&self.balances, &mut stage, &t);
        self.commit(stage, vec![t]);
        let receipt = Receipt {
            request_id: request_id.to_string(),
            amount,
            replayed: false,
        };
        self.applied
            .insert(request_id.to_string(), (movement, receipt.clone()));
        Ok(receipt)
    }

    /// Makes the next batch holding `request_id` fail as a storage failure would (for tests
    /// of all-or-nothing behaviour).
    pub fn fail_on(&mut self, request_id: &str) {
        self.fail_on = Some(request_id.to_string());
    }

    /// The balance of an account, fen (0 for an account never used).
    pub fn balance_fen(&self, account: &Account) -> i64 {
        self.balances.get(account).copied().unwrap_or(0)
    }

    /// Every account with its balance.
    pub fn balances(&self) -> &BTreeMap<Account, i64> {
        &self.balances
    }

    /// Every transfer, in order.
    pub fn transfers(&self) -> &[Transfer] {
        &self.transfers
    }

    /// Requests applied so far.
    pub fn request_count(&self) -> usize {
        self.applied.len()
    }

    fn money(fen: i64) -> Money {
        Money::from_fen(fen).unwrap_or(Money::ZERO)
    }

    /// A program's unspent fund.
    pub fn fund(&self, program: &Key) -> Money {
        Self::money(self.balance_fen(&Account::Fund {
            program: program.clone(),
        }))
    }

    /// A team's escrow.
    pub fn escrow(&self, program: &Key, task: &Key, firm: &EnterpriseId) -> Money {
        Self::money(self.balance_fen(&Account::Escrow {
            program: program.clone(),
            task: task.clone(),
            firm: *firm,
        }))
    }

    /// What a task has paid a firm, net of claw-backs.
    pub fn paid(&self, program: &Key, task: &Key, firm: &EnterpriseId) -> Money {
        Self::money(self.balance_fen(&Account::Paid {
            program: program.clone(),
            task: task.clone(),
            firm: *firm,
        }))
    }

    /// What a firm owes a program back.
    pub fn receivable(&self, program: &Key, firm: &EnterpriseId) -> Money {
        Self::money(self.balance_fen(&Account::Receivable {
            program: program.clone(),
            firm: *firm,
        }))
    }

    /// Vouchers a program has granted a firm.
    pub fn voucher(&self, program: &Key, firm: &EnterpriseId) -> Money {
        Self::money(self.balance_fen(&Account::Voucher {
            program: program.clone(),
            firm: *firm,
        }))
    }

    /// Checks the books: balances sum to zero; each balance equals its transfers in minus
    /// out; no account but an appropriation is below zero; every transfer is positive.
    pub fn check_invariants(&self) -> Result<(), String> {
        let sum: i128 = self.balances.values().map(|&b| i128::from(b)).sum();
        if sum != 0 {
            return Err(format!("balances sum to {sum} fen, not 0"));
        }
        let mut replay: BTreeMap<&Account, i128> = BTreeMap::new();
        for t in &self.transfers {
            if t.amount_fen <= 0 {
                return Err(format!(
                    "transfer of request '{}' is not positive",
                    t.request_id
                ));
            }
            *replay.entry(&t.from).or_default() -= i128::from(t.amount_fen);
            *replay.entry(&t.to).or_default() += i128::from(t.amount_fen);
        }
        for (a, &b) in &self.balances {
            if replay.get(a).copied().unwrap_or(0) != i128::from(b) {
                return Err(format!("{a:?}: balance {b} differs from its transfers"));
            }
            if b < 0 && !matches!(a, Account::Appropriation { .. }) {
                return Err(format!("{a:?}: balance {b} below zero"));
            }
        }
        Ok(())
    }

    fn stage(balances: &BTreeMap<Account, i64>, stage: &mut BTreeMap<Account, i64>, t: &Transfer) {
        for (a, d) in [(&t.from, -t.amount_fen), (&t.to, t.amount_fen)] {
            let cur = stage
                .get(a)
                .copied()
                .unwrap_or_else(|| balances.get(a).copied().unwrap_or(0));
            stage.insert(a.clone(), cur.saturating_add(d));
        }
    }

    fn commit(&mut self, stage: BTreeMap<Account, i64>, transfers: Vec<Transfer>) {
        self.balances.extend(stage);
        self.transfers.extend(transfers);
    }

    /// The transfer a movement makes, or why it is declined given `have(account)`.
    fn plan(
        request_id: &str,
        m: &Movement,
        have: impl Fn(&Account) -> i64,
    ) -> Result<Transfer, LedgerFault> {
        let declined = |reason: String| LedgerFault::Declined {
            request_id: request_id.to_string(),
            reason,
        };
        let amount = m.amount().fen();
        if amount <= 0 {
            return Err(declined(format!("amount {} is not positive", m.amount())));
        }
        let (from, to) = match m {
            Movement::Reserve {
                program,
                task,
                firm,
                ..
            } => (
                Account::Fund {
                    program: program.clone(),
                },
                Account::Escrow {
                    program: program.clone(),
                    task: task.clone(),
                    firm: *firm,
                },
            ),
            Movement::Pay {
                program,
                task,
                firm,
                ..
            } => (
                Account::Escrow {
                    program: program.clone(),
                    task: task.clone(),
                    firm: *firm,
                },
                Account::Paid {
                    program: program.clone(),
                    task: task.clone(),
                    firm: *firm,
                },
            ),
            Movement::Release {
                program,
                task,
                firm,
                ..
            } => (
                Account::Escrow {
                    program: program.clone(),
                    task: task.clone(),
                    firm: *firm,
                },
                Account::Fund {
                    program: program.clone(),
                },
            ),
            Movement::Recover {
                program,
                task,
                firm,
                ..
            } => (
                Account::Paid {
                    program: program.clone(),
                    task: task.clone(),
                    firm: *firm,
                },
                Account::Receivable {
                    program: program.clone(),
                    firm: *firm,
                },
            ),
            Movement::Grant { program, firm, .. } => (
                Account::Fund {
                    program: program.clone(),
                },
                Account::Voucher {
                    program: program.clone(),
                    firm: *firm,
                },
            ),
        };
        let available = have(&from);
        if available < amount {
            return Err(declined(format!(
                "{} of {} yuan asked, {:?} holds {} yuan",
                m.kind(),
                m.amount(),
                from,
                Self::money(available)
            )));
        }
        Ok(Transfer {
            request_id: request_id.to_string(),
            from,
            to,
            amount_fen: amount,
        })
    }
}

impl MarketLedger for MemoryLedger {
    fn submit(&mut self, batch: &[LedgerRequest]) -> Result<Vec<Receipt>, LedgerFault> {
        if let Some(id) = self.fail_on.clone()
            && batch.iter().any(|r| r.request_id == id)
        {
            self.fail_on = None;
            return Err(LedgerFault::Failed {
                reason: format!("injected failure on request '{id}'"),
            });
        }
        let mut stage: BTreeMap<Account, i64> = BTreeMap::new();
        let mut transfers = Vec::new();
        let mut receipts = Vec::with_capacity(batch.len());
        let mut fresh: BTreeMap<&str, (&Movement, Receipt)> = BTreeMap::new();
        for req in batch {
            let id = req.request_id.as_str();
            let earlier = self
                .applied
                .get(id)
                .map(|(m, r)| {
                    (
                        matches!(m, Recorded::Market(x) if *x == req.movement),
                        r.clone(),
                    )
                })
                .or_else(|| fresh.get(id).map(|(m, r)| (**m == req.movement, r.clone())));
            if let Some((same, r)) = earlier {
                if !same {
                    return Err(LedgerFault::Conflict {
                        request_id: id.to_string(),
                    });
                }
                receipts.push(Receipt {
                    replayed: true,
                    ..r
                });
                continue;
            }
            let t = Self::plan(id, &req.movement, |a| {
                stage
                    .get(a)
                    .copied()
                    .unwrap_or_else(|| self.balances.get(a).copied().unwrap_or(0))
            })?;
            Self::stage(&self.balances, &mut stage, &t);
            transfers.push(t);
            let receipt = Receipt {
                request_id: id.to_string(),
                amount: req.movement.amount(),
                replayed: false,
            };
            fresh.insert(id, (&req.movement, receipt.clone()));
            receipts.push(receipt);
        }
        let fresh: Vec<(String, (Recorded, Receipt))> = fresh
            .into_iter()
            .map(|(id, (m, r))| (id.to_string(), (Recorded::Market(m.clone()), r)))
            .collect();
        self.commit(stage, transfers);
        self.applied.extend(fresh);
        Ok(receipts)
    }
}
