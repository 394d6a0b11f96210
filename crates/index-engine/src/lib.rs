//! # index-engine
//!
//! (Being built: see docs/index-engine.md.)
#![warn(missing_docs)]
