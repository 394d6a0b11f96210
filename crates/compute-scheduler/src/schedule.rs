//! What a scheduling run produces: a [`Schedule`] of [`Placement`]s and [`Rejection`]s with
//! its metrics, and the [`Explanation`] of one job when asked for.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::job::Job;
use crate::metrics::Metrics;
use crate::pipeline::{Evaluation, FilterOutcome, Pipeline};

/// Most evaluations kept for one explained job (the first ones and the last).
pub const MAX_EXPLAIN_EVALUATIONS: usize = 64;

/// Where and when a job ran, and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// Index of the job in the input.
    pub job: usize,
    /// Index of the cluster in the catalog.
    pub cluster: usize,
    /// Start time.
    pub start_s: u64,
    /// End time (start + actual duration).
    pub end_s: u64,
    /// Latency from the firm's province to the cluster, ms.
    pub latency_ms: Option<f64>,
    /// Gross cost at list prices, yuan.
    pub gross_cost: Decimal,
    /// Subsidy paid by vouchers, yuan.
    pub subsidy: Decimal,
    /// What the firm pays, yuan.
    pub firm_cost: Decimal,
    /// Why the payment was declined, when it was.
    pub payment_declined: Option<String>,
}

/// A job no cluster can ever take, with each static filter's removals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Index of the job in the input.
    pub job: usize,
    /// The filters and what they removed.
    pub filters: Vec<FilterOutcome>,
}

/// Why one job went where it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The job id.
    pub job_id: String,
    /// Submission time.
    pub submit_s: u64,
    /// Evaluations by the pipeline (the first ones and the last, at most
    /// [`MAX_EXPLAIN_EVALUATIONS`]).
    pub evaluations: Vec<Evaluation>,
    /// Evaluations left out in the middle.
    pub evaluations_omitted: u64,
    /// The placement, if the job ran.
    pub placement: Option<Placement>,
    /// The rejection, if no cluster could ever take it.
    pub rejection: Option<Rejection>,
}

/// The result of scheduling a job stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// The policy's name.
    pub policy: String,
    /// Placements in start order.
    pub placements: Vec<Placement>,
    /// Jobs no cluster could take.
    pub rejections: Vec<Rejection>,
    /// Metrics of the run.
    pub metrics: Metrics,
    /// The explanation asked for, if any.
    pub explanation: Option<Explanation>,
}

impl Schedule {
    /// Σ cost to firms after vouchers *as modelled* (the job's coverage at voucher-eligible
    /// clusters, no budget caps): the quantity the optimal reference minimises, in fen.
    pub fn modelled_net_fen(&self, jobs: &[Job], catalog: &Catalog, pipeline: &Pipeline) -> i128 {
        self.placements
            .iter()
            .filter_map(|p| {
                let job = jobs.get(p.job)?;
                let info = pipeline.job_info(job, catalog);
                info.net_fen.get(p.cluster).copied().map(i128::from)
            })
            .sum()
    }
}
