//! `Framework::read_csv` (framework.csv): no panic; a framework that loads has finite
//! weights, and computes an index over a one-observation panel without a non-finite figure.

use crate::assert_finite;
use index_engine::{ComputeOptions, Framework, Observation, Panel, compute};

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let Ok(fw) = Framework::read_csv(data, "framework.csv") else {
        return;
    };
    assert_finite("framework", &fw);
    // Two years of one value for every leaf: the index is 100 everywhere.
    let obs: Vec<Observation> = fw
        .nodes()
        .iter()
        .filter(|n| n.children.is_empty())
        .flat_map(|n| [2023, 2024].map(|y| Observation::new(n.spec.id.clone(), "CN", y, 1.0)))
        .collect();
    if let Ok(panel) = Panel::from_records(&fw, obs)
        && let Ok(r) = compute(&fw, &panel, &ComputeOptions::default())
    {
        for row in r.rows() {
            assert_finite("index row", &row);
        }
    }
}
