//! Joint weight uncertainty by Monte Carlo: `N` draws in which every weight becomes
//! `w·(1 + U(−f, f))`, renormalised among siblings; per node, unit and year the 5th, 50th and
//! 95th percentiles of the index over the draws (linear interpolation between order
//! statistics, as numpy's default).
//!
//! Reproducible: draw `d` takes its noise from ChaCha8 seeded with the master seed on stream
//! `d`, so a draw's weights depend on the seed and its number only, never on which thread ran
//! it; every figure is then a fixed function of the draws. Same seed, same bytes, whatever the
//! thread count.
//!
//! ```
//! use index_engine::{uncertainty::{monte_carlo, McOptions}, Chain, ComputeOptions};
//! let fw = index_engine::caict2025::framework().unwrap();
//! let panel = index_engine::caict2025::panel(&fw).unwrap();
//! let filled = ComputeOptions { to_year: Some(2024), ..Default::default() }.fill(&panel).unwrap();
//! let opts = McOptions { samples: 200, seed: 42, perturb: 0.2 };
//! let bands = monte_carlo(&Chain, &fw, &filled, &opts, &|_| {}).unwrap();
//! let total = bands.bands.iter().find(|b| b.node == "fusion" && b.year == 2024).unwrap();
//! assert!(total.p5.unwrap() <= total.p50.unwrap() && total.p50.unwrap() <= total.p95.unwrap());
//! ```

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::fill::FilledPanel;
use crate::framework::{Framework, Year};
use crate::method::{Method, UnitOutput};

/// Most draws accepted.
pub const MAX_SAMPLES: usize = 10_000_000;
/// Draws evaluated together by one worker: large enough to amortise the scheduling, small
/// enough to keep the block in cache. Fixed, so the split never depends on the thread count.
const BLOCK_DRAWS: usize = 64;
/// Cells transposed and summarised together (one cache line of f64).
const BLOCK_CELLS: usize = 8;
/// Upper bound on the draw buffer of one unit (draws × varying cells), in f64.
const MAX_BUFFER: usize = 200_000_000;

/// Options of [`monte_carlo`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct McOptions {
    /// Number of draws.
    pub samples: usize,
    /// Master seed.
    pub seed: u64,
    /// Half-width `f` of the uniform noise on each weight, in (0, 1).
    pub perturb: f64,
}

impl Default for McOptions {
    fn default() -> Self {
        Self {
            samples: 1000,
            seed: 1,
            perturb: 0.2,
        }
    }
}

/// Percentile band of one node, unit and year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Node id.
    pub node: String,
    /// Unit.
    pub unit: String,
    /// Year.
    pub year: Year,
    /// Index with the framework's weights.
    pub nominal: Option<f64>,
    /// 5th percentile over the draws.
    pub p5: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

/// Everything [`monte_carlo`] produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McReport {
    /// Draws.
    pub samples: usize,
    /// Master seed.
    pub seed: u64,
    /// Noise half-width.
    pub perturb: f64,
    /// Bands ordered by node (framework order), unit (sorted), year.
    pub bands: Vec<Band>,
}

/// The renormalised weights of draw `draw` (node order): every non-root weight times
/// `1 + U(−f, f)`, one uniform per node in node order, then renormalised among siblings.
pub fn draw_weights(framework: &Framework, seed: u64, perturb: f64, draw: u64) -> Result<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(draw);
    let raw: Vec<f64> = framework
        .nodes()
        .iter()
        .map(|n| {
            let u: f64 = rng.gen_range(-perturb..perturb);
            if n.parent.is_some() {
                n.weight * (1.0 + u)
            } else {
                n.weight
            }
        })
        .collect();
    framework.renormalise(&raw)
}

/// Percentile `p` (0..=1) of `xs` by linear interpolation between order statistics; reorders
/// `xs`. NaN sorts last.
fn percentile(xs: &mut [f64], p: f64) -> f64 {
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = p * (n - 1) as f64;
    let lo = h.floor() as usize;
    let (_, &mut a, right) = xs.select_nth_unstable_by(lo, f64::total_cmp);
    let frac = h - lo as f64;
    if frac == 0.0 || right.is_empty() {
        return a;
    }
    let b = right.iter().copied().fold(f64::INFINITY, f64::min);
    a + frac * (b - a)
}

/// Runs `samples` draws of noisy weights and summarises every node, unit and year.
/// `progress` is called with the number of draws just finished (summed over units, the total
/// is `units × samples`); it may be called from several threads.
pub fn monte_carlo<M: Method>(
    method: &M,
    framework: &Framework,
    filled: &FilledPanel,
    opts: &McOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<McReport> {
    if opts.samples == 0 || opts.samples > MAX_SAMPLES {
        return Err(IndexError::Options(format!(
            "samples must be between 1 and {MAX_SAMPLES}, not {}",
            opts.samples
        )));
    }
    if !(opts.perturb > 0.0 && opts.perturb < 1.0) {
        return Err(IndexError::Options(format!(
            "the perturbation must be in (0, 1), not {}",
            opts.perturb
        )));
    }
    let nodes = framework.nodes();
    let n_nodes = nodes.len();
    let t_len = filled.n_years();
    let samples = opts.samples;
    // Draws' weights, shared by every unit.
    let draws: Vec<Vec<f64>> = (0..samples as u64)
        .into_par_iter()
        .map(|d| draw_weights(framework, opts.seed, opts.perturb, d))
        .collect::<Result<_>>()?;
    // Only inner nodes after the base year vary with the weights; leaves and the base year
    // are the same in every draw.
    let varying: Vec<usize> = (0..n_nodes)
        .filter(|&n| nodes[n].leaf.is_none())
        .flat_map(|n| (1..t_len).map(move |t| n * t_len + t))
        .collect();
    let n_var = varying.len();
    if n_var.saturating_mul(samples) > MAX_BUFFER {
        return Err(IndexError::TooLarge {
            what: "Monte Carlo buffer of one unit (draws × varying cells)".into(),
            limit: MAX_BUFFER as u64,
            actual: (n_var * samples) as u64,
        });
    }
    let prepared = method.prepare(framework, filled)?;
    let base_w = framework.weights();
    let units = filled.units();
    let mut bands = vec![[f64::NAN; 4]; n_nodes * units.len() * t_len];
    let mut buffer = vec![0.0f64; n_var * samples];
    for unit in 0..units.len() {
        let input = method.unit_input(&prepared, framework, filled, unit);
        let mut nominal = vec![0.0; n_nodes * t_len];
        method.evaluate(
            &prepared,
            framework,
            &input,
            &base_w,
            &mut Vec::new(),
            UnitOutput {
                index: &mut nominal,
                detail: None,
            },
        );
        // Draws in fixed blocks: buffer is [draw][varying cell].
        if n_var > 0 {
            buffer
                .par_chunks_mut(n_var * BLOCK_DRAWS)
                .enumerate()
                .for_each_init(
                    || (Vec::new(), vec![0.0; n_nodes * t_len]),
                    |(scratch, out), (block, chunk)| {
                        let first = block * BLOCK_DRAWS;
                        for (k, row) in chunk.chunks_mut(n_var).enumerate() {
                            method.evaluate(
                                &prepared,
                                framework,
                                &input,
                                &draws[first + k],
                                scratch,
                                UnitOutput {
                                    index: out,
                                    detail: None,
                                },
                            );
                            for (dst, &cell) in row.iter_mut().zip(&varying) {
                                *dst = out[cell];
                            }
                        }
                        progress((chunk.len() / n_var) as u64);
                    },
                );
        } else {
            progress(samples as u64);
        }
        // Summaries: transpose a few cells at a time, then select the percentiles.
        let summaries: Vec<[f64; 3]> = varying
            .par_chunks(BLOCK_CELLS)
            .enumerate()
            .flat_map_iter(|(cb, cells)| {
                let mut cols = vec![0.0f64; samples * cells.len()];
                for d in 0..samples {
                    let row = &buffer[d * n_var + cb * BLOCK_CELLS..][..cells.len()];
                    for (j, &v) in row.iter().enumerate() {
                        cols[j * samples + d] = v;
                    }
                }
                cols.chunks_mut(samples.max(1))
                    .map(|col| {
                        [
                            percentile(col, 0.05),
                            percentile(col, 0.5),
                            percentile(col, 0.95),
                        ]
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for n in 0..n_nodes {
            for t in 0..t_len {
                let nom = nominal[n * t_len + t];
                bands[(n * units.len() + unit) * t_len + t] = [nom, nom, nom, nom];
            }
        }
        for (&cell, s) in varying.iter().zip(&summaries) {
            let (n, t) = (cell / t_len, cell % t_len);
            let nom = nominal[cell];
            bands[(n * units.len() + unit) * t_len + t] = if nom.is_nan() {
                [f64::NAN; 4]
            } else {
                [nom, s[0], s[1], s[2]]
            };
        }
    }
    let opt = |x: f64| (!x.is_nan()).then_some(x);
    let mut out = Vec::with_capacity(bands.len());
    for (n, node) in nodes.iter().enumerate() {
        for (u, unit) in units.iter().enumerate() {
            for t in 0..t_len {
                let b = bands[(n * units.len() + u) * t_len + t];
                out.push(Band {
                    node: node.spec.id.clone(),
                    unit: unit.clone(),
                    year: filled.base_year() + t as Year,
                    nominal: opt(b[0]),
                    p5: opt(b[1]),
                    p50: opt(b[2]),
                    p95: opt(b[3]),
                });
            }
        }
    }
    Ok(McReport {
        samples,
        seed: opts.seed,
        perturb: opts.perturb,
        bands: out,
    })
}
