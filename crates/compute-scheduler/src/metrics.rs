//! Metrics of a run, per cluster and overall, accumulated by the simulator as time advances.
//!
//! Definitions (all over the run's window, from the first submission to the last completion):
//! - utilisation: busy card-seconds ÷ (cards × window); idle rate = 1 − utilisation, with
//!   busy and idle integrated separately from the occupancy timeline, so
//!   busy + idle = capacity × window is a check, not an identity;
//! - rack occupancy proxy: time-average share of racks holding at least one busy card when
//!   busy cards are packed into racks of `cards_per_rack` (⌈busy ÷ cards_per_rack⌉ racks),
//!   comparable to the 上架率 target of 65 %;
//! - wait: start − submission; job completion time: end − submission; percentiles by the
//!   nearest-rank rule;
//! - green share: green power's share of the energy drawn, energy modelled as
//!   (400 W × cards + 10 W × cores) × hours × PUE;
//! - Jain's fairness index between firms over each firm's mean service ratio
//!   duration ÷ (wait + duration): 1 when every firm waits in proportion alike, 1/n at worst.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Region};
use crate::job::Job;
use crate::money::fen_to_yuan;
use crate::pipeline::Capacity;

/// Modelled power of one card, watts (for the green share only).
pub const CARD_WATTS: f64 = 400.0;
/// Modelled power of one CPU core, watts (for the green share only).
pub const CORE_WATTS: f64 = 10.0;

/// Metrics of one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterMetrics {
    /// Cluster id.
    pub cluster: String,
    /// East or west.
    pub region: String,
    /// Jobs started here.
    pub jobs: u64,
    /// Busy card-seconds (integrated over the timeline).
    pub busy_card_s: u64,
    /// Idle card-seconds (integrated over the timeline).
    pub idle_card_s: u64,
    /// Cards × window, seconds.
    pub capacity_card_s: u64,
    /// Σ cards × duration of the jobs started here (must equal `busy_card_s`).
    pub job_card_s: u64,
    /// Busy core-seconds.
    pub busy_core_s: u64,
    /// Idle core-seconds.
    pub idle_core_s: u64,
    /// Cores × window, seconds.
    pub capacity_core_s: u64,
    /// Card utilisation in [0, 1].
    pub utilisation: f64,
    /// CPU-core utilisation in [0, 1].
    pub core_utilisation: f64,
    /// 1 − card utilisation.
    pub idle_rate: f64,
    /// Rack occupancy proxy in [0, 1].
    pub rack_occupancy: f64,
    /// Gross cost of the jobs here, yuan.
    pub gross_cost: Decimal,
    /// Subsidy paid here, yuan.
    pub subsidy: Decimal,
    /// Paid by firms here, yuan.
    pub firm_cost: Decimal,
    /// The cluster's green-power share.
    pub green_share: f64,
}

/// Metrics of a whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Jobs in the stream.
    pub jobs_submitted: u64,
    /// Jobs that ran.
    pub jobs_placed: u64,
    /// Jobs no cluster could take.
    pub jobs_rejected: u64,
    /// Events processed (arrivals and completions).
    pub events: u64,
    /// Distinct firms.
    pub firms: u64,
    /// Last completion − first submission, seconds.
    pub makespan_s: u64,
    /// Card utilisation of the network.
    pub utilisation: f64,
    /// Core utilisation of the network.
    pub core_utilisation: f64,
    /// 1 − card utilisation.
    pub idle_rate: f64,
    /// Rack occupancy proxy of the network (rack-weighted).
    pub rack_occupancy: f64,
    /// Mean wait, seconds.
    pub wait_mean_s: f64,
    /// Median wait, seconds.
    pub wait_p50_s: u64,
    /// 95th percentile wait, seconds.
    pub wait_p95_s: u64,
    /// 99th percentile wait, seconds.
    pub wait_p99_s: u64,
    /// Mean job completion time (end − submission), seconds.
    pub jct_mean_s: f64,
    /// Median job completion time, seconds.
    pub jct_p50_s: u64,
    /// 95th percentile job completion time, seconds.
    pub jct_p95_s: u64,
    /// Jobs placed beyond their latency limit (0 unless the pipeline is broken).
    pub latency_violations: u64,
    /// Jobs that finished after their deadline.
    pub deadline_violations: u64,
    /// Gross cost at list prices, yuan.
    pub gross_cost: Decimal,
    /// Subsidy paid by vouchers, yuan.
    pub subsidy: Decimal,
    /// Cost to firms, yuan.
    pub firm_cost: Decimal,
    /// Jobs with voucher coverage whose payment was declined.
    pub payment_declines: u64,
    /// Green-power share of the energy drawn.
    pub green_share: f64,
    /// Share of card-hours run in the west hubs.
    pub west_card_share: f64,
    /// Jain's fairness index between firms.
    pub jain_fairness: f64,
    /// Per-cluster metrics, in catalog order.
    pub per_cluster: Vec<ClusterMetrics>,
}

#[derive(Debug, Clone, Default)]
struct ClusterAcc {
    busy_card_s: u64,
    idle_card_s: u64,
    busy_core_s: u64,
    idle_core_s: u64,
    rack_s: u64,
    jobs: u64,
    job_card_s: u64,
    gross_fen: i128,
    subsidy_fen: i128,
}

/// What the simulator accumulates as it runs.
#[derive(Debug, Clone)]
pub(crate) struct Accumulators {
    clusters: Vec<ClusterAcc>,
    t_first: Option<u64>,
    t_last: u64,
    start: Vec<u64>,
    end: Vec<u64>,
    latency_violations: u64,
    deadline_violations: u64,
    green_energy: f64,
    energy: f64,
    west_card_s: u128,
    all_card_s: u128,
    submitted: u64,
}

fn pct(sorted: &[u64], p: u64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied().unwrap_or(0)
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl Accumulators {
    pub(crate) fn new(catalog: &Catalog, jobs: usize, _firms: usize) -> Self {
        Self {
            clusters: vec![ClusterAcc::default(); catalog.len()],
            t_first: None,
            t_last: 0,
            start: vec![u64::MAX; jobs],
            end: vec![u64::MAX; jobs],
            latency_violations: 0,
            deadline_violations: 0,
            green_energy: 0.0,
            energy: 0.0,
            west_card_s: 0,
            all_card_s: 0,
            submitted: 0,
        }
    }

    /// Integrates occupancy from the last event to `now`.
    pub(crate) fn advance(&mut self, cap: &Capacity, catalog: &Catalog, now: u64) {
        let Some(_) = self.t_first else {
            self.t_first = Some(now);
            self.t_last = now;
            return;
        };
        let dt = now.saturating_sub(self.t_last);
        if dt == 0 {
            return;
        }
        for (c, (acc, cl)) in self.clusters.iter_mut().zip(&catalog.clusters).enumerate() {
            let free_cards = cap.free_cards.get(c).copied().unwrap_or(0);
            let free_cores = cap.free_cores.get(c).copied().unwrap_or(0);
            let busy_cards = u64::from(cl.cards).saturating_sub(free_cards);
            let busy_cores = u64::from(cl.cpu_cores).saturating_sub(free_cores);
            acc.busy_card_s = acc.busy_card_s.saturating_add(busy_cards * dt);
            acc.idle_card_s = acc.idle_card_s.saturating_add(free_cards * dt);
            acc.busy_core_s = acc.busy_core_s.saturating_add(busy_cores * dt);
            acc.idle_core_s = acc.idle_core_s.saturating_add(free_cores * dt);
            let racks = busy_cards.div_ceil(u64::from(cl.cards_per_rack.max(1)));
            acc.rack_s = acc.rack_s.saturating_add(racks * dt);
        }
        self.t_last = now;
    }

    pub(crate) fn on_submit(&mut self, _job: &Job) {
        self.submitted += 1;
    }

    pub(crate) fn start_of(&self, j: usize) -> u64 {
        self.start.get(j).copied().unwrap_or(0)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_start(
        &mut self,
        catalog: &Catalog,
        job: &Job,
        c: usize,
        j: usize,
        now: u64,
        end: u64,
        gross_fen: i64,
        subsidy_fen: i64,
        latency_ms: Option<f64>,
    ) {
        if let Some(s) = self.start.get_mut(j) {
            *s = now;
        }
        if let Some(e) = self.end.get_mut(j) {
            *e = end;
        }
        if let (Some(limit), Some(ms)) = (job.latency_ms_max, latency_ms)
            && ms > limit
        {
            self.latency_violations += 1;
        }
        if job.latency_ms_max.is_some() && latency_ms.is_none() {
            self.latency_violations += 1;
        }
        if job.deadline_s.is_some_and(|d| end > d) {
            self.deadline_violations += 1;
        }
        let card_s = u64::from(job.cards) * job.duration_s;
        if let Some(acc) = self.clusters.get_mut(c) {
            acc.jobs += 1;
            acc.job_card_s = acc.job_card_s.saturating_add(card_s);
            acc.gross_fen += i128::from(gross_fen);
            acc.subsidy_fen += i128::from(subsidy_fen);
        }
        {
            let hours = job.duration_s as f64 / 3600.0;
            let pue = catalog.pue_f64(c);
            let green = catalog.green_share_f64(c);
            let e = (CARD_WATTS * f64::from(job.cards) + CORE_WATTS * f64::from(job.cpu_cores))
                * hours
                * pue;
            self.energy += e;
            self.green_energy += e * green;
        }
        self.all_card_s += u128::from(card_s);
        if catalog.region(c) == Some(Region::West) {
            self.west_card_s += u128::from(card_s);
        }
    }

    pub(crate) fn finish(
        &self,
        catalog: &Catalog,
        jobs: &[Job],
        firm_of: &[u32],
        firms: usize,
        rejected: u64,
        events: u64,
    ) -> Metrics {
        let window = self
            .t_last
            .saturating_sub(self.t_first.unwrap_or(self.t_last));
        let mut waits = Vec::new();
        let mut jcts = Vec::new();
        let mut firm_sum = vec![0.0f64; firms];
        let mut firm_n = vec![0u64; firms];
        for (j, job) in jobs.iter().enumerate() {
            let s = self.start.get(j).copied().unwrap_or(u64::MAX);
            if s == u64::MAX {
                continue;
            }
            let e = self.end.get(j).copied().unwrap_or(s);
            let wait = s.saturating_sub(job.submit_s);
            waits.push(wait);
            jcts.push(e.saturating_sub(job.submit_s));
            let f = firm_of.get(j).copied().unwrap_or(0) as usize;
            if let (Some(sum), Some(n)) = (firm_sum.get_mut(f), firm_n.get_mut(f)) {
                *sum += job.duration_s as f64 / (wait + job.duration_s) as f64;
                *n += 1;
            }
        }
        let placed = waits.len() as u64;
        let wait_mean_s = if waits.is_empty() {
            0.0
        } else {
            waits.iter().map(|&w| w as f64).sum::<f64>() / waits.len() as f64
        };
        let jct_mean_s = if jcts.is_empty() {
            0.0
        } else {
            jcts.iter().map(|&w| w as f64).sum::<f64>() / jcts.len() as f64
        };
        waits.sort_unstable();
        jcts.sort_unstable();
        let xs: Vec<f64> = firm_sum
            .iter()
            .zip(&firm_n)
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| s / *n as f64)
            .collect();
        let sq: f64 = xs.iter().map(|x| x * x).sum();
        let jain_fairness = if xs.is_empty() || sq == 0.0 {
            1.0
        } else {
            let s: f64 = xs.iter().sum();
            s * s / (xs.len() as f64 * sq)
        };
        let mut per_cluster = Vec::with_capacity(catalog.len());
        let (mut busy, mut cap_s, mut busy_core, mut cap_core, mut rack, mut racks_total) =
            (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
        let (mut gross, mut subsidy) = (0i128, 0i128);
        for (c, (acc, cl)) in self.clusters.iter().zip(&catalog.clusters).enumerate() {
            let capacity_card_s = u64::from(cl.cards).saturating_mul(window);
            let capacity_core_s = u64::from(cl.cpu_cores).saturating_mul(window);
            let n_racks = u64::from(cl.cards).div_ceil(u64::from(cl.cards_per_rack.max(1)));
            busy += acc.busy_card_s;
            cap_s += capacity_card_s;
            busy_core += acc.busy_core_s;
            cap_core += capacity_core_s;
            rack += acc.rack_s;
            racks_total += n_racks.saturating_mul(window);
            gross += acc.gross_fen;
            subsidy += acc.subsidy_fen;
            let utilisation = ratio(acc.busy_card_s, capacity_card_s);
            per_cluster.push(ClusterMetrics {
                cluster: cl.id.clone(),
                region: catalog.region(c).map_or("?", Region::key).to_string(),
                jobs: acc.jobs,
                busy_card_s: acc.busy_card_s,
                idle_card_s: acc.idle_card_s,
                capacity_card_s,
                job_card_s: acc.job_card_s,
                busy_core_s: acc.busy_core_s,
                idle_core_s: acc.idle_core_s,
                capacity_core_s,
                utilisation,
                core_utilisation: ratio(acc.busy_core_s, capacity_core_s),
                idle_rate: if capacity_card_s == 0 {
                    0.0
                } else {
                    1.0 - utilisation
                },
                rack_occupancy: ratio(acc.rack_s, n_racks.saturating_mul(window)),
                gross_cost: fen_i128(acc.gross_fen),
                subsidy: fen_i128(acc.subsidy_fen),
                firm_cost: fen_i128(acc.gross_fen - acc.subsidy_fen),
                green_share: catalog.green_share_f64(c),
            });
        }
        let utilisation = ratio(busy, cap_s);
        Metrics {
            jobs_submitted: jobs.len() as u64,
            jobs_placed: placed,
            jobs_rejected: rejected,
            events,
            firms: firms as u64,
            makespan_s: window,
            utilisation,
            core_utilisation: ratio(busy_core, cap_core),
            idle_rate: if cap_s == 0 { 0.0 } else { 1.0 - utilisation },
            rack_occupancy: ratio(rack, racks_total),
            wait_mean_s,
            wait_p50_s: pct(&waits, 50),
            wait_p95_s: pct(&waits, 95),
            wait_p99_s: pct(&waits, 99),
            jct_mean_s,
            jct_p50_s: pct(&jcts, 50),
            jct_p95_s: pct(&jcts, 95),
            latency_violations: self.latency_violations,
            deadline_violations: self.deadline_violations,
            gross_cost: fen_i128(gross),
            subsidy: fen_i128(subsidy),
            firm_cost: fen_i128(gross - subsidy),
            payment_declines: 0,
            green_share: if self.energy > 0.0 {
                self.green_energy / self.energy
            } else {
                0.0
            },
            west_card_share: if self.all_card_s == 0 {
                0.0
            } else {
                self.west_card_s as f64 / self.all_card_s as f64
            },
            jain_fairness,
            per_cluster,
        }
    }
}

/// Fen (as i128) to yuan; saturates far beyond any real total.
fn fen_i128(fen: i128) -> Decimal {
    let clamped = fen.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    fen_to_yuan(i64::try_from(clamped).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::pct;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(pct(&v, 50), 5);
        assert_eq!(pct(&v, 95), 10);
        assert_eq!(pct(&v, 10), 1);
        assert_eq!(pct(&[], 50), 0);
        let v: Vec<u64> = (1..=200).collect();
        assert_eq!(pct(&v, 99), 198);
    }
}
