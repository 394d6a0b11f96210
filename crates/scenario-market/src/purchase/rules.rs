//! Recognition rules as data: dated rule sets per scheme and category, each condition with
//! its citation ([`CatalogueRules`], `data/scenario-market/catalogue-rules.toml`).

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{MarketError, Result};

/// The shipped recognition rules.
pub const DEFAULT_CATALOGUE_RULES_TOML: &str =
    include_str!("../../../../data/scenario-market/catalogue-rules.toml");

/// Most rule sets in one file.
pub const RULE_SETS_MAX: usize = 1_000;
/// Most conditions in one rule set.
pub const CONDITIONS_MAX: usize = 64;

/// What kind of first-purchase product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 创新产品: a new product of a 数创企业.
    NewProduct,
    /// 首台(套): major technical equipment, first unit or set.
    FirstSet,
    /// 首批次: new materials, first batch.
    FirstBatch,
    /// 首版次: software, first version.
    FirstVersion,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 4] = [
        Category::NewProduct,
        Category::FirstSet,
        Category::FirstBatch,
        Category::FirstVersion,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            Category::NewProduct => "new_product",
            Category::FirstSet => "first_set",
            Category::FirstBatch => "first_batch",
            Category::FirstVersion => "first_version",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Category::NewProduct => "创新产品",
            Category::FirstSet => "首台(套)",
            Category::FirstBatch => "首批次",
            Category::FirstVersion => "首版次",
        }
    }

    /// Parses a key or a Chinese name.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.key().eq_ignore_ascii_case(t) || c.name_zh() == t)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A fact of an application a condition can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// The applicant holds the product's core intellectual property.
    OwnIp,
    /// A first breakthrough in China.
    DomesticFirst,
    /// Verified by an accredited test.
    ThirdPartyTested,
    /// No major quality, safety or environmental accident in the recent past.
    NoMajorIncident,
    /// Technology readiness level, 1 to 9.
    Trl,
    /// Whole months from the first sale to the application.
    MonthsSinceFirstSale,
    /// Sales so far, yuan.
    CumulativeSalesYuan,
    /// The applicant's province (two digits of its USCC division).
    Province,
}

impl Fact {
    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            Fact::OwnIp => "own_ip",
            Fact::DomesticFirst => "domestic_first",
            Fact::ThirdPartyTested => "third_party_tested",
            Fact::NoMajorIncident => "no_major_incident",
            Fact::Trl => "trl",
            Fact::MonthsSinceFirstSale => "months_since_first_sale",
            Fact::CumulativeSalesYuan => "cumulative_sales_yuan",
            Fact::Province => "province",
        }
    }

    fn is_flag(self) -> bool {
        matches!(
            self,
            Fact::OwnIp | Fact::DomesticFirst | Fact::ThirdPartyTested | Fact::NoMajorIncident
        )
    }

    fn is_number(self) -> bool {
        matches!(
            self,
            Fact::Trl | Fact::MonthsSinceFirstSale | Fact::CumulativeSalesYuan
        )
    }
}

/// How a condition tests its fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// The flag is true.
    IsTrue,
    /// The number is at least this.
    AtLeast(Decimal),
    /// The number is at most this.
    AtMost(Decimal),
    /// The text is one of these.
    In(Vec<String>),
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Test::IsTrue => f.write_str("is true"),
            Test::AtLeast(v) => write!(f, "≥ {v}"),
            Test::AtMost(v) => write!(f, "≤ {v}"),
            Test::In(vs) => write!(f, "in {}", vs.join("|")),
        }
    }
}

/// One condition of a rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// The fact tested.
    pub fact: Fact,
    /// The test.
    pub test: Test,
    /// Where the condition comes from, or "assumed".
    pub citation: String,
}

/// One scheme's rules for one category, in force from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Unique id.
    pub id: String,
    /// The scheme (`national`, `shandong`, …).
    pub scheme: String,
    /// The category recognised.
    pub category: Category,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force, if it ends.
    pub effective_until: Option<NaiveDate>,
    /// The documents the set rests on.
    pub citation: String,
    /// Years a recognition lasts.
    pub validity_years: u32,
    /// The conditions, all of which must hold.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    fact: Fact,
    op: String,
    value: Option<toml::Value>,
    values: Option<Vec<String>>,
    citation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    id: String,
    scheme: String,
    category: Category,
    effective_from: toml::value::Datetime,
    effective_until: Option<toml::value::Datetime>,
    citation: String,
    validity_years: u32,
    #[serde(default)]
    condition: Vec<RawCondition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc {
    #[serde(default)]
    set: Vec<RawSet>,
}

fn toml_date(d: &toml::value::Datetime, what: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d")
        .map_err(|_| format!("{what} = {d}: not a date"))
}

fn number(v: &toml::Value) -> Option<Decimal> {
    match v {
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        toml::Value::String(s) => Decimal::from_str_exact(s.trim()).ok(),
        _ => None,
    }
}

/// Every scheme's rule sets.
///
/// ```
/// use scenario_market::purchase::{CatalogueRules, Category};
/// let rules = CatalogueRules::embedded()?;
/// let d = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
/// let set = rules.in_force("shandong", Category::FirstSet, d).unwrap();
/// assert!(set.conditions.iter().all(|c| !c.citation.is_empty()));
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueRules {
    sets: Vec<RuleSet>,
}

impl CatalogueRules {
    /// The shipped rules (`data/scenario-market/catalogue-rules.toml`).
    pub fn embedded() -> Result<Self> {
        Self::from_toml(
            DEFAULT_CATALOGUE_RULES_TOML,
            "embedded data/scenario-market/catalogue-rules.toml",
        )
    }

    /// Reads and checks rules; `file` names the text in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self> {
        let err = |message: String| MarketError::Config {
            file: file.to_string(),
            message,
        };
        let doc: RawDoc = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if doc.set.len() > RULE_SETS_MAX {
            return Err(MarketError::Limit {
                what: "rule sets",
                value: doc.set.len() as u64,
                limit: RULE_SETS_MAX as u64,
            });
        }
        let mut sets: Vec<RuleSet> = Vec::with_capacity(doc.set.len());
        for raw in doc.set {
            let at = |m: String| err(format!("set '{}': {m}", raw.id));
            if sets.iter().any(|s| s.id == raw.id) {
                return Err(at("id given twice".into()));
            }
            if raw.citation.trim().is_empty() {
                return Err(at("citation is empty".into()));
            }
            if !(1..=20).contains(&raw.validity_years) {
                return Err(at(format!(
                    "validity_years = {}: outside 1..=20",
                    raw.validity_years
                )));
            }
            if raw.condition.len() > CONDITIONS_MAX {
                return Err(at(format!(
                    "{} conditions, at most {CONDITIONS_MAX}",
                    raw.condition.len()
                )));
            }
            let effective_from = toml_date(&raw.effective_from, "effective_from").map_err(at)?;
            let effective_until = raw
                .effective_until
                .as_ref()
                .map(|d| toml_date(d, "effective_until"))
                .transpose()
                .map_err(at)?;
            if effective_until.is_some_and(|u| u < effective_from) {
                return Err(at("effective_until is before effective_from".into()));
            }
            let mut conditions = Vec::with_capacity(raw.condition.len());
            for (i, c) in raw.condition.iter().enumerate() {
                let cat = |m: String| at(format!("condition[{i}] ({}): {m}", c.fact.key()));
                if c.citation.trim().is_empty() {
                    return Err(cat("citation is empty".into()));
                }
                let test = match c.op.as_str() {
                    "is_true" if c.fact.is_flag() => Test::IsTrue,
                    "at_least" | "at_most" if c.fact.is_number() => {
                        let v = c
                            .value
                            .as_ref()
                            .and_then(number)
                            .ok_or_else(|| cat("needs a numeric value".into()))?;
                        if c.op == "at_least" {
                            Test::AtLeast(v)
                        } else {
                            Test::AtMost(v)
                        }
                    }
                    "in" if c.fact == Fact::Province => Test::In(
                        c.values
                            .clone()
                            .filter(|v| !v.is_empty())
                            .ok_or_else(|| cat("needs a non-empty values list".into()))?,
                    ),
                    op => return Err(cat(format!("operator '{op}' does not apply to this fact"))),
                };
                conditions.push(Condition {
                    fact: c.fact,
                    test,
                    citation: c.citation.trim().to_string(),
                });
            }
            sets.push(RuleSet {
                id: raw.id,
                scheme: raw.scheme,
                category: raw.category,
                effective_from,
                effective_until,
                citation: raw.citation,
                validity_years: raw.validity_years,
                conditions,
            });
        }
        Ok(Self { sets })
    }

    /// Every rule set.
    pub fn sets(&self) -> &[RuleSet] {
        &self.sets
    }

    /// The set of `scheme` for `category` in force on `date`: the one with the latest
    /// `effective_from` not after `date` whose end, if any, is not before it.
    pub fn in_force(&self, scheme: &str, category: Category, date: NaiveDate) -> Option<&RuleSet> {
        self.sets
            .iter()
            .filter(|s| s.scheme == scheme && s.category == category)
            .filter(|s| s.effective_from <= date && s.effective_until.is_none_or(|u| u >= date))
            .max_by_key(|s| s.effective_from)
    }
}
