//! The figures of an index's robustness: a tornado chart of the one-at-a-time weight test
//! (`index sensitivity --chart`) and a 5–95 % band chart of the Monte Carlo test (`index
//! uncertainty --chart`), in the reader's language with the framework's names.

use index_engine::Framework;
use index_engine::sensitivity::{Move, OatReport};
use index_engine::uncertainty::McReport;

use crate::chart::{BandChart, BarChart, BarSeries, Chart, Figure, Reference};
use crate::error::{ReportError, Result};
use crate::lang::Lang;
use crate::messages::{fill, text};
use crate::names::node_name;
use crate::number::fixed;

/// Most weights a tornado chart draws; the rest are counted in a note.
pub const TORNADO_BARS_MAX: usize = 25;

fn name_of(fw: &Framework, id: &str, lang: Lang) -> String {
    fw.nodes()
        .iter()
        .position(|n| n.spec.id == id)
        .map_or_else(|| id.to_string(), |k| node_name(fw, k, lang))
}

/// The tornado chart of a one-at-a-time test: per weight, the change of the total (in
/// percent, the largest over the units) when the weight is raised and when it is lowered,
/// the weights that move it most on top.
pub fn tornado_figure(fw: &Framework, report: &OatReport, lang: Lang) -> Result<Figure> {
    // (weight, change when raised, change when lowered), in framework order.
    let mut weights: Vec<(String, Option<f64>, Option<f64>)> = Vec::new();
    for case in &report.cases {
        let k = match weights.iter().position(|w| w.0 == case.shift.weight) {
            Some(k) => k,
            None => {
                weights.push((case.shift.weight.clone(), None, None));
                weights.len() - 1
            }
        };
        let v = case.total_change_pct.filter(|x| x.is_finite());
        match case.shift.direction {
            Move::Up => weights[k].1 = v,
            Move::Down => weights[k].2 = v,
        }
    }
    if weights.is_empty() {
        return Err(ReportError::Invalid(
            "the sensitivity test moved no weight: nothing to draw".into(),
        ));
    }
    let reach = |w: &(String, Option<f64>, Option<f64>)| {
        w.1.unwrap_or(0.0).abs().max(w.2.unwrap_or(0.0).abs())
    };
    weights.sort_by(|a, b| reach(b).total_cmp(&reach(a)));
    let mut notes = vec![text("chart.tornado_unit", lang).to_string()];
    if weights.len() > TORNADO_BARS_MAX {
        let rest = weights.split_off(TORNADO_BARS_MAX);
        let pct = fixed(reach(&weights[TORNADO_BARS_MAX - 1]), 2);
        notes.push(fill(
            "chart.tornado_rest",
            lang,
            &[("n", &rest.len()), ("pct", &pct)],
        ));
    }
    let root = fw.root();
    let perturb = format!(
        "{}{}",
        fixed(report.perturb * 100.0, 0),
        lang.pick(" %", "%")
    );
    Ok(Figure::one(Chart::Bar(BarChart {
        title: fill(
            "chart.tornado",
            lang,
            &[
                ("name", &node_name(fw, root, lang)),
                ("year", &report.year),
                ("perturb", &perturb),
            ],
        ),
        value_label: text("chart.tornado_axis", lang).into(),
        categories: weights.iter().map(|w| name_of(fw, &w.0, lang)).collect(),
        series: vec![
            BarSeries {
                label: text("chart.weight_up", lang).into(),
                values: weights.iter().map(|w| w.1).collect(),
            },
            BarSeries {
                label: text("chart.weight_down", lang).into(),
                values: weights.iter().map(|w| w.2).collect(),
            },
        ],
        references: Vec::new(),
        horizontal: true,
        overlay: true,
        value_digits: 2,
        notes,
    })))
}

/// The band chart of a Monte Carlo test for the root of the framework and one unit
/// (default: the first): the 5–95 % band, the median and the nominal index over the years.
pub fn band_figure(
    fw: &Framework,
    report: &McReport,
    unit: Option<&str>,
    lang: Lang,
) -> Result<Figure> {
    let root_id = &fw.nodes()[fw.root()].spec.id;
    let bands: Vec<_> = report.bands.iter().filter(|b| &b.node == root_id).collect();
    let unit = match unit {
        Some(u) => u.to_string(),
        None => bands
            .first()
            .map(|b| b.unit.clone())
            .ok_or_else(|| ReportError::Invalid("no band to draw".into()))?,
    };
    let mut rows: Vec<_> = bands.into_iter().filter(|b| b.unit == unit).collect();
    if rows.is_empty() {
        return Err(ReportError::Invalid(format!(
            "unit '{unit}' has no band to draw"
        )));
    }
    rows.sort_by_key(|b| b.year);
    let perturb = format!(
        "{}{}",
        fixed(report.perturb * 100.0, 0),
        lang.pick(" %", "%")
    );
    let samples = crate::number::thousands(report.samples as u64);
    let base = rows[0].year;
    Ok(Figure::one(Chart::Band(BandChart {
        title: fill(
            "chart.band",
            lang,
            &[
                ("name", &node_name(fw, fw.root(), lang)),
                ("unit", &unit),
                ("samples", &samples),
                ("perturb", &perturb),
            ],
        ),
        x_label: text("chart.year", lang).into(),
        y_label: fill("chart.index_axis", lang, &[("base", &base)]),
        x: rows.iter().map(|b| f64::from(b.year)).collect(),
        low: rows.iter().map(|b| b.p5).collect(),
        high: rows.iter().map(|b| b.p95).collect(),
        median: rows.iter().map(|b| b.p50).collect(),
        nominal: rows.iter().map(|b| b.nominal).collect(),
        labels: [
            text("chart.band_area", lang).into(),
            text("chart.median", lang).into(),
            text("chart.nominal", lang).into(),
        ],
        references: vec![Reference {
            value: 100.0,
            label: text("chart.base_line", lang).into(),
        }],
        notes: Vec::new(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use index_engine::sensitivity::{OatOptions, one_at_a_time};
    use index_engine::uncertainty::{McOptions, monte_carlo};
    use index_engine::{Chain, caict2025};

    #[test]
    fn tornado_and_band_charts_of_the_caict_index() {
        let fw = caict2025::framework().unwrap();
        let panel = caict2025::panel(&fw).unwrap();
        let filled = index_engine::ComputeOptions::default()
            .fill(&panel)
            .unwrap();
        let oat = one_at_a_time(
            &Chain,
            &fw,
            &filled,
            &OatOptions {
                perturb: 0.2,
                year: None,
            },
        )
        .unwrap();
        let svg = tornado_figure(&fw, &oat, Lang::Zh)
            .unwrap()
            .render_svg()
            .unwrap();
        assert!(
            svg.contains("权重上调") && svg.contains("权重下调"),
            "{svg}"
        );
        assert!(svg.contains("融合途径") || svg.contains("融合基础"));
        let mc = monte_carlo(
            &Chain,
            &fw,
            &filled,
            &McOptions {
                samples: 200,
                seed: 1,
                perturb: 0.2,
            },
            &|_| {},
        )
        .unwrap();
        let svg = band_figure(&fw, &mc, None, Lang::En)
            .unwrap()
            .render_svg()
            .unwrap();
        assert!(
            svg.contains("5–95 % band") && svg.contains("Median"),
            "{svg}"
        );
        assert!(svg.contains("<polygon"));
        assert!(band_figure(&fw, &mc, Some("nowhere"), Lang::En).is_err());
    }
}
