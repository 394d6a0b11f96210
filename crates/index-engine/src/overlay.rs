//! Where a node's figure comes from something of its own rather than from its children or its
//! series: a published index path (see [`crate::published`]). The chain applies an overlay
//! while it aggregates; the result reads the same overlay to name each cell's source.

use serde::{Deserialize, Serialize};

/// How a node's figure in one year relates to its own published path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Overlay {
    /// From its children (inner node) or its series (leaf), as usual.
    #[default]
    None = 0,
    /// From its published path: the path's growth and estimate flag (no growth where the path
    /// has a gap left open).
    Path = 1,
    /// After the path's last year: from its children or series where they have a growth,
    /// else carried forward (growth 0, an estimate).
    AfterPath = 2,
}

impl Overlay {
    pub(crate) fn from_u8(x: u8) -> Self {
        match x {
            1 => Self::Path,
            2 => Self::AfterPath,
            _ => Self::None,
        }
    }
}

/// One unit's overlay, as the chain reads it while it aggregates: per node an optional slot
/// into `mode`, `growth` and `estimated` (each `slots × years`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnitOverlay<'a> {
    /// Per node (framework order), its slot, if the node has an overlay in this unit.
    pub(crate) slot: &'a [Option<usize>],
    /// `[slot][t]`: an [`Overlay`] as `u8`.
    pub(crate) mode: &'a [u8],
    /// `[slot][t]`: the path's growth (`NaN` where it has none).
    pub(crate) growth: &'a [f64],
    /// `[slot][t]`: the path's estimate flag (1 interpolated or a published estimate, 0 an
    /// actual figure or the path's base).
    pub(crate) estimated: &'a [f64],
    /// `[slot][t]`: the path's value (`NaN` off the path or in a gap left open).
    pub(crate) value: &'a [f64],
}

/// One node's overlay rows (`t_len` each): mode, growth, estimate flag, value.
struct NodeRows<'a> {
    mode: &'a [u8],
    growth: &'a [f64],
    estimated: &'a [f64],
    value: &'a [f64],
}

impl UnitOverlay<'_> {
    fn rows(&self, node: usize, t_len: usize) -> Option<NodeRows<'_>> {
        let s = self.slot.get(node).copied().flatten()?;
        let range = s * t_len..(s + 1) * t_len;
        Some(NodeRows {
            mode: self.mode.get(range.clone())?,
            growth: self.growth.get(range.clone())?,
            estimated: self.estimated.get(range.clone())?,
            value: self.value.get(range)?,
        })
    }

    /// The index row of an overlaid node from its (overlaid) growth: on an unbroken stretch
    /// of its path, `level · P_t / P_start` (so a published figure is met exactly, as a
    /// leaf's index is its value ratio); elsewhere chained from the growth. Returns whether
    /// the node has an overlay (otherwise the caller chains the growth itself).
    pub(crate) fn index(
        &self,
        node: usize,
        growth: &[f64],
        index: &mut [f64],
        t_len: usize,
    ) -> bool {
        let Some(NodeRows { mode, value, .. }) = self.rows(node, t_len) else {
            return false;
        };
        let mut e = 100.0;
        // (level, value) at the start of the current stretch of known path values.
        let mut stretch: Option<(f64, f64)> = None;
        for t in 0..t_len.min(index.len()).min(growth.len()) {
            let on_path = Overlay::from_u8(mode[t]) == Overlay::Path && !value[t].is_nan();
            let g = growth[t];
            if t > 0 && !g.is_nan() {
                e *= crate::growth::chain_factor(g);
            }
            match (on_path, stretch) {
                (true, Some((level, v0))) if v0 > 0.0 => {
                    e = crate::growth::stretch_index(level, value[t], v0);
                }
                (true, _) => stretch = Some((e, value[t])),
                (false, _) => stretch = None,
            }
            if !e.is_finite() {
                e = f64::NAN;
            }
            index[t] = e;
        }
        true
    }

    /// Applies node `node`'s overlay to its growth and estimate rows (`t_len` each, already
    /// computed from its children or series). Returns whether the node has one.
    pub(crate) fn apply(
        &self,
        node: usize,
        growth: &mut [f64],
        est: Option<&mut [f64]>,
        t_len: usize,
    ) -> bool {
        let Some(NodeRows {
            mode,
            growth: pg,
            estimated: pe,
            ..
        }) = self.rows(node, t_len)
        else {
            return false;
        };
        let mut est = est;
        for t in 0..t_len.min(growth.len()) {
            match Overlay::from_u8(mode[t]) {
                Overlay::None => {}
                Overlay::Path => {
                    growth[t] = if t == 0 { f64::NAN } else { pg[t] };
                    if let Some(e) = est.as_deref_mut() {
                        e[t] = pe[t];
                    }
                }
                Overlay::AfterPath => {
                    if t > 0 && growth[t].is_nan() {
                        growth[t] = 0.0;
                        if let Some(e) = est.as_deref_mut() {
                            e[t] = 1.0;
                        }
                    }
                }
            }
        }
        true
    }
}
