//! SVG charts with plotters: line charts whose estimated stretches are dashed, and grouped
//! bar charts, laid out in rows of panels on one figure.
//!
//! Nothing here knows about indices: callers fill [`LineChart`]s and [`BarChart`]s with
//! labelled numbers (index levels over years, tiers over years, voucher flows, cluster
//! utilisation, …), arrange them in a [`Figure`] and call [`Figure::render_svg`].
//! Text is drawn as SVG text with a generic sans-serif family, so Chinese labels render
//! wherever the viewer has a CJK font.

use std::ops::Range;

use crate::error::{ReportError, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One point of a line: `y = None` breaks the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal position (e.g. a year).
    pub x: f64,
    /// Value, if any.
    pub y: Option<f64>,
    /// Whether the value rests on estimates: the segment ending here is dashed.
    pub estimated: bool,
}

/// A labelled line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend label.
    pub label: String,
    /// Points in increasing `x`.
    pub points: Vec<Point>,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Caption.
    pub title: String,
    /// Label under the x axis.
    pub x_label: String,
    /// Label beside the y axis.
    pub y_label: String,
    /// Whether x values are whole numbers (years): ticks are then printed without decimals.
    pub integer_x: bool,
    /// Optional horizontal reference line (e.g. the base level 100).
    pub reference_y: Option<f64>,
    /// The lines.
    pub lines: Vec<Line>,
    /// Legend text explaining the dashes; no note when empty.
    pub dashed_note: String,
}

/// One series of bars (one colour), one value per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    /// Legend label.
    pub label: String,
    /// One value per category; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
}

/// A grouped bar chart: for each category, one bar per series side by side.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// Caption.
    pub title: String,
    /// Label beside the y axis.
    pub y_label: String,
    /// Category names along the x axis.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<BarSeries>,
    /// Optional horizontal reference line.
    pub reference_y: Option<f64>,
}

/// One panel of a figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// A line chart.
    Line(LineChart),
    /// A grouped bar chart.
    Bar(BarChart),
}

/// Panels in rows; each row's panels share its width equally.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Title over the whole figure, if any.
    pub title: Option<String>,
    /// Rows of panels.
    pub rows: Vec<Vec<Chart>>,
    /// Width in pixels.
    pub width: u32,
    /// Height of each row in pixels.
    pub row_height: u32,
}

/// Most panels in one figure (a bound against runaway input).
const MAX_PANELS: usize = 200;

const TITLE_PX: u32 = 36;

fn colour(i: usize) -> RGBColor {
    // Colour-blind-safe palette (Okabe–Ito), then plotters' palette.
    const OKABE_ITO: [RGBColor; 7] = [
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(230, 159, 0),
        RGBColor(86, 180, 233),
        RGBColor(0, 0, 0),
    ];
    match OKABE_ITO.get(i) {
        Some(c) => *c,
        None => {
            let c = Palette99::pick(i).to_rgba();
            RGBColor(c.0, c.1, c.2)
        }
    }
}

/// A padded range around `values` (and `extra`), never empty.
fn value_range(values: impl Iterator<Item = f64>, include_zero: bool) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return 0.0..1.0;
    }
    let span = (hi - lo).max(hi.abs() * 0.02).max(1e-9);
    let pad = span * 0.08;
    let lo = if include_zero && lo >= 0.0 {
        0.0
    } else {
        lo - pad
    };
    lo..hi + pad
}

impl Figure {
    /// Draws the figure as an SVG document.
    pub fn render_svg(&self) -> Result<String> {
        let panels: usize = self.rows.iter().map(Vec::len).sum();
        if panels == 0 {
            return Err(ReportError::Invalid(
                "a chart needs at least one panel".into(),
            ));
        }
        if panels > MAX_PANELS {
            return Err(ReportError::Invalid(format!(
                "a chart takes at most {MAX_PANELS} panels, not {panels}"
            )));
        }
        let title_px = if self.title.is_some() { TITLE_PX } else { 0 };
        let height = title_px + self.row_height * self.rows.len() as u32;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (self.width, height)).into_drawing_area();
            root.fill(&WHITE).map_err(draw_err)?;
            let body = if let Some(t) = &self.title {
                let (top, body) = root.split_vertically(title_px);
                top.draw_text(
                    t,
                    &("sans-serif", 22)
                        .into_font()
                        .style(FontStyle::Bold)
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                    (self.width as i32 / 2, title_px as i32 / 2),
                )
                .map_err(draw_err)?;
                body
            } else {
                root.clone()
            };
            let row_areas = body.split_evenly((self.rows.len(), 1));
            for (row, area) in self.rows.iter().zip(row_areas) {
                let cells = area.split_evenly((1, row.len().max(1)));
                for (chart, cell) in row.iter().zip(cells) {
                    match chart {
                        Chart::Line(c) => draw_line(c, &cell)?,
                        Chart::Bar(c) => draw_bar(c, &cell)?,
                    }
                }
            }
            root.present().map_err(draw_err)?;
        }
        Ok(svg)
    }
}

fn draw_err<E: std::fmt::Debug>(e: E) -> ReportError {
    ReportError::Chart(format!("{e:?}"))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw_line(c: &LineChart, area: &Area<'_>) -> Result<()> {
    let xs = c.lines.iter().flat_map(|l| l.points.iter().map(|p| p.x));
    let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs {
        x0 = x0.min(x);
        x1 = x1.max(x);
    }
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let ys = c
        .lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|p| p.y))
        .chain(c.reference_y);
    let y_range = value_range(ys, false);
    let pad_x = (x1 - x0) * 0.03;
    let mut chart = ChartBuilder::on(area)
        .caption(&c.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0 - pad_x..x1 + pad_x, y_range)
        .map_err(draw_err)?;
    let n_x = if c.integer_x {
        ((x1 - x0) as usize + 1).min(16)
    } else {
        10
    };
    let integer_x = c.integer_x;
    chart
        .configure_mesh()
        .x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .x_labels(n_x)
        .x_label_formatter(&|x| {
            if integer_x {
                format!("{}", x.round() as i64)
            } else {
                format!("{x:.2}")
            }
        })
        .y_label_formatter(&|y| format!("{y:.1}"))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(draw_err)?;
    if let Some(r) = c.reference_y {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0 - pad_x, r), (x1 + pad_x, r)],
                RGBColor(150, 150, 150).stroke_width(1),
            )))
            .map_err(draw_err)?;
    }
    for (i, line) in c.lines.iter().enumerate() {
        let col = colour(i);
        let style = col.stroke_width(if i == 0 { 3 } else { 2 });
        // Segments between consecutive points with values: solid or dashed.
        for w in line.points.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (Some(ya), Some(yb)) = (a.y, b.y) else {
                continue;
            };
            let seg = [(a.x, ya), (b.x, yb)];
            if b.estimated {
                chart
                    .draw_series(DashedLineSeries::new(seg, 7, 5, style))
                    .map_err(draw_err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(seg, style))
                    .map_err(draw_err)?;
            }
        }
        // Markers, hollow where estimated; the legend entry rides on them.
        chart
            .draw_series(line.points.iter().filter_map(|p| {
                p.y.map(|y| {
                    let st = if p.estimated {
                        col.stroke_width(2)
                    } else {
                        col.filled()
                    };
                    Circle::new((p.x, y), 3, st)
                })
            }))
            .map_err(draw_err)?
            .label(&line.label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(3)));
    }
    if !c.dashed_note.is_empty() {
        let grey = RGBColor(90, 90, 90);
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(draw_err)?
            .label(&c.dashed_note)
            .legend(move |(x, y)| {
                plotters::element::DashedPathElement::new(
                    vec![(x, y), (x + 20, y)],
                    5,
                    3,
                    grey.stroke_width(2),
                )
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(draw_err)?;
    Ok(())
}

fn draw_bar(c: &BarChart, area: &Area<'_>) -> Result<()> {
    let n_cat = c.categories.len().max(1);
    let n_ser = c.series.len().max(1);
    let ys = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(c.reference_y);
    let y_range = value_range(ys, true);
    let mut chart = ChartBuilder::on(area)
        .caption(&c.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..n_cat as f64, y_range)
        .map_err(draw_err)?;
    let cats = c.categories.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(&c.y_label)
        .y_label_formatter(&|y| format!("{y:.1}"))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(draw_err)?;
    // Category names under each group, wrapped onto two lines when long.
    let label_font = ("sans-serif", 12)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    let plot = chart.plotting_area();
    let (_, y_px) = plot.get_pixel_range();
    for (i, name) in cats.iter().enumerate() {
        let (px, _) = plot.map_coordinate(&(i as f64 + 0.5, 0.0));
        let lines = wrap(name, 22);
        for (k, l) in lines.iter().take(2).enumerate() {
            area.draw_text(
                l,
                &label_font,
                (
                    px - area.get_base_pixel().0,
                    y_px.end - area.get_base_pixel().1 + 4 + 13 * k as i32,
                ),
            )
            .map_err(draw_err)?;
        }
    }
    if let Some(r) = c.reference_y {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, r), (n_cat as f64, r)],
                RGBColor(150, 150, 150).stroke_width(1),
            )))
            .map_err(draw_err)?;
    }
    let group_w = 0.8;
    let bar_w = group_w / n_ser as f64;
    for (s, series) in c.series.iter().enumerate() {
        let col = colour(s);
        chart
            .draw_series(series.values.iter().enumerate().filter_map(|(i, v)| {
                v.map(|v| {
                    let left = i as f64 + 0.1 + s as f64 * bar_w;
                    Rectangle::new([(left, 0.0), (left + bar_w * 0.92, v)], col.filled())
                })
            }))
            .map_err(draw_err)?
            .label(&series.label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], col.filled()));
        // The value over each bar, so the figure can be read without a ruler.
        let value_font = ("sans-serif", 11)
            .into_font()
            .color(&RGBColor(60, 60, 60))
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(series.values.iter().enumerate().filter_map(|(i, v)| {
                v.map(|v| {
                    let mid = i as f64 + 0.1 + (s as f64 + 0.46) * bar_w;
                    Text::new(format!("{v:.1}"), (mid, v), value_font.clone())
                })
            }))
            .map_err(draw_err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(draw_err)?;
    Ok(())
}

/// Splits `text` at spaces into lines of about `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > 2 {
        let rest = lines.split_off(1).join(" ");
        let mut second: String = rest.chars().take(width.saturating_sub(1)).collect();
        if rest.chars().count() > width.saturating_sub(1) {
            second.push('…');
        }
        lines.push(second);
    }
    lines
}

/// Writes `figure` to `path` as SVG, whole or not at all.
pub fn write_svg(figure: &Figure, path: &std::path::Path) -> Result<()> {
    let svg = figure.render_svg()?;
    crate::atomic::write_atomic(path, svg.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure() -> Figure {
        let pts = |est_from: f64| {
            (2019..=2024)
                .map(|y| Point {
                    x: f64::from(y),
                    y: Some(100.0 + f64::from(y - 2019) * 3.0),
                    estimated: f64::from(y) >= est_from,
                })
                .collect()
        };
        Figure {
            title: Some("Test figure".into()),
            rows: vec![
                vec![Chart::Line(LineChart {
                    title: "Lines".into(),
                    x_label: "year".into(),
                    y_label: "index".into(),
                    integer_x: true,
                    reference_y: Some(100.0),
                    lines: vec![
                        Line {
                            label: "total".into(),
                            points: pts(2024.0),
                        },
                        Line {
                            label: "part".into(),
                            points: pts(2030.0),
                        },
                    ],
                    dashed_note: "dashed: estimated".into(),
                })],
                vec![Chart::Bar(BarChart {
                    title: "Bars".into(),
                    y_label: "index".into(),
                    categories: vec!["alpha beta gamma delta epsilon zeta".into(), "b".into()],
                    series: vec![
                        BarSeries {
                            label: "2019".into(),
                            values: vec![Some(100.0), Some(100.0)],
                        },
                        BarSeries {
                            label: "2024".into(),
                            values: vec![Some(130.0), None],
                        },
                    ],
                    reference_y: None,
                })],
            ],
            width: 800,
            row_height: 300,
        }
    }

    #[test]
    fn renders_dashes_bars_and_labels() {
        let svg = figure().render_svg().unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("Test figure") && svg.contains("Lines") && svg.contains("Bars"));
        assert!(svg.contains("dashed: estimated"));
        // Three bars drawn (one value is None), as filled rects in the series colours.
        let blue = svg.matches("fill=\"#0072B2\"").count();
        let vermilion = svg.matches("fill=\"#D55E00\"").count();
        assert!(
            blue >= 2 && vermilion >= 1,
            "blue {blue}, vermilion {vermilion}"
        );
        // A dashed stretch yields more path pieces than the solid line alone would.
        assert!(svg.matches("<polyline").count() > 10);
    }

    #[test]
    fn wraps_long_category_names() {
        assert_eq!(wrap("short", 22), ["short"]);
        let w = wrap("Technology and patent supply of the nation and beyond", 22);
        assert_eq!(w.len(), 2);
        assert!(w[1].ends_with('…'));
    }

    #[test]
    fn empty_figure_is_an_error() {
        let f = Figure {
            title: None,
            rows: vec![],
            width: 100,
            row_height: 100,
        };
        assert!(f.render_svg().is_err());
    }
}
