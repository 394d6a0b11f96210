//! [`SqliteStore`]: the registry in one SQLite file (WAL, `synchronous=FULL`, versioned schema).
//!
//! Durability: every write is one `BEGIN IMMEDIATE … COMMIT` transaction. With WAL and
//! `synchronous=FULL` a committed transaction survives a crash of the process or the machine;
//! an uncommitted one leaves no trace. The crash test kills a writer mid-adjustment and
//! reopens the file at the last committed year.

mod panels;
mod rows;
mod schema;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::adjust::Adjustment;
use crate::error::{RegistryError, Result};
use crate::id::{EnterpriseId, LegacyPolicy};
use crate::panel::Panel;
use crate::panel_store::{PanelWrite, ScoreRow, ScoresWrite};
use crate::report::{AnnualReport, Enterprise, FACTS};
use crate::resource::DataResource;
use crate::store::{HistoryEntry, InsertSummary, RegistryStore, check_commit, check_insert};
use crate::tier::Year;

use rows::{FIRM_COLS, TIER_COL_COUNT, TIER_COLS, entry_from_row, entry_values, fact_to_sql};
pub use schema::SCHEMA_VERSION;

/// The registry in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
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
        schema::version(&self.conn).map_err(self.err("reading the schema version"))
    }

    fn migrate(&mut self) -> Result<()> {
        let path = self.path.display().to_string();
        schema::migrate(&mut self.conn, &path)
    }

    fn path_text(&self) -> String {
        self.path.display().to_string()
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
            out.push(rows::report_from_row(&self.path_text(), row)?);
        }
        Ok(out)
    }

    fn adjusted_set(tx: &Transaction<'_>) -> rusqlite::Result<BTreeSet<Year>> {
        let mut stmt = tx.prepare_cached("SELECT year FROM adjustments")?;
        let years = stmt.query_map([], |r| r.get::<_, Year>(0))?;
        years.collect()
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
        let checked = {
            let stored_firm = |id: &EnterpriseId| rows::read_firm(&tx, &path, id);
            let stored_report =
                |id: &EnterpriseId, year: Year| rows::has_report(&tx, &path, id, year);
            check_insert(firms, reports, &stored_firm, &stored_report, &adjusted)?
        };
        {
            let mut ins_firm = tx
                .prepare_cached(
                    "INSERT INTO firms (uscc, legacy, name, founded, province, industry) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(e("writing firms"))?;
            for f in &checked.new_firms {
                ins_firm
                    .execute(params![
                        f.id.as_str(),
                        i64::from(f.id.is_legacy()),
                        f.name,
                        f.founded.format("%Y-%m-%d").to_string(),
                        f.id.region().province_code(),
                        f.industry.map(|c| c.to_string()),
                    ])
                    .map_err(e("writing firms"))?;
            }
            let mut upd_firm = tx
                .prepare_cached(
                    "UPDATE firms SET industry = ?2 WHERE uscc = ?1 AND industry IS NULL",
                )
                .map_err(e("writing firms"))?;
            for f in &checked.updated_firms {
                upd_firm
                    .execute(params![f.id.as_str(), f.industry.map(|c| c.to_string())])
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
            firms_added: checked.new_firms.len() as u64,
            firms_unchanged: checked.unchanged,
            firms_updated: checked.updated_firms.len() as u64,
            reports_added: reports.len() as u64,
        })
    }

    fn firm(&self, id: &EnterpriseId) -> Result<Option<Enterprise>> {
        rows::read_firm(&self.conn, &self.path_text(), id)
    }

    fn firms(&self) -> Result<Vec<Enterprise>> {
        let path = self.path_text();
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {FIRM_COLS} FROM firms ORDER BY uscc"))
            .map_err(self.err("reading firms"))?;
        let mut rows = stmt.query([]).map_err(self.err("reading firms"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(self.err("reading firms"))? {
            out.push(rows::firm_from_row(&path, row)?);
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
            let marks: Vec<String> = (1..=TIER_COL_COUNT + 1).map(|i| format!("?{i}")).collect();
            let mut ins = tx
                .prepare_cached(&format!(
                    "INSERT INTO tiers (year, {TIER_COLS}) VALUES ({})",
                    marks.join(", ")
                ))
                .map_err(e("writing the change log"))?;
            let mut values: Vec<SqlValue> = Vec::with_capacity(TIER_COL_COUNT + 1);
            for en in &adj.entries {
                values.clear();
                values.push(SqlValue::Integer(i64::from(adj.year)));
                values.extend(entry_values(en));
                ins.execute(rusqlite::params_from_iter(values.iter()))
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
            entries.push(entry_from_row(&self.path_text(), year, row)?);
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
            .prepare_cached(&format!(
                "SELECT {}, t.year, a.criteria_set, a.policy
                 FROM tiers t JOIN adjustments a ON a.year = t.year
                 WHERE t.uscc = ?1 ORDER BY t.year",
                TIER_COLS
                    .split(", ")
                    .map(|c| format!("t.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .map_err(self.err("reading a history"))?;
        let mut rows = stmt
            .query([id.as_str()])
            .map_err(self.err("reading a history"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(self.err("reading a history"))? {
            let year: Year = row
                .get(TIER_COL_COUNT)
                .map_err(self.err("reading a history"))?;
            out.push(HistoryEntry {
                year,
                criteria_set: row
                    .get(TIER_COL_COUNT + 1)
                    .map_err(self.err("reading a history"))?,
                policy: row
                    .get(TIER_COL_COUNT + 2)
                    .map_err(self.err("reading a history"))?,
                entry: entry_from_row(&self.path_text(), year, row)?,
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

    fn put_panel(&mut self, year: Year, panel: &Panel) -> Result<PanelWrite> {
        self.write_panel(year, panel)
    }

    fn panels(&self, year: Year) -> Result<Vec<Panel>> {
        self.read_panels(year, None)
    }

    fn panel(&self, year: Year, name: &str) -> Result<Option<Panel>> {
        Ok(self.read_panels(year, Some(name))?.into_iter().next())
    }

    fn put_panel_scores(
        &mut self,
        year: Year,
        panel: &str,
        scores: &[ScoreRow],
    ) -> Result<ScoresWrite> {
        self.write_scores(year, panel, scores)
    }

    fn panel_scores(&self, year: Year, panel: &str) -> Result<Vec<ScoreRow>> {
        panels::read_scores(&self.conn, &self.path_text(), year, panel)
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
