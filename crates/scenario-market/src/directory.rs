//! The registry seam: [`FirmDirectory`], through which the market learns a firm's standing in
//! the cultivation registry (its tier, or that it is not in the registry) and its size class.
//! scenario-market defines it and never depends on a registry store; the orchestration layer
//! implements it over registry-model's `RegistryStore`. [`FirmTable`] is the in-crate
//! implementation (from a CSV or built in code) for tests, examples and offices without the
//! registry at hand.
//!
//! What the market does with it: a scenario may be opened only to registered firms of a
//! given tier or above (`tier_min`, for scenarios 面向数创企业), and a procurement evaluation
//! can take a bidder's size class from it.
//!
//! Contract: answers are for the statistical year asked; `Ok(None)` means the firm is not in
//! the registry that year (never an error); a registered firm without a tier that year is a
//! [`Standing`] with `tier: None`; a size class the registry cannot tell is `size: None`,
//! never a guess; an error means the directory could not answer (the market stops, it does
//! not treat the firm as unregistered).

use std::collections::BTreeMap;
use std::io::Read;

use registry_model::{EnterpriseId, Tier, Year};
use serde::{Deserialize, Serialize};

use crate::cell::{self, Cell};
use crate::error::{FieldError, Result};
pub use crate::fault::DirectoryFault;
use crate::records::{Kind, read_csv};

/// Most rows of a firm table.
pub const FIRM_TABLE_MAX: usize = 10_000_000;

/// The bidder's size class (by the SME classification rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirmSize {
    /// 微型企业.
    Micro,
    /// 小型企业.
    Small,
    /// 中型企业.
    Medium,
    /// 大型企业.
    Large,
}

impl FirmSize {
    /// The key used in files (`micro`, `small`, `medium`, `large`).
    pub fn key(self) -> &'static str {
        match self {
            FirmSize::Micro => "micro",
            FirmSize::Small => "small",
            FirmSize::Medium => "medium",
            FirmSize::Large => "large",
        }
    }

    /// Parses `micro`, `small`, `medium`, `large` or the Chinese names.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "micro" | "微型" => Some(FirmSize::Micro),
            "small" | "小型" => Some(FirmSize::Small),
            "medium" | "中型" => Some(FirmSize::Medium),
            "large" | "大型" => Some(FirmSize::Large),
            _ => None,
        }
    }
}

/// A registered firm's standing in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// Its tier, or `None` when it is in the registry without one this year.
    pub tier: Option<Tier>,
    /// Its size class, when the registry can tell.
    pub size: Option<FirmSize>,
}

/// A firm's standing in the cultivation registry. See the module documentation for the
/// contract.
pub trait FirmDirectory {
    /// The firm's standing in `year`, `Ok(None)` when it is not in the registry then.
    fn standing(
        &self,
        firm: &EnterpriseId,
        year: Year,
    ) -> std::result::Result<Option<Standing>, DirectoryFault>;
}

/// Standings by firm and year, in memory.
///
/// ```
/// use scenario_market::{FirmDirectory, FirmTable, Standing};
/// use registry_model::Tier;
/// let csv = "firm,year,tier,size\n91370200163562681G,2025,growth,small\n913701001234567881,2025,,medium\n";
/// let t = FirmTable::read_csv(csv.as_bytes(), "firms.csv")?;
/// let f = "91370200163562681G".parse().unwrap();
/// assert_eq!(t.standing(&f, 2025).unwrap().unwrap().tier, Some(Tier::Growth));
/// assert_eq!(t.standing(&f, 2024).unwrap(), None); // not in the registry that year
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmTable {
    map: BTreeMap<(EnterpriseId, Year), Standing>,
}

impl FirmTable {
    /// An empty table: no firm is registered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a firm's standing in a year.
    pub fn insert(&mut self, firm: EnterpriseId, year: Year, standing: Standing) {
        self.map.insert((firm, year), standing);
    }

    /// Reads `firm,year,tier,size` rows (empty tier: registered without a tier; empty size:
    /// unknown); a firm appears once a year.
    pub fn read_csv(reader: impl Read, file: &str) -> Result<Self> {
        let rows = read_csv(
            reader,
            file,
            &Kind {
                what: "firm standings",
                columns: &["firm", "year", "tier", "size"],
                required: &["firm", "year"],
                max: FIRM_TABLE_MAX,
                validate: validate_row,
                id: |r: &(EnterpriseId, Year, Standing)| format!("{}/{}", r.0, r.1),
            },
        )?;
        let mut t = Self::new();
        for (firm, year, standing) in rows {
            t.insert(firm, year, standing);
        }
        Ok(t)
    }
}

impl FirmDirectory for FirmTable {
    fn standing(
        &self,
        firm: &EnterpriseId,
        year: Year,
    ) -> std::result::Result<Option<Standing>, DirectoryFault> {
        Ok(self.map.get(&(*firm, year)).copied())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawRow {
    firm: Cell,
    year: Cell,
    tier: Cell,
    size: Cell,
}

fn validate_row(r: &RawRow) -> std::result::Result<(EnterpriseId, Year, Standing), FieldError> {
    let firm = cell::firm("firm", &r.firm)?;
    let year = cell::int_in("year", cell::required("year", &r.year)?, 1949, 9999)? as Year;
    let tier = r
        .tier
        .opt()
        .map(|t| {
            t.parse::<Tier>()
                .map_err(|e| FieldError::new("tier", t, e.to_string()))
        })
        .transpose()?;
    let size = r
        .size
        .opt()
        .map(|s| {
            FirmSize::parse(s)
                .ok_or_else(|| FieldError::new("size", s, "expected micro, small, medium or large"))
        })
        .transpose()?;
    Ok((firm, year, Standing { tier, size }))
}
