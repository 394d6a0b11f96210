//! `shuchuang compute` (being built).

use clap::Args;

use crate::Context;

/// Arguments of `shuchuang compute`.
#[derive(Debug, Args)]
pub struct ComputeArgs {}

/// Runs `shuchuang compute`.
pub fn run(_args: ComputeArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("'shuchuang compute' is not built yet")
}
