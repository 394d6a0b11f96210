//! The cycle's report folder: the CSV tables behind every number (for programs, the same in
//! every language), the charts, summary.md, index.html (one self-contained page to open,
//! print and circulate) and report.xlsx (every table as a sheet). Each file is written
//! whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use cultivation::CycleOutcome;
use serde::Serialize;

use crate::atomic::{write_atomic, write_with};
use crate::chart::write_svg;
use crate::error::{ReportError, Result};
use crate::format::Format;
use crate::index::write_result_to;
use crate::lang::Lang;
use crate::names::Names;
use crate::table::Table;

/// The files of a report folder, in the order they are written.
pub const REPORT_FILES: [&str; 26] = [
    "tiers.csv",
    "changes.csv",
    "panel.csv",
    "benefits.csv",
    "vouchers.csv",
    "compute_clusters.csv",
    "compute_jobs.csv",
    "compute_rejections.csv",
    "compute_summary.csv",
    "sandbox.csv",
    "enforcement.csv",
    "inspections.csv",
    "index_caict.csv",
    "index_cohort.csv",
    "scenario_matches.csv",
    "credit_lines.csv",
    "credit_reach.csv",
    "targets.csv",
    "tiers.svg",
    "vouchers.svg",
    "clusters.svg",
    "index_caict.svg",
    "index_cohort.svg",
    "summary.md",
    "index.html",
    "report.xlsx",
];

fn rows_csv<T: Serialize>(out: &mut dyn Write, rows: &[T]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for r in rows {
        w.serialize(r)?;
    }
    w.flush()?;
    Ok(())
}

fn table_csv(dir: &Path, name: &str, table: &Table) -> Result<()> {
    write_with(dir.join(name), |out| table.write_to(Format::Csv, out))
}

fn serialized<T: Serialize>(dir: &Path, name: &str, rows: &[T]) -> Result<()> {
    write_with(dir.join(name), |out| rows_csv(out, rows))
}

/// Writes the report folder of `outcome` into `dir` (created when needed), for people in
/// `lang` (summary.md, index.html, report.xlsx, the charts) with the names of `names`;
/// returns the files written. The CSV files are the same bytes in every language.
pub fn write_folder(
    dir: &Path,
    outcome: &CycleOutcome,
    lang: Lang,
    names: &Names,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::File {
        path: dir.to_path_buf(),
        source,
    })?;
    let tables = super::tables::tables(outcome, names)?;
    let table = |file: &str| -> Result<&Table> {
        tables
            .iter()
            .find(|t| t.file == file)
            .map(|t| &t.table)
            .ok_or_else(|| ReportError::Invalid(format!("no table for {file}")))
    };
    table_csv(dir, "tiers.csv", table("tiers.csv")?)?;
    table_csv(dir, "changes.csv", table("changes.csv")?)?;
    table_csv(dir, "panel.csv", table("panel.csv")?)?;
    // Serialised from the rows as they always were, so that programs read the same bytes.
    serialized(dir, "benefits.csv", &outcome.benefits.lines)?;
    serialized(dir, "vouchers.csv", &outcome.vouchers)?;
    let c = &outcome.compute;
    serialized(dir, "compute_clusters.csv", &c.clusters)?;
    serialized(dir, "compute_jobs.csv", &c.jobs)?;
    serialized(dir, "compute_rejections.csv", &c.rejections)?;
    serialized(dir, "compute_summary.csv", std::slice::from_ref(&c.summary))?;
    let s = &outcome.supervision;
    serialized(dir, "sandbox.csv", &s.sandbox)?;
    serialized(dir, "enforcement.csv", &s.enforcement)?;
    table_csv(dir, "inspections.csv", table("inspections.csv")?)?;
    let i = &outcome.index;
    // Every row is in the file, with its missing share and source: no warning is needed.
    write_with(dir.join("index_caict.csv"), |out| {
        write_result_to(&i.caict, Format::Csv, out).map(drop)
    })?;
    write_with(dir.join("index_cohort.csv"), |out| {
        write_result_to(&i.cohort, Format::Csv, out).map(drop)
    })?;
    table_csv(dir, "scenario_matches.csv", table("scenario_matches.csv")?)?;
    serialized(dir, "credit_lines.csv", &outcome.finance.lines)?;
    serialized(dir, "credit_reach.csv", &outcome.finance.reach)?;
    table_csv(dir, "targets.csv", table("targets.csv")?)?;

    let charts = super::charts::figures(outcome, lang, names)?;
    for c in &charts {
        write_svg(&c.figure, &dir.join(c.file))?;
    }
    let md = super::markdown::summary_markdown(outcome, lang, names, &charts);
    write_atomic(dir.join("summary.md"), md.as_bytes())?;
    let html = super::html::page(outcome, lang, names, &charts, &tables)?;
    write_atomic(dir.join("index.html"), html.as_bytes())?;
    let title = crate::messages::fill("doc.title", lang, &[("year", &outcome.year)]);
    let xlsx = super::xlsx::workbook(&tables, lang, names, &title, outcome.date)?;
    write_atomic(dir.join("report.xlsx"), &xlsx)?;
    Ok(REPORT_FILES.iter().map(|f| dir.join(f)).collect())
}
