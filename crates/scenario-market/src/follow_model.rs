//! Seeded follow-through for synthetic years (the annual cycle, benches): which matched pairs
//! report, which of them had orders, how many and for how much. Every parameter is assumed (a
//! program default chosen by us, not a measured rate): the figures it makes show the shape of
//! the report, never a real conversion rate.

use chrono::Days;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use registry_model::Money;
use serde::{Deserialize, Serialize};

use crate::error::{MarketError, Result};
use crate::follow::{MatchedPair, OUTCOMES_MAX, Outcome};

/// How synthetic outcomes are drawn. All assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowModel {
    /// Chance a matched pair reports at all, in per mille (assumed: 800).
    pub report_per_mille: u32,
    /// Chance a reporting pair had at least one order, in per mille (assumed: 450).
    pub order_per_mille: u32,
    /// Most orders of a pair that had some (assumed: 3; drawn evenly from 1).
    pub orders_max: u32,
    /// Revenue of one order, least and most, yuan (assumed: 50,000 to 500,000, drawn evenly
    /// to the yuan).
    pub revenue_per_order_yuan: (u32, u32),
    /// Days after the scenario closes that the report comes (assumed: 90).
    pub report_after_days: u32,
}

impl FollowModel {
    /// The assumed model.
    pub const ASSUMED: FollowModel = FollowModel {
        report_per_mille: 800,
        order_per_mille: 450,
        orders_max: 3,
        revenue_per_order_yuan: (50_000, 500_000),
        report_after_days: 90,
    };

    fn check(&self) -> Result<()> {
        let bad = |field: &str, value: String, reason: &str| {
            Err(MarketError::Invalid {
                what: "follow-through model",
                id: "model".into(),
                field: field.into(),
                value,
                reason: reason.into(),
            })
        };
        if self.report_per_mille > 1000 || self.order_per_mille > 1000 {
            return bad(
                "per_mille",
                format!("{}/{}", self.report_per_mille, self.order_per_mille),
                "a chance is 0..=1000 per mille",
            );
        }
        if !(1..=1_000).contains(&self.orders_max) {
            return bad("orders_max", self.orders_max.to_string(), "1..=1000");
        }
        let (lo, hi) = self.revenue_per_order_yuan;
        if lo > hi || hi > 100_000_000 {
            return bad(
                "revenue_per_order_yuan",
                format!("{lo}..{hi}"),
                "least ≤ most ≤ 100,000,000",
            );
        }
        if self.report_after_days > 3_660 {
            return bad(
                "report_after_days",
                self.report_after_days.to_string(),
                "0..=3660",
            );
        }
        Ok(())
    }
}

/// One report a reporting pair, drawn from one ChaCha8 stream of `seed` in the order of
/// `pairs` (same pairs and seed, same outcomes). At most [`OUTCOMES_MAX`] pairs.
///
/// ```
/// use scenario_market::{example, follow, MatchConfig, Matcher, OptimalMatcher, Scoring};
/// use scenario_market::follow_model::{FollowModel, simulate};
/// let m = example::market()?;
/// let a = OptimalMatcher.assign(&Scoring::new(MatchConfig::embedded()?)?.candidates(&m))?;
/// let pairs = follow::matched_pairs(&m, &a)?;
/// let outcomes = simulate(&pairs, &FollowModel::ASSUMED, 7)?;
/// assert_eq!(outcomes, simulate(&pairs, &FollowModel::ASSUMED, 7)?);
/// assert!(outcomes.len() <= pairs.len());
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
pub fn simulate(pairs: &[MatchedPair], model: &FollowModel, seed: u64) -> Result<Vec<Outcome>> {
    model.check()?;
    if pairs.len() > OUTCOMES_MAX {
        return Err(MarketError::Limit {
            what: "matched pairs to simulate",
            value: pairs.len() as u64,
            limit: OUTCOMES_MAX as u64,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    for p in pairs {
        // Every pair draws the same number of values, so one pair's fate never shifts another's.
        let reports = rng.gen_range(0..1000) < model.report_per_mille;
        let ordered = rng.gen_range(0..1000) < model.order_per_mille;
        let orders = rng.gen_range(1..=model.orders_max);
        let (lo, hi) = model.revenue_per_order_yuan;
        let per_order: Vec<u32> = (0..model.orders_max)
            .map(|_| rng.gen_range(lo..=hi))
            .collect();
        if !reports {
            continue;
        }
        let (orders, revenue_yuan) = if ordered {
            let yuan: i64 = per_order
                .iter()
                .take(orders as usize)
                .map(|&y| i64::from(y))
                .sum();
            (orders, yuan)
        } else {
            (0, 0)
        };
        let reported = p
            .closes
            .checked_add_days(Days::new(u64::from(model.report_after_days)))
            .unwrap_or(p.closes);
        out.push(Outcome {
            scenario: p.scenario.clone(),
            firm: p.firm,
            reported,
            orders,
            revenue: Money::from_yuan_i64(revenue_yuan).ok_or(MarketError::Limit {
                what: "simulated revenue, yuan",
                value: u64::try_from(revenue_yuan).unwrap_or(0),
                limit: 100_000_000_000,
            })?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::follow::{conversion_of, matched_pairs};
    use crate::{MatchConfig, Matcher, OptimalMatcher, Scoring, example};

    fn pairs() -> Vec<MatchedPair> {
        let m = example::market().unwrap();
        let s = Scoring::new(MatchConfig::embedded().unwrap()).unwrap();
        matched_pairs(&m, &OptimalMatcher.assign(&s.candidates(&m)).unwrap()).unwrap()
    }

    #[test]
    fn the_extremes_of_the_model_give_what_they_say() {
        let p = pairs();
        let never = FollowModel {
            report_per_mille: 0,
            ..FollowModel::ASSUMED
        };
        assert!(simulate(&p, &never, 1).unwrap().is_empty());
        let always = FollowModel {
            report_per_mille: 1000,
            order_per_mille: 1000,
            orders_max: 1,
            revenue_per_order_yuan: (7, 7),
            report_after_days: 1,
        };
        let o = simulate(&p, &always, 1).unwrap();
        assert_eq!(o.len(), p.len());
        for (o, p) in o.iter().zip(&p) {
            assert_eq!((o.orders, o.revenue.fen()), (1, 700));
            assert_eq!(o.reported, p.closes.succ_opt().unwrap());
        }
        let c = conversion_of(&p, &o).unwrap();
        assert_eq!(c.total.rate.unwrap().to_string(), "1");
        let bad = FollowModel {
            order_per_mille: 1001,
            ..FollowModel::ASSUMED
        };
        assert!(simulate(&p, &bad, 1).is_err());
    }

    #[test]
    fn the_same_seed_gives_the_same_outcomes_and_another_seed_may_not() {
        let p = pairs();
        let a = simulate(&p, &FollowModel::ASSUMED, 11).unwrap();
        assert_eq!(a, simulate(&p, &FollowModel::ASSUMED, 11).unwrap());
        assert!((0..20u64).any(|s| simulate(&p, &FollowModel::ASSUMED, s).unwrap() != a));
        for o in &a {
            assert!(o.orders <= 3);
            assert!(o.revenue.fen() <= i64::from(o.orders) * 50_000_000);
            assert!(o.revenue.fen() >= i64::from(o.orders) * 5_000_000);
        }
    }
}
