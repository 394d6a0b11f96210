//! Synthetic panels for benchmarks and tests, in the shape of `benches/peers/synth_panel.py`:
//! for every leaf and unit a positive random walk in logs (start `exp(N(3, 1))`, yearly steps
//! `N(0.05, 0.1)`), rounded to 6 decimals, with a share of values removed (never in the first
//! year) to exercise interior and trailing gaps. Units are `U1`, `U2`, …; years start in
//! 2000. The same seed gives the same panel on every platform (ChaCha8).
//!
//! ```
//! use index_engine::synth::{synth_panel, SynthOptions};
//! let fw = index_engine::synth::framework().unwrap();
//! let p = synth_panel(&fw, &SynthOptions { units: 3, years: 5, seed: 7, ..Default::default() }).unwrap();
//! assert_eq!(p.units(), ["U1", "U2", "U3"]);
//! assert_eq!(p.year_span(), Some((2000, 2004)));
//! ```

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::framework::{Framework, Year};
use crate::panel::{MAX_CELLS, MAX_YEARS, Panel};

/// The earliest year a synthetic panel may start (assumed: calendar years of four digits at
/// most, so a year never wraps and always prints as written).
pub const SYNTH_YEAR_MIN: Year = 1;
/// The latest year a synthetic panel may reach (assumed, as [`SYNTH_YEAR_MIN`]).
pub const SYNTH_YEAR_MAX: Year = 9_999;

/// Most units a synthetic panel may have.
pub const MAX_SYNTH_UNITS: usize = 1_000_000;

/// Shape and seed of a synthetic panel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SynthOptions {
    /// Number of units.
    pub units: usize,
    /// Number of years.
    pub years: usize,
    /// First year.
    pub first_year: Year,
    /// Seed of the generator.
    pub seed: u64,
    /// Share of values removed, in [0, 1).
    pub gap_share: f64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        Self {
            units: 1000,
            years: 31,
            first_year: 2000,
            seed: 1,
            gap_share: 0.05,
        }
    }
}

/// The framework of synthetic panels: the CAICT 2025 framework without its leaves' latest
/// published years (synthetic years run past them, and every synthetic value is observed).
pub fn framework() -> Result<Framework> {
    let specs: Vec<_> = crate::caict2025::framework()?
        .nodes()
        .iter()
        .map(|n| {
            let mut spec = n.spec.clone();
            spec.latest_year = None;
            spec
        })
        .collect();
    Framework::from_nodes(specs)
}

/// Generates a synthetic panel of `framework`'s leaves.
pub fn synth_panel(framework: &Framework, opts: &SynthOptions) -> Result<Panel> {
    if opts.units == 0 || opts.units > MAX_SYNTH_UNITS {
        return Err(IndexError::Options(format!(
            "units must be between 1 and {MAX_SYNTH_UNITS}, not {}",
            opts.units
        )));
    }
    if opts.years == 0 || opts.years > MAX_YEARS {
        return Err(IndexError::Options(format!(
            "years must be between 1 and {MAX_YEARS}, not {}",
            opts.years
        )));
    }
    // years ≤ MAX_YEARS, so the sum cannot overflow in i64.
    let last_year = i64::from(opts.first_year) + opts.years as i64 - 1;
    if i64::from(opts.first_year) < i64::from(SYNTH_YEAR_MIN)
        || last_year > i64::from(SYNTH_YEAR_MAX)
    {
        return Err(IndexError::Options(format!(
            "years {}..={last_year} are outside {SYNTH_YEAR_MIN}..={SYNTH_YEAR_MAX} (first year {}, {} years)",
            opts.first_year, opts.first_year, opts.years
        )));
    }
    if !(0.0..1.0).contains(&opts.gap_share) {
        return Err(IndexError::Options(format!(
            "the gap share must be in [0, 1), not {}",
            opts.gap_share
        )));
    }
    let n_leaves = framework.leaves().len();
    let cells = n_leaves * opts.units * opts.years;
    if cells > MAX_CELLS {
        return Err(IndexError::TooLarge {
            what: "synthetic panel cells".into(),
            limit: MAX_CELLS as u64,
            actual: cells as u64,
        });
    }
    let units: Vec<String> = (1..=opts.units).map(|u| format!("U{u}")).collect();
    // Panels keep units sorted by name: U1, U10, U100, …; place each unit at its rank.
    let mut order: Vec<usize> = (0..opts.units).collect();
    order.sort_by(|&a, &b| units[a].cmp(&units[b]));
    let mut rank = vec![0usize; opts.units];
    for (pos, &u) in order.iter().enumerate() {
        rank[u] = pos;
    }
    let start = Normal::new(3.0, 1.0).map_err(|e| IndexError::Options(e.to_string()))?;
    let step = Normal::new(0.05, 0.1).map_err(|e| IndexError::Options(e.to_string()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut values = vec![f64::NAN; cells];
    let mut observed = 0usize;
    for l in 0..n_leaves {
        for &r in &rank {
            let base = (l * opts.units + r) * opts.years;
            let mut log_x: f64 = start.sample(&mut rng);
            for t in 0..opts.years {
                log_x += step.sample(&mut rng);
                let drop = rng.r#gen::<f64>() < opts.gap_share;
                if t == 0 || !drop {
                    values[base + t] = (log_x.exp() * 1e6).round() / 1e6;
                    observed += 1;
                }
            }
        }
    }
    let mut sorted_units = units;
    sorted_units.sort();
    Ok(Panel::from_dense(
        framework.leaf_ids().map(str::to_string).collect(),
        sorted_units,
        opts.first_year,
        opts.years,
        values,
        observed,
    ))
}
