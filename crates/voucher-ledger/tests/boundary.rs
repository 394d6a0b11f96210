//! Input at the book's boundary: identifiers are normalised and validated once (a USCC by
//! `EnterpriseId`'s parser, provider and contract ids like request ids), so that spelling an
//! id differently cannot bypass a rule; periods cannot be closed in the future; a split cannot
//! name a party twice. Each case failed before the fix it guards.

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rust_decimal_macros::dec;
use voucher_ledger::share::{share_revenue, split_by_weights};
use voucher_ledger::{
    Firm, Journal, LedgerError, ManualClock, MemoryJournal, Provider, VoucherBook, defaults,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn firm(region: &str, n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91{region}{n:09}")).unwrap()
}

fn book_on(date: NaiveDate) -> VoucherBook<MemoryJournal> {
    let mut book = VoucherBook::in_memory(Box::new(ManualClock::at_date(date)));
    for p in defaults::programs().unwrap() {
        let id = format!("program:{}", p.id);
        book.add_program(&id, p).unwrap();
    }
    book
}

/// Journal length and request count: what a refused request must leave unchanged.
fn snapshot(book: &VoucherBook<MemoryJournal>) -> (usize, usize, u128) {
    (
        book.journal().entries().unwrap().len(),
        book.request_count(),
        book.ledger().posted_total_fen(),
    )
}

/// Beijing's program (2023–2025) bans related parties and takes any provider: the firm's own
/// USCC as provider is always related, however it is spelt.
#[test]
fn own_uscc_as_provider_is_refused_in_any_spelling() {
    let mut book = book_on(day(2024, 5, 1));
    let bj = firm("110108", 17);
    let p = "beijing-compute-2023";
    book.grant("g", p, &Firm::new(bj), dec!(10000)).unwrap();
    let own = bj.to_string();
    for (k, spelling) in [
        own.clone(),
        own.to_ascii_lowercase(),
        format!(" {own}"),
        format!("{} ", own.to_ascii_lowercase()),
    ]
    .into_iter()
    .enumerate()
    {
        let before = snapshot(&book);
        let e = book
            .redeem(
                &format!("r{k}"),
                p,
                &bj,
                &spelling,
                &format!("C-{k}"),
                dec!(1000),
            )
            .unwrap_err();
        assert!(
            matches!(e, LedgerError::RelatedParty { .. }),
            "provider '{spelling}': {e}"
        );
        assert_eq!(snapshot(&book), before, "provider '{spelling}'");
    }
    // The same for a quote, which writes nothing.
    let e = book
        .quote_redeem_fen(p, &bj, &own.to_ascii_lowercase(), "Q-1", 100_000)
        .unwrap_err();
    assert!(matches!(e, LedgerError::RelatedParty { .. }), "{e}");
}

#[test]
fn declared_relations_hold_through_spaces() {
    let mut book = book_on(day(2024, 5, 1));
    let bj = firm("110108", 18);
    let p = "beijing-compute-2023";
    book.grant("g", p, &Firm::new(bj), dec!(10000)).unwrap();
    book.declare_related("rel-a", bj, "cloud-a").unwrap();
    book.declare_related("rel-b", bj, " cloud-b\t").unwrap();
    for (k, provider) in ["cloud-a ", " cloud-a", "cloud-b"].into_iter().enumerate() {
        let e = book
            .redeem(
                &format!("r{k}"),
                p,
                &bj,
                provider,
                &format!("C-{k}"),
                dec!(1000),
            )
            .unwrap_err();
        assert!(
            matches!(e, LedgerError::RelatedParty { .. }),
            "provider '{provider}': {e}"
        );
    }
    // An unrelated provider still works, and its id is stored trimmed.
    let r = book
        .redeem("r-ok", p, &bj, "  cloud-c ", "C-ok", dec!(1000))
        .unwrap();
    assert_eq!(r.provider, "cloud-c");
    // A provider approved with spaces is the same provider without them.
    let mut prov = Provider {
        id: " hz-chip ".into(),
        name: "chip cloud".into(),
        category: "domestic_chip".into(),
        region: None,
    };
    book.add_provider("prov-1", "hangzhou-compute-2024", prov.clone())
        .unwrap();
    prov.id = "hz-chip".into();
    // Repeating the request with the normalised id is the same request (idempotent).
    book.add_provider("prov-1", "hangzhou-compute-2024", prov)
        .unwrap();
}

#[test]
fn provider_and_contract_ids_are_validated_like_request_ids() {
    let mut book = book_on(day(2024, 5, 1));
    let bj = firm("110108", 19);
    let p = "beijing-compute-2023";
    book.grant("g", p, &Firm::new(bj), dec!(10000)).unwrap();
    let long_provider = "p".repeat(65);
    let long_contract = "c".repeat(201);
    let cases: [(&str, &str); 7] = [
        ("", "C-1"),
        ("   ", "C-1"),
        ("cloud\u{7}", "C-1"),
        (long_provider.as_str(), "C-1"),
        ("cloud", ""),
        ("cloud", "C\n2"),
        ("cloud", long_contract.as_str()),
    ];
    for (k, (provider, contract)) in cases.into_iter().enumerate() {
        let before = snapshot(&book);
        let e = book
            .redeem(&format!("bad{k}"), p, &bj, provider, contract, dec!(1000))
            .unwrap_err();
        assert!(
            matches!(
                e,
                LedgerError::InvalidContractId { .. } | LedgerError::ProgramInvalid { .. }
            ),
            "provider {provider:?}, contract {contract:?}: {e}"
        );
        assert_eq!(snapshot(&book), before);
    }
    let e = book.declare_related("rel", bj, "a\u{0}b").unwrap_err();
    assert!(matches!(e, LedgerError::ProgramInvalid { .. }), "{e}");
    let e = book.settle("s", " \t").unwrap_err();
    assert!(matches!(e, LedgerError::InvalidContractId { .. }), "{e}");

    // A contract is one contract however it is spelt around its edges.
    book.redeem("r1", p, &bj, "cloud", "  C-7 ", dec!(1000))
        .unwrap();
    assert!(book.contract("C-7").is_some());
    let e = book
        .redeem("r2", p, &bj, "cloud", "C-7", dec!(1000))
        .unwrap_err();
    assert!(matches!(e, LedgerError::ContractClaimed { .. }), "{e}");
}

#[test]
fn a_period_cannot_be_closed_in_the_future() {
    let mut book = book_on(day(2024, 4, 1));
    let before = snapshot(&book);
    let e = book
        .close_period("close-future", day(2024, 4, 2))
        .unwrap_err();
    assert!(e.to_string().contains("2024-04-02"), "{e}");
    assert!(e.to_string().contains("2024-04-01"), "{e}");
    assert_eq!(snapshot(&book), before);
    assert_eq!(book.ledger().closed_through(), None);
    // Through the ledger date itself is allowed (the day is then closed).
    book.close_period("close-today", day(2024, 4, 1)).unwrap();
    assert_eq!(book.ledger().closed_through(), Some(day(2024, 4, 1)));
    book.verify().unwrap();
}

#[test]
fn a_split_cannot_name_a_party_twice() {
    for weights in [
        vec![("a", dec!(1)), ("a", dec!(2))],
        vec![("lab", dec!(1)), ("firm", dec!(2)), (" lab ", dec!(3))],
    ] {
        let e = split_by_weights(100, &weights).unwrap_err();
        assert!(matches!(e, LedgerError::InvalidShares { .. }), "{e}");
        assert!(e.to_string().contains("twice"), "{e}");
        assert!(share_revenue(100, &weights).is_err());
    }
    let e = split_by_weights(100, &[("", dec!(1))]).unwrap_err();
    assert!(matches!(e, LedgerError::InvalidShares { .. }), "{e}");
    // Distinct names still split.
    let parts = split_by_weights(100, &[("a", dec!(1)), ("b", dec!(1))]).unwrap();
    assert_eq!(parts.iter().map(|p| p.amount_fen).sum::<u64>(), 100);
}
