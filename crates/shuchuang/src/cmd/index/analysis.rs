//! `shuchuang index analyse`: how the framework's nodes move together across units
//! (correlations, Cronbach's alpha, principal components).

use anyhow::Result;
use clap::Args;
use index_engine::analysis::{Span, analyse};
use index_engine::{compute_with, with_method};
use report::index_analysis::{AnalysisTable, analysis_line, write_analysis_to};

use super::{DataArgs, OutputArgs};
use crate::output::lang;

pub(super) const EXAMPLES: &str = "Examples:
  shuchuang index analyse DIR --method level --table correlations
  shuchuang index analyse DIR --method level --table alpha --pooled
  shuchuang index analyse DIR --method level --outliers winsorise --table pca --year 2023 --format csv";

#[derive(Debug, Args)]
pub(super) struct AnalyseArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Which table: correlations with ancestors and siblings, Cronbach's alpha per
    /// aggregate, or principal components per aggregate.
    #[arg(long, value_enum, default_value = "correlations")]
    table: AnalysisTable,
    /// Year whose units are the observations (default: the last computed year).
    #[arg(long, conflicts_with = "pooled")]
    year: Option<index_engine::Year>,
    /// Every unit and year pooled as observations.
    #[arg(long)]
    pooled: bool,
    #[command(flatten)]
    output: OutputArgs,
}

pub(super) fn run(a: AnalyseArgs) -> Result<()> {
    let l = a.data.load_filled()?;
    let (fw, filled, choice) = (&l.fw, &l.filled, l.method(&a.data));
    let result = with_method!(&choice, m => compute_with(m, fw, filled, None)?);
    let span = Span::choose(a.year, a.pooled, &result)?;
    let analysis = analyse(fw, &result, span)?;
    eprintln!(
        "{}",
        analysis_line(&analysis, result.units().len(), result.method())
    );
    let format = a.output.format;
    a.output
        .emit(|out| write_analysis_to(&analysis, a.table, format, lang(), out))
}
