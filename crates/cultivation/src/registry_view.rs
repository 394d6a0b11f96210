//! The cultivation registry as the facts finance and scenario-market ask for:
//! finance's [`RegistryFacts`] (a firm-year's profile) and [`GrowthCriteria`] (gazelle and
//! unicorn under the year's criteria set), and scenario-market's [`FirmDirectory`] (a
//! firm's tier and size class in a year), all read from a [`RegistryStore`].
//!
//! - **In the registry in a year**: when the year was adjusted, the firms of its change log;
//!   before the year's adjustment, every stored firm registered by the year's end, without a
//!   tier.
//! - **Tier**: the year's adjustment's decision.
//! - **Profile**: founding date, the year's report (staff, revenue, R&D, debt ratio) and the
//!   year before's revenue. The registry holds no sector, which stays unknown (`None`) and
//!   finance's decision says it is missing.
//! - **Credit record** (失信 in three years, [`bad_credit_3y`]): the registry's only credit
//!   fact is the reports' count of major safety, quality or environmental incidents, and a
//!   major incident is what lists a firm as seriously untrustworthy (安全生产严重失信主体名单
//!   管理办法, 应急管理部令第11号, 2023: 发生重大及以上生产安全责任事故). So: bad when a report
//!   of the three years to the profile's year counts one; clean when every one of those years
//!   (since founding) has a report that counts none; unknown otherwise. Court, tax and
//!   financial records are not in the registry: a clean record here means only "no major
//!   incident reported".
//! - **Size class**: from the firm's latest report up to the year, by 中小企业划型标准规定
//!   (工信部联企业〔2011〕300号), row 软件和信息技术服务业 (the row of the digital economy's
//!   core industries): large = staff ≥ 300 and revenue ≥ ¥100M; medium = staff ≥ 100 and
//!   revenue ≥ ¥10M; small = staff ≥ 10 and revenue ≥ ¥0.5M; micro = staff < 10 or revenue
//!   < ¥0.5M. With staff or revenue unknown the class is unknown, unless the known figure
//!   alone makes the firm micro.
//! - **Gazelle** = the `gazelle` (OECD) or the `zone_gazelle` criterion, in Kleene logic (met
//!   if either is met, not met if both are not, else cannot tell); **unicorn** = `unicorn`.
//!
//! Standings are read once per year and kept (a view is for one run of a step).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use chrono::Datelike;
use finance::statevc::{GrowthCriteria, GrowthStatus};
use finance::{FinanceError, FirmProfile, RegistryFacts};
use registry_model::{
    AnnualReport, CriteriaBook, CriterionKind, EnterpriseId, Evidence, Outcome, RegistryError,
    RegistryStore, Tier, Year,
};
use scenario_market::{DirectoryFault, FirmDirectory, FirmSize, Standing};

/// Staff of a large firm at least (software and IT services row).
pub const LARGE_STAFF_MIN: u32 = 300;
/// Revenue of a large firm at least, fen (¥100M).
pub const LARGE_REVENUE_FEN_MIN: i64 = 10_000_000_000;
/// Staff of a medium firm at least.
pub const MEDIUM_STAFF_MIN: u32 = 100;
/// Revenue of a medium firm at least, fen (¥10M).
pub const MEDIUM_REVENUE_FEN_MIN: i64 = 1_000_000_000;
/// Staff of a small firm at least.
pub const SMALL_STAFF_MIN: u32 = 10;
/// Revenue of a small firm at least, fen (¥0.5M).
pub const SMALL_REVENUE_FEN_MIN: i64 = 50_000_000;

/// A firm's size class from staff and revenue (fen), by the rule in the module documentation.
pub fn size_class(staff: Option<u32>, revenue_fen: Option<i64>) -> Option<FirmSize> {
    match (staff, revenue_fen) {
        (Some(s), Some(r)) => Some(if s >= LARGE_STAFF_MIN && r >= LARGE_REVENUE_FEN_MIN {
            FirmSize::Large
        } else if s >= MEDIUM_STAFF_MIN && r >= MEDIUM_REVENUE_FEN_MIN {
            FirmSize::Medium
        } else if s >= SMALL_STAFF_MIN && r >= SMALL_REVENUE_FEN_MIN {
            FirmSize::Small
        } else {
            FirmSize::Micro
        }),
        (Some(s), None) if s < SMALL_STAFF_MIN => Some(FirmSize::Micro),
        (None, Some(r)) if r < SMALL_REVENUE_FEN_MIN => Some(FirmSize::Micro),
        _ => None,
    }
}

/// Years of the credit record's look-back, the profile's year included (finance's good-credit
/// rule: no bad record in three years).
pub const CREDIT_LOOK_BACK_YEARS: Year = 3;

/// The credit record the reports tell for `year` (rule in the module documentation): `Some(true)`
/// when a report of the look-back counts a major incident, `Some(false)` when every year of it
/// since `founded_year` has a report counting none, `None` otherwise.
pub fn bad_credit_3y<'r>(
    founded_year: Year,
    reports: impl IntoIterator<Item = &'r AnnualReport>,
    year: Year,
) -> Option<bool> {
    let from = (year - CREDIT_LOOK_BACK_YEARS + 1).max(founded_year);
    if from > year {
        return None;
    }
    let mut counted = BTreeMap::new();
    for r in reports {
        if (from..=year).contains(&r.year)
            && let Some(n) = r.major_incidents
        {
            counted.insert(r.year, n);
        }
    }
    if counted.values().any(|&n| n > 0) {
        Some(true)
    } else if (from..=year).all(|y| counted.contains_key(&y)) {
        Some(false)
    } else {
        None
    }
}

type Standings = Rc<HashMap<EnterpriseId, Option<Tier>>>;

/// The registry, seen by finance and the market.
pub struct RegistryView<'a> {
    store: &'a dyn RegistryStore,
    criteria: CriteriaBook,
    standings: RefCell<BTreeMap<Year, Option<Standings>>>,
}

impl<'a> RegistryView<'a> {
    /// A view of `store` under the embedded criteria book.
    pub fn new(store: &'a dyn RegistryStore) -> Result<Self, RegistryError> {
        Ok(Self {
            store,
            criteria: CriteriaBook::embedded()?,
            standings: RefCell::new(BTreeMap::new()),
        })
    }

    /// The year's tiers when the year was adjusted.
    fn standings(&self, year: Year) -> Result<Option<Standings>, RegistryError> {
        if let Some(s) = self.standings.borrow().get(&year) {
            return Ok(s.clone());
        }
        let s = self.store.adjustment(year)?.map(|a| {
            Rc::new(
                a.entries
                    .iter()
                    .map(|e| (e.id, e.standing().tier))
                    .collect::<HashMap<_, _>>(),
            )
        });
        self.standings.borrow_mut().insert(year, s.clone());
        Ok(s)
    }

    /// `Some(tier)` when the firm is in the registry in `year` (the tier itself may be
    /// `None`), `None` when it is not.
    pub fn tier(
        &self,
        firm: &EnterpriseId,
        year: Year,
    ) -> Result<Option<Option<Tier>>, RegistryError> {
        if let Some(s) = self.standings(year)? {
            return Ok(s.get(firm).copied());
        }
        Ok(self
            .store
            .firm(firm)?
            .filter(|f| i64::from(f.founded.year()) <= i64::from(year))
            .map(|_| None))
    }

    fn reports(&self, firm: &EnterpriseId) -> Result<Vec<AnnualReport>, RegistryError> {
        self.store.reports_of(firm)
    }
}

fn source(what: &'static str, e: registry_model::RegistryError) -> FinanceError {
    FinanceError::Source {
        what,
        message: e.to_string(),
    }
}

impl RegistryFacts for RegistryView<'_> {
    fn profile(&self, firm: &EnterpriseId, year: Year) -> finance::Result<Option<FirmProfile>> {
        let what = "registry facts";
        let Some(f) = self.store.firm(firm).map_err(|e| source(what, e))? else {
            return Ok(None);
        };
        let reports = self.reports(firm).map_err(|e| source(what, e))?;
        let this = reports.iter().find(|r| r.year == year);
        let prior = reports
            .iter()
            .find(|r| i64::from(r.year) + 1 == i64::from(year));
        let mut p = FirmProfile::new(*firm, year);
        p.founded = Some(f.founded);
        p.tier = self
            .tier(firm, year)
            .map_err(|e| source(what, e))?
            .flatten();
        if let Some(r) = this {
            p.staff = r.staff;
            p.revenue_yuan = r.revenue_yuan;
            p.rd_spend_yuan = r.rd_spend_yuan;
            p.debt_ratio = r.debt_ratio;
        }
        p.revenue_prior_yuan = prior.and_then(|r| r.revenue_yuan);
        p.bad_credit_3y = bad_credit_3y(f.founded.year(), &reports, year);
        Ok(Some(p))
    }
}

impl GrowthCriteria for RegistryView<'_> {
    fn status(&self, firm: &EnterpriseId, year: Year) -> finance::Result<GrowthStatus> {
        let what = "growth criteria";
        let unknown = GrowthStatus {
            gazelle: Outcome::CannotTell,
            unicorn: Outcome::CannotTell,
        };
        let Some(f) = self.store.firm(firm).map_err(|e| source(what, e))? else {
            return Ok(unknown);
        };
        let reports = self.reports(firm).map_err(|e| source(what, e))?;
        let set = self.criteria.for_year(year).map_err(|e| source(what, e))?;
        let ev = Evidence::from_refs(&f, year, reports.iter());
        let outcome = |k| set.evaluate_one(k, &ev).outcome;
        Ok(GrowthStatus {
            gazelle: outcome(CriterionKind::Gazelle).or(outcome(CriterionKind::ZoneGazelle)),
            unicorn: outcome(CriterionKind::Unicorn),
        })
    }
}

impl FirmDirectory for RegistryView<'_> {
    fn standing(
        &self,
        firm: &EnterpriseId,
        year: Year,
    ) -> Result<Option<Standing>, DirectoryFault> {
        let fault = |e: registry_model::RegistryError| DirectoryFault {
            reason: e.to_string(),
        };
        let Some(tier) = self.tier(firm, year).map_err(fault)? else {
            return Ok(None);
        };
        let latest = self
            .reports(firm)
            .map_err(fault)?
            .into_iter()
            .filter(|r| r.year <= year)
            .max_by_key(|r| r.year);
        let size = latest.and_then(|r| size_class(r.staff, r.revenue_yuan.map(|m| m.fen())));
        Ok(Some(Standing { tier, size }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(year: Year, incidents: Option<u32>) -> AnnualReport {
        let id: EnterpriseId = "91110105001287293M".parse().unwrap();
        let mut r = AnnualReport::new(id, year);
        r.major_incidents = incidents;
        r
    }

    #[test]
    fn the_credit_record_is_told_only_by_three_reported_years() {
        let clean = [
            report(2023, Some(0)),
            report(2024, Some(0)),
            report(2025, Some(0)),
        ];
        assert_eq!(bad_credit_3y(2010, &clean, 2025), Some(false));
        // An incident in any of the three years is a bad record; one before them is not.
        let mut r = clean.clone();
        r[0].major_incidents = Some(1);
        assert_eq!(bad_credit_3y(2010, &r, 2025), Some(true));
        assert_eq!(
            bad_credit_3y(2010, &r, 2026),
            None,
            "2026 itself is not reported"
        );
        let old = [
            report(2022, Some(2)),
            report(2023, Some(0)),
            report(2024, Some(0)),
        ];
        assert_eq!(bad_credit_3y(2010, &old, 2025), None, "2025 missing");
        assert_eq!(
            bad_credit_3y(
                2010,
                &[old[1].clone(), old[2].clone(), clean[2].clone()],
                2025
            ),
            Some(false)
        );
        // A year without the count, or without a report, leaves the record unknown ...
        let mut r = clean.clone();
        r[1].major_incidents = None;
        assert_eq!(bad_credit_3y(2010, &r, 2025), None);
        assert_eq!(bad_credit_3y(2010, &clean[1..], 2025), None);
        // ... unless the firm did not exist yet; a firm founded after the year has none.
        assert_eq!(bad_credit_3y(2024, &clean[1..], 2025), Some(false));
        assert_eq!(bad_credit_3y(2026, &clean, 2025), None);
    }

    #[test]
    fn size_classes_by_the_software_row() {
        // Bars by hand from the 2011 rules' software and IT services row.
        assert_eq!(
            size_class(Some(300), Some(10_000_000_000)),
            Some(FirmSize::Large)
        );
        assert_eq!(
            size_class(Some(300), Some(9_999_999_999)),
            Some(FirmSize::Medium)
        );
        assert_eq!(
            size_class(Some(99), Some(10_000_000_000)),
            Some(FirmSize::Small)
        );
        assert_eq!(
            size_class(Some(10), Some(50_000_000)),
            Some(FirmSize::Small)
        );
        assert_eq!(
            size_class(Some(9), Some(10_000_000_000)),
            Some(FirmSize::Micro)
        );
        assert_eq!(size_class(Some(9), None), Some(FirmSize::Micro));
        assert_eq!(size_class(None, Some(49_999_999)), Some(FirmSize::Micro));
        assert_eq!(size_class(Some(10), None), None);
        assert_eq!(size_class(None, None), None);
    }
}
