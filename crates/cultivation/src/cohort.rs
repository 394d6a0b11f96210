//! How the synthetic cohort was made, remembered so that a later year extends it with the
//! same seed (the generator draws each firm's years in order, so earlier years come out the
//! same).

use serde::{Deserialize, Serialize};

use crate::error::Result;
use registry_model::Year;

/// The cohort's recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortMeta {
    /// Firms generated.
    pub firms: usize,
    /// The seed.
    pub seed: u64,
    /// The first year with reports.
    pub first_year: Year,
}

/// Where the cycle keeps a [`CohortMeta`]: a file of the data directory
/// ([`crate::DataDir`]), or memory for a run on in-memory stores.
pub trait CohortMemory {
    /// The recipe remembered, if any.
    fn recall(&self) -> Result<Option<CohortMeta>>;
    /// Remembers the recipe (whole or not at all).
    fn remember(&mut self, meta: &CohortMeta) -> Result<()>;
}

impl CohortMemory for Option<CohortMeta> {
    fn recall(&self) -> Result<Option<CohortMeta>> {
        Ok(*self)
    }

    fn remember(&mut self, meta: &CohortMeta) -> Result<()> {
        *self = Some(*meta);
        Ok(())
    }
}
