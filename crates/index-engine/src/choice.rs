//! One value for the method a run uses, whichever it is: the methods are different types
//! (each with its own prepared state), so a caller that picks one at run time holds a
//! [`MethodChoice`] and runs generic code on it with [`with_method!`](crate::with_method).

use crate::level::Level;
use crate::published_chain::PublishedChain;

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
