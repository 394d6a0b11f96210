//! scenario-market's `MarketLedger` on the real voucher ledger (`LedgerMarket`): a challenge
//! run end to end with golden values worked by hand, bundles granted in one group, batches all
//! or nothing and idempotent, the journal replayed on reopening, and money conserved under
//! random sequences of batches.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cultivation::LedgerMarket;
use proptest::prelude::*;
use registry_model::{EnterpriseId, Money};
use scenario_market::{GrantPurpose, Key, LedgerFault, LedgerRequest, MarketLedger, Movement};
use voucher_ledger::book::names;
use voucher_ledger::{Journal, ManualClock, MemoryJournal, VoucherBook};

const CHALLENGE: &str = r#"
id = "cd-challenge-2025"
name = "成都揭榜挂帅 (test)"
kind = "challenge"
issuing_region = "510100"
annual_budget_yuan = "10000000"
cap_per_firm_yuan = "8000000"
[ratio]
default = "1"
[validity]
from = 2025-01-01
until = 2027-12-31
"#;

const DATA: &str = r#"
id = "cd-data-2025"
name = "成都数据券 (test)"
kind = "data"
issuing_region = "510100"
annual_budget_yuan = "1000000"
cap_per_firm_yuan = "200000"
[ratio]
default = "0.5"
[validity]
from = 2025-01-01
until = 2025-12-31
[providers]
any = true
"#;

const P: &str = "cd-challenge-2025";
const COMPUTE: &str = "chengdu-compute-2025";

fn firm(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91510104{n:09}")).unwrap()
}

fn key(s: &str) -> Key {
    s.parse().unwrap()
}

fn fen(n: i64) -> Money {
    Money::from_fen(n).unwrap()
}

fn book_on<J: Journal>(mut book: VoucherBook<J>) -> VoucherBook<J> {
    let day = NaiveDate::from_ymd_opt(2025, 4, 15).unwrap();
    book.set_clock(Box::new(ManualClock::at_date(day)));
    book.add_program_toml("p/challenge", CHALLENGE, "challenge.toml")
        .unwrap();
    book.add_program_toml("p/data", DATA, "data.toml").unwrap();
    book.add_default_programs("d").unwrap();
    book
}

fn book() -> VoucherBook<MemoryJournal> {
    book_on(VoucherBook::in_memory(Box::new(ManualClock::new(0))))
}

fn req(id: &str, movement: Movement) -> LedgerRequest {
    LedgerRequest::new(id.to_string(), movement).unwrap()
}

fn reserve(task: &str, f: u32, amount: i64) -> Movement {
    Movement::Reserve {
        program: key(P),
        task: key(task),
        firm: firm(f),
        amount: fen(amount),
    }
}

fn pay(task: &str, f: u32, m: &str, amount: i64) -> Movement {
    Movement::Pay {
        program: key(P),
        task: key(task),
        firm: firm(f),
        milestone: key(m),
        amount: fen(amount),
    }
}

fn release(task: &str, f: u32, amount: i64) -> Movement {
    Movement::Release {
        program: key(P),
        task: key(task),
        firm: firm(f),
        amount: fen(amount),
    }
}

fn recover(task: &str, f: u32, m: &str, amount: i64) -> Movement {
    Movement::Recover {
        program: key(P),
        task: key(task),
        firm: firm(f),
        milestone: key(m),
        amount: fen(amount),
    }
}

fn grant(program: &str, purpose: GrantPurpose, f: u32, amount: i64) -> Movement {
    Movement::Grant {
        program: key(program),
        firm: firm(f),
        purpose,
        scenario: key("S1"),
        amount: fen(amount),
    }
}

fn balance<J: Journal>(book: &VoucherBook<J>, name: &str) -> i128 {
    book.ledger()
        .account(voucher_ledger::book::account_id(name))
        .map_or(0, |a| a.credit_balance_fen())
}

/// The sum of the credit balances of every account of a program: zero once its money moved
/// only between its own accounts (double entry inside the program).
fn program_sum<J: Journal>(book: &VoucherBook<J>, program: &str) -> i128 {
    let prefix = format!("{program}/");
    book.ledger()
        .accounts()
        .iter()
        .filter(|a| a.name.starts_with(&prefix))
        .map(|a| a.credit_balance_fen())
        .sum()
}

#[test]
fn a_team_reserved_paid_clawed_back_and_released_in_batches() {
    let mut book = book();
    let mut m = LedgerMarket::new(&mut book);
    // Award ¥1,800,000 with its M1 advance of ¥270,000 (50 % of 30 %) in one batch.
    let r = m
        .submit(&[
            req("T1/a/reserve", reserve("T1", 1, 180_000_000)),
            req("T1/a/M1/advance", pay("T1", 1, "M1", 27_000_000)),
        ])
        .unwrap();
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|r| !r.replayed));
    // M2's advance is paid, then M2 fails: clawed back, and the escrow left is released:
    // 1,800,000 − 270,000 − 252,000 = ¥1,278,000.
    m.submit(&[req("T1/a/M2/advance", pay("T1", 1, "M2", 25_200_000))])
        .unwrap();
    m.submit(&[
        req("T1/a/M2/recover", recover("T1", 1, "M2", 25_200_000)),
        req("T1/a/release", release("T1", 1, 127_800_000)),
    ])
    .unwrap();
    let t = book.challenge_team(P, "T1", &firm(1)).unwrap().clone();
    assert_eq!(
        (t.reserved_fen, t.paid_fen, t.released_fen, t.recovered_fen),
        (180_000_000, 52_200_000, 127_800_000, 25_200_000)
    );
    assert_eq!(t.escrow_fen(), 0);
    // Budget: 10,000,000 − 1,800,000 + 1,278,000 + 252,000 = ¥9,730,000.
    assert_eq!(balance(&book, &names::budget(P, 2025)), 973_000_000);
    assert_eq!(
        balance(&book, &names::receivable(P, 2025, &firm(1))),
        -25_200_000
    );
    assert_eq!(program_sum(&book, P), 0);
    book.verify().unwrap();
}

#[test]
fn a_batch_is_all_or_nothing_idempotent_and_a_changed_request_conflicts() {
    let mut book = book();
    let batch = [
        req("T1/a/reserve", reserve("T1", 1, 100_000)),
        req("T1/a/M1", pay("T1", 1, "M1", 40_000)),
        req(
            "S1/a/compute",
            grant(COMPUTE, GrantPurpose::Compute, 1, 50_000),
        ),
        req(
            "S1/a/data",
            grant("cd-data-2025", GrantPurpose::Data, 1, 20_000),
        ),
    ];
    let first = LedgerMarket::new(&mut book).submit(&batch).unwrap();
    let requests = book.request_count();
    let transfers = book.ledger().transfers().len();
    // The same batch again replays every receipt and moves nothing.
    let again = LedgerMarket::new(&mut book).submit(&batch).unwrap();
    assert!(again.iter().all(|r| r.replayed));
    assert_eq!(
        first.iter().map(|r| r.amount).collect::<Vec<_>>(),
        again.iter().map(|r| r.amount).collect::<Vec<_>>()
    );
    assert_eq!(
        (book.request_count(), book.ledger().transfers().len()),
        (requests, transfers)
    );
    // A valid request, then one beyond the escrow (¥600 left, ¥600.01 asked): neither.
    let e = LedgerMarket::new(&mut book)
        .submit(&[
            req("T1/a/M2", pay("T1", 1, "M2", 10_000)),
            req("T1/a/M3", pay("T1", 1, "M3", 50_001)),
        ])
        .unwrap_err();
    assert!(
        matches!(&e, LedgerFault::Declined { request_id, .. } if request_id == "T1/a/M3"),
        "{e}"
    );
    assert!(!book.has_request("T1/a/M2"));
    assert_eq!(book.ledger().transfers().len(), transfers);
    // The same id for another amount is a conflict.
    let e = LedgerMarket::new(&mut book)
        .submit(&[req("T1/a/M1", pay("T1", 1, "M1", 40_001))])
        .unwrap_err();
    assert!(matches!(e, LedgerFault::Conflict { .. }), "{e}");
    // A data grant from a compute program is declined before anything moves.
    let e = LedgerMarket::new(&mut book)
        .submit(&[req(
            "S2/a/data",
            grant(COMPUTE, GrantPurpose::Data, 1, 1_000),
        )])
        .unwrap_err();
    assert!(e.to_string().contains("grants compute vouchers"), "{e}");
    assert_eq!(book.voucher_balance_fen(COMPUTE, &firm(1)), 50_000);
    assert_eq!(book.voucher_balance_fen("cd-data-2025", &firm(1)), 20_000);
    book.check_invariants().unwrap();
}

#[test]
fn batches_are_journaled_and_replayed_on_reopening() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    let teams;
    {
        let mut book = book_on(VoucherBook::open(&path).unwrap());
        let mut m = LedgerMarket::new(&mut book);
        m.submit(&[
            req("T1/a/reserve", reserve("T1", 1, 300_000)),
            req("T1/a/M1", pay("T1", 1, "M1", 100_000)),
            req(
                "S1/b/compute",
                grant(COMPUTE, GrantPurpose::Compute, 2, 70_000),
            ),
        ])
        .unwrap();
        teams = book.challenge_teams().clone();
    }
    let mut book = VoucherBook::open(&path).unwrap();
    // Balances are read on the ledger date (vouchers expire).
    let day = NaiveDate::from_ymd_opt(2025, 4, 16).unwrap();
    book.set_clock(Box::new(ManualClock::at_date(day)));
    assert_eq!(book.challenge_teams(), &teams);
    assert_eq!(book.voucher_balance_fen(COMPUTE, &firm(2)), 70_000);
    book.verify().unwrap();
    // Rerunning the step after the reopening changes nothing.
    let r = LedgerMarket::new(&mut book)
        .submit(&[req("T1/a/M1", pay("T1", 1, "M1", 100_000))])
        .unwrap();
    assert!(r[0].replayed);
}

/// A step of the random walk: which team, what, how much.
#[derive(Debug, Clone)]
enum Step {
    Reserve(u32, i64),
    Pay(u32, i64),
    Release(u32, i64),
    Recover(u32, i64),
    Grant(u32, i64),
}

fn step() -> impl Strategy<Value = Step> {
    let f = 1u32..=3;
    let a = 1i64..=400_000;
    prop_oneof![
        (f.clone(), a.clone()).prop_map(|(f, a)| Step::Reserve(f, a * 10)),
        (f.clone(), a.clone()).prop_map(|(f, a)| Step::Pay(f, a)),
        (f.clone(), a.clone()).prop_map(|(f, a)| Step::Release(f, a)),
        (f.clone(), a.clone()).prop_map(|(f, a)| Step::Recover(f, a)),
        (f, a).prop_map(|(f, a)| Step::Grant(f, a)),
    ]
}

/// The team sums expected from the batches the ledger accepted, kept independently.
#[derive(Debug, Default, Clone, PartialEq)]
struct Model {
    reserved: BTreeMap<u32, i64>,
    paid: BTreeMap<u32, i64>,
    released: BTreeMap<u32, i64>,
    recovered: BTreeMap<u32, i64>,
    granted: BTreeMap<u32, i64>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever batches are asked, each is applied whole or not at all, the teams' sums are
    /// those of the accepted batches, and the program's money is conserved to the fen.
    #[test]
    fn money_is_conserved_through_challenges_and_bundles(
        batches in prop::collection::vec(prop::collection::vec(step(), 1..4), 1..10)
    ) {
        let mut book = book();
        let mut model = Model::default();
        let mut n = 0u32;
        for batch in &batches {
            let mut next = model.clone();
            let reqs: Vec<LedgerRequest> = batch
                .iter()
                .map(|s| {
                    n += 1;
                    let id = format!("r{n}");
                    let (mv, f, a) = match *s {
                        Step::Reserve(f, a) => (reserve("T", f, a), f, a),
                        Step::Pay(f, a) => (pay("T", f, &format!("M{n}"), a), f, a),
                        Step::Release(f, a) => (release("T", f, a), f, a),
                        Step::Recover(f, a) => (recover("T", f, &format!("M{n}"), a), f, a),
                        Step::Grant(f, a) => (grant(COMPUTE, GrantPurpose::Compute, f, a), f, a),
                    };
                    let slot = match s {
                        Step::Reserve(..) => &mut next.reserved,
                        Step::Pay(..) => &mut next.paid,
                        Step::Release(..) => &mut next.released,
                        Step::Recover(..) => &mut next.recovered,
                        Step::Grant(..) => &mut next.granted,
                    };
                    *slot.entry(f).or_default() += a;
                    req(&id, mv)
                })
                .collect();
            let transfers = book.ledger().transfers().len();
            let requests = book.request_count();
            match LedgerMarket::new(&mut book).submit(&reqs) {
                Ok(r) => {
                    prop_assert_eq!(r.len(), reqs.len());
                    model = next;
                }
                Err(LedgerFault::Declined { .. }) => {
                    prop_assert_eq!(book.ledger().transfers().len(), transfers);
                    prop_assert_eq!(book.request_count(), requests);
                }
                Err(e) => prop_assert!(false, "unexpected fault {}", e),
            }
        }
        for f in 1..=3u32 {
            let get = |m: &BTreeMap<u32, i64>| m.get(&f).copied().unwrap_or(0) as u64;
            match book.challenge_team(P, "T", &firm(f)) {
                Some(t) => {
                    prop_assert_eq!(
                        (t.reserved_fen, t.paid_fen, t.released_fen, t.recovered_fen),
                        (get(&model.reserved), get(&model.paid), get(&model.released), get(&model.recovered))
                    );
                    prop_assert_eq!(
                        balance(&book, &names::escrow(P, 2025, "T", &firm(f))),
                        i128::from(t.escrow_fen())
                    );
                }
                None => prop_assert_eq!(get(&model.reserved), 0),
            }
            prop_assert_eq!(
                book.voucher_balance_fen(COMPUTE, &firm(f)),
                get(&model.granted)
            );
        }
        prop_assert_eq!(program_sum(&book, P), 0);
        prop_assert_eq!(program_sum(&book, COMPUTE), 0);
        book.check_invariants().unwrap();
        book.verify().unwrap();
    }
}
