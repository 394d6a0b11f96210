//! [`SqliteStore`]: the registry in one SQLite file (WAL, `synchronous=FULL`, versioned schema).
//!
//! Durability: every write is one `BEGIN IMMEDIATE … COMMIT` transaction. With WAL and
//! `synchronous=FULL` a committed transaction survives a crash of the process or the machine;
//! an uncommitted one leaves no trace. The crash test kills a writer mid-adjustment and
//! reopens the file at the last committed year.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::adjust::{Adjustment, Change, ChangeEntry};
use crate::error::{RegistryError, Result};
use crate::id::{EnterpriseId, LegacyPolicy};
use crate::money::Money;
use crate::policy::Stage;
use crate::report::{AnnualReport, Enterprise, FACTS, FactKind, FactValue};
use crate::resource::DataResource;
use crate::store::{HistoryEntry, InsertSummary, RegistryStore, check_commit, check_insert};
use crate::tier::{Tier, Year};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// Schema migrations, applied in order inside one transaction each: index i takes the file
/// from version i to i + 1.
const MIGRATIONS: [&str; 2] = [
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
];

/// The registry in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

fn reports_ddl() -> String {
    let cols: Vec<String> = FACTS
        .iter()
        .map(|(name, kind)| {
            let ty = match kind {
                FactKind::Money | FactKind::Count | FactKind::Flag => "INTEGER",
                FactKind::Decimal => "TEXT",
            };
            format!("{name} {ty}")
        })
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

fn tier_key(t: Option<Tier>) -> Option<&'static str> {
    t.map(Tier::key)
}

fn fact_to_sql(v: FactValue) -> SqlValue {
    match v {
        FactValue::Money(Some(m)) => SqlValue::Integer(m.fen()),
        FactValue::Decimal(Some(d)) => SqlValue::Text(d.to_string()),
        FactValue::Count(Some(n)) => SqlValue::Integer(i64::from(n)),
        FactValue::Flag(Some(b)) => SqlValue::Integer(i64::from(b)),
        _ => SqlValue::Null,
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file and its schema when absent and migrating an
    /// older schema. A file from a newer build is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(|source| RegistryError::Sqlite {
            path: path.display().to_string(),
            context: "opening".into(),
            source,
        })?;
        let mut store = Self { conn, path };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing store for reading only: nothing is created, migrated or written (a
    /// write through it fails). Other processes may write meanwhile; reads see their commits.
    /// A file of an older schema must be opened once with [`SqliteStore::open`] first.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_without_writing(path.as_ref(), "mode=ro")
    }

    /// Opens a store on a read-only medium (a read-only directory or mount): like
    /// [`SqliteStore::open_read_only`], and SQLite also assumes that no process changes the
    /// file while it is open, so it needs no lock or shared-memory file beside it. Only
    /// for files nothing writes to.
    pub fn open_immutable(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_without_writing(path.as_ref(), "immutable=1")
    }

    fn open_without_writing(path: &Path, query: &str) -> Result<Self> {
        use rusqlite::OpenFlags;
        let path = path.to_path_buf();
        let err = |context: &str| {
            let path = path.display().to_string();
            let context = context.to_string();
            move |source| RegistryError::Sqlite {
                path,
                context,
                source,
            }
        };
        if !path.is_file() {
            return Err(RegistryError::NotFound {
                what: "registry file",
                key: path.display().to_string(),
            });
        }
        // A URI names the file exactly: `%`, `?` and `#` in the path are escaped.
        let mut uri = String::from("file:");
        for c in path.display().to_string().chars() {
            match c {
                '%' => uri.push_str("%25"),
                '?' => uri.push_str("%3f"),
                '#' => uri.push_str("%23"),
                c => uri.push(c),
            }
        }
        uri.push('?');
        uri.push_str(query);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&uri, flags).map_err(err("opening read-only"))?;
        conn.execute_batch("PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;")
            .map_err(err("setting pragmas"))?;
        let store = Self { conn, path };
        let found = store.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(RegistryError::SchemaTooNew {
                path: store.path.display().to_string(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < SCHEMA_VERSION {
            return Err(store.corrupt(
                "schema version",
                format!(
                    "version {found} predates this build's {SCHEMA_VERSION}; open it once for writing to migrate it"
                ),
            ));
        }
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, context: &str) -> impl Fn(rusqlite::Error) -> RegistryError + '_ {
        let context = context.to_string();
        move |source| RegistryError::Sqlite {
            path: self.path.display().to_string(),
            context: context.clone(),
            source,
        }
    }

    fn corrupt(&self, key: impl Into<String>, reason: impl Into<String>) -> RegistryError {
        RegistryError::Corrupt {
            path: self.path.display().to_string(),
            key: key.into(),
            reason: reason.into(),
        }
    }

    fn configure(&mut self) -> Result<()> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(self.err("setting WAL mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(self.corrupt("journal_mode", format!("WAL refused (mode {mode})")));
        }
        self.conn
            .execute_batch(
                // A 64 MiB page cache keeps a 100k-firm import from spilling pages to disk
                // mid-transaction (the default 2,000 pages does); the cap bounds memory.
                "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;
                 PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
            )
            .map_err(self.err("setting pragmas"))?;
        Ok(())
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err("reading the schema version"))
    }

    fn migrate(&mut self) -> Result<()> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(RegistryError::SchemaTooNew {
                path: self.path.display().to_string(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let path = self.path.display().to_string();
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            let to = i as i64 + 1;
            let e = |source| RegistryError::Sqlite {
                path: path.clone(),
                context: format!("migrating the schema to version {to}"),
                source,
            };
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(e)?;
            tx.execute_batch(sql).map_err(e)?;
            if to == 1 {
                tx.execute_batch(&reports_ddl()).map_err(e)?;
            }
            tx.execute_batch(&format!("PRAGMA user_version = {to}"))
                .map_err(e)?;
            tx.commit().map_err(e)?;
        }
        Ok(())
    }

    fn parse_id(&self, s: &str) -> Result<EnterpriseId> {
        // Stored ids were validated on insert; legacy codes are re-flagged by the checksum.
        EnterpriseId::parse_with(s, LegacyPolicy::Accept)
            .map_err(|e| self.corrupt(s, e.to_string()))
    }

    fn row_to_report(&self, row: &rusqlite::Row<'_>) -> Result<AnnualReport> {
        let uscc: String = row.get(0).map_err(self.err("reading a report"))?;
        let year: Year = row.get(1).map_err(self.err("reading a report"))?;
        let id = self.parse_id(&uscc)?;
        let mut r = AnnualReport::new(id, year);
        for (i, (name, kind)) in FACTS.iter().enumerate() {
            let raw: SqlValue = row.get(i + 2).map_err(self.err("reading a report"))?;
            let key = || format!("report {uscc} {year} {name}");
            let v = match (kind, raw) {
                (FactKind::Money, SqlValue::Null) => FactValue::Money(None),
                (FactKind::Decimal, SqlValue::Null) => FactValue::Decimal(None),
                (FactKind::Count, SqlValue::Null) => FactValue::Count(None),
                (FactKind::Flag, SqlValue::Null) => FactValue::Flag(None),
                (FactKind::Money, SqlValue::Integer(f)) => FactValue::Money(Some(
                    Money::from_fen(f).ok_or_else(|| self.corrupt(key(), "amount out of range"))?,
                )),
                (FactKind::Decimal, SqlValue::Text(t)) => FactValue::Decimal(Some(
                    rust_decimal::Decimal::from_str_exact(&t)
                        .map_err(|e| self.corrupt(key(), e.to_string()))?,
                )),
                (FactKind::Count, SqlValue::Integer(n)) => FactValue::Count(Some(
                    u32::try_from(n).map_err(|e| self.corrupt(key(), e.to_string()))?,
                )),
                (FactKind::Flag, SqlValue::Integer(n)) => FactValue::Flag(Some(n != 0)),
                (_, other) => {
                    return Err(self.corrupt(key(), format!("unexpected value {other:?}")));
                }
            };
            r.set_fact(name, v).map_err(|e| self.corrupt(key(), e))?;
        }
        Ok(r)
    }

    fn select_reports(
        &self,
        sql_where: &str,
        p: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<AnnualReport>> {
        let cols: Vec<&str> = FACTS.iter().map(|(n, _)| *n).collect();
        let sql = format!(
            "SELECT uscc, year, {} FROM reports {sql_where} ORDER BY uscc, year",
            cols.join(", ")
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(self.err("reading reports"))?;
        let mut rows = stmt.query(p).map_err(self.err("reading reports"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(self.err("reading reports"))? {
            out.push(self.row_to_report(row)?);
        }
        Ok(out)
    }

    fn row_to_firm(
        &self,
        uscc: &str,
        legacy: bool,
        name: String,
        founded: &str,
    ) -> Result<Enterprise> {
        let policy = if legacy {
            LegacyPolicy::Accept
        } else {
            LegacyPolicy::Reject
        };
        let id = EnterpriseId::parse_with(uscc, policy)
            .map_err(|e| self.corrupt(uscc, e.to_string()))?;
        let founded = NaiveDate::parse_from_str(founded, "%Y-%m-%d")
            .map_err(|e| self.corrupt(uscc, format!("founded '{founded}': {e}")))?;
        Ok(Enterprise { id, name, founded })
    }

    fn adjusted_set(tx: &Transaction<'_>) -> rusqlite::Result<BTreeSet<Year>> {
        let mut stmt = tx.prepare_cached("SELECT year FROM adjustments")?;
        let years = stmt.query_map([], |r| r.get::<_, Year>(0))?;
        years.collect()
    }

    fn entry_from_row(&self, year: Year, row: &rusqlite::Row<'_>) -> Result<ChangeEntry> {
        let e = self.err("reading a change log");
        let uscc: String = row.get(0).map_err(&e)?;
        let key = || format!("change log {year} {uscc}");
        let tier = |s: Option<String>| -> Result<Option<Tier>> {
            s.map(|t| {
                t.parse::<Tier>()
                    .map_err(|x| self.corrupt(key(), x.to_string()))
            })
            .transpose()
        };
        let from = tier(row.get(1).map_err(&e)?)?;
        let to = tier(row.get(2).map_err(&e)?)?;
        let change: String = row.get(3).map_err(&e)?;
        let change: Change = change
            .parse()
            .map_err(|x: RegistryError| self.corrupt(key(), x.to_string()))?;
        let stage: Option<String> = row.get(6).map_err(&e)?;
        let stage = match stage.as_deref() {
            None => None,
            Some("rnd") => Some(Stage::Rnd),
            Some("growth") => Some(Stage::Growth),
            Some("mature") => Some(Stage::Mature),
            Some(other) => return Err(self.corrupt(key(), format!("stage '{other}'"))),
        };
        let reasons: String = row.get(7).map_err(&e)?;
        let missing: String = row.get(8).map_err(&e)?;
        Ok(ChangeEntry {
            id: self.parse_id(&uscc)?,
            from,
            to,
            change,
            grace: row.get::<_, i64>(4).map_err(&e)? != 0,
            borderline: row.get::<_, i64>(5).map_err(&e)? != 0,
            stage,
            reasons: serde_json::from_str(&reasons)
                .map_err(|x| self.corrupt(key(), x.to_string()))?,
            missing: serde_json::from_str(&missing)
                .map_err(|x| self.corrupt(key(), x.to_string()))?,
        })
    }

    /// Runs SQLite's integrity check; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let res: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(self.err("checking integrity"))?;
        if res == "ok" {
            Ok(())
        } else {
            Err(self.corrupt("integrity_check", res))
        }
    }
}

const TIER_COLS: &str =
    "uscc, from_tier, to_tier, change, grace, borderline, stage, reasons, missing";

impl RegistryStore for SqliteStore {
    fn insert(&mut self, firms: &[Enterprise], reports: &[AnnualReport]) -> Result<InsertSummary> {
        let path = self.path.display().to_string();
        let e = |context: &str| {
            let path = path.clone();
            let context = context.to_string();
            move |source| RegistryError::Sqlite {
                path: path.clone(),
                context: context.clone(),
                source,
            }
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e("starting an import"))?;
        let adjusted = Self::adjusted_set(&tx).map_err(e("reading adjusted years"))?;
        // Checks read inside the write transaction, so nothing can change between check and write.
        let (new_firms, unchanged) = {
            let stored_firm = |id: &EnterpriseId| -> Result<Option<Enterprise>> {
                let mut stmt = tx
                    .prepare_cached("SELECT legacy, name, founded FROM firms WHERE uscc = ?1")
                    .map_err(e("reading a firm"))?;
                let row = stmt
                    .query_row([id.as_str()], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    })
                    .optional()
                    .map_err(e("reading a firm"))?;
                match row {
                    None => Ok(None),
                    Some((legacy, name, founded)) => {
                        let founded =
                            NaiveDate::parse_from_str(&founded, "%Y-%m-%d").map_err(|x| {
                                RegistryError::Corrupt {
                                    path: path.clone(),
                                    key: id.to_string(),
                                    reason: x.to_string(),
                                }
                            })?;
                        let _ = legacy;
                        Ok(Some(Enterprise {
                            id: *id,
                            name,
                            founded,
                        }))
                    }
                }
            };
            let stored_report = |id: &EnterpriseId, year: Year| -> Result<bool> {
                let mut stmt = tx
                    .prepare_cached("SELECT 1 FROM reports WHERE uscc = ?1 AND year = ?2")
                    .map_err(e("reading a report"))?;
                stmt.exists(params![id.as_str(), year])
                    .map_err(e("reading a report"))
            };
            check_insert(firms, reports, &stored_firm, &stored_report, &adjusted)?
        };
        {
            let mut ins_firm = tx
                .prepare_cached(
                    "INSERT INTO firms (uscc, legacy, name, founded, province) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(e("writing firms"))?;
            for f in &new_firms {
                ins_firm
                    .execute(params![
                        f.id.as_str(),
                        i64::from(f.id.is_legacy()),
                        f.name,
                        f.founded.format("%Y-%m-%d").to_string(),
                        f.id.region().province_code(),
                    ])
                    .map_err(e("writing firms"))?;
            }
            let cols: Vec<&str> = FACTS.iter().map(|(n, _)| *n).collect();
            let marks: Vec<String> = (0..FACTS.len() + 2)
                .map(|i| format!("?{}", i + 1))
                .collect();
            let sql = format!(
                "INSERT INTO reports (uscc, year, {}) VALUES ({})",
                cols.join(", "),
                marks.join(", ")
            );
            let mut ins_report = tx.prepare_cached(&sql).map_err(e("writing reports"))?;
            let mut values: Vec<SqlValue> = Vec::with_capacity(FACTS.len() + 2);
            for r in reports {
                values.clear();
                values.push(SqlValue::Text(r.id.as_str().to_string()));
                values.push(SqlValue::Integer(i64::from(r.year)));
                for (name, _) in FACTS {
                    values.push(r.fact(name).map_or(SqlValue::Null, fact_to_sql));
                }
                ins_report
                    .execute(rusqlite::params_from_iter(values.iter()))
                    .map_err(e("writing reports"))?;
            }
        }
        tx.commit().map_err(e("committing an import"))?;
        Ok(InsertSummary {
            firms_added: new_firms.len() as u64,
            firms_unchanged: unchanged,
            reports_added: reports.len() as u64,
        })
    }

    fn firm(&self, id: &EnterpriseId) -> Result<Option<Enterprise>> {
        let row = self
            .conn
            .query_row(
                "SELECT legacy, name, founded FROM firms WHERE uscc = ?1",
                [id.as_str()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(self.err("reading a firm"))?;
        row.map(|(legacy, name, founded)| {
            self.row_to_firm(id.as_str(), legacy != 0, name, &founded)
        })
        .transpose()
    }

    fn firms(&self) -> Result<Vec<Enterprise>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT uscc, legacy, name, founded FROM firms ORDER BY uscc")
            .map_err(self.err("reading firms"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(self.err("reading firms"))?;
        let mut out = Vec::new();
        for row in rows {
            let (uscc, legacy, name, founded) = row.map_err(self.err("reading firms"))?;
            out.push(self.row_to_firm(&uscc, legacy != 0, name, &founded)?);
        }
        Ok(out)
    }

    fn firm_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT COUNT(*) FROM firms", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(self.err("counting firms"))
    }

    fn report(&self, id: &EnterpriseId, year: Year) -> Result<Option<AnnualReport>> {
        Ok(self
            .select_reports("WHERE uscc = ?1 AND year = ?2", &[&id.as_str(), &year])?
            .into_iter()
            .next())
    }

    fn reports_of(&self, id: &EnterpriseId) -> Result<Vec<AnnualReport>> {
        self.select_reports("WHERE uscc = ?1", &[&id.as_str()])
    }

    fn reports_between(&self, first: Year, last: Year) -> Result<Vec<AnnualReport>> {
        self.select_reports("WHERE year BETWEEN ?1 AND ?2", &[&first, &last])
    }

    fn commit_adjustment(&mut self, adj: &Adjustment) -> Result<()> {
        let path = self.path.display().to_string();
        let e = |context: &'static str| {
            let path = path.clone();
            move |source| RegistryError::Sqlite {
                path: path.clone(),
                context: context.to_string(),
                source,
            }
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e("starting an adjustment"))?;
        let last: Option<Year> = tx
            .query_row("SELECT MAX(year) FROM adjustments", [], |r| r.get(0))
            .map_err(e("reading adjusted years"))?;
        let ids: BTreeSet<EnterpriseId> =
            {
                let mut stmt = tx
                    .prepare_cached("SELECT uscc FROM firms")
                    .map_err(e("reading firms"))?;
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(e("reading firms"))?;
                let mut ids = BTreeSet::new();
                for row in rows {
                    let s = row.map_err(e("reading firms"))?;
                    ids.insert(EnterpriseId::parse_with(&s, LegacyPolicy::Accept).map_err(
                        |x| RegistryError::Corrupt {
                            path: path.clone(),
                            key: s.clone(),
                            reason: x.to_string(),
                        },
                    )?);
                }
                ids
            };
        check_commit(adj, last, &ids)?;
        tx.execute(
            "INSERT INTO adjustments (year, criteria_set, policy, firms) VALUES (?1, ?2, ?3, ?4)",
            params![
                adj.year,
                adj.criteria_set,
                adj.policy,
                adj.entries.len() as i64
            ],
        )
        .map_err(e("writing the adjustment"))?;
        {
            let mut ins = tx
                .prepare_cached(&format!(
                    "INSERT INTO tiers (year, {TIER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ))
                .map_err(e("writing the change log"))?;
            for en in &adj.entries {
                let reasons = serde_json::to_string(&en.reasons).unwrap_or_else(|_| "[]".into());
                let missing = serde_json::to_string(&en.missing).unwrap_or_else(|_| "[]".into());
                ins.execute(params![
                    adj.year,
                    en.id.as_str(),
                    tier_key(en.from),
                    tier_key(en.to),
                    en.change.key(),
                    i64::from(en.grace),
                    i64::from(en.borderline),
                    en.stage.map(Stage::key),
                    reasons,
                    missing,
                ])
                .map_err(e("writing the change log"))?;
            }
        }
        tx.commit().map_err(e("committing the adjustment"))?;
        Ok(())
    }

    fn adjustment(&self, year: Year) -> Result<Option<Adjustment>> {
        let head = self
            .conn
            .query_row(
                "SELECT criteria_set, policy, firms FROM adjustments WHERE year = ?1",
                [year],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(self.err("reading an adjustment"))?;
        let Some((criteria_set, policy, firms)) = head else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {TIER_COLS} FROM tiers WHERE year = ?1 ORDER BY uscc"
            ))
            .map_err(self.err("reading a change log"))?;
        let mut rows = stmt
            .query([year])
            .map_err(self.err("reading a change log"))?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next().map_err(self.err("reading a change log"))? {
            entries.push(self.entry_from_row(year, row)?);
        }
        // Paired check: what was counted on write must be what is read back.
        if entries.len() as i64 != firms {
            return Err(self.corrupt(
                format!("adjustment {year}"),
                format!("{} change-log rows, {firms} recorded", entries.len()),
            ));
        }
        Ok(Some(Adjustment {
            year,
            criteria_set,
            policy,
            entries,
        }))
    }

    fn adjusted_years(&self) -> Result<Vec<Year>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT year FROM adjustments ORDER BY year")
            .map_err(self.err("reading adjusted years"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, Year>(0))
            .map_err(self.err("reading adjusted years"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err("reading adjusted years"))
    }

    fn history(&self, id: &EnterpriseId) -> Result<Vec<HistoryEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.uscc, t.from_tier, t.to_tier, t.change, t.grace, t.borderline, t.stage,
                        t.reasons, t.missing, t.year, a.criteria_set, a.policy
                 FROM tiers t JOIN adjustments a ON a.year = t.year
                 WHERE t.uscc = ?1 ORDER BY t.year",
            )
            .map_err(self.err("reading a history"))?;
        let mut rows = stmt
            .query([id.as_str()])
            .map_err(self.err("reading a history"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(self.err("reading a history"))? {
            let year: Year = row.get(9).map_err(self.err("reading a history"))?;
            out.push(HistoryEntry {
                year,
                criteria_set: row.get(10).map_err(self.err("reading a history"))?,
                policy: row.get(11).map_err(self.err("reading a history"))?,
                entry: self.entry_from_row(year, row)?,
            });
        }
        Ok(out)
    }

    fn put_resource(&mut self, resource: &DataResource) -> Result<()> {
        let record = serde_json::to_string(resource)
            .map_err(|x| self.corrupt(resource.id.clone(), x.to_string()))?;
        let res = self.conn.execute(
            "INSERT INTO data_resources (id, code, state, record) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET code = excluded.code, state = excluded.state, record = excluded.record",
            params![resource.id, resource.code, resource.state.key(), record],
        );
        match res {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(RegistryError::Duplicate {
                    what: "data resource code",
                    key: resource.code.clone().unwrap_or_default(),
                })
            }
            Err(source) => Err(self.err("writing a data resource")(source)),
        }
    }

    fn resources(&self) -> Result<Vec<DataResource>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, record FROM data_resources ORDER BY id")
            .map_err(self.err("reading data resources"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err("reading data resources"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, rec) = row.map_err(self.err("reading data resources"))?;
            out.push(serde_json::from_str(&rec).map_err(|x| self.corrupt(id, x.to_string()))?);
        }
        Ok(out)
    }
}

/// Tier counts per year straight from SQL (for charts over large registries).
pub fn tier_counts_sql(store: &SqliteStore) -> Result<Vec<(Year, HashMap<String, u64>)>> {
    let mut stmt = store
        .conn
        .prepare_cached(
            "SELECT year, COALESCE(to_tier, 'none'), COUNT(*) FROM tiers GROUP BY year, to_tier ORDER BY year",
        )
        .map_err(store.err("counting tiers"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, Year>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(store.err("counting tiers"))?;
    let mut out: Vec<(Year, HashMap<String, u64>)> = Vec::new();
    for row in rows {
        let (y, t, n) = row.map_err(store.err("counting tiers"))?;
        if out.last().is_none_or(|(ly, _)| *ly != y) {
            out.push((y, HashMap::new()));
        }
        if let Some((_, m)) = out.last_mut() {
            m.insert(t, n.max(0) as u64);
        }
    }
    Ok(out)
}
