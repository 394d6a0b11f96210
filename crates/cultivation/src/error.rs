//! The crate's one error type.

use std::path::PathBuf;

use crate::step::Step;

/// What can go wrong running the cycle or opening its data directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CultivationError {
    /// The registry refused or failed.
    #[error(transparent)]
    Registry(#[from] registry_model::RegistryError),
    /// The voucher ledger refused or failed.
    #[error(transparent)]
    Ledger(#[from] voucher_ledger::LedgerError),
    /// The compute scheduler refused or failed.
    #[error(transparent)]
    Compute(#[from] compute_scheduler::Error),
    /// A rule set or scenario file refused or failed.
    #[error(transparent)]
    Rules(#[from] sandbox_rules::Error),
    /// The index engine refused or failed.
    #[error(transparent)]
    Index(#[from] index_engine::IndexError),
    /// The PostgreSQL server refused or failed (opening a store, the cycle's memory).
    #[error(transparent)]
    Database(#[from] store_postgres::PgError),
    /// A scenario-market error (a file refused, a matching that failed).
    #[error(transparent)]
    Market(#[from] scenario_market::MarketError),
    /// A finance error (a parameter file refused, a source that failed).
    #[error(transparent)]
    Finance(#[from] finance::FinanceError),
    /// Another process holds the data directory's lock.
    #[error("data directory {} in use by {holder}", dir.display())]
    InUse {
        /// The data directory.
        dir: PathBuf,
        /// `pid N`, or `another process` when it has not written its pid yet.
        holder: String,
    },
    /// The data directory cannot be written.
    #[error("data directory {} is read-only", dir.display())]
    ReadOnly {
        /// The data directory.
        dir: PathBuf,
    },
    /// A store that must exist does not.
    #[error("no {what} at {}: {hint}", path.display())]
    Missing {
        /// What is missing.
        what: &'static str,
        /// Where it was looked for.
        path: PathBuf,
        /// What to do.
        hint: String,
    },
    /// A file of the data directory could not be read or written.
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A line of a file that could not be read.
    #[error("{}:{line}: {message}", path.display())]
    FileLine {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// What went wrong.
        message: String,
    },
    /// A parameter outside its documented bounds.
    #[error("{what} {value} is outside {bounds}")]
    Bounds {
        /// The parameter.
        what: &'static str,
        /// Its value.
        value: String,
        /// The documented bounds.
        bounds: String,
    },
    /// No dated parameter set (a scorecard) is in force on the date asked for.
    #[error("no {what} is in force on {date}")]
    NotInForce {
        /// What was looked for.
        what: &'static str,
        /// The date.
        date: chrono::NaiveDate,
    },
    /// A cycle for a year before the last adjusted one.
    #[error("year {year} is before the last adjusted year {last}: history is not rewritten")]
    YearBefore {
        /// The year asked for.
        year: i32,
        /// The last adjusted year.
        last: i32,
    },
    /// The ledger's date is after the cycle's.
    #[error(
        "the ledger's date {ledger} is after the cycle's date {date}: the ledger never moves backwards"
    )]
    LedgerAhead {
        /// The cycle's ledger date.
        date: chrono::NaiveDate,
        /// The ledger's last date.
        ledger: chrono::NaiveDate,
    },
    /// A failure injected by the caller for recovery tests.
    #[error("injected failure at the end of step {step}")]
    Injected {
        /// The step.
        step: Step,
    },
    /// A step failed; `note` says what it left behind.
    #[error("step {step} failed; {note}: {source}")]
    Step {
        /// The step.
        step: Step,
        /// What the failure left behind and how to complete the step.
        note: String,
        /// The cause.
        #[source]
        source: Box<CultivationError>,
    },
}

impl CultivationError {
    /// Names the step that failed and what it left behind.
    pub(crate) fn in_step(self, step: Step, year: i32) -> Self {
        let note = if step.writes_ledger() {
            format!(
                "the ledger groups it committed stay (every write is idempotent): rerun the cycle for {year} to complete the step"
            )
        } else if step == Step::Registry {
            format!(
                "each registry write (the cohort, the adjustment) is one transaction, whole or absent: rerun the cycle for {year} to complete the step"
            )
        } else {
            "nothing was stored by it".to_string()
        };
        CultivationError::Step {
            step,
            note,
            source: Box::new(self),
        }
    }

    /// The step named in the error, if any.
    pub fn step(&self) -> Option<Step> {
        match self {
            CultivationError::Step { step, .. } | CultivationError::Injected { step } => {
                Some(*step)
            }
            _ => None,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = CultivationError> = std::result::Result<T, E>;
