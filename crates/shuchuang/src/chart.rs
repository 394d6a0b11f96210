//! Charts are drawn by the report crate.

pub use report::chart::*;
