//! The tables of a level computation's preparation and of the framework analysis: the values
//! an outlier treatment changed (`index compute --treated`), and the correlations, Cronbach's
//! alphas and principal components of `index analyse`. CSV and JSON carry full precision;
//! tables for people round.

use std::io::Write;

use index_engine::TreatedValue;
use index_engine::analysis::{Analysis, Span};

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

/// The columns of the correlations: the node, the other node, how they are related
/// (`parent`, `ancestor`, `sibling`), the shared observations and Pearson's r.
pub const CORRELATION_HEADER: [&str; 5] = ["node", "other", "relation", "n", "r"];

/// The columns of Cronbach's alpha: the aggregate, its children, the complete observations
/// and alpha.
pub const ALPHA_HEADER: [&str; 4] = ["node", "k", "n", "alpha"];

/// The columns of the principal components: one row per aggregate, component and child.
pub const COMPONENT_HEADER: [&str; 7] = [
    "node",
    "component",
    "eigenvalue",
    "variance_share",
    "child",
    "loading",
    "n",
];

/// Which table of the analysis to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum AnalysisTable {
    /// Correlations of each node with its ancestors and siblings ([`CORRELATION_HEADER`]).
    Correlations,
    /// Cronbach's alpha per aggregate ([`ALPHA_HEADER`]).
    Alpha,
    /// Principal components per aggregate ([`COMPONENT_HEADER`]).
    Pca,
}

/// Writes one table of `analysis`; every row is shown to people.
pub fn write_analysis_to(
    analysis: &Analysis,
    table: AnalysisTable,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<()> {
    match table {
        AnalysisTable::Correlations => {
            let rows = &analysis.correlations;
            let mut w = RowWriter::new(format, CORRELATION_HEADER, out)?
                .lang(lang)
                .show_rows(rows.len());
            for c in rows {
                w.row([
                    Cell::from(&c.node),
                    Cell::from(&c.other),
                    Cell::from(c.relation.as_str()),
                    Cell::from(c.n),
                    figure(c.r, 3),
                ])?;
            }
            w.finish()
        }
        AnalysisTable::Alpha => {
            let rows = &analysis.alphas;
            let mut w = RowWriter::new(format, ALPHA_HEADER, out)?
                .lang(lang)
                .show_rows(rows.len());
            for a in rows {
                w.row([
                    Cell::from(&a.node),
                    Cell::from(a.k),
                    Cell::from(a.n),
                    figure(a.alpha, 3),
                ])?;
            }
            w.finish()
        }
        AnalysisTable::Pca => {
            let n: usize = analysis.components.iter().map(|c| c.loadings.len()).sum();
            let mut w = RowWriter::new(format, COMPONENT_HEADER, out)?
                .lang(lang)
                .show_rows(n);
            for c in &analysis.components {
                for (child, loading) in &c.loadings {
                    w.row([
                        Cell::from(&c.node),
                        Cell::from(c.component),
                        figure(Some(c.eigenvalue), 3),
                        figure(Some(c.variance_share), 3),
                        Cell::from(child),
                        figure(Some(*loading), 3),
                        Cell::from(c.n),
                    ])?;
                }
            }
            w.finish()
        }
    }
}

/// The line that says which observations the analysis used.
pub fn analysis_line(analysis: &Analysis, units: usize, method: &str) -> String {
    match analysis.span {
        Span::Year(y) => format!(
            "framework analysis of {method} over the {units} units of {y}, figures oriented to the root"
        ),
        Span::Pooled => format!(
            "framework analysis of {method} over every unit and year pooled ({units} units), figures oriented to the root"
        ),
    }
}
