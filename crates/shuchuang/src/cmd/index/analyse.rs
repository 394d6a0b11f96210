//! `shuchuang index sensitivity` and `uncertainty`: how the figures move with the weights.

use std::io::Write;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use index_engine::sensitivity::{OatOptions, OatReport, one_at_a_time};
use index_engine::uncertainty::{McOptions, McReport, monte_carlo};
use serde::Serialize;

use super::{
    DataArgs, Engine, OutputArgs, SAMPLES_MAX, TABLE_ROWS_MAX, full, load, print_notes,
    print_timings, rounded, truncation_note, with_method,
};
use crate::output::{Format, Table};
use crate::progress;

pub(super) const SENSITIVITY_EXAMPLES: &str = "Examples:
  shuchuang index sensitivity data/caict-2025 --perturb 0.2
  shuchuang index sensitivity data/caict-2025 --year 2023 --format csv
  shuchuang index sensitivity data/caict-2025 --raw --format json";

pub(super) const UNCERTAINTY_EXAMPLES: &str = "Examples:
  shuchuang index uncertainty data/caict-2025 --samples 10000 --seed 1 --perturb 0.2
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
    /// Print load_ms=… compute_ms=… on stderr.
    #[arg(long)]
    timings: bool,
}

/// One sensitivity row as CSV and JSON print it.
#[derive(Serialize)]
struct OatLine<'a> {
    node: &'a str,
    unit: &'a str,
    nominal: Option<f64>,
    low: Option<f64>,
    low_weight: Option<&'a str>,
    low_direction: Option<&'static str>,
    high: Option<f64>,
    high_weight: Option<&'a str>,
    high_direction: Option<&'static str>,
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

fn oat_lines(report: &OatReport) -> Vec<OatLine<'_>> {
    report
        .rows
        .iter()
        .map(|r| OatLine {
            node: &r.node,
            unit: &r.unit,
            nominal: r.nominal,
            low: r.low,
            low_weight: r.low_by.as_ref().map(|s| s.weight.as_str()),
            low_direction: r.low_by.as_ref().map(|s| s.direction.as_str()),
            high: r.high,
            high_weight: r.high_by.as_ref().map(|s| s.weight.as_str()),
            high_direction: r.high_by.as_ref().map(|s| s.direction.as_str()),
        })
        .collect()
}

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
    let mut sink = a.output.sink()?;
    let out = sink.writer();
    let lines = oat_lines(&report);
    match a.output.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &lines)?;
            writeln!(out)?;
        }
        Format::Csv | Format::Table => {
            let fmt = |x: Option<f64>| {
                if a.output.format == Format::Table {
                    rounded(x, 3)
                } else {
                    full(x)
                }
            };
            let mut t = Table::new(OAT_HEADER);
            for l in lines.iter().take(if a.output.format == Format::Table {
                TABLE_ROWS_MAX
            } else {
                usize::MAX
            }) {
                t.push([
                    l.node.to_string(),
                    l.unit.to_string(),
                    fmt(l.nominal),
                    fmt(l.low),
                    l.low_weight.unwrap_or_default().to_string(),
                    l.low_direction.unwrap_or_default().to_string(),
                    fmt(l.high),
                    l.high_weight.unwrap_or_default().to_string(),
                    l.high_direction.unwrap_or_default().to_string(),
                ]);
            }
            t.write_to(a.output.format, out)?;
            if a.output.format == Format::Table {
                if let Some(note) = truncation_note(lines.len()) {
                    writeln!(out, "{note}")?;
                }
                let mut c = Table::new(["weight", "direction", "total_change_pct", "unit"]);
                for case in &report.cases {
                    c.push([
                        case.shift.weight.clone(),
                        case.shift.direction.as_str().to_string(),
                        case.total_change_pct
                            .map(|p| format!("{p:+.4}"))
                            .unwrap_or_default(),
                        case.unit.clone(),
                    ]);
                }
                writeln!(
                    out,
                    "Change of the total '{}' in {} per weight moved by ±{}%:",
                    fw.root_node().spec.id,
                    report.year,
                    a.perturb * 100.0
                )?;
                c.write_to(Format::Table, out)?;
            }
        }
    }
    sink.finish()?;
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
    let mut sink = a.output.sink()?;
    write_bands(&report, a.output.format, sink.writer())?;
    sink.finish()
}

fn write_bands(report: &McReport, format: Format, out: &mut dyn Write) -> Result<()> {
    if format == Format::Json {
        // Numbers as numbers, null where a band has no value; streamed band by band.
        out.write_all(b"[")?;
        for (i, b) in report.bands.iter().enumerate() {
            out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
            serde_json::to_writer(&mut *out, b)?;
        }
        out.write_all(b"\n]\n")?;
        return Ok(());
    }
    let fmt = |x: Option<f64>| {
        if format == Format::Table {
            rounded(x, 2)
        } else {
            full(x)
        }
    };
    let shown = if format == Format::Table {
        TABLE_ROWS_MAX
    } else {
        usize::MAX
    };
    let mut t = Table::new(["node", "unit", "year", "nominal", "p5", "p50", "p95"]);
    for b in report.bands.iter().take(shown) {
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
    t.write_to(format, out)?;
    if format == Format::Table {
        if let Some(note) = truncation_note(report.bands.len()) {
            writeln!(out, "{note}")?;
        }
    }
    Ok(())
}
