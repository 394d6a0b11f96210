//! Change-log rows of PostgreSQL to entries: the tier change, its reasons, the firm's class,
//! the referral and the panel's decision. A stored value that does not decode is reported as
//! corrupt, naming the year and the firm.

use registry_model::adjust::{Change, ChangeEntry, PanelDecision};
use registry_model::criteria::{FirmClass, InnovationType};
use registry_model::digital::DigitalClass;
use registry_model::error::Result;
use registry_model::policy::{Referral, Stage};
use registry_model::{RegistryError, Tier, Year};

use super::PgRegistry;

impl PgRegistry {
    /// A change-log entry from a row of [`super::TIER_COLS`] (starting at column 0).
    pub(super) fn entry_from_row(&self, year: Year, row: &postgres::Row) -> Result<ChangeEntry> {
        let uscc: &str = row.get(0);
        let key = || format!("change log {year} {uscc}");
        let tier = |s: Option<&str>| -> Result<Option<Tier>> {
            s.map(|t| {
                t.parse::<Tier>()
                    .map_err(|x| self.corrupt(key(), x.to_string()))
            })
            .transpose()
        };
        let change: Change = row
            .get::<_, &str>(3)
            .parse()
            .map_err(|x: RegistryError| self.corrupt(key(), x.to_string()))?;
        let stage = match row.get::<_, Option<&str>>(6) {
            None => None,
            Some("rnd") => Some(Stage::Rnd),
            Some("growth") => Some(Stage::Growth),
            Some("mature") => Some(Stage::Mature),
            Some(other) => return Err(self.corrupt(key(), format!("stage '{other}'"))),
        };
        let json = |i: usize| -> Result<Vec<String>> {
            serde_json::from_str(row.get::<_, &str>(i))
                .map_err(|x| self.corrupt(key(), x.to_string()))
        };
        let digital = row
            .get::<_, Option<&str>>(9)
            .map(|c| {
                c.parse::<DigitalClass>()
                    .map_err(|x| self.corrupt(key(), x.to_string()))
            })
            .transpose()?;
        let innovation = row
            .get::<_, &str>(11)
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<InnovationType>()
                    .map_err(|x| self.corrupt(key(), x.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let referral: Option<Referral> = row
            .get::<_, Option<&str>>(12)
            .map(|j| serde_json::from_str(j).map_err(|x| self.corrupt(key(), x.to_string())))
            .transpose()?;
        let panel: Option<PanelDecision> = row
            .get::<_, Option<&str>>(13)
            .map(|j| serde_json::from_str(j).map_err(|x| self.corrupt(key(), x.to_string())))
            .transpose()?;
        Ok(ChangeEntry {
            id: self.parse_id(uscc, true)?,
            from: tier(row.get(1))?,
            to: tier(row.get(2))?,
            change,
            grace: row.get(4),
            borderline: row.get(5),
            stage,
            reasons: json(7)?,
            missing: json(8)?,
            class: FirmClass {
                digital,
                partial: row.get(10),
                innovation,
            },
            referral,
            panel,
        })
    }
}
