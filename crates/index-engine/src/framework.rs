//! Indicator frameworks: a tree with one root (the composite index), inner nodes
//! (sub-indices) and leaves (the indicators that observations refer to).
//!
//! A framework comes from CSV (`id,parent,level,name_zh,name_en,weight,direction,unit,
//! latest_year`, see
//! [`Framework::read_csv`]) or from code ([`Framework::from_nodes`] with [`NodeSpec`]s). Either
//! way it is validated once and then immutable; weights are stored renormalised among
//! siblings, so scaling every weight of a sibling group changes nothing.

use std::collections::HashMap;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::csv_in::{Table, cell};
use crate::error::{IndexError, Result};
pub use crate::node::{Direction, Node, NodeSpec};
use crate::targets;
pub use crate::year::Year;

/// Nodes accepted in one framework (the CAICT system has 44); a bound against runaway input.
pub const MAX_NODES: usize = 100_000;
/// Deepest tree accepted (the CAICT system has depth 3).
pub const MAX_DEPTH: usize = 64;

/// A validated indicator tree. It serialises as its list of [`NodeSpec`]s and is validated
/// again when deserialised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "Vec<NodeSpec>", try_from = "Vec<NodeSpec>")]
pub struct Framework {
    nodes: Vec<Node>,
    root: usize,
    /// Children before parents: the order in which growth is aggregated.
    post_order: Vec<usize>,
    /// Node index of every leaf, in input order.
    leaves: Vec<usize>,
    by_id: HashMap<String, usize>,
}

impl From<Framework> for Vec<NodeSpec> {
    fn from(fw: Framework) -> Self {
        fw.nodes.into_iter().map(|n| n.spec).collect()
    }
}

impl TryFrom<Vec<NodeSpec>> for Framework {
    type Error = IndexError;

    fn try_from(nodes: Vec<NodeSpec>) -> Result<Self> {
        Self::from_nodes(nodes)
    }
}

const FRAMEWORK_COLUMNS: &str = "id,parent,level,name_zh,name_en,weight,direction,unit,latest_year[,target,goalpost_lower,goalpost_upper]";

impl Framework {
    /// Reads a framework from CSV with the header
    /// `id,parent,level,name_zh,name_en,weight,direction,unit,latest_year` (only `id` and
    /// `parent` are required; column order is free). `source_name` labels errors, usually the
    /// file name.
    ///
    /// ```
    /// let csv = "id,parent,weight,direction\ntotal,,,1\na,total,2,1\nb,total,1,-1\n";
    /// let fw = index_engine::Framework::read_csv(csv.as_bytes(), "fw.csv").unwrap();
    /// assert_eq!(fw.node("a").unwrap().weight, 2.0 / 3.0);
    /// ```
    pub fn read_csv<R: Read>(reader: R, source_name: &str) -> Result<Self> {
        let table = Table::open(reader, source_name, FRAMEWORK_COLUMNS)?;
        let c_id = table.required("id")?;
        let c_parent = table.required("parent")?;
        let col = |name: &str| table.column(name);
        let (c_level, c_zh, c_en) = (col("level"), col("name_zh"), col("name_en"));
        let (c_weight, c_dir, c_unit) = (col("weight"), col("direction"), col("unit"));
        let c_latest = col("latest_year");
        let c_targets = [col("target"), col("goalpost_lower"), col("goalpost_upper")];

        let mut specs = Vec::new();
        let mut lines = Vec::new();
        table.for_each(MAX_NODES, "nodes", |record, line| {
            let get = |c: Option<usize>| cell(record, c);
            let id = get(Some(c_id));
            let parent = get(Some(c_parent));
            let level = match get(c_level) {
                "" => None,
                s => Some(s.parse::<u32>().map_err(|_| {
                    IndexError::invalid(source_name, line, "level", s, "not a whole number ≥ 0")
                })?),
            };
            let weight = match get(c_weight) {
                "" => None,
                s => Some(parse_weight(s).map_err(|reason| {
                    IndexError::invalid(source_name, line, "weight", s, reason)
                })?),
            };
            let direction = match get(c_dir) {
                "" | "1" | "+1" => Direction::HigherIsBetter,
                "-1" => Direction::LowerIsBetter,
                s => {
                    return Err(IndexError::invalid(
                        source_name,
                        line,
                        "direction",
                        s,
                        "must be 1 (higher is better) or -1 (lower is better)",
                    ));
                }
            };
            let (target, goalposts) = targets::read_cells(record, c_targets, source_name, line)?;
            specs.push(NodeSpec {
                id: id.to_string(),
                parent: (!parent.is_empty()).then(|| parent.to_string()),
                level,
                name_zh: get(c_zh).to_string(),
                name_en: get(c_en).to_string(),
                weight,
                direction,
                unit: get(c_unit).to_string(),
                latest_year: match get(c_latest) {
                    "" => None,
                    s => Some(s.parse::<Year>().map_err(|_| {
                        IndexError::invalid(source_name, line, "latest_year", s, "not a year")
                    })?),
                },
                target,
                goalposts,
            });
            lines.push(line);
            Ok(())
        })?;
        if specs.is_empty() {
            return Err(IndexError::NoRows {
                source_name: source_name.to_string(),
                what: "nodes",
            });
        }
        Self::build(specs, &lines, source_name)
    }

    /// Builds a framework from nodes made in code. Errors name the node and its 1-based
    /// position in `nodes` (reported as the line of source `framework`).
    ///
    /// ```
    /// use index_engine::{Framework, NodeSpec};
    /// let fw = Framework::from_nodes(vec![
    ///     NodeSpec::root("cohort"),
    ///     NodeSpec::child("revenue", "cohort").weight(2.0),
    ///     NodeSpec::child("rd_staff", "cohort").weight(1.0),
    /// ])
    /// .unwrap();
    /// assert_eq!(fw.leaf_ids().collect::<Vec<_>>(), ["revenue", "rd_staff"]);
    /// ```
    pub fn from_nodes(nodes: Vec<NodeSpec>) -> Result<Self> {
        let lines: Vec<u64> = (1..=nodes.len() as u64).collect();
        if nodes.len() > MAX_NODES {
            return Err(IndexError::TooLarge {
                what: "number of nodes".to_string(),
                limit: MAX_NODES as u64,
                actual: nodes.len() as u64,
            });
        }
        Self::build(nodes, &lines, "framework")
    }

    fn build(specs: Vec<NodeSpec>, lines: &[u64], source_name: &str) -> Result<Self> {
        let line_of = |i: usize| lines.get(i).copied().unwrap_or(0);
        let mut by_id: HashMap<String, usize> = HashMap::with_capacity(specs.len());
        for (i, s) in specs.iter().enumerate() {
            if s.id.is_empty() {
                return Err(IndexError::invalid(
                    source_name,
                    line_of(i),
                    "id",
                    "",
                    "a node id must not be empty",
                ));
            }
            if let Some(w) = s.weight {
                if let Err(reason) = check_weight(w) {
                    return Err(IndexError::invalid(
                        source_name,
                        line_of(i),
                        "weight",
                        w.to_string(),
                        reason,
                    ));
                }
            }
            if let Some(&first) = by_id.get(&s.id) {
                return Err(IndexError::framework(
                    source_name,
                    line_of(i),
                    &s.id,
                    format!("duplicate id (first defined on line {})", line_of(first)),
                ));
            }
            by_id.insert(s.id.clone(), i);
        }
        // Parents.
        let mut parent_idx = Vec::with_capacity(specs.len());
        let mut root = None;
        for (i, s) in specs.iter().enumerate() {
            match &s.parent {
                None => {
                    if let Some(r) = root {
                        return Err(IndexError::framework(
                            source_name,
                            line_of(i),
                            &s.id,
                            format!(
                                "more than one root: '{}' (line {}) has no parent either",
                                specs.get(r).map_or("", |n: &NodeSpec| n.id.as_str()),
                                line_of(r)
                            ),
                        ));
                    }
                    root = Some(i);
                    parent_idx.push(None);
                }
                Some(p) => match by_id.get(p) {
                    Some(&pi) if pi == i => {
                        return Err(IndexError::framework(
                            source_name,
                            line_of(i),
                            &s.id,
                            "a node cannot be its own parent",
                        ));
                    }
                    Some(&pi) => parent_idx.push(Some(pi)),
                    None => {
                        return Err(IndexError::framework(
                            source_name,
                            line_of(i),
                            &s.id,
                            format!("unknown parent '{p}'"),
                        ));
                    }
                },
            }
        }
        // Depths; a walk longer than the node count means a cycle.
        let mut depth = vec![u32::MAX; specs.len()];
        for i in 0..specs.len() {
            let mut path = Vec::new();
            let mut cur = i;
            let base = loop {
                if depth[cur] != u32::MAX {
                    break depth[cur];
                }
                if path.contains(&cur) {
                    return Err(IndexError::framework(
                        source_name,
                        line_of(i),
                        &specs[i].id,
                        "the parent chain forms a cycle (it never reaches the root)",
                    ));
                }
                if path.len() > MAX_DEPTH {
                    return Err(IndexError::framework(
                        source_name,
                        line_of(i),
                        &specs[i].id,
                        format!(
                            "more than {MAX_DEPTH} ancestors: the tree is too deep or the parent chain forms a cycle"
                        ),
                    ));
                }
                path.push(cur);
                match parent_idx[cur] {
                    None => break u32::MAX, // cur is the root, depth 0 after the +1 below
                    Some(p) => cur = p,
                }
            };
            // Walk the path back from its top, assigning depths.
            let mut d = base;
            for &n in path.iter().rev() {
                d = d.wrapping_add(1);
                depth[n] = d;
                if d as usize > MAX_DEPTH {
                    return Err(IndexError::framework(
                        source_name,
                        line_of(n),
                        &specs[n].id,
                        format!("more than {MAX_DEPTH} ancestors: the tree is too deep"),
                    ));
                }
            }
        }
        let Some(root) = root else {
            let first = specs.first().map_or("", |s| s.id.as_str());
            return Err(IndexError::framework(
                source_name,
                line_of(0),
                first,
                "no root: every node has a parent",
            ));
        };
        for (i, s) in specs.iter().enumerate() {
            if let Some(l) = s.level {
                if l != depth[i] {
                    return Err(IndexError::invalid(
                        source_name,
                        line_of(i),
                        "level",
                        l.to_string(),
                        format!(
                            "node '{}' is at depth {} below the root '{}'",
                            s.id, depth[i], specs[root].id
                        ),
                    ));
                }
            }
        }
        let mut children = vec![Vec::new(); specs.len()];
        for (i, p) in parent_idx.iter().enumerate() {
            if let Some(p) = *p {
                children[p].push(i);
            }
        }
        for (i, s) in specs.iter().enumerate() {
            if let (Some(y), false) = (s.latest_year, children[i].is_empty()) {
                return Err(IndexError::invalid(
                    source_name,
                    line_of(i),
                    "latest_year",
                    y.to_string(),
                    format!(
                        "node '{}' is not a leaf; only indicators are published (inner nodes are computed)",
                        s.id
                    ),
                ));
            }
        }
        targets::check_on_leaves(&specs, &children, source_name, line_of)?;
        // Weights, renormalised per sibling group.
        let mut weight = vec![1.0; specs.len()];
        for (p, kids) in children.iter().enumerate() {
            if kids.is_empty() {
                continue;
            }
            let given = kids.iter().filter(|&&k| specs[k].weight.is_some()).count();
            if given != 0 && given != kids.len() {
                let k = kids
                    .iter()
                    .copied()
                    .find(|&k| specs[k].weight.is_none())
                    .unwrap_or(p);
                return Err(IndexError::framework(
                    source_name,
                    line_of(k),
                    &specs[k].id,
                    format!(
                        "weight is empty while a sibling under '{}' has one: give all children of a node a weight, or none (equal weights)",
                        specs[p].id
                    ),
                ));
            }
            let raw: Vec<f64> = kids
                .iter()
                .map(|&k| specs[k].weight.unwrap_or(1.0))
                .collect();
            let sum: f64 = raw.iter().sum();
            if sum <= 0.0 || !sum.is_finite() {
                return Err(IndexError::framework(
                    source_name,
                    line_of(p),
                    &specs[p].id,
                    format!(
                        "the weights of its children sum to {sum}; they must sum to more than 0"
                    ),
                ));
            }
            for (&k, w) in kids.iter().zip(raw) {
                weight[k] = w / sum;
            }
        }
        // Post-order, iteratively (depth is bounded, but recursion is avoided anyway).
        let mut post_order = Vec::with_capacity(specs.len());
        let mut stack = vec![(root, false)];
        while let Some((n, expanded)) = stack.pop() {
            if expanded {
                post_order.push(n);
            } else {
                stack.push((n, true));
                for &c in children[n].iter().rev() {
                    stack.push((c, false));
                }
            }
        }
        debug_assert_eq!(post_order.len(), specs.len());
        let mut leaves = Vec::new();
        let mut nodes = Vec::with_capacity(specs.len());
        for (i, spec) in specs.into_iter().enumerate() {
            let leaf = if children[i].is_empty() {
                leaves.push(i);
                Some(leaves.len() - 1)
            } else {
                None
            };
            nodes.push(Node {
                spec,
                depth: depth[i],
                parent: parent_idx[i],
                children: std::mem::take(&mut children[i]),
                weight: weight[i],
                leaf,
            });
        }
        Ok(Self {
            nodes,
            root,
            post_order,
            leaves,
            by_id,
        })
    }

    /// All nodes in input order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a valid framework has at least its root.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Index of the root in [`Self::nodes`].
    pub fn root(&self) -> usize {
        self.root
    }

    /// The root node.
    pub fn root_node(&self) -> &Node {
        &self.nodes[self.root]
    }

    /// Node indices with children before parents.
    pub fn post_order(&self) -> &[usize] {
        &self.post_order
    }

    /// Node index of every leaf, in input order (the panel's first axis).
    pub fn leaves(&self) -> &[usize] {
        &self.leaves
    }

    /// Ids of the leaves, in input order.
    pub fn leaf_ids(&self) -> impl Iterator<Item = &str> {
        self.leaves.iter().map(|&i| self.nodes[i].spec.id.as_str())
    }

    /// Index of the node with `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The node with `id`.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index_of(id).map(|i| &self.nodes[i])
    }

    /// The positions of the nodes named in `ids` and of every node at a depth in `levels`
    /// (root 0), in framework order without repeats; every node when both are empty. An id
    /// that names no node is an error naming it.
    ///
    /// ```
    /// use index_engine::{Framework, NodeSpec};
    /// let fw = Framework::from_nodes(vec![
    ///     NodeSpec::root("t"),
    ///     NodeSpec::child("a", "t"),
    ///     NodeSpec::child("a1", "a"),
    ///     NodeSpec::child("b", "t"),
    /// ])?;
    /// assert_eq!(fw.select(&["a1".into()], &[0])?, vec![0, 2]);
    /// assert_eq!(fw.select(&[], &[1])?, vec![1, 3]);
    /// assert!(fw.select(&["zz".into()], &[]).is_err());
    /// # Ok::<(), index_engine::IndexError>(())
    /// ```
    pub fn select(&self, ids: &[String], levels: &[u32]) -> Result<Vec<usize>> {
        if ids.is_empty() && levels.is_empty() {
            return Ok((0..self.nodes.len()).collect());
        }
        let mut keep = vec![false; self.nodes.len()];
        for id in ids {
            let n = self
                .index_of(id.trim())
                .ok_or_else(|| IndexError::Unknown {
                    kind: "node",
                    name: id.clone(),
                })?;
            keep[n] = true;
        }
        for (n, node) in self.nodes.iter().enumerate() {
            keep[n] |= levels.contains(&node.depth);
        }
        Ok((0..keep.len()).filter(|&n| keep[n]).collect())
    }

    /// Per leaf (panel order), how many years after `base_year` its latest published year
    /// lies (`i64::MAX` when none is recorded): values at later positions are estimates.
    pub(crate) fn latest_positions(&self, base_year: Year) -> Vec<i64> {
        self.leaves
            .iter()
            .map(|&n| {
                self.nodes[n]
                    .spec
                    .latest_year
                    .map_or(i64::MAX, |y| i64::from(y) - i64::from(base_year))
            })
            .collect()
    }

    /// Renormalised weight of every node among its siblings, in node order (root 1).
    pub fn weights(&self) -> Vec<f64> {
        self.nodes.iter().map(|n| n.weight).collect()
    }

    /// Renormalises arbitrary non-negative relative weights (one per node, node order) among
    /// siblings, the way the framework's own weights are. Used for sensitivity and
    /// uncertainty runs, which move weights without rebuilding the tree.
    pub fn renormalise(&self, raw: &[f64]) -> Result<Vec<f64>> {
        if raw.len() != self.nodes.len() {
            return Err(IndexError::Options(format!(
                "{} weights given for {} nodes",
                raw.len(),
                self.nodes.len()
            )));
        }
        let mut out = vec![1.0; raw.len()];
        for n in &self.nodes {
            if n.children.is_empty() {
                continue;
            }
            let mut sum = 0.0;
            for &c in &n.children {
                let w = raw[c];
                if !(w >= 0.0 && w.is_finite()) {
                    return Err(IndexError::Options(format!(
                        "weight of '{}' is {w}; weights must be finite and ≥ 0",
                        self.nodes[c].spec.id
                    )));
                }
                sum += w;
            }
            if sum <= 0.0 {
                return Err(IndexError::Options(format!(
                    "the weights of the children of '{}' sum to 0",
                    n.spec.id
                )));
            }
            for &c in &n.children {
                out[c] = raw[c] / sum;
            }
        }
        Ok(out)
    }

    /// Writes the framework as CSV in the `framework.csv` format (weights as given).
    pub fn write_csv<W: Write>(&self, writer: W) -> Result<()> {
        let mut w = csv::Writer::from_writer(writer);
        let err = |e: csv::Error| IndexError::csv("framework output", &e);
        // The target columns only when a node has one, so a framework without stays in the
        // nine-column format older readers know.
        let with_targets = self
            .nodes
            .iter()
            .any(|n| n.spec.target.is_some() || n.spec.goalposts.is_some());
        let mut header: Vec<&str> = FRAMEWORK_COLUMNS
            .split(['[', ']', ','])
            .filter(|c| !c.is_empty())
            .collect();
        if !with_targets {
            header.truncate(9);
        }
        w.write_record(&header).map_err(err)?;
        let opt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
        for n in &self.nodes {
            let s = &n.spec;
            let mut row = vec![
                s.id.clone(),
                s.parent.clone().unwrap_or_default(),
                n.depth.to_string(),
                s.name_zh.clone(),
                s.name_en.clone(),
                opt(s.weight),
                s.direction.as_csv().to_string(),
                s.unit.clone(),
                s.latest_year.map(|y| y.to_string()).unwrap_or_default(),
            ];
            if with_targets {
                row.push(opt(s.target));
                row.push(opt(s.goalposts.map(|g| g.lower)));
                row.push(opt(s.goalposts.map(|g| g.upper)));
            }
            w.write_record(&row).map_err(err)?;
        }
        w.flush().map_err(|e| IndexError::Csv {
            source_name: "framework output".into(),
            line: 0,
            message: e.to_string(),
        })
    }
}

fn parse_weight(s: &str) -> std::result::Result<f64, String> {
    let w: f64 = s.parse().map_err(|_| "not a number".to_string())?;
    check_weight(w)?;
    Ok(w)
}

fn check_weight(w: f64) -> std::result::Result<(), String> {
    if !w.is_finite() {
        return Err("weights must be finite".to_string());
    }
    if w < 0.0 {
        return Err("negative weights are not allowed".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw(csv: &str) -> Result<Framework> {
        Framework::read_csv(csv.as_bytes(), "fw.csv")
    }

    #[test]
    fn equal_weights_and_post_order() {
        let f = fw("id,parent\nt,\na,t\nb,t\na1,a\na2,a\n").unwrap();
        assert_eq!(f.node("a").unwrap().weight, 0.5);
        assert_eq!(f.node("a1").unwrap().weight, 0.5);
        assert_eq!(f.root_node().spec.id, "t");
        let ids: Vec<_> = f
            .post_order()
            .iter()
            .map(|&i| f.nodes()[i].spec.id.as_str())
            .collect();
        assert_eq!(ids, ["a1", "a2", "a", "b", "t"]);
        assert_eq!(f.leaf_ids().collect::<Vec<_>>(), ["b", "a1", "a2"]);
    }

    #[test]
    fn errors_name_line_and_id() {
        let cases = [
            (
                "id,parent\nt,\na,t\na,t\n",
                "line 4: node 'a': duplicate id (first defined on line 3)",
            ),
            (
                "id,parent\nt,\na,x\n",
                "line 3: node 'a': unknown parent 'x'",
            ),
            (
                "id,parent\nt,\nu,\n",
                "line 3: node 'u': more than one root",
            ),
            (
                "id,parent\nt,\na,b\nb,a\n",
                "line 3: node 'a': the parent chain forms a cycle",
            ),
            (
                "id,parent,weight\nt,,\na,t,-1\n",
                "line 3: weight '-1' is invalid: negative",
            ),
            (
                "id,parent,direction\nt,,1\na,t,0\n",
                "line 3: direction '0' is invalid",
            ),
            (
                "id,parent,weight\nt,,\na,t,x\n",
                "line 3: weight 'x' is invalid: not a number",
            ),
            (
                "id,parent,level\nt,,0\na,t,2\n",
                "line 3: level '2' is invalid",
            ),
            (
                "id,parent,weight\nt,,\na,t,1\nb,t,\n",
                "line 4: node 'b': weight is empty",
            ),
            (
                "id,parent,weight\nt,,\na,t,0\nb,t,0\n",
                "line 2: node 't': the weights of its children sum to 0",
            ),
            ("id\nt\n", "missing column 'parent'"),
            (
                "id,parent,latest_year\nt,,2024\na,t,\n",
                "line 2: latest_year '2024' is invalid: node 't' is not a leaf",
            ),
            (
                "id,parent,latest_year\nt,,\na,t,20x4\n",
                "line 3: latest_year '20x4' is invalid: not a year",
            ),
        ];
        for (csv, want) in cases {
            let e = fw(csv).unwrap_err().to_string();
            assert!(e.contains(want), "{csv:?}: got {e}, want {want}");
            assert!(e.starts_with("fw.csv"), "{e}");
        }
    }

    #[test]
    fn serde_round_trip_revalidates() {
        let f = fw("id,parent,weight,direction\nt,,,1\na,t,3,-1\nb,t,1,1\n").unwrap();
        let json = serde_json::to_string(&f).unwrap();
        let g: Framework = serde_json::from_str(&json).unwrap();
        assert_eq!(f, g);
        assert_eq!(g.node("a").unwrap().weight, 0.75);
        let bad = json.replace("\"id\":\"b\"", "\"id\":\"a\"");
        assert_ne!(bad, json);
        assert!(serde_json::from_str::<Framework>(&bad).is_err());
    }

    #[test]
    fn self_parent_and_no_root() {
        let e = Framework::from_nodes(vec![NodeSpec::child("a", "a")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("own parent"), "{e}");
        let e = Framework::from_nodes(vec![NodeSpec::child("a", "b"), NodeSpec::child("b", "a")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cycle"), "{e}");
    }

    #[test]
    fn csv_round_trip() {
        let f = fw("id,parent,weight,direction\nt,,,1\na,t,3,-1\nb,t,1,1\n").unwrap();
        let mut buf = Vec::new();
        f.write_csv(&mut buf).unwrap();
        let g = Framework::read_csv(buf.as_slice(), "again").unwrap();
        assert_eq!(f.weights(), g.weights());
        let specs = |x: &Framework| -> Vec<(String, Option<String>, Option<f64>, Direction)> {
            x.nodes()
                .iter()
                .map(|n| {
                    (
                        n.spec.id.clone(),
                        n.spec.parent.clone(),
                        n.spec.weight,
                        n.spec.direction,
                    )
                })
                .collect()
        };
        assert_eq!(specs(&f), specs(&g));
        assert_eq!(g.node("t").unwrap().spec.level, Some(0));
        assert_eq!(g.node("a").unwrap().weight, 0.75);
        assert_eq!(
            g.node("a").unwrap().spec.direction,
            Direction::LowerIsBetter
        );
    }
}
