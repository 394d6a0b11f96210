//! Evaluation: a rule set, facts and a date in; a decision with its reasons (and, on
//! request, the full trace) out.
//!
//! Logic is three-valued: a test on a fact that is not known is *unknown*, never silently
//! false. `all` is false as soon as one part is false, `any` true as soon as one part is true;
//! otherwise an unknown part leaves the whole unknown. A rule whose condition is unknown
//! cannot decide; the decision then lists the facts that are missing.
//!
//! Exceptions (default logic, as in Catala): an exception is considered only when the rule it
//! is an exception to applies; when the exception applies too, its outcome replaces the
//! rule's. Two applicable exceptions of one rule with different outcomes are a conflict,
//! reported as such and never resolved silently.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::facts::Facts;
use crate::model::{
    Amount, Atom, Cond, DatedValue, InSet, Mode, Operand, RuleSet, Test, round_down_to_fen,
};
use crate::value::Value;

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
    fn not(self) -> Truth {
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

enum Slot<'f> {
    Unread,
    Missing,
    Invalid,
    Known(Cow<'f, Value>),
}

#[derive(Debug, Clone)]
enum NodeResult {
    Nothing,
    /// Decided by the last rule of the path (base first).
    Decided(Vec<usize>),
    Unknown,
    Conflict(Vec<usize>),
}

struct Eval<'s, 'f, F: Facts + ?Sized> {
    set: &'s RuleSet,
    facts: &'f F,
    date: NaiveDate,
    opts: Options,
    slots: Vec<Slot<'f>>,
    missing: Vec<usize>,
    invalid: Vec<InvalidFact>,
    // Trace state (only filled when opts.trace).
    trace_rules: Vec<RuleTrace>,
    traced: Vec<Option<usize>>,
    conds: Vec<CondTrace>,
    params_used: Vec<usize>,
    /// A rule that is an exception to several rules is met several times in one decision;
    /// its condition does not change, so a settled result (true or false) is kept:
    /// 0 = not yet, 1 = true, 2 = false. Unknown is re-evaluated to list missing facts.
    memo: Vec<u8>,
}

impl<'s, 'f, F: Facts + ?Sized> Eval<'s, 'f, F> {
    fn new(set: &'s RuleSet, facts: &'f F, date: NaiveDate, opts: Options) -> Self {
        let mut slots = Vec::with_capacity(set.facts.len());
        slots.resize_with(set.facts.len(), || Slot::Unread);
        Self {
            set,
            facts,
            date,
            opts,
            slots,
            missing: Vec::new(),
            invalid: Vec::new(),
            trace_rules: Vec::new(),
            traced: if opts.trace {
                vec![None; set.rules.len()]
            } else {
                Vec::new()
            },
            conds: Vec::new(),
            params_used: Vec::new(),
            memo: if set.dag {
                vec![0; set.rules.len()]
            } else {
                Vec::new()
            },
        }
    }

    /// The value of a fact slot, read through `Facts` once and type-checked.
    fn value(&mut self, slot: usize) -> Option<&Value> {
        if matches!(self.slots.get(slot), Some(Slot::Unread)) {
            let decl = self.set.facts.get(slot);
            let new = match decl {
                None => Slot::Missing,
                Some(d) => match self.facts.fact(&d.name) {
                    None => Slot::Missing,
                    Some(v) => match d.ty.check(&v) {
                        Ok(()) => Slot::Known(v),
                        Err(message) => {
                            self.invalid.push(InvalidFact {
                                fact: d.name.clone(),
                                message,
                            });
                            Slot::Invalid
                        }
                    },
                },
            };
            if let Some(s) = self.slots.get_mut(slot) {
                *s = new;
            }
        }
        match self.slots.get(slot) {
            Some(Slot::Known(v)) => Some(v.as_ref()),
            _ => None,
        }
    }

    fn param(&mut self, p: usize) -> Option<&'s Value> {
        let param = self.set.params.get(p)?;
        let dv = param.at(self.date)?;
        if (self.opts.trace || self.opts.reasons) && !self.params_used.contains(&p) {
            self.params_used.push(p);
        }
        Some(&dv.value)
    }

    /// The parameter an atom compares with, and its value in force.
    fn param_of(&self, atom: &Atom) -> Option<(&'s str, &'s DatedValue)> {
        let p = match &atom.test {
            Test::Cmp(_, Operand::Param(p)) | Test::In(InSet::Param(p)) => *p,
            Test::Between(Operand::Param(p), _) | Test::Between(_, Operand::Param(p)) => *p,
            _ => return None,
        };
        let set: &'s RuleSet = self.set;
        let param = set.params.get(p)?;
        Some((param.name.as_str(), param.at(self.date)?))
    }

    fn param_note(&self, atom: &Atom) -> Option<String> {
        let p = match &atom.test {
            Test::Cmp(_, Operand::Param(p)) | Test::In(InSet::Param(p)) => *p,
            Test::Between(Operand::Param(p), _) | Test::Between(_, Operand::Param(p)) => *p,
            _ => return None,
        };
        let param = self.set.params.get(p)?;
        let dv = param.at(self.date)?;
        Some(format!("{} = {} (since {})", param.name, dv.value, dv.from))
    }

    fn operand(&mut self, o: &'s Operand) -> Option<&'s Value> {
        match o {
            Operand::Const(v) => Some(v),
            Operand::Param(p) => self.param(*p),
        }
    }

    fn atom(&mut self, i: usize) -> Truth {
        let set = self.set;
        let Some(atom) = set.atoms.get(i) else {
            return Truth::Unknown;
        };
        let t = self.atom_raw(atom);
        let t = if atom.negated { t.not() } else { t };
        if t == Truth::Unknown && !matches!(atom.test, Test::Known) {
            self.missing.push(atom.slot);
        }
        t
    }

    fn atom_raw(&mut self, atom: &'s Atom) -> Truth {
        if let Test::Known = atom.test {
            self.value(atom.slot);
            return match self.slots.get(atom.slot) {
                Some(Slot::Known(_)) => Truth::True,
                Some(Slot::Invalid) => Truth::Unknown,
                _ => Truth::False,
            };
        }
        // Resolve the operands first (they borrow the set, not the facts).
        let (a, b) = match &atom.test {
            Test::Cmp(_, o) => (self.operand(o), None),
            Test::Between(lo, hi) => (self.operand(lo), self.operand(hi)),
            Test::In(InSet::Param(p)) => (self.param(*p), None),
            _ => (None, None),
        };
        let Some(v) = self.value(atom.slot) else {
            return Truth::Unknown;
        };
        let r = match &atom.test {
            Test::Cmp(op, _) => a.and_then(|a| compare(v, a)).map(|o| op.holds(o)),
            Test::Between(_, _) => match (a, b) {
                (Some(lo), Some(hi)) => match (compare(v, lo), compare(v, hi)) {
                    (Some(l), Some(h)) => Some(l.is_ge() && h.is_le()),
                    _ => None,
                },
                _ => None,
            },
            Test::In(InSet::Values(vs)) => {
                Some(vs.iter().any(|x| compare(v, x).is_some_and(|o| o.is_eq())))
            }
            Test::In(InSet::Param(_)) => match (a, v) {
                (Some(Value::List(items)), Value::Text(s)) => Some(items.iter().any(|i| i == s)),
                _ => None,
            },
            Test::Contains { items, any } => match v {
                Value::List(have) => Some(if *any {
                    items.iter().any(|i| have.contains(i))
                } else {
                    items.iter().all(|i| have.contains(i))
                }),
                _ => None,
            },
            Test::StartsWith(p) => match v {
                Value::Text(s) => Some(s.starts_with(p.as_str())),
                _ => None,
            },
            Test::Known => Some(true),
        };
        match r {
            Some(true) => Truth::True,
            Some(false) => Truth::False,
            None => Truth::Unknown,
        }
    }

    fn cond(&mut self, c: &'s Cond, depth: usize) -> Truth {
        let tracing = self.opts.trace;
        match c {
            Cond::Always => {
                if tracing {
                    self.conds.push(CondTrace {
                        depth,
                        condition: "always".into(),
                        actual: None,
                        parameter: None,
                        result: Truth::True,
                    });
                }
                Truth::True
            }
            Cond::Atom(i) => {
                let t = self.atom(*i);
                if tracing {
                    let set = self.set;
                    if let Some(atom) = set.atoms.get(*i) {
                        let actual = Some(match self.slots.get(atom.slot) {
                            Some(Slot::Known(v)) => v.to_string(),
                            Some(Slot::Invalid) => "invalid".to_string(),
                            _ => "missing".to_string(),
                        });
                        let parameter = self.param_note(atom);
                        self.conds.push(CondTrace {
                            depth,
                            condition: atom.label.clone(),
                            actual,
                            parameter,
                            result: t,
                        });
                    }
                }
                t
            }
            Cond::Named(name, inner) => {
                let at = self.push_group(depth, name);
                let t = self.cond(inner, depth + 1);
                self.close_group(at, t);
                t
            }
            Cond::Not(inner) => {
                let at = self.push_group(depth, "not");
                let t = self.cond(inner, depth + 1).not();
                self.close_group(at, t);
                t
            }
            Cond::All(parts) => {
                let at = self.push_group(depth, "all of");
                let mark = self.missing.len();
                let mut acc = Truth::True;
                for p in parts {
                    match self.cond(p, depth + 1) {
                        Truth::False => {
                            acc = Truth::False;
                            if !tracing {
                                break;
                            }
                        }
                        Truth::Unknown if acc == Truth::True => acc = Truth::Unknown,
                        _ => {}
                    }
                }
                if acc == Truth::False {
                    self.missing.truncate(mark);
                }
                self.close_group(at, acc);
                acc
            }
            Cond::Any(parts) => {
                let at = self.push_group(depth, "any of");
                let mark = self.missing.len();
                let mut acc = Truth::False;
                for p in parts {
                    match self.cond(p, depth + 1) {
                        Truth::True => {
                            acc = Truth::True;
                            if !tracing {
                                break;
                            }
                        }
                        Truth::Unknown if acc == Truth::False => acc = Truth::Unknown,
                        _ => {}
                    }
                }
                if acc == Truth::True {
                    self.missing.truncate(mark);
                }
                self.close_group(at, acc);
                acc
            }
        }
    }

    fn push_group(&mut self, depth: usize, name: &str) -> Option<usize> {
        if !self.opts.trace {
            return None;
        }
        self.conds.push(CondTrace {
            depth,
            condition: name.to_string(),
            actual: None,
            parameter: None,
            result: Truth::Unknown,
        });
        Some(self.conds.len() - 1)
    }

    fn close_group(&mut self, at: Option<usize>, t: Truth) {
        if let Some(c) = at.and_then(|i| self.conds.get_mut(i)) {
            c.result = t;
        }
    }

    fn record(&mut self, r: usize, status: RuleStatus) -> Option<usize> {
        if !self.opts.trace {
            return None;
        }
        // A rule that is an exception to several rules can be met more than once: the first
        // real evaluation replaces a "not reached" entry; later ones are not repeated.
        let existing = self.traced.get(r).copied().flatten();
        if let Some(i) = existing {
            let upgrade = status != RuleStatus::NotReached
                && self
                    .trace_rules
                    .get(i)
                    .is_some_and(|t| t.status == RuleStatus::NotReached);
            if !upgrade {
                self.conds.clear();
                return None;
            }
            let conditions = std::mem::take(&mut self.conds);
            if let Some(t) = self.trace_rules.get_mut(i) {
                t.status = status;
                t.conditions = conditions;
            }
            return Some(i);
        }
        let rule = self.set.rules.get(r)?;
        self.trace_rules.push(RuleTrace {
            id: rule.id.clone(),
            line: rule.line,
            exception_to: rule.exception_to.clone(),
            citations: rule.citations.clone(),
            outcome: rule.outcome.clone(),
            status,
            conditions: std::mem::take(&mut self.conds),
            overridden_by: None,
        });
        let i = self.trace_rules.len() - 1;
        if let Some(t) = self.traced.get_mut(r) {
            *t = Some(i);
        }
        Some(i)
    }

    fn not_reached(&mut self, r: usize, depth: usize) {
        if !self.opts.trace || depth > crate::model::RULES_MAX {
            return;
        }
        let set = self.set;
        let Some(rule) = set.rules.get(r) else { return };
        self.record(r, RuleStatus::NotReached);
        for &c in &rule.children {
            self.not_reached(c, depth + 1);
        }
    }

    fn node(&mut self, r: usize, depth: usize) -> NodeResult {
        let set = self.set;
        let Some(rule) = set.rules.get(r) else {
            return NodeResult::Nothing;
        };
        if depth > crate::model::RULES_MAX {
            return NodeResult::Nothing;
        }
        if !rule.in_force(self.date) {
            self.record(r, RuleStatus::NotInForce);
            for &c in &rule.children {
                self.not_reached(c, depth + 1);
            }
            return NodeResult::Nothing;
        }
        self.conds.clear();
        let t = match self.memo.get(r) {
            Some(1) => Truth::True,
            Some(2) => Truth::False,
            _ => {
                let t = self.cond(&rule.cond, 0);
                if let Some(m) = self.memo.get_mut(r) {
                    *m = match t {
                        Truth::True => 1,
                        Truth::False => 2,
                        Truth::Unknown => 0,
                    };
                }
                t
            }
        };
        let status = match t {
            Truth::True => RuleStatus::Held,
            Truth::False => RuleStatus::Failed,
            Truth::Unknown => RuleStatus::Unknown,
        };
        let at = self.record(r, status);
        match t {
            Truth::False => {
                for &c in &rule.children {
                    self.not_reached(c, depth + 1);
                }
                NodeResult::Nothing
            }
            Truth::Unknown => {
                // Still look at the exceptions so the missing list is complete.
                for &c in &rule.children {
                    let _ = self.node(c, depth + 1);
                }
                NodeResult::Unknown
            }
            Truth::True => {
                let mut decided: Vec<Vec<usize>> = Vec::new();
                let mut unknown = false;
                let mut conflict: Vec<usize> = Vec::new();
                for &c in &rule.children {
                    match self.node(c, depth + 1) {
                        NodeResult::Nothing => {}
                        NodeResult::Unknown => unknown = true,
                        NodeResult::Conflict(rs) => conflict.extend(rs),
                        NodeResult::Decided(path) => decided.push(path),
                    }
                }
                if !conflict.is_empty() {
                    return NodeResult::Conflict(conflict);
                }
                let mut distinct: Vec<&Vec<usize>> = Vec::new();
                for p in &decided {
                    let last = p.last().copied().unwrap_or(r);
                    if !distinct
                        .iter()
                        .any(|q| same_outcome(set, q.last().copied().unwrap_or(r), last))
                    {
                        distinct.push(p);
                    }
                }
                if distinct.len() > 1 {
                    return NodeResult::Conflict(
                        distinct.iter().filter_map(|p| p.last().copied()).collect(),
                    );
                }
                if unknown {
                    return NodeResult::Unknown;
                }
                match decided.into_iter().next() {
                    Some(mut path) => {
                        if let (Some(i), Some(&by)) = (at, path.last()) {
                            let by_id = set.rules.get(by).map(|x| x.id.clone());
                            if let Some(tr) = self.trace_rules.get_mut(i) {
                                tr.overridden_by = by_id;
                            }
                        }
                        path.insert(0, r);
                        NodeResult::Decided(path)
                    }
                    None => NodeResult::Decided(vec![r]),
                }
            }
        }
    }

    /// The conditions that held on a path, with actual values.
    fn reasons(&mut self, path: &[usize]) -> Vec<String> {
        let set = self.set;
        let mut out = Vec::new();
        for &r in path {
            if let Some(rule) = set.rules.get(r) {
                self.held(&rule.cond, false, &mut out);
            }
        }
        out
    }

    fn held(&mut self, c: &'s Cond, under_not: bool, out: &mut Vec<String>) {
        match c {
            Cond::Always => {}
            Cond::Atom(i) => {
                let t = self.atom(*i);
                let set = self.set;
                if (t == Truth::True) != under_not {
                    if let Some(atom) = set.atoms.get(*i) {
                        // One string, written in place: reasons are built for every grant.
                        let mut s = String::with_capacity(atom.label.len() + 48);
                        if under_not {
                            s.push_str("not (");
                            s.push_str(&atom.label);
                            s.push(')');
                        } else {
                            s.push_str(&atom.label);
                        }
                        if let Some(Slot::Known(v)) = self.slots.get(atom.slot) {
                            if !matches!(atom.test, Test::Known) {
                                let _ = write!(s, " (actual {v})");
                            }
                        }
                        if let Some((name, dv)) = self.param_of(atom) {
                            let _ = write!(s, " [{name} = {} (since {})]", dv.value, dv.from);
                        }
                        out.push(s);
                    }
                }
            }
            Cond::Not(inner) => self.held(inner, !under_not, out),
            Cond::Named(_, inner) => self.held(inner, under_not, out),
            Cond::All(ps) | Cond::Any(ps) => {
                for p in ps {
                    self.held(p, under_not, out);
                }
            }
        }
    }

    fn grant(&mut self, path: &[usize]) -> Option<Grant> {
        let set = self.set;
        let base = set.rules.get(*path.first()?)?;
        let rule = set.rules.get(*path.last()?)?;
        let mut citations = rule.citations.clone();
        for &r in path.iter().rev().skip(1) {
            if let Some(x) = set.rules.get(r) {
                for c in &x.citations {
                    if !citations.contains(c) {
                        citations.push(c.clone());
                    }
                }
            }
        }
        let reasons = if self.opts.reasons || self.opts.trace {
            self.reasons(path)
        } else {
            Vec::new()
        };
        // An exception inherits its base's program and amount rule unless it gives its own.
        let program = rule.program.clone().or_else(|| {
            path.iter()
                .rev()
                .find_map(|&r| set.rules.get(r).and_then(|x| x.program.clone()))
        });
        Some(Grant {
            policy: base.id.clone(),
            rule: rule.id.clone(),
            outcome: rule.outcome.clone(),
            measures: rule.measures.clone(),
            program,
            amount_yuan: None,
            citations,
            reasons,
        })
    }

    /// The amount of a grant: `Err(slot)` when the base fact is missing.
    fn amount(&mut self, path: &[usize]) -> Result<Option<Decimal>, Vec<usize>> {
        let set = self.set;
        let Some(a) = path
            .iter()
            .rev()
            .find_map(|&r| set.rules.get(r).and_then(|x| x.amount_rule.as_ref()))
        else {
            return Ok(None);
        };
        self.compute_amount(a)
    }

    fn compute_amount(&mut self, a: &'s Amount) -> Result<Option<Decimal>, Vec<usize>> {
        let num = |v: Option<&Value>| v.and_then(Value::as_number);
        let mut yuan = match (&a.fixed, &a.rate, a.of) {
            (Some(f), _, _) => num(self.operand(f)),
            (None, Some(r), Some(of)) => {
                let rate = num(self.operand(r));
                let Some(base) = self.value(of).and_then(Value::as_number) else {
                    return Err(vec![of]);
                };
                rate.and_then(|r| r.checked_mul(base))
            }
            _ => None,
        };
        if let (Some(y), Some(m)) = (yuan, &a.max) {
            if let Some(m) = num(self.operand(m)) {
                yuan = Some(y.min(m));
            }
        }
        Ok(yuan.map(|y| round_down_to_fen(y.max(Decimal::ZERO))))
    }

    fn fact_names(&self, slots: &[usize]) -> Vec<String> {
        let mut names: Vec<String> = slots
            .iter()
            .filter_map(|&s| self.set.facts.get(s).map(|f| f.name.clone()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    fn run(mut self) -> Decision {
        let set = self.set;
        let mut granted = Vec::new();
        let mut pending = Vec::new();
        let mut conflicts = Vec::new();
        let mut decided_paths: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut unknown_bases: Vec<(usize, Vec<usize>)> = Vec::new();
        for (bi, &b) in set.bases.iter().enumerate() {
            let mark = self.missing.len();
            match self.node(b, 0) {
                NodeResult::Nothing => self.missing.truncate(mark),
                NodeResult::Unknown => {
                    let miss = self.missing.get(mark..).unwrap_or(&[]).to_vec();
                    unknown_bases.push((bi, miss));
                }
                NodeResult::Conflict(rs) => {
                    self.missing.truncate(mark);
                    conflicts.push(Conflict {
                        under: set.rules.get(b).map(|r| r.id.clone()).unwrap_or_default(),
                        rules: rs
                            .iter()
                            .filter_map(|&r| set.rules.get(r).map(|x| x.id.clone()))
                            .collect(),
                        outcomes: rs
                            .iter()
                            .filter_map(|&r| set.rules.get(r).map(|x| x.outcome.clone()))
                            .collect(),
                    });
                }
                NodeResult::Decided(path) => {
                    self.missing.truncate(mark);
                    decided_paths.push((bi, path));
                }
            }
        }

        let mut missing_all: Vec<usize> = Vec::new();
        let mut outcome = None;
        let status;
        match set.mode {
            Mode::All => {
                for (_, path) in &decided_paths {
                    let Some(mut g) = self.grant(path) else {
                        continue;
                    };
                    match self.amount(path) {
                        Ok(a) => {
                            g.amount_yuan = a;
                            granted.push(g);
                        }
                        Err(miss) => {
                            missing_all.extend(&miss);
                            pending.push(Pending {
                                policy: g.policy,
                                outcome: g.outcome,
                                program: g.program,
                                missing: self.fact_names(&miss),
                            });
                        }
                    }
                }
                for (bi, miss) in &unknown_bases {
                    let Some(base) = set.bases.get(*bi).and_then(|&b| set.rules.get(b)) else {
                        continue;
                    };
                    // The amount's base fact is needed too once the conditions are met.
                    let mut miss = miss.clone();
                    if let Some(of) = base.amount_rule.as_ref().and_then(|a| a.of) {
                        if self.value(of).is_none() {
                            miss.push(of);
                        }
                    }
                    missing_all.extend(&miss);
                    pending.push(Pending {
                        policy: base.id.clone(),
                        outcome: base.outcome.clone(),
                        program: base.program.clone(),
                        missing: self.fact_names(&miss),
                    });
                }
                status = if conflicts.is_empty() {
                    Status::Matched
                } else {
                    Status::Conflict
                };
            }
            Mode::Decision => {
                // Bases that apply must agree.
                let mut distinct: Vec<usize> = Vec::new();
                for (i, (_, p)) in decided_paths.iter().enumerate() {
                    let last = p.last().copied().unwrap_or(0);
                    if !distinct.iter().any(|&j| {
                        decided_paths
                            .get(j)
                            .and_then(|(_, q)| q.last())
                            .is_some_and(|&q| same_outcome(set, q, last))
                    }) {
                        distinct.push(i);
                    }
                }
                if distinct.len() > 1 {
                    let rs: Vec<usize> = distinct
                        .iter()
                        .filter_map(|&i| decided_paths.get(i).and_then(|(_, p)| p.last().copied()))
                        .collect();
                    conflicts.push(Conflict {
                        under: "*".to_string(),
                        rules: rs
                            .iter()
                            .filter_map(|&r| set.rules.get(r).map(|x| x.id.clone()))
                            .collect(),
                        outcomes: rs
                            .iter()
                            .filter_map(|&r| set.rules.get(r).map(|x| x.outcome.clone()))
                            .collect(),
                    });
                }
                let known = decided_paths
                    .first()
                    .and_then(|(_, p)| p.last())
                    .and_then(|&r| set.rules.get(r))
                    .map(|r| r.outcome.clone());
                // An open base matters unless every outcome it could give is the known one.
                let open: Vec<&(usize, Vec<usize>)> = unknown_bases
                    .iter()
                    .filter(|(bi, _)| {
                        let Some(k) = &known else { return true };
                        set.possible.get(*bi).is_none_or(|outs| {
                            outs.iter()
                                .any(|&r| set.rules.get(r).is_none_or(|x| &x.outcome != k))
                        })
                    })
                    .collect();
                if !conflicts.is_empty() {
                    status = Status::Conflict;
                } else if !open.is_empty() {
                    status = Status::Undetermined;
                    for (bi, miss) in open {
                        missing_all.extend(miss);
                        if let Some(base) = set.bases.get(*bi).and_then(|&b| set.rules.get(b)) {
                            pending.push(Pending {
                                policy: base.id.clone(),
                                outcome: base.outcome.clone(),
                                program: base.program.clone(),
                                missing: self.fact_names(miss),
                            });
                        }
                    }
                } else if let Some((_, path)) = decided_paths.first() {
                    status = Status::Decided;
                    if let Some(mut g) = self.grant(path) {
                        g.amount_yuan = self.amount(path).unwrap_or(None);
                        // Other base rules that agree add their measures and legal basis.
                        let others: Vec<Vec<usize>> = decided_paths
                            .iter()
                            .skip(1)
                            .map(|(_, p)| p.clone())
                            .collect();
                        for p in &others {
                            if let Some(o) = self.grant(p) {
                                for m in o.measures {
                                    if !g.measures.contains(&m) {
                                        g.measures.push(m);
                                    }
                                }
                                for c in o.citations {
                                    if !g.citations.contains(&c) {
                                        g.citations.push(c);
                                    }
                                }
                                g.reasons.extend(o.reasons);
                            }
                        }
                        outcome = Some(g.outcome.clone());
                        granted.push(g);
                    }
                } else if let Some((o, cites)) = &set.default {
                    status = Status::Default;
                    outcome = Some(o.clone());
                    granted.push(Grant {
                        policy: "default".to_string(),
                        rule: "default".to_string(),
                        outcome: o.clone(),
                        measures: Vec::new(),
                        program: None,
                        amount_yuan: None,
                        citations: cites.clone(),
                        reasons: vec!["no rule applies".to_string()],
                    });
                } else {
                    status = Status::NoDecision;
                }
            }
        }

        let missing_facts = self.fact_names(&missing_all);
        let trace = if self.opts.trace {
            let parameters = self
                .params_used
                .iter()
                .filter_map(|&p| {
                    let param = set.params.get(p)?;
                    let dv = param.at(self.date)?;
                    Some(ParamUse {
                        name: param.name.clone(),
                        value: dv.value.to_string(),
                        since: dv.from,
                        citation: dv.citation.clone().or_else(|| param.citation.clone()),
                    })
                })
                .collect();
            let facts = set
                .facts
                .iter()
                .zip(&self.slots)
                .filter_map(|(d, s)| match s {
                    Slot::Unread => None,
                    Slot::Missing => Some(FactUse {
                        name: d.name.clone(),
                        value: None,
                    }),
                    Slot::Invalid => Some(FactUse {
                        name: d.name.clone(),
                        value: Some("invalid".to_string()),
                    }),
                    Slot::Known(v) => Some(FactUse {
                        name: d.name.clone(),
                        value: Some(v.to_string()),
                    }),
                })
                .collect();
            Some(Trace {
                set: set.name.clone(),
                date: self.date,
                rules: std::mem::take(&mut self.trace_rules),
                parameters,
                facts,
            })
        } else {
            None
        };
        Decision {
            set: set.name.clone(),
            date: self.date,
            status,
            outcome,
            granted,
            pending,
            conflicts,
            missing_facts,
            invalid_facts: self.invalid,
            trace,
        }
    }
}

fn same_outcome(set: &RuleSet, a: usize, b: usize) -> bool {
    match (set.rules.get(a), set.rules.get(b)) {
        (Some(x), Some(y)) => {
            // Measures may differ (they are merged); the outcome and the paying program may not.
            x.outcome == y.outcome && x.program == y.program
        }
        _ => a == b,
    }
}

/// Orders a fact value against an operand of a compatible kind.
fn compare(v: &Value, x: &Value) -> Option<std::cmp::Ordering> {
    match (v, x) {
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        (Value::Boolean(a), Value::Boolean(b)) => Some(a.cmp(b)),
        (Value::Text(a), Value::Text(b)) => Some(a.as_str().cmp(b.as_str())),
        (Value::Integer(a), Value::Integer(b)) => Some(a.cmp(b)),
        _ => Some(v.as_number()?.cmp(&x.as_number()?)),
    }
}

impl RuleSet {
    /// Evaluates the set on `facts` at `date`, with reasons for each grant, without a trace.
    pub fn evaluate<F: Facts + ?Sized>(&self, facts: &F, date: NaiveDate) -> Decision {
        self.evaluate_with(
            facts,
            date,
            Options {
                trace: false,
                reasons: true,
            },
        )
    }

    /// Evaluates with the full trace: every rule considered, every condition with its actual
    /// value, the parameter values used and their dates, the citations.
    pub fn explain<F: Facts + ?Sized>(&self, facts: &F, date: NaiveDate) -> Decision {
        self.evaluate_with(
            facts,
            date,
            Options {
                trace: true,
                reasons: true,
            },
        )
    }

    /// Evaluates with explicit options (the fastest form: both off).
    pub fn evaluate_with<F: Facts + ?Sized>(
        &self,
        facts: &F,
        date: NaiveDate,
        opts: Options,
    ) -> Decision {
        Eval::new(self, facts, date, opts).run()
    }

    /// Evaluates many subjects in parallel (rayon); results come back in input order, so the
    /// output is the same whatever the thread count.
    pub fn evaluate_many<F: Facts + Sync>(
        &self,
        subjects: &[F],
        date: NaiveDate,
        opts: Options,
    ) -> Vec<Decision> {
        subjects
            .par_iter()
            .with_min_len(256)
            .map(|f| self.evaluate_with(f, date, opts))
            .collect()
    }
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
