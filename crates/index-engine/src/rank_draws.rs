//! Rank distributions over Monte Carlo draws: in every draw the units are ranked by the root's
//! figure, year by year, with the rule of [`crate::IndexResult::ranks`] (1 the highest, ties
//! the lowest rank of their group); per unit and year the 5th, 50th and 95th percentiles of
//! those ranks (linear interpolation between order statistics, as numpy's default).
//!
//! Only the root is ranked: ranking needs every unit's figure of the same draw, so the draws'
//! root figures are kept for all units at once (`units × years × draws` f64, bounded by
//! [`crate::uncertainty::MAX_BUFFER`]); every node would multiply that by the node count.
//! The ranks are counted per unit, year and rank (integers), so the percentiles do not depend
//! on the order in which threads ran the draws.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::framework::Year;
use crate::rank::rank_column;

/// The distribution of one unit's rank at the root in one year over the draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankBand {
    /// Node id (the root).
    pub node: String,
    /// Unit.
    pub unit: String,
    /// Year.
    pub year: Year,
    /// Rank with the framework's weights (1 the highest); `None` without a figure.
    pub nominal: Option<u32>,
    /// 5th percentile of the rank over the draws (may lie between two ranks).
    pub p5: Option<f64>,
    /// Median rank.
    pub p50: Option<f64>,
    /// 95th percentile of the rank.
    pub p95: Option<f64>,
}

/// The root figures of every unit over the draws, block-major as the bands' buffer: block `b`
/// of `block` draws holds `[(unit * years + t) * kb + k]` for its `kb` draws.
pub(crate) struct RootDraws {
    units: usize,
    years: usize,
    samples: usize,
    block: usize,
    data: Vec<f64>,
}

impl RootDraws {
    /// Room for `samples` draws of `units` units over `years` years, in blocks of `block`.
    pub(crate) fn new(
        units: usize,
        years: usize,
        samples: usize,
        block: usize,
        limit: usize,
    ) -> Result<Self> {
        let len = units
            .saturating_mul(years)
            .saturating_mul(samples.div_ceil(block).saturating_mul(block));
        if len > limit {
            return Err(IndexError::TooLarge {
                what: "Monte Carlo rank buffer (draws × units × years)".into(),
                limit: limit as u64,
                actual: len as u64,
            });
        }
        Ok(Self {
            units,
            years,
            samples,
            block,
            data: vec![f64::NAN; len],
        })
    }

    /// Length of one block's chunk of [`Self::data_mut`].
    pub(crate) fn chunk_len(&self) -> usize {
        (self.units * self.years * self.block).max(1)
    }

    /// The buffer, to be split in chunks of [`Self::chunk_len`], one per block.
    pub(crate) fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// Per unit and year (`[unit * years + t]`) the 5th, 50th and 95th percentiles of the
    /// rank over the draws, NaN where the unit had no figure in any draw.
    pub(crate) fn percentiles(&self) -> Vec<[f64; 3]> {
        let (units, years, block) = (self.units, self.years, self.block);
        let n_blocks = self.samples.div_ceil(block);
        // counts[t][unit * units + rank - 1], one year per task.
        let counts: Vec<Vec<u32>> = (0..years)
            .into_par_iter()
            .map(|t| {
                let mut counts = vec![0u32; units * units];
                let mut column = Vec::with_capacity(units);
                for b in 0..n_blocks {
                    let kb = block.min(self.samples - b * block);
                    let chunk = &self.data[b * units * years * block..];
                    for k in 0..kb {
                        column.clear();
                        column.extend((0..units).filter_map(|u| {
                            let x = chunk[(u * years + t) * kb + k];
                            (!x.is_nan()).then_some((x, u))
                        }));
                        rank_column(&mut column, |u, r| {
                            counts[u * units + r as usize - 1] += 1;
                        });
                    }
                }
                counts
            })
            .collect();
        let mut out = vec![[f64::NAN; 3]; units * years];
        for (t, counts) in counts.iter().enumerate() {
            for u in 0..units {
                out[u * years + t] = histogram_percentiles(&counts[u * units..(u + 1) * units]);
            }
        }
        out
    }
}

/// The 5th, 50th and 95th percentiles of the values `1, 2, …` counted `counts[0], counts[1],
/// …` times, by linear interpolation between order statistics (numpy's default); NaN when
/// nothing was counted.
fn histogram_percentiles(counts: &[u32]) -> [f64; 3] {
    let n: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if n == 0 {
        return [f64::NAN; 3];
    }
    // The k-th order statistic (0-based): the first value whose cumulative count exceeds k.
    let stat = |k: u64| {
        let mut seen = 0u64;
        for (i, &c) in counts.iter().enumerate() {
            seen += u64::from(c);
            if seen > k {
                return (i + 1) as f64;
            }
        }
        counts.len() as f64
    };
    [0.05, 0.5, 0.95].map(|p| {
        let h = p * (n - 1) as f64;
        let lo = h.floor() as u64;
        let (a, b) = (stat(lo), stat((lo + 1).min(n - 1)));
        a + (h - lo as f64) * (b - a)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy.percentile([1, 1, 1, 2, 2, 3, 5, 5, 5, 5], [5, 50, 95]) = [1.0, 2.5, 5.0]
    /// (positions 0.45, 4.5, 8.55 of the sorted values).
    #[test]
    fn histogram_percentiles_match_numpy_linear() {
        assert_eq!(histogram_percentiles(&[3, 2, 1, 0, 4]), [1.0, 2.5, 5.0]);
        // [1, 2]: positions 0.05, 0.5, 0.95.
        let got = histogram_percentiles(&[1, 1]);
        assert!((got[0] - 1.05).abs() < 1e-12 && got[1] == 1.5 && (got[2] - 1.95).abs() < 1e-12);
        assert!(histogram_percentiles(&[0, 0]).iter().all(|x| x.is_nan()));
    }
}
