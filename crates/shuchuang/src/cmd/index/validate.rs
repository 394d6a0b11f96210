//! `shuchuang index validate`: every published figure beside the raw computation.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Args;
use index_engine::validate::{ValidationRow, validate};
use index_engine::{PublishedChain, PublishedRule, compute_with};
use serde::Serialize;

use super::{
    DataArgs, MethodArg, OutputArgs, PUBLISHED_FILE, TABLE_ROWS_MAX, full, load, print_notes,
    read_published, rounded, truncation_note,
};
use crate::output::{Format, Table};

/// A published figure is met when the computation is within half a unit of its last
/// published decimal (the report gives one decimal).
const MET_WITHIN: f64 = 0.05;

pub(super) const EXAMPLES: &str = "Examples:
  shuchuang index validate data/caict-2025
  shuchuang index validate data/caict-2025 --format csv --out validation.csv
  shuchuang index validate data/caict-2025 --interpolate linear --format json";

#[derive(Debug, Args)]
pub(super) struct ValidateArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    output: OutputArgs,
}

const HEADER: [&str; 12] = [
    "node",
    "unit",
    "year",
    "published",
    "kind",
    "computed",
    "diff",
    "missing_share",
    "estimated_share",
    "source",
    "explained_by",
    "quote",
];

/// One row as JSON: numbers as numbers, the leaves as one readable string.
#[derive(Serialize)]
struct JsonRow<'a> {
    node: &'a str,
    unit: &'a str,
    year: i32,
    published: f64,
    kind: &'a str,
    computed: Option<f64>,
    diff: Option<f64>,
    missing_share: f64,
    estimated_share: Option<f64>,
    source: &'a str,
    explained_by: String,
    quote: &'a str,
}

fn explained(r: &ValidationRow) -> String {
    if r.explained_by.is_empty() {
        return "none: the raw figure rests on observed values only".into();
    }
    r.explained_by
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn run(a: ValidateArgs) -> Result<()> {
    if a.data.raw || !a.data.published_rule.is_empty() || a.data.method != MethodArg::Chain {
        bail!(
            "validate always compares with the raw chain computation: --raw, --published-rule and --method do not apply"
        );
    }
    let path = a.data.dir.join(PUBLISHED_FILE);
    if !path.exists() {
        bail!(
            "{} not found: validate sets each published figure (node,year,index[,unit,kind,quote]) beside the raw computation",
            path.display()
        );
    }
    let (fw, panel) = load(&a.data)?;
    let published = read_published(&a.data.dir, &fw, &panel)?;
    let filled = a.data.options().fill(&panel)?;
    print_notes(filled.notes());
    let rows = validate(&fw, &filled, &published)?;
    let mut sink = a.output.sink()?;
    write_rows(&rows, a.output.format, sink.writer())?;
    sink.finish()?;
    let close = rows
        .iter()
        .filter(|r| r.diff.is_some_and(|d| d.abs() < MET_WITHIN))
        .count();
    // The same figures in the default mode (published aggregates, the default rule).
    let rule = PublishedRule::default();
    let method = PublishedChain::new(&published, &rule, a.data.options().interpolation.gap_fill());
    let default = compute_with(&method, &fw, &filled, None)?;
    let met_default = if filled.base_year() == published.base_year() {
        let met = rows
            .iter()
            .filter(|r| {
                default
                    .cell(&r.node, &r.unit, r.year)
                    .ok()
                    .and_then(|c| c.index)
                    .is_some_and(|x| (x - r.published).abs() < MET_WITHIN)
            })
            .count();
        format!("; the default mode of index compute meets {met}")
    } else {
        String::new()
    };
    eprintln!(
        "{} published figures: {close} met by the raw computation to the report's precision (|diff| < {MET_WITHIN}), {} not{met_default}",
        rows.len(),
        rows.len() - close
    );
    Ok(())
}

fn write_rows(rows: &[ValidationRow], format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Json => {
            let json: Vec<JsonRow<'_>> = rows
                .iter()
                .map(|r| JsonRow {
                    node: &r.node,
                    unit: &r.unit,
                    year: r.year,
                    published: r.published,
                    kind: r.kind.as_str(),
                    computed: r.computed,
                    diff: r.diff,
                    missing_share: r.missing_share,
                    estimated_share: r.estimated_share,
                    source: r.source.as_str(),
                    explained_by: explained(r),
                    quote: &r.quote,
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &json)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut t = Table::new(HEADER);
            for r in rows {
                t.push([
                    r.node.clone(),
                    r.unit.clone(),
                    r.year.to_string(),
                    r.published.to_string(),
                    r.kind.as_str().to_string(),
                    full(r.computed),
                    full(r.diff),
                    r.missing_share.to_string(),
                    full(r.estimated_share),
                    r.source.as_str().to_string(),
                    explained(r),
                    r.quote.clone(),
                ]);
            }
            t.write_to(Format::Csv, out)?;
        }
        Format::Table => {
            let mut t = Table::new([
                "node",
                "year",
                "published",
                "computed",
                "diff",
                "missing_share",
                "explained_by",
            ]);
            for r in rows.iter().take(TABLE_ROWS_MAX) {
                let year = if rows.iter().any(|q| q.unit != r.unit) {
                    format!("{} {}", r.unit, r.year)
                } else {
                    r.year.to_string()
                };
                let kind = match r.kind {
                    index_engine::PublishedKind::Estimate => " (est.)",
                    index_engine::PublishedKind::Actual => "",
                };
                t.push([
                    r.node.clone(),
                    year,
                    format!("{}{kind}", r.published),
                    rounded(r.computed, 1),
                    r.diff.map(|d| format!("{d:+.1}")).unwrap_or_default(),
                    rounded(Some(r.missing_share), 2),
                    explained(r),
                ]);
            }
            t.write_to(Format::Table, out)?;
            if let Some(note) = truncation_note(rows.len()) {
                writeln!(out, "{note}")?;
            }
        }
    }
    Ok(())
}
