//! `shuchuang finance line grant|draw|repay|default|show` and `finance fund`: a program's
//! 云量贷 lines on the voucher ledger in DATA_DIR (cultivation::credit_desk). Each write takes
//! `--request-id` (repeating a request returns its first reply; reusing an id for another
//! operation is refused) and is one ledger transaction, so each runs in its own process.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use cultivation::credit_desk::{
    CreditCommand, REQUEST_COLLECTION, credit_step, load_lines, open_program,
};
use cultivation::data_dir::set_ledger_date;
use finance::{Fund, Product, ProgramRules, Scorecard};
use registry_model::EnterpriseId;
use rust_decimal::Decimal;

use report::finance::{credit_reply_table, decision_text, line_table};

use crate::input;
use crate::output::{Format, lang, print_json, say};
use crate::store::StoreArgs;

/// Arguments shared by every write.
#[derive(Debug, Args)]
pub struct WriteArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    product: ProductArgs,
    /// The request's id: repeating it with the same operation returns the first reply.
    #[arg(long, value_name = "ID")]
    request_id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// `--product FILE`.
#[derive(Debug, Args)]
pub struct ProductArgs {
    /// A 云量贷 product TOML (default: the shipped data/finance/yunliangdai-2025.toml). Its
    /// `program` names the lines' program.
    #[arg(long, value_name = "FILE")]
    product: Option<PathBuf>,
}

impl ProductArgs {
    /// The product.
    pub fn load(&self) -> Result<Product> {
        Ok(match &self.product {
            None => Product::embedded()?,
            Some(p) => Product::from_toml_str(&input::read_text(p)?, &p.display().to_string())?,
        })
    }
}

/// Which program fund.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FundArg {
    /// The interest subsidy budget (贴息).
    SubsidyBudget,
    /// The risk compensation pool.
    RiskPool,
}

/// `finance fund`.
#[derive(Debug, Args)]
pub struct FundArgs {
    /// The fund.
    #[arg(long, value_enum)]
    fund: FundArg,
    /// Amount, yuan.
    #[arg(long, value_name = "YUAN")]
    amount_yuan: Decimal,
    /// The date.
    #[arg(long, value_name = "DATE")]
    date: NaiveDate,
    #[command(flatten)]
    write: WriteArgs,
}

/// `finance line`.
#[derive(Debug, Args)]
pub struct LineArgs {
    #[command(subcommand)]
    command: LineCommand,
}

#[derive(Debug, Subcommand)]
enum LineCommand {
    /// Decide a firm's line from its verified spend and registry facts; grant it if eligible.
    #[command(
        after_help = "Examples:\n  shuchuang finance line grant --firm 913301060000001231 --line YLP-0001 --bank bank-a --date 2025-01-15 --request-id grant-1\n\nA firm the rules refuse gets no line; its decision and reasons are kept for\n`finance report`."
    )]
    Grant(GrantArgs),
    /// Draw principal on a line.
    #[command(
        after_help = "Examples:\n  shuchuang finance line draw YLP-0001 --date 2025-01-15 --amount-yuan 500000 --request-id draw-1"
    )]
    Draw(DrawArgs),
    /// Pay interest (the program pays its 贴息 on it) and/or repay principal.
    #[command(
        after_help = "Examples:\n  shuchuang finance line repay YLP-0001 --date 2025-07-14 --interest-yuan 8625 --principal-yuan 200000 --request-id repay-1"
    )]
    Repay(RepayArgs),
    /// Declare a line in default: the claim is settled against the risk pool.
    #[command(
        after_help = "Examples:\n  shuchuang finance line default YLP-0001 --date 2025-10-12 --request-id default-1\n  shuchuang finance line default YLP-0001 --date 2025-10-12 --write-off --request-id default-1"
    )]
    Default(DefaultArgs),
    /// Show the program's lines, or one.
    #[command(
        after_help = "Examples:\n  shuchuang finance line show\n  shuchuang finance line show YLP-0001 --format json"
    )]
    Show(ShowArgs),
}

#[derive(Debug, Args)]
struct GrantArgs {
    /// The borrower.
    #[arg(long, value_name = "USCC")]
    firm: EnterpriseId,
    /// The new line's id (1–64 ASCII letters, digits or . _ - :).
    #[arg(long, value_name = "LINE")]
    line: String,
    /// The lending bank's id.
    #[arg(long, value_name = "BANK")]
    bank: String,
    /// The decision date: spend over the product's window to it, registry facts of the year
    /// before.
    #[arg(long, value_name = "DATE")]
    date: NaiveDate,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Debug, Args)]
struct DrawArgs {
    /// The line.
    line: String,
    /// The date.
    #[arg(long, value_name = "DATE")]
    date: NaiveDate,
    /// Amount, yuan.
    #[arg(long, value_name = "YUAN")]
    amount_yuan: Decimal,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Debug, Args)]
struct RepayArgs {
    /// The line.
    line: String,
    /// The date.
    #[arg(long, value_name = "DATE")]
    date: NaiveDate,
    /// Interest paid, yuan (settled before the principal; oldest interest first).
    #[arg(long, value_name = "YUAN", required_unless_present = "principal_yuan")]
    interest_yuan: Option<Decimal>,
    /// Principal repaid, yuan.
    #[arg(long, value_name = "YUAN")]
    principal_yuan: Option<Decimal>,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Debug, Args)]
struct DefaultArgs {
    /// The line.
    line: String,
    /// The date.
    #[arg(long, value_name = "DATE")]
    date: NaiveDate,
    /// Also write the bank's open claim off as its loss.
    #[arg(long)]
    write_off: bool,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// One line (default: all of the program's).
    line: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    product: ProductArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs `shuchuang finance fund`.
pub fn fund(a: FundArgs) -> Result<()> {
    let fund = match a.fund {
        FundArg::SubsidyBudget => Fund::SubsidyBudget,
        FundArg::RiskPool => Fund::RiskPool,
    };
    let command = CreditCommand::Fund {
        fund,
        amount_yuan: a.amount_yuan,
        date: a.date,
    };
    write(&a.write, command)
}

/// Runs `shuchuang finance line`.
pub fn run(args: LineArgs) -> Result<()> {
    match args.command {
        LineCommand::Grant(a) => {
            let command = CreditCommand::Grant {
                firm: a.firm,
                line: a.line,
                bank: a.bank,
                date: a.date,
            };
            write(&a.write, command)
        }
        LineCommand::Draw(a) => {
            let command = CreditCommand::Draw {
                line: a.line,
                date: a.date,
                amount_yuan: a.amount_yuan,
            };
            write(&a.write, command)
        }
        LineCommand::Repay(a) => {
            let command = CreditCommand::Repay {
                line: a.line,
                date: a.date,
                interest_yuan: a.interest_yuan,
                principal_yuan: a.principal_yuan,
            };
            write(&a.write, command)
        }
        LineCommand::Default(a) => {
            let command = CreditCommand::Default {
                line: a.line,
                date: a.date,
                write_off: a.write_off,
            };
            write(&a.write, command)
        }
        LineCommand::Show(a) => show(a),
    }
}

/// One operation under the data directory's lock: postings and lines in one transaction.
fn write(w: &WriteArgs, command: CreditCommand) -> Result<()> {
    let product = w.product.load()?;
    let dir = w.store.dir();
    let lock = dir.lock()?;
    let mut book = dir.open_ledger(&lock, false, None)?;
    let registry = dir.read_registry()?;
    let date = command.date();
    // A repeated request returns its first reply whatever its date; only a new one sets the
    // ledger clock (which never moves backwards).
    if book.document(REQUEST_COLLECTION, &w.request_id).is_none() {
        set_ledger_date(&mut book, date)?;
    }
    let cards = [Scorecard::embedded()?];
    let card = Scorecard::in_force(&cards, date)
        .with_context(|| format!("no scorecard is in force on {date}"))?;
    crate::interrupt::note(
        "the request is one transaction: if it had not returned, it was not written",
    );
    let reply = credit_step(
        &mut book,
        &*registry,
        &product,
        card,
        &w.request_id,
        command,
    )?;
    if w.format == Format::Json {
        return print_json(&reply);
    }
    credit_reply_table(&reply).print_in(w.format, lang())?;
    if w.format == Format::Table
        && let Some(d) = &reply.decision
        && !d.reasons.is_empty()
    {
        say(decision_text(d))?;
    }
    Ok(())
}

fn show(a: ShowArgs) -> Result<()> {
    let product = a.product.load()?;
    let mut book = a.store.dir().read_ledger(None)?;
    // Opened through the books, so every line is checked against its accounts.
    let program = open_program(&mut book, &ProgramRules::of(&product))?;
    drop(program);
    let mut lines = load_lines(&book, &product.program)?;
    if let Some(id) = &a.line {
        lines.retain(|l| &l.id == id);
        if lines.is_empty() {
            anyhow::bail!(
                "credit line '{id}' is not on the ledger of program '{}'",
                product.program
            );
        }
    }
    if a.format == Format::Json {
        return print_json(&lines);
    }
    Ok(line_table(&lines).print_in(a.format, lang())?)
}

/// `finance pool` and `finance report`: a program read from the ledger.
#[derive(Debug, Args)]
pub struct ProgramArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    product: ProductArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Grant decisions with the line each granted (empty when none).
type Decisions = Vec<(String, cultivation::credit_desk::GrantDecision)>;

/// The program's summary and its grant decisions, read from the ledger (every line checked
/// against its accounts).
fn summary(a: &ProgramArgs) -> Result<(finance::report::ProgramSummary, ProgramRules, Decisions)> {
    let product = a.product.load()?;
    let rules = ProgramRules::of(&product);
    let mut book = a.store.dir().read_ledger(None)?;
    let s = finance::report::summarise(&open_program(&mut book, &rules)?)?;
    let decisions = cultivation::credit_desk::load_decisions(&book, &rules.program)?;
    Ok((s, rules, decisions))
}

/// Runs `shuchuang finance pool`.
pub fn pool(a: ProgramArgs) -> Result<()> {
    let (s, rules, _) = summary(&a)?;
    crate::output::print_record(&report::finance::pool_record(&s, &rules, lang()), a.format)
}

/// Runs `shuchuang finance report`.
pub fn report(a: ProgramArgs) -> Result<()> {
    let (s, _, decisions) = summary(&a)?;
    let record = report::finance::program_record(&s, &decisions);
    let decided = report::finance::decisions_table(&decisions);
    match a.format {
        Format::Json => print_json(&serde_json::json!({
            "program": record.json(),
            "decisions": decisions.iter().map(|(line, d)| serde_json::json!({"line": line, "decision": d})).collect::<Vec<_>>(),
            "reach": { "by_tier": s.by_tier, "by_province": s.by_province },
        })),
        Format::Csv => Ok(decided.print_in(a.format, lang())?),
        _ => {
            crate::output::print_record(&record, a.format)?;
            say("")?;
            decided.print_in(a.format, lang())?;
            say("")?;
            Ok(report::finance::reach_table(&s).print_in(a.format, lang())?)
        }
    }
}
