//! `shuchuang index compute`: every node, unit and year, with the warning about figures that
//! rest partly on leaves without data, and the report's chart.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, Result};
use clap::Args;
use index_engine::{Framework, IndexResult, Overlay, Source, compute_with_owned};

use super::{
    DataArgs, Engine, OutputArgs, TABLE_ROWS_MAX, full, print_notes, print_timings, read_framework,
    read_observations, rounded, truncation_note, with_method,
};
use crate::chart::{BarChart, BarSeries, Chart, Figure, Line, LineChart, Point};
use crate::output::{Format, Table};

pub(super) const EXAMPLES: &str = "Examples:
  shuchuang index compute data/caict-2025
  shuchuang index compute data/caict-2025 --format csv --out fusion.csv
  shuchuang index compute data/caict-2025 --raw --format csv
  shuchuang index compute data/caict-2025 --published-rule patent_supply=never
  shuchuang index compute data/caict-2025 --chart fusion.svg --to 2025";

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
    /// Unit drawn in the chart (default: the first unit).
    #[arg(long)]
    unit: Option<String>,
    /// Print load_ms=… compute_ms=… on stderr.
    #[arg(long)]
    timings: bool,
}

const COMPUTE_HEADER: [&str; 10] = [
    "node",
    "unit",
    "year",
    "index",
    "growth",
    "contribution",
    "total_contribution",
    "estimated_share",
    "missing_share",
    "source",
];

pub(super) fn run(a: ComputeArgs) -> Result<()> {
    let t0 = Instant::now();
    let fw = read_framework(&a.data.dir)?;
    let builder = read_observations(&a.data.dir, &fw)?;
    let t1 = Instant::now();
    let panel = builder.finish()?;
    // The published figures are checked against the panel before it is given up to filling.
    let published = a.data.published(&fw, &panel)?;
    let rule = a.data.rule();
    let engine = Engine::new(&a.data, published.as_ref(), &rule);
    let filled = a.data.options().fill_owned(panel)?;
    let result = with_method!(&engine, m => compute_with_owned(m, &fw, filled, None)?);
    let t2 = Instant::now();
    if a.timings {
        print_timings(t0, t1, t2);
    }
    print_notes(result.notes());
    if let Some(p) = &published {
        let nodes = published_nodes(&result);
        eprintln!(
            "note: {} nodes take their published path from {} ({} nodes have figures there); --raw for the raw computation",
            nodes.len(),
            p.source_name(),
            p.figures()
                .iter()
                .map(|f| &f.node)
                .collect::<BTreeSet<_>>()
                .len(),
        );
    }
    if let Some(path) = &a.chart {
        let fig = index_figure(&fw, &result, a.unit.as_deref())?;
        crate::chart::write_svg(&fig, path)?;
    }
    let mut sink = a.output.sink()?;
    let shown = write_result_to(&result, a.output.format, sink.writer())?;
    sink.finish()?;
    if let Some(w) = shown.warning() {
        eprintln!("{w}");
    }
    Ok(())
}

/// The nodes whose published path stands in for them somewhere.
fn published_nodes(r: &IndexResult) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for n in 0..r.node_ids().len() {
        let on_path = (0..r.units().len())
            .any(|u| (0..r.years().len()).any(|t| r.overlay_at(n, u, t) == Overlay::Path));
        if on_path {
            out.insert(n);
        }
    }
    out
}

/// What the printed rows held that a reader must be told about.
#[derive(Debug, Default)]
pub struct Shown {
    /// Rows printed.
    pub rows: usize,
    /// Rows with `missing_share > 0`.
    pub missing_rows: usize,
    /// The leaves without data behind them (a missing leaf's own row is among them).
    pub missing_leaves: BTreeSet<String>,
}

impl Shown {
    fn count(&mut self, r: &index_engine::Row<'_>, is_leaf: bool) {
        self.rows += 1;
        if r.cell.missing_share > 0.0 {
            self.missing_rows += 1;
            if is_leaf && !self.missing_leaves.contains(r.node) {
                self.missing_leaves.insert(r.node.to_string());
            }
        }
    }

    /// The one-line warning when a shown figure rests partly on leaves without data.
    pub fn warning(&self) -> Option<String> {
        if self.missing_rows == 0 {
            return None;
        }
        const NAMED: usize = 12;
        let mut names: Vec<&str> = self
            .missing_leaves
            .iter()
            .map(String::as_str)
            .take(NAMED)
            .collect();
        let more = self.missing_leaves.len().saturating_sub(NAMED);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        if names.is_empty() {
            names.push("(none shown)");
        }
        Some(format!(
            "warning: {} of {} figures shown rest partly on leaves without data (missing_share > 0): {}{more}; see the missing_share column",
            self.missing_rows,
            self.rows,
            names.join(", ")
        ))
    }
}

/// Writes every row of `result` in `format` (CSV header
/// `node,unit,year,index,growth,contribution,total_contribution,estimated_share,
/// missing_share,source`, full precision; JSON with numbers and nulls; a rounded table for
/// people, cut at 500 rows with a note) to `out`. Returns what the printed rows held.
pub fn write_result_to(result: &IndexResult, format: Format, out: &mut dyn Write) -> Result<Shown> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut shown = Shown::default();
    let leaves: Vec<bool> = (0..result.node_ids().len())
        .map(|n| result.is_leaf(n))
        .collect();
    let is_leaf = |node: &str| {
        result
            .node_position(node)
            .is_ok_and(|n| leaves.get(n).copied().unwrap_or(false))
    };
    match format {
        Format::Csv => {
            // Streamed: a 2,000-unit panel has millions of rows.
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(COMPUTE_HEADER)?;
            let mut year = String::new();
            for r in result.rows() {
                shown.count(&r, is_leaf(r.node));
                year.clear();
                year.push_str(&r.year.to_string());
                let c = r.cell;
                w.write_record([
                    r.node,
                    r.unit,
                    &year,
                    &full(c.index),
                    &full(c.growth),
                    &full(c.contribution),
                    &full(c.total_contribution),
                    &full(c.estimated_share),
                    &full(Some(c.missing_share)),
                    c.source.as_str(),
                ])?;
            }
            w.flush()?;
        }
        Format::Json => {
            // Numbers stay numbers (null where a figure does not exist), streamed row by row.
            out.write_all(b"[")?;
            for (i, r) in result.rows().enumerate() {
                shown.count(&r, is_leaf(r.node));
                out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut out, &r)?;
            }
            out.write_all(b"\n]\n")?;
        }
        Format::Table => {
            let mut t = Table::new(COMPUTE_HEADER);
            // Only the rows shown are derived: a table of a large panel costs its first rows.
            let total = result.node_ids().len() * result.units().len() * result.years().len();
            for r in result.rows().take(TABLE_ROWS_MAX) {
                shown.count(&r, is_leaf(r.node));
                let c = r.cell;
                t.push([
                    r.node.to_string(),
                    r.unit.to_string(),
                    r.year.to_string(),
                    mark(rounded(c.index, 2), c.source),
                    rounded(c.growth, 3),
                    rounded(c.contribution, 3),
                    rounded(c.total_contribution, 3),
                    rounded(c.estimated_share, 2),
                    rounded(Some(c.missing_share), 2),
                    c.source.as_str().to_string(),
                ]);
            }
            t.write_to(Format::Table, &mut out)?;
            if let Some(note) = truncation_note(total) {
                writeln!(out, "{note}")?;
            }
            writeln!(
                out,
                "index marks: * rests partly on filled or carried values, p published path, - no data"
            )?;
        }
    }
    out.flush()?;
    Ok(shown)
}

/// The table's index with a mark of its source, so a reader sees at a glance what a figure
/// rests on.
fn mark(index: String, source: Source) -> String {
    match source {
        Source::Observed => index,
        Source::Published => format!("{index} p"),
        Source::Filled | Source::Carried => format!("{index} *"),
        Source::NoData => format!("{index} -"),
    }
}

fn label(fw: &Framework, node: usize) -> String {
    let s = &fw.nodes()[node].spec;
    if s.name_en.is_empty() {
        s.id.clone()
    } else {
        s.name_en.clone()
    }
}

/// The report's figures for one unit (default: the first): the total and first-level indices over the years (estimated
/// stretches dashed), then one bar chart per first-level indicator with its children's
/// indices in the base year, the last observed year and the target year.
pub fn index_figure(fw: &Framework, r: &IndexResult, unit: Option<&str>) -> Result<Figure> {
    let u = match unit {
        Some(name) => r.unit_position(name)?,
        None => 0,
    };
    let unit_name = r
        .units()
        .get(u)
        .cloned()
        .context("there are no units to draw")?;
    let years = r.years();
    let root = fw.root();
    let mut shown = vec![root];
    shown.extend(fw.nodes()[root].children.iter().copied());
    let lines = shown
        .iter()
        .map(|&n| {
            let idx = r.index_series(n, u).unwrap_or(&[]);
            let est = r.estimated_series(n, u).unwrap_or(&[]);
            Line {
                label: label(fw, n),
                points: years
                    .iter()
                    .zip(idx.iter().zip(est))
                    .map(|(&y, (&v, &e))| Point {
                        x: f64::from(y),
                        y: (!v.is_nan()).then_some(v),
                        estimated: e > 0.0,
                    })
                    .collect(),
            }
        })
        .collect();
    let line = Chart::Line(LineChart {
        title: format!("{} — {}", label(fw, root), unit_name),
        x_label: "year".into(),
        y_label: format!("index ({} = 100)", r.base_year()),
        integer_x: true,
        reference_y: Some(100.0),
        lines,
        dashed_note: "dashed, hollow: rests partly on filled values".into(),
    });
    let mut bar_years = vec![r.base_year()];
    if let Some(y) = r.last_observed_year() {
        bar_years.push(y);
    }
    bar_years.push(r.to_year());
    bar_years.dedup();
    let bars: Vec<Chart> = fw.nodes()[root]
        .children
        .iter()
        .filter(|&&c| !fw.nodes()[c].children.is_empty())
        .map(|&c| {
            let kids = &fw.nodes()[c].children;
            Chart::Bar(BarChart {
                title: label(fw, c),
                y_label: "index".into(),
                categories: kids.iter().map(|&k| label(fw, k)).collect(),
                series: bar_years
                    .iter()
                    .map(|&y| {
                        let t = r.year_position(y).unwrap_or(0);
                        let kind = if Some(y) == r.last_observed_year() && y != r.to_year() {
                            " (last observed)"
                        } else {
                            ""
                        };
                        BarSeries {
                            label: format!("{y}{kind}"),
                            values: kids
                                .iter()
                                .map(|&k| r.cell_at(k, u, t).and_then(|c| c.index))
                                .collect(),
                        }
                    })
                    .collect(),
                reference_y: Some(100.0),
            })
        })
        .collect();
    let mut rows = vec![vec![line]];
    for pair in bars.chunks(2) {
        rows.push(pair.to_vec());
    }
    Ok(Figure {
        title: None,
        rows,
        width: 1200,
        row_height: 420,
    })
}
