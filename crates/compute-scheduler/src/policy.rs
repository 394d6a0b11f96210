//! Placement policies: which pending jobs start now, and under which scorer weights.
//!
//! - [`Fifo`]: strict submission order; the first job that cannot start blocks the rest
//!   (the baseline).
//! - [`CostGreedy`]: every pending job, in submission order, goes to the cluster cheapest for
//!   its firm after vouchers. When that cluster is full but, by the declared durations of the
//!   jobs running there, frees room early enough to finish before the job's deadline (or the
//!   job has none), the job waits for it; otherwise it takes the cheapest cluster with room
//!   now. Jobs that fit nowhere wait without blocking others.
//! - [`FairShare`]: weighted dominant-resource fairness (DRF) between firms: the firm with the
//!   smallest dominant share (cards or cores held ÷ network total, divided by its tier's
//!   weight) goes next; ties go to the firm with less service so far.
//! - [`EasyBackfill`]: FIFO with EASY backfilling: the first job that cannot start gets a
//!   reservation at the earliest time the declared durations of running jobs free enough
//!   room (its shadow time); later jobs may start now if they do not delay it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::catalog::{SchedulingConfig, ScoreWeights};
use crate::cycle::Cycle;
use crate::error::Result;
use crate::pipeline::ExtraFilter;

/// A placement policy: decides, in each scheduling cycle, which pending jobs to try and
/// in what order; the pipeline picks the cluster under the policy's weights.
pub trait Policy {
    /// The policy's name.
    fn name(&self) -> &str;
    /// Scorer weights, from the catalog's scheduling section.
    fn weights(&self, config: &SchedulingConfig) -> ScoreWeights;
    /// One scheduling cycle: start whatever jobs the policy allows now.
    fn cycle(&mut self, cx: &mut Cycle<'_, '_>) -> Result<()>;
}

/// The four shipped policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// [`Fifo`].
    Fifo,
    /// [`CostGreedy`].
    Greedy,
    /// [`FairShare`].
    Fair,
    /// [`EasyBackfill`].
    Backfill,
}

impl PolicyKind {
    /// All four, in the order reports list them.
    pub const ALL: [PolicyKind; 4] = [
        PolicyKind::Fifo,
        PolicyKind::Greedy,
        PolicyKind::Fair,
        PolicyKind::Backfill,
    ];

    /// The key used on the command line.
    pub fn key(self) -> &'static str {
        match self {
            PolicyKind::Fifo => "fifo",
            PolicyKind::Greedy => "greedy",
            PolicyKind::Fair => "fair",
            PolicyKind::Backfill => "backfill",
        }
    }

    /// A fresh policy of this kind configured from `config`.
    pub fn build(self, config: &SchedulingConfig) -> Box<dyn Policy> {
        match self {
            PolicyKind::Fifo => Box::new(Fifo::new(config)),
            PolicyKind::Greedy => Box::new(CostGreedy::new(config)),
            PolicyKind::Fair => Box::new(FairShare::new(config)),
            PolicyKind::Backfill => Box::new(EasyBackfill::new(config)),
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for PolicyKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim() {
            "fifo" => Ok(PolicyKind::Fifo),
            "greedy" | "cost-greedy" => Ok(PolicyKind::Greedy),
            "fair" | "drf" => Ok(PolicyKind::Fair),
            "backfill" | "easy" => Ok(PolicyKind::Backfill),
            _ => Err(format!(
                "'{s}' is not a policy (fifo, greedy, fair, backfill)"
            )),
        }
    }
}

/// First in, first out, with head-of-line blocking.
#[derive(Debug, Clone)]
pub struct Fifo {
    scan_limit: usize,
}

impl Fifo {
    /// From the catalog's scheduling section.
    pub fn new(config: &SchedulingConfig) -> Self {
        Self {
            scan_limit: config.scan_limit as usize,
        }
    }
}

impl Policy for Fifo {
    fn name(&self) -> &str {
        "fifo"
    }
    fn weights(&self, config: &SchedulingConfig) -> ScoreWeights {
        config.fifo
    }
    fn cycle(&mut self, cx: &mut Cycle<'_, '_>) -> Result<()> {
        let n = cx.pending_len().min(self.scan_limit);
        for k in 0..n {
            let Some(j) = cx.pending_at(k) else { break };
            if cx.try_start(j, None, "fifo")?.is_none() {
                // Head-of-line blocking: later jobs wait behind this one.
                if let Some(e) = cx.explained()
                    && e != j
                    && (k + 1..cx.pending_len()).any(|k2| cx.pending_at(k2) == Some(e))
                {
                    let head = cx.job(j).map_or_else(String::new, |x| x.id.clone());
                    cx.note(e, format!("fifo: waits behind job {head}"));
                }
                break;
            }
        }
        Ok(())
    }
}

/// Cheapest cluster after vouchers, waiting for it when the deadline allows; else the
/// cheapest with room now. In submission order.
#[derive(Debug, Clone)]
pub struct CostGreedy {
    scan_limit: usize,
}

impl CostGreedy {
    /// From the catalog's scheduling section.
    pub fn new(config: &SchedulingConfig) -> Self {
        Self {
            scan_limit: config.scan_limit as usize,
        }
    }
}

impl Policy for CostGreedy {
    fn name(&self) -> &str {
        "greedy"
    }
    fn weights(&self, config: &SchedulingConfig) -> ScoreWeights {
        config.greedy
    }
    fn cycle(&mut self, cx: &mut Cycle<'_, '_>) -> Result<()> {
        let n = cx.pending_len().min(self.scan_limit);
        let n_clusters = cx.catalog().len();
        // Demand already waiting for each cluster in this cycle: a later job queues behind
        // it, so waiting is only chosen when the room it will really get comes in time.
        let mut ahead: Vec<(u64, u64)> = vec![(0, 0); n_clusters];
        // Each cluster's release profile, built once per cycle when first needed.
        let mut profiles: Vec<Option<Vec<(u64, u64, u64)>>> = vec![None; n_clusters];
        let mut waiting = 0usize;
        for k in 0..n {
            let Some(j) = cx.pending_at(k) else { break };
            if waiting < WAITERS_MAX
                && let Some(c) = cx.cheapest_cluster(j)
                && let Some(job) = cx.job(j)
                && let Some(&(ahead_cards, ahead_cores)) = ahead.get(c)
            {
                let (cards, cores) = (u64::from(job.cards), u64::from(job.cpu_cores));
                let (declared_s, deadline_s) = (job.declared_duration_s(), job.deadline_s);
                let free_cards = cx.capacity().free_cards.get(c).copied().unwrap_or(0);
                let free_cores = cx.capacity().free_cores.get(c).copied().unwrap_or(0);
                let need_cards = (cards + ahead_cards).saturating_sub(free_cards);
                let need_cores = (cores + ahead_cores).saturating_sub(free_cores);
                // Room on the cheapest cluster for this job and every job waiting ahead of
                // it: no reason to wait (the pipeline places it below). Otherwise find when
                // the declared ends free that much room.
                if need_cards > 0 || need_cores > 0 {
                    let profile = profiles
                        .get_mut(c)
                        .map(|p| p.get_or_insert_with(|| cx.release_profile(c, SHADOW_SCAN_MAX)));
                    let shadow_s = profile.and_then(|p| {
                        let i = p
                            .partition_point(|x| x.1 < need_cards)
                            .max(p.partition_point(|x| x.2 < need_cores));
                        p.get(i).map(|x| x.0)
                    });
                    let finish_ok =
                        |t: u64| deadline_s.is_none_or(|d| t.saturating_add(declared_s) <= d);
                    if let Some(shadow_s) = shadow_s.filter(|&t| finish_ok(t)) {
                        // Waiting for the cheapest cluster still meets the deadline (on
                        // declared durations, which over- rather than under-state): wait, in
                        // line behind the jobs already waiting for it.
                        if let Some(a) = ahead.get_mut(c) {
                            a.0 += cards;
                            a.1 += cores;
                        }
                        waiting += 1;
                        if cx.explained() == Some(j) {
                            let id = cx
                                .catalog()
                                .clusters
                                .get(c)
                                .map_or("?", |x| x.id.as_str())
                                .to_string();
                            cx.note(
                                j,
                                format!(
                                    "greedy: waits for the cheapest cluster {id}, in line for room by {shadow_s} s, finishing by {} s",
                                    shadow_s.saturating_add(declared_s)
                                ),
                            );
                        }
                        continue;
                    }
                }
            }
            cx.try_start(j, None, "greedy")?;
        }
        Ok(())
    }
}

/// Most jobs that may wait for their cheapest cluster in one cycle (beyond them, jobs take
/// the cheapest cluster with room now), so a cycle's work stays bounded.
pub const WAITERS_MAX: usize = 32;

/// Most running jobs greedy looks through to judge whether waiting for a cluster pays
/// (bounds the work of one decision; beyond it, waiting is judged too long).
pub const SHADOW_SCAN_MAX: usize = 64;

/// Weighted dominant-resource fair share between firms.
#[derive(Debug, Clone)]
pub struct FairShare {
    scan_limit: usize,
    /// Tier weights in millionths (integers keep the order exact and repeatable).
    weight_micro: [u128; 3],
    /// Dominant service each firm received so far (Σ over started jobs of the job's
    /// dominant demand), the tie-breaker.
    served: BTreeMap<usize, u128>,
}

impl FairShare {
    /// From the catalog's scheduling section.
    pub fn new(config: &SchedulingConfig) -> Self {
        let micro = |d: Decimal| (d * Decimal::from(1_000_000)).to_u128().unwrap_or(1).max(1);
        let tw = config.tier_weight;
        Self {
            scan_limit: config.scan_limit as usize,
            weight_micro: [micro(tw.potential), micro(tw.growth), micro(tw.leading)],
            served: BTreeMap::new(),
        }
    }

    fn weight(&self, tier: registry_model::Tier) -> u128 {
        let i = match tier {
            registry_model::Tier::Potential => 0,
            registry_model::Tier::Growth => 1,
            registry_model::Tier::Leading => 2,
        };
        self.weight_micro.get(i).copied().unwrap_or(1_000_000)
    }
}

/// max(cards ÷ G, cores ÷ U) scaled by G·U so it is an integer.
fn dominant(cards: u64, cores: u64, total_cards: u64, total_cores: u64) -> u128 {
    let a = u128::from(cards) * u128::from(total_cores.max(1));
    let b = u128::from(cores) * u128::from(total_cards.max(1));
    a.max(b)
}

impl Policy for FairShare {
    fn name(&self) -> &str {
        "fair"
    }
    fn weights(&self, config: &SchedulingConfig) -> ScoreWeights {
        config.fair
    }
    fn cycle(&mut self, cx: &mut Cycle<'_, '_>) -> Result<()> {
        let total_cards = cx.catalog().total_cards();
        let total_cores = cx.catalog().total_cores();
        // Each firm's pending jobs within the scan window, in submission order.
        let n = cx.pending_len().min(self.scan_limit);
        let mut queues: BTreeMap<usize, VecDeque<usize>> = BTreeMap::new();
        for k in 0..n {
            if let Some(j) = cx.pending_at(k) {
                queues.entry(cx.firm_of(j)).or_default().push_back(j);
            }
        }
        let key = |me: &Self, cx: &Cycle<'_, '_>, f: usize, j: usize| {
            let (c, k) = cx.firm_allocation(f);
            let w = cx.job(j).map_or(1_000_000, |x| me.weight(x.tier));
            let share = dominant(c, k, total_cards, total_cores) * 1_000_000 / w;
            let served = me.served.get(&f).copied().unwrap_or(0) * 1_000_000 / w;
            (share, served, f)
        };
        let mut order: BTreeSet<(u128, u128, usize)> = BTreeSet::new();
        for (&f, q) in &queues {
            if let Some(&j) = q.front() {
                order.insert(key(self, cx, f, j));
            }
        }
        // Each pass starts one job or drops one firm, so the loop ends within n + firms.
        while let Some(first) = order.pop_first() {
            let f = first.2;
            let Some(q) = queues.get_mut(&f) else {
                continue;
            };
            let Some(j) = q.pop_front() else { continue };
            let note = format!("fair: firm {f} has the smallest weighted dominant share");
            if cx.try_start(j, None, &note)?.is_some() {
                if let Some(job) = cx.job(j) {
                    let d = dominant(
                        u64::from(job.cards),
                        u64::from(job.cpu_cores),
                        total_cards,
                        total_cores,
                    );
                    *self.served.entry(f).or_insert(0) += d;
                }
                if let Some(&next) = queues.get(&f).and_then(|q| q.front()) {
                    order.insert(key(self, cx, f, next));
                }
            }
            // A firm whose next job does not fit is done for this cycle: its later jobs do
            // not overtake it, so each firm's own jobs keep their order.
        }
        Ok(())
    }
}

/// FIFO with EASY backfilling on declared durations.
#[derive(Debug, Clone)]
pub struct EasyBackfill {
    scan_limit: usize,
}

impl EasyBackfill {
    /// From the catalog's scheduling section.
    pub fn new(config: &SchedulingConfig) -> Self {
        Self {
            scan_limit: config.scan_limit as usize,
        }
    }
}

/// The head job's reservation.
#[derive(Debug, Clone, Copy)]
struct Reservation {
    cluster: usize,
    shadow_s: u64,
    extra_cards: u64,
    extra_cores: u64,
}

impl Policy for EasyBackfill {
    fn name(&self) -> &str {
        "backfill"
    }
    fn weights(&self, config: &SchedulingConfig) -> ScoreWeights {
        config.backfill
    }
    fn cycle(&mut self, cx: &mut Cycle<'_, '_>) -> Result<()> {
        let n = cx.pending_len().min(self.scan_limit);
        let mut reservation: Option<Reservation> = None;
        for k in 0..n {
            let Some(j) = cx.pending_at(k) else { break };
            match reservation {
                None => {
                    if cx
                        .try_start(j, None, "backfill: head of the queue")?
                        .is_some()
                    {
                        continue;
                    }
                    // Reserve the feasible cluster with the earliest shadow time (ties: the
                    // first in the catalog).
                    let mut best: Option<Reservation> = None;
                    for c in 0..cx.catalog().len() {
                        if !cx.is_feasible(j, c) {
                            continue;
                        }
                        if let Some((shadow_s, extra_cards, extra_cores)) = cx.shadow(j, c)
                            && best.is_none_or(|b| shadow_s < b.shadow_s)
                        {
                            best = Some(Reservation {
                                cluster: c,
                                shadow_s,
                                extra_cards,
                                extra_cores,
                            });
                        }
                    }
                    if let Some(r) = best {
                        let id = cx
                            .catalog()
                            .clusters
                            .get(r.cluster)
                            .map_or("?", |c| c.id.as_str())
                            .to_string();
                        cx.note(
                            j,
                            format!(
                                "backfill: reserved on {id} at {} s (shadow time)",
                                r.shadow_s
                            ),
                        );
                    }
                    reservation = best;
                    if reservation.is_none() {
                        // Cannot be reserved (should not happen for a feasible job): plain FIFO.
                        break;
                    }
                }
                Some(r) => {
                    let now = cx.now();
                    let Some(job) = cx.job(j) else { continue };
                    let ends_before = now.saturating_add(job.declared_duration_s()) <= r.shadow_s;
                    let (cards, cores) = (u64::from(job.cards), u64::from(job.cpu_cores));
                    let fits_extra = cards <= r.extra_cards && cores <= r.extra_cores;
                    let guard = move |c: usize| {
                        (c == r.cluster && !ends_before && !fits_extra).then(|| {
                            format!(
                                "would delay the head job's reservation at {} s (ends after it, needs {cards} cards / {cores} cores, spare {} / {})",
                                r.shadow_s, r.extra_cards, r.extra_cores
                            )
                        })
                    };
                    let extra = ExtraFilter {
                        name: "backfill-reservation",
                        check: &guard,
                    };
                    if let Some(c) =
                        cx.try_start(j, Some(&extra), "backfill: behind a reservation")?
                        && c == r.cluster
                        && !ends_before
                        && let Some(res) = reservation.as_mut()
                    {
                        res.extra_cards = res.extra_cards.saturating_sub(cards);
                        res.extra_cores = res.extra_cores.saturating_sub(cores);
                    }
                }
            }
        }
        Ok(())
    }
}
