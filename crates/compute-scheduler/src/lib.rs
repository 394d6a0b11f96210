//! # compute-scheduler
//!
//! Placing firms' subsidised compute jobs on the national compute network (东数西算): a
//! catalog of the 8 hub nodes and 10 clusters, a kube-scheduler-like placement pipeline
//! (filters for size, latency limit, data residency and budget, then capacity; scorers for
//! cost after vouchers, green power, latency and utilisation balance), four policies (FIFO,
//! cost-greedy, weighted dominant-resource fair share, EASY backfill), a discrete-event
//! simulator with metrics, an optimal reference by linear and integer programming, a seeded
//! synthetic job generator and an importer for the Alibaba GPU cluster trace.
//!
//! ```
//! use compute_scheduler::{Catalog, CoveragePayment, PolicyKind, Scheduler, Simulator};
//! use compute_scheduler::generate::{GeneratorConfig, generate};
//!
//! let catalog = Catalog::embedded()?;
//! let jobs = generate(&GeneratorConfig { jobs: 200, seed: 7, ..GeneratorConfig::default() })?;
//! let policy = PolicyKind::Greedy.build(&catalog.scheduling);
//! let mut payment = CoveragePayment::new(None).expect("no budget cap");
//! let schedule = Simulator::new(&catalog, policy).schedule(&jobs, &mut payment)?;
//! let m = &schedule.metrics;
//! assert_eq!(m.jobs_placed + m.jobs_rejected, 200);
//! assert_eq!(m.latency_violations, 0);
//! assert!(m.subsidy <= m.gross_cost);
//! # Ok::<(), compute_scheduler::Error>(())
//! ```
#![warn(missing_docs)]

pub mod alibaba;
pub mod catalog;
pub mod compare;
mod cycle;
pub mod error;
pub mod generate;
pub mod job;
pub mod metrics;
pub mod money;
pub mod optimum;
pub mod payment;
pub mod pipeline;
pub mod policy;
mod schedule;
pub mod seed;
pub mod sim;
pub mod source;

pub use catalog::{Catalog, Cluster, Hub, Region, SchedulingConfig, ScoreWeights};
pub use error::{Error, Result};
pub use job::{Job, JobKind, Residency};
pub use metrics::{ClusterMetrics, Metrics};
pub use payment::{Charge, CoveragePayment, NoPayment, Payment, PaymentError};
pub use pipeline::{Evaluation, Pipeline};
pub use policy::{CostGreedy, EasyBackfill, FairShare, Fifo, Policy, PolicyKind};
pub use sim::{Cycle, Placement, Rejection, Schedule, Scheduler, SimOptions, Simulator};
