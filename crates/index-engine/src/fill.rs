//! Gap filling, every filled value flagged.
//!
//! Per leaf and unit, over the years of the computation:
//! - interior gaps (a value before and after) are filled by a [`GapFill`]: geometric
//!   (log-linear, the default), linear, or left as gaps;
//! - trailing gaps up to the target year are carried forward from the last value and
//!   flagged as estimates (the CAICT report's rule: unpublished latest values repeat the
//!   previous year's);
//! - leading gaps stay gaps: the indicator enters when its data begins.
//!
//! Values outside the computed years still help: a gap just before the target year is
//! interior when a later observation exists.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::framework::Year;
use crate::panel::Panel;
use crate::treated::TreatedValue;

/// How interior gaps are filled (the CLI's `--interpolate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// Log-linear between the neighbours (constant growth across the gap); falls back to
    /// linear when a neighbour is 0, with a [`FillNote`].
    #[default]
    Geometric,
    /// Straight line between the neighbours.
    Linear,
    /// Interior gaps stay gaps (no growth for the indicator across them).
    None,
}

impl Interpolation {
    /// The [`GapFill`] implementing this choice.
    pub fn gap_fill(self) -> &'static dyn GapFill {
        match self {
            Self::Geometric => &Geometric,
            Self::Linear => &Linear,
            Self::None => &LeaveGaps,
        }
    }
}

/// Provenance of one value in a filled series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Flag {
    /// No value (leading gap, or an interior gap left open).
    Missing = 0,
    /// Observed.
    Observed = 1,
    /// Filled inside an interior gap.
    Interpolated = 2,
    /// Carried forward past the last observation.
    Carried = 3,
}

impl Flag {
    pub(crate) fn from_u8(x: u8) -> Self {
        match x {
            1 => Self::Observed,
            2 => Self::Interpolated,
            3 => Self::Carried,
            _ => Self::Missing,
        }
    }

    /// `missing`, `observed`, `interpolated` or `carried` (as in CSV and JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Observed => "observed",
            Self::Interpolated => "interpolated",
            Self::Carried => "carried",
        }
    }

    /// True for interpolated and carried values.
    pub fn is_estimate(self) -> bool {
        matches!(self, Self::Interpolated | Self::Carried)
    }
}

/// What a [`GapFill`] did with one interior gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapOutcome {
    /// Filled as asked.
    Filled,
    /// Filled by another rule than the one asked for (e.g. linear beside a zero).
    FellBack(&'static str),
    /// Left open.
    Left,
}

/// Fills one interior gap of a series. A seam: [`Geometric`], [`Linear`] and [`LeaveGaps`]
/// are the shipped rules.
pub trait GapFill: Sync {
    /// Short name (`geometric`, `linear`, `none`).
    fn name(&self) -> &'static str;

    /// Fills `series[a+1..b]`, where `series[a]` and `series[b]` are known (finite, ≥ 0) and
    /// everything between is `NaN`. Must write finite values ≥ 0 or leave the slots `NaN`.
    fn fill_gap(&self, series: &mut [f64], a: usize, b: usize) -> GapOutcome;
}

/// Log-linear interpolation: constant growth across the gap.
#[derive(Debug, Clone, Copy, Default)]
pub struct Geometric;

/// Linear interpolation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Linear;

/// No interpolation: interior gaps stay open.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeaveGaps;

fn linear(series: &mut [f64], a: usize, b: usize) {
    let (xa, xb) = (series[a], series[b]);
    let span = (b - a) as f64;
    for (k, x) in series[a + 1..b].iter_mut().enumerate() {
        *x = xa + (k + 1) as f64 / span * (xb - xa);
    }
}

impl GapFill for Geometric {
    fn name(&self) -> &'static str {
        "geometric"
    }

    fn fill_gap(&self, series: &mut [f64], a: usize, b: usize) -> GapOutcome {
        let (xa, xb) = (series[a], series[b]);
        if xa > 0.0 && xb > 0.0 {
            let (la, lb) = (xa.ln(), xb.ln());
            let span = (b - a) as f64;
            for (k, x) in series[a + 1..b].iter_mut().enumerate() {
                *x = (la + (k + 1) as f64 / span * (lb - la)).exp();
            }
            GapOutcome::Filled
        } else {
            linear(series, a, b);
            GapOutcome::FellBack("a neighbouring value is 0, so the gap was filled linearly")
        }
    }
}

impl GapFill for Linear {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn fill_gap(&self, series: &mut [f64], a: usize, b: usize) -> GapOutcome {
        linear(series, a, b);
        GapOutcome::Filled
    }
}

impl GapFill for LeaveGaps {
    fn name(&self) -> &'static str {
        "none"
    }

    fn fill_gap(&self, _series: &mut [f64], _a: usize, _b: usize) -> GapOutcome {
        GapOutcome::Left
    }
}

/// A gap that was not filled the way asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillNote {
    /// Leaf id.
    pub indicator: String,
    /// Unit.
    pub unit: String,
    /// First year of the gap.
    pub from_year: Year,
    /// Last year of the gap.
    pub to_year: Year,
    /// What happened.
    pub message: String,
}

/// The panel over the computed years `[base_year, to_year]`, gaps filled and flagged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FilledPanel {
    leaf_ids: Vec<String>,
    units: Vec<String>,
    base_year: Year,
    years: usize,
    /// `[leaf][unit][t]`, `NaN` where still missing.
    #[serde(with = "crate::nan_serde")]
    values: Vec<f64>,
    /// `[leaf][unit][t]`, a [`Flag`] as `u8`.
    flags: Vec<u8>,
    notes: Vec<FillNote>,
    last_observed_year: Option<Year>,
    interpolation: String,
    /// Values changed by an outlier treatment ([`crate::outliers::treat`]); `values` holds
    /// the treated ones.
    #[serde(default)]
    treated: Vec<TreatedValue>,
}

/// Flags and fills one series in place (`NaN` = missing on entry); returns the gaps whose
/// rule fell back, as (series, first, last position, message).
fn fill_series(
    w: &mut [f64],
    fl: &mut [u8],
    gap_fill: &dyn GapFill,
    series: usize,
) -> Vec<(usize, usize, usize, &'static str)> {
    for (f, &x) in fl.iter_mut().zip(w.iter()) {
        *f = if x.is_nan() {
            Flag::Missing as u8
        } else {
            Flag::Observed as u8
        };
    }
    let mut notes = Vec::new();
    let mut last: Option<usize> = None;
    for t in 0..w.len() {
        if fl[t] != Flag::Observed as u8 {
            continue;
        }
        if let Some(a) = last {
            if t > a + 1 {
                if let GapOutcome::FellBack(msg) = gap_fill.fill_gap(w, a, t) {
                    notes.push((series, a + 1, t - 1, msg));
                }
                // A rule may only write finite values ≥ 0; anything else stays a gap.
                for k in a + 1..t {
                    if w[k].is_finite() && w[k] >= 0.0 {
                        fl[k] = Flag::Interpolated as u8;
                    } else {
                        w[k] = f64::NAN;
                    }
                }
            }
        }
        last = Some(t);
    }
    if let Some(a) = last {
        let carried = w[a];
        for t in a + 1..w.len() {
            w[t] = carried;
            fl[t] = Flag::Carried as u8;
        }
    }
    notes
}

impl FilledPanel {
    /// Fills `panel` over `[base_year, to_year]` (defaults: the panel's first and last year)
    /// with `gap_fill` for interior gaps and carry-forward for trailing ones.
    pub fn new(
        panel: &Panel,
        gap_fill: &dyn GapFill,
        base_year: Option<Year>,
        to_year: Option<Year>,
    ) -> Result<Self> {
        let span = panel.year_span();
        let base = base_year.or(span.map(|s| s.0)).ok_or_else(|| {
            IndexError::Options("the panel has no observations and no base year was given".into())
        })?;
        let to = to_year.or(span.map(|s| s.1)).unwrap_or(base);
        if to < base {
            return Err(IndexError::Options(format!(
                "the target year {to} is before the base year {base}"
            )));
        }
        let years = (i64::from(to) - i64::from(base) + 1) as usize;
        if years > crate::panel::MAX_YEARS {
            return Err(IndexError::TooLarge {
                what: "years from the base year to the target year".into(),
                limit: crate::panel::MAX_YEARS as u64,
                actual: years as u64,
            });
        }
        // The working range covers the observations and the computed years.
        let (p0, p_len) = (panel.first_year(), panel.n_years());
        let w0 = span.map_or(base, |s| s.0.min(base));
        let w1 = span.map_or(to, |s| s.1.max(to));
        // Observations far from the computed years would make every series' working copy
        // that long: the span of both together has the same bound as each alone.
        let w_len = usize::try_from(i64::from(w1) - i64::from(w0) + 1).unwrap_or(usize::MAX);
        if w_len > crate::panel::MAX_YEARS {
            return Err(IndexError::TooLarge {
                what: format!(
                    "years from {w0} to {w1} (the observations and the computed years {base}–{to} together)"
                ),
                limit: crate::panel::MAX_YEARS as u64,
                actual: w_len as u64,
            });
        }
        let off_obs = (p0 - w0) as usize; // where the panel's first year sits in the working range
        let off_out = (base - w0) as usize; // where the base year sits
        let n_series = panel.leaf_ids().len() * panel.units().len();
        let cells = n_series * years;
        if cells > crate::panel::MAX_CELLS {
            return Err(IndexError::TooLarge {
                what: "filled cells (leaves × units × years)".into(),
                limit: crate::panel::MAX_CELLS as u64,
                actual: cells as u64,
            });
        }
        let mut values = vec![0.0; cells];
        let mut flags = vec![0u8; cells];
        let raw = panel.raw();
        // Each series is independent: fill them in parallel, in fixed chunks, so notes come
        // back in series order whatever the thread count.
        // When the observations span exactly the computed years (the usual case), each
        // series is filled in place in the output; otherwise in a working copy.
        let in_place = off_obs == 0 && off_out == 0 && w_len == years && p_len == years;
        let notes: Vec<(usize, usize, usize, &'static str)> = values
            .par_chunks_mut(years.max(1))
            .zip(flags.par_chunks_mut(years.max(1)))
            .enumerate()
            .with_min_len(64)
            .flat_map_iter(|(s, (out_v, out_f))| {
                let src = &raw[s * p_len..(s + 1) * p_len];
                if in_place {
                    out_v.copy_from_slice(src);
                    return fill_series(out_v, out_f, gap_fill, s);
                }
                let mut w = vec![f64::NAN; w_len];
                let mut fl = vec![Flag::Missing as u8; w_len];
                w[off_obs..off_obs + p_len].copy_from_slice(src);
                let notes = fill_series(&mut w, &mut fl, gap_fill, s);
                out_v.copy_from_slice(&w[off_out..off_out + years]);
                out_f.copy_from_slice(&fl[off_out..off_out + years]);
                notes
            })
            .collect();
        let n_units = panel.units().len();
        let notes = notes
            .into_iter()
            .map(|(s, a, b, msg)| FillNote {
                indicator: panel.leaf_ids()[s / n_units.max(1)].clone(),
                unit: panel.units()[s % n_units.max(1)].clone(),
                from_year: w0 + a as Year,
                to_year: w0 + b as Year,
                message: msg.to_string(),
            })
            .collect();
        let last_observed_year = (0..years)
            .rev()
            .find(|&t| (0..n_series).any(|s| flags[s * years + t] == Flag::Observed as u8))
            .map(|t| base + t as Year);
        Ok(Self {
            leaf_ids: panel.leaf_ids().to_vec(),
            units: panel.units().to_vec(),
            base_year: base,
            years,
            values,
            flags,
            notes,
            last_observed_year,
            interpolation: gap_fill.name().to_string(),
            treated: Vec::new(),
        })
    }

    /// Like [`Self::new`], but consumes the panel: when the observations span exactly the
    /// computed years (the usual case) the panel's own array is filled in place, which saves
    /// a copy of the whole panel.
    pub fn from_panel(
        panel: Panel,
        gap_fill: &dyn GapFill,
        base_year: Option<Year>,
        to_year: Option<Year>,
    ) -> Result<Self> {
        let span = panel.year_span();
        let fits = match span {
            Some((a, b)) => base_year.is_none_or(|y| y == a) && to_year.is_none_or(|y| y == b),
            None => false,
        };
        let Some((base, _)) = span.filter(|_| fits) else {
            return Self::new(&panel, gap_fill, base_year, to_year);
        };
        let years = panel.n_years();
        let (leaf_ids, units, mut values) = panel.into_parts();
        let n_units = units.len();
        let mut flags = vec![0u8; values.len()];
        let notes: Vec<(usize, usize, usize, &'static str)> = values
            .par_chunks_mut(years.max(1))
            .zip(flags.par_chunks_mut(years.max(1)))
            .enumerate()
            .with_min_len(64)
            .flat_map_iter(|(s, (v, f))| fill_series(v, f, gap_fill, s))
            .collect();
        let notes = notes
            .into_iter()
            .map(|(s, a, b, msg)| FillNote {
                indicator: leaf_ids[s / n_units.max(1)].clone(),
                unit: units[s % n_units.max(1)].clone(),
                from_year: base + a as Year,
                to_year: base + b as Year,
                message: msg.to_string(),
            })
            .collect();
        let n_series = leaf_ids.len() * n_units;
        let last_observed_year = (0..years)
            .rev()
            .find(|&t| (0..n_series).any(|s| flags[s * years + t] == Flag::Observed as u8))
            .map(|t| base + t as Year);
        Ok(Self {
            leaf_ids,
            units,
            base_year: base,
            years,
            values,
            flags,
            notes,
            last_observed_year,
            interpolation: gap_fill.name().to_string(),
            treated: Vec::new(),
        })
    }

    /// Leaf ids.
    pub fn leaf_ids(&self) -> &[String] {
        &self.leaf_ids
    }

    /// Units, sorted.
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// The base year (first computed year).
    pub fn base_year(&self) -> Year {
        self.base_year
    }

    /// Number of computed years.
    pub fn n_years(&self) -> usize {
        self.years
    }

    /// The computed years.
    pub fn years(&self) -> Vec<Year> {
        (0..self.years)
            .map(|t| self.base_year + t as Year)
            .collect()
    }

    /// Gaps not filled the way asked (e.g. geometric beside a zero).
    pub fn notes(&self) -> &[FillNote] {
        &self.notes
    }

    /// The last computed year in which anything was observed.
    pub fn last_observed_year(&self) -> Option<Year> {
        self.last_observed_year
    }

    /// Name of the gap-fill rule used.
    pub fn interpolation(&self) -> &str {
        &self.interpolation
    }

    /// Value and flag of leaf `leaf`, unit `unit`, year position `t` (0 = base year).
    pub fn get(&self, leaf: usize, unit: usize, t: usize) -> Option<(f64, Flag)> {
        if leaf >= self.leaf_ids.len() || unit >= self.units.len() || t >= self.years {
            return None;
        }
        let i = (leaf * self.units.len() + unit) * self.years + t;
        Some((self.values[i], Flag::from_u8(self.flags[i])))
    }

    /// The filled values and flags, `[leaf][unit][t]` each, giving up the panel.
    pub(crate) fn into_series(self) -> (Vec<f64>, Vec<u8>) {
        (self.values, self.flags)
    }

    pub(crate) fn values(&self) -> &[f64] {
        &self.values
    }

    pub(crate) fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// Values changed by an outlier treatment, by leaf, year and unit (empty when none was
    /// applied); [`Self::get`] returns the treated values.
    pub fn treated(&self) -> &[TreatedValue] {
        &self.treated
    }

    pub(crate) fn set_treated(&mut self, treated: Vec<TreatedValue>) {
        self.treated = treated;
    }

    pub(crate) fn flags(&self) -> &[u8] {
        &self.flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Framework, NodeSpec, Observation};

    fn panel(obs: &[(i32, f64)]) -> Panel {
        let fw =
            Framework::from_nodes(vec![NodeSpec::root("t"), NodeSpec::child("x", "t")]).unwrap();
        Panel::from_records(
            &fw,
            obs.iter().map(|&(y, v)| Observation::new("x", "U", y, v)),
        )
        .unwrap()
    }

    fn series(f: &FilledPanel) -> Vec<(f64, Flag)> {
        (0..f.n_years()).map(|t| f.get(0, 0, t).unwrap()).collect()
    }

    #[test]
    fn geometric_linear_none_and_carry() {
        let p = panel(&[(2019, 1.0), (2022, 8.0)]);
        let g = FilledPanel::new(&p, &Geometric, None, Some(2024)).unwrap();
        let s = series(&g);
        let want = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0];
        for (i, (&(v, _), w)) in s.iter().zip(want).enumerate() {
            assert!((v - w).abs() < 1e-12, "{i}: {v} vs {w}");
        }
        let flags: Vec<Flag> = s.iter().map(|x| x.1).collect();
        use Flag::*;
        assert_eq!(
            flags,
            [
                Observed,
                Interpolated,
                Interpolated,
                Observed,
                Carried,
                Carried
            ]
        );
        let l = FilledPanel::new(&p, &Linear, None, None).unwrap();
        let got: Vec<f64> = series(&l).iter().map(|x| x.0).collect();
        for (g, w) in got
            .iter()
            .zip([1.0, 1.0 + 7.0 / 3.0, 1.0 + 14.0 / 3.0, 8.0])
        {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
        let n = FilledPanel::new(&p, &LeaveGaps, None, None).unwrap();
        let s = series(&n);
        assert!(s[1].0.is_nan() && s[1].1 == Missing && s[3].1 == Observed);
    }

    #[test]
    fn zero_neighbour_falls_back_with_note_and_leading_gap_stays() {
        let p = panel(&[(2020, 0.0), (2022, 4.0)]);
        let g = FilledPanel::new(&p, &Geometric, Some(2018), None).unwrap();
        let s = series(&g);
        assert!(s[0].0.is_nan() && s[1].0.is_nan() && s[0].1 == Flag::Missing);
        assert_eq!(s[3], (2.0, Flag::Interpolated));
        assert_eq!(g.notes().len(), 1);
        assert_eq!((g.notes()[0].from_year, g.notes()[0].to_year), (2021, 2021));
        assert_eq!(g.last_observed_year(), Some(2022));
    }

    #[test]
    fn filling_in_place_equals_filling_a_copy() {
        let p = panel(&[(2019, 1.0), (2022, 0.0), (2024, 5.0)]);
        for (base, to) in [
            (None, None),
            (Some(2019), Some(2024)),
            (Some(2020), None),
            (None, Some(2026)),
        ] {
            let a = FilledPanel::new(&p, &Geometric, base, to).unwrap();
            let b = FilledPanel::from_panel(p.clone(), &Geometric, base, to).unwrap();
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{base:?} {to:?}");
        }
    }

    #[test]
    fn later_data_makes_a_gap_interior_and_bad_range_errors() {
        let p = panel(&[(2019, 1.0), (2023, 16.0)]);
        let g = FilledPanel::new(&p, &Geometric, None, Some(2021)).unwrap();
        let s = series(&g);
        assert_eq!(s.len(), 3);
        assert!((s[2].0 - 4.0).abs() < 1e-12 && s[2].1 == Flag::Interpolated);
        assert!(FilledPanel::new(&p, &Geometric, Some(2022), Some(2020)).is_err());
    }
}
