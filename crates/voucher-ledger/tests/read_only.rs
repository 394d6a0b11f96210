//! Reading a ledger without writing: a read-only journal beside a live writer and on a
//! read-only medium, and the paying-program choice.

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rust_decimal_macros::dec;
use voucher_ledger::{
    Firm, Journal, ManualClock, ReadMode, SqliteJournal, VoucherBook, VoucherKind,
};

fn clock() -> Box<ManualClock> {
    Box::new(ManualClock::at_date(
        NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
    ))
}

#[test]
fn a_read_only_journal_replays_the_book_and_refuses_to_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    assert!(SqliteJournal::open_read_only_with(&path, ReadMode::Shared).is_err());
    assert!(!path.exists(), "opening without writing creates nothing");
    let firm = EnterpriseId::from_first17("91510104000000001").unwrap();
    {
        let mut book =
            VoucherBook::with_journal(SqliteJournal::open(&path).unwrap(), clock()).unwrap();
        book.add_default_programs("defaults").unwrap();
        book.grant("g1", "chengdu-compute-2025", &Firm::new(firm), dec!(1000))
            .unwrap();
    }
    for mode in [ReadMode::Shared, ReadMode::Immutable] {
        let journal = SqliteJournal::open_read_only_with(&path, mode).unwrap();
        assert_eq!(
            journal.head().unwrap().seq,
            journal.entries().unwrap().len() as u64
        );
        let mut book = VoucherBook::with_journal(journal, clock()).unwrap();
        assert_eq!(
            book.voucher_balance_fen("chengdu-compute-2025", &firm),
            100_000
        );
        book.verify().unwrap();
        let e = book
            .grant("g2", "chengdu-compute-2025", &Firm::new(firm), dec!(1))
            .unwrap_err();
        assert!(
            e.is_failure(),
            "a write through a read-only journal fails: {e}"
        );
        assert_eq!(
            book.voucher_balance_fen("chengdu-compute-2025", &firm),
            100_000
        );
    }
}

#[test]
fn the_program_holding_a_balance_of_the_kind_pays() {
    let mut book = VoucherBook::in_memory(clock());
    book.add_default_programs("defaults").unwrap();
    let firm = EnterpriseId::from_first17("91510104000000001").unwrap();
    assert!(book.paying_program(VoucherKind::Compute, &firm).is_none());
    book.grant("g1", "chengdu-compute-2025", &Firm::new(firm), dec!(1000))
        .unwrap();
    let p = book.paying_program(VoucherKind::Compute, &firm).unwrap();
    assert_eq!(p.id, "chengdu-compute-2025");
    assert!(book.paying_program(VoucherKind::Data, &firm).is_none());
    // A program left out never pays, even with the only balance.
    let except = ["chengdu-compute-2025"];
    assert!(
        book.paying_program_except(VoucherKind::Compute, &firm, &except)
            .is_none()
    );
}
