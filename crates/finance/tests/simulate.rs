//! Portfolio simulation: a case worked by hand, the simulated mean loss against the analytic
//! expectation, and identical results on any thread count.

use chrono::NaiveDate;
use rust_decimal_macros::dec;

use finance::simulate::{Loan, SimulationSpec, loans_from_portfolio, simulate};
use finance::synthetic::{PortfolioSpec, generate};
use finance::{PoolRule, Product, Scorecard, SubsidyRule};

fn spec() -> SimulationSpec {
    SimulationSpec::embedded(&Product::embedded().unwrap()).unwrap()
}

fn loan(exposure_yuan: i64, pd: f64) -> Loan {
    let p = Product::embedded().unwrap();
    Loan {
        exposure_fen: exposure_yuan * 100,
        pd,
        annual_rate: p.terms.annual_rate,
        day_count: p.terms.day_count,
        subsidy: p.terms.subsidy,
        subsidy_years: 1,
    }
}

/// Two loans of ¥1,000,000: one certain to default in year 1, one that never defaults.
/// Defaulter: LGD exactly 45 % → loss ¥450,000; the pool (¥1M, half covered) pays ¥500,000;
/// ¥550,000 recovered in year 2 returns 550,000 × 500,000 / 1,000,000 = ¥275,000 to it.
/// Survivor: interest 1,000,000 × 3.45 % × 365/360 = ¥34,979.1666 → ¥34,979.17 a year; the
/// first year's subsidy is half, rounded down: ¥17,489.58.
#[test]
fn a_case_worked_by_hand() {
    let mut s = spec();
    s.runs = 3;
    s.years = 3;
    s.lgd_sd = 0.0;
    s.pool_initial_fen = 100_000_000;
    s.pool_topup_per_year_fen = 0;
    let r = simulate(&s, &[loan(1_000_000, 1.0), loan(1_000_000, 0.0)]).unwrap();
    let t = &r.total;
    assert_eq!(t.loss.mean_fen, 45_000_000);
    assert_eq!(t.compensation.mean_fen, 50_000_000);
    assert_eq!(t.recoveries.mean_fen, 55_000_000);
    assert_eq!(t.pool_returns.mean_fen, 27_500_000);
    assert_eq!(t.interest.mean_fen, 3 * 3_497_917);
    assert_eq!(t.subsidy.mean_fen, 1_748_958);
    assert_eq!(t.program_cost.mean_fen, 1_748_958 + 50_000_000 - 27_500_000);
    assert_eq!(r.by_year[0].credit_extended.mean_fen, 200_000_000);
    assert_eq!(r.by_year[1].credit_extended.mean_fen, 100_000_000);
    assert_eq!(
        r.by_year[2].pool_end.mean_fen,
        100_000_000 - 50_000_000 + 27_500_000
    );
    assert_eq!(t.loss.sd_fen, 0.0);
    // Analytic: PD 1 in year 1 → 0.45 × 1,000,000.
    assert!((r.loss_check.analytic_fen - 45_000_000.0).abs() < 1e-6);
}

#[test]
fn an_empty_pool_pays_nothing_and_the_shortfall_is_reported() {
    let mut s = spec();
    s.runs = 1;
    s.lgd_sd = 0.0;
    s.pool_initial_fen = 0;
    s.pool_topup_per_year_fen = 10_000_000;
    s.pool_rule = PoolRule::FirstCome;
    let r = simulate(&s, &[loan(1_000_000, 1.0), loan(1_000_000, 1.0)]).unwrap();
    let y1 = &r.by_year[0];
    // ¥100,000 in the pool, ¥1,000,000 due: first come pays the first claim ¥100,000.
    assert_eq!(y1.compensation.mean_fen, 10_000_000);
    assert_eq!(y1.compensation_shortfall.mean_fen, 100_000_000 - 10_000_000);
    assert!(r.by_year.iter().all(|y| y.pool_end.p05_fen >= 0));
}

#[test]
fn the_subsidy_budget_runs_out_first_come() {
    let mut s = spec();
    s.runs = 1;
    s.subsidy_budget_per_year_fen = 2_000_000; // ¥20,000 for two subsidies of ¥17,489.58
    let r = simulate(&s, &[loan(1_000_000, 0.0), loan(1_000_000, 0.0)]).unwrap();
    assert_eq!(r.by_year[0].subsidy.mean_fen, 2_000_000);
    assert_eq!(r.by_year[1].subsidy.mean_fen, 0);
    let mut points = loan(1_000_000, 0.0);
    points.subsidy = SubsidyRule::RatePoints(dec!(0.0115)); // a third of 3.45 %
    s.subsidy_budget_per_year_fen = 100_000_000;
    let r = simulate(&s, &[points]).unwrap();
    // 3,497,917 × 0.0115 / 0.0345 = 1,165,972.33 → 1,165,972 fen.
    assert_eq!(r.by_year[0].subsidy.mean_fen, 1_165_972);
}

/// The simulated mean loss lies within three standard errors of Σ PD × LGD × EAD over the
/// horizon, with random and with fixed LGD, for renewed and amortising loans.
#[test]
fn simulated_mean_loss_matches_the_analytic_expectation() {
    let loans: Vec<Loan> = (0..600)
        .map(|i| loan(100_000 + (i % 37) * 25_000, 0.005 + (i % 23) as f64 * 0.004))
        .collect();
    for (seed, sd, renew) in [(1, 0.25, true), (2, 0.0, true), (3, 0.25, false)] {
        let mut s = spec();
        s.runs = 200;
        s.seed = seed;
        s.lgd_sd = sd;
        s.renew = renew;
        s.term_years = 4;
        s.amortising = !renew;
        let r = simulate(&s, &loans).unwrap();
        let c = r.loss_check;
        assert!(c.standard_error_fen > 0.0);
        assert!(
            c.z.abs() < 3.0,
            "seed {seed}: simulated {} vs analytic {} (z = {})",
            c.simulated_mean_fen,
            c.analytic_fen,
            c.z
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_on_any_thread_count() {
    let mut s = spec();
    s.runs = 8;
    // More loans than one random-stream chunk, so chunks land on several threads.
    let loans: Vec<Loan> = (0..2_500)
        .map(|i| loan(200_000, 0.01 + (i % 7) as f64 * 0.01))
        .collect();
    let many = serde_json::to_string(&simulate(&s, &loans).unwrap()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one = pool.install(|| serde_json::to_string(&simulate(&s, &loans).unwrap()).unwrap());
    assert_eq!(many, one);
    s.seed += 1;
    assert_ne!(
        serde_json::to_string(&simulate(&s, &loans).unwrap()).unwrap(),
        many
    );
}

#[test]
fn a_synthetic_program_from_decisions() {
    let p = generate(&PortfolioSpec {
        rows: 3_000,
        seed: 5,
        with_missing: true,
    })
    .unwrap();
    let product = Product::embedded().unwrap();
    let card = Scorecard::embedded().unwrap();
    let mut s = spec();
    s.runs = 50;
    let loans = loans_from_portfolio(
        &s,
        &p,
        &card,
        &product,
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
    )
    .unwrap();
    assert!(!loans.is_empty() && loans.len() < p.len());
    // Every loan respects the product: at most the leading cap × utilisation, PD ≤ 8 %.
    assert!(
        loans
            .iter()
            .all(|l| l.exposure_fen <= 400_000_000 && l.pd <= 0.08)
    );
    let r = simulate(&s, &loans).unwrap();
    assert!(r.total.credit_extended.mean_fen > 0);
    assert!(r.cost_per_yuan_extended > 0.0 && r.cost_per_yuan_extended < 0.2);
}

#[test]
fn bad_parameters_are_refused() {
    let product = Product::embedded().unwrap();
    let good = finance::simulate::DEFAULT_SIMULATION_TOML;
    for (text, needle) in [
        (good.replace("years = 5", "years = 0"), "simulation.years"),
        (
            good.replace("lgd_sd = \"0.25\"", "lgd_sd = \"0.5\""),
            "simulation.lgd_sd",
        ),
        (
            good.replace("utilisation = \"0.8\"", "utilisation = \"1.8\""),
            "simulation.utilisation",
        ),
        (
            good.replace("runs = 2000", "runs = 1000000"),
            "simulation.runs",
        ),
    ] {
        let e = SimulationSpec::from_toml_str(&text, "sim.toml", &product)
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{needle}: {e}");
    }
}
