//! The official criteria, one type per standard behind the [`Criterion`] trait, with their
//! thresholds in versioned [`CriteriaSet`]s.
//!
//! A revision of the rules is a new set with its own effective date, never an edit of an old
//! one: a verdict for 2023 stays reproducible after the 2026 revision ships.
//!
//! | file | what it owns |
//! |---|---|
//! | `mod.rs` | the [`Criterion`] trait ([`CriterionKind`] lives in its own file below, shared with the verdicts) |
//! | `builder.rs` | the verdict builder: each condition recorded with threshold, value and citation; exact money and ratio tests |
//! | `tech.rs` | 科技型中小企业 ([`TechBasedSme`], scored) and 高新技术企业 ([`HighTechEnterprise`]) |
//! | `sme.rs` | the SME gradient: 创新型 ([`InnovativeSme`]), 专精特新 ([`SpecialisedSme`]), 小巨人 ([`LittleGiant`]) |
//! | `growth.rs` | high growth and gazelles (Eurostat-OECD [`HighGrowth`], [`ZoneGazelle`]) and 独角兽 ([`Unicorn`]) |
//! | `innovative.rs` | 数创企业 ([`DigitalInnovative`]: digital class, data as a key input, growth, agility) and the classification ([`FirmClass`], [`InnovationType`]) |
//! | `set.rs` | versioned [`CriteriaSet`]s from TOML, their checks, [`Verdicts`], the [`CriteriaBook`] of dated sets |

use crate::report::Evidence;
use crate::verdict::{Outcome, Verdict};

#[macro_use]
mod builder;
mod growth;
mod innovative;
mod rulebook;
mod set;
mod sme;
mod tech;

pub use crate::kind::CriterionKind;
pub use growth::{Gazelle, HighGrowth, Unicorn, ZoneGazelle};
pub use innovative::{ClassificationTable, DigitalInnovative, FirmClass, InnovationType};
pub use rulebook::Rulebook;
pub use set::{CriteriaBook, CriteriaSet, EMBEDDED_SETS, Outcomes, SetInfo, Verdicts};
pub use sme::{
    InnovativeSme, InnovativeSmeCriterion, LittleGiant, RevenueFloorBand, SpecialisedSme,
};
pub use tech::{Bracket, HighTechEnterprise, RdBand, TechBasedSme};

/// One official standard: evaluates a firm-year into a [`Verdict`].
pub trait Criterion: Send + Sync {
    /// Which standard this is.
    fn kind(&self) -> CriterionKind;
    /// The document cited by its conditions.
    fn document(&self) -> &str;
    /// Judges one firm and year. With `detail` the verdict lists every condition and the
    /// missing facts; without, only the outcome is computed (the fast path for whole cohorts:
    /// no allocation, same outcome). Never fails: missing facts make "cannot tell".
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s>;
    /// Judges one firm and year with every condition (see [`Criterion::judge`]).
    fn evaluate<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>) -> Verdict<'s> {
        self.judge(set_id, ev, true)
    }
    /// The outcome only.
    fn outcome(&self, set_id: &str, ev: &Evidence<'_>) -> Outcome {
        self.judge(set_id, ev, false).outcome
    }
}
