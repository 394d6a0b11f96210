//! `Panel::read_csv` (observations.csv) and the chain index over it: no panic, no
//! non-finite figure in any row (issue 11.7: observations near f64::MAX once gave -inf growth).
//! The input is `FRAMEWORK 0xff OBSERVATIONS`; an empty framework part means the shipped CAICT
//! 2025 framework.

use crate::{assert_finite, split};
use index_engine::{ComputeOptions, Framework, Panel, caict2025, compute};

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let parts = split(data, 2);
    let fw = if parts[0].is_empty() {
        caict2025::framework().expect("the shipped framework loads")
    } else {
        match Framework::read_csv(parts[0], "framework.csv") {
            Ok(fw) => fw,
            Err(_) => return,
        }
    };
    let Ok(panel) = Panel::read_csv(&fw, parts[1], "observations.csv") else {
        return;
    };
    if let Ok(r) = compute(&fw, &panel, &ComputeOptions::default()) {
        for row in r.rows() {
            assert_finite("index row", &row);
        }
    }
}
