//! Reading a text CSV table the one way the crate's parsers share: a trimmed header with
//! named columns in any order, and records read one by one under a bound, every error naming
//! the source and the line.

use std::io::Read;

use crate::error::{IndexError, Result};

/// A CSV input with its header read.
pub(crate) struct Table<R: Read> {
    rdr: csv::Reader<R>,
    header: csv::StringRecord,
    source_name: String,
    expected: &'static str,
}

impl<R: Read> Table<R> {
    /// Opens `reader` and reads its header; `expected` lists the format's columns for
    /// messages.
    pub(crate) fn open(reader: R, source_name: &str, expected: &'static str) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header = rdr
            .headers()
            .map_err(|e| IndexError::csv(source_name, &e))?
            .clone();
        Ok(Self {
            rdr,
            header,
            source_name: source_name.to_string(),
            expected,
        })
    }

    /// The position of an optional column.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The position of a required column, or an error naming it.
    pub(crate) fn required(&self, name: &str) -> Result<usize> {
        self.column(name).ok_or_else(|| IndexError::MissingColumn {
            source_name: self.source_name.clone(),
            column: name.to_string(),
            expected: self.expected.to_string(),
        })
    }

    /// Calls `each(record, line)` for every record; more than `max` records is an error
    /// (`what` names them).
    pub(crate) fn for_each(
        mut self,
        max: usize,
        what: &str,
        mut each: impl FnMut(&csv::StringRecord, u64) -> Result<()>,
    ) -> Result<()> {
        let mut record = csv::StringRecord::new();
        let mut count = 0usize;
        loop {
            match self.rdr.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(e) => return Err(IndexError::csv(&self.source_name, &e)),
            }
            if count >= max {
                return Err(IndexError::TooLarge {
                    what: format!("{}: number of {what}", self.source_name),
                    limit: max as u64,
                    actual: count as u64 + 1,
                });
            }
            count += 1;
            let line = record.position().map_or(0, csv::Position::line);
            each(&record, line)?;
        }
    }
}

/// The cell of `record` in column `c` (empty when the column or the cell is absent).
pub(crate) fn cell(record: &csv::StringRecord, c: Option<usize>) -> &str {
    c.and_then(|c| record.get(c)).unwrap_or("")
}
