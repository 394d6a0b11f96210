//! The compiled rule set: limits, the types a validated set is made of ([`RuleSet`], [`Rule`],
//! [`Param`], …, and the crate-internal condition arena), and its accessors. The TOML loader
//! that builds it is in `load/`; analysis and evaluation read it.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::value::{FactType, Value};

/// The most rules one set may hold.
pub const RULES_MAX: usize = 10_000;
/// The deepest nesting of `all`/`any`/`not` accepted.
pub const CONDITION_DEPTH_MAX: usize = 32;
/// The largest rule-set text accepted, in bytes.
pub const RULE_SET_BYTES_MAX: usize = 4 * 1024 * 1024;
/// The most tests one rule's condition may compile to, named conditions expanded: a bound on
/// named conditions that use each other many times over (exponential expansion).
pub const TESTS_PER_RULE_MAX: usize = 2_000;
/// The most tests a whole set may compile to (rules sharing a large named condition).
pub const TESTS_MAX: usize = 1_000_000;
/// The most dated values one parameter may have.
pub const PARAM_VALUES_MAX: usize = 1000;

/// How a set turns applicable rules into a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One decision: the applicable base rules must agree (else a conflict is reported);
    /// the set's default applies when none does.
    Decision,
    /// Every base rule is judged on its own (benefit policies): each gives a granted
    /// outcome, a pending one (facts missing) or nothing.
    All,
}

/// A declared fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactDecl {
    /// The name conditions use.
    pub name: String,
    /// Its type.
    #[serde(flatten)]
    pub ty: FactType,
    /// What it means, with its unit.
    pub description: Option<String>,
    /// Line of the declaration.
    pub line: usize,
}

/// One dated value of a parameter: it holds from `from` (inclusive) until the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedValue {
    /// First day the value applies.
    pub from: NaiveDate,
    /// The value.
    pub value: Value,
    /// The document that set it, if it differs from the parameter's.
    pub citation: Option<String>,
}

/// A parameter: a named value that changes by date (a threshold, a cap, a list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// The name conditions use (`{ param = "name" }`).
    pub name: String,
    /// Its type.
    #[serde(flatten)]
    pub ty: FactType,
    /// Values by date, sorted, dates distinct.
    pub values: Vec<DatedValue>,
    /// The document it comes from.
    pub citation: Option<String>,
    /// What it means.
    pub description: Option<String>,
    /// Line of the declaration.
    pub line: usize,
}

impl Param {
    /// The value in force on `date` and the date it took effect, if any.
    pub fn at(&self, date: NaiveDate) -> Option<&DatedValue> {
        // Values are few (a handful of revisions); a reverse scan beats a binary search here.
        self.values.iter().rev().find(|v| v.from <= date)
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `≠`
    Ne,
    /// `<`
    Lt,
    /// `≤`
    Le,
    /// `>`
    Gt,
    /// `≥`
    Ge,
}

impl CmpOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "≠",
            CmpOp::Lt => "<",
            CmpOp::Le => "≤",
            CmpOp::Gt => ">",
            CmpOp::Ge => "≥",
        }
    }
    pub(crate) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        }
    }
    pub(crate) fn negate(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }
}

/// The right-hand side of a test: a literal or a parameter (index).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Const(Value),
    Param(usize),
}

/// A test on one fact.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    Cmp(CmpOp, Operand),
    Between(Operand, Operand),
    /// Membership; the operand is a list of literals or a list parameter.
    In(InSet),
    /// List fact contains all (`any == false`) or any (`any == true`) of the items.
    Contains {
        items: Vec<String>,
        any: bool,
    },
    StartsWith(String),
    Known,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum InSet {
    Values(Vec<Value>),
    Param(usize),
}

/// A test on one fact, with its readable label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Atom {
    pub slot: usize,
    pub test: Test,
    /// `not_in`, `known = false`: the test's result is negated.
    pub negated: bool,
    pub label: String,
}

/// A compiled condition; atoms live in the set's arena.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    Always,
    Atom(usize),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    /// A named condition from `[conditions]`, expanded in place; the name shows in traces.
    Named(String, Box<Cond>),
}

/// How a benefit's amount is computed. Amounts round DOWN to the fen (分).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Amount {
    pub fixed: Option<Operand>,
    pub rate: Option<Operand>,
    pub of: Option<usize>,
    pub max: Option<Operand>,
    pub label: String,
}

/// A rule: a condition, an outcome, a citation, a validity period, maybe an exception.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// The label other rules name in `exception_to`.
    pub id: String,
    /// Legal basis (one or more documents/articles).
    pub citations: Vec<String>,
    /// What the rule says, in words.
    pub description: Option<String>,
    /// The rules this one is an exception to (empty: a base rule).
    pub exception_to: Vec<String>,
    /// The outcome when the rule decides.
    pub outcome: String,
    /// Measures attached to the outcome (education, conditions of admission, …).
    pub measures: Vec<String>,
    /// The program paying a benefit (voucher program id), for benefit policies.
    pub program: Option<String>,
    /// The amount rule, in words, for benefit policies.
    pub amount: Option<String>,
    /// First day in force.
    pub valid_from: Option<NaiveDate>,
    /// Last day in force (inclusive).
    pub valid_until: Option<NaiveDate>,
    /// Line of the rule in its file.
    pub line: usize,
    #[serde(skip)]
    pub(crate) cond: Cond,
    #[serde(skip)]
    pub(crate) amount_rule: Option<Amount>,
    #[serde(skip)]
    pub(crate) parents: Vec<usize>,
    #[serde(skip)]
    pub(crate) children: Vec<usize>,
}

impl Rule {
    /// Whether the rule is in force on `date`.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_until.is_none_or(|u| date <= u)
    }
}

/// A rule set: schema, parameters and rules, validated and compiled.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) file: String,
    pub(crate) mode: Mode,
    pub(crate) default: Option<(String, Vec<String>)>,
    pub(crate) facts: Vec<FactDecl>,
    pub(crate) fact_index: HashMap<String, usize>,
    pub(crate) params: Vec<Param>,
    pub(crate) param_index: HashMap<String, usize>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) atoms: Vec<Atom>,
    pub(crate) bases: Vec<usize>,
    /// For each base, every outcome its tree can give (to tell a harmless unknown from a
    /// possible conflict).
    pub(crate) possible: Vec<Vec<usize>>,
    /// Whether some rule is an exception to several rules (then evaluation memoises).
    pub(crate) dag: bool,
}

impl RuleSet {
    /// The set's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The set's title.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// The file it was loaded from (as named by the caller).
    pub fn file(&self) -> &str {
        &self.file
    }
    /// How applicable rules combine.
    pub fn mode(&self) -> Mode {
        self.mode
    }
    /// The declared facts.
    pub fn facts(&self) -> &[FactDecl] {
        &self.facts
    }
    /// The declared type of a fact.
    pub fn fact_type(&self, name: &str) -> Option<&FactType> {
        self.fact_index
            .get(name)
            .and_then(|&i| self.facts.get(i))
            .map(|f| &f.ty)
    }
    /// The parameters.
    pub fn params(&self) -> &[Param] {
        &self.params
    }
    /// A parameter by name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.param_index.get(name).and_then(|&i| self.params.get(i))
    }
    /// The value of a parameter on a date.
    pub fn param_value(&self, name: &str, date: NaiveDate) -> Option<&Value> {
        self.param(name).and_then(|p| p.at(date)).map(|d| &d.value)
    }
    /// The rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
    /// The default outcome of a decision set (when no rule applies) and its citations.
    pub fn default_outcome(&self) -> Option<(&str, &[String])> {
        self.default
            .as_ref()
            .map(|(o, c)| (o.as_str(), c.as_slice()))
    }

    /// Adds a dated value to a parameter (a program office's own 免罚清单, a new threshold),
    /// checked against the parameter's type. A value on an existing date replaces it.
    pub fn set_param(
        &mut self,
        name: &str,
        from: NaiveDate,
        value: Value,
        citation: Option<String>,
    ) -> Result<(), Error> {
        let file = self.file.clone();
        let Some(&i) = self.param_index.get(name) else {
            return Err(Error::UnknownParam {
                file,
                line: 1,
                name: name.to_string(),
                context: "set_param".to_string(),
            });
        };
        let Some(p) = self.params.get_mut(i) else {
            return Err(Error::Input {
                origin: file,
                message: format!("parameter index {i} out of range"),
            });
        };
        p.ty.check(&value).map_err(|message| Error::TypeMismatch {
            file: file.clone(),
            line: p.line,
            context: format!("parameter '{name}'"),
            message,
        })?;
        if let Some(first) = p.values.first() {
            if from < first.from {
                return Err(Error::Invalid {
                    file,
                    line: p.line,
                    message: format!(
                        "parameter '{name}': a value from {from} precedes its first value ({}), \
                         which rules' validity periods were checked against",
                        first.from
                    ),
                });
            }
        }
        if p.values.len() >= PARAM_VALUES_MAX {
            return Err(Error::Limit {
                what: format!("parameter '{name}' values"),
                limit: PARAM_VALUES_MAX,
            });
        }
        p.values.retain(|v| v.from != from);
        p.values.push(DatedValue {
            from,
            value,
            citation,
        });
        p.values.sort_by_key(|v| v.from);
        Ok(())
    }
}

/// Rounds an amount of yuan down to the fen (0.01 yuan): subsidies never round up. The
/// result always carries two decimal places (`200000.00`), so amounts print alike. The rule is
/// the workspace's one money implementation (the `money` crate).
pub use ::money::round_down_to_fen;
