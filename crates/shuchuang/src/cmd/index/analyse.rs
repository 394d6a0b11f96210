//! `shuchuang index sensitivity` and `uncertainty`: how the figures move with the weights.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use index_engine::sensitivity::{OatOptions, OatReport, one_at_a_time};
use index_engine::uncertainty::{McOptions, McReport, monte_carlo};
use report::RowWriter;

use super::{
    DataArgs, Engine, OutputArgs, SAMPLES_MAX, figure, load, print_notes, print_timings,
    with_method,
};
use crate::output::{Cell, Format, Lang, lang};
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

const OAT_HEADER: [&str; 9] = [
    "node",
    "unit",
    "nominal",
    "low",
    "low_weight",
    "low_direction",
    "high",
    "high_weight",
    "high_direction",
];

const BAND_HEADER: [&str; 7] = ["node", "unit", "year", "nominal", "p5", "p50", "p95"];

pub(super) fn sensitivity(a: SensitivityArgs) -> Result<()> {
    let (fw, panel) = load(&a.data)?;
    let published = a.data.published(&fw, &panel)?;
    let rule = a.data.rule();
    let engine = Engine::new(&a.data, published.as_ref(), &rule);
    let filled = a.data.options().fill(&panel)?;
    print_notes(filled.notes());
    let opts = OatOptions {
        perturb: a.perturb,
        year: a.year,
    };
    let report = with_method!(&engine, m => one_at_a_time(m, &fw, &filled, &opts)?);
    if let Some(path) = &a.chart {
        let fig = report::robustness::tornado_figure(&fw, &report, lang())?;
        crate::chart::write_svg(&fig, path)?;
    }
    let format = a.output.format;
    let root = &fw.root_node().spec.id;
    a.output
        .emit(|out| write_oat(&report, root, a.perturb, format, lang(), out))?;
    if let Some((l, pct)) = report
        .largest
        .as_ref()
        .and_then(|l| Some((l, l.total_change_pct?)))
    {
        // On stderr so CSV and JSON on stdout keep exactly their header.
        eprintln!(
            "largest change of the total: {pct:+.4}% ({} {}, unit {})",
            l.shift.weight,
            l.shift.direction.as_str(),
            l.unit
        );
    }
    Ok(())
}

pub(super) fn uncertainty(a: UncertaintyArgs) -> Result<()> {
    let t0 = Instant::now();
    let (fw, panel) = load(&a.data)?;
    let published = a.data.published(&fw, &panel)?;
    let rule = a.data.rule();
    let engine = Engine::new(&a.data, published.as_ref(), &rule);
    let t1 = Instant::now();
    let filled = a.data.options().fill(&panel)?;
    print_notes(filled.notes());
    let opts = McOptions {
        samples: usize::try_from(a.samples)?,
        seed: a.seed,
        perturb: a.perturb,
    };
    let total = (filled.units().len() as u64).saturating_mul(a.samples);
    let bar = progress::bar(total, "draws");
    let tick = |n: u64| bar.inc(n);
    let report = with_method!(&engine, m => monte_carlo(m, &fw, &filled, &opts, &tick)?);
    bar.finish_and_clear();
    let t2 = Instant::now();
    if a.timings {
        print_timings(t0, t1, t2);
    }
    if let Some(path) = &a.chart {
        let fig = report::robustness::band_figure(&fw, &report, a.unit.as_deref(), lang())?;
        crate::chart::write_svg(&fig, path)?;
    }
    let format = a.output.format;
    a.output
        .emit(|out| write_bands(&report, format, lang(), out))
}

/// Every node's range under the weights moved one at a time; for people, also the change
/// of the total per weight moved.
fn write_oat(
    report: &OatReport,
    root: &str,
    perturb: f64,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> report::Result<()> {
    let mut w = RowWriter::new(format, OAT_HEADER, &mut *out)?.lang(lang);
    for r in &report.rows {
        w.row([
            Cell::from(&r.node),
            Cell::from(&r.unit),
            figure(r.nominal, 3),
            figure(r.low, 3),
            Cell::from(r.low_by.as_ref().map(|s| &s.weight)),
            Cell::from(r.low_by.as_ref().map(|s| s.direction.as_str())),
            figure(r.high, 3),
            Cell::from(r.high_by.as_ref().map(|s| &s.weight)),
            Cell::from(r.high_by.as_ref().map(|s| s.direction.as_str())),
        ])?;
    }
    w.finish()?;
    if format != Format::Table {
        return Ok(());
    }
    writeln!(
        out,
        "Change of the total '{root}' in {} per weight moved by ±{}%:",
        report.year,
        perturb * 100.0
    )?;
    // Every case is shown: these rows are in no CSV or JSON, so a note pointing there would
    // mislead.
    let mut c = RowWriter::new(
        Format::Table,
        ["weight", "direction", "total_change_pct", "unit"],
        &mut *out,
    )?
    .lang(lang)
    .show_rows(report.cases.len());
    for case in &report.cases {
        c.row([
            Cell::from(&case.shift.weight),
            Cell::from(case.shift.direction.as_str()),
            Cell::from(case.total_change_pct.map(|p| format!("{p:+.4}"))),
            Cell::from(&case.unit),
        ])?;
    }
    c.finish()
}

/// The percentile bands of every node, unit and year.
fn write_bands(
    report: &McReport,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> report::Result<()> {
    let mut w = RowWriter::new(format, BAND_HEADER, out)?.lang(lang);
    for b in &report.bands {
        w.row([
            Cell::from(&b.node),
            Cell::from(&b.unit),
            Cell::from(b.year),
            figure(b.nominal, 2),
            figure(b.p5, 2),
            figure(b.p50, 2),
            figure(b.p95, 2),
        ])?;
    }
    w.finish()
}
