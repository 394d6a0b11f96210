//! The crate's one error type.

use crate::id::UsccError;
use crate::tier::Year;

/// Everything that can go wrong in registry-model. Messages name the file, line, field, id and
/// value at fault, so a program office can fix its data without reading code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// A USCC failed validation.
    #[error(transparent)]
    Uscc(#[from] UsccError),

    /// A field of a record holds a value the registry cannot accept.
    #[error("{record}: field '{field}' = '{value}': {reason}")]
    InvalidField {
        /// Which record: a firm id, a firm and year, a resource id.
        record: String,
        /// The field at fault.
        field: String,
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: String,
    },

    /// A row of an imported CSV file is wrong; the whole file was rejected.
    #[error(
        "{file}:{line}: field '{field}' = '{value}': {reason} (file rejected, nothing written)"
    )]
    Csv {
        /// The file name as given.
        file: String,
        /// The 1-based line number (the header is line 1).
        line: u64,
        /// The column at fault (or `-` for a malformed row).
        field: String,
        /// The value as found.
        value: String,
        /// Why it is refused.
        reason: String,
    },

    /// A configuration file (criteria set, tier policy) is malformed.
    #[error("{file}: {message}")]
    Config {
        /// The file (or embedded default) read.
        file: String,
        /// What is wrong, with the TOML parser's location when it gives one.
        message: String,
    },

    /// No criteria set is in force for the date asked.
    #[error("no criteria set is in force on {date} (earliest set takes effect {earliest})")]
    NoCriteriaSet {
        /// The date asked.
        date: chrono::NaiveDate,
        /// The earliest effective date known.
        earliest: String,
    },

    /// An adjustment would rewrite or skip history.
    #[error("cannot adjust year {year}: {reason}")]
    AdjustmentOrder {
        /// The year asked.
        year: Year,
        /// Why it is refused.
        reason: String,
    },

    /// A selection panel breaks a rule (composition, recusal, scores).
    #[error("panel '{panel}': {reason}")]
    Panel {
        /// The panel's name.
        panel: String,
        /// The rule broken.
        reason: String,
    },

    /// A data-resource registration step is not allowed from the record's state.
    #[error("data resource '{resource}': cannot {action} while {state}")]
    IllegalTransition {
        /// The resource's registration id.
        resource: String,
        /// The step asked for.
        action: String,
        /// The state it is in.
        state: String,
    },

    /// A record that must exist does not.
    #[error("{what} '{key}' not found")]
    NotFound {
        /// What kind of record.
        what: &'static str,
        /// Its key.
        key: String,
    },

    /// A record with this key already exists where a new one was required.
    #[error("{what} '{key}' already exists")]
    Duplicate {
        /// What kind of record.
        what: &'static str,
        /// Its key.
        key: String,
    },

    /// A limit that protects the registry was exceeded.
    #[error("{what}: {value} exceeds the limit of {limit}")]
    Limit {
        /// What was counted.
        what: &'static str,
        /// The count found.
        value: u64,
        /// The limit.
        limit: u64,
    },

    /// The SQLite store failed.
    #[error("registry store {path}: {context}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What the store was doing.
        context: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },

    /// A database server's store failed (a lost connection, a refused statement, a role
    /// without the privilege to write: the message says which). `store` names the server and
    /// schema, never a password.
    #[error("registry store {store}: {context}: {message}")]
    Database {
        /// The store (server, database and schema; no password).
        store: String,
        /// What the store was doing.
        context: String,
        /// The server's message.
        message: String,
    },

    /// The store file was written by a newer schema than this build knows.
    #[error("registry store {path}: schema version {found} is newer than this build's {supported}")]
    SchemaTooNew {
        /// The database file.
        path: String,
        /// The version found in the file.
        found: i64,
        /// The newest version this build can read.
        supported: i64,
    },

    /// Stored data failed to decode (corruption or a foreign file).
    #[error("registry store {path}: record {key} is corrupt: {reason}")]
    Corrupt {
        /// The database file.
        path: String,
        /// The record's key.
        key: String,
        /// What failed to decode.
        reason: String,
    },

    /// Reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = RegistryError> = std::result::Result<T, E>;
