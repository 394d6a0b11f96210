//! A change-log entry as a store's row holds it — texts, flags and JSON, one value per column
//! — decoded into a [`ChangeEntry`] by one piece of code whatever the database. Each store
//! reads its own row type into a [`ChangeRow`] (SQLite's integers 0/1 as flags, PostgreSQL's
//! booleans as they are) and calls [`ChangeRow::decode`]; neither schema changes.

use crate::adjust::{Change, ChangeEntry, PanelDecision};
use crate::criteria::{FirmClass, InnovationType};
use crate::digital::DigitalClass;
use crate::error::{RegistryError, Result};
use crate::id::{EnterpriseId, LegacyPolicy};
use crate::policy::{Referral, Stage};
use crate::tier::{Tier, Year};

/// The stored values of one change-log row, in the stores' column order (`uscc, from_tier,
/// to_tier, change, grace, borderline, stage, reasons, missing, digital_class,
/// class_partial, innovation, referral, panel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeRow<'a> {
    /// The firm's USCC (legacy registration numbers accepted: they were checked on entry).
    pub uscc: &'a str,
    /// The tier before the adjustment ([`Tier`]'s key), if any.
    pub from_tier: Option<&'a str>,
    /// The tier after it, if any.
    pub to_tier: Option<&'a str>,
    /// The kind of change ([`Change`]'s key).
    pub change: &'a str,
    /// Whether the firm kept its tier by the grace rule.
    pub grace: bool,
    /// Whether the decision was borderline.
    pub borderline: bool,
    /// The firm's stage (`rnd`, `growth`, `mature`), if judged.
    pub stage: Option<&'a str>,
    /// The reasons, a JSON array of strings.
    pub reasons: &'a str,
    /// The missing facts, a JSON array of strings.
    pub missing: &'a str,
    /// The digital-economy class ([`DigitalClass`]'s key), if any.
    pub digital_class: Option<&'a str>,
    /// Whether that class rests on part of the firm's activity.
    pub class_partial: bool,
    /// The innovation types, comma-separated keys (empty: none).
    pub innovation: &'a str,
    /// The referral, JSON, if any.
    pub referral: Option<&'a str>,
    /// The panel's decision, JSON, if any.
    pub panel: Option<&'a str>,
}

impl ChangeRow<'_> {
    /// The entry these values hold. A value that does not decode is
    /// [`RegistryError::Corrupt`] in `store` (its path or redacted URL), keyed by
    /// `change log YEAR USCC` (the USCC alone when it is the USCC that does not parse).
    pub fn decode(&self, store: &str, year: Year) -> Result<ChangeEntry> {
        let bad = |reason: String| RegistryError::Corrupt {
            path: store.to_string(),
            key: format!("change log {year} {}", self.uscc),
            reason,
        };
        let tier = |s: Option<&str>| -> Result<Option<Tier>> {
            s.map(|t| t.parse::<Tier>().map_err(|x| bad(x.to_string())))
                .transpose()
        };
        let strings = |json: &str| -> Result<Vec<String>> {
            serde_json::from_str(json).map_err(|x| bad(x.to_string()))
        };
        let change: Change = self
            .change
            .parse()
            .map_err(|x: RegistryError| bad(x.to_string()))?;
        let stage = match self.stage {
            None => None,
            Some("rnd") => Some(Stage::Rnd),
            Some("growth") => Some(Stage::Growth),
            Some("mature") => Some(Stage::Mature),
            Some(other) => return Err(bad(format!("stage '{other}'"))),
        };
        let digital = self
            .digital_class
            .map(|c| c.parse::<DigitalClass>().map_err(|x| bad(x.to_string())))
            .transpose()?;
        let innovation = self
            .innovation
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<InnovationType>().map_err(|x| bad(x.to_string())))
            .collect::<Result<Vec<_>>>()?;
        let referral: Option<Referral> = self
            .referral
            .map(|j| serde_json::from_str(j).map_err(|x| bad(x.to_string())))
            .transpose()?;
        let panel: Option<PanelDecision> = self
            .panel
            .map(|j| serde_json::from_str(j).map_err(|x| bad(x.to_string())))
            .transpose()?;
        let id = EnterpriseId::parse_with(self.uscc, LegacyPolicy::Accept).map_err(|e| {
            RegistryError::Corrupt {
                path: store.to_string(),
                key: self.uscc.to_string(),
                reason: e.to_string(),
            }
        })?;
        Ok(ChangeEntry {
            id,
            from: tier(self.from_tier)?,
            to: tier(self.to_tier)?,
            change,
            grace: self.grace,
            borderline: self.borderline,
            stage,
            reasons: strings(self.reasons)?,
            missing: strings(self.missing)?,
            class: FirmClass {
                digital,
                partial: self.class_partial,
                innovation,
            },
            referral,
            panel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ChangeRow<'static> {
        ChangeRow {
            uscc: "913301060000001231",
            from_tier: None,
            to_tier: Some("growth"),
            change: "admitted",
            grace: false,
            borderline: true,
            stage: Some("growth"),
            reasons: r#"["revenue met"]"#,
            missing: "[]",
            digital_class: None,
            class_partial: false,
            innovation: "",
            referral: None,
            panel: None,
        }
    }

    #[test]
    fn a_row_decodes_and_a_bad_value_names_year_firm_and_value() {
        let e = row().decode("r.sqlite", 2024).unwrap();
        assert_eq!(e.id.as_str(), "913301060000001231");
        assert_eq!(e.to, Some(Tier::Growth));
        assert!(e.borderline && !e.grace);
        assert_eq!(e.stage, Some(Stage::Growth));
        assert_eq!(e.reasons, vec!["revenue met".to_string()]);
        let bad = ChangeRow {
            stage: Some("adult"),
            ..row()
        };
        let err = bad.decode("r.sqlite", 2024).unwrap_err().to_string();
        assert!(err.contains("r.sqlite"), "{err}");
        assert!(err.contains("change log 2024 913301060000001231"), "{err}");
        assert!(err.contains("stage 'adult'"), "{err}");
        let bad = ChangeRow {
            reasons: "[1",
            ..row()
        };
        assert!(matches!(
            bad.decode("r.sqlite", 2024),
            Err(RegistryError::Corrupt { .. })
        ));
    }
}
