//! `shuchuang voucher` (being built).

use clap::Args;

use crate::Context;

/// Arguments of `shuchuang voucher`.
#[derive(Debug, Args)]
pub struct VoucherArgs {}

/// Runs `shuchuang voucher`.
pub fn run(_args: VoucherArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("'shuchuang voucher' is not built yet")
}
