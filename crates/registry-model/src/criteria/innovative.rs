//! 数创企业: the national measures' definition as a criterion — a firm in a digital-economy
//! class that takes data as a key input, grows and moves fast — and the classification (分类)
//! of a firm by its digital class and the kinds of innovation that drive it.
//!
//! The measures define the firm in words only; every threshold here is a program default of
//! the criteria set (marked "assumed" in the set file and in every condition's clause), and
//! the class comes from the digital-economy table ([`crate::digital`]).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::digital::{DigitalClass, DigitalEconomyTable, Mapping};
use crate::kind::CriterionKind;
use crate::money::{Money, ratio_cmp};
use crate::report::Evidence;
use crate::verdict::{Cmp, Outcome, Value, Verdict};

use super::Criterion;
use super::builder::*;

/// The digital-economy table a criteria set classifies with: the shipped one unless replaced
/// ([`super::CriteriaSet::set_classification`]).
#[derive(Debug, Clone)]
pub struct ClassificationTable(pub Arc<DigitalEconomyTable>);

impl Default for ClassificationTable {
    fn default() -> Self {
        // The embedded table is checked by a test; were it ever unreadable, the set's check
        // refuses the empty table instead of judging with it.
        Self(
            DigitalEconomyTable::embedded()
                .unwrap_or_else(|_| Arc::new(DigitalEconomyTable::empty("(unreadable)"))),
        )
    }
}

impl PartialEq for ClassificationTable {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for ClassificationTable {}

/// What drives a firm's innovation (the measures' three kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InnovationType {
    /// 数字技术创新: research-intensive, with core intellectual property.
    Technology,
    /// 应用场景创新: delivers or wins application-scenario projects.
    Scenario,
    /// 数据价值创新: earns from data, or carries data as an asset.
    DataValue,
}

impl InnovationType {
    /// Every kind, in the measures' order.
    pub const ALL: [InnovationType; 3] = [
        InnovationType::Technology,
        InnovationType::Scenario,
        InnovationType::DataValue,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            InnovationType::Technology => "technology",
            InnovationType::Scenario => "scenario",
            InnovationType::DataValue => "data_value",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            InnovationType::Technology => "数字技术创新",
            InnovationType::Scenario => "应用场景创新",
            InnovationType::DataValue => "数据价值创新",
        }
    }
}

impl fmt::Display for InnovationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for InnovationType {
    type Err = crate::error::RegistryError;
    fn from_str(s: &str) -> crate::error::Result<Self> {
        InnovationType::ALL
            .into_iter()
            .find(|t| t.key() == s.trim())
            .ok_or_else(|| crate::error::RegistryError::NotFound {
                what: "innovation type",
                key: s.to_string(),
            })
    }
}

/// A firm's class (分类) beside its tier (分级).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FirmClass {
    /// Its digital-economy class from its industry code; `None` without a code (or a code
    /// the table does not list).
    pub digital: Option<DigitalClass>,
    /// The code belongs to that class only in part.
    pub partial: bool,
    /// The kinds of innovation its report shows, in [`InnovationType::ALL`] order.
    pub innovation: Vec<InnovationType>,
}

/// The 数创企业 test and the classification rule, with their thresholds (a section of the
/// criteria set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigitalInnovative {
    /// Cited for the definition and the program-default thresholds.
    pub document: String,
    /// Cited for the digital-economy class.
    pub classification_document: String,
    /// Data as a key input: data assets on the balance sheet above this …
    pub data_assets_above_yuan: Money,
    /// … or at least this many data-resource registrations …
    pub data_registrations_min: u32,
    /// … or data spending at least this share of revenue.
    pub data_spend_share_min: Decimal,
    /// Growth: revenue growth in the year at least this …
    pub revenue_growth_min: Decimal,
    /// … or annualised revenue growth over three years at least this.
    pub revenue_cagr_3y_min: Decimal,
    /// Agility: new-product revenue at least this share of revenue.
    pub new_product_share_min: Decimal,
    /// Technology innovation: R&D at least this share of revenue …
    pub technology_rd_ratio_min: Decimal,
    /// … and at least this much class-I intellectual property.
    pub technology_ip_class1_min: u32,
    /// Scenario innovation: at least this many application-scenario projects in the year.
    pub scenario_projects_min: u32,
    /// Data-value innovation: data revenue at least this share of revenue (or data assets
    /// above `data_assets_above_yuan`).
    pub data_value_revenue_share_min: Decimal,
    /// The digital-economy table (not in the file: the shipped one unless replaced).
    #[serde(skip)]
    pub table: ClassificationTable,
}

/// The clause every program-default threshold cites.
const ASSUMED: &str = "threshold: program default (assumed)";

/// `num / den ≥ ratio`, `None` without both parts; a zero revenue fails.
fn share_at_least(num: Option<Money>, den: Option<Money>, ratio: Decimal) -> Option<bool> {
    let (n, d) = (num?, den?);
    Some(d.fen() > 0 && ratio_cmp(i128::from(n.fen()), i128::from(d.fen()), ratio).is_ge())
}

impl DigitalInnovative {
    /// The table's line for the firm's industry code, if it has a code the table lists.
    pub fn mapping(&self, ev: &Evidence<'_>) -> Option<&Mapping> {
        ev.enterprise
            .industry
            .as_ref()
            .and_then(|c| self.table.0.classify(c))
    }

    /// The firm's class (分类): its digital class from the code, and the kinds of innovation
    /// its report for the judged year shows (every kind whose test is met; a kind whose facts
    /// are missing is not claimed). The rule, with this set's thresholds:
    /// technology — R&D ÷ revenue ≥ `technology_rd_ratio_min` and class-I IP ≥
    /// `technology_ip_class1_min`; scenario — application-scenario projects ≥
    /// `scenario_projects_min`; data value — data revenue ÷ revenue ≥
    /// `data_value_revenue_share_min`, or data assets above `data_assets_above_yuan`.
    pub fn classify(&self, ev: &Evidence<'_>) -> FirmClass {
        let mapping = self.mapping(ev);
        let mut innovation = Vec::new();
        if let Some(r) = ev.current() {
            let tech = share_at_least(
                r.rd_spend_yuan,
                r.revenue_yuan,
                self.technology_rd_ratio_min,
            )
            .unwrap_or(false)
                && r.ip_class1
                    .is_some_and(|n| n >= self.technology_ip_class1_min);
            if tech {
                innovation.push(InnovationType::Technology);
            }
            if r.scenario_projects
                .is_some_and(|n| n >= self.scenario_projects_min)
            {
                innovation.push(InnovationType::Scenario);
            }
            let data = share_at_least(
                r.data_revenue_yuan,
                r.revenue_yuan,
                self.data_value_revenue_share_min,
            )
            .unwrap_or(false)
                || r.data_assets_yuan
                    .is_some_and(|a| a > self.data_assets_above_yuan);
            if data {
                innovation.push(InnovationType::DataValue);
            }
        }
        FirmClass {
            digital: mapping.map(|m| m.class),
            partial: mapping.is_some_and(|m| m.partial),
            innovation,
        }
    }
}

impl Criterion for DigitalInnovative {
    fn kind(&self) -> CriterionKind {
        CriterionKind::DigitalInnovative
    }

    fn document(&self) -> &str {
        &self.document
    }

    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let kind = CriterionKind::DigitalInnovative;
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let class_doc = self.classification_document.as_str();
        let no_code = || -> Missing<'s> {
            if detail {
                vec![Cow::Borrowed("industry_code")]
            } else {
                Vec::new()
            }
        };
        // The industry code: without it the class cannot be told (never guessed).
        let code = ev.enterprise.industry;
        let o = b.record_with(
            "industry_code",
            "industry code reported (GB/T 4754-2017)",
            Cow::Borrowed("built on GB/T 4754-2017"),
            class_doc,
            th(Cmp::Eq, Value::flag(true)),
            code.map(|_| (Value::flag(true), true)).ok_or_else(no_code),
        );
        early!(b, o, kind);
        let mapping = self.mapping(ev);
        let core = mapping.is_some_and(|m| m.class.is_core() && !m.partial);
        let clause = match (code, mapping) {
            (Some(c), Some(m)) => Cow::Owned(format!(
                "{c} → {} {}{}; {}",
                m.class.key(),
                m.class.name_zh(),
                if m.mid_class.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", m.mid_class)
                },
                m.provenance()
            )),
            (Some(c), None) => Cow::Owned(format!("{c}: not in the classification table")),
            (None, _) => Cow::Borrowed("classes 01-04 (core)"),
        };
        let digital = b.any_of("digital_class", |b| {
            let core_o = b.record_with(
                "core_class",
                "whole code in a core class (01-04)",
                clause,
                class_doc,
                th(Cmp::Eq, Value::flag(true)),
                code.map(|_| (Value::flag(core), core)).ok_or_else(no_code),
            );
            let assets = b.fact(0, "data_assets_yuan", |r| r.data_assets_yuan);
            let a = b.record(
                "data_assets",
                "data as a key input: data assets on the balance sheet",
                ASSUMED,
                th(Cmp::Gt, Value::yuan(self.data_assets_above_yuan)),
                assets.map(|m| money_test(m, Cmp::Gt, self.data_assets_above_yuan)),
            );
            let regs = b.fact(0, "data_registrations", |r| r.data_registrations);
            let min = i64::from(self.data_registrations_min);
            let g = b.record(
                "data_registrations",
                "data as a key input: data-resource registrations held",
                ASSUMED,
                th(Cmp::Ge, Value::count(min)),
                regs.map(|n| count_test(i64::from(n), Cmp::Ge, min)),
            );
            let spend = merge(
                b.fact(0, "data_spend_yuan", |r| r.data_spend_yuan),
                b.fact(0, "revenue_yuan", |r| r.revenue_yuan),
            );
            let s = b.record(
                "data_spend_share",
                "data as a key input: data spending ÷ revenue",
                ASSUMED,
                th(Cmp::Ge, Value::fraction(self.data_spend_share_min)),
                spend.map(|(d, r)| {
                    share_test(
                        i128::from(d.fen()),
                        i128::from(r.fen()),
                        Cmp::Ge,
                        self.data_spend_share_min,
                    )
                }),
            );
            vec![core_o, a, g, s]
        });
        let o = o.and(digital);
        early!(b, o, kind);
        let growth = b.any_of("growth", |b| {
            let one = merge(
                b.fact(0, "revenue_yuan", |r| r.revenue_yuan),
                b.fact(1, "revenue_yuan", |r| r.revenue_yuan),
            );
            let factor1 = growth_factor(self.revenue_growth_min, 1);
            let y = b.record(
                "revenue_growth",
                "revenue growth in the year",
                ASSUMED,
                th(Cmp::Ge, Value::fraction(self.revenue_growth_min)),
                one.map(|(end, start)| {
                    cagr_test(
                        i128::from(end.fen()),
                        i128::from(start.fen()),
                        1,
                        Cmp::Ge,
                        factor1,
                    )
                }),
            );
            let three = merge(
                b.fact(0, "revenue_yuan", |r| r.revenue_yuan),
                b.fact(3, "revenue_yuan", |r| r.revenue_yuan),
            );
            let factor3 = growth_factor(self.revenue_cagr_3y_min, 3);
            let c = b.record(
                "revenue_cagr_3y",
                "annualised revenue growth over three years",
                ASSUMED,
                th(Cmp::Ge, Value::fraction(self.revenue_cagr_3y_min)),
                three.map(|(end, start)| {
                    cagr_test(
                        i128::from(end.fen()),
                        i128::from(start.fen()),
                        3,
                        Cmp::Ge,
                        factor3,
                    )
                }),
            );
            vec![y, c]
        });
        let o = o.and(growth);
        early!(b, o, kind);
        let np = merge(
            b.fact(0, "new_product_revenue_yuan", |r| {
                r.new_product_revenue_yuan
            }),
            b.fact(0, "revenue_yuan", |r| r.revenue_yuan),
        );
        let agile = b.record(
            "new_product_share",
            "agility: new-product revenue ÷ revenue",
            ASSUMED,
            th(Cmp::Ge, Value::fraction(self.new_product_share_min)),
            np.map(|(n, r)| {
                share_test(
                    i128::from(n.fen()),
                    i128::from(r.fen()),
                    Cmp::Ge,
                    self.new_product_share_min,
                )
            }),
        );
        let o = o.and(agile);
        b.finish(kind, o)
    }
}
