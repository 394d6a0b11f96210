//! `shuchuang finance`: 云量贷 credit decisions from the verified spend on the ledger
//! (DATA_DIR/ledger.sqlite) and the registry's facts (DATA_DIR/registry.sqlite).
//!
//! - `score [--firm USCC]… [--date D] [--explain]`: every registry firm (or those named)
//!   scored by the shipped scorecard and decided under the shipped product, as of `D`
//!   (default: today, UTC): limit, score, PD, what bound the limit and what is missing.
//! - `simulate [--firms N] [--runs R] [--years Y] [--seed S]`: seeded Monte Carlo of the shipped
//!   program over a synthetic portfolio decided under the shipped product, year by year, with
//!   the expected loss beside the analytic Σ PD × LGD × EAD.
//! - `line grant|draw|repay|default|show` and `fund`: a program's lines on the ledger
//!   (`finance_line.rs`).

use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use cultivation::RegistryView;
use cultivation::credit_desk::score_firms;
use finance::{Product, Scorecard};
use registry_model::{EnterpriseId, RegistryStore};

use report::finance::{explanation, score_table};

use crate::output::{Format, lang, print_shown, say};
use crate::store::StoreArgs;

/// Arguments of `shuchuang finance`.
#[derive(Debug, Args)]
pub struct FinanceArgs {
    #[command(subcommand)]
    command: FinanceCommand,
}

#[derive(Debug, Subcommand)]
enum FinanceCommand {
    /// Score firms and decide their 云量贷 lines from verified spend and registry facts.
    #[command(
        after_help = "Examples:\n  shuchuang finance score --date 2026-01-15\n  shuchuang finance score --firm 91510104000000001B --explain\n  shuchuang finance score --format csv > decisions.csv\n\nAt most 1,000,000 firms a call."
    )]
    Score(ScoreArgs),
    /// Simulate the shipped 云量贷 program over a seeded synthetic portfolio (Monte Carlo).
    #[command(
        after_help = "Examples:\n  shuchuang finance simulate\n  shuchuang finance simulate --firms 20000 --runs 2000 --seed 7\n  shuchuang finance simulate --format json > simulation.json\n\nThe portfolio is synthetic (every distribution assumed, docs/finance.md); the program's\nparameters are data/finance/simulation-2025.toml and the shipped product. At most\n20,000,000 firms, 100,000 runs, 30 years, and 2,000,000,000 loan-runs a call."
    )]
    Simulate(SimulateArgs),
    /// A program's 云量贷 lines on the ledger: grant, draw, repay, default, show.
    Line(super::finance_line::LineArgs),
    /// Put money into the program's subsidy budget or risk pool.
    #[command(
        after_help = "Examples:\n  shuchuang finance fund --fund risk-pool --amount-yuan 1000000 --date 2025-01-02 --request-id fund-pool\n  shuchuang finance fund --fund subsidy-budget --amount-yuan 200000 --date 2025-01-02 --request-id fund-budget"
    )]
    Fund(super::finance_line::FundArgs),
    /// The program's risk pool: its balance, the claims it paid and what its exhaustion rule did.
    #[command(
        after_help = "Examples:\n  shuchuang finance pool\n  shuchuang finance pool --format json"
    )]
    Pool(super::finance_line::ProgramArgs),
    /// The program's scheme on the ledger: lines granted and refused with reasons, credit
    /// extended, drawn, repaid and defaulted, subsidy and pool cost, reach by tier and province.
    #[command(
        after_help = "Examples:\n  shuchuang finance report\n  shuchuang finance report --format csv > decisions.csv\n\n--format csv prints the decisions (one row a grant request); json has everything."
    )]
    Report(super::finance_line::ProgramArgs),
    /// Firms recommended to each bank by its appetite (sector, tier, score, PD, size, province).
    #[command(
        after_help = "Examples:\n  shuchuang finance recommend --bank data/finance/appetites-example.toml --date 2025-01-15\n  shuchuang finance recommend --bank appetites.toml --format json\n\nCandidates are the registry's firms decided eligible by `finance score` on the date.\nAt most 1,000 banks a file and 1,000,000 firms."
    )]
    Recommend(RecommendArgs),
    /// The state-VC indicator: gazelles and unicorns grown in each fund's portfolio.
    #[command(
        after_help = "Examples:\n  shuchuang finance vc --portfolio data/finance/portfolio-example.csv --year 2024\n\nPortfolio CSV: fund,state_owned,uscc,invested_on,amount_yuan (at most 1,000,000 rows).\nA firm grew when it was not a gazelle (unicorn) the year before its first investment\nand is one in --year, by the registry's criteria."
    )]
    Vc(VcArgs),
}

#[derive(Debug, Args)]
struct RecommendArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The banks' appetites (TOML of [[bank]] tables; example data/finance/appetites-example.toml).
    #[arg(long, value_name = "FILE")]
    bank: std::path::PathBuf,
    /// The decision date of the candidates (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    date: Option<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct VcArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The funds' holdings (CSV fund,state_owned,uscc,invested_on,amount_yuan).
    #[arg(long, value_name = "FILE")]
    portfolio: std::path::PathBuf,
    /// The statistical year judged.
    #[arg(long, value_name = "Y")]
    year: registry_model::Year,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// Firm-years of the synthetic portfolio, each decided under the shipped product (the
    /// eligible ones become loans).
    #[arg(long, value_name = "N", default_value_t = 2_000)]
    firms: usize,
    /// Monte Carlo runs; default: the parameter file's (2,000).
    #[arg(long, value_name = "R")]
    runs: Option<usize>,
    /// Years simulated; default: the parameter file's (5).
    #[arg(long, value_name = "Y")]
    years: Option<u32>,
    /// Seed of the portfolio and of the draws; default: the parameter file's (2025).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ScoreArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// A firm to score (repeatable); default: every firm in the registry.
    #[arg(long, value_name = "USCC")]
    firm: Vec<EnterpriseId>,
    /// The decision date (YYYY-MM-DD): spend is read over the product's window to it, the
    /// registry's facts of the year before. Default: today (UTC).
    #[arg(long, value_name = "DATE")]
    date: Option<NaiveDate>,
    /// Print every factor's band and points and every rule with its citation.
    #[arg(long)]
    explain: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs `shuchuang finance`.
pub fn run(args: FinanceArgs) -> Result<()> {
    match args.command {
        FinanceCommand::Score(a) => score(a),
        FinanceCommand::Simulate(a) => simulate(a),
        FinanceCommand::Line(a) => super::finance_line::run(a),
        FinanceCommand::Fund(a) => super::finance_line::fund(a),
        FinanceCommand::Recommend(a) => recommend(a),
        FinanceCommand::Vc(a) => vc(a),
        FinanceCommand::Pool(a) => super::finance_line::pool(a),
        FinanceCommand::Report(a) => super::finance_line::report(a),
    }
}

fn simulate(a: SimulateArgs) -> Result<()> {
    use finance::simulate::{SimulationSpec, loans_from_portfolio, simulate};
    use finance::synthetic::{PortfolioSpec, generate};
    let product = Product::embedded()?;
    let card = Scorecard::embedded()?;
    let mut spec = SimulationSpec::embedded(&product)?;
    spec.runs = a.runs.unwrap_or(spec.runs);
    spec.years = a.years.unwrap_or(spec.years);
    spec.seed = a.seed.unwrap_or(spec.seed);
    spec.check("--runs/--years")?;
    let portfolio = generate(&PortfolioSpec {
        rows: a.firms,
        seed: spec.seed,
        with_missing: true,
    })?;
    // Decided within the product's validity, on its last day.
    let loans = loans_from_portfolio(&spec, &portfolio, &card, &product, product.effective_until)?;
    print_shown(&simulate(&spec, &loans)?, a.format)
}

/// Every registry firm (or those named) evaluated as of `date` under the shipped product.
fn evaluations(
    store: &StoreArgs,
    named: &[EnterpriseId],
    date: NaiveDate,
) -> Result<Vec<finance::Evaluation>> {
    let dir = store.dir();
    let (registry, book) = (dir.read_registry()?, dir.read_ledger(Some(date))?);
    let product = Product::embedded()?;
    Ok(score_firms(&*registry, &book, &product, named, date)?)
}

fn score(a: ScoreArgs) -> Result<()> {
    let date = a.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let evaluations = evaluations(&a.store, &a.firm, date)?;
    score_table(&evaluations).print_in(a.format, lang())?;
    if a.explain && a.format == Format::Table {
        for e in &evaluations {
            say(format!("\n{}", explanation(e)))?;
        }
    }
    Ok(())
}

fn recommend(a: RecommendArgs) -> Result<()> {
    use finance::matching::{Appetite, Candidate, recommend_all};
    let text = crate::input::read_text(&a.bank)?;
    let appetites = Appetite::from_toml_str(&text, &a.bank.display().to_string())?;
    let date = a.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let candidates: Vec<Candidate> = evaluations(&a.store, &[], date)?
        .iter()
        .map(Candidate::of)
        .collect();
    let lists = recommend_all(&appetites, &candidates)?;
    if a.format == Format::Json {
        return crate::output::print_json(&lists);
    }
    report::finance::recommendations_table(&lists).print_in(a.format, lang())?;
    if a.format == Format::Table {
        say("")?;
        report::finance::exclusions_table(&lists).print_in(a.format, lang())?;
    }
    Ok(())
}

fn vc(a: VcArgs) -> Result<()> {
    let file = std::fs::File::open(&a.portfolio)
        .with_context(|| format!("cannot read {}", a.portfolio.display()))?;
    let holdings = finance::statevc::read_holdings_csv(file, &a.portfolio.display().to_string())?;
    let registry = a.store.dir().read_registry()?;
    let view = RegistryView::new(&*registry as &dyn RegistryStore)?;
    print_shown(
        &finance::statevc::indicator(&holdings, &view, a.year)?,
        a.format,
    )
}
