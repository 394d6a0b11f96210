//! The data directory option of the commands that use a store.

use std::path::PathBuf;

use clap::Args;
use cultivation::DataDir;

/// `--data-dir DIR` (env `SHUCHUANG_DATA_DIR`), flattened into every command that reads or
/// writes the embedded stores.
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
        DataDir::new(&self.data_dir)
    }
}
