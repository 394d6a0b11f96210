//! report.xlsx: every table of the cycle as a sheet of a workbook, for people who work in
//! Excel or WPS. Headings in the reader's language, typed cells (numbers as numbers, money
//! as numbers with a currency format, dates as dates, yes/no as booleans, keys as their
//! names), the header row frozen, columns as wide as their contents.
//!
//! Excel holds a number as a double: an amount is exact to the fen below ¥10¹³ (15
//! significant digits); the CSV keeps the exact decimal whatever the amount. A sheet holds
//! at most [`SHEET_ROWS_MAX`] rows: a longer table continues on sheets named `… (2)`,
//! `… (3)`.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, DocProperties, Format as XFormat, Workbook, Worksheet, XlsxError};

use super::tables::{CycleTable, heading};
use crate::cell::Cell;
use crate::error::{ReportError, Result};
use crate::lang::Lang;
use crate::messages::text;
use crate::names::Names;

/// Data rows of one sheet: Excel's 1,048,576 rows less the header.
pub const SHEET_ROWS_MAX: usize = 1_048_575;
/// Longest sheet name Excel accepts.
const SHEET_NAME_MAX: usize = 31;
/// Column width bounds, in Excel's character units.
const WIDTH_MIN: f64 = 8.0;
const WIDTH_MAX: f64 = 60.0;
/// Rows looked at to size a column.
const WIDTH_SAMPLE_ROWS: usize = 2_000;

/// The currency format of money cells.
pub const MONEY_FORMAT: &str = "¥#,##0.00";
/// The format of date cells.
pub const DATE_FORMAT: &str = "yyyy-mm-dd";

fn xlsx_err(e: XlsxError) -> ReportError {
    ReportError::Invalid(format!("workbook: {e}"))
}

/// A sheet name Excel accepts: no `[]:*?/\`, at most 31 characters, unique in `taken`
/// (case-insensitively, as Excel compares them).
pub fn sheet_name(title: &str, part: usize, taken: &mut HashSet<String>) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let mut k = part;
    loop {
        let suffix = if k > 1 {
            format!(" ({k})")
        } else {
            String::new()
        };
        let room = SHEET_NAME_MAX - suffix.chars().count();
        let name: String = clean.chars().take(room).collect::<String>() + &suffix;
        if taken.insert(name.to_lowercase()) {
            return name;
        }
        k += 1;
    }
}

/// Width of a text in Excel's units: a CJK character takes two.
fn width_of(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
        .sum()
}

struct Formats {
    header: XFormat,
    money: XFormat,
    date: XFormat,
    float: XFormat,
}

fn write_sheet(
    ws: &mut Worksheet,
    t: &CycleTable,
    rows: &[Vec<Cell>],
    lang: Lang,
    names: &Names,
    f: &Formats,
) -> Result<()> {
    let header = &t.table.header;
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    for (k, h) in header.iter().enumerate() {
        let head = heading(h, lang, names);
        let widest = rows
            .iter()
            .take(WIDTH_SAMPLE_ROWS)
            .filter_map(|r| r.get(k))
            .map(|c| width_of(&c.text_in(lang)))
            .fold(width_of(&head), f64::max);
        let col = u16::try_from(k).map_err(|_| ReportError::Invalid("too many columns".into()))?;
        ws.set_column_width(col, (widest + 2.0).clamp(WIDTH_MIN, WIDTH_MAX))
            .map_err(xlsx_err)?;
        ws.write_string_with_format(0, col, &head, &f.header)
            .map_err(xlsx_err)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| ReportError::Invalid("too many rows".into()))?;
        for (k, c) in r.iter().enumerate() {
            let col = k as u16;
            match c {
                Cell::Null => continue,
                Cell::Int(n) => ws.write_number(row, col, *n as f64),
                Cell::Float { value, .. } if value.is_finite() => {
                    ws.write_number_with_format(row, col, *value, &f.float)
                }
                Cell::Float { .. } => continue,
                Cell::Number(d) => ws.write_number(row, col, d.to_f64().unwrap_or(0.0)),
                Cell::Money(d) => match d.to_f64() {
                    Some(x) => ws.write_number_with_format(row, col, x, &f.money),
                    None => ws.write_string(row, col, d.to_string()),
                },
                Cell::Bool(b) => ws.write_boolean(row, col, *b),
                Cell::Date(d) => ws.write_datetime_with_format(row, col, d, &f.date),
                Cell::Text(s) => ws.write_string(row, col, s),
                Cell::Term(_) => ws.write_string(row, col, c.text_in(lang)),
            }
            .map_err(xlsx_err)?;
        }
    }
    Ok(())
}

/// The workbook of `tables` in `lang`, titled `title` and dated `date` (the cycle's ledger
/// date, so that the same cycle gives the same bytes), as the bytes of an .xlsx file.
pub fn workbook(
    tables: &[CycleTable],
    lang: Lang,
    names: &Names,
    title: &str,
    date: NaiveDate,
) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_creation_datetime(&date),
    );
    let f = Formats {
        header: XFormat::new()
            .set_bold()
            .set_background_color(Color::RGB(0xEEEEEE))
            .set_text_wrap(),
        money: XFormat::new().set_num_format(MONEY_FORMAT),
        date: XFormat::new().set_num_format(DATE_FORMAT),
        float: XFormat::new().set_num_format("#,##0.000"),
    };
    let mut taken = HashSet::new();
    for t in tables {
        let title = text(t.title, lang);
        let parts: Vec<&[Vec<Cell>]> = if t.table.rows.is_empty() {
            vec![&[]]
        } else {
            t.table.rows.chunks(SHEET_ROWS_MAX).collect()
        };
        for (p, rows) in parts.into_iter().enumerate() {
            let ws = wb.add_worksheet_with_constant_memory();
            ws.set_name(sheet_name(title, p + 1, &mut taken))
                .map_err(xlsx_err)?;
            write_sheet(ws, t, rows, lang, names, &f)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(sheet_name("a/b", 1, &mut taken), "a_b");
        assert_eq!(sheet_name("A/B", 1, &mut taken), "A_B (2)");
        let long = "x".repeat(40);
        let name = sheet_name(&long, 3, &mut taken);
        assert_eq!(name.chars().count(), SHEET_NAME_MAX);
        assert!(name.ends_with(" (3)"));
        assert_eq!(width_of("潜力型ab"), 8.0);
    }
}
