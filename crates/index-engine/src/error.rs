//! The crate's one error type.

use thiserror::Error;

/// Everything that can go wrong in index-engine.
///
/// Messages name the source (a file name or `records` for in-memory input), the line (or
/// record number), the id and the value at fault, so a user can go straight to the cell.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The CSV itself could not be read (bad quoting, wrong number of fields, not UTF-8, I/O).
    #[error("{source_name}: line {line}: cannot read CSV: {message}")]
    Csv {
        /// File name or other label of the input.
        source_name: String,
        /// 1-based line number (0 when unknown).
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// A required column is absent from the header.
    #[error("{source_name}: line 1: missing column '{column}' (expected columns: {expected})")]
    MissingColumn {
        /// File name or other label of the input.
        source_name: String,
        /// The column that is missing.
        column: String,
        /// The columns the format expects.
        expected: String,
    },
    /// A field has a value that is not allowed.
    #[error("{source_name}: line {line}: {field} '{value}' is invalid: {reason}")]
    InvalidField {
        /// File name or other label of the input.
        source_name: String,
        /// 1-based line number, or the 1-based record number for in-memory input.
        line: u64,
        /// The column or field name.
        field: String,
        /// The offending value as written.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The framework tree is not well formed (duplicate id, unknown parent, cycle, roots, weights).
    #[error("{source_name}: line {line}: node '{id}': {reason}")]
    Framework {
        /// File name or other label of the input.
        source_name: String,
        /// 1-based line number, or the 1-based record number for in-memory input.
        line: u64,
        /// The node at fault.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A file with its header and no rows where at least one is needed.
    #[error("{source_name}: line 1: no {what}: the file has a header and no rows")]
    NoRows {
        /// File name or other label of the input.
        source_name: String,
        /// What the rows would have been (`nodes`).
        what: &'static str,
    },
    /// Two observations for the same indicator, unit and year.
    #[error(
        "{source_name}: line {line}: duplicate observation for indicator '{indicator}', unit '{unit}', year {year} (first given on line {first_line})"
    )]
    DuplicateObservation {
        /// File name or other label of the input.
        source_name: String,
        /// The line of the second occurrence.
        line: u64,
        /// The line of the first occurrence.
        first_line: u64,
        /// Indicator id.
        indicator: String,
        /// Unit name.
        unit: String,
        /// Statistical year.
        year: i32,
    },
    /// Options that cannot work together or with this data (base year after target year …).
    #[error("invalid option: {0}")]
    Options(String),
    /// The input exceeds a built-in limit (kept so a typo cannot exhaust memory).
    #[error("{what} exceeds the limit of {limit}: {actual}")]
    TooLarge {
        /// What was counted.
        what: String,
        /// The limit.
        limit: u64,
        /// The count found.
        actual: u64,
    },
    /// A node, unit or year asked for by name does not exist in the result or framework.
    #[error("unknown {kind} '{name}'")]
    Unknown {
        /// `node`, `unit` or `year`.
        kind: &'static str,
        /// The name asked for.
        name: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;

impl IndexError {
    pub(crate) fn invalid(
        source_name: &str,
        line: u64,
        field: &str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidField {
            source_name: source_name.to_string(),
            line,
            field: field.to_string(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn framework(
        source_name: &str,
        line: u64,
        id: &str,
        reason: impl Into<String>,
    ) -> Self {
        Self::Framework {
            source_name: source_name.to_string(),
            line,
            id: id.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn csv(source_name: &str, err: &csv::Error) -> Self {
        let line = err.position().map_or(0, csv::Position::line);
        Self::Csv {
            source_name: source_name.to_string(),
            line,
            message: err.to_string(),
        }
    }
}
