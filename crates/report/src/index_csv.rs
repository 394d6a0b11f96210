//! An index result as CSV at the speed of the disk: pieces of rows are formatted into byte
//! buffers on every core and handed to the writer in their order, floats are written by
//! `ryu` and years by `itoa` without an allocation per value, and each node id and unit name is quoted once (by the
//! `csv` crate itself, so quoting is what the `csv` crate would do) rather than once per row.
//! The bytes are those of writing every field with `csv::Writer` and [`full`](crate::number::full)
//! (tested against that oracle).

use std::io::Write;

use index_engine::IndexResult;
use rayon::prelude::*;

use crate::error::Result;
use crate::index::{RESULT_HEADER, Shown};
use crate::number::push_full;

/// Rows formatted by one piece of work (a run of whole node-unit series).
const PIECE_ROWS: usize = 1 << 14;

/// Pieces formatted at once, in parallel, before they are written in order: with rows of
/// about 120 bytes, the bytes held at once stay near `WINDOW_PIECES × PIECE_ROWS × 120`
/// ≈ 16 MB whatever the size of the result.
const WINDOW_PIECES: usize = 8;

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

/// What a writer needs of a result's names, prepared once.
struct Names {
    /// Each node id as a CSV field.
    ids: Vec<Vec<u8>>,
    /// Each unit name as a CSV field.
    units: Vec<Vec<u8>>,
    /// Whether the node at each position is a leaf.
    is_leaf: Vec<bool>,
}

/// Writes the header [`RESULT_HEADER`] and every row of the nodes at positions `nodes` of
/// `result` to `out`, counting what the rows hold in `shown` and calling `tick` with the
/// number of rows written after each piece.
///
/// Pieces of rows are formatted on the rayon pool and written in their order, so the bytes
/// are the same on any number of threads.
pub(crate) fn write_csv(
    result: &IndexResult,
    nodes: &[usize],
    out: &mut dyn Write,
    shown: &mut Shown,
    tick: &dyn Fn(u64),
) -> Result<()> {
    write_csv_in_pieces(result, nodes, out, shown, tick, PIECE_ROWS)
}

/// [`write_csv`] with pieces of about `piece_rows` rows (whole series, at least one).
fn write_csv_in_pieces(
    result: &IndexResult,
    nodes: &[usize],
    out: &mut dyn Write,
    shown: &mut Shown,
    tick: &dyn Fn(u64),
    piece_rows: usize,
) -> Result<()> {
    let names = Names {
        ids: result
            .node_ids()
            .iter()
            .map(|n| quoted(n))
            .collect::<Result<Vec<_>>>()?,
        units: result
            .units()
            .iter()
            .map(|u| quoted(u))
            .collect::<Result<Vec<_>>>()?,
        is_leaf: (0..result.node_ids().len())
            .map(|n| result.is_leaf(n))
            .collect(),
    };
    let mut header = RESULT_HEADER.join(",").into_bytes();
    header.push(b'\n');
    out.write_all(&header)?;
    let nodes: Vec<usize> = nodes
        .iter()
        .copied()
        .filter(|&n| n < names.ids.len())
        .collect();
    let n_units = names.units.len();
    // Series k is node nodes[k / n_units], unit k % n_units: the order of `rows_of_nodes`.
    let series = nodes.len() * n_units;
    let per_piece = (piece_rows / result.years().len().max(1)).max(1);
    let mut from = 0;
    while from < series {
        let to = series.min(from + per_piece * WINDOW_PIECES);
        let pieces: Vec<(Vec<u8>, Shown)> = (from..to)
            .step_by(per_piece)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|a| {
                let mut piece = (Vec::with_capacity(piece_rows * 128), Shown::default());
                for k in a..to.min(a + per_piece) {
                    let n = nodes[k / n_units];
                    format_series(result, &names, n, k % n_units, &mut piece.0, &mut piece.1);
                }
                piece
            })
            .collect();
        for (bytes, piece_shown) in pieces {
            out.write_all(&bytes)?;
            tick(piece_shown.rows as u64);
            shown.absorb(piece_shown);
        }
        from = to;
    }
    Ok(())
}

/// Appends the rows of node `n` for unit `u` to `buf`, counted in `shown`.
fn format_series(
    result: &IndexResult,
    names: &Names,
    n: usize,
    u: usize,
    buf: &mut Vec<u8>,
    shown: &mut Shown,
) {
    let (mut ryu, mut itoa) = (ryu::Buffer::new(), itoa::Buffer::new());
    let is_leaf = names.is_leaf.get(n).copied().unwrap_or(false);
    for r in result.rows_of_series(n, u) {
        let c = r.cell;
        shown.count_cell(r.node, c.missing_share, is_leaf);
        buf.extend_from_slice(names.ids.get(n).map_or(r.node.as_bytes(), Vec::as_slice));
        buf.push(b',');
        buf.extend_from_slice(names.units.get(u).map_or(r.unit.as_bytes(), Vec::as_slice));
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
                push_full(buf, x, &mut ryu);
            }
        }
        buf.push(b',');
        push_full(buf, c.missing_share, &mut ryu);
        buf.push(b',');
        buf.extend_from_slice(c.source.as_str().as_bytes());
        buf.push(b'\n');
    }
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
        // Small pieces, several windows, one thread or three: the same bytes and counts.
        let mut shown_one = Shown::default();
        let in_pool = |threads: usize, shown: &mut Shown| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut bytes = b"".to_vec();
            pool.install(|| {
                write_csv_in_pieces(&r, &[2, 1, 0], &mut bytes, shown, &|_| {}, 5).unwrap()
            });
            String::from_utf8(bytes).unwrap()
        };
        let one = in_pool(1, &mut shown_one);
        let mut shown_three = Shown::default();
        assert_eq!(one, in_pool(3, &mut shown_three));
        assert_eq!(one, oracle(r.rows_of_nodes([2, 1, 0])));
        assert_eq!(shown_one, shown_three);
        assert_eq!(shown_one.rows, 3 * 4 * 12);
        assert_eq!(some, oracle(r.rows_of_nodes([2, 0])));
        assert!(
            some.lines()
                .nth(1)
                .unwrap()
                .starts_with("\"b,c\",\"Hong Kong, China\",2000,")
        );
    }
}
