//! # store-postgres
//!
//! shuchuang's stores on a PostgreSQL server, for a program office that outgrows one file:
//! several officers registering firms, granting and redeeming vouchers at once, an auditor
//! reading, the data on a managed server with its backups. The domain crates define the
//! traits; this crate implements them, so they never depend on a database client:
//!
//! - [`PgRegistry`]: [`registry_model::RegistryStore`] (firms, reports, adjustments, change
//!   logs, data resources; the yearly adjustment is one transaction);
//! - [`PgJournal`]: [`voucher_ledger::Journal`] with write sessions: several writers append to
//!   one hash chain, serialised by a row lock on its head; a book on it catches up with the
//!   others before each write (see `voucher_ledger::book`'s session module);
//! - [`PgMemory`]: the few named values the annual cycle keeps (its cohort recipe).
//!
//! Each store keeps its tables in one PostgreSQL schema (the URL's `schema` parameter,
//! default `shuchuang`), created and migrated by versioned steps on first use by a writer; a
//! database written by a newer build is refused. A read-only connection (a reader, or an
//! auditor's role) never creates or changes anything. A URL's password never appears in a
//! message: [`DatabaseUrl`] shows it as `***`.
//!
//! ```
//! use store_postgres::DatabaseUrl;
//!
//! let url: DatabaseUrl = "postgres://officer:s3cret@db.example/office?schema=zhejiang".parse()?;
//! assert_eq!(url.schema(), "zhejiang");
//! assert_eq!(url.to_string(), "postgres://officer:***@db.example/office?schema=zhejiang");
//! assert!(!format!("{url:?}").contains("s3cret"));
//! # Ok::<(), store_postgres::PgError>(())
//! ```
//!
//! With a server (`SHUCHUANG_DATABASE_URL`), the stores open like the embedded ones:
//!
//! ```no_run
//! use registry_model::RegistryStore;
//! use store_postgres::{DatabaseUrl, PgJournal, PgRegistry};
//! use voucher_ledger::{SystemClock, VoucherBook};
//!
//! let url: DatabaseUrl = std::env::var("SHUCHUANG_DATABASE_URL")?.parse()?;
//! let registry = PgRegistry::open(&url)?;
//! println!("{} firms", registry.firm_count()?);
//! let book = VoucherBook::with_journal(PgJournal::open(&url)?, Box::new(SystemClock))?;
//! println!("{} requests", book.request_count());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod conn;
pub mod error;
pub mod journal;
pub mod memory;
mod migrate;
pub mod registry;
mod registry_schema;
pub mod url;

pub use conn::Access;
pub use error::{PgError, Result};
pub use journal::PgJournal;
pub use memory::PgMemory;
pub use registry::PgRegistry;
pub use url::{DatabaseUrl, redact};

/// The schema versions this build writes: (component, version) for the registry, the
/// ledger and the cycle's memory.
pub fn schema_versions() -> [(&'static str, i32); 3] {
    [
        (registry::REGISTRY.name, registry::REGISTRY.version()),
        (journal::LEDGER.name, journal::LEDGER.version()),
        (memory::CYCLE.name, memory::CYCLE.version()),
    ]
}
