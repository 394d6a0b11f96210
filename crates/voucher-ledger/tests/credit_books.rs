//! Credit books on the ledger: postings between the twelve kinds, the bounded kinds refused
//! below zero by the ledger's own flags, all or nothing, idempotent, replayed on reopening and
//! covered by `verify`; and documents beside them.

use chrono::NaiveDate;
use registry_model::RegionCode;
use voucher_ledger::book::{
    CreditAccount, CreditAccountKind as K, CreditCode, CreditPosting, CreditSide, Document,
};
use voucher_ledger::{Journal, LedgerError, ManualClock, MemoryJournal, Reply, VoucherBook};

const BOOKS: &str = "ylp";

fn region() -> RegionCode {
    RegionCode::parse("370000").unwrap()
}

fn acct(kind: K, owner: &str) -> CreditAccount {
    CreditAccount {
        kind,
        owner: owner.into(),
    }
}

fn post(
    debit: CreditAccount,
    credit: CreditAccount,
    amount_fen: u64,
    code: CreditCode,
) -> CreditPosting {
    CreditPosting {
        debit,
        credit,
        amount_fen,
        code,
    }
}

fn book() -> VoucherBook<MemoryJournal> {
    let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
    VoucherBook::in_memory(Box::new(clock))
}

/// Fund the pool, grant a ¥1,000,000 line, draw ¥600,000: the balances by hand.
fn a_line(book: &mut VoucherBook<MemoryJournal>) {
    book.post_credit(
        "fund",
        BOOKS,
        region(),
        vec![post(
            acct(K::RiskPool, "ylp"),
            acct(K::ProgramTreasury, "ylp"),
            50_000_000,
            CreditCode::Funding,
        )],
    )
    .unwrap();
    book.post_credit(
        "grant",
        BOOKS,
        region(),
        vec![post(
            acct(K::Commitment, "L1"),
            acct(K::CommitmentsIssued, "bank-a"),
            100_000_000,
            CreditCode::Grant,
        )],
    )
    .unwrap();
    book.post_credit(
        "draw",
        BOOKS,
        region(),
        vec![
            post(
                acct(K::Principal, "L1"),
                acct(K::BankCash, "bank-a"),
                60_000_000,
                CreditCode::Drawdown,
            ),
            post(
                acct(K::CommitmentsIssued, "bank-a"),
                acct(K::Commitment, "L1"),
                60_000_000,
                CreditCode::Drawdown,
            ),
        ],
    )
    .unwrap();
}

#[test]
fn postings_move_money_between_the_kinds_on_their_normal_sides() {
    let mut book = book();
    a_line(&mut book);
    let b = |k, o: &str| book.credit_balance_fen(BOOKS, &acct(k, o));
    assert_eq!(b(K::RiskPool, "ylp"), 50_000_000);
    assert_eq!(b(K::ProgramTreasury, "ylp"), 50_000_000, "credit-normal");
    assert_eq!(b(K::Commitment, "L1"), 40_000_000);
    assert_eq!(b(K::CommitmentsIssued, "bank-a"), 40_000_000);
    assert_eq!(b(K::Principal, "L1"), 60_000_000);
    assert_eq!(b(K::BankCash, "bank-a"), -60_000_000, "lent out: negative");
    assert_eq!(b(K::DefaultedClaim, "L1"), 0, "never posted");
    let all = book.credit_accounts(BOOKS);
    assert_eq!(all.len(), 6);
    // Σ debit-normal balances = Σ credit-normal balances.
    let (mut debit, mut credit) = (0i128, 0i128);
    for (a, v) in &all {
        match a.kind.normal_side() {
            CreditSide::Debit => debit += v,
            CreditSide::Credit => credit += v,
        }
    }
    assert_eq!(debit, credit);
    book.check_invariants().unwrap();
}

#[test]
fn a_bounded_account_below_zero_refuses_the_whole_request() {
    let mut book = book();
    a_line(&mut book);
    let before = (
        book.journal().entries().unwrap().len(),
        book.ledger().posted_total_fen(),
    );
    // Repay ¥100,000 (fine), then compensate ¥600,000.01 from a ¥500,000 pool: refused, and
    // the repayment before it in the same request is not applied either.
    let e = book
        .post_credit(
            "bad",
            BOOKS,
            region(),
            vec![
                post(
                    acct(K::BankCash, "bank-a"),
                    acct(K::Principal, "L1"),
                    10_000_000,
                    CreditCode::Repayment,
                ),
                post(
                    acct(K::BankCash, "bank-a"),
                    acct(K::RiskPool, "ylp"),
                    50_000_001,
                    CreditCode::Compensation,
                ),
            ],
        )
        .unwrap_err();
    let LedgerError::BatchItem { index, source } = &e else {
        panic!("{e}")
    };
    assert_eq!(*index, 1);
    assert!(
        matches!(
            **source,
            LedgerError::ExceedsDebits {
                amount_fen: 50_000_001,
                ..
            }
        ),
        "{source}"
    );
    assert!(e.is_refusal());
    assert_eq!(
        (
            book.journal().entries().unwrap().len(),
            book.ledger().posted_total_fen()
        ),
        before
    );
    assert_eq!(
        book.credit_balance_fen(BOOKS, &acct(K::Principal, "L1")),
        60_000_000
    );
    // Malformed postings are refused before the ledger is touched.
    for (postings, needle) in [
        (vec![], "empty batch"),
        (
            vec![post(
                acct(K::RiskPool, "p"),
                acct(K::RiskPool, "p"),
                1,
                CreditCode::Funding,
            )],
            "same account",
        ),
        (
            vec![post(
                acct(K::RiskPool, "p"),
                acct(K::ProgramTreasury, "p"),
                0,
                CreditCode::Funding,
            )],
            "positive",
        ),
        (
            vec![post(
                acct(K::RiskPool, ""),
                acct(K::ProgramTreasury, "p"),
                1,
                CreditCode::Funding,
            )],
            "owner",
        ),
    ] {
        let e = book
            .post_credit("bad2", BOOKS, region(), postings)
            .unwrap_err();
        assert!(e.to_string().contains(needle), "{e} should say {needle}");
    }
    let e = book
        .post_credit("bad3", "no/slash", region(), vec![])
        .unwrap_err();
    assert!(e.to_string().contains("books"), "{e}");
}

#[test]
fn repeats_replay_conflicts_are_refused_and_reopening_replays_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    let balances;
    {
        let mut book = VoucherBook::open(&path).unwrap();
        book.set_clock(Box::new(ManualClock::at_date(
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        )));
        let p = vec![post(
            acct(K::SubsidyBudget, "ylp"),
            acct(K::ProgramTreasury, "ylp"),
            1_000,
            CreditCode::Funding,
        )];
        let first = book.post_credit("f", BOOKS, region(), p.clone()).unwrap();
        assert!(matches!(first, Reply::Posted { postings: 1, .. }));
        assert_eq!(book.post_credit("f", BOOKS, region(), p).unwrap(), first);
        let other = vec![post(
            acct(K::SubsidyBudget, "ylp"),
            acct(K::ProgramTreasury, "ylp"),
            1_001,
            CreditCode::Funding,
        )];
        let e = book.post_credit("f", BOOKS, region(), other).unwrap_err();
        assert!(matches!(e, LedgerError::RequestConflict { .. }), "{e}");
        // Documents go in the same group as the postings they describe.
        book.group(|b| -> Result<(), LedgerError> {
            b.post_credit(
                "g",
                BOOKS,
                region(),
                vec![post(
                    acct(K::RiskPool, "ylp"),
                    acct(K::ProgramTreasury, "ylp"),
                    7_000,
                    CreditCode::Funding,
                )],
            )?;
            b.put_documents(
                "g/doc",
                vec![Document::of(
                    "finance/ylp/changes",
                    "g",
                    &serde_json::json!({"n": 1}),
                )?],
            )?;
            Ok(())
        })
        .unwrap();
        balances = book.credit_accounts(BOOKS);
    }
    let book = VoucherBook::open(&path).unwrap();
    assert_eq!(book.credit_accounts(BOOKS), balances);
    assert_eq!(
        book.credit_balance_fen(BOOKS, &acct(K::ProgramTreasury, "ylp")),
        8_000
    );
    assert_eq!(book.documents("finance/ylp/changes").len(), 1);
    let r = book.verify().unwrap();
    assert_eq!(r.requests, 3);
}
