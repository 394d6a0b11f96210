//! Benefit matching (惠企政策自动适配): every firm against a set of benefit policies.
//!
//! A policy set is a rule set in mode `all`: each base rule is one policy, with an outcome,
//! the program that pays it and an amount rule. For each firm, a policy whose conditions
//! hold on complete facts is granted without application (免申即享); one kept open by missing
//! facts is pending, with the list of what the firm must supply (快申快享).

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::eval::{Conflict, Grant, Options, Pending};
use crate::facts::Facts;
use crate::model::RuleSet;

/// The benefits of one firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmBenefits {
    /// The firm's id, as given.
    pub firm: String,
    /// Benefits granted without application, with amounts, programs, reasons, citations.
    pub granted: Vec<Grant>,
    /// Benefits the firm may get once it supplies the missing facts.
    pub pending: Vec<Pending>,
    /// Policies whose exceptions clash for this firm (to be settled by the program office).
    pub conflicts: Vec<Conflict>,
    /// Sum of the granted amounts, yuan.
    pub total_yuan: Decimal,
}

/// Matches every firm against the policies of `set` on `date`, in parallel; the output is in
/// input order whatever the thread count. `reasons` adds the conditions that held to every
/// grant (costs time on large runs).
pub fn match_benefits<F: Facts + Sync>(
    set: &RuleSet,
    firms: &[(String, F)],
    date: NaiveDate,
    reasons: bool,
) -> Vec<FirmBenefits> {
    let opts = Options {
        trace: false,
        reasons,
    };
    firms
        .par_iter()
        .with_min_len(256)
        .map(|(id, facts)| {
            let d = set.evaluate_with(facts, date, opts);
            let total_yuan = d
                .granted
                .iter()
                .filter_map(|g| g.amount_yuan)
                .fold(Decimal::ZERO, |a, b| a.saturating_add(b));
            FirmBenefits {
                firm: id.clone(),
                granted: d.granted,
                pending: d.pending,
                conflicts: d.conflicts,
                total_yuan,
            }
        })
        .collect()
}
