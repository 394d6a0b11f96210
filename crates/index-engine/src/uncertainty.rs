//! Joint weight uncertainty by Monte Carlo: `N` draws in which every weight becomes
//! `w·(1 + U(−f, f))`, renormalised among siblings; per node, unit and year the 5th, 50th and
//! 95th percentiles of the index over the draws (linear interpolation between order
//! statistics, as numpy's default); per unit and year the same percentiles of the unit's rank
//! at the root over the draws ([`RankBand`]).
//!
//! Reproducible: draw `d` takes its noise from ChaCha8 seeded with the master seed on stream
//! `d`, so a draw's weights depend on the seed and its number only, never on which thread ran
//! it; every figure is then a fixed function of the draws. Same seed, same bytes, whatever the
//! thread count. A method whose units are coupled (Copeland aggregation) runs each draw over
//! every unit at once, with the same draws; its buffer is bounded by [`MAX_BUFFER`] over all
//! units.
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
//! // One unit (the nation): first in every draw.
//! let rank = bands.ranks.iter().find(|r| r.year == 2024).unwrap();
//! assert_eq!((rank.nominal, rank.p5, rank.p95), (Some(1), Some(1.0), Some(1.0)));
//! ```

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::fill::FilledPanel;
use crate::framework::{Framework, Year};
use crate::method::{Method, PanelEval, UnitOutput};
pub use crate::rank_draws::RankBand;
use crate::rank_draws::RootDraws;

/// Most draws accepted.
pub const MAX_SAMPLES: usize = 10_000_000;
/// Draws evaluated together by one worker: large enough to amortise the scheduling, small
/// enough to keep the block in cache. Fixed, so the split never depends on the thread count.
const BLOCK_DRAWS: usize = 64;
/// Upper bound on the draw buffer of one unit (draws × varying cells), in f64; over all units
/// for a method that couples units.
pub const MAX_BUFFER: usize = 200_000_000;

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
    /// Rank distributions at the root, ordered by unit (sorted), year.
    pub ranks: Vec<RankBand>,
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

/// Maps an f64 to an i64 with the same order as `f64::total_cmp` (NaN last), so the
/// selections below compare integers.
fn order_key(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ ((((b >> 63) as u64) >> 1) as i64)
}

fn from_key(k: i64) -> f64 {
    f64::from_bits((k ^ ((((k >> 63) as u64) >> 1) as i64)) as u64)
}

/// The 5th, 50th and 95th percentiles of `keys` (order keys), by linear interpolation between
/// order statistics (numpy's default). Reorders `keys`. Each selection works on what lies at
/// or above the previous one, and the neighbouring order statistic is taken from whichever
/// side of the selection is shorter.
fn percentiles(keys: &mut [i64]) -> [f64; 3] {
    let n = keys.len();
    let mut out = [f64::NAN; 3];
    if n == 0 {
        return out;
    }
    const PS: [f64; 3] = [0.05, 0.5, 0.95];
    if n < 64 {
        // Few draws: the order statistics of neighbouring percentiles may coincide.
        keys.sort_unstable();
        for (slot, p) in PS.into_iter().enumerate() {
            let h = p * (n - 1) as f64;
            let lo = (h.floor() as usize).min(n - 1);
            let a = from_key(keys[lo]);
            let b = from_key(keys[(lo + 1).min(n - 1)]);
            let frac = h - lo as f64;
            out[slot] = if frac > 0.0 { a + frac * (b - a) } else { a };
        }
        return out;
    }
    if n >= RADIX_MIN {
        return percentiles_bucketed(&[&*keys], n, &mut Vec::new());
    }
    // From 64 draws on, lo(5 %) + 1 < lo(50 %) and lo(50 %) + 1 < lo(95 %), so each selection
    // can start after the previous percentile's two order statistics.
    let mut start = 0; // keys[..start] are all ≤ keys[start..]
    for (slot, p) in PS.into_iter().enumerate() {
        let h = p * (n - 1) as f64;
        let lo = (h.floor() as usize).clamp(start, n - 1);
        let frac = h - lo as f64;
        if frac <= 0.0 || lo + 1 >= n {
            keys[start..].select_nth_unstable(lo - start);
            out[slot] = from_key(keys[lo]);
            start = lo + 1;
            continue;
        }
        // Needed: order statistics lo and lo + 1.
        let (a, b) = if n - lo - 1 <= lo + 1 - start {
            keys[start..].select_nth_unstable(lo - start);
            let b = keys[lo + 1..].iter().copied().min().unwrap_or(keys[lo]);
            (keys[lo], b)
        } else {
            keys[start..].select_nth_unstable(lo + 1 - start);
            let a = keys[start..=lo]
                .iter()
                .copied()
                .max()
                .unwrap_or(keys[lo + 1]);
            (a, keys[lo + 1])
        };
        let (a, b) = (from_key(a), from_key(b));
        out[slot] = a + frac * (b - a);
        // keys[..=lo] ≤ keys[lo + 1..] holds in both branches.
        start = lo + 1;
    }
    out
}

/// From this many draws on, percentiles go through a histogram first.
const RADIX_MIN: usize = 1024;
/// Histogram buckets: the span of the keys is cut into at most this many equal ranges.
const BUCKET_BITS: u32 = 11;

/// The three percentiles by bucketing, reading the keys in place from `chunks` (`n` keys in
/// all): one pass for the minimum and maximum, one to count the keys per bucket (equal ranges
/// of key values), one to gather the keys of the few buckets that hold the wanted order
/// statistics, which are then selected there. Exact, whatever the distribution (a crowded
/// bucket only makes its selection longer).
fn percentiles_bucketed(chunks: &[&[i64]], n: usize, hist: &mut Vec<u32>) -> [f64; 3] {
    // Plain nested loops over the blocks: a flattened iterator costs a check per key.
    let (mut mn, mut mx) = (i64::MAX, i64::MIN);
    for c in chunks {
        for &k in *c {
            mn = mn.min(k);
            mx = mx.max(k);
        }
    }
    if n < 2 || mn == mx {
        return [from_key(mn); 3];
    }
    let span = mx.wrapping_sub(mn) as u64;
    let shift = (64 - span.leading_zeros()).saturating_sub(BUCKET_BITS);
    let n_buckets = (span >> shift) as usize + 1;
    let bucket = |k: i64| (k.wrapping_sub(mn) as u64 >> shift) as usize;
    hist.clear();
    hist.resize(n_buckets, 0);
    for c in chunks {
        for &k in *c {
            hist[bucket(k)] += 1;
        }
    }
    // The wanted order statistics: lo and lo + 1 of each percentile, ascending.
    let mut ranks = [0usize; 6];
    let mut fracs = [0.0f64; 3];
    for (i, p) in [0.05, 0.5, 0.95].into_iter().enumerate() {
        let h = p * (n - 1) as f64;
        let lo = (h.floor() as usize).min(n - 2);
        ranks[2 * i] = lo;
        ranks[2 * i + 1] = lo + 1;
        fracs[i] = h - lo as f64;
    }
    // For each rank, its bucket and its offset among that bucket's keys.
    let mut place = [(0usize, 0usize); 6];
    let (mut seen, mut r) = (0usize, 0usize);
    for (b, &c) in hist.iter().enumerate() {
        let c = c as usize;
        while r < 6 && ranks[r] < seen + c {
            place[r] = (b, ranks[r] - seen);
            r += 1;
        }
        seen += c;
        if r == 6 {
            break;
        }
    }
    // Gather the needed buckets' keys in one pass (at most six buckets).
    let mut wanted: Vec<usize> = place.iter().map(|p| p.0).collect();
    wanted.dedup();
    let mut gathered: Vec<Vec<i64>> = vec![Vec::new(); wanted.len()];
    // slot[b] = 1 + the position of bucket b among the wanted ones, 0 when not wanted; the
    // histogram's storage is reused for it.
    hist.fill(0);
    for (g, &w) in wanted.iter().enumerate() {
        hist[w] = g as u32 + 1;
    }
    let slot = &*hist;
    for c in chunks {
        for &k in *c {
            let g = slot[bucket(k)];
            if g != 0 {
                gathered[g as usize - 1].push(k);
            }
        }
    }
    let mut values = [0i64; 6];
    for (r, &(b, off)) in place.iter().enumerate() {
        let g = wanted.iter().position(|&w| w == b).unwrap_or(0);
        if let Some(bucket_keys) = gathered.get_mut(g) {
            if off < bucket_keys.len() {
                let (_, &mut v, _) = bucket_keys.select_nth_unstable(off);
                values[r] = v;
            }
        }
    }
    let mut out = [f64::NAN; 3];
    for i in 0..3 {
        let (a, b) = (from_key(values[2 * i]), from_key(values[2 * i + 1]));
        out[i] = if fracs[i] > 0.0 {
            a + fracs[i] * (b - a)
        } else {
            a
        };
    }
    out
}

/// The three percentiles of the keys in `chunks` (`n` in all): by buckets from
/// [`RADIX_MIN`] keys on, otherwise by selection on a copy in `scratch`.
fn percentiles_of(
    chunks: &[&[i64]],
    n: usize,
    scratch: &mut Vec<i64>,
    hist: &mut Vec<u32>,
) -> [f64; 3] {
    if n >= RADIX_MIN {
        return percentiles_bucketed(chunks, n, hist);
    }
    scratch.clear();
    for c in chunks {
        scratch.extend_from_slice(c);
    }
    percentiles(scratch)
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
    crate::method::check_shapes(framework, filled)?;
    let prepared = method.prepare(framework, filled)?;
    let base_w = framework.weights();
    let units = filled.units();
    let mut bands = vec![[f64::NAN; 4]; n_nodes * units.len() * t_len];
    let n_blocks = samples.div_ceil(BLOCK_DRAWS);
    // Units one by one, draws in parallel; a method that couples units runs draw by draw
    // over all units instead.
    let by_unit = !method.couples_units();
    let root = framework.root();
    let mut roots = RootDraws::new(units.len(), t_len, samples, BLOCK_DRAWS, MAX_BUFFER)?;
    let root_chunk = roots.chunk_len();
    if !by_unit {
        let panel = PanelEval::new(method, &prepared, framework, filled);
        let out = CoupledOut {
            bands: &mut bands,
            roots: roots.data_mut(),
            root_chunk,
            root,
        };
        coupled_bands(&panel, &base_w, &draws, &varying, out, progress)?;
    }
    // One buffer for every unit: block-major, each block's varying cells cell-major.
    let mut kept = vec![
        0i64;
        if by_unit {
            n_var * n_blocks * BLOCK_DRAWS
        } else {
            0
        }
    ];
    for unit in (0..units.len()).filter(|_| by_unit) {
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
        // Draws in fixed blocks of BLOCK_DRAWS, evaluated across the block at once; block b
        // keeps its varying cells cell-major in kept[b * n_var * BLOCK_DRAWS..].
        kept.par_chunks_mut(n_var * BLOCK_DRAWS)
            .zip(roots.data_mut().par_chunks_mut(root_chunk))
            .enumerate()
            .for_each_init(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(scratch, w, out): &mut (Vec<f64>, Vec<f64>, Vec<f64>), (b, (keep, root_keep))| {
                    let first = b * BLOCK_DRAWS;
                    let kb = BLOCK_DRAWS.min(samples - first);
                    w.resize(n_nodes * kb, 0.0);
                    for k in 0..kb {
                        for (n, &x) in draws[first + k].iter().enumerate() {
                            w[n * kb + k] = x;
                        }
                    }
                    out.resize(n_nodes * t_len * kb, 0.0);
                    method.evaluate_many(&prepared, framework, &input, w, kb, scratch, out);
                    // Kept as order keys, so the summaries below only copy and select.
                    for (j, &cell) in varying.iter().enumerate() {
                        let src = &out[cell * kb..(cell + 1) * kb];
                        for (k, &x) in keep[j * kb..(j + 1) * kb].iter_mut().zip(src) {
                            *k = order_key(x);
                        }
                    }
                    // The root in every year, for the ranks across units.
                    let mine = &mut root_keep[unit * t_len * kb..(unit + 1) * t_len * kb];
                    mine.copy_from_slice(&out[root * t_len * kb..(root + 1) * t_len * kb]);
                    progress(kb as u64);
                },
            );
        let summaries = summarise(&kept, n_var, samples);
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
    let rank_pcts = roots.percentiles();
    let mut ranks = Vec::with_capacity(units.len() * t_len);
    let mut column = Vec::with_capacity(units.len());
    let mut nominal_rank = vec![0u32; units.len() * t_len];
    for t in 0..t_len {
        column.clear();
        column.extend((0..units.len()).filter_map(|u| {
            let x = bands[(root * units.len() + u) * t_len + t][0];
            (!x.is_nan()).then_some((x, u))
        }));
        crate::rank::rank_column(&mut column, |u, r| nominal_rank[u * t_len + t] = r);
    }
    for (u, unit) in units.iter().enumerate() {
        for t in 0..t_len {
            let [p5, p50, p95] = rank_pcts[u * t_len + t];
            let nominal = nominal_rank[u * t_len + t];
            ranks.push(RankBand {
                node: nodes[root].spec.id.clone(),
                unit: unit.clone(),
                year: filled.base_year() + t as Year,
                nominal: (nominal > 0).then_some(nominal),
                p5: opt(p5),
                p50: opt(p50),
                p95: opt(p95),
            });
        }
    }
    Ok(McReport {
        samples,
        seed: opts.seed,
        perturb: opts.perturb,
        bands: out,
        ranks,
    })
}

/// The percentiles of each of `cells` cells over `samples` draws kept in blocks of
/// [`BLOCK_DRAWS`] (block-major, each block's cells cell-major, as the draws write them).
fn summarise(kept: &[i64], cells: usize, samples: usize) -> Vec<[f64; 3]> {
    let n_blocks = samples.div_ceil(BLOCK_DRAWS);
    (0..cells)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), Vec::new()),
            |(chunks, keys, hist): &mut (Vec<&[i64]>, Vec<i64>, Vec<u32>), c| {
                chunks.clear();
                for b in 0..n_blocks {
                    let kb = BLOCK_DRAWS.min(samples - b * BLOCK_DRAWS);
                    let keep = &kept[b * cells * BLOCK_DRAWS..];
                    chunks.push(&keep[c * kb..(c + 1) * kb]);
                }
                percentiles_of(chunks, samples, keys, hist)
            },
        )
        .collect()
}

/// Where [`coupled_bands`] writes.
struct CoupledOut<'a> {
    /// Bands as [`monte_carlo`] lays them out (`[(node * units + unit) * years + t]`).
    bands: &'a mut [[f64; 4]],
    /// The root figures of every draw, as [`RootDraws`] lays them out.
    roots: &'a mut [f64],
    /// Length of one block's chunk of `roots`.
    root_chunk: usize,
    /// Position of the root node.
    root: usize,
}

/// The bands of a method that couples units (Copeland): draw by draw, every unit at once
/// (blocks of [`BLOCK_DRAWS`] draws in parallel, each unit's varying cells kept as order
/// keys), then the percentiles of each unit's cells.
fn coupled_bands<M: Method>(
    panel: &PanelEval<'_, M>,
    base_w: &[f64],
    draws: &[Vec<f64>],
    varying: &[usize],
    dest: CoupledOut<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let CoupledOut {
        bands,
        roots,
        root_chunk,
        root,
    } = dest;
    let (samples, n_var, block) = (draws.len(), varying.len(), panel.block());
    let (units, t_len) = (panel.units(), panel.years());
    let cells = units * n_var;
    if cells.saturating_mul(samples) > MAX_BUFFER {
        return Err(IndexError::TooLarge {
            what: "Monte Carlo buffer (draws × units × varying cells, Copeland)".into(),
            limit: MAX_BUFFER as u64,
            actual: cells.saturating_mul(samples) as u64,
        });
    }
    let mut nominal = Vec::new();
    panel.run(base_w, &mut Vec::new(), &mut nominal);
    let n_blocks = samples.div_ceil(BLOCK_DRAWS);
    let mut kept = vec![0i64; cells * n_blocks * BLOCK_DRAWS];
    kept.par_chunks_mut(cells * BLOCK_DRAWS)
        .zip(roots.par_chunks_mut(root_chunk))
        .enumerate()
        .for_each_init(
            || (Vec::new(), Vec::new()),
            |(scratch, out): &mut (Vec<f64>, Vec<f64>), (b, (keep, root_keep))| {
                let first = b * BLOCK_DRAWS;
                let kb = BLOCK_DRAWS.min(samples - first);
                for k in 0..kb {
                    panel.run(&draws[first + k], scratch, out);
                    for u in 0..units {
                        for (j, &cell) in varying.iter().enumerate() {
                            keep[(u * n_var + j) * kb + k] = order_key(out[u * block + cell]);
                        }
                        for t in 0..t_len {
                            root_keep[(u * t_len + t) * kb + k] = out[u * block + root * t_len + t];
                        }
                    }
                }
                progress((kb * units) as u64);
            },
        );
    let summaries = summarise(&kept, cells, samples);
    let n_nodes = block / t_len.max(1);
    for u in 0..units {
        for n in 0..n_nodes {
            for t in 0..t_len {
                let nom = nominal[u * block + n * t_len + t];
                bands[(n * units + u) * t_len + t] = [nom; 4];
            }
        }
        for (j, &cell) in varying.iter().enumerate() {
            let (n, t) = (cell / t_len, cell % t_len);
            let nom = nominal[u * block + cell];
            let s = summaries[u * n_var + j];
            bands[(n * units + u) * t_len + t] = if nom.is_nan() {
                [f64::NAN; 4]
            } else {
                [nom, s[0], s[1], s[2]]
            };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy.percentile(x, [5, 50, 95]) with the default linear method, computed by hand for
    /// x = 0, 1, …, n − 1 (shuffled): the values are the positions p·(n − 1).
    #[test]
    fn percentiles_match_numpy_linear_on_ranges() {
        for n in [1usize, 2, 3, 10, 63, 64, 65, 100, 1000, 10_001] {
            let mut xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
            // A fixed shuffle: multiply by a unit modulo n.
            let mut shuffled = vec![0.0; n];
            for (i, x) in xs.iter().enumerate() {
                shuffled[(i * 7919 + 13) % n] = *x;
            }
            if n % 7919 != 0 {
                xs = shuffled;
            }
            let mut keys: Vec<i64> = xs.iter().map(|&x| order_key(x)).collect();
            let got = percentiles(&mut keys);
            for (g, p) in got.iter().zip([0.05, 0.5, 0.95]) {
                let want = p * (n - 1) as f64;
                assert!((g - want).abs() < 1e-9, "n = {n}, p = {p}: {g} vs {want}");
            }
        }
    }

    #[test]
    fn percentiles_equal_sorting_with_duplicates() {
        // Pseudo-random values with many duplicates and a skew, by a fixed LCG.
        for (n, modulus) in [(4096usize, 50u64), (10_000, 1_000_000), (20_000, 7)] {
            let mut x = 12345u64;
            let xs: Vec<f64> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let v = ((x >> 33) % modulus) as f64;
                    v * v / 3.0
                })
                .collect();
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            let mut keys: Vec<i64> = xs.iter().map(|&v| order_key(v)).collect();
            // Read in place from blocks of 64, as the Monte Carlo summaries do.
            let chunks: Vec<&[i64]> = keys.chunks(64).collect();
            let in_blocks = percentiles_of(&chunks, n, &mut Vec::new(), &mut Vec::new());
            let got = percentiles(&mut keys);
            assert_eq!(in_blocks, got);
            for (g, p) in got.iter().zip([0.05, 0.5, 0.95]) {
                let h = p * (n - 1) as f64;
                let lo = h.floor() as usize;
                let want = sorted[lo] + (h - lo as f64) * (sorted[lo + 1] - sorted[lo]);
                assert_eq!(*g, want, "n = {n}, p = {p}");
            }
        }
    }

    #[test]
    fn order_keys_sort_like_total_cmp() {
        let xs = [
            -3.5,
            -0.0,
            0.0,
            1e-300,
            2.0,
            f64::INFINITY,
            -f64::INFINITY,
            7.25,
        ];
        for a in xs {
            assert_eq!(from_key(order_key(a)).to_bits(), a.to_bits());
            for b in xs {
                assert_eq!(order_key(a).cmp(&order_key(b)), a.total_cmp(&b), "{a} {b}");
            }
        }
    }
}
