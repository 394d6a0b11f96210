//! The crate's one error type.

use std::path::PathBuf;

/// What can go wrong presenting a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing to the output failed (a closed pipe is [`std::io::ErrorKind::BrokenPipe`]).
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
    /// Writing a file failed.
    #[error("writing {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error("drawing the chart failed: {0}")]
    Chart(String),
    /// A result cannot be presented as asked (an unknown unit, an empty figure, …).
    #[error("{0}")]
    Invalid(String),
}

impl ReportError {
    /// The I/O error underneath, if any (for example to end quietly on a closed pipe).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            ReportError::Io(e) | ReportError::File { source: e, .. } => Some(e.kind()),
            _ => None,
        }
    }
}

impl From<csv::Error> for ReportError {
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => ReportError::Io(io),
            other => ReportError::Invalid(format!("CSV: {other:?}")),
        }
    }
}

impl From<serde_json::Error> for ReportError {
    fn from(e: serde_json::Error) -> Self {
        match e.io_error_kind() {
            Some(kind) => ReportError::Io(std::io::Error::new(kind, e.to_string())),
            None => ReportError::Invalid(format!("JSON: {e}")),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
