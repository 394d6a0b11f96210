//! Truncation is detectable: the SQLite journal records its head outside the database (an
//! anchor file beside it, written after every durable commit), and verification checks the
//! journal against that anchor or against one the caller kept elsewhere. Dropping the
//! journal's tail and re-pointing its head, emptying the file or deleting it are all caught;
//! opening for verification never creates or rewrites a file.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rusqlite::{Connection, params};
use rust_decimal_macros::dec;
use voucher_ledger::book::verify_journal;
use voucher_ledger::journal::{Anchor, anchor_path_for};
use voucher_ledger::{
    Firm, Journal, LedgerError, ManualClock, SqliteJournal, VoucherBook, defaults,
};

const P: &str = "hangzhou-compute-2024";

/// A ledger with a program, 12 grants and 4 redemptions (17 requests).
fn setup(path: &Path) -> Anchor {
    let mut book = VoucherBook::open(path).unwrap();
    book.set_clock(Box::new(ManualClock::at_date(
        NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
    )));
    let p = defaults::programs()
        .unwrap()
        .into_iter()
        .find(|p| p.id == P)
        .unwrap();
    book.add_program("p", p).unwrap();
    for i in 0..12u32 {
        let a = EnterpriseId::from_first17(&format!("91330106{:09}", 100 + i)).unwrap();
        book.grant(&format!("g{i}"), P, &Firm::new(a), dec!(5000))
            .unwrap();
        if i % 3 == 0 {
            book.redeem(
                &format!("r{i}"),
                P,
                &a,
                "cloud",
                &format!("C{i}"),
                dec!(1000),
            )
            .unwrap();
        }
    }
    book.anchor()
}

fn sidecars(path: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|s| {
        let mut name = path.as_os_str().to_owned();
        name.push(s);
        PathBuf::from(name)
    })
}

/// Drops every entry after batch `keep_batches` and points the head at the last one kept: a
/// tail removed by someone who knows the format.
fn truncate_to_batch(path: &Path, keep_batches: u64) {
    let conn = Connection::open(path).unwrap();
    let (seq, hash): (i64, String) = conn
        .query_row(
            "SELECT seq, hash FROM journal WHERE batch = ?1 ORDER BY seq DESC LIMIT 1",
            params![keep_batches as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute("DELETE FROM journal WHERE seq > ?1", params![seq])
        .unwrap();
    conn.execute(
        "UPDATE head SET seq = ?1, batch = ?2, hash = ?3",
        params![seq, keep_batches as i64, hash],
    )
    .unwrap();
}

#[test]
fn a_dropped_tail_with_a_repointed_head_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let anchor = setup(&path);
    assert_eq!(anchor.batches, 17);
    truncate_to_batch(&path, 13);
    // The journal alone is consistent: its chain and head agree.
    let j = SqliteJournal::open_read_only(&path).unwrap();
    let (entries, head) = j.read_all().unwrap();
    assert_eq!(head.seq, entries.len() as u64);
    // The anchor beside it says more was there.
    let e = verify_journal(&j).unwrap_err();
    match &e {
        LedgerError::Tampered { seq, reason, .. } => {
            assert_eq!(*seq, anchor.entries, "{e}");
            assert!(reason.contains("removed from the end"), "{e}");
        }
        other => panic!("expected Tampered, got {other}"),
    }
    // Reopening the book for writing refuses it too: nothing is appended to a cut journal.
    let e2 = VoucherBook::open(&path).unwrap_err();
    assert!(matches!(e2, LedgerError::Tampered { .. }), "{e2}");
}

#[test]
fn a_caller_kept_anchor_catches_a_cut_even_without_the_anchor_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let kept = setup(&path);
    // An auditor keeps the anchor as text elsewhere.
    let text = kept.to_string();
    let kept: Anchor = text.parse().unwrap();
    // Whoever cuts the journal removes the file beside it too.
    truncate_to_batch(&path, 9);
    std::fs::remove_file(anchor_path_for(&path)).unwrap();
    let j = SqliteJournal::open_read_only(&path).unwrap();
    verify_journal(&j).expect("without an anchor the cut journal looks whole");
    let e = voucher_ledger::book::verify_journal_against(&j, &kept).unwrap_err();
    assert!(matches!(e, LedgerError::Tampered { .. }), "{e}");
    assert!(e.to_string().contains(&kept.entries.to_string()), "{e}");
}

#[test]
fn an_anchor_whose_head_differs_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let kept = setup(&path);
    let j = SqliteJournal::open_read_only(&path).unwrap();
    let report = voucher_ledger::book::verify_journal_against(&j, &kept).unwrap();
    assert_eq!(report.chain.entries, kept.entries);
    let forged = Anchor {
        head_hash: [7u8; 32],
        ..kept
    };
    let e = voucher_ledger::book::verify_journal_against(&j, &forged).unwrap_err();
    assert!(e.to_string().contains("differs from the anchor"), "{e}");
}

#[test]
fn an_emptied_ledger_file_is_an_error_and_stays_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    setup(&path);
    for s in sidecars(&path) {
        let _ = std::fs::remove_file(s);
    }
    std::fs::write(&path, b"").unwrap();
    let e = SqliteJournal::open(&path).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    let e = SqliteJournal::open_read_only(&path).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    assert!(VoucherBook::open(&path).is_err());
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "not rewritten");
    // An empty file is never a ledger, anchor or not.
    std::fs::remove_file(anchor_path_for(&path)).unwrap();
    assert!(SqliteJournal::open(&path).is_err());
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "not rewritten");
}

#[test]
fn a_deleted_ledger_file_is_an_error_where_the_anchor_says_entries_exist() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let kept = setup(&path);
    std::fs::remove_file(&path).unwrap();
    for s in sidecars(&path) {
        let _ = std::fs::remove_file(s);
    }
    let e = VoucherBook::open(&path).unwrap_err();
    assert!(
        e.to_string().contains(&format!("{} entries", kept.entries)),
        "{e}"
    );
    assert!(!path.exists(), "opening did not create a new, empty ledger");
    assert!(SqliteJournal::open_read_only(&path).is_err());
    assert!(!path.exists());
}

#[test]
fn verification_never_creates_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing-here.sqlite");
    assert!(SqliteJournal::open_read_only(&path).is_err());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn the_anchor_follows_every_commit_and_may_only_lag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let old = setup(&path);
    let mut book = VoucherBook::open(&path).unwrap();
    book.set_clock(Box::new(ManualClock::at_date(
        NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
    )));
    let a = EnterpriseId::from_first17("91330106000000999").unwrap();
    book.grant("late", P, &Firm::new(a), dec!(10)).unwrap();
    // After the commit, the file beside the database records the new head.
    let on_disk = book.journal().anchor().unwrap().unwrap();
    assert_eq!(on_disk, book.anchor());
    assert!(on_disk.entries > old.entries);
    drop(book);
    // A crash between the commit and the anchor's replacement leaves the older anchor: the
    // journal is ahead of it, which is allowed and reported.
    std::fs::write(anchor_path_for(&path), format!("{old}\n")).unwrap();
    let j = SqliteJournal::open_read_only(&path).unwrap();
    let report = verify_journal(&j).unwrap();
    let check = report.anchor.unwrap();
    assert_eq!(check.anchor, old);
    assert_eq!(check.lag_entries, on_disk.entries - old.entries);
    // A damaged anchor is an error naming the file, not a silent pass.
    std::fs::write(anchor_path_for(&path), "garbage\n").unwrap();
    let e = verify_journal(&j).unwrap_err();
    assert!(e.to_string().contains("anchor"), "{e}");
}

#[test]
fn the_anchor_file_keeps_two_checksummed_slots_and_survives_a_torn_one() {
    use voucher_ledger::journal::{ANCHOR_SLOT_BYTES, read_anchor_file};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    setup(&path);
    let anchor_file = anchor_path_for(&path);
    let text = std::fs::read_to_string(&anchor_file).unwrap();
    // Two slots of fixed size, each a whole anchor with its checksum.
    assert_eq!(text.len(), 2 * ANCHOR_SLOT_BYTES);
    let slots: Vec<Anchor> = text.lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(slots.len(), 2);
    let (newer, older) = if slots[0].entries > slots[1].entries {
        (slots[0], slots[1])
    } else {
        (slots[1], slots[0])
    };
    assert!(text.contains(" crc="), "{text}");
    let book = VoucherBook::open(&path).unwrap();
    assert_eq!(newer, book.anchor());
    drop(book);
    // A power cut tears the write of the newer slot: its checksum no longer matches, and the
    // older slot is read instead (a lag, allowed).
    let torn = text.replacen(
        &newer.to_string(),
        &format!(
            "{}",
            Anchor {
                entries: newer.entries + 1,
                ..newer
            }
        ),
        1,
    );
    std::fs::write(&anchor_file, &torn).unwrap();
    assert_eq!(read_anchor_file(&anchor_file, "t").unwrap(), Some(older));
    let j = SqliteJournal::open_read_only(&path).unwrap();
    let report = verify_journal(&j).unwrap();
    assert_eq!(report.anchor.unwrap().anchor, older);
    // Both slots damaged: an error naming the anchor, never "no anchor".
    std::fs::write(&anchor_file, "x".repeat(2 * ANCHOR_SLOT_BYTES)).unwrap();
    let e = verify_journal(&j).unwrap_err();
    assert!(e.to_string().contains("anchor"), "{e}");
    assert!(VoucherBook::open(&path).is_err());
}

#[test]
fn a_kept_head_hash_alone_finds_its_anchor_and_catches_a_cut() {
    use voucher_ledger::book::verify_journal_against_kept;
    use voucher_ledger::journal::{GENESIS_HASH, KeptAnchor};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let anchor = setup(&path);
    let j = SqliteJournal::open_read_only(&path).unwrap();
    // The head hash names the same anchor as the whole anchor.
    let by_hash = verify_journal_against_kept(&j, &KeptAnchor::Head(anchor.head_hash)).unwrap();
    assert_eq!(by_hash.anchor.unwrap().anchor, anchor);
    assert_eq!(by_hash.anchor.unwrap().lag_entries, 0);
    // An earlier head (the end of batch 3) is an anchor the journal has grown past.
    let entries = j.entries().unwrap();
    let end3 = entries.iter().rev().find(|e| e.batch == 3).unwrap();
    let v = verify_journal_against_kept(&j, &KeptAnchor::Head(end3.hash)).unwrap();
    assert_eq!(v.anchor.unwrap().anchor.entries, end3.seq);
    assert_eq!(v.anchor.unwrap().lag_entries, anchor.entries - end3.seq);
    // The genesis hash is the empty journal's head: every journal holds it.
    assert!(verify_journal_against_kept(&j, &KeptAnchor::Head(GENESIS_HASH)).is_ok());
    // A hash inside a batch is not a head.
    let first3 = entries.iter().find(|e| e.batch == 3).unwrap();
    assert_ne!(first3.seq, end3.seq);
    let e = verify_journal_against_kept(&j, &KeptAnchor::Head(first3.hash)).unwrap_err();
    assert!(e.to_string().contains("inside batch 3"), "{e}");
    drop(j);
    // Cut after batch 5: the kept head is nowhere in the journal.
    truncate_to_batch(&path, 5);
    // The anchor file beside it catches the cut already; without it, the hash does.
    assert!(verify_journal(&SqliteJournal::open_read_only(&path).unwrap()).is_err());
    std::fs::remove_file(anchor_path_for(&path)).unwrap();
    let j = SqliteJournal::open_read_only(&path).unwrap();
    verify_journal(&j).unwrap();
    let e = verify_journal_against_kept(&j, &KeptAnchor::Head(anchor.head_hash)).unwrap_err();
    assert!(
        matches!(e, LedgerError::Tampered { .. })
            && e.to_string()
                .contains("no entry of the journal has the head hash"),
        "{e}"
    );
}
