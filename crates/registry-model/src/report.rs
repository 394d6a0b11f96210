//! Enterprises and their annual reports: the facts every criterion reads.
//!
//! A fact the firm did not report is `None`, never zero: criteria answer "cannot tell" and list
//! it, instead of failing the firm silently.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;
use crate::industry::IndustryCode;
use crate::money::Money;
use crate::region::RegionCode;
use crate::tier::Year;

/// The earliest and latest statistical years the registry accepts.
pub const YEAR_MIN: Year = 1978;
/// See [`YEAR_MIN`].
pub const YEAR_MAX: Year = 2200;

/// The highest level of the SME digitalisation assessment (中小企业数字化水平评测指标（2024年版）:
/// 一级 … 四级).
pub const DIGITAL_LEVEL_MAX: u32 = 4;

/// Longest enterprise name accepted, in characters.
pub const NAME_LEN_MAX: usize = 200;

/// An enterprise known to the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    /// Its Unified Social Credit Code.
    pub id: EnterpriseId,
    /// Its registered name.
    pub name: String,
    /// Date of registration (成立日期).
    pub founded: NaiveDate,
    /// Its industry (GB/T 4754-2017 class); `None` when not reported (old data): the
    /// digital-economy test then cannot tell, it never guesses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<IndustryCode>,
}

impl Enterprise {
    /// The division of registration, from the USCC.
    pub fn region(&self) -> RegionCode {
        self.id.region()
    }

    /// Whole years from founding to `date` (0 in the founding year before the anniversary).
    pub fn age_years_on(&self, date: NaiveDate) -> i64 {
        let mut age = i64::from(date.year()) - i64::from(self.founded.year());
        if (date.month(), date.day()) < (self.founded.month(), self.founded.day()) {
            age -= 1;
        }
        age
    }

    /// Checks the name and founding date.
    pub fn validate(&self) -> Result<()> {
        let record = format!("firm {}", self.id);
        let n = self.name.trim().chars().count();
        if n == 0 || n > NAME_LEN_MAX {
            return Err(RegistryError::InvalidField {
                record,
                field: "name".into(),
                value: self.name.clone(),
                reason: format!("must have 1 to {NAME_LEN_MAX} characters"),
            });
        }
        let y = self.founded.year();
        if !(YEAR_MIN - 100..=YEAR_MAX).contains(&y) {
            return Err(RegistryError::InvalidField {
                record,
                field: "founded".into(),
                value: self.founded.to_string(),
                reason: "founding year out of range".into(),
            });
        }
        Ok(())
    }
}

/// The last day of a statistical year: the date criteria measure ages against.
pub fn year_end(year: Year) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// One firm's facts for one statistical year. Shares and ratios are fractions (0.65 = 65 %).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualReport {
    /// The firm.
    pub id: EnterpriseId,
    /// The statistical year the facts describe.
    pub year: Year,
    /// Operating revenue (营业收入, the "sales" of the criteria).
    pub revenue_yuan: Option<Money>,
    /// R&D expenditure.
    pub rd_spend_yuan: Option<Money>,
    /// Share of R&D spent inside China.
    pub rd_domestic_share: Option<Decimal>,
    /// Employees at year end.
    pub staff: Option<u32>,
    /// Science and technology staff.
    pub tech_staff: Option<u32>,
    /// R&D staff.
    pub rd_staff: Option<u32>,
    /// Class-I intellectual property held (invention patents and the like).
    pub ip_class1: Option<u32>,
    /// Class-II intellectual property held (utility models, software copyrights …).
    pub ip_class2: Option<u32>,
    /// Revenue from high-tech products and services.
    pub high_tech_revenue_yuan: Option<Money>,
    /// Total assets.
    pub assets_yuan: Option<Money>,
    /// Liabilities ÷ assets.
    pub debt_ratio: Option<Decimal>,
    /// New equity financing received in the year.
    pub equity_financing_yuan: Option<Money>,
    /// Latest post-money valuation in yuan.
    pub valuation_yuan: Option<Money>,
    /// Listed on a stock exchange.
    pub listed: Option<bool>,
    /// Backed by private equity or venture capital.
    pub pe_backed: Option<bool>,
    /// Main technology in a field the high-tech catalogue supports.
    pub supported_field: Option<bool>,
    /// Main business revenue ÷ revenue.
    pub main_business_share: Option<Decimal>,
    /// Years the firm has worked in its niche market.
    pub niche_years: Option<u32>,
    /// National share of its niche market.
    pub niche_market_share: Option<Decimal>,
    /// Major safety, quality or environmental incidents in the year.
    pub major_incidents: Option<u32>,
    /// High-tech assessment innovation score (0–100).
    pub innovation_score: Option<Decimal>,
    /// Innovative-SME assessment: innovation points (of 40).
    pub sme_innovation_points: Option<Decimal>,
    /// Innovative-SME assessment: growth points (of 30).
    pub sme_growth_points: Option<Decimal>,
    /// Innovative-SME assessment: specialisation points (of 30).
    pub sme_specialisation_points: Option<Decimal>,
    /// Specialised-SME (专精特新) assessment score (0–100).
    pub specialised_score: Option<Decimal>,
    /// Data resources recognised on the balance sheet (数据资源入表, 财会〔2023〕11号).
    pub data_assets_yuan: Option<Money>,
    /// Data-resource or data-product registration certificates held (数据资源登记).
    pub data_registrations: Option<u32>,
    /// Spending on data: purchased data, data services, annotation.
    pub data_spend_yuan: Option<Money>,
    /// Revenue from data products and data services.
    pub data_revenue_yuan: Option<Money>,
    /// Revenue from new products (新产品销售收入, as in the R&D statistics).
    pub new_product_revenue_yuan: Option<Money>,
    /// Application-scenario projects (应用场景) delivered or won in the year.
    pub scenario_projects: Option<u32>,
    /// Digitalisation level of the SME assessment (中小企业数字化水平评测指标（2024年版）, 1–4;
    /// 0 when assessed below level 1).
    pub digital_level: Option<u32>,
}

/// The type of a fact field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// Yuan with at most two decimals.
    Money,
    /// A decimal number (fractions, points).
    Decimal,
    /// A non-negative whole number.
    Count,
    /// true/false (also 1/0, yes/no, 是/否).
    Flag,
}

/// The value of one fact field (`None` = not reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum FactValue {
    /// Money.
    Money(Option<Money>),
    /// Decimal.
    Decimal(Option<Decimal>),
    /// Count.
    Count(Option<u32>),
    /// Flag.
    Flag(Option<bool>),
}

impl FactValue {
    /// Parses `text` as a value of `kind`; an empty cell is `None`. The error says why.
    pub fn parse(kind: FactKind, text: &str) -> std::result::Result<FactValue, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(match kind {
                FactKind::Money => FactValue::Money(None),
                FactKind::Decimal => FactValue::Decimal(None),
                FactKind::Count => FactValue::Count(None),
                FactKind::Flag => FactValue::Flag(None),
            });
        }
        match kind {
            FactKind::Money => t
                .parse::<Money>()
                .map(|m| FactValue::Money(Some(m)))
                .map_err(|e| e.reason().to_string()),
            FactKind::Decimal => Decimal::from_str_exact(t)
                .map(|d| FactValue::Decimal(Some(d)))
                .map_err(|_| "not a decimal number".to_string()),
            FactKind::Count => t
                .parse::<u32>()
                .map(|n| FactValue::Count(Some(n)))
                .map_err(|_| "not a whole number 0..=4294967295".to_string()),
            FactKind::Flag => match t.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "y" | "是" => Ok(FactValue::Flag(Some(true))),
                "false" | "0" | "no" | "n" | "否" => Ok(FactValue::Flag(Some(false))),
                _ => Err("not a flag (true/false, 1/0, yes/no)".to_string()),
            },
        }
    }

    /// The value as CSV text (empty when not reported).
    pub fn to_text(&self) -> String {
        match self {
            FactValue::Money(v) => v.map(|m| m.to_string()).unwrap_or_default(),
            FactValue::Decimal(v) => v.map(|d| d.to_string()).unwrap_or_default(),
            FactValue::Count(v) => v.map(|n| n.to_string()).unwrap_or_default(),
            FactValue::Flag(v) => v.map(|b| b.to_string()).unwrap_or_default(),
        }
    }

    /// Whether the fact was reported.
    pub fn is_some(&self) -> bool {
        match self {
            FactValue::Money(v) => v.is_some(),
            FactValue::Decimal(v) => v.is_some(),
            FactValue::Count(v) => v.is_some(),
            FactValue::Flag(v) => v.is_some(),
        }
    }
}

macro_rules! fact_fields {
    ($($name:ident : $kind:ident),* $(,)?) => {
        /// The fact fields with their types, in CSV column order.
        pub const FACTS: &[(&str, FactKind)] = &[$((stringify!($name), FactKind::$kind)),*];

        /// Setters in [`FACTS`] order (a table, so bulk readers avoid matching names per row).
        const FACT_SETTERS: &[fn(&mut AnnualReport, FactValue) -> bool] = &[$(
            |r: &mut AnnualReport, v: FactValue| {
                if let FactValue::$kind(x) = v {
                    r.$name = x;
                    true
                } else {
                    false
                }
            }
        ),*];

        impl AnnualReport {
            /// Sets the fact at `index` in [`FACTS`]; an error when out of range or of another kind.
            pub fn set_fact_at(&mut self, index: usize, value: FactValue) -> std::result::Result<(), String> {
                match FACT_SETTERS.get(index) {
                    Some(set) if set(self, value) => Ok(()),
                    Some(_) => Err(format!("fact #{index} is not of that kind")),
                    None => Err(format!("no fact #{index}")),
                }
            }

            /// Every fact with its name, in [`FACTS`] order (missing ones as `None` values): the
            /// form in which a report becomes rule facts for benefit matching.
            pub fn facts(&self) -> impl Iterator<Item = (&'static str, FactValue)> + '_ {
                [$((stringify!($name), FactValue::$kind(self.$name))),*].into_iter()
            }

            /// The value of a fact by its field name; `None` for an unknown name.
            pub fn fact(&self, name: &str) -> Option<FactValue> {
                match name {
                    $(stringify!($name) => Some(FactValue::$kind(self.$name)),)*
                    _ => None,
                }
            }

            /// Sets a fact by name; an error when the name is unknown or the kind differs.
            pub fn set_fact(&mut self, name: &str, value: FactValue) -> std::result::Result<(), String> {
                match (name, value) {
                    $((stringify!($name), FactValue::$kind(v)) => {
                        self.$name = v;
                        Ok(())
                    })*
                    _ => Err(format!("'{name}' is not a fact field of that kind")),
                }
            }
        }
    };
}

fact_fields! {
    revenue_yuan: Money,
    rd_spend_yuan: Money,
    rd_domestic_share: Decimal,
    staff: Count,
    tech_staff: Count,
    rd_staff: Count,
    ip_class1: Count,
    ip_class2: Count,
    high_tech_revenue_yuan: Money,
    assets_yuan: Money,
    debt_ratio: Decimal,
    equity_financing_yuan: Money,
    valuation_yuan: Money,
    listed: Flag,
    pe_backed: Flag,
    supported_field: Flag,
    main_business_share: Decimal,
    niche_years: Count,
    niche_market_share: Decimal,
    major_incidents: Count,
    innovation_score: Decimal,
    sme_innovation_points: Decimal,
    sme_growth_points: Decimal,
    sme_specialisation_points: Decimal,
    specialised_score: Decimal,
    data_assets_yuan: Money,
    data_registrations: Count,
    data_spend_yuan: Money,
    data_revenue_yuan: Money,
    new_product_revenue_yuan: Money,
    scenario_projects: Count,
    digital_level: Count,
}

/// The facts of the registry's first schema; the ones after them in [`FACTS`] came with the
/// digital-economy test (schema version 3), which adds their columns to older stores.
pub const FACTS_V1: usize = 25;

/// The kind of a fact field by name.
pub fn fact_kind(name: &str) -> Option<FactKind> {
    FACTS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

impl AnnualReport {
    /// An empty report (every fact missing) for `id` and `year`.
    pub fn new(id: EnterpriseId, year: Year) -> Self {
        Self {
            id,
            year,
            revenue_yuan: None,
            rd_spend_yuan: None,
            rd_domestic_share: None,
            staff: None,
            tech_staff: None,
            rd_staff: None,
            ip_class1: None,
            ip_class2: None,
            high_tech_revenue_yuan: None,
            assets_yuan: None,
            debt_ratio: None,
            equity_financing_yuan: None,
            valuation_yuan: None,
            listed: None,
            pe_backed: None,
            supported_field: None,
            main_business_share: None,
            niche_years: None,
            niche_market_share: None,
            major_incidents: None,
            innovation_score: None,
            sme_innovation_points: None,
            sme_growth_points: None,
            sme_specialisation_points: None,
            specialised_score: None,
            data_assets_yuan: None,
            data_registrations: None,
            data_spend_yuan: None,
            data_revenue_yuan: None,
            new_product_revenue_yuan: None,
            scenario_projects: None,
            digital_level: None,
        }
    }

    /// Checks every fact's range and the consistency between facts (tech staff ≤ staff, …).
    pub fn validate(&self) -> Result<()> {
        let record = format!("report {} {}", self.id, self.year);
        let bad = |field: &str, value: String, reason: &str| RegistryError::InvalidField {
            record: record.clone(),
            field: field.to_string(),
            value,
            reason: reason.to_string(),
        };
        if !(YEAR_MIN..=YEAR_MAX).contains(&self.year) {
            return Err(bad(
                "year",
                self.year.to_string(),
                "statistical year out of range 1978-2200",
            ));
        }
        let non_negative = [
            ("revenue_yuan", self.revenue_yuan),
            ("rd_spend_yuan", self.rd_spend_yuan),
            ("high_tech_revenue_yuan", self.high_tech_revenue_yuan),
            ("assets_yuan", self.assets_yuan),
            ("equity_financing_yuan", self.equity_financing_yuan),
            ("valuation_yuan", self.valuation_yuan),
            ("data_assets_yuan", self.data_assets_yuan),
            ("data_spend_yuan", self.data_spend_yuan),
            ("data_revenue_yuan", self.data_revenue_yuan),
            ("new_product_revenue_yuan", self.new_product_revenue_yuan),
        ];
        for (field, v) in non_negative {
            if let Some(m) = v
                && m.fen() < 0
            {
                return Err(bad(field, m.to_string(), "must not be negative"));
            }
        }
        let fractions = [
            ("rd_domestic_share", self.rd_domestic_share),
            ("main_business_share", self.main_business_share),
            ("niche_market_share", self.niche_market_share),
        ];
        for (field, v) in fractions {
            if let Some(d) = v
                && (d < Decimal::ZERO || d > Decimal::ONE)
            {
                return Err(bad(field, d.to_string(), "a share must lie in 0..=1"));
            }
        }
        if let Some(d) = self.debt_ratio
            && (d < Decimal::ZERO || d > Decimal::TEN)
        {
            return Err(bad(
                "debt_ratio",
                d.to_string(),
                "liabilities ÷ assets must lie in 0..=10",
            ));
        }
        let points = [
            ("innovation_score", self.innovation_score, 100),
            ("sme_innovation_points", self.sme_innovation_points, 40),
            ("sme_growth_points", self.sme_growth_points, 30),
            (
                "sme_specialisation_points",
                self.sme_specialisation_points,
                30,
            ),
            ("specialised_score", self.specialised_score, 100),
        ];
        for (field, v, max) in points {
            if let Some(d) = v
                && (d < Decimal::ZERO || d > Decimal::from(max))
            {
                return Err(bad(
                    field,
                    d.to_string(),
                    &format!("points must lie in 0..={max}"),
                ));
            }
        }
        if let Some(staff) = self.staff {
            for (field, v) in [("tech_staff", self.tech_staff), ("rd_staff", self.rd_staff)] {
                if let Some(n) = v
                    && n > staff
                {
                    return Err(bad(
                        field,
                        n.to_string(),
                        &format!("exceeds staff ({staff})"),
                    ));
                }
            }
        }
        for (field, part) in [
            ("high_tech_revenue_yuan", self.high_tech_revenue_yuan),
            ("data_revenue_yuan", self.data_revenue_yuan),
            ("new_product_revenue_yuan", self.new_product_revenue_yuan),
        ] {
            if let (Some(h), Some(r)) = (part, self.revenue_yuan)
                && h > r
            {
                return Err(bad(
                    field,
                    h.to_string(),
                    &format!("exceeds revenue_yuan ({r})"),
                ));
            }
        }
        if let Some(l) = self.digital_level
            && l > DIGITAL_LEVEL_MAX
        {
            return Err(bad(
                "digital_level",
                l.to_string(),
                &format!("the assessment has levels 0..={DIGITAL_LEVEL_MAX}"),
            ));
        }
        Ok(())
    }
}

/// Years before the judged year whose reports a judgement reads: the growth criteria compare
/// a year with the three before it, so [`Evidence`] holds four reports and an adjustment, a
/// preview and a rule-facts adapter read `year − LOOK_BACK_YEARS ..= year`.
pub const LOOK_BACK_YEARS: Year = 3;

/// What a criterion sees for one firm and year: the firm, its report for the year and the
/// reports of the three years before (growth criteria look back three years).
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The firm.
    pub enterprise: &'a Enterprise,
    /// The year judged.
    pub year: Year,
    /// Reports for `year`, `year − 1`, `year − 2`, `year − 3` (index = years back).
    pub reports: [Option<&'a AnnualReport>; 4],
}

impl<'a> Evidence<'a> {
    /// Picks the reports a judgement of `year` needs from the firm's reports (any order).
    pub fn new(enterprise: &'a Enterprise, year: Year, reports: &'a [AnnualReport]) -> Self {
        Self::from_refs(
            enterprise,
            year,
            reports.iter().filter(|r| r.id == enterprise.id),
        )
    }

    /// Like [`Evidence::new`], from references (reports of other firms must not be passed).
    pub fn from_refs(
        enterprise: &'a Enterprise,
        year: Year,
        reports: impl IntoIterator<Item = &'a AnnualReport>,
    ) -> Self {
        let mut picked = [None; 4];
        for r in reports {
            let back = i64::from(year) - i64::from(r.year);
            if (0..4).contains(&back)
                && let Some(slot) = picked.get_mut(back as usize)
            {
                *slot = Some(r);
            }
        }
        Self {
            enterprise,
            year,
            reports: picked,
        }
    }

    /// The report for the judged year.
    pub fn current(&self) -> Option<&'a AnnualReport> {
        self.reports[0]
    }

    /// The report `back` years before the judged year (0 = the year itself); `None` beyond 3.
    pub fn back(&self, back: usize) -> Option<&'a AnnualReport> {
        self.reports.get(back).copied().flatten()
    }

    /// The firm's age in whole years at the end of the judged year.
    pub fn age_years(&self) -> i64 {
        self.enterprise.age_years_on(year_end(self.year))
    }

    /// Years of operation within the judged year and the `window − 1` before it: a firm founded
    /// inside the window is judged on the years it existed (the high-tech rule's
    /// "actual operating time" clause).
    pub fn years_in_window(&self, window: usize) -> usize {
        let founded = i64::from(self.enterprise.founded.year());
        let mut n = 0;
        for back in 0..window {
            if i64::from(self.year) - back as i64 >= founded {
                n += 1;
            }
        }
        n.max(1)
    }
}
