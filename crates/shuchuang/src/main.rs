//! `shuchuang`: the command line over the shuchuang crates.
//!
//! Only this crate parses command lines, reads and writes files for the user, prints tables
//! and draws charts; the libraries stay format-free.

mod chart;
mod cmd;
mod output;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tools for cultivating digital-economy innovative enterprises (数创企业).
#[derive(Debug, Parser)]
#[command(name = "shuchuang", version, about, long_about = None)]
struct Cli {
    /// Directory of the embedded SQLite stores (registry, ledger).
    #[arg(
        long,
        global = true,
        default_value = "shuchuang-data",
        env = "SHUCHUANG_DATA_DIR"
    )]
    data_dir: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Composite indices: the CAICT fusion index, sensitivity, uncertainty, synthetic panels.
    Index(cmd::index::IndexArgs),
    /// The cultivation registry (培育库): firms, reports, criteria, tiers, yearly adjustment.
    Registry(cmd::registry::RegistryArgs),
    /// Voucher programs on the double-entry ledger.
    Voucher(cmd::voucher::VoucherArgs),
    /// Placing subsidised compute on the national compute network.
    Compute(cmd::compute::ComputeArgs),
    /// Rules as code: sandbox admission, enforcement, inspections, benefit matching.
    Rules(cmd::rules::RulesArgs),
    /// One annual cultivation cycle, end to end, on the embedded default.
    Cycle(cmd::cycle::CycleArgs),
}

/// What every subcommand gets besides its own arguments.
#[derive(Debug, Clone)]
pub struct Context {
    /// Directory of the embedded stores.
    pub data_dir: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Context {
        data_dir: cli.data_dir,
    };
    let result = match cli.command {
        Command::Index(a) => cmd::index::run(a, &ctx),
        Command::Registry(a) => cmd::registry::run(a, &ctx),
        Command::Voucher(a) => cmd::voucher::run(a, &ctx),
        Command::Compute(a) => cmd::compute::run(a, &ctx),
        Command::Rules(a) => cmd::rules::run(a, &ctx),
        Command::Cycle(a) => cmd::cycle::run(a, &ctx),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
