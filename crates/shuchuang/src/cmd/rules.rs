//! `shuchuang rules`: rules as code with explanations — check, test, evaluate, enforce,
//! plan inspections, match benefits over the registry.
//!
//! A rule-set argument is a file path, or the name of a shipped set (`sandbox`,
//! `enforcement`, `inspection`, `benefits`), embedded in the binary.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use cultivation::facts::registry_subjects;
use registry_model::Year;
use sandbox_rules::inputs::{ExemptionLists, SuppliedFacts, Violation};
use sandbox_rules::inspection::{
    CompletedVisit, PlannedInspection, PlannerConfig, plan_with_history,
};
use sandbox_rules::{FactMap, RuleSet, run_suite, shipped};

use crate::input;
use report::rules as rules_report;

use crate::output::{Format, lang, print_json, print_shown, put, say};
use crate::store::StoreArgs;

/// Arguments of `shuchuang rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Load and validate a rule set; report overlapping rules and exceptions that never apply.
    #[command(
        after_help = "Examples:\n  shuchuang rules check enforcement\n  shuchuang rules check my-rules.toml --strict --schema --format json"
    )]
    Check(CheckArgs),
    /// Run the test cases of a rule-set folder (rules.toml + cases.toml), or of every folder
    /// below DIR.
    #[command(
        after_help = "Examples:\n  shuchuang rules test data/rules\n  shuchuang rules test data/rules/enforcement --format json"
    )]
    Test(TestArgs),
    /// Evaluate a rule set on one set of facts (TOML `name = value`).
    #[command(
        after_help = "Examples:\n  shuchuang rules eval sandbox --facts application.toml --date 2026-05-01 --explain"
    )]
    Eval(EvalArgs),
    /// Decide enforcement outcomes for a CSV of violations (行政处罚法 Art. 32/33, 免罚清单).
    #[command(
        after_help = "Examples:\n  shuchuang rules enforce --violations data/rules/enforcement/violations-example.csv --explain"
    )]
    Enforce(EnforceArgs),
    /// Plan inspections: merge per firm, cap yearly visits, non-site review, alerts.
    #[command(
        after_help = "Examples:\n  shuchuang rules inspections --plan data/rules/inspection/plan-example.csv --cap 2"
    )]
    Inspections(InspectionsArgs),
    /// Match every registry firm of a year against the benefit policies (免申即享 / 快申快享).
    #[command(
        after_help = "Examples:\n  shuchuang rules match --year 2025 --format csv\n  shuchuang rules match --year 2025 --firm 91310110666007217T --explain"
    )]
    Match(MatchArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Rule set file, or a shipped set name.
    file: String,
    /// Fail (exit 1) when the analysis finds overlaps or dead exceptions.
    #[arg(long)]
    strict: bool,
    /// Also list the schema: facts with types, parameters with their dated values, rules.
    #[arg(long)]
    schema: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct TestArgs {
    /// A folder with rules.toml and cases.toml, or a folder of such folders.
    dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Rule set file, or a shipped set name.
    file: String,
    /// Facts file (TOML).
    #[arg(long)]
    facts: PathBuf,
    /// Decision date (YYYY-MM-DD); default today.
    #[arg(long)]
    date: Option<NaiveDate>,
    /// Print the full trace: every rule, every condition with actual values, parameters.
    #[arg(long)]
    explain: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct EnforceArgs {
    /// CSV: an `id` column, an optional `date` column, one column per fact.
    #[arg(long)]
    violations: PathBuf,
    /// Rule set (default: the shipped enforcement set).
    #[arg(long, default_value = "enforcement")]
    rules: String,
    /// Your own 免罚清单: TOML with `from = DATE`, `first_offence = [codes]`, `minor = [codes]`.
    #[arg(long)]
    lists: Option<PathBuf>,
    /// Date for rows without a `date` column value; default today.
    #[arg(long)]
    date: Option<NaiveDate>,
    /// Print each decision with its full trace.
    #[arg(long)]
    explain: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct InspectionsArgs {
    /// CSV: id, firm, department, date, subject, then one column per fact of the rules.
    #[arg(long)]
    plan: PathBuf,
    /// Rule set (default: the shipped inspection set).
    #[arg(long, default_value = "inspection")]
    rules: String,
    /// Merge window in days (default: the set's merge_window_days).
    #[arg(long)]
    window_days: Option<u32>,
    /// Site visits per firm per year (default: the set's yearly_visit_cap).
    #[arg(long)]
    cap: Option<u32>,
    /// Alert above this many planned inspections per firm-year (default: the set's).
    #[arg(long)]
    alert_threshold: Option<u32>,
    /// Site visits already made (CSV: firm, department, date, subject): they count
    /// against the cap and for repeat alerts.
    #[arg(long)]
    done: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct MatchArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Statistical year: the year's annual reports and tiers.
    #[arg(long, value_name = "Y")]
    year: Year,
    /// Decision date (default: the cycle's date of the year, 1 July: `cultivation::cycle::LEDGER_DAY`).
    #[arg(long)]
    date: Option<NaiveDate>,
    /// Rule set (default: the shipped benefits set).
    #[arg(long, default_value = "benefits")]
    rules: String,
    /// Extra facts per firm (CSV with an `id` column): contracts and other facts only
    /// the firm can supply.
    #[arg(long)]
    facts: Option<PathBuf>,
    /// Only this firm (USCC).
    #[arg(long)]
    firm: Option<String>,
    /// Print each firm's decision with its full trace (why each policy applied or not).
    #[arg(long)]
    explain: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs `shuchuang rules`.
pub fn run(args: RulesArgs) -> Result<()> {
    match args.command {
        RulesCommand::Check(a) => check(a),
        RulesCommand::Test(a) => test(a),
        RulesCommand::Eval(a) => eval(a),
        RulesCommand::Enforce(a) => enforce(a),
        RulesCommand::Inspections(a) => inspections(a),
        RulesCommand::Match(a) => match_firms(a),
    }
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Loads a rule set from a path, or a shipped set by name.
pub fn load_set(arg: &str) -> Result<RuleSet> {
    let path = Path::new(arg);
    if path.exists() {
        let text = input::read_text(path)?;
        return RuleSet::from_toml(&text, &path.display().to_string())
            .with_context(|| format!("loading rule set {}", path.display()));
    }
    match shipped::ALL.iter().find(|s| s.name == arg) {
        Some(s) => s
            .load()
            .with_context(|| format!("loading shipped rule set {arg}")),
        None => bail!(
            "{arg}: no such file, and not a shipped rule set ({})",
            shipped::ALL.map(|s| s.name).join(", ")
        ),
    }
}

fn check(a: CheckArgs) -> Result<()> {
    let (strict, schema, format) = (a.strict, a.schema, a.format);
    let set = load_set(&a.file)?;
    let a = set.analyze();
    if schema && format != Format::Json {
        rules_report::schema_table(&set).print_in(format, lang())?;
    }
    if format == Format::Json {
        print_json(&rules_report::check_json(&set, &a, schema))?;
    } else {
        let t = rules_report::findings_table(&a);
        if format == Format::Table {
            say(rules_report::check_summary(&set))?;
            if t.rows.is_empty() {
                say(rules_report::NO_FINDINGS)?;
            } else {
                t.print_in(format, lang())?;
            }
        } else {
            t.print_in(format, lang())?;
        }
    }
    if strict && !a.is_clean() {
        bail!("{}: {}", set.file(), rules_report::findings_summary(&a));
    }
    Ok(())
}

fn test(a: TestArgs) -> Result<()> {
    let reports = run_suite(&a.dir)?;
    let failed: usize = reports.iter().map(|r| r.failures.len()).sum();
    let total: usize = reports.iter().map(|r| r.total).sum();
    print_shown(&reports, a.format)?;
    if failed > 0 {
        bail!("{failed} of {total} cases failed");
    }
    Ok(())
}

fn eval(a: EvalArgs) -> Result<()> {
    let (explain, format) = (a.explain, a.format);
    let set = load_set(&a.file)?;
    let text = input::read_text(&a.facts)?;
    let facts = FactMap::from_toml(&set, &text, &a.facts.display().to_string(), false)?;
    let date = a.date.unwrap_or_else(today);
    let d = if explain {
        set.explain(&facts, date)
    } else {
        set.evaluate(&facts, date)
    };
    if explain && format == Format::Table {
        return put(format!("{d}"));
    }
    print_shown(&d, format)
}

fn enforce(a: EnforceArgs) -> Result<()> {
    let (explain, format) = (a.explain, a.format);
    let mut set = load_set(&a.rules)?;
    if let Some(path) = &a.lists {
        let text = input::read_text(path)?;
        ExemptionLists::from_toml(&text, &path.display().to_string())?.apply_to(&mut set)?;
    }
    let text = input::read_text(&a.violations)?;
    let source = a.violations.display().to_string();
    let cases = Violation::read_csv(&text, &source, &set, a.date.unwrap_or_else(today))?;
    let decisions: Vec<_> = cases
        .iter()
        .map(|c| {
            let d = if explain {
                set.explain(&c.facts, c.date)
            } else {
                set.evaluate(&c.facts, c.date)
            };
            (&c.id, d)
        })
        .collect();
    if explain && format == Format::Table {
        for (id, d) in &decisions {
            say(format!("== violation {id}"))?;
            put(format!("{d}"))?;
        }
        return Ok(());
    }
    if format == Format::Json {
        return print_json(&rules_report::violations_json(
            decisions.iter().map(|(id, d)| (id.as_str(), d)),
        ));
    }
    let (t, counts) =
        rules_report::decisions_table(decisions.iter().map(|(id, d)| (id.as_str(), d)));
    t.print_in(format, lang())?;
    if format == Format::Table {
        say(rules_report::violations_summary(decisions.len(), &counts))?;
    }
    Ok(())
}

fn inspections(a: InspectionsArgs) -> Result<()> {
    let format = a.format;
    let done = match &a.done {
        Some(p) => CompletedVisit::read_csv(&input::read_text(p)?, &p.display().to_string())?,
        None => Vec::new(),
    };
    let set = load_set(&a.rules)?;
    let text = input::read_text(&a.plan)?;
    let planned = PlannedInspection::read_csv(&text, &a.plan.display().to_string(), &set)?;
    let first = planned.iter().map(|p| p.date).min().unwrap_or_else(today);
    let mut config = PlannerConfig::from_rule_set(&set, first)?;
    config.window_days = a.window_days.unwrap_or(config.window_days);
    config.yearly_cap = a.cap.unwrap_or(config.yearly_cap);
    config.repeat_alert_threshold = a.alert_threshold.unwrap_or(config.repeat_alert_threshold);
    let p = plan_with_history(&set, &planned, &done, &config)?;
    if format == Format::Json {
        return print_json(&p);
    }
    rules_report::plan_table(&p).print_in(format, lang())?;
    if format == Format::Table {
        for line in rules_report::plan_notes(&p, &config) {
            say(line)?;
        }
    }
    Ok(())
}

fn match_firms(a: MatchArgs) -> Result<()> {
    let (year, explain, format) = (a.year, a.explain, a.format);
    let set = load_set(&a.rules)?;
    let date = match a.date {
        Some(d) => d,
        None => cultivation::cycle::ledger_date(year)
            .with_context(|| format!("--year {year} is out of range"))?,
    };
    let store = a.store.dir().read_registry()?;
    if store
        .adjustment(year)
        .context("reading adjustments")?
        .is_none()
    {
        bail!(
            "the registry has no adjustment for {year}, so no tiers: run `shuchuang registry adjust --year {year}` first"
        );
    }
    let firms = store.firms().context("reading firms from the registry")?;

    // Firm-supplied facts, by id, all or nothing.
    let supplied = match &a.facts {
        Some(p) => SuppliedFacts::read_csv(&input::read_text(p)?, &p.display().to_string(), &set)?,
        None => SuppliedFacts::default(),
    };
    let mut subjects = registry_subjects(store.as_ref(), &firms, year, date)?;
    supplied.merge_into(&mut subjects)?;
    if let Some(only) = &a.firm {
        subjects.retain(|(id, _)| id == only);
        if subjects.is_empty() {
            bail!("firm {only} is not in the registry");
        }
    }
    if explain {
        if format == Format::Json {
            let all: Vec<_> = subjects
                .iter()
                .map(|(id, facts)| {
                    serde_json::json!({ "firm": id, "decision": set.explain(facts, date) })
                })
                .collect();
            return print_json(&all);
        }
        for (id, facts) in &subjects {
            say(format!("== firm {id}"))?;
            put(format!("{}", set.explain(facts, date)))?;
        }
        return Ok(());
    }
    let bar = crate::progress::spinner(&format!("matching {} firms", subjects.len()));
    let matched = sandbox_rules::match_benefits(&set, &subjects, date, true);
    bar.finish_and_clear();
    if format == Format::Json {
        return print_json(&matched);
    }
    let (t, note) = rules_report::match_table(&matched, year, date);
    t.print_in(format, lang())?;
    if format == Format::Table {
        say(note)?;
    }
    Ok(())
}
