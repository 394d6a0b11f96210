//! One result described once and shown three ways, so that every command prints its result
//! the same way: for people its heading, table and notes; as CSV its table alone; as JSON
//! its typed value (the library value's own serde form, or else the table's rows).

use std::io::Write;

use serde::Serialize;

use crate::error::Result;
use crate::format::Format;
use crate::lang::Lang;
use crate::table::Table;

/// A result a command prints: implemented once per result type, shown by [`write_shown`].
pub trait Shown {
    /// The rows, for people and CSV.
    fn table(&self) -> Table;

    /// The pretty JSON for programs, when it is not the table's rows (see [`json_of`]).
    fn json(&self) -> Option<Result<String>> {
        None
    }

    /// Lines printed for people in `lang` before the table.
    fn heading(&self, lang: Lang) -> Vec<String> {
        let _ = lang;
        Vec::new()
    }

    /// Lines printed for people in `lang` after the table.
    fn notes(&self, lang: Lang) -> Vec<String> {
        let _ = lang;
        Vec::new()
    }
}

/// The pretty JSON of a serialisable value, for [`Shown::json`] (the fields in their
/// declared order).
pub fn json_of<T: Serialize + ?Sized>(value: &T) -> Option<Result<String>> {
    Some(serde_json::to_string_pretty(value).map_err(Into::into))
}

/// Writes `value` in `format` to `out`, for people in `lang`.
pub fn write_shown(
    value: &dyn Shown,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<()> {
    match (format, value.json()) {
        (Format::Json, Some(json)) => writeln!(out, "{}", json?)?,
        (Format::Table, _) => {
            for line in value.heading(lang) {
                writeln!(out, "{line}")?;
            }
            value.table().write_in(format, lang, out)?;
            for line in value.notes(lang) {
                writeln!(out, "{line}")?;
            }
        }
        _ => value.table().write_in(format, lang, out)?,
    }
    Ok(out.flush()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::Cell;

    #[derive(Serialize)]
    struct Paid {
        firm: &'static str,
        amount_fen: i64,
    }

    impl Shown for Paid {
        fn table(&self) -> Table {
            let mut t = Table::new(["firm", "amount_yuan"]);
            t.push([Cell::from(self.firm), Cell::from("1.50")]);
            t
        }
        fn json(&self) -> Option<Result<String>> {
            json_of(self)
        }
        fn heading(&self, _: Lang) -> Vec<String> {
            vec!["paid:".into()]
        }
        fn notes(&self, _: Lang) -> Vec<String> {
            vec!["one payment".into()]
        }
    }

    fn shown(format: Format) -> String {
        let mut out = Vec::new();
        let paid = Paid {
            firm: "a",
            amount_fen: 150,
        };
        write_shown(&paid, format, Lang::En, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn people_get_heading_table_notes_csv_the_table_json_the_value() {
        let table = shown(Format::Table);
        assert!(table.starts_with("paid:\n"), "{table}");
        assert!(table.ends_with("one payment\n"), "{table}");
        assert!(table.contains("amount_yuan"), "{table}");
        assert_eq!(shown(Format::Csv), "firm,amount_yuan\na,1.50\n");
        assert_eq!(
            shown(Format::Json),
            "{\n  \"firm\": \"a\",\n  \"amount_fen\": 150\n}\n"
        );
    }
}
