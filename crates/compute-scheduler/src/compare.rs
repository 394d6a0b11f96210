//! Every placement policy on one job stream, side by side with the optimal reference: the
//! cost to firms as modelled (each job's voucher coverage, no budget caps) and each policy's
//! gap above the optimum, as `shuchuang compute compare` shows them.

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::job::Job;
use crate::optimum::{
    INTEGER_JOBS_CEILING, LP_JOBS_CEILING, Optimum, OptimumOptions, gap_percent, optimum,
};
use crate::payment::{CoveragePayment, NoPayment, Payment};
use crate::pipeline::Pipeline;
use crate::policy::PolicyKind;
use crate::sim::{Schedule, Scheduler, SimOptions, Simulator};

/// How a run's jobs pay: no vouchers, or voucher coverage with an optional budget per firm
/// (with the `clap` feature, also the options `--budget-per-firm` and `--no-vouchers` of a
/// command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct PaymentChoice {
    /// Cap each firm's voucher subsidy for the run at this many yuan (default: no cap).
    #[cfg_attr(feature = "clap", arg(long, value_name = "YUAN"))]
    pub budget_per_firm: Option<Decimal>,
    /// No vouchers: every job pays full price.
    #[cfg_attr(feature = "clap", arg(long))]
    pub no_vouchers: bool,
}

impl PaymentChoice {
    /// A fresh payment state for one run (each policy of a comparison gets its own).
    pub fn build(&self) -> Result<Box<dyn Payment + Send>> {
        if self.no_vouchers {
            return Ok(Box::new(NoPayment));
        }
        match CoveragePayment::new(self.budget_per_firm) {
            Some(p) => Ok(Box::new(p)),
            None => Err(Error::Parameter {
                name: "budget_per_firm".into(),
                message: format!(
                    "{}: not a non-negative amount in whole fen",
                    self.budget_per_firm.unwrap_or_default()
                ),
            }),
        }
    }
}

/// Places `jobs` with policy `kind` (`explain`: a job id whose every candidate cluster is
/// recorded with its scores).
pub fn run_policy(
    catalog: &Catalog,
    jobs: &[Job],
    kind: PolicyKind,
    pay: &PaymentChoice,
    explain: Option<String>,
) -> Result<Schedule> {
    let mut payment = pay.build()?;
    let options = SimOptions {
        explain,
        ..SimOptions::default()
    };
    let mut sim = Simulator::new(catalog, kind.build(&catalog.scheduling)).with_options(options);
    sim.schedule(jobs, payment.as_mut())
}

/// One policy's run in a comparison.
#[derive(Debug, Clone)]
pub struct PolicyRun {
    /// The schedule.
    pub schedule: Schedule,
    /// Cost to firms after each job's voucher coverage, no budget caps, yuan.
    pub modelled_yuan: Decimal,
    /// Its gap above the optimum in percent, when there is one.
    pub gap_pct: Option<Decimal>,
}

/// Every policy and the optimal reference on one stream.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// One run per policy, in [`PolicyKind::ALL`] order.
    pub runs: Vec<PolicyRun>,
    /// The optimal reference, when the stream has at most `lp_jobs_max` jobs.
    pub optimum: Option<Optimum>,
}

/// Runs every policy on `jobs` (in parallel, each on its own payment state; the results do
/// not depend on the thread count) and, for at most `options.lp_jobs_max` jobs, the optimal
/// reference. Options above [`LP_JOBS_CEILING`] or [`INTEGER_JOBS_CEILING`] are refused.
pub fn compare_policies(
    catalog: &Catalog,
    jobs: &[Job],
    pay: &PaymentChoice,
    options: &OptimumOptions,
) -> Result<Comparison> {
    for (name, value, limit) in [
        ("optimum_max", options.lp_jobs_max, LP_JOBS_CEILING),
        (
            "integer_max",
            options.integer_jobs_max,
            INTEGER_JOBS_CEILING,
        ),
    ] {
        if value > limit {
            return Err(Error::Limit {
                what: name.to_string(),
                value: value as u64,
                limit: limit as u64,
            });
        }
    }
    let pipeline = Pipeline::standard();
    let schedules: Vec<Result<Schedule>> = PolicyKind::ALL
        .par_iter()
        .map(|&k| run_policy(catalog, jobs, k, pay, None))
        .collect();
    let optimum = if jobs.len() <= options.lp_jobs_max {
        Some(optimum(catalog, &pipeline, jobs, options)?)
    } else {
        None
    };
    let bound = optimum.as_ref().and_then(Optimum::best);
    let runs = schedules
        .into_iter()
        .map(|schedule| {
            let schedule = schedule?;
            let fen = schedule.modelled_net_fen(jobs, catalog, &pipeline);
            let modelled_yuan = Decimal::from_i128_with_scale(fen, 2);
            let gap_pct = bound.and_then(|b| gap_percent(modelled_yuan, b));
            Ok(PolicyRun {
                schedule,
                modelled_yuan,
                gap_pct,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Comparison { runs, optimum })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GeneratorConfig, Horizon, generate};

    fn stream(n: usize) -> (Catalog, Vec<Job>) {
        let catalog = Catalog::embedded().unwrap();
        let config = GeneratorConfig {
            jobs: n,
            seed: 7,
            horizon: Horizon::Days(1),
            ..GeneratorConfig::default()
        };
        (catalog, generate(&config).unwrap())
    }

    #[test]
    fn every_policy_is_compared_and_none_beats_the_optimum() {
        let (catalog, jobs) = stream(40);
        let c = compare_policies(
            &catalog,
            &jobs,
            &PaymentChoice::default(),
            &Default::default(),
        )
        .unwrap();
        assert_eq!(c.runs.len(), PolicyKind::ALL.len());
        let best = c.optimum.as_ref().and_then(Optimum::best).unwrap();
        for (run, kind) in c.runs.iter().zip(PolicyKind::ALL) {
            // Each run is the policy's own schedule, in PolicyKind::ALL order.
            let alone = run_policy(&catalog, &jobs, kind, &PaymentChoice::default(), None).unwrap();
            assert_eq!(run.schedule.metrics, alone.metrics, "{kind:?}");
            assert!(run.modelled_yuan >= best, "{kind:?} below the optimum");
            assert!(run.gap_pct.unwrap() >= Decimal::ZERO);
        }
    }

    #[test]
    fn options_beyond_the_ceilings_and_a_bad_budget_are_refused() {
        let (catalog, jobs) = stream(5);
        let opts = OptimumOptions {
            lp_jobs_max: LP_JOBS_CEILING + 1,
            ..OptimumOptions::default()
        };
        let err = compare_policies(&catalog, &jobs, &PaymentChoice::default(), &opts).unwrap_err();
        assert!(err.to_string().contains("optimum_max"), "{err}");
        let bad = PaymentChoice {
            no_vouchers: false,
            budget_per_firm: Some(Decimal::new(1, 3)),
        };
        assert!(bad.build().is_err());
        let none = compare_policies(
            &catalog,
            &jobs,
            &PaymentChoice::default(),
            &OptimumOptions {
                lp_jobs_max: 4,
                ..OptimumOptions::default()
            },
        )
        .unwrap();
        assert!(
            none.optimum.is_none(),
            "5 jobs are over an lp_jobs_max of 4"
        );
    }
}
