//! The data directory option of the commands that use a store.

use std::path::PathBuf;
use std::sync::OnceLock;

use clap::Args;
use cultivation::{DataDir, DatabaseUrl};

/// The global `--database URL` (env `SHUCHUANG_DATABASE_URL`), parsed once.
static DATABASE: OnceLock<Option<DatabaseUrl>> = OnceLock::new();

/// Keeps the global `--database` for every store command. Parsed here, not by clap, whose
/// messages would quote the value with its password.
pub fn set_database(url: Option<&str>) -> anyhow::Result<()> {
    let url = url
        .filter(|u| !u.trim().is_empty())
        .map(str::parse)
        .transpose()?;
    let _ = DATABASE.set(url);
    Ok(())
}

/// `--data-dir DIR` (env `SHUCHUANG_DATA_DIR`), flattened into every command that reads or
/// writes the embedded stores; ignored when the global `--database` names a server.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory of the embedded stores (registry.sqlite, ledger.sqlite). A command that
    /// writes takes its lock; readers never wait.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "shuchuang-data",
        env = "SHUCHUANG_DATA_DIR"
    )]
    pub data_dir: PathBuf,
}

impl StoreArgs {
    /// The data directory.
    pub fn dir(&self) -> DataDir {
        DataDir::new(&self.data_dir).with_database(DATABASE.get().cloned().flatten())
    }
}
