//! The report folder's charts: firms per tier over the years, voucher flows per program,
//! cluster utilisation, and both indices (estimated stretches dashed).

use cultivation::CycleOutcome;
use registry_model::Tier;

use crate::chart::{BarChart, BarSeries, Chart, Figure, Line, LineChart, Point};
use crate::error::Result;
use crate::index::index_figure;

/// A figure of one chart.
fn figure(chart: Chart) -> Figure {
    Figure {
        title: None,
        rows: vec![vec![chart]],
        width: 960,
        row_height: 520,
    }
}

/// Every chart of the folder with its file name.
pub fn figures(outcome: &CycleOutcome) -> Result<Vec<(&'static str, Figure)>> {
    let counts = &outcome.registry.counts_by_year;
    let tier_lines = Tier::ALL
        .iter()
        .enumerate()
        .map(|(k, t)| Line {
            label: format!("{} {}", t.name_zh(), t.key()),
            points: counts
                .iter()
                .map(|(y, c)| Point {
                    x: f64::from(*y),
                    y: Some(c.per_tier[k] as f64),
                    estimated: false,
                })
                .collect(),
        })
        .collect();
    let tiers = Chart::Line(LineChart {
        title: "Firms per tier after each yearly adjustment".into(),
        x_label: "year".into(),
        y_label: "firms".into(),
        integer_x: true,
        reference_y: None,
        lines: tier_lines,
        dashed_note: String::new(),
    });

    // ¥10k, for the axis only: the exact amounts are in vouchers.csv.
    let ten_k =
        |d: rust_decimal::Decimal| rust_decimal::prelude::ToPrimitive::to_f64(&d).map(|x| x / 1e4);
    let v = &outcome.vouchers;
    let flows = Chart::Bar(BarChart {
        title: format!("Voucher flows per program, {} (¥10k)", outcome.year),
        y_label: "¥10k".into(),
        categories: v.iter().map(|p| p.program.clone()).collect(),
        series: vec![
            BarSeries {
                label: "granted".into(),
                values: v.iter().map(|p| ten_k(p.granted_yuan)).collect(),
            },
            BarSeries {
                label: "redeemed".into(),
                values: v.iter().map(|p| ten_k(p.redeemed_yuan)).collect(),
            },
            BarSeries {
                label: "outstanding".into(),
                values: v.iter().map(|p| ten_k(p.outstanding_yuan)).collect(),
            },
        ],
        reference_y: None,
    });

    let clusters = &outcome.compute.clusters;
    let util = Chart::Bar(BarChart {
        title: format!(
            "Cluster utilisation, {} (%; 65 % rack-occupancy target)",
            outcome.year
        ),
        y_label: "%".into(),
        categories: clusters.iter().map(|c| c.cluster.clone()).collect(),
        series: vec![
            BarSeries {
                label: "utilisation".into(),
                values: clusters
                    .iter()
                    .map(|c| Some(100.0 * c.utilisation))
                    .collect(),
            },
            BarSeries {
                label: "rack occupancy".into(),
                values: clusters
                    .iter()
                    .map(|c| Some(100.0 * c.rack_occupancy))
                    .collect(),
            },
        ],
        reference_y: Some(65.0),
    });

    let i = &outcome.index;
    let caict = index_figure(&i.caict_framework, &i.caict, None)?;
    let years = i.cohort.years();
    let lines = i
        .summary
        .cohort_top
        .iter()
        .filter_map(|(u, _)| {
            let ui = i.cohort.unit_position(u).ok()?;
            let ni = i.cohort.node_position("cohort").ok()?;
            let idx = i.cohort.index_series(ni, ui)?;
            let est = i.cohort.estimated_series(ni, ui);
            Some(Line {
                label: u.clone(),
                points: years
                    .iter()
                    .zip(idx)
                    .enumerate()
                    .map(|(k, (y, v))| Point {
                        x: f64::from(*y),
                        y: v.is_finite().then_some(*v),
                        estimated: est.and_then(|e| e.get(k)).is_some_and(|s| *s > 0.0),
                    })
                    .collect(),
            })
        })
        .collect();
    let cohort = Chart::Line(LineChart {
        title: format!(
            "Cohort cultivation index, top provinces ({} = 100)",
            i.summary.cohort_base_year
        ),
        x_label: "year".into(),
        y_label: "index".into(),
        integer_x: true,
        reference_y: Some(100.0),
        lines,
        dashed_note: "dashed: resting on estimates".into(),
    });
    Ok(vec![
        ("tiers.svg", figure(tiers)),
        ("vouchers.svg", figure(flows)),
        ("clusters.svg", figure(util)),
        ("index_caict.svg", caict),
        ("index_cohort.svg", figure(cohort)),
    ])
}
