//! The tables of a level computation's preparation and of the framework analysis: the values
//! an outlier treatment changed (`index compute --treated`). CSV and JSON carry full
//! precision; tables for people round.

use std::io::Write;

use index_engine::TreatedValue;

use crate::cell::Cell;
use crate::error::Result;
use crate::format::Format;
use crate::index_runs::figure;
use crate::lang::Lang;
use crate::table::RowWriter;

/// The columns of the treated values: which leaf, unit and year, the value before and after,
/// and how it was changed (`winsorised` or `logged`).
pub const TREATED_HEADER: [&str; 6] = [
    "indicator",
    "unit",
    "year",
    "original",
    "treated",
    "treatment",
];

/// Writes every treated value ([`TREATED_HEADER`]), by leaf, year and unit.
pub fn write_treated_to(
    treated: &[TreatedValue],
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<()> {
    let mut w = RowWriter::new(format, TREATED_HEADER, out)?.lang(lang);
    for t in treated {
        w.row([
            Cell::from(&t.indicator),
            Cell::from(&t.unit),
            Cell::from(t.year),
            figure(Some(t.original), 4),
            figure(Some(t.treated), 4),
            Cell::from(t.treatment.as_str()),
        ])?;
    }
    w.finish()
}

/// The line that says what an outlier treatment changed: values, leaf-years, how many logged.
pub fn treated_line(treated: &[TreatedValue]) -> String {
    let mut leaf_years: Vec<(&str, i32)> = treated
        .iter()
        .map(|t| (t.indicator.as_str(), t.year))
        .collect();
    leaf_years.dedup();
    let logged = treated
        .iter()
        .filter(|t| t.treatment == index_engine::Treatment::Logged)
        .count();
    format!(
        "note: outlier treatment changed {} values in {} indicator-years ({} winsorised, {} logged)",
        treated.len(),
        leaf_years.len(),
        treated.len() - logged,
        logged
    )
}
