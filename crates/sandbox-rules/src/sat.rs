//! Satisfiability of compiled conditions, for the load-time reachability check and the
//! analysis: conditions in disjunctive normal form, each conjunction checked fact by fact
//! (numeric and date intervals tightened for integers and dates, sets of allowed and
//! excluded values, list items required and forbidden, text prefixes), on every date where a
//! parameter or a validity period changes. Where the normal form would grow past
//! [`DNF_TERMS_MAX`] the answer is "cannot tell", never a guess.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::error::Error;
use crate::model::{CmpOp, Cond, InSet, Operand, RuleSet, Test};
use crate::value::{FactType, Value};

/// The most conjunctions a condition's normal form may have before analysis gives up on it.
pub const DNF_TERMS_MAX: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Whole,
    Below,
    Above,
}

/// A literal: the raw test of `atom` must come out `want` (negated atoms already folded in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lit {
    atom: usize,
    want: bool,
    part: Part,
}

type Dnf = Vec<Vec<Lit>>;

fn dnf(set: &RuleSet, c: &Cond, positive: bool) -> Option<Dnf> {
    match c {
        Cond::Always => Some(if positive { vec![vec![]] } else { vec![] }),
        Cond::Atom(i) => {
            let atom = set.atoms.get(*i)?;
            let want = positive != atom.negated;
            if !want && matches!(atom.test, Test::Between(..)) {
                return Some(vec![
                    vec![Lit {
                        atom: *i,
                        want,
                        part: Part::Below,
                    }],
                    vec![Lit {
                        atom: *i,
                        want,
                        part: Part::Above,
                    }],
                ]);
            }
            Some(vec![vec![Lit {
                atom: *i,
                want,
                part: Part::Whole,
            }]])
        }
        Cond::Not(inner) => dnf(set, inner, !positive),
        Cond::Named(_, inner) => dnf(set, inner, positive),
        Cond::All(ps) | Cond::Any(ps) => {
            let conjunctive = matches!(c, Cond::All(_)) == positive;
            if conjunctive {
                let mut acc: Dnf = vec![vec![]];
                for p in ps {
                    let d = dnf(set, p, positive)?;
                    let mut next = Vec::with_capacity(acc.len() * d.len().max(1));
                    for a in &acc {
                        for b in &d {
                            let mut t = a.clone();
                            t.extend_from_slice(b);
                            next.push(t);
                        }
                    }
                    if next.len() > DNF_TERMS_MAX {
                        return None;
                    }
                    acc = next;
                }
                Some(acc)
            } else {
                let mut acc: Dnf = Vec::new();
                for p in ps {
                    acc.extend(dnf(set, p, positive)?);
                    if acc.len() > DNF_TERMS_MAX {
                        return None;
                    }
                }
                Some(acc)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Num(Decimal),
    Text(String),
    Bool(bool),
}

fn key(v: &Value) -> Option<Key> {
    Some(match v {
        Value::Date(d) => Key::Num(Decimal::from(d.num_days_from_ce())),
        Value::Boolean(b) => Key::Bool(*b),
        Value::Text(s) => Key::Text(s.clone()),
        other => Key::Num(other.as_number()?),
    })
}

#[derive(Default)]
struct SlotC {
    known: bool,
    missing: bool,
    lo: Option<(Decimal, bool)>,
    hi: Option<(Decimal, bool)>,
    allowed: Option<BTreeSet<Key>>,
    excluded: BTreeSet<Key>,
    req: BTreeSet<String>,
    forb: BTreeSet<String>,
    any_of: Vec<Vec<String>>,
    pre_req: Vec<String>,
    pre_forb: Vec<String>,
}

impl SlotC {
    fn lower(&mut self, v: Decimal, incl: bool) {
        let tighter = match self.lo {
            None => true,
            Some((l, li)) => v > l || (v == l && li && !incl),
        };
        if tighter {
            self.lo = Some((v, incl));
        }
    }
    fn upper(&mut self, v: Decimal, incl: bool) {
        let tighter = match self.hi {
            None => true,
            Some((h, hi)) => v < h || (v == h && hi && !incl),
        };
        if tighter {
            self.hi = Some((v, incl));
        }
    }
    fn allow(&mut self, keys: BTreeSet<Key>) {
        self.allowed = Some(match self.allowed.take() {
            None => keys,
            Some(a) => a.intersection(&keys).cloned().collect(),
        });
    }
    fn in_range(&self, k: &Key) -> bool {
        let Key::Num(v) = k else { return true };
        let lo_ok = self
            .lo
            .is_none_or(|(l, i)| if i { *v >= l } else { *v > l });
        let hi_ok = self
            .hi
            .is_none_or(|(h, i)| if i { *v <= h } else { *v < h });
        lo_ok && hi_ok
    }
}

struct Checker<'a> {
    set: &'a RuleSet,
    date: NaiveDate,
}

impl Checker<'_> {
    fn resolve(&self, o: &Operand) -> Option<Value> {
        match o {
            Operand::Const(v) => Some(v.clone()),
            Operand::Param(p) => self
                .set
                .params
                .get(*p)?
                .at(self.date)
                .map(|d| d.value.clone()),
        }
    }

    /// `Ok(())` when the conjunction can hold (or cannot be judged), `Err(reason)` when not.
    fn term(&self, term: &[Lit]) -> Result<(), String> {
        let n = self.set.facts.len();
        let mut slots: Vec<SlotC> = (0..n).map(|_| SlotC::default()).collect();
        for lit in term {
            let Some(atom) = self.set.atoms.get(lit.atom) else {
                continue;
            };
            let Some(s) = slots.get_mut(atom.slot) else {
                continue;
            };
            if let Test::Known = atom.test {
                if lit.want {
                    s.known = true;
                } else {
                    s.missing = true;
                }
                continue;
            }
            s.known = true;
            match &atom.test {
                Test::Cmp(op, o) => {
                    let Some(v) = self.resolve(o) else { continue };
                    let Some(k) = key(&v) else { continue };
                    let op = if lit.want { *op } else { op.negate() };
                    match (op, &k) {
                        (CmpOp::Eq, _) => s.allow(BTreeSet::from([k])),
                        (CmpOp::Ne, _) => {
                            s.excluded.insert(k);
                        }
                        (CmpOp::Lt, Key::Num(x)) => s.upper(*x, false),
                        (CmpOp::Le, Key::Num(x)) => s.upper(*x, true),
                        (CmpOp::Gt, Key::Num(x)) => s.lower(*x, false),
                        (CmpOp::Ge, Key::Num(x)) => s.lower(*x, true),
                        _ => {}
                    }
                }
                Test::Between(lo, hi) => {
                    let (Some(lo), Some(hi)) = (self.resolve(lo), self.resolve(hi)) else {
                        continue;
                    };
                    let (Some(Key::Num(lo)), Some(Key::Num(hi))) = (key(&lo), key(&hi)) else {
                        continue;
                    };
                    match lit.part {
                        Part::Whole => {
                            s.lower(lo, true);
                            s.upper(hi, true);
                        }
                        Part::Below => s.upper(lo, false),
                        Part::Above => s.lower(hi, false),
                    }
                }
                Test::In(set) => {
                    let values: Vec<Value> = match set {
                        InSet::Values(vs) => vs.clone(),
                        InSet::Param(p) => match self
                            .set
                            .params
                            .get(*p)
                            .and_then(|p| p.at(self.date))
                            .map(|d| &d.value)
                        {
                            Some(Value::List(items)) => {
                                items.iter().map(|i| Value::Text(i.clone())).collect()
                            }
                            _ => continue,
                        },
                    };
                    let keys: BTreeSet<Key> = values.iter().filter_map(key).collect();
                    if lit.want {
                        s.allow(keys);
                    } else {
                        s.excluded.extend(keys);
                    }
                }
                Test::Contains { items, any } => match (lit.want, any) {
                    (true, false) => s.req.extend(items.iter().cloned()),
                    (true, true) => s.any_of.push(items.clone()),
                    (false, true) => s.forb.extend(items.iter().cloned()),
                    (false, false) => {
                        if let [one] = items.as_slice() {
                            s.forb.insert(one.clone());
                        }
                    }
                },
                Test::StartsWith(p) => {
                    if lit.want {
                        s.pre_req.push(p.clone());
                    } else {
                        s.pre_forb.push(p.clone());
                    }
                }
                Test::Known => {}
            }
        }
        for (i, s) in slots.iter_mut().enumerate() {
            let Some(decl) = self.set.facts.get(i) else {
                continue;
            };
            let name = &decl.name;
            if s.known && s.missing {
                return Err(format!("fact '{name}' must be both known and missing"));
            }
            if !s.known {
                continue;
            }
            if decl.ty == FactType::Integer {
                // An integer fact holds an i64.
                s.lower(Decimal::from(i64::MIN), true);
                s.upper(Decimal::from(i64::MAX), true);
            }
            let discrete = matches!(decl.ty, FactType::Integer | FactType::Date);
            if discrete {
                // Checked: a bound at the edge of Decimal's range is left as it is.
                if let Some((l, false)) = s.lo {
                    if let Some(t) = l.floor().checked_add(Decimal::ONE) {
                        s.lo = Some((t, true));
                    }
                } else if let Some((l, true)) = s.lo {
                    s.lo = Some((l.ceil(), true));
                }
                if let Some((h, false)) = s.hi {
                    if let Some(t) = h.ceil().checked_sub(Decimal::ONE) {
                        s.hi = Some((t, true));
                    }
                } else if let Some((h, true)) = s.hi {
                    s.hi = Some((h.floor(), true));
                }
            }
            if let (Some((l, li)), Some((h, hi))) = (s.lo, s.hi) {
                if l > h || (l == h && !(li && hi)) {
                    return Err(format!("fact '{name}' has an empty range"));
                }
                let span = h.checked_sub(l);
                if discrete && span.is_some_and(|w| w < Decimal::from(4096)) {
                    // Few integers left (at most 4096 steps): see that one is not excluded.
                    let mut x = l;
                    let mut any = false;
                    while x <= h {
                        if !s.excluded.contains(&Key::Num(x)) {
                            any = true;
                            break;
                        }
                        match x.checked_add(Decimal::ONE) {
                            Some(n) => x = n,
                            None => break,
                        }
                    }
                    if !any && s.allowed.is_none() {
                        return Err(format!("fact '{name}': every value in range is excluded"));
                    }
                } else if l == h && s.excluded.contains(&Key::Num(l)) {
                    return Err(format!("fact '{name}' must equal and differ from {l}"));
                }
            }
            let domain: Option<BTreeSet<Key>> = match &decl.ty {
                FactType::Enumeration { values } => {
                    Some(values.iter().map(|v| Key::Text(v.clone())).collect())
                }
                FactType::Boolean => Some(BTreeSet::from([Key::Bool(false), Key::Bool(true)])),
                _ => None,
            };
            let allowed = match (domain, s.allowed.take()) {
                (Some(d), Some(a)) => Some(d.intersection(&a).cloned().collect()),
                (Some(d), None) => Some(d),
                (None, a) => a,
            };
            if let Some(a) = allowed {
                let left = a.iter().any(|k| {
                    !s.excluded.contains(k)
                        && s.in_range(k)
                        && match k {
                            Key::Text(t) => {
                                s.pre_req.iter().all(|p| t.starts_with(p.as_str()))
                                    && !s.pre_forb.iter().any(|p| t.starts_with(p.as_str()))
                            }
                            _ => true,
                        }
                });
                if !left {
                    return Err(format!("no value of fact '{name}' satisfies every test"));
                }
            }
            for p in &s.pre_req {
                for q in &s.pre_req {
                    if !p.starts_with(q.as_str()) && !q.starts_with(p.as_str()) {
                        return Err(format!(
                            "fact '{name}' cannot start with both '{p}' and '{q}'"
                        ));
                    }
                }
                if s.pre_forb.iter().any(|q| p.starts_with(q.as_str())) {
                    return Err(format!("fact '{name}' must and must not start with '{p}'"));
                }
            }
            if let Some(x) = s.req.intersection(&s.forb).next() {
                return Err(format!("list '{name}' must and must not contain '{x}'"));
            }
            for group in &s.any_of {
                if group.iter().all(|g| s.forb.contains(g)) {
                    return Err(format!(
                        "list '{name}' must contain one of [{}], all forbidden",
                        group.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }

    fn labels(&self, term: &[Lit]) -> Vec<String> {
        term.iter()
            .filter_map(|l| {
                let a = self.set.atoms.get(l.atom)?;
                // The label describes the test with its negation folded in.
                let base = a.label.clone();
                let want_label = l.want != a.negated;
                Some(match (want_label, l.part) {
                    (true, _) => base,
                    (false, Part::Below) => format!("below the range of ({base})"),
                    (false, Part::Above) => format!("above the range of ({base})"),
                    (false, Part::Whole) => format!("not ({base})"),
                })
            })
            .collect()
    }
}

/// A date window, inclusive; `None` ends are open.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

impl Window {
    pub(crate) fn meet(self, o: Window) -> Option<Window> {
        let from = match (self.from, o.from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let until = match (self.until, o.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (from, until) {
            (Some(f), Some(u)) if f > u => None,
            _ => Some(Window { from, until }),
        }
    }
}

pub(crate) fn own_window(set: &RuleSet, r: usize) -> Window {
    let rule = set.rules.get(r);
    Window {
        from: rule.and_then(|x| x.valid_from),
        until: rule.and_then(|x| x.valid_until),
    }
}

/// The window in which a rule can be reached: its own, within its first parent's chain.
pub(crate) fn reach_window(set: &RuleSet, r: usize, depth: usize) -> Option<Window> {
    let own = own_window(set, r);
    let parents = set
        .rules
        .get(r)
        .map(|x| x.parents.as_slice())
        .unwrap_or(&[]);
    if parents.is_empty() || depth > crate::model::RULES_MAX {
        return Some(own);
    }
    // Reachable through any parent: keep the hull of the windows it can be reached in.
    let mut hull: Option<Window> = None;
    for &p in parents {
        if let Some(w) = reach_window(set, p, depth + 1).and_then(|pw| pw.meet(own)) {
            hull = Some(match hull {
                None => w,
                Some(h) => Window {
                    from: match (h.from, w.from) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        _ => None,
                    },
                    until: match (h.until, w.until) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    },
                },
            });
        }
    }
    hull
}

/// Whether `d` is (through exceptions) an exception to `a`.
pub(crate) fn descends(set: &RuleSet, a: usize, d: usize, depth: usize) -> bool {
    if depth > crate::model::RULES_MAX {
        return false;
    }
    set.rules.get(a).is_some_and(|r| {
        r.children
            .iter()
            .any(|&c| c == d || descends(set, c, d, depth + 1))
    })
}

/// The condition under which a rule applies: its own and its first parent chain's.
pub(crate) fn path_cond(set: &RuleSet, r: usize, depth: usize) -> Cond {
    let Some(rule) = set.rules.get(r) else {
        return Cond::Always;
    };
    match rule.parents.first() {
        Some(&p) if depth <= crate::model::RULES_MAX => {
            Cond::All(vec![path_cond(set, p, depth + 1), rule.cond.clone()])
        }
        _ => rule.cond.clone(),
    }
}

/// Every date on which something changes in a set (a parameter value, a validity bound),
/// sorted and without repeats: computed once per analysis, not once per question.
pub(crate) fn change_dates(set: &RuleSet) -> Vec<NaiveDate> {
    let mut ds: BTreeSet<NaiveDate> = BTreeSet::new();
    for p in &set.params {
        for v in &p.values {
            ds.insert(v.from);
        }
    }
    for r in &set.rules {
        if let Some(f) = r.valid_from {
            ds.insert(f);
        }
        if let Some(u) = r.valid_until.and_then(|u| u.succ_opt()) {
            ds.insert(u);
        }
    }
    ds.into_iter().collect()
}

/// The change dates within `w`, after `w`'s start (which comes first): checking on each is
/// checking on every day.
fn epochs(dates: &[NaiveDate], w: Window) -> Vec<NaiveDate> {
    // Before any parameter has a value its tests are left unconstrained (the loader already
    // refuses rules in force before their parameters exist).
    let start = w.from.unwrap_or(NaiveDate::MIN);
    let mut out = vec![start];
    let first = dates.partition_point(|d| *d <= start);
    out.extend(
        dates
            .get(first..)
            .unwrap_or(&[])
            .iter()
            .take_while(|d| w.until.is_none_or(|u| **d <= u))
            .copied(),
    );
    out
}

/// `Ok(Some((date, labels)))` when satisfiable (the labels of the conjunction that holds,
/// when `labels` is asked for), `Ok(None)` when proved not, `Err(_)` when too big.
pub(crate) fn satisfiable(
    set: &RuleSet,
    dates: &[NaiveDate],
    c: &Cond,
    w: Window,
    labels: bool,
) -> Result<Option<(NaiveDate, Vec<String>)>, String> {
    let Some(d) = dnf(set, c, true) else {
        return Err("too large to analyse".to_string());
    };
    for date in epochs(dates, w) {
        let ck = Checker { set, date };
        for term in &d {
            if ck.term(term).is_ok() {
                let words = if labels { ck.labels(term) } else { Vec::new() };
                return Ok(Some((date, words)));
            }
        }
    }
    Ok(None)
}

pub(crate) fn why_unsat(set: &RuleSet, dates: &[NaiveDate], c: &Cond, w: Window) -> String {
    let Some(d) = dnf(set, c, true) else {
        return String::new();
    };
    let Some(date) = epochs(dates, w).into_iter().next() else {
        return "it is never in force".to_string();
    };
    let ck = Checker { set, date };
    d.iter()
        .find_map(|t| ck.term(t).err())
        .unwrap_or_else(|| "the condition can never hold".to_string())
}

/// Load-time check: every rule can apply on some date to some facts.
pub(crate) fn check_reachable(set: &RuleSet) -> Result<(), Error> {
    let dates = change_dates(set);
    for (i, rule) in set.rules.iter().enumerate() {
        let Some(w) = reach_window(set, i, 0) else {
            return Err(Error::Unreachable {
                file: set.file.clone(),
                line: rule.line,
                rule: rule.id.clone(),
                reason: format!(
                    "its validity period never meets that of the rule(s) it is an exception to ({})",
                    rule.exception_to.join(", ")
                ),
            });
        };
        if let Ok(None) = satisfiable(set, &dates, &rule.cond, w, false) {
            return Err(Error::Unreachable {
                file: set.file.clone(),
                line: rule.line,
                rule: rule.id.clone(),
                reason: format!(
                    "its condition can never hold: {}",
                    why_unsat(set, &dates, &rule.cond, w)
                ),
            });
        }
    }
    Ok(())
}
