//! A seeded synthetic job stream: a daily arrival cycle, an east/west mix of home provinces,
//! four job kinds with their latency classes, sizes and deadlines.
//!
//! Same configuration and seed, same jobs, byte for byte (ChaCha8, single-threaded).

use rand::Rng;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use registry_model::{EnterpriseId, RegionCode, Tier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::job::{Job, JobKind, MAX_JOBS, Residency};

/// A firm whose demand is generated: the caller (the annual cycle) supplies voucher holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmDemand {
    /// The firm.
    pub id: EnterpriseId,
    /// Its tier (leading firms submit more jobs).
    pub tier: Tier,
    /// Its home region (its province decides latency).
    pub home: RegionCode,
    /// Share of its compute bills its voucher covers, in [0, 1].
    pub voucher_coverage: Decimal,
}

/// How arrivals spread over time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Horizon {
    /// Submissions spread over this many days.
    Days(u32),
    /// The horizon is chosen so the offered card load is this share of `capacity_cards`.
    Load {
        /// Offered card-seconds ÷ (capacity × horizon), in (0, 10].
        utilisation: f64,
        /// Cards of the network (the embedded catalog has 99,000).
        capacity_cards: u64,
    },
}

/// Most synthetic firms [`synthetic_firms`] makes.
pub const SYNTHETIC_FIRMS_MAX: usize = 1_000_000;
/// Default number of synthetic firms behind a stream (assumed: enough owners for the
/// per-firm fairness of the placement policies to show, few enough to read).
pub const FIRMS_DEFAULT: usize = 50;
/// Default offered card load of a generated stream, as a share of the network's cards
/// (assumed: a busy network that still has room, so policies differ in where, not whether).
pub const UTILISATION_DEFAULT: f64 = 0.7;

/// Parameters of the generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorConfig {
    /// Number of jobs.
    pub jobs: usize,
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
    /// Synthetic firms to create when no firm list is given.
    pub firms: usize,
    /// Share of synthetic firms at home in the eastern provinces, in [0, 1]. Default 0.75,
    /// assumed: the premise of 东数西算 is that demand sits in the east; no statistic fixes
    /// the share.
    pub east_share: f64,
    /// Spread of arrivals.
    pub horizon: Horizon,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            jobs: 1000,
            seed: 1,
            firms: FIRMS_DEFAULT,
            east_share: 0.75,
            horizon: Horizon::Load {
                utilisation: UTILISATION_DEFAULT,
                capacity_cards: 99_000,
            },
        }
    }
}

/// Relative arrival rate per hour of the day (quiet before dawn, peaks late morning and
/// mid-afternoon), a modelled default.
pub const DAILY_CYCLE: [u32; 24] = [
    2, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 9, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 3,
];

/// Eastern provinces and their weights (modelled on the size of their digital economy).
const EAST: [(&str, u32); 11] = [
    ("44", 10),
    ("32", 8),
    ("33", 8),
    ("31", 7),
    ("11", 7),
    ("37", 5),
    ("35", 4),
    ("12", 2),
    ("13", 2),
    ("21", 2),
    ("46", 1),
];
/// Central and western provinces and their weights.
const WEST: [(&str, u32); 20] = [
    ("51", 4),
    ("50", 3),
    ("42", 3),
    ("43", 2),
    ("41", 2),
    ("34", 2),
    ("61", 2),
    ("36", 1),
    ("52", 1),
    ("53", 1),
    ("45", 1),
    ("14", 1),
    ("15", 1),
    ("62", 1),
    ("64", 1),
    ("22", 1),
    ("23", 1),
    ("63", 1),
    ("54", 1),
    ("65", 1),
];

fn pick_weighted<'a, R: Rng>(rng: &mut R, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|x| x.1).sum();
    let mut r = rng.gen_range(0..total.max(1));
    for (k, w) in items {
        if r < *w {
            return k;
        }
        r -= w;
    }
    items.first().map_or("11", |x| x.0)
}

/// `n` synthetic firms: valid USCCs registered in their home provinces, tiers 60 % potential,
/// 30 % growth, 10 % leading, voucher coverage between 0 and 0.6.
pub fn synthetic_firms(n: usize, east_share: f64, seed: u64) -> Result<Vec<FirmDemand>> {
    if n == 0 || n > SYNTHETIC_FIRMS_MAX {
        return Err(Error::Parameter {
            name: "firms".into(),
            message: format!("{n} is outside [1, 1000000]"),
        });
    }
    if !(0.0..=1.0).contains(&east_share) {
        return Err(Error::Parameter {
            name: "east_share".into(),
            message: format!("{east_share} is outside [0, 1]"),
        });
    }
    // A stream of its own, so firm identities do not shift when job parameters change.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6669_726d_735f_7631);
    let coverages = [
        Decimal::ZERO,
        Decimal::new(2, 1),
        Decimal::new(3, 1),
        Decimal::new(5, 1),
        Decimal::new(6, 1),
    ];
    let mut out = Vec::with_capacity(n);
    let mut seen = std::collections::BTreeSet::new();
    while out.len() < n {
        let prov = if rng.gen_bool(east_share) {
            pick_weighted(&mut rng, &EAST)
        } else {
            pick_weighted(&mut rng, &WEST)
        };
        let org: u64 = rng.gen_range(0..1_000_000_000);
        let first17 = format!("91{prov}0100{org:09}");
        let id = EnterpriseId::from_first17(&first17).map_err(|e| Error::Parameter {
            name: "firms".into(),
            message: e.to_string(),
        })?;
        if !seen.insert(id) {
            continue;
        }
        let home = RegionCode::parse(&format!("{prov}0100")).map_err(|e| Error::Parameter {
            name: "firms".into(),
            message: e.to_string(),
        })?;
        let r: f64 = rng.r#gen();
        let tier = if r < 0.6 {
            Tier::Potential
        } else if r < 0.9 {
            Tier::Growth
        } else {
            Tier::Leading
        };
        let voucher_coverage = *coverages.choose(&mut rng).unwrap_or(&Decimal::ZERO);
        out.push(FirmDemand {
            id,
            tier,
            home,
            voucher_coverage,
        });
    }
    Ok(out)
}

/// A job stream from `config.firms` synthetic firms.
pub fn generate(config: &GeneratorConfig) -> Result<Vec<Job>> {
    let firms = synthetic_firms(config.firms, config.east_share, config.seed)?;
    generate_for_firms(&firms, config)
}

fn lognormal_s<R: Rng>(rng: &mut R, median_h: f64, sigma: f64, max_h: f64) -> u64 {
    let d = LogNormal::new(median_h.ln(), sigma).ok();
    let h = d
        .map_or(median_h, |d| d.sample(rng))
        .clamp(1.0 / 60.0, max_h);
    (h * 3600.0).round().max(60.0) as u64
}

/// A job stream for the given firms (the annual cycle passes its voucher holders): jobs are
/// shared among firms in proportion to tier (leading 4, growth 2, potential 1), and `config.firms`
/// and `config.east_share` are ignored.
pub fn generate_for_firms(firms: &[FirmDemand], config: &GeneratorConfig) -> Result<Vec<Job>> {
    if config.jobs == 0 || config.jobs > MAX_JOBS {
        return Err(Error::Parameter {
            name: "jobs".into(),
            message: format!("{} is outside [1, {MAX_JOBS}]", config.jobs),
        });
    }
    if firms.is_empty() {
        return Err(Error::Parameter {
            name: "firms".into(),
            message: "no firm to generate demand for".into(),
        });
    }
    for f in firms {
        if f.voucher_coverage < Decimal::ZERO || f.voucher_coverage > Decimal::ONE {
            return Err(Error::Parameter {
                name: "voucher_coverage".into(),
                message: format!("firm {}: {} is outside [0, 1]", f.id, f.voucher_coverage),
            });
        }
    }
    match config.horizon {
        Horizon::Days(d) if d == 0 || d > 3660 => {
            return Err(Error::Parameter {
                name: "horizon".into(),
                message: format!("{d} days is outside [1, 3660]"),
            });
        }
        Horizon::Load {
            utilisation,
            capacity_cards,
        } if !(utilisation > 0.0 && utilisation <= 10.0) || capacity_cards == 0 => {
            return Err(Error::Parameter {
                name: "horizon".into(),
                message: format!(
                    "load {utilisation} on {capacity_cards} cards: need (0, 10] on at least 1 card"
                ),
            });
        }
        _ => {}
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let tier_weight = |t: Tier| match t {
        Tier::Potential => 1u32,
        Tier::Growth => 2,
        Tier::Leading => 4,
    };
    let total_w: u64 = firms.iter().map(|f| u64::from(tier_weight(f.tier))).sum();
    let width = config.jobs.to_string().len().max(6);
    // First the jobs' shapes, then their times, so the horizon can follow the offered load.
    let mut jobs = Vec::with_capacity(config.jobs);
    for i in 0..config.jobs {
        let mut r = rng.gen_range(0..total_w.max(1));
        let mut firm = firms.first().ok_or_else(|| Error::Parameter {
            name: "firms".into(),
            message: "empty".into(),
        })?;
        for f in firms {
            let w = u64::from(tier_weight(f.tier));
            if r < w {
                firm = f;
                break;
            }
            r -= w;
        }
        let k: f64 = rng.r#gen();
        let kind = if k < 0.30 {
            JobKind::Training
        } else if k < 0.65 {
            JobKind::Inference
        } else if k < 0.88 {
            JobKind::OfflineAnalysis
        } else {
            JobKind::StorageBackup
        };
        let (cards, cpu_cores, duration_s, latency_ms_max, residency) = match kind {
            JobKind::Training => {
                let cards = *[1u32, 2, 4, 8, 8, 16, 32, 64]
                    .choose(&mut rng)
                    .unwrap_or(&8);
                let dur = lognormal_s(&mut rng, 4.0, 1.0, 72.0);
                let res = if rng.gen_bool(0.1) {
                    Residency::Region(crate::catalog::Region::West)
                } else {
                    Residency::Anywhere
                };
                (cards, cards * 8, dur, None, res)
            }
            JobKind::Inference => {
                let cards = *[1u32, 1, 2, 4].choose(&mut rng).unwrap_or(&1);
                let dur = lognormal_s(&mut rng, 1.0, 0.8, 12.0);
                // Finance and industrial control want 5 ms; the rest of real time 20 ms.
                let lat = if rng.gen_bool(0.3) { 5.0 } else { 20.0 };
                (cards, cards * 4, dur, Some(lat), Residency::Anywhere)
            }
            JobKind::OfflineAnalysis => {
                let cards = if rng.gen_bool(0.3) {
                    *[1u32, 2].choose(&mut rng).unwrap_or(&1)
                } else {
                    0
                };
                let cores = *[16u32, 32, 64, 128].choose(&mut rng).unwrap_or(&32);
                let dur = lognormal_s(&mut rng, 2.0, 0.9, 48.0);
                (cards, cores, dur, None, Residency::Anywhere)
            }
            JobKind::StorageBackup => {
                let cores = *[4u32, 8, 16].choose(&mut rng).unwrap_or(&8);
                let dur = lognormal_s(&mut rng, 3.0, 0.6, 24.0);
                (0, cores, dur, None, Residency::Anywhere)
            }
        };
        // Users over-declare run times by 0-100 %.
        let declared = (duration_s as f64 * rng.gen_range(1.0..2.0)).round() as u64;
        let slack_s = match kind {
            JobKind::Inference => 600,
            JobKind::Training => duration_s * 2 + 12 * 3600,
            JobKind::OfflineAnalysis => duration_s * 2 + 6 * 3600,
            JobKind::StorageBackup => 24 * 3600,
        };
        jobs.push(Job {
            id: format!("J{:0width$}", i + 1),
            firm: firm.id,
            tier: firm.tier,
            home: firm.home,
            kind,
            cards,
            cpu_cores,
            submit_s: 0,
            duration_s,
            declared_s: Some(declared.max(duration_s)),
            deadline_s: Some(duration_s + slack_s),
            latency_ms_max,
            residency,
            budget: None,
            voucher_coverage: firm.voucher_coverage,
        });
    }
    let horizon_s: u64 = match config.horizon {
        Horizon::Days(d) => u64::from(d) * 86_400,
        Horizon::Load {
            utilisation,
            capacity_cards,
        } => {
            let card_s: f64 = jobs
                .iter()
                .map(|j| f64::from(j.cards) * j.duration_s as f64)
                .sum();
            ((card_s / (utilisation * capacity_cards as f64)).ceil() as u64).max(3600)
        }
    };
    let days = horizon_s.div_ceil(86_400).max(1);
    let cycle_total: u32 = DAILY_CYCLE.iter().sum();
    let mut submits: Vec<u64> = Vec::with_capacity(jobs.len());
    for _ in 0..jobs.len() {
        // Day, then hour of day by the daily cycle, then second; reject beyond the horizon.
        let t = loop {
            let day = rng.gen_range(0..days);
            let mut r = rng.gen_range(0..cycle_total);
            let mut hour = 0u64;
            for (h, w) in DAILY_CYCLE.iter().enumerate() {
                if r < *w {
                    hour = h as u64;
                    break;
                }
                r -= w;
            }
            let t = day * 86_400 + hour * 3600 + rng.gen_range(0..3600);
            if t < horizon_s {
                break t;
            }
        };
        submits.push(t);
    }
    submits.sort_unstable();
    for (j, s) in jobs.iter_mut().zip(submits) {
        j.submit_s = s;
        j.deadline_s = j.deadline_s.map(|d| d + s);
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_jobs_and_valid() {
        let cfg = GeneratorConfig {
            jobs: 500,
            seed: 42,
            ..GeneratorConfig::default()
        };
        let a = generate(&cfg).unwrap();
        let b = generate(&cfg).unwrap();
        assert_eq!(a, b);
        crate::job::validate_jobs(&a).unwrap();
        let c = generate(&GeneratorConfig { seed: 43, ..cfg }).unwrap();
        assert_ne!(a, c);
        // Submissions are sorted and every kind occurs.
        assert!(a.windows(2).all(|w| w[0].submit_s <= w[1].submit_s));
        for k in JobKind::ALL {
            assert!(a.iter().any(|j| j.kind == k), "{k} missing");
        }
    }

    #[test]
    fn daily_cycle_shows_in_arrivals() {
        let cfg = GeneratorConfig {
            jobs: 20_000,
            seed: 1,
            horizon: Horizon::Days(30),
            ..GeneratorConfig::default()
        };
        let jobs = generate(&cfg).unwrap();
        let mut by_hour = [0u32; 24];
        for j in &jobs {
            by_hour[((j.submit_s % 86_400) / 3600) as usize] += 1;
        }
        // 10:00-11:00 has weight 10, 02:00-03:00 weight 1: expect about ten times as many.
        assert!(by_hour[10] > 6 * by_hour[2], "{by_hour:?}");
    }

    #[test]
    fn east_west_mix_follows_the_share() {
        let firms = synthetic_firms(2000, 0.75, 5).unwrap();
        let east = firms
            .iter()
            .filter(|f| EAST.iter().any(|(p, _)| *p == f.home.province_code()))
            .count();
        // 75 % ± 3 points (binomial sd ≈ 1 point).
        assert!((1440..=1560).contains(&east), "{east}");
        let all_west = synthetic_firms(200, 0.0, 5).unwrap();
        assert!(
            all_west
                .iter()
                .all(|f| WEST.iter().any(|(p, _)| *p == f.home.province_code()))
        );
        assert!(synthetic_firms(3, 1.5, 5).is_err());
    }

    #[test]
    fn firms_list_is_respected() {
        let firms = synthetic_firms(3, 0.5, 9).unwrap();
        let cfg = GeneratorConfig {
            jobs: 300,
            ..GeneratorConfig::default()
        };
        let jobs = generate_for_firms(&firms, &cfg).unwrap();
        for j in &jobs {
            let f = firms.iter().find(|f| f.id == j.firm).unwrap();
            assert_eq!(
                (j.tier, j.home, j.voucher_coverage),
                (f.tier, f.home, f.voucher_coverage)
            );
        }
        assert!(generate_for_firms(&[], &cfg).is_err());
    }
}
