//! Program targets and their progress as a table, shared by `registry targets` and the
//! cycle's report folder.

use cultivation::targets::Progress;

use crate::cell::Cell;
use crate::lang::Lang;
use crate::messages::fill;
use crate::table::Table;

/// One row per target: what it asks, the figure measured, its share of the target, what the
/// figure counts (or why it is not measured), firms lacking facts, and the source.
pub fn targets_table(progress: &[Progress]) -> Table {
    let mut t = Table::new([
        "title",
        "metric",
        "region",
        "year",
        "target",
        "unit",
        "measured_in",
        "measured",
        "share_of_target",
        "basis",
        "firms_missing_facts",
        "source",
    ]);
    for p in progress {
        let x = &p.target;
        t.push([
            Cell::from(x.title.as_str()),
            Cell::from(x.metric.key()),
            Cell::from(x.region.as_str()),
            Cell::from(i64::from(x.year)),
            Cell::from(x.value),
            Cell::from(x.unit.as_str()),
            Cell::from(i64::from(p.year)),
            p.measured.map_or(Cell::Null, Cell::from),
            p.share_of_target.map_or(Cell::Null, Cell::from),
            Cell::from(p.basis.as_str()),
            Cell::from(p.firms_missing_facts),
            Cell::from(x.source.as_str()),
        ]);
    }
    t
}

/// One sentence on `progress` for people: how many targets were measured in the year, how
/// many could not be (external, or lacking a year the registry adjusted or a ledger), and
/// how many of the measured ones have been reached.
pub fn targets_text(progress: &[Progress], year: registry_model::Year, lang: Lang) -> String {
    let measured = progress.iter().filter(|p| p.measured.is_some()).count();
    let external = progress
        .iter()
        .filter(|p| p.target.metric == cultivation::targets::Metric::External)
        .count();
    let reached = progress
        .iter()
        .filter(|p| p.measured.is_some_and(|m| m >= p.target.value))
        .count();
    fill(
        "cycle.targets_text",
        lang,
        &[
            ("targets", &progress.len()),
            ("year", &year),
            ("measured", &measured),
            ("reached", &reached),
            ("external", &external),
            ("unmeasured", &(progress.len() - measured - external)),
        ],
    )
}
