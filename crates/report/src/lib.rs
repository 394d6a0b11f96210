//! # report
//!
//! Presentation of shuchuang results. Library crates compute and never print; this crate is
//! what a program needs to show their results and what the annual cycle's report folder is
//! made of. One module per output kind, as ripgrep's printer keeps its standard, summary and
//! JSON printers apart:
//!
//! - [`table`]: rectangular results for people (fitted to the terminal, long tables cut with
//!   a note), as CSV (full precision) or JSON (typed values), streamed row by row;
//! - [`cell`]: one typed value and how each format shows it; [`number`]: the one place that
//!   decides how numbers and money look;
//! - [`lang`], [`messages`], [`names`]: the language of everything for people, the message
//!   catalogue (every label and sentence in Chinese and English) and the domain names taken
//!   from the data;
//! - [`chart`]: SVG charts for an A4 page (lines with dashed estimates and gaps, grouped
//!   bars, tornado and band charts), CJK fonts first;
//! - [`record`]: one record of named fields (a reply, a verification); [`shown`]: a result
//!   described once (table, notes, JSON) and shown in every format;
//! - domain tables, one module per library: [`registry`], [`index`] (and its figures),
//!   [`voucher`], [`compute`], [`rules`], [`scenario`], [`challenge`], [`purchase`];
//! - [`robustness`]: tornado and band figures of an index's weight tests;
//! - [`cycle`]: the annual cycle's printed steps and its report folder (index.html,
//!   report.xlsx, summary.md, the CSV tables behind every number, SVG charts);
//! - [`atomic`]: files written whole or not at all.
//!
//! ```
//! use report::{Cell, Format, Table};
//! use rust_decimal_macros::dec;
//!
//! let mut t = Table::new(["program", "granted_yuan", "firms", "open"]);
//! t.push([Cell::from("compute-voucher"), Cell::money(dec!(100000000.00)), Cell::from(2000u32), Cell::from(true)]);
//! let mut json = Vec::new();
//! t.write_to(Format::Json, &mut json)?;
//! let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
//! assert_eq!(v[0]["granted_yuan"], "100000000.00"); // money: exact yuan as a string
//! assert_eq!(v[0]["firms"], 2000);                   // numbers are numbers
//! assert_eq!(v[0]["open"], true);
//! # Ok::<(), report::ReportError>(())
//! ```
#![warn(missing_docs)]

pub mod atomic;
pub mod cell;
pub mod challenge;
pub mod chart;
pub mod compute;
pub mod cycle;
pub mod error;
pub mod finance;
pub mod format;
pub mod index;
pub mod index_analysis;
mod index_csv;
pub mod index_ranks;
pub mod index_runs;
pub mod lang;
pub mod messages;
pub mod names;
pub mod number;
pub mod panel;
pub mod purchase;
pub mod record;
pub mod registry;
pub mod robustness;
pub mod rules;
pub mod scenario;
pub mod scenario_year;
pub mod shown;
pub mod table;
pub mod targets;
pub mod voucher;

pub use cell::Cell;
pub use error::{ReportError, Result};
pub use format::Format;
pub use lang::Lang;
pub use names::Names;
pub use record::Record;
pub use shown::{Shown, write_shown};
pub use table::{RowWriter, TABLE_ROWS_SHOWN, Table};
