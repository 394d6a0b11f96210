//! Registry facts: the [`RegistryFacts`] seam through which the crate reads what the
//! cultivation registry knows of a firm in a year (tier, age, size, R&D, debt, credit record).
//!
//! The orchestration layer implements it over registry-model's store and annual reports;
//! [`MemoryFacts`] holds profiles in memory (a bank's own files, tests). A fact the registry
//! does not have is `None`, never zero: the credit model treats it as missing and says so.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use registry_model::{EnterpriseId, Money, Tier, Year};

use crate::csvio::read_rows;
use crate::error::{FinanceError, Result, invalid};

/// Most profiles one CSV or one [`MemoryFacts`] may hold.
pub const PROFILES_MAX: usize = 10_000_000;

/// Longest sector code, in characters.
pub const SECTOR_LEN_MAX: usize = 16;

/// What the registry knows of a firm for one statistical year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmProfile {
    /// The firm.
    pub firm: EnterpriseId,
    /// The statistical year the facts describe.
    pub year: Year,
    /// Date of registration.
    pub founded: Option<NaiveDate>,
    /// Cultivation tier this year; `None` when the firm holds no tier.
    pub tier: Option<Tier>,
    /// Industry: a class of 《数字经济及其核心产业统计分类（2021）》 ("0301") or a GB/T 4754
    /// code; matched by prefix.
    pub sector: Option<String>,
    /// Employees at year end.
    pub staff: Option<u32>,
    /// Operating revenue in the year.
    pub revenue_yuan: Option<Money>,
    /// Operating revenue in the year before.
    pub revenue_prior_yuan: Option<Money>,
    /// R&D expenditure in the year.
    pub rd_spend_yuan: Option<Money>,
    /// Liabilities ÷ assets at year end.
    pub debt_ratio: Option<Decimal>,
    /// A bad credit record (失信) in the last three years.
    pub bad_credit_3y: Option<bool>,
}

impl FirmProfile {
    /// A profile with only the firm and year known.
    pub fn new(firm: EnterpriseId, year: Year) -> Self {
        Self {
            firm,
            year,
            founded: None,
            tier: None,
            sector: None,
            staff: None,
            revenue_yuan: None,
            revenue_prior_yuan: None,
            rd_spend_yuan: None,
            debt_ratio: None,
            bad_credit_3y: None,
        }
    }

    /// Whole years from founding to the end of the profile's year.
    pub fn age_years(&self) -> Option<i64> {
        let f = self.founded?;
        let end = NaiveDate::from_ymd_opt(self.year, 12, 31)?;
        let mut age = i64::from(end.year()) - i64::from(f.year());
        if (end.month(), end.day()) < (f.month(), f.day()) {
            age -= 1;
        }
        Some(age)
    }

    /// Checks every fact's range.
    pub fn check(&self) -> Result<()> {
        let record = format!("profile {} {}", self.firm, self.year);
        if !(registry_model::report::YEAR_MIN..=registry_model::report::YEAR_MAX)
            .contains(&self.year)
        {
            return Err(invalid(&record, "year", self.year, "out of range"));
        }
        if let Some(f) = self.founded {
            if f.year() > self.year {
                return Err(invalid(&record, "founded", f, "after the profile's year"));
            }
        }
        for (field, m) in [
            ("revenue_yuan", self.revenue_yuan),
            ("revenue_prior_yuan", self.revenue_prior_yuan),
            ("rd_spend_yuan", self.rd_spend_yuan),
        ] {
            if let Some(m) = m {
                if m.fen() < 0 {
                    return Err(invalid(&record, field, m, "must not be negative"));
                }
            }
        }
        if let Some(r) = self.debt_ratio {
            if r.is_sign_negative() || r > Decimal::TEN {
                return Err(invalid(&record, "debt_ratio", r, "must be in [0, 10]"));
            }
        }
        if let Some(s) = &self.sector {
            let n = s.chars().count();
            if n == 0 || n > SECTOR_LEN_MAX || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(
                    &record,
                    "sector",
                    s,
                    format!("must be 1 to {SECTOR_LEN_MAX} ASCII letters or digits"),
                ));
            }
        }
        Ok(())
    }
}

/// Reads registry facts. Implemented over registry-model in the orchestration layer, and by
/// [`MemoryFacts`] here.
pub trait RegistryFacts {
    /// The firm's profile for `year`, or `None` when the registry does not know the firm.
    fn profile(&self, firm: &EnterpriseId, year: Year) -> Result<Option<FirmProfile>>;
}

/// Profiles held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryFacts {
    profiles: BTreeMap<(EnterpriseId, Year), FirmProfile>,
}

/// A tier key, or an empty field / `none` for a firm without a tier.
fn tier_or_none(text: &str) -> std::result::Result<Option<Tier>, String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        t.parse()
            .map(Some)
            .map_err(|e: registry_model::TierParseError| e.to_string())
    }
}

impl MemoryFacts {
    /// No profiles.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds profiles, all or nothing; a firm-year given twice is refused.
    pub fn add(&mut self, profiles: Vec<FirmProfile>) -> Result<()> {
        if self.profiles.len().saturating_add(profiles.len()) > PROFILES_MAX {
            return Err(FinanceError::TooMany {
                what: "firm profiles",
                count: self.profiles.len().saturating_add(profiles.len()),
                max: PROFILES_MAX,
            });
        }
        let mut keys = std::collections::BTreeSet::new();
        for p in &profiles {
            p.check()?;
            if self.profiles.contains_key(&(p.firm, p.year)) || !keys.insert((p.firm, p.year)) {
                return Err(FinanceError::Exists {
                    what: "firm profile",
                    key: format!("{} {}", p.firm, p.year),
                });
            }
        }
        for p in profiles {
            self.profiles.insert((p.firm, p.year), p);
        }
        Ok(())
    }

    /// Reads a CSV table with the header
    /// `uscc,year,founded,tier,sector,staff,revenue_yuan,revenue_prior_yuan,rd_spend_yuan,debt_ratio,bad_credit_3y`
    /// (empty field: unknown; `tier` empty or `none`: no tier), all or nothing.
    pub fn read_csv(&mut self, reader: impl Read, source_name: &str) -> Result<usize> {
        let out = read_rows(reader, source_name, "profile rows", PROFILES_MAX, |r| {
            let tier_text = r.text("tier")?;
            let p = FirmProfile {
                firm: r.get("uscc")?,
                year: r.get("year")?,
                founded: r.opt("founded")?,
                tier: tier_or_none(tier_text).map_err(|e| r.error("tier", tier_text, e))?,
                sector: r.opt("sector")?,
                staff: r.opt("staff")?,
                revenue_yuan: r.opt("revenue_yuan")?,
                revenue_prior_yuan: r.opt("revenue_prior_yuan")?,
                rd_spend_yuan: r.opt("rd_spend_yuan")?,
                debt_ratio: r.opt("debt_ratio")?,
                bad_credit_3y: r.opt("bad_credit_3y")?,
            };
            p.check().map_err(|e| match e {
                FinanceError::Invalid {
                    field,
                    value,
                    reason,
                    ..
                } => r.error(&field, &value, reason),
                other => other,
            })?;
            Ok(p)
        })?;
        let n = out.len();
        self.add(out)?;
        Ok(n)
    }

    /// Every profile, in (firm, year) order.
    pub fn iter(&self) -> impl Iterator<Item = &FirmProfile> {
        self.profiles.values()
    }

    /// Profiles held.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// True when no profile is held.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

impl RegistryFacts for MemoryFacts {
    fn profile(&self, firm: &EnterpriseId, year: Year) -> Result<Option<FirmProfile>> {
        Ok(self.profiles.get(&(*firm, year)).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_profiles() {
        let csv = "uscc,year,founded,tier,sector,staff,revenue_yuan,revenue_prior_yuan,rd_spend_yuan,debt_ratio,bad_credit_3y\n\
            91330101589882738D,2025,2019-03-01,growth,0301,120,50000000,40000000,4000000,0.35,false\n\
            91310110666007217T,2025,,none,,,,,,,\n";
        let mut f = MemoryFacts::new();
        assert_eq!(f.read_csv(csv.as_bytes(), "firms.csv").unwrap(), 2);
        let id: EnterpriseId = "91330101589882738D".parse().unwrap();
        let p = f.profile(&id, 2025).unwrap().unwrap();
        assert_eq!(p.tier, Some(Tier::Growth));
        assert_eq!(p.age_years(), Some(6));
        let q = f
            .profile(&"91310110666007217T".parse().unwrap(), 2025)
            .unwrap()
            .unwrap();
        assert_eq!(q.tier, None);
        assert_eq!(q.revenue_yuan, None);
        assert!(f.profile(&id, 2024).unwrap().is_none());
        let bad = "uscc,year,founded,tier,sector,staff,revenue_yuan,revenue_prior_yuan,rd_spend_yuan,debt_ratio,bad_credit_3y\n\
            91110000600037341L,2025,,,,,,,,-0.1,\n";
        let e = f
            .read_csv(bad.as_bytes(), "bad.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("bad.csv:2: field 'debt_ratio' = '-0.1'"),
            "{e}"
        );
        assert_eq!(f.len(), 2);
    }
}
