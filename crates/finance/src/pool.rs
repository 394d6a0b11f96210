//! The risk compensation pool (风险补偿资金池): what it owes on defaulted loans, what it pays
//! when it cannot pay everything, and what comes back to it from recoveries.
//!
//! - Each defaulted loan's claim (principal outstanding at default) is due `share × claim`,
//!   rounded down to the fen.
//! - When the pool holds enough for every claim settled together, each is paid in full. When
//!   it does not, the configured [`PoolRule`] decides: **first come** pays claims in the order
//!   given until the pool is empty (the last one partly); **pro rata** pays each claim
//!   `balance × due ÷ Σ due`, rounded down, and leaves the fen that rounding keeps in the
//!   pool. Either way the pool never goes below zero and no claim gets more than its due.
//!   What a claim was not paid is a shortfall, reported, never carried over.
//! - A recovery on a compensated loan returns to the pool the pool's share of it:
//!   `recovered so far × compensation ÷ claim`, rounded down, minus what was returned before
//!   (computed on the running total, so rounding never drifts).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{prorate_down_fen, share_down_fen};

/// Most claims settled together.
pub const CLAIMS_PER_SETTLEMENT_MAX: usize = 100_000;

/// What the pool does when it cannot pay every claim in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolRule {
    /// Claims are paid in the order given until the pool is empty.
    FirstCome,
    /// Claims settled together share what is left in proportion to what each is due.
    ProRata,
}

impl PoolRule {
    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            PoolRule::FirstCome => "first_come",
            PoolRule::ProRata => "pro_rata",
        }
    }
}

/// What the pool pays on one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    /// The claim (principal at default), fen.
    pub claim_fen: i64,
    /// What the claim is due: share × claim, rounded down.
    pub due_fen: i64,
    /// What the pool pays.
    pub paid_fen: i64,
}

impl Award {
    /// Due but not paid.
    pub fn shortfall_fen(&self) -> i64 {
        self.due_fen - self.paid_fen
    }
}

/// Settles `claims_fen` (each ≥ 0) against a pool holding `balance_fen` (≥ 0): one award per
/// claim, in order. Σ paid ≤ balance and paid ≤ due for every claim.
///
/// ```
/// use rust_decimal_macros::dec;
/// use finance::pool::{PoolRule, settle};
/// // A pool of ¥100 covers half of each loss. Claims of ¥120 and ¥180 are due ¥60 and ¥90.
/// let first = settle(10_000, dec!(0.5), PoolRule::FirstCome, &[12_000, 18_000]);
/// assert_eq!((first[0].paid_fen, first[1].paid_fen), (6_000, 4_000));
/// let pro = settle(10_000, dec!(0.5), PoolRule::ProRata, &[12_000, 18_000]);
/// assert_eq!((pro[0].paid_fen, pro[1].paid_fen), (4_000, 6_000)); // 100 × 60/150, 100 × 90/150
/// ```
pub fn settle(balance_fen: i64, share: Decimal, rule: PoolRule, claims_fen: &[i64]) -> Vec<Award> {
    let balance = balance_fen.max(0);
    let dues: Vec<i64> = claims_fen
        .iter()
        .map(|c| share_down_fen((*c).max(0), share).unwrap_or(0))
        .collect();
    let total_due: i128 = dues.iter().map(|d| i128::from(*d)).sum();
    let mut left = balance;
    let awards: Vec<Award> = claims_fen
        .iter()
        .zip(&dues)
        .map(|(&claim_fen, &due_fen)| {
            let paid_fen = if total_due <= i128::from(balance) {
                due_fen
            } else {
                match rule {
                    PoolRule::FirstCome => due_fen.min(left),
                    PoolRule::ProRata => {
                        // total_due > balance ≥ 0 here, and a sum of dues fits in i64 when each
                        // claim is below the crate's money bound and claims are bounded in number.
                        let den = i64::try_from(total_due).unwrap_or(i64::MAX);
                        prorate_down_fen(balance, due_fen, den)
                            .unwrap_or(0)
                            .min(due_fen)
                    }
                }
            };
            left -= paid_fen;
            Award {
                claim_fen,
                due_fen,
                paid_fen,
            }
        })
        .collect();
    debug_assert!(left >= 0, "the pool never pays more than it holds");
    awards
}

/// What a compensated loan owes back to the pool in total once `recovered_total_fen` has been
/// recovered on a claim of `claim_fen` that the pool compensated with `compensation_fen`.
pub fn return_due_fen(recovered_total_fen: i64, claim_fen: i64, compensation_fen: i64) -> i64 {
    if claim_fen <= 0 || compensation_fen <= 0 || recovered_total_fen <= 0 {
        return 0;
    }
    prorate_down_fen(
        recovered_total_fen.min(claim_fen),
        compensation_fen,
        claim_fen,
    )
    .unwrap_or(0)
    .min(compensation_fen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn enough_money_pays_every_claim_in_full_under_both_rules() {
        for rule in [PoolRule::FirstCome, PoolRule::ProRata] {
            let a = settle(1_000, dec!(0.5), rule, &[301, 400]);
            assert_eq!(a[0].due_fen, 150); // 150.5 rounds down
            assert_eq!(a.iter().map(|x| x.paid_fen).sum::<i64>(), 350);
            assert!(a.iter().all(|x| x.shortfall_fen() == 0));
        }
    }

    #[test]
    fn an_empty_pool_pays_nothing() {
        for rule in [PoolRule::FirstCome, PoolRule::ProRata] {
            let a = settle(0, dec!(0.8), rule, &[100, 200]);
            assert!(a.iter().all(|x| x.paid_fen == 0));
            assert_eq!(a[1].shortfall_fen(), 160);
        }
    }

    #[test]
    fn pro_rata_rounding_leaves_fen_in_the_pool() {
        // Three equal claims due 100 each, pool 100: 33 each, 1 fen stays.
        let a = settle(100, dec!(1), PoolRule::ProRata, &[100, 100, 100]);
        assert_eq!(
            a.iter().map(|x| x.paid_fen).collect::<Vec<_>>(),
            vec![33, 33, 33]
        );
    }

    #[test]
    fn returns_follow_the_running_total() {
        // Claim 300, compensated 100: each fen recovered returns a third, on the total.
        assert_eq!(return_due_fen(1, 300, 100), 0);
        assert_eq!(return_due_fen(2, 300, 100), 0);
        assert_eq!(return_due_fen(3, 300, 100), 1);
        assert_eq!(return_due_fen(300, 300, 100), 100);
        assert_eq!(return_due_fen(400, 300, 100), 100);
        assert_eq!(return_due_fen(10, 0, 100), 0);
    }
}
