//! The adjustment a store would commit, computed without writing: what `adjust` commits and
//! what a dry run shows come from this one function.

use crate::adjust::Adjustment;
use crate::criteria::CriteriaSet;
use crate::error::Result;
use crate::policy::TierPolicy;
use crate::store::RegistryStore;
use crate::tier::Year;

/// The adjustment of `year` on the stored firms and reports, starting from the standings of
/// the last adjusted year, without committing it. Refused, as a commit would be, when `year`
/// is not the year after the last adjusted one.
///
/// [`RegistryStore::adjust_with_review`] commits exactly this (after its review step), so a
/// preview shows what the commit would write, entry for entry.
///
/// ```
/// use registry_model::cohort::{CohortSpec, generate_cohort};
/// use registry_model::{CriteriaBook, MemoryStore, RegistryStore, RulePolicy};
/// use registry_model::preview::preview_adjustment;
///
/// let (firms, reports) = generate_cohort(&CohortSpec { count: 50, first_year: 2021, last_year: 2024, seed: 3 })?;
/// let mut store = MemoryStore::new();
/// store.insert(&firms, &reports)?;
/// let book = CriteriaBook::embedded()?;
/// let policy = RulePolicy::default_policy()?;
/// let preview = preview_adjustment(&store, 2024, book.for_year(2024)?, &policy)?;
/// assert_eq!(store.adjusted_years()?, Vec::<i32>::new()); // nothing written
/// let committed = store.adjust(2024, book.for_year(2024)?, &policy)?;
/// assert_eq!(preview, committed);
/// # Ok::<(), registry_model::RegistryError>(())
/// ```
pub fn preview_adjustment<S: RegistryStore + ?Sized>(
    store: &S,
    year: Year,
    set: &CriteriaSet,
    policy: &dyn TierPolicy,
) -> Result<Adjustment> {
    store.preview_adjustment(year, set, policy)
}
