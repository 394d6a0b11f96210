//! The test database: `SHUCHUANG_TEST_DATABASE_URL`, one fresh schema per test (dropped at the
//! end), and the one line said when the variable is unset.

use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use store_postgres::DatabaseUrl;

/// The variable the PostgreSQL tests read.
pub const URL_ENV: &str = "SHUCHUANG_TEST_DATABASE_URL";

static SKIPPED: Once = Once::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// The test server's URL, or `None` (after saying once that the tests are skipped). In CI
/// (`CI` set) an unset variable fails the test: CI always runs them.
pub fn server() -> Option<String> {
    match std::env::var(URL_ENV) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{URL_ENV} is unset in CI: .ci/run starts PostgreSQL and exports it"
            );
            SKIPPED.call_once(|| {
                // Straight to the process's standard error, past the test harness's capture,
                // so that a plain `cargo test` shows it.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: PostgreSQL tests skipped: set {URL_ENV}=postgres://… to run them (`export {URL_ENV}=\"$(bash .ci/postgres.sh)\"` starts a local server and prints one)"
                );
            });
            None
        }
    }
}

/// A schema of its own for one test, dropped (with everything in it) when this is dropped.
pub struct Schema {
    pub url: DatabaseUrl,
}

impl Schema {
    /// A new, unique schema on the test server (created by the first store opened on it).
    pub fn fresh(server: &str) -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("t_{}_{n}_{nanos}", std::process::id());
        let url: DatabaseUrl = server.parse().expect("the test URL");
        Schema {
            url: url.with_schema(&name).expect("schema name"),
        }
    }

    pub fn name(&self) -> &str {
        self.url.schema()
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if std::env::var_os("SHUCHUANG_TEST_KEEP_SCHEMAS").is_some() {
            return;
        }
        let _ = admin(&self.url).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.name()
            ))
        });
    }
}

/// A plain connection as the test role (for setting up roles and checking tables).
pub fn admin(url: &DatabaseUrl) -> Result<postgres::Client, postgres::Error> {
    let raw = std::env::var(URL_ENV).unwrap_or_default();
    let mut c = postgres::Client::connect(&raw, postgres::NoTls)?;
    c.batch_execute(&format!("SET search_path TO \"{}\"", url.schema()))?;
    Ok(c)
}

/// `server` with another user and password (for the role tests).
pub fn as_user(server: &str, user: &str, password: &str, schema: &str) -> DatabaseUrl {
    let (scheme, rest) = server.split_once("://").expect("a URL");
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = host.split_once('?').map_or(host, |(h, _)| h);
    format!("{scheme}://{user}:{password}@{host}?schema={schema}")
        .parse()
        .expect("a URL for the role")
}
