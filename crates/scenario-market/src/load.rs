//! Reading scenarios, offers and firm capacities from CSV or TOML, all or nothing.
//!
//! The library reads from readers and text and never opens a path: the caller opens the
//! file and passes its name for messages. A file is accepted whole or refused with the first
//! fault, named by file, line, field and value; nothing is returned from a refused file.
//!
//! Bounds: at most [`crate::market::SCENARIOS_MAX`] scenarios and
//! [`crate::market::OFFERS_MAX`] offers per file (checked while reading, before memory
//! grows further), [`RECORD_BYTES_MAX`] per CSV record, [`TOML_BYTES_MAX`] per TOML text.
//!
//! CSV columns are the names in [`crate::scenario::SCENARIO_COLUMNS`] and
//! [`crate::offer::OFFER_COLUMNS`] (any order; unknown columns are refused, to catch typos);
//! tag lists are `;`-separated. TOML files hold `[[scenario]]` or `[[offer]]` tables with
//! the same keys (lists may be TOML arrays, dates TOML dates).

use std::io::Read;

use registry_model::EnterpriseId;
use serde::Deserialize;

use crate::cell::{self, Cell};
use crate::error::{FieldError, Result};
use crate::market::{FIRM_CAPACITY_MAX, OFFERS_MAX, SCENARIOS_MAX};
use crate::offer::{OFFER_COLUMNS, Offer, RawOffer};
use crate::records::{Kind, read_csv, read_toml};
pub use crate::records::{RECORD_BYTES_MAX, TOML_BYTES_MAX};
use crate::scenario::{RawScenario, SCENARIO_COLUMNS, Scenario};

/// Columns of a capacity file.
pub const CAPACITY_COLUMNS: [&str; 3] = ["firm", "capacity", "note"];

const SCENARIO_REQUIRED: [&str; 9] = [
    "id",
    "title",
    "owner",
    "owner_type",
    "kind",
    "region",
    "needs",
    "opens",
    "closes",
];
const OFFER_REQUIRED: [&str; 7] = [
    "id",
    "firm",
    "kind",
    "title",
    "tags",
    "maturity",
    "price_yuan",
];

fn scenario_kind() -> Kind<'static, RawScenario, Scenario> {
    Kind {
        what: "scenarios",
        columns: &SCENARIO_COLUMNS,
        required: &SCENARIO_REQUIRED,
        max: SCENARIOS_MAX,
        validate: RawScenario::validate,
        id: |s| s.id.to_string(),
    }
}

fn offer_kind() -> Kind<'static, RawOffer, Offer> {
    Kind {
        what: "offers",
        columns: &OFFER_COLUMNS,
        required: &OFFER_REQUIRED,
        max: OFFERS_MAX,
        validate: RawOffer::validate,
        id: |o| o.id.to_string(),
    }
}

/// Reads a scenario CSV (header first); `file` names it in errors.
///
/// ```
/// let csv = "id,title,owner,owner_type,kind,region,needs,opens,closes\n\
///            S1,Smart port,Qingdao Port,state_owned,technology_application,370200,vision;port,2025-03-01,2025-06-30\n\
///            S2,Grid,State Grid,state_owned,data_empowerment,370100,grid,2025-13-01,2025-06-30\n";
/// let err = scenario_market::load::read_scenarios_csv(csv.as_bytes(), "scenarios.csv").unwrap_err();
/// assert!(err.to_string().starts_with("scenarios.csv:3: field 'opens' = '2025-13-01'"));
/// ```
pub fn read_scenarios_csv(reader: impl Read, file: &str) -> Result<Vec<Scenario>> {
    read_csv(reader, file, &scenario_kind())
}

/// Reads an offer CSV; `file` names it in errors.
pub fn read_offers_csv(reader: impl Read, file: &str) -> Result<Vec<Offer>> {
    read_csv(reader, file, &offer_kind())
}

/// Reads `[[scenario]]` tables from TOML text; `file` names it in errors.
pub fn read_scenarios_toml(text: &str, file: &str) -> Result<Vec<Scenario>> {
    read_toml(text, file, "scenario", &scenario_kind())
}

/// Reads `[[offer]]` tables from TOML text; `file` names it in errors.
pub fn read_offers_toml(text: &str, file: &str) -> Result<Vec<Offer>> {
    read_toml(text, file, "offer", &offer_kind())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawCapacity {
    firm: Cell,
    capacity: Cell,
    #[allow(dead_code)] // free text for people
    note: Cell,
}

fn validate_capacity(r: &RawCapacity) -> std::result::Result<(EnterpriseId, u32), FieldError> {
    let firm = cell::firm("firm", &r.firm)?;
    let cap = cell::int_in(
        "capacity",
        cell::required("capacity", &r.capacity)?,
        1,
        u64::from(FIRM_CAPACITY_MAX),
    )? as u32;
    Ok((firm, cap))
}

/// Reads a capacity CSV (`firm,capacity`): how many scenarios each listed firm may take.
pub fn read_capacities_csv(reader: impl Read, file: &str) -> Result<Vec<(EnterpriseId, u32)>> {
    read_csv(
        reader,
        file,
        &Kind {
            what: "capacities",
            columns: &CAPACITY_COLUMNS,
            required: &["firm", "capacity"],
            max: OFFERS_MAX,
            validate: validate_capacity,
            id: |c| c.0.to_string(),
        },
    )
}
