//! `shuchuang rules` (being built).

use clap::Args;

use crate::Context;

/// Arguments of `shuchuang rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {}

/// Runs `shuchuang rules`.
pub fn run(_args: RulesArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("'shuchuang rules' is not built yet")
}
