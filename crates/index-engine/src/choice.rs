//! One value for the method a run uses, whichever it is: the methods are different types
//! (each with its own prepared state), so a caller that picks one at run time holds a
//! [`MethodChoice`] and runs generic code on it with [`with_method!`](crate::with_method).

use serde::{Deserialize, Serialize};

use crate::fill::Interpolation;
use crate::level::{Aggregation, Level};
use crate::normalise::Normalisation;
use crate::published::{Published, PublishedRule};
use crate::published_chain::PublishedChain;

/// The family of index method a run asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum MethodKind {
    /// Symmetric growth rates chained from the base year (CAICT 2025).
    #[default]
    Chain,
    /// Normalised levels per year, compared across units.
    Level,
}

/// A run's method as its options name it: the one place where the command line, the Python
/// package and the analyses turn options into a [`MethodChoice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodSpec {
    /// Chain or level.
    pub kind: MethodKind,
    /// Normalisation of the level method.
    pub normalisation: Normalisation,
    /// Aggregation of the level method.
    pub aggregation: Aggregation,
    /// How interior gaps are filled; a published chain fills its own paths the same way.
    pub interpolation: Interpolation,
}

impl MethodSpec {
    /// The level method the options name (used when [`Self::kind`] is [`MethodKind::Level`]).
    pub fn level(&self) -> Level {
        Level {
            normalisation: self.normalisation,
            aggregation: self.aggregation,
        }
    }

    /// Whether published figures can stand in (the chain only: published index paths are
    /// growth paths, which the level method has no use for).
    pub fn takes_published(&self) -> bool {
        self.kind == MethodKind::Chain
    }

    /// The method of the run: the level method, or the chain with the published paths when
    /// there are any (ignored by the level method; see [`Self::takes_published`]).
    pub fn choice<'a>(
        &self,
        published: Option<&'a Published>,
        rule: &'a PublishedRule,
    ) -> MethodChoice<'a> {
        match (self.kind, published) {
            (MethodKind::Level, _) => MethodChoice::Level(self.level()),
            (MethodKind::Chain, Some(p)) => {
                MethodChoice::Published(PublishedChain::new(p, rule, self.interpolation.gap_fill()))
            }
            (MethodKind::Chain, None) => MethodChoice::Chain,
        }
    }
}

/// The method of a run, chosen at run time.
#[derive(Clone, Copy)]
pub enum MethodChoice<'a> {
    /// The symmetric chain from the observations alone.
    Chain,
    /// The chain with published paths standing in where the data falls short.
    Published(PublishedChain<'a>),
    /// Normalised levels compared across units.
    Level(Level),
}

/// Runs `$body` with `$m` bound to a reference to the method of a [`MethodChoice`] (each
/// arm a different type, so the body is compiled once per method):
///
/// ```
/// use index_engine::{compute_with, Framework, MethodChoice, NodeSpec, Panel, Observation};
/// let fw = Framework::from_nodes(vec![NodeSpec::root("t"), NodeSpec::child("a", "t")])?;
/// let panel = Panel::from_records(&fw, vec![
///     Observation::new("a", "X", 2023, 1.0),
///     Observation::new("a", "X", 2024, 2.0),
/// ])?;
/// let filled = index_engine::ComputeOptions::default().fill(&panel)?;
/// let choice = MethodChoice::Chain;
/// let r = index_engine::with_method!(&choice, m => compute_with(m, &fw, &filled, None)?);
/// // The total of one leaf that doubled: 100·(200 + g)/(200 − g) with g = 200/3.
/// assert!((r.cell("t", "X", 2024)?.index.unwrap() - 200.0).abs() < 1e-9);
/// # Ok::<(), index_engine::IndexError>(())
/// ```
#[macro_export]
macro_rules! with_method {
    ($choice:expr, $m:ident => $body:expr) => {
        match $choice {
            $crate::MethodChoice::Chain => {
                let $m = &$crate::Chain;
                $body
            }
            $crate::MethodChoice::Published(p) => {
                let $m = p;
                $body
            }
            $crate::MethodChoice::Level(l) => {
                let $m = l;
                $body
            }
        }
    };
}
