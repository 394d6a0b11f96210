//! `shuchuang index sensitivity`, `sobol` and `uncertainty`: how the figures move with the
//! weights.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use index_engine::sensitivity::{OatOptions, one_at_a_time};
use index_engine::sobol::{MAX_SOBOL_SAMPLES, SobolOptions, sobol};
use index_engine::uncertainty::{McOptions, monte_carlo};
use index_engine::with_method;
use report::index_runs::{
    oat_largest_line, sobol_line, write_bands_to, write_oat_to, write_sobol_to,
};

use super::{DataArgs, OutputArgs, SAMPLES_MAX, print_timings};
use crate::output::lang;
use crate::progress;

pub(super) const SENSITIVITY_EXAMPLES: &str = "Examples:
  shuchuang index sensitivity data/caict-2025 --perturb 0.2 --chart tornado.svg
  shuchuang index sensitivity data/caict-2025 --year 2023 --format csv
  shuchuang index sensitivity data/caict-2025 --raw --format json";

pub(super) const UNCERTAINTY_EXAMPLES: &str = "Examples:
  shuchuang index uncertainty data/caict-2025 --samples 10000 --seed 1 --perturb 0.2
  shuchuang index uncertainty data/caict-2025 --chart band.svg --unit CN
  shuchuang index uncertainty data/caict-2025 --samples 1000 --format csv --out bands.csv";

#[derive(Debug, Args)]
pub(super) struct SensitivityArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Fraction by which each weight is raised and lowered, in (0, 1).
    #[arg(long, default_value_t = 0.2)]
    perturb: f64,
    /// Year compared (default: the last computed year).
    #[arg(long)]
    year: Option<index_engine::Year>,
    #[command(flatten)]
    output: OutputArgs,
    /// Also draw a tornado chart of the change of the total per weight into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
}

pub(super) const SOBOL_EXAMPLES: &str = "Examples:
  shuchuang index sobol data/caict-2025 --samples 4096 --seed 1 --perturb 0.2
  shuchuang index sobol data/caict-2025 --node pathway --unit CN --year 2023 --format csv
  shuchuang index sobol data/caict-2025 --samples 1024 --format json --out sobol.json";

#[derive(Debug, Args)]
pub(super) struct SobolArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Base samples N (at most 1,000,000); the model runs N × (weights + 2) times.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(2..=MAX_SOBOL_SAMPLES as u64))]
    samples: u64,
    /// Seed: the same seed gives the same bytes, whatever the thread count.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Half-width P: each non-root weight is drawn uniformly in [1 − P, 1 + P] × its own.
    #[arg(long, default_value_t = 0.2)]
    perturb: f64,
    /// Node whose index is analysed (default: the root).
    #[arg(long)]
    node: Option<String>,
    /// Unit (default: the first).
    #[arg(long)]
    unit: Option<String>,
    /// Year (default: the last computed year).
    #[arg(long)]
    year: Option<index_engine::Year>,
    /// Bootstrap resamples of the confidence intervals (at most 10,000).
    #[arg(long, default_value_t = 100)]
    resamples: usize,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
pub(super) struct UncertaintyArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Number of draws (at most 10,000,000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=SAMPLES_MAX))]
    samples: u64,
    /// Seed: the same seed gives the same bands, whatever the thread count.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Half-width f of the noise, in (0, 1): each weight becomes w·(1 + U(−f, f)).
    #[arg(long, default_value_t = 0.2)]
    perturb: f64,
    #[command(flatten)]
    output: OutputArgs,
    /// Also draw the total's 5–95 % band over the years into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
    /// Unit drawn in the chart (default: the first unit).
    #[arg(long)]
    unit: Option<String>,
    /// Print load_ms=… compute_ms=… on stderr.
    #[arg(long)]
    timings: bool,
}

pub(super) fn sensitivity(a: SensitivityArgs) -> Result<()> {
    let l = a.data.load_filled()?;
    let (fw, filled, choice) = (&l.fw, &l.filled, l.method(&a.data));
    let opts = OatOptions {
        perturb: a.perturb,
        year: a.year,
    };
    let report = with_method!(&choice, m => one_at_a_time(m, fw, filled, &opts)?);
    if let Some(path) = &a.chart {
        let fig = report::robustness::tornado_figure(fw, &report, lang())?;
        crate::chart::write_svg(&fig, path)?;
    }
    let format = a.output.format;
    let root = &fw.root_node().spec.id;
    a.output
        .emit(|out| write_oat_to(&report, root, a.perturb, format, lang(), out))?;
    // On stderr so CSV and JSON on stdout keep exactly their header.
    if let Some(line) = oat_largest_line(&report) {
        eprintln!("{line}");
    }
    Ok(())
}

pub(super) fn uncertainty(a: UncertaintyArgs) -> Result<()> {
    let t0 = Instant::now();
    let l = a.data.load_filled()?;
    let (fw, filled, choice) = (&l.fw, &l.filled, l.method(&a.data));
    let t1 = Instant::now();
    let opts = McOptions {
        samples: usize::try_from(a.samples)?,
        seed: a.seed,
        perturb: a.perturb,
    };
    let total = (filled.units().len() as u64).saturating_mul(a.samples);
    let bar = progress::bar(total, "draws");
    let tick = |n: u64| bar.inc(n);
    let report = with_method!(&choice, m => monte_carlo(m, fw, filled, &opts, &tick)?);
    bar.finish_and_clear();
    let t2 = Instant::now();
    if a.timings {
        print_timings(t0, t1, t2);
    }
    if let Some(path) = &a.chart {
        let fig = report::robustness::band_figure(fw, &report, a.unit.as_deref(), lang())?;
        crate::chart::write_svg(&fig, path)?;
    }
    let format = a.output.format;
    a.output
        .emit(|out| write_bands_to(&report, format, lang(), out))
}

pub(super) fn sobol_cmd(a: SobolArgs) -> Result<()> {
    let l = a.data.load_filled()?;
    let opts = SobolOptions {
        samples: usize::try_from(a.samples)?,
        seed: a.seed,
        perturb: a.perturb,
        node: a.node,
        unit: a.unit,
        year: a.year,
        resamples: a.resamples,
    };
    let bar = progress::bar(a.samples, "samples");
    let tick = |n: u64| bar.inc(n);
    let choice = l.method(&a.data);
    let report = with_method!(&choice, m => sobol(m, &l.fw, &l.filled, &opts, &tick)?);
    bar.finish_and_clear();
    eprintln!("{}", sobol_line(&report));
    let format = a.output.format;
    a.output
        .emit(|out| write_sobol_to(&report, format, lang(), out))
}
