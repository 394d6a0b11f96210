//! The discrete-event simulator: arrivals and completions drive scheduling cycles in which a
//! [`Policy`] starts jobs through the [`Pipeline`]; capacity, money and time are accounted
//! as it goes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, ScoreWeights};
use crate::error::{Error, Result};
use crate::job::{Job, validate_jobs};
use crate::metrics::{Accumulators, Metrics};
use crate::money::{fen_to_yuan, yuan_to_fen_exact};
use crate::payment::{Charge, Payment, PaymentError};
use crate::pipeline::{Capacity, Evaluation, ExtraFilter, FilterOutcome, JobInfo, Pipeline};
use crate::policy::Policy;

/// Most evaluations kept for one explained job (the first ones and the last).
pub const MAX_EXPLAIN_EVALUATIONS: usize = 64;
/// Default bound on events in one run.
pub const DEFAULT_MAX_EVENTS: u64 = 20_000_000;

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

/// State of a run, seen by a policy through [`Cycle`].
pub(crate) struct State<'s> {
    pub(crate) catalog: &'s Catalog,
    pub(crate) pipeline: &'s Pipeline,
    pub(crate) jobs: &'s [Job],
    infos: Vec<Option<JobInfo>>,
    pub(crate) cap: Capacity,
    /// Running jobs per cluster, keyed by (estimated end from the declared duration, job).
    running: Vec<BTreeMap<(u64, u32), ()>>,
    completions: BinaryHeap<Reverse<(u64, u32, u32)>>,
    pub(crate) pending: Vec<u32>,
    started: Vec<bool>,
    pub(crate) firm_of: Vec<u32>,
    pub(crate) firm_cards: Vec<u64>,
    pub(crate) firm_cores: Vec<u64>,
    placements: Vec<Placement>,
    payment: &'s mut dyn Payment,
    explain: Option<u32>,
    evaluations: Vec<Evaluation>,
    evaluations_omitted: u64,
    acc: Accumulators,
}

/// What a policy sees and may do in one scheduling cycle.
pub struct Cycle<'c, 's> {
    state: &'c mut State<'s>,
    now: u64,
    weights: ScoreWeights,
}

impl Cycle<'_, '_> {
    /// The current time.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Number of pending jobs (submitted, not started, not rejected), in submission order.
    pub fn pending_len(&self) -> usize {
        self.state.pending.len()
    }

    /// The `k`-th pending job (index into the input), in submission order.
    pub fn pending_at(&self, k: usize) -> Option<usize> {
        self.state.pending.get(k).map(|&j| j as usize)
    }

    /// Whether job `j` was started (possibly earlier in this cycle).
    pub fn is_started(&self, j: usize) -> bool {
        self.state.started.get(j).copied().unwrap_or(false)
    }

    /// The job with index `j`.
    pub fn job(&self, j: usize) -> Option<&Job> {
        self.state.jobs.get(j)
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        self.state.catalog
    }

    /// Free capacity now.
    pub fn capacity(&self) -> &Capacity {
        &self.state.cap
    }

    /// Dense index of the firm of job `j` (0 for the first firm seen in the input, …).
    pub fn firm_of(&self, j: usize) -> usize {
        self.state.firm_of.get(j).copied().unwrap_or(0) as usize
    }

    /// Cards and cores firm `f` holds right now.
    pub fn firm_allocation(&self, f: usize) -> (u64, u64) {
        (
            self.state.firm_cards.get(f).copied().unwrap_or(0),
            self.state.firm_cores.get(f).copied().unwrap_or(0),
        )
    }

    /// Whether cluster `c` passes job `j`'s static filters.
    pub fn is_feasible(&self, j: usize, c: usize) -> bool {
        self.state
            .infos
            .get(j)
            .and_then(Option::as_ref)
            .is_some_and(|i| i.is_feasible(c))
    }

    /// Estimated cost after vouchers of job `j` on cluster `c` (declared duration), fen.
    pub fn estimated_net_fen(&self, j: usize, c: usize) -> Option<i64> {
        self.state
            .infos
            .get(j)
            .and_then(Option::as_ref)?
            .est_net_fen
            .get(c)
            .copied()
    }

    /// The earliest time job `j` could start on cluster `c` if running jobs end at their
    /// declared ends, and the cards and cores left over at that time beyond the job's need
    /// (EASY backfill's shadow time and extra resources). `None` if it never fits.
    pub fn shadow(&self, j: usize, c: usize) -> Option<(u64, u64, u64)> {
        self.shadow_behind(j, c, 0, 0, usize::MAX)
    }

    /// Like [`Cycle::shadow`], for a job queued behind `ahead_cards` and `ahead_cores` of
    /// demand already promised on cluster `c`, looking at no more than `max_running` running
    /// jobs (in order of declared end); `None` when that is not enough.
    pub fn shadow_behind(
        &self,
        j: usize,
        c: usize,
        ahead_cards: u64,
        ahead_cores: u64,
        max_running: usize,
    ) -> Option<(u64, u64, u64)> {
        let job = self.state.jobs.get(j)?;
        let cl = self.state.catalog.clusters.get(c)?;
        let need_cards = u64::from(job.cards).saturating_add(ahead_cards);
        let need_cores = u64::from(job.cpu_cores).saturating_add(ahead_cores);
        if need_cards > u64::from(cl.cards) || need_cores > u64::from(cl.cpu_cores) {
            return None;
        }
        let mut cards = self.state.cap.free_cards.get(c).copied()?;
        let mut cores = self.state.cap.free_cores.get(c).copied()?;
        if cards >= need_cards && cores >= need_cores {
            return Some((self.now, cards - need_cards, cores - need_cores));
        }
        for &(end, r) in self.state.running.get(c)?.keys().take(max_running) {
            let rj = self.state.jobs.get(r as usize)?;
            cards += u64::from(rj.cards);
            cores += u64::from(rj.cpu_cores);
            if cards >= need_cards && cores >= need_cores {
                // A job past its declared end is expected to end now.
                return Some((end.max(self.now), cards - need_cards, cores - need_cores));
            }
        }
        None
    }

    /// Job `j`'s cheapest feasible cluster after vouchers (declared duration; ties: first in
    /// the catalog).
    pub fn cheapest_cluster(&self, j: usize) -> Option<usize> {
        self.state.infos.get(j).and_then(Option::as_ref)?.cheapest
    }

    /// When running jobs on cluster `c` end by their declared durations, in order: for each
    /// of the first `max_running`, (its declared end, cards freed so far, cores freed so far).
    pub fn release_profile(&self, c: usize, max_running: usize) -> Vec<(u64, u64, u64)> {
        let mut out = Vec::new();
        let (mut cards, mut cores) = (0u64, 0u64);
        if let Some(r) = self.state.running.get(c) {
            for &(end, j) in r.keys().take(max_running) {
                if let Some(job) = self.state.jobs.get(j as usize) {
                    cards += u64::from(job.cards);
                    cores += u64::from(job.cpu_cores);
                    out.push((end.max(self.now), cards, cores));
                }
            }
        }
        out
    }

    /// Tries to start job `j` now on the cluster the pipeline picks under the policy's
    /// weights (and `extra`, if given). Returns the cluster, or `None` if no cluster takes
    /// it now. Pays the job through the run's [`Payment`].
    pub fn try_start(
        &mut self,
        j: usize,
        extra: Option<&ExtraFilter<'_>>,
        note: &str,
    ) -> Result<Option<usize>> {
        let st = &mut *self.state;
        if st.started.get(j).copied().unwrap_or(true) {
            return Ok(None);
        }
        let (Some(job), Some(info)) = (st.jobs.get(j), st.infos.get(j).and_then(Option::as_ref))
        else {
            return Ok(None);
        };
        let chosen = if st.explain == Some(j as u32) {
            let mut rec = Evaluation {
                time_s: self.now,
                filters: Vec::new(),
                scores: Vec::new(),
                chosen: None,
                note: String::new(),
            };
            let c = st.pipeline.select(
                job,
                info,
                st.catalog,
                &st.cap,
                self.weights,
                extra,
                Some(&mut rec),
            );
            rec.note = match c {
                Some(_) => format!("{note}: started"),
                None => format!("{note}: no cluster now, waits"),
            };
            push_evaluation(&mut st.evaluations, &mut st.evaluations_omitted, rec);
            c
        } else {
            st.pipeline
                .select(job, info, st.catalog, &st.cap, self.weights, extra, None)
        };
        if let Some(c) = chosen {
            st.bind(j, c, self.now)?;
        }
        Ok(chosen)
    }

    /// The job being explained, if any (policies note their reasons for it).
    pub fn explained(&self) -> Option<usize> {
        self.state.explain.map(|j| j as usize)
    }

    /// Records a note in the explanation of job `j` (when it is the explained job).
    pub fn note(&mut self, j: usize, note: String) {
        if self.state.explain == Some(j as u32) {
            let rec = Evaluation {
                time_s: self.now,
                filters: Vec::new(),
                scores: Vec::new(),
                chosen: None,
                note,
            };
            push_evaluation(
                &mut self.state.evaluations,
                &mut self.state.evaluations_omitted,
                rec,
            );
        }
    }
}

fn push_evaluation(list: &mut Vec<Evaluation>, omitted: &mut u64, rec: Evaluation) {
    if list.len() < MAX_EXPLAIN_EVALUATIONS {
        list.push(rec);
    } else {
        // Keep the first ones and the latest: replace the last slot.
        *omitted += 1;
        if let Some(last) = list.last_mut() {
            *last = rec;
        }
    }
}

impl State<'_> {
    fn bind(&mut self, j: usize, c: usize, now: u64) -> Result<()> {
        let Some(job) = self.jobs.get(j) else {
            return Ok(());
        };
        let Some(info) = self.infos.get_mut(j).and_then(Option::take) else {
            return Ok(());
        };
        let (cards, cores) = (u64::from(job.cards), u64::from(job.cpu_cores));
        let cl = self
            .catalog
            .clusters
            .get(c)
            .ok_or_else(|| Error::Parameter {
                name: "cluster".into(),
                message: format!("index {c} is not in the catalog"),
            })?;
        // Invariant: the pipeline only returns clusters where the job fits now.
        let (Some(fc), Some(fk)) = (
            self.cap.free_cards.get_mut(c),
            self.cap.free_cores.get_mut(c),
        ) else {
            return Ok(());
        };
        debug_assert!(*fc >= cards && *fk >= cores, "bind over capacity");
        *fc = fc.saturating_sub(cards);
        *fk = fk.saturating_sub(cores);
        if let Some(s) = self.started.get_mut(j) {
            *s = true;
        }
        let end = now.saturating_add(job.duration_s);
        let est_end = now.saturating_add(job.declared_duration_s());
        if let Some(r) = self.running.get_mut(c) {
            r.insert((est_end, j as u32), ());
        }
        self.completions.push(Reverse((end, j as u32, c as u32)));
        let f = self.firm_of.get(j).copied().unwrap_or(0) as usize;
        if let Some(x) = self.firm_cards.get_mut(f) {
            *x += cards;
        }
        if let Some(x) = self.firm_cores.get_mut(f) {
            *x += cores;
        }
        // Money: gross at list prices for the actual run; vouchers pay through Payment.
        let gross_fen = info.gross_fen.get(c).copied().unwrap_or(0);
        let gross = fen_to_yuan(gross_fen);
        let (subsidy_fen, declined) = if !cl.voucher_eligible {
            (
                0,
                Some(format!(
                    "cluster '{}' is not an approved voucher provider",
                    cl.id
                )),
            )
        } else {
            let charge = Charge {
                firm: job.firm,
                tier: job.tier,
                job_id: &job.id,
                cluster_id: &cl.id,
                provider: cl.provider_id(),
                gross_cost: gross,
                voucher_coverage: job.voucher_coverage,
                time_s: now,
            };
            match self.payment.charge(&charge) {
                Ok(s) => {
                    let fen = yuan_to_fen_exact(s)
                        .filter(|f| *f <= gross_fen)
                        .ok_or_else(|| Error::Payment {
                            job_id: job.id.clone(),
                            message: format!(
                                "subsidy {s} is not whole fen in [0, gross cost {gross}]"
                            ),
                        })?;
                    (fen, None)
                }
                Err(PaymentError::Declined(r)) => (0, Some(r)),
                Err(PaymentError::Failed(m)) => {
                    return Err(Error::Payment {
                        job_id: job.id.clone(),
                        message: m,
                    });
                }
            }
        };
        let latency_ms = info.latency_ms.get(c).copied().flatten();
        self.acc.on_start(
            self.catalog,
            job,
            c,
            j,
            now,
            end,
            gross_fen,
            subsidy_fen,
            latency_ms,
        );
        self.placements.push(Placement {
            job: j,
            cluster: c,
            start_s: now,
            end_s: end,
            latency_ms,
            gross_cost: gross,
            subsidy: fen_to_yuan(subsidy_fen),
            firm_cost: fen_to_yuan(gross_fen - subsidy_fen),
            payment_declined: declined,
        });
        Ok(())
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
    validate_jobs(jobs)?;
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
