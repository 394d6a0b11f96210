//! Step 5: measurement. The CAICT 2025 fusion index from the shipped data, in the published
//! mode that `shuchuang index compute` uses by default (the report's published second- and
//! third-level paths stand in where the raw data falls short), and the cohort index of the
//! registry's firms by province (data/cohort-index/framework.csv) from the registry's
//! province totals, chained with the same method (it has no published figures).

use index_engine::{ComputeOptions, Framework, Observation, Panel, PublishedRule, caict2025};
use registry_model::province::province_totals;
use registry_model::{RegistryStore, Year};

use crate::error::Result;
use crate::result::{IndexStep, IndexSummary};

/// The cohort index's framework (data/cohort-index/framework.csv).
pub const COHORT_FRAMEWORK_CSV: &str = include_str!("../../../data/cohort-index/framework.csv");
/// The file name errors in [`COHORT_FRAMEWORK_CSV`] are reported against.
pub const COHORT_FRAMEWORK_FILE: &str = "data/cohort-index/framework.csv";
/// Years of reports the cohort index reaches back from the cycle's year.
pub const COHORT_WINDOW_YEARS: Year = 30;
/// Provinces the summary names, highest cohort index first.
pub const COHORT_TOP: usize = 5;

/// The cohort index's framework.
pub fn cohort_framework() -> Result<Framework> {
    Ok(Framework::read_csv(
        COHORT_FRAMEWORK_CSV.as_bytes(),
        COHORT_FRAMEWORK_FILE,
    )?)
}

/// The cohort index's observations from the registry (reports of
/// `year − COHORT_WINDOW_YEARS ..= year`, tiered firms of every adjusted year), and the
/// first year with a report (`year` when there is none).
pub fn cohort_observations(
    store: &dyn RegistryStore,
    year: Year,
) -> Result<(Vec<Observation>, Year)> {
    let totals = province_totals(store, year - COHORT_WINDOW_YEARS, year)?;
    let mut obs = Vec::new();
    for p in &totals.reports {
        let unit = p.province.as_str();
        if let (Some(rd), Some(ht), Some(rev)) = (
            p.rd_intensity_pct(),
            p.high_tech_revenue_share_pct(),
            p.revenue_100m_yuan(),
        ) {
            obs.push(Observation::new("rd_intensity", unit, p.year, rd));
            obs.push(Observation::new(
                "high_tech_revenue_share",
                unit,
                p.year,
                ht,
            ));
            obs.push(Observation::new("revenue", unit, p.year, rev));
        }
        if let Some(share) = p.tech_staff_share_pct() {
            obs.push(Observation::new("tech_staff_share", unit, p.year, share));
        }
        obs.push(Observation::new(
            "class1_ip",
            unit,
            p.year,
            p.ip_class1 as f64,
        ));
        obs.push(Observation::new(
            "reporting_firms",
            unit,
            p.year,
            p.reporting_firms as f64,
        ));
    }
    for t in &totals.tiered {
        obs.push(Observation::new(
            "tiered_firms",
            t.province.as_str(),
            t.year,
            t.firms as f64,
        ));
    }
    Ok((obs, totals.first_year.map_or(year, |y| y.min(year))))
}

/// Step 5 from start to end.
pub fn run(store: &dyn RegistryStore, year: Year) -> Result<IndexStep> {
    let caict_framework = caict2025::framework()?;
    let caict_panel = caict2025::panel(&caict_framework)?;
    let caict_published = caict2025::published(&caict_framework, &caict_panel)?;
    let caict = index_engine::compute_published(
        &caict_framework,
        &caict_panel,
        &caict_published,
        &PublishedRule::default(),
        &ComputeOptions {
            base_year: Some(caict2025::BASE_YEAR),
            to_year: Some(caict2025::TO_YEAR),
            ..ComputeOptions::default()
        },
    )?;
    let root = caict_framework.root_node().spec.id.clone();
    let cell = caict.cell(&root, "CN", caict2025::TO_YEAR)?;

    let cohort_framework = cohort_framework()?;
    let (obs, first) = cohort_observations(store, year)?;
    let panel = Panel::from_records(&cohort_framework, obs)?;
    let cohort = index_engine::compute(
        &cohort_framework,
        &panel,
        &ComputeOptions {
            base_year: Some(first),
            to_year: Some(year),
            ..ComputeOptions::default()
        },
    )?;
    let mut top: Vec<(String, f64)> = cohort
        .units()
        .iter()
        .filter_map(|u| {
            cohort
                .cell("cohort", u, year)
                .ok()?
                .index
                .map(|i| (u.clone(), i))
        })
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let provinces = top.len();
    top.truncate(COHORT_TOP);
    Ok(IndexStep {
        summary: IndexSummary {
            caict_base_year: caict2025::BASE_YEAR,
            caict_to_year: caict2025::TO_YEAR,
            caict_total: cell.index,
            caict_estimated_share: cell.estimated_share,
            caict_missing_share: cell.missing_share,
            cohort_base_year: first,
            cohort_provinces: provinces,
            cohort_top: top,
        },
        caict_framework,
        caict,
        cohort_framework,
        cohort,
    })
}
