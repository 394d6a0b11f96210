//! SVG charts drawn the way the CAICT report draws them, for a page of A4: line charts
//! whose estimated stretches are dashed and whose missing years are gaps with a note,
//! grouped bars (vertical, or horizontal for long names), tornado charts and 5–95 % band
//! charts.
//!
//! Nothing here knows about indices or tiers: callers fill a [`Chart`] with labelled
//! numbers and texts in the reader's language, stack charts in a [`Figure`] and call
//! [`Figure::render_svg`]. Every figure:
//!
//! - is [`WIDTH_PX`] wide and its smallest text is [`TEXT_PX`], so that placed across
//!   [`A4_TEXT_WIDTH_MM`] (an A4 page with Word's default margins; a browser's print
//!   margins leave more) no text is below [`MIN_TEXT_PT`];
//! - names CJK fonts before the generic family ([`svg::FONT_FAMILY`]);
//! - puts its legend in rows of its own between the title and the plot, so it never covers
//!   data, and labels every reference line;
//! - ends with its notes (gaps, what dashes mean) and, when given, its data source
//!   (数据来源).

mod band;
mod bar;
mod line;
pub mod scale;
pub mod svg;

use crate::error::{ReportError, Result};
use svg::{Anchor, GREY, Rgb, Svg, TextStyle, wrap};

/// Width of every figure, pixels.
pub const WIDTH_PX: f64 = 640.0;
/// The smallest text of a figure, pixels.
pub const TEXT_PX: f64 = 14.0;
/// Chart titles, pixels.
pub const TITLE_PX: f64 = 17.0;
/// The width a figure is assumed to be placed at: an A4 page (210 mm) less Word's default
/// margins (2 × 31.8 mm) is 146.6 mm; 150 mm rounds it up.
pub const A4_TEXT_WIDTH_MM: f64 = 150.0;
/// The smallest text size allowed once placed: 9 pt.
pub const MIN_TEXT_PT: f64 = 9.0;
/// Most charts in one figure (a bound against runaway input).
pub const PANELS_MAX: usize = 200;
/// Most points, bars or categories in one chart.
pub const VALUES_MAX: usize = 100_000;

const PAD: f64 = 12.0;
const LINE_H: f64 = 1.35;

/// The size in points of text of `px` pixels in a figure of `width_px` placed across
/// [`A4_TEXT_WIDTH_MM`].
pub fn placed_pt(px: f64, width_px: f64) -> f64 {
    px * A4_TEXT_WIDTH_MM / width_px / (25.4 / 72.0)
}

/// One point of a line: `y = None` is a year without data, drawn as a gap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal position (a year).
    pub x: f64,
    /// Value, if any.
    pub y: Option<f64>,
    /// Whether the value rests on estimates: its marker is hollow and the segment ending
    /// here is dashed.
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

/// A labelled horizontal (or, on horizontal bars, vertical) reference line, such as a
/// base level or a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Where it is drawn.
    pub value: f64,
    /// What it means, written beside it.
    pub label: String,
}

/// A line chart over years.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// What is drawn (growth or level, of what, where, base year).
    pub title: String,
    /// Label under the x axis.
    pub x_label: String,
    /// Label beside the y axis.
    pub y_label: String,
    /// Whether x values are whole numbers (years).
    pub integer_x: bool,
    /// Reference lines.
    pub references: Vec<Reference>,
    /// The lines.
    pub lines: Vec<Line>,
    /// Legend text of the dashed, hollow style; shown only when a point is estimated.
    pub estimated_label: String,
    /// The note of a line's missing years, with `{line}` and `{years}` placeholders; one
    /// note per line with a gap (no note when empty).
    pub gap_note: String,
    /// Further notes under the chart.
    pub notes: Vec<String>,
}

/// One series of bars (one colour), one value per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    /// Legend label.
    pub label: String,
    /// One value per category; `None` leaves the slot empty.
    pub values: Vec<Option<f64>>,
}

/// A grouped bar chart: for each category, one bar per series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// What is drawn.
    pub title: String,
    /// Label of the value axis.
    pub value_label: String,
    /// Category names.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<BarSeries>,
    /// Reference lines across the value axis.
    pub references: Vec<Reference>,
    /// Bars run left to right with the categories down the side (for long names).
    pub horizontal: bool,
    /// The series of a category share one slot instead of standing side by side (a
    /// tornado: one series up, one down).
    pub overlay: bool,
    /// Decimals of the value written at each bar.
    pub value_digits: u8,
    /// Notes under the chart.
    pub notes: Vec<String>,
}

/// A band chart: a 5–95 % (or any) band around a median, with the nominal value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BandChart {
    /// What is drawn.
    pub title: String,
    /// Label under the x axis.
    pub x_label: String,
    /// Label beside the y axis.
    pub y_label: String,
    /// Positions (years), increasing.
    pub x: Vec<f64>,
    /// Lower edge of the band per position.
    pub low: Vec<Option<f64>>,
    /// Upper edge of the band per position.
    pub high: Vec<Option<f64>>,
    /// Median per position.
    pub median: Vec<Option<f64>>,
    /// The value without perturbation per position.
    pub nominal: Vec<Option<f64>>,
    /// Legend labels: band, median, nominal.
    pub labels: [String; 3],
    /// Reference lines.
    pub references: Vec<Reference>,
    /// Notes under the chart.
    pub notes: Vec<String>,
}

/// One chart of a figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// A line chart.
    Line(LineChart),
    /// A bar chart (also the tornado chart).
    Bar(BarChart),
    /// A band chart.
    Band(BandChart),
}

/// Charts stacked one under the other, with an optional title over them and the data
/// source at the foot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figure {
    /// Title over the whole figure, if any.
    pub title: Option<String>,
    /// The charts, top to bottom.
    pub charts: Vec<Chart>,
    /// Where the data come from (数据来源), written at the foot when the figure stands
    /// alone; an HTML page writes it under the figure instead.
    pub source: Option<String>,
}

impl Figure {
    /// A figure of one chart.
    pub fn one(chart: Chart) -> Figure {
        Figure {
            title: None,
            charts: vec![chart],
            source: None,
        }
    }

    /// With its data source.
    pub fn with_source(mut self, source: impl Into<String>) -> Figure {
        self.source = Some(source.into());
        self
    }

    /// Draws the figure as a standalone SVG document, its source at the foot.
    pub fn render_svg(&self) -> Result<String> {
        self.render(true)
    }

    /// Draws the figure, with its source at the foot or not (`with_source`).
    pub fn render(&self, with_source: bool) -> Result<String> {
        if self.charts.is_empty() {
            return Err(ReportError::Invalid(
                "a chart needs at least one panel".into(),
            ));
        }
        if self.charts.len() > PANELS_MAX {
            return Err(ReportError::Invalid(format!(
                "a figure takes at most {PANELS_MAX} charts, not {}",
                self.charts.len()
            )));
        }
        let mut svg = Svg::new(WIDTH_PX);
        let mut y = PAD;
        if let Some(t) = &self.title {
            y = paragraph(&mut svg, y, t, TextStyle::new(TITLE_PX + 2.0).bold());
        }
        for chart in &self.charts {
            check_size(chart)?;
            y = match chart {
                Chart::Line(c) => line::draw(&mut svg, y, c),
                Chart::Bar(c) => bar::draw(&mut svg, y, c),
                Chart::Band(c) => band::draw(&mut svg, y, c),
            };
            y += PAD;
        }
        if let (true, Some(src)) = (with_source, &self.source) {
            y = paragraph(&mut svg, y, src, TextStyle::new(TEXT_PX).colour(GREY));
        }
        Ok(svg.finish(y + PAD / 2.0))
    }
}

fn check_size(chart: &Chart) -> Result<()> {
    let n = match chart {
        Chart::Line(c) => c.lines.iter().map(|l| l.points.len()).sum(),
        Chart::Bar(c) => c.categories.len() * c.series.len().max(1),
        Chart::Band(c) => c.x.len(),
    };
    if n > VALUES_MAX {
        return Err(ReportError::Invalid(format!(
            "a chart takes at most {VALUES_MAX} values, not {n}"
        )));
    }
    Ok(())
}

/// Writes `text` wrapped to the figure's width from `y` (the top of the first line); returns
/// the y under the last line.
fn paragraph(svg: &mut Svg, y: f64, text: &str, st: TextStyle) -> f64 {
    let mut y = y;
    for l in wrap(text, st.size, svg.width() - 2.0 * PAD) {
        y += st.size * LINE_H;
        svg.text(PAD, y - st.size * 0.3, &l, st);
    }
    y
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mark {
    /// A line with a marker; dashed with a hollow marker for estimates.
    Line { dashed: bool },
    /// A filled box (a bar).
    Box,
    /// A light filled area (a band).
    Area,
}

#[derive(Debug, Clone, PartialEq)]
struct LegendEntry {
    label: String,
    colour: Rgb,
    mark: Mark,
}

const SWATCH: f64 = 22.0;

/// The chart's title and legend rows from `y`; returns the y where the plot may start.
fn header(svg: &mut Svg, y: f64, title: &str, legend: &[LegendEntry]) -> f64 {
    let mut y = paragraph(svg, y, title, TextStyle::new(TITLE_PX).bold());
    y += 4.0;
    let st = TextStyle::new(TEXT_PX);
    let row_h = TEXT_PX * LINE_H + 2.0;
    let max_x = svg.width() - PAD;
    let mut x = PAD;
    let mut rows = usize::from(!legend.is_empty());
    for e in legend {
        let label_w = svg::text_width(&e.label, TEXT_PX);
        let w = SWATCH + 6.0 + label_w + 18.0;
        if x > PAD && x + w - 18.0 > max_x {
            x = PAD;
            rows += 1;
        }
        let base = y + rows as f64 * row_h - 4.0;
        let mid = base - TEXT_PX * 0.35;
        match e.mark {
            Mark::Line { dashed } => {
                svg.line(
                    (x, mid),
                    (x + SWATCH, mid),
                    e.colour,
                    2.5,
                    dashed.then_some("6 4"),
                );
                svg.circle((x + SWATCH / 2.0, mid), 3.5, e.colour, dashed);
            }
            Mark::Box => svg.rect(x + 4.0, mid - 6.0, SWATCH - 8.0, 12.0, e.colour),
            Mark::Area => svg.polygon(
                &[
                    (x, mid - 6.0),
                    (x + SWATCH, mid - 6.0),
                    (x + SWATCH, mid + 6.0),
                    (x, mid + 6.0),
                ],
                e.colour,
                0.3,
            ),
        }
        // Long labels are cut to the row so that nothing runs off the figure.
        let room = max_x - (x + SWATCH + 6.0);
        let label = wrap(&e.label, TEXT_PX, room)
            .into_iter()
            .next()
            .unwrap_or_default();
        svg.text(x + SWATCH + 6.0, base, &label, st);
        x += w;
    }
    y + rows as f64 * row_h + 8.0
}

/// The notes under a chart from `y`; returns the y under them.
fn footer(svg: &mut Svg, y: f64, notes: &[String]) -> f64 {
    let st = TextStyle::new(TEXT_PX).colour(GREY);
    let mut y = y;
    for n in notes.iter().filter(|n| !n.trim().is_empty()) {
        y = paragraph(svg, y, n, st);
    }
    y
}

/// A reference line's label, written at the right end above the line.
fn reference_label(svg: &mut Svg, x_end: f64, y: f64, label: &str) {
    let st = TextStyle::new(TEXT_PX).anchor(Anchor::End).colour(GREY);
    svg.text(x_end - 4.0, y - 5.0, label, st);
}

/// Writes `figure` to `path` as a standalone SVG, whole or not at all.
pub fn write_svg(figure: &Figure, path: &std::path::Path) -> Result<()> {
    let svg = figure.render_svg()?;
    crate::atomic::write_atomic(path, svg.as_bytes())
}

#[cfg(test)]
mod tests;
