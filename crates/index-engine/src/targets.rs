//! Per-indicator reference values of the level method: a target (for
//! [`Normalisation::DistanceToTarget`](crate::Normalisation::DistanceToTarget)) and goalposts
//! (for [`Normalisation::Goalposts`](crate::Normalisation::Goalposts)). They live on the
//! leaves' [`NodeSpec`], given as columns of `framework.csv` or in a separate file read by
//! [`Framework::with_targets_csv`].
//!
//! Bounds: like the observations, a target and goalposts are finite and ≥ 0, and the lower
//! goalpost is below the upper one; only leaves (indicators) have them.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::csv_in::{Table, cell};
use crate::error::{IndexError, Result};
use crate::framework::{Framework, MAX_NODES};
use crate::node::NodeSpec;

/// The columns of a targets file (and the optional ones of `framework.csv`), named as
/// COINr's `iMeta` table names them (`Target`, `goalpost_lower`, `goalpost_upper`).
pub const TARGET_COLUMNS: &str = "id,target,goalpost_lower,goalpost_upper";

/// Fixed low and high reference values of an indicator (COINr's `n_goalposts`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Goalposts {
    /// The value that scores the bottom of the scale (and everything below it).
    pub lower: f64,
    /// The value that scores the top of the scale (and everything above it).
    pub upper: f64,
}

/// Why a target is invalid, or `None`.
pub(crate) fn check_target(x: f64) -> Option<&'static str> {
    if !x.is_finite() {
        Some("a target must be finite")
    } else if x < 0.0 {
        Some("a target must be ≥ 0 (values are)")
    } else {
        None
    }
}

/// Why goalposts are invalid, or `None`.
pub(crate) fn check_goalposts(g: Goalposts) -> Option<&'static str> {
    if !g.lower.is_finite() || !g.upper.is_finite() {
        Some("goalposts must be finite")
    } else if g.lower < 0.0 {
        Some("goalposts must be ≥ 0 (values are)")
    } else if g.lower >= g.upper {
        Some("the lower goalpost must be below the upper one")
    } else {
        None
    }
}

/// Reads the optional `target`, `goalpost_lower` and `goalpost_upper` cells of one CSV record
/// (columns `c`, as found in the header). Goalposts need both cells or neither.
pub(crate) fn read_cells(
    record: &csv::StringRecord,
    c: [Option<usize>; 3],
    source_name: &str,
    line: u64,
) -> Result<(Option<f64>, Option<Goalposts>)> {
    let number = |col: Option<usize>, field: &str| -> Result<Option<f64>> {
        match cell(record, col) {
            "" => Ok(None),
            s => s
                .parse::<f64>()
                .map(Some)
                .map_err(|_| IndexError::invalid(source_name, line, field, s, "not a number")),
        }
    };
    let missing_goalpost = |field: &str| {
        IndexError::invalid(
            source_name,
            line,
            field,
            "",
            "goalposts need both a lower and an upper value",
        )
    };
    let target = number(c[0], "target")?;
    if let (Some(t), Some(reason)) = (target, target.and_then(check_target)) {
        return Err(IndexError::invalid(
            source_name,
            line,
            "target",
            t.to_string(),
            reason,
        ));
    }
    let goalposts = match (
        number(c[1], "goalpost_lower")?,
        number(c[2], "goalpost_upper")?,
    ) {
        (None, None) => None,
        (Some(lower), Some(upper)) => {
            let g = Goalposts { lower, upper };
            if let Some(reason) = check_goalposts(g) {
                return Err(IndexError::invalid(
                    source_name,
                    line,
                    "goalpost_lower",
                    format!("{lower}–{upper}"),
                    reason,
                ));
            }
            Some(g)
        }
        (Some(_), None) => return Err(missing_goalpost("goalpost_upper")),
        (None, Some(_)) => return Err(missing_goalpost("goalpost_lower")),
    };
    Ok((target, goalposts))
}

/// Checks that only leaves carry a target or goalposts; `line_of(i)` names spec `i`'s line.
pub(crate) fn check_on_leaves(
    specs: &[NodeSpec],
    children: &[Vec<usize>],
    source_name: &str,
    line_of: impl Fn(usize) -> u64,
) -> Result<()> {
    for (i, s) in specs.iter().enumerate() {
        if children[i].is_empty() {
            let bad = s
                .target
                .and_then(|t| check_target(t).map(|r| ("target", t.to_string(), r)))
                .or_else(|| {
                    s.goalposts.and_then(|g| {
                        check_goalposts(g)
                            .map(|r| ("goalpost_lower", format!("{}–{}", g.lower, g.upper), r))
                    })
                });
            if let Some((field, value, reason)) = bad {
                return Err(IndexError::invalid(
                    source_name,
                    line_of(i),
                    field,
                    value,
                    format!("node '{}': {reason}", s.id),
                ));
            }
            continue;
        }
        let field = match (s.target, s.goalposts) {
            (Some(_), _) => "target",
            (None, Some(_)) => "goalpost_lower",
            (None, None) => continue,
        };
        return Err(IndexError::invalid(
            source_name,
            line_of(i),
            field,
            "",
            format!(
                "node '{}' is not a leaf; targets and goalposts belong to indicators",
                s.id
            ),
        ));
    }
    Ok(())
}

impl Framework {
    /// The framework with the targets and goalposts of a CSV file (header `id,target,
    /// goalpost_lower,goalpost_upper`; `id` and at least one other column required) in place
    /// of the framework's own for the leaves it lists. At most [`MAX_NODES`] rows; a leaf
    /// listed twice, an unknown id or an inner node is an error naming the line.
    ///
    /// ```
    /// let fw = index_engine::Framework::read_csv("id,parent\nt,\na,t\nb,t\n".as_bytes(), "fw.csv")?;
    /// let csv = "id,target,goalpost_lower,goalpost_upper\na,80,,\nb,,0,10\n";
    /// let fw = fw.with_targets_csv(csv.as_bytes(), "targets.csv")?;
    /// assert_eq!(fw.node("a").unwrap().spec.target, Some(80.0));
    /// assert_eq!(fw.node("b").unwrap().spec.goalposts.unwrap().upper, 10.0);
    /// # Ok::<(), index_engine::IndexError>(())
    /// ```
    pub fn with_targets_csv<R: Read>(&self, reader: R, source_name: &str) -> Result<Framework> {
        let table = Table::open(reader, source_name, TARGET_COLUMNS)?;
        let c_id = table.required("id")?;
        let c = [
            table.column("target"),
            table.column("goalpost_lower"),
            table.column("goalpost_upper"),
        ];
        if c.iter().all(Option::is_none) {
            table.required("target")?;
        }
        let mut specs: Vec<NodeSpec> = self.nodes().iter().map(|n| n.spec.clone()).collect();
        let mut seen = vec![false; specs.len()];
        table.for_each(MAX_NODES, "rows", |record, line| {
            let id = cell(record, Some(c_id));
            let Some(i) = self.index_of(id) else {
                return Err(IndexError::invalid(
                    source_name,
                    line,
                    "id",
                    id,
                    "no such node in the framework",
                ));
            };
            if self.nodes()[i].leaf.is_none() {
                return Err(IndexError::invalid(
                    source_name,
                    line,
                    "id",
                    id,
                    "not a leaf; targets and goalposts belong to indicators",
                ));
            }
            if std::mem::replace(&mut seen[i], true) {
                return Err(IndexError::invalid(
                    source_name,
                    line,
                    "id",
                    id,
                    "listed twice",
                ));
            }
            let (target, goalposts) = read_cells(record, c, source_name, line)?;
            if c[0].is_some() {
                specs[i].target = target;
            }
            if c[1].is_some() || c[2].is_some() {
                specs[i].goalposts = goalposts;
            }
            Ok(())
        })?;
        Framework::from_nodes(specs)
    }
}
