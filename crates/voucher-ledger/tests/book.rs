//! The voucher life cycle on the book, with golden values worked out by hand in the comments.

use chrono::NaiveDate;
use registry_model::{EnterpriseId, RegionCode, Tier};
use rust_decimal_macros::dec;
use voucher_ledger::book::{account_id, names, transfer_code};
use voucher_ledger::{
    Firm, Journal, LedgerError, ManualClock, MemoryJournal, NewAccount, Provider, Rating,
    SubsidyLimit, Transfer, VoucherBook, defaults,
};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn firm(region: &str, n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91{region}{n:09}")).unwrap()
}

fn book_on(date: NaiveDate) -> (VoucherBook<MemoryJournal>, ManualClock) {
    let clock = ManualClock::at_date(date);
    let mut book = VoucherBook::in_memory(Box::new(clock.clone()));
    for p in defaults::programs().unwrap() {
        let id = format!("program:{}", p.id);
        book.add_program(&id, p).unwrap();
    }
    (book, clock)
}

/// Everything observable that a failed request must leave unchanged.
fn snapshot(book: &VoucherBook<MemoryJournal>) -> (usize, usize, usize, u128, usize) {
    (
        book.journal().entries().unwrap().len(),
        book.ledger().transfers().len(),
        book.ledger().accounts().len(),
        book.ledger().posted_total_fen(),
        book.request_count(),
    )
}

#[test]
fn hangzhou_grant_redeem_expire_report() {
    let (mut book, clock) = book_on(day(2024, 3, 1));
    let a = firm("330106", 1);
    book.add_provider(
        "prov:hz:chip",
        "hangzhou-compute-2024",
        Provider {
            id: "hz-chip-cloud".into(),
            name: "a domestic-chip cloud".into(),
            category: "domestic_chip".into(),
            region: None,
        },
    )
    .unwrap();
    let g = book
        .grant(
            "g1",
            "hangzhou-compute-2024",
            &Firm::new(a).with_tier(Tier::Growth),
            dec!(8000000),
        )
        .unwrap();
    assert_eq!(g.amount_fen, 800_000_000);
    assert_eq!(g.cap_fen, 800_000_000);
    assert_eq!(g.expires_on, day(2024, 12, 31));
    // One fen more is over the ¥8M cap.
    let before = snapshot(&book);
    let e = book
        .grant("g2", "hangzhou-compute-2024", &Firm::new(a), dec!(0.01))
        .unwrap_err();
    assert!(matches!(e, LedgerError::CapExceeded { .. }), "{e}");
    assert_eq!(snapshot(&book), before);

    // Contract ¥10,000,000.01 with a domestic-chip provider: 30 % of 1,000,000,001 fen is
    // 300,000,000.3 fen → 300,000,000 fen (rounded down); the firm pays 700,000,001 fen.
    let r = book
        .redeem(
            "r1",
            "hangzhou-compute-2024",
            &a,
            "hz-chip-cloud",
            "HZ-C-1",
            dec!(10000000.01),
        )
        .unwrap();
    assert_eq!(r.ratio, dec!(0.30));
    assert_eq!(r.subsidy_fen, 300_000_000);
    assert_eq!(r.firm_pays_fen, 700_000_001);
    assert_eq!(r.limited_by, SubsidyLimit::Ratio);
    assert!(!r.cross_region);
    // An unlisted provider gets the default 20 %: ¥100,000 → ¥20,000.
    let r2 = book
        .redeem(
            "r2",
            "hangzhou-compute-2024",
            &a,
            "other-cloud",
            "HZ-C-2",
            dec!(100000),
        )
        .unwrap();
    assert_eq!(r2.subsidy_fen, 2_000_000);
    // Balance left: 800,000,000 − 300,000,000 − 2,000,000 = 498,000,000 fen.
    assert_eq!(
        book.voucher_balance_fen("hangzhou-compute-2024", &a),
        498_000_000
    );

    // Expiry: the 2024 vouchers' last day is 2024-12-31.
    clock.set_date(day(2025, 1, 2));
    assert_eq!(book.voucher_balance_fen("hangzhou-compute-2024", &a), 0);
    let x = book.expire("x1", day(2025, 1, 1)).unwrap();
    assert_eq!((x.vouchers, x.returned_fen), (1, 498_000_000));
    let rep = book.report("hangzhou-compute-2024").unwrap();
    let y = &rep.years[0];
    assert_eq!(y.year, 2024);
    assert_eq!(y.budget_fen, Some(25_000_000_000));
    assert_eq!(y.granted_fen, 800_000_000);
    assert_eq!(y.redeemed_fen, 302_000_000);
    assert_eq!(y.expired_fen, 498_000_000);
    // Remaining = 25,000,000,000 − 800,000,000 + 498,000,000.
    assert_eq!(y.remaining_fen, Some(24_698_000_000));
    assert_eq!(y.outstanding_fen, 0);
    assert_eq!(rep.contracts, 2);
    // A second expiry run finds nothing.
    assert_eq!(book.expire("x2", day(2025, 1, 1)).unwrap().vouchers, 0);
    // Redeeming after expiry is refused.
    let e = book
        .redeem(
            "r3",
            "hangzhou-compute-2024",
            &a,
            "other-cloud",
            "HZ-C-3",
            dec!(100),
        )
        .unwrap_err();
    assert!(matches!(e, LedgerError::OutsideValidity { .. }), "{e}");
    book.check_invariants().unwrap();
    book.verify().unwrap();

    let st = book.statement(&a);
    let kinds: Vec<&str> = st.lines.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, vec!["grant", "redeem", "redeem", "expire"]);
    assert_eq!(st.lines.last().unwrap().balance_fen, 0);
    assert_eq!(st.subsidy_total_fen, 302_000_000);
    assert_eq!(st.firm_paid_total_fen, 700_000_001 + 8_000_000);
}

#[test]
fn eligibility_provider_and_related_party_refusals_change_nothing() {
    let (mut book, _clock) = book_on(day(2024, 5, 1));
    let sz = firm("440305", 7);
    let bj = firm("110108", 8);
    // A Beijing firm is outside Shenzhen's region.
    let before = snapshot(&book);
    let e = book
        .grant("g-bj", "shenzhen-corpus-2024", &Firm::new(bj), dec!(1000))
        .unwrap_err();
    assert!(matches!(e, LedgerError::Ineligible { .. }), "{e}");
    assert_eq!(snapshot(&book), before);

    book.grant(
        "g-sz",
        "shenzhen-corpus-2024",
        &Firm::new(sz),
        dec!(2000000),
    )
    .unwrap();
    // Only the data exchange is approved.
    let before = snapshot(&book);
    let e = book
        .redeem(
            "r-x",
            "shenzhen-corpus-2024",
            &sz,
            "some-seller",
            "SZ-1",
            dec!(1000),
        )
        .unwrap_err();
    assert!(matches!(e, LedgerError::ProviderNotApproved { .. }), "{e}");
    assert_eq!(snapshot(&book), before);
    // A related party is refused.
    book.declare_related("rel-1", sz, "szdex").unwrap();
    let before = snapshot(&book);
    let e = book
        .redeem(
            "r-rel",
            "shenzhen-corpus-2024",
            &sz,
            "szdex",
            "SZ-2",
            dec!(1000),
        )
        .unwrap_err();
    assert!(matches!(e, LedgerError::RelatedParty { .. }), "{e}");
    assert!(e.to_string().contains("szdex"));
    assert_eq!(snapshot(&book), before);

    // Beijing: a bad credit record makes the firm ineligible.
    let mut f = Firm::new(bj);
    f.bad_credit = true;
    let e = book
        .grant("g-bj2", "beijing-compute-2023", &f, dec!(1000))
        .unwrap_err();
    assert!(e.to_string().contains("credit"), "{e}");
    // Tier restriction: not in the defaults, so check through a program of our own.
    let mut p = book.program("chengdu-compute-2025").unwrap().clone();
    p.id = "cd-leading-only".into();
    p.eligibility.tiers = vec![Tier::Leading];
    p.validity.from = day(2024, 1, 1);
    book.add_program("p-cd", p).unwrap();
    let cd = firm("510104", 3);
    let e = book
        .grant(
            "g-cd",
            "cd-leading-only",
            &Firm::new(cd).with_tier(Tier::Growth),
            dec!(10),
        )
        .unwrap_err();
    assert!(e.to_string().contains("tier growth"), "{e}");
    book.grant(
        "g-cd2",
        "cd-leading-only",
        &Firm::new(cd).with_tier(Tier::Leading),
        dec!(10),
    )
    .unwrap();
    book.check_invariants().unwrap();
}

#[test]
fn bad_amounts_and_raw_transfers_are_refused_and_change_nothing() {
    let (mut book, _clock) = book_on(day(2024, 5, 1));
    let a = firm("330106", 2);
    let hz = "hangzhou-compute-2024";
    let before = snapshot(&book);
    for amount in [dec!(0), dec!(-5), dec!(0.001), dec!(100000000000000)] {
        let e = book.grant("g", hz, &Firm::new(a), amount).unwrap_err();
        assert!(
            matches!(e, LedgerError::InvalidAmount { .. }),
            "{amount}: {e}"
        );
    }
    assert!(matches!(
        book.grant("g", "nope", &Firm::new(a), dec!(1)).unwrap_err(),
        LedgerError::ProgramNotFound { .. }
    ));
    assert!(matches!(
        book.redeem("r", hz, &a, "p", "C", dec!(100)).unwrap_err(),
        LedgerError::NoVoucherBalance { .. }
    ));
    assert_eq!(snapshot(&book), before);

    // Raw transfers: unknown account, wrong ledger, zero amount, overflow.
    book.create_accounts(
        "acc",
        vec![
            NewAccount {
                id: 1,
                ledger: 7,
                code: 1,
                flags: Default::default(),
                name: "x".into(),
            },
            NewAccount {
                id: 2,
                ledger: 7,
                code: 1,
                flags: Default::default(),
                name: "y".into(),
            },
            NewAccount {
                id: 3,
                ledger: 8,
                code: 1,
                flags: Default::default(),
                name: "z".into(),
            },
        ],
    )
    .unwrap();
    let before = snapshot(&book);
    let cases = [
        (Transfer::new(10, 1, 99, 5, 7, 1), "does not exist"),
        (Transfer::new(11, 1, 3, 5, 7, 1), "ledger"),
        (Transfer::new(12, 1, 2, 0, 7, 1), "positive"),
        (Transfer::new(13, 1, 2, u64::MAX, 7, 1), "overflow"),
    ];
    for (t, needle) in cases {
        // A good transfer first: the batch is all or nothing, so it must vanish too.
        let good = Transfer::new(100, 1, 2, 5, 7, 1);
        let e = book.create_transfers("bad", vec![good, t]).unwrap_err();
        assert!(e.to_string().contains(needle), "{needle}: {e}");
        assert!(e.to_string().contains("item 1"), "{e}");
        assert_eq!(snapshot(&book), before);
    }
    book.check_invariants().unwrap();
}

#[test]
fn idempotent_requests_and_conflicts() {
    let (mut book, _clock) = book_on(day(2024, 5, 1));
    let a = firm("330106", 3);
    let hz = "hangzhou-compute-2024";
    let g1 = book.grant("g", hz, &Firm::new(a), dec!(1000)).unwrap();
    let s1 = snapshot(&book);
    let g2 = book.grant("g", hz, &Firm::new(a), dec!(1000)).unwrap();
    assert_eq!(g1, g2);
    assert_eq!(snapshot(&book), s1);
    let e = book.grant("g", hz, &Firm::new(a), dec!(1001)).unwrap_err();
    assert!(matches!(e, LedgerError::RequestConflict { .. }), "{e}");
    assert!(e.to_string().contains("grant 1000.00 yuan"), "{e}");
    // A whole raw batch submitted twice changes nothing the second time.
    book.create_accounts(
        "acc",
        vec![
            NewAccount {
                id: 1,
                ledger: 7,
                code: 1,
                flags: Default::default(),
                name: "x".into(),
            },
            NewAccount {
                id: 2,
                ledger: 7,
                code: 1,
                flags: Default::default(),
                name: "y".into(),
            },
        ],
    )
    .unwrap();
    let batch: Vec<Transfer> = (1..=50).map(|i| Transfer::new(i, 1, 2, i, 7, 1)).collect();
    book.create_transfers("b1", batch.clone()).unwrap();
    let s2 = snapshot(&book);
    book.create_transfers("b1", batch.clone()).unwrap();
    assert_eq!(snapshot(&book), s2);
    // The same transfers under a new request id are refused (ids are used once).
    let e = book.create_transfers("b2", batch).unwrap_err();
    assert!(e.to_string().contains("exists already"), "{e}");
    assert_eq!(snapshot(&book), s2);
    // A failed journal write leaves nothing behind either.
    book.journal_mut().fail_next_append = true;
    let e = book.grant("g3", hz, &Firm::new(a), dec!(5)).unwrap_err();
    assert!(matches!(e, LedgerError::Storage { .. }));
    assert_eq!(snapshot(&book), s2);
    assert_eq!(book.firm_year(hz, 2024, &a).unwrap().granted_fen, 100_000);
    book.grant("g3", hz, &Firm::new(a), dec!(5)).unwrap();
    book.check_invariants().unwrap();
}

#[test]
fn cross_region_redemption_settles_against_the_issuing_fund() {
    let (mut book, _clock) = book_on(day(2025, 4, 1));
    let zj = firm("330106", 4);
    let zi = "zhejiang-innovation";
    let hefei = RegionCode::parse("340100").unwrap();
    book.add_provider(
        "prov:hefei",
        zi,
        Provider {
            id: "hefei-lab".into(),
            name: String::new(),
            category: String::new(),
            region: Some(hefei),
        },
    )
    .unwrap();
    book.add_provider(
        "prov:wuhan",
        zi,
        Provider {
            id: "wuhan-lab".into(),
            name: String::new(),
            category: String::new(),
            region: Some(RegionCode::parse("420100").unwrap()),
        },
    )
    .unwrap();
    book.grant("g", zi, &Firm::new(zj), dec!(100000)).unwrap();
    // Contract ¥50,000 at ratio 1, but ¥20,000 per application: subsidy ¥20,000.
    let r = book
        .redeem("r", zi, &zj, "hefei-lab", "ZJ-1", dec!(50000))
        .unwrap();
    assert_eq!(r.subsidy_fen, 2_000_000);
    assert_eq!(r.limited_by, SubsidyLimit::Cap);
    assert!(r.cross_region);
    assert_eq!(r.transfer_ids.len(), 2);
    let l = book.ledger();
    let t1 = l.transfer(r.transfer_ids[0]).unwrap();
    let t2 = l.transfer(r.transfer_ids[1]).unwrap();
    assert!(t1.flags.linked && !t2.flags.linked);
    assert_eq!((t1.ledger, t2.ledger), (330000, 340100));
    assert_eq!(t2.code, transfer_code::CROSS_REGION);
    let due = l.account(account_id(&names::due(zi, hefei))).unwrap();
    assert_eq!(due.credits_posted_fen, 2_000_000);
    let prov = l
        .account(account_id(&names::provider(zi, "hefei-lab")))
        .unwrap();
    assert_eq!((prov.ledger, prov.credits_posted_fen), (340100, 2_000_000));
    assert_eq!(book.report(zi).unwrap().cross_region_fen, 2_000_000);
    // A region outside the alliance is refused.
    let e = book
        .redeem("r2", zi, &zj, "wuhan-lab", "ZJ-2", dec!(100))
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::CrossRegionNotAllowed { .. }),
        "{e}"
    );
    // The contract cannot be claimed twice, even in another program.
    let e = book
        .redeem("r3", zi, &zj, "hefei-lab", "ZJ-1", dec!(50000))
        .unwrap_err();
    assert!(matches!(e, LedgerError::ContractClaimed { .. }), "{e}");
    book.check_invariants().unwrap();
}

#[test]
fn shandong_rating_bonus_and_failing_clawback() {
    let (mut book, _clock) = book_on(day(2025, 6, 1));
    let sd = "shandong-corpus";
    let good = firm("370102", 5);
    let bad = firm("370102", 6);
    book.grant("g1", sd, &Firm::new(good), dec!(750000))
        .unwrap();
    assert!(matches!(
        book.grant("g2", sd, &Firm::new(good), dec!(1)).unwrap_err(),
        LedgerError::CapExceeded { .. }
    ));
    book.rate("rate1", sd, &good, 2025, Rating::Excellent)
        .unwrap();
    let g = book
        .grant("g3", sd, &Firm::new(good), dec!(750000))
        .unwrap();
    assert_eq!(g.cap_fen, 150_000_000);

    book.grant("g4", sd, &Firm::new(bad), dec!(600000)).unwrap();
    book.redeem("r1", sd, &bad, "corpus-seller", "SD-1", dec!(250000))
        .unwrap();
    let reply = book.rate("rate2", sd, &bad, 2025, Rating::Failing).unwrap();
    let voucher_ledger::Reply::Rated {
        clawback: Some(c), ..
    } = reply
    else {
        panic!("expected a clawback");
    };
    // Unused 600,000 − 250,000 = ¥350,000 back to the budget; ¥250,000 owed by the firm.
    assert_eq!((c.unused_fen, c.redeemed_fen), (35_000_000, 25_000_000));
    assert_eq!(book.statement(&bad).owed_fen, 25_000_000);
    let y = &book.report(sd).unwrap().years[0];
    assert_eq!(y.clawed_back_unused_fen, 35_000_000);
    assert_eq!(y.clawed_back_redeemed_fen, 25_000_000);
    // No further grants to a clawed-back firm that year.
    assert!(book.grant("g5", sd, &Firm::new(bad), dec!(1)).is_err());
    book.check_invariants().unwrap();
    book.verify().unwrap();
}

#[test]
fn startup_ratio_and_balance_limit_in_shenzhen() {
    let (mut book, _clock) = book_on(day(2024, 7, 1));
    let p = "shenzhen-training-compute-2024";
    let s = firm("440305", 9);
    book.grant("g", p, &Firm::new(s).with_tier(Tier::Potential), dec!(100))
        .unwrap();
    // 60 % of ¥1,000 = ¥600, but only ¥100 is left on the voucher.
    let r = book.redeem("r", p, &s, "gpu", "SZT-1", dec!(1000)).unwrap();
    assert_eq!(
        (r.ratio, r.by_ratio_fen, r.subsidy_fen),
        (dec!(0.60), 60_000, 10_000)
    );
    assert_eq!(r.limited_by, SubsidyLimit::Balance);
    assert_eq!(r.firm_pays_fen, 90_000);
    // A contract of 1 fen: 60 % rounds down to 0 fen → refused, nothing written.
    book.grant("g2", p, &Firm::new(s).with_tier(Tier::Potential), dec!(100))
        .unwrap();
    let e = book
        .redeem("r2", p, &s, "gpu", "SZT-2", dec!(0.01))
        .unwrap_err();
    assert!(e.to_string().contains("0 fen"), "{e}");
}

#[test]
fn sqlite_book_survives_reopen_and_keeps_replies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let a = firm("330106", 11);
    let hz = "hangzhou-compute-2024";
    let (receipt, balances) = {
        let mut book = VoucherBook::open(&path).unwrap();
        book.set_clock(Box::new(ManualClock::at_date(day(2024, 4, 1))));
        for p in defaults::programs().unwrap() {
            let id = format!("program:{}", p.id);
            book.add_program(&id, p).unwrap();
        }
        let r = book.grant("g", hz, &Firm::new(a), dec!(5000)).unwrap();
        book.redeem("r", hz, &a, "x", "C", dec!(1000)).unwrap();
        (r, book.balances(None))
    };
    let mut book = VoucherBook::open(&path).unwrap();
    book.set_clock(Box::new(ManualClock::at_date(day(2024, 4, 2))));
    assert_eq!(book.balances(None), balances);
    assert_eq!(
        book.grant("g", hz, &Firm::new(a), dec!(5000)).unwrap(),
        receipt
    );
    assert!(book.redeem("r9", hz, &a, "x", "C", dec!(1000)).is_err());
    let v = book.verify().unwrap();
    assert_eq!(v.requests, 9);
    // As of the day before anything happened, every balance is zero.
    assert!(book.balances(Some(day(2024, 3, 31))).is_empty());
    let csv = book.export_csv().unwrap();
    assert_eq!(csv.lines().count(), 1 + book.ledger().transfers().len());
    let bean = book.export_beancount();
    assert!(bean.contains("* \"grant\""));
}

#[test]
fn cycle_helpers_quote_and_eligible_programs() {
    let clock = ManualClock::at_date(day(2025, 3, 1));
    let mut book = VoucherBook::in_memory(Box::new(clock));
    let ids = book.add_default_programs("defaults").unwrap();
    assert_eq!(ids.len(), 7);
    // Again: nothing changes (same request ids, same content).
    let before = snapshot(&book);
    book.add_default_programs("defaults").unwrap();
    assert_eq!(snapshot(&book), before);

    // A Chengdu firm in 2025: Chengdu compute is open; so is nothing of Hangzhou (2024).
    let cd = Firm::new(firm("510104", 21)).with_tier(Tier::Growth);
    let open: Vec<&str> = book
        .eligible_programs(&cd, day(2025, 3, 1))
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(open, vec!["chengdu-compute-2025"]);
    // A Zhejiang firm: the provincial innovation voucher (Hangzhou 2024 has ended).
    let zj = Firm::new(firm("330106", 22));
    let open: Vec<&str> = book
        .eligible_programs(&zj, day(2025, 3, 1))
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(open, vec!["zhejiang-innovation"]);

    let key = voucher_ledger::book::grant_key(2025, "chengdu-compute-2025", &cd.id);
    book.grant(&key, "chengdu-compute-2025", &cd, dec!(5000000))
        .unwrap();
    assert!(
        book.eligible_programs(&cd, day(2025, 3, 1)).is_empty(),
        "cap used up"
    );
    let before = snapshot(&book);
    // 60 % of ¥123,456.78 = ¥74,074.068 → ¥74,074.06.
    let q = book
        .quote_redeem_fen(
            "chengdu-compute-2025",
            &cd.id,
            "tianfu-cluster",
            "job-1",
            12_345_678,
        )
        .unwrap();
    assert_eq!(q.subsidy_fen, 7_407_406);
    assert_eq!(snapshot(&book), before);
    let r = book
        .redeem_fen(
            "redeem/job-1",
            "chengdu-compute-2025",
            &cd.id,
            "tianfu-cluster",
            "job-1",
            12_345_678,
        )
        .unwrap();
    assert_eq!(r.subsidy_fen, q.subsidy_fen);
    assert_eq!(r.transfer_ids.len(), 1);
    // ¥5,000,000 − ¥74,074.06 left on the Chengdu vouchers.
    let balances = book.firm_balances_fen(&cd.id);
    assert_eq!(balances.len(), 1);
    assert_eq!(balances[0].2, 500_000_000 - 7_407_406);
    // Refusals are not failures; a storage error is.
    let e = book
        .redeem_fen("r-again", "chengdu-compute-2025", &cd.id, "x", "job-1", 100)
        .unwrap_err();
    assert!(!e.is_failure(), "{e}");
    book.journal_mut().fail_next_append = true;
    let e = book
        .redeem_fen("r-fail", "chengdu-compute-2025", &cd.id, "x", "job-2", 100)
        .unwrap_err();
    assert!(e.is_failure(), "{e}");
}

#[test]
fn last_years_vouchers_expire_in_a_multi_year_program() {
    let (mut book, clock) = book_on(day(2023, 11, 1));
    let bj = firm("110108", 31);
    let p = "beijing-compute-2023";
    book.grant("g23", p, &Firm::new(bj), dec!(1000)).unwrap();
    clock.set_date(day(2024, 1, 2));
    // The program runs to 2025, but the 2023 vouchers ended on 2023-12-31.
    let before = snapshot(&book);
    let e = book
        .redeem("r", p, &bj, "cloud", "BJ-1", dec!(100))
        .unwrap_err();
    assert!(matches!(e, LedgerError::NoVoucherBalance { .. }), "{e}");
    assert_eq!(snapshot(&book), before);
    // A 2024 grant is a new year under a fresh cap; expiring 2023 returns ¥1,000.
    let g = book.grant("g24", p, &Firm::new(bj), dec!(2000000)).unwrap();
    assert_eq!(g.granted_year_fen, 200_000_000);
    assert_eq!(
        book.expire("x", day(2024, 1, 1)).unwrap().returned_fen,
        100_000
    );
    // Ratio 1, cap ¥2M: a ¥2.5M contract is limited by the balance of ¥2M.
    let r = book
        .redeem("r2", p, &bj, "cloud", "BJ-2", dec!(2500000))
        .unwrap();
    assert_eq!((r.subsidy_fen, r.firm_pays_fen), (200_000_000, 50_000_000));
    book.check_invariants().unwrap();
}

#[test]
fn holds_settle_release_and_lapse() {
    let (mut book, clock) = book_on(day(2025, 5, 1));
    let p = "chengdu-compute-2025";
    let f = firm("510104", 41);
    book.grant("g", p, &Firm::new(f), dec!(1000)).unwrap();
    // 60 % of ¥1,000 = ¥600 reserved; ¥400 left to use.
    let h1 = book
        .hold_fen("h1", p, &f, "tianfu", "H1", 100_000, 0)
        .unwrap();
    assert!(h1.held);
    assert_eq!(h1.subsidy_fen, 60_000);
    assert_eq!(book.voucher_balance_fen(p, &f), 40_000);
    assert!(matches!(
        book.redeem_fen("r-h1", p, &f, "tianfu", "H1", 100_000)
            .unwrap_err(),
        LedgerError::ContractClaimed { .. }
    ));
    // A second hold takes what is left.
    let h2 = book
        .hold_fen("h2", p, &f, "tianfu", "H2", 100_000, 0)
        .unwrap();
    assert_eq!(h2.subsidy_fen, 40_000);
    assert_eq!(book.voucher_balance_fen(p, &f), 0);
    // Release H2: the reservation comes back, the contract is free again.
    book.release("rel-h2", "H2").unwrap();
    assert_eq!(book.voucher_balance_fen(p, &f), 40_000);
    let r = book
        .redeem_fen("r-h2", p, &f, "tianfu", "H2", 50_000)
        .unwrap();
    assert_eq!(r.subsidy_fen, 30_000);
    // Settle H1: paid and counted as redeemed.
    book.settle("set-h1", "H1").unwrap();
    assert_eq!(book.firm_year(p, 2025, &f).unwrap().redeemed_fen, 90_000);
    assert!(book.settle("set-h1-again", "H1").is_err());
    let y = &book.report(p).unwrap().years[0];
    assert_eq!(
        (y.granted_fen, y.redeemed_fen, y.outstanding_fen),
        (100_000, 90_000, 10_000)
    );
    let kinds: Vec<String> = book
        .statement(&f)
        .lines
        .iter()
        .map(|l| l.kind.clone())
        .collect();
    assert_eq!(kinds, vec!["grant", "redeem", "redeem"]);

    // A hold with a one-hour timeout lapses on the ledger clock.
    let h3 = book
        .hold_fen("h3", p, &f, "tianfu", "H3", 100_000, 3_600)
        .unwrap();
    assert_eq!(h3.subsidy_fen, 10_000);
    clock.advance_s(7_200);
    let before = snapshot(&book);
    let e = book.settle("set-h3", "H3").unwrap_err();
    assert!(e.to_string().contains("lapsed"), "{e}");
    assert_eq!(snapshot(&book), before);
    // The next write sees the reservation released: H3 can be redeemed outright.
    let r3 = book
        .redeem_fen("r-h3", p, &f, "tianfu", "H3", 100_000)
        .unwrap();
    assert_eq!(r3.subsidy_fen, 10_000);
    assert_eq!(book.voucher_balance_fen(p, &f), 0);
    book.check_invariants().unwrap();
    book.verify().unwrap();
    // The journal replays holds, settlements, releases and lapses to the same state.
    let mut copy = MemoryJournal::new();
    *copy.entries_mut() = book.journal().entries().unwrap();
    let again = VoucherBook::with_journal(copy, Box::new(clock)).unwrap();
    assert_eq!(again.balances(None), book.balances(None));
    assert_eq!(again.contract("H3").unwrap().subsidy_fen, 10_000);
}
