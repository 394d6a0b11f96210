//! Fair allocation of a program's budget when it cannot cover every eligible firm.
//!
//! The rule is explicit per program and every decision explains itself: the position the firm
//! took under the rule, and for a refusal where the budget ran out. Four rules:
//!
//! - [`Allocation::ApplicationOrder`] (the default): by application date, earliest first; firms
//!   without a date after every dated one; ties by a seeded lottery. "First come, first
//!   served, until the budget is used" (先到先得, 额满即止) is the rule voucher programs most
//!   often publish (assumed as the default for that reason).
//! - [`Allocation::TierPriority`]: leading before growth before potential before untiered,
//!   then by application order within a tier.
//! - [`Allocation::ScoreOrder`]: by a score (a panel's or a rule's), highest first; firms
//!   without a score last; ties by the lottery.
//! - [`Allocation::ProRata`]: every request is scaled by budget ÷ total, rounded down to the
//!   fen; the fen left over go one each by largest remainder (ties by the lottery), so the
//!   grants sum to the budget exactly and no grant exceeds its request.
//!
//! The ordered rules grant whole requests in order and stop at the first that does not fit:
//! every firm after it is refused too, so a firm is never granted while one ranked above it
//! is refused (under tier priority: a lower tier is never granted while a higher one is
//! refused). The lottery key is SHA-256 of the seed and the USCC: the same seed gives the
//! same order whatever the thread count or the input order.

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Tier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{LedgerError, Result};

/// Most requests one allocation may hold.
pub const REQUESTS_MAX: usize = 10_000_000;

/// How a program shares a budget that cannot cover every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// By application date, ties by the seeded lottery (the default).
    #[default]
    ApplicationOrder,
    /// Higher tiers first, then application order.
    TierPriority,
    /// Highest score first, ties by the lottery.
    ScoreOrder,
    /// Every request scaled to fit, to the fen.
    ProRata,
}

impl Allocation {
    /// The default rule (application order).
    pub fn is_default(&self) -> bool {
        *self == Allocation::default()
    }

    /// The key used in program files.
    pub fn key(self) -> &'static str {
        match self {
            Allocation::ApplicationOrder => "application_order",
            Allocation::TierPriority => "tier_priority",
            Allocation::ScoreOrder => "score_order",
            Allocation::ProRata => "pro_rata",
        }
    }
}

/// One firm's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The firm.
    pub firm: EnterpriseId,
    /// The amount asked, in fen.
    pub amount_fen: u64,
    /// When it applied (`None`: no application date, e.g. granted without application).
    pub applied_on: Option<NaiveDate>,
    /// Its tier.
    pub tier: Option<Tier>,
    /// Its score, for [`Allocation::ScoreOrder`].
    pub score: Option<Decimal>,
}

/// What one firm gets, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The firm.
    pub firm: EnterpriseId,
    /// The amount asked, in fen.
    pub requested_fen: u64,
    /// The amount granted, in fen (0: refused).
    pub granted_fen: u64,
    /// Its position under the rule (1 = first).
    pub rank: usize,
    /// The rule and the firm's place under it; for a refusal, where the budget ran out.
    pub reason: String,
}

fn lottery_key(seed: u64, firm: &EnterpriseId) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(firm.as_str().as_bytes());
    h.finalize().into()
}

fn yuan(fen: u64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// Shares `budget_fen` among `requests` by `rule` (lottery seeded by `seed`). Returns one
/// decision per request, in the input order. When the budget covers every request, every
/// request is granted whole. Refused: a firm asking twice, more than [`REQUESTS_MAX`]
/// requests.
pub fn allocate(
    rule: Allocation,
    budget_fen: u64,
    requests: &[Request],
    seed: u64,
) -> Result<Vec<Decision>> {
    if requests.len() > REQUESTS_MAX {
        return Err(LedgerError::AllocationInvalid {
            reason: format!(
                "{} requests in one allocation, at most {REQUESTS_MAX}",
                requests.len()
            ),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in requests {
        if !seen.insert(r.firm) {
            return Err(LedgerError::AllocationInvalid {
                reason: format!("firm {} requests twice in one allocation", r.firm),
            });
        }
    }
    let total: u128 = requests.iter().map(|r| u128::from(r.amount_fen)).sum();
    let keys: Vec<[u8; 32]> = requests
        .iter()
        .map(|r| lottery_key(seed, &r.firm))
        .collect();
    // Rank every request under the rule (pro rata ranks by the lottery, for the leftover fen).
    let mut order: Vec<usize> = (0..requests.len()).collect();
    let tier_rank = |t: Option<Tier>| std::cmp::Reverse(t);
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&requests[a], &requests[b]);
        let date = |r: &Request| (r.applied_on.is_none(), r.applied_on);
        let by = match rule {
            Allocation::ApplicationOrder => date(ra).cmp(&date(rb)),
            Allocation::TierPriority => tier_rank(ra.tier)
                .cmp(&tier_rank(rb.tier))
                .then(date(ra).cmp(&date(rb))),
            Allocation::ScoreOrder => (ra.score.is_none(), std::cmp::Reverse(ra.score))
                .cmp(&(rb.score.is_none(), std::cmp::Reverse(rb.score))),
            Allocation::ProRata => std::cmp::Ordering::Equal,
        };
        by.then(keys[a].cmp(&keys[b]))
    });
    let n = requests.len();
    let mut out: Vec<Option<Decision>> = vec![None; n];
    if total <= u128::from(budget_fen) {
        for (rank, &i) in order.iter().enumerate() {
            let r = &requests[i];
            out[i] = Some(Decision {
                firm: r.firm,
                requested_fen: r.amount_fen,
                granted_fen: r.amount_fen,
                rank: rank + 1,
                reason: format!(
                    "budget {} covers every request ({} in all): granted in full",
                    yuan(budget_fen),
                    yuan(u64::try_from(total).unwrap_or(u64::MAX))
                ),
            });
        }
        return Ok(out.into_iter().flatten().collect());
    }
    match rule {
        Allocation::ProRata => {
            // floor(amount × budget ÷ total); exact in u128 (amount, budget < 2^64).
            let mut granted: Vec<u64> = Vec::with_capacity(n);
            let mut rem: Vec<u128> = Vec::with_capacity(n);
            for r in requests {
                let p = u128::from(r.amount_fen) * u128::from(budget_fen);
                granted.push(u64::try_from(p / total).unwrap_or(0));
                rem.push(p % total);
            }
            let given: u64 = granted.iter().sum();
            let mut left = budget_fen.saturating_sub(given);
            let mut by_rem = order.clone();
            by_rem.sort_by(|&a, &b| rem[b].cmp(&rem[a]).then(keys[a].cmp(&keys[b])));
            for &i in &by_rem {
                if left == 0 {
                    break;
                }
                if rem[i] > 0 {
                    granted[i] += 1;
                    left -= 1;
                }
            }
            for (rank, &i) in by_rem.iter().enumerate() {
                let r = &requests[i];
                out[i] = Some(Decision {
                    firm: r.firm,
                    requested_fen: r.amount_fen,
                    granted_fen: granted[i],
                    rank: rank + 1,
                    reason: format!(
                        "pro rata: budget {} of {} requested, every request scaled by the same \
                         factor and rounded down to the fen, leftover fen by largest remainder \
                         (ties by lottery, seed {seed}): {} of {}",
                        yuan(budget_fen),
                        yuan(u64::try_from(total).unwrap_or(u64::MAX)),
                        yuan(granted[i]),
                        yuan(r.amount_fen)
                    ),
                });
            }
        }
        _ => {
            let mut left = budget_fen;
            let mut ran_out: Option<usize> = None;
            for (rank, &i) in order.iter().enumerate() {
                let r = &requests[i];
                let place = match rule {
                    Allocation::TierPriority => format!(
                        "tier {}, applied {}",
                        r.tier.map_or("none", Tier::key),
                        r.applied_on
                            .map_or_else(|| "without a date".into(), |d| d.to_string())
                    ),
                    Allocation::ScoreOrder => format!(
                        "score {}",
                        r.score.map_or_else(|| "none".into(), |s| s.to_string())
                    ),
                    _ => format!(
                        "applied {}",
                        r.applied_on
                            .map_or_else(|| "without a date".into(), |d| d.to_string())
                    ),
                };
                let head = format!(
                    "{}: position {} of {n} ({place}; ties by lottery, seed {seed})",
                    rule.key(),
                    rank + 1
                );
                let (granted_fen, reason) = if ran_out.is_none() && r.amount_fen <= left {
                    left -= r.amount_fen;
                    (r.amount_fen, format!("{head}: granted in full"))
                } else {
                    let at = *ran_out.get_or_insert(rank + 1);
                    (
                        0,
                        format!(
                            "{head}: refused, the budget {} ran out at position {at} \
                             ({} left, {} asked there)",
                            yuan(budget_fen),
                            yuan(left),
                            yuan(requests[order[at - 1]].amount_fen)
                        ),
                    )
                };
                out[i] = Some(Decision {
                    firm: r.firm,
                    requested_fen: r.amount_fen,
                    granted_fen,
                    rank: rank + 1,
                    reason,
                });
            }
        }
    }
    Ok(out.into_iter().flatten().collect())
}
