//! The report folder's charts, in the reader's language: firms per tier over the years (bars
//! per year, every tier and "no tier"), voucher flows per program, cluster utilisation
//! against the 65 % rack-occupancy target, the CAICT index and the cohort index's growth.
//! Each chart says where its data come from.

use cultivation::CycleOutcome;
use registry_model::Tier;

use crate::chart::{BarChart, BarSeries, Chart, Figure, LineChart, Reference};
use crate::error::Result;
use crate::index::{index_figure, index_line};
use crate::lang::Lang;
use crate::messages::{column, fill, labelled, text};
use crate::names::{Kind, Names};
use crate::number::{chart_money, chart_money_unit};

/// The rack-occupancy target of the national hub nodes (≥ 65 %; the 东数西算 hub-node plan,
/// as cited in data/compute/catalog.toml).
pub const RACK_OCCUPANCY_TARGET_PCT: f64 = 65.0;

/// One chart of the report folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartFile {
    /// Its file name in the folder.
    pub file: &'static str,
    /// The section it belongs to (a message key such as `sec.registry`).
    pub section: &'static str,
    /// The figure, its data source set.
    pub figure: Figure,
}

/// Every chart of the folder, in the order the report shows them.
pub fn figures(outcome: &CycleOutcome, lang: Lang, names: &Names) -> Result<Vec<ChartFile>> {
    let counts = &outcome.registry.counts_by_year;
    let mut series: Vec<BarSeries> = Tier::ALL
        .iter()
        .enumerate()
        .map(|(k, t)| BarSeries {
            label: names.name(Kind::Tier, t.key(), lang),
            values: counts
                .iter()
                .map(|(_, c)| Some(c.per_tier[k] as f64))
                .collect(),
        })
        .collect();
    series.push(BarSeries {
        label: column("untiered", lang).into(),
        values: counts
            .iter()
            .map(|(_, c)| Some(c.untiered as f64))
            .collect(),
    });
    let tiers = Chart::Bar(BarChart {
        title: text("chart.tiers", lang).into(),
        value_label: text("chart.firms", lang).into(),
        categories: counts
            .iter()
            .map(|(y, _)| fill("chart.year_label", lang, &[("year", y)]))
            .collect(),
        series,
        references: Vec::new(),
        horizontal: false,
        overlay: false,
        value_digits: 0,
        notes: Vec::new(),
    });

    let (unit, _) = chart_money_unit(lang);
    // Programs with no flow in the year would be empty rows: they are left out.
    let v: Vec<_> = outcome
        .vouchers
        .iter()
        .filter(|p| !(p.granted_yuan.is_zero() && p.redeemed_yuan.is_zero()))
        .collect();
    let flows = Chart::Bar(BarChart {
        title: fill("chart.vouchers", lang, &[("year", &outcome.year)]),
        value_label: unit.into(),
        categories: v
            .iter()
            .map(|p| names.name(Kind::Program, &p.program, lang))
            .collect(),
        series: [
            ("chart.vouchers_granted", 0),
            ("chart.vouchers_redeemed", 1),
            ("chart.vouchers_outstanding", 2),
        ]
        .into_iter()
        .map(|(key, k)| BarSeries {
            label: text(key, lang).into(),
            values: v
                .iter()
                .map(|p| {
                    let amount = [p.granted_yuan, p.redeemed_yuan, p.outstanding_yuan][k];
                    chart_money(amount, lang)
                })
                .collect(),
        })
        .collect(),
        references: Vec::new(),
        horizontal: true,
        overlay: false,
        value_digits: 1,
        notes: Vec::new(),
    });

    let clusters = &outcome.compute.clusters;
    let util = Chart::Bar(BarChart {
        title: fill("chart.clusters", lang, &[("year", &outcome.year)]),
        value_label: text("chart.percent", lang).into(),
        categories: clusters
            .iter()
            .map(|c| names.name(Kind::Cluster, &c.cluster, lang))
            .collect(),
        series: vec![
            BarSeries {
                label: text("chart.utilisation", lang).into(),
                values: clusters
                    .iter()
                    .map(|c| Some(100.0 * c.utilisation))
                    .collect(),
            },
            BarSeries {
                label: text("chart.rack_occupancy", lang).into(),
                values: clusters
                    .iter()
                    .map(|c| Some(100.0 * c.rack_occupancy))
                    .collect(),
            },
        ],
        references: vec![Reference {
            value: RACK_OCCUPANCY_TARGET_PCT,
            label: text("chart.rack_target", lang).into(),
        }],
        horizontal: true,
        overlay: false,
        value_digits: 1,
        notes: Vec::new(),
    });

    let i = &outcome.index;
    let caict = index_figure(&i.caict_framework, &i.caict, None, lang)?;
    let base = i.summary.cohort_base_year;
    let cohort_lines = i.cohort.node_position("cohort").ok().map(|root| {
        i.summary
            .cohort_top
            .iter()
            .filter_map(|(u, _)| {
                let ui = i.cohort.unit_position(u).ok()?;
                Some(index_line(
                    &i.cohort,
                    root,
                    ui,
                    names.name(Kind::Province, u, lang),
                ))
            })
            .collect::<Vec<_>>()
    });
    let lines = cohort_lines.unwrap_or_default();
    let cohort = Chart::Line(LineChart {
        title: fill(
            "chart.cohort",
            lang,
            &[("base", &base), ("n", &lines.len())],
        ),
        x_label: text("chart.year", lang).into(),
        y_label: fill("chart.index_axis", lang, &[("base", &base)]),
        integer_x: true,
        references: vec![Reference {
            value: 100.0,
            label: text("chart.base_line", lang).into(),
        }],
        lines,
        estimated_label: text("chart.estimated", lang).into(),
        gap_note: text("chart.no_data", lang).into(),
        notes: Vec::new(),
    });
    let source = |key: &str| labelled("doc.source", text(key, lang), lang);
    Ok(vec![
        ChartFile {
            file: "tiers.svg",
            section: "sec.registry",
            figure: Figure::one(tiers).with_source(source("source.tiers")),
        },
        ChartFile {
            file: "vouchers.svg",
            section: "sec.benefits",
            figure: Figure::one(flows).with_source(source("source.vouchers")),
        },
        ChartFile {
            file: "clusters.svg",
            section: "sec.compute",
            figure: Figure::one(util).with_source(source("source.clusters")),
        },
        ChartFile {
            file: "index_caict.svg",
            section: "sec.index",
            figure: caict.with_source(source("source.caict")),
        },
        ChartFile {
            file: "index_cohort.svg",
            section: "sec.index",
            figure: Figure::one(cohort).with_source(source("source.cohort")),
        },
    ])
}
