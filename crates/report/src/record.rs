//! One record of named fields (a ledger reply, a verification): field/value rows for people
//! and CSV, one JSON object with typed values for programs.

use std::io::Write;

use crate::cell::Cell;
use crate::error::Result;
use crate::format::Format;
use crate::table::Table;

/// Named fields, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// The fields.
    pub fields: Vec<(String, Cell)>,
}

impl Record {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<Cell>) {
        self.fields.push((name.into(), value.into()));
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> Option<&Cell> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The record as a JSON object.
    pub fn json(&self) -> serde_json::Value {
        self.fields
            .iter()
            .map(|(k, v)| (k.clone(), v.json()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// Writes the record in `format` to `out`.
    pub fn write_to(&self, format: Format, out: &mut dyn Write) -> Result<()> {
        if format == Format::Json {
            serde_json::to_writer_pretty(&mut *out, &self.json())?;
            writeln!(out)?;
            return Ok(out.flush()?);
        }
        let mut t = Table::new(["field", "value"]);
        for (k, v) in &self.fields {
            t.push([Cell::from(k), v.clone()]);
        }
        t.write_to(format, out)
    }
}
