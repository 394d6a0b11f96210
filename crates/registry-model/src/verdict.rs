//! Verdicts: the answer of a criterion with, for every condition, the threshold, the actual
//! value, pass or fail and the citation.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// A three-valued answer: a criterion is met, not met, or the facts do not tell.
///
/// Combination follows Kleene's logic: "not met" decides an `and`, "met" decides an `or`,
/// and "cannot tell" remains only when the missing facts could change the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every required condition holds.
    Met,
    /// A required condition fails.
    NotMet,
    /// Facts are missing and the known ones do not decide.
    CannotTell,
}

impl Outcome {
    /// Kleene conjunction.
    pub fn and(self, other: Outcome) -> Outcome {
        match (self, other) {
            (Outcome::NotMet, _) | (_, Outcome::NotMet) => Outcome::NotMet,
            (Outcome::Met, Outcome::Met) => Outcome::Met,
            _ => Outcome::CannotTell,
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: Outcome) -> Outcome {
        match (self, other) {
            (Outcome::Met, _) | (_, Outcome::Met) => Outcome::Met,
            (Outcome::NotMet, Outcome::NotMet) => Outcome::NotMet,
            _ => Outcome::CannotTell,
        }
    }

    /// From a decided comparison.
    pub fn from_bool(b: bool) -> Outcome {
        if b { Outcome::Met } else { Outcome::NotMet }
    }

    /// The key used in files and tables.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::NotMet => "not_met",
            Outcome::CannotTell => "cannot_tell",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How an actual value is compared with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    /// actual ≥ threshold
    Ge,
    /// actual > threshold
    Gt,
    /// actual ≤ threshold
    Le,
    /// actual < threshold
    Lt,
    /// actual = threshold
    Eq,
}

impl Cmp {
    /// Whether `actual.cmp(threshold) == ord` passes.
    pub fn holds(self, ord: Ordering) -> bool {
        match self {
            Cmp::Ge => ord != Ordering::Less,
            Cmp::Gt => ord == Ordering::Greater,
            Cmp::Le => ord != Ordering::Greater,
            Cmp::Lt => ord == Ordering::Less,
            Cmp::Eq => ord == Ordering::Equal,
        }
    }

    /// The mathematical symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Ge => "≥",
            Cmp::Gt => ">",
            Cmp::Le => "≤",
            Cmp::Lt => "<",
            Cmp::Eq => "=",
        }
    }
}

/// A threshold or an actual value, with its unit.
///
/// Ratios and growth keep their raw parts so evaluation never divides; the percentage is
/// computed only when shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum Value {
    /// Money in yuan.
    Yuan {
        /// The amount.
        amount: Money,
    },
    /// A ratio of two integers (fen or heads), shown as a percentage.
    Share {
        /// Numerator.
        num: i128,
        /// Denominator.
        den: i128,
    },
    /// A fraction (0.6 = 60 %).
    Fraction {
        /// The fraction.
        value: Decimal,
    },
    /// A count of people, patents, incidents.
    Count {
        /// The count.
        value: i64,
    },
    /// Assessment points.
    Points {
        /// The points.
        value: Decimal,
    },
    /// Whole years.
    Years {
        /// The years.
        value: i64,
    },
    /// Yes or no.
    Flag {
        /// The flag.
        value: bool,
    },
    /// Annualised growth from `start` to `end` over `years` years (shown as a percentage).
    Cagr {
        /// The value at the end of the period.
        end: i128,
        /// The value at the start.
        start: i128,
        /// Length of the period.
        years: u32,
    },
}

impl Value {
    /// Money.
    pub fn yuan(amount: Money) -> Value {
        Value::Yuan { amount }
    }
    /// A fraction.
    pub fn fraction(value: Decimal) -> Value {
        Value::Fraction { value }
    }
    /// A count.
    pub fn count(value: i64) -> Value {
        Value::Count { value }
    }
    /// Points.
    pub fn points(value: Decimal) -> Value {
        Value::Points { value }
    }
    /// Years.
    pub fn years(value: i64) -> Value {
        Value::Years { value }
    }
    /// A flag.
    pub fn flag(value: bool) -> Value {
        Value::Flag { value }
    }

    /// The value as a number for margins and charts: yuan, a fraction, a count, points, years
    /// (1/0 for flags); `None` for a ratio with a zero denominator.
    ///
    /// Approximate (f64) by design: used for display and borderline margins only, never to
    /// decide a condition.
    pub fn approx(&self) -> Option<f64> {
        use rust_decimal::prelude::ToPrimitive;
        match *self {
            Value::Yuan { amount } => amount.yuan().to_f64(),
            Value::Share { num, den } => (den != 0).then(|| num as f64 / den as f64),
            Value::Fraction { value } | Value::Points { value } => value.to_f64(),
            Value::Count { value } | Value::Years { value } => Some(value as f64),
            Value::Flag { value } => Some(if value { 1.0 } else { 0.0 }),
            Value::Cagr { end, start, years } => {
                if start <= 0 || end < 0 || years == 0 {
                    None
                } else {
                    Some((end as f64 / start as f64).powf(1.0 / f64::from(years)) - 1.0)
                }
            }
        }
    }
}

fn percent(f: f64) -> String {
    format!("{:.2}%", f * 100.0)
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Yuan { amount } => write!(f, "¥{amount}"),
            Value::Share { num, den } => {
                if den == 0 {
                    write!(f, "{num}/0")
                } else {
                    // Exact to the shown digits: Decimal division, rounded half-even.
                    match (
                        Decimal::try_from_i128_with_scale(num, 0),
                        Decimal::try_from_i128_with_scale(den, 0),
                    ) {
                        (Ok(n), Ok(d)) => {
                            match n
                                .checked_div(d)
                                .and_then(|q| q.checked_mul(Decimal::ONE_HUNDRED))
                            {
                                Some(p) => write!(f, "{}%", p.round_dp(2)),
                                None => write!(f, "{num}/{den}"),
                            }
                        }
                        _ => write!(f, "{num}/{den}"),
                    }
                }
            }
            Value::Fraction { value } => match value.checked_mul(Decimal::ONE_HUNDRED) {
                Some(p) => write!(f, "{}%", p.normalize()),
                None => write!(f, "{value} (fraction)"),
            },
            Value::Count { value } => write!(f, "{value}"),
            Value::Points { value } => write!(f, "{} pts", value.normalize()),
            Value::Years { value } => write!(f, "{value} y"),
            Value::Flag { value } => f.write_str(if value { "yes" } else { "no" }),
            Value::Cagr { .. } => match self.approx() {
                Some(g) => write!(f, "{} a year", percent(g)),
                None => f.write_str("undefined (zero start)"),
            },
        }
    }
}

/// A comparison and the value compared against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    /// The comparison.
    pub cmp: Cmp,
    /// The value.
    pub value: Value,
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.cmp.symbol(), self.value)
    }
}

/// One condition of a criterion, as judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition<'s> {
    /// Stable key (`rd_ratio_3y`).
    pub key: Cow<'s, str>,
    /// What is tested, in words.
    pub label: Cow<'s, str>,
    /// The threshold.
    pub threshold: Threshold,
    /// The firm's value; `None` when facts are missing.
    pub actual: Option<Value>,
    /// Pass, fail or cannot tell.
    pub outcome: Outcome,
    /// The document the threshold comes from.
    pub citation: Cow<'s, str>,
    /// The article or clause within it.
    pub clause: Cow<'s, str>,
    /// When set, the condition is one alternative of this group: the group passes when any
    /// alternative passes.
    pub alternative_of: Option<Cow<'s, str>>,
    /// When set (inside a group), the condition is part of this alternative of its group,
    /// which passes when all of its conditions pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_of: Option<Cow<'s, str>>,
    /// Facts that were missing (`field (year)`).
    pub missing: Vec<Cow<'s, str>>,
}

impl Condition<'_> {
    /// A copy that owns its strings.
    pub fn into_owned(self) -> Condition<'static> {
        Condition {
            key: Cow::Owned(self.key.into_owned()),
            label: Cow::Owned(self.label.into_owned()),
            threshold: self.threshold,
            actual: self.actual,
            outcome: self.outcome,
            citation: Cow::Owned(self.citation.into_owned()),
            clause: Cow::Owned(self.clause.into_owned()),
            alternative_of: self.alternative_of.map(|g| Cow::Owned(g.into_owned())),
            all_of: self.all_of.map(|g| Cow::Owned(g.into_owned())),
            missing: self
                .missing
                .into_iter()
                .map(|m| Cow::Owned(m.into_owned()))
                .collect(),
        }
    }

    /// Relative distance between the actual value and the threshold (|a − t| / |t|); `None`
    /// when either is missing or not numeric, or the threshold is zero.
    pub fn relative_gap(&self) -> Option<f64> {
        if matches!(self.threshold.value, Value::Flag { .. }) {
            return None;
        }
        let a = self.actual?.approx()?;
        let t = self.threshold.value.approx()?;
        if t == 0.0 {
            return None;
        }
        Some(((a - t) / t).abs())
    }
}

/// The answer of one criterion for one firm and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict<'s> {
    /// Which criterion.
    pub criterion: crate::kind::CriterionKind,
    /// The threshold set applied.
    pub set_id: Cow<'s, str>,
    /// Met, not met or cannot tell.
    pub outcome: Outcome,
    /// Every condition with threshold, actual value, outcome and citation.
    pub conditions: Vec<Condition<'s>>,
    /// When the outcome is "cannot tell": the facts whose absence leaves it undecided.
    pub missing: Vec<Cow<'s, str>>,
}

impl Verdict<'_> {
    /// A copy that owns its strings, for keeping beyond the criteria set's lifetime.
    pub fn into_owned(self) -> Verdict<'static> {
        Verdict {
            criterion: self.criterion,
            set_id: Cow::Owned(self.set_id.into_owned()),
            outcome: self.outcome,
            conditions: self
                .conditions
                .into_iter()
                .map(Condition::into_owned)
                .collect(),
            missing: self
                .missing
                .into_iter()
                .map(|m| Cow::Owned(m.into_owned()))
                .collect(),
        }
    }
}

impl<'s> Verdict<'s> {
    /// The condition with this key.
    pub fn condition(&self, key: &str) -> Option<&Condition<'s>> {
        self.conditions.iter().find(|c| c.key == key)
    }
}
