//! Times the bench-sized work outside criterion: generation, indexing, scoring 10,000
//! scenarios against 100,000 offers (explanations off), and the assignments of 1,000
//! scenarios against 10,000 offers. `cargo run --release -p scenario-market --example scale`
//! (`-- --threads N` to pin rayon's pool).

use std::time::Instant;

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
    for _ in 0..3 {
        let t = Instant::now();
        let g = scoring.candidates(&big);
        let secs = t.elapsed().as_secs_f64();
        let (mut passed, mut judged) = (0u64, 0u64);
        for s in 0..g.scenarios() {
            let c = g.counts(s);
            passed += u64::from(c.passed);
            // Offers past region and required tags: judged one by one (relevance onward).
            judged +=
                u64::from(c.passed) + c.removed[2..].iter().map(|&x| u64::from(x)).sum::<u64>();
        }
        println!(
            "score 10,000 x 100,000: {secs:.3} s ({} edges; {judged} offers past region and required tags, {passed} past every filter)",
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
    let t = Instant::now();
    let opt = OptimalMatcher.assign(&g)?;
    println!(
        "optimal: {:.3} s, {} pairs, total {}, certificate {:?}",
        t.elapsed().as_secs_f64(),
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
