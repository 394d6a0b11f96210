//! Portfolio simulation: seeded Monte Carlo of a 云量贷 program over several years — defaults
//! from each loan's PD, losses from a random loss given default, recoveries, the subsidy
//! budget and the risk pool — and what the scheme cost against the credit it extended.
//!
//! The model of a year, for each run:
//! 1. Every loan alive at the start of the year (not defaulted, not matured) has its exposure
//!    for the year (`exposure × utilisation`, constant for renewed one-year lines, falling by
//!    equal steps for amortising loans).
//! 2. A loan defaults in year t with probability PD given it survived year t − 1: one uniform
//!    draw `u` per loan and run, default in the first year with `u < 1 − (1 − PD)^t`.
//!    Default comes at the start of the year: the claim is the year's exposure and no interest
//!    is paid that year.
//! 3. Its loss is `claim × LGD`, LGD drawn from a Beta distribution with the configured mean
//!    and standard deviation (in millionths, then exact integers); the recovery `claim − loss`
//!    comes in `recovery_lag_years` later (if within the horizon).
//! 4. The pool settles the year's claims together under the product's share and rule
//!    ([`crate::pool::settle`]), after the year's top-up; a recovery returns the pool's share
//!    ([`crate::pool::return_due_fen`]). The pool never goes below zero.
//! 5. Survivors pay the year's interest (365 days under the line's day count); in the
//!    subsidised years the program pays the subsidy on it (the same rule as the lines),
//!    capped per loan per year and by the year's budget, first come in loan order.
//!
//! Loans draw from ChaCha8 streams keyed by (seed, run, chunk of [`SIM_CHUNK_LOANS`] loans),
//! so the result is the same bytes on any number of threads. The expected loss is checked against the
//! analytic `Σ_i Σ_t (1 − PD_i)^(t−1) · PD_i · LGD_i · EAD_i,t` ([`SimulationResult::loss_check`]).

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution};
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::error::{FinanceError, Result, config};
use crate::features::MICROS;
use crate::money::{AMOUNT_FEN_MAX, DayCount, Fraction, check_ratio, yuan_to_fen};
use crate::pool::{PoolRule, return_due_fen, settle};
use crate::product::{Product, SubsidyRule};
use crate::tomlio::parse_toml;

/// Most loans one simulation takes.
pub const SIM_LOANS_MAX: usize = 2_000_000;
/// Most runs.
pub const SIM_RUNS_MAX: usize = 100_000;
/// Most years.
pub const SIM_YEARS_MAX: u32 = 30;
/// Most loan-runs (loans × runs): the bound on work, about a minute on two cores.
pub const SIM_LOAN_RUNS_MAX: u64 = 2_000_000_000;
/// Days of a simulated year.
pub const SIM_YEAR_DAYS: i64 = 365;
/// Loans per random stream: each run draws its loans in fixed chunks of this many, one
/// ChaCha8 stream a chunk, so the draws do not depend on how chunks are spread over threads.
pub const SIM_CHUNK_LOANS: usize = 1_024;

/// The shipped default simulation parameters.
pub const DEFAULT_SIMULATION_TOML: &str =
    include_str!("../../../data/finance/simulation-2025.toml");

/// One loan of the simulated portfolio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Loan {
    /// Principal drawn in the first year, fen.
    pub exposure_fen: i64,
    /// One-year probability of default.
    pub pd: f64,
    /// Annual interest rate.
    pub annual_rate: Decimal,
    /// Day count.
    pub day_count: DayCount,
    /// The subsidy rule.
    pub subsidy: SubsidyRule,
    /// Years from the first with subsidised interest.
    pub subsidy_years: u32,
}

/// Simulation parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationSpec {
    /// Id of the parameter set.
    pub id: String,
    /// Where the numbers come from.
    pub source: String,
    /// Years simulated.
    pub years: u32,
    /// Monte Carlo runs.
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// Share of a line's limit drawn, in [0, 1] (turning granted lines into loans).
    pub utilisation: Decimal,
    /// Mean loss given default, in [0, 1].
    pub lgd_mean: f64,
    /// Standard deviation of the loss given default (0: every default loses the mean).
    pub lgd_sd: f64,
    /// Years from default to recovery.
    pub recovery_lag_years: u32,
    /// Loans renew each year until the horizon (true) or run their term once (false).
    pub renew: bool,
    /// Years a non-renewed loan runs; it amortises in equal steps when `amortising`.
    pub term_years: u32,
    /// Principal falls in equal yearly steps over the term.
    pub amortising: bool,
    /// Money in the pool at the start.
    pub pool_initial_fen: i64,
    /// Top-up of the pool at the start of every year.
    pub pool_topup_per_year_fen: i64,
    /// Subsidy budget of every year (unspent money is not carried over).
    pub subsidy_budget_per_year_fen: i64,
    /// Subsidy cap per loan per year.
    pub subsidy_cap_per_loan_year_fen: i64,
    /// Share of a claim the pool covers.
    pub pool_share: Decimal,
    /// The pool's exhaustion rule.
    pub pool_rule: PoolRule,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    simulation: SimSpec,
    program: ProgramSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimSpec {
    id: String,
    source: String,
    years: u32,
    runs: usize,
    seed: u64,
    utilisation: Decimal,
    lgd_mean: Decimal,
    lgd_sd: Decimal,
    recovery_lag_years: u32,
    renew: bool,
    term_years: u32,
    amortising: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramSpec {
    pool_initial_yuan: Decimal,
    pool_topup_per_year_yuan: Decimal,
    subsidy_budget_per_year_yuan: Decimal,
}

impl SimulationSpec {
    /// Reads parameters; the pool's share and rule and the subsidy cap come from `product`.
    pub fn from_toml_str(text: &str, file: &str, product: &Product) -> Result<Self> {
        let f: FileSpec = parse_toml(text, file)?;
        let s = f.simulation;
        let fen = |d: Decimal, field: &str| yuan_to_fen(d, file, field);
        let lgd_mean = check_ratio(s.lgd_mean, Decimal::ONE, file, "simulation.lgd_mean")?;
        let lgd_sd = check_ratio(s.lgd_sd, Decimal::ONE, file, "simulation.lgd_sd")?;
        let spec = SimulationSpec {
            id: s.id,
            source: s.source,
            years: s.years,
            runs: s.runs,
            seed: s.seed,
            utilisation: check_ratio(s.utilisation, Decimal::ONE, file, "simulation.utilisation")?,
            lgd_mean: lgd_mean.to_f64().unwrap_or(0.0),
            lgd_sd: lgd_sd.to_f64().unwrap_or(0.0),
            recovery_lag_years: s.recovery_lag_years,
            renew: s.renew,
            term_years: s.term_years,
            amortising: s.amortising,
            pool_initial_fen: fen(f.program.pool_initial_yuan, "program.pool_initial_yuan")?,
            pool_topup_per_year_fen: fen(
                f.program.pool_topup_per_year_yuan,
                "program.pool_topup_per_year_yuan",
            )?,
            subsidy_budget_per_year_fen: fen(
                f.program.subsidy_budget_per_year_yuan,
                "program.subsidy_budget_per_year_yuan",
            )?,
            subsidy_cap_per_loan_year_fen: product.subsidy_cap_per_firm_year_fen,
            pool_share: product.pool_share,
            pool_rule: product.pool_rule,
        };
        spec.check(file)?;
        Ok(spec)
    }

    /// The shipped defaults with the shipped product.
    pub fn embedded(product: &Product) -> Result<Self> {
        Self::from_toml_str(
            DEFAULT_SIMULATION_TOML,
            "data/finance/simulation-2025.toml",
            product,
        )
    }

    /// Checks ranges; `file` names the source in errors.
    pub fn check(&self, file: &str) -> Result<()> {
        if !(1..=SIM_YEARS_MAX).contains(&self.years) {
            return Err(config(
                file,
                "simulation.years",
                self.years,
                format!("must be 1 to {SIM_YEARS_MAX}"),
            ));
        }
        if !(1..=SIM_RUNS_MAX).contains(&self.runs) {
            return Err(config(
                file,
                "simulation.runs",
                self.runs,
                format!("must be 1 to {SIM_RUNS_MAX}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.lgd_mean) || !(0.0..=0.5).contains(&self.lgd_sd) {
            return Err(config(
                file,
                "simulation.lgd_mean",
                self.lgd_mean,
                "LGD mean in [0, 1], sd in [0, 0.5]",
            ));
        }
        // A Beta distribution with mean m has variance below m(1 − m).
        if self.lgd_sd > 0.0 && self.lgd_sd * self.lgd_sd >= self.lgd_mean * (1.0 - self.lgd_mean) {
            return Err(config(
                file,
                "simulation.lgd_sd",
                self.lgd_sd,
                "too large for the mean: the variance must be below mean × (1 − mean)",
            ));
        }
        if self.term_years == 0 || self.term_years > SIM_YEARS_MAX {
            return Err(config(
                file,
                "simulation.term_years",
                self.term_years,
                format!("must be 1 to {SIM_YEARS_MAX}"),
            ));
        }
        if self.pool_share > Decimal::ONE || self.pool_share.is_sign_negative() {
            return Err(config(
                file,
                "pool_share",
                self.pool_share,
                "must be in [0, 1]",
            ));
        }
        Ok(())
    }

    /// A loan's exposure in year `t` (1-based), before default.
    pub fn exposure_fen(&self, loan: &Loan, t: u32) -> i64 {
        if self.renew {
            return loan.exposure_fen;
        }
        if t > self.term_years {
            return 0;
        }
        if self.amortising {
            // Equal steps: (term − t + 1) / term of the original principal, rounded down.
            crate::money::prorate_down_fen(
                loan.exposure_fen,
                i64::from(self.term_years - t + 1),
                i64::from(self.term_years),
            )
            .unwrap_or(0)
        } else {
            loan.exposure_fen
        }
    }
}

/// Summary of one money figure over the runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MoneyStat {
    /// Mean over runs, fen (a statistic, rounded half up to the fen).
    pub mean_fen: i64,
    /// Standard deviation over runs, fen.
    pub sd_fen: f64,
    /// 5th, 50th and 95th percentiles (nearest rank), fen: values of actual runs.
    pub p05_fen: i64,
    /// Median.
    pub p50_fen: i64,
    /// 95th percentile.
    pub p95_fen: i64,
}

impl MoneyStat {
    fn of(mut v: Vec<i64>) -> Self {
        let n = v.len().max(1);
        let sum: i128 = v.iter().map(|x| i128::from(*x)).sum();
        let mean_fen =
            i64::try_from((2 * sum + n as i128).div_euclid(2 * n as i128)).unwrap_or(i64::MAX);
        let mean = sum as f64 / n as f64;
        let var = if v.len() > 1 {
            v.iter().map(|x| (*x as f64 - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64
        } else {
            0.0
        };
        v.sort_unstable();
        let rank = |p: f64| {
            v.get(((p * n as f64).ceil() as usize).clamp(1, n) - 1)
                .copied()
                .unwrap_or(0)
        };
        Self {
            mean_fen,
            sd_fen: var.sqrt(),
            p05_fen: rank(0.05),
            p50_fen: rank(0.50),
            p95_fen: rank(0.95),
        }
    }
}

/// What one run did in one year (or over the horizon), fen and counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Flows {
    /// Exposure of the loans alive at the start of the year (credit extended).
    pub credit_extended_fen: i64,
    /// Loans that defaulted.
    pub defaults: i64,
    /// Their claims (exposure at default).
    pub defaulted_exposure_fen: i64,
    /// Loss at default: claim × LGD.
    pub loss_fen: i64,
    /// Compensation the pool paid.
    pub compensation_fen: i64,
    /// Compensation due and not paid (pool short).
    pub compensation_shortfall_fen: i64,
    /// Recoveries received.
    pub recoveries_fen: i64,
    /// Recoveries returned to the pool.
    pub pool_returns_fen: i64,
    /// Interest the survivors paid.
    pub interest_fen: i64,
    /// Subsidy the program paid.
    pub subsidy_fen: i64,
    /// Pool balance at the end of the year.
    pub pool_end_fen: i64,
}

impl Flows {
    /// The program's net cost: subsidies + compensation − returns to the pool.
    pub fn program_cost_fen(&self) -> i64 {
        self.subsidy_fen + self.compensation_fen - self.pool_returns_fen
    }

    fn add(&mut self, o: &Flows) {
        self.credit_extended_fen += o.credit_extended_fen;
        self.defaults += o.defaults;
        self.defaulted_exposure_fen += o.defaulted_exposure_fen;
        self.loss_fen += o.loss_fen;
        self.compensation_fen += o.compensation_fen;
        self.compensation_shortfall_fen += o.compensation_shortfall_fen;
        self.recoveries_fen += o.recoveries_fen;
        self.pool_returns_fen += o.pool_returns_fen;
        self.interest_fen += o.interest_fen;
        self.subsidy_fen += o.subsidy_fen;
        self.pool_end_fen = o.pool_end_fen;
    }
}

/// Statistics of every flow over the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowStats {
    /// Credit extended.
    pub credit_extended: MoneyStat,
    /// Defaults (a count, in the same statistic).
    pub defaults: MoneyStat,
    /// Loss at default.
    pub loss: MoneyStat,
    /// Compensation paid.
    pub compensation: MoneyStat,
    /// Compensation shortfall.
    pub compensation_shortfall: MoneyStat,
    /// Recoveries.
    pub recoveries: MoneyStat,
    /// Returns to the pool.
    pub pool_returns: MoneyStat,
    /// Interest paid.
    pub interest: MoneyStat,
    /// Subsidy paid.
    pub subsidy: MoneyStat,
    /// Program cost.
    pub program_cost: MoneyStat,
    /// Pool at the end.
    pub pool_end: MoneyStat,
}

impl FlowStats {
    fn of(flows: &[Flows]) -> Self {
        let col = |f: &dyn Fn(&Flows) -> i64| MoneyStat::of(flows.iter().map(f).collect());
        Self {
            credit_extended: col(&|f| f.credit_extended_fen),
            defaults: col(&|f| f.defaults),
            loss: col(&|f| f.loss_fen),
            compensation: col(&|f| f.compensation_fen),
            compensation_shortfall: col(&|f| f.compensation_shortfall_fen),
            recoveries: col(&|f| f.recoveries_fen),
            pool_returns: col(&|f| f.pool_returns_fen),
            interest: col(&|f| f.interest_fen),
            subsidy: col(&|f| f.subsidy_fen),
            program_cost: col(&Flows::program_cost_fen),
            pool_end: col(&|f| f.pool_end_fen),
        }
    }
}

/// The simulated mean loss against the analytic expectation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LossCheck {
    /// Σ_i Σ_t (1 − PD_i)^(t−1) · PD_i · LGD · EAD_i,t, fen.
    pub analytic_fen: f64,
    /// Mean simulated loss over the horizon, fen.
    pub simulated_mean_fen: f64,
    /// Its standard error (sd ÷ √runs), fen.
    pub standard_error_fen: f64,
    /// (simulated − analytic) ÷ standard error.
    pub z: f64,
}

/// What a simulation produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationResult {
    /// The parameters.
    pub spec: SimulationSpec,
    /// Loans simulated.
    pub loans: usize,
    /// Statistics by year (index 0 = year 1).
    pub by_year: Vec<FlowStats>,
    /// Statistics of the totals over the horizon.
    pub total: FlowStats,
    /// The loss check.
    pub loss_check: LossCheck,
    /// Program cost per yuan of credit extended, mean over runs (a ratio).
    pub cost_per_yuan_extended: f64,
}

impl SimulationResult {
    /// The loss check (see [`LossCheck`]).
    pub fn loss_check(&self) -> LossCheck {
        self.loss_check
    }
}

/// SplitMix64: the key of a (seed, run, loan) stream.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A loan's draws in one run, from its chunk's stream: the year it defaults (0: none within
/// the horizon) and its LGD in millionths.
fn draw(
    spec: &SimulationSpec,
    beta: Option<&Beta<f64>>,
    loan: &Loan,
    rng: &mut ChaCha8Rng,
) -> (u32, i64) {
    let u: f64 = rng.r#gen();
    let pd = loan.pd.clamp(0.0, 1.0);
    let mut survive = 1.0;
    let mut year = 0;
    for t in 1..=spec.years {
        survive *= 1.0 - pd;
        if u < 1.0 - survive {
            year = t;
            break;
        }
    }
    if year == 0 {
        return (0, 0);
    }
    let lgd = match beta {
        Some(b) => b.sample(rng),
        None => spec.lgd_mean,
    };
    (
        year,
        ((lgd.clamp(0.0, 1.0) * MICROS as f64).round() as i64).clamp(0, MICROS),
    )
}

/// Runs the simulation.
pub fn simulate(spec: &SimulationSpec, loans: &[Loan]) -> Result<SimulationResult> {
    spec.check("simulation parameters")?;
    if loans.len() > SIM_LOANS_MAX {
        return Err(FinanceError::TooMany {
            what: "simulated loans",
            count: loans.len(),
            max: SIM_LOANS_MAX,
        });
    }
    let work = loans.len() as u64 * spec.runs as u64;
    if work > SIM_LOAN_RUNS_MAX {
        return Err(FinanceError::TooMany {
            what: "loan-runs (loans × runs)",
            count: usize::try_from(work).unwrap_or(usize::MAX),
            max: SIM_LOAN_RUNS_MAX as usize,
        });
    }
    // Bounding the portfolio bounds every sum: 30 years of exposure and interest stay in i64.
    let total: i128 = loans.iter().map(|l| i128::from(l.exposure_fen)).sum();
    if total > i128::from(AMOUNT_FEN_MAX)
        || spec.pool_initial_fen > AMOUNT_FEN_MAX
        || spec.pool_topup_per_year_fen > AMOUNT_FEN_MAX / 30
    {
        return Err(crate::error::invalid(
            "simulation",
            "exposure",
            total,
            "the portfolio (or the pool) is beyond ¥10^15",
        ));
    }
    for (i, l) in loans.iter().enumerate() {
        if !(0..=AMOUNT_FEN_MAX).contains(&l.exposure_fen)
            || !l.pd.is_finite()
            || !(0.0..=1.0).contains(&l.pd)
        {
            return Err(crate::error::invalid(
                format!("loan {i}"),
                "exposure_fen/pd",
                format!("{}/{}", l.exposure_fen, l.pd),
                "exposure in [0, 10^17] fen and PD in [0, 1]",
            ));
        }
    }
    let beta = if spec.lgd_sd > 0.0 && spec.lgd_mean > 0.0 && spec.lgd_mean < 1.0 {
        // Beta(α, β) with mean m and variance v: α = m·k, β = (1 − m)·k, k = m(1 − m)/v − 1.
        let (m, v) = (spec.lgd_mean, spec.lgd_sd * spec.lgd_sd);
        let k = m * (1.0 - m) / v - 1.0;
        Some(
            Beta::new(m * k, (1.0 - m) * k).map_err(|e| FinanceError::Degenerate {
                what: "LGD distribution",
                reason: e.to_string(),
            })?,
        )
    } else {
        None
    };
    // The rate and subsidy share of each loan as exact integer fractions, prepared once.
    let prepared: Vec<Prepared> = loans
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let bad = |what: &str| {
                crate::error::invalid(
                    format!("loan {i}"),
                    what,
                    l.annual_rate,
                    "not a usable non-negative rate",
                )
            };
            Ok(Prepared {
                rate: Fraction::of(l.annual_rate).ok_or_else(|| bad("annual_rate"))?,
                subsidy: l
                    .subsidy
                    .share(l.annual_rate)
                    .ok_or_else(|| bad("subsidy"))?,
            })
        })
        .collect::<Result<_>>()?;
    let runs: Vec<(Vec<Flows>, Flows)> = (0..spec.runs as u64)
        .into_par_iter()
        .map(|run| one_run(spec, beta.as_ref(), loans, &prepared, run))
        .collect();
    let years = spec.years as usize;
    let by_year = (0..years)
        .map(|t| FlowStats::of(&runs.iter().map(|(y, _)| y[t]).collect::<Vec<_>>()))
        .collect();
    let totals: Vec<Flows> = runs.iter().map(|(_, t)| *t).collect();
    let total = FlowStats::of(&totals);
    let analytic_fen: f64 = loans
        .iter()
        .map(|l| {
            let mut s = 0.0;
            let mut survive = 1.0;
            for t in 1..=spec.years {
                s += survive * l.pd * spec.lgd_mean * spec.exposure_fen(l, t) as f64;
                survive *= 1.0 - l.pd;
            }
            s
        })
        .sum();
    let n = totals.len() as f64;
    let losses: Vec<f64> = totals.iter().map(|f| f.loss_fen as f64).collect();
    let mean = losses.iter().sum::<f64>() / n;
    let sd = if losses.len() > 1 {
        (losses.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let se = sd / n.sqrt();
    let z = if se > 0.0 {
        (mean - analytic_fen) / se
    } else if (mean - analytic_fen).abs() < 0.5 {
        0.0
    } else {
        f64::MAX.copysign(mean - analytic_fen)
    };
    let extended: f64 = totals
        .iter()
        .map(|f| f.credit_extended_fen as f64)
        .sum::<f64>();
    let cost: f64 = totals
        .iter()
        .map(|f| f.program_cost_fen() as f64)
        .sum::<f64>();
    Ok(SimulationResult {
        spec: spec.clone(),
        loans: loans.len(),
        by_year,
        total,
        loss_check: LossCheck {
            analytic_fen,
            simulated_mean_fen: mean,
            standard_error_fen: se,
            z,
        },
        cost_per_yuan_extended: if extended > 0.0 { cost / extended } else { 0.0 },
    })
}

/// One run: flows by year and over the horizon.
/// A loan's rate and subsidy share, exact.
struct Prepared {
    rate: Fraction,
    subsidy: Fraction,
}

fn one_run(
    spec: &SimulationSpec,
    beta: Option<&Beta<f64>>,
    loans: &[Loan],
    prepared: &[Prepared],
    run: u64,
) -> (Vec<Flows>, Flows) {
    // Draws: one stream per fixed chunk of loans, keyed by (seed, run, chunk); chunks in
    // parallel, collected in loan order.
    let draws: Vec<(u32, i64)> = loans
        .par_chunks(SIM_CHUNK_LOANS)
        .enumerate()
        .flat_map_iter(|(c, chunk)| {
            let mut rng = ChaCha8Rng::seed_from_u64(mix(mix(spec.seed ^ mix(run)) ^ c as u64));
            chunk
                .iter()
                .map(|l| draw(spec, beta, l, &mut rng))
                .collect::<Vec<_>>()
        })
        .collect();
    let years = spec.years as usize;
    let mut flows = vec![Flows::default(); years];
    let mut pool = spec.pool_initial_fen;
    // (year the recovery arrives, recovery, claim, compensation) for defaulted loans.
    let mut pending: Vec<(u32, i64, i64, i64)> = Vec::new();
    let mut claims: Vec<i64> = Vec::new();
    let mut defaulted_now: Vec<(usize, i64)> = Vec::new();
    for t in 1..=spec.years {
        let f = &mut flows[(t - 1) as usize];
        pool += spec.pool_topup_per_year_fen;
        // Recoveries arriving this year return the pool's share.
        for p in pending.iter().filter(|p| p.0 == t) {
            f.recoveries_fen += p.1;
            let back = return_due_fen(p.1, p.2, p.3);
            f.pool_returns_fen += back;
            pool += back;
        }
        claims.clear();
        defaulted_now.clear();
        let mut budget = spec.subsidy_budget_per_year_fen;
        for (i, l) in loans.iter().enumerate() {
            let (dy, lgd_micros) = draws[i];
            if dy != 0 && dy < t {
                continue; // defaulted earlier
            }
            let e = spec.exposure_fen(l, t);
            if e == 0 {
                continue;
            }
            f.credit_extended_fen += e;
            if dy == t {
                let loss = crate::money::prorate_down_fen(e, lgd_micros, MICROS).unwrap_or(0);
                f.defaults += 1;
                f.defaulted_exposure_fen += e;
                f.loss_fen += loss;
                claims.push(e);
                defaulted_now.push((i, e - loss));
                continue;
            }
            let interest = prepared[i]
                .rate
                .interest_fen(e, SIM_YEAR_DAYS, l.day_count)
                .unwrap_or(0);
            f.interest_fen += interest;
            if t <= l.subsidy_years {
                let s = prepared[i]
                    .subsidy
                    .mul_down(interest)
                    .unwrap_or(0)
                    .clamp(0, interest)
                    .min(spec.subsidy_cap_per_loan_year_fen)
                    .min(budget.max(0));
                budget -= s;
                f.subsidy_fen += s;
            }
        }
        let awards = settle(pool, spec.pool_share, spec.pool_rule, &claims);
        for (a, (_, recovery)) in awards.iter().zip(&defaulted_now) {
            pool -= a.paid_fen;
            f.compensation_fen += a.paid_fen;
            f.compensation_shortfall_fen += a.shortfall_fen();
            let arrives = t + spec.recovery_lag_years;
            if *recovery > 0 && arrives <= spec.years {
                if arrives == t {
                    f.recoveries_fen += recovery;
                    let back = return_due_fen(*recovery, a.claim_fen, a.paid_fen);
                    f.pool_returns_fen += back;
                    pool += back;
                } else {
                    pending.push((arrives, *recovery, a.claim_fen, a.paid_fen));
                }
            }
        }
        debug_assert!(pool >= 0, "the pool never goes below zero");
        f.pool_end_fen = pool;
    }
    let mut total = Flows::default();
    for f in &flows {
        total.add(f);
    }
    (flows, total)
}

/// Loans from the lines a program granted: the limit × the spec's utilisation drawn, the PD
/// at grant, the line's rate and subsidy.
pub fn loans_from_lines<'a>(
    spec: &SimulationSpec,
    lines: impl IntoIterator<Item = &'a crate::line::CreditLine>,
) -> Vec<Loan> {
    lines
        .into_iter()
        .map(|l| loan(spec, l.limit_fen, l.pd, &l.terms))
        .collect()
}

fn loan(spec: &SimulationSpec, limit_fen: i64, pd: f64, terms: &crate::product::LineTerms) -> Loan {
    Loan {
        exposure_fen: crate::money::share_down_fen(limit_fen, spec.utilisation).unwrap_or(0),
        pd,
        annual_rate: terms.annual_rate,
        day_count: terms.day_count,
        subsidy: terms.subsidy,
        subsidy_years: terms.subsidy_months.div_ceil(12),
    }
}

/// A synthetic program: every firm-year of `portfolio` is decided under `product` with
/// `model` on `date` (as [`crate::decide`] does for real firms, from the profile and spend the
/// synthetic features stand for), and each eligible one becomes a loan.
pub fn loans_from_portfolio(
    spec: &SimulationSpec,
    portfolio: &crate::synthetic::Portfolio,
    model: &dyn crate::model::CreditModel,
    product: &Product,
    date: NaiveDate,
) -> Result<Vec<Loan>> {
    let decided: Vec<Option<Loan>> = portfolio
        .features
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let (profile, spend) = crate::synthetic::profile_and_spend(f, i as u64, date)?;
            let a = model.assess(f);
            let d =
                crate::eligibility::decide(product, profile.firm, Some(&profile), &spend, &a, date);
            Ok(d.grant_terms()
                .map(|g| loan(spec, g.limit_fen, g.pd, &g.terms)))
        })
        .collect::<Result<_>>()?;
    Ok(decided.into_iter().flatten().collect())
}
