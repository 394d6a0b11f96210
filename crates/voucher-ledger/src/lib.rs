//! # voucher-ledger
//!
//! (Being built: see docs/voucher-ledger.md.)
#![warn(missing_docs)]
