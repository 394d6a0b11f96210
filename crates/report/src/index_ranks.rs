//! Ranks of an index result: per node, unit and year the figure, the unit's rank among the
//! units that year and its change from the year before ([`index_engine::Ranks`]).

use std::io::Write;

use index_engine::{IndexResult, Ranks};

use crate::cell::Cell;
use crate::error::Result;
use crate::format::Format;
use crate::lang::Lang;
use crate::table::RowWriter;

/// The columns of the ranks in every format.
pub const RANKS_HEADER: [&str; 6] = ["node", "unit", "year", "index", "rank", "rank_change"];

/// Writes, for the nodes at positions `nodes` (framework order), every unit (sorted) and year,
/// the index (the score of a level method), the rank (1 the highest; ties share the lowest)
/// and the rank change (the previous year's rank minus this one's: positive is a move up), in
/// `format`. Empty cells where a unit has no figure, and no change in the first year. The
/// table for people rounds the index to 2 decimals, shows its first rows like every table and
/// ranks every row it shows; CSV and JSON keep full precision.
pub fn write_ranks_to(
    result: &IndexResult,
    ranks: &Ranks,
    nodes: &[usize],
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<()> {
    let mut w = RowWriter::new(format, RANKS_HEADER, out)?.lang(lang);
    let years = result.years();
    let total = nodes.len() * result.units().len() * years.len();
    let room = w.room().unwrap_or(total);
    let mut written = 0;
    'rows: for &node in nodes {
        let Some(id) = result.node_ids().get(node) else {
            continue;
        };
        for (unit, name) in result.units().iter().enumerate() {
            let Some(series) = result.index_series(node, unit) else {
                continue;
            };
            for (t, (&year, &x)) in years.iter().zip(series).enumerate() {
                if written == room {
                    break 'rows;
                }
                let index = (!x.is_nan()).then_some(x);
                let index = match format {
                    Format::Table => index.map_or(Cell::Null, |v| Cell::fixed(v, 2)),
                    _ => Cell::from(index),
                };
                w.row([
                    Cell::from(id),
                    Cell::from(name),
                    Cell::from(year),
                    index,
                    Cell::from(ranks.rank(node, unit, t)),
                    Cell::from(ranks.rank_change(node, unit, t)),
                ])?;
                written += 1;
            }
        }
    }
    if written < total {
        w.count_unshown((total - written) as u64)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use index_engine::{
        Aggregation, ComputeOptions, Framework, Level, Normalisation, Panel, compute_with,
    };

    use super::*;

    #[test]
    fn csv_and_table_carry_ranks_and_changes() {
        let fw = Framework::read_csv("id,parent\nt,\na,t\n".as_bytes(), "fw.csv").unwrap();
        let obs = "indicator,unit,year,value\n\
                   a,X,2023,1\na,Y,2023,3\na,Z,2023,3\n\
                   a,X,2024,5\na,Y,2024,2\na,Z,2024,4\n";
        let panel = Panel::read_csv(&fw, obs.as_bytes(), "obs.csv").unwrap();
        let filled = ComputeOptions::default().fill(&panel).unwrap();
        let level = Level {
            normalisation: Normalisation::MinMax,
            aggregation: Aggregation::Arithmetic,
        };
        let r = compute_with(&level, &fw, &filled, None).unwrap();
        let mut out = Vec::new();
        write_ranks_to(&r, &r.ranks(), &[0], Format::Csv, Lang::En, &mut out).unwrap();
        // 2023: Y and Z tie first (100), X third; 2024: X 100, Z 2/3, Y 0.
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "node,unit,year,index,rank,rank_change\n\
             t,X,2023,0,3,\nt,X,2024,100,1,2\n\
             t,Y,2023,100,1,\nt,Y,2024,0,3,-2\n\
             t,Z,2023,100,1,\nt,Z,2024,66.66666666666666,2,-1\n"
        );
        let mut out = Vec::new();
        write_ranks_to(&r, &r.ranks(), &[0], Format::Table, Lang::Zh, &mut out).unwrap();
        let table = String::from_utf8(out).unwrap();
        assert!(
            table.contains("排名变化") && table.contains("66.67"),
            "{table}"
        );
    }
}
