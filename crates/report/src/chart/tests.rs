use super::*;

fn pts(values: &[Option<f64>], estimated_from: usize) -> Vec<Point> {
    values
        .iter()
        .enumerate()
        .map(|(k, v)| Point {
            x: 2019.0 + k as f64,
            y: *v,
            estimated: k >= estimated_from,
        })
        .collect()
}

fn line_chart() -> LineChart {
    LineChart {
        title: "Index level, Zhejiang (2019 = 100)".into(),
        x_label: "Year".into(),
        y_label: "Index".into(),
        integer_x: true,
        references: vec![Reference {
            value: 100.0,
            label: "Base level 100".into(),
        }],
        lines: vec![
            Line {
                label: "total".into(),
                points: pts(
                    &[Some(100.0), Some(104.0), None, Some(112.0), Some(118.0)],
                    4,
                ),
            },
            Line {
                label: "part".into(),
                points: pts(
                    &[
                        Some(100.0),
                        Some(101.0),
                        Some(103.0),
                        Some(106.0),
                        Some(109.0),
                    ],
                    9,
                ),
            },
        ],
        estimated_label: "dashed: estimated".into(),
        gap_note: "{line}: no data in {years}".into(),
        notes: vec![],
    }
}

fn font_sizes(svg: &str) -> Vec<f64> {
    svg.split("font-size=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

#[test]
fn text_stays_readable_on_a4_and_names_cjk_fonts_first() {
    assert!(placed_pt(TEXT_PX, WIDTH_PX) >= MIN_TEXT_PT);
    let svg = Figure::one(Chart::Line(line_chart()))
        .with_source("数据来源：tiers.csv")
        .render_svg()
        .unwrap();
    let sizes = font_sizes(&svg);
    assert!(!sizes.is_empty());
    assert!(sizes.iter().all(|s| *s >= TEXT_PX), "{sizes:?}");
    let family = svg.split("font-family=\"").nth(1).unwrap();
    let family = &family[..family.find('"').unwrap()];
    let order: Vec<usize> = [
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "Microsoft YaHei",
        "PingFang SC",
        "sans-serif",
    ]
    .iter()
    .map(|f| {
        family
            .find(f)
            .unwrap_or_else(|| panic!("{f} missing in {family}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{family}");
    assert!(svg.contains("数据来源：tiers.csv"));
    assert!(svg.contains(&format!("width=\"{WIDTH_PX:.1}\"")));
}

#[test]
fn a_missing_year_is_a_gap_with_a_note_and_estimates_are_dashed() {
    let svg = Figure::one(Chart::Line(line_chart())).render_svg().unwrap();
    assert!(svg.contains("total: no data in 2021"), "{svg}");
    assert!(!svg.contains("part: no data"));
    // Segments: total has 2019–20 and 2022–23 (the gap breaks it), part has four.
    assert_eq!(svg.matches("stroke-width=\"3.0\"").count(), 2, "{svg}");
    assert_eq!(svg.matches("stroke-width=\"2.2\"").count(), 4);
    // The segment to an estimated point is dashed, and the legend says what dashes mean.
    assert!(svg.contains("stroke-dasharray=\"6 4\""));
    assert!(svg.contains("dashed: estimated"));
    assert!(svg.contains("Base level 100"));
    // The legend sits above the plot: its text comes before the first grid line.
    let legend = svg.find(">total<").unwrap();
    let grid = svg.find("stroke=\"#E0E0E0\"").unwrap();
    assert!(legend < grid);
}

#[test]
fn bars_carry_their_values_and_references_their_labels() {
    let bars = BarChart {
        title: "Utilisation per cluster".into(),
        value_label: "%".into(),
        categories: vec!["张家口".into(), "长三角生态绿色一体化发展示范区".into()],
        series: vec![BarSeries {
            label: "utilisation".into(),
            values: vec![Some(31.5), None],
        }],
        references: vec![Reference {
            value: 65.0,
            label: "target 65 %".into(),
        }],
        horizontal: true,
        overlay: false,
        value_digits: 1,
        notes: vec!["a note".into()],
    };
    let svg = Figure::one(Chart::Bar(bars.clone())).render_svg().unwrap();
    assert!(
        svg.contains(">31.5<") && svg.contains(">target 65 %<"),
        "{svg}"
    );
    assert!(svg.contains("长三角生态绿色一体化") && svg.contains(">a note<"));
    let vertical = BarChart {
        horizontal: false,
        ..bars
    };
    let svg = Figure::one(Chart::Bar(vertical)).render_svg().unwrap();
    assert!(svg.contains(">31.5<") && svg.contains(">张家口<"));
    assert!(font_sizes(&svg).iter().all(|s| *s >= TEXT_PX));
}

#[test]
fn bands_are_drawn_between_their_edges() {
    let band = BandChart {
        title: "band".into(),
        x_label: "Year".into(),
        y_label: "Index".into(),
        x: vec![2019.0, 2020.0, 2021.0],
        low: vec![Some(99.0), Some(101.0), Some(103.0)],
        high: vec![Some(101.0), Some(106.0), Some(110.0)],
        median: vec![Some(100.0), Some(103.0), Some(106.0)],
        nominal: vec![Some(100.0), Some(103.5), Some(106.5)],
        labels: ["5–95 %".into(), "median".into(), "nominal".into()],
        references: vec![],
        notes: vec![],
    };
    let svg = Figure::one(Chart::Band(band)).render_svg().unwrap();
    assert_eq!(
        svg.matches("<polygon").count(),
        2,
        "legend swatch and the band"
    );
    assert!(svg.contains(">5–95 %<") && svg.contains(">nominal<"));
}

#[test]
fn empty_and_oversized_figures_are_errors() {
    assert!(Figure::default().render_svg().is_err());
    let many = Figure {
        charts: vec![Chart::Line(LineChart::default()); PANELS_MAX + 1],
        ..Figure::default()
    };
    assert!(many.render_svg().is_err());
    // A chart with nothing to draw still renders (an empty frame), it does not fail.
    assert!(
        Figure::one(Chart::Line(LineChart::default()))
            .render_svg()
            .is_ok()
    );
}
