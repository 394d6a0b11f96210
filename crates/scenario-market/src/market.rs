//! [`Market`]: a validated set of scenarios, offers and firm capacities, with the data plane
//! the matcher searches (built once, here).

use std::collections::BTreeMap;

use registry_model::{EnterpriseId, Year};

use crate::directory::{FirmDirectory, Standing};
use crate::error::{MarketError, Result};
use crate::index::{OfferIndex, ScenarioRow, tier_code};
use crate::key::Key;
use crate::offer::Offer;
use crate::scenario::Scenario;

/// Most scenarios in one market (the bench's 10,000 with room to spare).
pub const SCENARIOS_MAX: usize = 100_000;
/// Most offers in one market. Memory is about 200 bytes per offer plus 8 per tag in the data
/// plane, so the limit bounds a market near 300 MB.
pub const OFFERS_MAX: usize = 1_000_000;
/// Most scenarios one firm may take at once.
pub const FIRM_CAPACITY_MAX: u32 = 1_000;

/// Scenarios, offers and the firms behind the offers, validated together.
///
/// Scenarios and offers are kept sorted by id, firms by USCC; the indices used by
/// [`crate::Candidates`] and [`crate::Assignment`] are positions in these lists.
#[derive(Debug, Clone)]
pub struct Market {
    scenarios: Vec<Scenario>,
    offers: Vec<Offer>,
    firms: Vec<EnterpriseId>,
    firm_capacity: Vec<Option<u32>>,
    firm_standing: Vec<Option<Standing>>,
    directory_year: Option<Year>,
    pub(crate) index: OfferIndex,
    pub(crate) rows: Vec<ScenarioRow>,
}

impl Market {
    /// Validates and indexes a market. `capacities` sets how many scenarios a firm may take at
    /// once; firms not listed take the matcher's default. Every record is checked (the error
    /// names the record, field and value); ids must be unique; a capacity must name a firm
    /// that has an offer.
    ///
    /// ```
    /// use scenario_market::Market;
    /// let m = Market::new(vec![], vec![], vec![]).unwrap();
    /// assert!(m.scenarios().is_empty());
    /// ```
    pub fn new(
        scenarios: Vec<Scenario>,
        offers: Vec<Offer>,
        capacities: Vec<(EnterpriseId, u32)>,
    ) -> Result<Self> {
        limit("scenarios", scenarios.len(), SCENARIOS_MAX)?;
        limit("offers", offers.len(), OFFERS_MAX)?;
        let mut scenarios = scenarios
            .into_iter()
            .map(|s| {
                let id = s.id.to_string();
                s.normalise().map_err(|e| e.of("scenario", &id))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut offers = offers
            .into_iter()
            .map(|o| {
                let id = o.id.to_string();
                o.normalise().map_err(|e| e.of("offer", &id))
            })
            .collect::<Result<Vec<_>>>()?;
        scenarios.sort_by(|a, b| a.id.cmp(&b.id));
        offers.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(w) = scenarios.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(duplicate("scenario", &w[0].id));
        }
        if let Some(w) = offers.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(duplicate("offer", &w[0].id));
        }
        let mut firms: Vec<EnterpriseId> = offers.iter().map(|o| o.firm).collect();
        firms.sort();
        firms.dedup();
        let mut firm_capacity = vec![None; firms.len()];
        let mut seen = BTreeMap::new();
        for (firm, cap) in capacities {
            if seen.insert(firm, cap).is_some() {
                return Err(MarketError::Duplicate {
                    what: "capacity of firm",
                    key: firm.to_string(),
                    detail: String::new(),
                });
            }
            let Ok(i) = firms.binary_search(&firm) else {
                return Err(MarketError::Invalid {
                    what: "capacity",
                    id: firm.to_string(),
                    field: "firm".into(),
                    value: firm.to_string(),
                    reason: "the firm has no offer in this market".into(),
                });
            };
            if cap == 0 || cap > FIRM_CAPACITY_MAX {
                return Err(MarketError::Invalid {
                    what: "capacity",
                    id: firm.to_string(),
                    field: "capacity".into(),
                    value: cap.to_string(),
                    reason: format!("outside 1..={FIRM_CAPACITY_MAX}"),
                });
            }
            if let Some(slot) = firm_capacity.get_mut(i) {
                *slot = Some(cap);
            }
        }
        let (index, rows) = OfferIndex::build(&scenarios, &offers, &firms)?;
        Ok(Self {
            firm_standing: vec![None; firms.len()],
            directory_year: None,
            scenarios,
            offers,
            firms,
            firm_capacity,
            index,
            rows,
        })
    }

    /// Looks up every firm's standing in the cultivation registry in `year` through
    /// `directory` (one call per firm), for scenarios open only to registered firms of a
    /// tier (`tier_min`). Without it, no firm counts as registered. A directory that cannot
    /// answer stops the market with its error.
    ///
    /// ```
    /// use scenario_market::{example, FirmTable, Standing};
    /// use registry_model::Tier;
    /// let mut t = FirmTable::new();
    /// t.insert("91370200163562681G".parse().unwrap(), 2025, Standing { tier: Some(Tier::Growth), size: None });
    /// let m = example::market()?.with_directory(&t, 2025)?;
    /// assert_eq!(m.firm_standing(3).unwrap().tier, Some(Tier::Growth));
    /// assert_eq!(m.firm_standing(0), None);
    /// # Ok::<(), scenario_market::MarketError>(())
    /// ```
    pub fn with_directory(mut self, directory: &dyn FirmDirectory, year: Year) -> Result<Self> {
        let mut standing = Vec::with_capacity(self.firms.len());
        for f in &self.firms {
            standing.push(directory.standing(f, year)?);
        }
        let codes: Vec<u8> = standing
            .iter()
            .map(|s| tier_code(s.and_then(|x: Standing| x.tier)))
            .collect();
        self.index.set_tiers(&codes);
        self.firm_standing = standing;
        self.directory_year = Some(year);
        Ok(self)
    }

    /// Firm `f`'s standing in the registry, when a directory was consulted and it is
    /// registered.
    pub fn firm_standing(&self, f: usize) -> Option<Standing> {
        self.firm_standing.get(f).copied().flatten()
    }

    /// The year the directory was consulted for, if it was.
    pub fn directory_year(&self) -> Option<Year> {
        self.directory_year
    }

    /// The scenarios, sorted by id.
    pub fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    /// The offers, sorted by id.
    pub fn offers(&self) -> &[Offer] {
        &self.offers
    }

    /// The firms that made offers, sorted by USCC.
    pub fn firms(&self) -> &[EnterpriseId] {
        &self.firms
    }

    /// The capacity set for firm `f` (a position in [`Market::firms`]), if one was given.
    pub fn firm_capacity(&self, f: usize) -> Option<u32> {
        self.firm_capacity.get(f).copied().flatten()
    }

    /// The position of a scenario.
    pub fn scenario_index(&self, id: &Key) -> Option<usize> {
        self.scenarios.binary_search_by(|s| s.id.cmp(id)).ok()
    }

    /// The position of an offer.
    pub fn offer_index(&self, id: &Key) -> Option<usize> {
        self.offers.binary_search_by(|o| o.id.cmp(id)).ok()
    }

    /// The position of a firm.
    pub fn firm_index(&self, id: &EnterpriseId) -> Option<usize> {
        self.firms.binary_search(id).ok()
    }

    /// Offers of firm `f`, by position.
    pub fn offers_of(&self, f: usize) -> impl Iterator<Item = usize> + '_ {
        self.index
            .rows
            .iter()
            .enumerate()
            .filter(move |(_, x)| x.firm as usize == f)
            .map(|(o, _)| o)
    }
}

fn limit(what: &'static str, n: usize, max: usize) -> Result<()> {
    if n > max {
        return Err(MarketError::Limit {
            what,
            value: n as u64,
            limit: max as u64,
        });
    }
    Ok(())
}

fn duplicate(what: &'static str, id: &Key) -> MarketError {
    MarketError::Duplicate {
        what,
        key: id.to_string(),
        detail: String::new(),
    }
}
