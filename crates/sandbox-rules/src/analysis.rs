//! Static analysis of a rule set: rules that can never apply (a load error), overlapping
//! rules with different outcomes and exceptions that can never apply (a report).
//!
//! Conditions are put in disjunctive normal form and each conjunction is checked fact by
//! fact: numeric and date intervals (tightened for integers and dates), sets of allowed and
//! excluded values, list items required and forbidden, text prefixes. Parameters are
//! resolved on each date where a parameter or a validity period changes, so an overlap that
//! exists only before a threshold changes is still found. Where the normal form would grow
//! past a bound the analysis says "maybe" rather than guess: it never reports a rule
//! unreachable unless it has proved it. (The satisfiability test itself is in `sat.rs`,
//! shared with the loader's reachability check.)
//!
//! Bounded: [`OVERLAP_PAIRS_MAX`] pairs examined, [`OVERLAPS_LISTED_MAX`] overlaps listed.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Cond, Mode, RuleSet};
use crate::sat::{
    Window, change_dates, descends, own_window, path_cond, reach_window, satisfiable, why_unsat,
};

pub use crate::sat::DNF_TERMS_MAX;

/// The most overlaps [`RuleSet::analyze`] lists in full ([`Analysis::overlaps`]); beyond it
/// overlaps are only counted ([`Analysis::overlaps_total`]). Each listed overlap holds its
/// situation in words, so this bounds the report's memory: a set of 10,000 rules that all
/// overlap has 49,995,000 overlapping pairs.
pub const OVERLAPS_LISTED_MAX: usize = 1_000;

/// The most pairs of sibling rules [`RuleSet::analyze`] examines for an overlap; the pairs
/// beyond it are counted as unchecked ([`Analysis::pairs_unchecked`]), so the analysis of the
/// largest set ([`crate::model::RULES_MAX`] rules) ends in bounded time. Pairs are examined in
/// rule order. (Measured figures are in docs/sandbox-rules.md.)
pub const OVERLAP_PAIRS_MAX: u64 = 2_000_000;

/// Two rules that can apply to the same facts on the same date with different outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlap {
    /// The rule they both are exceptions to, or `*` for base rules of a decision set.
    pub under: String,
    /// First rule id and its line.
    pub a: String,
    /// Line of `a`.
    pub a_line: usize,
    /// Second rule id.
    pub b: String,
    /// Line of `b`.
    pub b_line: usize,
    /// Their outcomes.
    pub outcomes: [String; 2],
    /// A situation where both apply (the conditions of one satisfiable conjunction).
    pub when: Vec<String>,
    /// The first date on which it can happen.
    pub from: NaiveDate,
}

/// An exception that can never apply: whenever its base rule applies, its own condition
/// cannot hold (or its validity never meets its base's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadException {
    /// The exception.
    pub rule: String,
    /// Its line.
    pub line: usize,
    /// The rule(s) it is an exception to.
    pub exception_to: Vec<String>,
    /// Why it never applies.
    pub reason: String,
}

/// The report of [`RuleSet::analyze`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Analysis {
    /// Possible conflicts a program office should settle before a firm meets them: the
    /// first [`OVERLAPS_LISTED_MAX`] found, in rule order.
    pub overlaps: Vec<Overlap>,
    /// Every overlap found among the pairs examined, listed or not.
    #[serde(default)]
    pub overlaps_total: u64,
    /// Pairs of sibling rules not examined because the analysis reached
    /// [`OVERLAP_PAIRS_MAX`] (0 when every pair was examined): overlaps among them are not
    /// counted, so `overlaps_total` is then a lower bound.
    #[serde(default)]
    pub pairs_unchecked: u64,
    /// Exceptions that can never apply.
    pub dead_exceptions: Vec<DeadException>,
    /// Rules whose conditions were too large to analyse fully.
    pub not_analysed: Vec<String>,
}

impl Analysis {
    /// Whether nothing was found (and nothing was left unchecked).
    pub fn is_clean(&self) -> bool {
        self.overlaps_total == 0
            && self.overlaps.is_empty()
            && self.dead_exceptions.is_empty()
            && self.pairs_unchecked == 0
    }
}

impl RuleSet {
    /// Reports overlapping rules (siblings that can both apply with different outcomes) and
    /// exceptions that can never apply.
    ///
    /// Bounded: at most [`OVERLAP_PAIRS_MAX`] pairs of siblings are examined (the rest are
    /// counted in [`Analysis::pairs_unchecked`]) and at most [`OVERLAPS_LISTED_MAX`] overlaps
    /// are listed in full (all are counted in [`Analysis::overlaps_total`]). Memory is linear
    /// in the size of the set; time is linear in it plus the pairs examined.
    pub fn analyze(&self) -> Analysis {
        let mut out = Analysis::default();
        let n = self.rules.len();
        let dates = change_dates(self);
        let reach: Vec<Option<Window>> = (0..n).map(|r| reach_window(self, r, 0)).collect();
        let reach_of = |r: usize| reach.get(r).copied().flatten();
        // Exceptions that can never apply under any of their parents.
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.parents.is_empty() {
                continue;
            }
            let mut alive = false;
            let mut reason = String::new();
            for &p in &rule.parents {
                let Some(w) = reach_of(p).and_then(|pw| pw.meet(own_window(self, i))) else {
                    reason = "its validity never meets its base rule's".to_string();
                    continue;
                };
                let c = Cond::All(vec![path_cond(self, p, 0), rule.cond.clone()]);
                match satisfiable(self, &dates, &c, w, false) {
                    Ok(Some(_)) => alive = true,
                    Ok(None) => {
                        reason = format!(
                            "whenever its base rule applies, its own condition fails: {}",
                            why_unsat(self, &dates, &c, w)
                        );
                    }
                    Err(_) => {
                        alive = true;
                        out.not_analysed.push(rule.id.clone());
                    }
                }
                if alive {
                    break;
                }
            }
            if !alive {
                out.dead_exceptions.push(DeadException {
                    rule: rule.id.clone(),
                    line: rule.line,
                    exception_to: rule.exception_to.clone(),
                    reason,
                });
            }
        }
        // Sibling groups: base rules of a decision set, and the exceptions of each rule.
        let mut groups: Vec<(&str, &[usize])> = Vec::new();
        if self.mode == Mode::Decision {
            groups.push(("*", &self.bases));
        }
        for r in &self.rules {
            if r.children.len() > 1 {
                groups.push((&r.id, &r.children));
            }
        }
        let dead: BTreeSet<&str> = out
            .dead_exceptions
            .iter()
            .map(|d| d.rule.as_str())
            .collect();
        let pairs_in = |m: usize| (m as u64) * (m as u64).saturating_sub(1) / 2;
        let pairs_all: u64 = groups.iter().map(|(_, m)| pairs_in(m.len())).sum();
        let mut examined: u64 = 0;
        'groups: for (under, members) in &groups {
            for (x, &a) in members.iter().enumerate() {
                for &b in members.iter().skip(x + 1) {
                    if examined >= OVERLAP_PAIRS_MAX {
                        break 'groups;
                    }
                    examined += 1;
                    if a >= n || b >= n {
                        continue;
                    }
                    let (Some(ra), Some(rb)) = (self.rules.get(a), self.rules.get(b)) else {
                        continue;
                    };
                    if dead.contains(ra.id.as_str()) || dead.contains(rb.id.as_str()) {
                        continue;
                    }
                    if ra.outcome == rb.outcome && ra.program == rb.program {
                        continue;
                    }
                    // When one is also an exception to the other, it overrides it: no clash.
                    if descends(self, a, b, 0) || descends(self, b, a, 0) {
                        continue;
                    }
                    let Some(w) = reach_of(a).and_then(|wa| reach_of(b).and_then(|wb| wa.meet(wb)))
                    else {
                        continue;
                    };
                    let c = Cond::All(vec![path_cond(self, a, 0), path_cond(self, b, 0)]);
                    let listing = out.overlaps.len() < OVERLAPS_LISTED_MAX;
                    if let Ok(Some((from, when))) = satisfiable(self, &dates, &c, w, listing) {
                        out.overlaps_total += 1;
                        if listing {
                            out.overlaps.push(Overlap {
                                under: (*under).to_string(),
                                a: ra.id.clone(),
                                a_line: ra.line,
                                b: rb.id.clone(),
                                b_line: rb.line,
                                outcomes: [ra.outcome.clone(), rb.outcome.clone()],
                                when,
                                from,
                            });
                        }
                    }
                }
            }
        }
        out.pairs_unchecked = pairs_all - examined;
        debug_assert!(out.overlaps.len() as u64 <= out.overlaps_total);
        out.not_analysed.sort();
        out.not_analysed.dedup();
        out
    }
}
