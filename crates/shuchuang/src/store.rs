//! The data directory option of the commands that use a store.

use std::path::PathBuf;
use std::sync::OnceLock;

use clap::Args;
use cultivation::{DataDir, DatabaseUrl};

/// `--database` or env SHUCHUANG_DATABASE_URL, parsed here: clap's errors would show a password.
static DATABASE: OnceLock<Option<DatabaseUrl>> = OnceLock::new();

/// Keeps the global `--database` for every store command.
pub fn set_database(arg: Option<String>) -> anyhow::Result<()> {
    let url = arg.or_else(|| std::env::var("SHUCHUANG_DATABASE_URL").ok());
    let _ = DATABASE.set(DatabaseUrl::parse_optional(url.as_deref())?);
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
