//! The arithmetic of one series: symmetric growth, the chain factor, and a leaf's growth,
//! index and estimate flag from its filled values. Every method and the result (which derives
//! leaf rows when read) use these functions, so a figure is computed one way only.
//!
//! Nothing here can produce an infinity or a NaN from finite inputs ≥ 0 except where a figure
//! does not exist (NaN, shown as empty): growth is computed in a form that cannot overflow,
//! and an index that leaves the range of `f64` has no value rather than an infinite one.

use crate::fill::Flag;

/// Below this larger value, growth is computed as written (`200·(b − a)/(a + b)`, which then
/// cannot overflow); above it, on the values scaled by the larger one.
const GROWTH_DIRECT_MAX: f64 = 1e300;

/// Symmetric growth from `a` to `b`, both known and ≥ 0: `200·(b − a)/(a + b)`, in
/// [−200, 200]; 0 when both are 0.
///
/// Safe for every finite input ≥ 0, however large or small: values above 1e300 are scaled by
/// the larger one first, so neither `a + b` nor `200·(b − a)` can overflow (below it the
/// formula is evaluated as written, bit for bit what it always gave).
///
/// ```
/// use index_engine::symmetric_growth;
/// assert_eq!(symmetric_growth(100.0, 100.0), 0.0);
/// assert_eq!(symmetric_growth(0.0, 5.0), 200.0);
/// // Near the top of the f64 range the growth is still exact: 1.5e308 is 50 % more than 1e308.
/// assert!((symmetric_growth(1e308, 1.5e308) - 40.0).abs() < 1e-12);
/// ```
#[inline]
pub fn symmetric_growth(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    let v = if m <= GROWTH_DIRECT_MAX {
        let s = a + b;
        if s > 0.0 { 200.0 * (b - a) / s } else { 0.0 }
    } else {
        let (x, y) = (a / m, b / m);
        200.0 * (y - x) / (x + y)
    };
    // Rounding may overshoot ±200 by an ulp; the bound is part of the definition.
    v.clamp(-200.0, 200.0)
}

/// The chain factor `(200 + V)/(200 − V)`: the ratio `x_t/x_{t−1}` that growth `V` stands
/// for (infinite for `V = 200`, growth from zero; callers treat an infinite index as none).
#[inline]
pub fn chain_factor(growth: f64) -> f64 {
    (200.0 + growth) / (200.0 - growth)
}

/// The latest year position whose values are not estimates by definition: values after a
/// leaf's latest published year (`latest_t` positions after the base year) count as
/// estimates whatever their flag. `i64::MAX` when the framework records no latest year.
#[inline]
pub(crate) fn leaf_estimate(flag: u8, t: usize, latest_t: i64) -> f64 {
    match Flag::from_u8(flag) {
        Flag::Missing => f64::NAN,
        Flag::Interpolated | Flag::Carried => 1.0,
        Flag::Observed if t as i64 > latest_t => 1.0,
        Flag::Observed => 0.0,
    }
}

fn write_estimates(f: &[u8], est: Option<&mut [f64]>, latest_t: i64) {
    if let Some(est) = est {
        for (t, (out, &flag)) in est.iter_mut().zip(f).enumerate() {
            *out = leaf_estimate(flag, t, latest_t);
        }
    }
}

/// Growth (and estimate flags) of one leaf series, as [`leaf_rows`] writes them.
pub(crate) fn leaf_growth(
    x: &[f64],
    f: &[u8],
    g: &mut [f64],
    est: Option<&mut [f64]>,
    latest_t: i64,
) {
    write_estimates(f, est, latest_t);
    if let Some(g0) = g.first_mut() {
        *g0 = f64::NAN;
    }
    for ((out, &xp), &xt) in g.iter_mut().skip(1).zip(x).zip(x.iter().skip(1)) {
        *out = if xp.is_nan() || xt.is_nan() {
            f64::NAN
        } else {
            symmetric_growth(xp, xt)
        };
    }
}

/// `level · xt / x0`, the leaf index within a stretch: as written when that is finite (the
/// usual case, bit for bit what it always gave), else as `level · (xt / x0)`; none when even
/// that leaves the range of `f64`.
#[inline]
pub(crate) fn stretch_index(level: f64, xt: f64, x0: f64) -> f64 {
    let v = level * xt / x0;
    if v.is_finite() {
        return v;
    }
    let v = level * (xt / x0);
    if v.is_finite() { v } else { f64::NAN }
}

/// Growth, index and estimate flags of one leaf series (`x` values, `f` flags).
pub(crate) fn leaf_rows(
    x: &[f64],
    f: &[u8],
    g: &mut [f64],
    e: &mut [f64],
    est: Option<&mut [f64]>,
    latest_t: i64,
) {
    write_estimates(f, est, latest_t);
    let t_len = x.len();
    if t_len == 0 {
        return;
    }
    // Index by stretches of consecutive values: (level at the stretch's start, value there).
    let mut stretch: Option<(f64, f64)> = (!x[0].is_nan()).then_some((100.0, x[0]));
    g[0] = f64::NAN;
    e[0] = 100.0;
    let mut prev_e = 100.0;
    for t in 1..t_len {
        let (xp, xt) = (x[t - 1], x[t]);
        if xt.is_nan() {
            g[t] = f64::NAN;
            e[t] = prev_e;
            stretch = None;
        } else if xp.is_nan() {
            // Re-entry after a gap, or entry after a leading gap: flat, new stretch.
            g[t] = f64::NAN;
            e[t] = prev_e;
            stretch = Some((prev_e, xt));
        } else {
            let v = symmetric_growth(xp, xt);
            g[t] = v;
            e[t] = match stretch {
                Some((level, x0)) if x0 > 0.0 => stretch_index(level, xt, x0),
                _ => {
                    let next = prev_e * chain_factor(v);
                    if next.is_finite() { next } else { f64::NAN }
                }
            };
        }
        prev_e = e[t];
    }
}

/// Chains `growth` into `index` from 100 in the first year: flat in years without growth, no
/// value once the index leaves the range of `f64`.
pub(crate) fn chain_index(growth: &[f64], index: &mut [f64]) {
    let mut e = 100.0;
    for (t, (out, &g)) in index.iter_mut().zip(growth).enumerate() {
        if t > 0 && !g.is_nan() {
            e *= chain_factor(g);
            if !e.is_finite() {
                e = f64::NAN;
            }
        }
        *out = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_exact_and_bounded_at_every_magnitude() {
        assert_eq!(symmetric_growth(0.0, 0.0), 0.0);
        assert_eq!(symmetric_growth(3.0, 0.0), -200.0);
        assert_eq!(symmetric_growth(f64::MAX, f64::MAX), 0.0);
        assert_eq!(symmetric_growth(0.0, f64::MAX), 200.0);
        let tiny = f64::from_bits(1); // the smallest subnormal
        assert_eq!(symmetric_growth(tiny, tiny), 0.0);
        assert_eq!(symmetric_growth(0.0, tiny), 200.0);
        for (a, b) in [
            (1e306, 3e306),
            (1e-306, 3e-306),
            (1.0, 3.0),
            (f64::MAX / 3.0, f64::MAX),
        ] {
            let v = symmetric_growth(a, b);
            assert!((v - 100.0).abs() < 1e-12, "{a} {b}: {v}");
            assert!((chain_factor(v) - 3.0).abs() < 1e-12);
        }
        // Below the scaling threshold: the formula as written.
        assert_eq!(symmetric_growth(2.0, 3.0), 200.0 * 1.0 / 5.0);
    }

    #[test]
    fn an_index_beyond_f64_has_no_value() {
        let x = [1e-300, 1e300, 1e300];
        let f = [Flag::Observed as u8; 3];
        let (mut g, mut e) = ([0.0; 3], [0.0; 3]);
        leaf_rows(&x, &f, &mut g, &mut e, None, i64::MAX);
        assert!(g.iter().skip(1).all(|v| v.is_finite()));
        assert_eq!(e[0], 100.0);
        assert!(e[1].is_nan() && e[2].is_nan(), "{e:?}");
        let mut idx = [0.0; 3];
        chain_index(&[f64::NAN, 200.0, 0.0], &mut idx);
        assert_eq!(idx[0], 100.0);
        assert!(idx[1].is_nan() && idx[2].is_nan());
    }

    #[test]
    fn values_after_the_latest_published_year_are_estimates() {
        let f = [
            Flag::Observed as u8,
            Flag::Observed as u8,
            Flag::Carried as u8,
            0,
        ];
        let mut est = [0.0; 4];
        write_estimates(&f, Some(&mut est), 0);
        assert_eq!(&est[..3], [0.0, 1.0, 1.0]);
        assert!(est[3].is_nan());
        write_estimates(&f, Some(&mut est), i64::MAX);
        assert_eq!(&est[..3], [0.0, 0.0, 1.0]);
    }
}
