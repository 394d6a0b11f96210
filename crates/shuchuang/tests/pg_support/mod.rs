//! What the PostgreSQL CLI tests share: the test server, a schema of their own, the binary
//! on a server or on SQLite, and the ledger writes they make.
//!
//! They read `SHUCHUANG_TEST_DATABASE_URL` (`bash .ci/postgres.sh` starts a local server and
//! prints one); without it each test says so once and returns; in CI (`CI` set) an unset
//! variable fails them.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

// A valid USCC in Hangzhou (330106); check character computed independently (python) from GB 32100.
pub const FIRM: &str = "913301060000001231";
pub const PROGRAM: &str = "hangzhou-compute-2024";

/// The test server, or `None` (saying so once) when the variable is unset outside CI.
pub fn server() -> Option<String> {
    const VAR: &str = "SHUCHUANG_TEST_DATABASE_URL";
    match std::env::var(VAR) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(std::env::var_os("CI").is_none(), "{VAR} is unset in CI");
            eprintln!("note: PostgreSQL CLI tests skipped: set {VAR} (see .ci/postgres.sh)");
            None
        }
    }
}

/// A schema of the test database for one test, dropped at the end.
pub struct Schema {
    pub server: String,
    pub name: String,
}

impl Schema {
    pub fn new(server: &str, tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Schema {
            server: server.to_string(),
            name: format!("cli_{tag}_{}_{nanos}", std::process::id()),
        }
    }

    pub fn url(&self) -> String {
        let sep = if self.server.contains('?') { '&' } else { '?' };
        format!("{}{sep}schema={}", self.server, self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

/// The binary on the database at `url` (through the environment, as an office would set it).
pub fn on_pg(url: &str) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C")
        .env("SHUCHUANG_DATABASE_URL", url)
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

/// The binary on the embedded stores in `dir`.
pub fn on_sqlite(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C")
        .env("SHUCHUANG_DATA_DIR", dir)
        .env_remove("SHUCHUANG_DATABASE_URL")
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

pub fn stdout(mut c: Command, args: &[&str]) -> Vec<u8> {
    let out = c.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn grant(c: Command, id: &str, amount: &str) -> Output {
    let mut c = c;
    c.args([
        "voucher",
        "--date",
        "2024-03-01",
        "grant",
        "--program",
        PROGRAM,
    ])
    .args(["--firm", FIRM, "--amount", amount, "--tier", "growth"])
    .args(["--request-id", id])
    .output()
    .unwrap()
}

/// A grant (`contract` None) or a redemption against `contract`, as one process.
pub fn write(c: Command, id: &str, amount: &str, contract: Option<&str>) -> Output {
    let Some(contract) = contract else {
        return grant(c, id, amount);
    };
    let mut c = c;
    c.args([
        "voucher",
        "--date",
        "2024-03-01",
        "redeem",
        "--program",
        PROGRAM,
    ])
    .args([
        "--firm",
        FIRM,
        "--provider",
        "some-cloud",
        "--contract",
        contract,
    ])
    .args(["--amount", amount, "--request-id", id])
    .output()
    .unwrap()
}
