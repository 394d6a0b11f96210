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
}

impl UnitOverlay<'_> {
    /// Applies node `node`'s overlay to its growth and estimate rows (`t_len` each, already
    /// computed from its children or series). Returns whether the node has one.
    pub(crate) fn apply(
        &self,
        node: usize,
        growth: &mut [f64],
        est: Option<&mut [f64]>,
        t_len: usize,
    ) -> bool {
        let Some(s) = self.slot.get(node).copied().flatten() else {
            return false;
        };
        let range = s * t_len..(s + 1) * t_len;
        let (Some(mode), Some(pg), Some(pe)) = (
            self.mode.get(range.clone()),
            self.growth.get(range.clone()),
            self.estimated.get(range),
        ) else {
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
