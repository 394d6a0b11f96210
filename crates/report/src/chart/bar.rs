//! Grouped bar charts: vertical bars per category (the tier chart: one group per year), or
//! horizontal bars with the category names down the side (long names: programs, clusters,
//! indicators; the tornado chart, whose two series share a slot). Each bar carries its
//! value; reference lines are labelled.

use super::scale::Scale;
use super::svg::{Anchor, GREY, GRID, INK, Svg, TextStyle, colour, text_width, wrap};
use super::{BarChart, LegendEntry, Mark, PAD, TEXT_PX, footer, header};
use crate::number::fixed_grouped;

const PLOT_H: f64 = 260.0;
const LABEL_H: f64 = TEXT_PX * 1.3;

fn legend(c: &BarChart) -> Vec<LegendEntry> {
    c.series
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry {
            label: s.label.clone(),
            colour: colour(i),
            mark: Mark::Box,
        })
        .collect()
}

fn values(c: &BarChart) -> impl Iterator<Item = f64> + '_ {
    c.series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .filter(|v| v.is_finite())
        .chain(c.references.iter().map(|r| r.value))
}

/// Draws a bar chart from `top`; returns the y under it.
pub(super) fn draw(svg: &mut Svg, top: f64, c: &BarChart) -> f64 {
    if c.horizontal {
        horizontal(svg, top, c)
    } else {
        vertical(svg, top, c)
    }
}

fn vertical(svg: &mut Svg, top: f64, c: &BarChart) -> f64 {
    let y0 = header(svg, top, &c.title, &legend(c));
    let ys = Scale::nice(values(c), 5, true);
    let tick_w = ys
        .ticks
        .iter()
        .map(|t| text_width(&ys.label(*t), TEXT_PX))
        .fold(0.0, f64::max);
    let left = PAD + TEXT_PX * 1.4 + 12.0 + tick_w;
    let right = svg.width() - PAD - 8.0;
    // Room above the highest bar for its value.
    let (plot_top, bottom) = (y0 + LABEL_H + 4.0, y0 + LABEL_H + 4.0 + PLOT_H);
    let py = |v: f64| ys.px(v, bottom, plot_top);
    let tick_st = TextStyle::new(TEXT_PX);
    for t in &ys.ticks {
        svg.line((left, py(*t)), (right, py(*t)), GRID, 1.0, None);
        let st = tick_st.anchor(Anchor::End);
        svg.text(left - 6.0, py(*t) + TEXT_PX * 0.35, &ys.label(*t), st);
    }
    svg.text_rotated(
        PAD + TEXT_PX,
        (plot_top + bottom) / 2.0,
        &c.value_label,
        tick_st.anchor(Anchor::Middle),
        -90.0,
    );
    let n_cat = c.categories.len().max(1);
    let band = (right - left) / n_cat as f64;
    let slots = if c.overlay { 1 } else { c.series.len().max(1) };
    let bar_w = band * 0.8 / slots as f64;
    for (s, series) in c.series.iter().enumerate() {
        let slot = if c.overlay { 0 } else { s };
        for (k, v) in series.values.iter().enumerate() {
            let Some(v) = v.filter(|v| v.is_finite()) else {
                continue;
            };
            let x = left + band * k as f64 + band * 0.1 + bar_w * slot as f64;
            svg.rect(x + 1.0, py(0.0), bar_w - 2.0, py(v) - py(0.0), colour(s));
            let text = fixed_grouped(v, u32::from(c.value_digits));
            // A value is written only where it fits over its bar.
            if text_width(&text, TEXT_PX) <= bar_w + 6.0 {
                let ty = if v >= 0.0 {
                    py(v) - 4.0
                } else {
                    py(v) + TEXT_PX
                };
                svg.text(x + bar_w / 2.0, ty, &text, tick_st.anchor(Anchor::Middle));
            }
        }
    }
    svg.line((left, py(0.0)), (right, py(0.0)), GREY, 1.2, None);
    let mut y = bottom;
    let mut label_rows = 0;
    for (k, name) in c.categories.iter().enumerate() {
        let lines = wrap(name, TEXT_PX, band - 4.0);
        label_rows = label_rows.max(lines.len().min(3));
        for (i, l) in lines.iter().take(3).enumerate() {
            let x = left + band * (k as f64 + 0.5);
            let ty = bottom + LABEL_H * (i as f64 + 1.0);
            svg.text(x, ty, l, tick_st.anchor(Anchor::Middle));
        }
    }
    y += LABEL_H * label_rows as f64 + 8.0;
    for r in &c.references {
        if r.value.is_finite() {
            svg.line(
                (left, py(r.value)),
                (right, py(r.value)),
                INK,
                1.3,
                Some("4 3"),
            );
            super::reference_label(svg, right, py(r.value), &r.label);
        }
    }
    footer(svg, y, &c.notes)
}

fn horizontal(svg: &mut Svg, top: f64, c: &BarChart) -> f64 {
    let mut y0 = header(svg, top, &c.title, &legend(c));
    // Reference labels stand in a row of their own above the plot.
    let ref_row = !c.references.is_empty();
    if ref_row {
        y0 += LABEL_H + 2.0;
    }
    let label_max_w = svg.width() * 0.36;
    let names: Vec<Vec<String>> = c
        .categories
        .iter()
        .map(|n| {
            let mut l = wrap(n, TEXT_PX, label_max_w);
            l.truncate(3);
            l
        })
        .collect();
    let label_w = names
        .iter()
        .flatten()
        .map(|l| text_width(l, TEXT_PX))
        .fold(0.0, f64::max);
    let slots = if c.overlay { 1 } else { c.series.len().max(1) };
    let bar_h = 15.0;
    let slot_h: Vec<f64> = names
        .iter()
        .map(|l| (slots as f64 * bar_h + 10.0).max(l.len() as f64 * LABEL_H + 8.0))
        .collect();
    let plot_h: f64 = slot_h.iter().sum::<f64>().max(bar_h + 10.0);
    let xs = Scale::nice(values(c), 5, true);
    let digits = u32::from(c.value_digits);
    let texts = |pos: bool| {
        c.series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .filter(|v| v.is_finite() && (**v >= 0.0) == pos)
            .map(|v| text_width(&fixed_grouped(*v, digits), TEXT_PX))
            .fold(0.0, f64::max)
    };
    let left = PAD + label_w + 10.0 + texts(false) + 4.0;
    let right = svg.width() - PAD - texts(true) - 8.0;
    let px = |v: f64| xs.px(v, left, right);
    let (plot_top, bottom) = (y0, y0 + plot_h);
    let st = TextStyle::new(TEXT_PX);
    for t in &xs.ticks {
        svg.line((px(*t), plot_top), (px(*t), bottom), GRID, 1.0, None);
        svg.text(
            px(*t),
            bottom + LABEL_H,
            &xs.label(*t),
            st.anchor(Anchor::Middle),
        );
    }
    let mut y = plot_top;
    for (k, lines) in names.iter().enumerate() {
        let h = slot_h[k];
        let mid = y + h / 2.0;
        let first = mid - (lines.len() as f64 - 1.0) * LABEL_H / 2.0 + TEXT_PX * 0.35;
        for (i, l) in lines.iter().enumerate() {
            let ty = first + i as f64 * LABEL_H;
            svg.text(PAD + label_w, ty, l, st.anchor(Anchor::End));
        }
        let group_top = mid - slots as f64 * bar_h / 2.0;
        for (s, series) in c.series.iter().enumerate() {
            let Some(v) = series
                .values
                .get(k)
                .copied()
                .flatten()
                .filter(|v| v.is_finite())
            else {
                continue;
            };
            let slot = if c.overlay { 0 } else { s };
            let by = group_top + slot as f64 * bar_h;
            svg.rect(px(0.0), by + 1.0, px(v) - px(0.0), bar_h - 2.0, colour(s));
            let text = fixed_grouped(v, digits);
            let (tx, anchor) = if v >= 0.0 {
                (px(v) + 4.0, Anchor::Start)
            } else {
                (px(v) - 4.0, Anchor::End)
            };
            svg.text(tx, by + bar_h - 3.0, &text, st.anchor(anchor));
        }
        y += h;
    }
    svg.line((px(0.0), plot_top), (px(0.0), bottom), GREY, 1.2, None);
    svg.line((left, bottom), (right, bottom), GREY, 1.2, None);
    for r in &c.references {
        if r.value.is_finite() {
            let x = px(r.value);
            svg.line((x, plot_top - 4.0), (x, bottom), INK, 1.3, Some("4 3"));
            let anchor = if x > (left + right) / 2.0 {
                Anchor::End
            } else {
                Anchor::Start
            };
            svg.text(x, plot_top - 8.0, &r.label, st.anchor(anchor).colour(GREY));
        }
    }
    let mut y = bottom + LABEL_H + 4.0;
    if !c.value_label.is_empty() {
        y += LABEL_H;
        svg.text(
            (left + right) / 2.0,
            y - 2.0,
            &c.value_label,
            st.anchor(Anchor::Middle),
        );
    }
    footer(svg, y + 6.0, &c.notes)
}
