//! # sandbox-rules
//!
//! Rules as code, with explanations: a small rule language in TOML (typed facts, conditions,
//! parameters whose values change by date, rules with validity periods, outcomes and
//! exceptions), a loader that validates against the schema with file and line, an evaluator
//! that returns the decision with its reasons and a full trace, a static analysis (overlaps,
//! exceptions that can never apply), an inspection planner and benefit matching
//! (免申即享 / 快申快享).
//!
//! ```
//! use chrono::NaiveDate;
//! use sandbox_rules::{FactMap, RuleSet, Status};
//!
//! let set = RuleSet::from_toml(r#"
//!     [set]
//!     name = "demo"
//!     default = "standard_penalty"
//!     default_citation = "行政处罚法 第五条"
//!
//!     [facts.minor]
//!     type = "boolean"
//!     [facts.corrected_in_time]
//!     type = "boolean"
//!
//!     [[rule]]
//!     id = "art33_1"
//!     citation = "行政处罚法 第三十三条第一款"
//!     when = { all = [ { fact = "minor", is = true }, { fact = "corrected_in_time", is = true } ] }
//!     outcome = "no_penalty"
//!     measures = ["education (第三十三条第三款)"]
//! "#, "demo.toml")?;
//!
//! let d = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
//! let facts = FactMap::new().with("minor", true).with("corrected_in_time", true);
//! let decision = set.explain(&facts, d);
//! assert_eq!(decision.status, Status::Decided);
//! assert_eq!(decision.outcome.as_deref(), Some("no_penalty"));
//! assert!(decision.to_string().contains("✓ minor = true"));
//!
//! // A missing fact is never guessed: the decision stays open and says what is missing.
//! let open = set.evaluate(&FactMap::new().with("minor", true), d);
//! assert_eq!(open.status, Status::Undetermined);
//! assert_eq!(open.missing_facts, vec!["corrected_in_time".to_string()]);
//! # Ok::<(), sandbox_rules::Error>(())
//! ```
//!
//! The four shipped rule sets (sandbox admission and exit, flexible enforcement under
//! 行政处罚法 Art. 33, inspection planning, benefit matching) are in [`shipped`]; the format is
//! described in docs/sandbox-rules.md. [`table`] reads CSV fact tables (one case per row),
//! [`suite`] runs the test cases of rule-set folders, and [`scenario`] draws a seeded year of
//! sandbox applications, violations and planned inspections from data/supervision.
#![warn(missing_docs)]

pub mod analysis;
pub mod cases;
pub mod error;
pub mod eval;
pub mod facts;
pub mod inputs;
pub mod inspection;
mod load;
pub mod matching;
pub mod model;
mod sat;
pub mod scenario;
pub mod shipped;
pub mod suite;
pub mod table;
pub mod value;

pub use analysis::{Analysis, DeadException, Overlap};
pub use cases::{CaseFailure, CaseReport, run_cases};
pub use error::Error;
pub use eval::{
    CondTrace, Conflict, Decision, FactUse, Grant, InvalidFact, Options, ParamUse, Pending,
    RuleStatus, RuleTrace, Status, Trace, Truth,
};
pub use facts::{FactMap, Facts};
pub use inspection::{
    Alert, CompletedVisit, InspectionMode, JointInspection, Plan, PlanSummary, PlannedInspection,
    PlannerConfig,
};
pub use matching::{FirmBenefits, match_benefits};
pub use model::{CmpOp, DatedValue, FactDecl, Mode, Param, Rule, RuleSet, round_down_to_fen};
pub use scenario::{ScenarioConfig, Scenarios};
pub use suite::run_suite;
pub use table::{FactRow, FactTable};
pub use value::{FactType, Value};

/// The start of every line of a text, to find the line of many offsets in `O(log lines)`
/// each (a loader asks for one per rule: counting newlines each time made loading quadratic).
pub(crate) struct LineIndex {
    /// Byte offsets of the newlines, ascending.
    newlines: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            newlines: text
                .bytes()
                .enumerate()
                .filter_map(|(i, b)| (b == b'\n').then_some(i))
                .collect(),
        }
    }

    /// The 1-based line of a byte offset, as [`line_of`] counts it.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&nl| nl < offset) + 1
    }
}

/// The 1-based line of a byte offset in `text` (offsets past the end give the last line).
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_counting() {
        for text in ["", "a", "\n", "a\nb\n\nc", "x\r\ny\n"] {
            let idx = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    idx.line(offset),
                    line_of(text, offset),
                    "{text:?} @ {offset}"
                );
            }
        }
    }
}
