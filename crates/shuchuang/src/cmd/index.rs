//! `shuchuang index`: the fusion index (and any composite index) from raw data.
//!
//! - `compute DIR`: DIR/framework.csv and DIR/observations.csv (and DIR/published.csv when
//!   present, unless `--raw`) → every node, unit and year;
//! - `validate DIR`: every figure of DIR/published.csv beside the raw computation;
//! - `sensitivity DIR`: the one-at-a-time ±20 % weight test;
//! - `sobol DIR`: first- and total-order Sobol indices of one figure to the weights;
//! - `uncertainty DIR`: Monte Carlo percentile bands of noisy weights;
//! - `fill DIR`: the filled panel with every value's flag;
//! - `synth --out DIR`: a synthetic panel with the CAICT framework.
//!
//! This module holds what the subcommands share: the data directory's options and loading,
//! the choice of method, and where output goes.

mod analyse;
mod compute;
mod fill;
mod validate;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use index_engine::synth::{MAX_SYNTH_UNITS, SynthOptions, synth_panel};
use index_engine::uncertainty::MAX_SAMPLES;
use index_engine::{
    Aggregation, ComputeOptions, FillNote, FilledPanel, Framework, Interpolation, MAX_YEARS,
    MethodChoice, MethodKind, MethodSpec, Normalisation, Panel, PanelBuilder, Published,
    PublishedRule, PublishedUse, Year,
};

use crate::output::Format;
use crate::{interrupt, progress};

/// Arguments of `shuchuang index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Debug, Subcommand)]
enum IndexCommand {
    /// Compute the index for every node, unit and year from DIR/framework.csv and
    /// DIR/observations.csv (with DIR/published.csv standing in where the data falls short,
    /// unless --raw).
    #[command(after_help = compute::EXAMPLES)]
    Compute(compute::ComputeArgs),
    /// Every published figure (DIR/published.csv) beside the raw computation, with the leaves
    /// that explain the difference.
    #[command(after_help = validate::EXAMPLES)]
    Validate(validate::ValidateArgs),
    /// One weight at a time raised and lowered: the range of every node's final index.
    #[command(after_help = analyse::SENSITIVITY_EXAMPLES)]
    Sensitivity(analyse::SensitivityArgs),
    /// First- and total-order Sobol indices of one figure to every weight (Saltelli design,
    /// Jansen estimators, bootstrap confidence intervals).
    #[command(after_help = analyse::SOBOL_EXAMPLES)]
    Sobol(analyse::SobolArgs),
    /// Monte Carlo bands (5th, 50th, 95th percentile) under jointly noisy weights.
    #[command(after_help = analyse::UNCERTAINTY_EXAMPLES)]
    Uncertainty(analyse::UncertaintyArgs),
    /// The filled panel: every leaf, unit and year with its value and flag (observed,
    /// interpolated, carried or missing).
    #[command(after_help = fill::EXAMPLES)]
    Fill(fill::FillArgs),
    /// Write a synthetic panel with the CAICT 2025 framework (for benchmarks and tests).
    #[command(after_help = SYNTH_EXAMPLES)]
    Synth(SynthArgs),
}

/// The name of the published figures beside framework.csv and observations.csv.
const PUBLISHED_FILE: &str = "published.csv";

/// Options shared by every subcommand that reads a data directory.
#[derive(Debug, Args)]
struct DataArgs {
    /// Directory holding framework.csv, observations.csv and, optionally, published.csv.
    dir: PathBuf,
    /// Observations to read instead of DIR/observations.csv; `-` reads standard input.
    #[arg(long, value_name = "FILE|-")]
    observations: Option<PathBuf>,
    /// First computed year, index 100 (default: the first year with data).
    #[arg(long, value_name = "Y")]
    base_year: Option<Year>,
    /// Last computed year; trailing gaps up to it are carried forward (default: last year
    /// with data).
    #[arg(long, value_name = "Y")]
    to: Option<Year>,
    /// How interior gaps are filled.
    #[arg(long, value_enum, default_value = "geometric")]
    interpolate: Interpolation,
    /// Index method.
    #[arg(long, value_enum, default_value = "chain")]
    method: MethodKind,
    /// Normalisation of the level method (formulas and sources: docs/index-engine.md).
    #[arg(long, value_enum, default_value = "min-max")]
    normalise: Normalisation,
    /// Targets and goalposts per indicator (CSV `id,target,goalpost_lower,goalpost_upper`)
    /// in place of framework.csv's, for `--normalise distance-to-target|goalposts`.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Aggregation of the level method.
    #[arg(long, value_enum, default_value = "arithmetic")]
    aggregate: Aggregation,
    /// The raw computation: ignore DIR/published.csv (by default its figures stand in for a
    /// node whose own data falls short; chain method only).
    #[arg(long)]
    raw: bool,
    /// Whether a node takes its published path: NODE=auto (the default rule: when its raw
    /// figure rests partly on missing or filled data up to its last published year),
    /// NODE=always or NODE=never. Repeat for several nodes.
    #[arg(long, value_name = "NODE=auto|always|never", value_parser = PublishedRule::parse_override)]
    published_rule: Vec<(String, PublishedUse)>,
}

impl DataArgs {
    /// Loads the directory and fills the panel, printing the notes of the filling.
    fn load_filled(&self) -> Result<Loaded> {
        let (fw, panel) = load(self)?;
        let published = self.published(&fw, &panel)?;
        let filled = self.options().fill(&panel)?;
        print_notes(filled.notes());
        let rule = self.rule();
        Ok(Loaded {
            fw,
            filled,
            published,
            rule,
        })
    }

    fn options(&self) -> ComputeOptions {
        ComputeOptions {
            base_year: self.base_year,
            to_year: self.to,
            interpolation: self.interpolate,
        }
    }

    fn spec(&self) -> MethodSpec {
        MethodSpec {
            kind: self.method,
            normalisation: self.normalise,
            aggregation: self.aggregate,
            interpolation: self.interpolate,
        }
    }

    fn rule(&self) -> PublishedRule {
        let mut rule = PublishedRule::default();
        for (node, how) in &self.published_rule {
            rule.set(node.clone(), *how);
        }
        rule
    }

    /// The published figures the computation uses: DIR/published.csv when present, unless
    /// `--raw` or the level method (which compares units within a year and has no paths).
    fn published(&self, fw: &Framework, panel: &Panel) -> Result<Option<Published>> {
        let path = self.dir.join(PUBLISHED_FILE);
        let present = path.exists();
        if !present || self.raw {
            if !self.published_rule.is_empty() {
                bail!("--published-rule needs {} (and no --raw)", path.display());
            }
            return Ok(None);
        }
        if !self.spec().takes_published() {
            if !self.published_rule.is_empty() {
                bail!("--published-rule applies to the chain method, not --method level");
            }
            eprintln!(
                "note: {} is not used by the level method (published index paths are growth paths)",
                path.display()
            );
            return Ok(None);
        }
        Ok(Some(read_published(&self.dir, fw, panel)?))
    }
}

fn read_published(dir: &Path, fw: &Framework, panel: &Panel) -> Result<Published> {
    let path = dir.join(PUBLISHED_FILE);
    Ok(Published::read_csv(
        fw,
        panel,
        open(&path)?,
        &path.display().to_string(),
    )?)
}

/// A data directory made ready for a run: the framework, the filled panel, and the
/// published figures and rule the chain takes its paths from.
struct Loaded {
    fw: Framework,
    filled: FilledPanel,
    published: Option<Published>,
    rule: PublishedRule,
}

impl Loaded {
    /// The method the run uses.
    fn method(&self, data: &DataArgs) -> MethodChoice<'_> {
        data.spec().choice(self.published.as_ref(), &self.rule)
    }
}

#[derive(Debug, Args)]
struct SynthArgs {
    /// Number of units (at most 1,000,000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=MAX_SYNTH_UNITS as u64))]
    units: u64,
    /// Number of years (at most 1,000).
    #[arg(long, default_value_t = 31, value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS as u64))]
    years: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of values removed to make gaps, in [0, 1).
    #[arg(long, default_value_t = 0.05)]
    gaps: f64,
    /// First year; the years run within 1..=9,999.
    #[arg(long, default_value_t = 2000)]
    first_year: Year,
    /// Directory to write framework.csv and observations.csv into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

const SYNTH_EXAMPLES: &str = "Examples:
  shuchuang index synth --units 2000 --years 31 --seed 1 --out /tmp/panel
  shuchuang index compute /tmp/panel --timings --format csv > /dev/null";

/// Runs `shuchuang index`.
pub fn run(args: IndexArgs) -> Result<()> {
    match args.command {
        IndexCommand::Compute(a) => compute::run(a),
        IndexCommand::Validate(a) => validate::run(a),
        IndexCommand::Sensitivity(a) => analyse::sensitivity(a),
        IndexCommand::Sobol(a) => analyse::sobol_cmd(a),
        IndexCommand::Uncertainty(a) => analyse::uncertainty(a),
        IndexCommand::Fill(a) => fill::run(a),
        IndexCommand::Synth(a) => synth(a),
    }
}

fn open(path: &Path) -> Result<BufReader<File>> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(BufReader::with_capacity(1 << 16, f))
}

/// DIR/framework.csv, with the targets and goalposts of `--targets` when given.
fn read_framework(data: &DataArgs) -> Result<Framework> {
    let path = data.dir.join("framework.csv");
    let fw = Framework::read_csv(open(&path)?, &path.display().to_string())?;
    Ok(match &data.targets {
        Some(t) => fw.with_targets_csv(open(t)?, &t.display().to_string())?,
        None => fw,
    })
}

/// Reads the observations (`--observations`, `-` for standard input, else
/// DIR/observations.csv) into a builder (the dense layout is made by `finish`, which the
/// caller times as part of the computation, like the peer's array building).
fn read_observations<'f>(data: &DataArgs, fw: &'f Framework) -> Result<PanelBuilder<'f>> {
    let path = (data.observations.clone()).unwrap_or_else(|| data.dir.join("observations.csv"));
    if path.as_os_str() == "-" {
        let mut b = PanelBuilder::new(fw, "<stdin>");
        b.read_csv(std::io::stdin().lock())?;
        return Ok(b);
    }
    let mut b = PanelBuilder::new(fw, &path.display().to_string());
    let file = open(&path)?;
    let len = file.get_ref().metadata().map_or(0, |m| m.len());
    let (bar, reader) = progress::reading(file, len, "reading");
    b.read_csv(reader)?;
    bar.finish_and_clear();
    Ok(b)
}

fn load(data: &DataArgs) -> Result<(Framework, Panel)> {
    let fw = read_framework(data)?;
    let panel = read_observations(data, &fw)?.finish()?;
    Ok((fw, panel))
}

fn print_notes(notes: &[FillNote]) {
    for line in report::index_runs::fill_note_lines(notes) {
        eprintln!("{line}");
    }
}

/// Where and how a command prints its result.
#[derive(Debug, Args)]
struct OutputArgs {
    /// Output format (a table rounds and shows the first rows with a note; csv and json are
    /// complete, in full precision).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the output to this file (whole or not at all) instead of standard output.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
}

impl OutputArgs {
    /// Runs `write` on `--out` (written whole or not at all) or on standard output, and
    /// returns what it returned.
    fn emit<T>(&self, write: impl FnOnce(&mut dyn Write) -> report::Result<T>) -> Result<T> {
        match &self.out {
            Some(path) => write_file(path, write),
            None => {
                let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
                let value = write(&mut out)?;
                out.flush()?;
                Ok(value)
            }
        }
    }
}

/// Writes `path` with `write`, whole or not at all; Ctrl-C on the way says it was not
/// written.
fn write_file<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> report::Result<T>,
) -> Result<T> {
    interrupt::note(format!("{} was not written", path.display()));
    let mut value = None;
    report::atomic::write_with(path, |out| {
        value = Some(write(out)?);
        Ok(())
    })?;
    interrupt::note("");
    value.with_context(|| format!("{}: nothing was written", path.display()))
}

/// `load_ms=… compute_ms=…` on stderr: loading from `t0` to `t1`, computing to `t2`.
fn print_timings(t0: Instant, t1: Instant, t2: Instant) {
    eprintln!("{}", report::index_runs::timings_line(t1 - t0, t2 - t1));
}

fn synth(a: SynthArgs) -> Result<()> {
    let fw = index_engine::synth::framework()?;
    let opts = SynthOptions {
        units: usize::try_from(a.units)?,
        years: usize::try_from(a.years)?,
        first_year: a.first_year,
        seed: a.seed,
        gap_share: a.gaps,
    };
    let panel = synth_panel(&fw, &opts)?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let fw_path = a.out.join("framework.csv");
    write_file(&fw_path, |out| {
        fw.write_csv(out)
            .map_err(|e| report::ReportError::Invalid(e.to_string()))
    })?;
    let obs_path = a.out.join("observations.csv");
    write_file(&obs_path, |out| {
        panel
            .write_csv(out, "synthetic")
            .map_err(|e| report::ReportError::Invalid(e.to_string()))
    })?;
    eprintln!(
        "wrote {} and {} ({} observations, {} units × {} years)",
        fw_path.display(),
        obs_path.display(),
        panel.observed(),
        a.units,
        a.years
    );
    Ok(())
}

/// The bound of `--samples`, for the help text and checks.
const SAMPLES_MAX: u64 = MAX_SAMPLES as u64;
