//! The loader: TOML text in, a validated and compiled [`RuleSet`] out. Errors name the file
//! and line: syntax, unknown facts and parameters, type mismatches, duplicate ids, unknown or
//! cyclic exceptions, unreachable rules (checked with the analysis' satisfiability test).
//!
//! | file | what it owns |
//! |---|---|
//! | `mod.rs` | [`RuleSet::from_toml`], the load of facts, parameters and rules, exception cycles |
//! | `raw.rs` | the raw TOML shapes and the source (file, text) errors are reported against |
//! | `cond.rs` | compiling conditions, named conditions and amounts into the set's arena |

use std::collections::HashMap;

use toml::Spanned;

use crate::error::Error;
use crate::model::*;
use crate::value::{FactType, toml_value_date};

use cond::CondCx;
use raw::{Loader, OneOrMany, RawFile, one_or_many};

mod cond;
mod raw;

impl RuleSet {
    /// Loads and validates a rule set from TOML text. `file` names it in error messages.
    ///
    /// Errors carry the file and line: syntax, unknown facts and parameters, type mismatches,
    /// duplicate ids, unknown or cyclic exceptions, unreachable rules.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, Error> {
        if text.len() > RULE_SET_BYTES_MAX {
            return Err(Error::Limit {
                what: format!("{file}: bytes"),
                limit: RULE_SET_BYTES_MAX,
            });
        }
        let raw: RawFile = toml::from_str(text).map_err(|e| Error::syntax(file, text, &e))?;
        Loader {
            file,
            lines: crate::LineIndex::new(text),
        }
        .load(raw)
    }
}

impl Loader<'_> {
    fn load(&self, raw: RawFile) -> Result<RuleSet, Error> {
        let set_line = self.line(raw.set.span().start);
        let set = raw.set.into_inner();
        let mode = match set.mode.as_ref().map(|m| m.get_ref().as_str()) {
            None | Some("decision") => Mode::Decision,
            Some("all") => Mode::All,
            Some(other) => {
                return Err(self.invalid(
                    set_line,
                    format!("[set] mode = '{other}': expected 'decision' or 'all'"),
                ));
            }
        };
        if raw.rules.len() > RULES_MAX {
            return Err(Error::Limit {
                what: format!("{}: rules", self.file),
                limit: RULES_MAX,
            });
        }

        // Facts.
        let mut facts = Vec::with_capacity(raw.facts.len());
        let mut fact_index = HashMap::new();
        for (name, decl) in raw.facts {
            let line = self.line(decl.span().start);
            let d = decl.into_inner();
            let ty = FactType::from_name(&d.ty, d.values.clone()).ok_or_else(|| {
                self.invalid(
                    line,
                    format!(
                        "fact '{name}': unknown type '{}' (integer, decimal, percent, money, \
                         date, boolean, enumeration, text, list)",
                        d.ty
                    ),
                )
            })?;
            if matches!(ty, FactType::Enumeration { ref values } if values.is_empty()) {
                return Err(self.invalid(
                    line,
                    format!("fact '{name}': an enumeration needs its `values`"),
                ));
            }
            if !d.values.is_empty() && !matches!(d.ty.as_str(), "enumeration" | "list") {
                return Err(self.invalid(
                    line,
                    format!("fact '{name}': `values` only applies to enumeration and list"),
                ));
            }
            fact_index.insert(name.clone(), facts.len());
            facts.push(FactDecl {
                name,
                ty,
                description: d.description,
                line,
            });
        }

        // Parameters.
        let mut params = Vec::with_capacity(raw.params.len());
        let mut param_index = HashMap::new();
        for (name, decl) in raw.params {
            let line = self.line(decl.span().start);
            let d = decl.into_inner();
            let ty = FactType::from_name(&d.ty, d.variants).ok_or_else(|| {
                self.invalid(line, format!("parameter '{name}': unknown type '{}'", d.ty))
            })?;
            if d.values.is_empty() {
                return Err(self.invalid(line, format!("parameter '{name}' has no values")));
            }
            if d.values.len() > PARAM_VALUES_MAX {
                return Err(Error::Limit {
                    what: format!("{}: parameter '{name}' values", self.file),
                    limit: PARAM_VALUES_MAX,
                });
            }
            let mut values: Vec<DatedValue> = Vec::with_capacity(d.values.len());
            for dv in d.values {
                let vline = self.line(dv.span().start);
                let dv = dv.into_inner();
                let from = toml_value_date(&dv.from)
                    .map_err(|m| self.invalid(vline, format!("parameter '{name}': from: {m}")))?;
                let value = ty
                    .from_toml(&dv.value)
                    .map_err(|m| self.mismatch(vline, &format!("parameter '{name}'"), m))?;
                if let Some(prev) = values.last() {
                    if prev.from >= from {
                        return Err(self.invalid(
                            vline,
                            format!(
                                "parameter '{name}': dated values must be in increasing date \
                                 order ({from} after {})",
                                prev.from
                            ),
                        ));
                    }
                }
                values.push(DatedValue {
                    from,
                    value,
                    citation: dv.citation,
                });
            }
            param_index.insert(name.clone(), params.len());
            params.push(Param {
                name,
                ty,
                values,
                citation: d.citation,
                description: d.description,
                line,
            });
        }

        let mut cx = CondCx {
            loader: self,
            facts: &facts,
            fact_index: &fact_index,
            params: &params,
            param_index: &param_index,
            atoms: Vec::new(),
            params_used: Vec::new(),
            named: &raw.conditions,
            expanding: Vec::new(),
            rule_start: 0,
        };
        // Every named condition is checked, used or not, so a mistake in one is found now.
        for (name, c) in &raw.conditions {
            cx.expanding.push(name.clone());
            cx.cond(c, &format!("[conditions.{name}]"), 0)?;
            cx.expanding.clear();
            cx.atoms.clear();
        }
        cx.atoms.clear();
        cx.params_used.clear();

        // Rules.
        let mut rules: Vec<Rule> = Vec::with_capacity(raw.rules.len());
        let mut rule_index: HashMap<String, usize> = HashMap::new();
        let mut raw_parents: Vec<(Vec<String>, usize)> = Vec::new();
        for r in raw.rules {
            let line = self.line(r.span().start);
            let r = r.into_inner();
            let id = r.id.get_ref().clone();
            if id.trim().is_empty() {
                return Err(self.invalid(line, "rule with an empty id".to_string()));
            }
            if rule_index.contains_key(&id) {
                return Err(self.invalid(
                    self.line(r.id.span().start),
                    format!("duplicate rule id '{id}'"),
                ));
            }
            let citations = r.citation.map(OneOrMany::into_vec).unwrap_or_default();
            if citations.iter().all(|c| c.trim().is_empty()) {
                return Err(self.invalid(
                    line,
                    format!("rule '{id}' has no citation: every rule names its legal basis"),
                ));
            }
            let outcome_line = self.line(r.outcome.span().start);
            let outcome = r.outcome.into_inner();
            if let Some(allowed) = &set.outcomes {
                if !allowed.contains(&outcome) {
                    return Err(self.invalid(
                        outcome_line,
                        format!(
                            "rule '{id}': outcome '{outcome}' is not one of [set] outcomes [{}]",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
            let date = |v: &Option<Spanned<toml::Value>>, what: &str| -> Result<_, Error> {
                match v {
                    None => Ok(None),
                    Some(s) => toml_value_date(s.get_ref()).map(Some).map_err(|m| {
                        self.invalid(
                            self.line(s.span().start),
                            format!("rule '{id}': {what}: {m}"),
                        )
                    }),
                }
            };
            let valid_from = date(&r.valid_from, "valid_from")?;
            let valid_until = date(&r.valid_until, "valid_until")?;
            if let (Some(f), Some(u)) = (valid_from, valid_until) {
                if f > u {
                    return Err(Error::Unreachable {
                        file: self.file.to_string(),
                        line,
                        rule: id,
                        reason: format!("valid_from {f} is after valid_until {u}"),
                    });
                }
            }
            cx.params_used.clear();
            cx.rule_start = cx.atoms.len();
            let cond = match &r.when {
                None => Cond::Always,
                Some(w) => cx.cond(w, &id, 0)?,
            };
            let amount_rule = match &r.amount {
                None => None,
                Some(a) => Some(cx.amount(a, &id)?),
            };
            // A parameter must have a value on every day the rule is in force.
            for &p in &cx.params_used {
                let Some(param) = params.get(p) else { continue };
                let first = param.values.first().map(|v| v.from);
                if let Some(first) = first {
                    if valid_from.is_none_or(|f| f < first) {
                        return Err(self.invalid(
                            line,
                            format!(
                                "rule '{id}' uses parameter '{}', which has no value before \
                                 {first}; give the rule valid_from = {first} or later",
                                param.name
                            ),
                        ));
                    }
                }
            }
            let parents = r
                .exception_to
                .map(|e| (one_or_many(&e), self.line(e.span().start)))
                .unwrap_or_default();
            raw_parents.push(parents);
            rule_index.insert(id.clone(), rules.len());
            rules.push(Rule {
                id,
                citations,
                description: r.description,
                exception_to: Vec::new(),
                outcome,
                measures: r.measures,
                program: r.program,
                amount: amount_rule.as_ref().map(|a| a.label.clone()),
                valid_from,
                valid_until,
                line,
                cond,
                amount_rule,
                parents: Vec::new(),
                children: Vec::new(),
            });
        }
        let atoms = cx.atoms;

        // Exceptions: resolve labels, then look for cycles.
        for (i, (labels, line)) in raw_parents.into_iter().enumerate() {
            for label in labels {
                let Some(&p) = rule_index.get(&label) else {
                    let rid = rules.get(i).map(|r| r.id.clone()).unwrap_or_default();
                    return Err(self.invalid(
                        line,
                        format!("rule '{rid}': exception_to names unknown rule '{label}'"),
                    ));
                };
                if let Some(r) = rules.get_mut(i) {
                    if !r.parents.contains(&p) {
                        r.parents.push(p);
                        r.exception_to.push(label);
                    }
                }
                if let Some(parent) = rules.get_mut(p) {
                    if !parent.children.contains(&i) {
                        parent.children.push(i);
                    }
                }
            }
        }
        self.check_cycles(&rules)?;

        let bases: Vec<usize> = (0..rules.len())
            .filter(|&i| rules.get(i).is_some_and(|r| r.parents.is_empty()))
            .collect();
        let default = match set.default {
            None => None,
            Some(d) => {
                let dline = self.line(d.span().start);
                if mode == Mode::All {
                    return Err(self.invalid(
                        dline,
                        "[set] default only applies to mode = 'decision'".to_string(),
                    ));
                }
                let cites = set
                    .default_citation
                    .map(OneOrMany::into_vec)
                    .unwrap_or_default();
                if cites.is_empty() {
                    return Err(
                        self.invalid(dline, "[set] default needs a default_citation".to_string())
                    );
                }
                Some((d.into_inner(), cites))
            }
        };
        let _ = set.description;

        let mut rs = RuleSet {
            name: set.name,
            title: set.title,
            file: self.file.to_string(),
            mode,
            default,
            facts,
            fact_index,
            params,
            param_index,
            rules,
            atoms,
            bases,
            possible: Vec::new(),
            dag: false,
        };
        rs.dag = rs.rules.iter().any(|r| r.parents.len() > 1);
        rs.possible = rs
            .bases
            .iter()
            .map(|&b| {
                let mut out = Vec::new();
                collect_tree(&rs.rules, b, &mut out, 0);
                out.sort_unstable();
                out.dedup();
                out
            })
            .collect();
        crate::sat::check_reachable(&rs)?;
        Ok(rs)
    }

    fn check_cycles(&self, rules: &[Rule]) -> Result<(), Error> {
        // Iterative three-colour DFS over "is an exception to" edges.
        let n = rules.len();
        let mut colour = vec![0u8; n];
        for start in 0..n {
            if colour.get(start) != Some(&0) {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            if let Some(c) = colour.get_mut(start) {
                *c = 1;
            }
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let parents = rules.get(node).map(|r| r.parents.as_slice()).unwrap_or(&[]);
                if let Some(&p) = parents.get(*next) {
                    *next += 1;
                    match colour.get(p) {
                        Some(0) => {
                            if let Some(c) = colour.get_mut(p) {
                                *c = 1;
                            }
                            stack.push((p, 0));
                        }
                        Some(1) => {
                            let pos = stack.iter().position(|&(r, _)| r == p).unwrap_or(0);
                            let mut names: Vec<&str> = stack
                                .get(pos..)
                                .unwrap_or(&[])
                                .iter()
                                .filter_map(|&(r, _)| rules.get(r).map(|r| r.id.as_str()))
                                .collect();
                            names.push(rules.get(p).map(|r| r.id.as_str()).unwrap_or("?"));
                            return Err(Error::CyclicException {
                                file: self.file.to_string(),
                                line: rules.get(p).map(|r| r.line).unwrap_or(1),
                                cycle: names.join(" -> "),
                            });
                        }
                        _ => {}
                    }
                } else {
                    if let Some(c) = colour.get_mut(node) {
                        *c = 2;
                    }
                    stack.pop();
                }
            }
        }
        Ok(())
    }
}

fn collect_tree(rules: &[Rule], r: usize, out: &mut Vec<usize>, depth: usize) {
    // Exceptions are acyclic (checked before); the depth bound is a second guard.
    if depth > RULES_MAX {
        return;
    }
    out.push(r);
    if let Some(rule) = rules.get(r) {
        for &c in &rule.children {
            collect_tree(rules, c, out, depth + 1);
        }
    }
}
