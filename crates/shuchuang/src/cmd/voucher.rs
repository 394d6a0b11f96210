//! `shuchuang voucher`: voucher programs on the double-entry ledger in DATA_DIR/ledger.sqlite.
//!
//! Writes (each takes `--request-id`; repeating a request returns its first result, reusing
//! an id for something else is refused): `program add FILE`, `program add-defaults`,
//! `provider add`, `relate`, `grant`, `redeem`, `expire --as-of DATE`, `clawback`, `rate`.
//! Reads: `program list`, `balance`, `statement FIRM`, `report PROGRAM`, `verify`,
//! `export --format csv|beancount`.
//!
//! The ledger's clock is the system clock (UTC) unless `--date YYYY-MM-DD` sets the ledger
//! date of the call (simulations, back-office entry of past events; the ledger never moves
//! backwards: an earlier date than the last request is taken as that request's time).

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use cultivation::{DirLock, LedgerHandle};
use registry_model::{EnterpriseId, Year};
use rust_decimal::Decimal;
use voucher_ledger::book::{verify_journal, verify_journal_against_kept};
use voucher_ledger::journal::{KeptAnchor, anchor_path_for};
use voucher_ledger::{Firm, Program, Provider, Rating, Reply, defaults};

use report::voucher as voucher_report;

use crate::cmd::RequestIdArg;
use crate::output::{Format, Table, lang, print_json, print_record, print_shown, say};
use crate::store::StoreArgs;
use crate::{input, interrupt};

/// Opens the book for a write under the data directory's lock (`create`: make the ledger
/// when absent); with `date`, the ledger clock reads midnight (UTC) of that date.
fn write_book(
    store: &StoreArgs,
    create: bool,
    date: Option<NaiveDate>,
) -> Result<(DirLock, LedgerHandle)> {
    let dir = store.dir();
    let lock = dir.lock()?;
    let book = dir.open_ledger(&lock, create, date)?;
    interrupt::note("the request is one transaction: if it had not returned, it was not written");
    Ok((lock, book))
}

/// One write: the book opened under the lock, `f` given it and the request id, the reply
/// printed.
fn write(
    req: &RequestArgs,
    create: bool,
    date: Option<NaiveDate>,
    f: impl FnOnce(&mut LedgerHandle, &str) -> voucher_ledger::Result<Reply>,
) -> Result<()> {
    let (_lock, mut book) = write_book(&req.store, create, date)?;
    let reply = f(&mut book, &req.id.request_id)?;
    print_reply(&reply, req.format)
}

/// Opens a snapshot of the book for reading (no lock, nothing written).
fn read_book(store: &StoreArgs, date: Option<NaiveDate>) -> Result<LedgerHandle> {
    Ok(store.dir().read_ledger(date)?)
}

/// Arguments of `shuchuang voucher`.
#[derive(Debug, Args)]
pub struct VoucherArgs {
    /// Ledger date for this call (YYYY-MM-DD, UTC midnight); default: the system clock.
    #[arg(long, global = true, env = "SHUCHUANG_LEDGER_DATE")]
    date: Option<NaiveDate>,
    #[command(subcommand)]
    command: VoucherCommand,
}

#[derive(Debug, Subcommand)]
enum VoucherCommand {
    /// Voucher programs: add from TOML, add the shipped defaults, list.
    #[command(subcommand)]
    Program(ProgramCommand),
    /// Approve a provider for a program.
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Declare a firm and a provider related parties (the related-party ban refuses them).
    #[command(
        after_help = "Examples:\n  shuchuang voucher relate 913301060000001231 some-cloud --request-id rel-1"
    )]
    Relate(RelateArgs),
    /// Grant vouchers to a firm (budget → the firm's voucher balance), within budget and cap.
    #[command(
        after_help = "Examples:\n  shuchuang voucher --date 2024-03-01 grant --program hangzhou-compute-2024 --firm 913301060000001231 --amount 8000000 --tier growth --request-id g1"
    )]
    Grant(GrantArgs),
    /// Redeem against a contract: subsidy = min(ratio × contract, balance, remaining cap),
    /// rounded down to the fen; the contract can be claimed once.
    #[command(
        after_help = "Examples:\n  shuchuang voucher redeem --program hangzhou-compute-2024 --firm 913301060000001231 --provider some-cloud --contract HZ-1 --amount 300000 --request-id r1"
    )]
    Redeem(RedeemArgs),
    /// Reserve a redemption (pending transfers) until `settle` or `release`, or a timeout.
    #[command(
        after_help = "Examples:\n  shuchuang voucher hold --program hangzhou-compute-2024 --firm 913301060000001231 --provider some-cloud --contract HZ-2 --amount 1000 --timeout-hours 48 --request-id h1"
    )]
    Hold(HoldArgs),
    /// Post a held redemption: the subsidy is paid.
    #[command(after_help = "Examples:\n  shuchuang voucher settle --contract HZ-2 --request-id s1")]
    Settle(ContractArgs),
    /// Void a held redemption: the reservation returns to the voucher.
    #[command(
        after_help = "Examples:\n  shuchuang voucher release --contract HZ-2 --request-id rl1"
    )]
    Release(ContractArgs),
    /// Return the unused balance of vouchers that expired before DATE to their budgets.
    #[command(
        after_help = "Examples:\n  shuchuang voucher expire --as-of 2025-01-01 --request-id x1"
    )]
    Expire(ExpireArgs),
    /// Claw back a firm's program year in full.
    #[command(
        after_help = "Examples:\n  shuchuang voucher clawback --program hangzhou-compute-2024 --firm 913301060000001231 --year 2024 --reason 'false report' --request-id c1"
    )]
    Clawback(ClawbackArgs),
    /// Rate a firm's program year (excellent raises the cap; failing may claw back).
    #[command(
        after_help = "Examples:\n  shuchuang voucher rate --program hangzhou-compute-2024 --firm 913301060000001231 --year 2024 --rating excellent --request-id rt1"
    )]
    Rate(RateArgs),
    /// Account balances (now, or at the end of --as-of).
    #[command(
        after_help = "Examples:\n  shuchuang voucher balance --firm 913301060000001231 --format csv
  shuchuang voucher balance --as-of 2024-12-31"
    )]
    Balance(BalanceArgs),
    /// A firm's statement: every voucher movement, balances, contracts.
    #[command(
        after_help = "Examples:\n  shuchuang voucher statement 913301060000001231 --format json"
    )]
    Statement(StatementArgs),
    /// A program's report per year: budget, granted, redeemed, expired, clawed back, remaining.
    #[command(after_help = "Examples:\n  shuchuang voucher report compute-voucher")]
    Report(ReportArgs),
    /// Verify the journal: hash chain, replay of every request, invariants.
    #[command(
        after_help = "Examples:\n  shuchuang voucher verify --data-dir ./shuchuang-data\n  shuchuang voucher verify --anchor auditor-copy.txt"
    )]
    Verify(VerifyArgs),
    /// Export every transfer as CSV or beancount text.
    #[command(
        after_help = "Examples:\n  shuchuang voucher export --format beancount --out ledger.beancount"
    )]
    Export(ExportArgs),
    /// Close every day up to and including --through: no transfer dated then is accepted.
    #[command(
        after_help = "Examples:\n  shuchuang voucher close-period --through 2024-12-31 --request-id close-2024"
    )]
    ClosePeriod(ClosePeriodArgs),
    /// Split an amount exactly to the fen: cost sharing by a government ratio, or revenue
    /// sharing by contributions (largest remainder; ties to the larger weight, then the
    /// first listed).
    #[command(
        after_help = "Examples:\n  shuchuang voucher share --total 1000000 --government-ratio 0.3
  shuchuang voucher share --total 100 --weights lab=3,firm=5,fund=2"
    )]
    Share(ShareArgs),
}

#[derive(Debug, Args)]
struct ClosePeriodArgs {
    /// Last day of the closed period.
    #[arg(long)]
    through: NaiveDate,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct ShareArgs {
    /// The amount to split, in yuan.
    #[arg(long, allow_negative_numbers = true)]
    total: Decimal,
    /// Cost sharing: the government's ratio (0..=1); it pays ⌊total × ratio⌋, the firm the rest.
    #[arg(long, conflicts_with = "weights")]
    government_ratio: Option<Decimal>,
    /// Revenue sharing: parties and weights, such as `lab=3,firm=5,fund=2`.
    #[arg(long, value_delimiter = ',')]
    weights: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Subcommand)]
enum ProgramCommand {
    /// Add a program from a TOML file.
    #[command(
        after_help = "Examples:\n  shuchuang voucher program add data/vouchers/hangzhou-compute-2024.toml --request-id p-hz"
    )]
    Add(ProgramAddArgs),
    /// Add the shipped default programs (data/vouchers); request ids are ID/PROGRAM.
    #[command(
        after_help = "Examples:\n  shuchuang voucher program add-defaults --request-id defaults"
    )]
    AddDefaults(RequestArgs),
    /// List the programs in the ledger.
    #[command(after_help = "Examples:\n  shuchuang voucher program list --format csv")]
    List(FormatArgs),
    /// Show one program in full (TOML, or JSON with --format json).
    #[command(after_help = "Examples:\n  shuchuang voucher program show hangzhou-compute-2024")]
    Show(ProgramShowArgs),
}

#[derive(Debug, Args)]
struct ProgramShowArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Program id.
    program: String,
    /// Output format (table prints TOML).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Subcommand)]
enum ProviderCommand {
    /// Approve a provider for a program.
    #[command(
        after_help = "Examples:\n  shuchuang voucher provider add hangzhou-compute-2024 --id some-cloud --category domestic_chip --request-id prov-1"
    )]
    Add(ProviderAddArgs),
}

#[derive(Debug, Args)]
struct RequestArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    id: RequestIdArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct FormatArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ProgramAddArgs {
    /// The program's TOML file.
    file: PathBuf,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct ProviderAddArgs {
    /// Program id.
    program: String,
    #[command(flatten)]
    provider: Provider,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct RelateArgs {
    /// The firm's USCC.
    firm: EnterpriseId,
    /// The provider id.
    provider: String,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct GrantArgs {
    /// Program id.
    #[arg(long)]
    program: String,
    #[command(flatten)]
    firm: Firm,
    /// Amount in yuan (at most two decimals).
    #[arg(long, allow_negative_numbers = true)]
    amount: Decimal,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct RedeemArgs {
    /// Program id.
    #[arg(long)]
    program: String,
    /// The firm's USCC.
    #[arg(long)]
    firm: EnterpriseId,
    /// Provider id.
    #[arg(long)]
    provider: String,
    /// Contract id (claimable once).
    #[arg(long)]
    contract: String,
    /// Contract amount in yuan.
    #[arg(long, allow_negative_numbers = true)]
    amount: Decimal,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct HoldArgs {
    #[command(flatten)]
    redeem: RedeemArgs,
    /// Hours of ledger time until the hold lapses by itself (0: never).
    #[arg(long, default_value_t = 0)]
    timeout_hours: u32,
}

#[derive(Debug, Args)]
struct ContractArgs {
    /// Contract id of the hold.
    #[arg(long)]
    contract: String,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct ExpireArgs {
    /// Vouchers whose last day is before this date expire.
    #[arg(long)]
    as_of: NaiveDate,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct ClawbackArgs {
    /// Program id.
    #[arg(long)]
    program: String,
    /// The firm's USCC.
    #[arg(long)]
    firm: EnterpriseId,
    /// The grant year.
    #[arg(long)]
    year: Year,
    /// Why.
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct RateArgs {
    /// Program id.
    #[arg(long)]
    program: String,
    /// The firm's USCC.
    #[arg(long)]
    firm: EnterpriseId,
    /// The grant year.
    #[arg(long)]
    year: Year,
    /// The rating.
    #[arg(long, value_enum)]
    rating: Rating,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct BalanceArgs {
    #[command(flatten)]
    out: FormatArgs,
    /// Balances at the end of this day (posted only); default: now, with pending amounts.
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Only this firm's accounts.
    #[arg(long)]
    firm: Option<EnterpriseId>,
    /// Only this program's accounts.
    #[arg(long)]
    program: Option<String>,
}

#[derive(Debug, Args)]
struct StatementArgs {
    #[command(flatten)]
    out: FormatArgs,
    /// The firm's USCC.
    firm: EnterpriseId,
}

#[derive(Debug, Args)]
struct ReportArgs {
    #[command(flatten)]
    out: FormatArgs,
    /// Program id.
    program: String,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    out: FormatArgs,
    /// An anchor kept elsewhere (an auditor's copy): a file holding it, its line
    /// (`shuchuang-ledger-anchor v1 entries=… batches=… head=…`) or only its head hash (64 hex
    /// digits). Checked instead of the anchor file beside the ledger, so a cut is caught even
    /// when that file was removed or rewritten with it.
    #[arg(long, value_name = "FILE|LINE|HASH")]
    anchor: Option<String>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// Every transfer as CSV (amounts in yuan).
    Csv,
    /// A beancount ledger.
    Beancount,
}

#[derive(Debug, Args)]
struct ExportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The export format.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `shuchuang voucher`.
pub fn run(args: VoucherArgs) -> Result<()> {
    let date = args.date;
    match args.command {
        VoucherCommand::Program(ProgramCommand::Add(a)) => {
            let text = input::read_text(&a.file)?;
            let program = Program::from_toml(&text, &a.file.display().to_string())?;
            let file = a.file.display();
            write(&a.req, true, date, |b, rid| b.add_program(rid, program))
                .with_context(|| format!("adding program from {file}"))
        }
        VoucherCommand::Program(ProgramCommand::AddDefaults(req)) => {
            let (_lock, mut book) = write_book(&req.store, true, date)?;
            let mut table = Table::new(["program", "request_id"]);
            for p in defaults::programs()? {
                let rid = format!("{}/{}", req.id.request_id, p.id);
                let id = p.id.clone();
                book.add_program(&rid, p)
                    .with_context(|| format!("adding default program '{id}'"))?;
                table.push([id, rid]);
            }
            Ok(table.print_in(req.format, lang())?)
        }
        VoucherCommand::Program(ProgramCommand::List(f)) => {
            let book = read_book(&f.store, date)?;
            Ok(voucher_report::programs_table(book.programs()).print_in(f.format, lang())?)
        }
        VoucherCommand::Program(ProgramCommand::Show(a)) => {
            let book = read_book(&a.store, date)?;
            let p = book
                .program(&a.program)
                .with_context(|| format!("program '{}' is not in the ledger", a.program))?;
            if a.format == Format::Json {
                return print_json(p);
            }
            say(toml::to_string_pretty(p)
                .context("program as TOML")?
                .trim_end())
        }
        VoucherCommand::Provider(ProviderCommand::Add(a)) => write(&a.req, true, date, |b, rid| {
            b.add_provider(rid, &a.program, a.provider)
        }),
        VoucherCommand::Relate(a) => write(&a.req, true, date, |b, rid| {
            b.declare_related(rid, a.firm, &a.provider)
        }),
        VoucherCommand::Grant(a) => write(&a.req, false, date, |b, rid| {
            Ok(Reply::Granted(b.grant(rid, &a.program, &a.firm, a.amount)?))
        }),
        VoucherCommand::Redeem(a) => write(&a.req, false, date, |b, rid| {
            let (program, firm, provider) = (&a.program, &a.firm, &a.provider);
            let r = b.redeem(rid, program, firm, provider, &a.contract, a.amount)?;
            Ok(Reply::Redeemed(r))
        }),
        VoucherCommand::Hold(h) => {
            let a = h.redeem;
            let amount_fen = voucher_ledger::money::yuan_to_fen_positive(a.amount, "--amount")?;
            let timeout_s = h
                .timeout_hours
                .checked_mul(3_600)
                .context("--timeout-hours is too large")?;
            write(&a.req, false, date, |b, rid| {
                let (program, firm, provider) = (&a.program, &a.firm, &a.provider);
                let r = b.hold_fen(
                    rid,
                    program,
                    firm,
                    provider,
                    &a.contract,
                    amount_fen,
                    timeout_s,
                )?;
                Ok(Reply::Held(r))
            })
        }
        VoucherCommand::Settle(a) => {
            write(&a.req, false, date, |b, rid| b.settle(rid, &a.contract))
        }
        VoucherCommand::Release(a) => {
            write(&a.req, false, date, |b, rid| b.release(rid, &a.contract))
        }
        VoucherCommand::Expire(a) => write(&a.req, false, date, |b, rid| {
            Ok(Reply::Expired(b.expire(rid, a.as_of)?))
        }),
        VoucherCommand::Clawback(a) => write(&a.req, false, date, |b, rid| {
            let r = b.clawback(rid, &a.program, &a.firm, a.year, &a.reason)?;
            Ok(Reply::ClawedBack(r))
        }),
        VoucherCommand::Rate(a) => write(&a.req, false, date, |b, rid| {
            b.rate(rid, &a.program, &a.firm, a.year, a.rating)
        }),
        VoucherCommand::ClosePeriod(a) => {
            write(&a.req, false, date, |b, rid| b.close_period(rid, a.through))
        }
        VoucherCommand::Balance(a) => balance(a, date),
        VoucherCommand::Statement(a) => statement(a, date),
        VoucherCommand::Report(a) => program_report(a, date),
        VoucherCommand::Verify(a) => verify(a),
        VoucherCommand::Share(a) => run_share(a),
        VoucherCommand::Export(a) => {
            let book = read_book(&a.store, date)?;
            let text = match a.format {
                ExportFormat::Csv => book.export_csv()?,
                ExportFormat::Beancount => book.export_beancount(),
            };
            match a.out {
                Some(path) => {
                    interrupt::note(format!("{} was not written", path.display()));
                    Ok(report::atomic::write_atomic(&path, text.as_bytes())?)
                }
                None => {
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    out.write_all(text.as_bytes())?;
                    Ok(out.flush()?)
                }
            }
        }
    }
}

fn balance(a: BalanceArgs, date: Option<NaiveDate>) -> Result<()> {
    let book = read_book(&a.out.store, date)?;
    let shown = book.balances_of(a.as_of, a.firm.as_ref(), a.program.as_deref());
    Ok(voucher_report::balances_table(&shown).print_in(a.out.format, lang())?)
}

fn statement(a: StatementArgs, date: Option<NaiveDate>) -> Result<()> {
    let book = read_book(&a.out.store, date)?;
    print_shown(&book.statement(&a.firm), a.out.format)
}

fn program_report(a: ReportArgs, date: Option<NaiveDate>) -> Result<()> {
    let book = read_book(&a.out.store, date)?;
    print_shown(&book.report(&a.program)?, a.out.format)
}

fn verify(a: VerifyArgs) -> Result<()> {
    let dir = a.out.store.dir();
    let path = dir.ledger_path();
    let location = dir.ledger_location();
    let kept = a.anchor.as_deref().map(KeptAnchor::from_arg).transpose()?;
    // Read-only: the journal and its head from one read transaction, nothing written.
    let book = read_book(&a.out.store, None)?;
    let v = match &kept {
        None => verify_journal(book.journal()),
        Some(k) => verify_journal_against_kept(book.journal(), k),
    }
    .with_context(|| format!("verifying ledger {location}"))?;
    let source = match (&kept, &v.anchor) {
        (Some(_), _) => Some("--anchor".to_string()),
        (None, Some(_)) => Some(anchor_path_for(&path).display().to_string()),
        (None, None) => None,
    };
    print_record(
        &voucher_report::verify_record(&v, source.as_deref()),
        a.out.format,
    )?;
    if a.out.format == Format::Table {
        for line in voucher_report::verify_notes(&v) {
            say(line)?;
        }
    }
    Ok(())
}

fn run_share(a: ShareArgs) -> Result<()> {
    let total_fen = voucher_ledger::money::yuan_to_fen(a.total, "--total")?;
    if let Some(r) = a.government_ratio {
        let s = voucher_ledger::share::share_cost(total_fen, r)?;
        return Ok(voucher_report::cost_share_table(r, &s).print_in(a.format, lang())?);
    }
    if a.weights.is_empty() {
        bail!(
            "give --government-ratio R (cost sharing) or --weights party=w,... (revenue sharing)"
        );
    }
    let weights = voucher_ledger::share::parse_weights(&a.weights)?;
    let parts = voucher_ledger::share::share_revenue(total_fen, &weights)?;
    Ok(voucher_report::revenue_share_table(&parts).print_in(a.format, lang())?)
}

/// Prints a reply: field/value rows for people and CSV, one JSON object for programs.
fn print_reply(reply: &Reply, format: Format) -> Result<()> {
    print_record(&voucher_report::reply_record(reply), format)
}
