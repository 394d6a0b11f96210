//! [`CriterionKind`]: which official standard a verdict answers. Its own file because both
//! the criteria and the verdicts name it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};

/// The official standards the registry evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    /// 科技型中小企业 (scored), 国科发政〔2017〕115号.
    TechBasedSme,
    /// 高新技术企业, 国科发火〔2016〕32号.
    HighTechEnterprise,
    /// 创新型中小企业, SME gradient rules.
    InnovativeSme,
    /// 专精特新中小企业, SME gradient rules.
    SpecialisedSme,
    /// 专精特新"小巨人", SME gradient rules.
    LittleGiant,
    /// High-growth enterprise (Eurostat-OECD).
    HighGrowth,
    /// Gazelle (Eurostat-OECD): a high-growth enterprise up to five years old.
    Gazelle,
    /// 瞪羚 as high-tech zones define it.
    ZoneGazelle,
    /// 独角兽 (Torch Centre rule).
    Unicorn,
    /// 数创企业: a digital-economy class with data as a key input, growth and agility (the
    /// national measures' definition; thresholds are program defaults).
    DigitalInnovative,
}

impl CriterionKind {
    /// Every criterion, in evaluation order.
    pub const ALL: [CriterionKind; 10] = [
        CriterionKind::TechBasedSme,
        CriterionKind::HighTechEnterprise,
        CriterionKind::InnovativeSme,
        CriterionKind::SpecialisedSme,
        CriterionKind::LittleGiant,
        CriterionKind::HighGrowth,
        CriterionKind::Gazelle,
        CriterionKind::ZoneGazelle,
        CriterionKind::Unicorn,
        CriterionKind::DigitalInnovative,
    ];

    /// The key used in files (`tech_based_sme`).
    pub fn key(self) -> &'static str {
        match self {
            CriterionKind::TechBasedSme => "tech_based_sme",
            CriterionKind::HighTechEnterprise => "high_tech_enterprise",
            CriterionKind::InnovativeSme => "innovative_sme",
            CriterionKind::SpecialisedSme => "specialised_sme",
            CriterionKind::LittleGiant => "little_giant",
            CriterionKind::HighGrowth => "high_growth",
            CriterionKind::Gazelle => "gazelle",
            CriterionKind::ZoneGazelle => "zone_gazelle",
            CriterionKind::Unicorn => "unicorn",
            CriterionKind::DigitalInnovative => "digital_innovative",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            CriterionKind::TechBasedSme => "科技型中小企业",
            CriterionKind::HighTechEnterprise => "高新技术企业",
            CriterionKind::InnovativeSme => "创新型中小企业",
            CriterionKind::SpecialisedSme => "专精特新中小企业",
            CriterionKind::LittleGiant => "专精特新小巨人",
            CriterionKind::HighGrowth => "高成长企业",
            CriterionKind::Gazelle => "瞪羚企业(OECD)",
            CriterionKind::ZoneGazelle => "瞪羚企业(高新区)",
            CriterionKind::Unicorn => "独角兽企业",
            CriterionKind::DigitalInnovative => "数创企业",
        }
    }

    /// Position in [`CriterionKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for CriterionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for CriterionKind {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self> {
        CriterionKind::ALL
            .into_iter()
            .find(|k| k.key() == s.trim())
            .ok_or_else(|| RegistryError::NotFound {
                what: "criterion",
                key: s.to_string(),
            })
    }
}
