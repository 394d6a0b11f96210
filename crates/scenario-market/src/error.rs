//! The crate's one error type.

use crate::fault::{DirectoryFault, LedgerFault};

/// Everything that can go wrong in scenario-market. Messages name the file, line, field, id
/// and value at fault, so a program office can fix its data without reading code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MarketError {
    /// A record of an imported CSV or TOML file is wrong; the whole file was rejected.
    #[error("{file}:{line}: field '{field}' = '{value}': {reason} (file rejected, nothing loaded)")]
    Record {
        /// The file (or stream) name as given.
        file: String,
        /// The 1-based line number (the CSV header is line 1; for TOML, the line of the
        /// record's `[[table]]` header).
        line: u64,
        /// The column or key at fault (`-` when the record as a whole is malformed).
        field: String,
        /// The value as found.
        value: String,
        /// Why it is refused.
        reason: String,
    },

    /// A configuration file (matching weights, catalogue rules, procurement preferences) is
    /// malformed or out of range.
    #[error("{file}: {message}")]
    Config {
        /// The file (or embedded default) read.
        file: String,
        /// What is wrong, with the field and value, and the TOML parser's location when it
        /// gives one.
        message: String,
    },

    /// A value given through the API (not from a file) is refused.
    #[error("{what} '{id}': field '{field}' = '{value}': {reason}")]
    Invalid {
        /// The kind of record (`scenario`, `offer`, `task`, `bid`, …).
        what: &'static str,
        /// Its id.
        id: String,
        /// The field at fault.
        field: String,
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: String,
    },

    /// A record that must exist does not.
    #[error("{what} '{key}' not found")]
    NotFound {
        /// What kind of record.
        what: &'static str,
        /// Its key.
        key: String,
    },

    /// A record with this key already exists, with different content.
    #[error("{what} '{key}' already exists{detail}")]
    Duplicate {
        /// What kind of record.
        what: &'static str,
        /// Its key.
        key: String,
        /// Where the first one was (`, first at line 3`), or empty.
        detail: String,
    },

    /// A step is not allowed in the record's present state (a bid after the deadline, a
    /// milestone accepted twice, …).
    #[error("{what} '{id}': cannot {action}: {reason}")]
    State {
        /// What kind of record.
        what: &'static str,
        /// Its id.
        id: String,
        /// The step asked for.
        action: String,
        /// Why not.
        reason: String,
    },

    /// A limit that bounds time or memory was exceeded.
    #[error("{what}: {value} exceeds the limit of {limit}")]
    Limit {
        /// What was counted.
        what: &'static str,
        /// The count given.
        value: u64,
        /// The limit.
        limit: u64,
    },

    /// A selection panel refused the scores of a bid (composition, recusal, range).
    #[error("task '{task}': panel: {reason}")]
    Panel {
        /// The challenge task.
        task: String,
        /// The panel's message.
        reason: String,
    },

    /// The ledger refused or failed a batch; nothing of the batch was applied and the
    /// market's own state is unchanged.
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerFault),

    /// The firm directory (the registry seam) could not answer; nothing was changed.
    #[error(transparent)]
    Directory(#[from] DirectoryFault),

    /// An internal invariant failed (a bug, never bad input): the operation was stopped
    /// before anything was written.
    #[error("internal invariant failed: {0}")]
    Invariant(String),
}

/// The crate's result type.
pub type Result<T, E = MarketError> = std::result::Result<T, E>;

/// A field-level fault found while validating one record, before the caller knows where the
/// record came from (a file line, a TOML table or an API call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field at fault.
    pub field: String,
    /// The value as given.
    pub value: String,
    /// Why it is refused.
    pub reason: String,
}

impl FieldError {
    /// A fault of `field` with `value`.
    pub fn new(field: &str, value: impl ToString, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// The fault located on `line` of `file`.
    pub fn at(self, file: &str, line: u64) -> MarketError {
        MarketError::Record {
            file: file.to_string(),
            line,
            field: self.field,
            value: self.value,
            reason: self.reason,
        }
    }

    /// The fault of a record given through the API.
    pub fn of(self, what: &'static str, id: &str) -> MarketError {
        MarketError::Invalid {
            what,
            id: id.to_string(),
            field: self.field,
            value: self.value,
            reason: self.reason,
        }
    }
}
