//! # index-engine
//!
//! Composite indices from raw panel data: indicator frameworks, observations of many units
//! over many years, the symmetric chain method of the CAICT 2025 science-industry fusion index
//! (两创融合指数), gap filling with every filled value flagged, contributions, one-at-a-time
//! weight sensitivity and seeded Monte Carlo uncertainty. A level-based method (seven
//! normalisations; arithmetic, geometric, harmonic or median aggregation) compares units in a
//! year.
//!
//! ```
//! use index_engine::{compute, ComputeOptions, Framework, NodeSpec, Observation, Panel};
//!
//! // A framework built in code: a total over two indicators, the second weighted double.
//! let fw = Framework::from_nodes(vec![
//!     NodeSpec::root("total"),
//!     NodeSpec::child("firms", "total").weight(1.0),
//!     NodeSpec::child("revenue", "total").weight(2.0),
//! ])?;
//! let obs = vec![
//!     Observation::new("firms", "Zhejiang", 2023, 100.0),
//!     Observation::new("firms", "Zhejiang", 2024, 125.0),
//!     Observation::new("revenue", "Zhejiang", 2023, 50.0),
//!     // revenue 2024 not published yet: carried forward and flagged
//! ];
//! let panel = Panel::from_records(&fw, obs)?;
//! let result = compute(&fw, &panel, &ComputeOptions { to_year: Some(2024), ..Default::default() })?;
//!
//! let firms = result.cell("firms", "Zhejiang", 2024)?;
//! assert_eq!(firms.index, Some(125.0)); // a leaf's index is 100·x_t/x_base
//! let g = 200.0 * (125.0 - 100.0) / (125.0 + 100.0); // symmetric growth of firms
//! let total = result.cell("total", "Zhejiang", 2024)?;
//! assert!((total.growth.unwrap() - g / 3.0).abs() < 1e-12); // revenue carried: growth 0
//! assert!((total.estimated_share.unwrap() - 2.0 / 3.0).abs() < 1e-12);
//! // Nothing rests on a leaf without data, and the figure says what it rests on.
//! assert_eq!((total.missing_share, total.source), (0.0, index_engine::Source::Carried));
//! # Ok::<(), index_engine::IndexError>(())
//! ```
//!
//! The pieces, in the order data flows:
//! - [`Framework`] (from CSV with [`Framework::read_csv`] or from [`NodeSpec`]s);
//! - [`Panel`] (from CSV with [`Panel::read_csv`] or records with [`Panel::from_records`]);
//! - [`FilledPanel`] (gap filling by a [`GapFill`], e.g. [`Interpolation::Geometric`]);
//! - optionally [`Published`] figures of aggregate nodes, with a [`PublishedRule`] of which
//!   nodes take their published path;
//! - a [`Method`] ([`Chain`], [`Level`] or [`PublishedChain`]) run by [`compute_with`] into
//!   an [`IndexResult`], whose every [`Cell`] carries its estimated and missing shares and its
//!   [`Source`];
//! - for a level method, optionally [`outliers::treat`] between filling and computing
//!   (COINr's winsorise-then-log rule, every treated value recorded);
//! - [`sensitivity::one_at_a_time`], [`uncertainty::monte_carlo`],
//!   [`validate::validate`] and [`analysis::analyse`] (correlations, Cronbach's alpha, PCA)
//!   on top.
//!
//! The crate never touches a file path: readers come in with a name for error messages.
#![warn(missing_docs)]

mod chain;
mod choice;
mod contributions;
mod csv_in;
mod error;
mod fill;
mod framework;
mod growth;
mod level;
mod method;
mod nan_serde;
mod node;
mod normalise;
mod overlay;
mod panel;
mod published_chain;
mod rank;
mod rank_draws;
mod result;
mod source;
mod targets;
mod treated;
mod tree;
mod year;

pub mod analysis;
pub mod caict2025;
pub mod copeland;
pub mod outliers;
pub mod published;
pub mod sensitivity;
pub mod sobol;
pub mod synth;
pub mod uncertainty;
pub mod validate;

pub use chain::{Chain, ChainUnit};
pub use choice::{MethodChoice, MethodKind, MethodSpec};
pub use contributions::Contributions;
pub use error::{IndexError, Result};
pub use fill::{
    FillNote, FilledPanel, Flag, GapFill, GapOutcome, Geometric, Interpolation, LeaveGaps, Linear,
};
pub use framework::{Framework, MAX_DEPTH, MAX_NODES};
pub use growth::{chain_factor, symmetric_growth};
pub use level::{Aggregation, Level, LevelPrepared, LevelUnit, weighted_median};
pub use method::{Method, PanelIndex, UnitDetail, UnitOutput, compute_with, compute_with_owned};
pub use node::{Direction, Node, NodeSpec};
pub use normalise::Normalisation;
pub use outliers::{OutlierRule, OutlierTreatment};
pub use overlay::Overlay;
pub use panel::{MAX_CELLS, MAX_OBSERVATIONS, MAX_YEARS, Observation, Panel, PanelBuilder};
pub use published::{
    PUBLISHED_MAX, Published, PublishedFigure, PublishedKind, PublishedRule, PublishedUse,
};
pub use published_chain::{PublishedChain, PublishedPrepared, PublishedUnit};
pub use rank::{Ranks, TIE_TOLERANCE};
pub use result::{Cell, IndexResult, Row};
pub use source::Source;
pub use targets::{Goalposts, TARGET_COLUMNS};
pub use treated::{TreatedValue, Treatment};
pub use year::Year;

use serde::{Deserialize, Serialize};

/// The choices of a computation besides the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ComputeOptions {
    /// First computed year, index 100 (default: the first year with data).
    pub base_year: Option<Year>,
    /// Last computed year (default: the last year with data); trailing gaps up to it are
    /// carried forward.
    pub to_year: Option<Year>,
    /// How interior gaps are filled.
    pub interpolation: Interpolation,
}

impl ComputeOptions {
    /// Fills `panel` as these options say.
    pub fn fill(&self, panel: &Panel) -> Result<FilledPanel> {
        FilledPanel::new(
            panel,
            self.interpolation.gap_fill(),
            self.base_year,
            self.to_year,
        )
    }
}

impl ComputeOptions {
    /// Fills `panel` as these options say, consuming it (in place when the observations
    /// span exactly the computed years).
    pub fn fill_owned(&self, panel: Panel) -> Result<FilledPanel> {
        FilledPanel::from_panel(
            panel,
            self.interpolation.gap_fill(),
            self.base_year,
            self.to_year,
        )
    }
}

/// Fills `panel` and computes the symmetric chain index with the framework's weights (the
/// raw computation: every figure from the observations alone).
pub fn compute(
    framework: &Framework,
    panel: &Panel,
    options: &ComputeOptions,
) -> Result<IndexResult> {
    let filled = options.fill(panel)?;
    compute_with_owned(&Chain, framework, filled, None)
}

/// Fills `panel` and computes the chain index with `published` figures standing in for the
/// nodes that `rule` selects ([`PublishedChain`]); interior years of a published path are
/// filled like the leaves' gaps.
pub fn compute_published(
    framework: &Framework,
    panel: &Panel,
    published: &Published,
    rule: &PublishedRule,
    options: &ComputeOptions,
) -> Result<IndexResult> {
    let filled = options.fill(panel)?;
    let method = PublishedChain::new(published, rule, options.interpolation.gap_fill());
    compute_with_owned(&method, framework, filled, None)
}
