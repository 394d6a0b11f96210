//! Wall and CPU time of the bench-sized work, for figures that mean something on a shared
//! machine (criterion reports wall time only): generation and indexing, scoring 10,000
//! scenarios against 100,000 offers (explanations off), and the assignments of 1,000
//! scenarios against 10,000 offers.
//!
//! `cargo run --release -p scenario-market --example scale` (`-- --threads N` pins rayon's
//! pool; `-- --score-only` stops after scoring). CPU time is read from /proc/self/stat
//! (Linux); elsewhere it shows as 0.

use std::time::Instant;

/// User + system CPU seconds of this process (all threads), in clock ticks of 1/100 s.
fn cpu() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some(end) = s.rfind(')') else { return 0.0 };
    let f: Vec<&str> = s[end + 2..].split(' ').collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

use scenario_market::generate::{MarketSpec, generate};
use scenario_market::{GreedyMatcher, MatchConfig, Matcher, OptimalMatcher, Scoring};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--threads") {
        let n: usize = args.get(i + 1).ok_or("--threads N")?.parse()?;
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let scoring = Scoring::new(MatchConfig::embedded()?)?;

    let t = Instant::now();
    let big = generate(&MarketSpec {
        scenarios: 10_000,
        offers: 100_000,
        firms: 10_000,
        seed: 1,
        year: 2025,
    })?;
    println!(
        "generate + index 10,000 x 100,000: {:.3} s",
        t.elapsed().as_secs_f64()
    );
    for _ in 0..5 {
        let (c0, t) = (cpu(), Instant::now());
        let g = scoring.candidates(&big);
        let secs = t.elapsed().as_secs_f64();
        let cpu_s = cpu() - c0;
        let (mut passed, mut judged) = (0u64, 0u64);
        for s in 0..g.scenarios() {
            let c = g.counts(s);
            passed += u64::from(c.passed);
            // Offers past region and required tags: judged one by one (relevance onward).
            judged +=
                u64::from(c.passed) + c.removed[2..].iter().map(|&x| u64::from(x)).sum::<u64>();
        }
        println!(
            "score 10,000 x 100,000: {secs:.3} s wall, {cpu_s:.2} s CPU ({} edges; {judged} offers past region and required tags, {passed} past every filter)",
            g.edges().len(),
        );
    }

    if args.iter().any(|a| a == "--score-only") {
        return Ok(());
    }
    let mid = generate(&MarketSpec {
        scenarios: 1_000,
        offers: 10_000,
        firms: 10_000,
        seed: 2,
        year: 2025,
    })?;
    let g = scoring.candidates(&mid);
    println!(
        "1,000 x 10,000: {} edges, {} slots",
        g.edges().len(),
        g.total_slots()
    );
    let t = Instant::now();
    let greedy = GreedyMatcher.assign(&g)?;
    println!(
        "greedy: {:.3} s, {} pairs, total {}",
        t.elapsed().as_secs_f64(),
        greedy.pairs.len(),
        greedy.total_score
    );
    let (c0, t) = (cpu(), Instant::now());
    let opt = OptimalMatcher.assign(&g)?;
    println!(
        "optimal: {:.3} s wall, {:.2} s CPU, {} pairs, total {}, certificate {:?}",
        t.elapsed().as_secs_f64(),
        cpu() - c0,
        opt.pairs.len(),
        opt.total_score,
        opt.certificate.as_ref().map(|c| (
            c.dual_bound,
            c.shortlist_sufficient,
            c.scenarios_uncertified.len()
        ))
    );
    Ok(())
}
