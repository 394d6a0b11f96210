//! Index results out: every node, unit and year as CSV (streamed; a 2,000-unit panel has
//! millions of rows), JSON (numbers stay numbers, `null` where a figure does not exist) or a
//! rounded table for people, and the report's figures of one unit.

use std::io::{BufWriter, Write};

use index_engine::{Framework, IndexResult};

use crate::cell::Cell;
use crate::chart::{BarChart, BarSeries, Chart, Figure, Line, LineChart, Point, Reference};
use crate::error::{ReportError, Result};
use crate::format::Format;
use crate::lang::Lang;
use crate::messages::{fill, text};
use crate::names::node_name;
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

/// The line of `node` for `unit` over the years: a point per year, `None` where the
/// result has no index (a gap), estimated where part of its weight rests on filled values.
pub fn index_line(r: &IndexResult, node: usize, unit: usize, label: String) -> Line {
    let idx = r.index_series(node, unit).unwrap_or(&[]);
    let est = r.estimated_series(node, unit).unwrap_or(&[]);
    Line {
        label,
        points: r
            .years()
            .iter()
            .enumerate()
            .map(|(k, &y)| Point {
                x: f64::from(y),
                y: idx.get(k).copied().filter(|v| v.is_finite()),
                estimated: est.get(k).is_some_and(|e| *e > 0.0),
            })
            .collect(),
    }
}

/// The base level 100, labelled.
fn base_line(lang: Lang) -> Reference {
    Reference {
        value: 100.0,
        label: text("chart.base_line", lang).into(),
    }
}

/// The report's figures for one unit (default: the first), in `lang`: the total and the
/// first-level indices over the years (estimated stretches dashed, years without data as
/// gaps with a note), then for each first-level indicator its sub-indices in the base
/// year, the last observed year and the target year, as horizontal bars.
pub fn index_figure(
    fw: &Framework,
    r: &IndexResult,
    unit: Option<&str>,
    lang: Lang,
) -> Result<Figure> {
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
    let base = r.base_year();
    let root = fw.root();
    let mut shown = vec![root];
    shown.extend(fw.nodes()[root].children.iter().copied());
    let lines = shown
        .iter()
        .map(|&n| index_line(r, n, u, node_name(fw, n, lang)))
        .collect();
    let mut charts = vec![Chart::Line(LineChart {
        title: fill(
            "chart.index_level",
            lang,
            &[
                ("name", &node_name(fw, root, lang)),
                ("unit", &unit_name),
                ("base", &base),
            ],
        ),
        x_label: text("chart.year", lang).into(),
        y_label: fill("chart.index_axis", lang, &[("base", &base)]),
        integer_x: true,
        references: vec![base_line(lang)],
        lines,
        estimated_label: text("chart.estimated", lang).into(),
        gap_note: text("chart.no_data", lang).into(),
        notes: Vec::new(),
    })];
    let mut bar_years = vec![base];
    if let Some(y) = r.last_observed_year() {
        bar_years.push(y);
    }
    bar_years.push(r.to_year());
    bar_years.dedup();
    let years_label = bar_years
        .iter()
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    for &c in &fw.nodes()[root].children {
        let kids = &fw.nodes()[c].children;
        if kids.is_empty() {
            continue;
        }
        let series = bar_years
            .iter()
            .map(|&y| {
                let t = r.year_position(y).unwrap_or(0);
                let label = if Some(y) == r.last_observed_year() && y != r.to_year() {
                    fill("chart.last_observed", lang, &[("year", &y)])
                } else {
                    fill("chart.year_label", lang, &[("year", &y)])
                };
                BarSeries {
                    label,
                    values: kids
                        .iter()
                        .map(|&k| r.cell_at(k, u, t).and_then(|c| c.index))
                        .collect(),
                }
            })
            .collect();
        charts.push(Chart::Bar(BarChart {
            title: fill(
                "chart.index_children",
                lang,
                &[
                    ("name", &node_name(fw, c, lang)),
                    ("years", &years_label),
                    ("base", &base),
                ],
            ),
            value_label: fill("chart.index_axis", lang, &[("base", &base)]),
            categories: kids.iter().map(|&k| node_name(fw, k, lang)).collect(),
            series,
            references: vec![base_line(lang)],
            horizontal: true,
            overlay: false,
            value_digits: 1,
            notes: Vec::new(),
        }));
    }
    Ok(Figure {
        title: None,
        charts,
        source: None,
    })
}

/// Most gaps `fill_notes` lists one by one; the rest are counted.
pub const NOTES_SHOWN: usize = 20;

/// The gaps filled in a panel, one line each (the first [`NOTES_SHOWN`], then a count).
pub fn fill_notes(notes: &[index_engine::FillNote]) -> Vec<String> {
    let mut lines: Vec<String> = notes
        .iter()
        .take(NOTES_SHOWN)
        .map(|n| {
            format!(
                "note: {} / {} {}–{}: {}",
                n.indicator, n.unit, n.from_year, n.to_year, n.message
            )
        })
        .collect();
    if notes.len() > NOTES_SHOWN {
        lines.push(format!(
            "note: … and {} more such gaps",
            notes.len() - NOTES_SHOWN
        ));
    }
    lines
}
