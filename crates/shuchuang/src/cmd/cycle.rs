//! `shuchuang cycle`: one annual cultivation cycle, end to end, on the embedded stores.
//!
//! The chain of a program office's year: select and grade firms (registry-model), match and
//! grant benefits without application (sandbox-rules → voucher-ledger), place the voucher
//! holders' compute on the national network and pay with compute vouchers (compute-scheduler
//! → voucher-ledger through [`Payment`]), supervise (sandbox-rules), and measure
//! (index-engine). Then a report folder with the tables and charts behind every number.
//!
//! Every write carries an idempotency key derived from the year, the program and the firm
//! (or the job), so running the same year twice changes nothing the second time. Each step
//! that writes the ledger runs against a snapshot of it: a failure restores the snapshot, so
//! a failed step leaves the stores as they were before it.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use compute_scheduler::generate::{FirmDemand, GeneratorConfig, Horizon, generate_for_firms};
use compute_scheduler::{Catalog, Charge, Payment, PaymentError, PolicyKind, Scheduler, Simulator};
use index_engine::{ComputeOptions, Framework, IndexResult, NodeSpec, Observation, Panel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::{
    Adjustment, AnnualReport, CriteriaBook, Enterprise, EnterpriseId, RegistryStore, RulePolicy,
    SqliteStore, Tier, Year,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sandbox_rules::inspection::{PlannedInspection, PlannerConfig, plan};
use sandbox_rules::{FactMap, RuleSet, Status, shipped};
use serde::{Deserialize, Serialize};
use voucher_ledger::program::Firm;
use voucher_ledger::{LedgerError, SqliteJournal, VoucherBook};

use crate::Context;
use crate::chart::{BarChart, BarSeries, Chart, Figure, Line, LineChart, Point, write_svg};
use crate::cmd::voucher as voucher_cmd;
use crate::cmd::{index as index_cmd, registry as registry_cmd, rules as rules_cmd};
use crate::output::{Format, Table, print_json};
use crate::progress;

/// The year a first cycle runs on an empty registry.
pub const DEFAULT_YEAR: Year = 2025;
/// Years of reports a generated cohort starts with (the cycle year and the three before,
/// as the growth criteria look back three years).
pub const COHORT_HISTORY_YEARS: Year = 3;
/// File in the data directory that remembers how the synthetic cohort was made.
pub const COHORT_FILE: &str = "cycle-cohort.toml";
/// Most compute jobs one cycle generates: the year's payments are one ledger group.
pub const JOBS_MAX: usize = voucher_ledger::journal::GROUP_REQUESTS_MAX;
/// Firms whose grants go into one ledger group (a firm has at most a few dozen benefits, so
/// a group stays well within the ledger's group limit).
const GRANT_FIRMS_PER_GROUP: usize = 1_000;
/// The cultivation voucher programs the benefit rules pay through, beside the city rounds
/// that voucher-ledger ships.
const CULTIVATION_PROGRAMS: [(&str, &str); 3] = [
    (
        "data/cycle/data-voucher.toml",
        include_str!("../../../../data/cycle/data-voucher.toml"),
    ),
    (
        "data/cycle/algorithm-voucher.toml",
        include_str!("../../../../data/cycle/algorithm-voucher.toml"),
    ),
    (
        "data/cycle/compute-voucher.toml",
        include_str!("../../../../data/cycle/compute-voucher.toml"),
    ),
];

/// Arguments of `shuchuang cycle`.
#[derive(Debug, Args)]
pub struct CycleArgs {
    /// Statistical year of the cycle (default: the last adjusted year, or 2025 on an empty
    /// registry). A later year continues from the stored state.
    #[arg(long)]
    pub year: Option<Year>,
    /// Firms in the synthetic cohort generated when the registry is empty.
    #[arg(long, default_value_t = 3000)]
    pub firms: usize,
    /// Seed of everything synthetic: the cohort, the compute demand, the supervision batches.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Report folder (default ./shuchuang-report/YEAR).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Placement policy for the year's compute demand.
    #[arg(long, value_enum, default_value_t = PolicyArg::Fair)]
    pub policy: PolicyArg,
    /// Compute jobs generated per compute-voucher holder.
    #[arg(long, default_value_t = 20)]
    pub jobs_per_holder: usize,
    /// The subsidised pool is the national network's capacity divided by N: the share of
    /// the 东数西算 clusters that the cultivation program books for its firms.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub capacity_divisor: u32,
    /// `table` prints the summary for people; `json` prints it for programs (csv: the
    /// report folder holds every table as CSV).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The placement policies, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    /// First come, first served.
    Fifo,
    /// Cheapest feasible cluster after vouchers.
    Greedy,
    /// Weighted dominant-resource fair share between firms and tiers.
    Fair,
    /// EASY backfill on declared durations.
    Backfill,
}

impl PolicyArg {
    fn kind(self) -> PolicyKind {
        match self {
            PolicyArg::Fifo => PolicyKind::Fifo,
            PolicyArg::Greedy => PolicyKind::Greedy,
            PolicyArg::Fair => PolicyKind::Fair,
            PolicyArg::Backfill => PolicyKind::Backfill,
        }
    }
}

/// How the synthetic cohort was made, so a later year can extend it with the same seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct CohortMeta {
    firms: usize,
    seed: u64,
    first_year: Year,
}

/// Everything the cycle printed, for `--format json` and for summary.md.
#[derive(Debug, Clone, Serialize)]
struct Summary {
    year: Year,
    date: NaiveDate,
    registry: RegistrySummary,
    benefits: BenefitSummary,
    compute: ComputeSummary,
    supervision: SupervisionSummary,
    index: IndexSummary,
    report_dir: String,
}

#[derive(Debug, Clone, Serialize)]
struct RegistrySummary {
    firms: u64,
    generated: Option<usize>,
    already_adjusted: bool,
    criteria_set: String,
    per_tier: BTreeMap<String, u64>,
    untiered: u64,
    per_change: BTreeMap<String, u64>,
    grace: u64,
    borderline: u64,
}

#[derive(Debug, Clone, Serialize)]
struct BenefitSummary {
    firms_matched: usize,
    granted: usize,
    granted_yuan: Decimal,
    refused: usize,
    pending: usize,
    firms_with_missing_facts: usize,
    conflicts: usize,
    per_program: BTreeMap<String, ProgramLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
struct ProgramLine {
    grants: u64,
    granted_yuan: Decimal,
    refused: u64,
    pending: u64,
}

#[derive(Debug, Clone, Serialize)]
struct ComputeSummary {
    policy: String,
    holders: usize,
    jobs: u64,
    placed: u64,
    rejected: u64,
    utilisation: f64,
    idle_rate: f64,
    wait_p50_s: u64,
    wait_p95_s: u64,
    wait_p99_s: u64,
    gross_cost_yuan: Decimal,
    subsidy_yuan: Decimal,
    firm_cost_yuan: Decimal,
    payment_declines: u64,
    green_share: f64,
    jain_fairness: f64,
}

#[derive(Debug, Clone, Serialize)]
struct SupervisionSummary {
    sandbox: BTreeMap<String, u64>,
    enforcement: BTreeMap<String, u64>,
    inspections_planned: usize,
    visits_before: usize,
    visits_after: usize,
    visits_saved: usize,
    non_site_reviews: usize,
    cap_breaches: usize,
    alerts: usize,
}

#[derive(Debug, Clone, Serialize)]
struct IndexSummary {
    caict_base_year: Year,
    caict_to_year: Year,
    caict_total: Option<f64>,
    caict_estimated_share: Option<f64>,
    cohort_base_year: Year,
    cohort_provinces: usize,
    cohort_top: Vec<(String, f64)>,
}

/// Runs `shuchuang cycle`.
pub fn run(args: CycleArgs, ctx: &Context) -> Result<()> {
    if args.firms == 0 || args.firms > registry_model::cohort::COHORT_FIRMS_MAX {
        bail!(
            "--firms {} is outside 1..={}",
            args.firms,
            registry_model::cohort::COHORT_FIRMS_MAX
        );
    }
    let fault = Fault::from_env()?;
    let people = args.format == Format::Table;
    let say = |text: &str| {
        if people {
            println!("{text}");
        }
    };

    // Step 1: the registry, created and filled with a seeded cohort when empty.
    let mut store = registry_cmd::open_store(&ctx.data_dir, true).context("step 1 (registry)")?;
    let (year, generated) = step(1, "registry", || {
        prepare_registry(&mut store, &args, &ctx.data_dir)
    })?;
    let date = NaiveDate::from_ymd_opt(year, 7, 1)
        .with_context(|| format!("year {year} has no calendar date"))?;
    say(&format!(
        "shuchuang cycle {year}: data in {}",
        ctx.data_dir.display()
    ));
    if let Some(n) = generated {
        say(&format!(
            "  registry was empty: generated {n} firms (seed {})",
            args.seed
        ));
    }

    // Step 2: the yearly adjustment.
    let (adjustment, already) = step(2, "registry adjustment", || adjust(&mut store, year))?;
    let firms = store
        .firms()
        .context("step 2 (registry adjustment): reading firms")?;
    let registry = registry_summary(&store, &adjustment, already, generated)?;
    if people {
        print_registry(&registry, &adjustment);
    }

    // Steps 3 and 4 write the ledger: each runs against a snapshot.
    let ledger_path = voucher_cmd::ledger_path(&ctx.data_dir);
    let benefit_run = with_ledger_snapshot(&ledger_path, 3, "benefit matching and grants", || {
        let mut book = voucher_cmd::open_book(&ctx.data_dir, true, Some(date))?;
        let run = grant_benefits(&mut book, &store, &firms, &adjustment, year, date, fault)?;
        fault.at_end_of(3)?;
        Ok(run)
    })?;
    if people {
        print_benefits(&benefit_run.summary);
    }

    let catalog = Catalog::embedded()
        .and_then(|c| c.with_capacity_divisor(args.capacity_divisor))
        .context("step 4 (compute): loading the compute catalog")?;
    let compute_run = with_ledger_snapshot(&ledger_path, 4, "compute placement", || {
        let mut book = voucher_cmd::open_book(&ctx.data_dir, true, Some(date))?;
        let run = place_compute(&mut book, &catalog, &firms, &adjustment, year, &args, fault)?;
        fault.at_end_of(4)?;
        Ok(run)
    })?;
    if people {
        print_compute(&compute_run.summary, &compute_run.clusters);
    }

    // Step 5: supervision (rules only; nothing is stored).
    let supervision = step(5, "supervision", || {
        supervise(&firms, &adjustment, year, date, args.seed)
    })?;
    if people {
        print_supervision(&supervision.summary);
    }

    // Step 6: measurement.
    let index = step(6, "index", || measure(&store, year))?;
    if people {
        print_index(&index.summary);
    }

    // Step 7: the report folder.
    let report_dir = args
        .report
        .clone()
        .unwrap_or_else(|| PathBuf::from("shuchuang-report").join(year.to_string()));
    let book = voucher_cmd::open_book(&ctx.data_dir, false, None)
        .context("step 7 (report): reopening the ledger")?;
    let summary = Summary {
        year,
        date,
        registry,
        benefits: benefit_run.summary.clone(),
        compute: compute_run.summary.clone(),
        supervision: supervision.summary.clone(),
        index: index.summary.clone(),
        report_dir: report_dir.display().to_string(),
    };
    step(7, "report", || {
        write_report(
            &report_dir,
            &summary,
            &store,
            &firms,
            &adjustment,
            &benefit_run,
            &compute_run,
            &supervision,
            &index,
            &book,
        )
    })?;
    match args.format {
        Format::Json => print_json(&summary)?,
        _ => println!("report: {}", report_dir.display()),
    }
    Ok(())
}

/// Fault injection for the recovery tests, from the environment variable
/// `SHUCHUANG_CYCLE_FAULT`: `fail:S` makes step S fail after all its writes (its snapshot
/// must undo them); `abort:S:N` kills the process (no clean-up at all) after N ledger writes
/// of step S, as a crash would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Fault {
    fail_step: Option<u8>,
    abort: Option<(u8, usize)>,
}

impl Fault {
    fn from_env() -> Result<Self> {
        let Ok(text) = std::env::var("SHUCHUANG_CYCLE_FAULT") else {
            return Ok(Self::default());
        };
        let parts: Vec<&str> = text.split(':').collect();
        let bad = || {
            anyhow::anyhow!(
                "SHUCHUANG_CYCLE_FAULT='{text}': expected fail:STEP or abort:STEP:WRITES"
            )
        };
        match parts.as_slice() {
            ["fail", s] => Ok(Self {
                fail_step: Some(s.parse().map_err(|_| bad())?),
                abort: None,
            }),
            ["abort", s, n] => Ok(Self {
                fail_step: None,
                abort: Some((s.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?)),
            }),
            _ => Err(bad()),
        }
    }

    /// Called after each ledger write of `step`; `writes` counts them.
    fn after_write(&self, step: u8, writes: usize) {
        if self.abort == Some((step, writes)) {
            std::process::abort();
        }
    }

    fn at_end_of(&self, step: u8) -> Result<()> {
        if self.fail_step == Some(step) {
            bail!("injected failure at the end of step {step} (SHUCHUANG_CYCLE_FAULT)");
        }
        Ok(())
    }
}

/// Runs one step and names it in any error.
fn step<T>(n: u8, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    f().with_context(|| format!("step {n} ({name}) failed; the stores are as they were before it"))
}

/// Runs a step that writes the ledger against a snapshot of the ledger file: on failure the
/// snapshot is put back, so the ledger is as it was before the step.
fn with_ledger_snapshot<T>(
    ledger: &Path,
    n: u8,
    name: &str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let snapshot = Snapshot::take(ledger)
        .with_context(|| format!("step {n} ({name}): snapshot of {}", ledger.display()))?;
    let out = f();
    match out {
        Ok(v) => {
            snapshot.discard();
            Ok(v)
        }
        Err(e) => {
            let restored = snapshot.restore();
            let e = e.context(format!(
                "step {n} ({name}) failed; the ledger was restored to its state before the step"
            ));
            match restored {
                Ok(()) => Err(e),
                Err(r) => Err(e.context(format!("and restoring the ledger ALSO failed: {r:#}"))),
            }
        }
    }
}

/// A consistent copy of a SQLite file (`VACUUM INTO`), or the note that there was none, and
/// the ledger's anchor file as it was (restoring the copy restores the anchor with it: the
/// anchor would otherwise report the restored ledger as cut short).
struct Snapshot {
    target: PathBuf,
    copy: Option<PathBuf>,
    anchor: Option<voucher_ledger::journal::Anchor>,
}

impl Snapshot {
    fn take(target: &Path) -> Result<Self> {
        let anchor_path = voucher_ledger::journal::anchor_path_for(target);
        let anchor =
            voucher_ledger::journal::read_anchor_file(&anchor_path, &target.display().to_string())?;
        if !target.exists() {
            return Ok(Self {
                target: target.to_path_buf(),
                copy: None,
                anchor,
            });
        }
        let copy = target.with_extension("sqlite.before-step");
        if copy.exists() {
            std::fs::remove_file(&copy)
                .with_context(|| format!("removing stale snapshot {}", copy.display()))?;
        }
        let conn = rusqlite::Connection::open(target)
            .with_context(|| format!("opening {}", target.display()))?;
        let copy_text = copy.to_str().context("snapshot path is not UTF-8")?;
        conn.execute("VACUUM INTO ?1", [copy_text])
            .with_context(|| format!("VACUUM INTO {}", copy.display()))?;
        Ok(Self {
            target: target.to_path_buf(),
            copy: Some(copy),
            anchor,
        })
    }

    fn discard(self) {
        if let Some(c) = &self.copy {
            // A leftover snapshot is harmless and replaced by the next step.
            let _ = std::fs::remove_file(c);
        }
    }

    fn restore(self) -> Result<()> {
        let sidecars = |p: &Path| {
            ["-wal", "-shm"].map(|s| {
                let mut name = p.as_os_str().to_owned();
                name.push(s);
                PathBuf::from(name)
            })
        };
        for s in sidecars(&self.target) {
            if s.exists() {
                std::fs::remove_file(&s).with_context(|| format!("removing {}", s.display()))?;
            }
        }
        let anchor_path = voucher_ledger::journal::anchor_path_for(&self.target);
        match &self.anchor {
            Some(anchor) => voucher_ledger::journal::write_anchor_file(&anchor_path, anchor)
                .with_context(|| format!("restoring {}", anchor_path.display()))?,
            None => {
                if anchor_path.exists() {
                    std::fs::remove_file(&anchor_path)
                        .with_context(|| format!("removing {}", anchor_path.display()))?;
                }
            }
        }
        match &self.copy {
            Some(c) => std::fs::rename(c, &self.target).with_context(|| {
                format!("moving {} back to {}", c.display(), self.target.display())
            }),
            None => {
                if self.target.exists() {
                    std::fs::remove_file(&self.target)
                        .with_context(|| format!("removing {}", self.target.display()))?;
                }
                Ok(())
            }
        }
    }
}

// ------------------------------------------------------------------------------ step 1

/// Picks the year and makes sure the registry holds firms and their reports up to it.
fn prepare_registry(
    store: &mut SqliteStore,
    args: &CycleArgs,
    data_dir: &Path,
) -> Result<(Year, Option<usize>)> {
    let meta_path = data_dir.join(COHORT_FILE);
    let last = store.last_adjusted_year()?;
    let year = args.year.or(last).unwrap_or(DEFAULT_YEAR);
    if let Some(l) = last {
        if year < l {
            bail!("year {year} is before the last adjusted year {l}: history is not rewritten");
        }
    }
    if store.firm_count()? == 0 {
        let meta = CohortMeta {
            firms: args.firms,
            seed: args.seed,
            first_year: year - COHORT_HISTORY_YEARS,
        };
        let bar = progress::spinner(&format!("generating {} firms", meta.firms));
        let (firms, reports) = generate_cohort(&CohortSpec {
            count: meta.firms,
            first_year: meta.first_year,
            last_year: year,
            seed: meta.seed,
        })?;
        store
            .insert(&firms, &reports)
            .context("inserting the generated cohort")?;
        bar.finish_and_clear();
        let text = toml::to_string(&meta)?;
        std::fs::write(&meta_path, text)
            .with_context(|| format!("writing {}", meta_path.display()))?;
        return Ok((year, Some(meta.firms)));
    }
    // A synthetic cohort is extended to the cycle's year with the same seed: the generator
    // draws each firm's years in order, so earlier years come out the same.
    if meta_path.exists() {
        let text = std::fs::read_to_string(&meta_path)
            .with_context(|| format!("reading {}", meta_path.display()))?;
        let meta: CohortMeta =
            toml::from_str(&text).with_context(|| format!("parsing {}", meta_path.display()))?;
        let have = store.reports_between(year, year)?;
        if have.is_empty() {
            let (_, reports) = generate_cohort(&CohortSpec {
                count: meta.firms,
                first_year: meta.first_year,
                last_year: year,
                seed: meta.seed,
            })?;
            let new: Vec<AnnualReport> = reports.into_iter().filter(|r| r.year == year).collect();
            store
                .insert(&[], &new)
                .with_context(|| format!("inserting the reports of {year}"))?;
        }
    }
    Ok((year, None))
}

// ------------------------------------------------------------------------------ step 2

fn adjust(store: &mut SqliteStore, year: Year) -> Result<(Adjustment, bool)> {
    if let Some(done) = store.adjustment(year)? {
        return Ok((done, true));
    }
    let book = CriteriaBook::embedded()?;
    let set = book.for_year(year)?;
    let policy = RulePolicy::default_policy()?;
    let adj = store.adjust(year, set, &policy)?;
    Ok((adj, false))
}

fn registry_summary(
    store: &SqliteStore,
    adj: &Adjustment,
    already: bool,
    generated: Option<usize>,
) -> Result<RegistrySummary> {
    let c = adj.counts();
    let per_tier = Tier::ALL
        .iter()
        .map(|t| (t.key().to_string(), c.per_tier[t_index(*t)]))
        .collect();
    let per_change = registry_model::Change::ALL
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            (
                ch.key().to_string(),
                c.per_change.get(i).copied().unwrap_or(0),
            )
        })
        .collect();
    Ok(RegistrySummary {
        firms: store.firm_count()?,
        generated,
        already_adjusted: already,
        criteria_set: adj.criteria_set.clone(),
        per_tier,
        untiered: c.untiered,
        per_change,
        grace: c.grace,
        borderline: c.borderline,
    })
}

fn t_index(t: Tier) -> usize {
    match t {
        Tier::Potential => 0,
        Tier::Growth => 1,
        Tier::Leading => 2,
    }
}

// ------------------------------------------------------------------------------ step 3

/// One benefit outcome for one firm, as the report lists it.
#[derive(Debug, Clone, Serialize)]
struct BenefitLine {
    firm: String,
    policy: String,
    program: String,
    status: &'static str,
    amount_yuan: Option<Decimal>,
    detail: String,
    request_id: String,
}

struct BenefitRun {
    summary: BenefitSummary,
    lines: Vec<BenefitLine>,
}

/// The request id of a grant: voucher-ledger's key for a year, program and firm, with the
/// policy that granted it (two policies may pay through one program).
fn grant_request_id(year: Year, program: &str, policy: &str, firm: &EnterpriseId) -> String {
    format!(
        "{}/{policy}",
        voucher_ledger::book::grant_key(year, program, firm)
    )
}

/// True for a ledger refusal that is an answer about this grant or payment (the firm is not
/// eligible, a cap or budget is reached, …). A storage failure is not, and neither is a
/// request id reused with other content or a program the ledger does not know: those mean
/// the data or the configuration changed under the cycle, and stop it.
fn is_refusal(e: &LedgerError) -> bool {
    !e.is_failure()
        && !matches!(
            e,
            LedgerError::RequestConflict { .. }
                | LedgerError::ProgramNotFound { .. }
                | LedgerError::GroupTooLarge { .. }
        )
}

fn ensure_programs(book: &mut VoucherBook<SqliteJournal>) -> Result<()> {
    for p in voucher_ledger::defaults::programs()? {
        if book.program(&p.id).is_none() {
            let id = p.id.clone();
            book.add_program(&format!("cycle-program-{id}"), p)
                .with_context(|| format!("adding program {id}"))?;
        }
    }
    for (file, text) in CULTIVATION_PROGRAMS {
        let p = voucher_ledger::program::Program::from_toml(text, file)?;
        if book.program(&p.id).is_none() {
            let id = p.id.clone();
            book.add_program(&format!("cycle-program-{id}"), p)
                .with_context(|| format!("adding program {id} from {file}"))?;
        }
    }
    Ok(())
}

fn grant_benefits(
    book: &mut VoucherBook<SqliteJournal>,
    store: &SqliteStore,
    firms: &[Enterprise],
    adj: &Adjustment,
    year: Year,
    date: NaiveDate,
    fault: Fault,
) -> Result<BenefitRun> {
    ensure_programs(book)?;
    let set = shipped::BENEFITS.load()?;
    let subjects = rules_cmd::registry_subjects(store, firms, year, date)?;
    let bar = progress::spinner(&format!("matching {} firms", subjects.len()));
    let matched = sandbox_rules::match_benefits(&set, &subjects, date, true);
    bar.finish_and_clear();
    let tiers: HashMap<EnterpriseId, Option<Tier>> =
        adj.entries.iter().map(|e| (e.id, e.to)).collect();
    let regions: HashMap<EnterpriseId, registry_model::RegionCode> =
        firms.iter().map(|f| (f.id, f.region())).collect();

    let mut lines = Vec::new();
    let mut per_program: BTreeMap<String, ProgramLine> = BTreeMap::new();
    let (mut granted, mut refused, mut pending, mut conflicts) = (0usize, 0usize, 0usize, 0usize);
    let mut granted_yuan = Decimal::ZERO;
    let mut firms_missing = 0usize;
    let total: u64 = matched.iter().map(|m| m.granted.len() as u64).sum();
    let bar = progress::bar(total, "grants");
    // Each chunk of firms is one ledger group: one durable transaction, all or nothing.
    for chunk in matched.chunks(GRANT_FIRMS_PER_GROUP) {
        book.group(|book| -> Result<()> {
            for m in chunk {
                let id: EnterpriseId = m
                    .firm
                    .parse()
                    .with_context(|| format!("firm id {}", m.firm))?;
                let tier = tiers.get(&id).copied().flatten();
                let mut firm = Firm::new(id);
                if let Some(t) = tier {
                    firm = firm.with_tier(t);
                }
                firm.region = regions.get(&id).copied();
                for g in &m.granted {
                    bar.inc(1);
                    let (Some(program), Some(amount)) = (g.program.clone(), g.amount_yuan) else {
                        continue;
                    };
                    let request_id = grant_request_id(year, &program, &g.policy, &id);
                    let line = per_program.entry(program.clone()).or_default();
                    let result = if amount > Decimal::ZERO {
                        book.grant(&request_id, &program, &firm, amount)
                    } else {
                        continue;
                    };
                    fault.after_write(3, granted + refused + 1);
                    match result {
                        Ok(r) => {
                            granted += 1;
                            let yuan = voucher_ledger::money::fen_to_yuan(r.amount_fen);
                            granted_yuan += yuan;
                            line.grants += 1;
                            line.granted_yuan += yuan;
                            lines.push(BenefitLine {
                                firm: m.firm.clone(),
                                policy: g.policy.clone(),
                                program,
                                status: "granted",
                                amount_yuan: Some(yuan),
                                detail: g.reasons.join("; "),
                                request_id,
                            });
                        }
                        Err(e) if is_refusal(&e) => {
                            refused += 1;
                            line.refused += 1;
                            lines.push(BenefitLine {
                                firm: m.firm.clone(),
                                policy: g.policy.clone(),
                                program,
                                status: "refused",
                                amount_yuan: Some(amount),
                                detail: e.to_string(),
                                request_id,
                            });
                        }
                        Err(e) => {
                            return Err(anyhow::Error::new(e).context(format!(
                                "granting {program} to {} ({request_id})",
                                m.firm
                            )));
                        }
                    }
                }
                if !m.pending.is_empty() {
                    firms_missing += 1;
                }
                for p in &m.pending {
                    pending += 1;
                    let program = p.program.clone().unwrap_or_default();
                    per_program.entry(program.clone()).or_default().pending += 1;
                    lines.push(BenefitLine {
                        firm: m.firm.clone(),
                        policy: p.policy.clone(),
                        program,
                        status: "missing facts",
                        amount_yuan: None,
                        detail: p.missing.join("; "),
                        request_id: String::new(),
                    });
                }
                conflicts += m.conflicts.len();
            }
            Ok(())
        })?;
    }
    bar.finish_and_clear();
    book.check_invariants()
        .context("ledger invariants after the grants")?;
    Ok(BenefitRun {
        summary: BenefitSummary {
            firms_matched: matched.len(),
            granted,
            granted_yuan,
            refused,
            pending,
            firms_with_missing_facts: firms_missing,
            conflicts,
            per_program,
        },
        lines,
    })
}

// ------------------------------------------------------------------------------ step 4

/// Pays placed jobs with compute vouchers: each job is a contract with the cluster that runs
/// it, redeemed on the voucher ledger with a request id derived from the year and the job.
struct LedgerPayment<'a> {
    book: &'a mut VoucherBook<SqliteJournal>,
    year: Year,
    program_of: HashMap<EnterpriseId, String>,
    writes: usize,
    fault: Fault,
}

impl Payment for LedgerPayment<'_> {
    fn charge(&mut self, charge: &Charge<'_>) -> Result<Decimal, PaymentError> {
        let Some(program) = self.program_of.get(&charge.firm) else {
            return Err(PaymentError::Declined("no compute voucher".into()));
        };
        if charge.gross_cost <= Decimal::ZERO {
            return Err(PaymentError::Declined("nothing to pay".into()));
        }
        let request_id = format!("cycle-{}-job-{}", self.year, charge.job_id);
        let contract_id = format!("cycle-{}-{}", self.year, charge.job_id);
        let result = self.book.redeem(
            &request_id,
            program,
            &charge.firm,
            charge.provider,
            &contract_id,
            charge.gross_cost,
        );
        self.writes += 1;
        self.fault.after_write(4, self.writes);
        match result {
            Ok(r) => Ok(voucher_ledger::money::fen_to_yuan(r.subsidy_fen)),
            Err(e) if is_refusal(&e) => Err(PaymentError::Declined(e.to_string())),
            Err(e) => Err(PaymentError::Failed(e.to_string())),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct ClusterLine {
    cluster: String,
    region: String,
    jobs: u64,
    utilisation: f64,
    idle_rate: f64,
    rack_occupancy: f64,
    gross_cost_yuan: Decimal,
    subsidy_yuan: Decimal,
    firm_cost_yuan: Decimal,
    green_share: f64,
}

#[derive(Debug, Clone, Serialize)]
struct JobLine {
    job: String,
    firm: String,
    tier: String,
    kind: String,
    cards: u32,
    cluster: String,
    submit_s: u64,
    start_s: u64,
    end_s: u64,
    gross_cost_yuan: Decimal,
    subsidy_yuan: Decimal,
    firm_cost_yuan: Decimal,
    declined: String,
}

/// A job no cluster could take, with what each filter removed.
#[derive(Debug, Clone, Serialize)]
struct RejectionLine {
    job: String,
    firm: String,
    kind: String,
    cards: u32,
    home: String,
    reasons: String,
}

struct ComputeRun {
    summary: ComputeSummary,
    clusters: Vec<ClusterLine>,
    jobs: Vec<JobLine>,
    rejections: Vec<RejectionLine>,
}

fn place_compute(
    book: &mut VoucherBook<SqliteJournal>,
    catalog: &Catalog,
    firms: &[Enterprise],
    adj: &Adjustment,
    year: Year,
    args: &CycleArgs,
    fault: Fault,
) -> Result<ComputeRun> {
    let compute_programs: Vec<String> = book
        .programs()
        .filter(|p| p.kind == voucher_ledger::program::VoucherKind::Compute)
        .map(|p| p.id.clone())
        .collect();
    let tiers: HashMap<EnterpriseId, Tier> = adj
        .entries
        .iter()
        .filter_map(|e| e.to.map(|t| (e.id, t)))
        .collect();
    let mut holders = Vec::new();
    let mut program_of = HashMap::new();
    for f in firms {
        let Some(tier) = tiers.get(&f.id).copied() else {
            continue;
        };
        // The program with the largest balance pays; ties go to the first by id.
        let best = compute_programs
            .iter()
            .map(|p| (book.voucher_balance_fen(p, &f.id), p))
            .filter(|(b, _)| *b > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)));
        if let Some((_, p)) = best {
            let ratio = book.program(p).map(|x| x.ratio.default).unwrap_or_default();
            holders.push(FirmDemand {
                id: f.id,
                tier,
                home: f.region(),
                voucher_coverage: ratio,
            });
            program_of.insert(f.id, p.clone());
        }
    }
    let jobs_n = holders
        .len()
        .saturating_mul(args.jobs_per_holder)
        .min(JOBS_MAX);
    let policy_name = format!("{:?}", args.policy).to_lowercase();
    if jobs_n == 0 {
        return Ok(ComputeRun {
            summary: ComputeSummary {
                policy: policy_name,
                holders: 0,
                jobs: 0,
                placed: 0,
                rejected: 0,
                utilisation: 0.0,
                idle_rate: 0.0,
                wait_p50_s: 0,
                wait_p95_s: 0,
                wait_p99_s: 0,
                gross_cost_yuan: Decimal::ZERO,
                subsidy_yuan: Decimal::ZERO,
                firm_cost_yuan: Decimal::ZERO,
                payment_declines: 0,
                green_share: 0.0,
                jain_fairness: 1.0,
            },
            clusters: Vec::new(),
            jobs: Vec::new(),
            rejections: Vec::new(),
        });
    }
    let config = GeneratorConfig {
        jobs: jobs_n,
        seed: derive_seed(args.seed, year, "compute"),
        // The year's demand, submitted over the year.
        horizon: Horizon::Days(365),
        ..GeneratorConfig::default()
    };
    let mut jobs = generate_for_firms(&holders, &config)?;
    // Job ids carry the year so the contracts of different years never collide.
    for j in &mut jobs {
        j.id = format!("{year}-{}", j.id);
    }
    let policy = args.policy.kind().build(&catalog.scheduling);
    let bar = progress::spinner(&format!("placing {} jobs", jobs.len()));
    // The whole year's payments are one ledger group (JOBS_MAX keeps it within the limit).
    let schedule = book.group(|book| -> Result<_> {
        let mut payment = LedgerPayment {
            book,
            year,
            program_of,
            writes: 0,
            fault,
        };
        Ok(Simulator::new(catalog, policy).schedule(&jobs, &mut payment)?)
    })?;
    bar.finish_and_clear();
    book.check_invariants()
        .context("ledger invariants after the compute payments")?;
    let m = &schedule.metrics;
    let clusters = m
        .per_cluster
        .iter()
        .map(|c| ClusterLine {
            cluster: c.cluster.clone(),
            region: c.region.clone(),
            jobs: c.jobs,
            utilisation: c.utilisation,
            idle_rate: c.idle_rate,
            rack_occupancy: c.rack_occupancy,
            gross_cost_yuan: c.gross_cost,
            subsidy_yuan: c.subsidy,
            firm_cost_yuan: c.firm_cost,
            green_share: c.green_share,
        })
        .collect();
    let job_lines = schedule
        .placements
        .iter()
        .filter_map(|p| {
            let j = jobs.get(p.job)?;
            let c = catalog.clusters.get(p.cluster)?;
            Some(JobLine {
                job: j.id.clone(),
                firm: j.firm.to_string(),
                tier: j.tier.key().to_string(),
                kind: format!("{:?}", j.kind).to_lowercase(),
                cards: j.cards,
                cluster: c.id.clone(),
                submit_s: j.submit_s,
                start_s: p.start_s,
                end_s: p.end_s,
                gross_cost_yuan: p.gross_cost,
                subsidy_yuan: p.subsidy,
                firm_cost_yuan: p.firm_cost,
                declined: p.payment_declined.clone().unwrap_or_default(),
            })
        })
        .collect();
    let rejections = schedule
        .rejections
        .iter()
        .filter_map(|r| {
            let j = jobs.get(r.job)?;
            let reasons = r
                .filters
                .iter()
                .flat_map(|f| {
                    f.removed
                        .iter()
                        .map(move |x| format!("{}: {} ({})", f.filter, x.cluster, x.reason))
                })
                .collect::<Vec<_>>()
                .join("; ");
            Some(RejectionLine {
                job: j.id.clone(),
                firm: j.firm.to_string(),
                kind: format!("{:?}", j.kind).to_lowercase(),
                cards: j.cards,
                home: j.home.to_string(),
                reasons,
            })
        })
        .collect();
    Ok(ComputeRun {
        summary: ComputeSummary {
            policy: policy_name,
            holders: holders.len(),
            jobs: m.jobs_submitted,
            placed: m.jobs_placed,
            rejected: m.jobs_rejected,
            utilisation: m.utilisation,
            idle_rate: m.idle_rate,
            wait_p50_s: m.wait_p50_s,
            wait_p95_s: m.wait_p95_s,
            wait_p99_s: m.wait_p99_s,
            gross_cost_yuan: m.gross_cost,
            subsidy_yuan: m.subsidy,
            firm_cost_yuan: m.firm_cost,
            payment_declines: m.payment_declines,
            green_share: m.green_share,
            jain_fairness: m.jain_fairness,
        },
        clusters,
        jobs: job_lines,
        rejections,
    })
}

/// A seed for one part of one year's cycle, from the master seed (stable across runs and
/// platforms: FNV-1a over the parts).
fn derive_seed(seed: u64, year: Year, part: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed
        .to_le_bytes()
        .into_iter()
        .chain(year.to_le_bytes())
        .chain(part.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

// ------------------------------------------------------------------------------ step 5

#[derive(Debug, Clone, Serialize)]
struct DecisionLine {
    case: String,
    firm: String,
    outcome: String,
    status: String,
    rule: String,
    citation: String,
}

struct SupervisionRun {
    summary: SupervisionSummary,
    sandbox: Vec<DecisionLine>,
    enforcement: Vec<DecisionLine>,
    plan: sandbox_rules::inspection::Plan,
}

fn pick<'a, R: Rng>(rng: &mut R, items: &[&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

/// A draw spread evenly on a log scale over `[lo, hi)`: sizes of trials span magnitudes.
fn log_uniform<R: Rng>(rng: &mut R, (lo, hi): (f64, f64)) -> f64 {
    (rng.gen_range(lo.ln()..hi.ln())).exp()
}

fn status_key(s: Status) -> String {
    format!("{s:?}").to_lowercase()
}

fn decide(
    set: &RuleSet,
    case: String,
    firm: String,
    facts: &FactMap,
    date: NaiveDate,
) -> DecisionLine {
    let d = set.evaluate(facts, date);
    let grant = d.grant();
    DecisionLine {
        case,
        firm,
        outcome: d.outcome.clone().unwrap_or_else(|| "-".into()),
        status: status_key(d.status),
        rule: grant.map(|g| g.rule.clone()).unwrap_or_default(),
        citation: grant.map(|g| g.citations.join("; ")).unwrap_or_default(),
    }
}

/// Evaluates a seeded batch of sandbox applications and violations among the tiered firms,
/// and plans the year's inspections of a sample of firms.
fn supervise(
    firms: &[Enterprise],
    adj: &Adjustment,
    year: Year,
    date: NaiveDate,
    seed: u64,
) -> Result<SupervisionRun> {
    let sandbox_set = shipped::SANDBOX.load()?;
    let enforcement_set = shipped::ENFORCEMENT.load()?;
    let inspection_set = shipped::INSPECTION.load()?;
    let tiered: Vec<(EnterpriseId, Tier)> = adj
        .entries
        .iter()
        .filter_map(|e| e.to.map(|t| (e.id, t)))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(seed, year, "supervision"));

    let mut sandbox = Vec::new();
    for (id, tier) in &tiered {
        if !rng.gen_bool(0.05) {
            continue;
        }
        // Trials sized around their risk class's limits: most within, some over.
        let risk = pick(
            &mut rng,
            &["low", "low", "medium", "medium", "high", "prohibited"],
        );
        let (users, value) = match risk {
            "low" => ((100.0, 150_000.0), (1e5, 8e7)),
            "medium" => ((100.0, 30_000.0), (1e5, 2e7)),
            _ => ((50.0, 4_000.0), (1e4, 2e6)),
        };
        let facts = FactMap::new()
            .with("phase", "application")
            .with("risk_class", risk)
            .with("tier", tier.key())
            .with("users", log_uniform(&mut rng, users) as i64)
            .with(
                "transaction_value_yuan",
                sandbox_rules::Value::Money(Decimal::from(log_uniform(&mut rng, value) as i64)),
            )
            .with("duration_months", rng.gen_range(3..30i64))
            .with("has_risk_plan", rng.gen_bool(0.85));
        let case = format!("S{year}-{:04}", sandbox.len() + 1);
        sandbox.push(decide(&sandbox_set, case, id.to_string(), &facts, date));
    }

    let mut enforcement = Vec::new();
    let codes = ["AD-001", "AD-002", "QS-010", "XX-100", "XX-200", "XX-999"];
    for (id, _) in &tiered {
        if !rng.gen_bool(0.03) {
            continue;
        }
        let facts = FactMap::new()
            .with("violation_code", pick(&mut rng, &codes))
            .with(
                "severity",
                pick(&mut rng, &["minor", "minor", "general", "serious"]),
            )
            .with("corrected_in_time", rng.gen_bool(0.7))
            .with(
                "harm",
                pick(&mut rng, &["none", "none", "minor", "serious"]),
            )
            .with(
                "fault",
                pick(
                    &mut rng,
                    &["negligent", "negligent", "intentional", "none_proven"],
                ),
            )
            .with("prior_violations_2y", rng.gen_range(0..3i64))
            .with("reduced_harm", rng.gen_bool(0.3))
            .with("cooperated", rng.gen_bool(0.5))
            .with("credit_commitment", rng.gen_bool(0.3));
        let case = format!("V{year}-{:04}", enforcement.len() + 1);
        enforcement.push(decide(&enforcement_set, case, id.to_string(), &facts, date));
    }

    let departments = ["market", "fire", "tax", "ecology", "data", "labour"];
    let subjects = [
        "quality",
        "fire",
        "tax",
        "emissions",
        "data security",
        "wages",
    ];
    let mut planned = Vec::new();
    for f in firms {
        if !rng.gen_bool(0.08) {
            continue;
        }
        let risk = pick(&mut rng, &["low", "low", "medium", "high"]);
        let credit = pick(&mut rng, &["A", "A", "B", "C"]);
        for _ in 0..rng.gen_range(1..5) {
            let d = rng.gen_range(0..6usize);
            let day = rng.gen_range(0..365u32);
            let when = NaiveDate::from_yo_opt(year, day + 1)
                .or_else(|| NaiveDate::from_ymd_opt(year, 12, 31))
                .context("inspection date")?;
            let facts = FactMap::new()
                .with(
                    "trigger",
                    pick(&mut rng, &["plan", "plan", "plan", "complaint"]),
                )
                .with("risk_class", risk)
                .with("credit_rating", credit)
                .with("data_available", rng.gen_bool(0.6));
            planned.push(PlannedInspection {
                id: format!("I{year}-{:05}", planned.len() + 1),
                firm: f.id.to_string(),
                department: departments[d].to_string(),
                date: when,
                subject: subjects[d].to_string(),
                facts,
            });
        }
    }
    let config = PlannerConfig::from_rule_set(&inspection_set, date)?;
    let plan = plan(&inspection_set, &planned, &config)?;
    let count = |lines: &[DecisionLine]| {
        let mut m = BTreeMap::new();
        for l in lines {
            *m.entry(l.outcome.clone()).or_insert(0u64) += 1;
        }
        m
    };
    let s = &plan.summary;
    Ok(SupervisionSummary {
        sandbox: count(&sandbox),
        enforcement: count(&enforcement),
        inspections_planned: s.planned,
        visits_before: s.visits_before,
        visits_after: s.visits_after,
        visits_saved: s.visits_before.saturating_sub(s.visits_after),
        non_site_reviews: s.non_site_reviews,
        cap_breaches: s.cap_breaches,
        alerts: plan.alerts.len(),
    })
    .map(|summary| SupervisionRun {
        summary,
        sandbox,
        enforcement,
        plan,
    })
}

// ------------------------------------------------------------------------------ step 6

struct IndexRun {
    summary: IndexSummary,
    caict_fw: Framework,
    caict: IndexResult,
    cohort: IndexResult,
}

/// The cohort index of the registry's firms by province: innovation input, growth and
/// cultivation, chained with the same method as the CAICT index.
fn cohort_framework() -> Result<Framework> {
    Ok(Framework::from_nodes(vec![
        NodeSpec::root("cohort").names("数创企业培育指数", "Cohort cultivation index"),
        NodeSpec::child("innovation", "cohort").names("创新投入", "Innovation input"),
        NodeSpec::child("growth", "cohort").names("成长", "Growth"),
        NodeSpec::child("cultivation", "cohort").names("培育", "Cultivation"),
        NodeSpec::child("rd_intensity", "innovation")
            .names("研发强度", "R&D ÷ revenue")
            .unit("percent"),
        NodeSpec::child("tech_staff_share", "innovation")
            .names("科技人员占比", "Tech staff share")
            .unit("percent"),
        NodeSpec::child("class1_ip", "innovation")
            .names("I类知识产权", "Class-I IP")
            .unit("count"),
        NodeSpec::child("revenue", "growth")
            .names("营业收入", "Revenue")
            .unit("100m_yuan"),
        NodeSpec::child("high_tech_revenue_share", "growth")
            .names("高新技术收入占比", "High-tech revenue share")
            .unit("percent"),
        NodeSpec::child("reporting_firms", "cultivation")
            .names("报告企业数", "Reporting firms")
            .unit("count"),
        NodeSpec::child("tiered_firms", "cultivation")
            .names("入库企业数", "Firms with a tier")
            .unit("count"),
    ])?)
}

#[derive(Default)]
struct ProvinceYear {
    revenue: Decimal,
    rd: Decimal,
    high_tech: Decimal,
    staff: u64,
    tech: u64,
    ip1: u64,
    firms: u64,
}

fn cohort_observations(store: &SqliteStore, year: Year) -> Result<(Vec<Observation>, Year)> {
    let first = year - 30;
    let reports = store.reports_between(first, year)?;
    let mut agg: BTreeMap<(String, Year), ProvinceYear> = BTreeMap::new();
    let mut first_seen = year;
    for r in &reports {
        let name =
            r.id.region()
                .province_name_en()
                .unwrap_or("unknown")
                .to_string();
        let a = agg.entry((name, r.year)).or_default();
        first_seen = first_seen.min(r.year);
        a.firms += 1;
        // Ratios only over firms that report both parts, so a missing fact never reads as zero.
        if let (Some(rev), Some(rd)) = (r.revenue_yuan, r.rd_spend_yuan) {
            a.revenue += rev.yuan();
            a.rd += rd.yuan();
        }
        if let (Some(s), Some(t)) = (r.staff, r.tech_staff) {
            a.staff += u64::from(s);
            a.tech += u64::from(t);
        }
        if let (Some(_), Some(h)) = (r.revenue_yuan, r.high_tech_revenue_yuan) {
            a.high_tech += h.yuan();
        }
        a.ip1 += u64::from(r.ip_class1.unwrap_or(0));
    }
    let mut tiered: BTreeMap<(String, Year), u64> = BTreeMap::new();
    for y in store.adjusted_years()? {
        if let Some(adj) = store.adjustment(y)? {
            for e in adj.entries.iter().filter(|e| e.to.is_some()) {
                let name =
                    e.id.region()
                        .province_name_en()
                        .unwrap_or("unknown")
                        .to_string();
                *tiered.entry((name, y)).or_default() += 1;
            }
        }
    }
    // Index inputs are statistics, so f64 is right here (money stays Decimal until this point).
    let f = |d: Decimal| -> f64 { d.to_f64().unwrap_or(0.0) };
    let mut obs = Vec::new();
    for ((unit, y), a) in &agg {
        if a.revenue > Decimal::ZERO {
            obs.push(Observation::new(
                "rd_intensity",
                unit.as_str(),
                *y,
                100.0 * f(a.rd) / f(a.revenue),
            ));
            obs.push(Observation::new(
                "high_tech_revenue_share",
                unit.as_str(),
                *y,
                100.0 * f(a.high_tech) / f(a.revenue),
            ));
            obs.push(Observation::new(
                "revenue",
                unit.as_str(),
                *y,
                f(a.revenue) / 1e8,
            ));
        }
        if a.staff > 0 {
            obs.push(Observation::new(
                "tech_staff_share",
                unit.as_str(),
                *y,
                100.0 * a.tech as f64 / a.staff as f64,
            ));
        }
        obs.push(Observation::new(
            "class1_ip",
            unit.as_str(),
            *y,
            a.ip1 as f64,
        ));
        obs.push(Observation::new(
            "reporting_firms",
            unit.as_str(),
            *y,
            a.firms as f64,
        ));
    }
    for ((unit, y), n) in &tiered {
        obs.push(Observation::new(
            "tiered_firms",
            unit.as_str(),
            *y,
            *n as f64,
        ));
    }
    Ok((obs, first_seen))
}

fn measure(store: &SqliteStore, year: Year) -> Result<IndexRun> {
    let caict_fw = index_engine::caict2025::framework()?;
    let caict_panel = index_engine::caict2025::panel(&caict_fw)?;
    let caict = index_engine::compute(
        &caict_fw,
        &caict_panel,
        &ComputeOptions {
            base_year: Some(index_engine::caict2025::BASE_YEAR),
            to_year: Some(index_engine::caict2025::TO_YEAR),
            ..ComputeOptions::default()
        },
    )?;
    let root = caict_fw.root_node().spec.id.clone();
    let cell = caict.cell(&root, "CN", index_engine::caict2025::TO_YEAR)?;

    let cohort_fw = cohort_framework()?;
    let (obs, first) = cohort_observations(store, year)?;
    let panel = Panel::from_records(&cohort_fw, obs)?;
    let cohort = index_engine::compute(
        &cohort_fw,
        &panel,
        &ComputeOptions {
            base_year: Some(first),
            to_year: Some(year),
            ..ComputeOptions::default()
        },
    )?;
    let mut top: Vec<(String, f64)> = cohort
        .units()
        .iter()
        .filter_map(|u| {
            cohort
                .cell("cohort", u, year)
                .ok()?
                .index
                .map(|i| (u.clone(), i))
        })
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let provinces = top.len();
    top.truncate(5);
    Ok(IndexRun {
        summary: IndexSummary {
            caict_base_year: index_engine::caict2025::BASE_YEAR,
            caict_to_year: index_engine::caict2025::TO_YEAR,
            caict_total: cell.index,
            caict_estimated_share: cell.estimated_share,
            cohort_base_year: first,
            cohort_provinces: provinces,
            cohort_top: top,
        },
        caict_fw,
        caict,
        cohort,
    })
}

// ------------------------------------------------------------------------------ printing

fn money(d: Decimal) -> String {
    let r = d.round_dp(2);
    format!("¥{r}")
}

fn print_registry(r: &RegistrySummary, adj: &Adjustment) {
    println!(
        "\n[2] registry adjustment {} (criteria set {}){}",
        adj.year,
        r.criteria_set,
        if r.already_adjusted {
            ": already done, nothing changed"
        } else {
            ": committed"
        }
    );
    let mut t = Table::new(["tier", "firms"]);
    for tier in Tier::ALL {
        t.push([
            format!("{} {}", tier.name_zh(), tier.key()),
            r.per_tier.get(tier.key()).copied().unwrap_or(0).to_string(),
        ]);
    }
    t.push(["no tier".to_string(), r.untiered.to_string()]);
    let _ = t.print(Format::Table);
    let mut c = Table::new(["change", "firms"]);
    for (k, v) in &r.per_change {
        c.push([k.clone(), v.to_string()]);
    }
    c.push(["(in grace)".to_string(), r.grace.to_string()]);
    c.push(["(borderline → panel)".to_string(), r.borderline.to_string()]);
    let _ = c.print(Format::Table);
}

fn print_benefits(b: &BenefitSummary) {
    println!(
        "\n[3] benefits: {} firms matched; {} granted without application ({}), {} refused by the ledger, {} pending on missing facts ({} firms told what to supply), {} conflicts",
        b.firms_matched,
        b.granted,
        money(b.granted_yuan),
        b.refused,
        b.pending,
        b.firms_with_missing_facts,
        b.conflicts
    );
    let mut t = Table::new(["program", "grants", "granted", "refused", "pending"]);
    for (p, l) in &b.per_program {
        t.push([
            p.clone(),
            l.grants.to_string(),
            money(l.granted_yuan),
            l.refused.to_string(),
            l.pending.to_string(),
        ]);
    }
    let _ = t.print(Format::Table);
}

fn print_compute(c: &ComputeSummary, clusters: &[ClusterLine]) {
    println!(
        "\n[4] compute ({} policy): {} voucher holders, {} jobs, {} placed, {} rejected; utilisation {:.1} %, idle {:.1} %, wait p50/p95/p99 {}/{}/{} s; cost {} of which vouchers paid {} (firms {}), green power {:.1} %, Jain fairness {:.3}",
        c.policy,
        c.holders,
        c.jobs,
        c.placed,
        c.rejected,
        100.0 * c.utilisation,
        100.0 * c.idle_rate,
        c.wait_p50_s,
        c.wait_p95_s,
        c.wait_p99_s,
        money(c.gross_cost_yuan),
        money(c.subsidy_yuan),
        money(c.firm_cost_yuan),
        100.0 * c.green_share,
        c.jain_fairness
    );
    let mut t = Table::new(["cluster", "jobs", "utilisation", "idle", "cost", "subsidy"]);
    for l in clusters {
        t.push([
            l.cluster.clone(),
            l.jobs.to_string(),
            format!("{:.1} %", 100.0 * l.utilisation),
            format!("{:.1} %", 100.0 * l.idle_rate),
            money(l.gross_cost_yuan),
            money(l.subsidy_yuan),
        ]);
    }
    let _ = t.print(Format::Table);
}

fn print_supervision(s: &SupervisionSummary) {
    let join = |m: &BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "\n[5] supervision: sandbox applications: {}; violations: {}; inspections: {} planned, site visits {} → {} ({} saved), {} non-site reviews, {} cap breaches, {} alerts",
        join(&s.sandbox),
        join(&s.enforcement),
        s.inspections_planned,
        s.visits_before,
        s.visits_after,
        s.visits_saved,
        s.non_site_reviews,
        s.cap_breaches,
        s.alerts
    );
}

fn print_index(i: &IndexSummary) {
    println!(
        "\n[6] index: CAICT fusion index {}–{}: {} ({}% on estimates); cohort index over {} provinces from {}; top: {}",
        i.caict_base_year,
        i.caict_to_year,
        i.caict_total.map_or("-".into(), |x| format!("{x:.2}")),
        i.caict_estimated_share
            .map_or("-".into(), |x| format!("{:.0}", 100.0 * x)),
        i.cohort_provinces,
        i.cohort_base_year,
        i.cohort_top
            .iter()
            .map(|(u, x)| format!("{u} {x:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

// ------------------------------------------------------------------------------ step 7

fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    for r in rows {
        w.serialize(r)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    w.flush()?;
    Ok(())
}

fn write_table(path: &Path, table: &Table) -> Result<()> {
    let mut f =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    table.write_to(Format::Csv, &mut f)
}

#[allow(clippy::too_many_arguments)]
fn write_report(
    dir: &Path,
    summary: &Summary,
    store: &SqliteStore,
    firms: &[Enterprise],
    adj: &Adjustment,
    benefits: &BenefitRun,
    compute: &ComputeRun,
    supervision: &SupervisionRun,
    index: &IndexRun,
    book: &VoucherBook<SqliteJournal>,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let names: HashMap<EnterpriseId, &str> =
        firms.iter().map(|f| (f.id, f.name.as_str())).collect();

    // Registry.
    let counts = store.counts_by_year()?;
    let mut tiers = Table::new(["year", "potential", "growth", "leading", "untiered"]);
    for (y, c) in &counts {
        tiers.push([
            y.to_string(),
            c.per_tier[0].to_string(),
            c.per_tier[1].to_string(),
            c.per_tier[2].to_string(),
            c.untiered.to_string(),
        ]);
    }
    write_table(&dir.join("tiers.csv"), &tiers)?;
    let name_of = |id: &EnterpriseId| names.get(id).copied().unwrap_or_default().to_string();
    let changes = registry_cmd::change_log_table(adj, &name_of, true);
    write_table(&dir.join("changes.csv"), &changes)?;

    // Benefits and vouchers.
    write_csv(&dir.join("benefits.csv"), &benefits.lines)?;
    let mut vouchers = Table::new([
        "program",
        "kind",
        "year",
        "budget_yuan",
        "granted_yuan",
        "redeemed_yuan",
        "expired_yuan",
        "clawed_back_yuan",
        "outstanding_yuan",
        "remaining_yuan",
        "firms",
    ]);
    let fen = |f: u64| voucher_ledger::money::fen_to_yuan(f).to_string();
    let mut program_rows = Vec::new();
    for p in book.programs() {
        let r = book.report(&p.id)?;
        for y in r.years.iter().filter(|y| y.year == summary.year) {
            program_rows.push((
                p.id.clone(),
                y.granted_fen,
                y.redeemed_fen,
                y.outstanding_fen,
            ));
            vouchers.push([
                p.id.clone(),
                r.kind.clone(),
                y.year.to_string(),
                y.budget_fen.map(fen).unwrap_or_default(),
                fen(y.granted_fen),
                fen(y.redeemed_fen),
                fen(y.expired_fen),
                fen(y.clawed_back_unused_fen + y.clawed_back_redeemed_fen),
                fen(y.outstanding_fen),
                y.remaining_fen
                    .map(|x| Decimal::from_i128_with_scale(x, 2).to_string())
                    .unwrap_or_default(),
                y.firms.to_string(),
            ]);
        }
    }
    write_table(&dir.join("vouchers.csv"), &vouchers)?;

    // Compute.
    write_csv(&dir.join("compute_clusters.csv"), &compute.clusters)?;
    write_csv(&dir.join("compute_jobs.csv"), &compute.jobs)?;
    write_csv(&dir.join("compute_rejections.csv"), &compute.rejections)?;
    write_csv(
        &dir.join("compute_summary.csv"),
        std::slice::from_ref(&compute.summary),
    )?;

    // Supervision.
    write_csv(&dir.join("sandbox.csv"), &supervision.sandbox)?;
    write_csv(&dir.join("enforcement.csv"), &supervision.enforcement)?;
    let mut insp = Table::new([
        "id",
        "firm",
        "date",
        "mode",
        "mandatory",
        "departments",
        "subjects",
        "members",
    ]);
    for j in &supervision.plan.inspections {
        insp.push([
            j.id.clone(),
            j.firm.clone(),
            j.date.to_string(),
            format!("{:?}", j.mode).to_lowercase(),
            j.mandatory.to_string(),
            j.departments.join("; "),
            j.subjects.join("; "),
            j.members.join("; "),
        ]);
    }
    write_table(&dir.join("inspections.csv"), &insp)?;

    // Index.
    let mut f = std::fs::File::create(dir.join("index_caict.csv"))?;
    index_cmd::write_result_to(&index.caict, Format::Csv, &mut f)?;
    let mut f = std::fs::File::create(dir.join("index_cohort.csv"))?;
    index_cmd::write_result_to(&index.cohort, Format::Csv, &mut f)?;

    // Charts.
    write_charts(dir, summary, &counts, &program_rows, compute, index)?;

    // summary.md
    let md = summary_markdown(summary)?;
    std::fs::write(dir.join("summary.md"), md)
        .with_context(|| format!("writing {}", dir.join("summary.md").display()))?;
    Ok(())
}

/// A figure of one chart.
fn figure(chart: Chart) -> Figure {
    Figure {
        title: None,
        rows: vec![vec![chart]],
        width: 960,
        row_height: 520,
    }
}

fn write_charts(
    dir: &Path,
    summary: &Summary,
    counts: &[(Year, registry_model::AdjustmentCounts)],
    programs: &[(String, u64, u64, u64)],
    compute: &ComputeRun,
    index: &IndexRun,
) -> Result<()> {
    let tier_lines = Tier::ALL
        .iter()
        .map(|t| Line {
            label: format!("{} {}", t.name_zh(), t.key()),
            points: counts
                .iter()
                .map(|(y, c)| Point {
                    x: f64::from(*y),
                    y: Some(c.per_tier[t_index(*t)] as f64),
                    estimated: false,
                })
                .collect(),
        })
        .collect();
    let tiers = Chart::Line(LineChart {
        title: "Firms per tier after each yearly adjustment".into(),
        x_label: "year".into(),
        y_label: "firms".into(),
        integer_x: true,
        reference_y: None,
        lines: tier_lines,
        dashed_note: String::new(),
    });
    write_svg(&figure(tiers), &dir.join("tiers.svg"))?;

    let yuan = |f: u64| f as f64 / 100.0 / 1e4;
    let flows = Chart::Bar(BarChart {
        title: format!("Voucher flows per program, {} (¥10k)", summary.year),
        y_label: "¥10k".into(),
        categories: programs.iter().map(|p| p.0.clone()).collect(),
        series: vec![
            BarSeries {
                label: "granted".into(),
                values: programs.iter().map(|p| Some(yuan(p.1))).collect(),
            },
            BarSeries {
                label: "redeemed".into(),
                values: programs.iter().map(|p| Some(yuan(p.2))).collect(),
            },
            BarSeries {
                label: "outstanding".into(),
                values: programs.iter().map(|p| Some(yuan(p.3))).collect(),
            },
        ],
        reference_y: None,
    });
    write_svg(&figure(flows), &dir.join("vouchers.svg"))?;

    let util = Chart::Bar(BarChart {
        title: format!(
            "Cluster utilisation, {} (%; 65 % rack-occupancy target)",
            summary.year
        ),
        y_label: "%".into(),
        categories: compute.clusters.iter().map(|c| c.cluster.clone()).collect(),
        series: vec![
            BarSeries {
                label: "utilisation".into(),
                values: compute
                    .clusters
                    .iter()
                    .map(|c| Some(100.0 * c.utilisation))
                    .collect(),
            },
            BarSeries {
                label: "rack occupancy".into(),
                values: compute
                    .clusters
                    .iter()
                    .map(|c| Some(100.0 * c.rack_occupancy))
                    .collect(),
            },
        ],
        reference_y: Some(65.0),
    });
    write_svg(&figure(util), &dir.join("clusters.svg"))?;

    let caict = index_cmd::index_figure(&index.caict_fw, &index.caict, None)?;
    write_svg(&caict, &dir.join("index_caict.svg"))?;
    let top: Vec<&str> = summary
        .index
        .cohort_top
        .iter()
        .map(|(u, _)| u.as_str())
        .collect();
    let years = index.cohort.years();
    let lines = top
        .iter()
        .filter_map(|u| {
            let ui = index.cohort.unit_position(u).ok()?;
            let ni = index.cohort.node_position("cohort").ok()?;
            let idx = index.cohort.index_series(ni, ui)?;
            let est = index.cohort.estimated_series(ni, ui);
            Some(Line {
                label: (*u).to_string(),
                points: years
                    .iter()
                    .zip(idx)
                    .enumerate()
                    .map(|(k, (y, v))| Point {
                        x: f64::from(*y),
                        y: v.is_finite().then_some(*v),
                        estimated: est.and_then(|e| e.get(k)).is_some_and(|s| *s > 0.0),
                    })
                    .collect(),
            })
        })
        .collect();
    let cohort = Chart::Line(LineChart {
        title: format!(
            "Cohort cultivation index, top provinces ({} = 100)",
            summary.index.cohort_base_year
        ),
        x_label: "year".into(),
        y_label: "index".into(),
        integer_x: true,
        reference_y: Some(100.0),
        lines,
        dashed_note: "dashed: resting on estimates".into(),
    });
    write_svg(&figure(cohort), &dir.join("index_cohort.svg"))?;
    Ok(())
}

fn summary_markdown(s: &Summary) -> Result<String> {
    let mut md = String::new();
    writeln!(md, "# shuchuang cycle {}\n", s.year)?;
    writeln!(
        md,
        "Ledger date {}. Every number below comes from a CSV file in this folder.\n",
        s.date
    )?;
    writeln!(md, "## 1–2. Registry (tiers.csv, changes.csv, tiers.svg)\n")?;
    writeln!(
        md,
        "{} firms in the registry{}; adjustment {} under criteria set `{}`{}.\n",
        s.registry.firms,
        s.registry
            .generated
            .map_or(String::new(), |n| format!(" ({n} generated this run)")),
        s.year,
        s.registry.criteria_set,
        if s.registry.already_adjusted {
            " (already done: unchanged)"
        } else {
            ""
        }
    )?;
    writeln!(md, "| tier | firms |\n|---|---:|")?;
    for t in Tier::ALL {
        writeln!(
            md,
            "| {} {} | {} |",
            t.name_zh(),
            t.key(),
            s.registry.per_tier.get(t.key()).copied().unwrap_or(0)
        )?;
    }
    writeln!(md, "| no tier | {} |\n", s.registry.untiered)?;
    writeln!(md, "| change | firms |\n|---|---:|")?;
    for (k, v) in &s.registry.per_change {
        writeln!(md, "| {k} | {v} |")?;
    }
    writeln!(
        md,
        "\n{} firms in their year of grace; {} borderline firms sent to the panel.\n",
        s.registry.grace, s.registry.borderline
    )?;
    let b = &s.benefits;
    writeln!(
        md,
        "## 3. Benefits without application (benefits.csv, vouchers.csv, vouchers.svg)\n"
    )?;
    writeln!(
        md,
        "{} firms matched: {} benefits granted ({}), {} refused by the ledger (caps, budgets, eligibility), {} pending on missing facts for {} firms (快申快享), {} conflicts.\n",
        b.firms_matched,
        b.granted,
        money(b.granted_yuan),
        b.refused,
        b.pending,
        b.firms_with_missing_facts,
        b.conflicts
    )?;
    writeln!(
        md,
        "| program | grants | granted | refused | pending |\n|---|---:|---:|---:|---:|"
    )?;
    for (p, l) in &b.per_program {
        writeln!(
            md,
            "| {p} | {} | {} | {} | {} |",
            l.grants,
            money(l.granted_yuan),
            l.refused,
            l.pending
        )?;
    }
    let c = &s.compute;
    writeln!(
        md,
        "\n## 4. Compute (compute_summary.csv, compute_clusters.csv, compute_jobs.csv, compute_rejections.csv, clusters.svg)\n"
    )?;
    writeln!(
        md,
        "Policy `{}`: {} compute-voucher holders submitted {} jobs; {} placed, {} rejected. Utilisation {:.1} %, idle {:.1} %, wait p50/p95/p99 {}/{}/{} s. Cost {}, of which compute vouchers paid {} and firms {}. Green power {:.1} %, Jain's fairness {:.3}.\n",
        c.policy,
        c.holders,
        c.jobs,
        c.placed,
        c.rejected,
        100.0 * c.utilisation,
        100.0 * c.idle_rate,
        c.wait_p50_s,
        c.wait_p95_s,
        c.wait_p99_s,
        money(c.gross_cost_yuan),
        money(c.subsidy_yuan),
        money(c.firm_cost_yuan),
        100.0 * c.green_share,
        c.jain_fairness
    )?;
    let v = &s.supervision;
    writeln!(
        md,
        "## 5. Supervision (sandbox.csv, enforcement.csv, inspections.csv)\n"
    )?;
    let join = |m: &BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(md, "- Sandbox applications: {}", join(&v.sandbox))?;
    writeln!(md, "- Violations: {}", join(&v.enforcement))?;
    writeln!(
        md,
        "- Inspections: {} planned; site visits {} → {} ({} saved by joint inspections and non-site review); {} non-site reviews; {} cap breaches; {} alerts.\n",
        v.inspections_planned,
        v.visits_before,
        v.visits_after,
        v.visits_saved,
        v.non_site_reviews,
        v.cap_breaches,
        v.alerts
    )?;
    let i = &s.index;
    writeln!(
        md,
        "## 6. Measurement (index_caict.csv, index_cohort.csv, index_caict.svg, index_cohort.svg)\n"
    )?;
    writeln!(
        md,
        "CAICT fusion index {}–{}: {} ({} % of its weight on estimates). Cohort index of the registry's firms over {} provinces, base {} = 100; top: {}.",
        i.caict_base_year,
        i.caict_to_year,
        i.caict_total.map_or("-".into(), |x| format!("{x:.2}")),
        i.caict_estimated_share
            .map_or("-".into(), |x| format!("{:.0}", 100.0 * x)),
        i.cohort_provinces,
        i.cohort_base_year,
        i.cohort_top
            .iter()
            .map(|(u, x)| format!("{u} {x:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    Ok(md)
}
