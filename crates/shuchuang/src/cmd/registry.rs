//! `shuchuang registry`: the cultivation registry (培育库) in DATA_DIR/registry.sqlite.
//!
//! - `init`: create the store (WAL, versioned schema);
//! - `generate --count N --years A..B --seed S`: a synthetic cohort into the store (or `--csv`);
//! - `import FILE`: a firm-year CSV, all or nothing;
//! - `adjust --year Y`: the yearly adjustment; prints the change log and the counts;
//! - `show USCC`, `history USCC`, `list --year Y --tier T`, `validate-id CODE`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::csvio::{import_csv, write_csv};
use registry_model::{
    Adjustment, Change, CriteriaBook, CriteriaSet, EnterpriseId, Evidence, LegacyPolicy,
    RegistryStore, RulePolicy, SqliteStore, Tier, TierPolicy, Year,
};
use serde::Serialize;

use crate::Context;
use crate::output::{Format, Table, print_json};
use crate::progress;

/// File name of the registry store inside the data directory.
pub const REGISTRY_FILE: &str = "registry.sqlite";

/// The registry store's path for a data directory.
pub fn registry_path(data_dir: &Path) -> PathBuf {
    data_dir.join(REGISTRY_FILE)
}

/// Opens the registry store, creating the directory and the file when `create` is set.
pub fn open_store(data_dir: &Path, create: bool) -> Result<SqliteStore> {
    let path = registry_path(data_dir);
    if !path.exists() {
        if !create {
            bail!(
                "no registry at {}: run `shuchuang --data-dir {} registry init` first",
                path.display(),
                data_dir.display()
            );
        }
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating data directory {}", data_dir.display()))?;
    }
    SqliteStore::open(&path).with_context(|| format!("opening registry {}", path.display()))
}

/// Arguments of `shuchuang registry`.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
enum RegistryCommand {
    /// Create the registry store in the data directory (no-op when it exists).
    Init,
    /// Generate a seeded synthetic cohort of firms and reports into the store.
    Generate(GenerateArgs),
    /// Import a firm-year CSV (uscc,name,founded,year,FACT…); one bad row rejects the file.
    Import(ImportArgs),
    /// Run the yearly adjustment: recompute every firm's tier, print the change log and counts.
    Adjust(AdjustArgs),
    /// One firm: its report and every criterion's verdict with thresholds and citations.
    Show(ShowArgs),
    /// One firm's tier in every adjusted year, and why.
    History(HistoryArgs),
    /// Firms and their tiers in an adjusted year.
    List(ListArgs),
    /// Check a Unified Social Credit Code and show its parts.
    ValidateId(ValidateArgs),
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Number of firms.
    #[arg(long, default_value_t = 2000)]
    count: usize,
    /// Statistical years with reports, as FIRST..LAST (e.g. 2021..2025).
    #[arg(long, default_value = "2021..2025")]
    years: String,
    /// Seed; the same seed gives the same cohort.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// Write the cohort to this CSV file instead of the store.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Output format for the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    /// Accept legacy pilot codes whose check character is wrong (they are flagged).
    #[arg(long)]
    accept_legacy: bool,
    /// Output format for the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct CriteriaArgs {
    /// Criteria set id among the shipped ones (default: the set in force at the year's end).
    #[arg(long)]
    criteria_set: Option<String>,
    /// A criteria-set TOML file to use instead of the shipped sets.
    #[arg(long, conflicts_with = "criteria_set")]
    criteria: Option<PathBuf>,
    /// A tier-policy TOML file (default: the shipped data/registry/tier-policy.toml).
    #[arg(long)]
    policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct AdjustArgs {
    /// The statistical year to adjust.
    #[arg(long)]
    year: Year,
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// In the table, also list firms that stay outside the registry.
    #[arg(long)]
    all: bool,
    /// Compute and print the change log without committing it.
    #[arg(long)]
    dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The firm's USCC.
    uscc: String,
    /// Year judged (default: the firm's latest report).
    #[arg(long)]
    year: Option<Year>,
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    /// The firm's USCC.
    uscc: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// An adjusted year.
    #[arg(long)]
    year: Year,
    /// Only this tier (potential, growth, leading; or `none` for firms without a tier).
    #[arg(long)]
    tier: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// The code to check.
    code: String,
    /// Accept a legacy pilot code whose only fault is the check character (flagged).
    #[arg(long)]
    accept_legacy: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs `shuchuang registry`.
pub fn run(args: RegistryArgs, ctx: &Context) -> Result<()> {
    match args.command {
        RegistryCommand::Init => init(ctx),
        RegistryCommand::Generate(a) => generate(a, ctx),
        RegistryCommand::Import(a) => import(a, ctx),
        RegistryCommand::Adjust(a) => adjust(a, ctx),
        RegistryCommand::Show(a) => show(a, ctx),
        RegistryCommand::History(a) => history(a, ctx),
        RegistryCommand::List(a) => list(a, ctx),
        RegistryCommand::ValidateId(a) => validate_id(a),
    }
}

fn init(ctx: &Context) -> Result<()> {
    let path = registry_path(&ctx.data_dir);
    let existed = path.exists();
    let store = open_store(&ctx.data_dir, true)?;
    let version = store.schema_version()?;
    println!(
        "{} registry {} (schema version {version}, WAL, synchronous=FULL)",
        if existed {
            "opened existing"
        } else {
            "created"
        },
        path.display()
    );
    Ok(())
}

/// Parses `A..B` (also `A..=B`, or a single year).
fn parse_years(text: &str) -> Result<(Year, Year)> {
    let t = text.trim();
    let (a, b) = match t.split_once("..") {
        Some((a, b)) => (a, b.trim_start_matches('=')),
        None => (t, t),
    };
    let a: Year = a
        .trim()
        .parse()
        .with_context(|| format!("--years '{text}': '{a}' is not a year"))?;
    let b: Year = b
        .trim()
        .parse()
        .with_context(|| format!("--years '{text}': '{b}' is not a year"))?;
    if a > b {
        bail!("--years '{text}': the first year is after the last");
    }
    Ok((a, b))
}

fn summary_table(rows: &[(&str, String)]) -> Table {
    let mut t = Table::new(["item", "value"]);
    for (k, v) in rows {
        t.push([k.to_string(), v.clone()]);
    }
    t
}

fn generate(a: GenerateArgs, ctx: &Context) -> Result<()> {
    let (first_year, last_year) = parse_years(&a.years)?;
    let spec = CohortSpec {
        count: a.count,
        first_year,
        last_year,
        seed: a.seed,
    };
    let sp = progress::spinner("generating");
    let (firms, reports) = generate_cohort(&spec).context("generating the cohort")?;
    sp.finish_and_clear();
    let mut rows = vec![
        ("firms", firms.len().to_string()),
        ("reports", reports.len().to_string()),
        ("years", format!("{first_year}..{last_year}")),
        ("seed", a.seed.to_string()),
    ];
    if let Some(path) = &a.csv {
        let f =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        write_csv(std::io::BufWriter::new(f), &firms, &reports)
            .with_context(|| format!("writing {}", path.display()))?;
        rows.push(("written to", path.display().to_string()));
    } else {
        let mut store = open_store(&ctx.data_dir, true)?;
        let sp = progress::spinner("writing");
        let s = store
            .insert(&firms, &reports)
            .with_context(|| format!("writing the cohort into {}", store.path().display()))?;
        sp.finish_and_clear();
        rows.push(("firms added", s.firms_added.to_string()));
        rows.push(("firms already present", s.firms_unchanged.to_string()));
        rows.push(("reports added", s.reports_added.to_string()));
        rows.push(("store", store.path().display().to_string()));
    }
    summary_table(&rows).print(a.format)
}

fn import(a: ImportArgs, ctx: &Context) -> Result<()> {
    let mut store = open_store(&ctx.data_dir, true)?;
    let policy = if a.accept_legacy {
        LegacyPolicy::Accept
    } else {
        LegacyPolicy::Reject
    };
    let sp = progress::spinner("importing");
    let s = import_csv(&mut store, &a.file, policy)
        .with_context(|| format!("importing {}", a.file.display()))?;
    sp.finish_and_clear();
    summary_table(&[
        ("file", a.file.display().to_string()),
        ("firms added", s.firms_added.to_string()),
        ("firms already present", s.firms_unchanged.to_string()),
        ("reports added", s.reports_added.to_string()),
    ])
    .print(a.format)
}

/// The criteria book and policy chosen on the command line.
struct Rules {
    book: CriteriaBook,
    forced: Option<String>,
    policy: RulePolicy,
}

impl Rules {
    fn load(c: &CriteriaArgs) -> Result<Self> {
        let (book, forced) = match &c.criteria {
            Some(path) => {
                let set = CriteriaSet::from_path(path)
                    .with_context(|| format!("reading criteria set {}", path.display()))?;
                let id = set.id().to_string();
                (CriteriaBook::new(vec![set])?, Some(id))
            }
            None => (
                CriteriaBook::embedded().context("loading the shipped criteria sets")?,
                c.criteria_set.clone(),
            ),
        };
        if let Some(id) = &forced {
            book.get(id)?;
        }
        let policy = match &c.policy {
            Some(p) => RulePolicy::from_path(p)
                .with_context(|| format!("reading tier policy {}", p.display()))?,
            None => RulePolicy::default_policy().context("loading the shipped tier policy")?,
        };
        Ok(Self {
            book,
            forced,
            policy,
        })
    }

    fn set_for(&self, year: Year) -> Result<&CriteriaSet> {
        match &self.forced {
            Some(id) => Ok(self.book.get(id)?),
            None => self.book.for_year(year).with_context(|| {
                format!(
                    "choosing criteria for {year} (pass --criteria-set or --criteria to pick one)"
                )
            }),
        }
    }
}

fn tier_text(t: Option<Tier>) -> String {
    t.map_or_else(
        || "-".to_string(),
        |t| format!("{} {}", t.key(), t.name_zh()),
    )
}

fn tier_key(t: Option<Tier>) -> String {
    t.map_or_else(String::new, |t| t.key().to_string())
}

#[derive(Serialize)]
struct AdjustOutput<'a> {
    year: Year,
    criteria_set: &'a str,
    policy: &'a str,
    counts: registry_model::AdjustmentCounts,
    entries: &'a [registry_model::ChangeEntry],
}

/// The change log of an adjustment as a table (`all`: also the firms not admitted), shared
/// with the cycle's report.
pub fn change_log_table(
    adj: &Adjustment,
    names: &dyn Fn(&EnterpriseId) -> String,
    all: bool,
) -> Table {
    let mut t = Table::new([
        "uscc",
        "name",
        "from",
        "to",
        "change",
        "grace",
        "borderline",
        "stage",
        "reasons",
        "missing",
    ]);
    for e in &adj.entries {
        if !all && e.change == Change::NotAdmitted {
            continue;
        }
        t.push([
            e.id.to_string(),
            names(&e.id),
            tier_key(e.from),
            tier_key(e.to),
            e.change.key().to_string(),
            e.grace.to_string(),
            e.borderline.to_string(),
            e.stage.map_or_else(String::new, |s| s.key().to_string()),
            e.reasons.join("; "),
            e.missing.join("; "),
        ]);
    }
    t
}

fn adjust(a: AdjustArgs, ctx: &Context) -> Result<()> {
    let mut store = open_store(&ctx.data_dir, false)?;
    let rules = Rules::load(&a.criteria)?;
    let set = rules.set_for(a.year)?;
    let sp = progress::spinner("adjusting");
    let adj = if a.dry_run {
        dry_run(&store, a.year, set, &rules.policy)
    } else {
        store
            .adjust(a.year, set, &rules.policy)
            .map_err(anyhow::Error::new)
    }
    .with_context(|| format!("adjusting {} in {}", a.year, store.path().display()))?;
    sp.finish_and_clear();
    let counts = adj.counts();
    match a.format {
        Format::Json => print_json(&AdjustOutput {
            year: adj.year,
            criteria_set: &adj.criteria_set,
            policy: &adj.policy,
            counts,
            entries: &adj.entries,
        }),
        Format::Csv => change_log_table(&adj, &|_| String::new(), true).print(Format::Csv),
        Format::Table => {
            let names: std::collections::HashMap<EnterpriseId, String> =
                store.firms()?.into_iter().map(|f| (f.id, f.name)).collect();
            let name_of = |id: &EnterpriseId| names.get(id).cloned().unwrap_or_default();
            println!(
                "adjustment {} under criteria set {} and policy {} ({})",
                adj.year,
                adj.criteria_set,
                rules.policy.id(),
                if a.dry_run {
                    "dry run, not committed"
                } else {
                    "committed"
                }
            );
            change_log_table(&adj, &name_of, a.all).print(Format::Table)?;
            let mut per_tier = Table::new(["tier", "firms"]);
            for (t, n) in Tier::ALL.iter().zip(counts.per_tier) {
                per_tier.push([format!("{} {}", t.key(), t.name_zh()), n.to_string()]);
            }
            per_tier.push(["no tier".to_string(), counts.untiered.to_string()]);
            per_tier.print(Format::Table)?;
            let mut per_change = Table::new(["change", "firms"]);
            for (c, n) in Change::ALL.iter().zip(counts.per_change) {
                per_change.push([format!("{} {}", c.key(), c.name_zh()), n.to_string()]);
            }
            per_change.push(["of which on grace".to_string(), counts.grace.to_string()]);
            per_change.push([
                "referred to the panel".to_string(),
                counts.borderline.to_string(),
            ]);
            per_change.push(["total".to_string(), counts.firms.to_string()]);
            per_change.print(Format::Table)
        }
    }
}

/// The adjustment `store.adjust` would commit, computed without writing.
fn dry_run(
    store: &SqliteStore,
    year: Year,
    set: &CriteriaSet,
    policy: &RulePolicy,
) -> Result<Adjustment> {
    let last = store.last_adjusted_year()?;
    registry_model::store::check_order(year, last)?;
    let firms = store.firms()?;
    let reports = store.reports_between(year - 3, year)?;
    let prior = match last {
        Some(y) => store.standings(y)?,
        None => std::collections::HashMap::new(),
    };
    Ok(registry_model::run_adjustment(
        year, &firms, &reports, &prior, set, policy,
    )?)
}

fn parse_id(text: &str) -> Result<EnterpriseId> {
    EnterpriseId::parse_with(text, LegacyPolicy::Accept)
        .with_context(|| format!("'{text}' is not a USCC"))
}

#[derive(Serialize)]
struct ShowOutput<'a> {
    firm: &'a registry_model::Enterprise,
    province: Option<&'static str>,
    year: Year,
    report: Option<&'a registry_model::AnnualReport>,
    verdicts: &'a registry_model::Verdicts<'a>,
    decision: &'a registry_model::TierDecision,
    policy: &'a str,
}

fn show(a: ShowArgs, ctx: &Context) -> Result<()> {
    let store = open_store(&ctx.data_dir, false)?;
    let id = parse_id(&a.uscc)?;
    let Some(firm) = store.firm(&id)? else {
        bail!(
            "firm {id} is not in the registry {}",
            store.path().display()
        );
    };
    let reports = store.reports_of(&id)?;
    let year = match a.year.or_else(|| reports.iter().map(|r| r.year).max()) {
        Some(y) => y,
        None => bail!("firm {id} has no reports; pass --year to judge a year anyway"),
    };
    let rules = Rules::load(&a.criteria)?;
    let set = rules.set_for(year)?;
    let ev = Evidence::new(&firm, year, &reports);
    let verdicts = set.evaluate(&ev);
    let decision = rules.policy.decide(&ev, &verdicts);
    match a.format {
        Format::Json => print_json(&ShowOutput {
            firm: &firm,
            province: firm.region().province_name_zh(),
            year,
            report: ev.current(),
            verdicts: &verdicts,
            decision: &decision,
            policy: rules.policy.id(),
        }),
        format => {
            if format == Format::Table {
                println!(
                    "{} {} ({}, founded {}), judged for {year} under {}",
                    firm.id,
                    firm.name,
                    firm.region().province_name_zh().unwrap_or("?"),
                    firm.founded,
                    set.id()
                );
                println!(
                    "tier: {}; stage: {}; borderline: {}",
                    tier_text(decision.tier),
                    decision.stage.map_or_else(
                        || "unknown".to_string(),
                        |s| format!("{} {}", s.key(), s.name_zh())
                    ),
                    decision.borderline
                );
                for r in &decision.reasons {
                    println!("  {r}");
                }
            }
            let mut t = Table::new([
                "criterion",
                "verdict",
                "condition",
                "threshold",
                "actual",
                "result",
                "citation",
            ]);
            for v in &verdicts.verdicts {
                for c in &v.conditions {
                    let cond = match &c.alternative_of {
                        Some(g) => format!("{} (one of {g})", c.key),
                        None => c.key.to_string(),
                    };
                    t.push([
                        v.criterion.key().to_string(),
                        v.outcome.key().to_string(),
                        cond,
                        c.threshold.to_string(),
                        c.actual.map_or_else(
                            || format!("missing: {}", c.missing.join(", ")),
                            |x| x.to_string(),
                        ),
                        c.outcome.key().to_string(),
                        format!("{} {}", c.citation, c.clause),
                    ]);
                }
            }
            t.print(format)
        }
    }
}

fn history(a: HistoryArgs, ctx: &Context) -> Result<()> {
    let store = open_store(&ctx.data_dir, false)?;
    let id = parse_id(&a.uscc)?;
    if store.firm(&id)?.is_none() {
        bail!(
            "firm {id} is not in the registry {}",
            store.path().display()
        );
    }
    let hist = store.history(&id)?;
    if a.format == Format::Json {
        return print_json(&hist);
    }
    let mut t = Table::new([
        "year",
        "tier",
        "change",
        "grace",
        "borderline",
        "stage",
        "criteria_set",
        "policy",
        "reasons",
    ]);
    for h in &hist {
        let e = &h.entry;
        t.push([
            h.year.to_string(),
            tier_key(e.to),
            e.change.key().to_string(),
            e.grace.to_string(),
            e.borderline.to_string(),
            e.stage.map_or_else(String::new, |s| s.key().to_string()),
            h.criteria_set.clone(),
            h.policy.clone(),
            e.reasons.join("; "),
        ]);
    }
    t.print(a.format)
}

fn list(a: ListArgs, ctx: &Context) -> Result<()> {
    let store = open_store(&ctx.data_dir, false)?;
    let (filter, only_none) = match a.tier.as_deref() {
        None => (None, false),
        Some("none") => (None, true),
        Some(t) => (Some(t.parse::<Tier>().context("--tier")?), false),
    };
    let rows = store.list(a.year, filter).with_context(|| {
        format!(
            "listing {} (run `registry adjust --year {}` first?)",
            a.year, a.year
        )
    })?;
    let mut t = Table::new([
        "uscc",
        "name",
        "province",
        "tier",
        "change",
        "grace",
        "borderline",
        "stage",
    ]);
    for (f, e) in rows {
        if only_none && e.to.is_some() {
            continue;
        }
        t.push([
            f.id.to_string(),
            f.name.clone(),
            f.region().province_name_zh().unwrap_or("").to_string(),
            tier_key(e.to),
            e.change.key().to_string(),
            e.grace.to_string(),
            e.borderline.to_string(),
            e.stage.map_or_else(String::new, |s| s.key().to_string()),
        ]);
    }
    t.print(a.format)
}

fn validate_id(a: ValidateArgs) -> Result<()> {
    let policy = if a.accept_legacy {
        LegacyPolicy::Accept
    } else {
        LegacyPolicy::Reject
    };
    let id = EnterpriseId::parse_with(&a.code, policy).map_err(anyhow::Error::new)?;
    let region = id.region();
    summary_table(&[
        ("uscc", id.to_string()),
        ("valid", (!id.is_legacy()).to_string()),
        (
            "legacy (check character wrong, accepted on request)",
            id.is_legacy().to_string(),
        ),
        ("registration authority", id.authority().to_string()),
        ("category", id.category().to_string()),
        ("division", region.to_string()),
        (
            "province",
            format!(
                "{} {}",
                region.province_name_zh().unwrap_or("?"),
                region.province_name_en().unwrap_or("?")
            ),
        ),
        ("organisation code", id.org_code().to_string()),
        (
            "organisation code check",
            if id.org_code_valid() { "ok" } else { "wrong" }.to_string(),
        ),
    ])
    .print(a.format)
}
