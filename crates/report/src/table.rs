//! Rectangular results in every format: [`RowWriter`] streams rows as they are made, so a
//! million rows never sit in memory as a table; [`Table`] collects rows first for the many
//! small results that are simpler that way.
//!
//! For people ([`Format::Table`]) the table fits the terminal's width and shows its first
//! [`TABLE_ROWS_SHOWN`] rows, then a note of how many there are (`showing 50 of 1,234 rows;
//! use --format csv for all`). CSV has one header row and full precision; JSON is an array of
//! objects keyed by the header in its order, with typed values. Neither is ever truncated.
//!
//! Only the table for people has a language ([`RowWriter::lang`]): in Chinese its headings
//! are the catalogue's labels ([`crate::messages::column`]) and its cells are shown by
//! [`Cell::text_in`]; in English the headings stay the CSV column names. CSV and JSON are the
//! same bytes in every language.

use std::io::Write;

use comfy_table::{ContentArrangement, Table as Comfy, presets::UTF8_FULL_CONDENSED};

use crate::cell::Cell;
use crate::error::Result;
use crate::format::Format;
use crate::lang::Lang;
use crate::messages::{column, fill};
use crate::number::thousands;

/// Rows a table for people shows before its note.
pub const TABLE_ROWS_SHOWN: usize = 50;

enum Sink<W: Write> {
    People {
        out: W,
        kept: Vec<Vec<String>>,
        shown: usize,
        lang: Lang,
    },
    // Boxed: the CSV writer's buffer makes it far larger than the other kinds.
    Csv(Box<csv::Writer<W>>),
    Json {
        out: W,
        keys: Vec<String>,
        first: bool,
    },
}

/// Writes a table row by row in one [`Format`].
pub struct RowWriter<W: Write> {
    header: Vec<String>,
    sink: Sink<W>,
    total: u64,
}

impl<W: Write> RowWriter<W> {
    /// Starts a table with `header` on `out` (CSV writes the header at once).
    pub fn new<I, S>(format: Format, header: I, out: W) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let sink = match format {
            Format::Table => Sink::People {
                out,
                kept: Vec::new(),
                shown: TABLE_ROWS_SHOWN,
                lang: Lang::En,
            },
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(&header)?;
                Sink::Csv(Box::new(w))
            }
            Format::Json => {
                let mut out = out;
                out.write_all(b"[")?;
                let keys = header
                    .iter()
                    .map(serde_json::to_string)
                    .collect::<std::result::Result<_, _>>()?;
                Sink::Json {
                    out,
                    keys,
                    first: true,
                }
            }
        };
        Ok(Self {
            header,
            sink,
            total: 0,
        })
    }

    /// Shows at most `rows` rows to people (the default is [`TABLE_ROWS_SHOWN`]).
    pub fn show_rows(mut self, rows: usize) -> Self {
        if let Sink::People { shown, .. } = &mut self.sink {
            *shown = rows;
        }
        self
    }

    /// Shows the table for people in `lang` (the default is English); CSV and JSON do not
    /// change.
    pub fn lang(mut self, to: Lang) -> Self {
        if let Sink::People { lang, .. } = &mut self.sink {
            *lang = to;
        }
        self
    }

    /// Writes one row (as long as the header; missing cells are empty, extra ones dropped).
    pub fn row<I, C>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = C>,
        C: Into<Cell>,
    {
        self.total += 1;
        let width = self.header.len();
        let mut cells: Vec<Cell> = cells.into_iter().map(Into::into).take(width).collect();
        cells.resize(width, Cell::Null);
        match &mut self.sink {
            Sink::People {
                kept, shown, lang, ..
            } => {
                if kept.len() < *shown {
                    kept.push(cells.iter().map(|c| c.text_in(*lang)).collect());
                }
            }
            Sink::Csv(w) => w.write_record(cells.iter().map(Cell::csv))?,
            Sink::Json { out, keys, first } => {
                out.write_all(if *first { b"\n  {" } else { b",\n  {" })?;
                *first = false;
                for (i, (k, c)) in keys.iter().zip(&cells).enumerate() {
                    if i > 0 {
                        out.write_all(b", ")?;
                    }
                    out.write_all(k.as_bytes())?;
                    out.write_all(b": ")?;
                    serde_json::to_writer(&mut *out, &c.json())?;
                }
                out.write_all(b"}")?;
            }
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.total
    }

    /// How many more rows a table for people shows (`None` for CSV and JSON, which write
    /// every row). A caller that makes each row on demand makes only these and counts the
    /// rest with [`RowWriter::count_unshown`].
    pub fn room(&self) -> Option<usize> {
        match &self.sink {
            Sink::People { kept, shown, .. } => Some(shown.saturating_sub(kept.len())),
            _ => None,
        }
    }

    /// Counts `rows` rows that a table for people leaves out, without making them: they
    /// appear in its note (`showing 50 of …`). CSV and JSON are never cut, so there it is an
    /// error.
    pub fn count_unshown(&mut self, rows: u64) -> Result<()> {
        match &self.sink {
            Sink::People { .. } => {
                self.total = self.total.saturating_add(rows);
                Ok(())
            }
            _ => Err(crate::error::ReportError::Invalid(
                "CSV and JSON write every row: none can be left out".into(),
            )),
        }
    }

    /// Ends the table: draws it for people (with the note when rows were left out), or
    /// closes the CSV or JSON, and flushes.
    pub fn finish(self) -> Result<()> {
        match self.sink {
            Sink::People {
                mut out,
                kept,
                lang,
                ..
            } => {
                let shown = kept.len() as u64;
                let header: Vec<String> = match lang {
                    Lang::En => self.header,
                    Lang::Zh => self.header.iter().map(|h| column(h, lang).into()).collect(),
                };
                let mut t = Comfy::new();
                t.load_preset(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_header(header);
                for r in kept {
                    t.add_row(r);
                }
                writeln!(out, "{t}")?;
                if self.total > shown {
                    let (shown, total) = (thousands(shown), thousands(self.total));
                    let note = fill("table.cut", lang, &[("shown", &shown), ("total", &total)]);
                    writeln!(out, "{note}")?;
                }
                out.flush()?;
            }
            Sink::Csv(mut w) => w.flush()?,
            Sink::Json { mut out, first, .. } => {
                out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

/// A rectangular result collected before it is written: a header and rows of [`Cell`]s.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names; also the CSV header and the JSON keys.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with the given column names.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn push<I, C>(&mut self, row: I)
    where
        I: IntoIterator<Item = C>,
        C: Into<Cell>,
    {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    /// Writes the table in `format` to `out` (a table for people in English).
    pub fn write_to(&self, format: Format, out: &mut dyn Write) -> Result<()> {
        self.write_in(format, Lang::En, out)
    }

    /// Writes the table in `format` to `out`, for people in `lang`.
    pub fn write_in(&self, format: Format, lang: Lang, out: &mut dyn Write) -> Result<()> {
        let mut w = RowWriter::new(format, self.header.iter().cloned(), out)?.lang(lang);
        for r in &self.rows {
            w.row(r.iter().cloned())?;
        }
        w.finish()
    }

    /// Prints the table in `format` on standard output (for people in English).
    pub fn print(&self, format: Format) -> Result<()> {
        self.print_in(format, Lang::En)
    }

    /// Prints the table in `format` on standard output, for people in `lang`.
    pub fn print_in(&self, format: Format, lang: Lang) -> Result<()> {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        self.write_in(format, lang, &mut out)?;
        out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sample() -> Table {
        let mut t = Table::new(["node", "value", "amount_yuan", "ok"]);
        t.push([
            Cell::from("fusion"),
            Cell::fixed(101.5, 1),
            Cell::money(dec!(3.10)),
            Cell::from(true),
        ]);
        t.push([
            Cell::from("a,b"),
            Cell::from(2u32),
            Cell::Null,
            Cell::from(false),
        ]);
        t
    }

    fn text(t: &Table, f: Format) -> String {
        let mut buf = Vec::new();
        t.write_to(f, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn csv_quotes_and_keeps_header() {
        assert_eq!(
            text(&sample(), Format::Csv),
            "node,value,amount_yuan,ok\nfusion,101.5,3.10,true\n\"a,b\",2,,false\n"
        );
    }

    #[test]
    fn json_is_objects_keyed_by_header_with_typed_values() {
        let v: serde_json::Value = serde_json::from_str(&text(&sample(), Format::Json)).unwrap();
        assert_eq!(v[0]["value"], 101.5);
        assert_eq!(v[0]["amount_yuan"], "3.10");
        assert_eq!(v[0]["ok"], true);
        assert_eq!(v[1]["amount_yuan"], serde_json::Value::Null);
        assert_eq!(v[1]["node"], "a,b");
        let empty: serde_json::Value =
            serde_json::from_str(&text(&Table::new(["a"]), Format::Json)).unwrap();
        assert_eq!(empty, serde_json::json!([]));
    }

    #[test]
    fn a_long_table_for_people_is_cut_with_a_note_and_csv_is_not() {
        let mut t = Table::new(["n"]);
        for k in 0..1_234u32 {
            t.push([k]);
        }
        let people = text(&t, Format::Table);
        assert!(people.contains("│ 49 "), "{people}");
        assert!(!people.contains("│ 50 "));
        assert!(people.ends_with("showing 50 of 1,234 rows; use --format csv for all\n"));
        assert_eq!(text(&t, Format::Csv).lines().count(), 1_235);
        let short = text(&sample(), Format::Table);
        assert!(!short.contains("showing"));
        assert!(short.contains("101.5") && short.contains("3.10"));
    }

    #[test]
    fn rows_left_out_unmade_are_counted_in_the_note() {
        let mut buf = Vec::new();
        let mut w = RowWriter::new(Format::Table, ["n"], &mut buf).unwrap();
        assert_eq!(w.room(), Some(TABLE_ROWS_SHOWN));
        for k in 0..TABLE_ROWS_SHOWN as u32 {
            w.row([k]).unwrap();
        }
        assert_eq!(w.room(), Some(0));
        w.count_unshown(1_000_000).unwrap();
        w.finish().unwrap();
        let people = String::from_utf8(buf).unwrap();
        assert!(people.ends_with("showing 50 of 1,000,050 rows; use --format csv for all\n"));
        let mut csv = RowWriter::new(Format::Csv, ["n"], Vec::new()).unwrap();
        assert_eq!(csv.room(), None);
        assert!(csv.count_unshown(1).is_err(), "CSV is never cut");
    }

    #[test]
    fn chinese_changes_only_the_table_for_people() {
        let t = sample();
        let mut zh = Vec::new();
        t.write_in(Format::Table, Lang::Zh, &mut zh).unwrap();
        let zh = String::from_utf8(zh).unwrap();
        assert!(zh.contains("金额（元）") && zh.contains("3.10元"), "{zh}");
        assert!(zh.contains("是") && zh.contains("否"), "{zh}");
        for f in [Format::Csv, Format::Json] {
            let mut b = Vec::new();
            t.write_in(f, Lang::Zh, &mut b).unwrap();
            assert_eq!(String::from_utf8(b).unwrap(), text(&t, f));
        }
        let mut long = Table::new(["n"]);
        for k in 0..60u32 {
            long.push([k]);
        }
        let mut b = Vec::new();
        long.write_in(Format::Table, Lang::Zh, &mut b).unwrap();
        assert!(
            String::from_utf8(b)
                .unwrap()
                .ends_with("共 60 行，显示前 50 行；全部数据请用 --format csv\n")
        );
    }
}
