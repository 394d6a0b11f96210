//! finance's `Booking` on the real voucher ledger (`LedgerBooks`): any sequence of loan
//! events gives exactly the replies and balances of finance's reference books
//! (`MemoryBooks`), the ledger stays balanced and verified, refusals are finance's own, and
//! the postings are journaled and replayed on reopening.

use chrono::{Duration, NaiveDate};
use cultivation::LedgerBooks;
use finance::booking::{
    AccountKey, AccountKind, Booking, BookingError, Posted, Posting, PostingCode,
};
use finance::eligibility::GrantTerms;
use finance::lines::Fund;
use finance::{CreditLines, MemoryBooks, Product, ProgramRules};
use proptest::prelude::*;
use registry_model::{RegionCode, Tier};
use rust_decimal::Decimal;
use voucher_ledger::{Journal, ManualClock, MemoryJournal, VoucherBook};

const BOOKS: &str = "ylp-2025";

fn region() -> RegionCode {
    "510100".parse().unwrap()
}

fn book() -> VoucherBook<MemoryJournal> {
    let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    VoucherBook::in_memory(Box::new(ManualClock::at_date(day)))
}

fn key(kind: AccountKind, owner: &str) -> AccountKey {
    AccountKey::new(kind, owner)
}

fn funding(amount_fen: i64) -> Vec<Posting> {
    vec![Posting::new(
        key(AccountKind::SubsidyBudget, "p"),
        key(AccountKind::ProgramTreasury, "p"),
        amount_fen,
        PostingCode::Funding,
    )]
}

#[test]
fn postings_are_idempotent_bounded_and_journaled() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    {
        let mut book = VoucherBook::open(&path).unwrap();
        let mut b = LedgerBooks::new(&mut book, BOOKS, region());
        assert_eq!(
            b.post("fund-1", &funding(100_000)).unwrap(),
            Posted::Applied
        );
        assert_eq!(b.post("fund-1", &funding(100_000)).unwrap(), Posted::Repeat);
        assert!(matches!(
            b.post("fund-1", &funding(100_001)),
            Err(BookingError::RequestConflict { .. })
        ));
        // ¥600 of subsidy, then ¥400.01 more: the budget holds ¥1,000.00, the second posting
        // is refused with the balance it met, and the first is not applied either.
        let pay = |a: i64| {
            Posting::new(
                key(AccountKind::SubsidyPaid, "91510104000000001X"),
                key(AccountKind::SubsidyBudget, "p"),
                a,
                PostingCode::Subsidy,
            )
        };
        let e = b.post("sub-1", &[pay(60_000), pay(40_001)]).unwrap_err();
        assert_eq!(
            e,
            BookingError::Insufficient {
                index: 1,
                code: "subsidy".into(),
                account: "subsidy_budget:p".into(),
                balance_fen: 40_000,
                amount_fen: 40_001,
            }
        );
        assert_eq!(
            b.balance_fen(&key(AccountKind::SubsidyBudget, "p"))
                .unwrap(),
            100_000
        );
        assert_eq!(
            b.post("sub-2", &[pay(60_000), pay(40_000)]).unwrap(),
            Posted::Applied
        );
        assert_eq!(
            b.balance_fen(&key(AccountKind::SubsidyBudget, "p"))
                .unwrap(),
            0
        );
        assert_eq!(
            b.balance_fen(&key(AccountKind::ProgramTreasury, "p"))
                .unwrap(),
            100_000
        );
        assert!(!book.has_request("sub-1"));
    }
    let book = VoucherBook::open(&path).unwrap();
    let b_fen = |k: AccountKind, o: &str| {
        book.credit_balance_fen(
            BOOKS,
            &cultivation::credit_books::ledger_account(&key(k, o)).unwrap(),
        )
    };
    assert_eq!(
        b_fen(AccountKind::SubsidyPaid, "91510104000000001X"),
        100_000
    );
    assert_eq!(b_fen(AccountKind::ProgramTreasury, "p"), 100_000);
    let report = book.verify().unwrap();
    assert_eq!(report.requests, 2);
}

const LINES: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Fund(bool, i64),
    Grant(usize, i64),
    Draw(usize, i64),
    PayInterest(usize, u8),
    Repay(usize, u8),
    Default(Vec<usize>),
    Recover(usize, u8),
    WriteOff(usize),
}

fn op() -> impl Strategy<Value = (Op, i64)> {
    let line = 0..LINES;
    let o = prop_oneof![
        (any::<bool>(), 1i64..5_000_000).prop_map(|(b, a)| Op::Fund(b, a)),
        (line.clone(), 1i64..100_000_000).prop_map(|(l, a)| Op::Grant(l, a)),
        (line.clone(), 1i64..50_000_000).prop_map(|(l, a)| Op::Draw(l, a)),
        (line.clone(), 0u8..=100).prop_map(|(l, p)| Op::PayInterest(l, p)),
        (line.clone(), 0u8..=100).prop_map(|(l, p)| Op::Repay(l, p)),
        proptest::collection::vec(0..LINES, 1..3).prop_map(Op::Default),
        (line.clone(), 0u8..=100).prop_map(|(l, p)| Op::Recover(l, p)),
        line.prop_map(Op::WriteOff),
    ];
    (o, 0i64..90)
}

fn yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

fn pct(of: i64, p: u8) -> i64 {
    of * i64::from(p) / 100
}

/// Applies one event; the reply as text (receipt or error), to compare two books.
fn apply<B: Booking>(c: &mut CreditLines<B>, rid: &str, op: &Op, date: NaiveDate) -> String {
    let id = |l: usize| format!("L{l}");
    let r = match op {
        Op::Fund(b, a) => {
            let f = if *b {
                Fund::SubsidyBudget
            } else {
                Fund::RiskPool
            };
            c.fund(rid, f, yuan(*a))
        }
        Op::Grant(l, a) => {
            let product = Product::embedded().unwrap();
            let t = GrantTerms {
                firm: finance::synthetic::synthetic_firm_id(*l as u64 % 2).unwrap(),
                tier: Some(Tier::Growth),
                limit_fen: *a,
                terms: product.terms,
                score: 650,
                pd: 0.02,
                product: "p".into(),
            };
            c.grant(
                rid,
                &id(*l),
                if l % 2 == 0 { "bank-a" } else { "bank-b" },
                &t,
                date,
            )
        }
        Op::Draw(l, a) => c.draw(rid, &id(*l), date, yuan(*a)),
        Op::PayInterest(l, p) => {
            let _ = c.accrue(&format!("{rid}a"), &id(*l), date);
            let owed = c.line(&id(*l)).map_or(1, |x| x.interest_unpaid_fen);
            c.pay_interest(rid, &id(*l), date, yuan(pct(owed, *p).max(1)))
        }
        Op::Repay(l, p) => {
            let owed = c.line(&id(*l)).map_or(1, |x| x.principal_fen);
            c.repay(rid, &id(*l), date, yuan(pct(owed, *p).max(1)))
        }
        Op::Default(ls) => {
            let names: Vec<String> = ls.iter().map(|l| id(*l)).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            c.default_lines(rid, date, &refs)
        }
        Op::Recover(l, p) => {
            let open = c
                .line(&id(*l))
                .and_then(|x| x.default)
                .map_or(1, |d| d.open_fen());
            c.recover(rid, &id(*l), date, yuan(pct(open, *p).max(1)))
        }
        Op::WriteOff(l) => c.write_off(rid, &id(*l), date),
    };
    format!("{r:?}")
}

fn ledger_balances<J: Journal>(book: &VoucherBook<J>) -> Vec<(String, i64)> {
    book.credit_accounts(BOOKS)
        .into_iter()
        .filter(|(_, b)| *b != 0)
        .map(|(a, b)| {
            (
                format!("{}:{}", a.kind.key(), a.owner),
                i64::try_from(b).unwrap(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The ledger's credit books answer every loan event as finance's reference books do,
    /// balance for balance, and stay balanced and verified.
    #[test]
    fn loan_events_on_the_ledger_match_the_reference_books(
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let product = Product::embedded().unwrap();
        let rules = ProgramRules::of(&product);
        let mut reference = CreditLines::new(MemoryBooks::new(), rules.clone()).unwrap();
        let mut book = book();
        {
            let mut on_ledger =
                CreditLines::new(LedgerBooks::new(&mut book, BOOKS, region()), rules).unwrap();
            let mut date = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
            for (i, (op, days)) in ops.iter().enumerate() {
                date += Duration::days(*days);
                let rid = format!("r{i}");
                let want = apply(&mut reference, &rid, op, date);
                let got = apply(&mut on_ledger, &rid, op, date);
                prop_assert_eq!(&got, &want, "{:?}", op);
                // A rerun of the same event is answered from the first reply.
                let again = apply(&mut on_ledger, &rid, op, date);
                let again_ref = apply(&mut reference, &rid, op, date);
                prop_assert_eq!(again, again_ref);
            }
            prop_assert!(on_ledger.check_invariants().is_ok());
        }
        let mut want: Vec<(String, i64)> = reference
            .books()
            .balances()
            .filter(|(_, b)| *b != 0)
            .map(|(k, b)| (k.to_string(), b))
            .collect();
        want.sort();
        let mut got = ledger_balances(&book);
        got.sort();
        prop_assert_eq!(got, want);
        // Double entry: debit-normal balances equal credit-normal balances.
        let (mut debit, mut credit) = (0i128, 0i128);
        for (a, b) in book.credit_accounts(BOOKS) {
            match a.kind.normal_side() {
                voucher_ledger::book::CreditSide::Debit => debit += b,
                voucher_ledger::book::CreditSide::Credit => credit += b,
            }
        }
        prop_assert_eq!(debit, credit);
        book.check_invariants().unwrap();
        book.verify().unwrap();
    }
}
