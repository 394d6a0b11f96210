//! What an evaluation returns: the [`Decision`] (status, grants, conflicts, missing and invalid
//! facts) and, on request, the full [`Trace`]; and how both are displayed.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Cannot be told: a fact it needs is missing (or of the wrong type).
    Unknown,
}

impl Truth {
    pub(super) fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
    fn mark(self) -> &'static str {
        match self {
            Truth::True => "✓",
            Truth::False => "✗",
            Truth::Unknown => "?",
        }
    }
}

/// What evaluation records besides the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Options {
    /// Record the full trace (every rule considered, every condition, parameters, facts).
    pub trace: bool,
    /// Give each granted outcome its reasons (the conditions that held, with actual values).
    pub reasons: bool,
}

/// How a decision came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// One outcome, from the applicable rules.
    Decided,
    /// No rule applied; the set's default outcome holds.
    Default,
    /// No rule applied and the set has no default.
    NoDecision,
    /// Applicable rules disagree; nothing is decided (see `conflicts`).
    Conflict,
    /// Missing facts keep the decision open (see `missing_facts`).
    Undetermined,
    /// A set in mode `all` (benefit policies): see `granted` and `pending`.
    Matched,
}

/// An outcome granted by a rule (a decision, or one benefit in mode `all`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The base rule (the policy) it belongs to.
    pub policy: String,
    /// The rule that decided (the policy itself or one of its exceptions).
    pub rule: String,
    /// The outcome.
    pub outcome: String,
    /// Measures attached to it.
    pub measures: Vec<String>,
    /// Program paying it (voucher program), for benefits.
    pub program: Option<String>,
    /// Amount in yuan, rounded down to the fen, for benefits with an amount rule.
    pub amount_yuan: Option<Decimal>,
    /// Legal basis: the deciding rule's citations, then its base rules'.
    pub citations: Vec<String>,
    /// The conditions that held, with actual values (when reasons were asked for).
    pub reasons: Vec<String>,
}

/// A base rule that could apply but for missing facts (快申快享: the firm supplies them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The base rule (the policy).
    pub policy: String,
    /// Its outcome if it applies.
    pub outcome: String,
    /// Program paying it, for benefits.
    pub program: Option<String>,
    /// The facts that are needed and not known.
    pub missing: Vec<String>,
}

/// Rules that apply together with different outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The rule under which they clash (a base rule), or `*` for clashing base rules.
    pub under: String,
    /// The clashing rules.
    pub rules: Vec<String>,
    /// Their outcomes, in the same order.
    pub outcomes: Vec<String>,
}

/// A fact whose value does not fit its declared type (it counts as unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidFact {
    /// The fact.
    pub fact: String,
    /// What is wrong.
    pub message: String,
}

/// The result of evaluating a rule set on facts at a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The rule set.
    pub set: String,
    /// The date of the decision (rules and parameters in force on it).
    pub date: NaiveDate,
    /// How it came out.
    pub status: Status,
    /// The decided outcome (mode `decision`).
    pub outcome: Option<String>,
    /// The grants: the deciding rule in mode `decision`, every granted benefit in mode `all`.
    pub granted: Vec<Grant>,
    /// Base rules kept open by missing facts.
    pub pending: Vec<Pending>,
    /// Clashes between applicable rules.
    pub conflicts: Vec<Conflict>,
    /// Facts whose absence leaves something open, sorted.
    pub missing_facts: Vec<String>,
    /// Facts given with a value that does not fit their type.
    pub invalid_facts: Vec<InvalidFact>,
    /// The full trace, when asked for.
    pub trace: Option<Trace>,
}

impl Decision {
    /// The single grant of a decided outcome (mode `decision`).
    pub fn grant(&self) -> Option<&Grant> {
        if self.status == Status::Decided || self.status == Status::Default {
            self.granted.first()
        } else {
            None
        }
    }
    /// The deciding rule's id (mode `decision`).
    pub fn rule(&self) -> Option<&str> {
        self.grant().map(|g| g.rule.as_str())
    }
}

/// What became of a rule in an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Outside its validity period on the decision date.
    NotInForce,
    /// Not considered: the rule it is an exception to did not apply.
    NotReached,
    /// Its condition held.
    Held,
    /// Its condition failed.
    Failed,
    /// Its condition is unknown (missing facts).
    Unknown,
}

/// One condition in a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CondTrace {
    /// Nesting depth (0 = top level of the rule's condition).
    pub depth: usize,
    /// The condition, readable (`rd_ratio ≥ {rd_ratio_min}`; `all of`, `any of`, `not`).
    pub condition: String,
    /// The fact's actual value (`missing` when not known), for tests on a fact.
    pub actual: Option<String>,
    /// The parameter value used, with its date: `rd_ratio_min = 3% (since 2022-06-01)`.
    pub parameter: Option<String>,
    /// Whether it held.
    pub result: Truth,
}

/// One rule in a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTrace {
    /// The rule id.
    pub id: String,
    /// Line in its file.
    pub line: usize,
    /// The rules it is an exception to.
    pub exception_to: Vec<String>,
    /// Its citations.
    pub citations: Vec<String>,
    /// Its outcome.
    pub outcome: String,
    /// What became of it.
    pub status: RuleStatus,
    /// Its conditions, in order, with results.
    pub conditions: Vec<CondTrace>,
    /// The exception that replaced its outcome, if one did.
    pub overridden_by: Option<String>,
}

/// A parameter value used by a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamUse {
    /// The parameter.
    pub name: String,
    /// The value used.
    pub value: String,
    /// The date that value took effect.
    pub since: NaiveDate,
    /// Its citation.
    pub citation: Option<String>,
}

/// A fact read by a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactUse {
    /// The fact.
    pub name: String,
    /// Its value, `None` when missing.
    pub value: Option<String>,
}

/// Everything an evaluation considered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Rule set name.
    pub set: String,
    /// Decision date.
    pub date: NaiveDate,
    /// Every rule, in the order considered.
    pub rules: Vec<RuleTrace>,
    /// Parameter values used.
    pub parameters: Vec<ParamUse>,
    /// Facts read.
    pub facts: Vec<FactUse>,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            Status::Decided => "decided",
            Status::Default => "default (no rule applies)",
            Status::NoDecision => "no decision (no rule applies, no default)",
            Status::Conflict => "CONFLICT",
            Status::Undetermined => "undetermined (facts missing)",
            Status::Matched => "matched",
        };
        writeln!(f, "rule set {} on {}: {status}", self.set, self.date)?;
        if let Some(o) = &self.outcome {
            writeln!(f, "outcome: {o}")?;
        }
        for g in &self.granted {
            write!(f, "  {} -> {} (rule {})", g.policy, g.outcome, g.rule)?;
            if let Some(p) = &g.program {
                write!(f, " program {p}")?;
            }
            if let Some(a) = g.amount_yuan {
                write!(f, " amount ¥{a}")?;
            }
            writeln!(f)?;
            if !g.measures.is_empty() {
                writeln!(f, "    measures: {}", g.measures.join("; "))?;
            }
            for c in &g.citations {
                writeln!(f, "    cites: {c}")?;
            }
            for r in &g.reasons {
                writeln!(f, "    because: {r}")?;
            }
        }
        for p in &self.pending {
            writeln!(
                f,
                "  {} -> {} pending; missing: {}",
                p.policy,
                p.outcome,
                p.missing.join(", ")
            )?;
        }
        for c in &self.conflicts {
            writeln!(f, "  conflict under {}:", c.under)?;
            for (r, o) in c.rules.iter().zip(&c.outcomes) {
                writeln!(f, "    rule {r} -> {o}")?;
            }
        }
        if !self.missing_facts.is_empty() {
            writeln!(f, "missing facts: {}", self.missing_facts.join(", "))?;
        }
        for i in &self.invalid_facts {
            writeln!(f, "invalid fact {}: {}", i.fact, i.message)?;
        }
        if let Some(t) = &self.trace {
            write!(f, "{t}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "trace:")?;
        for r in &self.rules {
            let status = match r.status {
                RuleStatus::NotInForce => "not in force",
                RuleStatus::NotReached => "not reached",
                RuleStatus::Held => "held",
                RuleStatus::Failed => "failed",
                RuleStatus::Unknown => "unknown",
            };
            write!(
                f,
                "  [{status}] {} (line {}) -> {}",
                r.id, r.line, r.outcome
            )?;
            if !r.exception_to.is_empty() {
                write!(f, ", exception to {}", r.exception_to.join(", "))?;
            }
            if let Some(by) = &r.overridden_by {
                write!(f, ", overridden by {by}")?;
            }
            writeln!(f)?;
            for c in &r.citations {
                writeln!(f, "      cites: {c}")?;
            }
            for c in &r.conditions {
                write!(
                    f,
                    "      {}{} {}",
                    "  ".repeat(c.depth),
                    c.result.mark(),
                    c.condition
                )?;
                if let Some(a) = &c.actual {
                    write!(f, "  (actual: {a})")?;
                }
                if let Some(p) = &c.parameter {
                    write!(f, "  [{p}]")?;
                }
                writeln!(f)?;
            }
        }
        if !self.parameters.is_empty() {
            writeln!(f, "parameters used:")?;
            for p in &self.parameters {
                write!(f, "  {} = {} (since {})", p.name, p.value, p.since)?;
                if let Some(c) = &p.citation {
                    write!(f, " — {c}")?;
                }
                writeln!(f)?;
            }
        }
        if !self.facts.is_empty() {
            writeln!(f, "facts read:")?;
            for x in &self.facts {
                writeln!(
                    f,
                    "  {} = {}",
                    x.name,
                    x.value.as_deref().unwrap_or("missing")
                )?;
            }
        }
        Ok(())
    }
}
