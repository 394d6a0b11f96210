//! An index result as CSV at the speed of the disk: the rows go into one byte buffer that
//! is handed to the writer in large blocks, floats are written by `ryu` and years by `itoa`
//! without an allocation per value, and each node id and unit name is quoted once (by the
//! `csv` crate itself, so quoting is what the `csv` crate would do) rather than once per row.
//! The bytes are those of writing every field with `csv::Writer` and [`full`](crate::number::full)
//! (tested against that oracle).

use std::io::Write;

use index_engine::IndexResult;

use crate::error::Result;
use crate::index::{RESULT_HEADER, Shown};
use crate::number::push_full;

/// Bytes gathered before they are handed to the writer.
const BLOCK_BYTES: usize = 1 << 20;

/// Rows written between two calls of the progress callback.
const TICK_ROWS: u64 = 1 << 16;

/// `field` as one CSV field (quoted when it holds a comma, quote or line break).
fn quoted(field: &str) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record([field])?;
    let mut bytes = w
        .into_inner()
        .map_err(|e| crate::error::ReportError::Io(e.into_error()))?;
    bytes.pop(); // the record's line terminator
    // A record of one empty field is written `""` so it is not a blank line; as one field
    // among others it is empty.
    if bytes == b"\"\"" {
        bytes.clear();
    }
    Ok(bytes)
}

/// Writes the header [`RESULT_HEADER`] and every row of the nodes at positions `nodes` of
/// `result` to `out`, counting what the rows hold in `shown` and calling `tick` with the
/// number of rows written every [`TICK_ROWS`] rows and at the end.
pub(crate) fn write_csv(
    result: &IndexResult,
    nodes: &[usize],
    out: &mut dyn Write,
    shown: &mut Shown,
    tick: &dyn Fn(u64),
) -> Result<()> {
    let ids = result
        .node_ids()
        .iter()
        .map(|n| quoted(n))
        .collect::<Result<Vec<_>>>()?;
    let units = result
        .units()
        .iter()
        .map(|u| quoted(u))
        .collect::<Result<Vec<_>>>()?;
    let is_leaf: Vec<bool> = (0..ids.len()).map(|n| result.is_leaf(n)).collect();
    let years = result.years().len().max(1);
    let per_node = years * units.len().max(1);
    let mut buf = Vec::with_capacity(BLOCK_BYTES + 4096);
    buf.extend_from_slice(RESULT_HEADER.join(",").as_bytes());
    buf.push(b'\n');
    let (mut ryu, mut itoa) = (ryu::Buffer::new(), itoa::Buffer::new());
    let mut since_tick = 0u64;
    let nodes: Vec<usize> = nodes.iter().copied().filter(|&n| n < ids.len()).collect();
    for (k, r) in result.rows_of_nodes(nodes.iter().copied()).enumerate() {
        let n = nodes.get(k / per_node).copied().unwrap_or(usize::MAX);
        let u = (k / years) % units.len().max(1);
        let c = r.cell;
        shown.count_cell(
            r.node,
            c.missing_share,
            is_leaf.get(n).copied().unwrap_or(false),
        );
        buf.extend_from_slice(ids.get(n).map_or(r.node.as_bytes(), Vec::as_slice));
        buf.push(b',');
        buf.extend_from_slice(units.get(u).map_or(r.unit.as_bytes(), Vec::as_slice));
        buf.push(b',');
        buf.extend_from_slice(itoa.format(r.year).as_bytes());
        for x in [
            c.index,
            c.growth,
            c.contribution,
            c.total_contribution,
            c.estimated_share,
        ] {
            buf.push(b',');
            if let Some(x) = x {
                push_full(&mut buf, x, &mut ryu);
            }
        }
        buf.push(b',');
        push_full(&mut buf, c.missing_share, &mut ryu);
        buf.push(b',');
        buf.extend_from_slice(c.source.as_str().as_bytes());
        buf.push(b'\n');
        if buf.len() >= BLOCK_BYTES {
            out.write_all(&buf)?;
            buf.clear();
        }
        since_tick += 1;
        if since_tick == TICK_ROWS {
            tick(since_tick);
            since_tick = 0;
        }
    }
    out.write_all(&buf)?;
    tick(since_tick);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::Cell as Counter;

    use index_engine::{ComputeOptions, Framework, NodeSpec, Observation, Panel, compute};

    use super::*;
    use crate::format::Format;
    use crate::index::write_result_with;
    use crate::lang::Lang;
    use crate::number::full;

    /// The bytes of the slow, obvious way: every field through `csv::Writer`, floats through
    /// `Display`.
    fn oracle<'a>(rows: impl Iterator<Item = index_engine::Row<'a>>) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(RESULT_HEADER).unwrap();
        let o = |x: Option<f64>| x.map(full).unwrap_or_default();
        for row in rows {
            let c = row.cell;
            w.write_record([
                row.node.to_string(),
                row.unit.to_string(),
                row.year.to_string(),
                o(c.index),
                o(c.growth),
                o(c.contribution),
                o(c.total_contribution),
                o(c.estimated_share),
                full(c.missing_share),
                c.source.as_str().to_string(),
            ])
            .unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn the_bytes_are_those_of_the_csv_crate_with_display() {
        let fw = Framework::from_nodes(vec![
            NodeSpec::root("total"),
            NodeSpec::child("a", "total").weight(1.0),
            NodeSpec::child("b,c", "total").weight(3.0),
        ])
        .unwrap();
        let units = ["Hong Kong, China", "say \"hi\"", "plain", "line\nbreak"];
        let mut obs = Vec::new();
        for (k, u) in units.iter().enumerate() {
            for y in 2000..2012 {
                let x = 1.0 + (k as f64 + 1.0) * f64::from(y - 1999).powf(1.37) / 7.0;
                // Gaps: interior for one unit, trailing for another, none for `b,c` of one.
                if (k == 1 && y == 2004) || (k == 2 && y > 2009) {
                    continue;
                }
                obs.push(Observation::new("a", *u, y, x));
                if k != 3 {
                    obs.push(Observation::new("b,c", *u, y, 1e-7 * x));
                }
            }
        }
        let panel = Panel::from_records(&fw, obs).unwrap();
        let r = compute(&fw, &panel, &ComputeOptions::default()).unwrap();
        let rows = Counter::new(0u64);
        let mut ours = Vec::new();
        let tick = |n| rows.set(rows.get() + n);
        let shown = write_result_with(&r, Format::Csv, Lang::Zh, None, &mut ours, &tick).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), oracle(r.rows()));
        assert_eq!(rows.get(), 3 * 4 * 12);
        assert_eq!(shown.rows, 3 * 4 * 12);
        assert!(shown.missing_leaves.contains("b,c"), "{shown:?}");
        // A selection, in the order given; a position out of range is skipped.
        let mut some = Vec::new();
        let pick = [2, 0, 9];
        write_result_with(&r, Format::Csv, Lang::En, Some(&pick), &mut some, &|_| {}).unwrap();
        let some = String::from_utf8(some).unwrap();
        assert_eq!(some, oracle(r.rows_of_nodes([2, 0])));
        assert!(
            some.lines()
                .nth(1)
                .unwrap()
                .starts_with("\"b,c\",\"Hong Kong, China\",2000,")
        );
    }
}
