//! # sandbox-rules
//!
//! (Being built: see docs/sandbox-rules.md.)
#![warn(missing_docs)]
