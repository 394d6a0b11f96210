//! `shuchuang index fill`: the filled panel with every value's flag, for checking what the
//! index rests on or computing with another tool.

use anyhow::Result;
use clap::Args;
use report::index_runs::write_filled_to;

use super::{DataArgs, OutputArgs};
use crate::output::{Format, lang};
use crate::progress;

pub(super) const EXAMPLES: &str = "Examples:
  shuchuang index fill data/caict-2025
  shuchuang index fill data/caict-2025 --to 2025 --format csv --out filled.csv
  shuchuang index fill data/caict-2025 --interpolate linear --format json";

#[derive(Debug, Args)]
pub(super) struct FillArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub(super) fn run(a: FillArgs) -> Result<()> {
    let filled = a.data.load_filled()?.filled;
    let format = a.output.format;
    let rows = filled.leaf_ids().len() * filled.units().len() * filled.n_years();
    let bar = progress::bar(
        if format == Format::Table {
            0
        } else {
            rows as u64
        },
        "writing",
    );
    let tick = |n| bar.inc(n);
    a.output
        .emit(|out| write_filled_to(&filled, format, lang(), out, &tick))?;
    bar.finish_and_clear();
    Ok(())
}
