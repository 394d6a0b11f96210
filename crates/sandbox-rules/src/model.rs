//! The compiled rule set and its loader: TOML in, validated compact form out.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::Error;
use crate::value::{FactType, Value, toml_value_date};

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
        Loader { file, text }.load(raw)
    }
}

// ---------------------------------------------------------------- raw TOML shapes

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    set: Spanned<RawSet>,
    #[serde(default)]
    facts: BTreeMap<String, Spanned<RawFact>>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<RawParam>>,
    #[serde(default)]
    conditions: BTreeMap<String, Spanned<RawCond>>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    name: String,
    title: Option<String>,
    description: Option<String>,
    mode: Option<Spanned<String>>,
    default: Option<Spanned<String>>,
    default_citation: Option<OneOrMany>,
    outcomes: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFact {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    values: Vec<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default, rename = "variants")]
    variants: Vec<String>,
    values: Vec<Spanned<RawDated>>,
    citation: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDated {
    from: toml::Value,
    value: toml::Value,
    citation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    citation: Option<OneOrMany>,
    description: Option<String>,
    when: Option<Spanned<RawCond>>,
    exception_to: Option<Spanned<OneOrMany>>,
    valid_from: Option<Spanned<toml::Value>>,
    valid_until: Option<Spanned<toml::Value>>,
    outcome: Spanned<String>,
    #[serde(default)]
    measures: Vec<String>,
    program: Option<String>,
    amount: Option<Spanned<RawAmount>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAmount {
    fixed: Option<toml::Value>,
    rate: Option<toml::Value>,
    of: Option<String>,
    max: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCond {
    fact: Option<String>,
    #[serde(alias = "is")]
    eq: Option<toml::Value>,
    ne: Option<toml::Value>,
    lt: Option<toml::Value>,
    le: Option<toml::Value>,
    gt: Option<toml::Value>,
    ge: Option<toml::Value>,
    between: Option<Vec<toml::Value>>,
    #[serde(rename = "in")]
    in_: Option<toml::Value>,
    not_in: Option<toml::Value>,
    contains: Option<String>,
    contains_any: Option<Vec<String>>,
    contains_all: Option<Vec<String>>,
    starts_with: Option<String>,
    known: Option<bool>,
    all: Option<Vec<Spanned<RawCond>>>,
    any: Option<Vec<Spanned<RawCond>>>,
    not: Option<Box<Spanned<RawCond>>>,
    always: Option<bool>,
    #[serde(rename = "ref")]
    reference: Option<String>,
}

// ---------------------------------------------------------------- loader

struct Loader<'a> {
    file: &'a str,
    text: &'a str,
}

impl Loader<'_> {
    fn line(&self, offset: usize) -> usize {
        crate::line_of(self.text, offset)
    }

    fn invalid(&self, line: usize, message: String) -> Error {
        Error::Invalid {
            file: self.file.to_string(),
            line,
            message,
        }
    }

    fn mismatch(&self, line: usize, context: &str, message: String) -> Error {
        Error::TypeMismatch {
            file: self.file.to_string(),
            line,
            context: context.to_string(),
            message,
        }
    }

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
        crate::analysis::check_reachable(&rs)?;
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

fn one_or_many(s: &Spanned<OneOrMany>) -> Vec<String> {
    {
        match s.get_ref() {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

struct CondCx<'a, 'l> {
    loader: &'l Loader<'a>,
    named: &'l BTreeMap<String, Spanned<RawCond>>,
    /// Named conditions being expanded (to refuse one that refers to itself).
    expanding: Vec<String>,
    /// Number of atoms before the current rule's condition (for the per-rule bound).
    rule_start: usize,
    facts: &'l [FactDecl],
    fact_index: &'l HashMap<String, usize>,
    params: &'l [Param],
    param_index: &'l HashMap<String, usize>,
    atoms: Vec<Atom>,
    params_used: Vec<usize>,
}

impl CondCx<'_, '_> {
    fn cond(&mut self, c: &Spanned<RawCond>, rule: &str, depth: usize) -> Result<Cond, Error> {
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

    fn amount(&mut self, a: &Spanned<RawAmount>, rule: &str) -> Result<Amount, Error> {
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

/// Rounds a non-negative amount down to the fen (0.01 yuan): subsidies never round up.
/// The result always carries two decimal places (`200000.00`), so amounts print alike.
pub fn round_down_to_fen(yuan: Decimal) -> Decimal {
    let mut fen =
        yuan.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToNegativeInfinity);
    fen.rescale(2);
    fen
}
