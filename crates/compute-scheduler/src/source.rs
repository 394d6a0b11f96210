//! Where a job stream comes from: a jobs CSV, the seeded generator, or a public GPU-cluster
//! trace (Alibaba cluster-trace-gpu-v2020) mapped onto synthetic firms. One place decides
//! how each source becomes jobs, so the CLI and other programs load the same stream from the
//! same arguments.
//!
//! ```
//! use compute_scheduler::Catalog;
//! use compute_scheduler::source::{JobSource, Spread};
//! let catalog = Catalog::embedded()?;
//! let source = JobSource::Generate { jobs: 20, seed: 7, firms: 5, spread: Spread::Days(2) };
//! let loaded = source.load(&catalog)?;
//! assert_eq!(loaded.jobs.len(), 20);
//! assert!(loaded.import.is_none());
//! assert_eq!(source.load(&catalog)?.jobs, loaded.jobs); // seeded
//! # Ok::<(), compute_scheduler::Error>(())
//! ```

use crate::alibaba::{ImportOptions, ImportReport, import};
use crate::catalog::Catalog;
use crate::error::Result;
use crate::generate::{GeneratorConfig, Horizon, generate, synthetic_firms};
use crate::job::{Job, MAX_JOBS, read_jobs_csv};

/// Deadline of an imported trace job: submission + duration × this factor. Assumed: the
/// trace records no deadlines, and three times the observed run time leaves room for
/// queueing while still telling a deadline-aware policy from one that ignores deadlines.
pub const TRACE_DEADLINE_FACTOR: f64 = 3.0;

/// How generated submissions are spread in time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spread {
    /// Over this many days.
    Days(u32),
    /// So that the offered card load is this share of the catalog's cards.
    Load(f64),
}

/// A job stream's source. Texts are passed in (the caller reads files, in whatever encoding),
/// with the names errors are reported against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JobSource<'a> {
    /// A jobs CSV (columns in docs/compute-scheduler.md): `(text, source name)`.
    Csv(&'a str, &'a str),
    /// `jobs` synthetic jobs of `firms` synthetic firms (daily cycle, east/west mix: the
    /// generator's defaults), seeded.
    Generate {
        /// Jobs to generate (1..=[`MAX_JOBS`]).
        jobs: usize,
        /// Seed of the generator.
        seed: u64,
        /// Synthetic firms (1..=1,000,000).
        firms: usize,
        /// Spread of submissions.
        spread: Spread,
    },
    /// A trace's job and task tables, `(text, source name)` each, whose users are mapped
    /// onto `firms` synthetic firms drawn with `seed`.
    Alibaba {
        /// The pai_job_table CSV.
        job_table: (&'a str, &'a str),
        /// The pai_task_table CSV.
        task_table: (&'a str, &'a str),
        /// Seed of the synthetic firms.
        seed: u64,
        /// Synthetic firms (1..=1,000,000).
        firms: usize,
        /// Import the trace's Failed jobs as well as its Terminated ones.
        include_failed: bool,
    },
}

/// A loaded stream, with the import's account of what it read and skipped for a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedJobs {
    /// The jobs, in submission order.
    pub jobs: Vec<Job>,
    /// For a trace: rows read and skipped (its `jobs` are moved into [`LoadedJobs::jobs`]).
    pub import: Option<ImportReport>,
}

impl JobSource<'_> {
    /// Loads the stream, all or nothing; `catalog` sizes a load-based spread.
    pub fn load(&self, catalog: &Catalog) -> Result<LoadedJobs> {
        let jobs = match *self {
            JobSource::Csv(text, source) => read_jobs_csv(text.as_bytes(), source)?,
            JobSource::Generate {
                jobs,
                seed,
                firms,
                spread,
            } => {
                let horizon = match spread {
                    Spread::Days(d) => Horizon::Days(d),
                    Spread::Load(utilisation) => Horizon::Load {
                        utilisation,
                        capacity_cards: catalog.total_cards().max(1),
                    },
                };
                generate(&GeneratorConfig {
                    jobs,
                    seed,
                    firms,
                    horizon,
                    ..GeneratorConfig::default()
                })?
            }
            JobSource::Alibaba {
                job_table,
                task_table,
                seed,
                firms,
                include_failed,
            } => {
                let opts = ImportOptions {
                    firms: synthetic_firms(firms, GeneratorConfig::default().east_share, seed)?,
                    include_failed,
                    deadline_factor: Some(TRACE_DEADLINE_FACTOR),
                    max_jobs: MAX_JOBS,
                };
                let mut report = import(
                    job_table.0.as_bytes(),
                    job_table.1,
                    task_table.0.as_bytes(),
                    task_table.1,
                    &opts,
                )?;
                let jobs = std::mem::take(&mut report.jobs);
                return Ok(LoadedJobs {
                    jobs,
                    import: Some(report),
                });
            }
        };
        Ok(LoadedJobs { jobs, import: None })
    }
}
