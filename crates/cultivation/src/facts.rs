//! Registry profiles as rule facts: the adapter between registry-model and sandbox-rules
//! ([`sandbox_rules::Facts`] is the seam; a [`FactMap`] per firm is what it reads).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registry_model::{
    AnnualReport, CriteriaBook, CriterionKind, Enterprise, EnterpriseId, LOOK_BACK_YEARS, Outcome,
    RegistryStore, Tier, Year,
};
use rust_decimal::Decimal;
use sandbox_rules::{FactMap, Value};

use crate::error::Result;

/// A registry firm's facts for the benefit rules on `date`: tier (`none` when the firm
/// holds no tier), province, region, revenue_yuan, rd_spend_yuan, rd_ratio, staff,
/// tech_staff_share, high_tech (the high-tech criterion's verdict, left unknown when it
/// cannot tell), age_years, listed. A fact the report does not give is left out, so rules
/// list it as missing.
pub fn firm_facts(
    firm: &Enterprise,
    report: Option<&AnnualReport>,
    tier: Option<Tier>,
    high_tech: Option<bool>,
    date: NaiveDate,
) -> FactMap {
    let mut f = FactMap::new();
    f.insert("tier", tier.map(Tier::key).unwrap_or("none"));
    let region = firm.region();
    f.insert("province", region.province_code());
    f.insert("region", region.as_str());
    f.insert("age_years", firm.age_years_on(date));
    if let Some(h) = high_tech {
        f.insert("high_tech", h);
    }
    if let Some(r) = report {
        let revenue = r.revenue_yuan.map(|m| m.yuan());
        let rd = r.rd_spend_yuan.map(|m| m.yuan());
        if let Some(v) = revenue {
            f.insert("revenue_yuan", Value::Money(v));
        }
        if let Some(v) = rd {
            f.insert("rd_spend_yuan", Value::Money(v));
        }
        if let (Some(rev), Some(rd)) = (revenue, rd)
            && rev > Decimal::ZERO
            && let Some(ratio) = rd.checked_div(rev)
        {
            f.insert("rd_ratio", Value::Percent(ratio));
        }
        if let Some(s) = r.staff {
            f.insert("staff", i64::from(s));
            if let (Some(t), true) = (r.tech_staff, s > 0) {
                f.insert(
                    "tech_staff_share",
                    Value::Percent(Decimal::from(t) / Decimal::from(s)),
                );
            }
        }
        if let Some(l) = r.listed {
            f.insert("listed", l);
        }
    }
    f
}

/// Every registry firm's facts for the benefit rules of `year` on `date`, sorted by id.
/// High-tech status is the verdict of the high-tech criterion of the year's criteria set
/// (unknown when it cannot tell); tiers are those after the year's adjustment. When the year
/// is adjusted, its change log adds the class and stage (分类): `stage` (rnd, growth,
/// mature), `digital_class` (01–05 of the firm's industry code) and `data_value_innovator`;
/// each is left out (unknown) where the change log does not tell.
pub fn registry_subjects(
    store: &dyn RegistryStore,
    firms: &[Enterprise],
    year: Year,
    date: NaiveDate,
) -> Result<Vec<(String, FactMap)>> {
    let reports = store.reports_between(year - LOOK_BACK_YEARS, year)?;
    let standings = store.standings(year)?;
    let adjustment = store.adjustment(year)?;
    let entries: BTreeMap<EnterpriseId, &registry_model::ChangeEntry> = adjustment
        .iter()
        .flat_map(|a| a.entries.iter().map(|e| (e.id, e)))
        .collect();
    let book = CriteriaBook::embedded()?;
    let criteria = book.for_year(year)?;
    let mut by_firm: BTreeMap<EnterpriseId, Vec<&AnnualReport>> = BTreeMap::new();
    for r in &reports {
        by_firm.entry(r.id).or_default().push(r);
    }
    let mut subjects: Vec<(String, FactMap)> = Vec::with_capacity(firms.len());
    for firm in firms {
        let theirs = by_firm.get(&firm.id).cloned().unwrap_or_default();
        let report = theirs.iter().copied().find(|r| r.year == year);
        let ev = registry_model::Evidence::from_refs(firm, year, theirs.iter().copied());
        let high_tech = match criteria
            .evaluate_one(CriterionKind::HighTechEnterprise, &ev)
            .outcome
        {
            Outcome::Met => Some(true),
            Outcome::NotMet => Some(false),
            Outcome::CannotTell => None,
        };
        let tier = standings.get(&firm.id).and_then(|s| s.tier);
        let mut facts = firm_facts(firm, report, tier, high_tech, date);
        if let Some(e) = entries.get(&firm.id) {
            if let Some(stage) = e.stage {
                facts.insert("stage", stage.key());
            }
            if let Some(c) = e.class.digital {
                facts.insert("digital_class", c.key());
            }
            // The class's innovation types come from the year's report: without it, unknown.
            if report.is_some() {
                let data_value = e
                    .class
                    .innovation
                    .contains(&registry_model::InnovationType::DataValue);
                facts.insert("data_value_innovator", data_value);
            }
        }
        subjects.push((firm.id.to_string(), facts));
    }
    subjects.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(subjects)
}
