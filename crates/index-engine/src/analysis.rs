//! Framework analysis of a computed index, after COINr's `get_corr`, `get_cronbach` and
//! `get_PCA`: how the nodes of the tree move together across units.
//!
//! The observations are the units of one year, or every unit-year pooled ([`Span`]). Each
//! node's figure (its index or score) is oriented towards the root: multiplied by the product
//! of the directions on its path, so a node enters every comparison the way it enters the
//! total (a direction −1 child correlates with its parent as its mirrored score does).
//!
//! - [`Correlation`]: Pearson's `r` of each node with its parent and every further ancestor
//!   (across levels), and of each pair of siblings (within a level), over the observations
//!   where both have a figure (COINr `use = "pairwise.complete.obs"`); `None` when either
//!   has no spread or fewer than 3 observations are shared.
//! - [`Alpha`]: Cronbach's alpha of each aggregate over its `k ≥ 2` children, over the
//!   observations where all have a figure: `α = k/(k − 1)·(1 − Σ var_i / var(Σ x_i))`,
//!   variances with `n − 1` (NumPy `var(ddof=1)`); `None` without spread in the sum or with
//!   fewer than 2 observations.
//! - [`Component`]: principal components of each aggregate's children (observations as for
//!   alpha), on their correlation matrix (R `prcomp(scale. = TRUE)`, as COINr): eigenvalues in
//!   decreasing order, the share of variance each explains (eigenvalue / k), and the
//!   loadings (the unit eigenvector's entries). Sign convention: each eigenvector is turned
//!   so its entries sum to ≥ 0, and, when they sum to 0, its first non-zero entry is
//!   positive (assumed; eigenvectors are defined up to sign). A child without spread makes
//!   the matrix undefined: that aggregate has no components.
//!
//! Eigenvalues come from the cyclic Jacobi method on the symmetric matrix (at most
//! [`JACOBI_SWEEPS`] sweeps, to an off-diagonal norm below `1e-14` of the matrix's norm); an
//! aggregate has at most [`MAX_CHILDREN_PCA`] children for PCA, which bounds its time.

use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::framework::Framework;
use crate::node::Direction;
use crate::result::IndexResult;
use crate::year::Year;

/// Most sweeps of the Jacobi eigen-solver (it converges quadratically; 50 is ample).
pub const JACOBI_SWEEPS: usize = 50;
/// Most children of an aggregate analysed by PCA (the solver is cubic in it; assumed).
pub const MAX_CHILDREN_PCA: usize = 200;

/// Which observations the analysis uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Span {
    /// The units of one year.
    Year(Year),
    /// Every unit and year.
    Pooled,
}

impl Span {
    /// The span of a command line: every year pooled, or `year`, by default the result's
    /// last computed year.
    pub fn choose(year: Option<Year>, pooled: bool, result: &IndexResult) -> Result<Self> {
        match (year, pooled) {
            (Some(_), true) => Err(IndexError::Options(
                "--year and --pooled exclude each other".into(),
            )),
            (None, true) => Ok(Self::Pooled),
            (Some(y), false) => Ok(Self::Year(y)),
            (None, false) => Ok(Self::Year(result.to_year())),
        }
    }
}

/// How two nodes of a correlation are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// `other` is the node's parent.
    Parent,
    /// `other` is a further ancestor (two or more levels up).
    Ancestor,
    /// `other` shares the node's parent.
    Sibling,
}

impl Relation {
    /// `parent`, `ancestor` or `sibling`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Ancestor => "ancestor",
            Self::Sibling => "sibling",
        }
    }
}

/// Pearson's correlation of two nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlation {
    /// The node.
    pub node: String,
    /// Its parent, ancestor or sibling.
    pub other: String,
    /// How they are related.
    pub relation: Relation,
    /// Observations both have.
    pub n: usize,
    /// Pearson's r; `None` without spread or with fewer than 3 shared observations.
    pub r: Option<f64>,
}

/// Cronbach's alpha of one aggregate over its children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alpha {
    /// The aggregate.
    pub node: String,
    /// Its number of children.
    pub k: usize,
    /// Observations where every child has a figure.
    pub n: usize,
    /// Cronbach's alpha (can be negative); `None` when undefined.
    pub alpha: Option<f64>,
}

/// One principal component of an aggregate's children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// The aggregate.
    pub node: String,
    /// 1 for the component explaining most variance.
    pub component: usize,
    /// The eigenvalue of the correlation matrix.
    pub eigenvalue: f64,
    /// Share of the children's (standardised) variance it explains, in [0, 1].
    pub variance_share: f64,
    /// Observations where every child has a figure.
    pub n: usize,
    /// Per child (framework order), its id and loading.
    pub loadings: Vec<(String, f64)>,
}

/// The whole analysis of one result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The observations used.
    pub span: Span,
    /// Correlations, node by node in framework order: parent, ancestors, then siblings.
    pub correlations: Vec<Correlation>,
    /// Cronbach's alpha per aggregate with at least two children.
    pub alphas: Vec<Alpha>,
    /// Principal components per aggregate with at least two children.
    pub components: Vec<Component>,
}

/// The oriented figures of every node over the observations of `span` (`NaN`: none).
fn columns(fw: &Framework, result: &IndexResult, span: Span) -> Result<Vec<Vec<f64>>> {
    let years: Vec<usize> = match span {
        Span::Year(y) => vec![result.year_position(y)?],
        Span::Pooled => (0..result.years().len()).collect(),
    };
    let nodes = fw.nodes();
    if result.node_ids().len() != nodes.len() {
        return Err(IndexError::Options(
            "the result was computed with another framework".into(),
        ));
    }
    let mut out = Vec::with_capacity(nodes.len());
    for n in 0..nodes.len() {
        let mut sign = 1.0;
        let mut at = Some(n);
        while let Some(i) = at {
            if nodes[i].parent.is_some() && nodes[i].spec.direction == Direction::LowerIsBetter {
                sign = -sign;
            }
            at = nodes[i].parent;
        }
        let mut col = Vec::with_capacity(result.units().len() * years.len());
        for &t in &years {
            for u in 0..result.units().len() {
                let x = result
                    .cell_at(n, u, t)
                    .and_then(|c| c.index)
                    .unwrap_or(f64::NAN);
                col.push(sign * x);
            }
        }
        out.push(col);
    }
    Ok(out)
}

/// Pearson's r over the positions where both have a value, with the count.
pub fn pearson(a: &[f64], b: &[f64]) -> (usize, Option<f64>) {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(&x, &y)| (x, y))
        .collect();
    let n = pairs.len();
    if n < 3 {
        return (n, None);
    }
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in &pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    let r = sxy / (sxx * syy).sqrt();
    // Rounding can carry |r| a hair past 1.
    (
        n,
        (sxx > 0.0 && syy > 0.0 && r.is_finite()).then(|| r.clamp(-1.0, 1.0)),
    )
}

/// The rows (observations) where every column has a value, as row-major data.
fn complete(cols: &[&[f64]]) -> Vec<Vec<f64>> {
    let len = cols.first().map_or(0, |c| c.len());
    (0..len)
        .filter(|&i| cols.iter().all(|c| !c[i].is_nan()))
        .map(|i| cols.iter().map(|c| c[i]).collect())
        .collect()
}

fn mean_var(xs: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = xs.clone().count() as f64;
    let m = xs.clone().sum::<f64>() / n;
    let v = xs.map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// Cronbach's alpha of the rows' columns (see the module's formula).
pub fn cronbach_alpha(rows: &[Vec<f64>]) -> Option<f64> {
    let k = rows.first()?.len();
    if k < 2 || rows.len() < 2 {
        return None;
    }
    let item_var: f64 = (0..k).map(|j| mean_var(rows.iter().map(|r| r[j])).1).sum();
    let (_, total_var) = mean_var(rows.iter().map(|r| r.iter().sum::<f64>()));
    let a = k as f64 / (k as f64 - 1.0) * (1.0 - item_var / total_var);
    (total_var > 0.0 && a.is_finite()).then_some(a)
}

/// Eigenvalues (decreasing) and unit eigenvectors (`vectors[i]` for `values[i]`, sign as in
/// the module's convention) of the symmetric matrix `a` (row-major `k × k`), by the cyclic
/// Jacobi method.
pub fn symmetric_eigen(a: &[f64], k: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut m = a.to_vec();
    let mut v = vec![0.0; k * k];
    for i in 0..k {
        v[i * k + i] = 1.0;
    }
    let norm: f64 = m.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _ in 0..JACOBI_SWEEPS {
        let off: f64 = (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * k + j] * m[i * k + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-14 * norm.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..k {
            for q in p + 1..k {
                let apq = m[p * k + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (m[q * k + q] - m[p * k + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..k {
                    let (mrp, mrq) = (m[r * k + p], m[r * k + q]);
                    m[r * k + p] = c * mrp - s * mrq;
                    m[r * k + q] = s * mrp + c * mrq;
                }
                for r in 0..k {
                    let (mpr, mqr) = (m[p * k + r], m[q * k + r]);
                    m[p * k + r] = c * mpr - s * mqr;
                    m[q * k + r] = s * mpr + c * mqr;
                }
                for r in 0..k {
                    let (vrp, vrq) = (v[r * k + p], v[r * k + q]);
                    v[r * k + p] = c * vrp - s * vrq;
                    v[r * k + q] = s * vrp + c * vrq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&i, &j| m[j * k + j].total_cmp(&m[i * k + i]).then(i.cmp(&j)));
    let values = order.iter().map(|&i| m[i * k + i]).collect();
    let vectors = order
        .iter()
        .map(|&i| {
            let mut e: Vec<f64> = (0..k).map(|r| v[r * k + i]).collect();
            let sum: f64 = e.iter().sum();
            let first = e.iter().copied().find(|x| *x != 0.0).unwrap_or(0.0);
            // Sums within rounding of zero fall to the first entry's sign.
            let flip = if sum.abs() > 1e-12 {
                sum < 0.0
            } else {
                first < 0.0
            };
            if flip {
                e.iter_mut().for_each(|x| *x = -*x);
            }
            e
        })
        .collect();
    (values, vectors)
}

/// Principal components of the rows' columns (correlation matrix), or empty when a column
/// has no spread or there are fewer than 2 rows.
fn components(rows: &[Vec<f64>]) -> Vec<(f64, Vec<f64>)> {
    let Some(k) = rows.first().map(Vec::len) else {
        return Vec::new();
    };
    if rows.len() < 2 || !(2..=MAX_CHILDREN_PCA).contains(&k) {
        return Vec::new();
    }
    let cols: Vec<Vec<f64>> = (0..k)
        .map(|j| rows.iter().map(|r| r[j]).collect())
        .collect();
    let mut corr = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            corr[i * k + j] = if i == j {
                1.0
            } else {
                match pearson_any(&cols[i], &cols[j]) {
                    Some(r) => r,
                    None => return Vec::new(),
                }
            };
        }
    }
    let (values, vectors) = symmetric_eigen(&corr, k);
    values.into_iter().zip(vectors).collect()
}

/// Pearson's r without the minimum count (PCA uses every complete row; two suffice).
fn pearson_any(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    let r = sab / (saa * sbb).sqrt();
    (saa > 0.0 && sbb > 0.0 && r.is_finite()).then(|| r.clamp(-1.0, 1.0))
}

/// Analyses `result` (computed with `framework`) over the observations of `span`.
pub fn analyse(framework: &Framework, result: &IndexResult, span: Span) -> Result<Analysis> {
    let cols = columns(framework, result, span)?;
    let nodes = framework.nodes();
    let id = |n: usize| nodes[n].spec.id.clone();
    let mut correlations = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        let mut up = node.parent;
        let mut relation = Relation::Parent;
        while let Some(a) = up {
            let (count, r) = pearson(&cols[n], &cols[a]);
            correlations.push(Correlation {
                node: id(n),
                other: id(a),
                relation,
                n: count,
                r,
            });
            relation = Relation::Ancestor;
            up = nodes[a].parent;
        }
        if let Some(p) = node.parent {
            for &s in nodes[p].children.iter().filter(|&&s| s != n) {
                let (count, r) = pearson(&cols[n], &cols[s]);
                correlations.push(Correlation {
                    node: id(n),
                    other: id(s),
                    relation: Relation::Sibling,
                    n: count,
                    r,
                });
            }
        }
    }
    let mut alphas = Vec::new();
    let mut comps = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        if node.children.len() < 2 {
            continue;
        }
        let kids: Vec<&[f64]> = node.children.iter().map(|&c| &cols[c][..]).collect();
        let rows = complete(&kids);
        alphas.push(Alpha {
            node: id(n),
            k: kids.len(),
            n: rows.len(),
            alpha: cronbach_alpha(&rows),
        });
        let k = kids.len() as f64;
        for (i, (value, vector)) in components(&rows).into_iter().enumerate() {
            comps.push(Component {
                node: id(n),
                component: i + 1,
                eigenvalue: value,
                variance_share: (value / k).clamp(0.0, 1.0),
                n: rows.len(),
                loadings: node.children.iter().map(|&c| id(c)).zip(vector).collect(),
            });
        }
    }
    Ok(Analysis {
        span,
        correlations,
        alphas,
        components: comps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_a_two_by_two_by_hand() {
        // [[1, r], [r, 1]]: eigenvalues 1 ± r, vectors (1, 1)/√2 and (1, −1)/√2 → first
        // non-zero entry positive.
        let (values, vectors) = symmetric_eigen(&[1.0, 0.6, 0.6, 1.0], 2);
        assert!((values[0] - 1.6).abs() < 1e-14 && (values[1] - 0.4).abs() < 1e-14);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((vectors[0][0] - h).abs() < 1e-14 && (vectors[0][1] - h).abs() < 1e-14);
        assert!((vectors[1][0] - h).abs() < 1e-14 && (vectors[1][1] + h).abs() < 1e-14);
    }

    #[test]
    fn alpha_of_identical_items_is_one() {
        let rows: Vec<Vec<f64>> = (0..5).map(|i| vec![f64::from(i); 3]).collect();
        assert!((cronbach_alpha(&rows).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(cronbach_alpha(&rows[..1]), None);
    }
}
