//! Index results out: every node, unit and year as CSV (streamed; a 2,000-unit panel has
//! millions of rows), JSON (numbers stay numbers, `null` where a figure does not exist) or a
//! rounded table for people whose index column is marked by what it rests on; the published
//! figures beside the raw computation ([`write_validation_to`]); and the report's figures of
//! one unit, where a node without data is a gap, never a level of 100.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};

use index_engine::validate::ValidationRow;
use index_engine::{Framework, IndexResult, PublishedKind, Row, Source};

use crate::cell::Cell;
use crate::chart::{BarChart, BarSeries, Chart, Figure, Line, LineChart, Point, Reference};
use crate::error::{ReportError, Result};
use crate::format::Format;
use crate::lang::Lang;
use crate::messages::{fill, text};
use crate::names::node_name;
use crate::number::{fixed, full};
use crate::table::RowWriter;

/// The columns of an index result.
pub const RESULT_HEADER: [&str; 10] = [
    "node",
    "unit",
    "year",
    "index",
    "growth",
    "contribution",
    "total_contribution",
    "estimated_share",
    "missing_share",
    "source",
];

/// The line under a table of results that explains the marks of its index column, in
/// English ([`index_marks`] gives it in either language).
pub const INDEX_MARKS: &str =
    "index marks: * rests partly on filled or carried values, p published path, - no data";

/// The line under a table of results that explains the marks of its index column, in `lang`.
pub fn index_marks(lang: Lang) -> &'static str {
    text("index.marks", lang)
}

/// Leaves a missing-data warning names before it says how many more there are.
const WARNING_LEAVES_NAMED: usize = 12;

/// What the rows written held that a reader must be told about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// Rows written (for a table for people: the rows shown).
    pub rows: usize,
    /// Rows with `missing_share > 0`.
    pub missing_rows: usize,
    /// The leaves without data behind those rows, by id.
    pub missing_leaves: BTreeSet<String>,
}

impl Shown {
    fn count(&mut self, r: &Row<'_>, is_leaf: bool) {
        self.count_cell(r.node, r.cell.missing_share, is_leaf);
    }

    /// Adds what another part of the same output counted.
    pub(crate) fn absorb(&mut self, other: Shown) {
        self.rows += other.rows;
        self.missing_rows += other.missing_rows;
        self.missing_leaves.extend(other.missing_leaves);
    }

    /// Counts a written row of `node` whose missing share is `missing_share`.
    pub(crate) fn count_cell(&mut self, node: &str, missing_share: f64, is_leaf: bool) {
        self.rows += 1;
        if missing_share > 0.0 {
            self.missing_rows += 1;
            // CSV and JSON write every row, so each such leaf's own row names it.
            if is_leaf && !self.missing_leaves.contains(node) {
                self.missing_leaves.insert(node.to_string());
            }
        }
    }

    /// The one-line warning in English when a figure written rests partly on leaves without
    /// data; none when every figure rests on leaves with data.
    pub fn warning(&self) -> Option<String> {
        self.warning_in(Lang::En)
    }

    /// The one-line warning in `lang` when a figure written rests partly on leaves without
    /// data; none when every figure rests on leaves with data.
    pub fn warning_in(&self, lang: Lang) -> Option<String> {
        if self.missing_rows == 0 {
            return None;
        }
        let mut names: Vec<&str> = self
            .missing_leaves
            .iter()
            .map(String::as_str)
            .take(WARNING_LEAVES_NAMED)
            .collect();
        if names.is_empty() {
            names.push(text("index.none_shown", lang));
        }
        let more = match self
            .missing_leaves
            .len()
            .saturating_sub(WARNING_LEAVES_NAMED)
        {
            0 => String::new(),
            n => fill("index.more", lang, &[("n", &n)]),
        };
        let leaves = format!("{}{more}", names.join(lang.pick(", ", "、")));
        Some(fill(
            "index.warning",
            lang,
            &[
                ("missing", &self.missing_rows),
                ("rows", &self.rows),
                ("leaves", &leaves),
            ],
        ))
    }
}

/// The table's index with a mark of its source, so a reader sees at a glance what a figure
/// rests on ([`INDEX_MARKS`]).
fn marked(index: Option<f64>, source: Source) -> String {
    let index = index.map(|x| fixed(x, 2)).unwrap_or_default();
    let mark = match source {
        Source::Observed => return index,
        Source::Published => "p",
        Source::Filled | Source::Carried => "*",
        Source::NoData => "-",
    };
    if index.is_empty() {
        mark.to_string()
    } else {
        format!("{index} {mark}")
    }
}

/// Writes every row of `result` in `format` to `out`: CSV with the header
/// [`RESULT_HEADER`] at full precision, JSON with numbers and nulls (both streamed), or a
/// rounded table for people with the index marked by its source, cut like every table
/// ([`crate::TABLE_ROWS_SHOWN`] rows and a note) and followed by [`INDEX_MARKS`]. A table
/// derives only the rows it shows. Returns what the written rows held, for the warning
/// about missing data ([`Shown::warning`]). The table for people is in English; CSV and
/// JSON are the same in every language.
pub fn write_result_to(result: &IndexResult, format: Format, out: &mut dyn Write) -> Result<Shown> {
    write_result_in(result, format, Lang::En, out)
}

/// [`write_result_to`] with the table for people (headings, the marks' line) in `lang`;
/// CSV and JSON do not change.
pub fn write_result_in(
    result: &IndexResult,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<Shown> {
    write_result_with(result, format, lang, None, out, &|_| {})
}

/// [`write_result_in`] for the nodes at positions `nodes` only (`None`: every node; see
/// [`Framework::select`]), calling `tick` with the number of CSV or JSON rows written as
/// they are written (for a progress bar; a table for people is not counted).
pub fn write_result_with(
    result: &IndexResult,
    format: Format,
    lang: Lang,
    nodes: Option<&[usize]>,
    out: &mut dyn Write,
    tick: &dyn Fn(u64),
) -> Result<Shown> {
    let every: Vec<usize>;
    let nodes = match nodes {
        Some(n) => n,
        None => {
            every = (0..result.node_ids().len()).collect();
            &every
        }
    };
    let rows = || result.rows_of_nodes(nodes.iter().copied());
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut shown = Shown::default();
    let leaves: Vec<bool> = (0..result.node_ids().len())
        .map(|n| result.is_leaf(n))
        .collect();
    let is_leaf = |node: &str| {
        result
            .node_position(node)
            .is_ok_and(|n| leaves.get(n).copied().unwrap_or(false))
    };
    match format {
        Format::Csv => crate::index_csv::write_csv(result, nodes, &mut out, &mut shown, tick)?,
        Format::Json => {
            out.write_all(b"[")?;
            for (i, r) in rows().enumerate() {
                shown.count(&r, is_leaf(r.node));
                out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut out, &r)?;
                if i % 65_536 == 65_535 {
                    tick(65_536);
                }
            }
            tick(shown.rows as u64 % 65_536);
            out.write_all(b"\n]\n")?;
        }
        Format::Table => {
            let mut t = RowWriter::new(Format::Table, RESULT_HEADER, &mut out)?.lang(lang);
            let total = nodes.len() * result.units().len() * result.years().len();
            let room = t.room().unwrap_or(total);
            let f = |x: Option<f64>, d: u8| x.map_or(Cell::Null, |v| Cell::fixed(v, d));
            for r in rows().take(room) {
                shown.count(&r, is_leaf(r.node));
                // The rows of the leaves behind a shown figure may be cut: name them anyway.
                if r.cell.missing_share > 0.0 {
                    for l in leaves_without_data(result, &r) {
                        if let Some(id) = result.node_ids().get(l) {
                            shown.missing_leaves.insert(id.clone());
                        }
                    }
                }
                let c = r.cell;
                t.row([
                    Cell::from(r.node),
                    Cell::from(r.unit),
                    Cell::from(r.year),
                    Cell::from(marked(c.index, c.source)),
                    f(c.growth, 3),
                    f(c.contribution, 3),
                    f(c.total_contribution, 3),
                    f(c.estimated_share, 2),
                    Cell::fixed(c.missing_share, 2),
                    Cell::from(c.source.as_str()),
                ])?;
            }
            t.count_unshown(total.saturating_sub(shown.rows) as u64)?;
            t.finish()?;
            writeln!(out, "{}", index_marks(lang))?;
        }
    }
    out.flush()?;
    Ok(shown)
}

/// The leaves (node positions) without data behind a row's figure.
fn leaves_without_data(result: &IndexResult, r: &Row<'_>) -> Vec<usize> {
    match (
        result.node_position(r.node),
        result.unit_position(r.unit),
        result.year_position(r.year),
    ) {
        (Ok(n), Ok(u), Ok(t)) => result.missing_leaves(n, u, t),
        _ => Vec::new(),
    }
}

/// The columns of a validation in CSV and JSON.
pub const VALIDATION_HEADER: [&str; 12] = [
    "node",
    "unit",
    "year",
    "published",
    "kind",
    "computed",
    "diff",
    "missing_share",
    "estimated_share",
    "source",
    "explained_by",
    "quote",
];

/// The leaves that explain a row's difference, as one readable text.
pub fn explained_by(r: &ValidationRow) -> String {
    if r.explained_by.is_empty() {
        return "none: the raw figure rests on observed values only".into();
    }
    r.explained_by
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes the published figures beside the raw computation ([`index_engine::validate`]) in
/// `format` to `out`: CSV and JSON with every column of [`VALIDATION_HEADER`] (the leaves as
/// one text), or a table for people of node, year, published figure (`(est.)` for the
/// report's estimates), computed figure, difference, missing share and the leaves behind it.
pub fn write_validation_to(
    rows: &[ValidationRow],
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    if format != Format::Table {
        let mut w = RowWriter::new(format, VALIDATION_HEADER, out)?;
        for r in rows {
            w.row([
                Cell::from(&r.node),
                Cell::from(&r.unit),
                Cell::from(r.year),
                Cell::from(r.published),
                Cell::from(r.kind.as_str()),
                Cell::from(r.computed),
                Cell::from(r.diff),
                Cell::from(r.missing_share),
                Cell::from(r.estimated_share),
                Cell::from(r.source.as_str()),
                Cell::from(explained_by(r)),
                Cell::from(&r.quote),
            ])?;
        }
        return w.finish();
    }
    let header = [
        "node",
        "year",
        "published",
        "computed",
        "diff",
        "missing_share",
        "explained_by",
    ];
    let mut w = RowWriter::new(Format::Table, header, out)?;
    let several_units = rows
        .first()
        .is_some_and(|f| rows.iter().any(|q| q.unit != f.unit));
    for r in rows {
        let year = if several_units {
            format!("{} {}", r.unit, r.year)
        } else {
            r.year.to_string()
        };
        let kind = match r.kind {
            PublishedKind::Estimate => " (est.)",
            PublishedKind::Actual => "",
        };
        w.row([
            Cell::from(&r.node),
            Cell::from(year),
            Cell::from(format!("{}{kind}", full(r.published))),
            r.computed.map_or(Cell::Null, |x| Cell::fixed(x, 1)),
            Cell::from(r.diff.map(|d| format!("{d:+.1}"))),
            Cell::fixed(r.missing_share, 2),
            Cell::from(explained_by(r)),
        ])?;
    }
    w.finish()
}

/// A node's index for a unit in a year where it has data; `None` where the cell's source
/// is `no_data` (its carried level of 100 is no figure) or the index does not exist.
fn drawn_value(r: &IndexResult, node: usize, unit: usize, t: usize) -> Option<f64> {
    r.cell_at(node, unit, t)
        .filter(|c| c.source != Source::NoData)
        .and_then(|c| c.index)
        .filter(|v| v.is_finite())
}

/// The line of `node` for `unit` over the years: a point per year, `None` where the node
/// has no data (a gap, never a level of 100), estimated (dashed, hollow) where part of its
/// weight rests on filled values or on leaves without data.
pub fn index_line(r: &IndexResult, node: usize, unit: usize, label: String) -> Line {
    Line {
        label,
        points: r
            .years()
            .iter()
            .enumerate()
            .map(|(t, &y)| Point {
                x: f64::from(y),
                y: drawn_value(r, node, unit, t),
                estimated: r.cell_at(node, unit, t).is_some_and(|c| {
                    c.estimated_share.is_some_and(|e| e > 0.0) || c.missing_share > 0.0
                }),
            })
            .collect(),
    }
}

/// The base level 100, labelled.
fn base_line(lang: Lang) -> Reference {
    Reference {
        value: 100.0,
        label: text("chart.base_line", lang).into(),
    }
}

/// The report's figures for one unit (default: the first), in `lang`: the total and the
/// first-level indices over the years (estimated stretches dashed, years without data as
/// gaps with a note), then for each first-level indicator its sub-indices in the base
/// year, the last observed year and the target year, as horizontal bars.
pub fn index_figure(
    fw: &Framework,
    r: &IndexResult,
    unit: Option<&str>,
    lang: Lang,
) -> Result<Figure> {
    let u = match unit {
        Some(name) => r
            .unit_position(name)
            .map_err(|e| ReportError::Invalid(e.to_string()))?,
        None => 0,
    };
    let unit_name = r
        .units()
        .get(u)
        .cloned()
        .ok_or_else(|| ReportError::Invalid("there are no units to draw".into()))?;
    let base = r.base_year();
    let root = fw.root();
    let mut shown = vec![root];
    shown.extend(fw.nodes()[root].children.iter().copied());
    let lines = shown
        .iter()
        .map(|&n| index_line(r, n, u, node_name(fw, n, lang)))
        .collect();
    let mut charts = vec![Chart::Line(LineChart {
        title: fill(
            "chart.index_level",
            lang,
            &[
                ("name", &node_name(fw, root, lang)),
                ("unit", &unit_name),
                ("base", &base),
            ],
        ),
        x_label: text("chart.year", lang).into(),
        y_label: fill("chart.index_axis", lang, &[("base", &base)]),
        integer_x: true,
        references: vec![base_line(lang)],
        lines,
        estimated_label: text("chart.estimated", lang).into(),
        gap_note: text("chart.no_data", lang).into(),
        notes: Vec::new(),
    })];
    let mut bar_years = vec![base];
    if let Some(y) = r.last_observed_year() {
        bar_years.push(y);
    }
    bar_years.push(r.to_year());
    bar_years.dedup();
    let years_label = bar_years
        .iter()
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    for &c in &fw.nodes()[root].children {
        let kids = &fw.nodes()[c].children;
        if kids.is_empty() {
            continue;
        }
        let series = bar_years
            .iter()
            .map(|&y| {
                let t = r.year_position(y).unwrap_or(0);
                let label = if Some(y) == r.last_observed_year() && y != r.to_year() {
                    fill("chart.last_observed", lang, &[("year", &y)])
                } else {
                    fill("chart.year_label", lang, &[("year", &y)])
                };
                BarSeries {
                    label,
                    values: kids.iter().map(|&k| drawn_value(r, k, u, t)).collect(),
                }
            })
            .collect::<Vec<_>>();
        // A category with a bar left out says why beside its name.
        let categories = kids
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                let name = node_name(fw, k, lang);
                if series
                    .iter()
                    .any(|s| s.values.get(i).is_some_and(Option::is_none))
                {
                    fill("chart.bar_no_data", lang, &[("name", &name)])
                } else {
                    name
                }
            })
            .collect();
        charts.push(Chart::Bar(BarChart {
            title: fill(
                "chart.index_children",
                lang,
                &[
                    ("name", &node_name(fw, c, lang)),
                    ("years", &years_label),
                    ("base", &base),
                ],
            ),
            value_label: fill("chart.index_axis", lang, &[("base", &base)]),
            categories,
            series,
            references: vec![base_line(lang)],
            horizontal: true,
            overlay: false,
            value_digits: 1,
            notes: Vec::new(),
        }));
    }
    Ok(Figure {
        title: None,
        charts,
        source: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use index_engine::{ComputeOptions, NodeSpec, Observation, Panel, compute};

    /// A total `t` over two leaves `a` and `b`.
    fn two_leaves() -> Framework {
        Framework::from_nodes(vec![
            NodeSpec::root("t"),
            NodeSpec::child("a", "t"),
            NodeSpec::child("b", "t"),
        ])
        .unwrap()
    }

    /// `a` 1 → (2) → 4 and `b` from 2021 only: b has no data in 2020.
    fn result() -> (Framework, IndexResult) {
        let fw = two_leaves();
        let obs = vec![
            Observation::new("a", "X", 2020, 1.0),
            Observation::new("a", "X", 2022, 4.0),
            Observation::new("b", "X", 2021, 3.0),
            Observation::new("b", "X", 2022, 3.0),
        ];
        let panel = Panel::from_records(&fw, obs).unwrap();
        let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
        (fw, r)
    }

    fn text(r: &IndexResult, f: Format) -> (String, Shown) {
        let mut buf = Vec::new();
        let shown = write_result_to(r, f, &mut buf).unwrap();
        (String::from_utf8(buf).unwrap(), shown)
    }

    #[test]
    fn every_format_carries_the_missing_share_and_source() {
        let (_, r) = result();
        let (csv, shown) = text(&r, Format::Csv);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(RESULT_HEADER.join(",").as_str()));
        // 2020: b has no value, so half the total's weight rests on nothing.
        assert!(csv.contains("\nt,X,2020,100,,,,0,0.5,observed\n"), "{csv}");
        assert!(csv.contains("\nb,X,2020,"), "{csv}");
        assert!(csv.contains(",1,no_data\n"), "{csv}");
        // a's 2021 value is interpolated (1 → 2 → 4 geometric).
        assert!(csv.contains("\na,X,2021,200,"), "{csv}");
        assert!(csv.contains(",0,filled\n"), "{csv}");
        // Rows t 2020 and 2021 (b has no growth in 2021) and b 2020, 2021; b is named.
        assert_eq!((shown.rows, shown.missing_rows), (9, 4));
        assert_eq!(
            shown.missing_leaves.iter().collect::<Vec<_>>(),
            [&"b".to_string()]
        );
        let w = shown.warning().unwrap();
        assert!(
            w.starts_with("warning: 4 of 9 figures shown rest partly on leaves without data")
                && w.contains(": b;"),
            "{w}"
        );
        let (json, _) = text(&r, Format::Json);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["missing_share"], 0.5);
        assert_eq!(v[0]["source"], "observed");
        assert!(v[0]["growth"].is_null());
    }

    #[test]
    fn a_table_marks_each_index_by_its_source_and_explains_the_marks() {
        let (_, r) = result();
        let (table, _) = text(&r, Format::Table);
        assert!(table.contains("200.00 *"), "filled: {table}");
        assert!(table.contains("100.00 - "), "no data: {table}");
        assert!(table.ends_with(&format!("{INDEX_MARKS}\n")), "{table}");
        assert!(!table.contains("showing"));
        assert_eq!(marked(Some(145.851), Source::Published), "145.85 p");
        assert_eq!(marked(Some(100.0), Source::NoData), "100.00 -");
        assert_eq!(marked(Some(1.0), Source::Observed), "1.00");
        assert_eq!(marked(None, Source::NoData), "-");
    }

    #[test]
    fn a_cut_table_names_the_leaves_behind_the_figures_it_shows() {
        // 60 years of the total come first; the leaves' rows are all cut.
        let fw = two_leaves();
        let mut obs: Vec<Observation> = (2000..2060)
            .map(|y| Observation::new("a", "X", y, f64::from(y - 1990)))
            .collect();
        obs.push(Observation::new("b", "X", 2059, 1.0));
        let panel = Panel::from_records(&fw, obs).unwrap();
        let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
        let (table, shown) = text(&r, Format::Table);
        assert!(table.contains("showing 50 of 180 rows"), "{table}");
        assert!(!table.contains("│ b "), "{table}");
        assert_eq!((shown.rows, shown.missing_rows), (50, 50));
        assert!(shown.warning().unwrap().contains(": b;"));
    }

    #[test]
    fn a_chinese_table_explains_its_marks_and_warns_in_chinese() {
        let (_, r) = result();
        let mut buf = Vec::new();
        let shown = write_result_in(&r, Format::Table, Lang::Zh, &mut buf).unwrap();
        let table = String::from_utf8(buf).unwrap();
        assert!(
            table.ends_with(&format!("{}\n", index_marks(Lang::Zh))),
            "{table}"
        );
        assert!(table.contains("200.00 *"), "{table}");
        let w = shown.warning_in(Lang::Zh).unwrap();
        assert!(w.starts_with("警告：") && w.contains("b"), "{w}");
        assert_eq!(index_marks(Lang::En), INDEX_MARKS);
        // CSV is the same bytes in both languages.
        let mut zh = Vec::new();
        write_result_in(&r, Format::Csv, Lang::Zh, &mut zh).unwrap();
        assert_eq!(String::from_utf8(zh).unwrap(), text(&r, Format::Csv).0);
    }

    #[test]
    fn complete_data_gives_no_warning() {
        let shown = Shown {
            rows: 3,
            ..Shown::default()
        };
        assert_eq!(shown.warning(), None);
        let many = Shown {
            rows: 40,
            missing_rows: 20,
            missing_leaves: (0..15).map(|i| format!("l{i:02}")).collect(),
        };
        assert!(many.warning().unwrap().contains("l11 and 3 more;"));
    }

    #[test]
    fn a_node_without_data_is_a_gap_in_the_chart_never_100() {
        let (fw, r) = result();
        for lang in [Lang::En, Lang::Zh] {
            let fig = index_figure(&fw, &r, None, lang).unwrap();
            let Chart::Line(line) = &fig.charts[0] else {
                panic!("the first chart is the line chart")
            };
            let b = line.lines.iter().find(|l| l.label == "b").unwrap();
            assert_eq!(b.points[0].y, None, "b 2020: no data, not 100");
            assert_eq!(b.points[1].y, Some(100.0));
            let t = &line.lines[0];
            assert_eq!(t.points[0].y, Some(100.0));
            assert!(t.points[0].estimated, "half the total rests on nothing");
            assert!(!t.points[2].estimated, "2022 rests on observed values");
            let svg = fig.render_svg().unwrap();
            let note = match lang {
                Lang::En => "Gap: b has no data in 2020",
                Lang::Zh => "断点：b 2020 年无数据",
            };
            assert!(svg.contains(note), "{svg}");
            // The total's 2020–2021 stretch is dashed: it rests partly on b's nothing.
            assert!(svg.contains("stroke-dasharray=\"6 4\""), "{svg}");
        }
        assert!(index_figure(&fw, &r, Some("nowhere"), Lang::En).is_err());
    }

    #[test]
    fn a_bar_without_data_is_left_out_and_its_category_says_so() {
        // Two levels: t over g, whose children a (data) and b (none until 2021).
        let fw = Framework::from_nodes(vec![
            NodeSpec::root("t"),
            NodeSpec::child("g", "t"),
            NodeSpec::child("a", "g"),
            NodeSpec::child("b", "g"),
        ])
        .unwrap();
        let obs = vec![
            Observation::new("a", "X", 2020, 1.0),
            Observation::new("a", "X", 2021, 2.0),
            Observation::new("b", "X", 2021, 5.0),
        ];
        let panel = Panel::from_records(&fw, obs).unwrap();
        let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
        let fig = index_figure(&fw, &r, None, Lang::En).unwrap();
        let Chart::Bar(bars) = &fig.charts[1] else {
            panic!("the second chart is a bar chart")
        };
        assert_eq!(bars.categories, ["a", "b (no data)"]);
        assert_eq!(bars.series[0].values, [Some(100.0), None], "2020");
        assert_eq!(bars.series[1].values, [Some(200.0), Some(100.0)], "2021");
        let fig = index_figure(&fw, &r, None, Lang::Zh).unwrap();
        let Chart::Bar(bars) = &fig.charts[1] else {
            panic!("the second chart is a bar chart")
        };
        assert_eq!(bars.categories, ["a", "b（无数据）"]);
    }
}
