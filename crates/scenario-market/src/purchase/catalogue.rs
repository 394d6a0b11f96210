//! The catalogue of recognised first-purchase products: applications, recognition decisions
//! with every condition explained, and the catalogue entries they make (首台套 recognition
//! is an entry of category [`Category::FirstSet`]).

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use registry_model::{EnterpriseId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{MarketError, Result};
use crate::key::{self, Key};
use crate::offer::Maturity;
use crate::purchase::rules::{CatalogueRules, Category, Fact, Test};

/// Most entries in one catalogue.
pub const CATALOGUE_MAX: usize = 1_000_000;

/// An application to list a product. A fact not given is `None` — never `false` or zero —
/// and a condition on it is undecided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// The product's id.
    pub product: Key,
    /// The applicant (its maker).
    pub firm: EnterpriseId,
    /// The product's name.
    pub name: String,
    /// The category applied for.
    pub category: Category,
    /// The scheme applied under (`national`, `shandong`, …).
    pub scheme: String,
    /// The day of application (selects the rule set in force).
    pub applied: NaiveDate,
    /// Holds the core intellectual property.
    pub own_ip: Option<bool>,
    /// A first breakthrough in China.
    pub domestic_first: Option<bool>,
    /// Verified by an accredited test.
    pub third_party_tested: Option<bool>,
    /// No major accident in the recent past.
    pub no_major_incident: Option<bool>,
    /// Technology readiness level.
    pub trl: Option<Maturity>,
    /// The first sale.
    pub first_sale: Option<NaiveDate>,
    /// Sales so far, yuan.
    pub cumulative_sales: Option<Money>,
}

/// The decision on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every condition holds: listed.
    Recognised,
    /// A condition fails.
    Refused,
    /// No condition fails but facts are missing: the applicant is told which.
    Incomplete,
}

/// One condition's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionOutcome {
    /// The fact tested.
    pub fact: Fact,
    /// The requirement (`≥ 7`).
    pub requirement: String,
    /// The applicant's value, if given.
    pub value: Option<String>,
    /// Whether it holds; `None` when the value is missing.
    pub holds: Option<bool>,
    /// The condition's source.
    pub citation: String,
}

/// A recognition decision, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recognition {
    /// The product.
    pub product: Key,
    /// The applicant.
    pub firm: EnterpriseId,
    /// The category.
    pub category: Category,
    /// The rule set applied and its citation.
    pub rule_set: String,
    /// The set's citation.
    pub citation: String,
    /// The decision.
    pub decision: Decision,
    /// Every condition, in the set's order.
    pub conditions: Vec<ConditionOutcome>,
    /// Facts the applicant must supply (when incomplete).
    pub missing: Vec<Fact>,
    /// The catalogue entry made, when recognised.
    pub entry: Option<CatalogueEntry>,
}

/// A listed product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    /// The product.
    pub product: Key,
    /// Its maker.
    pub firm: EnterpriseId,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: Category,
    /// The rule set it was recognised under.
    pub rule_set: String,
    /// First day listed.
    pub listed: NaiveDate,
    /// Last day listed.
    pub expires: NaiveDate,
}

impl CatalogueEntry {
    /// Whether it is listed on `date`.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.listed <= date && date <= self.expires
    }
}

fn months_between(a: NaiveDate, b: NaiveDate) -> i64 {
    let m = i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month());
    if b.day() < a.day() { m - 1 } else { m }
}

fn value_of(app: &Application, fact: Fact) -> Option<String> {
    let flag = |b: Option<bool>| b.map(|x| x.to_string());
    match fact {
        Fact::OwnIp => flag(app.own_ip),
        Fact::DomesticFirst => flag(app.domestic_first),
        Fact::ThirdPartyTested => flag(app.third_party_tested),
        Fact::NoMajorIncident => flag(app.no_major_incident),
        Fact::Trl => app.trl.map(|t| t.level().to_string()),
        Fact::MonthsSinceFirstSale => app
            .first_sale
            .map(|d| months_between(d, app.applied).to_string()),
        Fact::CumulativeSalesYuan => app.cumulative_sales.map(|m| m.to_string()),
        Fact::Province => Some(app.firm.region().province_code().to_string()),
    }
}

fn holds(test: &Test, value: &str) -> bool {
    match test {
        Test::IsTrue => value == "true",
        Test::AtLeast(v) => Decimal::from_str_exact(value).is_ok_and(|x| x >= *v),
        Test::AtMost(v) => Decimal::from_str_exact(value).is_ok_and(|x| x <= *v),
        Test::In(vs) => vs.iter().any(|x| x == value),
    }
}

/// The catalogue.
///
/// ```
/// use chrono::NaiveDate;
/// use scenario_market::purchase::{Application, Catalogue, CatalogueRules, Category, Decision};
/// let rules = CatalogueRules::embedded()?;
/// let mut cat = Catalogue::new();
/// let app = Application {
///     product: "QC-CRANE-1".parse().unwrap(),
///     firm: "91370200163562681G".parse()?,
///     name: "Quay crane vision system".into(),
///     category: Category::FirstSet,
///     scheme: "shandong".into(),
///     applied: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
///     own_ip: Some(true),
///     domestic_first: Some(true),
///     third_party_tested: Some(true),
///     no_major_incident: None,
///     trl: None,
///     first_sale: None,
///     cumulative_sales: None,
/// };
/// let r = cat.recognise(&rules, &app)?;
/// assert_eq!(r.decision, Decision::Incomplete);
/// assert_eq!(r.missing.len(), 1); // no_major_incident
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    entries: BTreeMap<Key, CatalogueEntry>,
}

impl Catalogue {
    /// An empty catalogue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decides an application under the rule set of its scheme and category in force on
    /// its date, explaining every condition; a recognised product is listed from that date
    /// for the set's validity. A product already listed on that date is refused as a
    /// duplicate; one whose listing expired may apply again.
    pub fn recognise(&mut self, rules: &CatalogueRules, app: &Application) -> Result<Recognition> {
        let name = key::text("name", &app.name, true)
            .map_err(|e| e.of("application", app.product.as_str()))?;
        let Some(set) = rules.in_force(&app.scheme, app.category, app.applied) else {
            return Err(MarketError::NotFound {
                what: "rule set in force",
                key: format!("{}/{} on {}", app.scheme, app.category, app.applied),
            });
        };
        if let Some(e) = self.entries.get(&app.product)
            && e.valid_on(app.applied)
        {
            return Err(MarketError::Duplicate {
                what: "catalogue entry",
                key: app.product.to_string(),
                detail: format!(", listed until {}", e.expires),
            });
        }
        if !self.entries.contains_key(&app.product) && self.entries.len() >= CATALOGUE_MAX {
            return Err(MarketError::Limit {
                what: "catalogue entries",
                value: self.entries.len() as u64 + 1,
                limit: CATALOGUE_MAX as u64,
            });
        }
        let mut conditions = Vec::with_capacity(set.conditions.len());
        let mut missing = Vec::new();
        for c in &set.conditions {
            let value = value_of(app, c.fact);
            let h = value.as_deref().map(|v| holds(&c.test, v));
            if h.is_none() {
                missing.push(c.fact);
            }
            conditions.push(ConditionOutcome {
                fact: c.fact,
                requirement: c.test.to_string(),
                value,
                holds: h,
                citation: c.citation.clone(),
            });
        }
        let decision = if conditions.iter().any(|c| c.holds == Some(false)) {
            Decision::Refused
        } else if !missing.is_empty() {
            Decision::Incomplete
        } else {
            Decision::Recognised
        };
        let entry = (decision == Decision::Recognised).then(|| CatalogueEntry {
            product: app.product.clone(),
            firm: app.firm,
            name,
            category: app.category,
            rule_set: set.id.clone(),
            listed: app.applied,
            expires: app
                .applied
                .checked_add_months(Months::new(12 * set.validity_years))
                .and_then(|d| d.pred_opt())
                .unwrap_or(NaiveDate::MAX),
        });
        if let Some(e) = &entry {
            self.entries.insert(e.product.clone(), e.clone());
        }
        Ok(Recognition {
            product: app.product.clone(),
            firm: app.firm,
            category: app.category,
            rule_set: set.id.clone(),
            citation: set.citation.clone(),
            decision,
            conditions,
            missing,
            entry,
        })
    }

    /// A catalogue of entries kept elsewhere (a ledger's documents): each product once, at
    /// most [`CATALOGUE_MAX`], each entry's dates in order.
    pub fn from_entries(entries: impl IntoIterator<Item = CatalogueEntry>) -> Result<Self> {
        let mut out = Self::new();
        for e in entries {
            if out.entries.len() >= CATALOGUE_MAX {
                return Err(MarketError::Limit {
                    what: "catalogue entries",
                    value: out.entries.len() as u64 + 1,
                    limit: CATALOGUE_MAX as u64,
                });
            }
            if e.expires < e.listed {
                return Err(MarketError::Invalid {
                    what: "catalogue entry",
                    id: e.product.to_string(),
                    field: "expires".into(),
                    value: e.expires.to_string(),
                    reason: format!("before the day it was listed, {}", e.listed),
                });
            }
            if out.entries.contains_key(&e.product) {
                return Err(MarketError::Duplicate {
                    what: "catalogue entry",
                    key: e.product.to_string(),
                    detail: String::new(),
                });
            }
            out.entries.insert(e.product.clone(), e);
        }
        Ok(out)
    }

    /// The product's entry, listed or expired.
    pub fn entry(&self, product: &Key) -> Option<&CatalogueEntry> {
        self.entries.get(product)
    }

    /// The product's entry if it is listed on `date`.
    pub fn listed(&self, product: &Key, date: NaiveDate) -> Option<&CatalogueEntry> {
        self.entries.get(product).filter(|e| e.valid_on(date))
    }

    /// Every entry, by product.
    pub fn entries(&self) -> impl Iterator<Item = &CatalogueEntry> {
        self.entries.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_whole() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(months_between(d(2022, 3, 15), d(2025, 3, 15)), 36);
        assert_eq!(months_between(d(2022, 3, 15), d(2025, 3, 14)), 35);
        assert_eq!(months_between(d(2025, 1, 31), d(2025, 2, 28)), 0);
    }
}
