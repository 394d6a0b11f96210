//! Line charts over years, and the x–y frame (grid, axes, ticks, labelled reference lines)
//! that band charts share.

use super::scale::Scale;
use super::svg::{Anchor, GREY, GRID, INK, Svg, TextStyle, colour, text_width};
use super::{LegendEntry, LineChart, Mark, PAD, Reference, TEXT_PX, footer, header};

/// Height of the plotting area of x–y charts, pixels.
pub(super) const PLOT_H: f64 = 260.0;

/// The plotting area of an x–y chart and its scales.
pub(super) struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x_lo: f64,
    x_hi: f64,
    ys: Scale,
}

impl Frame {
    /// The pixel column of `x`.
    pub(super) fn x(&self, x: f64) -> f64 {
        if self.x_hi <= self.x_lo {
            return (self.left + self.right) / 2.0;
        }
        self.left + (x - self.x_lo) / (self.x_hi - self.x_lo) * (self.right - self.left)
    }

    /// The pixel row of `y`.
    pub(super) fn y(&self, y: f64) -> f64 {
        self.ys.px(y, self.bottom, self.top)
    }
}

/// The x positions' range, padded by half a step so that the first and last points sit
/// inside the frame.
fn x_range(xs: &[f64]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs.iter().filter(|x| x.is_finite()) {
        lo = lo.min(*x);
        hi = hi.max(*x);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi <= lo {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = ((hi - lo) * 0.04).max(0.3);
    (lo - pad, hi + pad)
}

/// Draws the frame of an x–y chart from `top`: grid, y ticks and label, x ticks (every
/// year when they fit) and label, reference lines with their labels. Returns the frame
/// and the y under the x label.
pub(super) fn xy_frame(
    svg: &mut Svg,
    top: f64,
    xs: &[f64],
    integer_x: bool,
    ys: Scale,
    labels: (&str, &str),
    references: &[Reference],
) -> (Frame, f64) {
    let (x_label, y_label) = labels;
    let tick_st = TextStyle::new(TEXT_PX).colour(INK);
    let tick_w = ys
        .ticks
        .iter()
        .map(|t| text_width(&ys.label(*t), TEXT_PX))
        .fold(0.0, f64::max);
    let left = PAD + TEXT_PX * 1.4 + 6.0 + tick_w + 6.0;
    let right = svg.width() - PAD - 8.0;
    let (x_lo, x_hi) = x_range(xs);
    let f = Frame {
        left,
        right,
        top: top + 6.0,
        bottom: top + 6.0 + PLOT_H,
        x_lo,
        x_hi,
        ys,
    };
    for t in &f.ys.ticks {
        let py = f.y(*t);
        svg.line((f.left, py), (f.right, py), GRID, 1.0, None);
        let st = tick_st.anchor(Anchor::End);
        svg.text(f.left - 6.0, py + TEXT_PX * 0.35, &f.ys.label(*t), st);
    }
    svg.line((f.left, f.bottom), (f.right, f.bottom), GREY, 1.2, None);
    svg.line((f.left, f.top), (f.left, f.bottom), GREY, 1.2, None);
    // The y label, turned, centred on the plot.
    let mid = (f.top + f.bottom) / 2.0;
    svg.text_rotated(
        PAD + TEXT_PX,
        mid,
        y_label,
        tick_st.anchor(Anchor::Middle),
        -90.0,
    );
    // X ticks: each distinct position when they fit, else every k-th.
    let mut ticks: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    let fmt = |x: f64| {
        if integer_x {
            format!("{}", x.round() as i64)
        } else {
            format!("{x:.2}")
        }
    };
    let widest = ticks
        .iter()
        .map(|x| text_width(&fmt(*x), TEXT_PX))
        .fold(0.0, f64::max)
        + 8.0;
    let fit = (((f.right - f.left) / widest).floor() as usize).max(1);
    let every = ticks.len().div_ceil(fit).max(1);
    for (k, x) in ticks.iter().enumerate() {
        let px = f.x(*x);
        svg.line((px, f.bottom), (px, f.bottom + 4.0), GREY, 1.0, None);
        if k % every == 0 {
            let st = tick_st.anchor(Anchor::Middle);
            svg.text(px, f.bottom + 4.0 + TEXT_PX * 1.1, &fmt(*x), st);
        }
    }
    let mut y = f.bottom + 4.0 + TEXT_PX * 1.35;
    if !x_label.is_empty() {
        y += TEXT_PX * 1.35;
        svg.text(
            (f.left + f.right) / 2.0,
            y - 2.0,
            x_label,
            tick_st.anchor(Anchor::Middle),
        );
    }
    for r in references {
        if r.value.is_finite() {
            let py = f.y(r.value);
            svg.line((f.left, py), (f.right, py), GREY, 1.3, Some("4 3"));
            super::reference_label(svg, f.right, py, &r.label);
        }
    }
    (f, y + 4.0)
}

/// Years in a compact list: `2019–2021, 2023`.
pub(super) fn years_text(xs: &[f64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < xs.len() {
        let start = xs[k];
        let mut end = start;
        while k + 1 < xs.len() && (xs[k + 1] - end - 1.0).abs() < 1e-9 {
            k += 1;
            end = xs[k];
        }
        if end > start {
            parts.push(format!("{}–{}", start as i64, end as i64));
        } else {
            parts.push(format!("{}", start as i64));
        }
        k += 1;
    }
    parts.join(", ")
}

/// Draws a line chart from `top`; returns the y under it.
pub(super) fn draw(svg: &mut Svg, top: f64, c: &LineChart) -> f64 {
    let any_estimated = c
        .lines
        .iter()
        .any(|l| l.points.iter().any(|p| p.estimated && p.y.is_some()));
    let mut legend: Vec<LegendEntry> = c
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LegendEntry {
            label: l.label.clone(),
            colour: colour(i),
            mark: Mark::Line { dashed: false },
        })
        .collect();
    if any_estimated && !c.estimated_label.is_empty() {
        legend.push(LegendEntry {
            label: c.estimated_label.clone(),
            colour: GREY,
            mark: Mark::Line { dashed: true },
        });
    }
    let y = header(svg, top, &c.title, &legend);
    let values = c
        .lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|p| p.y))
        .chain(c.references.iter().map(|r| r.value));
    let ys = Scale::nice(values, 5, false);
    let xs: Vec<f64> = c
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.x))
        .collect();
    let (f, mut y) = xy_frame(
        svg,
        y,
        &xs,
        c.integer_x,
        ys,
        (&c.x_label, &c.y_label),
        &c.references,
    );
    let mut notes = Vec::new();
    for (i, line) in c.lines.iter().enumerate() {
        let col = colour(i);
        let width = if i == 0 { 3.0 } else { 2.2 };
        for w in line.points.windows(2) {
            if let (Some(a), Some(b)) = (w[0].y, w[1].y)
                && a.is_finite()
                && b.is_finite()
            {
                let dash = (w[1].estimated || w[0].estimated).then_some("6 4");
                svg.line(
                    (f.x(w[0].x), f.y(a)),
                    (f.x(w[1].x), f.y(b)),
                    col,
                    width,
                    dash,
                );
            }
        }
        for p in &line.points {
            if let Some(v) = p.y.filter(|v| v.is_finite()) {
                svg.circle((f.x(p.x), f.y(v)), 3.5, col, p.estimated);
            }
        }
        let gaps: Vec<f64> = line
            .points
            .iter()
            .filter(|p| p.y.is_none_or(|v| !v.is_finite()))
            .map(|p| p.x)
            .collect();
        if !gaps.is_empty() && !c.gap_note.is_empty() {
            notes.push(
                c.gap_note
                    .replace("{line}", &line.label)
                    .replace("{years}", &years_text(&gaps)),
            );
        }
    }
    notes.extend(c.notes.iter().cloned());
    y = footer(svg, y, &notes);
    y
}

#[cfg(test)]
mod tests {
    use super::years_text;

    #[test]
    fn years_are_listed_in_runs() {
        assert_eq!(
            years_text(&[2019.0, 2020.0, 2021.0, 2023.0]),
            "2019–2021, 2023"
        );
        assert_eq!(years_text(&[2020.0]), "2020");
    }
}
