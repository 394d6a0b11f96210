//! [`PgRegistry`]: the registry in PostgreSQL — the tables of the SQLite store (firms,
//! reports with one column per fact, adjustments, change logs, data resources), loaded with
//! `COPY`, every write one transaction.
//!
//! Writers (an import, an adjustment) take `LOCK TABLE firms, reports, adjustments IN SHARE
//! ROW EXCLUSIVE MODE` first: one writer at a time, readers never wait. The yearly
//! adjustment reads, judges and writes inside that one transaction, so a second adjustment
//! of the same year waits for the first and is then refused ("year Y is already adjusted"),
//! and no report can land between the judgement and the commit.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::NaiveDate;
use postgres::Client;
use postgres::types::ToSql;
use registry_model::adjust::Adjustment;
use registry_model::criteria::CriteriaSet;
use registry_model::digital::DigitalClass;
use registry_model::error::Result;
use registry_model::industry::IndustryCode;
use registry_model::panel::Panel;
use registry_model::panel_store::{PanelWrite, ScoreRow, ScoresWrite};
use registry_model::policy::{Stage, TierPolicy};
use registry_model::report::{FACTS, FactKind, FactValue};
use registry_model::resource::DataResource;
use registry_model::store::{HistoryEntry, InsertSummary, check_commit, check_insert};
use registry_model::{
    AnnualReport, Enterprise, EnterpriseId, LegacyPolicy, Money, RegistryError, RegistryStore,
    Tier, Year,
};

mod entries;
mod panels;

use crate::conn::{Access, Conn, connect};
use crate::error::{describe, is_denied};
use crate::migrate::{ensure, version_of};
pub(crate) use crate::registry_schema::REGISTRY;
use crate::url::DatabaseUrl;

/// The change-log columns, in the order [`PgRegistry::entry_from_row`] reads them.
const TIER_COLS: &str = "uscc, from_tier, to_tier, change, grace, borderline, stage, \
     reasons::text, missing::text, digital_class, class_partial, innovation, referral::text, \
     panel::text";

/// How many columns [`TIER_COLS`] names.
const TIER_COL_COUNT: usize = 14;

/// The lock every registry write takes first (see the module documentation).
const WRITE_LOCK: &str = "LOCK TABLE firms, reports, adjustments IN SHARE ROW EXCLUSIVE MODE";

/// The registry on a PostgreSQL server.
pub struct PgRegistry {
    conn: Mutex<Conn>,
    url: DatabaseUrl,
    store: String,
    /// Whether a write transaction is open (reads inside it must not open one of their own).
    in_write: AtomicBool,
}

impl std::fmt::Debug for PgRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgRegistry")
            .field("store", &self.store)
            .finish()
    }
}

/// One field of a `COPY … FROM STDIN` text row: `\N` for NULL, and the four characters the
/// format reserves escaped.
fn copy_field(out: &mut String, value: Option<&str>) {
    let Some(v) = value else {
        out.push_str("\\N");
        return;
    };
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn copy_row(out: &mut String, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        copy_field(out, *f);
    }
    out.push('\n');
}

fn fact_text(v: FactValue) -> Option<String> {
    match v {
        FactValue::Money(Some(m)) => Some(m.fen().to_string()),
        FactValue::Decimal(Some(d)) => Some(d.to_string()),
        FactValue::Count(Some(n)) => Some(n.to_string()),
        FactValue::Flag(Some(b)) => Some(if b { "t" } else { "f" }.to_string()),
        _ => None,
    }
}

fn bool_text(b: bool) -> &'static str {
    if b { "t" } else { "f" }
}

impl PgRegistry {
    /// Connects for writing: creates the registry's tables on first use (migrations), refuses
    /// a schema newer than this build.
    pub fn open(url: &DatabaseUrl) -> Result<Self> {
        Self::connect(url, Access::Write)
    }

    /// Connects for reading only: every transaction is read-only, nothing is created or
    /// migrated; a missing or older registry schema is refused.
    pub fn open_read_only(url: &DatabaseUrl) -> Result<Self> {
        Self::connect(url, Access::Read)
    }

    fn connect(url: &DatabaseUrl, access: Access) -> Result<Self> {
        let mut conn = connect(url, access)?;
        ensure(&mut conn, url.schema(), &REGISTRY, access)?;
        let store = conn.store.clone();
        Ok(Self {
            conn: Mutex::new(conn),
            url: url.clone(),
            store,
            in_write: AtomicBool::new(false),
        })
    }

    /// The registry schema's version in the database.
    pub fn schema_version(&self) -> Result<i64> {
        let mut conn = self.lock()?;
        Ok(version_of(&mut conn, &REGISTRY)?.map_or(0, i64::from))
    }

    /// The version of the registry schema this build writes.
    pub fn supported_version() -> i64 {
        i64::from(REGISTRY.version())
    }

    /// The URL it was opened with (its `Display` hides the password).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    fn lock(&self) -> Result<MutexGuard<'_, Conn>> {
        self.conn.lock().map_err(|_| RegistryError::Database {
            store: self.store.clone(),
            context: "using the connection".into(),
            message: "poisoned by a panic".into(),
        })
    }

    fn db(&self, context: &str) -> impl Fn(postgres::Error) -> RegistryError + '_ {
        let context = context.to_string();
        move |e| RegistryError::Database {
            store: self.store.clone(),
            context: context.clone(),
            message: if is_denied(&e) {
                format!(
                    "permission denied: {} — the database role may read the registry but not write it",
                    describe(&e)
                )
            } else {
                describe(&e)
            },
        }
    }

    fn corrupt(&self, key: impl Into<String>, reason: impl Into<String>) -> RegistryError {
        RegistryError::Corrupt {
            path: self.store.clone(),
            key: key.into(),
            reason: reason.into(),
        }
    }

    fn parse_id(&self, s: &str, legacy: bool) -> Result<EnterpriseId> {
        let policy = if legacy {
            LegacyPolicy::Accept
        } else {
            LegacyPolicy::Reject
        };
        EnterpriseId::parse_with(s, policy).map_err(|e| self.corrupt(s, e.to_string()))
    }

    fn select_firms(
        &self,
        client: &mut Client,
        sql_where: &str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Enterprise>> {
        let sql = format!(
            "SELECT uscc, legacy, name, founded, industry FROM firms {sql_where} ORDER BY uscc"
        );
        let rows = client.query(&sql, p).map_err(self.db("reading firms"))?;
        rows.iter()
            .map(|r| {
                let uscc: &str = r.get(0);
                let industry = r
                    .get::<_, Option<&str>>(4)
                    .map(|c| IndustryCode::parse(c).map_err(|x| self.corrupt(uscc, x.to_string())))
                    .transpose()?;
                Ok(Enterprise {
                    id: self.parse_id(uscc, r.get(1))?,
                    name: r.get(2),
                    founded: r.get::<_, NaiveDate>(3),
                    industry,
                })
            })
            .collect()
    }

    fn select_reports(
        &self,
        client: &mut Client,
        sql_where: &str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<AnnualReport>> {
        let cols: Vec<String> = FACTS
            .iter()
            .map(|(name, kind)| match kind {
                FactKind::Decimal => format!("{name}::text"),
                _ => (*name).to_string(),
            })
            .collect();
        let sql = format!(
            "SELECT uscc, year, {} FROM reports {sql_where} ORDER BY uscc, year",
            cols.join(", ")
        );
        let rows = client.query(&sql, p).map_err(self.db("reading reports"))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let uscc: &str = row.get(0);
            let year: Year = row.get(1);
            let mut r = AnnualReport::new(self.parse_id(uscc, true)?, year);
            for (i, (name, kind)) in FACTS.iter().enumerate() {
                let key = || format!("report {uscc} {year} {name}");
                let v = match kind {
                    FactKind::Money => FactValue::Money(
                        row.get::<_, Option<i64>>(i + 2)
                            .map(|f| {
                                Money::from_fen(f)
                                    .ok_or_else(|| self.corrupt(key(), "amount out of range"))
                            })
                            .transpose()?,
                    ),
                    FactKind::Count => FactValue::Count(
                        row.get::<_, Option<i64>>(i + 2)
                            .map(|n| {
                                u32::try_from(n).map_err(|e| self.corrupt(key(), e.to_string()))
                            })
                            .transpose()?,
                    ),
                    FactKind::Flag => FactValue::Flag(row.get::<_, Option<bool>>(i + 2)),
                    FactKind::Decimal => FactValue::Decimal(
                        row.get::<_, Option<&str>>(i + 2)
                            .map(|t| {
                                rust_decimal::Decimal::from_str_exact(t)
                                    .map_err(|e| self.corrupt(key(), e.to_string()))
                            })
                            .transpose()?,
                    ),
                };
                r.set_fact(name, v).map_err(|e| self.corrupt(key(), e))?;
            }
            out.push(r);
        }
        Ok(out)
    }

    fn adjusted_set(&self, client: &mut Client) -> Result<BTreeSet<Year>> {
        let rows = client
            .query("SELECT year FROM adjustments", &[])
            .map_err(self.db("reading adjusted years"))?;
        Ok(rows.iter().map(|r| r.get::<_, Year>(0)).collect())
    }

    /// Runs `f` in one transaction that holds the registry's write lock: committed when it
    /// returns `Ok`, rolled back otherwise.
    fn write_tx<T>(&self, context: &str, f: impl FnOnce(&Self) -> Result<T>) -> Result<T> {
        {
            let mut conn = self.lock()?;
            conn.client
                .batch_execute(&format!(
                    "BEGIN ISOLATION LEVEL READ COMMITTED; {WRITE_LOCK}"
                ))
                .map_err(self.db(context))?;
        }
        self.in_write.store(true, Ordering::SeqCst);
        let out = f(self);
        self.in_write.store(false, Ordering::SeqCst);
        let mut conn = self.lock()?;
        match out {
            Ok(v) => {
                conn.client
                    .batch_execute("COMMIT")
                    .map_err(self.db(&format!("committing ({context})")))?;
                Ok(v)
            }
            Err(e) => {
                // A failed ROLLBACK means a lost connection: the server rolled back already.
                let _ = conn.client.batch_execute("ROLLBACK");
                Err(e)
            }
        }
    }

    fn insert_in_tx(
        &self,
        firms: &[Enterprise],
        reports: &[AnnualReport],
    ) -> Result<InsertSummary> {
        let mut conn = self.lock()?;
        let client = &mut conn.client;
        let adjusted = self.adjusted_set(client)?;
        let ids: Vec<&str> = firms
            .iter()
            .map(|f| f.id.as_str())
            .chain(reports.iter().map(|r| r.id.as_str()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let stored: HashMap<EnterpriseId, Enterprise> = self
            .select_firms(client, "WHERE uscc = ANY($1)", &[&ids])?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
        let stored_reports: BTreeSet<(String, Year)> = client
            .query(
                "SELECT uscc, year FROM reports WHERE uscc = ANY($1)",
                &[&ids],
            )
            .map_err(self.db("reading reports"))?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, Year>(1)))
            .collect();
        let checked = check_insert(
            firms,
            reports,
            &|id| Ok(stored.get(id).cloned()),
            &|id, y| Ok(stored_reports.contains(&(id.as_str().to_string(), y))),
            &adjusted,
        )?;
        let copy = |client: &mut Client, sql: &str, data: &str, what: &str| -> Result<()> {
            let mut w = client.copy_in(sql).map_err(self.db(what))?;
            w.write_all(data.as_bytes())
                .map_err(|e| RegistryError::Database {
                    store: self.store.clone(),
                    context: what.to_string(),
                    message: e.to_string(),
                })?;
            w.finish().map_err(self.db(what))?;
            Ok(())
        };
        let mut data = String::new();
        for f in &checked.new_firms {
            let founded = f.founded.format("%Y-%m-%d").to_string();
            let industry = f.industry.map(|c| c.to_string());
            copy_row(
                &mut data,
                &[
                    Some(f.id.as_str()),
                    Some(bool_text(f.id.is_legacy())),
                    Some(&f.name),
                    Some(&founded),
                    Some(f.id.region().province_code()),
                    industry.as_deref(),
                ],
            );
        }
        copy(
            client,
            "COPY firms (uscc, legacy, name, founded, province, industry) FROM STDIN",
            &data,
            "writing firms",
        )?;
        if !checked.updated_firms.is_empty() {
            let (ids, codes): (Vec<&str>, Vec<String>) = checked
                .updated_firms
                .iter()
                .filter_map(|f| f.industry.map(|c| (f.id.as_str(), c.to_string())))
                .unzip();
            client
                .execute(
                    "UPDATE firms SET industry = u.industry
                     FROM UNNEST($1::text[], $2::text[]) AS u (uscc, industry)
                     WHERE firms.uscc = u.uscc AND firms.industry IS NULL",
                    &[&ids, &codes],
                )
                .map_err(self.db("writing firms"))?;
        }
        data.clear();
        let cols: Vec<&str> = FACTS.iter().map(|(n, _)| *n).collect();
        for r in reports {
            let year = r.year.to_string();
            let facts: Vec<Option<String>> = FACTS
                .iter()
                .map(|(name, _)| r.fact(name).and_then(fact_text))
                .collect();
            let mut fields: Vec<Option<&str>> = vec![Some(r.id.as_str()), Some(&year)];
            fields.extend(facts.iter().map(|f| f.as_deref()));
            copy_row(&mut data, &fields);
        }
        copy(
            client,
            &format!("COPY reports (uscc, year, {}) FROM STDIN", cols.join(", ")),
            &data,
            "writing reports",
        )?;
        Ok(InsertSummary {
            firms_added: checked.new_firms.len() as u64,
            firms_unchanged: checked.unchanged,
            firms_updated: checked.updated_firms.len() as u64,
            reports_added: reports.len() as u64,
        })
    }

    fn commit_in_tx(&self, adj: &Adjustment) -> Result<()> {
        let mut conn = self.lock()?;
        let client = &mut conn.client;
        let last: Option<Year> = client
            .query_one("SELECT MAX(year) FROM adjustments", &[])
            .map_err(self.db("reading adjusted years"))?
            .get(0);
        let ids: BTreeSet<EnterpriseId> = client
            .query("SELECT uscc, legacy FROM firms", &[])
            .map_err(self.db("reading firms"))?
            .iter()
            .map(|r| self.parse_id(r.get(0), r.get(1)))
            .collect::<Result<_>>()?;
        check_commit(adj, last, &ids)?;
        let firms = i64::try_from(adj.entries.len()).unwrap_or(i64::MAX);
        client
            .execute(
                "INSERT INTO adjustments (year, criteria_set, policy, firms) VALUES ($1, $2, $3, $4)",
                &[&adj.year as &(dyn ToSql + Sync), &adj.criteria_set, &adj.policy, &firms],
            )
            .map_err(self.db("writing the adjustment"))?;
        let mut data = String::new();
        let year = adj.year.to_string();
        for en in &adj.entries {
            let reasons = serde_json::to_string(&en.reasons)
                .map_err(|e| self.corrupt(en.id.to_string(), e.to_string()))?;
            let missing = serde_json::to_string(&en.missing)
                .map_err(|e| self.corrupt(en.id.to_string(), e.to_string()))?;
            let referral = en
                .referral
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| self.corrupt(en.id.to_string(), e.to_string()))?;
            let panel = en
                .panel
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| self.corrupt(en.id.to_string(), e.to_string()))?;
            let innovation: Vec<&str> = en.class.innovation.iter().map(|t| t.key()).collect();
            let innovation = innovation.join(",");
            copy_row(
                &mut data,
                &[
                    Some(&year),
                    Some(en.id.as_str()),
                    en.from.map(Tier::key),
                    en.to.map(Tier::key),
                    Some(en.change.key()),
                    Some(bool_text(en.grace)),
                    Some(bool_text(en.borderline)),
                    en.stage.map(Stage::key),
                    Some(&reasons),
                    Some(&missing),
                    en.class.digital.map(DigitalClass::key),
                    Some(bool_text(en.class.partial)),
                    Some(&innovation),
                    referral.as_deref(),
                    panel.as_deref(),
                ],
            );
        }
        let mut w = client
            .copy_in(
                "COPY tiers (year, uscc, from_tier, to_tier, change, grace, borderline, stage, reasons, \
                 missing, digital_class, class_partial, innovation, referral, panel) FROM STDIN",
            )
            .map_err(self.db("writing the change log"))?;
        w.write_all(data.as_bytes())
            .map_err(|e| RegistryError::Database {
                store: self.store.clone(),
                context: "writing the change log".into(),
                message: e.to_string(),
            })?;
        w.finish().map_err(self.db("writing the change log"))?;
        Ok(())
    }
}

impl PgRegistry {
    fn read_adjustment(&self, client: &mut Client, year: Year) -> Result<Option<Adjustment>> {
        let head = client
            .query_opt(
                "SELECT criteria_set, policy, firms FROM adjustments WHERE year = $1",
                &[&year],
            )
            .map_err(self.db("reading an adjustment"))?;
        let Some(head) = head else {
            return Ok(None);
        };
        let rows = client
            .query(
                &format!("SELECT {TIER_COLS} FROM tiers WHERE year = $1 ORDER BY uscc"),
                &[&year],
            )
            .map_err(self.db("reading a change log"))?;
        let entries = rows
            .iter()
            .map(|r| self.entry_from_row(year, r))
            .collect::<Result<Vec<_>>>()?;
        let firms: i64 = head.get(2);
        if i64::try_from(entries.len()).ok() != Some(firms) {
            return Err(self.corrupt(
                format!("adjustment {year}"),
                format!("{} change-log rows, {firms} recorded", entries.len()),
            ));
        }
        Ok(Some(Adjustment {
            year,
            criteria_set: head.get(0),
            policy: head.get(1),
            entries,
        }))
    }
}

impl RegistryStore for PgRegistry {
    fn insert(&mut self, firms: &[Enterprise], reports: &[AnnualReport]) -> Result<InsertSummary> {
        self.write_tx("importing", |s| s.insert_in_tx(firms, reports))
    }

    fn firm(&self, id: &EnterpriseId) -> Result<Option<Enterprise>> {
        let mut conn = self.lock()?;
        Ok(self
            .select_firms(&mut conn.client, "WHERE uscc = $1", &[&id.as_str()])?
            .into_iter()
            .next())
    }

    fn firms(&self) -> Result<Vec<Enterprise>> {
        let mut conn = self.lock()?;
        self.select_firms(&mut conn.client, "", &[])
    }

    fn firm_count(&self) -> Result<u64> {
        let mut conn = self.lock()?;
        let n: i64 = conn
            .client
            .query_one("SELECT COUNT(*) FROM firms", &[])
            .map_err(self.db("counting firms"))?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn report(&self, id: &EnterpriseId, year: Year) -> Result<Option<AnnualReport>> {
        let mut conn = self.lock()?;
        Ok(self
            .select_reports(
                &mut conn.client,
                "WHERE uscc = $1 AND year = $2",
                &[&id.as_str(), &year],
            )?
            .into_iter()
            .next())
    }

    fn reports_of(&self, id: &EnterpriseId) -> Result<Vec<AnnualReport>> {
        let mut conn = self.lock()?;
        self.select_reports(&mut conn.client, "WHERE uscc = $1", &[&id.as_str()])
    }

    fn reports_between(&self, first: Year, last: Year) -> Result<Vec<AnnualReport>> {
        let mut conn = self.lock()?;
        self.select_reports(
            &mut conn.client,
            "WHERE year BETWEEN $1 AND $2",
            &[&first, &last],
        )
    }

    fn commit_adjustment(&mut self, adjustment: &Adjustment) -> Result<()> {
        self.write_tx("committing an adjustment", |s| s.commit_in_tx(adjustment))
    }

    /// The whole adjustment in one transaction under the registry's write lock: the
    /// judgement reads the firms and reports that the commit covers, and a second adjustment
    /// of the same year (another officer, another process) waits for this one and is then
    /// refused as already adjusted.
    fn adjust_with_review(
        &mut self,
        year: Year,
        set: &CriteriaSet,
        policy: &dyn TierPolicy,
        review: &mut dyn FnMut(&mut Adjustment) -> Result<()>,
    ) -> Result<Adjustment> {
        self.write_tx("adjusting", |s| {
            let mut adj = s.preview_adjustment(year, set, policy)?;
            review(&mut adj)?;
            s.commit_in_tx(&adj)?;
            Ok(adj)
        })
    }

    fn adjustment(&self, year: Year) -> Result<Option<Adjustment>> {
        let mut conn = self.lock()?;
        let client = &mut conn.client;
        // One snapshot for the head row and the change log (inside a write transaction, the
        // write lock keeps both still already).
        let in_write = self.in_write.load(Ordering::SeqCst);
        if !in_write {
            client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .map_err(self.db("reading an adjustment"))?;
        }
        let read = self.read_adjustment(client, year);
        if !in_write {
            let end = client.batch_execute(if read.is_ok() { "COMMIT" } else { "ROLLBACK" });
            if read.is_ok() {
                end.map_err(self.db("reading an adjustment"))?;
            }
        }
        read
    }

    fn adjusted_years(&self) -> Result<Vec<Year>> {
        let mut conn = self.lock()?;
        let rows = conn
            .client
            .query("SELECT year FROM adjustments ORDER BY year", &[])
            .map_err(self.db("reading adjusted years"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn history(&self, id: &EnterpriseId) -> Result<Vec<HistoryEntry>> {
        let mut conn = self.lock()?;
        let rows = conn
            .client
            .query(
                &format!(
                    "SELECT {TIER_COLS}, t.year, a.criteria_set, a.policy
                     FROM tiers t JOIN adjustments a ON a.year = t.year
                     WHERE t.uscc = $1 ORDER BY t.year"
                ),
                &[&id.as_str()],
            )
            .map_err(self.db("reading a history"))?;
        rows.iter()
            .map(|r| {
                let year: Year = r.get(TIER_COL_COUNT);
                Ok(HistoryEntry {
                    year,
                    criteria_set: r.get(TIER_COL_COUNT + 1),
                    policy: r.get(TIER_COL_COUNT + 2),
                    entry: self.entry_from_row(year, r)?,
                })
            })
            .collect()
    }

    fn put_resource(&mut self, resource: &DataResource) -> Result<()> {
        let record = serde_json::to_string(resource)
            .map_err(|x| self.corrupt(resource.id.clone(), x.to_string()))?;
        let mut conn = self.lock()?;
        let res = conn.client.execute(
            "INSERT INTO data_resources (id, code, state, record) VALUES ($1, $2, $3, $4::text::jsonb)
             ON CONFLICT (id) DO UPDATE SET code = excluded.code, state = excluded.state, record = excluded.record",
            &[&resource.id as &(dyn ToSql + Sync), &resource.code, &resource.state.key(), &record],
        );
        match res {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
                Err(RegistryError::Duplicate {
                    what: "data resource code",
                    key: resource.code.clone().unwrap_or_default(),
                })
            }
            Err(e) => Err(self.db("writing a data resource")(e)),
        }
    }

    fn resources(&self) -> Result<Vec<DataResource>> {
        let mut conn = self.lock()?;
        let rows = conn
            .client
            .query(
                "SELECT id, record::text FROM data_resources ORDER BY id",
                &[],
            )
            .map_err(self.db("reading data resources"))?;
        rows.iter()
            .map(|r| {
                serde_json::from_str(r.get::<_, &str>(1))
                    .map_err(|x| self.corrupt(r.get::<_, String>(0), x.to_string()))
            })
            .collect()
    }

    fn put_panel(&mut self, year: Year, panel: &Panel) -> Result<PanelWrite> {
        self.write_tx("writing a panel", |s| s.put_panel_in_tx(year, panel))
    }

    fn panels(&self, year: Year) -> Result<Vec<Panel>> {
        let mut conn = self.lock()?;
        self.read_panels(&mut conn.client, year, None)
    }

    fn panel(&self, year: Year, name: &str) -> Result<Option<Panel>> {
        let mut conn = self.lock()?;
        Ok(self
            .read_panels(&mut conn.client, year, Some(name))?
            .into_iter()
            .next())
    }

    fn put_panel_scores(
        &mut self,
        year: Year,
        panel: &str,
        scores: &[ScoreRow],
    ) -> Result<ScoresWrite> {
        self.write_tx("importing panel scores", |s| {
            s.put_scores_in_tx(year, panel, scores)
        })
    }

    fn panel_scores(&self, year: Year, panel: &str) -> Result<Vec<ScoreRow>> {
        let mut conn = self.lock()?;
        self.read_scores(&mut conn.client, year, panel)
    }
}
