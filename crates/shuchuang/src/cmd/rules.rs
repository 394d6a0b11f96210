//! `shuchuang rules`: rules as code with explanations — check, test, evaluate, enforce,
//! plan inspections, match benefits over the registry.
//!
//! A rule-set argument is a file path, or the name of a shipped set (`sandbox`,
//! `enforcement`, `inspection`, `benefits`), embedded in the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use registry_model::{
    AnnualReport, CriteriaBook, CriterionKind, Enterprise, Outcome, RegistryStore, Tier, Year,
};
use rust_decimal::Decimal;
use sandbox_rules::inspection::{
    CompletedVisit, PlannedInspection, PlannerConfig, plan_with_history,
};
use sandbox_rules::{FactMap, RuleSet, Status, Value, run_cases, shipped};

use crate::Context as Ctx;
use crate::output::{Format, Table, print_json};

/// The most rows a violations or plan CSV may have.
const CSV_ROWS_MAX: usize = 1_000_000;

/// Arguments of `shuchuang rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Load and validate a rule set; report overlapping rules and exceptions that never apply.
    Check {
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
    },
    /// Run the test cases of a rule-set folder (rules.toml + cases.toml), or of every folder
    /// below DIR.
    Test {
        /// A folder with rules.toml and cases.toml, or a folder of such folders.
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Evaluate a rule set on one set of facts (TOML `name = value`).
    Eval {
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
    },
    /// Decide enforcement outcomes for a CSV of violations (行政处罚法 Art. 32/33, 免罚清单).
    Enforce {
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
    },
    /// Plan inspections: merge per firm, cap yearly visits, non-site review, alerts.
    Inspections {
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
    },
    /// Match every registry firm of a year against the benefit policies (免申即享 / 快申快享).
    Match {
        /// Statistical year: the year's annual reports and tiers.
        #[arg(long)]
        year: Year,
        /// Decision date (default: the last day of the year).
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
    },
}

/// Runs `shuchuang rules`.
pub fn run(args: RulesArgs, ctx: &Ctx) -> Result<()> {
    match args.command {
        RulesCommand::Check {
            file,
            strict,
            schema,
            format,
        } => check(&file, strict, schema, format),
        RulesCommand::Test { dir, format } => test(&dir, format),
        RulesCommand::Eval {
            file,
            facts,
            date,
            explain,
            format,
        } => eval(&file, &facts, date, explain, format),
        RulesCommand::Enforce {
            violations,
            rules,
            lists,
            date,
            explain,
            format,
        } => enforce(&violations, &rules, lists.as_deref(), date, explain, format),
        RulesCommand::Inspections {
            plan,
            rules,
            window_days,
            cap,
            alert_threshold,
            done,
            format,
        } => inspections(
            &plan,
            &rules,
            PlanOverrides {
                window_days,
                cap,
                alert_threshold,
            },
            done.as_deref(),
            format,
        ),
        RulesCommand::Match {
            year,
            date,
            rules,
            facts,
            firm,
            explain,
            format,
        } => match_firms(
            ctx,
            MatchArgs {
                year,
                date,
                rules: &rules,
                extra: facts.as_deref(),
                firm: firm.as_deref(),
                explain,
            },
            format,
        ),
    }
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Loads a rule set from a path, or a shipped set by name.
pub fn load_set(arg: &str) -> Result<RuleSet> {
    let path = Path::new(arg);
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading rule set {}", path.display()))?;
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

fn type_text(t: &sandbox_rules::FactType) -> String {
    match t {
        sandbox_rules::FactType::Enumeration { values } => {
            format!("enumeration [{}]", values.join(", "))
        }
        sandbox_rules::FactType::List { values } if !values.is_empty() => {
            format!("list of [{}]", values.join(", "))
        }
        other => other.name().to_string(),
    }
}

/// Prints the set's facts, parameters (every dated value) and rules.
fn print_schema(set: &RuleSet, format: Format) -> Result<()> {
    let mut t = Table::new([
        "kind",
        "name",
        "type",
        "from",
        "value",
        "line",
        "description / citation",
    ]);
    for f in set.facts() {
        t.push([
            "fact".to_string(),
            f.name.clone(),
            type_text(&f.ty),
            String::new(),
            String::new(),
            f.line.to_string(),
            f.description.clone().unwrap_or_default(),
        ]);
    }
    for p in set.params() {
        for v in &p.values {
            t.push([
                "parameter".to_string(),
                p.name.clone(),
                type_text(&p.ty),
                v.from.to_string(),
                v.value.to_string(),
                p.line.to_string(),
                v.citation
                    .clone()
                    .or_else(|| p.citation.clone())
                    .unwrap_or_default(),
            ]);
        }
    }
    for r in set.rules() {
        let period = match (r.valid_from, r.valid_until) {
            (Some(f), Some(u)) => format!("{f}..{u}"),
            (Some(f), None) => format!("{f}.."),
            (None, Some(u)) => format!("..{u}"),
            (None, None) => String::new(),
        };
        t.push([
            if r.exception_to.is_empty() {
                "rule".to_string()
            } else {
                format!("exception to {}", r.exception_to.join(", "))
            },
            r.id.clone(),
            r.outcome.clone(),
            period,
            r.amount.clone().unwrap_or_default(),
            r.line.to_string(),
            r.citations.join("; "),
        ]);
    }
    t.print(format)
}

fn check(file: &str, strict: bool, schema: bool, format: Format) -> Result<()> {
    let set = load_set(file)?;
    let a = set.analyze();
    if schema && format != Format::Json {
        print_schema(&set, format)?;
    }
    if format == Format::Json {
        let mut out = serde_json::json!({
            "set": set.name(),
            "file": set.file(),
            "mode": set.mode(),
            "facts": set.facts().len(),
            "parameters": set.params().len(),
            "rules": set.rules().len(),
            "analysis": a,
        });
        if schema {
            out["schema"] = serde_json::json!({
                "facts": set.facts(),
                "parameters": set.params(),
                "rules": set.rules(),
            });
        }
        print_json(&out)?;
    } else {
        let mut t = Table::new(["finding", "rules", "lines", "detail"]);
        for o in &a.overlaps {
            t.push([
                "overlap".to_string(),
                format!("{} / {}", o.a, o.b),
                format!("{} / {}", o.a_line, o.b_line),
                format!(
                    "under {}: {} vs {} when {} (from {})",
                    o.under,
                    o.outcomes[0],
                    o.outcomes[1],
                    o.when.join(" and "),
                    o.from
                ),
            ]);
        }
        for dx in &a.dead_exceptions {
            t.push([
                "exception never applies".to_string(),
                dx.rule.clone(),
                dx.line.to_string(),
                format!("exception to {}: {}", dx.exception_to.join(", "), dx.reason),
            ]);
        }
        for n in &a.not_analysed {
            t.push([
                "not analysed".to_string(),
                n.clone(),
                String::new(),
                "condition too large for the analysis".to_string(),
            ]);
        }
        if format == Format::Table {
            println!(
                "{}: rule set '{}' ({:?}), {} facts, {} parameters, {} rules: valid",
                set.file(),
                set.name(),
                set.mode(),
                set.facts().len(),
                set.params().len(),
                set.rules().len()
            );
            if t.rows.is_empty() {
                println!("analysis: no overlapping rules, no exception that can never apply");
            } else {
                t.print(format)?;
            }
        } else {
            t.print(format)?;
        }
    }
    if strict && !a.is_clean() {
        bail!(
            "{}: {} overlap(s), {} exception(s) that never apply",
            set.file(),
            a.overlaps.len(),
            a.dead_exceptions.len()
        );
    }
    Ok(())
}

fn test(dir: &Path, format: Format) -> Result<()> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    let mut folders = Vec::new();
    if dir.join("rules.toml").is_file() {
        folders.push(dir.to_path_buf());
    } else {
        let mut subs: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("rules.toml").is_file())
            .collect();
        subs.sort();
        folders = subs;
    }
    if folders.is_empty() {
        bail!("{}: no rules.toml here or in its subfolders", dir.display());
    }
    let mut reports = Vec::new();
    for f in &folders {
        let rules_path = f.join("rules.toml");
        let text = std::fs::read_to_string(&rules_path)
            .with_context(|| format!("reading {}", rules_path.display()))?;
        let set = RuleSet::from_toml(&text, &rules_path.display().to_string())?;
        let mut case_files: Vec<PathBuf> = std::fs::read_dir(f)
            .with_context(|| format!("reading {}", f.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "toml")
                    && p.file_name().is_some_and(|n| n != "rules.toml")
            })
            .collect();
        case_files.sort();
        if case_files.is_empty() {
            bail!(
                "{}: no cases file (cases.toml) beside rules.toml",
                f.display()
            );
        }
        for cf in case_files {
            let ctext = std::fs::read_to_string(&cf)
                .with_context(|| format!("reading {}", cf.display()))?;
            reports.push(run_cases(&set, &ctext, &cf.display().to_string())?);
        }
    }
    let failed: usize = reports.iter().map(|r| r.failures.len()).sum();
    let total: usize = reports.iter().map(|r| r.total).sum();
    if format == Format::Json {
        print_json(&reports)?;
    } else {
        let mut t = Table::new(["set", "file", "cases", "passed", "failed"]);
        for r in &reports {
            t.push([
                r.set.clone(),
                r.file.clone(),
                r.total.to_string(),
                r.passed.to_string(),
                r.failures.len().to_string(),
            ]);
        }
        t.print(format)?;
        if format == Format::Table {
            for r in &reports {
                for fl in &r.failures {
                    println!("FAIL {}:{}: {}", r.file, fl.line, fl.name);
                    for p in &fl.problems {
                        println!("    {p}");
                    }
                }
            }
            println!(
                "{} cases, {} passed, {failed} failed",
                total,
                total - failed
            );
        }
    }
    if failed > 0 {
        bail!("{failed} of {total} cases failed");
    }
    Ok(())
}

fn eval(
    file: &str,
    facts_path: &Path,
    date: Option<NaiveDate>,
    explain: bool,
    format: Format,
) -> Result<()> {
    let set = load_set(file)?;
    let text = std::fs::read_to_string(facts_path)
        .with_context(|| format!("reading facts {}", facts_path.display()))?;
    let facts = FactMap::from_toml(&set, &text, &facts_path.display().to_string(), false)?;
    let date = date.unwrap_or_else(today);
    let d = if explain {
        set.explain(&facts, date)
    } else {
        set.evaluate(&facts, date)
    };
    match format {
        Format::Json => print_json(&d)?,
        Format::Table if explain => print!("{d}"),
        _ => {
            let mut t = Table::new([
                "policy",
                "rule",
                "outcome",
                "program",
                "amount_yuan",
                "measures",
                "citations",
                "missing",
            ]);
            for g in &d.granted {
                t.push([
                    g.policy.clone(),
                    g.rule.clone(),
                    g.outcome.clone(),
                    g.program.clone().unwrap_or_default(),
                    g.amount_yuan.map(|a| a.to_string()).unwrap_or_default(),
                    g.measures.join("; "),
                    g.citations.join("; "),
                    String::new(),
                ]);
            }
            for p in &d.pending {
                t.push([
                    p.policy.clone(),
                    String::new(),
                    format!("pending: {}", p.outcome),
                    p.program.clone().unwrap_or_default(),
                    String::new(),
                    String::new(),
                    String::new(),
                    p.missing.join("; "),
                ]);
            }
            for c in &d.conflicts {
                t.push([
                    c.under.clone(),
                    c.rules.join(" / "),
                    format!("CONFLICT: {}", c.outcomes.join(" / ")),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            if format == Format::Table {
                println!(
                    "{} on {}: {}",
                    d.set,
                    d.date,
                    status_text(d.status, d.outcome.as_deref())
                );
            }
            t.print(format)?;
        }
    }
    Ok(())
}

fn status_text(s: Status, outcome: Option<&str>) -> String {
    match s {
        Status::Decided => format!("decided: {}", outcome.unwrap_or("")),
        Status::Default => format!("default: {}", outcome.unwrap_or("")),
        Status::NoDecision => "no rule applies".to_string(),
        Status::Conflict => "CONFLICT".to_string(),
        Status::Undetermined => "undetermined (facts missing)".to_string(),
        Status::Matched => "matched".to_string(),
    }
}

/// A CSV row: its line in the file and its cells.
type Row = (usize, Vec<String>);

/// Reads a CSV into its header and rows, all or nothing.
fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Row>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let header: Vec<String> = rdr
        .headers()
        .with_context(|| format!("{}: header", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("reading {}", path.display()))?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        if rows.len() >= CSV_ROWS_MAX {
            bail!("{}: more than {CSV_ROWS_MAX} rows", path.display());
        }
        rows.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok((header, rows))
}

/// Refuses columns that are neither reserved nor facts of the set: a misspelt column would
/// otherwise leave its fact silently missing.
fn check_columns(set: &RuleSet, header: &[String], reserved: &[&str], file: &Path) -> Result<()> {
    for h in header {
        if !reserved.contains(&h.as_str()) && set.fact_type(h).is_none() {
            let mut known: Vec<&str> = set.facts().iter().map(|f| f.name.as_str()).collect();
            known.sort_unstable();
            bail!(
                "{}:1: column '{h}' is not a fact of rule set '{}' (facts: {}; reserved: {})",
                file.display(),
                set.name(),
                known.join(", "),
                reserved.join(", ")
            );
        }
    }
    Ok(())
}

fn cell<'a>(header: &[String], row: &'a [String], name: &str) -> Option<&'a str> {
    header
        .iter()
        .position(|h| h == name)
        .and_then(|i| row.get(i))
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

fn parse_date(text: &str, file: &Path, line: usize, column: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| {
        format!(
            "{}:{line}: column '{column}': '{text}' is not a date (YYYY-MM-DD)",
            file.display()
        )
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Lists {
    from: toml::value::Datetime,
    #[serde(default)]
    first_offence: Option<Vec<String>>,
    #[serde(default)]
    minor: Option<Vec<String>>,
    citation: Option<String>,
}

fn enforce(
    violations: &Path,
    rules: &str,
    lists: Option<&Path>,
    date: Option<NaiveDate>,
    explain: bool,
    format: Format,
) -> Result<()> {
    let mut set = load_set(rules)?;
    if let Some(lp) = lists {
        let text = std::fs::read_to_string(lp)
            .with_context(|| format!("reading lists {}", lp.display()))?;
        let l: Lists = toml::from_str(&text).with_context(|| format!("{}", lp.display()))?;
        let from = NaiveDate::parse_from_str(&l.from.to_string(), "%Y-%m-%d")
            .with_context(|| format!("{}: from = {} is not a date", lp.display(), l.from))?;
        let cite = l
            .citation
            .clone()
            .or_else(|| Some(format!("免罚清单 from {}", lp.display())));
        if let Some(codes) = l.first_offence {
            set.set_param("first_offence_list", from, Value::List(codes), cite.clone())
                .with_context(|| format!("{}: first_offence", lp.display()))?;
        }
        if let Some(codes) = l.minor {
            set.set_param("minor_list", from, Value::List(codes), cite)
                .with_context(|| format!("{}: minor", lp.display()))?;
        }
    }
    let (header, rows) = read_csv(violations)?;
    if !header.iter().any(|h| h == "id") {
        bail!("{}: needs an 'id' column", violations.display());
    }
    check_columns(&set, &header, &["id", "date", "note"], violations)?;
    let default_date = date.unwrap_or_else(today);
    let source = violations.display().to_string();
    // Parse every row first: one bad row refuses the whole file.
    let mut cases = Vec::with_capacity(rows.len());
    for (line, row) in &rows {
        let id = cell(&header, row, "id")
            .with_context(|| format!("{source}:{line}: empty id"))?
            .to_string();
        let day = match cell(&header, row, "date") {
            Some(t) => parse_date(t, violations, *line, "date")?,
            None => default_date,
        };
        let pairs = header
            .iter()
            .zip(row)
            .filter(|(h, _)| !["id", "date", "note"].contains(&h.as_str()))
            .map(|(h, c)| (h.as_str(), c.as_str()));
        let facts = FactMap::from_text_pairs(&set, pairs, &source, *line)?;
        cases.push((id, day, facts));
    }
    let decisions: Vec<_> = cases
        .iter()
        .map(|(id, day, f)| {
            let d = if explain {
                set.explain(f, *day)
            } else {
                set.evaluate(f, *day)
            };
            (id, d)
        })
        .collect();
    if explain && format == Format::Table {
        for (id, d) in &decisions {
            println!("== violation {id}");
            print!("{d}");
        }
        return Ok(());
    }
    if format == Format::Json {
        let out: Vec<_> = decisions
            .iter()
            .map(|(id, d)| serde_json::json!({ "id": id, "decision": d }))
            .collect();
        return print_json(&out);
    }
    let mut t = Table::new([
        "id",
        "date",
        "outcome",
        "rule",
        "measures",
        "citations",
        "missing",
    ]);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (id, d) in &decisions {
        let g = d.grant();
        let outcome = d
            .outcome
            .clone()
            .unwrap_or_else(|| status_text(d.status, None));
        *counts.entry(outcome.clone()).or_default() += 1;
        t.push([
            (*id).clone(),
            d.date.to_string(),
            outcome,
            g.map(|g| g.rule.clone()).unwrap_or_default(),
            g.map(|g| g.measures.join("; ")).unwrap_or_default(),
            g.map(|g| g.citations.join("; ")).unwrap_or_default(),
            d.missing_facts.join("; "),
        ]);
    }
    t.print(format)?;
    if format == Format::Table {
        let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        println!("{} violations: {}", decisions.len(), summary.join(", "));
    }
    Ok(())
}

/// Command-line overrides of the planner's parameters.
struct PlanOverrides {
    window_days: Option<u32>,
    cap: Option<u32>,
    alert_threshold: Option<u32>,
}

/// Reads visits already made: firm, department, date, subject.
fn read_done(path: &Path) -> Result<Vec<CompletedVisit>> {
    let (header, rows) = read_csv(path)?;
    for col in ["firm", "department", "date", "subject"] {
        if !header.iter().any(|h| h == col) {
            bail!("{}: needs a '{col}' column", path.display());
        }
    }
    let source = path.display().to_string();
    let mut out = Vec::with_capacity(rows.len());
    for (line, row) in &rows {
        let get = |c: &str| -> Result<String> {
            cell(&header, row, c)
                .map(str::to_string)
                .with_context(|| format!("{source}:{line}: empty '{c}'"))
        };
        out.push(CompletedVisit {
            firm: get("firm")?,
            department: get("department")?,
            date: parse_date(&get("date")?, path, *line, "date")?,
            subject: get("subject")?,
        });
    }
    Ok(out)
}

fn inspections(
    plan_path: &Path,
    rules: &str,
    overrides: PlanOverrides,
    done_path: Option<&Path>,
    format: Format,
) -> Result<()> {
    let PlanOverrides {
        window_days,
        cap,
        alert_threshold,
    } = overrides;
    let done = match done_path {
        Some(p) => read_done(p)?,
        None => Vec::new(),
    };
    let set = load_set(rules)?;
    let (header, rows) = read_csv(plan_path)?;
    for col in ["id", "firm", "department", "date", "subject"] {
        if !header.iter().any(|h| h == col) {
            bail!("{}: needs a '{col}' column", plan_path.display());
        }
    }
    check_columns(
        &set,
        &header,
        &["id", "firm", "department", "date", "subject", "note"],
        plan_path,
    )?;
    let source = plan_path.display().to_string();
    let mut planned = Vec::with_capacity(rows.len());
    for (line, row) in &rows {
        let get = |c: &str| -> Result<String> {
            cell(&header, row, c)
                .map(str::to_string)
                .with_context(|| format!("{source}:{line}: empty '{c}'"))
        };
        let date = parse_date(&get("date")?, plan_path, *line, "date")?;
        let pairs = header
            .iter()
            .zip(row)
            .filter(|(h, _)| {
                !["id", "firm", "department", "date", "subject", "note"].contains(&h.as_str())
            })
            .map(|(h, c)| (h.as_str(), c.as_str()));
        planned.push(PlannedInspection {
            id: get("id")?,
            firm: get("firm")?,
            department: get("department")?,
            date,
            subject: get("subject")?,
            facts: FactMap::from_text_pairs(&set, pairs, &source, *line)?,
        });
    }
    let first = planned.iter().map(|p| p.date).min().unwrap_or_else(today);
    let mut config = PlannerConfig::from_rule_set(&set, first)?;
    if let Some(w) = window_days {
        config.window_days = w;
    }
    if let Some(c) = cap {
        config.yearly_cap = c;
    }
    if let Some(a) = alert_threshold {
        config.repeat_alert_threshold = a;
    }
    let p = plan_with_history(&set, &planned, &done, &config)?;
    if format == Format::Json {
        return print_json(&p);
    }
    let mut t = Table::new([
        "joint",
        "firm",
        "date",
        "mode",
        "mandatory",
        "departments",
        "subjects",
        "replaces",
    ]);
    for j in &p.inspections {
        t.push([
            j.id.clone(),
            j.firm.clone(),
            j.date.to_string(),
            match j.mode {
                sandbox_rules::InspectionMode::Site => "site visit".to_string(),
                sandbox_rules::InspectionMode::NonSite => "non-site review".to_string(),
            },
            if j.mandatory { "yes" } else { "no" }.to_string(),
            j.departments.join("; "),
            j.subjects.join("; "),
            j.members.join("; "),
        ]);
    }
    t.print(format)?;
    if format == Format::Table {
        for a in &p.alerts {
            println!("alert [{:?}] {} {}: {}", a.kind, a.firm, a.year, a.message);
        }
        let s = p.summary;
        println!(
            "{} planned inspections of {} firms: site visits {} before, {} after ({} already made this year); {} non-site reviews; {} mandatory kept; {} cap breaches (window {} days, cap {} per year)",
            s.planned,
            s.firms,
            s.visits_before,
            s.visits_after,
            s.visits_done,
            s.non_site_reviews,
            s.mandatory,
            s.cap_breaches,
            config.window_days,
            config.yearly_cap
        );
    }
    Ok(())
}

/// A registry firm's facts for the benefit rules on `date` (the `Facts` adapter the `cycle`
/// command can share): tier (`none` when the firm holds no tier), province, region,
/// revenue_yuan, rd_spend_yuan, rd_ratio, staff, tech_staff_share, high_tech (the
/// high-tech criterion's verdict, left unknown when it cannot tell), age_years, listed.
/// A fact the report does not give is left out, so rules list it as missing.
pub fn firm_facts(
    firm: &Enterprise,
    report: Option<&AnnualReport>,
    tier: Option<Tier>,
    high_tech: Option<bool>,
    date: NaiveDate,
) -> FactMap {
    let mut f = FactMap::new();
    f.insert("tier", tier.map(Tier::key).unwrap_or("none"));
    let region = firm.region();
    f.insert("province", region.province_code());
    f.insert("region", region.as_str());
    f.insert("age_years", firm.age_years_on(date));
    if let Some(h) = high_tech {
        f.insert("high_tech", h);
    }
    if let Some(r) = report {
        let revenue = r.revenue_yuan.map(|m| m.yuan());
        let rd = r.rd_spend_yuan.map(|m| m.yuan());
        if let Some(v) = revenue {
            f.insert("revenue_yuan", Value::Money(v));
        }
        if let Some(v) = rd {
            f.insert("rd_spend_yuan", Value::Money(v));
        }
        if let (Some(rev), Some(rd)) = (revenue, rd) {
            if rev > Decimal::ZERO {
                if let Some(ratio) = rd.checked_div(rev) {
                    f.insert("rd_ratio", Value::Percent(ratio));
                }
            }
        }
        if let Some(s) = r.staff {
            f.insert("staff", i64::from(s));
            if let (Some(t), true) = (r.tech_staff, s > 0) {
                f.insert(
                    "tech_staff_share",
                    Value::Percent(Decimal::from(t) / Decimal::from(s)),
                );
            }
        }
        if let Some(l) = r.listed {
            f.insert("listed", l);
        }
    }
    f
}

/// Every registry firm's facts for the benefit rules of `year` on `date`, sorted by id: the
/// registry side of `rules match` and of the annual cycle. High-tech status is the verdict of
/// the high-tech criterion of the year's criteria set (unknown when it cannot tell).
pub fn registry_subjects(
    store: &dyn RegistryStore,
    firms: &[Enterprise],
    year: Year,
    date: NaiveDate,
) -> Result<Vec<(String, FactMap)>> {
    let reports = store
        .reports_between(year - 3, year)
        .context("reading annual reports from the registry")?;
    let standings = store.standings(year).context("reading tiers")?;
    let book = CriteriaBook::embedded().context("loading the criteria")?;
    let criteria = book
        .for_year(year)
        .with_context(|| format!("criteria for {year}"))?;
    let mut by_firm: BTreeMap<registry_model::EnterpriseId, Vec<&AnnualReport>> = BTreeMap::new();
    for r in &reports {
        by_firm.entry(r.id).or_default().push(r);
    }
    let mut subjects: Vec<(String, FactMap)> = Vec::with_capacity(firms.len());
    for firm in firms {
        let theirs = by_firm.get(&firm.id).cloned().unwrap_or_default();
        let report = theirs.iter().copied().find(|r| r.year == year);
        let ev = registry_model::Evidence::from_refs(firm, year, theirs.iter().copied());
        let high_tech = match criteria
            .evaluate_one(CriterionKind::HighTechEnterprise, &ev)
            .outcome
        {
            Outcome::Met => Some(true),
            Outcome::NotMet => Some(false),
            Outcome::CannotTell => None,
        };
        let tier = standings.get(&firm.id).and_then(|s| s.tier);
        let facts = firm_facts(firm, report, tier, high_tech, date);
        subjects.push((firm.id.to_string(), facts));
    }
    subjects.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(subjects)
}

/// Options of `rules match`.
struct MatchArgs<'a> {
    year: Year,
    date: Option<NaiveDate>,
    rules: &'a str,
    extra: Option<&'a Path>,
    firm: Option<&'a str>,
    explain: bool,
}

fn match_firms(ctx: &Ctx, args: MatchArgs<'_>, format: Format) -> Result<()> {
    let MatchArgs {
        year,
        date,
        rules,
        extra,
        firm,
        explain,
    } = args;
    let set = load_set(rules)?;
    let date = match date {
        Some(d) => d,
        None => NaiveDate::from_ymd_opt(year, 12, 31)
            .with_context(|| format!("--year {year} is out of range"))?,
    };
    let store = crate::cmd::registry::open_store(&ctx.data_dir, false)?;
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
    let mut supplied: BTreeMap<String, FactMap> = BTreeMap::new();
    if let Some(p) = extra {
        let (header, rows) = read_csv(p)?;
        if !header.iter().any(|h| h == "id") {
            bail!("{}: needs an 'id' column", p.display());
        }
        check_columns(&set, &header, &["id", "name"], p)?;
        let source = p.display().to_string();
        for (line, row) in &rows {
            let id = cell(&header, row, "id")
                .with_context(|| format!("{source}:{line}: empty id"))?
                .to_string();
            let pairs = header
                .iter()
                .zip(row)
                .filter(|(h, _)| !["id", "name"].contains(&h.as_str()))
                .map(|(h, c)| (h.as_str(), c.as_str()));
            if supplied.contains_key(&id) {
                bail!("{source}:{line}: firm {id} appears twice");
            }
            supplied.insert(id, FactMap::from_text_pairs(&set, pairs, &source, *line)?);
        }
    }

    let mut subjects = registry_subjects(&store, &firms, year, date)?;
    for (id, facts) in &mut subjects {
        if let Some(extra) = supplied.get(id.as_str()) {
            for (k, v) in extra.iter() {
                facts.insert(k, v.clone());
            }
        }
    }
    let known: std::collections::BTreeSet<&str> = subjects.iter().map(|s| s.0.as_str()).collect();
    if let Some(stray) = supplied.keys().find(|k| !known.contains(k.as_str())) {
        bail!(
            "{}: firm {stray} is not in the registry",
            extra.map(|p| p.display().to_string()).unwrap_or_default()
        );
    }
    if let Some(only) = firm {
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
            println!("== firm {id}");
            print!("{}", set.explain(facts, date));
        }
        return Ok(());
    }
    let bar = crate::progress::spinner(&format!("matching {} firms", subjects.len()));
    let matched = sandbox_rules::match_benefits(&set, &subjects, date, true);
    bar.finish_and_clear();
    if format == Format::Json {
        return print_json(&matched);
    }
    let mut t = Table::new([
        "firm",
        "policy",
        "status",
        "program",
        "amount_yuan",
        "missing",
        "reasons",
    ]);
    let mut granted_total = Decimal::ZERO;
    let (mut n_granted, mut n_pending) = (0usize, 0usize);
    for m in &matched {
        for g in &m.granted {
            n_granted += 1;
            granted_total = granted_total.saturating_add(g.amount_yuan.unwrap_or_default());
            t.push([
                m.firm.clone(),
                g.policy.clone(),
                "granted without application".to_string(),
                g.program.clone().unwrap_or_default(),
                g.amount_yuan.map(|a| a.to_string()).unwrap_or_default(),
                String::new(),
                g.reasons.join("; "),
            ]);
        }
        for p in &m.pending {
            n_pending += 1;
            t.push([
                m.firm.clone(),
                p.policy.clone(),
                "missing facts (快申快享)".to_string(),
                p.program.clone().unwrap_or_default(),
                String::new(),
                p.missing.join("; "),
                String::new(),
            ]);
        }
        for c in &m.conflicts {
            t.push([
                m.firm.clone(),
                c.under.clone(),
                format!("CONFLICT {}", c.rules.join(" / ")),
                String::new(),
                String::new(),
                String::new(),
                c.outcomes.join(" / "),
            ]);
        }
    }
    t.print(format)?;
    if format == Format::Table {
        println!(
            "{} firms, year {year}, rules on {date}: {n_granted} benefits granted without application (¥{granted_total}), {n_pending} pending on missing facts",
            matched.len()
        );
    }
    Ok(())
}
