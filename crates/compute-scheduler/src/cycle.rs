//! One scheduling cycle as a policy sees it: [`Cycle`] exposes the pending jobs, the
//! capacity and the costs, and starts jobs through the pipeline; the run's state behind it
//! binds a started job to its cluster and pays for it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use crate::catalog::{Catalog, ScoreWeights};
use crate::error::{Error, Result};
use crate::job::Job;
use crate::metrics::Accumulators;
use crate::money::{fen_to_yuan, yuan_to_fen_exact};
use crate::payment::{Charge, Payment, PaymentError};
use crate::pipeline::{Capacity, Evaluation, ExtraFilter, JobInfo, Pipeline};
use crate::schedule::{MAX_EXPLAIN_EVALUATIONS, Placement};

/// State of a run, seen by a policy through [`Cycle`].
pub(crate) struct State<'s> {
    pub(crate) catalog: &'s Catalog,
    pub(crate) pipeline: &'s Pipeline,
    pub(crate) jobs: &'s [Job],
    pub(crate) infos: Vec<Option<JobInfo>>,
    pub(crate) cap: Capacity,
    /// Running jobs per cluster, keyed by (estimated end from the declared duration, job).
    pub(crate) running: Vec<BTreeMap<(u64, u32), ()>>,
    pub(crate) completions: BinaryHeap<Reverse<(u64, u32, u32)>>,
    pub(crate) pending: Vec<u32>,
    pub(crate) started: Vec<bool>,
    pub(crate) firm_of: Vec<u32>,
    pub(crate) firm_cards: Vec<u64>,
    pub(crate) firm_cores: Vec<u64>,
    pub(crate) placements: Vec<Placement>,
    pub(crate) payment: &'s mut dyn Payment,
    pub(crate) explain: Option<u32>,
    pub(crate) evaluations: Vec<Evaluation>,
    pub(crate) evaluations_omitted: u64,
    pub(crate) acc: Accumulators,
}

/// What a policy sees and may do in one scheduling cycle.
pub struct Cycle<'c, 's> {
    pub(crate) state: &'c mut State<'s>,
    pub(crate) now: u64,
    pub(crate) weights: ScoreWeights,
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

pub(crate) fn push_evaluation(list: &mut Vec<Evaluation>, omitted: &mut u64, rec: Evaluation) {
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
    pub(crate) fn bind(&mut self, j: usize, c: usize, now: u64) -> Result<()> {
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
