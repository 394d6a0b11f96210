//! Axes: a range of values with round tick steps (1, 2 or 5 times a power of ten), mapped
//! onto pixels, and tick labels with as many decimals as the step needs.

use crate::number::fixed_grouped;

/// A linear axis from `lo` to `hi` with ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    /// Lowest value drawn.
    pub lo: f64,
    /// Highest value drawn.
    pub hi: f64,
    /// Tick values, increasing.
    pub ticks: Vec<f64>,
    /// Distance between ticks.
    pub step: f64,
}

/// The round step near `raw`: 1, 2 or 5 times a power of ten.
fn round_step(raw: f64) -> f64 {
    let raw = raw.max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let k = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    k * mag
}

impl Scale {
    /// An axis over the finite `values` with about `ticks` ticks; `zero`: the axis includes
    /// 0 (bars start there). Without any finite value the axis is 0..1.
    pub fn nice(values: impl IntoIterator<Item = f64>, ticks: usize, zero: bool) -> Scale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo < f64::EPSILON * hi.abs().max(1.0) {
            let pad = (hi.abs() * 0.1).max(1.0);
            lo -= pad;
            hi += pad;
            if zero && lo < 0.0 && hi - pad >= 0.0 {
                lo = 0.0;
            }
        }
        let step = round_step((hi - lo) / ticks.max(2) as f64);
        let first = (lo / step).floor() * step;
        let last = (hi / step).ceil() * step;
        let count = (((last - first) / step).round() as usize).min(1_000);
        let ticks = (0..=count).map(|k| first + k as f64 * step).collect();
        Scale {
            lo: first,
            hi: last,
            ticks,
            step,
        }
    }

    /// The pixel of `v` when `lo` is at `px_lo` and `hi` at `px_hi`.
    pub fn px(&self, v: f64, px_lo: f64, px_hi: f64) -> f64 {
        let span = self.hi - self.lo;
        if span <= 0.0 || !v.is_finite() {
            return px_lo;
        }
        px_lo + (v - self.lo) / span * (px_hi - px_lo)
    }

    /// The label of tick `v` (grouped digits, decimals as the step needs).
    pub fn label(&self, v: f64) -> String {
        let digits = if self.step >= 1.0 {
            0
        } else {
            (-self.step.log10()).ceil().clamp(0.0, 6.0) as u32
        };
        // -0 reads as 0.
        let v = if v.abs() < self.step * 1e-9 { 0.0 } else { v };
        fixed_grouped(v, digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_values() {
        let s = Scale::nice([3.0, 97.0], 5, true);
        assert_eq!((s.lo, s.hi, s.step), (0.0, 100.0, 20.0));
        assert_eq!(s.ticks.len(), 6);
        let s = Scale::nice([98.5, 155.4], 5, false);
        assert_eq!((s.lo, s.hi, s.step), (80.0, 160.0, 20.0));
        assert_eq!(s.label(120.0), "120");
        let s = Scale::nice([0.012, 0.034], 4, false);
        assert_eq!(s.label(0.02), "0.02");
        let s = Scale::nice([2067.0], 5, true);
        assert!(s.lo == 0.0 && s.hi >= 2067.0, "{s:?}");
        assert_eq!(s.label(2000.0), "2,000");
        let empty = Scale::nice([f64::NAN], 5, false);
        assert!(empty.lo.is_finite() && empty.hi > empty.lo);
        assert_eq!(Scale::nice([-4.0, 6.0], 5, true).label(0.0), "0");
        assert_eq!(s.px(s.lo, 10.0, 110.0), 10.0);
    }
}
