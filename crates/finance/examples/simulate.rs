//! Simulates the shipped 云量贷 program over a synthetic portfolio: every firm-year decided
//! under the shipped product with the shipped scorecard, the eligible ones lent to, five years
//! of Monte Carlo. Prints the totals and the loss check as JSON.
//!
//! Run: `cargo run --release -p finance --example simulate -- [firms] [runs]`
//! (defaults 20,000 firms and the parameter file's runs).

use chrono::NaiveDate;
use finance::simulate::{SimulationSpec, loans_from_portfolio, simulate};
use finance::synthetic::{PortfolioSpec, generate};
use finance::{Product, Scorecard};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let firms: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let product = Product::embedded()?;
    let card = Scorecard::embedded()?;
    let mut spec = SimulationSpec::embedded(&product)?;
    if let Some(r) = args.next() {
        spec.runs = r.parse()?;
    }
    let portfolio = generate(&PortfolioSpec {
        rows: firms,
        seed: 2025,
        with_missing: true,
    })?;
    let date = NaiveDate::from_ymd_opt(2025, 6, 30).ok_or("date")?;
    let t = std::time::Instant::now();
    let loans = loans_from_portfolio(&spec, &portfolio, &card, &product, date)?;
    let decided = t.elapsed();
    let t = std::time::Instant::now();
    let r = simulate(&spec, &loans)?;
    eprintln!(
        "{} firms decided in {:.3} s: {} loans; {} runs × {} years simulated in {:.3} s",
        firms,
        decided.as_secs_f64(),
        loans.len(),
        spec.runs,
        spec.years,
        t.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "loans": r.loans,
            "total": r.total,
            "loss_check": r.loss_check,
            "cost_per_yuan_extended": r.cost_per_yuan_extended,
        }))?
    );
    Ok(())
}
