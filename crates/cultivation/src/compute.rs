//! Step 3: the year's compute demand of the compute-voucher holders, placed on the
//! subsidised pool of the national network with a placement policy and paid through the
//! ledger (see [`crate::payment`]). The holders are the firms with a compute-voucher
//! balance outside the scenario bundles ([`scenario_step::BUNDLE_PROGRAM_IDS`]).

use std::collections::HashMap;

use compute_scheduler::generate::{FirmDemand, GeneratorConfig, Horizon, generate_for_firms};
use compute_scheduler::seed::derive_seed;
use compute_scheduler::{Catalog, PolicyKind};
use registry_model::{Adjustment, Enterprise, EnterpriseId, Tier, Year};
use rust_decimal::Decimal;
use voucher_ledger::program::VoucherKind;
use voucher_ledger::{Journal, VoucherBook};

use crate::error::{CultivationError, Result};
use crate::observer::Observer;
use crate::payment::{LedgerPayer, schedule_paying_in_groups};
use crate::result::{ClusterLine, ComputeStep, ComputeSummary, JobLine, RejectionLine};
use crate::scenario_step;

/// Payments in one ledger group: 4 journal entries each keep a group far within the
/// ledger's limits ([`voucher_ledger::journal::GROUP_REQUESTS_MAX`] requests,
/// [`voucher_ledger::journal::GROUP_ENTRIES_MAX`] entries).
pub const PAYMENTS_PER_GROUP: usize = 10_000;
const _: () = assert!(PAYMENTS_PER_GROUP * 8 <= voucher_ledger::journal::GROUP_ENTRIES_MAX);
const _: () = assert!(PAYMENTS_PER_GROUP <= voucher_ledger::journal::GROUP_REQUESTS_MAX);

/// Most jobs one holder may submit in a year (`--jobs-per-holder`).
pub const JOBS_PER_HOLDER_MAX: usize = 1_000;
/// Most jobs of one year's demand: the scheduler's bound on a stream.
pub const JOBS_MAX: usize = compute_scheduler::job::MAX_JOBS;
/// Days over which the year's demand is submitted.
pub const DEMAND_DAYS: u32 = 365;

/// Step 3 from start to end.
#[allow(clippy::too_many_arguments)]
pub fn run<J: Journal>(
    book: &mut VoucherBook<J>,
    catalog: &Catalog,
    firms: &[Enterprise],
    adj: &Adjustment,
    year: Year,
    seed: u64,
    policy: PolicyKind,
    jobs_per_holder: usize,
    observer: &mut dyn Observer,
) -> Result<ComputeStep> {
    let tiers: HashMap<EnterpriseId, Tier> = adj
        .entries
        .iter()
        .filter_map(|e| e.to.map(|t| (e.id, t)))
        .collect();
    let mut holders = Vec::new();
    let mut program_of = HashMap::new();
    for f in firms {
        let Some(tier) = tiers.get(&f.id).copied() else {
            continue;
        };
        // The scenario bundles' compute vouchers are earmarked for the scenario's work
        // (step 6), not the year's general demand; leaving them out also keeps a rerun of
        // the year choosing the programs its first run chose.
        let earmarked = &scenario_step::BUNDLE_PROGRAM_IDS;
        if let Some(p) = book.paying_program_except(VoucherKind::Compute, &f.id, earmarked) {
            holders.push(FirmDemand {
                id: f.id,
                tier,
                home: f.region(),
                voucher_coverage: p.ratio.default,
            });
            program_of.insert(f.id, p.id.clone());
        }
    }
    let jobs_n = holders.len().saturating_mul(jobs_per_holder);
    if jobs_n > JOBS_MAX {
        return Err(CultivationError::Bounds {
            what: "the year's compute jobs",
            value: format!("{} holders × {jobs_per_holder}", holders.len()),
            bounds: format!("1..={JOBS_MAX} (lower --jobs-per-holder)"),
        });
    }
    let policy_name = policy.key().to_string();
    if jobs_n == 0 {
        return Ok(ComputeStep {
            summary: ComputeSummary {
                policy: policy_name,
                holders: 0,
                jobs: 0,
                placed: 0,
                rejected: 0,
                utilisation: 0.0,
                idle_rate: 0.0,
                wait_p50_s: 0,
                wait_p95_s: 0,
                wait_p99_s: 0,
                gross_cost_yuan: Decimal::ZERO,
                subsidy_yuan: Decimal::ZERO,
                firm_cost_yuan: Decimal::ZERO,
                payment_declines: 0,
                green_share: 0.0,
                jain_fairness: 1.0,
            },
            clusters: Vec::new(),
            jobs: Vec::new(),
            rejections: Vec::new(),
        });
    }
    let config = GeneratorConfig {
        jobs: jobs_n,
        seed: derive_seed(seed, year, "compute"),
        horizon: Horizon::Days(DEMAND_DAYS),
        ..GeneratorConfig::default()
    };
    let mut jobs = generate_for_firms(&holders, &config)?;
    // Job ids carry the year so the contracts of different years never collide.
    for j in &mut jobs {
        j.id = format!("{year}-{}", j.id);
    }
    observer.begin(
        &format!("placing {} jobs", jobs.len()),
        Some(jobs.len() as u64),
    );
    let payer = LedgerPayer::new(year, program_of);
    let schedule = schedule_paying_in_groups(
        book,
        &payer,
        catalog,
        &jobs,
        policy,
        PAYMENTS_PER_GROUP,
        observer,
    )?;
    observer.end();
    book.check_invariants()?;
    let m = &schedule.metrics;
    let clusters = m
        .per_cluster
        .iter()
        .map(|c| ClusterLine {
            cluster: c.cluster.clone(),
            region: c.region.clone(),
            jobs: c.jobs,
            utilisation: c.utilisation,
            idle_rate: c.idle_rate,
            rack_occupancy: c.rack_occupancy,
            gross_cost_yuan: c.gross_cost,
            subsidy_yuan: c.subsidy,
            firm_cost_yuan: c.firm_cost,
            green_share: c.green_share,
        })
        .collect();
    let job_lines = schedule
        .placements
        .iter()
        .filter_map(|p| {
            let j = jobs.get(p.job)?;
            let c = catalog.clusters.get(p.cluster)?;
            Some(JobLine {
                job: j.id.clone(),
                firm: j.firm.to_string(),
                tier: j.tier.key().to_string(),
                kind: format!("{:?}", j.kind).to_lowercase(),
                cards: j.cards,
                cluster: c.id.clone(),
                submit_s: j.submit_s,
                start_s: p.start_s,
                end_s: p.end_s,
                gross_cost_yuan: p.gross_cost,
                subsidy_yuan: p.subsidy,
                firm_cost_yuan: p.firm_cost,
                declined: p.payment_declined.clone().unwrap_or_default(),
            })
        })
        .collect();
    let rejections = schedule
        .rejections
        .iter()
        .filter_map(|r| {
            let j = jobs.get(r.job)?;
            let reasons = r
                .filters
                .iter()
                .flat_map(|f| {
                    f.removed
                        .iter()
                        .map(move |x| format!("{}: {} ({})", f.filter, x.cluster, x.reason))
                })
                .collect::<Vec<_>>()
                .join("; ");
            Some(RejectionLine {
                job: j.id.clone(),
                firm: j.firm.to_string(),
                kind: format!("{:?}", j.kind).to_lowercase(),
                cards: j.cards,
                home: j.home.to_string(),
                reasons,
            })
        })
        .collect();
    Ok(ComputeStep {
        summary: ComputeSummary {
            policy: policy_name,
            holders: holders.len(),
            jobs: m.jobs_submitted,
            placed: m.jobs_placed,
            rejected: m.jobs_rejected,
            utilisation: m.utilisation,
            idle_rate: m.idle_rate,
            wait_p50_s: m.wait_p50_s,
            wait_p95_s: m.wait_p95_s,
            wait_p99_s: m.wait_p99_s,
            gross_cost_yuan: m.gross_cost,
            subsidy_yuan: m.subsidy,
            firm_cost_yuan: m.firm_cost,
            payment_declines: m.payment_declines,
            green_share: m.green_share,
            jain_fairness: m.jain_fairness,
        },
        clusters,
        jobs: job_lines,
        rejections,
    })
}
