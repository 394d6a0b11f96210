//! Band charts: a shaded band (5–95 %) around the median over years, with the nominal value
//! as a line of its own; a year without a band is a gap.

use super::line::xy_frame;
use super::scale::Scale;
use super::svg::{INK, Svg, colour};
use super::{BandChart, LegendEntry, Mark, footer, header};

/// Draws a band chart from `top`; returns the y under it.
pub(super) fn draw(svg: &mut Svg, top: f64, c: &BandChart) -> f64 {
    let band_colour = colour(0);
    let median_colour = colour(0);
    let legend = [
        LegendEntry {
            label: c.labels[0].clone(),
            colour: band_colour,
            mark: Mark::Area,
        },
        LegendEntry {
            label: c.labels[1].clone(),
            colour: median_colour,
            mark: Mark::Line { dashed: false },
        },
        LegendEntry {
            label: c.labels[2].clone(),
            colour: INK,
            mark: Mark::Line { dashed: true },
        },
    ];
    let y = header(svg, top, &c.title, &legend);
    let at = |v: &[Option<f64>], k: usize| v.get(k).copied().flatten().filter(|x| x.is_finite());
    let values = (0..c.x.len())
        .flat_map(|k| {
            [
                at(&c.low, k),
                at(&c.high, k),
                at(&c.median, k),
                at(&c.nominal, k),
            ]
        })
        .flatten()
        .chain(c.references.iter().map(|r| r.value));
    let ys = Scale::nice(values, 5, false);
    let (f, y) = xy_frame(
        svg,
        y,
        &c.x,
        true,
        ys,
        (&c.x_label, &c.y_label),
        &c.references,
    );
    // The band, one polygon per stretch of years that all have both edges.
    let mut stretch: Vec<(f64, f64, f64)> = Vec::new();
    let flush = |stretch: &mut Vec<(f64, f64, f64)>, svg: &mut Svg| {
        if stretch.len() >= 2 {
            let mut pts: Vec<(f64, f64)> = stretch.iter().map(|(x, _, hi)| (*x, *hi)).collect();
            pts.extend(stretch.iter().rev().map(|(x, lo, _)| (*x, *lo)));
            svg.polygon(&pts, band_colour, 0.28);
        } else if let [(x, lo, hi)] = stretch.as_slice() {
            svg.line((*x, *lo), (*x, *hi), band_colour, 6.0, None);
        }
        stretch.clear();
    };
    for (k, x) in c.x.iter().enumerate() {
        match (at(&c.low, k), at(&c.high, k)) {
            (Some(lo), Some(hi)) => stretch.push((f.x(*x), f.y(lo), f.y(hi))),
            _ => flush(&mut stretch, svg),
        }
    }
    flush(&mut stretch, svg);
    let mut draw_series = |v: &[Option<f64>], col, width, dash: Option<&str>, hollow| {
        for k in 1..c.x.len() {
            if let (Some(a), Some(b)) = (at(v, k - 1), at(v, k)) {
                svg.line(
                    (f.x(c.x[k - 1]), f.y(a)),
                    (f.x(c.x[k]), f.y(b)),
                    col,
                    width,
                    dash,
                );
            }
        }
        for (k, x) in c.x.iter().enumerate() {
            if let Some(a) = at(v, k) {
                svg.circle((f.x(*x), f.y(a)), 3.0, col, hollow);
            }
        }
    };
    draw_series(&c.median, median_colour, 2.6, None, false);
    draw_series(&c.nominal, INK, 1.6, Some("6 4"), true);
    footer(svg, y, &c.notes)
}
