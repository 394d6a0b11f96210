//! Output for people (tables) and for programs (`--format csv|json`).
//!
//! Every command that prints records builds a [`Table`] (or serialisable rows) and hands it to
//! [`Table::print`]; the format flag decides how it looks. Tables round for readability;
//! CSV and JSON carry full precision, so commands put unrounded values in the cells and pass
//! a separate rounded table only when they print for people.

use std::io::Write;

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table as Comfy, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// An aligned table for people.
    #[default]
    Table,
    /// Comma-separated values with a header row, full precision.
    Csv,
    /// A JSON array of objects keyed by the header, full precision.
    Json,
}

/// A rectangular result: a header and rows of cells, all as text.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names; also the CSV header and the JSON keys.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with the given column names.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn push<I, S>(&mut self, row: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    /// Writes the table in `format` to `out`.
    pub fn write_to(&self, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
        match format {
            Format::Table => {
                let mut t = Comfy::new();
                t.load_preset(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Disabled)
                    .set_header(self.header.clone());
                for r in &self.rows {
                    t.add_row(r.clone());
                }
                writeln!(out, "{t}")?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(&self.header)?;
                for r in &self.rows {
                    w.write_record(r)?;
                }
                w.flush()?;
            }
            Format::Json => {
                let objs: Vec<serde_json::Map<String, serde_json::Value>> = self
                    .rows
                    .iter()
                    .map(|r| {
                        self.header
                            .iter()
                            .zip(r)
                            .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                            .collect()
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &objs)?;
                writeln!(out)?;
            }
        }
        Ok(())
    }

    /// Prints the table in `format` on standard output.
    pub fn print(&self, format: Format) -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        self.write_to(format, &mut lock)
    }
}

/// Prints any serialisable value as pretty JSON on standard output.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    serde_json::to_writer_pretty(&mut lock, value)?;
    writeln!(lock)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(["node", "value"]);
        t.push(["fusion", "101.5"]);
        t.push(["a,b", "2"]);
        t
    }

    #[test]
    fn csv_quotes_and_keeps_header() {
        let mut buf = Vec::new();
        sample().write_to(Format::Csv, &mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "node,value\nfusion,101.5\n\"a,b\",2\n"
        );
    }

    #[test]
    fn json_is_objects_keyed_by_header() {
        let mut buf = Vec::new();
        sample().write_to(Format::Json, &mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v[1]["node"], "a,b");
        assert_eq!(v.as_array().unwrap().len(), 2);
    }
}
