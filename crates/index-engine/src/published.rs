//! Published index figures: values of the index that a report publishes for its nodes (the
//! CAICT report's second- and third-level indicators), read from CSV
//! `node,year,index[,unit,kind,quote]` or built in code, and checked against the framework and
//! the panel.
//!
//! They serve twice: [`crate::validate::validate`] sets each beside the raw computation, and
//! [`crate::PublishedChain`] lets a node's published path stand in for it where its children's
//! data falls short. Which nodes do is a written rule, [`PublishedRule`].
//!
//! ```
//! use index_engine::{Framework, NodeSpec, Observation, Panel, Published};
//! let fw = Framework::from_nodes(vec![NodeSpec::root("t"), NodeSpec::child("x", "t")])?;
//! let panel = Panel::from_records(&fw, vec![
//!     Observation::new("x", "CN", 2019, 1.0),
//!     Observation::new("x", "CN", 2021, 2.0),
//! ])?;
//! let csv = "node,year,index,kind,quote\nt,2021,180,actual,\"grew to 180\"\n";
//! let published = Published::read_csv(&fw, &panel, csv.as_bytes(), "published.csv")?;
//! assert_eq!(published.figures()[0].unit, "CN"); // the panel's only unit
//! assert_eq!(published.base_year(), 2019); // the panel's first year has index 100
//! let bad = "node,year,index\nt,2021,-3\n";
//! let err = Published::read_csv(&fw, &panel, bad.as_bytes(), "published.csv").unwrap_err();
//! assert!(err.to_string().starts_with("published.csv: line 2: index '-3' is invalid"));
//! # Ok::<(), index_engine::IndexError>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::csv_in::{Table, cell};
use crate::error::{IndexError, Result};
use crate::framework::Framework;
use crate::panel::Panel;
use crate::year::Year;

/// Most published figures accepted from one input (a report publishes dozens).
pub const PUBLISHED_MAX: usize = 100_000;

/// Whether a published figure is an actual value or the report's own estimate (预计).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishedKind {
    /// An actual figure.
    #[default]
    Actual,
    /// The report's estimate: it counts in `estimated_share`.
    Estimate,
}

impl PublishedKind {
    /// `actual` or `estimate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Actual => "actual",
            Self::Estimate => "estimate",
        }
    }
}

/// One published index value: node, unit, year, the index (the base year = 100), its kind
/// and the sentence it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedFigure {
    /// Node id in the framework (any node: the total, an inner node or a leaf).
    pub node: String,
    /// Unit.
    pub unit: String,
    /// Year.
    pub year: Year,
    /// The published index, > 0 and finite.
    pub index: f64,
    /// Actual or estimate.
    pub kind: PublishedKind,
    /// Where it comes from (the report's sentence); may be empty.
    pub quote: String,
}

impl PublishedFigure {
    /// An actual figure without a quote.
    pub fn new(node: impl Into<String>, unit: impl Into<String>, year: Year, index: f64) -> Self {
        Self {
            node: node.into(),
            unit: unit.into(),
            year,
            index,
            kind: PublishedKind::Actual,
            quote: String::new(),
        }
    }
}

/// A checked set of published figures for one framework and panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    source_name: String,
    base_year: Year,
    /// In input order.
    figures: Vec<PublishedFigure>,
    /// The line (or record number) of each figure, for messages.
    lines: Vec<u64>,
}

const PUBLISHED_COLUMNS: &str = "node,year,index[,unit,kind,quote]";

impl Published {
    /// Reads `node,year,index[,unit,kind,quote]` (columns in any order, extra columns
    /// ignored, cells trimmed). Without a `unit` column every figure is for the panel's only
    /// unit. `kind` is `actual` (also when empty) or `estimate`. The published base year
    /// (index 100) is the panel's first year; see [`Self::with_base_year`].
    ///
    /// Errors name `source_name`, the line, the field and the value: a node not in the
    /// framework, a unit not in the panel, a year outside the panel or not after the base
    /// year, an index that is not a number > 0, a second figure for one node, unit and year.
    pub fn read_csv<R: Read>(
        framework: &Framework,
        panel: &Panel,
        reader: R,
        source_name: &str,
    ) -> Result<Self> {
        let table = Table::open(reader, source_name, PUBLISHED_COLUMNS)?;
        let c_node = table.required("node")?;
        let c_year = table.required("year")?;
        let c_index = table.required("index")?;
        let col = |name: &str| table.column(name);
        let (c_unit, c_kind, c_quote) = (col("unit"), col("kind"), col("quote"));
        let only_unit = match (c_unit, panel.units()) {
            (Some(_), _) => None,
            (None, [one]) => Some(one.clone()),
            (None, units) => {
                return Err(IndexError::MissingColumn {
                    source_name: source_name.to_string(),
                    column: "unit".into(),
                    expected: format!(
                        "{PUBLISHED_COLUMNS}; the unit is required because the panel has {} units",
                        units.len()
                    ),
                });
            }
        };
        let mut figures = Vec::new();
        let mut lines = Vec::new();
        table.for_each(PUBLISHED_MAX, "published figures", |record, line| {
            let get = |c: Option<usize>| cell(record, c);
            let year_s = get(Some(c_year));
            let year: Year = year_s.parse().map_err(|_| {
                IndexError::invalid(source_name, line, "year", year_s, "not a whole number")
            })?;
            let index_s = get(Some(c_index));
            let index: f64 = index_s.parse().map_err(|_| {
                IndexError::invalid(source_name, line, "index", index_s, "not a number")
            })?;
            let kind = match get(c_kind) {
                "" | "actual" => PublishedKind::Actual,
                "estimate" => PublishedKind::Estimate,
                s => {
                    return Err(IndexError::invalid(
                        source_name,
                        line,
                        "kind",
                        s,
                        "must be actual or estimate",
                    ));
                }
            };
            figures.push(PublishedFigure {
                node: get(Some(c_node)).to_string(),
                unit: only_unit.clone().unwrap_or_else(|| get(c_unit).to_string()),
                year,
                index,
                kind,
                quote: get(c_quote).to_string(),
            });
            lines.push(line);
            Ok(())
        })?;
        Self::build(framework, panel, figures, lines, source_name)
    }

    /// Checks figures made in code; errors give the 1-based record number as the line of
    /// source `published`.
    pub fn from_records<I>(framework: &Framework, panel: &Panel, records: I) -> Result<Self>
    where
        I: IntoIterator<Item = PublishedFigure>,
    {
        let figures: Vec<PublishedFigure> = records.into_iter().take(PUBLISHED_MAX + 1).collect();
        if figures.len() > PUBLISHED_MAX {
            return Err(IndexError::TooLarge {
                what: "number of published figures".into(),
                limit: PUBLISHED_MAX as u64,
                actual: figures.len() as u64,
            });
        }
        let lines = (1..=figures.len() as u64).collect();
        Self::build(framework, panel, figures, lines, "published")
    }

    fn build(
        framework: &Framework,
        panel: &Panel,
        figures: Vec<PublishedFigure>,
        lines: Vec<u64>,
        source_name: &str,
    ) -> Result<Self> {
        let Some((first, last)) = panel.year_span() else {
            if let (Some(f), Some(&line)) = (figures.first(), lines.first()) {
                return Err(IndexError::invalid(
                    source_name,
                    line,
                    "year",
                    f.year.to_string(),
                    "outside the panel: it has no observations",
                ));
            }
            return Ok(Self {
                source_name: source_name.to_string(),
                base_year: 0,
                figures,
                lines,
            });
        };
        let out = Self {
            source_name: source_name.to_string(),
            base_year: first,
            figures,
            lines,
        };
        out.check(framework, panel, (first, last))?;
        Ok(out)
    }

    /// The same figures with another published base year (the year whose index is 100):
    /// every figure must lie after it, inside the panel's years.
    pub fn with_base_year(
        self,
        framework: &Framework,
        panel: &Panel,
        base_year: Year,
    ) -> Result<Self> {
        let span = panel.year_span().unwrap_or((base_year, base_year));
        if base_year < span.0 || base_year > span.1 {
            return Err(IndexError::Options(format!(
                "the published base year {base_year} is outside the panel's years {}–{}",
                span.0, span.1
            )));
        }
        let out = Self { base_year, ..self };
        out.check(framework, panel, span)?;
        Ok(out)
    }

    fn check(
        &self,
        framework: &Framework,
        panel: &Panel,
        (first, last): (Year, Year),
    ) -> Result<()> {
        let src = self.source_name.as_str();
        let mut seen: HashMap<(&str, &str, Year), u64> = HashMap::with_capacity(self.figures.len());
        for (f, &line) in self.figures.iter().zip(&self.lines) {
            if framework.index_of(&f.node).is_none() {
                return Err(IndexError::invalid(
                    src,
                    line,
                    "node",
                    &f.node,
                    "not an id of the framework",
                ));
            }
            if panel.unit_index(&f.unit).is_none() {
                return Err(IndexError::invalid(
                    src,
                    line,
                    "unit",
                    &f.unit,
                    "not a unit of the panel",
                ));
            }
            if f.year < first || f.year > last {
                return Err(IndexError::invalid(
                    src,
                    line,
                    "year",
                    f.year.to_string(),
                    format!("outside the panel's years {first}–{last}"),
                ));
            }
            if f.year <= self.base_year {
                return Err(IndexError::invalid(
                    src,
                    line,
                    "year",
                    f.year.to_string(),
                    format!(
                        "not after the published base year {} (whose index is 100 by definition)",
                        self.base_year
                    ),
                ));
            }
            if !(f.index.is_finite() && f.index > 0.0) {
                return Err(IndexError::invalid(
                    src,
                    line,
                    "index",
                    f.index.to_string(),
                    "must be a finite number > 0",
                ));
            }
            if let Some(first_line) = seen.insert((&f.node, &f.unit, f.year), line) {
                return Err(IndexError::invalid(
                    src,
                    line,
                    "year",
                    f.year.to_string(),
                    format!(
                        "a second figure for node '{}', unit '{}' (the first is on line {first_line})",
                        f.node, f.unit
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The figures, in input order.
    pub fn figures(&self) -> &[PublishedFigure] {
        &self.figures
    }

    /// The year whose published index is 100.
    pub fn base_year(&self) -> Year {
        self.base_year
    }

    /// The name errors give for the input.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// Number of figures.
    pub fn len(&self) -> usize {
        self.figures.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.figures.is_empty()
    }

    /// The figures grouped by (node, unit), each group sorted by year.
    pub(crate) fn paths(&self) -> BTreeMap<(&str, &str), Vec<&PublishedFigure>> {
        let mut out: BTreeMap<(&str, &str), Vec<&PublishedFigure>> = BTreeMap::new();
        for f in &self.figures {
            out.entry((f.node.as_str(), f.unit.as_str()))
                .or_default()
                .push(f);
        }
        for v in out.values_mut() {
            v.sort_by_key(|f| f.year);
        }
        out
    }
}

/// Whether a node with published figures takes its published path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishedUse {
    /// The default rule: the path stands in when the node's raw figure, in some year from the
    /// published base year to its last published year, rests partly on leaves without data
    /// (`missing_share > 0`) or on filled values (`estimated_share > 0`: its leaves are known
    /// only at end points, say). A node whose raw figure is fully observed over its path keeps
    /// it, and `index validate` shows the difference.
    #[default]
    Auto,
    /// Always its published path.
    Always,
    /// Never: its raw figure, as with `--raw`.
    Never,
}

impl PublishedUse {
    /// `auto`, `always` or `never`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Always => "always",
            Self::Never => "never",
        }
    }
}

/// Which nodes take their published path: [`PublishedUse::Auto`] for every node unless
/// overridden per node.
///
/// ```
/// use index_engine::{PublishedRule, PublishedUse};
/// let mut rule = PublishedRule::default();
/// rule.set("patent_supply", PublishedUse::Never);
/// assert_eq!(rule.get("patent_supply"), PublishedUse::Never);
/// assert_eq!(rule.get("platforms"), PublishedUse::Auto);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PublishedRule {
    overrides: BTreeMap<String, PublishedUse>,
}

impl PublishedRule {
    /// Overrides the rule for one node.
    pub fn set(&mut self, node: impl Into<String>, use_: PublishedUse) {
        self.overrides.insert(node.into(), use_);
    }

    /// Parses one override written `NODE=auto|always|never` (a command line's
    /// `--published-rule`); the message names what is wrong.
    pub fn parse_override(s: &str) -> std::result::Result<(String, PublishedUse), String> {
        let (node, how) = s
            .split_once('=')
            .ok_or_else(|| format!("'{s}': expected NODE=auto|always|never"))?;
        let how = match how.trim() {
            "auto" => PublishedUse::Auto,
            "always" => PublishedUse::Always,
            "never" => PublishedUse::Never,
            other => return Err(format!("'{other}': expected auto, always or never")),
        };
        match node.trim() {
            "" => Err(format!("'{s}': the node id is empty")),
            node => Ok((node.to_string(), how)),
        }
    }

    /// The rule for a node.
    pub fn get(&self, node: &str) -> PublishedUse {
        self.overrides.get(node).copied().unwrap_or_default()
    }

    /// The overrides, by node id.
    pub fn overrides(&self) -> &BTreeMap<String, PublishedUse> {
        &self.overrides
    }

    /// Checks that every overridden node exists and has published figures.
    pub(crate) fn check(&self, framework: &Framework, published: &Published) -> Result<()> {
        for node in self.overrides.keys() {
            if framework.index_of(node).is_none() {
                return Err(IndexError::Unknown {
                    kind: "node",
                    name: node.clone(),
                });
            }
            if !published.figures.iter().any(|f| &f.node == node) {
                return Err(IndexError::Options(format!(
                    "node '{node}' has no published figure in {}, so a rule for it would do nothing",
                    published.source_name
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NodeSpec, Observation};

    fn fixture() -> (Framework, Panel) {
        let fw = Framework::from_nodes(vec![
            NodeSpec::root("t"),
            NodeSpec::child("a", "t"),
            NodeSpec::child("b", "t"),
        ])
        .unwrap();
        let obs = (2019..=2022).map(|y| Observation::new("a", "CN", y, 1.0));
        (fw.clone(), Panel::from_records(&fw, obs).unwrap())
    }

    fn read(csv: &str) -> Result<Published> {
        let (fw, p) = fixture();
        Published::read_csv(&fw, &p, csv.as_bytes(), "pub.csv")
    }

    #[test]
    fn every_bad_figure_names_file_line_and_value() {
        let h = "node,year,index,kind,quote\n";
        let cases = [
            (
                "zz,2020,110,,\n",
                "pub.csv: line 2: node 'zz' is invalid: not an id",
            ),
            (
                "a,2023,110,,\n",
                "pub.csv: line 2: year '2023' is invalid: outside the panel's years 2019–2022",
            ),
            (
                "a,2019,110,,\n",
                "pub.csv: line 2: year '2019' is invalid: not after the published base year 2019",
            ),
            (
                "a,2020,0,,\n",
                "pub.csv: line 2: index '0' is invalid: must be a finite number > 0",
            ),
            (
                "a,2020,-1.5,,\n",
                "pub.csv: line 2: index '-1.5' is invalid",
            ),
            ("a,2020,inf,,\n", "pub.csv: line 2: index 'inf' is invalid"),
            (
                "a,2020,x,,\n",
                "pub.csv: line 2: index 'x' is invalid: not a number",
            ),
            ("a,20x0,1,,\n", "pub.csv: line 2: year '20x0' is invalid"),
            (
                "a,2020,1,maybe,\n",
                "pub.csv: line 2: kind 'maybe' is invalid",
            ),
            (
                "a,2020,110,,\nb,2020,1,,\na,2020,120,,\n",
                "pub.csv: line 4: year '2020' is invalid: a second figure for node 'a', unit 'CN' (the first is on line 2)",
            ),
        ];
        for (body, want) in cases {
            let e = read(&format!("{h}{body}")).unwrap_err().to_string();
            assert!(e.contains(want), "{body:?}: got {e}\nwant {want}");
        }
        let e = read("node,index\na,1\n").unwrap_err().to_string();
        assert!(e.contains("missing column 'year'"), "{e}");
        let e = read("node,year,index,unit\na,2020,1,XX\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2: unit 'XX' is invalid: not a unit of the panel"),
            "{e}"
        );
    }

    #[test]
    fn figures_kinds_and_paths() {
        let p = read(
            "node,year,index,kind,quote\nt,2022,130,estimate,\"q, with comma\"\nt,2020,110,,\n",
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p.figures()[0].kind, PublishedKind::Estimate);
        assert_eq!(p.figures()[0].quote, "q, with comma");
        let paths = p.paths();
        let years: Vec<Year> = paths[&("t", "CN")].iter().map(|f| f.year).collect();
        assert_eq!(years, [2020, 2022]);
        let (fw, panel) = fixture();
        let moved = p.clone().with_base_year(&fw, &panel, 2020);
        assert!(
            moved
                .unwrap_err()
                .to_string()
                .contains("not after the published base year 2020")
        );
        let mut rule = PublishedRule::default();
        rule.set("b", PublishedUse::Always);
        assert!(
            rule.check(&fw, &p)
                .unwrap_err()
                .to_string()
                .contains("no published figure")
        );
        rule = PublishedRule::default();
        rule.set("nope", PublishedUse::Never);
        assert!(rule.check(&fw, &p).is_err());
    }

    #[test]
    fn several_units_need_a_unit_column() {
        let fw =
            Framework::from_nodes(vec![NodeSpec::root("t"), NodeSpec::child("a", "t")]).unwrap();
        let obs = vec![
            Observation::new("a", "X", 2019, 1.0),
            Observation::new("a", "Y", 2020, 1.0),
        ];
        let panel = Panel::from_records(&fw, obs).unwrap();
        let e = Published::read_csv(
            &fw,
            &panel,
            "node,year,index\nt,2020,1\n".as_bytes(),
            "p.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("missing column 'unit'") && e.contains("2 units"),
            "{e}"
        );
    }
}
