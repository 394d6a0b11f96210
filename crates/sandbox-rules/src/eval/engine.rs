//! The evaluator's state and its core: each fact read once through [`Facts`] and type-checked,
//! parameters at the date, atoms and conditions in three-valued logic, and the walk of a rule
//! tree with its exceptions (memoised when a rule is an exception to several).

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::facts::Facts;
use crate::model::{Atom, Cond, DatedValue, InSet, Operand, RuleSet, Test};
use crate::value::Value;

use super::decision::*;

pub(super) enum Slot<'f> {
    Unread,
    Missing,
    Invalid,
    Known(Cow<'f, Value>),
}

#[derive(Debug, Clone)]
pub(super) enum NodeResult {
    Nothing,
    /// Decided by the last rule of the path (base first).
    Decided(Vec<usize>),
    Unknown,
    Conflict(Vec<usize>),
}

pub(super) struct Eval<'s, 'f, F: Facts + ?Sized> {
    pub(super) set: &'s RuleSet,
    pub(super) facts: &'f F,
    pub(super) date: NaiveDate,
    pub(super) opts: Options,
    pub(super) slots: Vec<Slot<'f>>,
    pub(super) missing: Vec<usize>,
    pub(super) invalid: Vec<InvalidFact>,
    // Trace state (only filled when opts.trace).
    pub(super) trace_rules: Vec<RuleTrace>,
    pub(super) traced: Vec<Option<usize>>,
    pub(super) conds: Vec<CondTrace>,
    pub(super) params_used: Vec<usize>,
    /// A rule that is an exception to several rules is met several times in one decision;
    /// its condition does not change, so a settled result (true or false) is kept:
    /// 0 = not yet, 1 = true, 2 = false. Unknown is re-evaluated to list missing facts.
    pub(super) memo: Vec<u8>,
}

impl<'s, 'f, F: Facts + ?Sized> Eval<'s, 'f, F> {
    pub(super) fn new(set: &'s RuleSet, facts: &'f F, date: NaiveDate, opts: Options) -> Self {
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
    pub(super) fn value(&mut self, slot: usize) -> Option<&Value> {
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

    pub(super) fn param(&mut self, p: usize) -> Option<&'s Value> {
        let param = self.set.params.get(p)?;
        let dv = param.at(self.date)?;
        if (self.opts.trace || self.opts.reasons) && !self.params_used.contains(&p) {
            self.params_used.push(p);
        }
        Some(&dv.value)
    }

    /// The parameter an atom compares with, and its value in force.
    pub(super) fn param_of(&self, atom: &Atom) -> Option<(&'s str, &'s DatedValue)> {
        let p = match &atom.test {
            Test::Cmp(_, Operand::Param(p)) | Test::In(InSet::Param(p)) => *p,
            Test::Between(Operand::Param(p), _) | Test::Between(_, Operand::Param(p)) => *p,
            _ => return None,
        };
        let set: &'s RuleSet = self.set;
        let param = set.params.get(p)?;
        Some((param.name.as_str(), param.at(self.date)?))
    }

    pub(super) fn param_note(&self, atom: &Atom) -> Option<String> {
        let p = match &atom.test {
            Test::Cmp(_, Operand::Param(p)) | Test::In(InSet::Param(p)) => *p,
            Test::Between(Operand::Param(p), _) | Test::Between(_, Operand::Param(p)) => *p,
            _ => return None,
        };
        let param = self.set.params.get(p)?;
        let dv = param.at(self.date)?;
        Some(format!("{} = {} (since {})", param.name, dv.value, dv.from))
    }

    pub(super) fn operand(&mut self, o: &'s Operand) -> Option<&'s Value> {
        match o {
            Operand::Const(v) => Some(v),
            Operand::Param(p) => self.param(*p),
        }
    }

    pub(super) fn atom(&mut self, i: usize) -> Truth {
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

    pub(super) fn atom_raw(&mut self, atom: &'s Atom) -> Truth {
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

    pub(super) fn cond(&mut self, c: &'s Cond, depth: usize) -> Truth {
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

    pub(super) fn push_group(&mut self, depth: usize, name: &str) -> Option<usize> {
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

    pub(super) fn close_group(&mut self, at: Option<usize>, t: Truth) {
        if let Some(c) = at.and_then(|i| self.conds.get_mut(i)) {
            c.result = t;
        }
    }

    pub(super) fn record(&mut self, r: usize, status: RuleStatus) -> Option<usize> {
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

    pub(super) fn not_reached(&mut self, r: usize, depth: usize) {
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

    pub(super) fn node(&mut self, r: usize, depth: usize) -> NodeResult {
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
}

pub(super) fn same_outcome(set: &RuleSet, a: usize, b: usize) -> bool {
    match (set.rules.get(a), set.rules.get(b)) {
        (Some(x), Some(y)) => {
            // Measures may differ (they are merged); the outcome and the paying program may not.
            x.outcome == y.outcome && x.program == y.program
        }
        _ => a == b,
    }
}

/// Orders a fact value against an operand of a compatible kind.
pub(super) fn compare(v: &Value, x: &Value) -> Option<std::cmp::Ordering> {
    match (v, x) {
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        (Value::Boolean(a), Value::Boolean(b)) => Some(a.cmp(b)),
        (Value::Text(a), Value::Text(b)) => Some(a.as_str().cmp(b.as_str())),
        (Value::Integer(a), Value::Integer(b)) => Some(a.cmp(b)),
        _ => Some(v.as_number()?.cmp(&x.as_number()?)),
    }
}
