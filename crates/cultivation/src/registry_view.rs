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
//!   year before's revenue. The registry holds no sector and no credit record, so both stay
//!   unknown (`None`) and finance's decision says what it is missing.
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
