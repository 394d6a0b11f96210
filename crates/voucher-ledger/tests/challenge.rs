//! Challenge programs on the book: a team's award reserved, paid milestone by milestone,
//! clawed back and released, with golden values worked out by hand in the comments; every
//! refusal changes nothing; the journal replays the steps on reopening and `verify` covers
//! them.

use chrono::NaiveDate;
use registry_model::EnterpriseId;
use rust_decimal_macros::dec;
use voucher_ledger::book::{ChallengeStep, account_id, names};
use voucher_ledger::{Firm, Journal, LedgerError, ManualClock, MemoryJournal, VoucherBook};

const PROGRAM: &str = r#"
id = "sd-challenge-2025"
name = "山东揭榜挂帅 (test)"
kind = "challenge"
issuing_region = "370000"
annual_budget_yuan = "10000000"
cap_per_firm_yuan = "8000000"
[ratio]
default = "1"
[validity]
from = 2025-01-01
until = 2027-12-31
"#;
const P: &str = "sd-challenge-2025";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn firm(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91370102{n:09}")).unwrap()
}

fn book() -> (VoucherBook<MemoryJournal>, ManualClock) {
    let clock = ManualClock::at_date(day(2025, 4, 15));
    let mut book = VoucherBook::in_memory(Box::new(clock.clone()));
    book.add_program_toml("p", PROGRAM, "challenge.toml")
        .unwrap();
    (book, clock)
}

fn pay(m: &str) -> ChallengeStep {
    ChallengeStep::Pay {
        milestone: m.into(),
    }
}

fn balance(book: &VoucherBook<MemoryJournal>, name: String) -> i128 {
    book.ledger()
        .account(account_id(&name))
        .map_or(0, |a| a.credit_balance_fen())
}

fn state(book: &VoucherBook<MemoryJournal>) -> (usize, usize, u128, usize) {
    (
        book.journal().entries().unwrap().len(),
        book.ledger().transfers().len(),
        book.ledger().posted_total_fen(),
        book.request_count(),
    )
}

#[test]
fn a_team_is_reserved_paid_clawed_back_and_released_to_the_fen() {
    let (mut book, _) = book();
    let a = firm(1);
    // ¥3,000,000 reserved: the 2025 budget is funded with ¥10,000,000 on first use.
    let r = book
        .challenge(
            "c/T1/a/reserve",
            P,
            "T1",
            &a,
            ChallengeStep::Reserve,
            300_000_000,
        )
        .unwrap();
    assert_eq!(r.year, 2025);
    assert_eq!(r.transfer_ids.len(), 2, "funding, then the reservation");
    assert_eq!(balance(&book, names::budget(P, 2025)), 700_000_000);
    assert_eq!(
        balance(&book, names::escrow(P, 2025, "T1", &a)),
        300_000_000
    );
    // Advance of M1 (20 % of ¥1,000,000 = ¥200,000), then the rest of M1 (¥800,000).
    book.challenge("c/T1/a/M1/advance", P, "T1", &a, pay("M1"), 20_000_000)
        .unwrap();
    let r = book
        .challenge("c/T1/a/M1/pay", P, "T1", &a, pay("M1"), 80_000_000)
        .unwrap();
    assert_eq!(r.team.paid_fen, 100_000_000);
    assert_eq!(r.team.escrow_fen(), 200_000_000);
    // M2's advance of ¥500,000.01 is paid, then M2 fails: the advance is clawed back (the
    // firm owes it) and the ¥1,499,999.99 left in escrow goes back to the budget.
    book.challenge("c/T1/a/M2/advance", P, "T1", &a, pay("M2"), 50_000_001)
        .unwrap();
    let rec = ChallengeStep::Recover {
        milestone: "M2".into(),
    };
    book.challenge("c/T1/a/M2/recover", P, "T1", &a, rec, 50_000_001)
        .unwrap();
    let r = book
        .challenge(
            "c/T1/a/release",
            P,
            "T1",
            &a,
            ChallengeStep::Release,
            149_999_999,
        )
        .unwrap();
    assert_eq!(
        (
            r.team.reserved_fen,
            r.team.paid_fen,
            r.team.released_fen,
            r.team.recovered_fen
        ),
        (300_000_000, 150_000_001, 149_999_999, 50_000_001)
    );
    assert_eq!(r.team.escrow_fen(), 0);
    // Budget: 10,000,000 − 3,000,000 + 1,499,999.99 + 500,000.01 = ¥9,000,000.00.
    assert_eq!(balance(&book, names::budget(P, 2025)), 900_000_000);
    assert_eq!(balance(&book, names::award(P, 2025, "T1", &a)), 150_000_001);
    assert_eq!(balance(&book, names::receivable(P, 2025, &a)), -50_000_001);
    // Money is conserved: what the fund gave is in the budget, the escrow, the firm's award
    // less what it owes back.
    let fund = -balance(&book, names::fund(P));
    assert_eq!(fund, 1_000_000_000);
    let held = balance(&book, names::budget(P, 2025))
        + balance(&book, names::escrow(P, 2025, "T1", &a))
        + balance(&book, names::award(P, 2025, "T1", &a))
        + balance(&book, names::receivable(P, 2025, &a));
    assert_eq!(held, fund);
    book.check_invariants().unwrap();
    book.verify().unwrap();
}

#[test]
fn refusals_change_nothing_and_name_the_reason() {
    let (mut book, clock) = book();
    let (a, b) = (firm(1), firm(2));
    book.challenge("r1", P, "T1", &a, ChallengeStep::Reserve, 100_000)
        .unwrap();
    let before = state(&book);
    let refusals: Vec<(LedgerError, &str)> = vec![
        (
            book.challenge("r2", P, "T1", &a, ChallengeStep::Reserve, 100)
                .unwrap_err(),
            "reserved before",
        ),
        (
            book.challenge("r3", P, "T2", &b, ChallengeStep::Reserve, 800_000_001)
                .unwrap_err(),
            "cap",
        ),
        (
            // ¥10,000,000 − ¥1,000 left in 2025; ¥9,999,000.01 is one fen too many.
            book.challenge("r4", P, "T2", &b, ChallengeStep::Reserve, 799_900_001)
                .map(|_| ())
                .and_then(|()| {
                    book.challenge("r4b", P, "T3", &b, ChallengeStep::Reserve, 200_000_000)
                        .map(|_| ())
                })
                .unwrap_err(),
            "budget",
        ),
        (
            book.challenge("r5", P, "T1", &a, pay("M1"), 100_001)
                .unwrap_err(),
            "escrow holds",
        ),
        (
            book.challenge(
                "r6",
                P,
                "T1",
                &a,
                ChallengeStep::Recover {
                    milestone: "M1".into(),
                },
                1,
            )
            .unwrap_err(),
            "net of recoveries",
        ),
        (
            book.challenge("r7", P, "T9", &a, pay("M1"), 1).unwrap_err(),
            "was reserved",
        ),
        (
            book.challenge("r8", P, "T/1", &a, ChallengeStep::Reserve, 1)
                .unwrap_err(),
            "field task",
        ),
        (
            book.challenge("r9", P, "T1", &a, pay("M1"), 0).unwrap_err(),
            "positive",
        ),
        (
            book.grant("r10", P, &Firm::new(a), dec!(1)).unwrap_err(),
            "challenge program",
        ),
    ];
    for (e, needle) in &refusals {
        assert!(e.to_string().contains(needle), "{e} should say {needle}");
        assert!(e.is_refusal(), "{e}");
    }
    // The T2 reservation of r4 went through (it fits); nothing else did.
    book.challenge("r4", P, "T2", &b, ChallengeStep::Reserve, 799_900_001)
        .unwrap();
    let after = state(&book);
    assert_eq!(after.3, before.3 + 1, "one request more: r4");
    // Outside the validity.
    clock.set_date(day(2028, 1, 2));
    let e = book
        .challenge("r11", P, "T4", &b, ChallengeStep::Reserve, 1)
        .unwrap_err();
    assert!(e.to_string().contains("outside the validity"), "{e}");
    // A challenge step on a voucher program.
    book.add_default_programs("d").unwrap();
    let e = book
        .challenge(
            "r12",
            "zhejiang-innovation",
            "T1",
            &a,
            ChallengeStep::Reserve,
            1,
        )
        .unwrap_err();
    assert!(e.to_string().contains("not a challenge program"), "{e}");
    book.check_invariants().unwrap();
}

#[test]
fn steps_are_idempotent_and_a_reused_id_is_a_conflict() {
    let (mut book, _) = book();
    let a = firm(1);
    let first = book
        .challenge("x", P, "T1", &a, ChallengeStep::Reserve, 5_000)
        .unwrap();
    let before = state(&book);
    let again = book
        .challenge("x", P, "T1", &a, ChallengeStep::Reserve, 5_000)
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(state(&book), before);
    let e = book
        .challenge("x", P, "T1", &a, ChallengeStep::Reserve, 5_001)
        .unwrap_err();
    assert!(matches!(e, LedgerError::RequestConflict { .. }), "{e}");
    assert!(book.has_request("x"));
}

#[test]
fn a_group_of_steps_is_all_or_nothing_and_the_journal_replays_them() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    let a = firm(1);
    let teams_before;
    {
        let mut book = VoucherBook::open(&path).unwrap();
        book.set_clock(Box::new(ManualClock::at_date(day(2025, 4, 15))));
        book.add_program_toml("p", PROGRAM, "challenge.toml")
            .unwrap();
        book.group(|b| -> Result<(), LedgerError> {
            b.challenge("g/reserve", P, "T1", &a, ChallengeStep::Reserve, 1_000_000)?;
            b.challenge("g/advance", P, "T1", &a, pay("M1"), 200_000)?;
            Ok(())
        })
        .unwrap();
        teams_before = book.challenge_teams().clone();
        // A group that fails after a valid step leaves no trace of it.
        let entries = book.journal().entries().unwrap().len();
        let failed = book.group(|b| -> Result<(), LedgerError> {
            b.challenge("h/pay", P, "T1", &a, pay("M1"), 800_000)?;
            b.challenge("h/over", P, "T1", &a, pay("M2"), 1)?;
            Ok(())
        });
        assert!(failed.is_err());
        assert_eq!(book.challenge_teams(), &teams_before);
        assert_eq!(book.journal().entries().unwrap().len(), entries);
        assert!(!book.has_request("h/pay"));
    }
    let book = VoucherBook::open(&path).unwrap();
    assert_eq!(book.challenge_teams(), &teams_before);
    let t = book.challenge_team(P, "T1", &a).unwrap();
    assert_eq!(
        (t.reserved_fen, t.paid_fen, t.escrow_fen()),
        (1_000_000, 200_000, 800_000)
    );
    let report = book.verify().unwrap();
    assert_eq!(report.requests, 3);
}
