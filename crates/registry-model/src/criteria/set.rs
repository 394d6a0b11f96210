//! Versioned criteria sets: a [`CriteriaSet`] from TOML with its checks, the [`Verdicts`] of
//! every criterion for one firm-year, and the [`CriteriaBook`] that picks the set in force.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::kind::CriterionKind;
use crate::report::Evidence;
use crate::tier::Year;
use crate::verdict::{Outcome, Verdict};

use super::Criterion;
use super::growth::{Gazelle, HighGrowth, Unicorn, ZoneGazelle};
use super::innovative::{ClassificationTable, DigitalInnovative};
use super::sme::{InnovativeSme, InnovativeSmeCriterion, LittleGiant, SpecialisedSme};
use super::tech::{Bracket, HighTechEnterprise, TechBasedSme};

// ---------------------------------------------------------------------------------------------
// Criteria sets.

/// The header of a criteria-set file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetInfo {
    /// Stable id (`cn-2022`).
    pub id: String,
    /// Title in words.
    pub title: String,
    /// First day the set applies.
    pub effective_from: NaiveDate,
    /// Where the numbers come from and what is assumed.
    #[serde(default)]
    pub notes: String,
}

/// A complete, versioned set of thresholds for every criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriteriaSet {
    /// Id, title and effective date.
    pub set: SetInfo,
    /// 科技型中小企业.
    pub tech_based_sme: TechBasedSme,
    /// 高新技术企业.
    pub high_tech_enterprise: HighTechEnterprise,
    /// 创新型中小企业.
    pub innovative_sme: InnovativeSme,
    /// 专精特新中小企业.
    pub specialised_sme: SpecialisedSme,
    /// 专精特新"小巨人".
    pub little_giant: LittleGiant,
    /// High-growth enterprise and gazelle (Eurostat-OECD).
    pub high_growth: HighGrowth,
    /// 高新区瞪羚.
    pub zone_gazelle: ZoneGazelle,
    /// 独角兽.
    pub unicorn: Unicorn,
    /// 数创企业 and the classification rule.
    pub digital_innovative: DigitalInnovative,
}

/// The verdicts of every criterion for one firm-year, indexed by [`CriterionKind::index`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts<'s> {
    /// The year judged.
    pub year: Year,
    /// One verdict per criterion, in [`CriterionKind::ALL`] order.
    pub verdicts: Vec<Verdict<'s>>,
}

impl Verdicts<'_> {
    /// The verdict of one criterion.
    pub fn get(&self, kind: CriterionKind) -> Option<&Verdict<'_>> {
        self.verdicts.iter().find(|v| v.criterion == kind)
    }

    /// The outcome of one criterion ("cannot tell" when absent).
    pub fn outcome(&self, kind: CriterionKind) -> Outcome {
        self.verdicts
            .get(kind.index())
            .filter(|v| v.criterion == kind)
            .or_else(|| self.get(kind))
            .map_or(Outcome::CannotTell, |v| v.outcome)
    }

    /// A copy that owns its strings.
    pub fn into_owned(self) -> Verdicts<'static> {
        Verdicts {
            year: self.year,
            verdicts: self.verdicts.into_iter().map(Verdict::into_owned).collect(),
        }
    }
}

/// Outcomes only, for the hot path (tier assignment over whole cohorts).
pub type Outcomes = [Outcome; 10];

fn cfg_err(file: &str, message: impl Into<String>) -> RegistryError {
    RegistryError::Config {
        file: file.to_string(),
        message: message.into(),
    }
}

fn check_fraction(file: &str, field: &str, v: Decimal) -> Result<()> {
    if v < Decimal::ZERO || v > Decimal::ONE {
        return Err(cfg_err(
            file,
            format!("{field} = {v}: a fraction must lie in 0..=1"),
        ));
    }
    Ok(())
}

fn check_descending(file: &str, field: &str, brackets: &[Bracket]) -> Result<()> {
    for w in brackets.windows(2) {
        if let [a, b] = w
            && a.min <= b.min
        {
            return Err(cfg_err(
                file,
                format!(
                    "{field}: brackets must be listed highest first ({} then {})",
                    a.min, b.min
                ),
            ));
        }
    }
    Ok(())
}

impl CriteriaSet {
    /// Parses and checks a criteria-set TOML text; `file` names it in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        let set: CriteriaSet = toml::from_str(text).map_err(|e| cfg_err(file, e.to_string()))?;
        set.check(file)?;
        Ok(set)
    }

    /// Reads a criteria-set TOML file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Checks ranges and orderings the file format cannot express.
    pub fn check(&self, file: &str) -> Result<()> {
        if self.set.id.trim().is_empty() {
            return Err(cfg_err(file, "set.id must not be empty"));
        }
        let t = &self.tech_based_sme;
        check_descending(
            file,
            "tech_based_sme.tech_staff_share_points",
            &t.tech_staff_share_points,
        )?;
        check_descending(file, "tech_based_sme.rd_ratio_points", &t.rd_ratio_points)?;
        check_descending(file, "tech_based_sme.ip_class2_points", &t.ip_class2_points)?;
        let h = &self.high_tech_enterprise;
        check_fraction(
            file,
            "high_tech_enterprise.tech_staff_share_min",
            h.tech_staff_share_min,
        )?;
        check_fraction(
            file,
            "high_tech_enterprise.rd_domestic_share_min",
            h.rd_domestic_share_min,
        )?;
        check_fraction(
            file,
            "high_tech_enterprise.high_tech_revenue_share_min",
            h.high_tech_revenue_share_min,
        )?;
        if h.rd_ratio_bands.is_empty()
            || h.rd_ratio_bands
                .last()
                .is_some_and(|b| b.revenue_max_yuan.is_some())
        {
            return Err(cfg_err(
                file,
                "high_tech_enterprise.rd_ratio_bands: need at least one band and the last must have no revenue_max_yuan",
            ));
        }
        for w in h.rd_ratio_bands.windows(2) {
            if let [a, b] = w
                && let (Some(x), Some(y)) = (a.revenue_max_yuan, b.revenue_max_yuan)
                && x >= y
            {
                return Err(cfg_err(
                    file,
                    "high_tech_enterprise.rd_ratio_bands: revenue_max_yuan must ascend",
                ));
            }
        }
        if !(1..=10).contains(&h.rd_window_years) {
            return Err(cfg_err(
                file,
                "high_tech_enterprise.rd_window_years must be 1..=10",
            ));
        }
        let s = &self.specialised_sme;
        check_fraction(file, "specialised_sme.rd_ratio_min", s.rd_ratio_min)?;
        let l = &self.little_giant;
        check_fraction(
            file,
            "little_giant.main_business_share_min",
            l.main_business_share_min,
        )?;
        check_fraction(
            file,
            "little_giant.niche_market_share_min",
            l.niche_market_share_min,
        )?;
        if l.rd_ratio_bands.is_empty() {
            return Err(cfg_err(
                file,
                "little_giant.rd_ratio_bands: need at least one band",
            ));
        }
        for (name, years) in [
            ("high_growth.period_years", self.high_growth.period_years),
            ("zone_gazelle.period_years", self.zone_gazelle.period_years),
        ] {
            if !(1..=3).contains(&years) {
                // Evidence carries three years of history.
                return Err(cfg_err(file, format!("{name} = {years}: must be 1..=3")));
            }
        }
        if self.unicorn.cny_per_usd <= Decimal::ZERO {
            return Err(cfg_err(file, "unicorn.cny_per_usd must be positive"));
        }
        let d = &self.digital_innovative;
        for (field, v) in [
            (
                "digital_innovative.data_spend_share_min",
                d.data_spend_share_min,
            ),
            (
                "digital_innovative.new_product_share_min",
                d.new_product_share_min,
            ),
            (
                "digital_innovative.technology_rd_ratio_min",
                d.technology_rd_ratio_min,
            ),
            (
                "digital_innovative.data_value_revenue_share_min",
                d.data_value_revenue_share_min,
            ),
        ] {
            check_fraction(file, field, v)?;
        }
        for (field, v) in [
            (
                "digital_innovative.revenue_growth_min",
                d.revenue_growth_min,
            ),
            (
                "digital_innovative.revenue_cagr_3y_min",
                d.revenue_cagr_3y_min,
            ),
        ] {
            if v <= -Decimal::ONE || v > Decimal::TEN {
                return Err(cfg_err(
                    file,
                    format!("{field} = {v}: a growth rate must lie in (-1, 10]"),
                ));
            }
        }
        if d.data_assets_above_yuan.fen() < 0 {
            return Err(cfg_err(
                file,
                "digital_innovative.data_assets_above_yuan must not be negative",
            ));
        }
        if d.table.0.lines().next().is_none() {
            return Err(cfg_err(
                file,
                format!(
                    "the digital-economy table {} has no line",
                    d.table.0.source()
                ),
            ));
        }
        Ok(())
    }

    /// Classifies with another digital-economy table (a revised or local one) instead of
    /// the shipped `data/registry/digital-economy-2021.csv`.
    pub fn set_classification(
        &mut self,
        table: std::sync::Arc<crate::digital::DigitalEconomyTable>,
    ) {
        self.digital_innovative.table = ClassificationTable(table);
    }

    /// The firm's class (分类) under this set: digital class and innovation types.
    pub fn classify(&self, ev: &Evidence<'_>) -> super::innovative::FirmClass {
        self.digital_innovative.classify(ev)
    }

    /// The set's id.
    pub fn id(&self) -> &str {
        &self.set.id
    }

    /// The criteria of this set as trait objects, in [`CriterionKind::ALL`] order.
    pub fn criteria(&self) -> Vec<Box<dyn Criterion + '_>> {
        vec![
            Box::new(self.tech_based_sme.clone()),
            Box::new(self.high_tech_enterprise.clone()),
            Box::new(InnovativeSmeCriterion {
                rules: &self.innovative_sme,
                high_tech: &self.high_tech_enterprise,
            }),
            Box::new(self.specialised_sme.clone()),
            Box::new(self.little_giant.clone()),
            Box::new(self.high_growth.clone()),
            Box::new(Gazelle(&self.high_growth)),
            Box::new(self.zone_gazelle.clone()),
            Box::new(self.unicorn.clone()),
            Box::new(self.digital_innovative.clone()),
        ]
    }

    /// Evaluates one criterion.
    pub fn evaluate_one<'s>(&'s self, kind: CriterionKind, ev: &Evidence<'_>) -> Verdict<'s> {
        let id = self.set.id.as_str();
        match kind {
            CriterionKind::TechBasedSme => self.tech_based_sme.evaluate(id, ev),
            CriterionKind::HighTechEnterprise => self.high_tech_enterprise.evaluate(id, ev),
            CriterionKind::InnovativeSme => {
                let ht = self.high_tech_enterprise.judge(id, ev, false).outcome;
                self.innovative_sme.evaluate_with(id, ev, ht, true)
            }
            CriterionKind::SpecialisedSme => self.specialised_sme.evaluate(id, ev),
            CriterionKind::LittleGiant => self.little_giant.evaluate(id, ev),
            CriterionKind::HighGrowth => self.high_growth.evaluate(id, ev),
            CriterionKind::Gazelle => self.high_growth.evaluate_gazelle(id, ev, true),
            CriterionKind::ZoneGazelle => self.zone_gazelle.evaluate(id, ev),
            CriterionKind::Unicorn => self.unicorn.evaluate(id, ev),
            CriterionKind::DigitalInnovative => self.digital_innovative.evaluate(id, ev),
        }
    }

    /// Evaluates every criterion for one firm-year.
    pub fn evaluate<'s>(&'s self, ev: &Evidence<'_>) -> Verdicts<'s> {
        let id = self.set.id.as_str();
        let ht = self.high_tech_enterprise.evaluate(id, ev);
        let inno = self.innovative_sme.evaluate_with(id, ev, ht.outcome, true);
        let verdicts = vec![
            self.tech_based_sme.evaluate(id, ev),
            ht,
            inno,
            self.specialised_sme.evaluate(id, ev),
            self.little_giant.evaluate(id, ev),
            self.high_growth.evaluate(id, ev),
            self.high_growth.evaluate_gazelle(id, ev, true),
            self.zone_gazelle.evaluate(id, ev),
            self.unicorn.evaluate(id, ev),
            self.digital_innovative.evaluate(id, ev),
        ];
        Verdicts {
            year: ev.year,
            verdicts,
        }
    }

    /// The outcome of every criterion for one firm-year, in [`CriterionKind::ALL`] order:
    /// the fast path (no conditions recorded, nothing allocated), same outcomes as
    /// [`CriteriaSet::evaluate`].
    pub fn outcomes(&self, ev: &Evidence<'_>) -> Outcomes {
        let id = self.set.id.as_str();
        let ht = self.high_tech_enterprise.judge(id, ev, false).outcome;
        [
            self.tech_based_sme.judge(id, ev, false).outcome,
            ht,
            self.innovative_sme.evaluate_with(id, ev, ht, false).outcome,
            self.specialised_sme.judge(id, ev, false).outcome,
            self.little_giant.judge(id, ev, false).outcome,
            self.high_growth.judge(id, ev, false).outcome,
            self.high_growth.evaluate_gazelle(id, ev, false).outcome,
            self.zone_gazelle.judge(id, ev, false).outcome,
            self.unicorn.judge(id, ev, false).outcome,
            self.digital_innovative.judge(id, ev, false).outcome,
        ]
    }
}

/// The shipped criteria sets (embedded, so the library works from any directory).
pub const EMBEDDED_SETS: [(&str, &str); 2] = [
    (
        "data/registry/criteria-cn-2022.toml",
        include_str!("../../../../data/registry/criteria-cn-2022.toml"),
    ),
    (
        "data/registry/criteria-cn-2026.toml",
        include_str!("../../../../data/registry/criteria-cn-2026.toml"),
    ),
];

/// Versioned criteria sets; picks the one in force on a date.
///
/// ```
/// use registry_model::criteria::CriteriaBook;
/// let book = CriteriaBook::embedded()?;
/// assert_eq!(book.for_year(2024)?.id(), "cn-2022");
/// assert_eq!(book.for_year(2026)?.id(), "cn-2026");
/// assert!(book.for_year(2020).is_err());
/// # Ok::<(), registry_model::RegistryError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriteriaBook {
    sets: Vec<CriteriaSet>,
}

impl CriteriaBook {
    /// A book of sets; ids must be unique and so must effective dates.
    pub fn new(mut sets: Vec<CriteriaSet>) -> Result<Self> {
        sets.sort_by_key(|s| s.set.effective_from);
        for w in sets.windows(2) {
            if let [a, b] = w
                && a.set.effective_from == b.set.effective_from
            {
                return Err(RegistryError::Duplicate {
                    what: "criteria set effective date",
                    key: format!("{} ({} and {})", a.set.effective_from, a.set.id, b.set.id),
                });
            }
        }
        for (i, s) in sets.iter().enumerate() {
            if sets.iter().skip(i + 1).any(|t| t.set.id == s.set.id) {
                return Err(RegistryError::Duplicate {
                    what: "criteria set",
                    key: s.set.id.clone(),
                });
            }
        }
        Ok(Self { sets })
    }

    /// The sets shipped in `data/registry/`.
    pub fn embedded() -> Result<Self> {
        let sets = EMBEDDED_SETS
            .iter()
            .map(|(file, text)| CriteriaSet::from_toml_str(text, file))
            .collect::<Result<Vec<_>>>()?;
        Self::new(sets)
    }

    /// Every set, oldest first.
    pub fn sets(&self) -> &[CriteriaSet] {
        &self.sets
    }

    /// The set with this id.
    pub fn get(&self, id: &str) -> Result<&CriteriaSet> {
        self.sets
            .iter()
            .find(|s| s.set.id == id)
            .ok_or_else(|| RegistryError::NotFound {
                what: "criteria set",
                key: id.to_string(),
            })
    }

    /// The set in force on `date`: the latest whose effective date is on or before it.
    pub fn in_force_on(&self, date: NaiveDate) -> Result<&CriteriaSet> {
        self.sets
            .iter()
            .rev()
            .find(|s| s.set.effective_from <= date)
            .ok_or_else(|| RegistryError::NoCriteriaSet {
                date,
                earliest: self.sets.first().map_or_else(
                    || "never (no sets)".to_string(),
                    |s| s.set.effective_from.to_string(),
                ),
            })
    }

    /// The set that judges statistical year `year`: the one in force on its last day.
    pub fn for_year(&self, year: Year) -> Result<&CriteriaSet> {
        self.in_force_on(crate::report::year_end(year))
    }
}
