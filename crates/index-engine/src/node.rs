//! The nodes of a framework: [`NodeSpec`] as written by the user (CSV row or code), [`Node`]
//! as validated inside a [`crate::Framework`], and the [`Direction`] of an indicator.

use serde::{Deserialize, Serialize};

use crate::targets::Goalposts;
use crate::year::Year;

/// Whether more of an indicator is better (growth enters the parent as is) or worse
/// (growth enters the parent negated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Direction `1`: higher values raise the parent.
    #[default]
    HigherIsBetter,
    /// Direction `-1`: higher values lower the parent.
    LowerIsBetter,
}

impl Direction {
    /// `1.0` or `-1.0`, the factor applied to the node's growth inside its parent.
    pub fn sign(self) -> f64 {
        match self {
            Self::HigherIsBetter => 1.0,
            Self::LowerIsBetter => -1.0,
        }
    }

    /// The CSV spelling: `1` or `-1`.
    pub fn as_csv(self) -> &'static str {
        match self {
            Self::HigherIsBetter => "1",
            Self::LowerIsBetter => "-1",
        }
    }
}

/// One node as written by the user: the input to [`Framework::from_nodes`].
///
/// ```
/// use index_engine::{Direction, NodeSpec};
/// let leaf = NodeSpec::child("co2_per_gdp", "green")
///     .weight(2.0)
///     .direction(Direction::LowerIsBetter)
///     .names("单位GDP碳排放", "CO2 per unit of GDP")
///     .unit("t/10k_yuan");
/// assert_eq!(leaf.parent.as_deref(), Some("green"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeSpec {
    /// Unique id; observations refer to leaves by it.
    pub id: String,
    /// Parent id; `None` for the root.
    pub parent: Option<String>,
    /// Depth as declared (root 0); checked against the tree when given.
    pub level: Option<u32>,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Relative weight among siblings; `None` means equal weights among siblings.
    pub weight: Option<f64>,
    /// Whether higher is better.
    pub direction: Direction,
    /// Unit of measurement of the indicator's values (leaves).
    pub unit: String,
    /// The latest year for which the source publishes the indicator (leaves only; the CAICT
    /// report's "(2024)" marks). A value after it can only be an estimate: it counts in
    /// `estimated_share` whatever its flag. `None`: not recorded.
    #[serde(default)]
    pub latest_year: Option<Year>,
    /// The value to reach (leaves only), for the distance-to-target normalisation.
    #[serde(default)]
    pub target: Option<f64>,
    /// Fixed low and high values (leaves only), for the goalposts normalisation.
    #[serde(default)]
    pub goalposts: Option<Goalposts>,
}

impl NodeSpec {
    /// The root node (the composite index).
    pub fn root(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            parent: None,
            level: None,
            name_zh: String::new(),
            name_en: String::new(),
            weight: None,
            direction: Direction::HigherIsBetter,
            unit: String::new(),
            latest_year: None,
            target: None,
            goalposts: None,
        }
    }

    /// A node under `parent`, with equal weight among its siblings and direction 1.
    pub fn child(id: impl Into<String>, parent: impl Into<String>) -> Self {
        Self {
            parent: Some(parent.into()),
            ..Self::root(id)
        }
    }

    /// Sets the relative weight among siblings.
    #[must_use]
    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Sets the direction.
    #[must_use]
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// Sets the Chinese and English names.
    #[must_use]
    pub fn names(mut self, name_zh: impl Into<String>, name_en: impl Into<String>) -> Self {
        self.name_zh = name_zh.into();
        self.name_en = name_en.into();
        self
    }

    /// Sets the unit of measurement.
    #[must_use]
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = unit.into();
        self
    }

    /// Sets the target value (leaves only; see [`crate::Normalisation::DistanceToTarget`]).
    #[must_use]
    pub fn target(mut self, target: f64) -> Self {
        self.target = Some(target);
        self
    }

    /// Sets the goalposts (leaves only; see [`crate::Normalisation::Goalposts`]).
    #[must_use]
    pub fn goalposts(mut self, lower: f64, upper: f64) -> Self {
        self.goalposts = Some(Goalposts { lower, upper });
        self
    }

    /// Sets the latest year for which the source publishes the indicator (leaves only).
    #[must_use]
    pub fn latest_year(mut self, year: Year) -> Self {
        self.latest_year = Some(year);
        self
    }
}

/// A validated node of a [`Framework`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The node as given.
    pub spec: NodeSpec,
    /// Depth in the tree (root 0).
    pub depth: u32,
    /// Index of the parent in [`Framework::nodes`].
    pub parent: Option<usize>,
    /// Indices of the children in [`Framework::nodes`], in input order.
    pub children: Vec<usize>,
    /// Weight among siblings, renormalised so siblings sum to 1 (the root has 1).
    pub weight: f64,
    /// Position among the leaves (the panel's first axis) when this node is a leaf.
    pub leaf: Option<usize>,
}
