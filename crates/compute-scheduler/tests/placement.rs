//! Hand-checked placements on a two-cluster network (every expected number worked out in
//! the comments, not by the code under test).

use compute_scheduler::optimum::{OptimumOptions, gap_percent, optimum};
use compute_scheduler::payment::{Charge, PaymentError};
use compute_scheduler::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// east1 in Shanghai (31) at 10.00 yuan/card-hour, west1 in Gansu (62) at 6.00; 4 cards and
/// 64 cores each, racks of 2 cards. Shanghai is 2 ms from east1 and 20 ms from west1.
const TINY: &str = r#"
[scheduling]
fifo = { cost = 1, green = 0, latency = 0, balance = 0 }
greedy = { cost = 1, green = 0, latency = 0, balance = 0 }
fair = { cost = 1, green = 0, latency = 0, balance = 0 }
backfill = { cost = 1, green = 0, latency = 0, balance = 0 }
tier_weight = { potential = "1", growth = "1", leading = "1" }
scan_limit = 100

[[hub]]
id = "e"
name_zh = "东"
name_en = "East"
region = "east"

[[hub]]
id = "w"
name_zh = "西"
name_en = "West"
region = "west"

[[cluster]]
id = "east1"
name_zh = "东一"
name_en = "East 1"
hub = "e"
province = "31"
cards = 4
cpu_cores = 64
cards_per_rack = 2
price_card_hour = "10.00"
price_core_hour = "0.10"
pue = "1.25"
green_share = "0.30"

[[cluster]]
id = "west1"
name_zh = "西一"
name_en = "West 1"
hub = "w"
province = "62"
cards = 4
cpu_cores = 64
cards_per_rack = 2
price_card_hour = "6.00"
price_core_hour = "0.05"
pue = "1.15"
green_share = "0.90"

[latency]
clusters = ["east1", "west1"]
[latency.ms]
"31" = [2.0, 20.0]
"62" = [20.0, 2.0]
"#;

const FIRM_X: &str = "91310110666007217T";
const FIRM_Y: &str = "91110000600037341L";

#[allow(clippy::too_many_arguments)]
fn job(
    id: &str,
    firm: &str,
    kind: JobKind,
    cards: u32,
    submit_s: u64,
    duration_s: u64,
    latency: Option<f64>,
    coverage: Decimal,
) -> Job {
    Job {
        id: id.into(),
        firm: firm.parse().unwrap(),
        tier: registry_model::Tier::Growth,
        home: "310000".parse().unwrap(),
        kind,
        cards,
        cpu_cores: 0,
        submit_s,
        duration_s,
        declared_s: None,
        deadline_s: None,
        latency_ms_max: latency,
        residency: Residency::Anywhere,
        budget: None,
        voucher_coverage: coverage,
    }
}

/// A: 2 cards, 1 h, 5 ms limit (east1 only). B: 4 cards, 2 h. C: 4 cards, 1 h, at 60 s, due
/// by 9000 s. D: 1 card, 600 s, 5 ms, at 100 s.
fn stream() -> Vec<Job> {
    let mut jobs = base_stream();
    jobs[2].deadline_s = Some(9000);
    jobs
}

fn base_stream() -> Vec<Job> {
    vec![
        job(
            "A",
            FIRM_X,
            JobKind::Inference,
            2,
            0,
            3600,
            Some(5.0),
            dec!(0.3),
        ),
        job("B", FIRM_Y, JobKind::Training, 4, 0, 7200, None, dec!(0.5)),
        job("C", FIRM_Y, JobKind::Training, 4, 60, 3600, None, dec!(0.5)),
        job(
            "D",
            FIRM_X,
            JobKind::Inference,
            1,
            100,
            600,
            Some(5.0),
            dec!(0.3),
        ),
    ]
}

fn run(kind: PolicyKind, jobs: &[Job]) -> Schedule {
    let catalog = Catalog::from_toml_str(TINY, "tiny").unwrap();
    let mut pay = CoveragePayment::new(None).unwrap();
    Simulator::new(&catalog, kind.build(&catalog.scheduling))
        .schedule(jobs, &mut pay)
        .unwrap()
}

fn at(s: &Schedule, jobs: &[Job], id: &str) -> (usize, u64) {
    let p = s.placements.iter().find(|p| jobs[p.job].id == id).unwrap();
    (p.cluster, p.start_s)
}

#[test]
fn greedy_places_by_hand() {
    let jobs = stream();
    let s = run(PolicyKind::Greedy, &jobs);
    // A must go east (west is 20 ms > 5); B takes west, the cheaper. C finds west full until
    // 7200 (B's declared end), too late for its deadline (7200 + 3600 > 9000), and east with
    // only 2 free: it waits until A ends at 3600 and takes east. D fits east at 100 s.
    assert_eq!(at(&s, &jobs, "A"), (0, 0));
    assert_eq!(at(&s, &jobs, "B"), (1, 0));
    assert_eq!(at(&s, &jobs, "D"), (0, 100));
    assert_eq!(at(&s, &jobs, "C"), (0, 3600));
    let m = &s.metrics;
    // Gross: A 2×10×1 = 20.00; B 4×6×2 = 48.00; C 4×10×1 = 40.00; D 1000 fen × 600/3600 =
    // 166.67 → 1.67 (half up). Subsidy (down): 6.00 + 24.00 + 20.00 + 0.50 (30 % of 1.67 =
    // 0.501). Firms pay 109.67 − 50.50 = 59.17.
    assert_eq!(m.gross_cost, dec!(109.67));
    assert_eq!(m.subsidy, dec!(50.50));
    assert_eq!(m.firm_cost, dec!(59.17));
    // Window 0..7200. Busy card-s: east 2×3600 + 1×600 + 4×3600 = 22200, west 4×7200 = 28800,
    // of 2 × 4 × 7200 = 57600: utilisation 51000/57600.
    assert_eq!(m.makespan_s, 7200);
    assert!((m.utilisation - 51000.0 / 57600.0).abs() < 1e-12);
    let east = &m.per_cluster[0];
    assert_eq!(
        (east.busy_card_s, east.idle_card_s, east.capacity_card_s),
        (22200, 6600, 28800)
    );
    // Racks of 2: east holds 2 busy cards (1 rack) 0..100, 3 (2 racks) 100..700, 2 (1 rack)
    // 700..3600, 4 (2 racks) 3600..7200: (100 + 1200 + 2900 + 7200) / (2 × 7200).
    assert!((east.rack_occupancy - 11400.0 / 14400.0).abs() < 1e-12);
    // Waits: 0, 0, 0, 3540 → p50 0, p99 3540.
    assert_eq!((m.wait_p50_s, m.wait_p99_s), (0, 3540));
    assert_eq!(m.latency_violations, 0);
    // Jain over each firm's mean duration ÷ (wait + duration): firm X (A, D) 1; firm Y
    // (B 1, C 3600/7140) 0.752101: (1.752101)² / (2 × 1.565656) = 0.980374 (python3).
    assert!(
        (m.jain_fairness - 0.980_374_358_685).abs() < 1e-9,
        "{}",
        m.jain_fairness
    );
    // Green share of the energy (400 W a card × hours × PUE): A 1000 Wh at 0.3, B 3680 at 0.9,
    // C 2000 at 0.3, D 83.33 at 0.3 → 0.626466 (python3).
    assert!(
        (m.green_share - 0.626_466_239_527).abs() < 1e-9,
        "{}",
        m.green_share
    );
    // West ran B only: 28800 of 51000 card-seconds.
    assert!((m.west_card_share - 28800.0 / 51000.0).abs() < 1e-12);

    // Without C's deadline, greedy waits for west (free at 7200) instead of paying east.
    let loose = base_stream();
    let s = run(PolicyKind::Greedy, &loose);
    assert_eq!(at(&s, &loose, "C"), (1, 7200));
    // C on west: 4 × 6.00 × 1 h = 24.00 gross instead of 40.00.
    assert_eq!(s.metrics.gross_cost, dec!(93.67));
}

#[test]
fn fifo_blocks_and_backfill_fills() {
    let jobs = stream();
    // FIFO: C is stuck at 60 s, so D (arriving at 100 s) waits behind it; C starts at 3600 on
    // east, fills it until 7200, and D (east only) starts at 7200.
    let f = run(PolicyKind::Fifo, &jobs);
    assert_eq!(at(&f, &jobs, "C"), (0, 3600));
    assert_eq!(at(&f, &jobs, "D"), (0, 7200));
    // EASY: C reserves east at 3600 (A's declared end; west frees at 7200). D, declared 600 s,
    // ends at 700 ≤ 3600, so it may run now without delaying C.
    let b = run(PolicyKind::Backfill, &jobs);
    assert_eq!(at(&b, &jobs, "C"), (0, 3600));
    assert_eq!(at(&b, &jobs, "D"), (0, 100));
}

#[test]
fn backfill_refuses_a_job_that_would_delay_the_reservation() {
    let mut jobs = stream();
    // D now runs 4000 s: it would hold east past C's shadow time 3600 with no spare card.
    jobs[3].duration_s = 4000;
    let b = run(PolicyKind::Backfill, &jobs);
    assert_eq!(at(&b, &jobs, "C"), (0, 3600));
    // Behind C: east frees at 7200 (C ends), so D starts then.
    assert_eq!(at(&b, &jobs, "D"), (0, 7200));
    let catalog = Catalog::from_toml_str(TINY, "tiny").unwrap();
    let mut pay = NoPayment;
    let s = Simulator::new(&catalog, PolicyKind::Backfill.build(&catalog.scheduling))
        .with_options(SimOptions {
            explain: Some("D".into()),
            ..SimOptions::default()
        })
        .schedule(&jobs, &mut pay)
        .unwrap();
    let ex = s.explanation.unwrap();
    let first = &ex.evaluations[0];
    assert_eq!(first.time_s, 100);
    let guard = first
        .filters
        .iter()
        .find(|f| f.filter == "backfill-reservation")
        .unwrap();
    assert_eq!(guard.removed.len(), 1);
    assert_eq!(guard.removed[0].cluster, "east1");
    let lat = first
        .filters
        .iter()
        .find(|f| f.filter == "latency")
        .unwrap();
    assert_eq!(lat.removed[0].cluster, "west1");
    // The reservation itself is explained on C.
    let s = Simulator::new(&catalog, PolicyKind::Backfill.build(&catalog.scheduling))
        .with_options(SimOptions {
            explain: Some("C".into()),
            ..SimOptions::default()
        })
        .schedule(&jobs, &mut NoPayment)
        .unwrap();
    let notes: Vec<&str> = s
        .explanation
        .as_ref()
        .unwrap()
        .evaluations
        .iter()
        .map(|e| e.note.as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("reserved on east1 at 3600 s")),
        "{notes:?}"
    );
    assert!(
        lat.removed[0].reason.contains("20 ms > limit 5 ms"),
        "{}",
        lat.removed[0].reason
    );
}

#[test]
fn optimum_by_hand_and_greedy_gap() {
    let mut jobs = stream();
    // Deadlines: A, B and D tight (submit + duration), C loose (20000 s). Then C can wait for
    // west (6.00) instead of east (10.00): B + C on west need 28800 + 14400 card-s ≤ 4 × 20000.
    jobs[0].deadline_s = Some(3600);
    jobs[1].deadline_s = Some(7200);
    jobs[2].deadline_s = Some(20_000);
    jobs[3].deadline_s = Some(700);
    let catalog = Catalog::from_toml_str(TINY, "tiny").unwrap();
    let o = optimum(
        &catalog,
        &Pipeline::standard(),
        &jobs,
        &OptimumOptions::default(),
    )
    .unwrap();
    // Net of vouchers: A 14.00, B 24.00, C on west 24.00 − 12.00 = 12.00, D 1.67 − 0.50 = 1.17.
    assert_eq!(o.integer_optimum, Some(dec!(51.17)));
    assert!(o.lp_bound.unwrap() <= dec!(51.17) && o.lp_bound.unwrap() >= dec!(51.16));
    assert_eq!(o.uncapacitated, dec!(51.17));
    let pipeline = Pipeline::standard();
    let modelled = |s: &Schedule| {
        Decimal::from_i128_with_scale(s.modelled_net_fen(&jobs, &catalog, &pipeline), 2)
    };
    // Greedy waits for west (free at 7200, C done by 10800 ≤ 20000): the optimum.
    let g = run(PolicyKind::Greedy, &jobs);
    assert_eq!(g.metrics.deadline_violations, 0);
    assert_eq!(modelled(&g), dec!(51.17));
    // Backfill starts C on east at 3600 and meets every deadline: 59.17, a gap of
    // (59.17 − 51.17) / 51.17 = 15.634 %.
    let b = run(PolicyKind::Backfill, &jobs);
    assert_eq!(b.metrics.deadline_violations, 0);
    assert_eq!(modelled(&b), dec!(59.17));
    assert_eq!(gap_percent(modelled(&b), dec!(51.17)), Some(dec!(15.634)));
    // FIFO makes D wait behind C until 7200, past D's deadline 700: outside the bound.
    assert_eq!(run(PolicyKind::Fifo, &jobs).metrics.deadline_violations, 1);

    // With C's deadline at 9000, B and C cannot both use west inside 0..9000
    // (43200 > 36000 card-s): C must go east and the optimum equals greedy's 59.17.
    jobs[2].deadline_s = Some(9000);
    let o = optimum(
        &catalog,
        &Pipeline::standard(),
        &jobs,
        &OptimumOptions::default(),
    )
    .unwrap();
    assert_eq!(o.integer_optimum, Some(dec!(59.17)));
    assert!(o.window_constraints >= 1);
}

#[test]
fn rejected_jobs_say_which_filter_removed_what() {
    let mut jobs = stream();
    jobs[0].latency_ms_max = Some(1.0);
    // Data that must stay in the firm's home province, where no cluster is. (A hub the
    // catalog does not have is refused before scheduling: see tests/input_bounds.rs.)
    jobs[1].residency = Residency::HomeProvince;
    jobs[1].home = "110000".parse().unwrap();
    jobs[2].cards = 5;
    let s = run(PolicyKind::Greedy, &jobs);
    assert_eq!(s.metrics.jobs_rejected, 3);
    let r_a = s.rejections.iter().find(|r| r.job == 0).unwrap();
    let lat = r_a.filters.iter().find(|f| f.filter == "latency").unwrap();
    assert_eq!(lat.removed.len(), 2);
    let r_c = s.rejections.iter().find(|r| r.job == 2).unwrap();
    let size = r_c.filters.iter().find(|f| f.filter == "size").unwrap();
    assert!(
        size.removed[0].reason.contains("needs 5 cards"),
        "{}",
        size.removed[0].reason
    );
}

#[test]
fn budget_filter_removes_the_dear_cluster() {
    let mut jobs = vec![stream().remove(0)];
    jobs[0].latency_ms_max = None;
    jobs[0].kind = JobKind::OfflineAnalysis;
    // On east the job nets 14.00, on west 2×6×1 = 12.00 − 3.60 = 8.40; budget 10.00.
    jobs[0].budget = Some(dec!(10.00));
    let catalog = Catalog::from_toml_str(TINY, "tiny").unwrap();
    let mut pay = NoPayment;
    let s = Simulator::new(&catalog, PolicyKind::Fifo.build(&catalog.scheduling))
        .with_options(SimOptions {
            explain: Some("A".into()),
            ..SimOptions::default()
        })
        .schedule(&jobs, &mut pay)
        .unwrap();
    assert_eq!(s.placements[0].cluster, 1);
    let ex = s.explanation.unwrap();
    let b = ex.evaluations[0]
        .filters
        .iter()
        .find(|f| f.filter == "budget")
        .unwrap();
    assert_eq!(b.removed[0].cluster, "east1");
    assert!(
        b.removed[0].reason.contains("14.00"),
        "{}",
        b.removed[0].reason
    );
}

struct Bad(Result<Decimal, PaymentError>);
impl Payment for Bad {
    fn charge(&mut self, _: &Charge<'_>) -> Result<Decimal, PaymentError> {
        self.0.clone()
    }
}

#[test]
fn payment_failures_and_declines() {
    let jobs = stream();
    let catalog = Catalog::from_toml_str(TINY, "tiny").unwrap();
    let sim = |p: &mut dyn Payment| {
        Simulator::new(&catalog, PolicyKind::Greedy.build(&catalog.scheduling)).schedule(&jobs, p)
    };
    // A subsidy above the gross cost is refused.
    let e = sim(&mut Bad(Ok(dec!(1000)))).unwrap_err().to_string();
    assert!(e.contains("job 'A'") && e.contains("1000"), "{e}");
    // A fraction of a fen is refused.
    assert!(sim(&mut Bad(Ok(dec!(0.001)))).is_err());
    // A failure stops the run.
    let e = sim(&mut Bad(Err(PaymentError::Failed("ledger offline".into()))))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ledger offline"), "{e}");
    // A decline runs the job at full price.
    let s = sim(&mut Bad(Err(PaymentError::Declined(
        "budget exhausted".into(),
    ))))
    .unwrap();
    assert_eq!(s.metrics.subsidy, Decimal::ZERO);
    assert_eq!(s.metrics.firm_cost, dec!(109.67));
    assert_eq!(s.metrics.payment_declines, 4);
    // A per-firm budget of 10.00: firm X (A, D) gets 6.00 then 0.50; firm Y (B, C) 10.00 then
    // nothing.
    let mut capped = CoveragePayment::new(Some(dec!(10.00))).unwrap();
    let s = sim(&mut capped).unwrap();
    assert_eq!(s.metrics.subsidy, dec!(16.50));
}

#[test]
fn bad_streams_change_nothing_and_name_the_job() {
    let mut jobs = stream();
    jobs[2].id = "A".into();
    let catalog = Catalog::from_toml_str(TINY, "tiny").unwrap();
    let mut pay = CoveragePayment::new(None).unwrap();
    let e = Simulator::new(&catalog, PolicyKind::Fifo.build(&catalog.scheduling))
        .schedule(&jobs, &mut pay)
        .unwrap_err();
    assert!(e.to_string().contains("job 'A'") && e.to_string().contains("duplicate"));
    // Nothing was paid.
    assert_eq!(pay.used(&FIRM_X.parse().unwrap()), Decimal::ZERO);
    let e = Simulator::new(&catalog, PolicyKind::Fifo.build(&catalog.scheduling))
        .with_options(SimOptions {
            explain: Some("nope".into()),
            ..SimOptions::default()
        })
        .schedule(&stream(), &mut pay)
        .unwrap_err();
    assert!(e.to_string().contains("'nope'"));
}

#[test]
fn waits_are_explained() {
    let catalog = Catalog::from_toml_str(TINY, "tiny").unwrap();
    let explain = |kind: PolicyKind, jobs: &[Job], id: &str| {
        let s = Simulator::new(&catalog, kind.build(&catalog.scheduling))
            .with_options(SimOptions {
                explain: Some(id.into()),
                ..SimOptions::default()
            })
            .schedule(jobs, &mut NoPayment)
            .unwrap();
        let ex = s.explanation.unwrap();
        ex.evaluations
            .iter()
            .map(|e| e.note.clone())
            .collect::<Vec<_>>()
    };
    // FIFO: D waits behind C.
    let notes = explain(PolicyKind::Fifo, &stream(), "D");
    assert!(
        notes.iter().any(|n| n == "fifo: waits behind job C"),
        "{notes:?}"
    );
    // Greedy without C's deadline: C waits in line for west (B declared to end at 7200).
    let notes = explain(PolicyKind::Greedy, &base_stream(), "C");
    assert!(
        notes.iter().any(|n| n.contains(
            "waits for the cheapest cluster west1, in line for room by 7200 s, finishing by 10800 s"
        )),
        "{notes:?}"
    );
}

#[test]
fn capacity_divisor_shrinks_and_refuses_zero() {
    let c = Catalog::embedded().unwrap();
    let small = c.with_capacity_divisor(1000).unwrap();
    // Qingyang: 14000 cards / 1000 = 14; 300000 cores / 1000 = 300.
    let q = small.cluster_index("qingyang").unwrap();
    assert_eq!(
        (small.clusters[q].cards, small.clusters[q].cpu_cores),
        (14, 300)
    );
    assert_eq!(
        c.with_capacity_divisor(1_000_000).unwrap().clusters[q].cards,
        1
    );
    assert!(c.with_capacity_divisor(0).is_err());
}

#[test]
fn fair_share_weighs_tiers() {
    // Qingyang shrunk to 14000 / 2800 = 5 cards; a leading firm (weight 1.0) listed first and
    // a potential firm (weight 1.5) each submit six 1-card jobs at 0 s that must stay in Gansu.
    // By weighted dominant share the five cards go L, P, P, L, P: potential 3, leading 2.
    let catalog = Catalog::embedded()
        .unwrap()
        .with_capacity_divisor(2800)
        .unwrap();
    let mut jobs = Vec::new();
    for (f, firm, tier) in [
        (0, FIRM_Y, registry_model::Tier::Leading),
        (1, FIRM_X, registry_model::Tier::Potential),
    ] {
        for k in 0..6 {
            let mut j = job(
                &format!("f{f}-{k}"),
                firm,
                JobKind::Training,
                1,
                0,
                3600,
                None,
                Decimal::ZERO,
            );
            j.tier = tier;
            j.residency = "hubs:gansu".parse().unwrap();
            jobs.push(j);
        }
    }
    let s = Simulator::new(&catalog, PolicyKind::Fair.build(&catalog.scheduling))
        .schedule(&jobs, &mut NoPayment)
        .unwrap();
    let at_zero = |prefix: &str| {
        s.placements
            .iter()
            .filter(|p| p.start_s == 0 && jobs[p.job].id.starts_with(prefix))
            .count()
    };
    assert_eq!((at_zero("f0"), at_zero("f1")), (2, 3));
}
