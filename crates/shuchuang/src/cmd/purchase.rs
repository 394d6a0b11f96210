//! `shuchuang scenario purchase`: first purchase (首购首用) in government procurement.
//!
//! - `evaluate`: a procurement's bids evaluated with the purchase preferences in force on its
//!   date (财库〔2020〕46号, 财库〔2022〕19号, and a program deduction for catalogue products):
//!   each bid's deductions with their reasons and sources, its evaluated price, the winner;
//! - `record`: purchases of catalogue products written to the ledger in DATA_DIR, all or
//!   nothing, under `--request-id` (cultivation::purchase_desk);
//! - `list`: the record, each product's first purchase (首购) marked.
//!
//! The catalogue is the one the applications make (`--applications FILE [--rules FILE]`, or
//! the example's with `--example`), as `scenario catalogue` decides it.

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use cultivation::purchase_desk::{load_purchases, record_purchases};
use cultivation::scenario_files::{
    catalogue_of, read_applications, read_catalogue_rules, read_preferences, read_procurement_bids,
    read_purchases,
};
use rust_decimal::Decimal;
use scenario_market::Key;
use scenario_market::purchase::{
    Catalogue, Method, Procurement, ProcurementKind, evaluate, read_applications_csv,
};

use report::purchase::{procurement_table, purchase_log_table, purchase_reply_table};

use crate::cmd::RequestIdArg;
use crate::output::{Format, lang, print_json};
use crate::store::StoreArgs;

/// Arguments of `shuchuang scenario purchase`.
#[derive(Debug, Args)]
pub struct PurchaseArgs {
    #[command(subcommand)]
    command: PurchaseCommand,
}

#[derive(Debug, Subcommand)]
enum PurchaseCommand {
    /// Evaluate a procurement's bids with the purchase preferences: deductions for small and
    /// micro firms, consortia with them, and catalogue products; the winner.
    #[command(
        after_help = "Examples:\n  shuchuang scenario purchase evaluate --bids bids.csv --procurement P-QD-2025-003 --date 2025-05-10 --example\n  shuchuang scenario purchase evaluate --bids bids.csv --procurement P-1 --date 2025-05-10 --method comprehensive --price-weight 0.3 --small-micro-rate 0.15 --applications applications.csv --format csv\n\nBids: bidder,size,price_yuan,product,small_share,other_points (at most 10,000). A rate not\ngiven is the lowest the rules in force allow (assumed); a rate outside the range in force\nis refused with the range and its source. The deducted price only evaluates: the contract\nis at the bid price."
    )]
    Evaluate(EvaluateArgs),
    /// Record purchases of catalogue products on the ledger (all or nothing, idempotent).
    #[command(
        after_help = "Examples:\n  shuchuang scenario purchase record purchases.csv --example --request-id buy-1\n\nPurchases: id,product,buyer,buyer_type,date,amount_yuan,procurement (at most 2,000 a\nrequest). Each product must be listed in the catalogue on its purchase date."
    )]
    Record(RecordArgs),
    /// The purchases recorded on the ledger, each product's first purchase (首购) marked.
    #[command(after_help = "Examples:\n  shuchuang scenario purchase list --format csv")]
    List(ListArgs),
}

/// Where the first-purchase catalogue comes from: applications decided by the rules, or the
/// example's applications.
#[derive(Debug, Args)]
pub struct CatalogueSource {
    /// Applications to the catalogue (CSV); the recognised ones make the catalogue.
    #[arg(long, value_name = "FILE", required_unless_present = "example")]
    applications: Option<PathBuf>,
    /// Recognition rules (TOML; default: the shipped data/scenario-market/catalogue-rules.toml).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// The crate's example applications instead of a file.
    #[arg(long, conflicts_with = "applications")]
    example: bool,
}

impl CatalogueSource {
    /// The applications, read all or nothing.
    pub fn applications(&self) -> Result<Vec<scenario_market::purchase::Application>> {
        Ok(match &self.applications {
            Some(p) => read_applications(p)?,
            None => read_applications_csv(
                scenario_market::example::APPLICATIONS_CSV.as_bytes(),
                "example applications.csv",
            )?,
        })
    }

    /// The rules the applications are decided by.
    pub fn rules(&self) -> Result<scenario_market::purchase::CatalogueRules> {
        Ok(read_catalogue_rules(self.rules.as_deref())?)
    }

    fn catalogue(&self) -> Result<Catalogue> {
        Ok(catalogue_of(&self.rules()?, &self.applications()?)?)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    /// 货物、服务.
    GoodsServices,
    /// 工程.
    Works,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    /// 最低评标价法: the lowest evaluated price wins.
    LowestPrice,
    /// 综合评分法: price points by the low-price-first formula plus the bids' other points.
    Comprehensive,
}

#[derive(Debug, Args)]
struct EvaluateArgs {
    /// The bids (CSV).
    #[arg(long, value_name = "FILE")]
    bids: PathBuf,
    /// The procurement's id.
    #[arg(long, value_name = "ID")]
    procurement: String,
    /// The evaluation date (selects the preference period in force).
    #[arg(long)]
    date: NaiveDate,
    /// Goods and services, or works.
    #[arg(long, value_enum, default_value_t = KindArg::GoodsServices)]
    kind: KindArg,
    /// How the bids are evaluated.
    #[arg(long, value_enum, default_value_t = MethodArg::LowestPrice)]
    method: MethodArg,
    /// The price's share of the 100 points (comprehensive scoring), 0 to 1.
    #[arg(long, value_name = "SHARE", required_if_eq("method", "comprehensive"))]
    price_weight: Option<Decimal>,
    /// Deduction for small and micro firms (e.g. 0.10); default: the lowest in force.
    #[arg(long, value_name = "RATE")]
    small_micro_rate: Option<Decimal>,
    /// Deduction for consortia or subcontracting with small firms; default: the lowest in force.
    #[arg(long, value_name = "RATE")]
    consortium_rate: Option<Decimal>,
    /// Deduction for catalogue products; default: the lowest in force.
    #[arg(long, value_name = "RATE")]
    catalogue_rate: Option<Decimal>,
    /// Preference periods (TOML; default: the shipped
    /// data/scenario-market/procurement-preferences.toml).
    #[arg(long, value_name = "FILE")]
    preferences: Option<PathBuf>,
    #[command(flatten)]
    catalogue: CatalogueSource,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct RecordArgs {
    /// Purchases (CSV).
    file: PathBuf,
    #[command(flatten)]
    catalogue: CatalogueSource,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    id: RequestIdArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs `shuchuang scenario purchase`.
pub fn run(args: PurchaseArgs) -> Result<()> {
    match args.command {
        PurchaseCommand::Evaluate(a) => {
            let policy = read_preferences(a.preferences.as_deref())?;
            let catalogue = a.catalogue.catalogue()?;
            let bids = read_procurement_bids(&a.bids)?;
            let kind = match a.kind {
                KindArg::GoodsServices => ProcurementKind::GoodsServices,
                KindArg::Works => ProcurementKind::Works,
            };
            let lowest = policy
                .in_force(a.date)
                .map(|p| p.lowest_rates(kind))
                .unwrap_or_default();
            let procurement = Procurement {
                id: a
                    .procurement
                    .parse::<Key>()
                    .map_err(|e| anyhow::anyhow!("--procurement '{}': {e}", a.procurement))?,
                kind,
                method: match a.method {
                    MethodArg::LowestPrice => Method::LowestPrice,
                    MethodArg::Comprehensive => Method::Comprehensive {
                        price_weight: a.price_weight.unwrap_or_default(),
                    },
                },
                date: a.date,
                small_micro_rate: a.small_micro_rate.unwrap_or(lowest.0),
                consortium_rate: a.consortium_rate.unwrap_or(lowest.1),
                catalogue_rate: a.catalogue_rate.unwrap_or(lowest.2),
            };
            let result = evaluate(&policy, &catalogue, &procurement, &bids)?;
            if a.format == Format::Json {
                return print_json(&result);
            }
            Ok(procurement_table(&result).print_in(a.format, lang())?)
        }
        PurchaseCommand::Record(a) => {
            let catalogue = a.catalogue.catalogue()?;
            let purchases = read_purchases(&a.file)?;
            let dir = a.store.dir();
            let lock = dir.lock()?;
            let mut book = dir.open_ledger(&lock, true, None)?;
            crate::interrupt::note(
                "the batch is one ledger request: if it had not returned, it was not written",
            );
            let reply = record_purchases(&mut book, &a.id.request_id, &catalogue, purchases)?;
            if a.format == Format::Json {
                return print_json(&reply);
            }
            Ok(purchase_reply_table(&reply).print_in(a.format, lang())?)
        }
        PurchaseCommand::List(a) => {
            let book = a.store.dir().read_ledger(None)?;
            let (log, catalogue) = load_purchases(&book)?;
            Ok(purchase_log_table(&log, &catalogue).print_in(a.format, lang())?)
        }
    }
}
