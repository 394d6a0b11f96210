//! How a result derives `contribution` and `total_contribution`, and which children take part
//! in a parent's figure: the rule a [`crate::Method`] declares and the result follows when read.

use serde::{Deserialize, Serialize};

/// How a result derives `contribution` and `total_contribution` from its stored figures.
///
/// A child takes part in its parent in a year when its participation figure exists (growth
/// for [`Self::OfGrowth`], the index or score for [`Self::OfScore`]); its renormalised weight
/// is its weight over the sum of the weights of the children taking part. `contribution` is
/// that weight × the base figure; `total_contribution` is the product of those weights on
/// the path from the root × the base figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Contributions {
    /// Base figure: the growth; direction −1 negates the weight (the chain method).
    OfGrowth,
    /// Base figure: the score as it enters the parent: `mirror − score` for direction −1,
    /// the score otherwise (level methods with arithmetic aggregation).
    OfScore {
        /// The mirror value of the scale (100 for min-max 0–100, 0 for z-scores).
        mirror: f64,
    },
    /// The method has no additive contributions (geometric aggregation).
    None,
}
