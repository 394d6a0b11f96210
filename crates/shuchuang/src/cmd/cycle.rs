//! `shuchuang cycle`: one annual cultivation cycle, end to end, on the embedded stores. The
//! cycle is the `cultivation` library's; this command takes the data directory's lock,
//! opens the stores, prints each step as it finishes and writes the report folder.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};
use cultivation::cycle::{
    CAPACITY_DIVISOR_DEFAULT, FIRMS_DEFAULT, JOBS_PER_HOLDER_DEFAULT, SEED_DEFAULT,
};
use cultivation::scenario_step::SCENARIOS_DEFAULT;
use cultivation::{CycleConfig, Observer, Step, StepDone, Stores, run_cycle};
use registry_model::Year;
use report::cycle::{Console, write_folder};
use serde::Serialize;

use crate::cmd::PlacementArg;
use crate::interrupt;
use crate::output::{lang, print_json};
use crate::progress::Progress;
use crate::store::StoreArgs;
use report::messages::fill;

/// The environment variable of the fault injection used by the recovery tests.
pub const FAULT_VAR: &str = "SHUCHUANG_CYCLE_FAULT";
/// The longest a `wait:` fault waits for its file.
const FAULT_WAIT_MAX: Duration = Duration::from_secs(120);

/// How the cycle prints its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CycleFormat {
    /// Each step for people as it finishes. Every table is also in the report folder as CSV.
    Table,
    /// The summary of every step as one JSON object, at the end.
    Json,
}

/// Arguments of `shuchuang cycle`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  shuchuang cycle                                   # 2025 on ./shuchuang-data, report in ./shuchuang-report/2025
  shuchuang cycle --year 2026                       # the next year, from the stored state
  shuchuang cycle --data-dir /tmp/d --firms 500 --seed 7 --placement greedy --out /tmp/r --format json")]
pub struct CycleArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Statistical year of the cycle (default: the last adjusted year, or 2025 on an empty
    /// registry). A later year continues from the stored state; an earlier one is refused.
    #[arg(long, value_name = "Y")]
    year: Option<Year>,
    /// Firms in the synthetic cohort generated when the registry is empty (1..=10,000,000).
    #[arg(long, value_name = "N", default_value_t = FIRMS_DEFAULT)]
    firms: usize,
    /// Seed of everything synthetic: the cohort, the compute demand, the supervision cases,
    /// the scenario list.
    #[arg(long, value_name = "S", default_value_t = SEED_DEFAULT)]
    seed: u64,
    /// The report folder (default ./shuchuang-report/YEAR).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Placement policy of the year's compute demand.
    #[arg(long, value_enum, default_value_t = PlacementArg::Fair)]
    placement: PlacementArg,
    /// Compute jobs per compute-voucher holder (0..=1,000; the year's total at most
    /// 5,000,000).
    #[arg(long, value_name = "K", default_value_t = JOBS_PER_HOLDER_DEFAULT)]
    jobs_per_holder: usize,
    /// The subsidised pool is the national network's capacity divided by N (1..=100,000,000):
    /// the share of the 东数西算 clusters the program books for its firms.
    #[arg(long, value_name = "N", default_value_t = CAPACITY_DIVISOR_DEFAULT)]
    capacity_divisor: u32,
    /// Application scenarios published in the year's opportunity list (0..=1,000), matched
    /// to the registry's firms in step 6.
    #[arg(long, value_name = "N", default_value_t = SCENARIOS_DEFAULT)]
    scenarios: usize,
    /// How the summary is printed.
    #[arg(long, value_enum, default_value_t = CycleFormat::Table)]
    format: CycleFormat,
}

/// Fault injection for the recovery and concurrency tests, from `SHUCHUANG_CYCLE_FAULT`:
/// `fail:STEP` fails step STEP after all its writes; `abort:STEP:N` aborts the process
/// (no clean-up at all, as a crash) after N ledger writes of step STEP; `wait:STEP:FILE`
/// waits at the start of step STEP until FILE exists (writing FILE.waiting when it begins). STEP is a number (1–8) or a name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Fault {
    fail: Option<Step>,
    abort: Option<(Step, usize)>,
    wait: Option<(Step, PathBuf)>,
}

impl Fault {
    fn from_env() -> Result<Self> {
        let Ok(text) = std::env::var(FAULT_VAR) else {
            return Ok(Self::default());
        };
        let bad = || {
            anyhow::anyhow!(
                "{FAULT_VAR}='{text}': expected fail:STEP, abort:STEP:WRITES or wait:STEP:FILE"
            )
        };
        let step = |s: &str| s.parse::<Step>().map_err(|_| bad());
        let parts: Vec<&str> = text.splitn(3, ':').collect();
        Ok(match parts.as_slice() {
            ["fail", s] => Self {
                fail: Some(step(s)?),
                ..Self::default()
            },
            ["abort", s, n] => Self {
                abort: Some((step(s)?, n.parse().map_err(|_| bad())?)),
                ..Self::default()
            },
            ["wait", s, file] => Self {
                wait: Some((step(s)?, PathBuf::from(file))),
                ..Self::default()
            },
            _ => return Err(bad()),
        })
    }
}

/// Prints the steps, shows progress, notes what an interruption would leave, and injects
/// the test faults.
struct CycleObserver {
    console: Option<Console>,
    progress: Option<Progress>,
    fault: Fault,
    year: Option<Year>,
    error: Option<std::io::Error>,
}

impl Observer for CycleObserver {
    fn step_started(&mut self, step: Step) {
        let year = self.year.map_or_else(String::new, |y| format!(" {y}"));
        interrupt::note(if step.writes_ledger() || step == Step::Registry {
            format!(
                "during step {step}; what it committed stays (each write is a whole transaction and idempotent): rerun the cycle{year} to complete it; the report folder was not written"
            )
        } else {
            format!("during step {step}; the report folder was not written")
        });
        if let Some((s, file)) = &self.fault.wait
            && *s == step
        {
            // Tell the test that the wait began.
            let mut marker = file.clone().into_os_string();
            marker.push(".waiting");
            let _ = std::fs::write(PathBuf::from(marker), std::process::id().to_string());
            let until = Instant::now() + FAULT_WAIT_MAX;
            while !file.exists() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    fn begin(&mut self, label: &str, total: Option<u64>) {
        self.progress = Some(Progress::new(label, total));
    }

    fn advance(&mut self, units: u64) {
        if let Some(p) = &self.progress {
            p.inc(units);
        }
    }

    fn end(&mut self) {
        if let Some(p) = self.progress.take() {
            p.finish_and_clear();
        }
    }

    fn step_done(&mut self, result: StepDone<'_>) {
        if let StepDone::Registry(r) = result {
            self.year = Some(r.adjustment.year);
        }
        if let (Some(console), None) = (&self.console, &self.error) {
            let mut out = std::io::stdout().lock();
            let written = console
                .write_step(&mut out, result)
                .and_then(|()| Ok(out.flush()?));
            if let Err(e) = written {
                self.error = Some(std::io::Error::other(e.to_string()));
                if e.io_kind() == Some(std::io::ErrorKind::BrokenPipe) {
                    self.error = Some(std::io::ErrorKind::BrokenPipe.into());
                }
            }
        }
    }

    fn ledger_write(&mut self, step: Step, writes: usize) {
        if self.fault.abort == Some((step, writes)) {
            std::process::abort();
        }
    }
}

/// The JSON printed by `--format json`.
#[derive(Serialize)]
struct JsonSummary {
    #[serde(flatten)]
    summary: cultivation::Summary,
    report_dir: String,
}

/// Runs `shuchuang cycle`.
pub fn run(args: CycleArgs) -> Result<()> {
    let fault = Fault::from_env()?;
    let mut config = CycleConfig::new()?;
    config.year = args.year;
    config.firms = args.firms;
    config.seed = args.seed;
    config.placement = args.placement.kind();
    config.jobs_per_holder = args.jobs_per_holder;
    config.capacity_divisor = args.capacity_divisor;
    config.market_scenarios = args.scenarios;
    config.fail_at_end_of = fault.fail;
    config.validate()?;

    let names = report::Names::shipped()?;
    let dir = args.store.dir();
    interrupt::note("before the data directory was locked; nothing was written");
    let lock = dir.lock()?;
    let mut registry = dir.open_registry(&lock)?;
    let mut ledger = dir.open_ledger(&lock, true, None)?;
    let mut cohort = dir.cohort_memory(&lock)?;
    let mut observer = CycleObserver {
        console: (args.format == CycleFormat::Table).then(|| Console {
            data_dir: dir.location(),
            seed: args.seed,
            lang: lang(),
            names: names.clone(),
        }),
        progress: None,
        fault,
        year: None,
        error: None,
    };
    let outcome = run_cycle(
        Stores {
            registry: registry.as_mut(),
            ledger: &mut ledger,
            cohort: cohort.as_mut(),
        },
        &config,
        &mut observer,
    );
    observer.end();
    if let Some(e) = observer.error.take() {
        return Err(e.into());
    }
    let outcome = outcome?;
    let report_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("shuchuang-report").join(outcome.year.to_string()));
    interrupt::note(format!(
        "while writing the report folder {}; the stores are complete for {}: rerun to write it",
        report_dir.display(),
        outcome.year
    ));
    if config.fail_at_end_of == Some(Step::Report) {
        bail!("step {} failed: injected failure", Step::Report);
    }
    write_folder(&report_dir, &outcome, lang(), &names).with_context(|| {
        format!(
            "step {} failed: writing {}",
            Step::Report,
            report_dir.display()
        )
    })?;
    drop(cohort);
    drop(lock);
    match args.format {
        CycleFormat::Json => print_json(&JsonSummary {
            summary: outcome.summary(),
            report_dir: report_dir.display().to_string(),
        }),
        CycleFormat::Table => {
            let dir = report_dir.display();
            crate::output::say(fill("cycle.report", lang(), &[("dir", &dir)]))
        }
    }
}
