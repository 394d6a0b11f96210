//! `shuchuang scenario challenge`: challenge tasks (揭榜挂帅 / 赛马制) paid through the voucher
//! ledger in DATA_DIR.
//!
//! Writes (each takes `--request-id`; repeating a request returns its first reply, reusing an
//! id for another step is refused): `post` (a task from a TOML file), `bid`, `award` (the
//! panel's scores → the winner or the racing teams; escrow reserved), `milestone --accept |
//! --fail`. Read: `show`. The challenge's state is kept on the ledger beside its money
//! (cultivation::challenge_desk), so each step is its own process.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use cultivation::challenge_desk::{
    CHALLENGE_REQUEST_COLLECTION, ChallengeCommand, challenge_step, load_challenge, load_challenges,
};
use cultivation::data_dir::set_ledger_date;
use cultivation::scenario_files::read_panel;
use registry_model::EnterpriseId;
use rust_decimal::Decimal;
use scenario_market::Key;
use scenario_market::challenge::{Bid, read_scores_csv, read_tasks_toml};

use report::challenge::{challenge_milestones_table, challenge_money_table, challenge_reply_table};

use crate::cmd::RequestIdArg;
use crate::input;
use crate::output::{Format, lang, print_json};
use crate::store::StoreArgs;

/// Arguments of `shuchuang scenario challenge`.
#[derive(Debug, Args)]
pub struct ChallengeArgs {
    #[command(subcommand)]
    command: ChallengeCommandArg,
}

#[derive(Debug, Subcommand)]
enum ChallengeCommandArg {
    /// Post a task (发榜) from a TOML file of `[[task]]` tables.
    #[command(
        after_help = "Examples:\n  shuchuang scenario challenge post tasks.toml --task T-2025-PORT-AI --date 2025-04-15 --request-id post-1\n\nThe task's program must be a voucher program of kind \"challenge\" on the ledger\n(shuchuang voucher program add). At most 12 milestones; their shares sum to 1."
    )]
    Post(PostArgs),
    /// Take a team's bid (揭榜).
    #[command(
        after_help = "Examples:\n  shuchuang scenario challenge bid --task T-2025-PORT-AI --bid B-F1 --firm 91370200163562681G --amount-yuan 1400000 --submitted 2025-05-20 --request-id bid-1"
    )]
    Bid(BidArgs),
    /// Score the bids (panel scores CSV) and award the winner or the racing teams; each
    /// team's award moves into escrow and its first advance is paid.
    #[command(
        after_help = "Examples:\n  shuchuang scenario challenge award --task T-2025-PORT-AI --scores scores.csv --date 2025-06-10 --request-id award-1\n  shuchuang scenario challenge award --task T-2025-PORT-AI --scores scores.csv --panel panel.toml --date 2025-06-10 --request-id award-1\n\nScores: task,bid,member,score. A member tied to a bid's firm in the panel file is recused\nfrom it (their score ignored); each bid's score is the panel's trimmed mean. Without\n--panel, the example four-in-one panel (members gov, ent, res, inv, res2, ent2)."
    )]
    Award(AwardArgs),
    /// Accept (pay) or fail (claw back the advance, release the escrow) a team's running
    /// milestone.
    #[command(
        after_help = "Examples:\n  shuchuang scenario challenge milestone --task T-2025-PORT-AI --firm 91370200163562681G --milestone M1 --accept --date 2025-09-30 --request-id m1-f1\n  shuchuang scenario challenge milestone --task T-2025-PORT-AI --firm 913301002468135703 --milestone M1 --fail --reason \"prototype missed the target\" --date 2025-09-30 --request-id m1-f5"
    )]
    Milestone(MilestoneArgs),
    /// A challenge's state: its money, then each team's milestones.
    #[command(
        after_help = "Examples:\n  shuchuang scenario challenge show T-2025-PORT-AI\n  shuchuang scenario challenge show --format json\n\nWithout a task, the money of every challenge on the ledger."
    )]
    Show(ShowArgs),
}

#[derive(Debug, Args)]
struct WriteArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    id: RequestIdArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct PostArgs {
    /// Tasks (TOML, `[[task]]` tables).
    file: PathBuf,
    /// The task to post (may be left out when the file holds one task).
    #[arg(long, value_name = "TASK")]
    task: Option<String>,
    /// Ledger date (YYYY-MM-DD); default: the system clock.
    #[arg(long)]
    date: Option<NaiveDate>,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Debug, Args)]
struct BidArgs {
    /// The task.
    #[arg(long)]
    task: String,
    /// The bid's id, unique within the task.
    #[arg(long)]
    bid: String,
    /// The bidding firm (USCC).
    #[arg(long)]
    firm: EnterpriseId,
    /// The funding asked, yuan.
    #[arg(long)]
    amount_yuan: Decimal,
    /// When it was submitted (also the ledger date).
    #[arg(long)]
    submitted: NaiveDate,
    /// The plan in brief.
    #[arg(long, default_value = "")]
    plan: String,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Debug, Args)]
struct AwardArgs {
    /// The task.
    #[arg(long)]
    task: String,
    /// Panel scores (CSV `task,bid,member,score`); rows of other tasks are ignored.
    #[arg(long, value_name = "FILE")]
    scores: PathBuf,
    /// The award date (after bids close; also the ledger date).
    #[arg(long)]
    date: NaiveDate,
    /// The panel (TOML: name, [rule], [[members]] with ties to firms that recuse them);
    /// default: the example panel.
    #[arg(long, value_name = "FILE")]
    panel: Option<PathBuf>,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Debug, Args)]
struct MilestoneArgs {
    /// The task.
    #[arg(long)]
    task: String,
    /// The team's firm (USCC).
    #[arg(long)]
    firm: EnterpriseId,
    /// The milestone (the team's running one).
    #[arg(long)]
    milestone: String,
    /// Accept it: pay the rest of it and the next milestone's advance.
    #[arg(long, conflicts_with = "fail", required_unless_present = "fail")]
    accept: bool,
    /// Fail it: claw back what was paid for it and release the team's escrow.
    #[arg(long, requires = "reason")]
    fail: bool,
    /// Why it failed (with --fail).
    #[arg(long)]
    reason: Option<String>,
    /// A note on the acceptance.
    #[arg(long, default_value = "")]
    note: String,
    /// The decision date (also the ledger date).
    #[arg(long)]
    date: NaiveDate,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The task (default: every challenge's money).
    task: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    /// Output format (csv: the team milestones of a task).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn key(field: &str, text: &str) -> Result<Key> {
    text.parse()
        .map_err(|e| anyhow::anyhow!("{field} '{text}': {e}"))
}

/// Runs `shuchuang scenario challenge`.
pub fn run(args: ChallengeArgs) -> Result<()> {
    match args.command {
        ChallengeCommandArg::Post(a) => {
            let text = input::read_text(&a.file)?;
            let name = a.file.display().to_string();
            let tasks = read_tasks_toml(&text, &name)?;
            let task = match &a.task {
                Some(id) => tasks
                    .into_iter()
                    .find(|t| t.id.as_str() == id)
                    .with_context(|| format!("task '{id}' is not in {name}"))?,
                None if tasks.len() == 1 => tasks.into_iter().next().context("one task")?,
                None => bail!("{name} holds {} tasks: name one with --task", tasks.len()),
            };
            write(&a.write, a.date, ChallengeCommand::Post { task })
        }
        ChallengeCommandArg::Bid(a) => {
            let bid = Bid {
                id: key("bid", &a.bid)?,
                task: key("task", &a.task)?,
                firm: a.firm,
                amount: registry_model::Money::from_yuan(a.amount_yuan)
                    .map_err(|e| anyhow::anyhow!("--amount-yuan {}: {e}", a.amount_yuan))?,
                submitted: a.submitted,
                plan: a.plan,
            };
            write(&a.write, Some(a.submitted), ChallengeCommand::Bid { bid })
        }
        ChallengeCommandArg::Award(a) => {
            let task = key("task", &a.task)?;
            let file = std::fs::File::open(&a.scores)
                .with_context(|| format!("cannot read {}", a.scores.display()))?;
            let scores = read_scores_csv(file, &a.scores.display().to_string())?
                .into_iter()
                .filter(|s| s.task == task)
                .collect();
            let command = ChallengeCommand::Award {
                task,
                scores,
                date: a.date,
                panel: a.panel.as_deref().map(read_panel).transpose()?,
            };
            write(&a.write, Some(a.date), command)
        }
        ChallengeCommandArg::Milestone(a) => {
            let task = key("task", &a.task)?;
            let milestone = key("milestone", &a.milestone)?;
            let command = if a.fail {
                ChallengeCommand::Fail {
                    task,
                    firm: a.firm,
                    milestone,
                    date: a.date,
                    reason: a.reason.unwrap_or_default(),
                }
            } else {
                ChallengeCommand::Accept {
                    task,
                    firm: a.firm,
                    milestone,
                    date: a.date,
                    note: a.note,
                }
            };
            write(&a.write, Some(a.date), command)
        }
        ChallengeCommandArg::Show(a) => show(a),
    }
}

/// One step under the data directory's lock: state and money in one ledger transaction.
fn write(w: &WriteArgs, date: Option<NaiveDate>, command: ChallengeCommand) -> Result<()> {
    let dir = w.store.dir();
    let lock = dir.lock()?;
    let mut book = dir.open_ledger(&lock, false, None)?;
    // A repeated step returns its first reply whatever its date; only a new one sets the
    // ledger clock (which never moves backwards).
    if let Some(d) = date
        && book
            .document(CHALLENGE_REQUEST_COLLECTION, &w.id.request_id)
            .is_none()
    {
        set_ledger_date(&mut book, d)?;
    }
    crate::interrupt::note(
        "the step is one transaction: if it had not returned, it was not written",
    );
    let panel = scenario_market::example::panel()?;
    let reply = challenge_step(&mut book, &w.id.request_id, command, &panel)?;
    if w.format == Format::Json {
        return print_json(&reply);
    }
    Ok(challenge_reply_table(&reply).print_in(w.format, lang())?)
}

fn show(a: ShowArgs) -> Result<()> {
    let book = a.store.dir().read_ledger(None)?;
    let Some(id) = &a.task else {
        let all = load_challenges(&book)?;
        if a.format == Format::Json {
            return print_json(&all);
        }
        return Ok(challenge_money_table(&all).print_in(a.format, lang())?);
    };
    let c = load_challenge(&book, id)?
        .with_context(|| format!("task '{id}' has not been posted on this ledger"))?;
    match a.format {
        Format::Json => print_json(&serde_json::json!({
            "challenge": c,
            "money": c.money(),
        })),
        Format::Csv => Ok(challenge_milestones_table(&c).print_in(a.format, lang())?),
        _ => {
            challenge_money_table([&c]).print_in(a.format, lang())?;
            crate::output::put("")?;
            Ok(challenge_milestones_table(&c).print_in(a.format, lang())?)
        }
    }
}
