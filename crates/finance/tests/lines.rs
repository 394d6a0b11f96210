//! A credit line's life, worked by hand: grant, draw, interest and subsidy, repayment,
//! default with compensation, recovery with the pool's return, write-off.

use chrono::NaiveDate;
use rust_decimal_macros::dec;

use finance::booking::{AccountKey, AccountKind, Booking};
use finance::eligibility::GrantTerms;
use finance::lines::{Fund, Outcome};
use finance::{
    CreditLines, FinanceError, LineStatus, MemoryBooks, PoolRule, Product, ProgramRules,
};
use registry_model::{EnterpriseId, Tier};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn firm() -> EnterpriseId {
    "91330101589882738D".parse().unwrap()
}

fn product() -> Product {
    Product::embedded().unwrap()
}

fn terms(limit_yuan: i64) -> GrantTerms {
    let p = product();
    GrantTerms {
        firm: firm(),
        tier: Some(Tier::Growth),
        limit_fen: limit_yuan * 100,
        terms: p.terms,
        score: 700,
        pd: 0.01,
        product: p.id,
    }
}

fn program() -> CreditLines<MemoryBooks> {
    CreditLines::new(MemoryBooks::new(), ProgramRules::of(&product())).unwrap()
}

fn bal(c: &CreditLines<MemoryBooks>, kind: AccountKind, owner: &str) -> i64 {
    c.books()
        .balance_fen(&AccountKey::new(kind, owner))
        .unwrap()
}

fn checked(c: &CreditLines<MemoryBooks>) {
    c.books().check_invariants().unwrap();
    c.check_invariants().unwrap();
}

#[test]
fn a_line_from_grant_to_write_off() {
    let mut c = program();
    c.fund("f1", Fund::SubsidyBudget, dec!(1000000)).unwrap();
    c.fund("f2", Fund::RiskPool, dec!(2000000)).unwrap();
    c.grant("g1", "L1", "bank-a", &terms(1_000_000), d(2025, 1, 1))
        .unwrap();
    c.draw("d1", "L1", d(2025, 1, 1), dec!(1000000)).unwrap();
    assert_eq!(bal(&c, AccountKind::Commitment, "L1"), 0);
    // 30 days on ¥1,000,000 at 3.45 %, ACT/360: ¥2,875.00; half is subsidised: ¥1,437.50.
    let r = c
        .pay_interest("i1", "L1", d(2025, 1, 31), dec!(2875))
        .unwrap();
    match &r.outcome {
        Outcome::InterestPaid {
            accrued_fen,
            subsidy,
            ..
        } => {
            assert_eq!(*accrued_fen, 287_500);
            assert_eq!(subsidy.paid_fen, 143_750);
            assert_eq!(subsidy.note, None);
        }
        o => panic!("{o:?}"),
    }
    // 30 more days on ¥1,000,000, then ¥400,000 repaid.
    let r = c.repay("r1", "L1", d(2025, 3, 2), dec!(400000)).unwrap();
    assert!(matches!(
        r.outcome,
        Outcome::Repaid {
            accrued_fen: 287_500,
            principal_left_fen: 60_000_000,
            ..
        }
    ));
    c.pay_interest("i2", "L1", d(2025, 3, 2), dec!(2875))
        .unwrap();
    checked(&c);
    // 30 days on ¥600,000: ¥1,725.00 accrued, then default: reversed; claim ¥600,000; the
    // pool pays half, ¥300,000.
    let r = c.default_lines("x1", d(2025, 4, 1), &["L1"]).unwrap();
    match &r.outcome {
        Outcome::Defaulted { lines } => {
            assert_eq!(lines[0].accrued_fen, 172_500);
            assert_eq!(lines[0].interest_reversed_fen, 172_500);
            assert_eq!(lines[0].award.claim_fen, 60_000_000);
            assert_eq!(lines[0].award.paid_fen, 30_000_000);
        }
        o => panic!("{o:?}"),
    }
    checked(&c);
    // ¥100,000 recovered: half of it returns to the pool.
    let r = c.recover("v1", "L1", d(2025, 6, 1), dec!(100000)).unwrap();
    assert!(matches!(
        r.outcome,
        Outcome::Recovered {
            returned_to_pool_fen: 5_000_000,
            ..
        }
    ));
    let r = c.write_off("w1", "L1", d(2025, 12, 31)).unwrap();
    assert!(matches!(
        r.outcome,
        Outcome::WrittenOff {
            amount_fen: 50_000_000,
            ..
        }
    ));
    checked(&c);
    let l = c.line("L1").unwrap();
    assert_eq!(l.status, LineStatus::WrittenOff);
    let dr = l.default.unwrap();
    // The bank lost 600,000 − 100,000 − 300,000 + 50,000 = ¥250,000.
    assert_eq!(dr.bank_loss_fen(), 25_000_000);
    assert_eq!(l.subsidy_paid_total_fen, 287_500);
    assert_eq!(l.interest_paid_total_fen, 575_000);
    // The program: budget 1,000,000 − 2,875; pool 2,000,000 − 300,000 + 50,000.
    assert_eq!(c.fund_balance_fen(Fund::SubsidyBudget).unwrap(), 99_712_500);
    assert_eq!(c.fund_balance_fen(Fund::RiskPool).unwrap(), 175_000_000);
    assert_eq!(bal(&c, AccountKind::CreditLosses, "bank-a"), 50_000_000);
    assert_eq!(bal(&c, AccountKind::SubsidyPaid, firm().as_str()), 287_500);
    // Interest income: 2,875 + 2,875 + 1,725 accrued, 1,725 reversed.
    assert_eq!(bal(&c, AccountKind::InterestIncome, "bank-a"), 575_000);
}

#[test]
fn requests_are_idempotent_and_conflicts_refused() {
    let mut c = program();
    c.grant("g1", "L1", "bank-a", &terms(500_000), d(2025, 1, 1))
        .unwrap();
    let a = c.draw("d1", "L1", d(2025, 1, 10), dec!(1000)).unwrap();
    let b = c.draw("d1", "L1", d(2025, 1, 10), dec!(1000)).unwrap();
    assert!(!a.repeat && b.repeat);
    assert_eq!(a.outcome, b.outcome);
    assert_eq!(c.line("L1").unwrap().principal_fen, 100_000);
    let e = c.draw("d1", "L1", d(2025, 1, 10), dec!(2000)).unwrap_err();
    assert!(matches!(e, FinanceError::RequestConflict { .. }), "{e}");
    assert_eq!(c.books().journal().len(), 2);
    checked(&c);
}

#[test]
fn bad_operations_change_nothing() {
    let mut c = program();
    c.grant("g1", "L1", "bank-a", &terms(500_000), d(2025, 1, 1))
        .unwrap();
    c.draw("d1", "L1", d(2025, 2, 1), dec!(1000)).unwrap();
    let before = c.books().journal().len();
    let cases: Vec<(&str, Result<_, FinanceError>)> = vec![
        (
            "over the limit",
            c.draw("e1", "L1", d(2025, 2, 2), dec!(499001)),
        ),
        ("back-dated", c.draw("e2", "L1", d(2025, 1, 15), dec!(1))),
        (
            "a fraction of a fen",
            c.draw("e3", "L1", d(2025, 2, 2), dec!(0.001)),
        ),
        ("after maturity", c.draw("e4", "L1", d(2026, 1, 1), dec!(1))),
        (
            "more interest than owed",
            c.pay_interest("e5", "L1", d(2025, 2, 2), dec!(1000)),
        ),
        (
            "more principal than owed",
            c.repay("e6", "L1", d(2025, 2, 2), dec!(1000.01)),
        ),
        ("unknown line", c.draw("e7", "L9", d(2025, 2, 2), dec!(1))),
        (
            "recover an active line",
            c.recover("e8", "L1", d(2025, 2, 2), dec!(1)),
        ),
        ("close while owing", c.close("e9", "L1", d(2025, 2, 2))),
        (
            "grant twice",
            c.grant("e10", "L1", "bank-a", &terms(1), d(2025, 1, 1)),
        ),
        (
            "bad line id",
            c.grant("e11", "L 2", "bank-a", &terms(1), d(2025, 1, 1)),
        ),
    ];
    for (what, r) in cases {
        assert!(r.is_err(), "{what} was accepted");
    }
    assert_eq!(c.books().journal().len(), before);
    assert_eq!(c.line("L1").unwrap().principal_fen, 100_000);
    checked(&c);
}

#[test]
fn subsidy_stops_at_the_end_of_its_period_and_rounds_down() {
    let mut c = program();
    c.fund("f1", Fund::SubsidyBudget, dec!(1000000)).unwrap();
    let mut t = terms(1_000_000);
    t.terms.subsidy_months = 1;
    c.grant("g1", "L1", "bank-a", &t, d(2025, 1, 1)).unwrap();
    c.draw("d1", "L1", d(2025, 1, 1), dec!(1000000)).unwrap();
    // 31 subsidised days: 1,000,000 × 0.0345 × 31 / 360 = 2,970.8333 → 2,970.83; 29 more
    // days: 2,779.1666 → 2,779.17. The subsidy is half of the subsidised part, rounded down:
    // 2,970.83 / 2 = 1,485.415 → 1,485.41.
    let r = c
        .pay_interest("i1", "L1", d(2025, 3, 2), dec!(5750))
        .unwrap();
    match r.outcome {
        Outcome::InterestPaid {
            accrued_fen,
            subsidy,
            ..
        } => {
            assert_eq!(accrued_fen, 297_083 + 277_917);
            assert_eq!(subsidy.subsidisable_fen, 297_083);
            assert_eq!(subsidy.paid_fen, 148_541);
        }
        o => panic!("{o:?}"),
    }
    checked(&c);
}

#[test]
fn an_exhausted_budget_pays_what_is_left_then_nothing() {
    let mut c = program();
    c.fund("f1", Fund::SubsidyBudget, dec!(1000)).unwrap();
    c.grant("g1", "L1", "bank-a", &terms(1_000_000), d(2025, 1, 1))
        .unwrap();
    c.draw("d1", "L1", d(2025, 1, 1), dec!(1000000)).unwrap();
    let r = c
        .pay_interest("i1", "L1", d(2025, 1, 31), dec!(2875))
        .unwrap();
    let Outcome::InterestPaid { subsidy, .. } = r.outcome else {
        panic!()
    };
    assert_eq!((subsidy.computed_fen, subsidy.paid_fen), (143_750, 100_000));
    assert!(subsidy.note.unwrap().contains("budget exhausted"));
    let r = c
        .pay_interest("i2", "L1", d(2025, 3, 2), dec!(2875))
        .unwrap();
    let Outcome::InterestPaid { subsidy, .. } = r.outcome else {
        panic!()
    };
    assert_eq!(subsidy.paid_fen, 0);
    assert_eq!(c.fund_balance_fen(Fund::SubsidyBudget).unwrap(), 0);
    checked(&c);
}

#[test]
fn the_yearly_cap_per_firm_binds_across_lines() {
    let mut rules = ProgramRules::of(&product());
    rules.subsidy_cap_per_firm_year_fen = 200_000; // ¥2,000
    let mut c = CreditLines::new(MemoryBooks::new(), rules).unwrap();
    c.fund("f1", Fund::SubsidyBudget, dec!(1000000)).unwrap();
    for l in ["L1", "L2"] {
        c.grant(
            &format!("g-{l}"),
            l,
            "bank-a",
            &terms(1_000_000),
            d(2025, 1, 1),
        )
        .unwrap();
        c.draw(&format!("d-{l}"), l, d(2025, 1, 1), dec!(1000000))
            .unwrap();
    }
    c.pay_interest("i1", "L1", d(2025, 1, 31), dec!(2875))
        .unwrap(); // 1,437.50
    let r = c
        .pay_interest("i2", "L2", d(2025, 1, 31), dec!(2875))
        .unwrap();
    let Outcome::InterestPaid { subsidy, .. } = r.outcome else {
        panic!()
    };
    assert_eq!(subsidy.paid_fen, 200_000 - 143_750);
    assert!(subsidy.note.unwrap().contains("yearly cap"));
    assert_eq!(c.subsidy_used_fen(&firm(), 2025), 200_000);
    checked(&c);
}

#[test]
fn defaults_settled_together_share_a_short_pool() {
    for (rule, expected) in [
        (PoolRule::ProRata, [4_000_000, 6_000_000]),
        (PoolRule::FirstCome, [6_000_000, 4_000_000]),
    ] {
        let mut rules = ProgramRules::of(&product());
        rules.pool_rule = rule;
        let mut c = CreditLines::new(MemoryBooks::new(), rules).unwrap();
        c.fund("f", Fund::RiskPool, dec!(100000)).unwrap();
        for (l, amt) in [("L1", dec!(120000)), ("L2", dec!(180000))] {
            c.grant(
                &format!("g-{l}"),
                l,
                "bank-a",
                &terms(1_000_000),
                d(2025, 1, 1),
            )
            .unwrap();
            c.draw(&format!("d-{l}"), l, d(2025, 1, 1), amt).unwrap();
        }
        let r = c.default_lines("x", d(2025, 1, 1), &["L1", "L2"]).unwrap();
        let Outcome::Defaulted { lines } = r.outcome else {
            panic!()
        };
        assert_eq!(
            [lines[0].award.paid_fen, lines[1].award.paid_fen],
            expected,
            "{rule:?}"
        );
        assert_eq!(c.fund_balance_fen(Fund::RiskPool).unwrap(), 0);
        checked(&c);
    }
}

#[test]
fn the_state_restores_and_stays_idempotent() {
    let mut c = program();
    c.fund("f1", Fund::SubsidyBudget, dec!(1000)).unwrap();
    c.grant("g1", "L1", "bank-a", &terms(10_000), d(2025, 1, 1))
        .unwrap();
    c.draw("d1", "L1", d(2025, 1, 1), dec!(10000)).unwrap();
    let state = serde_json::to_string(c.state()).unwrap();
    let books = serde_json::to_string(c.books()).unwrap();
    let mut books: MemoryBooks = serde_json::from_str(&books).unwrap();
    books.rebuild();
    let mut back = CreditLines::restore(books, serde_json::from_str(&state).unwrap()).unwrap();
    assert!(
        back.draw("d1", "L1", d(2025, 1, 1), dec!(10000))
            .unwrap()
            .repeat
    );
    // A state that disagrees with the books (saved before a later request) is refused.
    let old_state = serde_json::to_string(back.state()).unwrap();
    back.repay("p1", "L1", d(2025, 2, 1), dec!(5000)).unwrap();
    let books = back.into_books();
    assert!(CreditLines::restore(books, serde_json::from_str(&old_state).unwrap()).is_err());
}
