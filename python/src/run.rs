//! The computations: each native function checks its inputs, then runs the engine with the
//! GIL released (`Python::detach`, PyO3's former `allow_threads`), so other Python threads
//! go on while it works, and hands back a [`Table`] and a dict of what the table does not
//! hold (years, seeds, notes).

use std::collections::HashMap;

use index_engine::sensitivity::{OatOptions, one_at_a_time};
use index_engine::sobol::{SobolOptions, sobol};
use index_engine::uncertainty::{McOptions, monte_carlo};
use index_engine::{
    Aggregation, ComputeOptions, FillNote, Framework, IndexError, IndexResult, Interpolation,
    MethodChoice, MethodKind, MethodSpec, Normalisation, Published, PublishedRule, PublishedUse,
    Year, compute_with_owned, with_method,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as DeError, StrDeserializer};

use crate::columns::{Coder, Data, Table, nan};
use crate::input::{FrameworkCols, ObservationCols, Observations, PublishedCols};

/// What a native function returns: the table and its attributes.
type Out = (Py<PyList>, Py<PyDict>);

/// The engine's error as Python's `ValueError`, with the engine's message.
fn value_error(e: IndexError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// An option spelled as the engine's serde names (`min-max`, `z-score`, `geometric`, …), so a
/// choice added to the engine is accepted here without a copy of its list.
fn choice<T: for<'de> Deserialize<'de>>(option: &str, value: &str) -> PyResult<T> {
    let de: StrDeserializer<'_, DeError> = value.into_deserializer();
    T::deserialize(de).map_err(|e| PyValueError::new_err(format!("invalid option: {option}: {e}")))
}

/// The choices shared by every computation.
pub struct Setup {
    options: ComputeOptions,
    spec: MethodSpec,
    rule: Option<HashMap<String, String>>,
}

impl Setup {
    /// Parses the keyword arguments shared by every function.
    pub fn new(
        base_year: Option<Year>,
        to_year: Option<Year>,
        interpolation: &str,
        method: &str,
        normalisation: &str,
        aggregation: &str,
        rule: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        let interpolation: Interpolation = choice("interpolation", interpolation)?;
        let spec = MethodSpec {
            kind: choice::<MethodKind>("method", method)?,
            normalisation: choice::<Normalisation>("normalisation", normalisation)?,
            aggregation: choice::<Aggregation>("aggregation", aggregation)?,
            interpolation,
        };
        Ok(Self {
            options: ComputeOptions {
                base_year,
                to_year,
                interpolation,
            },
            spec,
            rule,
        })
    }

    fn published_rule(&self) -> Result<PublishedRule, IndexError> {
        let mut rule = PublishedRule::default();
        for (node, how) in self.rule.iter().flatten() {
            let how: PublishedUse = match how.trim() {
                "auto" => PublishedUse::Auto,
                "always" => PublishedUse::Always,
                "never" => PublishedUse::Never,
                other => {
                    return Err(IndexError::Options(format!(
                        "rule for node '{node}': '{other}' is not one of auto, always, never"
                    )));
                }
            };
            rule.set(node.clone(), how);
        }
        Ok(rule)
    }
}

/// The inputs of one run, checked.
struct Loaded {
    fw: Framework,
    filled: index_engine::FilledPanel,
    published: Option<Published>,
    rule: PublishedRule,
}

/// Checks the framework, the observations and the published figures, and fills the panel.
fn load(
    setup: &Setup,
    fw: &FrameworkCols,
    obs: &Observations,
    published: Option<&PublishedCols>,
) -> Result<Loaded, IndexError> {
    let framework = fw.build()?;
    let panel = obs.panel(&framework)?;
    if setup.rule.as_ref().is_some_and(|r| !r.is_empty()) && published.is_none() {
        return Err(IndexError::Options(
            "a published rule needs published figures".into(),
        ));
    }
    if !setup.spec.takes_published() && published.is_some() {
        return Err(IndexError::Options(
            "published figures apply to the chain method, not the level method (published index paths are growth paths)".into(),
        ));
    }
    let published = published.map(|p| p.build(&framework, &panel)).transpose()?;
    let filled = setup.options.fill_owned(panel)?;
    Ok(Loaded {
        fw: framework,
        filled,
        published,
        rule: setup.published_rule()?,
    })
}

impl Loaded {
    fn method(&self, setup: &Setup) -> MethodChoice<'_> {
        setup.spec.choice(self.published.as_ref(), &self.rule)
    }
}

fn notes_py<'py>(py: Python<'py>, notes: &[FillNote]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for n in notes {
        let d = PyDict::new(py);
        d.set_item("leaf", &n.indicator)?;
        d.set_item("unit", &n.unit)?;
        d.set_item("from_year", n.from_year)?;
        d.set_item("to_year", n.to_year)?;
        d.set_item("message", &n.message)?;
        list.append(d)?;
    }
    Ok(list)
}

/// The rows of `nodes` (positions) of a result.
fn result_table(result: &IndexResult, nodes: Vec<usize>) -> Table {
    let (mut node, mut unit, mut source) = (Coder::default(), Coder::default(), Coder::default());
    let (mut year, mut cols) = (Vec::new(), vec![Vec::new(); 6]);
    for row in result.rows_of_nodes(nodes) {
        node.push(row.node);
        unit.push(row.unit);
        year.push(i64::from(row.year));
        let c = row.cell;
        for (col, x) in cols.iter_mut().zip([
            c.index,
            c.growth,
            c.contribution,
            c.total_contribution,
            c.estimated_share,
            Some(c.missing_share),
        ]) {
            col.push(nan(x));
        }
        source.push(c.source.as_str());
    }
    let mut t = Table::default();
    t.push("node", node.finish())
        .push("unit", unit.finish())
        .push("year", Data::I64(year));
    let names = [
        "index",
        "growth",
        "contribution",
        "total_contribution",
        "estimated_share",
        "missing_share",
    ];
    for (name, col) in names.into_iter().zip(cols) {
        t.push(name, Data::F64(col));
    }
    t.push("source", source.finish());
    t
}

/// Runs `work` without the GIL on the checked inputs.
fn detached<T: Send>(
    py: Python<'_>,
    setup: &Setup,
    fw: &FrameworkCols,
    obs: &ObservationCols<'_>,
    published: Option<&PublishedCols>,
    work: impl FnOnce(Loaded) -> Result<T, IndexError> + Send,
) -> PyResult<T> {
    let raw = obs.raw();
    py.detach(|| {
        let obs = raw.take()?;
        load(setup, fw, &obs, published).and_then(work)
    })
    .map_err(value_error)
}

/// `compute`: every node (or the chosen ones), unit and year.
#[pyfunction]
#[pyo3(signature = (framework, observations, setup, published=None, nodes=None, levels=None))]
#[allow(clippy::too_many_arguments)]
pub fn compute(
    py: Python<'_>,
    framework: FrameworkCols,
    observations: ObservationCols<'_>,
    setup: SetupArgs,
    published: Option<PublishedCols>,
    nodes: Option<Vec<String>>,
    levels: Option<Vec<u32>>,
) -> PyResult<Out> {
    let setup = setup.parse()?;
    let (table, meta) = detached(
        py,
        &setup,
        &framework,
        &observations,
        published.as_ref(),
        |d| {
            let selected = d.fw.select(
                nodes.as_deref().unwrap_or_default(),
                levels.as_deref().unwrap_or_default(),
            )?;
            let Loaded {
                fw,
                filled,
                published,
                rule,
            } = d;
            let method = setup.spec.choice(published.as_ref(), &rule);
            let result = with_method!(&method, m => compute_with_owned(m, &fw, filled, None))?;
            Ok((result_table(&result, selected), result))
        },
    )?;
    let attrs = PyDict::new(py);
    attrs.set_item("method", meta.method())?;
    attrs.set_item("interpolation", meta.interpolation())?;
    attrs.set_item("base_year", meta.base_year())?;
    attrs.set_item("to_year", meta.to_year())?;
    attrs.set_item("last_observed_year", meta.last_observed_year())?;
    attrs.set_item("notes", notes_py(py, meta.notes())?)?;
    Ok((table.into_py(py)?, attrs.unbind()))
}

/// The keyword arguments every function shares, as the Python side passes them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct SetupArgs {
    base_year: Option<Year>,
    to_year: Option<Year>,
    interpolation: String,
    method: String,
    normalisation: String,
    aggregation: String,
    rule: Option<HashMap<String, String>>,
}

impl SetupArgs {
    fn parse(self) -> PyResult<Setup> {
        Setup::new(
            self.base_year,
            self.to_year,
            &self.interpolation,
            &self.method,
            &self.normalisation,
            &self.aggregation,
            self.rule,
        )
    }
}

/// `fill`: the filled panel, every leaf, unit and year with its value and flag.
#[pyfunction]
pub fn fill(
    py: Python<'_>,
    framework: FrameworkCols,
    observations: ObservationCols<'_>,
    setup: SetupArgs,
) -> PyResult<Out> {
    let setup = setup.parse()?;
    let (table, filled) = detached(py, &setup, &framework, &observations, None, |d| {
        let f = &d.filled;
        let (mut leaf, mut unit, mut flag) = (Coder::default(), Coder::default(), Coder::default());
        let (mut year, mut value) = (Vec::new(), Vec::new());
        for (l, leaf_id) in f.leaf_ids().iter().enumerate() {
            for (u, unit_id) in f.units().iter().enumerate() {
                for (t, y) in f.years().into_iter().enumerate() {
                    let (x, fl) = f
                        .get(l, u, t)
                        .unwrap_or((f64::NAN, index_engine::Flag::Missing));
                    leaf.push(leaf_id);
                    unit.push(unit_id);
                    year.push(i64::from(y));
                    value.push(x);
                    flag.push(fl.as_str());
                }
            }
        }
        let mut t = Table::default();
        t.push("leaf", leaf.finish())
            .push("unit", unit.finish())
            .push("year", Data::I64(year))
            .push("value", Data::F64(value))
            .push("flag", flag.finish());
        Ok((t, d.filled))
    })?;
    let attrs = PyDict::new(py);
    attrs.set_item("interpolation", filled.interpolation())?;
    attrs.set_item("base_year", filled.base_year())?;
    attrs.set_item("to_year", filled.years().last().copied())?;
    attrs.set_item("last_observed_year", filled.last_observed_year())?;
    attrs.set_item("notes", notes_py(py, filled.notes())?)?;
    Ok((table.into_py(py)?, attrs.unbind()))
}

/// `sensitivity`: the one-at-a-time test; the table holds the rows, `attrs["cases"]` every
/// weight change.
#[pyfunction]
#[pyo3(signature = (framework, observations, setup, published=None, perturb=0.2, year=None))]
pub fn sensitivity(
    py: Python<'_>,
    framework: FrameworkCols,
    observations: ObservationCols<'_>,
    setup: SetupArgs,
    published: Option<PublishedCols>,
    perturb: f64,
    year: Option<Year>,
) -> PyResult<Out> {
    let setup = setup.parse()?;
    let report = detached(
        py,
        &setup,
        &framework,
        &observations,
        published.as_ref(),
        |d| {
            let opts = OatOptions { perturb, year };
            let method = d.method(&setup);
            with_method!(&method, m => one_at_a_time(m, &d.fw, &d.filled, &opts))
        },
    )?;
    let (mut node, mut unit) = (Coder::default(), Coder::default());
    let (mut lw, mut ld, mut hw, mut hd) = (
        Coder::default(),
        Coder::default(),
        Coder::default(),
        Coder::default(),
    );
    let (mut nominal, mut low, mut high) = (Vec::new(), Vec::new(), Vec::new());
    for r in &report.rows {
        node.push(&r.node);
        unit.push(&r.unit);
        nominal.push(nan(r.nominal));
        low.push(nan(r.low));
        high.push(nan(r.high));
        let (w, dir) = shift_of(&r.low_by);
        lw.push(w);
        ld.push(dir);
        let (w, dir) = shift_of(&r.high_by);
        hw.push(w);
        hd.push(dir);
    }
    let mut t = Table::default();
    t.push("node", node.finish())
        .push("unit", unit.finish())
        .push("nominal", Data::F64(nominal))
        .push("low", Data::F64(low))
        .push("low_weight", lw.finish())
        .push("low_direction", ld.finish())
        .push("high", Data::F64(high))
        .push("high_weight", hw.finish())
        .push("high_direction", hd.finish());
    let (mut weight, mut direction, mut cunit, mut pct) = (
        Coder::default(),
        Coder::default(),
        Coder::default(),
        Vec::new(),
    );
    for c in &report.cases {
        weight.push(&c.shift.weight);
        direction.push(c.shift.direction.as_str());
        pct.push(nan(c.total_change_pct));
        cunit.push(&c.unit);
    }
    let mut cases = Table::default();
    cases
        .push("weight", weight.finish())
        .push("direction", direction.finish())
        .push("total_change_pct", Data::F64(pct))
        .push("unit", cunit.finish());
    let attrs = PyDict::new(py);
    attrs.set_item("year", report.year)?;
    attrs.set_item("perturb", report.perturb)?;
    attrs.set_item("cases", cases.into_py(py)?)?;
    Ok((t.into_py(py)?, attrs.unbind()))
}

/// The weight and direction of a shift, empty when there is none.
fn shift_of(s: &Option<index_engine::sensitivity::Shift>) -> (&str, &'static str) {
    s.as_ref()
        .map_or(("", ""), |s| (s.weight.as_str(), s.direction.as_str()))
}

/// `uncertainty`: Monte Carlo bands of every node, unit and year under noisy weights.
#[pyfunction]
#[pyo3(signature = (framework, observations, setup, published=None, samples=1000, seed=1, perturb=0.2))]
#[allow(clippy::too_many_arguments)]
pub fn uncertainty(
    py: Python<'_>,
    framework: FrameworkCols,
    observations: ObservationCols<'_>,
    setup: SetupArgs,
    published: Option<PublishedCols>,
    samples: usize,
    seed: u64,
    perturb: f64,
) -> PyResult<Out> {
    let setup = setup.parse()?;
    let report = detached(
        py,
        &setup,
        &framework,
        &observations,
        published.as_ref(),
        |d| {
            // Every field the engine adds later keeps its default.
            #[allow(clippy::needless_update)]
            let opts = McOptions {
                samples,
                seed,
                perturb,
                ..McOptions::default()
            };
            let method = d.method(&setup);
            with_method!(&method, m => monte_carlo(m, &d.fw, &d.filled, &opts, &|_| {}))
        },
    )?;
    let (mut node, mut unit) = (Coder::default(), Coder::default());
    let mut year = Vec::new();
    let mut cols = vec![Vec::new(); 4];
    for b in &report.bands {
        node.push(&b.node);
        unit.push(&b.unit);
        year.push(i64::from(b.year));
        for (col, x) in cols.iter_mut().zip([b.nominal, b.p5, b.p50, b.p95]) {
            col.push(nan(x));
        }
    }
    let mut t = Table::default();
    t.push("node", node.finish())
        .push("unit", unit.finish())
        .push("year", Data::I64(year));
    for (name, col) in ["nominal", "p5", "p50", "p95"].into_iter().zip(cols) {
        t.push(name, Data::F64(col));
    }
    let attrs = PyDict::new(py);
    attrs.set_item("samples", report.samples)?;
    attrs.set_item("seed", report.seed)?;
    attrs.set_item("perturb", report.perturb)?;
    Ok((t.into_py(py)?, attrs.unbind()))
}

/// `sobol`: first- and total-order Sobol indices of one figure to every non-root weight.
#[pyfunction]
#[pyo3(signature = (framework, observations, setup, published=None, samples=1024, seed=1, perturb=0.2, node=None, unit=None, year=None, resamples=100))]
#[allow(clippy::too_many_arguments)]
pub fn sobol_indices(
    py: Python<'_>,
    framework: FrameworkCols,
    observations: ObservationCols<'_>,
    setup: SetupArgs,
    published: Option<PublishedCols>,
    samples: usize,
    seed: u64,
    perturb: f64,
    node: Option<String>,
    unit: Option<String>,
    year: Option<Year>,
    resamples: usize,
) -> PyResult<Out> {
    let setup = setup.parse()?;
    let report = detached(
        py,
        &setup,
        &framework,
        &observations,
        published.as_ref(),
        |d| {
            #[allow(clippy::needless_update)]
            let opts = SobolOptions {
                samples,
                seed,
                perturb,
                node,
                unit,
                year,
                resamples,
                ..SobolOptions::default()
            };
            let method = d.method(&setup);
            with_method!(&method, m => sobol(m, &d.fw, &d.filled, &opts, &|_| {}))
        },
    )?;
    let mut factor = Coder::default();
    let mut cols = vec![Vec::new(); 4];
    for f in &report.factors {
        factor.push(&f.factor);
        for (col, x) in cols.iter_mut().zip([f.s1, f.s1_conf, f.st, f.st_conf]) {
            col.push(nan(x));
        }
    }
    let mut t = Table::default();
    t.push("factor", factor.finish());
    for (name, col) in ["S1", "S1_conf", "ST", "ST_conf"].into_iter().zip(cols) {
        t.push(name, Data::F64(col));
    }
    let attrs = PyDict::new(py);
    attrs.set_item("node", &report.node)?;
    attrs.set_item("unit", &report.unit)?;
    attrs.set_item("year", report.year)?;
    attrs.set_item("samples", report.samples)?;
    attrs.set_item("seed", report.seed)?;
    attrs.set_item("perturb", report.perturb)?;
    attrs.set_item("resamples", report.resamples)?;
    attrs.set_item("runs", report.runs)?;
    attrs.set_item("mean", report.mean)?;
    attrs.set_item("variance", report.variance)?;
    Ok((t.into_py(py)?, attrs.unbind()))
}
