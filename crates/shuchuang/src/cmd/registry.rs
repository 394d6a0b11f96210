//! `shuchuang registry`: the cultivation registry (培育库) in DATA_DIR/registry.sqlite.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::criteria::Rulebook;
use registry_model::csvio::{parse_csv, precheck, write_csv};
use registry_model::preview::preview_adjustment;
use registry_model::{
    CriteriaBook, CriteriaSet, EnterpriseId, Evidence, LegacyPolicy, Tier, TierPolicy, Year,
};
use report::registry::{
    FirmJudged, LIST_COLUMNS, adjust_counts_tables, adjust_heading, adjust_json, change_log_table,
    id_table, list_row,
};

use crate::cmd::Years;
use crate::output::{Cell, Format, Table, lang, print_json, print_shown, say};
use crate::store::StoreArgs;
use crate::{input, interrupt, progress};

/// Arguments of `shuchuang registry`.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
enum RegistryCommand {
    /// Create the registry store in the data directory (no-op when it exists).
    #[command(after_help = "Examples:\n  shuchuang registry init --data-dir ./shuchuang-data")]
    Init(InitArgs),
    /// Generate a seeded synthetic cohort of firms and reports into the store (or a CSV).
    #[command(after_help = "Examples:
  shuchuang registry generate --count 2000 --years 2021..2025 --seed 1
  shuchuang registry generate --count 120 --years 2022..2024 --out cohort.csv")]
    Generate(GenerateArgs),
    /// Import a firm-year CSV (uscc,name,founded,year,FACT…); one bad row rejects the file.
    #[command(
        after_help = "Examples:\n  shuchuang registry import firms.csv\n  shuchuang registry import legacy.csv --accept-legacy --format json"
    )]
    Import(ImportArgs),
    /// Run the yearly adjustment: recompute every firm's tier, print the change log and counts.
    #[command(after_help = "Examples:
  shuchuang registry adjust --year 2025 --dry-run
  shuchuang registry adjust --year 2025 --tier-policy my-policy.toml --format csv")]
    Adjust(AdjustArgs),
    /// One firm: its report and every criterion's verdict with thresholds and citations.
    #[command(after_help = "Examples:\n  shuchuang registry show 91310110666007217T --year 2025")]
    Show(ShowArgs),
    /// One firm's tier in every adjusted year, and why.
    #[command(
        after_help = "Examples:\n  shuchuang registry history 91310110666007217T --format json"
    )]
    History(HistoryArgs),
    /// Firms and their tiers in an adjusted year.
    #[command(
        after_help = "Examples:\n  shuchuang registry list --year 2025 --tier leading --format csv"
    )]
    List(ListArgs),
    /// Progress towards a target file's targets from registry and ledger counts.
    #[command(
        after_help = "Examples:\n  shuchuang registry targets data/targets/shandong-2025.toml --year 2025"
    )]
    Targets(TargetsArgs),
    /// A year's selection panels: create, refer, recuse, scores, results, decide.
    Panel(crate::cmd::panel::PanelArgs),
    /// Check a Unified Social Credit Code and show its parts.
    #[command(after_help = "Examples:\n  shuchuang registry validate-id 91310110666007217T")]
    ValidateId(ValidateArgs),
}

#[derive(Debug, Args)]
struct InitArgs {
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
pub(super) struct FormatArg {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(super) format: Format,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Number of firms (1..=10,000,000).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    count: usize,
    /// Statistical years with reports, FIRST..LAST (inclusive).
    #[arg(long, value_name = "FIRST..LAST", default_value = "2021..2025")]
    years: Years,
    /// Seed; the same seed gives the same cohort.
    #[arg(long, value_name = "S", default_value_t = 2025)]
    seed: u64,
    /// Write the cohort to this CSV file instead of the store.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct ImportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The CSV file (UTF-8 or GB18030/GBK).
    file: PathBuf,
    /// Accept legacy pilot codes whose check character is wrong (they are flagged).
    #[arg(long)]
    accept_legacy: bool,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
pub(super) struct CriteriaArgs {
    /// Criteria set id among the shipped ones (default: the set in force at the year's end).
    #[arg(long, value_name = "ID")]
    criteria_set: Option<String>,
    /// A criteria-set TOML file to use instead of the shipped sets.
    #[arg(long, value_name = "FILE", conflicts_with = "criteria_set")]
    criteria: Option<PathBuf>,
    /// A tier-policy TOML file (default: the shipped data/registry/tier-policy.toml).
    #[arg(long, value_name = "FILE")]
    tier_policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct AdjustArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The statistical year to adjust.
    #[arg(long, value_name = "Y")]
    year: Year,
    #[command(flatten)]
    criteria: CriteriaArgs,
    /// In the table, also list firms that stay outside the registry.
    #[arg(long)]
    all: bool,
    /// Compute and print the change log without committing it.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct ShowArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The firm's USCC.
    uscc: String,
    /// Year judged (default: the firm's latest report).
    #[arg(long, value_name = "Y")]
    year: Option<Year>,
    #[command(flatten)]
    criteria: CriteriaArgs,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The firm's USCC.
    uscc: String,
    #[command(flatten)]
    format: FormatArg,
}

/// A tier to list, or the firms without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TierFilter {
    /// 潜力型.
    Potential,
    /// 成长型.
    Growth,
    /// 领军型.
    Leading,
    /// Firms without a tier.
    None,
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// An adjusted year.
    #[arg(long, value_name = "Y")]
    year: Year,
    /// Only this tier, or `none` for firms without a tier.
    #[arg(long, value_enum)]
    tier: Option<TierFilter>,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct TargetsArgs {
    /// A target file (TOML: metric, unit, region, year, value, source per [[target]]).
    file: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
    /// The year to measure (an adjusted year for registry figures).
    #[arg(long, value_name = "Y")]
    year: Year,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// The code to check.
    code: String,
    /// Accept a legacy pilot code whose only fault is the check character (flagged).
    #[arg(long)]
    accept_legacy: bool,
    #[command(flatten)]
    format: FormatArg,
}

/// Runs `shuchuang registry`.
pub fn run(args: RegistryArgs) -> Result<()> {
    match args.command {
        RegistryCommand::Init(a) => init(&a.store),
        RegistryCommand::Generate(a) => generate(a),
        RegistryCommand::Import(a) => import(a),
        RegistryCommand::Adjust(a) => adjust(a),
        RegistryCommand::Show(a) => show(a),
        RegistryCommand::History(a) => history(a),
        RegistryCommand::List(a) => list(a),
        RegistryCommand::Targets(a) => targets(a),
        RegistryCommand::Panel(a) => crate::cmd::panel::run(a),
        RegistryCommand::ValidateId(a) => validate_id(a),
    }
}

fn init(store: &StoreArgs) -> Result<()> {
    let dir = store.dir();
    let lock = dir.lock()?;
    let init = dir.init_registry(&lock)?;
    let verb = ["opened existing", "created"][usize::from(init.created)];
    let (at, settings) = (dir.registry_location(), dir.registry_settings());
    let version = init.schema_version;
    say(format!(
        "{verb} registry {at} (schema version {version}{settings})"
    ))
}

fn summary_table(rows: Vec<(&str, Cell)>) -> Table {
    let mut t = Table::new(["item", "value"]);
    for (k, v) in rows {
        t.push([Cell::from(k), v]);
    }
    t
}

fn generate(a: GenerateArgs) -> Result<()> {
    let spec = CohortSpec {
        count: a.count,
        first_year: a.years.first,
        last_year: a.years.last,
        seed: a.seed,
    };
    let sp = progress::spinner(&format!("generating {} firms", a.count));
    let (firms, reports) = generate_cohort(&spec).context("generating the cohort")?;
    sp.finish_and_clear();
    let mut rows = vec![
        ("firms", Cell::from(firms.len())),
        ("reports", Cell::from(reports.len())),
        (
            "years",
            Cell::from(format!("{}..{}", a.years.first, a.years.last)),
        ),
        ("seed", Cell::from(a.seed)),
    ];
    if let Some(path) = &a.out {
        interrupt::note(format!("{} was not written", path.display()));
        report::atomic::write_with(path, |out| {
            write_csv(out, &firms, &reports)
                .map_err(|e| report::ReportError::Invalid(e.to_string()))
        })?;
        rows.push(("written to", Cell::from(path.display().to_string())));
    } else {
        let dir = a.store.dir();
        let lock = dir.lock()?;
        let mut store = dir.open_registry(&lock)?;
        let sp = progress::spinner(&format!("writing {} firms", firms.len()));
        interrupt::note("the cohort is one transaction: it was not written");
        let s = store
            .insert(&firms, &reports)
            .with_context(|| format!("writing the cohort into {}", dir.registry_location()))?;
        sp.finish_and_clear();
        rows.push(("firms added", Cell::from(s.firms_added)));
        rows.push(("firms already present", Cell::from(s.firms_unchanged)));
        rows.push(("reports added", Cell::from(s.reports_added)));
        rows.push(("store", Cell::from(dir.registry_location().to_string())));
    }
    summary_table(rows).print_in(a.format.format, lang())?;
    Ok(())
}

fn import(a: ImportArgs) -> Result<()> {
    let policy = if a.accept_legacy {
        LegacyPolicy::Accept
    } else {
        LegacyPolicy::Reject
    };
    let dir = a.store.dir();
    let lock = dir.lock()?;
    let mut store = dir.open_registry(&lock)?;
    let text = input::read_text(&a.file)?;
    let name = a.file.display().to_string();
    let parsed =
        parse_csv(text.as_bytes(), &name, policy).with_context(|| format!("importing {name}"))?;
    let sp = progress::spinner(&format!("importing {} rows", parsed.reports.len()));
    interrupt::note("the import is one transaction: nothing of it was written");
    precheck(store.as_ref(), &parsed, &name).with_context(|| format!("importing {name}"))?;
    let s = store
        .insert(&parsed.firms, &parsed.reports)
        .with_context(|| format!("importing {name}"))?;
    sp.finish_and_clear();
    summary_table(vec![
        ("file", Cell::from(name)),
        ("firms added", Cell::from(s.firms_added)),
        ("firms already present", Cell::from(s.firms_unchanged)),
        ("reports added", Cell::from(s.reports_added)),
    ])
    .print_in(a.format.format, lang())?;
    Ok(())
}

impl CriteriaArgs {
    /// The criteria and tier policy these options choose.
    pub(super) fn load(&self) -> Result<Rulebook> {
        let (criteria, policy) = (self.criteria.as_deref(), self.tier_policy.as_deref());
        Ok(Rulebook::load(
            criteria,
            self.criteria_set.as_deref(),
            policy,
        )?)
    }
}

/// The criteria set that judges `year`, with a hint when none is in force.
pub(super) fn set_for(rules: &Rulebook, year: Year) -> Result<&CriteriaSet> {
    rules.set_for(year).with_context(|| {
        format!("choosing criteria for {year} (pass --criteria-set or --criteria to pick one)")
    })
}

fn adjust(a: AdjustArgs) -> Result<()> {
    let dir = a.store.dir();
    let rules = a.criteria.load()?;
    let set = set_for(&rules, a.year)?;
    let sp = progress::spinner(&format!("adjusting {}", a.year));
    let (adj, store) = if a.dry_run {
        let store = dir.read_registry()?;
        let adj = preview_adjustment(store.as_ref(), a.year, set, rules.policy());
        (adj, store)
    } else {
        let lock = dir.lock()?;
        let mut store = dir.open_registry(&lock)?;
        interrupt::note("the adjustment is one transaction: it was not committed");
        (store.adjust(a.year, set, rules.policy()), store)
    };
    let adj =
        adj.with_context(|| format!("adjusting {} in {}", a.year, dir.registry_location()))?;
    sp.finish_and_clear();
    let names: HashMap<EnterpriseId, String> =
        store.firms()?.into_iter().map(|f| (f.id, f.name)).collect();
    let name_of = |id: &EnterpriseId| names.get(id).cloned().unwrap_or_default();
    match a.format.format {
        Format::Json => print_json(&adjust_json(&adj, a.dry_run, &name_of)),
        Format::Csv => Ok(change_log_table(&adj, &name_of, true).print_in(Format::Csv, lang())?),
        Format::Table => {
            say(adjust_heading(&adj, a.dry_run))?;
            change_log_table(&adj, &name_of, a.all).print_in(Format::Table, lang())?;
            for t in adjust_counts_tables(&adj.counts()) {
                t.print_in(Format::Table, lang())?;
            }
            Ok(())
        }
    }
}

fn parse_id(text: &str) -> Result<EnterpriseId> {
    EnterpriseId::parse_with(text, LegacyPolicy::Accept)
        .with_context(|| format!("'{text}' is not a USCC"))
}

fn show(a: ShowArgs) -> Result<()> {
    let dir = a.store.dir();
    let store = dir.read_registry()?;
    let id = parse_id(&a.uscc)?;
    let Some(firm) = store.firm(&id)? else {
        bail!(
            "firm {id} is not in the registry {}",
            dir.registry_location()
        );
    };
    let reports = store.reports_of(&id)?;
    let year = match a.year.or_else(|| reports.iter().map(|r| r.year).max()) {
        Some(y) => y,
        None => bail!("firm {id} has no reports; pass --year to judge a year anyway"),
    };
    let rules = a.criteria.load()?;
    let set = set_for(&rules, year)?;
    let ev = Evidence::new(&firm, year, &reports);
    let verdicts = set.evaluate(&ev);
    let (decision, class) = (rules.policy().decide(&ev, &verdicts), set.classify(&ev));
    let adjustment = store.adjustment(year)?;
    let logged = adjustment.as_ref().and_then(|adj| adj.entry(&id));
    let judged = FirmJudged {
        firm: &firm,
        province: firm.region().province_name_zh(),
        year,
        report: ev.current(),
        verdicts: &verdicts,
        decision: &decision,
        class: &class,
        policy: rules.policy().id(),
        logged,
        criteria_set: set.id(),
    };
    print_shown(&judged, a.format.format)
}

fn history(a: HistoryArgs) -> Result<()> {
    let dir = a.store.dir();
    let store = dir.read_registry()?;
    let id = parse_id(&a.uscc)?;
    if store.firm(&id)?.is_none() {
        bail!(
            "firm {id} is not in the registry {}",
            dir.registry_location()
        );
    }
    print_shown(&store.history(&id)?, a.format.format)
}

fn list(a: ListArgs) -> Result<()> {
    let store = a.store.dir().read_registry()?;
    let (filter, only_none) = match a.tier {
        None => (None, false),
        Some(TierFilter::None) => (None, true),
        Some(TierFilter::Potential) => (Some(Tier::Potential), false),
        Some(TierFilter::Growth) => (Some(Tier::Growth), false),
        Some(TierFilter::Leading) => (Some(Tier::Leading), false),
    };
    let rows = store.list(a.year, filter).with_context(|| {
        format!(
            "listing {} (run `registry adjust --year {}` first?)",
            a.year, a.year
        )
    })?;
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut w = report::RowWriter::new(a.format.format, LIST_COLUMNS, out)?;
    for (f, e) in rows {
        if !(only_none && e.to.is_some()) {
            w.row(list_row(&f, &e))?;
        }
    }
    Ok(w.finish()?)
}

fn targets(a: TargetsArgs) -> Result<()> {
    let file = cultivation::targets::TargetFile::from_path(&a.file)?;
    let (dir, book) = (a.store.dir(), CriteriaBook::embedded()?);
    let store = dir.read_registry()?;
    // Without a ledger, spend targets are reported as not measured.
    let ledger = dir
        .ledger_path()
        .exists()
        .then(|| dir.read_ledger(None))
        .transpose()?;
    let p = cultivation::targets::measure(&file, a.year, store.as_ref(), &book, ledger.as_ref())?;
    Ok(report::targets::targets_table(&p).print_in(a.format.format, lang())?)
}

fn validate_id(a: ValidateArgs) -> Result<()> {
    let policy = if a.accept_legacy {
        LegacyPolicy::Accept
    } else {
        LegacyPolicy::Reject
    };
    let id = EnterpriseId::parse_with(&a.code, policy).map_err(anyhow::Error::new)?;
    id_table(&id).print_in(a.format.format, lang())?;
    Ok(())
}
