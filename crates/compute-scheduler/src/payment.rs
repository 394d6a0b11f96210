//! Paying for placed jobs: the [`Payment`] seam. The binary implements it with the voucher
//! ledger; [`CoveragePayment`] is the in-crate implementation used by default and in tests.

use std::collections::BTreeMap;

use registry_model::{EnterpriseId, Tier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{fen_to_yuan, subsidy_fen, yuan_to_fen_exact};

/// The bill for one job, presented when the job is bound to a cluster.
///
/// The simulator knows each job's actual run time, so it bills the actual usage at bind
/// time; a live deployment would place a hold at bind and settle at completion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charge<'a> {
    /// The firm that runs the job.
    pub firm: EnterpriseId,
    /// Its tier.
    pub tier: Tier,
    /// The job's id.
    pub job_id: &'a str,
    /// The cluster it was bound to.
    pub cluster_id: &'a str,
    /// The provider billed (the cluster's `provider`, or its id).
    pub provider: &'a str,
    /// Gross cost of the job at the cluster's list prices, yuan (whole fen).
    pub gross_cost: Decimal,
    /// The job's declared voucher coverage, in [0, 1].
    pub voucher_coverage: Decimal,
    /// Bind time, seconds from the start of the stream.
    pub time_s: u64,
}

/// Why a payment did not go through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PaymentError {
    /// No subsidy for this job (no voucher, budget exhausted, provider not approved …): the
    /// job still runs, at full price, and the reason is reported.
    Declined(String),
    /// The payment system failed (a ledger that cannot write): the run stops with an error.
    Failed(String),
}

/// Pays part of each placed job with compute vouchers.
pub trait Payment {
    /// Called once per job when it is bound. Returns the subsidy applied, in yuan: between 0
    /// and `charge.gross_cost`, in whole fen (the caller checks and stops the run otherwise).
    fn charge(&mut self, charge: &Charge<'_>) -> Result<Decimal, PaymentError>;
}

/// No vouchers: every job declined with the same reason.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPayment;

impl Payment for NoPayment {
    fn charge(&mut self, _: &Charge<'_>) -> Result<Decimal, PaymentError> {
        Err(PaymentError::Declined("no voucher program".into()))
    }
}

/// Subsidy = the job's voucher coverage × gross cost, rounded down to the fen, capped by
/// what is left of the firm's voucher budget for the run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoveragePayment {
    default_budget_fen: Option<i64>,
    budgets_fen: BTreeMap<EnterpriseId, i64>,
    used_fen: BTreeMap<EnterpriseId, i64>,
}

impl CoveragePayment {
    /// Every firm gets `budget_per_firm` yuan of vouchers (`None`: no cap). `None` is also
    /// returned when the amount is negative or has fractions of a fen.
    pub fn new(budget_per_firm: Option<Decimal>) -> Option<Self> {
        let default_budget_fen = match budget_per_firm {
            Some(b) => Some(yuan_to_fen_exact(b)?),
            None => None,
        };
        Some(Self {
            default_budget_fen,
            budgets_fen: BTreeMap::new(),
            used_fen: BTreeMap::new(),
        })
    }

    /// Sets one firm's budget in yuan; `false` (and no change) when the amount is negative
    /// or has fractions of a fen.
    pub fn set_budget(&mut self, firm: EnterpriseId, budget: Decimal) -> bool {
        match yuan_to_fen_exact(budget) {
            Some(f) => {
                self.budgets_fen.insert(firm, f);
                true
            }
            None => false,
        }
    }

    /// Subsidy paid so far to `firm`, yuan.
    pub fn used(&self, firm: &EnterpriseId) -> Decimal {
        fen_to_yuan(self.used_fen.get(firm).copied().unwrap_or(0))
    }
}

impl Payment for CoveragePayment {
    fn charge(&mut self, charge: &Charge<'_>) -> Result<Decimal, PaymentError> {
        let gross = yuan_to_fen_exact(charge.gross_cost).ok_or_else(|| {
            PaymentError::Failed(format!("gross cost {} is not whole fen", charge.gross_cost))
        })?;
        if charge.voucher_coverage <= Decimal::ZERO {
            return Err(PaymentError::Declined("no voucher coverage".into()));
        }
        let wanted = subsidy_fen(gross, charge.voucher_coverage);
        let used = self.used_fen.get(&charge.firm).copied().unwrap_or(0);
        let budget = self
            .budgets_fen
            .get(&charge.firm)
            .copied()
            .or(self.default_budget_fen);
        let granted = match budget {
            Some(b) => wanted.min((b - used).max(0)),
            None => wanted,
        };
        if granted == 0 {
            return Err(PaymentError::Declined(format!(
                "voucher budget of firm {} exhausted",
                charge.firm
            )));
        }
        self.used_fen.insert(charge.firm, used + granted);
        Ok(fen_to_yuan(granted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn coverage_rounds_down_and_budget_caps() {
        let firm: EnterpriseId = "91110000600037341L".parse().unwrap();
        let mut p = CoveragePayment::new(Some(dec!(10.00))).unwrap();
        let mut c = Charge {
            firm,
            tier: Tier::Growth,
            job_id: "j",
            cluster_id: "wuhu",
            provider: "wuhu",
            gross_cost: dec!(3.33),
            voucher_coverage: dec!(0.3),
            time_s: 0,
        };
        // 30 % of 3.33 = 0.999 → 0.99.
        assert_eq!(p.charge(&c).unwrap(), dec!(0.99));
        c.gross_cost = dec!(100.00);
        // 30 yuan wanted, 9.01 left.
        assert_eq!(p.charge(&c).unwrap(), dec!(9.01));
        assert!(matches!(p.charge(&c), Err(PaymentError::Declined(_))));
        assert_eq!(p.used(&firm), dec!(10.00));
        assert!(CoveragePayment::new(Some(dec!(0.001))).is_none());
    }
}
