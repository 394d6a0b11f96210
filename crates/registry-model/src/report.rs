//! Enterprises and their annual reports: the facts every criterion reads.
//!
//! A fact the firm did not report is `None`, never zero: criteria answer "cannot tell" and list
//! it, instead of failing the firm silently.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;
use crate::money::Money;
use crate::region::RegionCode;
use crate::tier::Year;

/// The earliest and latest statistical years the registry accepts.
pub const YEAR_MIN: Year = 1978;
/// See [`YEAR_MIN`].
pub const YEAR_MAX: Year = 2200;

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
}

/// The names of the fact fields, in CSV column order.
pub const FACT_FIELDS: [&str; 25] = [
    "revenue_yuan",
    "rd_spend_yuan",
    "rd_domestic_share",
    "staff",
    "tech_staff",
    "rd_staff",
    "ip_class1",
    "ip_class2",
    "high_tech_revenue_yuan",
    "assets_yuan",
    "debt_ratio",
    "equity_financing_yuan",
    "valuation_yuan",
    "listed",
    "pe_backed",
    "supported_field",
    "main_business_share",
    "niche_years",
    "niche_market_share",
    "major_incidents",
    "innovation_score",
    "sme_innovation_points",
    "sme_growth_points",
    "sme_specialisation_points",
    "specialised_score",
];

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
        if let (Some(h), Some(r)) = (self.high_tech_revenue_yuan, self.revenue_yuan)
            && h > r
        {
            return Err(bad(
                "high_tech_revenue_yuan",
                h.to_string(),
                &format!("exceeds revenue_yuan ({r})"),
            ));
        }
        Ok(())
    }
}

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
