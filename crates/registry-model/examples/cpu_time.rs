//! Wall and CPU time of the registry's heavy paths, for figures that mean something on a
//! shared machine (criterion reports wall time only):
//!
//! `cargo run --release -p registry-model --example cpu_time` (criteria)
//! `cargo run --release -p registry-model --example cpu_time -- import` (SQLite and CSV)
//!
//! CPU time is read from /proc/self/stat (Linux); elsewhere it shows as 0.

use rayon::prelude::*;
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::*;
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
fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    if mode == "import" {
        let (firms, reports) = generate_cohort(&CohortSpec {
            count: 100_000,
            first_year: 2023,
            last_year: 2025,
            seed: 7,
        })
        .unwrap();
        for _ in 0..3 {
            let dir = std::env::temp_dir().join(format!("regperf-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let (c0, t0) = (cpu(), std::time::Instant::now());
            let mut s = SqliteStore::open(dir.join("r.sqlite")).unwrap();
            s.insert(&firms, &reports).unwrap();
            drop(s);
            println!(
                "sqlite insert {} firms {} reports: wall {:.2}s cpu {:.2}s",
                firms.len(),
                reports.len(),
                t0.elapsed().as_secs_f64(),
                cpu() - c0
            );
            std::fs::remove_dir_all(&dir).unwrap();
            std::fs::create_dir_all(&dir).unwrap();
            let csv = dir.join("cohort.csv");
            registry_model::csvio::write_csv(
                std::io::BufWriter::new(std::fs::File::create(&csv).unwrap()),
                &firms,
                &reports,
            )
            .unwrap();
            let (c0, t0) = (cpu(), std::time::Instant::now());
            let mut s = SqliteStore::open(dir.join("r.sqlite")).unwrap();
            registry_model::csvio::import_csv(&mut s, &csv, LegacyPolicy::Reject).unwrap();
            drop(s);
            println!(
                "csv import {} firms {} reports: wall {:.2}s cpu {:.2}s",
                firms.len(),
                reports.len(),
                t0.elapsed().as_secs_f64(),
                cpu() - c0
            );
            std::fs::remove_dir_all(&dir).unwrap();
        }
        return;
    }
    let (firms, reports) = generate_cohort(&CohortSpec {
        count: 250_000,
        first_year: 2019,
        last_year: 2025,
        seed: 2025,
    })
    .unwrap();
    let mut ev = Vec::new();
    let mut start = 0;
    for f in &firms {
        let mut end = start;
        while end < reports.len() && reports[end].id == f.id {
            end += 1;
        }
        for y in 2022..=2025 {
            ev.push(Evidence::new(f, y, &reports[start..end]));
        }
        start = end;
    }
    let book = CriteriaBook::embedded().unwrap();
    let set = book.for_year(2024).unwrap();
    for _ in 0..5 {
        let (c0, t0) = (cpu(), std::time::Instant::now());
        let met: usize = ev
            .par_iter()
            .map(|e| {
                set.outcomes(e)
                    .iter()
                    .filter(|o| **o == Outcome::Met)
                    .count()
            })
            .sum();
        println!(
            "outcomes {} firm-years: wall {:.3}s cpu {:.3}s (met {met})",
            ev.len(),
            t0.elapsed().as_secs_f64(),
            cpu() - c0
        );
    }
    {
        let (c0, t0) = (cpu(), std::time::Instant::now());
        let met: usize = ev[..100_000]
            .par_iter()
            .map(|e| {
                set.evaluate(e)
                    .verdicts
                    .iter()
                    .filter(|v| v.outcome == Outcome::Met)
                    .count()
            })
            .sum();
        println!(
            "verdicts 100000 firm-years: wall {:.3}s cpu {:.3}s (met {met})",
            t0.elapsed().as_secs_f64(),
            cpu() - c0
        );
    }
}
