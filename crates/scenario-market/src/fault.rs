//! The faults of the crate's two seams, below everything else: the error type wraps them
//! and the seams return them, so neither imports the other through a circle.

use serde::{Deserialize, Serialize};

/// Why a batch did not go through. Nothing of the batch was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerFault {
    /// A rule refused a request (a fund or an escrow too short, an unknown program).
    #[error("request '{request_id}' declined: {reason}")]
    Declined {
        /// The request refused.
        request_id: String,
        /// Why.
        reason: String,
    },
    /// The request id was applied before with a different movement.
    #[error("request id '{request_id}' was already used for a different movement")]
    Conflict {
        /// The request id.
        request_id: String,
    },
    /// The ledger could not write (storage failure).
    #[error("the ledger failed: {reason}")]
    Failed {
        /// What failed.
        reason: String,
    },
}

/// Why the directory could not answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("firm directory: {reason}")]
pub struct DirectoryFault {
    /// What failed.
    pub reason: String,
}
