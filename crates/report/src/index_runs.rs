//! The tables and lines of the index's analysis commands: the one-at-a-time weight test
//! (`index sensitivity`), the Monte Carlo bands (`index uncertainty`), the notes of gap
//! filling, the published paths taken and the summary of a validation against published
//! figures. CSV and JSON carry
//! full precision; tables for people round.

use std::collections::BTreeSet;
use std::io::Write;

use index_engine::sensitivity::OatReport;
use index_engine::sobol::SobolReport;
use index_engine::uncertainty::{McReport, RankBand};
use index_engine::validate::ValidationRow;
use index_engine::{FillNote, FilledPanel, Flag, IndexResult, Overlay, Published, Year};

use crate::cell::Cell;
use crate::error::Result;
use crate::format::Format;
use crate::lang::Lang;
use crate::table::RowWriter;

/// The columns of the one-at-a-time weight test.
pub const OAT_HEADER: [&str; 9] = [
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

/// The columns of the Monte Carlo bands: per node, unit and year the nominal figure and its
/// percentiles over the draws; on the root's rows also the nominal rank (1 the highest) and
/// the percentiles of the rank over the draws.
pub const BAND_HEADER: [&str; 11] = [
    "node", "unit", "year", "nominal", "p5", "p50", "p95", "rank", "rank_p5", "rank_p50",
    "rank_p95",
];

/// The columns of Sobol indices (SALib's names).
pub const SOBOL_HEADER: [&str; 5] = ["factor", "S1", "S1_conf", "ST", "ST_conf"];

/// The columns of a filled panel: every leaf, unit and year with its value and its
/// [`Flag`] (`observed`, `interpolated`, `carried` or `missing`).
pub const FILLED_HEADER: [&str; 5] = ["indicator", "unit", "year", "value", "flag"];

/// Fill notes printed before the rest are counted in one line.
pub const FILL_NOTES_SHOWN: usize = 20;

/// A published figure is met when the computation is within half a unit of its last
/// published decimal (the CAICT report gives one decimal).
pub const MET_WITHIN: f64 = 0.05;

/// A measured figure: `digits` decimals for people, full precision in CSV and JSON, empty or
/// `null` when there is none.
pub fn figure(x: Option<f64>, digits: u8) -> Cell {
    x.map_or(Cell::Null, |v| Cell::fixed(v, digits))
}

/// Writes every node's range under the weights moved one at a time ([`OAT_HEADER`]); for
/// people, also the change of the total `root` per weight moved by ±`perturb`, every case
/// shown (those rows are in no CSV or JSON, so a note pointing there would mislead).
pub fn write_oat_to(
    report: &OatReport,
    root: &str,
    perturb: f64,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<()> {
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
    let header = ["weight", "direction", "total_change_pct", "unit"];
    let mut c = RowWriter::new(Format::Table, header, &mut *out)?
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

/// The line naming the largest change of the total in a one-at-a-time test, if any.
pub fn oat_largest_line(report: &OatReport) -> Option<String> {
    let l = report.largest.as_ref()?;
    let pct = l.total_change_pct?;
    Some(format!(
        "largest change of the total: {pct:+.4}% ({} {}, unit {})",
        l.shift.weight,
        l.shift.direction.as_str(),
        l.unit
    ))
}

/// Writes the percentile bands of every node, unit and year ([`BAND_HEADER`]); the root's rows
/// also carry the unit's nominal rank and the percentiles of its rank over the draws.
pub fn write_bands_to(
    report: &McReport,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<()> {
    let ranks: std::collections::HashMap<(&str, &str, Year), &RankBand> = report
        .ranks
        .iter()
        .map(|r| ((r.node.as_str(), r.unit.as_str(), r.year), r))
        .collect();
    let mut w = RowWriter::new(format, BAND_HEADER, out)?.lang(lang);
    for b in &report.bands {
        let rank = ranks.get(&(b.node.as_str(), b.unit.as_str(), b.year));
        w.row([
            Cell::from(&b.node),
            Cell::from(&b.unit),
            Cell::from(b.year),
            figure(b.nominal, 2),
            figure(b.p5, 2),
            figure(b.p50, 2),
            figure(b.p95, 2),
            rank.and_then(|r| r.nominal).map_or(Cell::Null, Cell::from),
            figure(rank.and_then(|r| r.p5), 2),
            figure(rank.and_then(|r| r.p50), 2),
            figure(rank.and_then(|r| r.p95), 2),
        ])?;
    }
    w.finish()
}

/// The notes of gap filling as lines (`note: leaf / unit 2019–2021: …`), the first
/// [`FILL_NOTES_SHOWN`] and a count of the rest.
pub fn fill_note_lines(notes: &[FillNote]) -> Vec<String> {
    let mut lines: Vec<String> = notes
        .iter()
        .take(FILL_NOTES_SHOWN)
        .map(|n| {
            format!(
                "note: {} / {} {}–{}: {}",
                n.indicator, n.unit, n.from_year, n.to_year, n.message
            )
        })
        .collect();
    if notes.len() > FILL_NOTES_SHOWN {
        lines.push(format!(
            "note: … and {} more such gaps",
            notes.len() - FILL_NOTES_SHOWN
        ));
    }
    lines
}

/// The summary of a validation: how many published figures the raw computation meets to the
/// report's precision ([`MET_WITHIN`]) and, given the default mode's result computed from the
/// same base year, how many that meets.
pub fn validation_summary(rows: &[ValidationRow], default: Option<&IndexResult>) -> String {
    let close = rows
        .iter()
        .filter(|r| r.diff.is_some_and(|d| d.abs() < MET_WITHIN))
        .count();
    let met_default = default.map_or(String::new(), |d| {
        let met = rows
            .iter()
            .filter(|r| {
                d.cell(&r.node, &r.unit, r.year)
                    .ok()
                    .and_then(|c| c.index)
                    .is_some_and(|x| (x - r.published).abs() < MET_WITHIN)
            })
            .count();
        format!("; the default mode of index compute meets {met}")
    });
    format!(
        "{} published figures: {close} met by the raw computation to the report's precision (|diff| < {MET_WITHIN}), {} not{met_default}",
        rows.len(),
        rows.len() - close
    )
}

/// The line saying how many nodes of `result` take their published path from `published`
/// somewhere, and how many nodes have figures there.
pub fn published_note(result: &IndexResult, published: &Published) -> String {
    let on_path = (0..result.node_ids().len())
        .filter(|&n| {
            (0..result.units().len()).any(|u| {
                (0..result.years().len()).any(|t| result.overlay_at(n, u, t) == Overlay::Path)
            })
        })
        .count();
    let with_figures = published
        .figures()
        .iter()
        .map(|f| &f.node)
        .collect::<BTreeSet<_>>()
        .len();
    format!(
        "note: {on_path} nodes take their published path from {} ({with_figures} nodes have figures there); --raw for the raw computation",
        published.source_name()
    )
}

/// Writes every value of `filled` with its flag ([`FILLED_HEADER`]), ordered by leaf, unit
/// and year; a missing value is empty in CSV and `null` in JSON. `tick` is called with the
/// rows written per unit (for a progress bar).
pub fn write_filled_to(
    filled: &FilledPanel,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
    tick: &dyn Fn(u64),
) -> Result<()> {
    let mut w = RowWriter::new(format, FILLED_HEADER, out)?.lang(lang);
    let years = filled.years();
    for (l, leaf) in filled.leaf_ids().iter().enumerate() {
        for (u, unit) in filled.units().iter().enumerate() {
            for (t, &year) in years.iter().enumerate() {
                let (value, flag) = filled.get(l, u, t).unwrap_or((f64::NAN, Flag::Missing));
                w.row([
                    Cell::from(leaf),
                    Cell::from(unit),
                    Cell::from(year),
                    figure(Some(value).filter(|v| v.is_finite()), 4),
                    Cell::from(flag.as_str()),
                ])?;
            }
            tick(years.len() as u64);
        }
    }
    w.finish()
}

/// Writes the first- and total-order Sobol indices of every factor ([`SOBOL_HEADER`]); an
/// index is empty (`null`) where the output does not vary.
pub fn write_sobol_to(
    report: &SobolReport,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<()> {
    let mut w = RowWriter::new(format, SOBOL_HEADER, out)?
        .lang(lang)
        .show_rows(report.factors.len());
    for f in &report.factors {
        w.row([
            Cell::from(&f.factor),
            figure(f.s1, 3),
            figure(f.s1_conf, 3),
            figure(f.st, 3),
            figure(f.st_conf, 3),
        ])?;
    }
    w.finish()
}

/// The line that says what the Sobol indices are of and how they were made.
pub fn sobol_line(r: &SobolReport) -> String {
    format!(
        "Sobol indices of '{}' for {} in {}: {} samples, {} model runs, seed {}, weights × U(1 − {p}, 1 + {p}), {} bootstrap resamples; output mean {}, variance {}",
        r.node,
        r.unit,
        r.year,
        r.samples,
        r.runs,
        r.seed,
        r.resamples,
        crate::number::full(r.mean),
        crate::number::full(r.variance),
        p = r.perturb,
    )
}

/// The timing line of `--timings`: loading and computing, in milliseconds.
pub fn timings_line(load: std::time::Duration, compute: std::time::Duration) -> String {
    format!(
        "load_ms={:.3} compute_ms={:.3}",
        load.as_secs_f64() * 1e3,
        compute.as_secs_f64() * 1e3
    )
}
