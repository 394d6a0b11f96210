//! # shuchuang-index-py
//!
//! The native half of the Python package `shuchuang_index`: index-engine's computations on
//! columns that the package's Python half (`shuchuang_index/__init__.py`) takes from and
//! returns to pandas DataFrames or dicts of NumPy arrays. Every computation runs with the GIL
//! released; every error of the engine becomes a `ValueError` with the engine's message.
//!
//! Built by maturin (`pip install ./python`); not a member of the main workspace, because an
//! extension module links against the Python interpreter that loads it (docs/architecture.md).

mod columns;
mod input;
mod run;

use index_engine::{Framework, Panel, Published, caict2025, synth};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::columns::{Coder, Data, Table, nan};

fn value_error(e: index_engine::IndexError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A framework's nodes as the columns `framework` takes.
fn framework_table(fw: &Framework) -> Table {
    let (mut node, mut parent, mut zh, mut en, mut unit) = (
        Coder::default(),
        Coder::default(),
        Coder::default(),
        Coder::default(),
        Coder::default(),
    );
    let (mut level, mut weight, mut direction, mut latest) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for n in fw.nodes() {
        let s = &n.spec;
        node.push(&s.id);
        parent.push(s.parent.as_deref().unwrap_or(""));
        level.push(i64::from(n.depth));
        zh.push(&s.name_zh);
        en.push(&s.name_en);
        weight.push(nan(s.weight));
        direction.push(s.direction.sign());
        unit.push(&s.unit);
        latest.push(nan(s.latest_year.map(f64::from)));
    }
    let mut t = Table::default();
    t.push("node", node.finish())
        .push("parent", parent.finish())
        .push("level", Data::I64(level))
        .push("name_zh", zh.finish())
        .push("name_en", en.finish())
        .push("weight", Data::F64(weight))
        .push("direction", Data::F64(direction))
        .push("unit", unit.finish())
        .push("latest_year", Data::F64(latest));
    t
}

/// A panel's observed values as the columns `observations` takes, by leaf, unit and year.
fn panel_table(panel: &Panel) -> Table {
    let (mut leaf, mut unit) = (Coder::default(), Coder::default());
    let (mut year, mut value) = (Vec::new(), Vec::new());
    if let Some((first, last)) = panel.year_span() {
        for (l, leaf_id) in panel.leaf_ids().iter().enumerate() {
            for (u, unit_id) in panel.units().iter().enumerate() {
                for y in first..=last {
                    if let Some(x) = panel.value(l, u, y) {
                        leaf.push(leaf_id);
                        unit.push(unit_id);
                        year.push(i64::from(y));
                        value.push(x);
                    }
                }
            }
        }
    }
    let mut t = Table::default();
    t.push("leaf", leaf.finish())
        .push("unit", unit.finish())
        .push("year", Data::I64(year))
        .push("value", Data::F64(value));
    t
}

/// Published figures as the columns `published` takes.
fn published_table(p: &Published) -> Table {
    let (mut node, mut unit, mut kind, mut quote) = (
        Coder::default(),
        Coder::default(),
        Coder::default(),
        Coder::default(),
    );
    let (mut year, mut index) = (Vec::new(), Vec::new());
    for f in p.figures() {
        node.push(&f.node);
        unit.push(&f.unit);
        year.push(i64::from(f.year));
        index.push(f.index);
        kind.push(f.kind.as_str());
        quote.push(&f.quote);
    }
    let mut t = Table::default();
    t.push("node", node.finish())
        .push("unit", unit.finish())
        .push("year", Data::I64(year))
        .push("index", Data::F64(index))
        .push("kind", kind.finish())
        .push("quote", quote.finish());
    t
}

/// The CAICT 2025 framework (4-12-27), embedded.
#[pyfunction]
fn caict2025_framework(py: Python<'_>) -> PyResult<Py<PyList>> {
    let fw = caict2025::framework().map_err(value_error)?;
    framework_table(&fw).into_py(py)
}

/// The CAICT 2025 national observations (unit `CN`), embedded.
#[pyfunction]
fn caict2025_panel(py: Python<'_>) -> PyResult<Py<PyList>> {
    let fw = caict2025::framework().map_err(value_error)?;
    let panel = caict2025::panel(&fw).map_err(value_error)?;
    panel_table(&panel).into_py(py)
}

/// The index values the CAICT 2025 report publishes for its nodes, embedded.
#[pyfunction]
fn caict2025_published(py: Python<'_>) -> PyResult<Py<PyList>> {
    let fw = caict2025::framework().map_err(value_error)?;
    let panel = caict2025::panel(&fw).map_err(value_error)?;
    let published = caict2025::published(&fw, &panel).map_err(value_error)?;
    published_table(&published).into_py(py)
}

/// The framework of synthetic panels (the CAICT framework without latest published years).
#[pyfunction]
fn synth_framework(py: Python<'_>) -> PyResult<Py<PyList>> {
    let fw = synth::framework().map_err(value_error)?;
    framework_table(&fw).into_py(py)
}

/// A synthetic panel of [`synth_framework`]'s leaves (seeded; the same on every platform).
#[pyfunction]
#[pyo3(signature = (units=1000, years=31, first_year=2000, seed=1, gap_share=0.05))]
fn synth_panel(
    py: Python<'_>,
    units: usize,
    years: usize,
    first_year: index_engine::Year,
    seed: u64,
    gap_share: f64,
) -> PyResult<Py<PyList>> {
    let opts = synth::SynthOptions {
        units,
        years,
        first_year,
        seed,
        gap_share,
    };
    let table = py
        .detach(|| {
            let fw = synth::framework()?;
            synth::synth_panel(&fw, &opts).map(|p| panel_table(&p))
        })
        .map_err(value_error)?;
    table.into_py(py)
}

/// The extension module `shuchuang_index._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run::compute, m)?)?;
    m.add_function(wrap_pyfunction!(run::fill, m)?)?;
    m.add_function(wrap_pyfunction!(run::sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(run::uncertainty, m)?)?;
    m.add_function(wrap_pyfunction!(run::sobol_indices, m)?)?;
    m.add_function(wrap_pyfunction!(caict2025_framework, m)?)?;
    m.add_function(wrap_pyfunction!(caict2025_panel, m)?)?;
    m.add_function(wrap_pyfunction!(caict2025_published, m)?)?;
    m.add_function(wrap_pyfunction!(synth_framework, m)?)?;
    m.add_function(wrap_pyfunction!(synth_panel, m)?)?;
    Ok(())
}
