//! `shuchuang compute`: the national compute network catalog, placing job streams with a
//! policy, simulating them, and comparing every policy with the optimum.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use compute_scheduler::compare::{PaymentChoice, compare_policies, run_policy};
use compute_scheduler::generate::{FIRMS_DEFAULT, SYNTHETIC_FIRMS_MAX, UTILISATION_DEFAULT};
use compute_scheduler::job::write_jobs_csv;
use compute_scheduler::optimum::{INTEGER_JOBS_CEILING, LP_JOBS_CEILING, OptimumOptions};
use compute_scheduler::source::{JobSource, Spread};
use compute_scheduler::{Catalog, Job};

use crate::cmd::PlacementArg;
use report::compute as compute_report;

use crate::output::{Format, Watched, lang, print_json};
use crate::{input, interrupt};

/// The most jobs `--generate` makes (the scheduler's bound on a stream).
const GENERATE_MAX: usize = compute_scheduler::job::MAX_JOBS;

/// Arguments of `shuchuang compute`.
#[derive(Debug, Args)]
pub struct ComputeArgs {
    #[command(subcommand)]
    command: ComputeCommand,
}

#[derive(Debug, Subcommand)]
enum ComputeCommand {
    /// The hubs and clusters of the network; with --latency, the province → cluster latency table.
    #[command(
        after_help = "Examples:\n  shuchuang compute catalog\n  shuchuang compute catalog --latency --format csv"
    )]
    Catalog(CatalogArgs),
    /// Place a job stream with one policy and list where and when each job ran.
    #[command(after_help = "Examples:
  shuchuang compute schedule --generate 200 --seed 7 --placement greedy
  shuchuang compute schedule --jobs jobs.csv --placement fair --explain job-17")]
    Schedule(ScheduleArgs),
    /// Simulate a job stream with one policy and print the metrics.
    #[command(after_help = "Examples:
  shuchuang compute simulate --generate 5000 --seed 1 --placement backfill --capacity-divisor 100
  shuchuang compute simulate --jobs jobs.csv --format csv --per-cluster")]
    Simulate(SimulateArgs),
    /// Run every policy on the same stream side by side, with the optimum where small enough.
    #[command(
        after_help = "Examples:\n  shuchuang compute compare --generate 300 --seed 7 --capacity-divisor 1000"
    )]
    Compare(CompareArgs),
    /// Write a job stream (generated or imported from the Alibaba trace) as job CSV.
    #[command(after_help = "Examples:
  shuchuang compute jobs --generate 1000 --seed 3 --out jobs.csv
  shuchuang compute jobs --alibaba-jobs data/compute/alibaba-sample/pai_job_table.csv --alibaba-tasks data/compute/alibaba-sample/pai_task_table.csv")]
    Jobs(JobsArgs),
}

#[derive(Debug, Args)]
struct NetArgs {
    /// Catalog TOML to use instead of the shipped one (data/compute/catalog.toml).
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Divide every cluster's cards and cores by N (1..=100,000,000; small networks where
    /// capacity binds).
    #[arg(long, value_name = "N", default_value_t = 1)]
    capacity_divisor: u32,
}

#[derive(Debug, Args)]
struct SourceArgs {
    /// Job CSV to place (columns: see docs/compute-scheduler.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["generate", "alibaba_jobs"])]
    jobs: Option<PathBuf>,
    /// Generate N synthetic jobs (daily cycle, east/west mix; 1..=5,000,000).
    #[arg(long, value_name = "N", conflicts_with = "alibaba_jobs")]
    generate: Option<usize>,
    /// Seed of the generator (and of the firms the trace's users map to).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Synthetic firms behind generated or imported jobs (1..=1,000,000).
    #[arg(long, value_name = "N", default_value_t = FIRMS_DEFAULT)]
    firms: usize,
    /// Offered card load of generated jobs, as a share of the network's cards.
    #[arg(long, default_value_t = UTILISATION_DEFAULT, conflicts_with = "days")]
    load: f64,
    /// Spread generated submissions over this many days instead of by load.
    #[arg(long)]
    days: Option<u32>,
    /// Alibaba cluster-trace-gpu-v2020 pai_job_table CSV.
    #[arg(long, value_name = "FILE", requires = "alibaba_tasks")]
    alibaba_jobs: Option<PathBuf>,
    /// Alibaba cluster-trace-gpu-v2020 pai_task_table CSV.
    #[arg(long, value_name = "FILE", requires = "alibaba_jobs")]
    alibaba_tasks: Option<PathBuf>,
    /// Import the trace's Failed jobs as well as its Terminated ones.
    #[arg(long, requires = "alibaba_jobs")]
    alibaba_include_failed: bool,
}

#[derive(Debug, Args)]
struct CatalogArgs {
    #[command(flatten)]
    net: NetArgs,
    /// Print the latency table (ms, province × cluster) instead of the clusters.
    #[arg(long)]
    latency: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ScheduleArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    net: NetArgs,
    #[command(flatten)]
    pay: PaymentChoice,
    /// Placement policy.
    #[arg(long, value_enum, default_value_t = PlacementArg::Greedy)]
    placement: PlacementArg,
    /// Explain the decisions about this job id: each filter's removals and each score.
    #[arg(long, value_name = "JOB")]
    explain: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    net: NetArgs,
    #[command(flatten)]
    pay: PaymentChoice,
    /// Placement policy.
    #[arg(long, value_enum, default_value_t = PlacementArg::Greedy)]
    placement: PlacementArg,
    /// For csv: print the per-cluster table instead of the overall metrics.
    #[arg(long)]
    per_cluster: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct CompareArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    net: NetArgs,
    #[command(flatten)]
    pay: PaymentChoice,
    /// Compute the optimum (LP bound) only up to this many jobs (at most 2,000); the integer
    /// optimum is computed up to --integer-max.
    #[arg(long, value_name = "N", default_value_t = 500)]
    optimum_max: usize,
    /// Compute the integer optimum up to this many jobs (at most 100).
    #[arg(long, value_name = "N", default_value_t = 60)]
    integer_max: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct JobsArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    net: NetArgs,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `shuchuang compute`.
pub fn run(args: ComputeArgs) -> anyhow::Result<()> {
    match args.command {
        ComputeCommand::Catalog(a) => catalog_cmd(a),
        ComputeCommand::Schedule(a) => schedule_cmd(a),
        ComputeCommand::Simulate(a) => simulate_cmd(a),
        ComputeCommand::Compare(a) => compare_cmd(a),
        ComputeCommand::Jobs(a) => jobs_cmd(a),
    }
}

fn load_catalog(net: &NetArgs) -> anyhow::Result<Catalog> {
    let catalog = match &net.catalog {
        None => Catalog::embedded()?,
        Some(p) => {
            let text = input::read_text(p)?;
            Catalog::from_toml_str(&text, &p.display().to_string())?
        }
    };
    if net.capacity_divisor == 1 {
        Ok(catalog)
    } else {
        Ok(catalog.with_capacity_divisor(net.capacity_divisor)?)
    }
}

fn load_jobs(src: &SourceArgs, catalog: &Catalog) -> anyhow::Result<Vec<Job>> {
    if src.firms == 0 || src.firms > SYNTHETIC_FIRMS_MAX {
        bail!("--firms {} is outside 1..={SYNTHETIC_FIRMS_MAX}", src.firms);
    }
    let read = |p: &PathBuf| -> anyhow::Result<(String, String)> {
        Ok((input::read_text(p)?, p.display().to_string()))
    };
    let jobs = src.jobs.as_ref().map(read).transpose()?;
    let job_table = src.alibaba_jobs.as_ref().map(read).transpose()?;
    let task_table = src.alibaba_tasks.as_ref().map(read).transpose()?;
    let source = match (&jobs, src.generate, &job_table, &task_table) {
        (Some((text, file)), ..) => JobSource::Csv(text, file),
        (None, Some(n), ..) => {
            if n == 0 || n > GENERATE_MAX {
                bail!("--generate {n} is outside 1..={GENERATE_MAX}");
            }
            JobSource::Generate {
                jobs: n,
                seed: src.seed,
                firms: src.firms,
                spread: src.days.map_or(Spread::Load(src.load), Spread::Days),
            }
        }
        (None, None, Some(j), Some(t)) => JobSource::Alibaba {
            job_table: (&j.0, &j.1),
            task_table: (&t.0, &t.1),
            seed: src.seed,
            firms: src.firms,
            include_failed: src.alibaba_include_failed,
        },
        _ => bail!(
            "give a job source: --jobs FILE, --generate N, or --alibaba-jobs FILE --alibaba-tasks FILE"
        ),
    };
    let loaded = source.load(catalog)?;
    if let Some(report) = &loaded.import {
        eprintln!("{}", compute_report::import_note(report, loaded.jobs.len()));
    }
    Ok(loaded.jobs)
}

fn catalog_cmd(a: CatalogArgs) -> anyhow::Result<()> {
    let catalog = load_catalog(&a.net)?;
    let t = if a.latency {
        compute_report::latency_table(&catalog)
    } else {
        compute_report::catalog_table(&catalog)
    };
    Ok(t.print_in(a.format, lang())?)
}

fn schedule_cmd(a: ScheduleArgs) -> anyhow::Result<()> {
    let catalog = load_catalog(&a.net)?;
    let jobs = load_jobs(&a.source, &catalog)?;
    let (kind, explain) = (a.placement.kind(), a.explain.clone());
    let schedule = run_policy(&catalog, &jobs, kind, &a.pay, explain)?;
    if let Some(ex) = &schedule.explanation {
        if a.format == Format::Json {
            return print_json(ex);
        }
        return Ok(compute_report::explain_table(ex, &catalog).print_in(a.format, lang())?);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    compute_report::write_schedule(a.format, &mut out, &schedule, &jobs, &catalog)?;
    Ok(())
}

fn simulate_cmd(a: SimulateArgs) -> anyhow::Result<()> {
    let catalog = load_catalog(&a.net)?;
    let jobs = load_jobs(&a.source, &catalog)?;
    let pb = crate::progress::spinner("simulating");
    let schedule = run_policy(&catalog, &jobs, a.placement.kind(), &a.pay, None)?;
    pb.finish_and_clear();
    match a.format {
        Format::Json => print_json(&schedule.metrics),
        Format::Csv if a.per_cluster => {
            Ok(compute_report::cluster_table(&schedule).print_in(Format::Csv, lang())?)
        }
        Format::Csv => Ok(compute_report::metrics_table(&schedule).print_in(Format::Csv, lang())?),
        Format::Table => {
            compute_report::metrics_table(&schedule).print_in(Format::Table, lang())?;
            Ok(compute_report::cluster_table(&schedule).print_in(Format::Table, lang())?)
        }
    }
}

fn compare_cmd(a: CompareArgs) -> anyhow::Result<()> {
    if a.optimum_max > LP_JOBS_CEILING {
        bail!(
            "--optimum-max {} is above its maximum {LP_JOBS_CEILING}",
            a.optimum_max
        );
    }
    if a.integer_max > INTEGER_JOBS_CEILING {
        bail!(
            "--integer-max {} is above its maximum {INTEGER_JOBS_CEILING}",
            a.integer_max
        );
    }
    let catalog = load_catalog(&a.net)?;
    let jobs = load_jobs(&a.source, &catalog)?;
    let pb = crate::progress::spinner("comparing");
    let opts = OptimumOptions {
        lp_jobs_max: a.optimum_max,
        integer_jobs_max: a.integer_max,
        ..OptimumOptions::default()
    };
    let compared = compare_policies(&catalog, &jobs, &a.pay, &opts)?;
    let opt = compared.optimum;
    pb.finish_and_clear();
    let t = compute_report::compare_table(&compared.runs, opt.as_ref());
    for line in compute_report::compare_notes(opt.as_ref(), jobs.len(), a.optimum_max) {
        eprintln!("{line}");
    }
    Ok(t.print_in(a.format, lang())?)
}

fn jobs_cmd(a: JobsArgs) -> anyhow::Result<()> {
    let catalog = load_catalog(&a.net)?;
    let jobs = load_jobs(&a.source, &catalog)?;
    match &a.out {
        Some(p) => {
            interrupt::note(format!("{} was not written", p.display()));
            report::atomic::write_with(p, |out| {
                write_jobs_csv(out, &jobs).map_err(|e| report::ReportError::Invalid(e.to_string()))
            })
            .with_context(|| format!("writing {}", p.display()))?;
            eprintln!("wrote {} jobs to {}", jobs.len(), p.display());
            Ok(())
        }
        None => {
            let mut out = Watched::new(std::io::BufWriter::new(std::io::stdout().lock()));
            let written = write_jobs_csv(&mut out, &jobs);
            out.check(written)
        }
    }
}
