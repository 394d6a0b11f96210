//! `shuchuang index compute`: every node, unit and year, with the warning about figures that
//! rest partly on leaves without data, and the report's chart.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use index_engine::compute_with_owned;
use index_engine::with_method;
use report::index::{index_figure, write_result_with};
use report::index_ranks::write_ranks_to;
use report::index_runs::published_note;

use crate::output::{Format, lang};
use crate::progress;

use super::{DataArgs, OutputArgs, print_notes, print_timings, read_framework, read_observations};

pub(super) const EXAMPLES: &str = "Examples:
  shuchuang index compute data/caict-2025
  shuchuang index compute data/caict-2025 --format csv --out fusion.csv
  shuchuang index compute data/caict-2025 --raw --format csv
  shuchuang index compute data/caict-2025 --level 0,1 --nodes patent_supply --format json
  cat data/caict-2025/observations.csv | shuchuang index compute data/caict-2025 --observations -
  shuchuang index compute data/caict-2025 --published-rule patent_supply=never
  shuchuang index compute data/caict-2025 --chart fusion.svg --to 2025
  shuchuang index compute DIR --method level --aggregate median --ranks --level 0";

#[derive(Debug, Args)]
pub(super) struct ComputeArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Also draw the total and first-level indices (lines, estimates dashed) and bar charts
    /// of the second-level indices into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
    /// Only these nodes in the output (ids, comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "ID,…")]
    nodes: Vec<String>,
    /// Only the nodes at these levels in the output (root 0; comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "L,…")]
    level: Vec<u32>,
    /// Unit drawn in the chart (default: the first unit).
    #[arg(long)]
    unit: Option<String>,
    /// Print the units' ranks instead of the figures: node,unit,year,index,rank,rank_change
    /// (rank 1 the highest, ties share the lowest; the change is last year's rank minus this
    /// year's).
    #[arg(long)]
    ranks: bool,
    /// Print load_ms=… compute_ms=… on stderr.
    #[arg(long)]
    timings: bool,
}

pub(super) fn run(a: ComputeArgs) -> Result<()> {
    let t0 = Instant::now();
    let fw = read_framework(&a.data)?;
    let builder = read_observations(&a.data, &fw)?;
    let t1 = Instant::now();
    let panel = builder.finish()?;
    // The published figures are checked against the panel before it is given up to filling.
    let published = a.data.published(&fw, &panel)?;
    let rule = a.data.rule();
    let choice = a.data.spec().choice(published.as_ref(), &rule);
    let filled = a.data.options().fill_owned(panel)?;
    let result = with_method!(&choice, m => compute_with_owned(m, &fw, filled, None)?);
    let t2 = Instant::now();
    if a.timings {
        print_timings(t0, t1, t2);
    }
    print_notes(result.notes());
    if let Some(p) = &published {
        eprintln!("{}", published_note(&result, p));
    }
    if let Some(path) = &a.chart {
        let fig = index_figure(&fw, &result, a.unit.as_deref(), lang())?;
        crate::chart::write_svg(&fig, path)?;
    }
    let format = a.output.format;
    let nodes = fw.select(&a.nodes, &a.level)?;
    if a.ranks {
        let ranks = result.ranks();
        return a
            .output
            .emit(|out| write_ranks_to(&result, &ranks, &nodes, format, lang(), out));
    }
    let rows = nodes.len() * result.units().len() * result.years().len();
    let bar = progress::bar(
        if format == Format::Table {
            0
        } else {
            rows as u64
        },
        "writing",
    );
    let tick = |n| bar.inc(n);
    let shown = a
        .output
        .emit(|out| write_result_with(&result, format, lang(), Some(&nodes), out, &tick))?;
    bar.finish_and_clear();
    if let Some(w) = shown.warning_in(lang()) {
        eprintln!("{w}");
    }
    Ok(())
}
