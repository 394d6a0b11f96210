//! The crate's one error type.
//!
//! Every message names the file (or source), line, record, field and value at fault. When an
//! operation returns an error, nothing was written: books, credit lines and pools are as they
//! were before the call.

use crate::booking::BookingError;

/// The result type of the crate.
pub type Result<T> = std::result::Result<T, FinanceError>;

/// Everything that can go wrong in finance.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FinanceError {
    /// A TOML parameter file does not parse or has a field the format does not know.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// The file name given by the caller.
        file: String,
        /// 1-based line (0 when the parser gave no position).
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A parameter file parses but a value is out of range or inconsistent.
    #[error("{file}: field '{field}' = '{value}': {reason}")]
    Config {
        /// The file name given by the caller.
        file: String,
        /// The field, as a dotted path (`factor[2].bands[1].points`).
        field: String,
        /// The value at fault.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A CSV row does not parse or has a bad value.
    #[error("{source_name}:{line}: field '{field}' = '{value}': {reason}")]
    Row {
        /// The source name given by the caller (usually the file name).
        source_name: String,
        /// 1-based line of the file (the header is line 1).
        line: u64,
        /// The column.
        field: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument of an API call is invalid.
    #[error("{record}: field '{field}' = '{value}': {reason}")]
    Invalid {
        /// The record concerned (a line id, a firm, a request).
        record: String,
        /// The field.
        field: String,
        /// The value refused.
        value: String,
        /// Why.
        reason: String,
    },
    /// An input is larger than its documented limit.
    #[error("{what}: {count} is above the limit of {max}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The limit (a named constant of the crate).
        max: usize,
    },
    /// Something referenced does not exist.
    #[error("{what} '{key}' not found")]
    NotFound {
        /// The kind of thing ("credit line", "firm profile" …).
        what: &'static str,
        /// The key looked up.
        key: String,
    },
    /// Something created twice.
    #[error("{what} '{key}' exists already")]
    Exists {
        /// The kind of thing.
        what: &'static str,
        /// The key.
        key: String,
    },
    /// A request id used again for a different operation or different arguments.
    #[error("request '{request_id}' was already used for {previous}; refused: {attempted}")]
    RequestConflict {
        /// The request id.
        request_id: String,
        /// What the id was first used for.
        previous: String,
        /// What this call asked.
        attempted: String,
    },
    /// The operation does not fit the credit line's state (a draw on a defaulted line …).
    #[error("credit line '{line}' is {state}: cannot {operation}")]
    LineState {
        /// The line.
        line: String,
        /// Its state.
        state: String,
        /// What was asked.
        operation: String,
    },
    /// The books refused or failed a batch of postings; nothing was written.
    #[error("request '{request_id}': {source}")]
    Booking {
        /// The request whose postings were refused.
        request_id: String,
        /// What the books said.
        #[source]
        source: BookingError,
    },
    /// An implementation of one of the crate's traits (evidence, registry facts, growth
    /// criteria) failed.
    #[error("{what}: {message}")]
    Source {
        /// Which seam ("spend evidence", "registry facts" …).
        what: &'static str,
        /// What the implementation said.
        message: String,
    },
    /// A fit did not converge within its iteration bound.
    #[error(
        "{what} did not converge in {iterations} iterations (last step {last_step:e}, tolerance {tolerance:e})"
    )]
    NotConverged {
        /// What was fitted.
        what: &'static str,
        /// Iterations run (the bound).
        iterations: usize,
        /// Largest coefficient change of the last step.
        last_step: f64,
        /// The stopping tolerance.
        tolerance: f64,
    },
    /// A statistic cannot be computed from the data given (no defaults in a sample …).
    #[error("{what}: {reason}")]
    Degenerate {
        /// The statistic.
        what: &'static str,
        /// Why it cannot be computed.
        reason: String,
    },
}

/// A configuration error.
pub(crate) fn config(
    file: &str,
    field: impl Into<String>,
    value: impl ToString,
    reason: impl Into<String>,
) -> FinanceError {
    FinanceError::Config {
        file: file.to_string(),
        field: field.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// An invalid argument.
pub(crate) fn invalid(
    record: impl Into<String>,
    field: impl Into<String>,
    value: impl ToString,
    reason: impl Into<String>,
) -> FinanceError {
    FinanceError::Invalid {
        record: record.into(),
        field: field.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}
