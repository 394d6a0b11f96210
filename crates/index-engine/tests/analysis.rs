//! The framework analysis against NumPy: tests/fixtures/normalise/make_analysis.py computes,
//! from the min-max scores of that fixture (no engine code), the correlations of each node with
//! its ancestors and siblings, Cronbach's alpha and the principal components of each
//! aggregate's children, in 2023 and pooled over the years.

use std::collections::HashMap;

use index_engine::analysis::{Analysis, Span, analyse};
use index_engine::{
    Aggregation, ComputeOptions, Framework, Level, Normalisation, Panel, compute_with,
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/normalise");

fn rows(f: &str) -> Vec<csv::StringRecord> {
    let bytes = std::fs::read(format!("{DIR}/{f}")).unwrap();
    let mut rdr = csv::Reader::from_reader(&bytes[..]);
    rdr.records().map(Result::unwrap).collect()
}

fn analyses() -> HashMap<&'static str, Analysis> {
    let read = |f: &str| std::fs::read(format!("{DIR}/{f}")).unwrap();
    let fw = Framework::read_csv(&read("framework.csv")[..], "framework.csv").unwrap();
    let panel = Panel::read_csv(&fw, &read("observations.csv")[..], "observations.csv").unwrap();
    let filled = ComputeOptions::default().fill(&panel).unwrap();
    let level = Level {
        normalisation: Normalisation::MinMax,
        aggregation: Aggregation::Arithmetic,
    };
    let r = compute_with(&level, &fw, &filled, None).unwrap();
    HashMap::from([
        ("2023", analyse(&fw, &r, Span::Year(2023)).unwrap()),
        ("pooled", analyse(&fw, &r, Span::Pooled).unwrap()),
    ])
}

fn close(a: f64, b: &str) -> bool {
    (a - b.parse::<f64>().unwrap()).abs() < 1e-9
}

#[test]
fn correlations_match_numpy() {
    let all = analyses();
    let want = rows("correlations.csv");
    for row in &want {
        let a = &all[&row[0]];
        let c = a
            .correlations
            .iter()
            .find(|c| c.node == row[1] && c.other == row[2])
            .unwrap();
        assert_eq!(c.relation.as_str(), &row[3]);
        match c.r {
            Some(r) => assert!(close(r, &row[4]), "{row:?}: engine {r}"),
            None => assert_eq!(&row[4], "", "{row:?}"),
        }
    }
    let total: usize = all.values().map(|a| a.correlations.len()).sum();
    assert_eq!(total, want.len());
}

#[test]
fn alphas_and_components_match_numpy() {
    let all = analyses();
    let want = rows("alphas.csv");
    for row in &want {
        let a = all[&row[0]]
            .alphas
            .iter()
            .find(|a| a.node == row[1])
            .unwrap();
        assert!(close(a.alpha.unwrap(), &row[2]), "{row:?}: engine {a:?}");
    }
    assert_eq!(
        all.values().map(|a| a.alphas.len()).sum::<usize>(),
        want.len()
    );
    let want = rows("components.csv");
    for row in &want {
        let c = all[&row[0]]
            .components
            .iter()
            .find(|c| c.node == row[1] && c.component.to_string() == row[2])
            .unwrap();
        assert!(
            close(c.eigenvalue, &row[3]) && close(c.variance_share, &row[4]),
            "{row:?}"
        );
        let loading = c.loadings.iter().find(|l| l.0 == row[5]).unwrap().1;
        assert!(close(loading, &row[6]), "{row:?}: engine {loading}");
    }
    let loadings: usize = all
        .values()
        .flat_map(|a| &a.components)
        .map(|c| c.loadings.len())
        .sum();
    assert_eq!(loadings, want.len());
}

#[test]
fn an_unknown_year_is_an_error() {
    let read = |f: &str| std::fs::read(format!("{DIR}/{f}")).unwrap();
    let fw = Framework::read_csv(&read("framework.csv")[..], "framework.csv").unwrap();
    let panel = Panel::read_csv(&fw, &read("observations.csv")[..], "observations.csv").unwrap();
    let r = index_engine::compute(&fw, &panel, &ComputeOptions::default()).unwrap();
    let err = analyse(&fw, &r, Span::Year(1999)).unwrap_err().to_string();
    assert!(err.contains("1999"), "{err}");
}
