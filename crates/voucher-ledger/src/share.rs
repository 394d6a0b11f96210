//! Cost sharing and revenue sharing (成本共担、收益共享), exact to the fen.
//!
//! The remainder rule, written once (in the `money` crate, which this module calls):
//! 1. each party's exact quota is `total × weight / Σ weights`;
//! 2. each party first gets its quota rounded DOWN to the fen;
//! 3. the fen left over (fewer than the number of parties) go one each to the parties with
//!    the largest fractional remainders (the largest remainder, or Hamilton, method);
//! 4. ties in the remainder go to the larger weight, then to the party listed first.
//!
//! So the parts always add up to the whole, no part differs from its exact quota by a fen or
//! more, and the result depends only on the input order for exact ties.
//!
//! Cost sharing between government and firm by a ratio is the two-party case with the
//! subsidy rule on top: the government's share is `total × ratio` rounded DOWN (a subsidy
//! never exceeds what was promised), the firm pays the rest.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{LedgerError, Result};
use crate::money::{AMOUNT_FEN_MAX, ratio_floor_fen};

/// The most parties in one split.
pub const PARTIES_MAX: usize = ::money::PARTS_MAX;

/// A government/firm split of a cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostShare {
    /// The whole cost.
    pub total_fen: u64,
    /// What the government pays: `total × ratio`, rounded down.
    pub government_fen: u64,
    /// What the firm pays: the rest.
    pub firm_fen: u64,
}

/// Splits a cost between government and firm; the government pays `ratio` of it, rounded
/// down to the fen.
///
/// ```
/// use rust_decimal_macros::dec;
/// use voucher_ledger::share::share_cost;
/// let s = share_cost(10_001, dec!(0.3)).unwrap();
/// assert_eq!((s.government_fen, s.firm_fen), (3_000, 7_001));
/// ```
pub fn share_cost(total_fen: u64, government_ratio: Decimal) -> Result<CostShare> {
    if total_fen > AMOUNT_FEN_MAX {
        return Err(LedgerError::InvalidShares {
            reason: format!("total {total_fen} fen is above the maximum of 10^15 fen"),
        });
    }
    let government_fen = ratio_floor_fen(total_fen, government_ratio, "government_ratio")?;
    Ok(CostShare {
        total_fen,
        government_fen,
        firm_fen: total_fen - government_fen,
    })
}

/// One party's part of a split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// The party.
    pub party: String,
    /// Its weight (contribution, share of cost, ...).
    pub weight: Decimal,
    /// Its part in fen.
    pub amount_fen: u64,
}

/// Splits `total_fen` among parties in proportion to their weights, by the largest
/// remainder rule of this module. Weights must be non-negative with a positive sum; party
/// names must be distinct and not blank.
///
/// ```
/// use rust_decimal_macros::dec;
/// use voucher_ledger::share::split_by_weights;
/// // 100 fen in thirds: 33.33 each, the one fen left goes to the first listed (a tie).
/// let parts = split_by_weights(100, &[("a", dec!(1)), ("b", dec!(1)), ("c", dec!(1))]).unwrap();
/// let amounts: Vec<u64> = parts.iter().map(|p| p.amount_fen).collect();
/// assert_eq!(amounts, vec![34, 33, 33]);
/// ```
pub fn split_by_weights<S: AsRef<str>>(
    total_fen: u64,
    weights: &[(S, Decimal)],
) -> Result<Vec<Part>> {
    if total_fen > AMOUNT_FEN_MAX {
        return Err(LedgerError::InvalidShares {
            reason: format!("total {total_fen} fen is above the maximum of 10^15 fen"),
        });
    }
    // Parties are told apart by name: a name given twice (white space aside) or blank would
    // leave two parts nobody can tell apart.
    let mut names = std::collections::HashSet::with_capacity(weights.len());
    for (party, _) in weights {
        let name = party.as_ref().trim();
        if name.is_empty() {
            return Err(LedgerError::InvalidShares {
                reason: "a party has no name".into(),
            });
        }
        if !names.insert(name) {
            return Err(LedgerError::InvalidShares {
                reason: format!("party '{name}' is named twice"),
            });
        }
    }
    // The rule itself is the workspace's one implementation (the `money` crate).
    let floors =
        ::money::split_by_weights(total_fen, weights).map_err(|e| LedgerError::InvalidShares {
            reason: e.to_string(),
        })?;
    let parts: Vec<Part> = weights
        .iter()
        .zip(&floors)
        .map(|((party, w), &f)| Part {
            party: party.as_ref().to_string(),
            weight: *w,
            amount_fen: f,
        })
        .collect();
    debug_assert_eq!(
        parts.iter().map(|p| u128::from(p.amount_fen)).sum::<u128>(),
        u128::from(total_fen)
    );
    Ok(parts)
}

/// Splits revenue among contributors in proportion to their contributions (the same rule).
pub fn share_revenue<S: AsRef<str>>(
    revenue_fen: u64,
    contributions: &[(S, Decimal)],
) -> Result<Vec<Part>> {
    split_by_weights(revenue_fen, contributions)
}

/// Parses contributions written `party=weight`, one per item (such as the items of
/// `lab=3,firm=5,fund=2`); parties and weights are trimmed. An item without `=` or with a
/// weight that is no decimal number is refused, naming it.
///
/// ```
/// use rust_decimal_macros::dec;
/// let w = voucher_ledger::share::parse_weights(["lab=3", " firm = 5"]).unwrap();
/// assert_eq!(w, vec![("lab".to_string(), dec!(3)), ("firm".to_string(), dec!(5))]);
/// assert!(voucher_ledger::share::parse_weights(["lab"]).is_err());
/// ```
pub fn parse_weights<S: AsRef<str>>(
    items: impl IntoIterator<Item = S>,
) -> Result<Vec<(String, Decimal)>> {
    items
        .into_iter()
        .map(|item| {
            let item = item.as_ref();
            let bad = |reason: String| LedgerError::InvalidShares { reason };
            let (party, w) = item
                .split_once('=')
                .ok_or_else(|| bad(format!("'{item}' is not party=weight")))?;
            let weight = w.trim().parse().map_err(|_| {
                bad(format!(
                    "weight of '{}' is not a number: '{w}'",
                    party.trim()
                ))
            })?;
            Ok((party.trim().to_string(), weight))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn golden_splits() {
        // By hand: 1000 fen by 1:2:3 → 166.67, 333.33, 500 → floors 166, 333, 500 (999),
        // the one fen left goes to the largest remainder (0.67, party a).
        let p = split_by_weights(1000, &[("a", dec!(1)), ("b", dec!(2)), ("c", dec!(3))]).unwrap();
        let v: Vec<u64> = p.iter().map(|x| x.amount_fen).collect();
        assert_eq!(v, vec![167, 333, 500]);
        // Tie in remainder: 5 fen over weights 2,1,1 → 2.5, 1.25, 1.25: floors 2,1,1, one left
        // to the largest remainder 0.5 → party a.
        let p = split_by_weights(5, &[("a", dec!(2)), ("b", dec!(1)), ("c", dec!(1))]).unwrap();
        let v: Vec<u64> = p.iter().map(|x| x.amount_fen).collect();
        assert_eq!(v, vec![3, 1, 1]);
        // 2 fen over 1,1,1: remainders tie everywhere → first two listed.
        let p = split_by_weights(2, &[("a", dec!(1)), ("b", dec!(1)), ("c", dec!(1))]).unwrap();
        let v: Vec<u64> = p.iter().map(|x| x.amount_fen).collect();
        assert_eq!(v, vec![1, 1, 0]);
        assert!(split_by_weights(5, &[("a", dec!(0))]).is_err());
        assert!(split_by_weights(5, &[("a", dec!(-1)), ("b", dec!(2))]).is_err());
        assert!(split_by_weights::<&str>(5, &[]).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn parts_sum_to_whole_and_stay_within_a_fen(
            total in 0u64..=AMOUNT_FEN_MAX,
            ws in proptest::collection::vec((0u64..1_000_000, 0u32..4), 1..20),
        ) {
            let weights: Vec<(String, Decimal)> = ws.iter().enumerate()
                .map(|(i, &(m, s))| (format!("p{i}"), Decimal::new(m as i64, s) + dec!(0.001)))
                .collect();
            let parts = split_by_weights(total, &weights).unwrap();
            let sum: u128 = parts.iter().map(|p| u128::from(p.amount_fen)).sum();
            prop_assert_eq!(sum, u128::from(total));
            let wsum: Decimal = weights.iter().map(|w| w.1).sum();
            for p in &parts {
                let exact = Decimal::from(total) * p.weight / wsum;
                let diff = (Decimal::from(p.amount_fen) - exact).abs();
                prop_assert!(diff < dec!(1.0000001), "{} vs {}", p.amount_fen, exact);
            }
        }

        #[test]
        fn cost_share_is_whole_and_rounds_down(total in 0u64..=AMOUNT_FEN_MAX, r in 0u32..=10_000) {
            let ratio = Decimal::new(i64::from(r), 4);
            let s = share_cost(total, ratio).unwrap();
            prop_assert_eq!(s.government_fen + s.firm_fen, total);
            prop_assert!(Decimal::from(s.government_fen) <= Decimal::from(total) * ratio);
            prop_assert!(Decimal::from(s.government_fen) + Decimal::ONE > Decimal::from(total) * ratio);
        }
    }
}
