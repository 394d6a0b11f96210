//! The optimal reference: the least cost to firms of an assignment of jobs to clusters, by
//! linear and integer programming (good_lp with the pure-Rust microlp solver).
//!
//! # What is optimised, precisely
//!
//! Variables x\[j,c\] ∈ {0,1} (integer programme) or \[0,1\] (its LP relaxation), for each job
//! j that some cluster passes (jobs every cluster filters out are rejected by all policies
//! alike and left out) and each cluster c passing j's static filters (size, latency limit,
//! data residency, budget).
//!
//! minimise Σ net\[j,c\]·x\[j,c\], where net\[j,c\] is the job's actual gross cost on c minus
//! its voucher coverage × that cost (rounded down to the fen) where c is an approved voucher
//! provider — the *modelled* cost after vouchers, with no per-firm budget cap (a cap can
//! only raise what firms pay, so the bound stays valid for capped runs);
//!
//! subject to Σ_c x\[j,c\] = 1 for each job, and for each cluster c and each time window
//! \[a, b\] drawn from the jobs' submission times and deadlines, for cards and for cores:
//! Σ over jobs j with submit ≥ a and deadline ≤ b of need_j × duration_j × x\[j,c\] ≤
//! capacity_c × (b − a).
//!
//! Every schedule that starts jobs no earlier than their submission, never exceeds a
//! cluster's capacity, and finishes every job by its deadline satisfies these constraints
//! (the jobs of a window run entirely inside it). So the optimum is a lower bound on the
//! modelled cost of every policy's schedule *that meets all deadlines*; a schedule that
//! misses deadlines is outside the model and may cost less. Jobs without a deadline enter no
//! window. Any subset of windows keeps the bound valid, which is what lets the solver
//! limit the windows it writes (see [`OptimumOptions`]).

use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, microlp, variable};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::job::{Job, validate_jobs_for};
use crate::money::fen_to_yuan;
use crate::pipeline::{JobInfo, Pipeline};

/// The most jobs the LP relaxation is asked for: a bound on the solver's memory and time
/// (the model grows with jobs × clusters); callers refuse larger requests.
pub const LP_JOBS_CEILING: usize = 2_000;
/// The most jobs the integer programme is asked for (branch and bound grows exponentially).
pub const INTEGER_JOBS_CEILING: usize = 100;

/// Limits of the optimal reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptimumOptions {
    /// Solve the LP relaxation up to this many jobs.
    pub lp_jobs_max: usize,
    /// Solve the integer programme up to this many jobs.
    pub integer_jobs_max: usize,
    /// Window start and end points are thinned to at most this many each (evenly spaced
    /// over the sorted distinct values, first and last kept).
    pub window_points_max: usize,
    /// Most window constraints written.
    pub constraints_max: usize,
}

impl Default for OptimumOptions {
    fn default() -> Self {
        Self {
            lp_jobs_max: 500,
            integer_jobs_max: 60,
            window_points_max: 40,
            constraints_max: 4000,
        }
    }
}

/// The optimum of an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Optimum {
    /// Jobs in the model.
    pub jobs: usize,
    /// Jobs left out because no cluster passes their static filters.
    pub excluded: usize,
    /// Window constraints written (only those that can bind).
    pub window_constraints: usize,
    /// Σ over jobs of the cheapest cluster passing its filters: the bound with no capacity.
    pub uncapacitated: Decimal,
    /// LP relaxation optimum, yuan, rounded down to the fen; `None` if not solved.
    pub lp_bound: Option<Decimal>,
    /// Integer optimum, yuan (exact cost of the solver's assignment); `None` if not solved.
    pub integer_optimum: Option<Decimal>,
    /// The integer optimum's assignment: (job index, cluster index).
    pub assignment: Vec<(usize, usize)>,
    /// Why a bound is missing, if one is.
    pub note: Option<String>,
}

impl Optimum {
    /// The tightest bound available: the integer optimum, else the LP bound.
    pub fn best(&self) -> Option<Decimal> {
        self.integer_optimum.or(self.lp_bound)
    }
}

/// A policy's cost gap to a bound, in percent of the bound.
pub fn gap_percent(cost: Decimal, bound: Decimal) -> Option<Decimal> {
    if bound <= Decimal::ZERO {
        return (cost == bound).then_some(Decimal::ZERO);
    }
    Some(((cost - bound) * Decimal::from(100) / bound).round_dp(3))
}

fn thin(mut v: Vec<u64>, max: usize) -> Vec<u64> {
    v.sort_unstable();
    v.dedup();
    if v.len() <= max || max < 2 {
        return v;
    }
    let n = v.len();
    (0..max)
        .filter_map(|i| v.get(i * (n - 1) / (max - 1)).copied())
        .collect()
}

struct Row {
    cluster: usize,
    terms: Vec<(usize, f64)>,
    cap: f64,
}

/// Computes the optimum of `jobs` on `catalog` (see the module docs for the model).
pub fn optimum(
    catalog: &Catalog,
    pipeline: &Pipeline,
    jobs: &[Job],
    options: &OptimumOptions,
) -> Result<Optimum> {
    validate_jobs_for(jobs, catalog)?;
    let infos: Vec<JobInfo> = jobs.iter().map(|j| pipeline.job_info(j, catalog)).collect();
    let model: Vec<usize> = (0..jobs.len())
        .filter(|&j| infos.get(j).is_some_and(|i| i.feasible != 0))
        .collect();
    let n_c = catalog.len();
    let mut out = Optimum {
        jobs: model.len(),
        excluded: jobs.len() - model.len(),
        window_constraints: 0,
        uncapacitated: Decimal::ZERO,
        lp_bound: None,
        integer_optimum: None,
        assignment: Vec::new(),
        note: None,
    };
    let mut unc: i128 = 0;
    for &j in &model {
        let Some(info) = infos.get(j) else { continue };
        let m = (0..n_c)
            .filter(|&c| info.is_feasible(c))
            .filter_map(|c| info.net_fen.get(c).copied())
            .min()
            .unwrap_or(0);
        unc += i128::from(m);
    }
    out.uncapacitated = fen_to_yuan(i64::try_from(unc).unwrap_or(i64::MAX));
    if model.len() > options.lp_jobs_max {
        out.note = Some(format!(
            "{} jobs: above the LP limit of {}",
            model.len(),
            options.lp_jobs_max
        ));
        return Ok(out);
    }
    // Window constraints that can bind.
    let starts = thin(
        model
            .iter()
            .filter_map(|&j| jobs.get(j))
            .filter(|j| j.deadline_s.is_some())
            .map(|j| j.submit_s)
            .collect(),
        options.window_points_max,
    );
    let ends = thin(
        model
            .iter()
            .filter_map(|&j| jobs.get(j))
            .filter_map(|j| j.deadline_s)
            .collect(),
        options.window_points_max,
    );
    let mut rows: Vec<Row> = Vec::new();
    'outer: for &a in &starts {
        for &b in &ends {
            if b <= a {
                continue;
            }
            let inside: Vec<usize> = model
                .iter()
                .copied()
                .filter(|&j| {
                    jobs.get(j)
                        .is_some_and(|x| x.submit_s >= a && x.deadline_s.is_some_and(|d| d <= b))
                })
                .collect();
            if inside.is_empty() {
                continue;
            }
            for (c, cl) in catalog.clusters.iter().enumerate() {
                for (cap_units, need) in [
                    (u64::from(cl.cards), (|x: &Job| x.cards) as fn(&Job) -> u32),
                    (
                        u64::from(cl.cpu_cores),
                        (|x: &Job| x.cpu_cores) as fn(&Job) -> u32,
                    ),
                ] {
                    let terms: Vec<(usize, f64)> = inside
                        .iter()
                        .filter(|&&j| infos.get(j).is_some_and(|i| i.is_feasible(c)))
                        .filter_map(|&j| {
                            jobs.get(j)
                                .map(|x| (j, f64::from(need(x)) * x.duration_s as f64))
                        })
                        .filter(|t| t.1 > 0.0)
                        .collect();
                    let demand: f64 = terms.iter().map(|t| t.1).sum();
                    let cap = cap_units as f64 * (b - a) as f64;
                    if demand > cap {
                        if rows.len() >= options.constraints_max {
                            out.note = Some(format!(
                                "window constraints capped at {} (the bound stays valid, only looser)",
                                options.constraints_max
                            ));
                            break 'outer;
                        }
                        rows.push(Row {
                            cluster: c,
                            terms,
                            cap,
                        });
                    }
                }
            }
        }
    }
    out.window_constraints = rows.len();
    let solve = |integer: bool| -> Result<Option<Vec<(usize, usize, f64)>>> {
        let mut vars = ProblemVariables::new();
        // x[(job position in model, cluster)]
        let mut xs: Vec<Vec<Option<Variable>>> = Vec::with_capacity(model.len());
        let mut objective = Expression::with_capacity(model.len() * n_c);
        for &j in &model {
            let Some(info) = infos.get(j) else { continue };
            let mut row = vec![None; n_c];
            for (c, slot) in row.iter_mut().enumerate() {
                if info.is_feasible(c) {
                    let def = if integer {
                        variable().binary()
                    } else {
                        variable().min(0.0).max(1.0)
                    };
                    let v = vars.add(def);
                    // Yuan keeps coefficients near 1..1e5, kind to the simplex.
                    objective.add_mul(info.net_fen.get(c).copied().unwrap_or(0) as f64 / 100.0, v);
                    *slot = Some(v);
                }
            }
            xs.push(row);
        }
        let mut problem = vars.minimise(objective).using(microlp);
        for row in &xs {
            let mut e = Expression::with_capacity(n_c);
            for v in row.iter().flatten() {
                e.add_mul(1.0, *v);
            }
            problem = problem.with(e.eq(1.0));
        }
        let pos_of: std::collections::HashMap<usize, usize> =
            model.iter().enumerate().map(|(p, &j)| (j, p)).collect();
        for r in &rows {
            let mut e = Expression::with_capacity(r.terms.len());
            for (j, w) in &r.terms {
                if let Some(v) = pos_of
                    .get(j)
                    .and_then(|&p| xs.get(p))
                    .and_then(|row| row.get(r.cluster).copied().flatten())
                {
                    // Hours keep the coefficients small.
                    e.add_mul(w / 3600.0, v);
                }
            }
            problem = problem.with(e.leq(r.cap / 3600.0));
        }
        match problem.solve() {
            Ok(sol) => {
                let mut vals = Vec::new();
                for (p, row) in xs.iter().enumerate() {
                    for (c, v) in row.iter().enumerate() {
                        if let (Some(v), Some(&j)) = (v, model.get(p)) {
                            vals.push((j, c, sol.value(*v)));
                        }
                    }
                }
                Ok(Some(vals))
            }
            Err(good_lp::ResolutionError::Infeasible) => Ok(None),
            Err(e) => Err(Error::Solver(e.to_string())),
        }
    };
    match solve(false)? {
        None => {
            out.note = Some(
                "no assignment meets every deadline window: the instance is overloaded".into(),
            );
            return Ok(out);
        }
        Some(vals) => {
            let obj: f64 = vals
                .iter()
                .map(|&(j, c, x)| {
                    x * infos
                        .get(j)
                        .and_then(|i| i.net_fen.get(c))
                        .copied()
                        .unwrap_or(0) as f64
                })
                .sum();
            // Round down, after a relative tolerance for the simplex, to stay a lower bound.
            let fen = (obj - 1e-7 * obj.abs() - 1e-6).floor().max(0.0);
            out.lp_bound = Some(fen_to_yuan(fen as i64));
        }
    }
    if model.len() <= options.integer_jobs_max {
        match solve(true)? {
            None => {
                out.note = Some(
                    "the integer programme is infeasible although its relaxation is not".into(),
                )
            }
            Some(vals) => {
                let mut cost: i128 = 0;
                for &(j, c, x) in &vals {
                    if x > 0.5 {
                        out.assignment.push((j, c));
                        cost += i128::from(
                            infos
                                .get(j)
                                .and_then(|i| i.net_fen.get(c))
                                .copied()
                                .unwrap_or(0),
                        );
                    }
                }
                if out.assignment.len() != model.len() {
                    return Err(Error::Solver(format!(
                        "integer solution assigns {} of {} jobs",
                        out.assignment.len(),
                        model.len()
                    )));
                }
                // Check the assignment against every window exactly.
                for r in &rows {
                    let used: f64 = r
                        .terms
                        .iter()
                        .filter(|(j, _)| {
                            out.assignment
                                .iter()
                                .any(|&(aj, ac)| aj == *j && ac == r.cluster)
                        })
                        .map(|t| t.1)
                        .sum();
                    if used > r.cap {
                        return Err(Error::Solver(format!(
                            "integer solution exceeds a window on cluster index {} ({used} > {})",
                            r.cluster, r.cap
                        )));
                    }
                }
                out.integer_optimum = Some(fen_to_yuan(i64::try_from(cost).unwrap_or(i64::MAX)));
            }
        }
    } else if out.note.is_none() {
        out.note = Some(format!(
            "{} jobs: above the integer limit of {}; the LP bound is given",
            model.len(),
            options.integer_jobs_max
        ));
    }
    Ok(out)
}
