//! The cycle's report folder: every printed number with the CSV table it comes from, and
//! the charts. Each file is written whole or not at all.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use cultivation::CycleOutcome;
use registry_model::EnterpriseId;
use serde::Serialize;

use crate::atomic::write_with;
use crate::cell::Cell;
use crate::chart::write_svg;
use crate::error::{ReportError, Result};
use crate::format::Format;
use crate::index::write_result_to;
use crate::registry::change_log_table;
use crate::table::Table;

/// The files of a report folder, in the order they are written.
pub const REPORT_FILES: [&str; 19] = [
    "tiers.csv",
    "changes.csv",
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
    "tiers.svg",
    "vouchers.svg",
    "clusters.svg",
    "index_caict.svg",
    "index_cohort.svg",
    "summary.md",
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

/// Writes the report folder of `outcome` into `dir` (created when needed); returns the files
/// written.
pub fn write_folder(dir: &Path, outcome: &CycleOutcome) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::File {
        path: dir.to_path_buf(),
        source,
    })?;
    let reg = &outcome.registry;

    let mut tiers = Table::new(["year", "potential", "growth", "leading", "untiered"]);
    for (y, c) in &reg.counts_by_year {
        tiers.push([
            Cell::from(*y),
            Cell::from(c.per_tier[0]),
            Cell::from(c.per_tier[1]),
            Cell::from(c.per_tier[2]),
            Cell::from(c.untiered),
        ]);
    }
    table_csv(dir, "tiers.csv", &tiers)?;
    let names: HashMap<EnterpriseId, &str> =
        reg.firms.iter().map(|f| (f.id, f.name.as_str())).collect();
    let name_of = |id: &EnterpriseId| names.get(id).copied().unwrap_or_default().to_string();
    table_csv(
        dir,
        "changes.csv",
        &change_log_table(&reg.adjustment, &name_of, true),
    )?;

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
    let mut insp = Table::new([
        "id",
        "firm",
        "date",
        "mode",
        "mandatory",
        "departments",
        "subjects",
        "members",
    ]);
    for j in &s.plan.inspections {
        insp.push([
            Cell::from(&j.id),
            Cell::from(&j.firm),
            Cell::from(j.date),
            Cell::from(format!("{:?}", j.mode).to_lowercase()),
            Cell::from(j.mandatory),
            Cell::from(j.departments.join("; ")),
            Cell::from(j.subjects.join("; ")),
            Cell::from(j.members.join("; ")),
        ]);
    }
    table_csv(dir, "inspections.csv", &insp)?;

    let i = &outcome.index;
    // Every row is in the file, with its missing share and source: no warning is needed.
    write_with(dir.join("index_caict.csv"), |out| {
        write_result_to(&i.caict, Format::Csv, out).map(drop)
    })?;
    write_with(dir.join("index_cohort.csv"), |out| {
        write_result_to(&i.cohort, Format::Csv, out).map(drop)
    })?;

    for (name, figure) in super::charts::figures(outcome)? {
        write_svg(&figure, &dir.join(name))?;
    }
    let md = super::markdown::summary_markdown(outcome);
    write_with(dir.join("summary.md"), |out| {
        Ok(out.write_all(md.as_bytes())?)
    })?;
    Ok(REPORT_FILES.iter().map(|f| dir.join(f)).collect())
}
