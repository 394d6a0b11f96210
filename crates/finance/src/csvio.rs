//! Reading CSV tables, all or nothing, with the line, column and value of every error.
//!
//! Rows are read field by field through [`Row`], by column name, with `FromStr`: every error
//! names the source, the line, the column and the value as given.

use std::io::Read;
use std::str::FromStr;

use crate::error::{FinanceError, Result};

/// One row of a CSV table, read by column name.
pub(crate) struct Row<'a> {
    source_name: &'a str,
    line: u64,
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The 1-based line of the row in its file.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// An error about `field` = `value` on this row.
    pub(crate) fn error(
        &self,
        field: &str,
        value: &str,
        reason: impl Into<String>,
    ) -> FinanceError {
        FinanceError::Row {
            source_name: self.source_name.to_string(),
            line: self.line,
            field: field.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// The raw text of a column (trimmed); an error when the table has no such column.
    pub(crate) fn text(&self, field: &str) -> Result<&str> {
        let i = self
            .headers
            .iter()
            .position(|h| h == field)
            .ok_or_else(|| self.error(field, "", "the table has no such column"))?;
        Ok(self.record.get(i).unwrap_or("").trim())
    }

    /// A required value.
    pub(crate) fn get<T: FromStr>(&self, field: &str) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        let t = self.text(field)?;
        if t.is_empty() {
            return Err(self.error(field, t, "required"));
        }
        t.parse()
            .map_err(|e: T::Err| self.error(field, t, e.to_string()))
    }

    /// An optional value: an empty field is `None`.
    pub(crate) fn opt<T: FromStr>(&self, field: &str) -> Result<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        let t = self.text(field)?;
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|e: T::Err| self.error(field, t, e.to_string()))
    }
}

/// Reads every row of a CSV table (header on line 1), converting each with `convert`.
///
/// The first bad row stops the read with an error naming `source_name`, the line, the column
/// and the value; more than `rows_max` rows are refused. Fields are trimmed.
pub(crate) fn read_rows<T>(
    reader: impl Read,
    source_name: &str,
    what: &'static str,
    rows_max: usize,
    mut convert: impl FnMut(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    let bad = |line: u64, reason: String| FinanceError::Row {
        source_name: source_name.to_string(),
        line,
        field: "row".to_string(),
        value: String::new(),
        reason,
    };
    let headers = rdr.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(bad(line, e.to_string()));
            }
        }
        if out.len() >= rows_max {
            return Err(FinanceError::TooMany {
                what,
                count: out.len() + 1,
                max: rows_max,
            });
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row = Row {
            source_name,
            line,
            headers: &headers,
            record: &record,
        };
        out.push(convert(&row)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, max: usize) -> Result<Vec<(u64, u32, Option<u32>)>> {
        read_rows(text.as_bytes(), "t.csv", "rows", max, |r| {
            Ok((r.line(), r.get("a")?, r.opt("b")?))
        })
    }

    #[test]
    fn errors_name_line_field_value() {
        let msg = parse("a,b\n1,2\n3,\n4,x\n", 10).unwrap_err().to_string();
        assert!(msg.starts_with("t.csv:4: field 'b' = 'x'"), "{msg}");
        let ok = parse("a,b\n1,2\n3,\n", 10).unwrap();
        assert_eq!(ok, vec![(2, 1, Some(2)), (3, 3, None)]);
        assert!(matches!(
            parse("a,b\n1,2\n3,\n", 1),
            Err(FinanceError::TooMany { .. })
        ));
        let msg = parse("a,b\n,2\n", 10).unwrap_err().to_string();
        assert!(
            msg.starts_with("t.csv:2: field 'a' = '': required"),
            "{msg}"
        );
        let msg = parse("a,c\n1,2\n", 10).unwrap_err().to_string();
        assert!(
            msg.contains("field 'b'") && msg.contains("no such column"),
            "{msg}"
        );
    }
}
