//! `shuchuang finance`: 云量贷 credit decisions from the verified spend on the ledger
//! (DATA_DIR/ledger.sqlite) and the registry's facts (DATA_DIR/registry.sqlite).
//!
//! - `score [--firm USCC]… [--date D] [--explain]`: every registry firm (or those named)
//!   scored by the shipped scorecard and decided under the shipped product, as of `D`
//!   (default: today, UTC): limit, score, PD, what bound the limit and what is missing.

use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use cultivation::{LedgerEvidence, RegistryView};
use finance::{Product, Scorecard, evaluate};
use registry_model::{EnterpriseId, RegistryStore};

use report::finance::{FIRMS_SCORED_MAX, explanation, score_table};

use crate::output::{Format, lang, say};
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
    }
}

fn score(a: ScoreArgs) -> Result<()> {
    let date = a.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let dir = a.store.dir();
    let registry = dir.read_registry()?;
    let book = dir.read_ledger(Some(date))?;
    let firms: Vec<EnterpriseId> = if a.firm.is_empty() {
        registry
            .firms()
            .context("reading firms from the registry")?
            .into_iter()
            .map(|f| f.id)
            .collect()
    } else {
        a.firm.clone()
    };
    if firms.len() > FIRMS_SCORED_MAX {
        bail!(
            "{} firms to score, above the limit of {FIRMS_SCORED_MAX}: name them with --firm",
            firms.len()
        );
    }
    let product = Product::embedded()?;
    let cards = [Scorecard::embedded()?];
    let card = Scorecard::in_force(&cards, date)
        .with_context(|| format!("no scorecard is in force on {date}"))?;
    let evidence = LedgerEvidence::of(&book)?;
    let facts = RegistryView::new(&*registry as &dyn RegistryStore)?;
    let evaluations = firms
        .iter()
        .map(|f| evaluate(&product, card, &evidence, &facts, *f, date))
        .collect::<finance::Result<Vec<_>>>()?;
    score_table(&evaluations).print_in(a.format, lang())?;
    if a.explain && a.format == Format::Table {
        for e in &evaluations {
            say(format!("\n{}", explanation(e)))?;
        }
    }
    Ok(())
}
