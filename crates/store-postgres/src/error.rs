//! The crate's one error type, and how server errors become the stores' errors.

use postgres::error::SqlState;

/// What can go wrong opening a PostgreSQL store (the stores' own operations report through
/// their traits' errors: [`registry_model::RegistryError::Database`],
/// [`voucher_ledger::LedgerError::Storage`]). Messages name the store by its URL with the
/// password hidden.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The URL cannot be used.
    #[error("database URL {url}: {reason}")]
    Url {
        /// The URL, password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server refused or failed a statement (or could not be reached).
    #[error("database {store}: {context}: {message}")]
    Server {
        /// The store (URL with the password hidden, and schema).
        store: String,
        /// What was being done.
        context: String,
        /// The server's message, with its SQLSTATE code.
        message: String,
    },
    /// The role connected lacks a privilege for what was asked (SQLSTATE 42501).
    #[error("database {store}: {context}: permission denied: {message}")]
    PermissionDenied {
        /// The store.
        store: String,
        /// What was being done.
        context: String,
        /// The server's message.
        message: String,
    },
    /// The schema was written by a newer build than this one.
    #[error(
        "database {store}: the {component} schema is at version {found}, newer than this build's {supported}: upgrade shuchuang"
    )]
    SchemaTooNew {
        /// The store.
        store: String,
        /// Which part (`registry`, `ledger`, `cycle`).
        component: &'static str,
        /// The version found.
        found: i32,
        /// The newest this build knows.
        supported: i32,
    },
    /// A read found no schema (or an old one) where a writer has to create (or migrate) it.
    #[error("database {store}: {what}; {hint}")]
    NotInitialised {
        /// The store.
        store: String,
        /// What is missing.
        what: String,
        /// What to do.
        hint: String,
    },
}

/// The crate's result type.
pub type Result<T, E = PgError> = std::result::Result<T, E>;

impl PgError {
    /// Whether the role lacked a privilege.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, PgError::PermissionDenied { .. })
    }
}

/// A server error's text: the server's message with its SQLSTATE, or the driver's (a lost
/// connection). Neither ever contains the connection's password.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Whether a server error is a refused privilege.
pub(crate) fn is_denied(e: &postgres::Error) -> bool {
    e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE)
        || e.code() == Some(&SqlState::READ_ONLY_SQL_TRANSACTION)
}

/// Maps a server error to [`PgError`].
pub(crate) fn server(store: &str, context: &str, e: &postgres::Error) -> PgError {
    if is_denied(e) {
        PgError::PermissionDenied {
            store: store.to_string(),
            context: context.to_string(),
            message: describe(e),
        }
    } else {
        PgError::Server {
            store: store.to_string(),
            context: context.to_string(),
            message: describe(e),
        }
    }
}

impl From<PgError> for registry_model::RegistryError {
    fn from(e: PgError) -> Self {
        match e {
            PgError::SchemaTooNew {
                store,
                found,
                supported,
                ..
            } => registry_model::RegistryError::SchemaTooNew {
                path: store,
                found: i64::from(found),
                supported: i64::from(supported),
            },
            PgError::Server {
                store,
                context,
                message,
            } => registry_model::RegistryError::Database {
                store,
                context,
                message,
            },
            PgError::PermissionDenied {
                store,
                context,
                message,
            } => registry_model::RegistryError::Database {
                store,
                context,
                message: format!("permission denied: {message}"),
            },
            other => registry_model::RegistryError::Database {
                store: String::new(),
                context: "opening".into(),
                message: other.to_string(),
            },
        }
    }
}

impl From<PgError> for voucher_ledger::LedgerError {
    fn from(e: PgError) -> Self {
        let (journal, message) = match e {
            PgError::Server {
                store,
                context,
                message,
            } => (store, format!("{context}: {message}")),
            PgError::PermissionDenied {
                store,
                context,
                message,
            } => (store, format!("{context}: permission denied: {message}")),
            other => (String::new(), other.to_string()),
        };
        voucher_ledger::LedgerError::Storage { journal, message }
    }
}
