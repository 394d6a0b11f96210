//! Variance-based sensitivity: first- and total-order Sobol indices of one figure (a node's
//! index for a unit in a year) to the weights.
//!
//! Each factor is a non-root node's weight, drawn uniformly in `[1 − P, 1 + P]` × its nominal
//! weight and renormalised among its siblings (the weights of [`crate::uncertainty`]). The
//! design is Saltelli's (2010): two independent `N × k` matrices `A` and `B` of uniforms and,
//! for every factor `i`, the matrix `A_B^i` (`A` with column `i` from `B`), `N (k + 2)` runs
//! of the model in all. The estimators are Jansen's (1999), as listed by Saltelli et al.,
//! "Variance based sensitivity analysis of model output", Computer Physics Communications
//! 181 (2010) 259–270, with `V` the variance of the outputs of `A` and `B` together:
//!
//! - first order `S1_i = 1 − Σ_j (f(B)_j − f(A_B^i)_j)² / (2 N V)`;
//! - total order `ST_i = Σ_j (f(A)_j − f(A_B^i)_j)² / (2 N V)` (SALib's total-order
//!   estimator).
//!
//! Confidence: `R` bootstrap resamples of the `N` rows; the half-width of a 95 % interval is
//! `1.96 ×` the standard deviation of the resampled estimates (SALib's rule).
//!
//! Reproducible: `A` and `B` come from ChaCha8 seeded with the seed (stream 0), drawn before
//! any parallel work, and resample `r` from stream `r + 1`; every sum runs in row order. Same
//! seed, same bytes, whatever the thread count.
//!
//! ```
//! use index_engine::{sobol::{sobol, SobolOptions}, Chain, ComputeOptions};
//! let fw = index_engine::caict2025::framework().unwrap();
//! let panel = index_engine::caict2025::panel(&fw).unwrap();
//! let filled = ComputeOptions { to_year: Some(2024), ..Default::default() }.fill(&panel).unwrap();
//! let opts = SobolOptions { samples: 256, ..Default::default() };
//! let r = sobol(&Chain, &fw, &filled, &opts, &|_| {}).unwrap();
//! assert_eq!(r.factors.len(), fw.len() - 1); // every non-root weight
//! for f in &r.factors {
//!     // A total-order index is never negative; first order is at most total order, up to
//!     // the estimators' noise.
//!     assert!(f.st.unwrap() >= 0.0);
//! }
//! ```

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::fill::FilledPanel;
use crate::framework::{Framework, Year};
use crate::method::{Method, PanelEval, UnitOutput};

/// Most base samples `N` accepted.
pub const MAX_SOBOL_SAMPLES: usize = 1_000_000;
/// Most model runs `N (k + 2)` accepted (time: about a microsecond each for the CAICT
/// framework).
pub const MAX_SOBOL_RUNS: usize = 100_000_000;
/// Most bootstrap resamples accepted.
pub const MAX_RESAMPLES: usize = 10_000;
/// The normal quantile of a two-sided 95 % interval (SALib's default `conf_level`).
pub const Z_95: f64 = 1.959_963_984_540_054;
/// Rows evaluated together by one worker; fixed, so the split never depends on the threads.
const BLOCK_ROWS: usize = 64;

/// Options of [`sobol`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolOptions {
    /// Base samples `N` (at least 2).
    pub samples: usize,
    /// Seed.
    pub seed: u64,
    /// Half-width `P` of each weight's range, in (0, 1).
    pub perturb: f64,
    /// The node whose index is the output (default: the root).
    pub node: Option<String>,
    /// The unit (default: the first).
    pub unit: Option<String>,
    /// The year (default: the last computed year).
    pub year: Option<Year>,
    /// Bootstrap resamples for the confidence intervals (SALib's default: 100).
    pub resamples: usize,
}

impl Default for SobolOptions {
    fn default() -> Self {
        Self {
            samples: 1024,
            seed: 1,
            perturb: 0.2,
            node: None,
            unit: None,
            year: None,
            resamples: 100,
        }
    }
}

/// The indices of one factor; `None` where the output does not vary (variance 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolIndex {
    /// The factor: the node whose weight it is.
    pub factor: String,
    /// First-order index.
    #[serde(rename = "S1")]
    pub s1: Option<f64>,
    /// Half-width of its 95 % bootstrap interval.
    #[serde(rename = "S1_conf")]
    pub s1_conf: Option<f64>,
    /// Total-order index.
    #[serde(rename = "ST")]
    pub st: Option<f64>,
    /// Half-width of its 95 % bootstrap interval.
    #[serde(rename = "ST_conf")]
    pub st_conf: Option<f64>,
}

/// Everything [`sobol`] produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolReport {
    /// The output's node.
    pub node: String,
    /// Its unit.
    pub unit: String,
    /// Its year.
    pub year: Year,
    /// The options' base samples, seed, perturbation and resamples.
    pub samples: usize,
    /// Seed.
    pub seed: u64,
    /// Perturbation.
    pub perturb: f64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Model runs, `N (k + 2)`.
    pub runs: usize,
    /// Mean of the outputs of `A` and `B`.
    pub mean: f64,
    /// Variance of the outputs of `A` and `B` (population variance, as SALib).
    pub variance: f64,
    /// One entry per non-root node, in framework order.
    pub factors: Vec<SobolIndex>,
}

/// The model's outputs on a Saltelli design: row `j` holds `f(A)_j`, `f(B)_j` and
/// `f(A_B^i)_j` for every factor `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolRuns {
    /// `f(A)`.
    pub a: Vec<f64>,
    /// `f(B)`.
    pub b: Vec<f64>,
    /// `f(A_B^i)`, factor-major: `ab[i * n + j]`.
    pub ab: Vec<f64>,
}

/// A factor's first- and total-order index; `None` when the output does not vary.
pub type Pair = (Option<f64>, Option<f64>);

/// The first- and total-order indices of every factor (Jansen) from `runs` over the rows
/// `rows` (all rows, or a bootstrap resample), with `V` from the same rows; `None` when
/// `V` is 0.
pub fn jansen(runs: &SobolRuns, rows: &[usize]) -> Vec<Pair> {
    let n = runs.a.len();
    let k = runs.ab.len().checked_div(n).unwrap_or(0);
    let m = rows.len() as f64;
    // An output that never moves has no variance to share out, whatever the rounding of
    // its mean leaves (a piecewise constant output, e.g. a Copeland score, often does not move).
    let constant = is_constant(runs, rows);
    // Two passes for the variance (mean first), in row order.
    let mean = rows.iter().map(|&j| runs.a[j] + runs.b[j]).sum::<f64>() / (2.0 * m);
    let var = rows
        .iter()
        .map(|&j| (runs.a[j] - mean).powi(2) + (runs.b[j] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * m);
    (0..k)
        .map(|i| {
            let ab = &runs.ab[i * n..(i + 1) * n];
            let (mut first, mut total) = (0.0, 0.0);
            for &j in rows {
                first += (runs.b[j] - ab[j]).powi(2);
                total += (runs.a[j] - ab[j]).powi(2);
            }
            if !constant && var > 0.0 && var.is_finite() {
                let s1 = 1.0 - first / (2.0 * m * var);
                let st = total / (2.0 * m * var);
                (
                    Some(s1).filter(|x| x.is_finite()),
                    Some(st).filter(|x| x.is_finite()),
                )
            } else {
                (None, None)
            }
        })
        .collect()
}

/// Whether every output of `A` and `B` over `rows` is the same number.
fn is_constant(runs: &SobolRuns, rows: &[usize]) -> bool {
    let first = rows.first().map(|&j| runs.a[j]);
    rows.iter()
        .all(|&j| Some(runs.a[j]) == first && Some(runs.b[j]) == first)
}

/// The sample standard deviation (`n − 1`) of the finite values of `xs`; `None` for fewer
/// than two.
fn std_dev(xs: impl Iterator<Item = f64> + Clone) -> Option<f64> {
    let n = xs.clone().count();
    if n < 2 {
        return None;
    }
    let mean = xs.clone().sum::<f64>() / n as f64;
    let ss = xs.map(|x| (x - mean).powi(2)).sum::<f64>();
    Some((ss / (n - 1) as f64).sqrt()).filter(|x| x.is_finite())
}

fn check(opts: &SobolOptions, k: usize) -> Result<()> {
    if opts.samples < 2 || opts.samples > MAX_SOBOL_SAMPLES {
        return Err(IndexError::Options(format!(
            "samples must be between 2 and {MAX_SOBOL_SAMPLES}, not {}",
            opts.samples
        )));
    }
    if !(opts.perturb > 0.0 && opts.perturb < 1.0) {
        return Err(IndexError::Options(format!(
            "the perturbation must be in (0, 1), not {}",
            opts.perturb
        )));
    }
    if opts.resamples > MAX_RESAMPLES {
        return Err(IndexError::Options(format!(
            "resamples must be at most {MAX_RESAMPLES}, not {}",
            opts.resamples
        )));
    }
    if k == 0 {
        return Err(IndexError::Options(
            "the framework has no weights to vary (only a root)".into(),
        ));
    }
    let runs = opts.samples.saturating_mul(k + 2);
    if runs > MAX_SOBOL_RUNS {
        return Err(IndexError::TooLarge {
            what: "Sobol model runs, samples × (factors + 2)".into(),
            limit: MAX_SOBOL_RUNS as u64,
            actual: runs as u64,
        });
    }
    Ok(())
}

/// The matrices `A` and `B` (`N × k` uniforms in [0, 1), row-major), from ChaCha8 with
/// `seed` on stream 0: `A` row by row, then `B`.
pub fn saltelli_matrices(seed: u64, n: usize, k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let a: Vec<f64> = (0..n * k).map(|_| rng.r#gen::<f64>()).collect();
    let b: Vec<f64> = (0..n * k).map(|_| rng.r#gen::<f64>()).collect();
    (a, b)
}

/// First- and total-order Sobol indices of the index of `opts.node` for `opts.unit` in
/// `opts.year` to every non-root weight (see the module documentation), on the design
/// [`saltelli_matrices`] draws from `opts.seed`. `progress` is called with the number of
/// design rows evaluated.
pub fn sobol<M: Method>(
    method: &M,
    framework: &Framework,
    filled: &FilledPanel,
    opts: &SobolOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SobolReport> {
    let k = framework.len().saturating_sub(1);
    check(opts, k)?;
    let (a, b) = saltelli_matrices(opts.seed, opts.samples, k);
    sobol_on(method, framework, filled, opts, (&a, &b), progress)
}

/// [`sobol`] on a given design: `A` and `B` are `N × k` row-major uniforms in [0, 1) (`N` =
/// `opts.samples`, `k` the non-root nodes in framework order), mapped onto the weights'
/// ranges. For checking against another tool's design (SALib's, in the tests).
pub fn sobol_on<M: Method>(
    method: &M,
    framework: &Framework,
    filled: &FilledPanel,
    opts: &SobolOptions,
    (a, b): (&[f64], &[f64]),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SobolReport> {
    let nodes = framework.nodes();
    let factors: Vec<usize> = (0..nodes.len())
        .filter(|&n| nodes[n].parent.is_some())
        .collect();
    let k = factors.len();
    check(opts, k)?;
    if a.len() != opts.samples * k || b.len() != a.len() {
        return Err(IndexError::Options(format!(
            "the design must hold {} × {k} values in A and in B, not {} and {}",
            opts.samples,
            a.len(),
            b.len()
        )));
    }
    let node = match &opts.node {
        Some(id) => framework.index_of(id).ok_or_else(|| IndexError::Unknown {
            kind: "node",
            name: id.clone(),
        })?,
        None => framework.root(),
    };
    let unit = match &opts.unit {
        Some(u) => {
            filled
                .units()
                .iter()
                .position(|x| x == u)
                .ok_or_else(|| IndexError::Unknown {
                    kind: "unit",
                    name: u.clone(),
                })?
        }
        None => 0,
    };
    let years = filled.years();
    let t = match opts.year {
        Some(y) => years
            .iter()
            .position(|&x| x == y)
            .ok_or_else(|| IndexError::Unknown {
                kind: "year",
                name: y.to_string(),
            })?,
        None => years.len().saturating_sub(1),
    };
    let unit_name = filled
        .units()
        .get(unit)
        .cloned()
        .ok_or_else(|| IndexError::Options("the panel has no units to analyse".into()))?;
    crate::method::check_shapes(framework, filled)?;
    let prepared = method.prepare(framework, filled)?;
    let input = method.unit_input(&prepared, framework, filled, unit);
    // A method that couples units (Copeland) evaluates every unit in each run.
    let panel = method
        .couples_units()
        .then(|| PanelEval::new(method, &prepared, framework, filled));
    let n = opts.samples;
    let cell = node * years.len() + t;
    let nominal: Vec<f64> = nodes.iter().map(|x| x.weight).collect();
    // The output under one row of multipliers (uniforms mapped onto [1 − P, 1 + P]).
    let output = |u: &dyn Fn(usize) -> f64, raw: &mut Vec<f64>, out: &mut Vec<f64>| {
        raw.clone_from(&nominal);
        for (i, &f) in factors.iter().enumerate() {
            raw[f] *= 1.0 - opts.perturb + 2.0 * opts.perturb * u(i);
        }
        let w = framework.renormalise(raw)?;
        if let Some(p) = &panel {
            p.run(&w, &mut Vec::new(), out);
            return Ok(out[unit * p.block() + cell]);
        }
        out.resize(nodes.len() * years.len(), f64::NAN);
        method.evaluate(
            &prepared,
            framework,
            &input,
            &w,
            &mut Vec::new(),
            UnitOutput {
                index: out,
                detail: None,
            },
        );
        Ok::<f64, IndexError>(out[cell])
    };
    // Per block of rows: f(A), f(B), then f(A_B^i) for every i, row by row.
    let blocks: Vec<Vec<f64>> = (0..n.div_ceil(BLOCK_ROWS))
        .into_par_iter()
        .map(|blk| {
            let (mut raw, mut out) = (Vec::new(), Vec::new());
            let rows = blk * BLOCK_ROWS..((blk + 1) * BLOCK_ROWS).min(n);
            let mut got = Vec::with_capacity(rows.len() * (k + 2));
            for j in rows.clone() {
                let (ra, rb) = (&a[j * k..(j + 1) * k], &b[j * k..(j + 1) * k]);
                got.push(output(&|i| ra[i], &mut raw, &mut out)?);
                got.push(output(&|i| rb[i], &mut raw, &mut out)?);
                for c in 0..k {
                    let mixed = |i: usize| if i == c { rb[i] } else { ra[i] };
                    got.push(output(&mixed, &mut raw, &mut out)?);
                }
            }
            progress(rows.len() as u64);
            Ok(got)
        })
        .collect::<Result<_>>()?;
    let mut runs = SobolRuns {
        a: Vec::with_capacity(n),
        b: Vec::with_capacity(n),
        ab: vec![0.0; n * k],
    };
    for (j, row) in blocks
        .iter()
        .flat_map(|b| b.chunks_exact(k + 2))
        .enumerate()
    {
        runs.a.push(row[0]);
        runs.b.push(row[1]);
        for i in 0..k {
            runs.ab[i * n + j] = row[2 + i];
        }
    }
    if let Some(bad) = runs.a.iter().chain(&runs.b).find(|x| !x.is_finite()) {
        return Err(IndexError::Options(format!(
            "node '{}' has no finite index for unit '{unit_name}' in {} under some weights ({bad}); choose another node, unit or year",
            nodes[node].spec.id, years[t]
        )));
    }
    let all: Vec<usize> = (0..n).collect();
    let point = jansen(&runs, &all);
    let boot: Vec<Vec<Pair>> = (0..opts.resamples as u64)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(r + 1);
            let rows: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
            jansen(&runs, &rows)
        })
        .collect();
    let conf = |i: usize, pick: fn(&Pair) -> Option<f64>| {
        std_dev(boot.iter().filter_map(move |s| pick(&s[i]))).map(|s| Z_95 * s)
    };
    let mean = (runs.a.iter().sum::<f64>() + runs.b.iter().sum::<f64>()) / (2 * n) as f64;
    let variance = runs
        .a
        .iter()
        .chain(&runs.b)
        .map(|x| (x - mean).powi(2))
        .sum::<f64>()
        / (2 * n) as f64;
    let variance = if is_constant(&runs, &all) {
        0.0
    } else {
        variance
    };
    let factors = factors
        .iter()
        .enumerate()
        .map(|(i, &f)| SobolIndex {
            factor: nodes[f].spec.id.clone(),
            s1: point[i].0,
            s1_conf: point[i].0.and(conf(i, |s| s.0)),
            st: point[i].1,
            st_conf: point[i].1.and(conf(i, |s| s.1)),
        })
        .collect();
    Ok(SobolReport {
        node: nodes[node].spec.id.clone(),
        unit: unit_name,
        year: years[t],
        samples: n,
        seed: opts.seed,
        perturb: opts.perturb,
        resamples: opts.resamples,
        runs: n * (k + 2),
        mean,
        variance,
        factors,
    })
}
