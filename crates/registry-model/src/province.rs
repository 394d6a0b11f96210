//! Registry statistics by province and year: the totals of the firms' annual reports and the
//! number of firms holding a tier, as inputs of a regional index (the cultivation cycle's
//! cohort index chains them with index-engine).
//!
//! A ratio is taken only over firms that report both of its parts, so a missing fact never
//! reads as zero: R&D intensity over firms that report revenue and R&D spending, the
//! tech-staff share over firms that report staff and tech staff.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::EnterpriseId;
use crate::report::AnnualReport;
use crate::store::RegistryStore;
use crate::tier::Year;

/// The unit name of firms whose division code names no province.
pub const UNKNOWN_PROVINCE: &str = "unknown";

/// The totals of one province's annual reports for one year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProvinceYear {
    /// The province's English name ([`UNKNOWN_PROVINCE`] when the code names none).
    pub province: String,
    /// The statistical year.
    pub year: Year,
    /// Firms that filed a report.
    pub reporting_firms: u64,
    /// Σ revenue of the firms that report both revenue and R&D spending, yuan.
    pub revenue_yuan: Decimal,
    /// Σ R&D spending of the same firms, yuan.
    pub rd_spend_yuan: Decimal,
    /// Σ high-tech revenue of the firms that report it and their revenue, yuan.
    pub high_tech_revenue_yuan: Decimal,
    /// Σ staff of the firms that report both staff and tech staff.
    pub staff: u64,
    /// Σ tech staff of the same firms.
    pub tech_staff: u64,
    /// Σ class-I intellectual property (a missing count adds nothing).
    pub ip_class1: u64,
}

impl ProvinceYear {
    /// R&D spending ÷ revenue in percent; `None` without revenue.
    pub fn rd_intensity_pct(&self) -> Option<f64> {
        (self.revenue_yuan > Decimal::ZERO)
            .then(|| 100.0 * to_f64(self.rd_spend_yuan) / to_f64(self.revenue_yuan))
    }

    /// High-tech revenue ÷ revenue in percent; `None` without revenue.
    pub fn high_tech_revenue_share_pct(&self) -> Option<f64> {
        (self.revenue_yuan > Decimal::ZERO)
            .then(|| 100.0 * to_f64(self.high_tech_revenue_yuan) / to_f64(self.revenue_yuan))
    }

    /// Revenue in units of 100 million yuan (亿元); `None` without revenue.
    pub fn revenue_100m_yuan(&self) -> Option<f64> {
        (self.revenue_yuan > Decimal::ZERO).then(|| to_f64(self.revenue_yuan) / 1e8)
    }

    /// Tech staff ÷ staff in percent; `None` without staff.
    pub fn tech_staff_share_pct(&self) -> Option<f64> {
        (self.staff > 0).then(|| 100.0 * self.tech_staff as f64 / self.staff as f64)
    }
}

/// Index inputs are statistics, so f64 is right here; money stays exact until this point.
fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Firms holding a tier after one year's adjustment, in one province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvinceTiered {
    /// The province's English name.
    pub province: String,
    /// The adjusted year.
    pub year: Year,
    /// Firms with a tier.
    pub firms: u64,
}

/// The registry by province: report totals per province and year, tiered firms per province
/// and adjusted year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProvinceTotals {
    /// Report totals, ordered by province then year.
    pub reports: Vec<ProvinceYear>,
    /// Tiered firms, ordered by province then year.
    pub tiered: Vec<ProvinceTiered>,
    /// The first year with a report (`None` when there is none).
    pub first_year: Option<Year>,
}

/// The province a firm's code places it in, by English name.
pub fn province_of(id: &EnterpriseId) -> &'static str {
    id.region().province_name_en().unwrap_or(UNKNOWN_PROVINCE)
}

/// Adds up `reports` by province and year (see the module documentation for which firms
/// each total covers).
pub fn report_totals(reports: &[AnnualReport]) -> Vec<ProvinceYear> {
    let mut agg: BTreeMap<(&'static str, Year), ProvinceYear> = BTreeMap::new();
    for r in reports {
        let a = agg
            .entry((province_of(&r.id), r.year))
            .or_insert_with(|| ProvinceYear {
                province: province_of(&r.id).to_string(),
                year: r.year,
                ..ProvinceYear::default()
            });
        a.reporting_firms += 1;
        if let (Some(rev), Some(rd)) = (r.revenue_yuan, r.rd_spend_yuan) {
            a.revenue_yuan += rev.yuan();
            a.rd_spend_yuan += rd.yuan();
        }
        if let (Some(s), Some(t)) = (r.staff, r.tech_staff) {
            a.staff += u64::from(s);
            a.tech_staff += u64::from(t);
        }
        if let (Some(_), Some(h)) = (r.revenue_yuan, r.high_tech_revenue_yuan) {
            a.high_tech_revenue_yuan += h.yuan();
        }
        a.ip_class1 += u64::from(r.ip_class1.unwrap_or(0));
    }
    agg.into_values().collect()
}

/// The registry's reports of `first..=last` by province and year, and its tiered firms by
/// province for every adjusted year.
///
/// ```
/// use registry_model::cohort::{CohortSpec, generate_cohort};
/// use registry_model::{CriteriaBook, MemoryStore, RegistryStore, RulePolicy};
/// use registry_model::province::province_totals;
///
/// let (firms, reports) = generate_cohort(&CohortSpec { count: 80, first_year: 2021, last_year: 2024, seed: 5 })?;
/// let mut store = MemoryStore::new();
/// store.insert(&firms, &reports)?;
/// store.adjust(2024, CriteriaBook::embedded()?.for_year(2024)?, &RulePolicy::default_policy()?)?;
/// let totals = province_totals(&store, 2021, 2024)?;
/// let filed: u64 = totals.reports.iter().map(|p| p.reporting_firms).sum();
/// assert_eq!(filed as usize, reports.len());
/// assert_eq!(totals.first_year, Some(2021));
/// let tiered: u64 = totals.tiered.iter().map(|t| t.firms).sum();
/// assert_eq!(tiered, store.adjustment(2024)?.unwrap().entries.iter().filter(|e| e.to.is_some()).count() as u64);
/// # Ok::<(), registry_model::RegistryError>(())
/// ```
pub fn province_totals<S: RegistryStore + ?Sized>(
    store: &S,
    first: Year,
    last: Year,
) -> Result<ProvinceTotals> {
    let reports = store.reports_between(first, last)?;
    let first_year = reports.iter().map(|r| r.year).min();
    let mut tiered: BTreeMap<(&'static str, Year), u64> = BTreeMap::new();
    for y in store.adjusted_years()? {
        if let Some(adj) = store.adjustment(y)? {
            for e in adj.entries.iter().filter(|e| e.to.is_some()) {
                *tiered.entry((province_of(&e.id), y)).or_default() += 1;
            }
        }
    }
    Ok(ProvinceTotals {
        reports: report_totals(&reports),
        tiered: tiered
            .into_iter()
            .map(|((province, year), firms)| ProvinceTiered {
                province: province.to_string(),
                year,
                firms,
            })
            .collect(),
        first_year,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use rust_decimal_macros::dec;

    fn report(first17: &str, year: Year) -> AnnualReport {
        AnnualReport::new(
            EnterpriseId::from_first17(first17).expect("valid code"),
            year,
        )
    }

    #[test]
    fn ratios_cover_only_firms_that_report_both_parts() {
        // Two Shanghai firms: one reports revenue and R&D, the other only revenue (its
        // revenue must not dilute the intensity).
        let mut a = report("91310110000000001", 2024);
        a.revenue_yuan = Some(Money::from_yuan(dec!(1000)).unwrap());
        a.rd_spend_yuan = Some(Money::from_yuan(dec!(50)).unwrap());
        a.staff = Some(10);
        a.tech_staff = Some(4);
        a.ip_class1 = Some(2);
        let mut b = report("91310110000000002", 2024);
        b.revenue_yuan = Some(Money::from_yuan(dec!(9000)).unwrap());
        b.staff = Some(90);
        let totals = report_totals(&[a, b]);
        assert_eq!(totals.len(), 1);
        let t = &totals[0];
        assert_eq!(t.province, "Shanghai");
        assert_eq!(t.reporting_firms, 2);
        assert_eq!(t.revenue_yuan, dec!(1000));
        assert_eq!(t.rd_intensity_pct(), Some(5.0));
        assert_eq!(t.tech_staff_share_pct(), Some(40.0));
        assert_eq!(t.high_tech_revenue_share_pct(), Some(0.0));
        assert_eq!(t.revenue_100m_yuan(), Some(1e-5));
        assert_eq!(t.ip_class1, 2);
    }

    #[test]
    fn no_revenue_no_ratio() {
        let t = &report_totals(&[report("91310110000000001", 2024)])[0];
        assert_eq!(t.rd_intensity_pct(), None);
        assert_eq!(t.revenue_100m_yuan(), None);
        assert_eq!(t.tech_staff_share_pct(), None);
    }
}
