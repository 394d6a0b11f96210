//! Versioned migrations, per component (`registry`, `ledger`, `cycle`), recorded in the
//! schema's `schema_versions` table. A writer applies what is missing on first use, each
//! component's steps in one transaction under an advisory lock (two first writers do not race
//! to create the same tables); a schema newer than this build is refused; a reader applies
//! nothing and is refused a schema that is missing or behind.

use crate::conn::{Access, Conn};
use crate::error::{PgError, Result, server};

/// One component's migrations: step i takes it from version i to i + 1.
#[derive(Debug)]
pub(crate) struct Component {
    /// Its name in `schema_versions`.
    pub(crate) name: &'static str,
    /// The SQL of each step.
    pub(crate) steps: &'static [fn() -> String],
}

impl Component {
    /// The version this build writes and reads.
    pub(crate) fn version(&self) -> i32 {
        i32::try_from(self.steps.len()).unwrap_or(i32::MAX)
    }
}

/// The advisory lock key of migrations (any fixed number: it only serialises migrations, and
/// a collision with another application's key would only make one wait for the other).
const MIGRATION_LOCK_KEY: i64 = 0x5348_5543_4855_414e; // "SHUCHUAN"

fn found_version(conn: &mut Conn, component: &Component, context: &str) -> Result<Option<i32>> {
    let store = conn.store.clone();
    let exists = conn
        .client
        .query_one("SELECT to_regclass('schema_versions') IS NOT NULL", &[])
        .map_err(|e| server(&store, context, &e))?;
    if !exists.get::<_, bool>(0) {
        return Ok(None);
    }
    let row = conn
        .client
        .query_opt(
            "SELECT version FROM schema_versions WHERE component = $1",
            &[&component.name],
        )
        .map_err(|e| server(&store, context, &e))?;
    Ok(row.map(|r| r.get::<_, i32>(0)))
}

/// Brings `component` to this build's version (a writer) or checks that it is there (a
/// reader); `schema` is created by a writer when absent.
pub(crate) fn ensure(
    conn: &mut Conn,
    schema: &str,
    component: &Component,
    access: Access,
) -> Result<()> {
    let store = conn.store.clone();
    let supported = component.version();
    let context = format!("checking the {} schema", component.name);
    let found = found_version(conn, component, &context)?;
    match found {
        Some(v) if v > supported => {
            return Err(PgError::SchemaTooNew {
                store,
                component: component.name,
                found: v,
                supported,
            });
        }
        Some(v) if v == supported => return Ok(()),
        _ if access == Access::Read => {
            return Err(PgError::NotInitialised {
                store,
                what: match found {
                    None => format!("no {} here", component.name),
                    Some(v) => format!(
                        "the {} schema is at version {v}, this build reads {supported}",
                        component.name
                    ),
                },
                hint: "a command that writes (with a role that may create tables) creates or migrates it".into(),
            });
        }
        _ => {}
    }
    let context = format!("migrating the {} schema", component.name);
    let err = |e: postgres::Error| server(&store, &context, &e);
    let mut tx = conn.client.transaction().map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY])
        .map_err(err)?;
    // Only when absent: `CREATE SCHEMA IF NOT EXISTS` asks for the privilege to create
    // schemas in the database even when the schema is there, which an owner role given its
    // schema by an administrator (docs/store-postgres.md, "Roles") does not have.
    let schema_exists: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&schema],
        )
        .map_err(err)?
        .get(0);
    if !schema_exists {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .map_err(err)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_versions (
             component TEXT PRIMARY KEY,
             version INTEGER NOT NULL CHECK (version >= 0)
         );",
    )
    .map_err(err)?;
    // Read again under the lock: another writer may have migrated meanwhile.
    let now: i32 = tx
        .query_opt(
            "SELECT version FROM schema_versions WHERE component = $1",
            &[&component.name],
        )
        .map_err(err)?
        .map_or(0, |r| r.get(0));
    if now > supported {
        return Err(PgError::SchemaTooNew {
            store,
            component: component.name,
            found: now,
            supported,
        });
    }
    let from = usize::try_from(now).unwrap_or(0);
    for step in component.steps.iter().skip(from) {
        tx.batch_execute(&step()).map_err(err)?;
    }
    tx.execute(
        "INSERT INTO schema_versions (component, version) VALUES ($1, $2)
         ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        &[&component.name, &supported],
    )
    .map_err(err)?;
    tx.commit().map_err(err)
}

/// The version of `component` stored in the schema (`None` when absent): for tests and for
/// `registry init`.
pub(crate) fn version_of(conn: &mut Conn, component: &Component) -> Result<Option<i32>> {
    found_version(conn, component, "reading the schema version")
}
