//! # compute-scheduler
//!
//! (Being built: see docs/compute-scheduler.md.)
#![warn(missing_docs)]
