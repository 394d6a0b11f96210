//! Evaluation: a rule set, facts and a date in; a decision with its reasons (and, on
//! request, the full trace) out.
//!
//! Logic is three-valued: a test on a fact that is not known is *unknown*, never silently
//! false. `all` is false as soon as one part is false, `any` true as soon as one part is true;
//! otherwise an unknown part leaves the whole unknown. A rule whose condition is unknown
//! cannot decide; the decision then lists the facts that are missing.
//!
//! Exceptions (default logic, as in Catala): an exception is considered only when the rule it
//! is an exception to applies; when the exception applies too, its outcome replaces the
//! rule's. Two applicable exceptions of one rule with different outcomes are a conflict,
//! reported as such and never resolved silently.
//!
//! | file | what it owns |
//! |---|---|
//! | `mod.rs` | the entry points: [`RuleSet::evaluate`], [`RuleSet::explain`], `evaluate_with`, `evaluate_many` |
//! | `decision.rs` | what comes out: [`Decision`], [`Grant`], [`Conflict`], the [`Trace`] and their display |
//! | `engine.rs` | the evaluator's state: facts read once, three-valued conditions, the rule tree with exceptions |
//! | `run.rs` | one evaluation from start to decision: reasons, amounts, the mode's combination |

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::facts::Facts;
use crate::model::RuleSet;

mod decision;
mod engine;
mod run;

pub use decision::{
    CondTrace, Conflict, Decision, FactUse, Grant, InvalidFact, Options, ParamUse, Pending,
    RuleStatus, RuleTrace, Status, Trace, Truth,
};
use engine::Eval;

impl RuleSet {
    /// Evaluates the set on `facts` at `date`, with reasons for each grant, without a trace.
    pub fn evaluate<F: Facts + ?Sized>(&self, facts: &F, date: NaiveDate) -> Decision {
        self.evaluate_with(
            facts,
            date,
            Options {
                trace: false,
                reasons: true,
            },
        )
    }

    /// Evaluates with the full trace: every rule considered, every condition with its actual
    /// value, the parameter values used and their dates, the citations.
    pub fn explain<F: Facts + ?Sized>(&self, facts: &F, date: NaiveDate) -> Decision {
        self.evaluate_with(
            facts,
            date,
            Options {
                trace: true,
                reasons: true,
            },
        )
    }

    /// Evaluates with explicit options (the fastest form: both off).
    pub fn evaluate_with<F: Facts + ?Sized>(
        &self,
        facts: &F,
        date: NaiveDate,
        opts: Options,
    ) -> Decision {
        Eval::new(self, facts, date, opts).run()
    }

    /// Evaluates many subjects in parallel (rayon); results come back in input order, so the
    /// output is the same whatever the thread count.
    pub fn evaluate_many<F: Facts + Sync>(
        &self,
        subjects: &[F],
        date: NaiveDate,
        opts: Options,
    ) -> Vec<Decision> {
        subjects
            .par_iter()
            .with_min_len(256)
            .map(|f| self.evaluate_with(f, date, opts))
            .collect()
    }
}
