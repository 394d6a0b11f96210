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

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use registry_model::{EnterpriseId, RegionCode, Tier, Year};
use rust_decimal::Decimal;
use voucher_ledger::book::verify_journal;
use voucher_ledger::money::{fen_to_yuan, signed_fen_to_yuan};
use voucher_ledger::{
    Firm, ManualClock, Program, Provider, Rating, Reply, SqliteJournal, VoucherBook, defaults,
};

use crate::Context;
use crate::output::{Format, Table, print_json};

/// File name of the ledger inside the data directory.
pub const LEDGER_FILE: &str = "ledger.sqlite";

/// The ledger's path for a data directory.
pub fn ledger_path(data_dir: &Path) -> PathBuf {
    data_dir.join(LEDGER_FILE)
}

/// Opens the voucher book, creating the directory and file when `create` is set; with
/// `date`, the ledger clock reads midnight (UTC) of that date.
pub fn open_book(
    data_dir: &Path,
    create: bool,
    date: Option<NaiveDate>,
) -> Result<VoucherBook<SqliteJournal>> {
    let path = ledger_path(data_dir);
    if !path.exists() {
        if !create {
            bail!(
                "no ledger at {}: nothing has been written yet (start with `shuchuang --data-dir {} voucher program add FILE --request-id ID`)",
                path.display(),
                data_dir.display()
            );
        }
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating data directory {}", data_dir.display()))?;
    }
    let mut book =
        VoucherBook::open(&path).with_context(|| format!("opening ledger {}", path.display()))?;
    if let Some(d) = date {
        let ledger_date = voucher_ledger::clock::date_of(book.ledger().last_timestamp_s());
        if !book.ledger().transfers().is_empty() && d < ledger_date {
            bail!(
                "--date {d} is before the ledger's date {ledger_date} in {}: the ledger never moves backwards",
                path.display()
            );
        }
        book.set_clock(Box::new(ManualClock::at_date(d)));
    }
    Ok(book)
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
    /// Idempotency key of this write.
    #[arg(long)]
    request_id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct FormatArgs {
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

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RatingArg {
    Excellent,
    Pass,
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
    /// The firm's USCC.
    firm: EnterpriseId,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Program id.
    program: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Beancount,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// csv or beancount.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Runs `shuchuang voucher`.
pub fn run(args: VoucherArgs, ctx: &Context) -> Result<()> {
    let dir = &ctx.data_dir;
    let date = args.date;
    match args.command {
        VoucherCommand::Program(ProgramCommand::Add(a)) => {
            let text = std::fs::read_to_string(&a.file)
                .with_context(|| format!("reading program file {}", a.file.display()))?;
            let program = Program::from_toml(&text, &a.file.display().to_string())?;
            let mut book = open_book(dir, true, date)?;
            let reply = book
                .add_program(&a.req.request_id, program)
                .with_context(|| format!("adding program from {}", a.file.display()))?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Program(ProgramCommand::AddDefaults(req)) => {
            let mut book = open_book(dir, true, date)?;
            let mut table = Table::new(["program", "request_id"]);
            for p in defaults::programs()? {
                let rid = format!("{}/{}", req.request_id, p.id);
                let id = p.id.clone();
                book.add_program(&rid, p)
                    .with_context(|| format!("adding default program '{id}'"))?;
                table.push([id, rid]);
            }
            table.print(req.format)
        }
        VoucherCommand::Program(ProgramCommand::List(f)) => {
            let book = open_book(dir, false, date)?;
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
                    p.id.clone(),
                    p.name.clone(),
                    p.kind.key().to_string(),
                    p.issuing_region.to_string(),
                    p.annual_budget_yuan
                        .map(|b| b.to_string())
                        .unwrap_or_else(|| "open-ended".into()),
                    p.cap_per_firm_yuan.to_string(),
                    p.ratio.default.to_string(),
                    p.validity.from.to_string(),
                    p.validity.until.to_string(),
                ]);
            }
            t.print(f.format)
        }
        VoucherCommand::Program(ProgramCommand::Show(a)) => {
            let book = open_book(dir, false, date)?;
            let p = book
                .program(&a.program)
                .with_context(|| format!("program '{}' is not in the ledger", a.program))?;
            if a.format == Format::Json {
                return print_json(p);
            }
            print!("{}", toml::to_string_pretty(p).context("program as TOML")?);
            Ok(())
        }
        VoucherCommand::Provider(ProviderCommand::Add(a)) => {
            let mut book = open_book(dir, true, date)?;
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
            let mut book = open_book(dir, true, date)?;
            let reply = book.declare_related(&a.req.request_id, a.firm, &a.provider)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Grant(a) => {
            let mut book = open_book(dir, false, date)?;
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
            let mut book = open_book(dir, false, date)?;
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
            let mut book = open_book(dir, false, date)?;
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
            let mut book = open_book(dir, false, date)?;
            let reply = book.settle(&a.req.request_id, &a.contract)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Release(a) => {
            let mut book = open_book(dir, false, date)?;
            let reply = book.release(&a.req.request_id, &a.contract)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Expire(a) => {
            let mut book = open_book(dir, false, date)?;
            let r = book.expire(&a.req.request_id, a.as_of)?;
            print_reply(&Reply::Expired(r), a.req.format)
        }
        VoucherCommand::Clawback(a) => {
            let mut book = open_book(dir, false, date)?;
            let r = book.clawback(&a.req.request_id, &a.program, &a.firm, a.year, &a.reason)?;
            print_reply(&Reply::ClawedBack(r), a.req.format)
        }
        VoucherCommand::Rate(a) => {
            let mut book = open_book(dir, false, date)?;
            let rating = match a.rating {
                RatingArg::Excellent => Rating::Excellent,
                RatingArg::Pass => Rating::Pass,
                RatingArg::Failing => Rating::Failing,
            };
            let reply = book.rate(&a.req.request_id, &a.program, &a.firm, a.year, rating)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Balance(a) => {
            let book = open_book(dir, false, date)?;
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
                if let Some(f) = &a.firm {
                    if meta.and_then(|m| m.firm.as_ref()) != Some(f) {
                        continue;
                    }
                }
                if let Some(p) = &a.program {
                    if meta.and_then(|m| m.program.as_ref()) != Some(p) {
                        continue;
                    }
                }
                t.push([
                    b.name,
                    b.ledger.to_string(),
                    fen_to_yuan(b.debits_posted_fen).to_string(),
                    fen_to_yuan(b.credits_posted_fen).to_string(),
                    signed_fen_to_yuan(b.balance_fen).to_string(),
                    fen_to_yuan(b.debits_pending_fen).to_string(),
                    fen_to_yuan(b.credits_pending_fen).to_string(),
                ]);
            }
            t.print(a.format)
        }
        VoucherCommand::Statement(a) => {
            let book = open_book(dir, false, date)?;
            let st = book.statement(&a.firm);
            if a.format == Format::Json {
                return print_json(&st);
            }
            let mut t = Table::new([
                "date",
                "program",
                "year",
                "kind",
                "amount_yuan",
                "voucher_balance_yuan",
                "contract",
            ]);
            for l in &st.lines {
                t.push([
                    l.date.to_string(),
                    l.program.clone(),
                    l.year.to_string(),
                    l.kind.clone(),
                    signed_fen_to_yuan(l.amount_fen).to_string(),
                    signed_fen_to_yuan(l.balance_fen).to_string(),
                    l.contract_id.clone().unwrap_or_default(),
                ]);
            }
            t.print(a.format)?;
            if a.format == Format::Table {
                println!(
                    "subsidies received {} yuan; paid by the firm on those contracts {} yuan; owed back {} yuan",
                    fen_to_yuan(st.subsidy_total_fen),
                    fen_to_yuan(st.firm_paid_total_fen),
                    fen_to_yuan(st.owed_fen)
                );
            }
            Ok(())
        }
        VoucherCommand::Report(a) => {
            let book = open_book(dir, false, date)?;
            let r = book.report(&a.program)?;
            if a.format == Format::Json {
                return print_json(&r);
            }
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
                    y.year.to_string(),
                    y.budget_fen
                        .map(|b| fen_to_yuan(b).to_string())
                        .unwrap_or_else(|| "open-ended".into()),
                    fen_to_yuan(y.granted_fen).to_string(),
                    fen_to_yuan(y.redeemed_fen).to_string(),
                    fen_to_yuan(y.expired_fen).to_string(),
                    fen_to_yuan(y.clawed_back_unused_fen).to_string(),
                    fen_to_yuan(y.clawed_back_redeemed_fen).to_string(),
                    y.remaining_fen
                        .map(|b| signed_fen_to_yuan(b).to_string())
                        .unwrap_or_else(|| "open-ended".into()),
                    fen_to_yuan(y.outstanding_fen).to_string(),
                    y.firms.to_string(),
                ]);
            }
            t.print(a.format)?;
            if a.format == Format::Table {
                println!(
                    "{} ({}, {}): {} contracts worth {} yuan; cross-region settlements {} yuan",
                    r.program,
                    r.kind,
                    r.issuing_region,
                    r.contracts,
                    fen_to_yuan(r.contract_total_fen),
                    fen_to_yuan(r.cross_region_fen)
                );
            }
            Ok(())
        }
        VoucherCommand::Verify(a) => {
            let path = ledger_path(dir);
            if !path.exists() {
                bail!("no ledger at {}", path.display());
            }
            let journal = SqliteJournal::open(&path)
                .with_context(|| format!("opening ledger {}", path.display()))?;
            let v = verify_journal(&journal)
                .with_context(|| format!("verifying ledger {}", path.display()))?;
            if a.format == Format::Json {
                return print_json(&v);
            }
            let mut t = Table::new(["check", "value"]);
            t.push(["journal".to_string(), v.journal.clone()]);
            t.push(["entries".to_string(), v.chain.entries.to_string()]);
            t.push(["batches (requests)".to_string(), v.requests.to_string()]);
            t.push(["accounts".to_string(), v.accounts.to_string()]);
            t.push(["transfers".to_string(), v.transfers.to_string()]);
            t.push([
                "Σ debits = Σ credits (yuan)".to_string(),
                signed_fen_to_yuan(i128::try_from(v.posted_total_fen).unwrap_or(i128::MAX))
                    .to_string(),
            ]);
            t.push(["head hash".to_string(), v.chain.head_hash.clone()]);
            t.print(a.format)?;
            if a.format == Format::Table {
                println!("verified: hash chain intact, every request replays, invariants hold");
            }
            Ok(())
        }
        VoucherCommand::ClosePeriod(a) => {
            let mut book = open_book(dir, false, date)?;
            let reply = book.close_period(&a.req.request_id, a.through)?;
            print_reply(&reply, a.req.format)
        }
        VoucherCommand::Share(a) => run_share(a),
        VoucherCommand::Export(a) => {
            let book = open_book(dir, false, date)?;
            let text = match a.format {
                ExportFormat::Csv => book.export_csv()?,
                ExportFormat::Beancount => book.export_beancount(),
            };
            match a.output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display())),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
    }
}

fn run_share(a: ShareArgs) -> Result<()> {
    let total_fen = voucher_ledger::money::yuan_to_fen(a.total, "--total")?;
    let mut t = Table::new(["party", "weight", "amount_yuan"]);
    if let Some(r) = a.government_ratio {
        let s = voucher_ledger::share::share_cost(total_fen, r)?;
        t.push([
            "government".to_string(),
            r.to_string(),
            fen_to_yuan(s.government_fen).to_string(),
        ]);
        t.push([
            "firm".to_string(),
            (Decimal::ONE - r).to_string(),
            fen_to_yuan(s.firm_fen).to_string(),
        ]);
        return t.print(a.format);
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
            p.party,
            p.weight.to_string(),
            fen_to_yuan(p.amount_fen).to_string(),
        ]);
    }
    t.print(a.format)
}

/// Prints a reply as key/value rows (or its JSON).
fn print_reply(reply: &Reply, format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(reply);
    }
    let mut t = Table::new(["field", "value"]);
    let yuan = |f: u64| fen_to_yuan(f).to_string();
    match reply {
        Reply::ProgramAdded { program } => t.push(["program added", program.as_str()]),
        Reply::ProviderAdded { program, provider } => {
            t.push(["program".to_string(), program.clone()]);
            t.push(["provider approved".to_string(), provider.clone()]);
        }
        Reply::RelatedDeclared { firm, provider } => {
            t.push(["firm".to_string(), firm.to_string()]);
            t.push(["related provider".to_string(), provider.clone()]);
        }
        Reply::Granted(g) => {
            t.push(["program".to_string(), g.program.clone()]);
            t.push(["firm".to_string(), g.firm.to_string()]);
            t.push(["year".to_string(), g.year.to_string()]);
            t.push(["granted_yuan".to_string(), yuan(g.amount_fen)]);
            t.push([
                "granted_this_year_yuan".to_string(),
                yuan(g.granted_year_fen),
            ]);
            t.push(["cap_yuan".to_string(), yuan(g.cap_fen)]);
            t.push(["expires_on".to_string(), g.expires_on.to_string()]);
            t.push(["transfer".to_string(), g.transfer_id.to_string()]);
        }
        Reply::Redeemed(r) | Reply::Held(r) => {
            t.push(["program".to_string(), r.program.clone()]);
            t.push(["firm".to_string(), r.firm.to_string()]);
            t.push(["provider".to_string(), r.provider.clone()]);
            t.push(["contract".to_string(), r.contract_id.clone()]);
            t.push(["contract_yuan".to_string(), yuan(r.contract_amount_fen)]);
            t.push(["ratio".to_string(), r.ratio.to_string()]);
            t.push(["ratio_x_contract_yuan".to_string(), yuan(r.by_ratio_fen)]);
            t.push(["voucher_balance_yuan".to_string(), yuan(r.balance_fen)]);
            t.push(["cap_remaining_yuan".to_string(), yuan(r.cap_remaining_fen)]);
            t.push(["subsidy_yuan".to_string(), yuan(r.subsidy_fen)]);
            t.push(["firm_pays_yuan".to_string(), yuan(r.firm_pays_fen)]);
            t.push([
                "limited_by".to_string(),
                format!("{:?}", r.limited_by).to_lowercase(),
            ]);
            t.push(["cross_region".to_string(), r.cross_region.to_string()]);
            t.push(["held".to_string(), r.held.to_string()]);
        }
        Reply::Settled {
            contract_id,
            subsidy_fen,
            ..
        } => {
            t.push(["contract settled".to_string(), contract_id.clone()]);
            t.push(["subsidy_yuan".to_string(), yuan(*subsidy_fen)]);
        }
        Reply::Released {
            contract_id,
            subsidy_fen,
        } => {
            t.push(["contract released".to_string(), contract_id.clone()]);
            t.push(["returned_to_voucher_yuan".to_string(), yuan(*subsidy_fen)]);
        }
        Reply::Expired(x) => {
            t.push(["as_of".to_string(), x.as_of.to_string()]);
            t.push(["vouchers_expired".to_string(), x.vouchers.to_string()]);
            t.push(["returned_to_budget_yuan".to_string(), yuan(x.returned_fen)]);
            t.push(["left_for_next_run".to_string(), x.remaining.to_string()]);
        }
        Reply::ClawedBack(c) => push_clawback(&mut t, c),
        Reply::Rated {
            program,
            firm,
            year,
            rating,
            clawback,
        } => {
            t.push(["program".to_string(), program.clone()]);
            t.push(["firm".to_string(), firm.to_string()]);
            t.push(["year".to_string(), year.to_string()]);
            t.push(["rating".to_string(), format!("{rating:?}").to_lowercase()]);
            if let Some(c) = clawback {
                push_clawback(&mut t, c);
            }
        }
        Reply::AccountsCreated { count } => {
            t.push(["accounts created".to_string(), count.to_string()])
        }
        Reply::TransfersCreated { count } => {
            t.push(["transfers created".to_string(), count.to_string()])
        }
        Reply::AccountClosed { account_id } => {
            t.push(["account closed".to_string(), account_id.to_string()])
        }
        Reply::PeriodClosed { through } => {
            t.push(["closed through".to_string(), through.to_string()])
        }
    }
    t.print(format)
}

fn push_clawback(t: &mut Table, c: &voucher_ledger::ClawbackReceipt) {
    t.push(["clawback program".to_string(), c.program.clone()]);
    t.push(["firm".to_string(), c.firm.to_string()]);
    t.push(["year".to_string(), c.year.to_string()]);
    t.push([
        "unused_returned_yuan".to_string(),
        fen_to_yuan(c.unused_fen).to_string(),
    ]);
    t.push([
        "redeemed_owed_back_yuan".to_string(),
        fen_to_yuan(c.redeemed_fen).to_string(),
    ]);
    t.push(["reason".to_string(), c.reason.clone()]);
}
