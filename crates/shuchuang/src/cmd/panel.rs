//! `shuchuang registry panel`: a year's selection panels (遴选培育组), each verb its own
//! process over the registry store: create, refer, recuse, scores, results, decide.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use registry_model::panel::{Panel, ScoringRule, TieKind};
use registry_model::panel_csv::{parse_firm_list, parse_roster, parse_scores};
use registry_model::panel_desk;
use registry_model::{EnterpriseId, LegacyPolicy, Year};
use rust_decimal::Decimal;

use crate::cmd::registry::{CriteriaArgs, FormatArg, set_for};
use crate::input;
use crate::output::{Format, lang, print_json, say};
use crate::store::StoreArgs;

/// Arguments of `shuchuang registry panel`.
#[derive(Debug, Args)]
pub struct PanelArgs {
    #[command(subcommand)]
    command: PanelCommand,
}

#[derive(Debug, Subcommand)]
enum PanelCommand {
    /// Create a year's panel from a roster CSV (id,name,member_type,affiliation), checking
    /// its composition against the four-in-one rule.
    #[command(after_help = "Examples:
  shuchuang registry panel create --year 2025 --panel p1 --roster roster.csv
  shuchuang registry panel create --year 2025 --panel p1 --roster roster.csv --quorum 7 --format json")]
    Create(CreateArgs),
    /// Refer firms to a panel: the year's borderline firms by default, or those of a CSV.
    #[command(after_help = "Examples:
  shuchuang registry panel refer --year 2025 --panel p1
  shuchuang registry panel refer --year 2025 --panel p2 --firms second-half.csv")]
    Refer(ReferArgs),
    /// Record a member's declared conflict of interest with a referred firm (recusal).
    #[command(after_help = "Examples:
  shuchuang registry panel recuse --year 2025 --panel p1 --member i1 --firm 91310110666007217T --kind invested --reason \"fund holds 5 %\"")]
    Recuse(RecuseArgs),
    /// Import a score sheet (member,firm,score[,note]); one bad line rejects the file.
    #[command(after_help = "Examples:
  shuchuang registry panel scores scores.csv --year 2025 --panel p1")]
    Scores(ScoresArgs),
    /// Each referred firm's trimmed mean, quorum and outcome.
    #[command(after_help = "Examples:
  shuchuang registry panel results --year 2025 --panel p1 --format csv")]
    Results(PanelRef),
    /// Commit the year's adjustment with every panel's decisions (a second run changes nothing).
    #[command(after_help = "Examples:
  shuchuang registry panel decide --year 2025")]
    Decide(DecideArgs),
}

#[derive(Debug, Args)]
struct PanelRef {
    #[command(flatten)]
    store: StoreArgs,
    /// The statistical year.
    #[arg(long, value_name = "Y")]
    year: Year,
    /// The panel's id.
    #[arg(long, value_name = "ID")]
    panel: String,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct CreateArgs {
    #[command(flatten)]
    at: PanelRef,
    /// The roster CSV: id,name,member_type (one of the eight kinds),affiliation.
    #[arg(long, value_name = "FILE")]
    roster: PathBuf,
    /// Fewest valid scores for a result (assumed default 5; the highest and lowest are dropped).
    #[arg(long, value_name = "N", default_value_t = 5)]
    quorum: usize,
    /// The trimmed mean at or above which the panel grants the tier asked about (assumed 60).
    #[arg(long, value_name = "X", default_value_t = registry_model::panel::PASS_MARK_DEFAULT)]
    pass_mark: Decimal,
}

#[derive(Debug, Args)]
struct ReferArgs {
    #[command(flatten)]
    at: PanelRef,
    /// A CSV with a `uscc` column: refer these borderline firms only.
    #[arg(long, value_name = "FILE")]
    firms: Option<PathBuf>,
    #[command(flatten)]
    criteria: CriteriaArgs,
}

#[derive(Debug, Args)]
struct RecuseArgs {
    #[command(flatten)]
    at: PanelRef,
    /// The member's id.
    #[arg(long, value_name = "ID")]
    member: String,
    /// The firm's USCC.
    #[arg(long, value_name = "USCC")]
    firm: String,
    /// The tie: employed, invested or related.
    #[arg(long, value_name = "KIND", default_value = "related")]
    kind: String,
    /// Why, as it will be recorded.
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

#[derive(Debug, Args)]
struct ScoresArgs {
    /// The score sheet: member,firm,score[,note].
    file: PathBuf,
    #[command(flatten)]
    at: PanelRef,
}

#[derive(Debug, Args)]
struct DecideArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The statistical year.
    #[arg(long, value_name = "Y")]
    year: Year,
    #[command(flatten)]
    criteria: CriteriaArgs,
    #[command(flatten)]
    format: FormatArg,
}

/// Runs `shuchuang registry panel`.
pub fn run(args: PanelArgs) -> Result<()> {
    match args.command {
        PanelCommand::Create(a) => create(a),
        PanelCommand::Refer(a) => refer(a),
        PanelCommand::Recuse(a) => recuse(a),
        PanelCommand::Scores(a) => scores(a),
        PanelCommand::Results(a) => results(a),
        PanelCommand::Decide(a) => decide(a),
    }
}

fn create(a: CreateArgs) -> Result<()> {
    let name = a.roster.display().to_string();
    let members = parse_roster(input::read_text(&a.roster)?.as_bytes(), &name)?;
    let rule = ScoringRule {
        min_valid_scores: a.quorum,
        pass_mark: a.pass_mark,
        ..ScoringRule::default()
    };
    let panel = Panel::new(&a.at.panel, members, rule)?;
    let dir = a.at.store.dir();
    let lock = dir.lock()?;
    let mut store = dir.open_registry(&lock)?;
    let lines = panel_desk::create(store.as_mut(), a.at.year, &panel)?;
    let format = a.at.format.format;
    if format == Format::Json {
        return print_json(&lines);
    }
    if format == Format::Table {
        say(format!(
            "panel {} of {}: {} members; {}",
            panel.name(),
            a.at.year,
            panel.members().len(),
            panel_desk::SCORING_BASIS
        ))?;
    }
    Ok(report::panel::composition_table(&lines).print_in(format, lang())?)
}

fn refer(a: ReferArgs) -> Result<()> {
    let rules = a.criteria.load()?;
    let set = set_for(&rules, a.at.year)?;
    let listed = match &a.firms {
        Some(path) => {
            let name = path.display().to_string();
            let text = input::read_text(path)?;
            Some((name.clone(), parse_firm_list(text.as_bytes(), &name)?))
        }
        None => None,
    };
    let dir = a.at.store.dir();
    let lock = dir.lock()?;
    let mut store = dir.open_registry(&lock)?;
    let chosen = listed.as_ref().map(|(n, l)| (n.as_str(), l.as_slice()));
    let referred = panel_desk::refer(
        store.as_mut(),
        a.at.year,
        &a.at.panel,
        set,
        rules.policy(),
        chosen,
    )?;
    let format = a.at.format.format;
    if format == Format::Json {
        return print_json(&referred);
    }
    if format == Format::Table {
        say(format!(
            "panel {} of {}: {} firms referred",
            a.at.panel,
            a.at.year,
            referred.len()
        ))?;
    }
    Ok(report::panel::referred_table(&referred).print_in(format, lang())?)
}

fn recuse(a: RecuseArgs) -> Result<()> {
    let firm = EnterpriseId::parse_with(&a.firm, LegacyPolicy::Accept)
        .with_context(|| format!("'{}' is not a USCC", a.firm))?;
    let kind: TieKind = a.kind.parse()?;
    let dir = a.at.store.dir();
    let lock = dir.lock()?;
    let mut store = dir.open_registry(&lock)?;
    let added = panel_desk::recuse(
        store.as_mut(),
        a.at.year,
        &a.at.panel,
        &a.member,
        firm,
        kind,
        &a.reason,
    )?;
    say(format!(
        "member {} {} from scoring {firm} on panel {} ({})",
        a.member,
        if added {
            "recused"
        } else {
            "was already recused"
        },
        a.at.panel,
        a.reason.trim()
    ))
}

fn scores(a: ScoresArgs) -> Result<()> {
    let name = a.file.display().to_string();
    let text = input::read_text(&a.file)?;
    let dir = a.at.store.dir();
    let lock = dir.lock()?;
    let mut store = dir.open_registry(&lock)?;
    let panel = panel_desk::stored(store.as_ref(), a.at.year, &a.at.panel)?;
    let rows = parse_scores(text.as_bytes(), &name, &panel)?;
    let w = store
        .put_panel_scores(a.at.year, &a.at.panel, &rows)
        .with_context(|| format!("importing {name} (nothing written)"))?;
    if a.at.format.format == Format::Json {
        return print_json(&w);
    }
    let mut t = report::Table::new(["item", "value"]);
    t.push([report::Cell::from("file"), report::Cell::from(name)]);
    t.push([
        report::Cell::from("scores added"),
        report::Cell::from(w.added),
    ]);
    t.push([
        report::Cell::from("scores already present"),
        report::Cell::from(w.unchanged),
    ]);
    Ok(t.print_in(a.at.format.format, lang())?)
}

fn results(a: PanelRef) -> Result<()> {
    let store = a.store.dir().read_registry()?;
    let panel = panel_desk::stored(store.as_ref(), a.year, &a.panel)?;
    let scores = store.panel_scores(a.year, &a.panel)?;
    let results = panel_desk::results(&panel, &scores);
    if a.format.format == Format::Json {
        return print_json(&results);
    }
    Ok(report::panel::results_table(&results).print_in(a.format.format, lang())?)
}

fn decide(a: DecideArgs) -> Result<()> {
    let rules = a.criteria.load()?;
    let set = set_for(&rules, a.year)?;
    let dir = a.store.dir();
    let lock = dir.lock()?;
    let mut store = dir.open_registry(&lock)?;
    crate::interrupt::note(
        "the decisions are one transaction with the adjustment: nothing was committed",
    );
    let d = panel_desk::decide(store.as_mut(), a.year, set, rules.policy())
        .with_context(|| format!("deciding {} in {}", a.year, dir.registry_location()))?;
    if a.format.format == Format::Json {
        return print_json(&d);
    }
    if a.format.format == Format::Table {
        say(format!(
            "{} panel decisions for {}: {}",
            d.decisions.len(),
            d.year,
            if d.already {
                "already in the change log, nothing changed"
            } else {
                "committed with the year's adjustment"
            }
        ))?;
    }
    Ok(report::panel::decisions_table(&d).print_in(a.format.format, lang())?)
}
