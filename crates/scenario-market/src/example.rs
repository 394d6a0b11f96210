//! The shipped example (`data/scenario-market/example/`): a market of three scenarios and
//! nine offers from five firms, their registry standings, two challenge tasks with bids and
//! panel scores, catalogue applications, a procurement, purchases and outcome reports. Small
//! enough to check by hand; the guide and the golden tests work through it.

use registry_model::panel::{Member, Panel, Role, ScoringRule};

use crate::error::{MarketError, Result};
use crate::load;
use crate::market::Market;

/// `data/scenario-market/example/scenarios.csv`.
pub const SCENARIOS_CSV: &str = include_str!("../../../data/scenario-market/example/scenarios.csv");
/// `data/scenario-market/example/offers.csv`.
pub const OFFERS_CSV: &str = include_str!("../../../data/scenario-market/example/offers.csv");
/// `data/scenario-market/example/capacities.csv`.
pub const CAPACITIES_CSV: &str =
    include_str!("../../../data/scenario-market/example/capacities.csv");
/// `data/scenario-market/example/firms.csv` (a [`crate::FirmTable`]).
pub const FIRMS_CSV: &str = include_str!("../../../data/scenario-market/example/firms.csv");
/// `data/scenario-market/example/tasks.toml`.
pub const TASKS_TOML: &str = include_str!("../../../data/scenario-market/example/tasks.toml");
/// `data/scenario-market/example/bids.csv`.
pub const BIDS_CSV: &str = include_str!("../../../data/scenario-market/example/bids.csv");
/// `data/scenario-market/example/scores.csv`.
pub const SCORES_CSV: &str = include_str!("../../../data/scenario-market/example/scores.csv");
/// `data/scenario-market/example/applications.csv`.
pub const APPLICATIONS_CSV: &str =
    include_str!("../../../data/scenario-market/example/applications.csv");
/// `data/scenario-market/example/procurement-bids.csv`.
pub const PROCUREMENT_BIDS_CSV: &str =
    include_str!("../../../data/scenario-market/example/procurement-bids.csv");
/// `data/scenario-market/example/purchases.csv`.
pub const PURCHASES_CSV: &str = include_str!("../../../data/scenario-market/example/purchases.csv");
/// `data/scenario-market/example/outcomes.csv`.
pub const OUTCOMES_CSV: &str = include_str!("../../../data/scenario-market/example/outcomes.csv");

/// The example's selection panel: six members covering government, enterprise, research and
/// investment, registry-model's default scoring rule.
pub fn panel() -> Result<Panel> {
    let m = |id: &str, role| Member {
        id: id.into(),
        name: id.into(),
        role,
        kind: None,
        affiliation: String::new(),
        ties: Vec::new(),
    };
    Panel::new(
        "example challenge panel",
        vec![
            m("gov", Role::Government),
            m("ent", Role::Enterprise),
            m("res", Role::Research),
            m("inv", Role::Investment),
            m("res2", Role::Research),
            m("ent2", Role::Enterprise),
        ],
        ScoringRule::default(),
    )
    .map_err(|e| MarketError::Panel {
        task: "example".into(),
        reason: e.to_string(),
    })
}

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
