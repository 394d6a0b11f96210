//! The discrete-event simulator: arrivals and completions drive scheduling cycles in which a
//! [`Policy`] starts jobs through the [`Pipeline`]; capacity, money and time are accounted
//! as it goes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::job::{Job, validate_jobs_for};
use crate::metrics::Accumulators;
use crate::payment::Payment;
use crate::pipeline::{Capacity, Pipeline};

pub use crate::cycle::Cycle;
use crate::cycle::State;
use crate::policy::Policy;
pub use crate::schedule::{Explanation, MAX_EXPLAIN_EVALUATIONS, Placement, Rejection, Schedule};

/// Default bound on events in one run.
pub const DEFAULT_MAX_EVENTS: u64 = 20_000_000;

/// Options of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOptions {
    /// Record the pipeline's evaluations of this job id.
    pub explain: Option<String>,
    /// Stop with an error beyond this many events.
    pub max_events: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            explain: None,
            max_events: DEFAULT_MAX_EVENTS,
        }
    }
}

/// Places a job stream and reports the result.
pub trait Scheduler {
    /// Schedules `jobs`, paying each placed job through `payment`.
    fn schedule(&mut self, jobs: &[Job], payment: &mut dyn Payment) -> Result<Schedule>;
}

/// The discrete-event simulator running one policy over a catalog.
pub struct Simulator<'a> {
    catalog: &'a Catalog,
    pipeline: Pipeline,
    policy: Box<dyn Policy + 'a>,
    options: SimOptions,
}

impl std::fmt::Debug for Simulator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("policy", &self.policy.name())
            .field("pipeline", &self.pipeline)
            .field("options", &self.options)
            .finish()
    }
}

impl<'a> Simulator<'a> {
    /// A simulator with the standard pipeline.
    pub fn new(catalog: &'a Catalog, policy: Box<dyn Policy + 'a>) -> Self {
        Self {
            catalog,
            pipeline: Pipeline::standard(),
            policy,
            options: SimOptions::default(),
        }
    }

    /// Sets the options.
    pub fn with_options(mut self, options: SimOptions) -> Self {
        self.options = options;
        self
    }

    /// Replaces the pipeline.
    pub fn with_pipeline(mut self, pipeline: Pipeline) -> Self {
        self.pipeline = pipeline;
        self
    }
}

impl Scheduler for Simulator<'_> {
    fn schedule(&mut self, jobs: &[Job], payment: &mut dyn Payment) -> Result<Schedule> {
        run(
            self.catalog,
            &self.pipeline,
            self.policy.as_mut(),
            payment,
            jobs,
            &self.options,
        )
    }
}

/// Runs `policy` over `jobs` (validated first: a bad stream changes nothing).
pub fn run(
    catalog: &Catalog,
    pipeline: &Pipeline,
    policy: &mut dyn Policy,
    payment: &mut dyn Payment,
    jobs: &[Job],
    options: &SimOptions,
) -> Result<Schedule> {
    validate_jobs_for(jobs, catalog)?;
    if jobs.len() > u32::MAX as usize / 2 {
        return Err(Error::Limit {
            what: "jobs".into(),
            value: jobs.len() as u64,
            limit: u64::from(u32::MAX / 2),
        });
    }
    let explain = match &options.explain {
        None => None,
        Some(id) => Some(
            jobs.iter()
                .position(|j| j.id == *id)
                .ok_or_else(|| Error::Parameter {
                    name: "explain".into(),
                    message: format!("no job with id '{id}' in the stream"),
                })? as u32,
        ),
    };
    // Submission order; equal times keep input order (a stable sort), so runs are repeatable.
    let mut order: Vec<u32> = (0..jobs.len() as u32).collect();
    order.sort_by_key(|&j| jobs.get(j as usize).map_or(0, |x| x.submit_s));
    let mut firm_ids: HashMap<registry_model::EnterpriseId, u32> = HashMap::new();
    let mut firm_of = Vec::with_capacity(jobs.len());
    for j in jobs {
        let next = firm_ids.len() as u32;
        let f = *firm_ids.entry(j.firm).or_insert(next);
        firm_of.push(f);
    }
    let nf = firm_ids.len();
    let n = catalog.len();
    let mut st = State {
        catalog,
        pipeline,
        jobs,
        infos: vec![None; jobs.len()],
        cap: Capacity::full(catalog),
        running: vec![BTreeMap::new(); n],
        completions: BinaryHeap::new(),
        pending: Vec::new(),
        started: vec![false; jobs.len()],
        firm_of,
        firm_cards: vec![0; nf],
        firm_cores: vec![0; nf],
        placements: Vec::with_capacity(jobs.len()),
        payment,
        explain,
        evaluations: Vec::new(),
        evaluations_omitted: 0,
        acc: Accumulators::new(catalog, jobs.len(), nf),
    };
    let mut rejections = Vec::new();
    let weights = policy.weights(&catalog.scheduling);
    let mut next_arrival = 0usize;
    let mut events: u64 = 0;
    loop {
        let t_arr = order
            .get(next_arrival)
            .and_then(|&j| jobs.get(j as usize))
            .map(|j| j.submit_s);
        let t_done = st.completions.peek().map(|Reverse((t, _, _))| *t);
        let now = match (t_arr, t_done) {
            (None, None) => break,
            (Some(a), None) => a,
            (None, Some(d)) => d,
            (Some(a), Some(d)) => a.min(d),
        };
        st.acc.advance(&st.cap, catalog, now);
        // Completions first, so capacity freed at `now` is usable by jobs arriving at `now`.
        while let Some(Reverse((t, j, c))) = st.completions.peek().copied() {
            if t > now {
                break;
            }
            st.completions.pop();
            events += 1;
            let Some(job) = jobs.get(j as usize) else {
                continue;
            };
            let (cards, cores) = (u64::from(job.cards), u64::from(job.cpu_cores));
            let (c, ju) = (c as usize, j as usize);
            if let Some(x) = st.cap.free_cards.get_mut(c) {
                *x += cards;
            }
            if let Some(x) = st.cap.free_cores.get_mut(c) {
                *x += cores;
            }
            if let Some(r) = st.running.get_mut(c) {
                let start = st.acc.start_of(ju);
                r.remove(&(start.saturating_add(job.declared_duration_s()), j));
            }
            let f = st.firm_of.get(ju).copied().unwrap_or(0) as usize;
            if let Some(x) = st.firm_cards.get_mut(f) {
                *x = x.saturating_sub(cards);
            }
            if let Some(x) = st.firm_cores.get_mut(f) {
                *x = x.saturating_sub(cores);
            }
        }
        while let Some(&j) = order.get(next_arrival) {
            let Some(job) = jobs.get(j as usize) else {
                break;
            };
            if job.submit_s > now {
                break;
            }
            next_arrival += 1;
            events += 1;
            let info = pipeline.job_info(job, catalog);
            if info.feasible == 0 {
                rejections.push(Rejection {
                    job: j as usize,
                    filters: pipeline.static_removals(job, &info, catalog),
                });
                continue;
            }
            st.acc.on_submit(job);
            if let Some(slot) = st.infos.get_mut(j as usize) {
                *slot = Some(info);
            }
            st.pending.push(j);
        }
        if events > options.max_events {
            return Err(Error::Limit {
                what: "simulation events".into(),
                value: events,
                limit: options.max_events,
            });
        }
        if !st.pending.is_empty() {
            let before = st.placements.len();
            {
                let mut cx = Cycle {
                    state: &mut st,
                    now,
                    weights,
                };
                policy.cycle(&mut cx)?;
            }
            if st.placements.len() != before {
                let started = &st.started;
                st.pending
                    .retain(|&j| !started.get(j as usize).copied().unwrap_or(true));
            }
            // Nothing running, nothing to come, and the policy started nothing: every
            // pending job fits an empty feasible cluster, so a policy that leaves them is
            // broken. Stop rather than loop.
            if st.completions.is_empty() && next_arrival >= order.len() && !st.pending.is_empty() {
                return Err(Error::Parameter {
                    name: "policy".into(),
                    message: format!(
                        "policy '{}' left {} jobs pending on an idle network",
                        policy.name(),
                        st.pending.len()
                    ),
                });
            }
        }
    }
    let mut metrics = st.acc.finish(
        catalog,
        jobs,
        &st.firm_of,
        nf,
        rejections.len() as u64,
        events,
    );
    metrics.payment_declines = st
        .placements
        .iter()
        .filter(|p| {
            p.payment_declined.is_some()
                && jobs
                    .get(p.job)
                    .is_some_and(|j| j.voucher_coverage > Decimal::ZERO)
        })
        .count() as u64;
    let explanation = explain.map(|j| {
        let ju = j as usize;
        Explanation {
            job_id: jobs.get(ju).map_or_else(String::new, |x| x.id.clone()),
            submit_s: jobs.get(ju).map_or(0, |x| x.submit_s),
            evaluations: std::mem::take(&mut st.evaluations),
            evaluations_omitted: st.evaluations_omitted,
            placement: st.placements.iter().find(|p| p.job == ju).cloned(),
            rejection: rejections.iter().find(|r| r.job == ju).cloned(),
        }
    });
    Ok(Schedule {
        policy: policy.name().to_string(),
        placements: st.placements,
        rejections,
        metrics,
        explanation,
    })
}
