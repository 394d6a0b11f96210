//! Invariants over random streams and networks (proptest; case counts kept modest).

use compute_scheduler::generate::{GeneratorConfig, Horizon, generate};
use compute_scheduler::optimum::{OptimumOptions, optimum};
use compute_scheduler::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn small_instance(seed: u64, jobs: usize, divisor: u32, load: f64) -> (Catalog, Vec<Job>) {
    let catalog = Catalog::embedded()
        .unwrap()
        .with_capacity_divisor(divisor)
        .unwrap();
    let jobs = generate(&GeneratorConfig {
        jobs,
        seed,
        firms: 6,
        horizon: Horizon::Load {
            utilisation: load,
            capacity_cards: catalog.total_cards(),
        },
        ..GeneratorConfig::default()
    })
    .unwrap();
    (catalog, jobs)
}

fn policy_strategy() -> impl Strategy<Value = PolicyKind> {
    prop_oneof![
        Just(PolicyKind::Fifo),
        Just(PolicyKind::Greedy),
        Just(PolicyKind::Fair),
        Just(PolicyKind::Backfill)
    ]
}

/// Checks a schedule against the stream with a sweep of its own, independent of the
/// simulator's bookkeeping.
fn check_schedule(catalog: &Catalog, jobs: &[Job], s: &Schedule) -> Result<(), TestCaseError> {
    let m = &s.metrics;
    prop_assert_eq!(m.jobs_placed + m.jobs_rejected, jobs.len() as u64);
    prop_assert_eq!(s.placements.len() as u64, m.jobs_placed);
    // No job starts before it is submitted, none beyond its latency limit, each runs its
    // actual duration.
    for p in &s.placements {
        let j = &jobs[p.job];
        prop_assert!(
            p.start_s >= j.submit_s,
            "job {} starts {} before submit {}",
            j.id,
            p.start_s,
            j.submit_s
        );
        prop_assert_eq!(p.end_s, p.start_s + j.duration_s);
        if let Some(limit) = j.latency_ms_max {
            let prov = compute_scheduler::catalog::province_index(j.home.province_code()).unwrap();
            let lat = catalog.latency_ms(prov, p.cluster).unwrap();
            prop_assert!(lat <= limit, "job {} at {} ms > {}", j.id, lat, limit);
        }
        prop_assert!(p.subsidy >= Decimal::ZERO && p.subsidy <= p.gross_cost);
        prop_assert_eq!(p.firm_cost, p.gross_cost - p.subsidy);
    }
    // No cluster over capacity at any instant: sweep starts and ends (ends first at equal times).
    let mut events: Vec<(u64, i64, usize, i64, i64)> = Vec::new();
    for p in &s.placements {
        let j = &jobs[p.job];
        events.push((
            p.start_s,
            1,
            p.cluster,
            i64::from(j.cards),
            i64::from(j.cpu_cores),
        ));
        events.push((
            p.end_s,
            0,
            p.cluster,
            -i64::from(j.cards),
            -i64::from(j.cpu_cores),
        ));
    }
    events.sort();
    let mut used = vec![(0i64, 0i64); catalog.len()];
    for (_, _, c, dc, dk) in events {
        used[c].0 += dc;
        used[c].1 += dk;
        prop_assert!(
            used[c].0 <= i64::from(catalog.clusters[c].cards),
            "cluster {} over card capacity",
            c
        );
        prop_assert!(
            used[c].1 <= i64::from(catalog.clusters[c].cpu_cores),
            "cluster {} over core capacity",
            c
        );
    }
    // Accounting adds up: busy + idle = capacity × window, and busy = Σ cards × duration.
    for (c, cm) in m.per_cluster.iter().enumerate() {
        prop_assert_eq!(
            cm.busy_card_s + cm.idle_card_s,
            cm.capacity_card_s,
            "cluster {}",
            c
        );
        prop_assert_eq!(
            cm.busy_core_s + cm.idle_core_s,
            cm.capacity_core_s,
            "cluster {}",
            c
        );
        let by_jobs: u64 = s
            .placements
            .iter()
            .filter(|p| p.cluster == c)
            .map(|p| u64::from(jobs[p.job].cards) * jobs[p.job].duration_s)
            .sum();
        prop_assert_eq!(cm.busy_card_s, by_jobs, "cluster {}", c);
    }
    prop_assert_eq!(m.latency_violations, 0);
    let misses = s
        .placements
        .iter()
        .filter(|p| jobs[p.job].deadline_s.is_some_and(|d| p.end_s > d))
        .count() as u64;
    prop_assert_eq!(m.deadline_violations, misses);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn schedules_respect_capacity_latency_time_and_accounting(
        seed in 0u64..10_000,
        n in 1usize..150,
        divisor in prop_oneof![Just(1u32), Just(200), Just(1000), Just(3000)],
        load in 0.2f64..3.0,
        policy in policy_strategy(),
    ) {
        let (catalog, jobs) = small_instance(seed, n, divisor, load);
        let mut pay = CoveragePayment::new(Some(Decimal::from(500))).unwrap();
        let s = Simulator::new(&catalog, policy.build(&catalog.scheduling)).schedule(&jobs, &mut pay).unwrap();
        check_schedule(&catalog, &jobs, &s)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The optimum (LP bound and integer optimum) is never above the modelled cost of a
    /// policy's schedule that meets every deadline; the integer optimum is never below the LP
    /// bound nor below the uncapacitated bound.
    #[test]
    fn optimum_is_never_above_a_deadline_meeting_policy(
        seed in 0u64..10_000,
        n in 2usize..28,
        divisor in prop_oneof![Just(1000u32), Just(3000), Just(6000)],
        load in 0.3f64..1.5,
    ) {
        let (catalog, jobs) = small_instance(seed, n, divisor, load);
        let pipeline = Pipeline::standard();
        let o = optimum(&catalog, &pipeline, &jobs, &OptimumOptions::default()).unwrap();
        if let (Some(lp), Some(ip)) = (o.lp_bound, o.integer_optimum) {
            prop_assert!(lp <= ip, "LP {} above integer {}", lp, ip);
            prop_assert!(o.uncapacitated <= ip);
        }
        for policy in PolicyKind::ALL {
            let mut pay = NoPayment;
            let s = Simulator::new(&catalog, policy.build(&catalog.scheduling)).schedule(&jobs, &mut pay).unwrap();
            if s.metrics.deadline_violations > 0 {
                continue;
            }
            let cost = Decimal::from_i128_with_scale(s.modelled_net_fen(&jobs, &catalog, &pipeline), 2);
            prop_assert!(o.lp_bound.is_some(), "a deadline-meeting schedule exists, so the LP is feasible");
            if let Some(lp) = o.lp_bound {
                prop_assert!(lp <= cost, "{}: LP bound {} above cost {}", policy, lp, cost);
            }
            if let Some(ip) = o.integer_optimum {
                prop_assert!(ip <= cost, "{}: integer optimum {} above cost {}", policy, ip, cost);
            }
        }
    }
}

/// The property above must not hold vacuously: over these seeds most schedules meet their
/// deadlines and the optimum binds below some policy's cost.
#[test]
fn optimum_comparison_is_not_vacuous() {
    let pipeline = Pipeline::standard();
    let (mut compared, mut strict) = (0, 0);
    for seed in 0..20 {
        let (catalog, jobs) = small_instance(seed, 20, 3000, 0.8);
        let o = optimum(&catalog, &pipeline, &jobs, &OptimumOptions::default()).unwrap();
        let Some(best) = o.best() else { continue };
        for policy in PolicyKind::ALL {
            let mut pay = NoPayment;
            let s = Simulator::new(&catalog, policy.build(&catalog.scheduling))
                .schedule(&jobs, &mut pay)
                .unwrap();
            if s.metrics.deadline_violations == 0 {
                compared += 1;
                let cost = Decimal::from_i128_with_scale(
                    s.modelled_net_fen(&jobs, &catalog, &pipeline),
                    2,
                );
                assert!(best <= cost);
                if best < cost {
                    strict += 1;
                }
            }
        }
    }
    assert!(compared >= 40, "only {compared} deadline-meeting schedules");
    assert!(strict >= 1, "the optimum never beat a policy");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Fair share: firms with equal demand (identical jobs, same tier, all submitted at once)
    /// have received service within one job of each other after every scheduling instant —
    /// even when one firm's jobs are listed first.
    #[test]
    fn fair_share_serves_equal_demand_within_one_job(
        firms in 2usize..5,
        per_firm in 1usize..12,
        cards in 1u32..4,
        grouped in any::<bool>(),
        duration_s in 60u64..7200,
    ) {
        let catalog = Catalog::embedded().unwrap().with_capacity_divisor(4000).unwrap();
        let ids = [
            "91110000600037341L",
            "91310110666007217T",
            "91330101589882738D",
            "91440300MA5FA7TN5X",
        ];
        let firm_ids: Vec<registry_model::EnterpriseId> = ids
            .iter()
            .map(|s| s.parse().or_else(|_| registry_model::EnterpriseId::from_first17(&s[..17])).unwrap())
            .collect();
        let mut jobs = Vec::new();
        let order: Vec<(usize, usize)> = if grouped {
            (0..firms).flat_map(|f| (0..per_firm).map(move |k| (f, k))).collect()
        } else {
            (0..per_firm).flat_map(|k| (0..firms).map(move |f| (f, k))).collect()
        };
        for (f, k) in order {
            jobs.push(Job {
                id: format!("f{f}-{k}"),
                firm: firm_ids[f],
                tier: registry_model::Tier::Growth,
                home: "620000".parse().unwrap(),
                kind: JobKind::Training,
                cards,
                cpu_cores: 0,
                submit_s: 0,
                duration_s,
                declared_s: None,
                deadline_s: None,
                latency_ms_max: None,
                residency: "hubs:gansu".parse().unwrap(),
                budget: None,
                voucher_coverage: Decimal::ZERO,
            });
        }
        let mut pay = NoPayment;
        let s = Simulator::new(&catalog, PolicyKind::Fair.build(&catalog.scheduling)).schedule(&jobs, &mut pay).unwrap();
        prop_assert_eq!(s.placements.len(), jobs.len());
        let mut times: Vec<u64> = s.placements.iter().map(|p| p.start_s).collect();
        times.sort_unstable();
        times.dedup();
        for t in times {
            let mut served = vec![0usize; firms];
            for p in s.placements.iter().filter(|p| p.start_s <= t) {
                let f = firm_ids.iter().position(|x| *x == jobs[p.job].firm).unwrap();
                served[f] += 1;
            }
            // Firms that still had demand must be within one job of each other.
            let open: Vec<usize> = served.iter().copied().filter(|&x| x < per_firm).collect();
            if let (Some(lo), Some(hi)) = (open.iter().min(), served.iter().max()) {
                prop_assert!(hi - lo <= 1, "at {} s served {:?}", t, served);
            }
        }
    }
}

#[test]
fn same_seed_same_bytes() {
    let (catalog, jobs) = small_instance(11, 400, 1000, 1.2);
    let run = || {
        let mut pay = CoveragePayment::new(Some(Decimal::from(300))).unwrap();
        let s = Simulator::new(&catalog, PolicyKind::Backfill.build(&catalog.scheduling))
            .schedule(&jobs, &mut pay)
            .unwrap();
        serde_json::to_vec(&s).unwrap()
    };
    assert_eq!(run(), run());
}
