//! The report's robustness test, one weight at a time: each weight in turn raised and lowered
//! by a fraction (20 % in the report), its siblings renormalised, everything else fixed. For
//! every node and unit: the nominal index in the chosen year, the lowest and highest value any
//! single change produced and the weight change behind each; for every weight change, the
//! largest change of the total in percent.
//!
//! ```
//! use index_engine::{sensitivity::{one_at_a_time, OatOptions}, Chain, ComputeOptions};
//! let fw = index_engine::caict2025::framework().unwrap();
//! let panel = index_engine::caict2025::panel(&fw).unwrap();
//! let filled = ComputeOptions { to_year: Some(2024), ..Default::default() }.fill(&panel).unwrap();
//! let report = one_at_a_time(&Chain, &fw, &filled, &OatOptions::default()).unwrap();
//! let worst = report.largest.as_ref().unwrap();
//! assert!(worst.total_change_pct.unwrap().abs() < 5.0);
//! ```

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::fill::FilledPanel;
use crate::framework::{Framework, Year};
use crate::method::{Method, PanelEval, UnitOutput};

/// Options of [`one_at_a_time`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OatOptions {
    /// Fraction by which each weight is raised and lowered, in (0, 1).
    pub perturb: f64,
    /// Year whose index is compared (default: the last computed year).
    pub year: Option<Year>,
}

impl Default for OatOptions {
    fn default() -> Self {
        Self {
            perturb: 0.2,
            year: None,
        }
    }
}

/// Which way a weight moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Move {
    /// Raised by the fraction.
    Up,
    /// Lowered by the fraction.
    Down,
}

impl Move {
    /// `up` or `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// One weight change: the node whose weight moved, and which way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    /// Node id whose weight moved.
    pub weight: String,
    /// Up or down.
    pub direction: Move,
}

/// Per node and unit: the nominal index and its range under single weight changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OatRow {
    /// Node id.
    pub node: String,
    /// Unit.
    pub unit: String,
    /// Index in the year with the framework's weights.
    pub nominal: Option<f64>,
    /// Lowest index reached (the nominal when no change lowers it).
    pub low: Option<f64>,
    /// The change behind `low`, when it is below the nominal.
    pub low_by: Option<Shift>,
    /// Highest index reached (the nominal when no change raises it).
    pub high: Option<f64>,
    /// The change behind `high`, when it is above the nominal.
    pub high_by: Option<Shift>,
}

/// Per weight change: how far the total moved, at most over the units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OatCase {
    /// The change.
    pub shift: Shift,
    /// Change of the root's index in percent of its nominal value, largest in absolute value
    /// over the units; `None` when no unit has both a nominal and a changed total.
    pub total_change_pct: Option<f64>,
    /// The unit where that happened.
    pub unit: String,
}

/// Everything [`one_at_a_time`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OatReport {
    /// The year compared.
    pub year: Year,
    /// The fraction used.
    pub perturb: f64,
    /// One row per node (framework order) and unit (sorted).
    pub rows: Vec<OatRow>,
    /// One entry per weight change, in framework order, up before down.
    pub cases: Vec<OatCase>,
    /// The case that moved the total most (by absolute percent), if any moved it.
    pub largest: Option<OatCase>,
}

/// Per node: (nominal, low, case behind low, high, case behind high).
type NodeRange = (f64, f64, Option<usize>, f64, Option<usize>);

struct UnitSummary {
    nodes: Vec<NodeRange>,
    /// Per case: change of the total in percent.
    total_pct: Vec<f64>,
}

/// Runs the one-at-a-time test with `method`. Only weights with at least one sibling are
/// moved (a lone child's renormalised weight is always 1).
pub fn one_at_a_time<M: Method>(
    method: &M,
    framework: &Framework,
    filled: &FilledPanel,
    opts: &OatOptions,
) -> Result<OatReport> {
    if !(opts.perturb > 0.0 && opts.perturb < 1.0) {
        return Err(IndexError::Options(format!(
            "the perturbation must be in (0, 1), not {}",
            opts.perturb
        )));
    }
    let t_len = filled.n_years();
    let year = opts.year.unwrap_or(filled.base_year() + t_len as Year - 1);
    let t_sel = usize::try_from(i64::from(year) - i64::from(filled.base_year()))
        .ok()
        .filter(|&t| t < t_len)
        .ok_or_else(|| IndexError::Options(format!("year {year} is outside the computed years")))?;
    let nodes = framework.nodes();
    let base = framework.weights();
    let mut cases: Vec<(usize, Move, Vec<f64>)> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let Some(p) = n.parent else { continue };
        if nodes[p].children.len() < 2 {
            continue;
        }
        for mv in [Move::Up, Move::Down] {
            let mut raw = base.clone();
            raw[i] *= match mv {
                Move::Up => 1.0 + opts.perturb,
                Move::Down => 1.0 - opts.perturb,
            };
            cases.push((i, mv, framework.renormalise(&raw)?));
        }
    }
    crate::method::check_shapes(framework, filled)?;
    let prepared = method.prepare(framework, filled)?;
    let n_nodes = nodes.len();
    let root = framework.root();
    // A method that couples units (Copeland) evaluates every unit per case first, keeping
    // the compared year (`units × nodes` per case); each unit then reads its figures there.
    let coupled: Option<Vec<Vec<f64>>> = method.couples_units().then(|| {
        let panel = PanelEval::new(method, &prepared, framework, filled);
        std::iter::once(&base)
            .chain(cases.iter().map(|c| &c.2))
            .collect::<Vec<_>>()
            .into_par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(scratch, out), w| {
                    panel.run(w, scratch, out);
                    out.iter().skip(t_sel).step_by(t_len).copied().collect()
                },
            )
            .collect()
    });
    let summaries: Vec<UnitSummary> = (0..filled.units().len())
        .into_par_iter()
        .map_init(
            || (Vec::new(), vec![0.0; n_nodes * t_len]),
            |(scratch, out), unit| {
                let input = method.unit_input(&prepared, framework, filled, unit);
                let mut case = 0;
                let mut eval = |w: &[f64], out: &mut Vec<f64>| {
                    if let Some(all) = &coupled {
                        let mine = &all[case][unit * n_nodes..(unit + 1) * n_nodes];
                        for (n, &v) in mine.iter().enumerate() {
                            out[n * t_len + t_sel] = v;
                        }
                        case += 1;
                        return;
                    }
                    method.evaluate(
                        &prepared,
                        framework,
                        &input,
                        w,
                        scratch,
                        UnitOutput {
                            index: out,
                            detail: None,
                        },
                    );
                };
                eval(&base, out);
                let nominal: Vec<f64> = (0..n_nodes).map(|n| out[n * t_len + t_sel]).collect();
                let mut stats: Vec<_> = nominal.iter().map(|&v| (v, v, None, v, None)).collect();
                let mut total_pct = Vec::with_capacity(cases.len());
                for (c, (_, _, w)) in cases.iter().enumerate() {
                    eval(w, out);
                    for (n, s) in stats.iter_mut().enumerate() {
                        let v = out[n * t_len + t_sel];
                        if v < s.1 {
                            s.1 = v;
                            s.2 = Some(c);
                        }
                        if v > s.3 {
                            s.3 = v;
                            s.4 = Some(c);
                        }
                    }
                    let (tot, nom) = (out[root * t_len + t_sel], nominal[root]);
                    let pct = (tot - nom) / nom * 100.0;
                    // No total, a zero one, or a change beyond f64: none rather than ±inf.
                    total_pct.push(if pct.is_finite() { pct } else { f64::NAN });
                }
                UnitSummary {
                    nodes: stats,
                    total_pct,
                }
            },
        )
        .collect();
    let shift = |c: usize| {
        let (i, mv, _) = &cases[c];
        Shift {
            weight: nodes[*i].spec.id.clone(),
            direction: *mv,
        }
    };
    let opt = |x: f64| (!x.is_nan()).then_some(x);
    let units = filled.units();
    let mut rows = Vec::with_capacity(n_nodes * units.len());
    for (n, node) in nodes.iter().enumerate() {
        for (u, s) in summaries.iter().enumerate() {
            let (nom, low, lc, high, hc) = s.nodes[n];
            rows.push(OatRow {
                node: node.spec.id.clone(),
                unit: units[u].clone(),
                nominal: opt(nom),
                low: opt(low),
                low_by: lc.map(shift),
                high: opt(high),
                high_by: hc.map(shift),
            });
        }
    }
    let mut out_cases = Vec::with_capacity(cases.len());
    for c in 0..cases.len() {
        let mut best: Option<(f64, usize)> = None;
        for (u, s) in summaries.iter().enumerate() {
            let v = s.total_pct[c];
            if v.is_nan() {
                continue;
            }
            if best.is_none_or(|(b, _)| v.abs() > b.abs()) {
                best = Some((v, u));
            }
        }
        out_cases.push(OatCase {
            shift: shift(c),
            total_change_pct: best.map(|b| b.0),
            unit: best
                .and_then(|b| units.get(b.1).cloned())
                .unwrap_or_default(),
        });
    }
    let largest = out_cases
        .iter()
        .filter_map(|c| c.total_change_pct.map(|p| (p.abs(), c)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.clone());
    Ok(OatReport {
        year,
        perturb: opts.perturb,
        rows,
        cases: out_cases,
        largest,
    })
}
