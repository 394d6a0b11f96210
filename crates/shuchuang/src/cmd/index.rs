//! `shuchuang index`: the fusion index (and any composite index) from raw data.
//!
//! - `compute DIR`: DIR/framework.csv and DIR/observations.csv → every node, unit and year;
//! - `sensitivity DIR`: the one-at-a-time ±20 % weight test;
//! - `uncertainty DIR`: Monte Carlo percentile bands of noisy weights;
//! - `synth --out DIR`: a synthetic panel with the CAICT framework.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use index_engine::sensitivity::{OatOptions, one_at_a_time};
use index_engine::synth::{SynthOptions, synth_panel};
use index_engine::uncertainty::{McOptions, monte_carlo};
use index_engine::{
    Aggregation, Chain, ComputeOptions, FillNote, Framework, IndexResult, Interpolation, Level,
    Normalisation, Panel, PanelBuilder, Year, compute_with_owned,
};

use crate::output::{Format, Table, lang};
use crate::progress;
use report::index::{index_figure, write_result_to};

/// Arguments of `shuchuang index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Debug, Subcommand)]
enum IndexCommand {
    /// Compute the index for every node, unit and year from DIR/framework.csv and
    /// DIR/observations.csv.
    Compute(ComputeArgs),
    /// One weight at a time raised and lowered: the range of every node's final index.
    Sensitivity(SensitivityArgs),
    /// Monte Carlo bands (5th, 50th, 95th percentile) under jointly noisy weights.
    Uncertainty(UncertaintyArgs),
    /// Write a synthetic panel with the CAICT 2025 framework (for benchmarks and tests).
    Synth(SynthArgs),
}

/// Gap filling for interior gaps.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum InterpolateArg {
    /// Log-linear (constant growth across the gap).
    Geometric,
    /// Straight line.
    Linear,
    /// Leave interior gaps open.
    None,
}

impl From<InterpolateArg> for Interpolation {
    fn from(a: InterpolateArg) -> Self {
        match a {
            InterpolateArg::Geometric => Self::Geometric,
            InterpolateArg::Linear => Self::Linear,
            InterpolateArg::None => Self::None,
        }
    }
}

/// Index method.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    /// Symmetric growth rates chained from the base year (CAICT 2025).
    Chain,
    /// Normalised levels per year, compared across units.
    Level,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum NormaliseArg {
    /// Min-max onto 0–100.
    MinMax,
    /// Standard scores.
    ZScore,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AggregateArg {
    /// Weighted arithmetic mean.
    Arithmetic,
    /// Weighted geometric mean.
    Geometric,
}

/// Options shared by every subcommand that reads a data directory.
#[derive(Debug, Args)]
struct DataArgs {
    /// Directory holding framework.csv and observations.csv.
    dir: PathBuf,
    /// First computed year, index 100 (default: the first year with data).
    #[arg(long, value_name = "Y")]
    base_year: Option<Year>,
    /// Last computed year; trailing gaps up to it are carried forward (default: last year
    /// with data).
    #[arg(long, value_name = "Y")]
    to: Option<Year>,
    /// How interior gaps are filled.
    #[arg(long, value_enum, default_value = "geometric")]
    interpolate: InterpolateArg,
    /// Index method.
    #[arg(long, value_enum, default_value = "chain")]
    method: MethodArg,
    /// Normalisation of the level method.
    #[arg(long, value_enum, default_value = "min-max")]
    normalise: NormaliseArg,
    /// Aggregation of the level method.
    #[arg(long, value_enum, default_value = "arithmetic")]
    aggregate: AggregateArg,
}

impl DataArgs {
    fn options(&self) -> ComputeOptions {
        ComputeOptions {
            base_year: self.base_year,
            to_year: self.to,
            interpolation: self.interpolate.into(),
        }
    }

    fn level(&self) -> Level {
        Level {
            normalisation: match self.normalise {
                NormaliseArg::MinMax => Normalisation::MinMax,
                NormaliseArg::ZScore => Normalisation::ZScore,
            },
            aggregation: match self.aggregate {
                AggregateArg::Arithmetic => Aggregation::Arithmetic,
                AggregateArg::Geometric => Aggregation::Geometric,
            },
        }
    }
}

#[derive(Debug, Args)]
struct ComputeArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Also draw the total and first-level indices (lines, estimates dashed) and bar charts
    /// of the second-level indices into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
    /// Unit drawn in the chart (default: the first unit).
    #[arg(long)]
    unit: Option<String>,
    /// Print load_ms=… compute_ms=… on stderr.
    #[arg(long)]
    timings: bool,
}

#[derive(Debug, Args)]
struct SensitivityArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Fraction by which each weight is raised and lowered.
    #[arg(long, default_value_t = 0.2)]
    perturb: f64,
    /// Year compared (default: the last computed year).
    #[arg(long)]
    year: Option<Year>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Also draw a tornado chart of the change of the total per weight into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct UncertaintyArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Number of draws (1..=10,000,000).
    #[arg(long, default_value_t = 1000)]
    samples: usize,
    /// Seed: the same seed gives the same bands, whatever the thread count.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Half-width f of the noise: each weight becomes w·(1 + U(−f, f)).
    #[arg(long, default_value_t = 0.2)]
    perturb: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
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

#[derive(Debug, Args)]
struct SynthArgs {
    /// Number of units (1..=1,000,000).
    #[arg(long, default_value_t = 1000)]
    units: usize,
    /// Number of years (1..=1,000).
    #[arg(long, default_value_t = 31)]
    years: usize,
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

/// Runs `shuchuang index`.
pub fn run(args: IndexArgs) -> Result<()> {
    match args.command {
        IndexCommand::Compute(a) => compute(a),
        IndexCommand::Sensitivity(a) => sensitivity(a),
        IndexCommand::Uncertainty(a) => uncertainty(a),
        IndexCommand::Synth(a) => synth(a),
    }
}

fn open(path: &Path) -> Result<BufReader<File>> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(BufReader::with_capacity(1 << 16, f))
}

fn read_framework(dir: &Path) -> Result<Framework> {
    let path = dir.join("framework.csv");
    Ok(Framework::read_csv(
        open(&path)?,
        &path.display().to_string(),
    )?)
}

/// Reads the observations into a builder (the dense layout is made by `finish`, which the
/// caller times as part of the computation, like the peer's array building).
fn read_observations<'f>(dir: &Path, fw: &'f Framework) -> Result<PanelBuilder<'f>> {
    let path = dir.join("observations.csv");
    let mut b = PanelBuilder::new(fw, &path.display().to_string());
    b.read_csv(open(&path)?)?;
    Ok(b)
}

fn load(data: &DataArgs) -> Result<(Framework, Panel)> {
    let fw = read_framework(&data.dir)?;
    let panel = read_observations(&data.dir, &fw)?.finish()?;
    Ok((fw, panel))
}

fn print_notes(notes: &[FillNote]) {
    const SHOWN: usize = 20;
    for n in notes.iter().take(SHOWN) {
        eprintln!(
            "note: {} / {} {}–{}: {}",
            n.indicator, n.unit, n.from_year, n.to_year, n.message
        );
    }
    if notes.len() > SHOWN {
        eprintln!("note: … and {} more such gaps", notes.len() - SHOWN);
    }
}

/// Full precision (shortest text that reads back to the same number); empty for none.
fn full(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

fn rounded(x: Option<f64>, digits: usize) -> String {
    x.map(|v| format!("{v:.digits$}")).unwrap_or_default()
}

fn compute(a: ComputeArgs) -> Result<()> {
    let t0 = Instant::now();
    let fw = read_framework(&a.data.dir)?;
    let builder = read_observations(&a.data.dir, &fw)?;
    let t1 = Instant::now();
    let panel = builder.finish()?;
    let filled = a.data.options().fill_owned(panel)?;
    let result = match a.data.method {
        MethodArg::Chain => compute_with_owned(&Chain, &fw, filled, None)?,
        MethodArg::Level => compute_with_owned(&a.data.level(), &fw, filled, None)?,
    };
    let t2 = Instant::now();
    if a.timings {
        eprintln!(
            "load_ms={:.3} compute_ms={:.3}",
            (t1 - t0).as_secs_f64() * 1e3,
            (t2 - t1).as_secs_f64() * 1e3
        );
    }
    print_notes(result.notes());
    if let Some(path) = &a.chart {
        let fig = index_figure(&fw, &result, a.unit.as_deref(), lang())?;
        crate::chart::write_svg(&fig, path)?;
    }
    write_result(&result, a.format)
}

fn write_result(result: &IndexResult, format: Format) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    write_result_to(result, format, &mut out)?;
    out.flush()?;
    Ok(())
}

fn sensitivity(a: SensitivityArgs) -> Result<()> {
    let (fw, panel) = load(&a.data)?;
    let filled = a.data.options().fill(&panel)?;
    print_notes(filled.notes());
    let opts = OatOptions {
        perturb: a.perturb,
        year: a.year,
    };
    let report = match a.data.method {
        MethodArg::Chain => one_at_a_time(&Chain, &fw, &filled, &opts)?,
        MethodArg::Level => one_at_a_time(&a.data.level(), &fw, &filled, &opts)?,
    };
    if let Some(path) = &a.chart {
        let fig = report::robustness::tornado_figure(&fw, &report, lang())?;
        crate::chart::write_svg(&fig, path)?;
    }
    let mut t = Table::new([
        "node",
        "unit",
        "nominal",
        "low",
        "low_weight",
        "low_direction",
        "high",
        "high_weight",
        "high_direction",
    ]);
    let fmt = |x: Option<f64>| {
        if a.format == Format::Table {
            rounded(x, 3)
        } else {
            full(x)
        }
    };
    for r in &report.rows {
        let (lw, ld) = r
            .low_by
            .as_ref()
            .map(|s| (s.weight.clone(), s.direction.as_str().to_string()))
            .unwrap_or_default();
        let (hw, hd) = r
            .high_by
            .as_ref()
            .map(|s| (s.weight.clone(), s.direction.as_str().to_string()))
            .unwrap_or_default();
        t.push([
            r.node.clone(),
            r.unit.clone(),
            fmt(r.nominal),
            fmt(r.low),
            lw,
            ld,
            fmt(r.high),
            hw,
            hd,
        ]);
    }
    t.print_in(a.format, lang())?;
    if a.format == Format::Table {
        let mut c = Table::new(["weight", "direction", "total_change_pct", "unit"]);
        for case in &report.cases {
            c.push([
                case.shift.weight.clone(),
                case.shift.direction.as_str().to_string(),
                format!("{:+.4}", case.total_change_pct),
                case.unit.clone(),
            ]);
        }
        println!(
            "Change of the total '{}' in {} per weight moved by ±{}%:",
            fw.root_node().spec.id,
            report.year,
            a.perturb * 100.0
        );
        c.print_in(Format::Table, lang())?;
    }
    if let Some(l) = &report.largest {
        // On stderr so CSV and JSON on stdout keep exactly their header.
        eprintln!(
            "largest change of the total: {:+.4}% ({} {}, unit {})",
            l.total_change_pct,
            l.shift.weight,
            l.shift.direction.as_str(),
            l.unit
        );
    }
    Ok(())
}

fn uncertainty(a: UncertaintyArgs) -> Result<()> {
    let t0 = Instant::now();
    let (fw, panel) = load(&a.data)?;
    let t1 = Instant::now();
    let filled = a.data.options().fill(&panel)?;
    print_notes(filled.notes());
    let opts = McOptions {
        samples: a.samples,
        seed: a.seed,
        perturb: a.perturb,
    };
    let total = (filled.units().len() as u64).saturating_mul(a.samples as u64);
    let bar = progress::bar(total, "draws");
    let tick = |n: u64| bar.inc(n);
    let report = match a.data.method {
        MethodArg::Chain => monte_carlo(&Chain, &fw, &filled, &opts, &tick)?,
        MethodArg::Level => monte_carlo(&a.data.level(), &fw, &filled, &opts, &tick)?,
    };
    bar.finish_and_clear();
    let t2 = Instant::now();
    if a.timings {
        eprintln!(
            "load_ms={:.3} compute_ms={:.3}",
            (t1 - t0).as_secs_f64() * 1e3,
            (t2 - t1).as_secs_f64() * 1e3
        );
    }
    if let Some(path) = &a.chart {
        let fig = report::robustness::band_figure(&fw, &report, a.unit.as_deref(), lang())?;
        crate::chart::write_svg(&fig, path)?;
    }
    let mut t = Table::new(["node", "unit", "year", "nominal", "p5", "p50", "p95"]);
    let fmt = |x: Option<f64>| {
        if a.format == Format::Table {
            rounded(x, 2)
        } else {
            full(x)
        }
    };
    for b in &report.bands {
        t.push([
            b.node.clone(),
            b.unit.clone(),
            b.year.to_string(),
            fmt(b.nominal),
            fmt(b.p5),
            fmt(b.p50),
            fmt(b.p95),
        ]);
    }
    t.print_in(a.format, lang())
}

fn synth(a: SynthArgs) -> Result<()> {
    let fw = index_engine::caict2025::framework()?;
    let opts = SynthOptions {
        units: a.units,
        years: a.years,
        first_year: a.first_year,
        seed: a.seed,
        gap_share: a.gaps,
    };
    let panel = synth_panel(&fw, &opts)?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let fw_path = a.out.join("framework.csv");
    std::fs::write(&fw_path, index_engine::caict2025::FRAMEWORK_CSV)
        .with_context(|| format!("cannot write {}", fw_path.display()))?;
    let obs_path = a.out.join("observations.csv");
    let file =
        File::create(&obs_path).with_context(|| format!("cannot write {}", obs_path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    panel
        .write_csv(&mut w, "synthetic")
        .with_context(|| format!("cannot write {}", obs_path.display()))?;
    w.flush()
        .with_context(|| format!("cannot write {}", obs_path.display()))?;
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
