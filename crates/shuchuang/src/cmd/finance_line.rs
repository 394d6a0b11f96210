//! `shuchuang finance line grant|draw|repay|default|show` and `finance fund`: a program's
//! 云量贷 lines on the voucher ledger in DATA_DIR (cultivation::credit_desk). Each write takes
//! `--request-id` (repeating a request returns its first reply; reusing an id for another
//! operation is refused) and is one ledger transaction, so each runs in its own process.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use cultivation::credit_desk::{
    CreditCommand, DefaultOrder, DrawOrder, FundOrder, GrantOrder, RepayOrder, credit_request,
    load_lines, open_program,
};
use finance::{Product, ProgramRules};

use crate::cmd::RequestIdArg;
use crate::input;
use crate::output::{Format, lang, print_json, print_shown, say};
use crate::store::StoreArgs;

/// Arguments shared by every write.
#[derive(Debug, Args)]
pub struct WriteArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    product: ProductArgs,
    #[command(flatten)]
    id: RequestIdArg,
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

/// `finance fund`.
#[derive(Debug, Args)]
pub struct FundArgs {
    #[command(flatten)]
    order: FundOrder,
    #[command(flatten)]
    write: WriteArgs,
}

/// `finance line`.
#[derive(Debug, Args)]
pub struct LineArgs {
    #[command(subcommand)]
    command: LineCommand,
}

/// Each write is the library's order (`cultivation::credit_command`) and [`WriteArgs`].
#[derive(Debug, Subcommand)]
enum LineCommand {
    /// Decide a firm's line from its verified spend and registry facts; grant it if eligible.
    #[command(
        after_help = "Examples:\n  shuchuang finance line grant --firm 913301060000001231 --line YLP-0001 --bank bank-a --date 2025-01-15 --request-id grant-1\n\nA firm the rules refuse gets no line; its decision and reasons are kept for\n`finance report`."
    )]
    Grant {
        #[command(flatten)]
        order: GrantOrder,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Draw principal on a line.
    #[command(
        after_help = "Examples:\n  shuchuang finance line draw YLP-0001 --date 2025-01-15 --amount-yuan 500000 --request-id draw-1"
    )]
    Draw {
        #[command(flatten)]
        order: DrawOrder,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Pay interest (the program pays its 贴息 on it) and/or repay principal.
    #[command(
        after_help = "Examples:\n  shuchuang finance line repay YLP-0001 --date 2025-07-14 --interest-yuan 8625 --principal-yuan 200000 --request-id repay-1"
    )]
    Repay {
        #[command(flatten)]
        order: RepayOrder,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Declare a line in default: the claim is settled against the risk pool.
    #[command(
        after_help = "Examples:\n  shuchuang finance line default YLP-0001 --date 2025-10-12 --request-id default-1\n  shuchuang finance line default YLP-0001 --date 2025-10-12 --write-off --request-id default-1"
    )]
    Default {
        #[command(flatten)]
        order: DefaultOrder,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Show the program's lines, or one.
    #[command(
        after_help = "Examples:\n  shuchuang finance line show\n  shuchuang finance line show YLP-0001 --format json"
    )]
    Show(ShowArgs),
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
    write(&a.write, CreditCommand::Fund(a.order))
}

/// Runs `shuchuang finance line`.
pub fn run(args: LineArgs) -> Result<()> {
    match args.command {
        LineCommand::Grant { order, write: w } => write(&w, CreditCommand::Grant(order)),
        LineCommand::Draw { order, write: w } => write(&w, CreditCommand::Draw(order)),
        LineCommand::Repay { order, write: w } => write(&w, CreditCommand::Repay(order)),
        LineCommand::Default { order, write: w } => write(&w, CreditCommand::Default(order)),
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
    crate::interrupt::note(
        "the request is one transaction: if it had not returned, it was not written",
    );
    let reply = credit_request(&mut book, &*registry, &product, &w.id.request_id, command)?;
    print_shown(&reply, w.format)
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
    print_shown(&lines, a.format)
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
