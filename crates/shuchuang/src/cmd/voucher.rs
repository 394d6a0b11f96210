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
use registry_model::{EnterpriseId, RegionCode, Tier, Year};
use rust_decimal::Decimal;
use voucher_ledger::book::verify_journal;
use voucher_ledger::money::{fen_to_yuan, signed_fen_to_yuan};
use voucher_ledger::{Firm, Program, Provider, Rating, Reply, defaults};

use crate::output::{Cell, Format, Table, print_json, say};
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
    Relate(RelateArgs),
    /// Grant vouchers to a firm (budget → the firm's voucher balance), within budget and cap.
    Grant(GrantArgs),
    /// Redeem against a contract: subsidy = min(ratio × contract, balance, remaining cap),
    /// rounded down to the fen; the contract can be claimed once.
    Redeem(RedeemArgs),
    /// Reserve a redemption (pending transfers) until `settle` or `release`, or a timeout.
    Hold(HoldArgs),
    /// Post a held redemption: the subsidy is paid.
    Settle(ContractArgs),
    /// Void a held redemption: the reservation returns to the voucher.
    Release(ContractArgs),
    /// Return the unused balance of vouchers that expired before DATE to their budgets.
    Expire(ExpireArgs),
    /// Claw back a firm's program year in full.
    Clawback(ClawbackArgs),
    /// Rate a firm's program year (excellent raises the cap; failing may claw back).
    Rate(RateArgs),
    /// Account balances (now, or at the end of --as-of).
    Balance(BalanceArgs),
    /// A firm's statement: every voucher movement, balances, contracts.
    Statement(StatementArgs),
    /// A program's report per year: budget, granted, redeemed, expired, clawed back, remaining.
    Report(ReportArgs),
    /// Verify the journal: hash chain, replay of every request, invariants.
    Verify(VerifyArgs),
    /// Export every transfer as CSV or beancount text.
    Export(ExportArgs),
    /// Close every day up to and including --through: no transfer dated then is accepted.
    ClosePeriod(ClosePeriodArgs),
    /// Split an amount exactly to the fen: cost sharing by a government ratio, or revenue
    /// sharing by contributions (largest remainder; ties to the larger weight, then the
    /// first listed).
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
    Add(ProgramAddArgs),
    /// Add the shipped default programs (data/vouchers); request ids are ID/PROGRAM.
    AddDefaults(RequestArgs),
    /// List the programs in the ledger.
    List(FormatArgs),
    /// Show one program in full (TOML, or JSON with --format json).
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
    Add(ProviderAddArgs),
}

#[derive(Debug, Args)]
struct RequestArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Idempotency key of this write: repeating it returns the first result; reusing it for
    /// something else is refused.
    #[arg(long, value_name = "ID")]
    request_id: String,
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
    /// Provider id.
    #[arg(long)]
    id: String,
    /// Readable name.
    #[arg(long, default_value = "")]
    name: String,
    /// Category for the ratio (such as domestic_chip).
    #[arg(long, default_value = "")]
    category: String,
    /// The provider's region (six digits); default: the issuing region.
    #[arg(long)]
    region: Option<RegionCode>,
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
    /// The firm's USCC.
    #[arg(long)]
    firm: EnterpriseId,
    /// Amount in yuan (at most two decimals).
    #[arg(long, allow_negative_numbers = true)]
    amount: Decimal,
    /// The firm's tier in the cultivation registry.
    #[arg(long)]
    tier: Option<Tier>,
    /// The firm's region, when it differs from its USCC.
    #[arg(long)]
    region: Option<RegionCode>,
    /// The firm has a bad credit record within three years.
    #[arg(long)]
    bad_credit: bool,
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

/// A program year's rating.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum RatingArg {
    /// Excellent: the cap is raised.
    Excellent,
    /// Pass.
    Pass,
    /// Failing: the program's clawback rule may apply.
    Failing,
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
    rating: RatingArg,
    #[command(flatten)]
    req: RequestArgs,
}

#[derive(Debug, Args)]
struct BalanceArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Balances at the end of this day (posted only); default: now, with pending amounts.
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Only this firm's accounts.
    #[arg(long)]
    firm: Option<EnterpriseId>,
    /// Only this program's accounts.
    #[arg(long)]
    program: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct StatementArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The firm's USCC.
    firm: EnterpriseId,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ReportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Program id.
    program: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
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
            let (_lock, mut book) = write_book(&a.req.store, true, date)?;
            let reply = book
                .add_program(&a.req.request_id, program)
                .with_context(|| format!("adding program from {}", a.file.display()))?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Program(ProgramCommand::AddDefaults(req)) => {
            let (_lock, mut book) = write_book(&req.store, true, date)?;
            let mut table = Table::new(["program", "request_id"]);
            for p in defaults::programs()? {
                let rid = format!("{}/{}", req.request_id, p.id);
                let id = p.id.clone();
                book.add_program(&rid, p)
                    .with_context(|| format!("adding default program '{id}'"))?;
                table.push([id, rid]);
            }
            Ok(table.print(req.format)?)
        }
        VoucherCommand::Program(ProgramCommand::List(f)) => {
            let book = read_book(&f.store, date)?;
            let mut t = Table::new([
                "program",
                "name",
                "kind",
                "issuing_region",
                "annual_budget_yuan",
                "cap_per_firm_yuan",
                "ratio_default",
                "from",
                "until",
            ]);
            for p in book.programs() {
                t.push([
                    Cell::from(&p.id),
                    Cell::from(&p.name),
                    Cell::from(p.kind.key()),
                    Cell::from(p.issuing_region.to_string()),
                    p.annual_budget_yuan.map_or(Cell::Null, Cell::money),
                    Cell::money(p.cap_per_firm_yuan),
                    Cell::from(p.ratio.default),
                    Cell::from(p.validity.from),
                    Cell::from(p.validity.until),
                ]);
            }
            Ok(t.print(f.format)?)
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
        VoucherCommand::Provider(ProviderCommand::Add(a)) => {
            let (_lock, mut book) = write_book(&a.req.store, true, date)?;
            let provider = Provider {
                id: a.id,
                name: a.name,
                category: a.category,
                region: a.region,
            };
            let reply = book.add_provider(&a.req.request_id, &a.program, provider)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Relate(a) => {
            let (_lock, mut book) = write_book(&a.req.store, true, date)?;
            let reply = book.declare_related(&a.req.request_id, a.firm, &a.provider)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Grant(a) => {
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let firm = Firm {
                id: a.firm,
                tier: a.tier,
                region: a.region,
                bad_credit: a.bad_credit,
            };
            let r = book.grant(&a.req.request_id, &a.program, &firm, a.amount)?;
            print_reply(&Reply::Granted(r), a.req.format)
        }
        VoucherCommand::Redeem(a) => {
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let r = book.redeem(
                &a.req.request_id,
                &a.program,
                &a.firm,
                &a.provider,
                &a.contract,
                a.amount,
            )?;
            print_reply(&Reply::Redeemed(r), a.req.format)
        }
        VoucherCommand::Hold(h) => {
            let a = h.redeem;
            let amount_fen = voucher_ledger::money::yuan_to_fen_positive(a.amount, "--amount")?;
            let timeout_s = h
                .timeout_hours
                .checked_mul(3_600)
                .context("--timeout-hours is too large")?;
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let r = book.hold_fen(
                &a.req.request_id,
                &a.program,
                &a.firm,
                &a.provider,
                &a.contract,
                amount_fen,
                timeout_s,
            )?;
            print_reply(&Reply::Held(r), a.req.format)
        }
        VoucherCommand::Settle(a) => {
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let reply = book.settle(&a.req.request_id, &a.contract)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Release(a) => {
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let reply = book.release(&a.req.request_id, &a.contract)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Expire(a) => {
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let r = book.expire(&a.req.request_id, a.as_of)?;
            print_reply(&Reply::Expired(r), a.req.format)
        }
        VoucherCommand::Clawback(a) => {
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let r = book.clawback(&a.req.request_id, &a.program, &a.firm, a.year, &a.reason)?;
            print_reply(&Reply::ClawedBack(r), a.req.format)
        }
        VoucherCommand::Rate(a) => {
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let rating = match a.rating {
                RatingArg::Excellent => Rating::Excellent,
                RatingArg::Pass => Rating::Pass,
                RatingArg::Failing => Rating::Failing,
            };
            let reply = book.rate(&a.req.request_id, &a.program, &a.firm, a.year, rating)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::ClosePeriod(a) => {
            let (_lock, mut book) = write_book(&a.req.store, false, date)?;
            let reply = book.close_period(&a.req.request_id, a.through)?;
            print_reply(&reply, a.req.format)
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

fn yuan(fen: u64) -> Cell {
    Cell::money(fen_to_yuan(fen))
}

fn signed_yuan(fen: i128) -> Cell {
    Cell::money(signed_fen_to_yuan(fen))
}

fn balance(a: BalanceArgs, date: Option<NaiveDate>) -> Result<()> {
    let book = read_book(&a.store, date)?;
    let mut t = Table::new([
        "account",
        "ledger",
        "debits_yuan",
        "credits_yuan",
        "balance_yuan",
        "pending_debits_yuan",
        "pending_credits_yuan",
    ]);
    for b in book.balances(a.as_of) {
        let meta = book.account_meta(b.id);
        if let Some(f) = &a.firm
            && meta.and_then(|m| m.firm.as_ref()) != Some(f)
        {
            continue;
        }
        if let Some(p) = &a.program
            && meta.and_then(|m| m.program.as_ref()) != Some(p)
        {
            continue;
        }
        t.push([
            Cell::from(b.name),
            Cell::from(b.ledger),
            yuan(b.debits_posted_fen),
            yuan(b.credits_posted_fen),
            signed_yuan(b.balance_fen),
            yuan(b.debits_pending_fen),
            yuan(b.credits_pending_fen),
        ]);
    }
    Ok(t.print(a.format)?)
}

fn statement(a: StatementArgs, date: Option<NaiveDate>) -> Result<()> {
    let book = read_book(&a.store, date)?;
    let st = book.statement(&a.firm);
    let mut t = Table::new([
        "date",
        "program",
        "year",
        "kind",
        "amount_yuan",
        "voucher_balance_yuan",
        "contract_id",
    ]);
    for l in &st.lines {
        t.push([
            Cell::from(l.date),
            Cell::from(&l.program),
            Cell::from(l.year),
            Cell::from(&l.kind),
            signed_yuan(l.amount_fen),
            signed_yuan(l.balance_fen),
            Cell::from(l.contract_id.clone()),
        ]);
    }
    if a.format == Format::Json {
        let lines: Vec<serde_json::Value> = t
            .rows
            .iter()
            .map(|r| {
                t.header
                    .iter()
                    .zip(r)
                    .map(|(h, c)| (h.clone(), c.json()))
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            })
            .collect();
        return print_json(&serde_json::json!({
            "firm": st.firm.to_string(),
            "lines": lines,
            "subsidy_total_yuan": fen_to_yuan(st.subsidy_total_fen).to_string(),
            "firm_paid_total_yuan": fen_to_yuan(st.firm_paid_total_fen).to_string(),
            "owed_yuan": fen_to_yuan(st.owed_fen).to_string(),
        }));
    }
    t.print(a.format)?;
    if a.format == Format::Table {
        say(format!(
            "subsidies received {} yuan; paid by the firm on those contracts {} yuan; owed back {} yuan",
            fen_to_yuan(st.subsidy_total_fen),
            fen_to_yuan(st.firm_paid_total_fen),
            fen_to_yuan(st.owed_fen)
        ))?;
    }
    Ok(())
}

fn program_report(a: ReportArgs, date: Option<NaiveDate>) -> Result<()> {
    let book = read_book(&a.store, date)?;
    let r = book.report(&a.program)?;
    let mut t = Table::new([
        "year",
        "budget_yuan",
        "granted_yuan",
        "redeemed_yuan",
        "expired_yuan",
        "clawed_back_unused_yuan",
        "clawed_back_redeemed_yuan",
        "remaining_yuan",
        "outstanding_yuan",
        "firms",
    ]);
    for y in &r.years {
        t.push([
            Cell::from(y.year),
            y.budget_fen.map_or(Cell::Null, yuan),
            yuan(y.granted_fen),
            yuan(y.redeemed_fen),
            yuan(y.expired_fen),
            yuan(y.clawed_back_unused_fen),
            yuan(y.clawed_back_redeemed_fen),
            y.remaining_fen.map_or(Cell::Null, signed_yuan),
            yuan(y.outstanding_fen),
            Cell::from(y.firms),
        ]);
    }
    t.print(a.format)?;
    if a.format == Format::Table {
        say(format!(
            "{} ({}, {}): {} contracts worth {} yuan; cross-region settlements {} yuan; empty budget and remaining: open-ended",
            r.program,
            r.kind,
            r.issuing_region,
            r.contracts,
            fen_to_yuan(r.contract_total_fen),
            fen_to_yuan(r.cross_region_fen)
        ))?;
    }
    Ok(())
}

fn verify(a: VerifyArgs) -> Result<()> {
    let dir = a.store.dir();
    let path = dir.ledger_path();
    // A snapshot read without writing: the journal and its head from one transaction.
    let book = read_book(&a.store, None)?;
    let v = verify_journal(book.journal())
        .with_context(|| format!("verifying ledger {}", path.display()))?;
    let posted = signed_fen_to_yuan(i128::try_from(v.posted_total_fen).unwrap_or(i128::MAX));
    if a.format == Format::Json {
        return print_json(&serde_json::json!({
            "journal": v.journal,
            "entries": v.chain.entries,
            "batches": v.chain.batches,
            "requests": v.requests,
            "accounts": v.accounts,
            "transfers": v.transfers,
            "posted_total_yuan": posted.to_string(),
            "head_hash": v.chain.head_hash,
            "verified": true,
        }));
    }
    let mut t = Table::new(["check", "value"]);
    t.push([Cell::from("journal"), Cell::from(&v.journal)]);
    t.push([Cell::from("entries"), Cell::from(v.chain.entries)]);
    t.push([Cell::from("batches (requests)"), Cell::from(v.requests)]);
    t.push([Cell::from("accounts"), Cell::from(v.accounts)]);
    t.push([Cell::from("transfers"), Cell::from(v.transfers)]);
    t.push([
        Cell::from("Σ debits = Σ credits (yuan)"),
        Cell::money(posted),
    ]);
    t.push([Cell::from("head hash"), Cell::from(&v.chain.head_hash)]);
    t.print(a.format)?;
    if a.format == Format::Table {
        say("verified: hash chain intact, every request replays, invariants hold")?;
    }
    Ok(())
}

fn run_share(a: ShareArgs) -> Result<()> {
    let total_fen = voucher_ledger::money::yuan_to_fen(a.total, "--total")?;
    let mut t = Table::new(["party", "weight", "amount_yuan"]);
    if let Some(r) = a.government_ratio {
        let s = voucher_ledger::share::share_cost(total_fen, r)?;
        t.push([
            Cell::from("government"),
            Cell::from(r),
            signed_yuan(s.government_fen.into()),
        ]);
        t.push([
            Cell::from("firm"),
            Cell::from(Decimal::ONE - r),
            signed_yuan(s.firm_fen.into()),
        ]);
        return Ok(t.print(a.format)?);
    }
    if a.weights.is_empty() {
        bail!(
            "give --government-ratio R (cost sharing) or --weights party=w,... (revenue sharing)"
        );
    }
    let mut weights = Vec::with_capacity(a.weights.len());
    for item in &a.weights {
        let (party, w) = item
            .split_once('=')
            .with_context(|| format!("--weights: '{item}' is not party=weight"))?;
        let w: Decimal = w
            .trim()
            .parse()
            .with_context(|| format!("--weights: weight of '{party}' is not a number: '{w}'"))?;
        weights.push((party.trim().to_string(), w));
    }
    for p in voucher_ledger::share::share_revenue(total_fen, &weights)? {
        t.push([
            Cell::from(p.party),
            Cell::from(p.weight),
            signed_yuan(p.amount_fen.into()),
        ]);
    }
    Ok(t.print(a.format)?)
}

/// A reply's fields, money in yuan.
fn reply_fields(reply: &Reply) -> Vec<(&'static str, Cell)> {
    let mut f: Vec<(&'static str, Cell)> = Vec::new();
    match reply {
        Reply::ProgramAdded { program } => f.push(("program_added", Cell::from(program))),
        Reply::ProviderAdded { program, provider } => {
            f.push(("program", Cell::from(program)));
            f.push(("provider_approved", Cell::from(provider)));
        }
        Reply::RelatedDeclared { firm, provider } => {
            f.push(("firm", Cell::from(firm.to_string())));
            f.push(("related_provider", Cell::from(provider)));
        }
        Reply::Granted(g) => {
            f.push(("program", Cell::from(&g.program)));
            f.push(("firm", Cell::from(g.firm.to_string())));
            f.push(("year", Cell::from(g.year)));
            f.push(("granted_yuan", yuan(g.amount_fen)));
            f.push(("granted_this_year_yuan", yuan(g.granted_year_fen)));
            f.push(("cap_yuan", yuan(g.cap_fen)));
            f.push(("expires_on", Cell::from(g.expires_on)));
            f.push(("transfer", Cell::from(g.transfer_id.to_string())));
        }
        Reply::Redeemed(r) | Reply::Held(r) => {
            f.push(("program", Cell::from(&r.program)));
            f.push(("firm", Cell::from(r.firm.to_string())));
            f.push(("provider", Cell::from(&r.provider)));
            f.push(("contract", Cell::from(&r.contract_id)));
            f.push(("contract_yuan", yuan(r.contract_amount_fen)));
            f.push(("ratio", Cell::from(r.ratio)));
            f.push(("ratio_x_contract_yuan", yuan(r.by_ratio_fen)));
            f.push(("voucher_balance_yuan", yuan(r.balance_fen)));
            f.push(("cap_remaining_yuan", yuan(r.cap_remaining_fen)));
            f.push(("subsidy_yuan", yuan(r.subsidy_fen)));
            f.push(("firm_pays_yuan", yuan(r.firm_pays_fen)));
            f.push((
                "limited_by",
                Cell::from(format!("{:?}", r.limited_by).to_lowercase()),
            ));
            f.push(("cross_region", Cell::from(r.cross_region)));
            f.push(("held", Cell::from(r.held)));
        }
        Reply::Settled {
            contract_id,
            subsidy_fen,
            ..
        } => {
            f.push(("contract_settled", Cell::from(contract_id)));
            f.push(("subsidy_yuan", yuan(*subsidy_fen)));
        }
        Reply::Released {
            contract_id,
            subsidy_fen,
        } => {
            f.push(("contract_released", Cell::from(contract_id)));
            f.push(("returned_to_voucher_yuan", yuan(*subsidy_fen)));
        }
        Reply::Expired(x) => {
            f.push(("as_of", Cell::from(x.as_of)));
            f.push(("vouchers_expired", Cell::from(x.vouchers)));
            f.push(("returned_to_budget_yuan", yuan(x.returned_fen)));
            f.push(("left_for_next_run", Cell::from(x.remaining)));
        }
        Reply::ClawedBack(c) => clawback_fields(&mut f, c),
        Reply::Rated {
            program,
            firm,
            year,
            rating,
            clawback,
        } => {
            f.push(("program", Cell::from(program)));
            f.push(("firm", Cell::from(firm.to_string())));
            f.push(("year", Cell::from(*year)));
            f.push(("rating", Cell::from(format!("{rating:?}").to_lowercase())));
            if let Some(c) = clawback {
                clawback_fields(&mut f, c);
            }
        }
        Reply::AccountsCreated { count } => f.push(("accounts_created", Cell::from(*count))),
        Reply::TransfersCreated { count } => f.push(("transfers_created", Cell::from(*count))),
        Reply::AccountClosed { account_id } => {
            f.push(("account_closed", Cell::from(account_id.to_string())))
        }
        Reply::PeriodClosed { through } => f.push(("closed_through", Cell::from(*through))),
    }
    f
}

fn clawback_fields(f: &mut Vec<(&'static str, Cell)>, c: &voucher_ledger::ClawbackReceipt) {
    f.push(("clawback_program", Cell::from(&c.program)));
    f.push(("firm", Cell::from(c.firm.to_string())));
    f.push(("year", Cell::from(c.year)));
    f.push(("unused_returned_yuan", yuan(c.unused_fen)));
    f.push(("redeemed_owed_back_yuan", yuan(c.redeemed_fen)));
    f.push(("reason", Cell::from(&c.reason)));
}

/// Prints a reply: field/value rows for people and CSV, one JSON object for programs.
fn print_reply(reply: &Reply, format: Format) -> Result<()> {
    let fields = reply_fields(reply);
    if format == Format::Json {
        let object: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.json()))
            .collect();
        return print_json(&object);
    }
    let mut t = Table::new(["field", "value"]);
    for (k, v) in fields {
        t.push([Cell::from(k), v]);
    }
    Ok(t.print(format)?)
}
