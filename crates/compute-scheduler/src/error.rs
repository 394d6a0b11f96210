//! The crate's one error type.

/// Everything that can go wrong in compute-scheduler. Messages name the file, line, field or
/// id and the value at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The catalog TOML could not be parsed.
    #[error("catalog {source_name}: {message}")]
    CatalogParse {
        /// Where the catalog came from (a path or `embedded default`).
        source_name: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// The catalog parsed but a value is out of range or inconsistent.
    #[error("catalog {source_name}: {field}: {message}")]
    CatalogInvalid {
        /// Where the catalog came from.
        source_name: String,
        /// The table and field at fault, such as `cluster 'wuhu'.cards`.
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// A job file or trace file has a bad record.
    #[error("{source_name} line {line}: {field}: {message}")]
    Record {
        /// The file (or stream) read.
        source_name: String,
        /// 1-based line number of the record (0 when the fault is not on one line).
        line: u64,
        /// The column at fault.
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// A job set is inconsistent (duplicate ids, too many jobs, bad values).
    #[error("job '{job_id}': {field}: {message}")]
    Job {
        /// The job's id.
        job_id: String,
        /// The field at fault.
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// A limit of the crate was exceeded.
    #[error("{what}: {value} exceeds the limit of {limit}")]
    Limit {
        /// What was counted.
        what: String,
        /// The count given.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// A parameter of a generator, policy or solver is out of range.
    #[error("parameter {name}: {message}")]
    Parameter {
        /// The parameter's name.
        name: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// A [`crate::Payment`] implementation failed (not a decline: a decline leaves the job
    /// unsubsidised, a failure stops the run).
    #[error("payment for job '{job_id}' failed: {message}")]
    Payment {
        /// The job being billed.
        job_id: String,
        /// The implementation's message.
        message: String,
    },
    /// The optimal reference could not be computed.
    #[error("optimal reference: {0}")]
    Solver(String),
    /// Reading a file failed.
    #[error("{source_name}: {message}")]
    Io {
        /// The file.
        source_name: String,
        /// The operating system's message.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
