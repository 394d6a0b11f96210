//! Index results out: every node, unit and year as CSV (streamed; a 2,000-unit panel has
//! millions of rows), JSON (numbers stay numbers, `null` where a figure does not exist) or a
//! rounded table for people, and the report's figures of one unit.

use std::io::{BufWriter, Write};

use index_engine::{Framework, IndexResult};

use crate::cell::Cell;
use crate::chart::{BarChart, BarSeries, Chart, Figure, Line, LineChart, Point};
use crate::error::{ReportError, Result};
use crate::format::Format;
use crate::number::full;
use crate::table::RowWriter;

/// The columns of an index result.
pub const RESULT_HEADER: [&str; 8] = [
    "node",
    "unit",
    "year",
    "index",
    "growth",
    "contribution",
    "total_contribution",
    "estimated_share",
];

fn opt_full(x: Option<f64>) -> String {
    x.map(full).unwrap_or_default()
}

/// Writes every row of `result` in `format` (CSV header [`RESULT_HEADER`], full precision;
/// JSON with numbers and nulls; a rounded table for people) to `out`.
pub fn write_result_to(result: &IndexResult, format: Format, out: &mut dyn Write) -> Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(RESULT_HEADER)?;
            let mut year = String::new();
            for r in result.rows() {
                year.clear();
                year.push_str(&r.year.to_string());
                let c = r.cell;
                w.write_record([
                    r.node,
                    r.unit,
                    &year,
                    &opt_full(c.index),
                    &opt_full(c.growth),
                    &opt_full(c.contribution),
                    &opt_full(c.total_contribution),
                    &opt_full(c.estimated_share),
                ])?;
            }
            w.flush()?;
        }
        Format::Json => {
            out.write_all(b"[")?;
            for (i, r) in result.rows().enumerate() {
                out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut out, &r)?;
            }
            out.write_all(b"\n]\n")?;
        }
        Format::Table => {
            let mut t = RowWriter::new(Format::Table, RESULT_HEADER, &mut out)?;
            let f = |x: Option<f64>, d: u8| x.map_or(Cell::Null, |v| Cell::fixed(v, d));
            for r in result.rows() {
                let c = r.cell;
                t.row([
                    Cell::from(r.node),
                    Cell::from(r.unit),
                    Cell::from(r.year),
                    f(c.index, 2),
                    f(c.growth, 3),
                    f(c.contribution, 3),
                    f(c.total_contribution, 3),
                    f(c.estimated_share, 2),
                ])?;
            }
            t.finish()?;
        }
    }
    out.flush()?;
    Ok(())
}

fn label(fw: &Framework, node: usize) -> String {
    let s = &fw.nodes()[node].spec;
    if s.name_en.is_empty() {
        s.id.clone()
    } else {
        s.name_en.clone()
    }
}

/// The report's figures for one unit (default: the first): the total and first-level
/// indices over the years (estimated stretches dashed), then one bar chart per first-level
/// indicator with its children's indices in the base year, the last observed year and the
/// target year.
pub fn index_figure(fw: &Framework, r: &IndexResult, unit: Option<&str>) -> Result<Figure> {
    let u = match unit {
        Some(name) => r
            .unit_position(name)
            .map_err(|e| ReportError::Invalid(e.to_string()))?,
        None => 0,
    };
    let unit_name = r
        .units()
        .get(u)
        .cloned()
        .ok_or_else(|| ReportError::Invalid("there are no units to draw".into()))?;
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
