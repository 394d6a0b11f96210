//! Fact tables: CSV files with one case per row (a violation, a planned inspection, a firm's
//! own facts), some columns reserved for the caller (an id, a date, a note) and the others
//! facts of a rule set, typed by its schema. One reader for every command that reads facts.
//!
//! A table is read all or nothing: a misspelt column, a missing required column, a cell that
//! does not fit its fact's type, or a row too many refuses the whole file, naming the file,
//! line, column and value.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::NaiveDate;

use crate::error::Error;
use crate::facts::FactMap;
use crate::model::RuleSet;

/// Most rows one fact table may have.
pub const FACT_TABLE_ROWS_MAX: usize = 1_000_000;

/// One row of a fact table.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    /// The non-empty cells of reserved columns, by column.
    pub fields: BTreeMap<String, String>,
    /// The facts of the row (empty cells are unknown facts, left out).
    pub facts: FactMap,
}

/// A fact table read from CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct FactTable {
    /// The name errors are reported against (usually the file path).
    pub source: String,
    /// The header, trimmed.
    pub header: Vec<String>,
    /// The rows, in file order.
    pub rows: Vec<FactRow>,
}

impl FactTable {
    /// Reads a CSV table from `reader`. Every column is either one of `reserved` or, when
    /// `set` is given, a fact of `set` (typed by its schema); without a set, columns that are
    /// not reserved are ignored. The columns of `required` must be present. Cells are
    /// trimmed; an empty cell is a missing value.
    ///
    /// ```
    /// use sandbox_rules::{RuleSet, table::FactTable};
    /// let set = RuleSet::from_toml(r#"
    ///     [set]
    ///     name = "t"
    ///     default = "no"
    ///     default_citation = "demo"
    ///     [facts.minor]
    ///     type = "boolean"
    ///     [[rule]]
    ///     id = "r"
    ///     citation = "demo"
    ///     when = { fact = "minor", is = true }
    ///     outcome = "yes"
    /// "#, "t.toml")?;
    /// let csv = "id,minor,note\nV1,true,first\nV2,,\n";
    /// let t = FactTable::read_csv(csv.as_bytes(), "v.csv", Some(&set), &["id", "note"], &["id"])?;
    /// assert_eq!(t.rows[0].field("id"), Some("V1"));
    /// assert_eq!(t.rows[1].facts.get("minor"), None); // empty: not known
    /// assert!(FactTable::read_csv("id,minr\nV1,true\n".as_bytes(), "v.csv", Some(&set), &["id"], &["id"]).is_err());
    /// # Ok::<(), sandbox_rules::Error>(())
    /// ```
    pub fn read_csv<R: Read>(
        reader: R,
        source: &str,
        set: Option<&RuleSet>,
        reserved: &[&str],
        required: &[&str],
    ) -> Result<Self, Error> {
        let syntax = |line: usize, e: &csv::Error| Error::Syntax {
            file: source.to_string(),
            line,
            message: e.to_string(),
        };
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| syntax(1, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        for col in required {
            if !header.iter().any(|h| h == col) {
                return Err(Error::Input {
                    origin: source.to_string(),
                    message: format!("needs a '{col}' column (columns: {})", header.join(", ")),
                });
            }
        }
        if let Some(set) = set {
            for h in &header {
                if !reserved.contains(&h.as_str()) && set.fact_type(h).is_none() {
                    let mut known: Vec<&str> =
                        set.facts().iter().map(|f| f.name.as_str()).collect();
                    known.sort_unstable();
                    return Err(Error::Invalid {
                        file: source.to_string(),
                        line: 1,
                        message: format!(
                            "column '{h}' is not a fact of rule set '{}' (facts: {}; reserved: {})",
                            set.name(),
                            known.join(", "),
                            reserved.join(", ")
                        ),
                    });
                }
            }
        }
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line() as usize);
                syntax(line, &e)
            })?;
            let line = rec.position().map_or(0, |p| p.line() as usize);
            if rows.len() >= FACT_TABLE_ROWS_MAX {
                return Err(Error::Limit {
                    what: format!("{source}: rows"),
                    limit: FACT_TABLE_ROWS_MAX,
                });
            }
            let mut fields = BTreeMap::new();
            for (h, cell) in header.iter().zip(rec.iter()) {
                if reserved.contains(&h.as_str()) && !cell.is_empty() {
                    fields.insert(h.clone(), cell.to_string());
                }
            }
            let facts = match set {
                Some(set) => FactMap::from_text_pairs(
                    set,
                    header
                        .iter()
                        .zip(rec.iter())
                        .filter(|(h, _)| !reserved.contains(&h.as_str()))
                        .map(|(h, c)| (h.as_str(), c)),
                    source,
                    line,
                )?,
                None => FactMap::new(),
            };
            rows.push(FactRow {
                line,
                fields,
                facts,
            });
        }
        Ok(Self {
            source: source.to_string(),
            header,
            rows,
        })
    }
}

impl FactRow {
    /// The non-empty cell of a reserved column.
    pub fn field(&self, column: &str) -> Option<&str> {
        self.fields.get(column).map(String::as_str)
    }

    /// The cell of a reserved column that must not be empty.
    pub fn require(&self, column: &str, source: &str) -> Result<&str, Error> {
        self.field(column).ok_or_else(|| Error::Invalid {
            file: source.to_string(),
            line: self.line,
            message: format!("empty '{column}'"),
        })
    }

    /// The date (YYYY-MM-DD) in a reserved column, `None` when the cell is empty.
    pub fn date(&self, column: &str, source: &str) -> Result<Option<NaiveDate>, Error> {
        self.field(column)
            .map(|text| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Error::Invalid {
                    file: source.to_string(),
                    line: self.line,
                    message: format!("column '{column}': '{text}' is not a date (YYYY-MM-DD)"),
                })
            })
            .transpose()
    }
}
