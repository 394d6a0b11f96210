//! Compiling conditions: tests on facts into atoms of the set's arena, `all`/`any`/`not`,
//! named conditions expanded in place (bounded), parameters resolved, and amount rules.

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;

use crate::error::Error;
use crate::model::*;
use crate::value::{FactType, Value};

use super::raw::{Loader, RawAmount, RawCond};

pub(super) struct CondCx<'a, 'l> {
    pub(super) loader: &'l Loader<'a>,
    pub(super) named: &'l BTreeMap<String, Spanned<RawCond>>,
    /// Named conditions being expanded (to refuse one that refers to itself).
    pub(super) expanding: Vec<String>,
    /// Number of atoms before the current rule's condition (for the per-rule bound).
    pub(super) rule_start: usize,
    pub(super) facts: &'l [FactDecl],
    pub(super) fact_index: &'l HashMap<String, usize>,
    pub(super) params: &'l [Param],
    pub(super) param_index: &'l HashMap<String, usize>,
    pub(super) atoms: Vec<Atom>,
    pub(super) params_used: Vec<usize>,
}

impl CondCx<'_, '_> {
    pub(super) fn cond(
        &mut self,
        c: &Spanned<RawCond>,
        rule: &str,
        depth: usize,
    ) -> Result<Cond, Error> {
        let line = self.loader.line(c.span().start);
        if depth > CONDITION_DEPTH_MAX {
            return Err(self.loader.invalid(
                line,
                format!("rule '{rule}': conditions nest deeper than {CONDITION_DEPTH_MAX}"),
            ));
        }
        let rc = c.get_ref();
        let combinators = usize::from(rc.all.is_some())
            + usize::from(rc.any.is_some())
            + usize::from(rc.not.is_some())
            + usize::from(rc.always.is_some())
            + usize::from(rc.reference.is_some());
        if combinators > 0 {
            if combinators > 1 || rc.fact.is_some() {
                return Err(self.loader.invalid(
                    line,
                    format!(
                        "rule '{rule}': a condition is either one of all/any/not/always/ref or a \
                         test on one fact"
                    ),
                ));
            }
            if let Some(name) = &rc.reference {
                let Some(named) = self.named.get(name) else {
                    return Err(self.loader.invalid(
                        line,
                        format!("rule '{rule}': ref = '{name}' names no [conditions.{name}]"),
                    ));
                };
                if self.expanding.contains(name) {
                    let mut cycle = self.expanding.clone();
                    cycle.push(name.clone());
                    return Err(Error::CyclicException {
                        file: self.loader.file.to_string(),
                        line,
                        cycle: format!("named conditions {}", cycle.join(" -> ")),
                    });
                }
                self.expanding.push(name.clone());
                let inner = self.cond(named, rule, depth + 1);
                self.expanding.pop();
                return Ok(Cond::Named(name.clone(), Box::new(inner?)));
            }
            if let Some(list) = &rc.all {
                return Ok(Cond::All(self.conds(list, rule, depth)?));
            }
            if let Some(list) = &rc.any {
                if list.is_empty() {
                    return Err(self
                        .loader
                        .invalid(line, format!("rule '{rule}': `any = []` can never hold")));
                }
                return Ok(Cond::Any(self.conds(list, rule, depth)?));
            }
            if let Some(inner) = &rc.not {
                return Ok(Cond::Not(Box::new(self.cond(inner, rule, depth + 1)?)));
            }
            return Ok(if rc.always == Some(true) {
                Cond::Always
            } else {
                Cond::Not(Box::new(Cond::Always))
            });
        }
        let Some(fact) = &rc.fact else {
            return Err(self.loader.invalid(
                line,
                format!("rule '{rule}': a condition needs `fact` (or all/any/not/always)"),
            ));
        };
        let Some(&slot) = self.fact_index.get(fact) else {
            return Err(Error::UnknownFact {
                file: self.loader.file.to_string(),
                line,
                name: fact.clone(),
                context: format!("condition of rule '{rule}'"),
            });
        };
        let ty = self
            .facts
            .get(slot)
            .map(|f| f.ty.clone())
            .unwrap_or(FactType::Text);
        let ctx = format!("rule '{rule}', fact '{fact}' ({})", ty.name());
        let mut tests: Vec<(Test, bool)> = Vec::new(); // (test, negated)
        let cmps = [
            (CmpOp::Eq, &rc.eq),
            (CmpOp::Ne, &rc.ne),
            (CmpOp::Lt, &rc.lt),
            (CmpOp::Le, &rc.le),
            (CmpOp::Gt, &rc.gt),
            (CmpOp::Ge, &rc.ge),
        ];
        for (op, v) in cmps {
            let Some(v) = v else { continue };
            let ok = match op {
                CmpOp::Eq | CmpOp::Ne => !matches!(ty, FactType::List { .. }),
                _ => ty.is_ordered(),
            };
            if !ok {
                return Err(self.loader.mismatch(
                    line,
                    &ctx,
                    format!("operator '{}' does not apply to {}", op.symbol(), ty.name()),
                ));
            }
            let operand = self.operand(v, &ty, &ctx, line)?;
            tests.push((Test::Cmp(op, operand), false));
        }
        if let Some(b) = &rc.between {
            if !ty.is_ordered() {
                return Err(self.loader.mismatch(
                    line,
                    &ctx,
                    format!("'between' does not apply to {}", ty.name()),
                ));
            }
            let [lo, hi] = b.as_slice() else {
                return Err(self.loader.invalid(
                    line,
                    format!("{ctx}: between needs exactly two bounds [low, high]"),
                ));
            };
            let lo = self.operand(lo, &ty, &ctx, line)?;
            let hi = self.operand(hi, &ty, &ctx, line)?;
            tests.push((Test::Between(lo, hi), false));
        }
        for (v, negated) in [(&rc.in_, false), (&rc.not_in, true)] {
            let Some(v) = v else { continue };
            if matches!(ty, FactType::List { .. } | FactType::Boolean) {
                return Err(self.loader.mismatch(
                    line,
                    &ctx,
                    format!("'in' does not apply to {} (use contains)", ty.name()),
                ));
            }
            let set = self.in_set(v, &ty, &ctx, line)?;
            tests.push((Test::In(set), negated));
        }
        let list_items = |items: &[String], this: &Self| -> Result<Vec<String>, Error> {
            let FactType::List { values } = &ty else {
                return Err(this.loader.mismatch(
                    line,
                    &ctx,
                    format!("'contains' applies to lists, not {}", ty.name()),
                ));
            };
            for i in items {
                if !values.is_empty() && !values.contains(i) {
                    return Err(this.loader.mismatch(
                        line,
                        &ctx,
                        format!(
                            "'{i}' is not one of the declared values [{}]",
                            values.join(", ")
                        ),
                    ));
                }
            }
            Ok(items.to_vec())
        };
        if let Some(i) = &rc.contains {
            let items = list_items(std::slice::from_ref(i), self)?;
            tests.push((Test::Contains { items, any: false }, false));
        }
        if let Some(i) = &rc.contains_all {
            let items = list_items(i, self)?;
            tests.push((Test::Contains { items, any: false }, false));
        }
        if let Some(i) = &rc.contains_any {
            let items = list_items(i, self)?;
            if items.is_empty() {
                return Err(self
                    .loader
                    .invalid(line, format!("{ctx}: contains_any = [] can never hold")));
            }
            tests.push((Test::Contains { items, any: true }, false));
        }
        if let Some(p) = &rc.starts_with {
            if !ty.is_textual() {
                return Err(self.loader.mismatch(
                    line,
                    &ctx,
                    format!("'starts_with' applies to text, not {}", ty.name()),
                ));
            }
            tests.push((Test::StartsWith(p.clone()), false));
        }
        if let Some(k) = rc.known {
            tests.push((Test::Known, !k));
        }
        if tests.is_empty() {
            return Err(self.loader.invalid(
                line,
                format!("{ctx}: the condition has no test (eq, ne, lt, le, gt, ge, between, in, not_in, contains, contains_any, contains_all, starts_with, known)"),
            ));
        }
        let mut out: Vec<Cond> = Vec::with_capacity(tests.len());
        if self.atoms.len() + tests.len() > self.rule_start + TESTS_PER_RULE_MAX {
            return Err(Error::Limit {
                what: format!(
                    "{}: tests in the condition of '{rule}' once named conditions are expanded",
                    self.loader.file
                ),
                limit: TESTS_PER_RULE_MAX,
            });
        }
        if self.atoms.len() + tests.len() > TESTS_MAX {
            return Err(Error::Limit {
                what: format!("{}: tests in the whole set", self.loader.file),
                limit: TESTS_MAX,
            });
        }
        for (test, negated) in tests {
            let label = self.label(fact, &test, negated);
            let idx = self.atoms.len();
            self.atoms.push(Atom {
                slot,
                test,
                negated,
                label,
            });
            out.push(Cond::Atom(idx));
        }
        Ok(if out.len() == 1 {
            out.pop().unwrap_or(Cond::Always)
        } else {
            Cond::All(out)
        })
    }

    fn conds(
        &mut self,
        list: &[Spanned<RawCond>],
        rule: &str,
        depth: usize,
    ) -> Result<Vec<Cond>, Error> {
        list.iter().map(|c| self.cond(c, rule, depth + 1)).collect()
    }

    fn param_ref(
        &mut self,
        v: &toml::Value,
        ctx: &str,
        line: usize,
    ) -> Result<Option<usize>, Error> {
        let toml::Value::Table(t) = v else {
            return Ok(None);
        };
        let (Some(toml::Value::String(name)), 1) = (t.get("param"), t.len()) else {
            return Err(self.loader.invalid(
                line,
                format!("{ctx}: a table operand must be {{ param = \"name\" }}"),
            ));
        };
        let Some(&p) = self.param_index.get(name) else {
            return Err(Error::UnknownParam {
                file: self.loader.file.to_string(),
                line,
                name: name.clone(),
                context: ctx.to_string(),
            });
        };
        if !self.params_used.contains(&p) {
            self.params_used.push(p);
        }
        Ok(Some(p))
    }

    fn operand(
        &mut self,
        v: &toml::Value,
        ty: &FactType,
        ctx: &str,
        line: usize,
    ) -> Result<Operand, Error> {
        if let Some(p) = self.param_ref(v, ctx, line)? {
            let pty = self.params.get(p).map(|p| &p.ty);
            let compatible = match (ty, pty) {
                (a, Some(b)) if a.is_numeric() => b.is_numeric(),
                (a, Some(b)) if a.is_textual() => b.is_textual(),
                (a, Some(b)) => a.name() == b.name(),
                (_, None) => false,
            };
            if !compatible {
                return Err(self.loader.mismatch(
                    line,
                    ctx,
                    format!(
                        "parameter '{}' is {}, the fact is {}",
                        self.params.get(p).map(|p| p.name.as_str()).unwrap_or("?"),
                        pty.map(FactType::name).unwrap_or("?"),
                        ty.name()
                    ),
                ));
            }
            return Ok(Operand::Param(p));
        }
        ty.from_toml(v)
            .map(Operand::Const)
            .map_err(|m| self.loader.mismatch(line, ctx, m))
    }

    fn in_set(
        &mut self,
        v: &toml::Value,
        ty: &FactType,
        ctx: &str,
        line: usize,
    ) -> Result<InSet, Error> {
        if let Some(p) = self.param_ref(v, ctx, line)? {
            let param = self.params.get(p);
            let Some(FactType::List { .. }) = param.map(|p| &p.ty) else {
                return Err(self.loader.mismatch(
                    line,
                    ctx,
                    "'in' with a parameter needs a list parameter".to_string(),
                ));
            };
            if !ty.is_textual() {
                return Err(self.loader.mismatch(
                    line,
                    ctx,
                    format!("a list parameter holds text; the fact is {}", ty.name()),
                ));
            }
            if let (FactType::Enumeration { values }, Some(param)) = (ty, param) {
                for dv in &param.values {
                    if let Value::List(items) = &dv.value {
                        if let Some(bad) = items.iter().find(|i| !values.contains(i)) {
                            return Err(self.loader.mismatch(
                                line,
                                ctx,
                                format!(
                                    "parameter '{}' (from {}) holds '{bad}', not a value of the \
                                     enumeration",
                                    param.name, dv.from
                                ),
                            ));
                        }
                    }
                }
            }
            return Ok(InSet::Param(p));
        }
        let toml::Value::Array(items) = v else {
            return Err(self.loader.invalid(
                line,
                format!("{ctx}: 'in' takes an array of values or {{ param = \"name\" }}"),
            ));
        };
        let values = items
            .iter()
            .map(|i| {
                ty.from_toml(i)
                    .map_err(|m| self.loader.mismatch(line, ctx, m))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(InSet::Values(values))
    }

    pub(super) fn amount(&mut self, a: &Spanned<RawAmount>, rule: &str) -> Result<Amount, Error> {
        let line = self.loader.line(a.span().start);
        let ra = a.get_ref();
        let ctx = format!("amount of rule '{rule}'");
        let money = FactType::Money;
        let fixed = match &ra.fixed {
            Some(v) => Some(self.operand(v, &money, &ctx, line)?),
            None => None,
        };
        let rate = match &ra.rate {
            Some(v) => Some(self.operand(v, &FactType::Percent, &ctx, line)?),
            None => None,
        };
        let max = match &ra.max {
            Some(v) => Some(self.operand(v, &money, &ctx, line)?),
            None => None,
        };
        let of = match &ra.of {
            None => None,
            Some(name) => {
                let Some(&slot) = self.fact_index.get(name) else {
                    return Err(Error::UnknownFact {
                        file: self.loader.file.to_string(),
                        line,
                        name: name.clone(),
                        context: ctx,
                    });
                };
                if !self.facts.get(slot).is_some_and(|f| f.ty.is_numeric()) {
                    return Err(self.loader.mismatch(
                        line,
                        &ctx,
                        format!("'of = {name}' must name a numeric (money) fact"),
                    ));
                }
                Some(slot)
            }
        };
        let shape_ok = matches!(
            (&fixed, &rate, &of),
            (Some(_), None, None) | (None, Some(_), Some(_))
        );
        if !shape_ok {
            return Err(self.loader.invalid(
                line,
                format!("{ctx}: give either `fixed`, or `rate` and `of` (with an optional `max`)"),
            ));
        }
        let show = |o: &Operand, params: &[Param]| match o {
            Operand::Const(v) => v.to_string(),
            Operand::Param(p) => format!(
                "param {}",
                params.get(*p).map(|p| p.name.as_str()).unwrap_or("?")
            ),
        };
        let mut label = match (&fixed, &rate, &ra.of) {
            (Some(f), _, _) => show(f, self.params),
            (_, Some(r), Some(of)) => format!("{} × {of}", show(r, self.params)),
            _ => String::new(),
        };
        if let Some(m) = &max {
            label.push_str(&format!(", at most {}", show(m, self.params)));
        }
        label.push_str(", rounded down to the fen");
        Ok(Amount {
            fixed,
            rate,
            of,
            max,
            label,
        })
    }

    fn label(&self, fact: &str, test: &Test, negated: bool) -> String {
        let show = |o: &Operand| match o {
            Operand::Const(v) => v.to_string(),
            Operand::Param(p) => format!(
                "{{{}}}",
                self.params.get(*p).map(|p| p.name.as_str()).unwrap_or("?")
            ),
        };
        let s = match test {
            Test::Cmp(op, o) => format!("{fact} {} {}", op.symbol(), show(o)),
            Test::Between(lo, hi) => format!("{} ≤ {fact} ≤ {}", show(lo), show(hi)),
            Test::In(InSet::Values(vs)) => format!(
                "{fact} in [{}]",
                vs.iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Test::In(InSet::Param(p)) => format!(
                "{fact} in {{{}}}",
                self.params.get(*p).map(|p| p.name.as_str()).unwrap_or("?")
            ),
            Test::Contains { items, any } => format!(
                "{fact} contains {} of [{}]",
                if *any { "any" } else { "all" },
                items.join(", ")
            ),
            Test::StartsWith(p) => format!("{fact} starts with '{p}'"),
            Test::Known => format!("{fact} is known"),
        };
        if negated {
            match test {
                Test::In(_) => s.replacen(" in ", " not in ", 1),
                Test::Known => format!("{fact} is not known"),
                _ => format!("not ({s})"),
            }
        } else {
            s
        }
    }
}
