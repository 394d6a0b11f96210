//! The seam between the engine and an index method.
//!
//! A [`Method`] turns a filled panel into per node, unit and year figures. The engine drives
//! it unit by unit (units are independent in every method shipped), so one implementation
//! serves the plain computation, the one-at-a-time sensitivity test and the Monte Carlo runs,
//! which only change the weights. Methods: [`crate::Chain`] (the symmetric chain of CAICT and
//! the Conference Board) and [`crate::Level`] (normalise, then aggregate levels).

use rayon::prelude::*;

use crate::contributions::Contributions;
use crate::error::{IndexError, Result};
use crate::fill::FilledPanel;
use crate::framework::Framework;
use crate::overlay::Overlay;
use crate::result::{IndexResult, N_MEASURES};

/// Where [`Method::evaluate`] writes one unit's figures. Every slice is `nodes × years`,
/// node-major (`[node * years + t]`), nodes in framework order; `NaN` means "no value".
#[derive(Debug)]
pub struct UnitOutput<'a> {
    /// The headline figure: the index (chain) or the score (level methods).
    pub index: &'a mut [f64],
    /// The rest, when asked for (sensitivity and Monte Carlo runs need only the index).
    pub detail: Option<UnitDetail<'a>>,
}

/// The figures besides the index, for one unit (see [`UnitOutput`] for the layout).
/// Contributions are not written: the result derives them from the stored figures and the
/// weights when read, following [`Method::contributions`].
#[derive(Debug)]
pub struct UnitDetail<'a> {
    /// Growth in the year (chain); `NaN` for level methods.
    pub growth: &'a mut [f64],
    /// Share of the node's weight resting on filled values, in [0, 1].
    pub estimated_share: &'a mut [f64],
}

/// Every unit's index rows in one buffer, for the cross-unit pass ([`Method::couple`]): unit
/// `u`'s node `n` in year position `t` is `data[u * stride + n * years + t]`.
#[derive(Debug)]
pub struct PanelIndex<'a> {
    /// The rows.
    pub data: &'a mut [f64],
    /// Distance between two units' first rows (at least `nodes × years`).
    pub stride: usize,
    /// Units.
    pub units: usize,
    /// Years.
    pub years: usize,
}

/// An index method. [`Self::unit_input`] gathers what does not depend on the weights,
/// [`Self::evaluate`] aggregates one unit under given weights. Units are independent except
/// where [`Self::couples_units`] says otherwise (Copeland aggregation): the engine then runs
/// [`Self::couple`] over all units after evaluating each.
pub trait Method: Sync {
    /// State computed once across all units (e.g. normalisation bounds per leaf and year).
    type Prepared: Sync;
    /// Per-unit inputs that do not depend on the weights (e.g. leaf growth rates).
    type UnitInput: Send + Sync;

    /// A short label, e.g. `chain` or `level(min-max, geometric)`.
    fn name(&self) -> String;

    /// How contributions follow from the stored figures.
    fn contributions(&self) -> Contributions;

    /// Whether the leaves' rows are the chain's (growth, index and estimate flag of each
    /// filled series, independent of the weights), so a result may derive them from the
    /// panel when read instead of storing them. Default: no, every row is stored.
    fn leaves_from_panel(&self) -> bool {
        false
    }

    /// Where the method gives node `node` of unit `unit` a figure of its own in year position
    /// `t` instead of its children's (a published path, see [`crate::PublishedChain`]); the
    /// result reads it to name sources and missing shares. Default: never.
    fn overlay(
        &self,
        _prepared: &Self::Prepared,
        _unit: usize,
        _node: usize,
        _t: usize,
    ) -> Overlay {
        Overlay::None
    }

    /// Checks the data suits the method and computes the shared state.
    fn prepare(&self, framework: &Framework, filled: &FilledPanel) -> Result<Self::Prepared>;

    /// Gathers the weight-independent inputs of unit `unit`.
    fn unit_input(
        &self,
        prepared: &Self::Prepared,
        framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
    ) -> Self::UnitInput;

    /// Writes one unit's figures under `weights` (renormalised among siblings, node order, as
    /// from [`Framework::weights`] or [`Framework::renormalise`]). `scratch` is reused
    /// between calls to avoid allocation in hot loops.
    fn evaluate(
        &self,
        prepared: &Self::Prepared,
        framework: &Framework,
        input: &Self::UnitInput,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    );

    /// Whether a unit's figures depend on the other units' (Copeland aggregation compares
    /// units pairwise). When true, [`Self::evaluate`] leaves the coupled rows as it likes and
    /// [`Self::couple`], run after every unit was evaluated under the same weights, writes
    /// them. Default: no. Chosen over a per-level callback because the per-unit pass still
    /// gives everything that is unit-local (leaves, estimated shares) in parallel, and only
    /// this flag and one hook are added to the trait.
    fn couples_units(&self) -> bool {
        false
    }

    /// The cross-unit pass: rewrites the index rows that depend on other units, from every
    /// unit's rows in `rows` (as [`Self::evaluate`] wrote them under `weights`). Default:
    /// nothing.
    fn couple(
        &self,
        _prepared: &Self::Prepared,
        _framework: &Framework,
        _weights: &[f64],
        _rows: PanelIndex<'_>,
    ) {
    }

    /// The index of every inner node for one unit under `draws` weight sets at once (Monte
    /// Carlo blocks). `weights` is node-major, `[node * draws + k]`; `out` is
    /// `[(node * years + t) * draws + k]`. Leaves' rows may be left untouched: they do not
    /// depend on the weights. The default evaluates draw by draw; a method may override it
    /// with a kernel that runs across draws (the chain does). Inner rows must equal
    /// [`Self::evaluate`]'s, draw by draw, bit for bit.
    #[allow(clippy::too_many_arguments)]
    fn evaluate_many(
        &self,
        prepared: &Self::Prepared,
        framework: &Framework,
        input: &Self::UnitInput,
        weights: &[f64],
        draws: usize,
        scratch: &mut Vec<f64>,
        out: &mut [f64],
    ) {
        let n_nodes = framework.len();
        let cells = out.len() / draws.max(1);
        let mut w = vec![0.0; n_nodes];
        let mut one = vec![0.0; cells];
        for k in 0..draws {
            for (n, x) in w.iter_mut().enumerate() {
                *x = weights[n * draws + k];
            }
            self.evaluate(
                prepared,
                framework,
                input,
                &w,
                scratch,
                UnitOutput {
                    index: &mut one,
                    detail: None,
                },
            );
            for (c, &v) in one.iter().enumerate() {
                out[c * draws + k] = v;
            }
        }
    }

    /// Like [`Self::evaluate_direct`], but the leaves' index rows may be left as they are:
    /// used when [`Self::leaves_from_panel`] is true and the result derives them.
    #[allow(clippy::too_many_arguments)]
    fn evaluate_direct_inner(
        &self,
        prepared: &Self::Prepared,
        framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    ) {
        self.evaluate_direct(prepared, framework, filled, unit, weights, scratch, out);
    }

    /// All figures of unit `unit` under `weights`, straight from the filled panel. The
    /// default gathers [`Self::unit_input`] and calls [`Self::evaluate`]; a method may skip
    /// the intermediate copy when every figure is evaluated once.
    #[allow(clippy::too_many_arguments)]
    fn evaluate_direct(
        &self,
        prepared: &Self::Prepared,
        framework: &Framework,
        filled: &FilledPanel,
        unit: usize,
        weights: &[f64],
        scratch: &mut Vec<f64>,
        out: UnitOutput<'_>,
    ) {
        let input = self.unit_input(prepared, framework, filled, unit);
        self.evaluate(prepared, framework, &input, weights, scratch, out);
    }
}

/// Checks that `filled` was built for `framework` (same leaves, same order).
pub(crate) fn check_shapes(framework: &Framework, filled: &FilledPanel) -> Result<()> {
    if filled.leaf_ids().len() != framework.leaves().len()
        || filled
            .leaf_ids()
            .iter()
            .map(String::as_str)
            .ne(framework.leaf_ids())
    {
        return Err(IndexError::Options(
            "the panel was built for another framework (its leaves differ)".into(),
        ));
    }
    Ok(())
}

/// Runs `method` over every unit of `filled` with `weights` (`None`: the framework's own) and
/// collects the full result. Units run in parallel; the output does not depend on the thread
/// count.
pub fn compute_with<M: Method>(
    method: &M,
    framework: &Framework,
    filled: &FilledPanel,
    weights: Option<&[f64]>,
) -> Result<IndexResult> {
    let mut result = compute_rows(method, framework, filled, weights)?;
    let values = result.derives_leaves().then(|| filled.values().to_vec());
    result.set_leaf_source(values, filled.flags().to_vec());
    Ok(result)
}

/// [`compute_with`], taking the filled panel: a chain result keeps the panel's series to
/// derive its leaf rows from, instead of copying them (the fastest way to a full result).
pub fn compute_with_owned<M: Method>(
    method: &M,
    framework: &Framework,
    filled: FilledPanel,
    weights: Option<&[f64]>,
) -> Result<IndexResult> {
    let mut result = compute_rows(method, framework, &filled, weights)?;
    let derives = result.derives_leaves();
    let (values, flags) = filled.into_series();
    result.set_leaf_source(derives.then_some(values), flags);
    Ok(result)
}

/// The stored rows of a result; a result that derives its leaf rows still needs their
/// source attached.
fn compute_rows<M: Method>(
    method: &M,
    framework: &Framework,
    filled: &FilledPanel,
    weights: Option<&[f64]>,
) -> Result<IndexResult> {
    check_shapes(framework, filled)?;
    let own;
    let weights = match weights {
        Some(w) => {
            if w.len() != framework.len() {
                return Err(IndexError::Options(format!(
                    "{} weights given for {} nodes",
                    w.len(),
                    framework.len()
                )));
            }
            w
        }
        None => {
            own = framework.weights();
            &own
        }
    };
    let prepared = method.prepare(framework, filled)?;
    let derive = method.leaves_from_panel();
    let overlay = overlay_of(method, &prepared, framework.len(), filled);
    let mut result = IndexResult::empty(
        method.name(),
        method.contributions(),
        framework,
        weights,
        filled,
        derive,
    )?;
    if let Some(o) = overlay {
        result.set_overlay(o);
    }
    let t_len = filled.n_years();
    let block = framework.len() * t_len;
    if block == 0 {
        return Ok(result);
    }
    if !derive {
        result
            .data_mut()
            .par_chunks_mut(block * N_MEASURES)
            .enumerate()
            .for_each_init(Vec::new, |scratch, (unit, chunk)| {
                let (index, rest) = chunk.split_at_mut(block);
                let (growth, estimated_share) = rest.split_at_mut(block);
                method.evaluate_direct(
                    &prepared,
                    framework,
                    filled,
                    unit,
                    weights,
                    scratch,
                    UnitOutput {
                        index,
                        detail: Some(UnitDetail {
                            growth,
                            estimated_share,
                        }),
                    },
                );
            });
        if method.couples_units() {
            let units = filled.units().len();
            method.couple(
                &prepared,
                framework,
                weights,
                PanelIndex {
                    data: result.data_mut(),
                    stride: block * N_MEASURES,
                    units,
                    years: t_len,
                },
            );
        }
        return Ok(result);
    }
    // Leaf rows are derived from the panel when read: each unit is evaluated into a
    // per-thread buffer (which stays in cache) and only the inner rows are kept, so the
    // result array that must be faulted in is a fraction of the full one.
    let stored = result.stored_nodes();
    let stored_block = stored.len() * t_len;
    if stored_block == 0 {
        return Ok(result);
    }
    result
        .data_mut()
        .par_chunks_mut(stored_block * N_MEASURES)
        .enumerate()
        .for_each_init(
            || (Vec::new(), vec![0.0; block * N_MEASURES]),
            |(scratch, full), (unit, chunk)| {
                let (index, rest) = full.split_at_mut(block);
                let (growth, estimated_share) = rest.split_at_mut(block);
                method.evaluate_direct_inner(
                    &prepared,
                    framework,
                    filled,
                    unit,
                    weights,
                    scratch,
                    UnitOutput {
                        index,
                        detail: Some(UnitDetail {
                            growth,
                            estimated_share,
                        }),
                    },
                );
                for (figure, rows) in full.chunks_exact(block).enumerate() {
                    let out = &mut chunk[figure * stored_block..(figure + 1) * stored_block];
                    for (dst, &n) in out.chunks_exact_mut(t_len).zip(&stored) {
                        dst.copy_from_slice(&rows[n * t_len..(n + 1) * t_len]);
                    }
                }
            },
        );
    Ok(result)
}

/// A method made ready to evaluate every unit at once under any weights: what an analysis
/// runs per draw when the method couples units ([`Method::couples_units`]).
pub(crate) struct PanelEval<'a, M: Method> {
    method: &'a M,
    prepared: &'a M::Prepared,
    framework: &'a Framework,
    inputs: Vec<M::UnitInput>,
    years: usize,
}

impl<'a, M: Method> PanelEval<'a, M> {
    /// Gathers every unit's weight-independent inputs.
    pub(crate) fn new(
        method: &'a M,
        prepared: &'a M::Prepared,
        framework: &'a Framework,
        filled: &FilledPanel,
    ) -> Self {
        let inputs = (0..filled.units().len())
            .into_par_iter()
            .map(|u| method.unit_input(prepared, framework, filled, u))
            .collect();
        Self {
            method,
            prepared,
            framework,
            inputs,
            years: filled.n_years(),
        }
    }

    /// Units.
    pub(crate) fn units(&self) -> usize {
        self.inputs.len()
    }

    /// Years.
    pub(crate) fn years(&self) -> usize {
        self.years
    }

    /// Cells of one unit, `nodes × years`.
    pub(crate) fn block(&self) -> usize {
        self.framework.len() * self.years
    }

    /// Every unit's index under `weights` into `out` (`units × nodes × years`, unit-major),
    /// the cross-unit pass included.
    pub(crate) fn run(&self, weights: &[f64], scratch: &mut Vec<f64>, out: &mut Vec<f64>) {
        let block = self.block();
        out.resize(self.inputs.len() * block, f64::NAN);
        if block == 0 {
            return;
        }
        for (input, index) in self.inputs.iter().zip(out.chunks_exact_mut(block)) {
            self.method.evaluate(
                self.prepared,
                self.framework,
                input,
                weights,
                scratch,
                UnitOutput {
                    index,
                    detail: None,
                },
            );
        }
        self.method.couple(
            self.prepared,
            self.framework,
            weights,
            PanelIndex {
                data: out,
                stride: block,
                units: self.inputs.len(),
                years: self.years,
            },
        );
    }
}

/// The method's overlay over every unit, node and year (`[unit][node][t]`), or `None` when it
/// has none anywhere (the chain and level methods: the loop then folds away).
fn overlay_of<M: Method>(
    method: &M,
    prepared: &M::Prepared,
    n_nodes: usize,
    filled: &FilledPanel,
) -> Option<Vec<u8>> {
    let (n_units, t_len) = (filled.units().len(), filled.n_years());
    let mut out: Option<Vec<u8>> = None;
    for u in 0..n_units {
        for n in 0..n_nodes {
            for t in 0..t_len {
                let o = method.overlay(prepared, u, n, t);
                if o != Overlay::None {
                    let all = out.get_or_insert_with(|| vec![0; n_units * n_nodes * t_len]);
                    all[(u * n_nodes + n) * t_len + t] = o as u8;
                }
            }
        }
    }
    out
}
