//! Reference-model tests, as TigerBeetle's auditor does: random operation sequences run
//! against the ledger and against a plain model written independently here; after every
//! step the outcomes and balances match and every invariant holds.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use registry_model::EnterpriseId;
use voucher_ledger::book::{account_id, names};
use voucher_ledger::{
    AccountFlags, Firm, Journal, Ledger, LedgerError, ManualClock, MemoryJournal, NewAccount,
    PendingState, Program, Transfer, VoucherBook,
};

// ---------------------------------------------------------------------------------------------
// The core: plain and pending transfers, post, void, timeouts, linked pairs.

#[derive(Debug, Clone)]
enum CoreOp {
    Plain {
        dr: u64,
        cr: u64,
        amount: u64,
    },
    Pending {
        dr: u64,
        cr: u64,
        amount: u64,
        timeout_s: u32,
    },
    Post {
        which: usize,
        amount: u64,
    },
    Void {
        which: usize,
    },
    Linked {
        a: (u64, u64, u64),
        b: (u64, u64, u64),
    },
    Advance {
        s: i64,
    },
}

fn core_op() -> impl Strategy<Value = CoreOp> {
    let acct = 1u64..=4;
    prop_oneof![
        (acct.clone(), acct.clone(), 0u64..300).prop_map(|(dr, cr, amount)| CoreOp::Plain {
            dr,
            cr,
            amount
        }),
        (
            acct.clone(),
            acct.clone(),
            1u64..300,
            prop_oneof![Just(0u32), 1u32..100]
        )
            .prop_map(|(dr, cr, amount, timeout_s)| CoreOp::Pending {
                dr,
                cr,
                amount,
                timeout_s
            }),
        (0usize..8, 0u64..300).prop_map(|(which, amount)| CoreOp::Post { which, amount }),
        (0usize..8).prop_map(|which| CoreOp::Void { which }),
        (
            (acct.clone(), acct.clone(), 1u64..300),
            (acct.clone(), acct, 1u64..300)
        )
            .prop_map(|(a, b)| CoreOp::Linked { a, b }),
        (1i64..80).prop_map(|s| CoreOp::Advance { s }),
    ]
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Bal {
    dp: u64,
    dpo: u64,
    cp: u64,
    cpo: u64,
}

#[derive(Debug, Clone)]
struct CoreModel {
    bal: BTreeMap<u64, Bal>,
    limit: BTreeMap<u64, (bool, bool)>,
    // id → (dr, cr, amount, deadline, state)
    pending: Vec<(u64, u64, u64, u64, Option<i64>, PendingState)>,
    now: i64,
}

impl CoreModel {
    fn expire(&mut self) {
        let now = self.now;
        for p in self.pending.iter_mut() {
            if p.5 == PendingState::Pending && p.4.is_some_and(|d| d <= now) {
                p.5 = PendingState::Expired;
                if let Some(b) = self.bal.get_mut(&p.1) {
                    b.dp -= p.3;
                }
                if let Some(b) = self.bal.get_mut(&p.2) {
                    b.cp -= p.3;
                }
            }
        }
    }

    /// Whether a new (plain or pending) transfer is allowed.
    fn allowed(&self, dr: u64, cr: u64, amount: u64) -> bool {
        if dr == cr || amount == 0 {
            return false;
        }
        let d = self.bal[&dr];
        let c = self.bal[&cr];
        if self.limit[&dr].0 && d.dpo + d.dp + amount > d.cpo {
            return false;
        }
        if self.limit[&cr].1 && c.cpo + c.cp + amount > c.dpo {
            return false;
        }
        true
    }

    fn apply(&mut self, dr: u64, cr: u64, amount: u64, pending: bool) {
        let d = self.bal.get_mut(&dr).unwrap();
        if pending {
            d.dp += amount
        } else {
            d.dpo += amount
        }
        let c = self.bal.get_mut(&cr).unwrap();
        if pending {
            c.cp += amount
        } else {
            c.cpo += amount
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn core_matches_model(ops in proptest::collection::vec(core_op(), 1..60)) {
        let flags = [
            (1, AccountFlags::NONE),
            (2, AccountFlags::DEBITS_LIMITED),
            (3, AccountFlags::CREDITS_LIMITED),
            (4, AccountFlags::NONE),
        ];
        let mut l = Ledger::new();
        let mut m = CoreModel { bal: BTreeMap::new(), limit: BTreeMap::new(), pending: Vec::new(), now: 1000 };
        for (id, f) in flags {
            l.create_account(1000, &NewAccount { id, ledger: 1, code: 1, flags: f, name: format!("a{id}") }).unwrap();
            m.bal.insert(id, Bal::default());
            m.limit.insert(id, (f.debits_must_not_exceed_credits, f.credits_must_not_exceed_debits));
        }
        let mut next_id = 1u64;
        for op in ops {
            let now = m.now;
            match op {
                CoreOp::Advance { s } => {
                    m.now += s;
                    m.expire();
                    l.tick(m.now);
                }
                CoreOp::Plain { dr, cr, amount } => {
                    let ok = m.allowed(dr, cr, amount);
                    let r = l.apply_all(now, &[Transfer::new(next_id, dr, cr, amount, 1, 1)]);
                    prop_assert_eq!(r.is_ok(), ok, "{:?}", r);
                    if ok { m.apply(dr, cr, amount, false); }
                    next_id += 1;
                }
                CoreOp::Pending { dr, cr, amount, timeout_s } => {
                    let ok = m.allowed(dr, cr, amount);
                    let mut t = Transfer::new(next_id, dr, cr, amount, 1, 1);
                    t.flags.pending = true;
                    t.timeout_s = timeout_s;
                    let r = l.apply_all(now, &[t]);
                    prop_assert_eq!(r.is_ok(), ok, "{:?}", r);
                    if ok {
                        m.apply(dr, cr, amount, true);
                        let deadline = (timeout_s > 0).then(|| now + i64::from(timeout_s));
                        m.pending.push((next_id, dr, cr, amount, deadline, PendingState::Pending));
                    }
                    next_id += 1;
                }
                CoreOp::Post { .. } | CoreOp::Void { .. } if m.pending.is_empty() => {}
                CoreOp::Post { which, amount } => {
                    let k = which % m.pending.len();
                    let p = m.pending[k];
                    let ok = p.5 == PendingState::Pending && amount <= p.3;
                    let mut t = Transfer::new(next_id, 0, 0, amount, 0, 1);
                    t.flags.post_pending = true;
                    t.pending_id = p.0;
                    let r = l.apply_all(now, &[t]);
                    prop_assert_eq!(r.is_ok(), ok, "{:?}", r);
                    if ok {
                        let amt = if amount == 0 { p.3 } else { amount };
                        m.bal.get_mut(&p.1).unwrap().dp -= p.3;
                        m.bal.get_mut(&p.2).unwrap().cp -= p.3;
                        m.apply(p.1, p.2, amt, false);
                        m.pending[k].5 = PendingState::Posted;
                    }
                    next_id += 1;
                }
                CoreOp::Void { which } => {
                    let k = which % m.pending.len();
                    let p = m.pending[k];
                    let ok = p.5 == PendingState::Pending;
                    let mut t = Transfer::new(next_id, 0, 0, 0, 0, 1);
                    t.flags.void_pending = true;
                    t.pending_id = p.0;
                    let r = l.apply_all(now, &[t]);
                    prop_assert_eq!(r.is_ok(), ok, "{:?}", r);
                    if ok {
                        m.bal.get_mut(&p.1).unwrap().dp -= p.3;
                        m.bal.get_mut(&p.2).unwrap().cp -= p.3;
                        m.pending[k].5 = PendingState::Voided;
                    }
                    next_id += 1;
                }
                CoreOp::Linked { a, b } => {
                    // Both or neither: the model tries a, then b on top of a.
                    let mut trial = m.clone();
                    let ok_a = trial.allowed(a.0, a.1, a.2);
                    if ok_a { trial.apply(a.0, a.1, a.2, false); }
                    let ok = ok_a && trial.allowed(b.0, b.1, b.2);
                    let mut ta = Transfer::new(next_id, a.0, a.1, a.2, 1, 1);
                    ta.flags.linked = true;
                    let tb = Transfer::new(next_id + 1, b.0, b.1, b.2, 1, 1);
                    let failures = l.create_transfers(now, &[ta, tb]);
                    prop_assert_eq!(failures.is_empty(), ok, "{:?}", failures);
                    if !ok { prop_assert_eq!(failures.len(), 2); }
                    if ok { trial.apply(b.0, b.1, b.2, false); m = trial; }
                    next_id += 2;
                }
            }
            for (id, b) in &m.bal {
                let a = l.account(*id).unwrap();
                prop_assert_eq!(
                    (a.debits_pending_fen, a.debits_posted_fen, a.credits_pending_fen, a.credits_posted_fen),
                    (b.dp, b.dpo, b.cp, b.cpo),
                    "account {}", id
                );
            }
            for p in &m.pending {
                prop_assert_eq!(l.pending_state(p.0), Some(p.5));
            }
            l.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The voucher book against a plain model of the program rules.

const PROGRAM: &str = r#"
id = "m"
kind = "compute"
issuing_region = "330100"
annual_budget_yuan = "10000"
cap_per_firm_yuan = "3000"
[ratio]
default = "0.3"
by_category = { x = "0.5" }
[validity]
from = 2024-01-01
until = 2025-12-31
[providers]
any = true
related_party_ban = true
[[providers.approved]]
id = "px"
category = "x"
"#;
const BUDGET_FEN: u64 = 1_000_000;
const CAP_FEN: u64 = 300_000;

#[derive(Debug, Clone)]
enum BookOp {
    Grant {
        firm: usize,
        amount: u64,
    },
    Redeem {
        firm: usize,
        provider_x: bool,
        contract: u8,
        amount: u64,
    },
    Hold {
        firm: usize,
        provider_x: bool,
        contract: u8,
        amount: u64,
    },
    Settle {
        contract: u8,
    },
    Release {
        contract: u8,
    },
    Expire,
    Clawback {
        firm: usize,
    },
    Advance {
        days: u64,
    },
}

fn book_op() -> impl Strategy<Value = BookOp> {
    prop_oneof![
        4 => (0usize..3, 0u64..=200_000).prop_map(|(firm, amount)| BookOp::Grant { firm, amount }),
        4 => (0usize..3, any::<bool>(), 0u8..12, 0u64..=500_000)
            .prop_map(|(firm, provider_x, contract, amount)| BookOp::Redeem { firm, provider_x, contract, amount }),
        2 => (0usize..3, any::<bool>(), 0u8..12, 0u64..=500_000)
            .prop_map(|(firm, provider_x, contract, amount)| BookOp::Hold { firm, provider_x, contract, amount }),
        1 => (0u8..12).prop_map(|contract| BookOp::Settle { contract }),
        1 => (0u8..12).prop_map(|contract| BookOp::Release { contract }),
        1 => Just(BookOp::Expire),
        1 => (0usize..3).prop_map(|firm| BookOp::Clawback { firm }),
        2 => (1u64..200).prop_map(|days| BookOp::Advance { days }),
    ]
}

#[derive(Debug, Clone, Default)]
struct FirmYear {
    granted: u64,
    redeemed: u64,
    balance: u64,
    clawed: bool,
}

#[derive(Debug, Default, Clone)]
struct BookModel {
    budget_left: BTreeMap<i32, u64>,
    fy: HashMap<(i32, usize), FirmYear>,
    contracts: BTreeSet<u8>,
    // contract → (year, firm, reserved subsidy)
    held: BTreeMap<u8, (i32, usize, u64)>,
}

impl BookModel {
    fn held_of(&self, year: i32, firm: usize) -> u64 {
        self.held
            .values()
            .filter(|h| h.0 == year && h.1 == firm)
            .map(|h| h.2)
            .sum()
    }
}

fn firm_id(i: usize) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91330106{:09}", 100 + i)).unwrap()
}

/// One random operation on the book and on the model, with the outcomes compared.
fn book_step(
    book: &mut VoucherBook<MemoryJournal>,
    m: &mut BookModel,
    today: &mut NaiveDate,
    clock: &ManualClock,
    op: BookOp,
    rid: &str,
) -> Result<(), TestCaseError> {
    let until = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let year = today.year();
    let in_validity = *today <= until;
    match op {
        BookOp::Advance { days } => {
            *today = today.checked_add_days(chrono::Days::new(days)).unwrap();
            clock.set_date(*today);
        }
        BookOp::Grant { firm, amount } => {
            let fy = m.fy.get(&(year, firm)).cloned().unwrap_or_default();
            let left = *m.budget_left.get(&year).unwrap_or(&BUDGET_FEN);
            let ok = in_validity
                && amount > 0
                && !fy.clawed
                && fy.granted + amount <= CAP_FEN
                && amount <= left;
            let r = book.grant_fen(rid, "m", &Firm::new(firm_id(firm)), amount);
            prop_assert_eq!(r.is_ok(), ok, "grant {} {}: {:?}", firm, amount, r);
            if ok {
                m.budget_left.insert(year, left - amount);
                let e = m.fy.entry((year, firm)).or_default();
                e.granted += amount;
                e.balance += amount;
            }
        }
        BookOp::Redeem {
            firm,
            provider_x,
            contract,
            amount,
        } => {
            let fy = m.fy.get(&(year, firm)).cloned().unwrap_or_default();
            let available = fy.balance - m.held_of(year, firm);
            let ratio_num = if provider_x { 5 } else { 3 };
            let by_ratio = amount * ratio_num / 10;
            let subsidy = by_ratio.min(available);
            let ok = in_validity
                && amount > 0
                && !m.contracts.contains(&contract)
                && !m.held.contains_key(&contract)
                && !fy.clawed
                && available > 0
                && subsidy > 0;
            let provider = if provider_x { "px" } else { "py" };
            let r = book.redeem_fen(
                rid,
                "m",
                &firm_id(firm),
                provider,
                &format!("C{contract}"),
                amount,
            );
            prop_assert_eq!(r.is_ok(), ok, "redeem {} {}: {:?}", firm, amount, r);
            if let Ok(r) = r {
                prop_assert_eq!(r.subsidy_fen, subsidy);
                prop_assert!(r.subsidy_fen * 10 <= amount * ratio_num);
                prop_assert_eq!(r.firm_pays_fen, amount - subsidy);
                m.contracts.insert(contract);
                let e = m.fy.get_mut(&(year, firm)).unwrap();
                e.balance -= subsidy;
                e.redeemed += subsidy;
            }
        }
        BookOp::Hold {
            firm,
            provider_x,
            contract,
            amount,
        } => {
            let fy = m.fy.get(&(year, firm)).cloned().unwrap_or_default();
            let available = fy.balance - m.held_of(year, firm);
            let ratio_num = if provider_x { 5 } else { 3 };
            let subsidy = (amount * ratio_num / 10).min(available);
            let ok = in_validity
                && amount > 0
                && !m.contracts.contains(&contract)
                && !m.held.contains_key(&contract)
                && !fy.clawed
                && available > 0
                && subsidy > 0;
            let provider = if provider_x { "px" } else { "py" };
            let r = book.hold_fen(
                rid,
                "m",
                &firm_id(firm),
                provider,
                &format!("C{contract}"),
                amount,
                0,
            );
            prop_assert_eq!(r.is_ok(), ok, "hold {} {}: {:?}", firm, amount, r);
            if let Ok(r) = r {
                prop_assert_eq!(r.subsidy_fen, subsidy);
                m.held.insert(contract, (year, firm, subsidy));
            }
        }
        BookOp::Settle { contract } => {
            let h = m.held.get(&contract).copied();
            let ok = h.is_some_and(|(y, f, _)| !m.fy[&(y, f)].clawed);
            let r = book.settle(rid, &format!("C{contract}"));
            prop_assert_eq!(r.is_ok(), ok, "settle {}: {:?}", contract, r);
            if ok {
                let (y, f, amt) = m.held.remove(&contract).unwrap();
                let e = m.fy.get_mut(&(y, f)).unwrap();
                e.balance -= amt;
                e.redeemed += amt;
                m.contracts.insert(contract);
            }
        }
        BookOp::Release { contract } => {
            let ok = m.held.contains_key(&contract);
            let r = book.release(rid, &format!("C{contract}"));
            prop_assert_eq!(r.is_ok(), ok, "release {}: {:?}", contract, r);
            if ok {
                m.held.remove(&contract);
            }
        }
        BookOp::Expire => {
            let r = book.expire(rid, *today);
            prop_assert!(r.is_ok(), "{:?}", r);
            let mut returned = 0;
            let held: BTreeMap<(i32, usize), u64> =
                m.fy.keys()
                    .map(|&(y, f)| ((y, f), m.held_of(y, f)))
                    .collect();
            for ((y, f), e) in m.fy.iter_mut() {
                // A year's vouchers last until 31 December (the program has no
                // carry-over); reserved amounts stay on the voucher.
                let available = e.balance - held[&(*y, *f)];
                if *y < year && available > 0 {
                    returned += available;
                    *m.budget_left.get_mut(y).unwrap() += available;
                    e.balance -= available;
                }
            }
            prop_assert_eq!(r.unwrap().returned_fen, returned);
        }
        BookOp::Clawback { firm } => {
            let fy = m.fy.get(&(year, firm)).cloned();
            let ok = matches!(&fy, Some(f) if !f.clawed);
            let held = m.held_of(year, firm);
            let r = book.clawback(rid, "m", &firm_id(firm), year, "test");
            prop_assert_eq!(r.is_ok(), ok, "{:?}", r);
            if let Ok(r) = r {
                let e = m.fy.get_mut(&(year, firm)).unwrap();
                let available = e.balance - held;
                prop_assert_eq!((r.unused_fen, r.redeemed_fen), (available, e.redeemed));
                *m.budget_left.get_mut(&year).unwrap() += available + e.redeemed;
                e.balance -= available;
                e.clawed = true;
            }
        }
    }
    Ok(())
}

/// After every step: balances match and every invariant holds.
fn book_check(book: &VoucherBook<MemoryJournal>, m: &BookModel) -> Result<(), TestCaseError> {
    for ((y, f), e) in &m.fy {
        let acct = book
            .ledger()
            .account(account_id(&names::voucher("m", *y, &firm_id(*f))))
            .unwrap();
        prop_assert_eq!(acct.credit_balance_fen(), i128::from(e.balance));
        prop_assert!(e.granted <= CAP_FEN);
    }
    for (y, left) in &m.budget_left {
        let b = book
            .ledger()
            .account(account_id(&names::budget("m", *y)))
            .unwrap();
        prop_assert_eq!(b.available_fen(), *left);
        prop_assert!(b.credit_balance_fen() >= 0, "budget overdrawn");
    }
    prop_assert_eq!(book.contracts().count(), m.contracts.len() + m.held.len());
    for ((y, f), e) in &m.fy {
        let acct = book
            .ledger()
            .account(account_id(&names::voucher("m", *y, &firm_id(*f))))
            .unwrap();
        prop_assert_eq!(acct.debits_pending_fen, m.held_of(*y, *f));
        prop_assert!(e.redeemed + m.held_of(*y, *f) <= e.granted);
    }
    book.check_invariants()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn book_matches_model(ops in proptest::collection::vec(book_op(), 1..40)) {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let clock = ManualClock::at_date(start);
        let mut book = VoucherBook::in_memory(Box::new(clock.clone()));
        book.add_program("p", Program::from_toml(PROGRAM, "model.toml").unwrap()).unwrap();
        let mut m = BookModel::default();
        let mut today = start;
        for (step, op) in ops.into_iter().enumerate() {
            let rid = format!("req-{step}");
            book_step(&mut book, &mut m, &mut today, &clock, op, &rid)?;
            book_check(&book, &m)?;
        }
        // The journal replays to the same state.
        let mut copy = MemoryJournal::new();
        *copy.entries_mut() = book.journal().entries().unwrap();
        let again = VoucherBook::with_journal(copy, Box::new(clock)).unwrap();
        prop_assert_eq!(again.balances(None), book.balances(None));
    }

    /// The same model, with the operations in runs, each run a group (`VoucherBook::group`)
    /// that commits or, for about a third of them, is rolled back at its end: inside a group
    /// every step matches the model as it does alone; after a rollback the model goes back
    /// to where it was before the group and the book matches it, with its journal, requests
    /// and balances unchanged; at the end the journal replays to the same state.
    #[test]
    fn book_matches_model_in_groups(
        runs in proptest::collection::vec(
            (proptest::collection::vec(book_op(), 1..8), proptest::bool::weighted(0.35)),
            1..8,
        )
    ) {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let clock = ManualClock::at_date(start);
        let mut book = VoucherBook::in_memory(Box::new(clock.clone()));
        book.add_program("p", Program::from_toml(PROGRAM, "model.toml").unwrap()).unwrap();
        let mut m = BookModel::default();
        let mut today = start;
        let mut step = 0usize;
        for (ops, roll_back) in runs {
            let model_before = m.clone();
            let before = (
                book.journal().entries().unwrap(),
                book.request_count(),
                book.balances(None),
                book.contracts().cloned().collect::<Vec<_>>(),
            );
            let outcome = book.group(|b| {
                for op in ops {
                    step += 1;
                    book_step(b, &mut m, &mut today, &clock, op, &format!("req-{step}"))
                        .map_err(GroupEnd::Test)?;
                    book_check(b, &m).map_err(GroupEnd::Test)?;
                }
                if roll_back { Err(GroupEnd::RollBack) } else { Ok(()) }
            });
            match outcome {
                Ok(()) => {}
                Err(GroupEnd::RollBack) => {
                    m = model_before;
                    prop_assert_eq!(&book.journal().entries().unwrap(), &before.0);
                    prop_assert_eq!(book.request_count(), before.1);
                    prop_assert_eq!(&book.balances(None), &before.2);
                    prop_assert_eq!(&book.contracts().cloned().collect::<Vec<_>>(), &before.3);
                }
                Err(GroupEnd::Test(e)) => return Err(e),
                Err(GroupEnd::Ledger(e)) => return Err(TestCaseError::fail(e.to_string())),
            }
            prop_assert_eq!(book.group_depth(), 0);
            book_check(&book, &m)?;
        }
        let mut copy = MemoryJournal::new();
        *copy.entries_mut() = book.journal().entries().unwrap();
        let again = VoucherBook::with_journal(copy, Box::new(clock)).unwrap();
        prop_assert_eq!(again.balances(None), book.balances(None));
        prop_assert_eq!(again.request_count(), book.request_count());
    }
}

/// How a group in `book_matches_model_in_groups` ended, when not committed.
#[derive(Debug)]
enum GroupEnd {
    /// The run asked for a rollback.
    RollBack,
    /// A step did not match the model.
    Test(TestCaseError),
    /// The book failed (for the group's commit).
    Ledger(LedgerError),
}

impl From<LedgerError> for GroupEnd {
    fn from(e: LedgerError) -> Self {
        GroupEnd::Ledger(e)
    }
}
