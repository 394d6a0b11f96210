//! `shuchuang cycle` (being built).

use clap::Args;

use crate::Context;

/// Arguments of `shuchuang cycle`.
#[derive(Debug, Args)]
pub struct CycleArgs {}

/// Runs `shuchuang cycle`.
pub fn run(_args: CycleArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("'shuchuang cycle' is not built yet")
}
