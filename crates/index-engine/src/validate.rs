//! Every published figure beside the raw computation (no published aggregates), with the
//! leaves that explain the difference: those below the node that have no data, or only
//! filled or carried values, in the years the figure rests on.
//!
//! ```
//! use index_engine::{caict2025, validate::validate, ComputeOptions};
//! let fw = caict2025::framework()?;
//! let panel = caict2025::panel(&fw)?;
//! let published = caict2025::published(&fw, &panel)?;
//! let filled = ComputeOptions { to_year: Some(2024), ..Default::default() }.fill(&panel)?;
//! let rows = validate(&fw, &filled, &published)?;
//! assert_eq!(rows.len(), published.len());
//! let ior = rows.iter().find(|r| r.node == "industry_oriented_research").unwrap();
//! assert_eq!(ior.published, 153.8);
//! assert!(ior.missing_share > 0.0); // the joint-fund share has one value only
//! assert!(ior.explained_by.iter().any(|g| g.leaf == "nsfc_joint_fund_share"));
//! # Ok::<(), index_engine::IndexError>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::chain::Chain;
use crate::error::Result;
use crate::fill::FilledPanel;
use crate::framework::Framework;
use crate::method::compute_with;
use crate::published::{Published, PublishedKind};
use crate::result::IndexResult;
use crate::source::Source;
use crate::year::Year;

/// Why a leaf may explain a difference: the years, from the published base year to the
/// figure's year, in which it has no data or only filled or carried values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafGap {
    /// Leaf id.
    pub leaf: String,
    /// Years in which it contributes nothing (no value, or no growth).
    pub no_data: Vec<Year>,
    /// Years whose value is interpolated.
    pub filled: Vec<Year>,
    /// Years whose value is carried forward.
    pub carried: Vec<Year>,
}

/// `2019–2021, 2023`.
fn ranges(years: &[Year]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < years.len() {
        let mut j = i;
        while j + 1 < years.len() && years[j + 1] == years[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push_str(", ");
        }
        if j > i {
            out.push_str(&format!("{}–{}", years[i], years[j]));
        } else {
            out.push_str(&years[i].to_string());
        }
        i = j + 1;
    }
    out
}

impl fmt::Display for LeafGap {
    /// `pct_share (filled 2020–2023)`, `unicorn_share (no data 2019–2024)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (what, years) in [
            ("no data", &self.no_data),
            ("filled", &self.filled),
            ("carried", &self.carried),
        ] {
            if !years.is_empty() {
                parts.push(format!("{what} {}", ranges(years)));
            }
        }
        write!(f, "{} ({})", self.leaf, parts.join("; "))
    }
}

/// One published figure beside the raw computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationRow {
    /// Node id.
    pub node: String,
    /// Unit.
    pub unit: String,
    /// Year.
    pub year: Year,
    /// The published index.
    pub published: f64,
    /// Actual or the report's estimate.
    pub kind: PublishedKind,
    /// The raw computation's index on the published base (none when the node has no index).
    pub computed: Option<f64>,
    /// `computed − published`.
    pub diff: Option<f64>,
    /// The raw figure's missing share that year.
    pub missing_share: f64,
    /// The raw figure's estimated share that year.
    pub estimated_share: Option<f64>,
    /// The raw figure's source that year.
    pub source: Source,
    /// The leaves below the node (or the node itself, a leaf) with no data or only filled or
    /// carried values from the published base year to the figure's year. Empty when the raw
    /// figure rests on observed values only: the report's values then differ from ours.
    pub explained_by: Vec<LeafGap>,
    /// The sentence the figure comes from.
    pub quote: String,
}

/// For every published figure (in input order), the raw chain computation of `filled`
/// beside it. The computed index is rescaled to the published base year when the computed
/// years start earlier (none when they start later).
pub fn validate(
    framework: &Framework,
    filled: &FilledPanel,
    published: &Published,
) -> Result<Vec<ValidationRow>> {
    let raw = compute_with(&Chain, framework, filled, None)?;
    validate_against(framework, &raw, published)
}

/// [`validate`] against a raw result already computed.
pub fn validate_against(
    framework: &Framework,
    raw: &IndexResult,
    published: &Published,
) -> Result<Vec<ValidationRow>> {
    let mut out = Vec::with_capacity(published.len());
    let pub_base = published.base_year();
    for f in published.figures() {
        let node = raw.node_position(&f.node)?;
        let unit = raw.unit_position(&f.unit)?;
        let cell = raw
            .year_position(f.year)
            .ok()
            .and_then(|t| raw.cell_at(node, unit, t));
        let base_index = raw
            .year_position(pub_base)
            .ok()
            .and_then(|t| raw.cell_at(node, unit, t))
            .and_then(|c| c.index);
        let computed = match (cell.and_then(|c| c.index), base_index) {
            (Some(x), Some(b)) if b > 0.0 => {
                let v = x / b * 100.0;
                v.is_finite().then_some(v)
            }
            _ => None,
        };
        out.push(ValidationRow {
            node: f.node.clone(),
            unit: f.unit.clone(),
            year: f.year,
            published: f.index,
            kind: f.kind,
            computed,
            diff: computed.map(|c| c - f.index),
            missing_share: cell.map_or(1.0, |c| c.missing_share),
            estimated_share: cell.and_then(|c| c.estimated_share),
            source: cell.map_or(Source::NoData, |c| c.source),
            explained_by: gaps(framework, raw, node, unit, pub_base, f.year),
            quote: f.quote.clone(),
        });
    }
    Ok(out)
}

/// The leaves under `node` with gaps from `from` to `to` (computed years only).
fn gaps(
    framework: &Framework,
    raw: &IndexResult,
    node: usize,
    unit: usize,
    from: Year,
    to: Year,
) -> Vec<LeafGap> {
    let mut leaves = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let kids = &framework.nodes()[n].children;
        if kids.is_empty() {
            leaves.push(n);
        }
        stack.extend(kids.iter().rev());
    }
    leaves.sort_unstable();
    let mut out = Vec::new();
    for l in leaves {
        let mut gap = LeafGap {
            leaf: framework.nodes()[l].spec.id.clone(),
            no_data: Vec::new(),
            filled: Vec::new(),
            carried: Vec::new(),
        };
        for year in from..=to {
            let Some(c) = raw
                .year_position(year)
                .ok()
                .and_then(|t| raw.cell_at(l, unit, t))
            else {
                continue;
            };
            if c.missing_share > 0.0 {
                gap.no_data.push(year);
            } else if c.source == Source::Filled {
                gap.filled.push(year);
            } else if c.source == Source::Carried {
                gap.carried.push(year);
            }
        }
        if !(gap.no_data.is_empty() && gap.filled.is_empty() && gap.carried.is_empty()) {
            out.push(gap);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_ranges_read_well() {
        assert_eq!(ranges(&[2019, 2020, 2021, 2023]), "2019–2021, 2023");
        assert_eq!(ranges(&[2024]), "2024");
        let g = LeafGap {
            leaf: "x".into(),
            no_data: vec![2019, 2020],
            filled: vec![],
            carried: vec![2024],
        };
        assert_eq!(g.to_string(), "x (no data 2019–2020; carried 2024)");
    }
}
