//! `shuchuang registry` (being built).

use clap::Args;

use crate::Context;

/// Arguments of `shuchuang registry`.
#[derive(Debug, Args)]
pub struct RegistryArgs {}

/// Runs `shuchuang registry`.
pub fn run(_args: RegistryArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("'shuchuang registry' is not built yet")
}
