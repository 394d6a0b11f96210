//! A scenario market read from files: scenarios and offers as CSV (or TOML, by the file's
//! extension) and optional capacities as CSV, all or nothing — the market's own readers do the
//! validation; this opens the paths (scenario-market never does) and names them in errors.
//! Also the first-purchase files: catalogue applications (CSV) and recognition rules (TOML).

use std::path::Path;

use scenario_market::purchase::{Application, CatalogueRules, read_applications_csv};
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
