//! Published aggregates as observations, missing shares and sources: golden values computed
//! by hand (the arithmetic is in tests/fixtures/published_golden.py, which prints every
//! literal below from the formulas alone), and the national data against the report.

use index_engine::validate::validate;
use index_engine::{
    Chain, ComputeOptions, Framework, NodeSpec, Observation, Panel, Published, PublishedChain,
    PublishedFigure, PublishedKind, PublishedRule, PublishedUse, Source, caict2025, compute,
    compute_published, compute_with,
};

fn close(got: Option<f64>, want: f64, what: &str) {
    let g = got.unwrap_or_else(|| panic!("{what}: no value, want {want}"));
    assert!(
        (g - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{what}: got {g}, want {want}"
    );
}

/// t ← A ← {a1, a2}; t ← b. a1's data begins in 2022 (so it never has a growth), a2 is
/// filled in 2020 and carried in 2022.
fn fixture() -> (Framework, Panel) {
    let fw = Framework::from_nodes(vec![
        NodeSpec::root("t"),
        NodeSpec::child("A", "t"),
        NodeSpec::child("b", "t"),
        NodeSpec::child("a1", "A"),
        NodeSpec::child("a2", "A"),
    ])
    .unwrap();
    let obs = [
        ("a1", 2022, 10.0),
        ("a2", 2019, 50.0),
        ("a2", 2021, 50.0),
        ("b", 2019, 100.0),
        ("b", 2020, 110.0),
        ("b", 2021, 121.0),
        ("b", 2022, 121.0),
    ];
    let panel = Panel::from_records(
        &fw,
        obs.iter().map(|&(i, y, v)| Observation::new(i, "X", y, v)),
    )
    .unwrap();
    (fw, panel)
}

fn published(fw: &Framework, panel: &Panel, figures: Vec<PublishedFigure>) -> Published {
    Published::from_records(fw, panel, figures).unwrap()
}

#[test]
fn hand_computed_published_aggregate() {
    let (fw, panel) = fixture();
    let p = published(
        &fw,
        &panel,
        vec![PublishedFigure::new("A", "X", 2021, 150.0)],
    );
    let r = compute_published(
        &fw,
        &panel,
        &p,
        &PublishedRule::default(),
        &ComputeOptions::default(),
    )
    .unwrap();
    let c = |n: &str, y| r.cell(n, "X", y).unwrap();
    // A's path: 100, 100·√1.5 (geometric, an estimate), 150; its growth follows the path.
    close(c("A", 2020).index, 122.4744871391589, "E A 2020");
    assert_eq!(
        c("A", 2021).index,
        Some(150.0),
        "the published figure, exactly"
    );
    close(c("A", 2020).growth, 20.204102886728755, "V A 2020");
    close(c("A", 2021).growth, 20.20410288672877, "V A 2021");
    // After the path: from the children, a2 carried (growth 0), a1 without data.
    assert_eq!(c("A", 2022).growth, Some(0.0));
    assert_eq!(c("A", 2022).index, Some(150.0));
    // The total by the chain method: V_t = (V_A + V_b)/2.
    close(c("t", 2020).growth, 14.86395620526914, "V t 2020");
    close(c("t", 2020).index, 116.05733373210623, "E t 2020");
    close(c("t", 2021).index, 134.69304713005482, "E t 2021");
    close(c("t", 2022).index, 134.69304713005482, "E t 2022");
    // Sources, estimated and missing shares.
    let cell = c("A", 2020);
    assert_eq!(
        (cell.source, cell.estimated_share, cell.missing_share),
        (Source::Published, Some(1.0), 0.0)
    );
    let cell = c("A", 2021);
    assert_eq!(
        (cell.source, cell.estimated_share, cell.missing_share),
        (Source::Published, Some(0.0), 0.0)
    );
    let cell = c("A", 2022);
    assert_eq!(
        (cell.source, cell.estimated_share, cell.missing_share),
        (Source::Carried, Some(1.0), 0.5)
    );
    assert_eq!(c("A", 2019).source, Source::Published);
    let cell = c("t", 2020);
    assert_eq!(
        (cell.source, cell.estimated_share, cell.missing_share),
        (Source::Published, Some(0.5), 0.0)
    );
    let cell = c("t", 2022);
    assert_eq!(
        (cell.source, cell.estimated_share, cell.missing_share),
        (Source::Carried, Some(0.5), 0.25)
    );
    // Contributions: A's and b's add up to t's growth; A's children contribute nothing
    // while A is on its path, and again from 2022.
    let sum = c("A", 2020).total_contribution.unwrap() + c("b", 2020).total_contribution.unwrap();
    close(
        Some(sum),
        c("t", 2020).growth.unwrap(),
        "contributions add up",
    );
    assert_eq!(c("a2", 2020).contribution, None);
    assert_eq!(c("a2", 2020).total_contribution, None);
    assert_eq!(c("a2", 2022).contribution, Some(0.0));
    assert_eq!(c("a1", 2022).contribution, None);
    // The leaves keep their own figures and sources.
    assert_eq!(c("a2", 2020).source, Source::Filled);
    assert_eq!(c("a1", 2020).source, Source::NoData);
    assert_eq!(c("a1", 2020).missing_share, 1.0);
    assert_eq!(
        r.missing_leaves(fw.index_of("t").unwrap(), 0, 3),
        [fw.index_of("a1").unwrap()]
    );
    assert!(r.missing_leaves(fw.index_of("t").unwrap(), 0, 1).is_empty());
}

#[test]
fn hand_computed_raw_mode_and_overrides() {
    let (fw, panel) = fixture();
    let raw = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
    let c = |n: &str, y| raw.cell(n, "X", y).unwrap();
    // A rests on a2 alone (flat): V_t = V_b/2.
    close(c("t", 2020).index, 104.8780487804878, "raw E t 2020");
    close(c("t", 2022).index, 109.9940511600238, "raw E t 2022");
    // a1 has no data: half of A, a quarter of t, in every year.
    assert_eq!(c("A", 2019).missing_share, 0.5);
    assert_eq!(c("A", 2020).missing_share, 0.5);
    assert_eq!(c("t", 2021).missing_share, 0.25);
    assert_eq!(c("t", 2020).source, Source::Filled);
    assert_eq!(c("t", 2022).source, Source::Carried);
    assert_eq!(c("t", 2019).source, Source::Observed);
    // Never: the raw figures, bit for bit.
    let p = published(
        &fw,
        &panel,
        vec![PublishedFigure::new("A", "X", 2021, 150.0)],
    );
    let mut rule = PublishedRule::default();
    rule.set("A", PublishedUse::Never);
    let never = compute_published(&fw, &panel, &p, &rule, &ComputeOptions::default()).unwrap();
    assert_eq!(
        serde_json::to_string(&never.rows().collect::<Vec<_>>()).unwrap(),
        serde_json::to_string(&raw.rows().collect::<Vec<_>>()).unwrap()
    );
    // b is fully observed, so the default rule keeps its raw figure; Always takes its path.
    let mut b = PublishedFigure::new("b", "X", 2021, 130.0);
    b.kind = PublishedKind::Estimate;
    let p = published(&fw, &panel, vec![b]);
    let auto = compute_published(
        &fw,
        &panel,
        &p,
        &PublishedRule::default(),
        &ComputeOptions::default(),
    )
    .unwrap();
    assert_eq!(auto.cell("b", "X", 2021).unwrap().index, Some(121.0));
    rule = PublishedRule::default();
    rule.set("b", PublishedUse::Always);
    let always = compute_published(&fw, &panel, &p, &rule, &ComputeOptions::default()).unwrap();
    let cell = always.cell("b", "X", 2021).unwrap();
    assert_eq!(
        (cell.index, cell.source, cell.estimated_share),
        (Some(130.0), Source::Published, Some(1.0))
    );
    // After its path b follows its own series again: 2022 = 2021 (growth 0).
    assert_eq!(always.cell("b", "X", 2022).unwrap().growth, Some(0.0));
}

#[test]
fn validation_rows_explain_the_difference() {
    let (fw, panel) = fixture();
    let p = published(
        &fw,
        &panel,
        vec![
            PublishedFigure::new("A", "X", 2021, 150.0),
            PublishedFigure::new("b", "X", 2022, 121.0),
        ],
    );
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let rows = validate(&fw, &filled, &p).unwrap();
    assert_eq!(rows.len(), 2);
    let a = &rows[0];
    assert_eq!((a.computed, a.diff), (Some(100.0), Some(-50.0)));
    assert_eq!(a.missing_share, 0.5);
    let names: Vec<String> = a.explained_by.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["a1 (no data 2019–2021)", "a2 (filled 2020)"]);
    let b = &rows[1];
    assert_eq!(
        (b.computed, b.diff, b.missing_share),
        (Some(121.0), Some(0.0), 0.0)
    );
    assert!(b.explained_by.is_empty(), "b is observed every year");
}

#[test]
fn a_value_after_the_latest_published_year_is_an_estimate() {
    let fw = Framework::from_nodes(vec![
        NodeSpec::root("t"),
        NodeSpec::child("x", "t").latest_year(2020),
        NodeSpec::child("y", "t"),
    ])
    .unwrap();
    let obs = (2019..=2021).flat_map(|y| {
        [
            Observation::new("x", "U", y, 1.0),
            Observation::new("y", "U", y, 1.0),
        ]
    });
    let panel = Panel::from_records(&fw, obs).unwrap();
    let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
    let x = r.cell("x", "U", 2021).unwrap();
    assert_eq!((x.estimated_share, x.source), (Some(1.0), Source::Observed));
    assert_eq!(r.cell("x", "U", 2020).unwrap().estimated_share, Some(0.0));
    assert_eq!(r.cell("t", "U", 2021).unwrap().estimated_share, Some(0.5));
    // The same through the stored rows of another method and the derived leaf series.
    let level = index_engine::Level {
        normalisation: index_engine::Normalisation::MinMax,
        aggregation: index_engine::Aggregation::Arithmetic,
    };
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let l = compute_with(&level, &fw, &filled, None).unwrap();
    assert_eq!(l.cell("x", "U", 2021).unwrap().estimated_share, Some(1.0));
    let c = compute_with(&Chain, &fw, &filled, None).unwrap();
    assert_eq!(c.estimated_series(1, 0).unwrap(), [0.0, 0.0, 1.0]);
}

#[test]
fn the_national_data_meets_every_published_figure_and_comes_near_the_headline() {
    let fw = caict2025::framework().unwrap();
    let panel = caict2025::panel(&fw).unwrap();
    let p = caict2025::published(&fw, &panel).unwrap();
    let opts = ComputeOptions {
        to_year: Some(caict2025::TO_YEAR),
        ..Default::default()
    };
    let r = compute_published(&fw, &panel, &p, &PublishedRule::default(), &opts).unwrap();
    for f in p.figures() {
        let cell = r.cell(&f.node, &f.unit, f.year).unwrap();
        assert_eq!(cell.index, Some(f.index), "{} {}", f.node, f.year);
        assert_eq!((cell.source, cell.missing_share), (Source::Published, 0.0));
    }
    // The report's total, which published.csv does not hold, follows from the published
    // second-level paths by the chain method: 138.37 against 138.2 (2023), 145.85 against
    // 146.4 (2024); the raw computation gives 136.69 and 145.64.
    let raw = compute(&fw, &panel, &opts).unwrap();
    for (year, headline) in caict2025::HEADLINE_TOTALS {
        let got = r.cell("fusion", "CN", year).unwrap().index.unwrap();
        let raw_got = raw.cell("fusion", "CN", year).unwrap().index.unwrap();
        assert!((got - headline).abs() < 0.6, "{year}: {got} vs {headline}");
        assert!(
            (got - headline).abs() < (raw_got - headline).abs(),
            "{year}: default mode nearer than raw"
        );
    }
    close(
        r.cell("fusion", "CN", 2023).unwrap().index,
        138.36581326062725,
        "default 2023",
    );
    close(
        r.cell("fusion", "CN", 2024).unwrap().index,
        145.84757112138038,
        "default 2024",
    );
    // Every cell says how much is estimated and how much missing, within [0, 1].
    for row in r.rows() {
        assert!((0.0..=1.0).contains(&row.cell.missing_share));
        assert!(
            row.cell
                .estimated_share
                .is_none_or(|e| (0.0..=1.0).contains(&e))
        );
    }
    // A result read back from JSON derives the same shares and sources.
    let back: index_engine::IndexResult =
        serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(
        serde_json::to_string(&back.rows().collect::<Vec<_>>()).unwrap(),
        serde_json::to_string(&r.rows().collect::<Vec<_>>()).unwrap()
    );
    // The same figures through the method directly.
    let rule = PublishedRule::default();
    let method = PublishedChain::new(&p, &rule, opts.interpolation.gap_fill());
    let direct = compute_with(&method, &fw, &opts.fill(&panel).unwrap(), None).unwrap();
    assert_eq!(
        serde_json::to_string(&direct.rows().collect::<Vec<_>>()).unwrap(),
        serde_json::to_string(&r.rows().collect::<Vec<_>>()).unwrap()
    );
}

#[test]
fn panels_filled_panels_and_results_survive_json() {
    // Missing values are NaN inside and null in JSON; they come back as NaN.
    let (fw, panel) = fixture();
    let json = serde_json::to_string(&panel).unwrap();
    assert!(json.contains("null"));
    let back: Panel = serde_json::from_str(&json).unwrap();
    assert_eq!(format!("{back:?}"), format!("{panel:?}"));
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let back: index_engine::FilledPanel =
        serde_json::from_str(&serde_json::to_string(&filled).unwrap()).unwrap();
    assert_eq!(format!("{back:?}"), format!("{filled:?}"));
    let level = index_engine::Level {
        normalisation: index_engine::Normalisation::ZScore,
        aggregation: index_engine::Aggregation::Arithmetic,
    };
    for r in [
        compute(&fw, &panel, &ComputeOptions::default()).unwrap(),
        compute_with(&level, &fw, &filled, None).unwrap(),
    ] {
        let back: index_engine::IndexResult =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(
            serde_json::to_string(&back.rows().collect::<Vec<_>>()).unwrap(),
            serde_json::to_string(&r.rows().collect::<Vec<_>>()).unwrap()
        );
    }
}
