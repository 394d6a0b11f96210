//! Test cases in the OpenFisca spirit: a TOML file of facts in, decision out, run against a
//! rule set.
//!
//! ```toml
//! [[case]]
//! name = "minor, corrected in time, no harm"
//! date = 2026-05-01
//! facts = { severity = "minor", corrected_in_time = true, harm = "none" }
//! outcome = "no_penalty"                 # the expected outcome (decision sets)
//! rule = "art33_1_minor"                 # optional: the deciding rule
//! status = "decided"                     # optional: decided, default, no_decision, conflict, undetermined, matched
//! missing = ["fault"]                    # optional: exactly the missing facts
//! measures_include = ["education"]       # optional: substrings the measures must contain
//! citations_include = ["第三十三条第三款"]  # optional: substrings the citations must contain
//! granted = { rd_voucher = "50000.00" }  # benefit sets: exactly these grants (amount, or true)
//! pending = { compute_voucher = ["compute_contract_yuan"] }  # benefit sets: exactly these pending
//! ```

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::Error;
use crate::eval::Status;
use crate::facts::FactMap;
use crate::model::RuleSet;
use crate::value::toml_value_date;

/// The most cases one file may hold.
pub const CASES_MAX: usize = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCases {
    #[serde(rename = "case", default)]
    cases: Vec<Spanned<RawCase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    date: toml::Value,
    #[serde(default)]
    facts: BTreeMap<String, Spanned<toml::Value>>,
    outcome: Option<String>,
    rule: Option<String>,
    status: Option<Status>,
    missing: Option<Vec<String>>,
    #[serde(default)]
    measures_include: Vec<String>,
    #[serde(default)]
    citations_include: Vec<String>,
    granted: Option<BTreeMap<String, toml::Value>>,
    pending: Option<BTreeMap<String, Vec<String>>>,
}

/// A case that did not come out as expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFailure {
    /// The case's name.
    pub name: String,
    /// Its line in the cases file.
    pub line: usize,
    /// Each expectation that failed: expected and actual.
    pub problems: Vec<String>,
}

/// The result of running a cases file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseReport {
    /// The cases file.
    pub file: String,
    /// The rule set.
    pub set: String,
    /// Cases run.
    pub total: usize,
    /// Cases passed.
    pub passed: usize,
    /// The failures.
    pub failures: Vec<CaseFailure>,
}

/// Runs every case of a cases file against `set`. A malformed file (bad TOML, a fact the set
/// does not declare, a value of the wrong type) is an error with its line; a case whose
/// decision differs from the expectation is a failure in the report.
pub fn run_cases(set: &RuleSet, text: &str, file: &str) -> Result<CaseReport, Error> {
    let raw: RawCases = toml::from_str(text).map_err(|e| Error::syntax(file, text, &e))?;
    if raw.cases.len() > CASES_MAX {
        return Err(Error::Limit {
            what: format!("{file}: cases"),
            limit: CASES_MAX,
        });
    }
    let mut failures = Vec::new();
    let total = raw.cases.len();
    let lines = crate::LineIndex::new(text);
    for c in raw.cases {
        let line = lines.line(c.span().start);
        let c = c.into_inner();
        let date = toml_value_date(&c.date).map_err(|message| Error::Invalid {
            file: file.to_string(),
            line,
            message: format!("case '{}': date: {message}", c.name),
        })?;
        let facts = FactMap::from_spanned(set, &c.facts, text, file, false)?;
        let d = set.evaluate(&facts, date);
        let mut problems = Vec::new();
        if let Some(o) = &c.outcome {
            if d.outcome.as_ref() != Some(o) {
                problems.push(format!(
                    "outcome: expected {o}, got {} ({:?})",
                    d.outcome.as_deref().unwrap_or("none"),
                    d.status
                ));
            }
        }
        if let Some(s) = c.status {
            if d.status != s {
                problems.push(format!("status: expected {s:?}, got {:?}", d.status));
            }
        }
        if let Some(r) = &c.rule {
            if d.rule() != Some(r.as_str()) {
                problems.push(format!(
                    "rule: expected {r}, got {}",
                    d.rule().unwrap_or("none")
                ));
            }
        }
        if let Some(m) = &c.missing {
            let mut want = m.clone();
            want.sort();
            if d.missing_facts != want {
                problems.push(format!(
                    "missing: expected [{}], got [{}]",
                    want.join(", "),
                    d.missing_facts.join(", ")
                ));
            }
        }
        let measures: Vec<&String> = d.granted.iter().flat_map(|g| &g.measures).collect();
        for want in &c.measures_include {
            if !measures.iter().any(|m| m.contains(want.as_str())) {
                problems.push(format!("measures: none contains '{want}'"));
            }
        }
        let cites: Vec<&String> = d.granted.iter().flat_map(|g| &g.citations).collect();
        for want in &c.citations_include {
            if !cites.iter().any(|m| m.contains(want.as_str())) {
                problems.push(format!("citations: none contains '{want}'"));
            }
        }
        if let Some(g) = &c.granted {
            let got: BTreeMap<&str, Option<Decimal>> = d
                .granted
                .iter()
                .map(|x| (x.policy.as_str(), x.amount_yuan))
                .collect();
            let want_keys: Vec<&str> = g.keys().map(String::as_str).collect();
            let got_keys: Vec<&str> = got.keys().copied().collect();
            if want_keys != got_keys {
                problems.push(format!(
                    "granted: expected [{}], got [{}]",
                    want_keys.join(", "),
                    got_keys.join(", ")
                ));
            }
            for (k, v) in g {
                let want_amount = match v {
                    toml::Value::Boolean(true) => None,
                    toml::Value::String(s) => {
                        Some(s.parse::<Decimal>().map_err(|_| Error::Invalid {
                            file: file.to_string(),
                            line,
                            message: format!(
                                "case '{}': granted.{k} = '{s}' is not an amount",
                                c.name
                            ),
                        })?)
                    }
                    toml::Value::Integer(i) => Some(Decimal::from(*i)),
                    other => {
                        return Err(Error::Invalid {
                            file: file.to_string(),
                            line,
                            message: format!(
                                "case '{}': granted.{k} must be an amount string or true, found {other}",
                                c.name
                            ),
                        });
                    }
                };
                if let (Some(w), Some(got)) = (want_amount, got.get(k.as_str())) {
                    if *got != Some(w) {
                        problems.push(format!(
                            "granted.{k}: expected amount {w}, got {}",
                            got.map(|x| x.to_string()).unwrap_or_else(|| "none".into())
                        ));
                    }
                }
            }
        }
        if let Some(p) = &c.pending {
            let got: BTreeMap<&str, &Vec<String>> = d
                .pending
                .iter()
                .map(|x| (x.policy.as_str(), &x.missing))
                .collect();
            let want: BTreeMap<&str, Vec<String>> = p
                .iter()
                .map(|(k, v)| {
                    let mut v = v.clone();
                    v.sort();
                    (k.as_str(), v)
                })
                .collect();
            let same = want.len() == got.len()
                && want
                    .iter()
                    .all(|(k, v)| got.get(k).is_some_and(|g| *g == v));
            if !same {
                problems.push(format!("pending: expected {want:?}, got {got:?}"));
            }
        }
        if !problems.is_empty() {
            failures.push(CaseFailure {
                name: c.name,
                line,
                problems,
            });
        }
    }
    Ok(CaseReport {
        file: file.to_string(),
        set: set.name().to_string(),
        total,
        passed: total - failures.len(),
        failures,
    })
}
