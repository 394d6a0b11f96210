//! `shuchuang scenario`: application scenarios and the firms' offers (场景 and 四新), matched.
//!
//! - `list`: the scenario list;
//! - `match [--explain SCENARIO]`: the optimal assignment of firms to scenarios under both
//!   sides' capacities, or every offer's fate in one scenario;
//! - `compare`: greedy, optimal and both stable matchings on the same instance, against the
//!   optimum;
//! - `catalogue`: first-purchase (首购首用) recognition decisions on applications, every
//!   condition explained;
//! - `purchase evaluate|record|list`: procurement with first-purchase preferences and the
//!   record of purchases (see [`crate::cmd::purchase`]);
//! - `challenge post|bid|award|milestone|show`: challenge tasks on the ledger (see
//!   [`crate::cmd::challenge`]);
//! - `match --record`, `follow-up`: the matches and the orders and revenue reported after
//!   them, kept on the ledger (cultivation::follow_desk); `report`: a year's results
//!   (cultivation::scenario_year).
//!
//! The market is read from `--scenarios` and `--offers` (CSV, or TOML by extension) and
//! optional `--capacities`, or is the crate's worked example (`--example`).

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use cultivation::LedgerHandle;
use cultivation::follow_desk::{FollowReply, record_matches, record_outcomes};
use cultivation::scenario_files::{read_market, read_outcomes};
use cultivation::scenario_year::scenario_year;
use scenario_market::follow::matched_pairs;
use scenario_market::{Market, MatchConfig, Matcher, OptimalMatcher, Preferences, Scoring};

use report::scenario::{
    assignment_table, comparison_table, explanation_table, recognition_table, scenarios_table,
};
use report::scenario_year::{conversion_table, follow_reply_table, scenario_year_table};

use crate::cmd::RequestIdArg;
use crate::output::{Format, lang, print_json};
use crate::store::StoreArgs;

/// Arguments of `shuchuang scenario`.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    #[command(subcommand)]
    command: ScenarioCommand,
}

#[derive(Debug, Subcommand)]
enum ScenarioCommand {
    /// The scenario list.
    #[command(
        after_help = "Examples:\n  shuchuang scenario list --example\n  shuchuang scenario list --scenarios scenarios.csv --offers offers.csv --format csv\n\nAt most 100,000 scenarios and 1,000,000 offers."
    )]
    List(MarketArgs),
    /// Match firms to scenarios (maximum total score under capacities), or explain one.
    #[command(
        after_help = "Examples:\n  shuchuang scenario match --example\n  shuchuang scenario match --example --explain S-QD-PORT --format json\n  shuchuang scenario match --example --record --request-id match-1\n\nAt most 100,000 scenarios and 1,000,000 offers."
    )]
    Match(MatchArgs),
    /// Greedy, optimal and stable matching on the same instance, against the optimum.
    #[command(
        after_help = "Examples:\n  shuchuang scenario compare --example\n  shuchuang scenario compare --scenarios scenarios.csv --offers offers.csv --format csv\n\nThe stable matchings rank by score on the scenarios' side and by pay per slot on the\nfirms' side (assumed: a program default); blocking_pairs counts the pairs that would\nrather be matched together under those rankings. At most 100,000 scenarios and\n1,000,000 offers."
    )]
    Compare(MarketArgs),
    /// First-purchase (首购首用) recognition: each application decided by the rule set in
    /// force on its date, every condition explained.
    #[command(
        after_help = "Examples:\n  shuchuang scenario catalogue --example\n  shuchuang scenario catalogue --applications applications.csv --rules rules.toml --format csv\n\nApplications: product,firm,name,category,scheme,applied,own_ip,domestic_first,\nthird_party_tested,no_major_incident,trl,first_sale,cumulative_sales_yuan. A fact left\nempty is missing (never false): the decision is then incomplete and names it."
    )]
    Catalogue(CatalogueArgs),
    /// First purchase (首购首用): evaluate a procurement with the purchase preferences,
    /// record purchases of catalogue products on the ledger, list them.
    Purchase(crate::cmd::purchase::PurchaseArgs),
    /// Challenge tasks (揭榜挂帅 / 赛马制): post, bid, award, milestone, show; paid through
    /// the voucher ledger in the data directory.
    Challenge(crate::cmd::challenge::ChallengeArgs),
    /// Import orders and revenue reported after matches (all or nothing, idempotent).
    #[command(
        after_help = "Examples:\n  shuchuang scenario follow-up outcomes.csv --request-id follow-1\n\nOutcomes: scenario,firm,reported,orders,revenue_yuan (at most 2,000 a request). Each\nscenario and firm must have a match recorded by `scenario match --record`, reported on or\nafter the scenario closed; a pair may report on several days (the reports add up)."
    )]
    FollowUp(FollowUpArgs),
    /// A year's scenario results: matches, bundles, first purchases, challenges and their
    /// money, and conversion of matches into orders per owner type, kind and owner.
    #[command(
        after_help = "Examples:\n  shuchuang scenario report --year 2025\n  shuchuang scenario report --year 2025 --format csv\n\nA match counts in the year its scenario closed. A match with no report counts as not\nconverted: unreported_share says how much of each rate rests on missing reports.\nThe table format prints the figures, then conversion; csv prints conversion; json both."
    )]
    Report(ReportArgs),
}

#[derive(Debug, Args)]
struct FollowUpArgs {
    /// Outcome reports (CSV).
    file: PathBuf,
    #[command(flatten)]
    write: RecordArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct RecordArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    id: RequestIdArg,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// The year (of the scenarios' close, the purchases' dates, the challenges' bid close).
    #[arg(long)]
    year: i32,
    #[command(flatten)]
    store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct CatalogueArgs {
    #[command(flatten)]
    source: crate::cmd::purchase::CatalogueSource,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct MarketArgs {
    /// Scenarios (CSV, or TOML when the name ends in .toml).
    #[arg(long, value_name = "FILE", required_unless_present = "example")]
    scenarios: Option<PathBuf>,
    /// Offers (CSV or TOML).
    #[arg(long, value_name = "FILE", required_unless_present = "example")]
    offers: Option<PathBuf>,
    /// Firms' capacities (CSV `firm,capacity`).
    #[arg(long, value_name = "FILE")]
    capacities: Option<PathBuf>,
    /// The crate's worked example instead of files.
    #[arg(long, conflicts_with_all = ["scenarios", "offers", "capacities"])]
    example: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct MatchArgs {
    #[command(flatten)]
    market: MarketArgs,
    /// Every offer's fate in this scenario: scored (with its parts) or excluded, and why.
    #[arg(long, value_name = "SCENARIO", conflicts_with = "record")]
    explain: Option<String>,
    /// Record the matches on the ledger in DATA_DIR (for `follow-up` and `report`).
    #[arg(long, requires = "request_id")]
    record: bool,
    /// Idempotency key of the record (with --record).
    #[arg(long, value_name = "ID", requires = "record")]
    request_id: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

/// Runs `shuchuang scenario`.
pub fn run(args: ScenarioArgs) -> Result<()> {
    match args.command {
        ScenarioCommand::List(a) => {
            let m = market(&a)?;
            Ok(scenarios_table(&m).print_in(a.format, lang())?)
        }
        ScenarioCommand::Match(a) => match_cmd(a),
        ScenarioCommand::Challenge(a) => crate::cmd::challenge::run(a),
        ScenarioCommand::Purchase(a) => crate::cmd::purchase::run(a),
        ScenarioCommand::FollowUp(a) => {
            let outcomes = read_outcomes(&a.file)?;
            write(&a.write, a.format, |book, id| {
                record_outcomes(book, id, outcomes)
            })
        }
        ScenarioCommand::Report(a) => {
            let y = scenario_year(&a.store.dir().read_ledger(None)?, a.year)?;
            match a.format {
                Format::Json => print_json(&y),
                Format::Csv => {
                    Ok(
                        conversion_table(&y.conversion, &report::Names::registry(), true)
                            .print_in(a.format, lang())?,
                    )
                }
                _ => {
                    scenario_year_table(&y).print_in(a.format, lang())?;
                    crate::output::put("")?;
                    Ok(
                        conversion_table(&y.conversion, &report::Names::registry(), true)
                            .print_in(a.format, lang())?,
                    )
                }
            }
        }
        ScenarioCommand::Compare(a) => {
            let m = market(&a)?;
            let g = Scoring::new(MatchConfig::embedded()?)?.candidates(&m);
            let prefs = Preferences::pay_first(&m, &g);
            let c = scenario_market::compare(&g, Some(&prefs))?;
            Ok(comparison_table(&c).print_in(a.format, lang())?)
        }
        ScenarioCommand::Catalogue(a) => {
            let rules = a.source.rules()?;
            let apps = a.source.applications()?;
            let mut catalogue = scenario_market::purchase::Catalogue::new();
            let decisions = apps
                .iter()
                .map(|app| catalogue.recognise(&rules, app))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(recognition_table(&decisions).print_in(a.format, lang())?)
        }
    }
}

fn market(a: &MarketArgs) -> Result<Market> {
    match (&a.scenarios, &a.offers) {
        _ if a.example => Ok(scenario_market::example::market()?),
        (Some(s), Some(o)) => Ok(read_market(s, o, a.capacities.as_deref())?),
        _ => bail!("give --scenarios and --offers, or --example"),
    }
}

fn match_cmd(a: MatchArgs) -> Result<()> {
    let m = market(&a.market)?;
    let scoring = Scoring::new(MatchConfig::embedded()?)?;
    let format = a.market.format;
    if let Some(id) = &a.explain {
        let s = m
            .scenario_index(&id.parse().map_err(anyhow::Error::msg)?)
            .with_context(|| format!("scenario '{id}' is not in the market"))?;
        return Ok(explanation_table(&scoring.explain(&m, s)?).print_in(format, lang())?);
    }
    let best = OptimalMatcher.assign(&scoring.candidates(&m))?;
    if let Some(request_id) = a.request_id {
        let pairs = matched_pairs(&m, &best)?;
        let w = RecordArgs {
            store: a.store,
            id: RequestIdArg { request_id },
        };
        return write(&w, format, |book, id| record_matches(book, id, pairs));
    }
    Ok(assignment_table(&m, &best).print_in(format, lang())?)
}

/// One batch under the data directory's lock.
fn write(
    w: &RecordArgs,
    format: Format,
    batch: impl FnOnce(&mut LedgerHandle, &str) -> cultivation::Result<FollowReply>,
) -> Result<()> {
    let dir = w.store.dir();
    let lock = dir.lock()?;
    let mut book = dir.open_ledger(&lock, true, None)?;
    crate::interrupt::note(
        "the batch is one ledger request: if it had not returned, it was not written",
    );
    let reply = batch(&mut book, &w.id.request_id)?;
    if format == Format::Json {
        return print_json(&reply);
    }
    Ok(follow_reply_table(&reply).print_in(format, lang())?)
}
