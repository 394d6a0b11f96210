//! Properties: the books stay balanced after any sequence of loan events, a refused event
//! changes nothing, the pool and the budget never go below zero, and no line ever receives
//! more subsidy than the interest paid on it.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

use finance::booking::{AccountKey, AccountKind, Booking};
use finance::eligibility::GrantTerms;
use finance::lines::Fund;
use finance::money::{DayCount, interest_fen};
use finance::pool::{PoolRule, return_due_fen, settle};
use finance::product::SubsidyRule;
use finance::{CreditLines, MemoryBooks, Product, ProgramRules};
use registry_model::Tier;

const LINES: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Fund(bool, i64),
    Grant(usize, i64),
    Draw(usize, i64),
    PayInterest(usize, u8),
    Repay(usize, u8),
    Accrue(usize),
    Close(usize),
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
        line.clone().prop_map(Op::Accrue),
        line.clone().prop_map(Op::Close),
        proptest::collection::vec(0..LINES, 1..4).prop_map(Op::Default),
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

fn fingerprint(c: &CreditLines<MemoryBooks>) -> String {
    let lines: Vec<_> = c.lines().cloned().collect();
    format!(
        "{}|{}",
        serde_json::to_string(&lines).unwrap(),
        serde_json::to_string(c.books()).unwrap()
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn books_stay_balanced_after_any_sequence(
        ops in proptest::collection::vec(op(), 1..60),
        rule in prop_oneof![Just(PoolRule::FirstCome), Just(PoolRule::ProRata)],
        points in any::<bool>(),
    ) {
        let product = Product::embedded().unwrap();
        let mut rules = ProgramRules::of(&product);
        rules.pool_rule = rule;
        rules.subsidy_cap_per_firm_year_fen = 300_000;
        let mut c = CreditLines::new(MemoryBooks::new(), rules).unwrap();
        let mut terms = product.terms;
        terms.subsidy_months = 3;
        if points {
            terms.subsidy = SubsidyRule::RatePoints(Decimal::new(15, 3));
        }
        let mut date = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let (mut funded_budget, mut funded_pool) = (0i64, 0i64);
        for (i, (op, days)) in ops.into_iter().enumerate() {
            date += Duration::days(days);
            let rid = format!("r{i}");
            let id = |l: usize| format!("L{l}");
            if let Op::PayInterest(l, _) = &op {
                // Bring the interest up to date first, so the payment can be a share of it.
                let _ = c.accrue(&format!("{rid}a"), &id(*l), date);
            }
            let before = fingerprint(&c);
            let r = match &op {
                Op::Fund(b, a) => {
                    let f = if *b { Fund::SubsidyBudget } else { Fund::RiskPool };
                    let r = c.fund(&rid, f, yuan(*a));
                    if r.is_ok() {
                        if *b { funded_budget += a } else { funded_pool += a }
                    }
                    r
                }
                Op::Grant(l, a) => {
                    let t = GrantTerms {
                        firm: finance::synthetic::synthetic_firm_id(*l as u64 % 2).unwrap(),
                        tier: Some(Tier::Growth),
                        limit_fen: *a,
                        terms,
                        score: 650,
                        pd: 0.02,
                        product: "p".into(),
                    };
                    c.grant(&rid, &id(*l), if l % 2 == 0 { "bank-a" } else { "bank-b" }, &t, date)
                }
                Op::Draw(l, a) => c.draw(&rid, &id(*l), date, yuan(*a)),
                Op::PayInterest(l, p) => {
                    let owed = c.line(&id(*l)).map_or(1, |x| x.interest_unpaid_fen);
                    c.pay_interest(&rid, &id(*l), date, yuan(pct(owed, *p).max(1)))
                }
                Op::Repay(l, p) => {
                    let owed = c.line(&id(*l)).map_or(1, |x| x.principal_fen);
                    c.repay(&rid, &id(*l), date, yuan(pct(owed, *p).max(1)))
                }
                Op::Accrue(l) => c.accrue(&rid, &id(*l), date),
                Op::Close(l) => c.close(&rid, &id(*l), date),
                Op::Default(ls) => {
                    let names: Vec<String> = ls.iter().map(|l| id(*l)).collect();
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    c.default_lines(&rid, date, &refs)
                }
                Op::Recover(l, p) => {
                    let open = c.line(&id(*l)).and_then(|x| x.default).map_or(1, |d| d.open_fen());
                    c.recover(&rid, &id(*l), date, yuan(pct(open, *p).max(1)))
                }
                Op::WriteOff(l) => c.write_off(&rid, &id(*l), date),
            };
            if r.is_err() {
                // A refused event changes nothing.
                prop_assert_eq!(&before, &fingerprint(&c), "{:?} failed but changed the books", op);
            }
            prop_assert!(c.books().check_invariants().is_ok(), "{:?}", c.books().check_invariants());
            prop_assert!(c.check_invariants().is_ok(), "{:?}", c.check_invariants());
            let budget = c.fund_balance_fen(Fund::SubsidyBudget).unwrap();
            let pool = c.fund_balance_fen(Fund::RiskPool).unwrap();
            prop_assert!(budget >= 0 && pool >= 0);
            let mut subsidy = 0;
            let mut compensation = 0;
            let mut returned = 0;
            for l in c.lines() {
                prop_assert!(l.subsidy_paid_total_fen <= l.interest_paid_total_fen);
                subsidy += l.subsidy_paid_total_fen;
                if let Some(d) = l.default {
                    prop_assert!(d.compensation_fen <= d.compensation_due_fen);
                    prop_assert!(d.returned_to_pool_fen <= d.compensation_fen);
                    prop_assert!(d.open_fen() >= 0);
                    compensation += d.compensation_fen;
                    returned += d.returned_to_pool_fen;
                }
            }
            // Money is conserved: what left the budget and the pool is what the lines show.
            prop_assert_eq!(funded_budget - budget, subsidy);
            prop_assert_eq!(funded_pool - pool, compensation - returned);
            let paid: i64 = c.books().balances()
                .filter(|(k, _)| k.kind == AccountKind::SubsidyPaid)
                .map(|(_, v)| v)
                .sum();
            prop_assert_eq!(paid, subsidy);
        }
    }

    #[test]
    fn the_pool_never_pays_more_than_it_holds_or_a_claim_is_due(
        balance in 0i64..10_000_000,
        share in 0u32..=100,
        claims in proptest::collection::vec(0i64..5_000_000, 0..20),
        pro_rata in any::<bool>(),
    ) {
        let share = Decimal::new(i64::from(share), 2);
        let rule = if pro_rata { PoolRule::ProRata } else { PoolRule::FirstCome };
        let a = settle(balance, share, rule, &claims);
        let paid: i64 = a.iter().map(|x| x.paid_fen).sum();
        let due: i64 = a.iter().map(|x| x.due_fen).sum();
        prop_assert!(paid <= balance && paid >= 0);
        for x in &a {
            prop_assert!(0 <= x.paid_fen && x.paid_fen <= x.due_fen);
        }
        if due <= balance {
            prop_assert_eq!(paid, due);
        } else if pro_rata {
            // Pro rata loses less than one fen a claim to rounding.
            prop_assert!(balance - paid < a.len().max(1) as i64);
        } else {
            prop_assert_eq!(paid, balance);
        }
    }

    #[test]
    fn returns_to_the_pool_never_exceed_its_compensation(
        claim in 1i64..10_000_000,
        comp_share in 0u32..=100,
        steps in proptest::collection::vec(0u32..=100, 1..10),
    ) {
        let comp = claim * i64::from(comp_share) / 100;
        let mut recovered = 0;
        let mut returned = 0;
        for s in steps {
            recovered = (recovered + claim * i64::from(s) / 400).min(claim);
            let total = return_due_fen(recovered, claim, comp);
            prop_assert!(total >= returned, "returns never go backwards");
            returned = total;
            prop_assert!(returned <= comp);
            prop_assert!(returned <= recovered);
        }
    }

    #[test]
    fn interest_split_into_periods_differs_by_at_most_a_fen_a_period(
        principal in 0i64..1_000_000_000_000,
        rate_bp in 0i64..2_000,
        a in 0i64..400,
        b in 0i64..400,
    ) {
        let r = Decimal::new(rate_bp, 4);
        let whole = interest_fen(principal, r, a + b, DayCount::Act360).unwrap();
        let parts = interest_fen(principal, r, a, DayCount::Act360).unwrap()
            + interest_fen(principal, r, b, DayCount::Act360).unwrap();
        prop_assert!((whole - parts).abs() <= 1);
    }
}

#[test]
fn a_booking_refusal_leaves_the_lines_untouched() {
    // Paying compensation from an empty pool is never attempted: the pool pays what it has.
    let product = Product::embedded().unwrap();
    let mut c = CreditLines::new(MemoryBooks::new(), ProgramRules::of(&product)).unwrap();
    let t = GrantTerms {
        firm: finance::synthetic::synthetic_firm_id(1).unwrap(),
        tier: None,
        limit_fen: 100_000,
        terms: product.terms,
        score: 600,
        pd: 0.03,
        product: product.id.clone(),
    };
    let d = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    c.grant("g", "L1", "b", &t, d).unwrap();
    c.draw("d", "L1", d, Decimal::new(1000, 0)).unwrap();
    c.default_lines("x", d, &["L1"]).unwrap();
    let pool = c
        .books()
        .balance_fen(&AccountKey::new(AccountKind::RiskPool, &product.program))
        .unwrap();
    assert_eq!(pool, 0);
    assert_eq!(c.line("L1").unwrap().default.unwrap().compensation_fen, 0);
    assert_eq!(
        c.line("L1").unwrap().default.unwrap().compensation_due_fen,
        50_000
    );
}

fn features() -> impl Strategy<Value = finance::Features> {
    let fen = proptest::option::of(-1_000_000_000_000i64..100_000_000_000_000_000);
    (
        (
            fen.clone(),
            fen.clone(),
            proptest::option::of(0u32..40),
            fen.clone(),
            fen.clone(),
            fen,
        ),
        (
            proptest::option::of(-5i64..200),
            proptest::option::of(-2_000_000i64..20_000_000),
            proptest::option::of(0usize..4),
            proptest::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |((s, sp, m, r, rp, rd), (age, debt, tier, bad))| finance::Features {
                spend_fen: s,
                spend_prior_fen: sp,
                months_active: m,
                revenue_fen: r,
                revenue_prior_fen: rp,
                rd_spend_fen: rd,
                age_years: age,
                debt_ratio_micros: debt,
                tier: tier.and_then(|t| Tier::ALL.get(t).copied()),
                bad_credit_3y: bad,
                staff: None,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any features, however odd, give a score in range, a finite PD in range and an
    /// explanation of every factor, under both models.
    #[test]
    fn models_answer_every_input_within_bounds(f in features()) {
        use finance::CreditModel;
        use finance::model::{PD_MIN, SCORE_MAX, SCORE_MIN};
        let card = finance::Scorecard::embedded().unwrap();
        let logistic = finance::LogisticModel {
            id: "t".into(),
            fitted_on: "test".into(),
            intercept: finance::synthetic::TRUE_INTERCEPT,
            coefficients: finance::synthetic::TRUE_COEFFICIENTS,
            std_errors: vec![0.0; 13],
            means: [0.0; 12],
            sds: [1.0; 12],
            scale: card.scale,
            fit: finance::logistic::FitSummary { iterations: 0, deviance: 0.0, rows: 0, defaults: 0 },
        };
        for m in [&card as &dyn CreditModel, &logistic] {
            let a = m.assess(&f);
            prop_assert!((SCORE_MIN..=SCORE_MAX).contains(&a.score));
            prop_assert!(a.pd.is_finite() && a.pd >= PD_MIN && a.pd <= 1.0 - PD_MIN);
            prop_assert_eq!(a.pd, m.pd(&f));
            prop_assert_eq!(a.score, m.score(&f));
            prop_assert_eq!(a.factors.len(), 10);
            prop_assert!((0.0..=1.0).contains(&a.missing_share));
            prop_assert!(a.factors.iter().all(|c| c.log_odds.is_none_or(f64::is_finite)));
        }
    }

    /// Parameter files of any text are refused with an error, never a panic.
    #[test]
    fn any_text_is_refused_or_read_never_a_panic(text in "\\PC{0,400}", cut in 0usize..4000) {
        let _ = finance::Scorecard::from_toml_str(&text, "x.toml");
        let _ = Product::from_toml_str(&text, "x.toml");
        let _ = finance::Appetite::from_toml_str(&text, "x.toml");
        // A shipped file cut anywhere.
        for full in [finance::scorecard::DEFAULT_SCORECARD_TOML, finance::product::DEFAULT_PRODUCT_TOML] {
            let at = full.char_indices().map(|(i, _)| i).take_while(|i| *i <= cut).last().unwrap_or(0);
            let _ = finance::Scorecard::from_toml_str(&full[..at], "cut.toml");
            let _ = Product::from_toml_str(&full[..at], "cut.toml");
        }
        let mut ev = finance::MemoryEvidence::new();
        let _ = ev.read_csv(text.as_bytes(), "x.csv");
        let mut facts = finance::MemoryFacts::new();
        let _ = facts.read_csv(text.as_bytes(), "x.csv");
    }
}
