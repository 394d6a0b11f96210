//! Tamper test: editing, deleting or forging journal rows makes `verify` (and reopening)
//! fail and name the entry.

use std::path::Path;

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rusqlite::{Connection, params};
use rust_decimal_macros::dec;
use voucher_ledger::book::verify_journal;
use voucher_ledger::journal::chain_hash;
use voucher_ledger::{Firm, LedgerError, ManualClock, SqliteJournal, VoucherBook, defaults};

fn setup(path: &Path) -> u64 {
    let mut book = VoucherBook::open(path).unwrap();
    book.set_clock(Box::new(ManualClock::at_date(
        NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
    )));
    let p = defaults::programs()
        .unwrap()
        .into_iter()
        .find(|p| p.id == "hangzhou-compute-2024")
        .unwrap();
    book.add_program("p", p).unwrap();
    let a = EnterpriseId::from_first17("91330106000000123").unwrap();
    book.grant("g1", "hangzhou-compute-2024", &Firm::new(a), dec!(5000))
        .unwrap();
    book.grant("g2", "hangzhou-compute-2024", &Firm::new(a), dec!(7000))
        .unwrap();
    book.redeem("r1", "hangzhou-compute-2024", &a, "cloud", "C1", dec!(1000))
        .unwrap();
    book.verify().unwrap().chain.entries
}

/// The seq of the grant transfer of request `g2` (its second entry).
fn seq_of(conn: &Connection, needle: &str) -> u64 {
    conn.query_row(
        "SELECT seq FROM journal WHERE body LIKE ?1 ORDER BY seq LIMIT 1",
        params![format!("%{needle}%")],
        |r| r.get::<_, i64>(0),
    )
    .unwrap() as u64
}

fn tampered(path: &Path) -> LedgerError {
    let j = SqliteJournal::open(path).unwrap();
    let e = verify_journal(&j).unwrap_err();
    // Reopening refuses the journal too, with the same finding.
    let e2 = VoucherBook::open(path).unwrap_err();
    assert_eq!(e.to_string(), e2.to_string());
    e
}

#[test]
fn edited_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    setup(&path);
    let conn = Connection::open(&path).unwrap();
    // 700,000 fen = the ¥7,000 grant: make it ¥9,000.
    let seq = seq_of(&conn, "\"amount_fen\":700000");
    conn.execute(
        "UPDATE journal SET body = replace(body, '\"amount_fen\":700000', '\"amount_fen\":900000') WHERE seq = ?1",
        params![seq as i64],
    )
    .unwrap();
    let e = tampered(&path);
    match &e {
        LedgerError::Tampered {
            seq: s, request, ..
        } => {
            assert_eq!(*s, seq);
            assert!(request.contains("g2"), "{e}");
        }
        other => panic!("expected Tampered, got {other}"),
    }
    assert!(e.to_string().contains(&format!("entry {seq}")), "{e}");
}

#[test]
fn deleted_rows_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let entries = setup(&path);
    let conn = Connection::open(&path).unwrap();
    conn.execute("DELETE FROM journal WHERE seq = 4", [])
        .unwrap();
    let e = tampered(&path);
    assert!(matches!(e, LedgerError::Tampered { seq: 4, .. }), "{e}");
    assert!(e.to_string().contains("missing"), "{e}");

    // Dropping the last entries is caught by the head kept in the same transaction.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    setup(&path);
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "DELETE FROM journal WHERE seq = ?1",
        params![entries as i64],
    )
    .unwrap();
    let e = tampered(&path);
    assert!(
        matches!(e, LedgerError::Tampered { seq, .. } if seq == entries),
        "{e}"
    );
}

#[test]
fn forged_chain_is_caught_by_replay() {
    // A forger who edits an amount and recomputes every hash and the head defeats the chain,
    // but not the replay: the grant's rules produce the recorded transfer or nothing.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    setup(&path);
    let conn = Connection::open(&path).unwrap();
    let seq = seq_of(&conn, "\"amount_fen\":700000,\"ledger\"");
    conn.execute(
        "UPDATE journal SET body = replace(body, '\"amount_fen\":700000', '\"amount_fen\":900000') WHERE seq = ?1",
        params![seq as i64],
    )
    .unwrap();
    let rows: Vec<(i64, i64, String)> = conn
        .prepare("SELECT seq, batch, body FROM journal ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = [0u8; 32];
    for (s, b, body) in &rows {
        prev = chain_hash(&prev, *s as u64, *b as u64, body);
        conn.execute(
            "UPDATE journal SET hash = ?1 WHERE seq = ?2",
            params![hex::encode(prev), s],
        )
        .unwrap();
    }
    conn.execute("UPDATE head SET hash = ?1", params![hex::encode(prev)])
        .unwrap();
    let e = tampered(&path);
    assert!(matches!(e, LedgerError::ReplayMismatch { .. }), "{e}");
    assert!(e.to_string().contains("'g2'"), "{e}");
}

#[test]
fn a_second_writer_is_refused_not_interleaved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    setup(&path);
    let clock = || {
        Box::new(ManualClock::at_date(
            NaiveDate::from_ymd_opt(2024, 5, 2).unwrap(),
        ))
    };
    let mut a = VoucherBook::open(&path).unwrap();
    a.set_clock(clock());
    let mut b = VoucherBook::open(&path).unwrap();
    b.set_clock(clock());
    let f = EnterpriseId::from_first17("91330106000000124").unwrap();
    a.grant("ga", "hangzhou-compute-2024", &Firm::new(f), dec!(1))
        .unwrap();
    let e = b
        .grant("gb", "hangzhou-compute-2024", &Firm::new(f), dec!(2))
        .unwrap_err();
    assert!(e.to_string().contains("another writer"), "{e}");
    drop((a, b));
    let book = VoucherBook::open(&path).unwrap();
    assert_eq!(
        book.firm_year("hangzhou-compute-2024", 2024, &f)
            .unwrap()
            .granted_fen,
        100
    );
    book.verify().unwrap();
}
