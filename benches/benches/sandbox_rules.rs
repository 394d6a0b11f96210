//! Benchmarks of sandbox-rules: single decisions on the shipped sets, benefit matching of
//! 100,000 synthetic firms against 50 synthetic policies (seeded, so every run sees the same
//! firms), and the load and analysis of the largest rule set the language accepts.

use std::fmt::Write as _;
use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sandbox_rules::{FactMap, Options, RuleSet, Value, match_benefits, shipped};

const FIRMS: usize = 100_000;
const POLICIES: usize = 50;
const PROVINCES: [&str; 8] = ["11", "31", "33", "37", "44", "51", "52", "62"];
const TIERS: [&str; 4] = ["none", "potential", "growth", "leading"];

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default()
}

/// 50 benefit policies over ten registry facts; every fifth has an exception (a higher
/// amount), amounts alternate between a fixed sum and a capped share of a contract.
fn policies() -> String {
    let mut s = String::from(
        r#"[set]
name = "bench-benefits"
mode = "all"
[facts.tier]
type = "enumeration"
values = ["none", "potential", "growth", "leading"]
[facts.province]
type = "text"
[facts.revenue_yuan]
type = "money"
[facts.rd_ratio]
type = "percent"
[facts.staff]
type = "integer"
[facts.tech_staff_share]
type = "percent"
[facts.high_tech]
type = "boolean"
[facts.age_years]
type = "integer"
[facts.listed]
type = "boolean"
[facts.compute_contract_yuan]
type = "money"
[params.rd_min]
type = "percent"
values = [ { from = 2024-01-01, value = "3%" }, { from = 2026-04-01, value = "4%" } ]
"#,
    );
    for i in 0..POLICIES {
        let province = PROVINCES[i % PROVINCES.len()];
        let tiers = match i % 3 {
            0 => r#"["potential"]"#,
            1 => r#"["growth", "leading"]"#,
            _ => r#"["potential", "growth", "leading"]"#,
        };
        let amount = if i % 2 == 0 {
            format!("{{ fixed = {} }}", 10_000 * (i + 1))
        } else {
            format!(
                "{{ rate = \"{}%\", of = \"compute_contract_yuan\", max = {} }}",
                20 + i % 4 * 10,
                1_000_000 * (i % 5 + 1)
            )
        };
        let _ = write!(
            s,
            r#"
[[rule]]
id = "p{i}"
citation = "bench policy {i}"
when = {{ all = [
  {{ fact = "province", is = "{province}" }},
  {{ fact = "tier", in = {tiers} }},
  {{ fact = "rd_ratio", ge = {{ param = "rd_min" }} }},
  {{ fact = "staff", le = {staff} }},
  {{ any = [ {{ fact = "high_tech", is = true }}, {{ fact = "tech_staff_share", ge = "20%" }} ] }},
  {{ fact = "listed", is = false }},
] }}
outcome = "benefit_{i}"
program = "program-{i}"
amount = {amount}
valid_from = 2024-01-01
"#,
            staff = 100 * (i % 10 + 1)
        );
        if i % 5 == 0 {
            let _ = write!(
                s,
                r#"
[[rule]]
id = "p{i}_young"
exception_to = "p{i}"
citation = "bench policy {i}, young firms"
when = {{ fact = "age_years", le = 3 }}
outcome = "benefit_{i}"
program = "program-{i}"
amount = {{ fixed = {} }}
valid_from = 2024-01-01
"#,
                20_000 * (i + 1)
            );
        }
    }
    s
}

/// Seeded firms; each fact is known with probability 0.9, so some policies stay pending.
fn firms(n: usize, seed: u64) -> Vec<(String, FactMap)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let mut f = FactMap::new();
            let known = |rng: &mut ChaCha8Rng| rng.gen_bool(0.9);
            f.insert("tier", TIERS[rng.gen_range(0..TIERS.len())]);
            f.insert("province", PROVINCES[rng.gen_range(0..PROVINCES.len())]);
            if known(&mut rng) {
                f.insert(
                    "revenue_yuan",
                    Value::Money(Decimal::from(rng.gen_range(0..500_000_000i64))),
                );
            }
            if known(&mut rng) {
                f.insert(
                    "rd_ratio",
                    Value::Percent(Decimal::new(rng.gen_range(0..150i64), 3)),
                );
            }
            if known(&mut rng) {
                f.insert("staff", rng.gen_range(1..1500i64));
            }
            if known(&mut rng) {
                f.insert(
                    "tech_staff_share",
                    Value::Percent(Decimal::new(rng.gen_range(0..60i64), 2)),
                );
            }
            if known(&mut rng) {
                f.insert("high_tech", rng.gen_bool(0.3));
            }
            f.insert("age_years", rng.gen_range(0..20i64));
            if known(&mut rng) {
                f.insert("listed", rng.gen_bool(0.05));
            }
            if rng.gen_bool(0.5) {
                f.insert(
                    "compute_contract_yuan",
                    Value::Money(Decimal::new(rng.gen_range(0..2_000_000_000i64), 2)),
                );
            }
            (format!("firm-{i:06}"), f)
        })
        .collect()
}

fn enforcement_facts() -> FactMap {
    FactMap::new()
        .with("violation_code", "AD-001")
        .with("severity", "general")
        .with("corrected_in_time", true)
        .with("harm", "minor")
        .with("fault", "negligent")
        .with("prior_violations_2y", 0)
        .with("reduced_harm", false)
        .with("cooperated", false)
        .with("credit_commitment", false)
}

fn single_decisions(c: &mut Criterion) {
    let enforcement = shipped::ENFORCEMENT
        .load()
        .expect("shipped enforcement set");
    let sandbox = shipped::SANDBOX.load().expect("shipped sandbox set");
    let facts = enforcement_facts();
    let day = date();
    let bare = Options {
        trace: false,
        reasons: false,
    };
    c.bench_function("enforcement decision (no reasons)", |b| {
        b.iter(|| black_box(enforcement.evaluate_with(black_box(&facts), day, bare)))
    });
    c.bench_function("enforcement decision (with reasons)", |b| {
        b.iter(|| black_box(enforcement.evaluate(black_box(&facts), day)))
    });
    c.bench_function("enforcement decision (full trace)", |b| {
        b.iter(|| black_box(enforcement.explain(black_box(&facts), day)))
    });
    let app = FactMap::new()
        .with("phase", "application")
        .with("risk_class", "medium")
        .with("tier", "growth")
        .with("users", 15_000)
        .with(
            "transaction_value_yuan",
            Value::Money(Decimal::from(5_000_000)),
        )
        .with("duration_months", 12)
        .with("has_risk_plan", true);
    c.bench_function("sandbox admission decision (no reasons)", |b| {
        b.iter(|| black_box(sandbox.evaluate_with(black_box(&app), day, bare)))
    });
    let policies = RuleSet::from_toml(&policies(), "bench-policies.toml").expect("bench policies");
    let one = firms(1, 1);
    c.bench_function("one firm × 50 policies (no reasons)", |b| {
        b.iter(|| black_box(policies.evaluate_with(black_box(&one[0].1), day, bare)))
    });
}

fn matching(c: &mut Criterion) {
    let policies = RuleSet::from_toml(&policies(), "bench-policies.toml").expect("bench policies");
    let firms = firms(FIRMS, 2026);
    let day = date();
    let mut g = c.benchmark_group("matching");
    g.sample_size(10);
    g.bench_function("100,000 firms × 50 policies (rayon, no reasons)", |b| {
        b.iter(|| black_box(match_benefits(&policies, black_box(&firms), day, false)))
    });
    g.bench_function("100,000 firms × 50 policies (rayon, with reasons)", |b| {
        b.iter(|| black_box(match_benefits(&policies, black_box(&firms), day, true)))
    });
    g.finish();
}

/// 9,999 base rules of a decision set that all overlap (rule `i` applies from `x ≥ i`, each
/// with its own outcome): 49,985,001 overlapping pairs, 0.85 MB of TOML, inside the limits.
fn overlapping_rules(n: usize) -> String {
    let mut t = String::from("[set]\nname = \"many\"\n[facts.x]\ntype = \"integer\"\n");
    for i in 0..n {
        let _ = write!(
            t,
            "[[rule]]\nid = \"r{i}\"\ncitation = \"c\"\nwhen = {{ fact = \"x\", ge = {i} }}\noutcome = \"o{i}\"\n"
        );
    }
    t
}

fn analysis(c: &mut Criterion) {
    let text = overlapping_rules(sandbox_rules::model::RULES_MAX - 1);
    let set = RuleSet::from_toml(&text, "many.toml").expect("generated set");
    let mut g = c.benchmark_group("analysis");
    g.sample_size(10);
    g.bench_function("load 9,999 overlapping rules", |b| {
        b.iter(|| black_box(RuleSet::from_toml(black_box(&text), "many.toml")))
    });
    g.bench_function("analyze 9,999 overlapping rules (bounded)", |b| {
        b.iter(|| black_box(set.analyze()))
    });
    g.finish();
}

criterion_group!(benches, single_decisions, matching, analysis);
criterion_main!(benches);
