//! The level method's normalisations against NumPy/SciPy: the fixture
//! (tests/fixtures/normalise, made by its committed `make_fixture.py`, no engine code) holds a
//! framework with targets, goalposts and both directions, a panel with ties and a leaf-year
//! without spread, and every node's score under each normalisation with arithmetic
//! aggregation.

use std::collections::HashMap;

use index_engine::{
    Aggregation, ComputeOptions, Framework, IndexResult, Level, Normalisation, Panel, Ranks,
    compute_with,
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/normalise");

fn read(f: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{f}")).unwrap()
}

fn fixture() -> (Framework, Panel) {
    let fw = Framework::read_csv(&read("framework.csv")[..], "framework.csv").unwrap();
    let panel = Panel::read_csv(&fw, &read("observations.csv")[..], "observations.csv").unwrap();
    (fw, panel)
}

/// `(normalisation, node, unit, year) → score` from expected.csv.
fn expected() -> HashMap<(String, String, String, i32), f64> {
    let bytes = read("expected.csv");
    let mut rdr = csv::Reader::from_reader(&bytes[..]);
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (
                (r[0].into(), r[1].into(), r[2].into(), r[3].parse().unwrap()),
                r[4].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_normalisation_matches_numpy_and_scipy() {
    let (fw, panel) = fixture();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let want = expected();
    let mut checked = 0;
    for norm in Normalisation::ALL {
        let level = Level {
            normalisation: norm,
            aggregation: Aggregation::Arithmetic,
        };
        let r = compute_with(&level, &fw, &filled, None).unwrap();
        for ((n, node, unit, year), &score) in &want {
            if n != norm.as_str() {
                continue;
            }
            let got = r.cell(node, unit, *year).unwrap().index.unwrap();
            assert!(
                (got - score).abs() < 1e-9,
                "{n} {node} {unit} {year}: engine {got}, NumPy {score}"
            );
            checked += 1;
        }
    }
    // 7 normalisations × 8 nodes × 7 units × 3 years.
    assert_eq!(checked, 7 * 8 * 7 * 3);
}

#[test]
fn geometric_scores_stay_positive_and_on_scale() {
    let (fw, panel) = fixture();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    for norm in Normalisation::ALL
        .into_iter()
        .filter(|n| n.on_fixed_scale())
    {
        let level = Level {
            normalisation: norm,
            aggregation: Aggregation::Geometric,
        };
        let r = compute_with(&level, &fw, &filled, None).unwrap();
        for row in r.rows() {
            let s = row.cell.index.unwrap();
            // The geometric mean of scores in [1, 100] is in it, up to rounding.
            assert!(
                (1.0 - 1e-12..=100.0 + 1e-12).contains(&s),
                "{norm:?} {row:?}"
            );
        }
    }
}

#[test]
fn targets_and_goalposts_are_needed_and_read_from_a_file() {
    let fw = Framework::read_csv("id,parent\nt,\na,t\nb,t\n".as_bytes(), "fw.csv").unwrap();
    let panel = Panel::read_csv(
        &fw,
        "indicator,unit,year,value\na,X,2024,1\na,Y,2024,3\nb,X,2024,2\nb,Y,2024,4\n".as_bytes(),
        "obs.csv",
    )
    .unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let level = |normalisation| Level {
        normalisation,
        aggregation: Aggregation::Arithmetic,
    };
    let err = compute_with(&level(Normalisation::DistanceToTarget), &fw, &filled, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("needs a target") && err.contains("'a'"),
        "{err}"
    );
    let err = compute_with(&level(Normalisation::Goalposts), &fw, &filled, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("needs a goalposts") && err.contains("'a'"),
        "{err}"
    );

    let targets = "id,target,goalpost_lower,goalpost_upper\na,2,0,4\nb,4,0,8\n";
    let fw = fw
        .with_targets_csv(targets.as_bytes(), "targets.csv")
        .unwrap();
    let r = compute_with(&level(Normalisation::DistanceToTarget), &fw, &filled, None).unwrap();
    // a: min 1, target 2 → X 0, Y capped at 100; b: min 2, target 4 → X 0, Y 100.
    assert_eq!(r.cell("a", "Y", 2024).unwrap().index, Some(100.0));
    assert_eq!(r.cell("t", "X", 2024).unwrap().index, Some(0.0));
    let r = compute_with(&level(Normalisation::Goalposts), &fw, &filled, None).unwrap();
    // a: 1/4, 3/4; b: 2/8, 4/8 → t: X (25 + 25)/2, Y (75 + 50)/2.
    assert_eq!(r.cell("t", "X", 2024).unwrap().index, Some(25.0));
    assert_eq!(r.cell("t", "Y", 2024).unwrap().index, Some(62.5));

    for (csv, msg) in [
        (
            "id,target\nzz,1\n",
            "targets.csv: line 2: id 'zz' is invalid: no such node",
        ),
        (
            "id,target\nt,1\n",
            "targets.csv: line 2: id 't' is invalid: not a leaf",
        ),
        (
            "id,target\na,-1\n",
            "targets.csv: line 2: target '-1' is invalid",
        ),
        (
            "id,target\na,x\n",
            "targets.csv: line 2: target 'x' is invalid: not a number",
        ),
        (
            "id,target\na,1\na,2\n",
            "targets.csv: line 3: id 'a' is invalid: listed twice",
        ),
        (
            "id,goalpost_lower,goalpost_upper\na,5,5\n",
            "lower goalpost must be below",
        ),
        (
            "id,goalpost_lower,goalpost_upper\na,5,\n",
            "line 2: goalpost_upper '' is invalid",
        ),
        ("id,weight\na,1\n", "target"),
    ] {
        let err = fw
            .with_targets_csv(csv.as_bytes(), "targets.csv")
            .unwrap_err()
            .to_string();
        assert!(err.contains(msg), "{csv:?}: {err}");
    }
}

#[test]
fn framework_csv_carries_targets_only_on_leaves_and_round_trips() {
    let (fw, _) = fixture();
    let mut out = Vec::new();
    fw.write_csv(&mut out).unwrap();
    let back = Framework::read_csv(&out[..], "out.csv").unwrap();
    assert_eq!(back.node("b").unwrap().spec.target, Some(4.0));
    assert_eq!(
        back.node("e").unwrap().spec.goalposts,
        fw.node("e").unwrap().spec.goalposts
    );
    let err = Framework::read_csv("id,parent,target\nt,,5\na,t,\n".as_bytes(), "fw.csv")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("fw.csv: line 2: target") && err.contains("not a leaf"),
        "{err}"
    );
}

/// `(normalisation, aggregation, node, unit, year) → (score, rank, rank change)` from
/// aggregations.csv.
type AggregationRow = (f64, u32, Option<i64>);
type AggregationKey = (String, String, String, String, i32);

fn expected_aggregations() -> HashMap<AggregationKey, AggregationRow> {
    let bytes = read("aggregations.csv");
    let mut rdr = csv::Reader::from_reader(&bytes[..]);
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (
                (
                    r[0].into(),
                    r[1].into(),
                    r[2].into(),
                    r[3].into(),
                    r[4].parse().unwrap(),
                ),
                (
                    r[5].parse().unwrap(),
                    r[6].parse().unwrap(),
                    (!r[7].is_empty()).then(|| r[7].parse().unwrap()),
                ),
            )
        })
        .collect()
}

/// Computes the fixture under min-max and rank normalisation with every aggregation and calls
/// `check` with each result, its ranks and every row of aggregations.csv that belongs to it;
/// returns how many rows were checked.
fn for_each_aggregation_row(
    mut check: impl FnMut(&IndexResult, &Ranks, &AggregationKey, &AggregationRow),
) -> usize {
    let (fw, panel) = fixture();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let want = expected_aggregations();
    let mut checked = 0;
    for normalisation in [Normalisation::MinMax, Normalisation::Rank] {
        for aggregation in Aggregation::ALL {
            let level = Level {
                normalisation,
                aggregation,
            };
            let r = compute_with(&level, &fw, &filled, None).unwrap();
            let ranks = r.ranks();
            for (key, row) in &want {
                if key.0 == normalisation.as_str() && key.1 == aggregation.as_str() {
                    check(&r, &ranks, key, row);
                    checked += 1;
                }
            }
        }
    }
    checked
}

#[test]
fn every_aggregation_matches_numpy_and_scipy() {
    let checked = for_each_aggregation_row(|r, _, (n, a, node, unit, year), &(score, _, _)| {
        let got = r.cell(node, unit, *year).unwrap().index.unwrap();
        assert!(
            (got - score).abs() < 1e-9,
            "{n} {a} {node} {unit} {year}: engine {got}, NumPy/SciPy {score}"
        );
    });
    // 2 normalisations × 5 aggregations × 8 nodes × 7 units × 3 years.
    assert_eq!(checked, 2 * 5 * 8 * 7 * 3);
}

#[test]
fn harmonic_refuses_z_scores() {
    let (fw, panel) = fixture();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let level = Level {
        normalisation: Normalisation::ZScore,
        aggregation: Aggregation::Harmonic,
    };
    let err = compute_with(&level, &fw, &filled, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("harmonic aggregation needs positive scores"),
        "{err}"
    );
}

#[test]
fn ranks_and_rank_changes_match_scipy() {
    let checked =
        for_each_aggregation_row(|r, ranks, (n, a, node, unit, year), &(_, rank, change)| {
            let (node, unit, t) = (
                r.node_position(node).unwrap(),
                r.unit_position(unit).unwrap(),
                r.year_position(*year).unwrap(),
            );
            let got = (ranks.rank(node, unit, t), ranks.rank_change(node, unit, t));
            assert_eq!(got, (Some(rank), change), "{n} {a} {node} {unit} {year}");
        });
    assert_eq!(checked, 2 * 5 * 8 * 7 * 3);
}
