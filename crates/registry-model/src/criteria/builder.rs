//! The verdict builder shared by every criterion: it records each condition with its
//! threshold, actual value, outcome and citation (or only the outcome on the fast path), and
//! the exact tests on money, ratios, growth rates, counts and points.

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::kind::CriterionKind;
use crate::money::{Money, ratio_cmp};
use crate::report::{AnnualReport, Evidence};
use crate::verdict::{Cmp, Condition, Outcome, Threshold, Value, Verdict};

// ---------------------------------------------------------------------------------------------
// The verdict builder: records each condition with its threshold, value and citation.

pub(super) type Missing<'s> = Vec<Cow<'s, str>>;

/// In the outcome-only path, stop at the first failed condition: the rest cannot change
/// "not met", and skipping them is what makes whole-cohort evaluation cheap.
macro_rules! early {
    ($b:ident, $o:ident, $kind:expr) => {
        if !$b.detail && $o == Outcome::NotMet {
            return $b.finish($kind, $o);
        }
    };
}

pub(super) struct Builder<'s, 'e> {
    pub(super) ev: &'e Evidence<'e>,
    pub(super) set_id: &'s str,
    pub(super) doc: &'s str,
    pub(super) conds: Vec<Condition<'s>>,
    pub(super) group: Option<&'static str>,
    pub(super) conjunction: Option<&'static str>,
    pub(super) groups: Vec<(&'static str, Outcome)>,
    pub(super) detail: bool,
}

pub(super) fn missing_name<'s>(field: &'static str, year: i64) -> Cow<'s, str> {
    Cow::Owned(format!("{field} ({year})"))
}

impl<'s, 'e> Builder<'s, 'e> {
    pub(super) fn new(ev: &'e Evidence<'e>, set_id: &'s str, doc: &'s str, detail: bool) -> Self {
        Self {
            ev,
            set_id,
            doc,
            conds: if detail {
                Vec::with_capacity(10)
            } else {
                Vec::new()
            },
            group: None,
            conjunction: None,
            groups: Vec::new(),
            detail,
        }
    }

    /// A missing fact: named when detail is asked for, an empty (allocation-free) list else.
    #[inline]
    pub(super) fn missing(&self, field: &'static str, back: usize) -> Missing<'s> {
        if self.detail {
            vec![missing_name(field, self.year_back(back))]
        } else {
            Vec::new()
        }
    }

    #[inline]
    pub(super) fn year_back(&self, back: usize) -> i64 {
        i64::from(self.ev.year) - back as i64
    }

    /// One fact of the report `back` years before the judged year.
    #[inline]
    pub(super) fn fact<T>(
        &self,
        back: usize,
        field: &'static str,
        get: impl Fn(&AnnualReport) -> Option<T>,
    ) -> std::result::Result<T, Missing<'s>> {
        match self.ev.back(back) {
            None => Err(self.missing("report", back)),
            Some(r) => get(r).ok_or_else(|| self.missing(field, back)),
        }
    }

    /// Sum of a money fact over `years` years ending with the judged year, in fen.
    #[inline]
    pub(super) fn money_sum(
        &self,
        years: usize,
        field: &'static str,
        get: impl Fn(&AnnualReport) -> Option<Money>,
    ) -> std::result::Result<i128, Missing<'s>> {
        let mut sum = 0i128;
        let mut missing = Vec::new();
        let mut complete = true;
        for back in 0..years {
            match self.fact(back, field, &get) {
                Ok(m) => sum += i128::from(m.fen()),
                Err(mut m) => {
                    complete = false;
                    missing.append(&mut m);
                }
            }
        }
        if complete { Ok(sum) } else { Err(missing) }
    }

    /// Records one condition (with detail) and returns its outcome. Kept tiny so the
    /// outcome-only path inlines it and never builds the condition.
    #[inline(always)]
    pub(super) fn record(
        &mut self,
        key: &'static str,
        label: &'static str,
        clause: &'static str,
        threshold: Threshold,
        measured: std::result::Result<(Value, bool), Missing<'s>>,
    ) -> Outcome {
        if !self.detail {
            return match measured {
                Ok((_, pass)) => Outcome::from_bool(pass),
                Err(_) => Outcome::CannotTell,
            };
        }
        self.push_condition(key, label, clause, threshold, measured)
    }

    /// Like [`Builder::record`], with a clause computed for the firm and a citation of its
    /// own (a criterion that cites two documents).
    pub(super) fn record_with(
        &mut self,
        key: &'static str,
        label: &'static str,
        clause: Cow<'s, str>,
        citation: &'s str,
        threshold: Threshold,
        measured: std::result::Result<(Value, bool), Missing<'s>>,
    ) -> Outcome {
        if !self.detail {
            return match measured {
                Ok((_, pass)) => Outcome::from_bool(pass),
                Err(_) => Outcome::CannotTell,
            };
        }
        let doc = std::mem::replace(&mut self.doc, citation);
        let outcome = self.push_condition(key, label, "", threshold, measured);
        self.doc = doc;
        if let Some(c) = self.conds.last_mut() {
            c.clause = clause;
        }
        outcome
    }

    #[inline(never)]
    pub(super) fn push_condition(
        &mut self,
        key: &'static str,
        label: &'static str,
        clause: &'static str,
        threshold: Threshold,
        measured: std::result::Result<(Value, bool), Missing<'s>>,
    ) -> Outcome {
        let (actual, outcome, missing) = match measured {
            Ok((v, pass)) => (Some(v), Outcome::from_bool(pass), Vec::new()),
            Err(m) => (None, Outcome::CannotTell, m),
        };
        self.conds.push(Condition {
            key: Cow::Borrowed(key),
            label: Cow::Borrowed(label),
            threshold,
            actual,
            outcome,
            citation: Cow::Borrowed(self.doc),
            clause: Cow::Borrowed(clause),
            alternative_of: self.group.map(Cow::Borrowed),
            all_of: self.conjunction.map(Cow::Borrowed),
            missing,
        });
        outcome
    }

    /// Conditions recorded inside `f` are alternatives: the group passes when any passes.
    pub(super) fn any_of(
        &mut self,
        group: &'static str,
        f: impl FnOnce(&mut Self) -> Vec<Outcome>,
    ) -> Outcome {
        let outer = self.group.replace(group);
        let outcomes = f(self);
        self.group = outer;
        let o = outcomes.into_iter().fold(Outcome::NotMet, Outcome::or);
        self.groups.push((group, o));
        o
    }

    /// Inside an [`Builder::any_of`] group: the conditions recorded inside `f` form one
    /// alternative together (it passes when all of them pass).
    pub(super) fn all_of(
        &mut self,
        name: &'static str,
        f: impl FnOnce(&mut Self) -> Outcome,
    ) -> Outcome {
        let outer = self.conjunction.replace(name);
        let o = f(self);
        self.conjunction = outer;
        o
    }

    #[inline]
    pub(super) fn finish(self, kind: CriterionKind, outcome: Outcome) -> Verdict<'s> {
        let mut missing: Missing<'s> = Vec::new();
        if outcome == Outcome::CannotTell {
            for c in &self.conds {
                if c.outcome != Outcome::CannotTell {
                    continue;
                }
                // An alternative in a group that passed anyway does not block the verdict.
                if let Some(g) = &c.alternative_of
                    && self
                        .groups
                        .iter()
                        .any(|(name, o)| *name == g.as_ref() && *o == Outcome::Met)
                {
                    continue;
                }
                for m in &c.missing {
                    if !missing.contains(m) {
                        missing.push(m.clone());
                    }
                }
            }
        }
        Verdict {
            criterion: kind,
            set_id: Cow::Borrowed(self.set_id),
            outcome,
            conditions: self.conds,
            missing,
        }
    }
}

pub(super) fn merge<'s, A, B>(
    a: std::result::Result<A, Missing<'s>>,
    b: std::result::Result<B, Missing<'s>>,
) -> std::result::Result<(A, B), Missing<'s>> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(mut x), Err(mut y)) => {
            x.append(&mut y);
            Err(x)
        }
        (Err(x), _) | (_, Err(x)) => Err(x),
    }
}

pub(super) fn th(cmp: Cmp, value: Value) -> Threshold {
    Threshold { cmp, value }
}

/// `num/den cmp ratio`; a zero or negative denominator fails (the ratio is undefined).
pub(super) fn share_test(num: i128, den: i128, cmp: Cmp, ratio: Decimal) -> (Value, bool) {
    let v = Value::Share { num, den };
    if den <= 0 {
        return (v, false);
    }
    (v, cmp.holds(ratio_cmp(num, den, ratio)))
}

/// Annualised growth from `start` to `end` over `years` compared with `rate`, exactly:
/// end/start cmp (1+rate)^years. A zero or negative start fails (growth undefined).
/// Mean of the growth rates r2→r1 and r1→r0 (r1, r2 > 0); `None` on overflow.
pub(super) fn mean_growth(r0: Money, r1: Money, r2: Money) -> Option<Decimal> {
    let g1 = r0.yuan().checked_div(r1.yuan())? - Decimal::ONE;
    let g2 = r1.yuan().checked_div(r2.yuan())? - Decimal::ONE;
    g1.checked_add(g2)?.checked_div(Decimal::TWO)
}

/// (1 + rate)^years, exact; `None` on overflow.
pub(super) fn growth_factor(rate: Decimal, years: u32) -> Option<Decimal> {
    let base = Decimal::ONE + rate;
    (0..years).try_fold(Decimal::ONE, |f, _| f.checked_mul(base))
}

/// Annualised growth from `start` to `end` over `years` compared with the rate whose
/// [`growth_factor`] is `factor`, exactly: end/start cmp (1+rate)^years. A zero or negative
/// start fails (growth undefined), as does a factor too large to compute.
pub(super) fn cagr_test(
    end: i128,
    start: i128,
    years: u32,
    cmp: Cmp,
    factor: Option<Decimal>,
) -> (Value, bool) {
    let v = Value::Cagr { end, start, years };
    match factor {
        Some(f) if start > 0 => (v, cmp.holds(ratio_cmp(end, start, f))),
        _ => (v, false),
    }
}

pub(super) fn money_test(m: Money, cmp: Cmp, t: Money) -> (Value, bool) {
    (Value::yuan(m), cmp.holds(m.cmp(&t)))
}

pub(super) fn count_test(n: i64, cmp: Cmp, t: i64) -> (Value, bool) {
    (Value::count(n), cmp.holds(n.cmp(&t)))
}

pub(super) fn points_test(p: Decimal, cmp: Cmp, t: Decimal) -> (Value, bool) {
    (Value::points(p), cmp.holds(p.cmp(&t)))
}

pub(super) fn fraction_test(f: Decimal, cmp: Cmp, t: Decimal) -> (Value, bool) {
    (Value::fraction(f), cmp.holds(f.cmp(&t)))
}
