//! The SQLite schema: its version, the migrations that build it, and the migration runner.
//!
//! Version 1: firms, reports (one column per fact of [`FACTS`]`[..`[`FACTS_V1`]`]`),
//! adjustments and change logs. Version 2: data-resource registrations. Version 3: the
//! digital-economy test and panels — the firms' industry code, the facts after `FACTS_V1`,
//! each change-log entry's class, referral and panel decision, and the panels' rosters and
//! scores.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{RegistryError, Result};
use crate::report::{FACTS, FACTS_V1, FactKind};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 3;

/// Schema migrations, applied in order inside one transaction each: index i takes the file
/// from version i to i + 1. The report columns are added beside them ([`report_columns`]).
const MIGRATIONS: [&str; 3] = [
    // v1: firms, reports, adjustments and their change logs.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE firms (
        uscc TEXT PRIMARY KEY,
        legacy INTEGER NOT NULL CHECK (legacy IN (0, 1)),
        name TEXT NOT NULL,
        founded TEXT NOT NULL,
        province TEXT NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE adjustments (
        year INTEGER PRIMARY KEY,
        criteria_set TEXT NOT NULL,
        policy TEXT NOT NULL,
        firms INTEGER NOT NULL
     );
     CREATE TABLE tiers (
        year INTEGER NOT NULL REFERENCES adjustments(year),
        uscc TEXT NOT NULL REFERENCES firms(uscc),
        from_tier TEXT,
        to_tier TEXT,
        change TEXT NOT NULL,
        grace INTEGER NOT NULL,
        borderline INTEGER NOT NULL,
        stage TEXT,
        reasons TEXT NOT NULL,
        missing TEXT NOT NULL,
        PRIMARY KEY (year, uscc)
     ) WITHOUT ROWID;
     CREATE INDEX tiers_by_firm ON tiers (uscc, year);",
    // v2: data-resource registration records; the code is unique when assigned.
    "CREATE TABLE data_resources (
        id TEXT PRIMARY KEY,
        code TEXT UNIQUE,
        state TEXT NOT NULL,
        record TEXT NOT NULL
     );",
    // v3: the digital-economy test (industry codes, each entry's class) and panels (rosters,
    // scores; a referred firm's question and the panel's decision on its change-log entry).
    "ALTER TABLE firms ADD COLUMN industry TEXT;
     ALTER TABLE tiers ADD COLUMN digital_class TEXT;
     ALTER TABLE tiers ADD COLUMN class_partial INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE tiers ADD COLUMN innovation TEXT NOT NULL DEFAULT '';
     ALTER TABLE tiers ADD COLUMN referral TEXT;
     ALTER TABLE tiers ADD COLUMN panel TEXT;
     CREATE TABLE panels (
        year INTEGER NOT NULL,
        name TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (year, name)
     ) WITHOUT ROWID;
     CREATE TABLE panel_scores (
        year INTEGER NOT NULL,
        panel TEXT NOT NULL,
        uscc TEXT NOT NULL,
        member TEXT NOT NULL,
        score TEXT NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (year, panel, uscc, member),
        FOREIGN KEY (year, panel) REFERENCES panels (year, name)
     ) WITHOUT ROWID;",
];

fn sql_type(kind: FactKind) -> &'static str {
    match kind {
        FactKind::Money | FactKind::Count | FactKind::Flag => "INTEGER",
        FactKind::Decimal => "TEXT",
    }
}

/// The reports table of version 1, with the facts of that version.
fn reports_ddl() -> String {
    let cols: Vec<String> = FACTS
        .iter()
        .take(FACTS_V1)
        .map(|(name, kind)| format!("{name} {}", sql_type(*kind)))
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS reports (
            uscc TEXT NOT NULL REFERENCES firms(uscc),
            year INTEGER NOT NULL,
            {},
            PRIMARY KEY (uscc, year)
         ) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS reports_by_year ON reports (year);",
        cols.join(",\n            ")
    )
}

/// The statements that take the reports table of version `to − 1` to version `to`.
fn report_columns(to: i64) -> String {
    match to {
        1 => reports_ddl(),
        3 => FACTS
            .iter()
            .skip(FACTS_V1)
            .map(|(name, kind)| {
                format!("ALTER TABLE reports ADD COLUMN {name} {};", sql_type(*kind))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The schema version of an open file.
pub(super) fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Creates or migrates the schema of `conn` (the file at `path`); a file of a newer version
/// is refused. Each step is one transaction, so a crash leaves a whole version.
pub(super) fn migrate(conn: &mut Connection, path: &str) -> Result<()> {
    let found = version(conn).map_err(|source| RegistryError::Sqlite {
        path: path.to_string(),
        context: "reading the schema version".into(),
        source,
    })?;
    if found > SCHEMA_VERSION {
        return Err(RegistryError::SchemaTooNew {
            path: path.to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let to = i as i64 + 1;
        let e = |source| RegistryError::Sqlite {
            path: path.to_string(),
            context: format!("migrating the schema to version {to}"),
            source,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        tx.execute_batch(sql).map_err(e)?;
        tx.execute_batch(&report_columns(to)).map_err(e)?;
        tx.execute_batch(&format!("PRAGMA user_version = {to}"))
            .map_err(e)?;
        tx.commit().map_err(e)?;
    }
    Ok(())
}
