//! Python's columns → the engine's checked inputs. The Python side hands over plain columns
//! (lists for the small framework and published figures, NumPy buffers for the observations);
//! every check is the engine's, and errors name the source (`framework`, `observations`,
//! `published`), the row as `line N` (the N-th row, 1-based), the field and the value.

use index_engine::{
    Direction, Framework, IndexError, NodeSpec, Panel, PanelBuilder, Published, PublishedFigure,
    PublishedKind, Year,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::columns::{f64s, i64s};

/// `framework`'s columns (missing numbers are `NaN`, a root's parent is empty).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct FrameworkCols {
    node: Vec<String>,
    parent: Vec<String>,
    weight: Vec<f64>,
    direction: Vec<f64>,
    level: Vec<f64>,
    name_zh: Vec<String>,
    name_en: Vec<String>,
    unit: Vec<String>,
    latest_year: Vec<f64>,
}

/// `observations`' columns: leaf and unit as codes (`-1` missing) into their names, year and
/// value as `f64` buffers.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct ObservationCols<'py> {
    leaf_codes: Bound<'py, PyBytes>,
    leaf_names: Vec<String>,
    unit_codes: Bound<'py, PyBytes>,
    unit_names: Vec<String>,
    year: Bound<'py, PyBytes>,
    value: Bound<'py, PyBytes>,
}

/// `published`'s columns (an empty unit: the panel's only unit).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct PublishedCols {
    node: Vec<String>,
    unit: Vec<String>,
    year: Vec<f64>,
    index: Vec<f64>,
    kind: Vec<String>,
    quote: Vec<String>,
}

/// The observations as plain Rust values, so they can cross into a thread without the GIL.
pub struct Observations {
    leaf_codes: Vec<i64>,
    leaf_names: Vec<String>,
    unit_codes: Vec<i64>,
    unit_names: Vec<String>,
    year: Vec<f64>,
    value: Vec<f64>,
}

fn invalid(source: &str, line: u64, field: &str, value: String, reason: &str) -> IndexError {
    IndexError::InvalidField {
        source_name: source.to_string(),
        line,
        field: field.to_string(),
        value,
        reason: reason.to_string(),
    }
}

fn equal_lengths(source: &str, lens: &[(&str, usize)]) -> Result<(), IndexError> {
    let first = lens.first().map_or(0, |l| l.1);
    match lens.iter().find(|l| l.1 != first) {
        Some((name, len)) => Err(IndexError::Options(format!(
            "{source}: column '{name}' has {len} rows where '{}' has {first}",
            lens[0].0
        ))),
        None => Ok(()),
    }
}

/// A whole number of type `T` from a float column, or the engine's error naming the cell.
fn whole<T: TryFrom<i64>>(source: &str, line: u64, field: &str, x: f64) -> Result<T, IndexError> {
    let ok = x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15;
    ok.then(|| T::try_from(x as i64).ok())
        .flatten()
        .ok_or_else(|| {
            invalid(
                source,
                line,
                field,
                x.to_string(),
                "not a whole number in range",
            )
        })
}

impl FrameworkCols {
    /// The checked framework.
    pub fn build(&self) -> Result<Framework, IndexError> {
        let n = self.node.len();
        equal_lengths(
            "framework",
            &[
                ("node", n),
                ("parent", self.parent.len()),
                ("weight", self.weight.len()),
                ("direction", self.direction.len()),
                ("level", self.level.len()),
                ("name_zh", self.name_zh.len()),
                ("name_en", self.name_en.len()),
                ("unit", self.unit.len()),
                ("latest_year", self.latest_year.len()),
            ],
        )?;
        let mut specs = Vec::with_capacity(n);
        for i in 0..n {
            let line = i as u64 + 1;
            let id = self.node[i].trim();
            let parent = self.parent[i].trim();
            let mut spec = if parent.is_empty() {
                NodeSpec::root(id)
            } else {
                NodeSpec::child(id, parent)
            }
            .names(self.name_zh[i].trim(), self.name_en[i].trim())
            .unit(self.unit[i].trim());
            if !self.weight[i].is_nan() {
                spec = spec.weight(self.weight[i]);
            }
            let d = self.direction[i];
            if d == -1.0 {
                spec = spec.direction(Direction::LowerIsBetter);
            } else if !(d.is_nan() || d == 1.0) {
                return Err(IndexError::Framework {
                    source_name: "framework".into(),
                    line,
                    id: id.to_string(),
                    reason: format!("direction must be 1 or -1, not {d}"),
                });
            }
            if !self.level[i].is_nan() {
                spec.level = Some(whole("framework", line, "level", self.level[i])?);
            }
            if !self.latest_year[i].is_nan() {
                spec = spec.latest_year(whole(
                    "framework",
                    line,
                    "latest_year",
                    self.latest_year[i],
                )?);
            }
            specs.push(spec);
        }
        Framework::from_nodes(specs)
    }
}

impl ObservationCols<'_> {
    /// Borrows the buffers, so they can be read without the GIL.
    pub fn raw(&self) -> RawObservations<'_> {
        RawObservations {
            leaf_codes: self.leaf_codes.as_bytes(),
            leaf_names: &self.leaf_names,
            unit_codes: self.unit_codes.as_bytes(),
            unit_names: &self.unit_names,
            year: self.year.as_bytes(),
            value: self.value.as_bytes(),
        }
    }
}

/// The observations' buffers, borrowed from Python's objects (which the caller keeps alive).
pub struct RawObservations<'a> {
    leaf_codes: &'a [u8],
    leaf_names: &'a [String],
    unit_codes: &'a [u8],
    unit_names: &'a [String],
    year: &'a [u8],
    value: &'a [u8],
}

impl RawObservations<'_> {
    /// The columns decoded from the buffers.
    pub fn take(&self) -> Result<Observations, IndexError> {
        let bad = |name: &str| {
            IndexError::Options(format!(
                "observations: column '{name}' is not a buffer of 8-byte numbers"
            ))
        };
        let obs = Observations {
            leaf_codes: i64s(self.leaf_codes).ok_or_else(|| bad("leaf"))?,
            leaf_names: self.leaf_names.to_vec(),
            unit_codes: i64s(self.unit_codes).ok_or_else(|| bad("unit"))?,
            unit_names: self.unit_names.to_vec(),
            year: f64s(self.year).ok_or_else(|| bad("year"))?,
            value: f64s(self.value).ok_or_else(|| bad("value"))?,
        };
        equal_lengths(
            "observations",
            &[
                ("leaf", obs.leaf_codes.len()),
                ("unit", obs.unit_codes.len()),
                ("year", obs.year.len()),
                ("value", obs.value.len()),
            ],
        )?;
        Ok(obs)
    }
}

/// The text of `code` (empty for a missing text, `-1`).
fn pick<'a>(names: &[&'a str], code: i64) -> &'a str {
    usize::try_from(code)
        .ok()
        .and_then(|c| names.get(c))
        .copied()
        .unwrap_or("")
}

impl Observations {
    /// The checked panel of `framework`'s leaves (all-or-nothing).
    pub fn panel(&self, framework: &Framework) -> Result<Panel, IndexError> {
        // Each distinct text is trimmed once, not once per row.
        let leaves: Vec<&str> = self.leaf_names.iter().map(|s| s.trim()).collect();
        let units: Vec<&str> = self.unit_names.iter().map(|s| s.trim()).collect();
        let mut b = PanelBuilder::new(framework, "observations");
        for i in 0..self.value.len() {
            let line = i as u64 + 1;
            let year: Year = whole("observations", line, "year", self.year[i])?;
            b.add(
                pick(&leaves, self.leaf_codes[i]),
                pick(&units, self.unit_codes[i]),
                year,
                self.value[i],
                line,
            )?;
        }
        b.finish()
    }
}

impl PublishedCols {
    /// The checked published figures of `framework` for `panel`.
    pub fn build(&self, framework: &Framework, panel: &Panel) -> Result<Published, IndexError> {
        let n = self.node.len();
        equal_lengths(
            "published",
            &[
                ("node", n),
                ("unit", self.unit.len()),
                ("year", self.year.len()),
                ("index", self.index.len()),
                ("kind", self.kind.len()),
                ("quote", self.quote.len()),
            ],
        )?;
        let only_unit = match panel.units() {
            [u] => Some(u.as_str()),
            _ => None,
        };
        let mut figures = Vec::with_capacity(n);
        for i in 0..n {
            let line = i as u64 + 1;
            let unit = match (self.unit[i].trim(), only_unit) {
                ("", Some(u)) => u,
                (u, _) => u,
            };
            let year: Year = whole("published", line, "year", self.year[i])?;
            let mut f = PublishedFigure::new(self.node[i].trim(), unit, year, self.index[i]);
            f.kind = match self.kind[i].trim() {
                "" | "actual" => PublishedKind::Actual,
                "estimate" => PublishedKind::Estimate,
                other => {
                    return Err(invalid(
                        "published",
                        line,
                        "kind",
                        other.to_string(),
                        "must be actual, estimate or empty",
                    ));
                }
            };
            f.quote = self.quote[i].clone();
            figures.push(f);
        }
        Published::from_records(framework, panel, figures)
    }
}
