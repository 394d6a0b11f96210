//! The criteria and the tier policy one run judges by, chosen once: a criteria set from a
//! file, or the shipped book with the set in force in each year (or one set forced by id);
//! the tier policy from a file or the shipped one.

use std::path::Path;

use super::set::{CriteriaBook, CriteriaSet};
use crate::error::Result;
use crate::policy::RulePolicy;
use crate::tier::Year;

/// The criteria book, the set forced on every year (if any), and the tier policy.
///
/// ```
/// use registry_model::criteria::Rulebook;
/// let rules = Rulebook::load(None, None, None)?; // the shipped sets and policy
/// let set = rules.set_for(2025)?;                // the set in force on 2025-12-31
/// assert!(!set.id().is_empty());
/// # Ok::<(), registry_model::RegistryError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Rulebook {
    book: CriteriaBook,
    forced: Option<String>,
    policy: RulePolicy,
}

impl Rulebook {
    /// `criteria`: a criteria set file, which then judges every year (`set_id` is ignored);
    /// without it the shipped book, with `set_id` forcing one of its sets (checked here).
    /// `policy`: a tier-policy file, or the shipped policy.
    pub fn load(
        criteria: Option<&Path>,
        set_id: Option<&str>,
        policy: Option<&Path>,
    ) -> Result<Self> {
        let (book, forced) = match criteria {
            Some(path) => {
                let set = CriteriaSet::from_path(path)?;
                let id = set.id().to_string();
                (CriteriaBook::new(vec![set])?, Some(id))
            }
            None => (CriteriaBook::embedded()?, set_id.map(str::to_string)),
        };
        if let Some(id) = &forced {
            book.get(id)?;
        }
        let policy = match policy {
            Some(p) => RulePolicy::from_path(p)?,
            None => RulePolicy::default_policy()?,
        };
        Ok(Self {
            book,
            forced,
            policy,
        })
    }

    /// The set that judges `year`: the forced one, or the one in force on its last day.
    pub fn set_for(&self, year: Year) -> Result<&CriteriaSet> {
        match &self.forced {
            Some(id) => self.book.get(id),
            None => self.book.for_year(year),
        }
    }

    /// The tier policy.
    pub fn policy(&self) -> &RulePolicy {
        &self.policy
    }

    /// The criteria book.
    pub fn book(&self) -> &CriteriaBook {
        &self.book
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forced_set_judges_every_year_and_an_unknown_one_is_refused() {
        let shipped = Rulebook::load(None, None, None).unwrap();
        let first = shipped.book().sets()[0].id().to_string();
        let forced = Rulebook::load(None, Some(&first), None).unwrap();
        for year in [2015, 2025, 2035] {
            assert_eq!(forced.set_for(year).unwrap().id(), first);
        }
        let err = Rulebook::load(None, Some("no-such-set"), None).unwrap_err();
        assert!(err.to_string().contains("no-such-set"), "{err}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let err =
            Rulebook::load(Some(Path::new("/nonexistent/criteria.toml")), None, None).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/criteria.toml"),
            "{err}"
        );
        let err =
            Rulebook::load(None, None, Some(Path::new("/nonexistent/policy.toml"))).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/policy.toml"),
            "{err}"
        );
    }
}
