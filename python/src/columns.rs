//! Tables handed to Python: named columns of numbers or of categories, each number column as
//! the bytes of a native-endian array (`numpy.frombuffer` reads it without parsing), each text
//! column as codes into its list of names (pandas' `Categorical.from_codes`). A table of 2,000
//! units × 44 nodes × 31 years (2.7 million rows) crosses as ten buffers, not millions of
//! Python objects.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyList, PyTuple};

/// The data of one column.
pub enum Data {
    /// Floats; `NaN` where a figure does not exist.
    F64(Vec<f64>),
    /// Whole numbers (years).
    I64(Vec<i64>),
    /// Text, as positions in `names`.
    Cat {
        /// Position of each row's text in `names`.
        codes: Vec<u32>,
        /// The distinct texts.
        names: Vec<String>,
    },
}

/// Named columns of equal length, in order.
#[derive(Default)]
pub struct Table {
    columns: Vec<(&'static str, Data)>,
}

/// Collects text column values as codes, giving each new text the next code.
#[derive(Default)]
pub struct Coder {
    codes: Vec<u32>,
    names: Vec<String>,
    seen: HashMap<String, u32>,
}

impl Coder {
    /// Appends `text`.
    pub fn push(&mut self, text: &str) {
        let code = match self.seen.get(text) {
            Some(&c) => c,
            None => {
                let c = self.names.len() as u32;
                self.seen.insert(text.to_string(), c);
                self.names.push(text.to_string());
                c
            }
        };
        self.codes.push(code);
    }

    /// The column.
    pub fn finish(self) -> Data {
        Data::Cat {
            codes: self.codes,
            names: self.names,
        }
    }
}

/// `None` as `NaN`, the missing value of a float column.
pub fn nan(x: Option<f64>) -> f64 {
    x.unwrap_or(f64::NAN)
}

impl Table {
    /// Appends a column.
    pub fn push(&mut self, name: &'static str, data: Data) -> &mut Self {
        self.columns.push((name, data));
        self
    }

    /// Converts to a Python list of `(name, kind, bytearray, names)` tuples (a bytearray, so the
    /// NumPy arrays over it are writable without a copy), `kind` one of `f8`,
    /// `i8` and `cat` (codes as native `u4`), `names` `None` except for `cat`.
    pub fn into_py(self, py: Python<'_>) -> PyResult<Py<PyList>> {
        let items = PyList::empty(py);
        for (name, data) in self.columns {
            let item = match data {
                Data::F64(v) => {
                    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_ne_bytes()).collect();
                    (name, "f8", PyByteArray::new(py, &bytes), py.None()).into_pyobject(py)?
                }
                Data::I64(v) => {
                    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_ne_bytes()).collect();
                    (name, "i8", PyByteArray::new(py, &bytes), py.None()).into_pyobject(py)?
                }
                Data::Cat { codes, names } => {
                    let bytes: Vec<u8> = codes.iter().flat_map(|x| x.to_ne_bytes()).collect();
                    let names = PyList::new(py, names)?;
                    (name, "cat", PyByteArray::new(py, &bytes), names).into_pyobject(py)?
                }
            };
            let item: Bound<'_, PyTuple> = item;
            items.append(item)?;
        }
        Ok(items.unbind())
    }
}

/// Reads a native-endian `f64` array from the bytes of a NumPy buffer; `None` when the length
/// is not a whole number of values.
pub fn f64s(bytes: &[u8]) -> Option<Vec<f64>> {
    (bytes.len() % 8 == 0).then(|| {
        bytes
            .chunks_exact(8)
            .map(|c| c.try_into().map_or(f64::NAN, f64::from_ne_bytes))
            .collect()
    })
}

/// Reads a native-endian `i64` array (codes; `-1` for a missing text).
pub fn i64s(bytes: &[u8]) -> Option<Vec<i64>> {
    (bytes.len() % 8 == 0).then(|| {
        bytes
            .chunks_exact(8)
            .map(|c| c.try_into().map_or(-1, i64::from_ne_bytes))
            .collect()
    })
}
