//! The shipped example market (`data/scenario-market/example/`): three scenarios, nine
//! offers from five firms, one firm capacity. Small enough to check by hand; the guide and
//! the golden tests work through it.

use crate::error::Result;
use crate::load;
use crate::market::Market;

/// `data/scenario-market/example/scenarios.csv`.
pub const SCENARIOS_CSV: &str = include_str!("../../../data/scenario-market/example/scenarios.csv");
/// `data/scenario-market/example/offers.csv`.
pub const OFFERS_CSV: &str = include_str!("../../../data/scenario-market/example/offers.csv");
/// `data/scenario-market/example/capacities.csv`.
pub const CAPACITIES_CSV: &str =
    include_str!("../../../data/scenario-market/example/capacities.csv");

/// The example market.
///
/// ```
/// let m = scenario_market::example::market()?;
/// assert_eq!((m.scenarios().len(), m.offers().len(), m.firms().len()), (3, 9, 5));
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
pub fn market() -> Result<Market> {
    Market::new(
        load::read_scenarios_csv(SCENARIOS_CSV.as_bytes(), "example/scenarios.csv")?,
        load::read_offers_csv(OFFERS_CSV.as_bytes(), "example/offers.csv")?,
        load::read_capacities_csv(CAPACITIES_CSV.as_bytes(), "example/capacities.csv")?,
    )
}
