//! The placement pipeline, as kube-scheduler's: filters remove clusters, scorers rank the
//! rest, the best is reserved and bound. Every step can be recorded for `--explain`.
//!
//! Filters are split into *static* ones, whose verdict depends only on the job and the
//! catalog (size, latency limit, data residency, budget) and is computed once per job, and
//! the *dynamic* capacity filter, checked against free capacity at each attempt.

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Region, ScoreWeights};
use crate::job::{Job, Residency};
use crate::money::{ratio_parts, subsidy_fen_parts, usage_cost_fen};

/// Free capacity of every cluster right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    /// Free cards per cluster.
    pub free_cards: Vec<u64>,
    /// Free cores per cluster.
    pub free_cores: Vec<u64>,
}

impl Capacity {
    /// Every cluster empty.
    pub fn full(catalog: &Catalog) -> Self {
        Self {
            free_cards: catalog
                .clusters
                .iter()
                .map(|c| u64::from(c.cards))
                .collect(),
            free_cores: catalog
                .clusters
                .iter()
                .map(|c| u64::from(c.cpu_cores))
                .collect(),
        }
    }

    /// Whether `cards` and `cores` fit on cluster `c` now.
    pub fn fits(&self, c: usize, cards: u64, cores: u64) -> bool {
        self.free_cards.get(c).is_some_and(|&f| f >= cards)
            && self.free_cores.get(c).is_some_and(|&f| f >= cores)
    }
}

/// A filter: removes clusters a job cannot use, with a reason.
pub trait Filter: Send + Sync {
    /// Short name shown in explanations.
    fn name(&self) -> &'static str;
    /// `Some(reason)` when cluster `c` is removed for `job`.
    fn check(&self, job: &Job, info: &JobInfo, catalog: &Catalog, c: usize) -> Option<String>;
}

/// Removes clusters smaller than the job (it could never run there).
#[derive(Debug, Clone, Copy, Default)]
pub struct SizeFilter;
impl Filter for SizeFilter {
    fn name(&self) -> &'static str {
        "size"
    }
    fn check(&self, job: &Job, _: &JobInfo, catalog: &Catalog, c: usize) -> Option<String> {
        let cl = catalog.clusters.get(c)?;
        (job.cards > cl.cards || job.cpu_cores > cl.cpu_cores).then(|| {
            format!(
                "needs {} cards / {} cores, cluster has {} / {}",
                job.cards, job.cpu_cores, cl.cards, cl.cpu_cores
            )
        })
    }
}

/// Removes clusters beyond the job's latency limit from its home province.
#[derive(Debug, Clone, Copy, Default)]
pub struct LatencyFilter;
impl Filter for LatencyFilter {
    fn name(&self) -> &'static str {
        "latency"
    }
    fn check(&self, job: &Job, info: &JobInfo, _: &Catalog, c: usize) -> Option<String> {
        let limit = job.latency_ms_max?;
        match info.latency_ms.get(c).copied().flatten() {
            None => Some(format!(
                "no latency figure from province {} (limit {limit} ms)",
                job.home.province_code()
            )),
            Some(ms) if ms > limit => Some(format!("{ms} ms > limit {limit} ms")),
            Some(_) => None,
        }
    }
}

/// Removes clusters where the job's data may not go.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResidencyFilter;
impl Filter for ResidencyFilter {
    fn name(&self) -> &'static str {
        "residency"
    }
    fn check(&self, job: &Job, _: &JobInfo, catalog: &Catalog, c: usize) -> Option<String> {
        let cl = catalog.clusters.get(c)?;
        match &job.residency {
            Residency::Anywhere => None,
            Residency::HomeProvince => (cl.province != job.home.province_code()).then(|| {
                format!(
                    "data must stay in province {}, cluster is in {}",
                    job.home.province_code(),
                    cl.province
                )
            }),
            Residency::Region(r) => (catalog.region(c) != Some(*r))
                .then(|| format!("data must stay in the {} hubs", r.key())),
            Residency::Hubs(h) => (!h.contains(&cl.hub)).then(|| {
                format!(
                    "data must stay in hubs {}, cluster is in {}",
                    h.join("|"),
                    cl.hub
                )
            }),
        }
    }
}

/// Removes clusters whose estimated cost after vouchers exceeds the job's budget.
#[derive(Debug, Clone, Copy, Default)]
pub struct BudgetFilter;
impl Filter for BudgetFilter {
    fn name(&self) -> &'static str {
        "budget"
    }
    fn check(&self, job: &Job, info: &JobInfo, _: &Catalog, c: usize) -> Option<String> {
        let budget = job.budget?;
        let est = info.est_net_fen.get(c).copied()?;
        let budget_fen = crate::money::yuan_to_fen_exact(budget)?;
        (est > budget_fen).then(|| {
            format!(
                "estimated {} yuan after vouchers > budget {budget} yuan",
                crate::money::fen_to_yuan(est)
            )
        })
    }
}

/// A scorer: rates a cluster for a job from 0 (worst) to 100 (best).
pub trait Scorer: Send + Sync {
    /// Short name shown in explanations.
    fn name(&self) -> &'static str;
    /// The score of cluster `c`.
    fn score(&self, job: &Job, info: &JobInfo, catalog: &Catalog, cap: &Capacity, c: usize) -> f64;
}

/// Cheaper after vouchers scores higher: 100 at the job's cheapest cluster, 0 at its dearest.
#[derive(Debug, Clone, Copy, Default)]
pub struct CostScorer;
impl Scorer for CostScorer {
    fn name(&self) -> &'static str {
        "cost"
    }
    fn score(&self, _: &Job, info: &JobInfo, _: &Catalog, _: &Capacity, c: usize) -> f64 {
        let v = info.est_net_fen.get(c).copied().unwrap_or(info.max_net_fen);
        if info.max_net_fen == info.min_net_fen {
            return 100.0;
        }
        100.0 * (info.max_net_fen - v) as f64 / (info.max_net_fen - info.min_net_fen) as f64
    }
}

/// Greener power scores higher: 100 × green share.
#[derive(Debug, Clone, Copy, Default)]
pub struct GreenScorer;
impl Scorer for GreenScorer {
    fn name(&self) -> &'static str {
        "green"
    }
    fn score(&self, _: &Job, _: &JobInfo, catalog: &Catalog, _: &Capacity, c: usize) -> f64 {
        100.0 * catalog.green_share_f64(c)
    }
}

/// Nearer scores higher: 100 × (1 − latency / the largest latency from the job's province).
#[derive(Debug, Clone, Copy, Default)]
pub struct LatencyScorer;
impl Scorer for LatencyScorer {
    fn name(&self) -> &'static str {
        "latency"
    }
    fn score(&self, _: &Job, info: &JobInfo, _: &Catalog, _: &Capacity, c: usize) -> f64 {
        match info.latency_ms.get(c).copied().flatten() {
            Some(ms) if info.max_latency_ms > 0.0 => 100.0 * (1.0 - ms / info.max_latency_ms),
            Some(_) => 100.0,
            None => 0.0,
        }
    }
}

/// Emptier after placement scores higher (spreads load, like kube-scheduler's
/// LeastAllocated): 100 × the share of the cluster's cards (cores for CPU-only jobs) still
/// free after placing the job.
#[derive(Debug, Clone, Copy, Default)]
pub struct BalanceScorer;
impl Scorer for BalanceScorer {
    fn name(&self) -> &'static str {
        "balance"
    }
    fn score(&self, job: &Job, _: &JobInfo, catalog: &Catalog, cap: &Capacity, c: usize) -> f64 {
        let Some(cl) = catalog.clusters.get(c) else {
            return 0.0;
        };
        let (free, need, total) = if job.cards > 0 {
            (
                cap.free_cards.get(c).copied().unwrap_or(0),
                u64::from(job.cards),
                u64::from(cl.cards),
            )
        } else {
            (
                cap.free_cores.get(c).copied().unwrap_or(0),
                u64::from(job.cpu_cores),
                u64::from(cl.cpu_cores),
            )
        };
        if total == 0 {
            return 0.0;
        }
        100.0 * free.saturating_sub(need) as f64 / total as f64
    }
}

/// What the pipeline knows about a job once, at submission: latencies, costs per cluster,
/// and which clusters the static filters leave.
#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    /// Latency from the home province to each cluster.
    pub latency_ms: Vec<Option<f64>>,
    /// Largest known latency in the row (for the latency score).
    pub max_latency_ms: f64,
    /// Gross cost of the actual run on each cluster, fen (what is billed).
    pub gross_fen: Vec<i64>,
    /// Cost to the firm after the job's voucher coverage on each cluster, fen (actual run;
    /// the optimum's objective).
    pub net_fen: Vec<i64>,
    /// Cost after vouchers estimated on the declared duration (what scoring and the budget
    /// filter see).
    pub est_net_fen: Vec<i64>,
    /// Smallest `est_net_fen`.
    pub min_net_fen: i64,
    /// Largest `est_net_fen`.
    pub max_net_fen: i64,
    /// Bit `c` set when cluster `c` passes every static filter.
    pub feasible: u64,
    /// The feasible cluster with the smallest `est_net_fen` (ties: first in the catalog).
    pub cheapest: Option<usize>,
}

impl JobInfo {
    /// Whether cluster `c` passes the static filters.
    pub fn is_feasible(&self, c: usize) -> bool {
        c < 64 && self.feasible & (1u64 << c) != 0
    }
}

/// Cost of running `cards` and `cores` for `seconds` on cluster `c`, fen (half up per
/// resource).
pub fn gross_cost_fen(catalog: &Catalog, c: usize, cards: u32, cores: u32, seconds: u64) -> i64 {
    usage_cost_fen(catalog.card_hour_fen(c), u64::from(cards), seconds).saturating_add(
        usage_cost_fen(catalog.core_hour_fen(c), u64::from(cores), seconds),
    )
}

/// One filter's verdict in an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterOutcome {
    /// The filter.
    pub filter: String,
    /// Clusters it removed, with reasons.
    pub removed: Vec<Removal>,
}

/// A cluster removed by a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// The cluster id.
    pub cluster: String,
    /// Why.
    pub reason: String,
}

/// One scorer's part in a cluster's total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorePart {
    /// The scorer.
    pub scorer: String,
    /// Its score, 0 to 100.
    pub score: f64,
    /// Its weight in this policy.
    pub weight: u32,
}

/// A cluster's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterScore {
    /// The cluster id.
    pub cluster: String,
    /// Each scorer's part.
    pub parts: Vec<ScorePart>,
    /// Σ weight × score.
    pub total: f64,
}

/// One evaluation of a job by the pipeline, as recorded for `--explain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// When.
    pub time_s: u64,
    /// Each filter's removals, in pipeline order.
    pub filters: Vec<FilterOutcome>,
    /// Scores of the clusters left.
    pub scores: Vec<ClusterScore>,
    /// The cluster chosen, if any.
    pub chosen: Option<String>,
    /// What the policy did with the result.
    pub note: String,
}

/// An extra dynamic filter a policy adds for one attempt (backfill's reservation guard).
pub struct ExtraFilter<'a> {
    /// Name shown in explanations.
    pub name: &'static str,
    /// `Some(reason)` to remove cluster `c`.
    pub check: &'a dyn Fn(usize) -> Option<String>,
}

/// The pipeline: static filters, the capacity filter, scorers.
pub struct Pipeline {
    filters: Vec<Box<dyn Filter>>,
    scorers: Vec<Box<dyn Scorer>>,
}

impl Default for Pipeline {
    fn default() -> Self {
        Self::standard()
    }
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field(
                "filters",
                &self.filters.iter().map(|x| x.name()).collect::<Vec<_>>(),
            )
            .field(
                "scorers",
                &self.scorers.iter().map(|x| x.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Pipeline {
    /// Size, latency, residency and budget filters; cost, green, latency and balance scorers
    /// (in the order of [`ScoreWeights`]' fields).
    pub fn standard() -> Self {
        Self {
            filters: vec![
                Box::new(SizeFilter),
                Box::new(LatencyFilter),
                Box::new(ResidencyFilter),
                Box::new(BudgetFilter),
            ],
            scorers: vec![
                Box::new(CostScorer),
                Box::new(GreenScorer),
                Box::new(LatencyScorer),
                Box::new(BalanceScorer),
            ],
        }
    }

    /// Computes a job's [`JobInfo`] (latencies, costs, static feasibility).
    pub fn job_info(&self, job: &Job, catalog: &Catalog) -> JobInfo {
        let n = catalog.len().min(64);
        let province = crate::catalog::province_index(job.home.province_code());
        let latency_ms: Vec<Option<f64>> = (0..n)
            .map(|c| province.and_then(|p| catalog.latency_ms(p, c)))
            .collect();
        let max_latency_ms = latency_ms.iter().flatten().copied().fold(0.0, f64::max);
        let mut gross_fen = Vec::with_capacity(n);
        let mut net_fen = Vec::with_capacity(n);
        let mut est_net_fen = Vec::with_capacity(n);
        // One exact fraction for the job's coverage, reused for every cluster.
        let coverage = ratio_parts(job.voucher_coverage);
        for c in 0..n {
            let eligible = catalog
                .clusters
                .get(c)
                .is_some_and(|cl| cl.voucher_eligible);
            let net = |gross: i64| {
                if eligible {
                    gross - subsidy_fen_parts(gross, coverage)
                } else {
                    gross
                }
            };
            let g = gross_cost_fen(catalog, c, job.cards, job.cpu_cores, job.duration_s);
            let e = gross_cost_fen(
                catalog,
                c,
                job.cards,
                job.cpu_cores,
                job.declared_duration_s(),
            );
            gross_fen.push(g);
            net_fen.push(net(g));
            est_net_fen.push(net(e));
        }
        let min_net_fen = est_net_fen.iter().copied().min().unwrap_or(0);
        let max_net_fen = est_net_fen.iter().copied().max().unwrap_or(0);
        let mut info = JobInfo {
            latency_ms,
            max_latency_ms,
            gross_fen,
            net_fen,
            est_net_fen,
            min_net_fen,
            max_net_fen,
            feasible: 0,
            cheapest: None,
        };
        let mut mask = 0u64;
        for c in 0..n {
            if self
                .filters
                .iter()
                .all(|f| f.check(job, &info, catalog, c).is_none())
            {
                mask |= 1u64 << c;
            }
        }
        info.feasible = mask;
        info.cheapest = (0..n)
            .filter(|&c| info.is_feasible(c))
            .filter_map(|c| info.est_net_fen.get(c).map(|&f| (f, c)))
            .min()
            .map(|(_, c)| c);
        info
    }

    /// The static filters' removals (for explanations and rejections).
    pub fn static_removals(
        &self,
        job: &Job,
        info: &JobInfo,
        catalog: &Catalog,
    ) -> Vec<FilterOutcome> {
        let n = catalog.len().min(64);
        let mut left: Vec<bool> = vec![true; n];
        let mut out = Vec::new();
        for f in &self.filters {
            let mut removed = Vec::new();
            for (c, alive) in left.iter_mut().enumerate() {
                if !*alive {
                    continue;
                }
                if let Some(reason) = f.check(job, info, catalog, c) {
                    *alive = false;
                    removed.push(Removal {
                        cluster: catalog
                            .clusters
                            .get(c)
                            .map_or_else(String::new, |x| x.id.clone()),
                        reason,
                    });
                }
            }
            out.push(FilterOutcome {
                filter: f.name().to_string(),
                removed,
            });
        }
        out
    }

    /// Picks the best cluster for `job` under `weights` among those passing the static
    /// filters, the capacity filter and `extra`; `None` when none is left. Ties go to the
    /// cluster listed first in the catalog. When `record` is given, every removal and score
    /// is written into it.
    #[allow(clippy::too_many_arguments)] // the pipeline's inputs are distinct; a struct would only rename them
    pub fn select(
        &self,
        job: &Job,
        info: &JobInfo,
        catalog: &Catalog,
        cap: &Capacity,
        weights: ScoreWeights,
        extra: Option<&ExtraFilter<'_>>,
        record: Option<&mut Evaluation>,
    ) -> Option<usize> {
        let n = catalog.len().min(64);
        let cards = u64::from(job.cards);
        let cores = u64::from(job.cpu_cores);
        let w = [
            weights.cost,
            weights.green,
            weights.latency,
            weights.balance,
        ];
        match record {
            None => {
                let mut best: Option<(usize, f64)> = None;
                for c in 0..n {
                    if !info.is_feasible(c) || !cap.fits(c, cards, cores) {
                        continue;
                    }
                    if let Some(x) = extra
                        && (x.check)(c).is_some()
                    {
                        continue;
                    }
                    let total: f64 = self
                        .scorers
                        .iter()
                        .zip(w)
                        .filter(|(_, wt)| *wt > 0)
                        .map(|(s, wt)| f64::from(wt) * s.score(job, info, catalog, cap, c))
                        .sum();
                    if best.is_none_or(|(_, b)| total > b) {
                        best = Some((c, total));
                    }
                }
                best.map(|(c, _)| c)
            }
            Some(rec) => {
                rec.filters = self.static_removals(job, info, catalog);
                let mut capacity = Vec::new();
                let mut extra_removed = Vec::new();
                let mut best: Option<(usize, f64)> = None;
                for c in 0..n {
                    let id = catalog
                        .clusters
                        .get(c)
                        .map_or_else(String::new, |x| x.id.clone());
                    if !info.is_feasible(c) {
                        continue;
                    }
                    if !cap.fits(c, cards, cores) {
                        capacity.push(Removal {
                            cluster: id,
                            reason: format!(
                                "needs {cards} cards / {cores} cores, free {} / {}",
                                cap.free_cards.get(c).copied().unwrap_or(0),
                                cap.free_cores.get(c).copied().unwrap_or(0)
                            ),
                        });
                        continue;
                    }
                    if let Some(x) = extra
                        && let Some(reason) = (x.check)(c)
                    {
                        extra_removed.push(Removal {
                            cluster: id,
                            reason,
                        });
                        continue;
                    }
                    let parts: Vec<ScorePart> = self
                        .scorers
                        .iter()
                        .zip(w)
                        .map(|(s, wt)| ScorePart {
                            scorer: s.name().to_string(),
                            score: s.score(job, info, catalog, cap, c),
                            weight: wt,
                        })
                        .collect();
                    let total: f64 = parts
                        .iter()
                        .filter(|p| p.weight > 0)
                        .map(|p| f64::from(p.weight) * p.score)
                        .sum();
                    if best.is_none_or(|(_, b)| total > b) {
                        best = Some((c, total));
                    }
                    rec.scores.push(ClusterScore {
                        cluster: id,
                        parts,
                        total,
                    });
                }
                rec.filters.push(FilterOutcome {
                    filter: "capacity".into(),
                    removed: capacity,
                });
                if let Some(x) = extra {
                    rec.filters.push(FilterOutcome {
                        filter: x.name.to_string(),
                        removed: extra_removed,
                    });
                }
                let chosen = best.map(|(c, _)| c);
                rec.chosen = chosen
                    .and_then(|c| catalog.clusters.get(c))
                    .map(|c| c.id.clone());
                chosen
            }
        }
    }
}

/// Region of cluster `c` as text (for reports).
pub fn region_key(catalog: &Catalog, c: usize) -> &'static str {
    catalog.region(c).map_or("?", Region::key)
}
