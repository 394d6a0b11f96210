//! `shuchuang`: the command line over the shuchuang crates.
//!
//! Assembly and presentation only: arguments are parsed here, stores are opened through
//! `cultivation::DataDir`, the libraries compute, and the report crate prints. Conventions
//! every command follows are in docs/cli.md.

mod chart;
mod cmd;
mod input;
mod interrupt;
mod output;
mod progress;
mod store;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tools for cultivating digital-economy innovative enterprises (数创企业).
#[derive(Debug, Parser)]
#[command(name = "shuchuang", version, about, long_about = None)]
struct Cli {
    /// Language of what is printed for people (tables, sentences, charts, the report folder);
    /// CSV and JSON do not change. Default: from LC_ALL, LC_MESSAGES or LANG (zh… → zh), else en.
    #[arg(long, global = true, value_enum, value_name = "LANG")]
    lang: Option<report::Lang>,
    /// PostgreSQL database for the registry and the ledger instead of --data-dir's files
    /// (env SHUCHUANG_DATABASE_URL): postgres://USER:PASSWORD@HOST:PORT/DB[?schema=NAME].
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
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
    /// 云量贷 credit lines from verified spend on the ledger and registry facts.
    Finance(cmd::finance::FinanceArgs),
    /// Application scenarios and the firms' offers, matched (场景 and 四新).
    Scenario(cmd::scenario::ScenarioArgs),
}

/// Whether an error is a write into a closed pipe (`| head`): the reader has what it
/// wanted, so the command ends quietly.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<report::ReportError>()
                .is_some_and(|r| r.io_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

fn main() -> ExitCode {
    interrupt::install();
    let cli = Cli::parse();
    output::set_lang(cli.lang.unwrap_or_else(report::Lang::from_env));
    let result = store::set_database(cli.database).and_then(|()| match cli.command {
        Command::Index(a) => cmd::index::run(a),
        Command::Registry(a) => cmd::registry::run(a),
        Command::Voucher(a) => cmd::voucher::run(a),
        Command::Compute(a) => cmd::compute::run(a),
        Command::Rules(a) => cmd::rules::run(a),
        Command::Cycle(a) => cmd::cycle::run(a),
        Command::Finance(a) => cmd::finance::run(a),
        Command::Scenario(a) => cmd::scenario::run(a),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
