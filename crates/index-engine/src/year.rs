//! Statistical years: plain integers.

/// A statistical year.
pub type Year = i32;
