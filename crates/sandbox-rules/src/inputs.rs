//! The case files of the enforcement, inspection and matching workflows, read once here so
//! that every program (the CLI, the cycle, another office's tool) reads them alike.
//!
//! - a violations table (`id`, `date`, `note` and facts of the enforcement set),
//! - an inspection plan (`id`, `firm`, `department`, `date`, `subject`, `note` and facts of
//!   the inspection set) and the visits already made (`firm`, `department`, `date`,
//!   `subject`),
//! - a firm-supplied fact table for benefit matching (`id`, `name` and facts of the benefit
//!   set),
//! - a local list of offences exempt from penalty (免罚清单: first offences, minor ones) in
//!   TOML, which sets the enforcement set's list parameters from a date.
//!
//! Every reader is all or nothing: one bad row refuses the file, naming the file, line and
//! value. Bounds: a table holds at most [`crate::table::FACT_TABLE_ROWS_MAX`] rows; a list file is held
//! in memory as given (the caller bounds its size).
//!
//! ```
//! use sandbox_rules::inputs::ExemptionLists;
//! use sandbox_rules::inspection::CompletedVisit;
//! let visits = CompletedVisit::read_csv(
//!     "firm,department,date,subject\nF1,market,2026-03-02,fire safety\n",
//!     "done.csv",
//! )?;
//! assert_eq!(visits[0].date.to_string(), "2026-03-02");
//! assert!(CompletedVisit::read_csv("firm,department,date,subject\nF1,market,,x\n", "done.csv")
//!     .unwrap_err()
//!     .to_string()
//!     .starts_with("done.csv:2:"));
//!
//! let lists = ExemptionLists::from_toml("from = 2026-01-01\nminor = [\"A-1\"]\n", "lists.toml")?;
//! assert_eq!(lists.minor, Some(vec!["A-1".to_string()]));
//! # Ok::<(), sandbox_rules::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::Error;
use crate::facts::FactMap;
use crate::inspection::{CompletedVisit, PlannedInspection};
use crate::model::RuleSet;
use crate::table::{FactRow, FactTable};
use crate::value::Value;

/// A row's date that must be there.
fn required_date(row: &FactRow, column: &str, source: &str) -> Result<NaiveDate, Error> {
    row.date(column, source)?.ok_or_else(|| Error::Invalid {
        file: source.to_string(),
        line: row.line,
        message: format!("empty '{column}'"),
    })
}

/// One violation to decide under the enforcement rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The case's id.
    pub id: String,
    /// The day it is decided on (the row's `date`, or the caller's default).
    pub date: NaiveDate,
    /// The facts of the case.
    pub facts: FactMap,
}

impl Violation {
    /// Reserved columns of a violations table (`id` required).
    pub const COLUMNS: [&'static str; 3] = ["id", "date", "note"];

    /// Reads a violations table against `set`; a row without a date is decided on
    /// `default_date`.
    pub fn read_csv(
        text: &str,
        source: &str,
        set: &RuleSet,
        default_date: NaiveDate,
    ) -> Result<Vec<Self>, Error> {
        let table =
            FactTable::read_csv(text.as_bytes(), source, Some(set), &Self::COLUMNS, &["id"])?;
        table
            .rows
            .into_iter()
            .map(|row| {
                Ok(Violation {
                    id: row.require("id", source)?.to_string(),
                    date: row.date("date", source)?.unwrap_or(default_date),
                    facts: row.facts,
                })
            })
            .collect()
    }
}

impl PlannedInspection {
    /// Reserved columns of an inspection plan; all but `note` are required.
    pub const COLUMNS: [&'static str; 6] = ["id", "firm", "department", "date", "subject", "note"];

    /// Reads an inspection plan against the inspection rule set `set`.
    pub fn read_csv(text: &str, source: &str, set: &RuleSet) -> Result<Vec<Self>, Error> {
        let table = FactTable::read_csv(
            text.as_bytes(),
            source,
            Some(set),
            &Self::COLUMNS,
            &Self::COLUMNS[..5],
        )?;
        table
            .rows
            .into_iter()
            .map(|row| {
                Ok(PlannedInspection {
                    id: row.require("id", source)?.to_string(),
                    firm: row.require("firm", source)?.to_string(),
                    department: row.require("department", source)?.to_string(),
                    date: required_date(&row, "date", source)?,
                    subject: row.require("subject", source)?.to_string(),
                    facts: row.facts,
                })
            })
            .collect()
    }
}

impl CompletedVisit {
    /// Columns of a table of visits already made, all required.
    pub const COLUMNS: [&'static str; 4] = ["firm", "department", "date", "subject"];

    /// Reads the visits already made.
    pub fn read_csv(text: &str, source: &str) -> Result<Vec<Self>, Error> {
        let table = FactTable::read_csv(
            text.as_bytes(),
            source,
            None,
            &Self::COLUMNS,
            &Self::COLUMNS,
        )?;
        table
            .rows
            .iter()
            .map(|row| {
                Ok(CompletedVisit {
                    firm: row.require("firm", source)?.to_string(),
                    department: row.require("department", source)?.to_string(),
                    date: required_date(row, "date", source)?,
                    subject: row.require("subject", source)?.to_string(),
                })
            })
            .collect()
    }
}

/// Facts firms supplied themselves, by firm id, for benefit matching.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuppliedFacts {
    /// Where they were read from (for errors).
    pub source: String,
    /// The facts, by firm id.
    pub by_firm: BTreeMap<String, FactMap>,
}

impl SuppliedFacts {
    /// Reserved columns of a supplied-facts table (`id` required).
    pub const COLUMNS: [&'static str; 2] = ["id", "name"];

    /// Reads a supplied-facts table against the benefit set `set`; a firm listed twice is
    /// refused.
    pub fn read_csv(text: &str, source: &str, set: &RuleSet) -> Result<Self, Error> {
        let table =
            FactTable::read_csv(text.as_bytes(), source, Some(set), &Self::COLUMNS, &["id"])?;
        let mut by_firm = BTreeMap::new();
        for row in table.rows {
            let id = row.require("id", source)?.to_string();
            if by_firm.contains_key(&id) {
                return Err(Error::Invalid {
                    file: source.to_string(),
                    line: row.line,
                    message: format!("firm {id} appears twice"),
                });
            }
            by_firm.insert(id, row.facts);
        }
        Ok(SuppliedFacts {
            source: source.to_string(),
            by_firm,
        })
    }

    /// Adds each firm's supplied facts to its facts (a supplied fact wins over a derived
    /// one). A supplied firm that is not among `subjects` is refused, and nothing changes.
    pub fn merge_into(&self, subjects: &mut [(String, FactMap)]) -> Result<(), Error> {
        let known: BTreeSet<&str> = subjects.iter().map(|s| s.0.as_str()).collect();
        if let Some(stray) = self.by_firm.keys().find(|k| !known.contains(k.as_str())) {
            return Err(Error::Input {
                origin: self.source.clone(),
                message: format!("firm {stray} is not in the registry"),
            });
        }
        for (id, facts) in subjects.iter_mut() {
            if let Some(extra) = self.by_firm.get(id.as_str()) {
                for (k, v) in extra.iter() {
                    facts.insert(k, v.clone());
                }
            }
        }
        Ok(())
    }
}

/// A local list of offences exempt from penalty (免罚清单), in force from a date: the codes of
/// first offences not punished (首违不罚) and of minor ones (轻微不罚), which set the
/// enforcement set's `first_offence_list` and `minor_list` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptionLists {
    /// The first day the lists apply.
    #[serde(deserialize_with = "toml_date")]
    pub from: NaiveDate,
    /// Offence codes of the first-offence list, if the file gives one.
    #[serde(default)]
    pub first_offence: Option<Vec<String>>,
    /// Offence codes of the minor-offence list, if the file gives one.
    #[serde(default)]
    pub minor: Option<Vec<String>>,
    /// The document the lists come from; default: "免罚清单 from SOURCE".
    #[serde(default)]
    pub citation: Option<String>,
    /// Where the lists were read from.
    #[serde(skip)]
    pub source: String,
}

/// A TOML date (`from = 2026-01-01`), a local date without time.
fn toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let v = toml::value::Datetime::deserialize(d)?;
    match (v.date, v.time) {
        (Some(date), None) => {
            NaiveDate::from_ymd_opt(i32::from(date.year), date.month.into(), date.day.into())
                .ok_or_else(|| serde::de::Error::custom(format!("{v} is not a date")))
        }
        _ => Err(serde::de::Error::custom(format!(
            "{v} is not a date (YYYY-MM-DD)"
        ))),
    }
}

/// Most codes a list file may hold (both lists together).
pub const EXEMPTION_CODES_MAX: usize = 100_000;

impl ExemptionLists {
    /// Reads a list file.
    pub fn from_toml(text: &str, source: &str) -> Result<Self, Error> {
        let mut lists: ExemptionLists = toml::from_str(text).map_err(|e| Error::Syntax {
            file: source.to_string(),
            line: e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].lines().count().max(1)
            }),
            message: e.message().to_string(),
        })?;
        let codes = lists.first_offence.as_ref().map_or(0, Vec::len)
            + lists.minor.as_ref().map_or(0, Vec::len);
        if codes > EXEMPTION_CODES_MAX {
            return Err(Error::Input {
                origin: source.to_string(),
                message: format!("{codes} codes, more than {EXEMPTION_CODES_MAX}"),
            });
        }
        lists.source = source.to_string();
        Ok(lists)
    }

    /// Sets the enforcement set's list parameters from the lists' date.
    pub fn apply_to(&self, set: &mut RuleSet) -> Result<(), Error> {
        let cite = Some(
            self.citation
                .clone()
                .unwrap_or_else(|| format!("免罚清单 from {}", self.source)),
        );
        let lists = [
            ("first_offence_list", &self.first_offence),
            ("minor_list", &self.minor),
        ];
        for (param, codes) in lists {
            if let Some(codes) = codes {
                set.set_param(param, self.from, Value::List(codes.clone()), cite.clone())
                    .map_err(|e| Error::Input {
                        origin: self.source.clone(),
                        message: format!("{param}: {e}"),
                    })?;
            }
        }
        Ok(())
    }
}
