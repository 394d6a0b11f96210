//! `shuchuang index` (being built).

use clap::Args;

use crate::Context;

/// Arguments of `shuchuang index`.
#[derive(Debug, Args)]
pub struct IndexArgs {}

/// Runs `shuchuang index`.
pub fn run(_args: IndexArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("'shuchuang index' is not built yet")
}
