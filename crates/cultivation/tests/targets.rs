//! Targets: the shipped file parses, faults name the target and field, and progress agrees
//! with counts taken independently from the change log and the ledger's program reports.

use cultivation::targets::{Metric, SHANDONG_TARGETS, TargetFile, measure};
use cultivation::{CycleConfig, Quiet, Stores, run_cycle};
use registry_model::criteria::{CriteriaBook, InnovationType};
use registry_model::{MemoryStore, RegistryStore, Tier};
use rust_decimal::Decimal;
use voucher_ledger::{MemoryJournal, SystemClock, VoucherBook};

#[test]
fn the_shandong_file_parses_and_a_bad_target_is_named() {
    let t = TargetFile::from_toml_str(SHANDONG_TARGETS.1, SHANDONG_TARGETS.0).unwrap();
    assert_eq!(t.targets.len(), 5);
    assert!(
        t.targets
            .iter()
            .all(|t| t.region == "37" && !t.source.is_empty())
    );
    assert_eq!(t.targets[0].metric, Metric::HighTechFirms);
    assert_eq!(t.targets[0].baseline_year, Some(2024));

    let one = |body: &str| format!("[[target]]\n{body}\n");
    let base =
        "metric = \"registry_firms\"\nunit = \"firms\"\nyear = 2027\nvalue = 10\nsource = \"s\"";
    let err = TargetFile::from_toml_str(&one(&format!("{base}\nregion = \"99\"")), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("t.toml") && err.contains("target #1: field 'region' = '99'"),
        "{err}"
    );
    let err = TargetFile::from_toml_str(
        &one("metric = \"digitalised_share\"\nunit = \"share\"\nyear = 2027\nvalue = 2\nsource = \"s\"\nregion = \"all\""),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("field 'value' = '2'"), "{err}");
    let err = TargetFile::from_toml_str(
        &one(&format!("{base}\nregion = \"all\"\nbaseline_year = 2027")),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("baseline_year"), "{err}");
    assert!(TargetFile::from_toml_str(&one("metric = \"gdp\""), "t.toml").is_err());
}

#[test]
fn progress_matches_independent_counts() {
    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let mut cohort = None;
    let mut config = CycleConfig::new().unwrap();
    config.firms = 120;
    config.jobs_per_holder = 1;
    let year = run_cycle(
        Stores {
            registry: &mut registry,
            ledger: &mut ledger,
            cohort: &mut cohort,
        },
        &config,
        &mut Quiet,
    )
    .unwrap();
    let y = year.year;
    let text = format!(
        r#"
[[target]]
metric = "registry_firms"
unit = "firms"
region = "all"
year = {y}
value = 40
source = "test"
[[target]]
metric = "tier_potential"
unit = "firms"
region = "all"
year = {y}
value = 0
source = "test"
[[target]]
metric = "data_element_firms"
unit = "firms"
region = "all"
year = {y}
value = 10
source = "test"
[[target]]
metric = "voucher_spend_yuan"
unit = "yuan"
region = "all"
year = {y}
value = 1000000
source = "test"
[[target]]
metric = "external"
unit = "headquarters"
region = "all"
year = {y}
value = 50
source = "test"
[[target]]
metric = "high_tech_firms"
unit = "firms"
region = "all"
year = {y}
baseline_year = 1990
value = 5
source = "test"
"#
    );
    let file = TargetFile::from_toml_str(&text, "t.toml").unwrap();
    let book = CriteriaBook::embedded().unwrap();
    let p = measure(&file, y, &registry, &book, Some(&ledger)).unwrap();
    // The cycle reports the shipped targets as measured on the stores it leaves behind.
    let shipped = TargetFile::shipped().unwrap();
    assert_eq!(year.targets.len(), shipped.targets.len());
    assert_eq!(
        year.targets,
        measure(&shipped, y, &registry, &book, Some(&ledger)).unwrap()
    );

    let adj = registry.adjustment(y).unwrap().unwrap();
    let tiered = adj.entries.iter().filter(|e| e.to.is_some()).count();
    let potential = adj
        .entries
        .iter()
        .filter(|e| e.to == Some(Tier::Potential))
        .count();
    let data = adj
        .entries
        .iter()
        .filter(|e| e.to.is_some() && e.class.innovation.contains(&InnovationType::DataValue))
        .count();
    assert!(tiered > 0, "the cohort admits some firms");
    assert_eq!(p[0].measured, Some(Decimal::from(tiered)));
    assert_eq!(
        p[0].share_of_target,
        Some((Decimal::from(tiered) / Decimal::from(40)).round_dp(4))
    );
    assert_eq!(p[1].measured, Some(Decimal::from(potential)));
    assert_eq!(p[1].share_of_target, None, "a zero target has no share");
    assert_eq!(p[2].measured, Some(Decimal::from(data)));

    // Voucher spend, independently: the programs' yearly reports.
    let mut fen: i128 = 0;
    for prog in ledger.programs().map(|p| p.id.clone()).collect::<Vec<_>>() {
        for yr in ledger.report(&prog).unwrap().years {
            if yr.year == y {
                fen += i128::from(yr.redeemed_fen) - i128::from(yr.clawed_back_redeemed_fen);
            }
        }
    }
    assert_eq!(
        p[3].measured,
        Some(Decimal::from(fen) / Decimal::ONE_HUNDRED)
    );
    assert!(fen > 0, "the cycle redeems vouchers");

    assert_eq!(p[4].measured, None);
    assert_eq!(p[4].basis, cultivation::targets::EXTERNAL_BASIS);
    assert!(p[4].basis.starts_with("external, not measured"));
    // A baseline year never adjusted: not measured, and the reason says so.
    assert_eq!(p[5].measured, None);
    assert!(
        p[5].basis.contains("baseline 1990 is not adjusted"),
        "{}",
        p[5].basis
    );
    // A year not adjusted.
    let p = measure(&file, y + 1, &registry, &book, Some(&ledger)).unwrap();
    assert_eq!(p[0].measured, None);
    assert!(p[0].basis.contains("not adjusted"));
    // Without a ledger, spend is not measured; registry figures still are.
    let p = measure::<MemoryJournal>(&file, y, &registry, &book, None).unwrap();
    assert_eq!(p[3].measured, None);
    assert_eq!(p[3].basis, "not measured: no voucher ledger");
    assert_eq!(p[0].measured, Some(Decimal::from(tiered)));
}
