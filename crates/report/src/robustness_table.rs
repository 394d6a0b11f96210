//! The tables of an index's robustness tests (`index sensitivity`, `index uncertainty`):
//! figures rounded for people (`--format table`), at full precision for programs (the
//! shortest text that reads back to the same number).

use index_engine::Framework;
use index_engine::sensitivity::OatReport;
use index_engine::uncertainty::McReport;

use crate::format::Format;
use crate::table::Table;

/// A figure for `format`: `digits` decimals in a table for people, full precision otherwise;
/// empty for none.
pub fn figure(x: Option<f64>, format: Format, digits: usize) -> String {
    match (x, format) {
        (None, _) => String::new(),
        (Some(v), Format::Table) => format!("{v:.digits$}"),
        (Some(v), _) => v.to_string(),
    }
}

/// Per node and unit, the total at nominal weights and its lowest and highest under the
/// one-at-a-time test, with the weight and direction that gave each.
pub fn sensitivity_table(report: &OatReport, format: Format) -> Table {
    let mut t = Table::new([
        "node",
        "unit",
        "nominal",
        "low",
        "low_weight",
        "low_direction",
        "high",
        "high_weight",
        "high_direction",
    ]);
    let fmt = |x: Option<f64>| figure(x, format, 3);
    let by = |s: &Option<index_engine::sensitivity::Shift>| {
        s.as_ref()
            .map(|s| (s.weight.clone(), s.direction.as_str().to_string()))
            .unwrap_or_default()
    };
    for r in &report.rows {
        let (lw, ld) = by(&r.low_by);
        let (hw, hd) = by(&r.high_by);
        t.push([
            r.node.clone(),
            r.unit.clone(),
            fmt(r.nominal),
            fmt(r.low),
            lw,
            ld,
            fmt(r.high),
            hw,
            hd,
        ]);
    }
    t
}

/// Per weight moved, the change of the total in percent (the largest over the units), with
/// the heading that says what moved and by how much.
pub fn sensitivity_cases(fw: &Framework, report: &OatReport, perturb: f64) -> (String, Table) {
    let mut c = Table::new(["weight", "direction", "total_change_pct", "unit"]);
    for case in &report.cases {
        c.push([
            case.shift.weight.clone(),
            case.shift.direction.as_str().to_string(),
            format!("{:+.4}", case.total_change_pct),
            case.unit.clone(),
        ]);
    }
    let heading = format!(
        "Change of the total '{}' in {} per weight moved by ±{}%:",
        fw.root_node().spec.id,
        report.year,
        perturb * 100.0
    );
    (heading, c)
}

/// Per node, unit and year, the nominal value and the 5th, 50th and 95th percentiles of the
/// Monte Carlo draws.
pub fn uncertainty_table(report: &McReport, format: Format) -> Table {
    let mut t = Table::new(["node", "unit", "year", "nominal", "p5", "p50", "p95"]);
    let fmt = |x: Option<f64>| figure(x, format, 2);
    for b in &report.bands {
        t.push([
            b.node.clone(),
            b.unit.clone(),
            b.year.to_string(),
            fmt(b.nominal),
            fmt(b.p5),
            fmt(b.p50),
            fmt(b.p95),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_rounded_for_people_only() {
        assert_eq!(figure(Some(1.23456), Format::Table, 3), "1.235");
        assert_eq!(figure(Some(1.23456), Format::Csv, 3), "1.23456");
        assert_eq!(figure(None, Format::Json, 2), "");
    }
}
