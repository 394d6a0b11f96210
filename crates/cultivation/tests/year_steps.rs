//! The cycle's scenario and finance steps: the same results on
//! in-memory and SQLite stores, money where the summaries say it is, and a rerun that posts
//! nothing.

use std::collections::HashMap;

use cultivation::finance_step::{self, CreditLineRow, FinanceStep};
use cultivation::scenario_step::{self, ScenarioStep};
use cultivation::{CycleConfig, CycleOutcome, DataDir, Quiet, Stores, run_cycle};
use registry_model::{EnterpriseId, MemoryStore, RegistryStore, Tier};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use voucher_ledger::{Journal, MemoryJournal, SystemClock, VoucherBook};

fn config() -> CycleConfig {
    let mut c = CycleConfig::new().unwrap();
    c.firms = 150;
    c.seed = 11;
    c.jobs_per_holder = 4;
    c
}

fn tiers(o: &CycleOutcome) -> HashMap<EnterpriseId, Tier> {
    o.registry
        .adjustment
        .entries
        .iter()
        .filter_map(|e| e.to.map(|t| (e.id, t)))
        .collect()
}

fn steps<J: Journal>(
    book: &mut VoucherBook<J>,
    store: &dyn RegistryStore,
    o: &CycleOutcome,
) -> (ScenarioStep, FinanceStep) {
    let s = scenario_step::run(
        book,
        &o.registry.firms,
        tiers(o),
        o.year,
        11,
        scenario_step::SCENARIOS_DEFAULT,
    )
    .unwrap();
    // The cycle ran the finance step: running it again replays it.
    (s, finance_step::run(book, store, o.year).unwrap())
}

/// The limit, draw, interest and subsidy of a granted line of the cycle, from its verified
/// spend by the cycle's product (data/finance/yunliangdai-cycle.toml): limit = 10 × spend
/// down to ¥1,000 (the potential tier's cap, ¥1M × at least half, is never reached by the
/// cycle's spend); half drawn on 31 December; the term's interest over the 365 days of 2026
/// at 3.45 % ACT/360, half up to the fen; the subsidy half of it, down to the fen.
fn figures_by_hand(l: &CreditLineRow) -> [Decimal; 4] {
    let limit = (l.spend_yuan * dec!(10) / dec!(1000)).floor() * dec!(1000);
    assert!(limit < dec!(500000), "bound by spend: {l:?}");
    let drawn = limit / dec!(2);
    let interest = (drawn * dec!(0.0345) * dec!(365) / dec!(360))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let subsidy =
        (interest / dec!(2)).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
    [limit, drawn, interest, subsidy]
}

fn figures(l: &CreditLineRow) -> [Decimal; 4] {
    [
        l.limit_yuan,
        l.drawn_yuan,
        l.interest_yuan,
        l.interest_subsidy_yuan,
    ]
}

fn text(s: &ScenarioStep, f: &FinanceStep) -> [String; 4] {
    let j = |v: serde_json::Value| v.to_string();
    [
        j(serde_json::to_value(&s.summary).unwrap()),
        j(serde_json::to_value(&s.matches).unwrap()),
        j(serde_json::to_value(&f.summary).unwrap()),
        j(serde_json::to_value(&f.lines).unwrap()),
    ]
}

#[test]
fn memory_and_sqlite_agree_and_a_rerun_posts_nothing() {
    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let mut cohort = None;
    let o = run_cycle(
        Stores {
            registry: &mut registry,
            ledger: &mut ledger,
            cohort: &mut cohort,
        },
        &config(),
        &mut Quiet,
    )
    .unwrap();
    let (ms, mf) = (o.scenarios.clone(), o.finance.clone());
    let (_, mf_again) = steps(&mut ledger, &registry, &o);

    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("data"));
    let (ss, sf) = {
        let lock = dir.lock().unwrap();
        let mut registry = dir.open_registry(&lock).unwrap();
        let mut book = dir.open_ledger(&lock, true, None).unwrap();
        let mut cohort = dir.cohort_file(&lock);
        let o = run_cycle(
            Stores {
                registry: registry.as_mut(),
                ledger: &mut book,
                cohort: &mut cohort,
            },
            &config(),
            &mut Quiet,
        )
        .unwrap();
        (o.scenarios, o.finance)
    };
    assert_eq!(text(&ms, &mf), text(&ss, &sf), "the stores disagree");

    // Something happened, and the money is where the summaries say.
    let s = &ms.summary;
    assert_eq!(s.scenarios, scenario_step::SCENARIOS_DEFAULT);
    assert!(s.matches > 0 && s.bundle_grants > 0, "{s:?}");
    assert_eq!(s.replayed, 0);
    assert_eq!(s.firms_reached, s.matches, "one scenario a firm");
    let lines = cultivation::cycle::voucher_lines(&ledger, o.year).unwrap();
    let granted = |p: &str| {
        lines
            .iter()
            .find(|l| l.program == p)
            .map_or(Decimal::ZERO, |l| l.granted_yuan)
    };
    assert_eq!(granted("scenario-compute-voucher"), s.compute_yuan);
    assert_eq!(granted("scenario-data-voucher"), s.data_yuan);
    let matched: Decimal = ms
        .matches
        .iter()
        .map(|m| m.compute_yuan + m.data_yuan)
        .sum();
    assert_eq!(matched, s.compute_yuan + s.data_yuan);

    let f = &mf.summary;
    assert!(f.firms_with_spend > 0, "{f:?}");
    assert!(f.granted > 0, "the cycle grants lines: {f:?}");
    assert!(f.interest_subsidy_yuan > Decimal::ZERO && f.interest_yuan > Decimal::ZERO);
    assert_eq!(f.granted + f.refused + f.pending, f.firms_with_spend);
    assert_eq!(mf.lines.len(), f.firms_with_spend);
    for l in mf.lines.iter().filter(|l| l.status != "eligible") {
        assert!(!l.reasons.is_empty(), "a refusal says why: {l:?}");
        assert!(l.line.is_empty() && l.limit_yuan.is_zero());
    }
    assert_eq!(f.replayed, 0);
    let limits: Decimal = mf.lines.iter().map(|l| l.limit_yuan).sum();
    assert_eq!(limits, f.limit_yuan);
    let subsidy: Decimal = mf.lines.iter().map(|l| l.interest_subsidy_yuan).sum();
    assert_eq!(subsidy, f.interest_subsidy_yuan);
    assert!(
        f.interest_subsidy_yuan <= f.interest_yuan,
        "subsidy within interest paid"
    );
    assert_eq!(
        f.cost_yuan, f.interest_subsidy_yuan,
        "no defaults: the cost is the subsidy"
    );
    let reached: usize = mf.reach.iter().map(|r| r.lines_granted).sum();
    assert_eq!(reached, f.granted);
    for l in mf.lines.iter().filter(|l| l.status == "eligible") {
        assert_eq!(figures_by_hand(l), figures(l), "{l:?}");
    }
    // One line worked by hand: ¥18,000 drawn on 2025-12-31 for 365 days to 2026-12-31 at
    // 3.45 % ACT/360 is 18,000 × 0.0345 × 365 ÷ 360 = ¥629.625, half up ¥629.63; the program
    // pays half, 314.815, down to the fen ¥314.81.
    let probe = CreditLineRow {
        spend_yuan: dec!(3647.71),
        limit_yuan: dec!(36000),
        drawn_yuan: dec!(18000),
        interest_yuan: dec!(629.63),
        interest_subsidy_yuan: dec!(314.81),
        ..mf.lines[0].clone()
    };
    assert_eq!(figures_by_hand(&probe), figures(&probe));
    // PD × pool share × drawn: 0.071133 (the PD held in millionths, half up) × 0.5 × 1,800,000
    // fen = 64,019.7 fen (not rounded until the sum).
    assert_eq!(
        finance_step::expected_compensation_fen(0.071_132_566, dec!(0.5), 1_800_000),
        dec!(64019.7)
    );
    assert_eq!(
        f.budget_left_yuan,
        Decimal::from(finance_step::SUBSIDY_BUDGET_YUAN) - f.interest_subsidy_yuan
    );

    // Again: everything is a replay, nothing is posted, the same results.
    let requests = ledger.request_count();
    let (rs, rf) = steps(&mut ledger, &registry, &o);
    assert_eq!(ledger.request_count(), requests, "a rerun posts nothing");
    assert_eq!(rs.summary.replayed, rs.summary.bundle_grants);
    assert!(
        rf.summary.replayed >= 2 + rf.summary.granted,
        "{:?}",
        rf.summary
    );
    assert_eq!(
        mf_again.summary.replayed, rf.summary.replayed,
        "the cycle's finance step replayed in full"
    );
    let (mut a, mut b) = (text(&ms, &mf), text(&rs, &rf));
    // Only the replay counts differ.
    for t in [&mut a, &mut b] {
        t[0] = String::new();
        t[2] = String::new();
    }
    assert_eq!(a, b);
    ledger.check_invariants().unwrap();
}
