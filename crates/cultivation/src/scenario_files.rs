//! A scenario market read from files: scenarios and offers as CSV (or TOML, by the file's
//! extension) and optional capacities as CSV, all or nothing — the market's own readers do the
//! validation; this opens the paths (scenario-market never does) and names them in errors.
//! Also the first-purchase files: catalogue applications (CSV), recognition rules (TOML),
//! procurement preferences (TOML), a procurement's bids (CSV) and purchases (CSV); the
//! outcome reports of matches (CSV).

use std::path::Path;

use scenario_market::purchase::{
    Application, Catalogue, CatalogueRules, PreferencePolicy, ProcurementBid, Purchase,
    read_applications_csv, read_procurement_bids_csv, read_purchases_csv,
};
use scenario_market::{Market, load};

use crate::error::{CultivationError, Result};

fn read(path: &Path) -> Result<(String, String)> {
    let text = std::fs::read_to_string(path).map_err(|e| CultivationError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok((text, path.display().to_string()))
}

fn is_toml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// The market of `scenarios`, `offers` and, when given, firms' `capacities`.
pub fn read_market(scenarios: &Path, offers: &Path, capacities: Option<&Path>) -> Result<Market> {
    let (st, sn) = read(scenarios)?;
    let s = if is_toml(scenarios) {
        load::read_scenarios_toml(&st, &sn)?
    } else {
        load::read_scenarios_csv(st.as_bytes(), &sn)?
    };
    let (ot, on) = read(offers)?;
    let o = if is_toml(offers) {
        load::read_offers_toml(&ot, &on)?
    } else {
        load::read_offers_csv(ot.as_bytes(), &on)?
    };
    let c = match capacities {
        Some(p) => {
            let (t, n) = read(p)?;
            load::read_capacities_csv(t.as_bytes(), &n)?
        }
        None => Vec::new(),
    };
    Ok(Market::new(s, o, c)?)
}

/// Catalogue applications (`product,firm,name,category,scheme,applied,…`), all or nothing.
pub fn read_applications(path: &Path) -> Result<Vec<Application>> {
    let (text, name) = read(path)?;
    Ok(read_applications_csv(text.as_bytes(), &name)?)
}

/// Recognition rules from `path`, or the shipped ones
/// (`data/scenario-market/catalogue-rules.toml`) without a path.
pub fn read_catalogue_rules(path: Option<&Path>) -> Result<CatalogueRules> {
    match path {
        Some(p) => {
            let (text, name) = read(p)?;
            Ok(CatalogueRules::from_toml(&text, &name)?)
        }
        None => Ok(CatalogueRules::embedded()?),
    }
}

/// Procurement preferences from `path`, or the shipped ones
/// (`data/scenario-market/procurement-preferences.toml`) without a path.
pub fn read_preferences(path: Option<&Path>) -> Result<PreferencePolicy> {
    match path {
        Some(p) => {
            let (text, name) = read(p)?;
            Ok(PreferencePolicy::from_toml(&text, &name)?)
        }
        None => Ok(PreferencePolicy::embedded()?),
    }
}

/// A procurement's bids (`bidder,size,price_yuan,product,small_share,other_points`), all or
/// nothing.
pub fn read_procurement_bids(path: &Path) -> Result<Vec<ProcurementBid>> {
    let (text, name) = read(path)?;
    Ok(read_procurement_bids_csv(text.as_bytes(), &name)?)
}

/// Outcome reports after matches (`scenario,firm,reported,orders,revenue_yuan`), all or
/// nothing.
pub fn read_outcomes(path: &Path) -> Result<Vec<scenario_market::follow::Outcome>> {
    let (text, name) = read(path)?;
    Ok(scenario_market::follow::read_outcomes_csv(
        text.as_bytes(),
        &name,
    )?)
}

/// A panel (TOML: `name`, `[rule]`, `[[members]]` with their `ties`, as
/// [`registry_model::panel_store::PanelRecord`] serialises), checked as the registry's panels
/// are ([`registry_model::panel_store::PanelRecord::into_panel`]: the four roles, unique
/// members, a quorum the members can reach).
pub fn read_panel(path: &Path) -> Result<registry_model::panel_store::PanelRecord> {
    let (text, name) = read(path)?;
    let record: registry_model::panel_store::PanelRecord =
        toml::from_str(&text).map_err(|e| CultivationError::File {
            path: path.to_path_buf(),
            message: format!("{name}: {e}"),
        })?;
    record.clone().into_panel()?;
    Ok(record)
}

/// Purchases of catalogue products (`id,product,buyer,buyer_type,date,amount_yuan,
/// procurement`), all or nothing.
pub fn read_purchases(path: &Path) -> Result<Vec<Purchase>> {
    let (text, name) = read(path)?;
    Ok(read_purchases_csv(text.as_bytes(), &name)?)
}

/// The catalogue the applications make under `rules`: each application decided in file
/// order, the recognised ones listed. An application the rules cannot decide (no rule set in
/// force, a product listed twice) is an error naming it.
pub fn catalogue_of(rules: &CatalogueRules, applications: &[Application]) -> Result<Catalogue> {
    let mut catalogue = Catalogue::new();
    for app in applications {
        catalogue.recognise(rules, app)?;
    }
    Ok(catalogue)
}
