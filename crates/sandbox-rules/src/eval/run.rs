//! One evaluation from start to decision: the reasons and amounts of each grant, and how the
//! set's mode combines the applicable rules (a decision set's single outcome, or every grant).

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::facts::Facts;
use crate::model::{Amount, Cond, Mode, Test, round_down_to_fen};
use crate::value::Value;

use super::decision::*;
use super::engine::*;

impl<'s, 'f, F: Facts + ?Sized> Eval<'s, 'f, F> {
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

    pub(super) fn run(mut self) -> Decision {
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
