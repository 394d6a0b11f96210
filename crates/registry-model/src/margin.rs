//! The borderline test: which condition of a verdict lies within the policy's margin of its
//! threshold *and decides* the verdict.
//!
//! A condition near its bar matters to a selection panel only when moving it across the bar
//! would change the verdict. Until policy `default-2025-digital` was revised, any condition
//! within the margin flagged the firm, whatever else the verdict or the tier's clause held: an
//! alternative of a group that another alternative passed comfortably, a near miss beside a
//! far one (a firm 1 % short of the new-product share but shrinking 4 % a year), or a near
//! miss on a criterion whose clause failed on another criterion anyway. With the 数创企业 test
//! beside every clause that flagged 617 of the 3,000 firms of the shipped cycle, most of them
//! firms that no panel decision could admit. Here a condition counts only when it alone stands
//! between the verdict and its opposite.

use crate::verdict::{Condition, Outcome, Verdict};

/// Adds an alternative's outcome to its group.
fn alternative<'a>(groups: &mut Vec<(&'a str, Outcome)>, group: &'a str, o: Outcome) {
    match groups.iter_mut().find(|(name, _)| *name == group) {
        Some((_, acc)) => *acc = acc.or(o),
        None => groups.push((group, o)),
    }
}

/// The side of the bar a verdict is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The verdict is met; a deciding condition just passes.
    JustMet,
    /// The verdict is not met; a deciding condition just fails.
    JustMissed,
}

impl Verdict<'_> {
    /// The outcome the recorded conditions give (every condition outside a group must hold;
    /// each group holds when any of its alternatives holds; an alternative is a condition or
    /// the conditions of one [`Condition::all_of`] together), with condition `flip` (an index)
    /// taken as `to` instead of its own outcome.
    ///
    /// `None` when the verdict records no condition (the outcome-only path).
    pub fn outcome_of_conditions(&self, flip: Option<(usize, Outcome)>) -> Option<Outcome> {
        if self.conditions.is_empty() {
            return None;
        }
        let of = |i: usize, c: &Condition<'_>| match flip {
            Some((j, to)) if j == i => to,
            _ => c.outcome,
        };
        let mut total = Outcome::Met;
        // Groups, and the conjunctions inside them, in order of first appearance (a verdict
        // has a handful of conditions). A conjunction is one alternative of its group.
        let mut groups: Vec<(&str, Outcome)> = Vec::new();
        let mut conjunctions: Vec<(&str, &str, Outcome)> = Vec::new();
        for (i, c) in self.conditions.iter().enumerate() {
            let o = of(i, c);
            match (&c.alternative_of, &c.all_of) {
                (None, _) => total = total.and(o),
                (Some(g), Some(a)) => {
                    match conjunctions
                        .iter_mut()
                        .find(|(gn, an, _)| *gn == g.as_ref() && *an == a.as_ref())
                    {
                        Some((_, _, acc)) => *acc = acc.and(o),
                        None => conjunctions.push((g.as_ref(), a.as_ref(), o)),
                    }
                }
                (Some(g), None) => alternative(&mut groups, g, o),
            }
        }
        for (g, _, o) in conjunctions {
            alternative(&mut groups, g, o);
        }
        Some(groups.iter().fold(total, |acc, (_, o)| acc.and(*o)))
    }

    /// The first condition within `margin` (relative distance, see
    /// [`Condition::relative_gap`]) of its threshold whose outcome alone decides the verdict:
    /// on the met side, were it not met the verdict would not be met; on the missed side,
    /// were it met the verdict would be met (every other condition holds, so a near miss
    /// beside a far one, or beside a fact still missing, is not borderline).
    ///
    /// `None` when no condition is near and deciding, when the verdict is on neither side
    /// (cannot tell), or when its conditions do not reproduce its outcome (a criterion whose
    /// rule is not a conjunction of conditions and groups is never called borderline by
    /// guesswork).
    pub fn deciding_near(&self, side: Side, margin: f64) -> Option<&Condition<'_>> {
        let (own, other) = match side {
            Side::JustMet => (Outcome::Met, Outcome::NotMet),
            Side::JustMissed => (Outcome::NotMet, Outcome::Met),
        };
        if self.outcome != own || self.outcome_of_conditions(None) != Some(own) {
            return None;
        }
        self.conditions.iter().enumerate().find_map(|(i, c)| {
            let near = c.outcome == own && c.relative_gap().is_some_and(|g| g <= margin);
            let decides = || match side {
                Side::JustMet => self.outcome_of_conditions(Some((i, other))) != Some(own),
                Side::JustMissed => self.outcome_of_conditions(Some((i, other))) == Some(other),
            };
            (near && decides()).then_some(c)
        })
    }
}
