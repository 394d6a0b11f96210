//! Observations and the panel: raw values laid out densely as leaf × unit × year.
//!
//! Observations arrive as long records `indicator,unit,year,value[,source]` (CSV through
//! [`Panel::read_csv`], or in memory through [`Panel::from_records`]). Both go through
//! [`PanelBuilder`], which checks each record as it comes and the whole set at the end, so a
//! bad record leaves nothing half-built. Units are plain strings (regions, firms, provinces)
//! and are sorted, so the same data gives the same layout whatever the input order.

use std::collections::HashMap;
use std::io::{Read, Write};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::framework::{Framework, Year};

/// Most cells (leaves × units × years) a panel may hold: 8 bytes each, so 800 MB of values.
pub const MAX_CELLS: usize = 100_000_000;
/// Longest span of years a panel may cover.
pub const MAX_YEARS: usize = 1_000;
/// Most observations accepted from one input.
pub const MAX_OBSERVATIONS: usize = 100_000_000;

/// One raw value: indicator (a leaf id), unit, year, value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Leaf id in the framework.
    pub indicator: String,
    /// The unit observed (region, firm, …).
    pub unit: String,
    /// Statistical year.
    pub year: Year,
    /// The value, ≥ 0 and finite, in the leaf's unit of measurement.
    pub value: f64,
    /// Where the value comes from (free text), if known.
    pub source: Option<String>,
}

impl Observation {
    /// An observation without a source.
    pub fn new(
        indicator: impl Into<String>,
        unit: impl Into<String>,
        year: Year,
        value: f64,
    ) -> Self {
        Self {
            indicator: indicator.into(),
            unit: unit.into(),
            year,
            value,
            source: None,
        }
    }
}

/// Raw observations of every leaf for every unit and year, as one dense array
/// (`NaN` where nothing was observed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    leaf_ids: Vec<String>,
    units: Vec<String>,
    first_year: Year,
    years: usize,
    /// `[leaf][unit][year]`, `NaN` = not observed.
    #[serde(with = "crate::nan_serde")]
    values: Vec<f64>,
    observed: usize,
}

#[derive(Debug, Clone, Copy)]
struct Rec {
    leaf: u32,
    unit: u32,
    year: Year,
    value: f64,
}

/// Collects observations one by one, checking each, and lays them out as a [`Panel`].
#[derive(Debug, Clone)]
pub struct PanelBuilder<'f> {
    framework: &'f Framework,
    source_name: String,
    unit_ids: HashMap<String, u32>,
    units: Vec<String>,
    recs: Vec<Rec>,
    /// Line (or record number) of each record; read only to name a duplicate's first line.
    lines: Vec<u64>,
    year_min: Year,
    year_max: Year,
}

impl<'f> PanelBuilder<'f> {
    /// A builder for observations of `framework`'s leaves; `source_name` labels errors.
    pub fn new(framework: &'f Framework, source_name: &str) -> Self {
        Self {
            framework,
            source_name: source_name.to_string(),
            unit_ids: HashMap::new(),
            units: Vec::new(),
            recs: Vec::new(),
            lines: Vec::new(),
            year_min: Year::MAX,
            year_max: Year::MIN,
        }
    }

    /// Adds one observation found at `line` (a line number, or a record number for
    /// in-memory input). Rejects unknown or non-leaf indicators, empty units and values that
    /// are negative or not finite.
    pub fn add(
        &mut self,
        indicator: &str,
        unit: &str,
        year: Year,
        value: f64,
        line: u64,
    ) -> Result<()> {
        let src = self.source_name.as_str();
        let node = self.framework.index_of(indicator).ok_or_else(|| {
            IndexError::invalid(
                src,
                line,
                "indicator",
                indicator,
                "not an id of the framework",
            )
        })?;
        let leaf = self.framework.nodes()[node].leaf.ok_or_else(|| {
            IndexError::invalid(
                src,
                line,
                "indicator",
                indicator,
                "is not a leaf of the framework; only leaves take observations (inner nodes are computed)",
            )
        })?;
        if unit.is_empty() {
            return Err(IndexError::invalid(
                src,
                line,
                "unit",
                unit,
                "must not be empty",
            ));
        }
        if !value.is_finite() {
            return Err(IndexError::invalid(
                src,
                line,
                "value",
                value.to_string(),
                "must be a finite number",
            ));
        }
        if value < 0.0 {
            return Err(IndexError::invalid(
                src,
                line,
                "value",
                value.to_string(),
                "negative values are not allowed (the symmetric growth rate needs values ≥ 0)",
            ));
        }
        if self.recs.len() >= MAX_OBSERVATIONS {
            return Err(IndexError::TooLarge {
                what: format!("{src}: number of observations"),
                limit: MAX_OBSERVATIONS as u64,
                actual: self.recs.len() as u64 + 1,
            });
        }
        let unit_id = match self.unit_ids.get(unit) {
            Some(&u) => u,
            None => {
                let u = u32::try_from(self.units.len()).map_err(|_| IndexError::TooLarge {
                    what: format!("{src}: number of units"),
                    limit: u64::from(u32::MAX),
                    actual: self.units.len() as u64,
                })?;
                self.unit_ids.insert(unit.to_string(), u);
                self.units.push(unit.to_string());
                u
            }
        };
        self.recs.push(Rec {
            leaf: leaf as u32,
            unit: unit_id,
            year,
            value,
        });
        self.lines.push(line);
        self.year_min = self.year_min.min(year);
        self.year_max = self.year_max.max(year);
        Ok(())
    }

    /// Adds every row of a long CSV `indicator,unit,year,value[,source]` (columns in any
    /// order, extra columns ignored); errors name the builder's source and the line. On error
    /// the builder should be dropped: nothing reaches a panel unless [`Self::finish`] succeeds.
    pub fn read_csv<R: Read>(&mut self, reader: R) -> Result<()> {
        let source_name = self.source_name.clone();
        let source_name = source_name.as_str();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header = rdr
            .byte_headers()
            .map_err(|e| IndexError::csv(source_name, &e))?
            .clone();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name.as_bytes())
                .ok_or_else(|| IndexError::MissingColumn {
                    source_name: source_name.to_string(),
                    column: name.to_string(),
                    expected: OBS_COLUMNS.to_string(),
                })
        };
        let (c_ind, c_unit, c_year, c_val) =
            (col("indicator")?, col("unit")?, col("year")?, col("value")?);
        let mut rec = csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(IndexError::csv(source_name, &e)),
            }
            let line = rec.position().map_or(0, csv::Position::line);
            let field = |c: usize, name: &str| -> Result<&str> {
                let raw = rec.get(c).unwrap_or(b"");
                std::str::from_utf8(raw).map_err(|_| {
                    IndexError::invalid(
                        source_name,
                        line,
                        name,
                        String::from_utf8_lossy(raw),
                        "not valid UTF-8",
                    )
                })
            };
            let indicator = field(c_ind, "indicator")?;
            let unit = field(c_unit, "unit")?;
            let year_s = field(c_year, "year")?;
            let year: Year = year_s.parse().map_err(|_| {
                IndexError::invalid(source_name, line, "year", year_s, "not a whole number")
            })?;
            let value_s = field(c_val, "value")?;
            if value_s.is_empty() {
                return Err(IndexError::invalid(
                    source_name,
                    line,
                    "value",
                    value_s,
                    "empty; leave the row out when a value is missing",
                ));
            }
            let value: f64 = value_s.parse().map_err(|_| {
                IndexError::invalid(source_name, line, "value", value_s, "not a number")
            })?;
            self.add(indicator, unit, year, value, line)?;
        }
        Ok(())
    }

    /// Lays the observations out densely; rejects duplicates (naming both lines) and panels
    /// beyond [`MAX_CELLS`] or [`MAX_YEARS`].
    pub fn finish(self) -> Result<Panel> {
        let src = self.source_name.as_str();
        let leaf_ids: Vec<String> = self.framework.leaf_ids().map(str::to_string).collect();
        let (first_year, years) = if self.recs.is_empty() {
            (0, 0)
        } else {
            (
                self.year_min,
                (i64::from(self.year_max) - i64::from(self.year_min) + 1) as usize,
            )
        };
        if years > MAX_YEARS {
            return Err(IndexError::TooLarge {
                what: format!("{src}: span of years"),
                limit: MAX_YEARS as u64,
                actual: years as u64,
            });
        }
        // Units sorted by name; `rank[old id]` is the position in the sorted list.
        let mut order: Vec<u32> = (0..self.units.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.units[a as usize].cmp(&self.units[b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (pos, &old) in order.iter().enumerate() {
            rank[old as usize] = pos as u32;
        }
        let mut units_sorted: Vec<String> = Vec::with_capacity(order.len());
        let mut units = self.units;
        for &old in &order {
            units_sorted.push(std::mem::take(&mut units[old as usize]));
        }
        let n_units = units_sorted.len();
        let cells = leaf_ids
            .len()
            .checked_mul(n_units)
            .and_then(|x| x.checked_mul(years))
            .unwrap_or(usize::MAX);
        if cells > MAX_CELLS {
            return Err(IndexError::TooLarge {
                what: format!("{src}: panel cells (leaves × units × years)"),
                limit: MAX_CELLS as u64,
                actual: cells as u64,
            });
        }
        // Zeroed memory comes lazily from the allocator; marking it missing in parallel
        // spreads the first touch over the threads.
        let mut values = vec![0.0f64; cells];
        values
            .par_chunks_mut(1 << 16)
            .for_each(|c| c.fill(f64::NAN));
        for (i, r) in self.recs.iter().enumerate() {
            let t = (r.year - first_year) as usize;
            let cell = (r.leaf as usize * n_units + rank[r.unit as usize] as usize) * years + t;
            // Values are never NaN (add rejects them), so a value in the cell is a duplicate.
            if !values[cell].is_nan() {
                let same = |q: &Rec| q.leaf == r.leaf && q.unit == r.unit && q.year == r.year;
                let first = self.recs.iter().position(same).unwrap_or(i);
                return Err(IndexError::DuplicateObservation {
                    source_name: src.to_string(),
                    line: self.lines[i],
                    first_line: self.lines[first],
                    indicator: leaf_ids[r.leaf as usize].clone(),
                    unit: units_sorted[rank[r.unit as usize] as usize].clone(),
                    year: r.year,
                });
            }
            values[cell] = r.value;
        }
        Ok(Panel {
            leaf_ids,
            units: units_sorted,
            first_year,
            years,
            values,
            observed: self.recs.len(),
        })
    }
}

const OBS_COLUMNS: &str = "indicator,unit,year,value[,source]";

impl Panel {
    /// Reads observations in the long CSV format `indicator,unit,year,value[,source]`
    /// (columns in any order, extra columns ignored). Errors name `source_name` and the line.
    ///
    /// ```
    /// use index_engine::{Framework, NodeSpec, Panel};
    /// let fw = Framework::from_nodes(vec![NodeSpec::root("t"), NodeSpec::child("x", "t")]).unwrap();
    /// let csv = "indicator,unit,year,value\nx,CN,2020,1.5\nx,CN,2021,2\n";
    /// let panel = Panel::read_csv(&fw, csv.as_bytes(), "obs.csv").unwrap();
    /// assert_eq!(panel.value(0, 0, 2021), Some(2.0));
    /// let bad = "indicator,unit,year,value\nx,CN,2020,-1\n";
    /// let err = Panel::read_csv(&fw, bad.as_bytes(), "obs.csv").unwrap_err();
    /// assert!(err.to_string().starts_with("obs.csv: line 2: value '-1'"));
    /// ```
    pub fn read_csv<R: Read>(framework: &Framework, reader: R, source_name: &str) -> Result<Self> {
        let mut b = PanelBuilder::new(framework, source_name);
        b.read_csv(reader)?;
        b.finish()
    }

    /// Builds a panel from in-memory observations; errors give the 1-based record number as
    /// the line of source `observations`.
    pub fn from_records<I>(framework: &Framework, records: I) -> Result<Self>
    where
        I: IntoIterator<Item = Observation>,
    {
        let mut b = PanelBuilder::new(framework, "observations");
        for (i, o) in records.into_iter().enumerate() {
            b.add(&o.indicator, &o.unit, o.year, o.value, i as u64 + 1)?;
        }
        b.finish()
    }

    /// Writes the panel's observed values as CSV `indicator,unit,year,value,source` in leaf,
    /// unit, year order, with `source` in every row.
    pub fn write_csv<W: Write>(&self, writer: W, source: &str) -> Result<()> {
        let err = |e: csv::Error| IndexError::csv("observations output", &e);
        let mut w = csv::Writer::from_writer(writer);
        w.write_record(["indicator", "unit", "year", "value", "source"])
            .map_err(err)?;
        let mut year_buf = String::new();
        let mut val_buf = String::new();
        for (l, leaf) in self.leaf_ids.iter().enumerate() {
            for (u, unit) in self.units.iter().enumerate() {
                for t in 0..self.years {
                    let v = self.values[(l * self.units.len() + u) * self.years + t];
                    if v.is_nan() {
                        continue;
                    }
                    year_buf.clear();
                    val_buf.clear();
                    use std::fmt::Write as _;
                    let _ = write!(year_buf, "{}", self.first_year + t as Year);
                    let _ = write!(val_buf, "{v}");
                    w.write_record([leaf.as_str(), unit, &year_buf, &val_buf, source])
                        .map_err(err)?;
                }
            }
        }
        w.flush().map_err(|e| IndexError::Csv {
            source_name: "observations output".into(),
            line: 0,
            message: e.to_string(),
        })
    }

    /// Units, sorted.
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// Position of `unit` in [`Self::units`].
    pub fn unit_index(&self, unit: &str) -> Option<usize> {
        self.units.binary_search_by(|u| u.as_str().cmp(unit)).ok()
    }

    /// Leaf ids (the framework's leaves, in its order).
    pub fn leaf_ids(&self) -> &[String] {
        &self.leaf_ids
    }

    /// The first and last year with any observation, or `None` for an empty panel.
    pub fn year_span(&self) -> Option<(Year, Year)> {
        (self.years > 0).then(|| (self.first_year, self.first_year + self.years as Year - 1))
    }

    /// Number of observed values.
    pub fn observed(&self) -> usize {
        self.observed
    }

    /// The raw value of leaf `leaf` (position among the leaves) for unit `unit` (position
    /// among the units) in `year`, if observed.
    pub fn value(&self, leaf: usize, unit: usize, year: Year) -> Option<f64> {
        if leaf >= self.leaf_ids.len() || unit >= self.units.len() || year < self.first_year {
            return None;
        }
        let t = (year - self.first_year) as usize;
        if t >= self.years {
            return None;
        }
        let v = self.values[(leaf * self.units.len() + unit) * self.years + t];
        (!v.is_nan()).then_some(v)
    }

    /// The raw series of one leaf and unit, one slot per year from the first year (`NaN` =
    /// not observed).
    pub fn series(&self, leaf: usize, unit: usize) -> Option<&[f64]> {
        if leaf >= self.leaf_ids.len() || unit >= self.units.len() {
            return None;
        }
        let start = (leaf * self.units.len() + unit) * self.years;
        self.values.get(start..start + self.years)
    }

    pub(crate) fn from_dense(
        leaf_ids: Vec<String>,
        units: Vec<String>,
        first_year: Year,
        years: usize,
        values: Vec<f64>,
        observed: usize,
    ) -> Self {
        debug_assert_eq!(values.len(), leaf_ids.len() * units.len() * years);
        debug_assert!(units.windows(2).all(|w| w[0] < w[1]));
        Self {
            leaf_ids,
            units,
            first_year,
            years,
            values,
            observed,
        }
    }

    pub(crate) fn into_parts(self) -> (Vec<String>, Vec<String>, Vec<f64>) {
        (self.leaf_ids, self.units, self.values)
    }

    pub(crate) fn first_year(&self) -> Year {
        self.first_year
    }

    pub(crate) fn n_years(&self) -> usize {
        self.years
    }

    pub(crate) fn raw(&self) -> &[f64] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::NodeSpec;

    fn fw() -> Framework {
        Framework::from_nodes(vec![
            NodeSpec::root("t"),
            NodeSpec::child("a", "t"),
            NodeSpec::child("b", "t"),
        ])
        .unwrap()
    }

    fn read(csv: &str) -> Result<Panel> {
        Panel::read_csv(&fw(), csv.as_bytes(), "obs.csv")
    }

    #[test]
    fn dense_layout_sorted_units() {
        let p = read("indicator,unit,year,value,source\nb,Z,2021,3,x\na,A,2020,1,\nb,A,2022,0,\n")
            .unwrap();
        assert_eq!(p.units(), ["A", "Z"]);
        assert_eq!(p.year_span(), Some((2020, 2022)));
        assert_eq!(p.value(1, 1, 2021), Some(3.0));
        assert_eq!(p.value(1, 0, 2022), Some(0.0));
        assert_eq!(p.value(0, 0, 2021), None);
        assert_eq!(p.observed(), 3);
    }

    #[test]
    fn every_error_names_the_line() {
        let h = "indicator,unit,year,value\n";
        let cases = [
            (
                "a,CN,2020,1\nq,CN,2020,1\n",
                "obs.csv: line 3: indicator 'q' is invalid: not an id",
            ),
            (
                "t,CN,2020,1\n",
                "obs.csv: line 2: indicator 't' is invalid: is not a leaf",
            ),
            (
                "a,CN,2020,abc\n",
                "obs.csv: line 2: value 'abc' is invalid: not a number",
            ),
            (
                "a,CN,2020,-0.5\n",
                "obs.csv: line 2: value '-0.5' is invalid: negative",
            ),
            (
                "a,CN,2020,NaN\n",
                "obs.csv: line 2: value 'NaN' is invalid: must be a finite",
            ),
            (
                "a,CN,2020,\n",
                "obs.csv: line 2: value '' is invalid: empty",
            ),
            ("a,CN,20x0,1\n", "obs.csv: line 2: year '20x0' is invalid"),
            ("a,,2020,1\n", "obs.csv: line 2: unit '' is invalid"),
            (
                "a,CN,2020,1\nb,CN,2020,1\na,CN,2020,2\n",
                "obs.csv: line 4: duplicate observation for indicator 'a', unit 'CN', year 2020 (first given on line 2)",
            ),
            ("a,CN,2020\n", "obs.csv: line 2: cannot read CSV"),
        ];
        for (body, want) in cases {
            let e = read(&format!("{h}{body}")).unwrap_err().to_string();
            assert!(e.contains(want), "{body:?}: got {e}\nwant {want}");
        }
        let e = read("indicator,unit,value\n").unwrap_err().to_string();
        assert!(e.contains("missing column 'year'"), "{e}");
    }

    #[test]
    fn records_and_csv_round_trip() {
        let f = fw();
        let recs = vec![
            Observation::new("a", "CN", 2019, 1.25),
            Observation::new("b", "CN", 2020, 7.0),
            Observation::new("a", "BJ", 2020, 0.1),
        ];
        let p = Panel::from_records(&f, recs).unwrap();
        let mut buf = Vec::new();
        p.write_csv(&mut buf, "test").unwrap();
        let q = Panel::read_csv(&f, buf.as_slice(), "again").unwrap();
        // NaN != NaN, so compare the debug form (bit-exact values, same layout).
        assert_eq!(format!("{p:?}"), format!("{q:?}"));
        let e = Panel::from_records(
            &f,
            vec![
                Observation::new("a", "CN", 2019, 1.0),
                Observation::new("zz", "CN", 2019, 1.0),
            ],
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("observations: line 2: indicator 'zz'"), "{e}");
    }
}
