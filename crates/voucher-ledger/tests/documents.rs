//! Documents in the journal: put, replaced, listed in the order last put, rolled back with a
//! failed group, replayed on reopening, bounded.

use chrono::NaiveDate;
use serde_json::json;
use voucher_ledger::book::Document;
use voucher_ledger::book::document::{DOCUMENT_BYTES_MAX, DOCUMENTS_PER_REQUEST_MAX};
use voucher_ledger::{Journal, LedgerError, ManualClock, MemoryJournal, VoucherBook};

fn doc(c: &str, k: &str, v: serde_json::Value) -> Document {
    Document {
        collection: c.into(),
        key: k.into(),
        body: v,
    }
}

fn book() -> VoucherBook<MemoryJournal> {
    let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
    VoucherBook::in_memory(Box::new(clock))
}

#[test]
fn documents_are_put_replaced_and_listed_in_the_order_last_put() {
    let mut book = book();
    book.put_documents(
        "a",
        vec![doc("c", "k1", json!(1)), doc("c", "k2", json!(2))],
    )
    .unwrap();
    book.put_documents(
        "b",
        vec![doc("c", "k1", json!({"v": 3})), doc("d", "k1", json!(4))],
    )
    .unwrap();
    let c = book.documents("c");
    assert_eq!(
        c.iter()
            .map(|d| d.document.key.as_str())
            .collect::<Vec<_>>(),
        ["k2", "k1"]
    );
    let k1 = book.document("c", "k1").unwrap();
    assert_eq!((k1.version, k1.request_id.as_str()), (2, "b"));
    assert_eq!(k1.document.body, json!({"v": 3}));
    assert_eq!(book.documents("d").len(), 1);
    assert!(book.documents("e").is_empty());
    // The ledger clock is not moved and no transfer is made.
    assert!(book.ledger().transfers().is_empty());
    // Journal: a header and one entry per document.
    assert_eq!(book.journal().entries().unwrap().len(), 6);
    book.verify().unwrap();
}

#[test]
fn a_failed_group_puts_back_the_versions_it_replaced() {
    let mut book = book();
    book.put_documents("a", vec![doc("c", "k", json!("v1"))])
        .unwrap();
    let r = book.group(|b| -> Result<(), LedgerError> {
        b.put_documents(
            "b",
            vec![doc("c", "k", json!("v2")), doc("c", "new", json!(0))],
        )?;
        Err(LedgerError::NothingToDo {
            what: "the caller changed its mind".into(),
        })
    });
    assert!(r.is_err());
    let k = book.document("c", "k").unwrap();
    assert_eq!((k.version, &k.document.body), (1, &json!("v1")));
    assert!(book.document("c", "new").is_none());
    assert!(!book.has_request("b"));
    book.put_documents("b", vec![doc("c", "k", json!("v2"))])
        .unwrap();
    assert_eq!(book.document("c", "k").unwrap().version, 2);
}

#[test]
fn limits_and_bad_documents_are_refused() {
    let mut book = book();
    let big = "x".repeat(DOCUMENT_BYTES_MAX);
    for (docs, needle) in [
        (vec![], "empty batch"),
        (vec![doc("c", "k", json!(big))], "1 MiB"),
        (vec![doc("C D", "k", json!(1))], "collection"),
        (vec![doc("c", "", json!(1))], "key"),
        (vec![doc("c", "a\nb", json!(1))], "control"),
        (
            vec![doc("c", "k", json!(1)), doc("c", "k", json!(2))],
            "twice",
        ),
        (
            (0..=DOCUMENTS_PER_REQUEST_MAX)
                .map(|i| doc("c", &i.to_string(), json!(i)))
                .collect(),
            "over the limit",
        ),
    ] {
        let e = book.put_documents("x", docs).unwrap_err();
        assert!(e.to_string().contains(needle), "{e} should say {needle}");
    }
    assert_eq!(book.request_count(), 0);
}

#[test]
fn documents_replay_on_reopening() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    {
        let mut book = VoucherBook::open(&path).unwrap();
        book.put_documents("a", vec![doc("c", "k", json!({"n": [1, 2.5, "三"]}))])
            .unwrap();
        book.put_documents("b", vec![doc("c", "k", json!({"n": 2}))])
            .unwrap();
        // The same request again: its first reply, nothing written.
        book.put_documents("b", vec![doc("c", "k", json!({"n": 2}))])
            .unwrap();
    }
    let book = VoucherBook::open(&path).unwrap();
    let k = book.document("c", "k").unwrap();
    assert_eq!((k.version, &k.document.body), (2, &json!({"n": 2})));
    assert_eq!(book.request_count(), 2);
    book.verify().unwrap();
}
