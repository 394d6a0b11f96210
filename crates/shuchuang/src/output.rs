//! Output for people (tables) and programs (`--format csv|json`): the report crate's
//! printers, and standard output written so that a closed pipe ends the command quietly.

use std::io::Write;
use std::sync::OnceLock;

use anyhow::Result;
use serde::Serialize;

pub use report::{Cell, Format, Lang};

static LANG: OnceLock<Lang> = OnceLock::new();

/// Sets the language of everything printed for people (once, from `--lang` or the locale).
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language of everything printed for people.
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or_default()
}

/// Writes lines of text to standard output (a closed pipe is an `io::Error` of kind
/// `BrokenPipe`, which `main` turns into a quiet exit).
pub fn say(text: impl std::fmt::Display) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// Prints any serialisable value as pretty JSON on standard output.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value).map_err(report::ReportError::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Writes text to standard output as it is (no newline added).
pub fn put(text: impl std::fmt::Display) -> Result<()> {
    let mut out = std::io::stdout().lock();
    write!(out, "{text}")?;
    Ok(())
}

/// A table collected before it is printed (report's [`report::Table`], with the commands'
/// error type).
#[derive(Debug, Clone, Default)]
pub struct Table(report::Table);

impl Table {
    /// An empty table with the given column names.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(report::Table::new(header))
    }

    /// Appends a row.
    pub fn push<I, C>(&mut self, row: I)
    where
        I: IntoIterator<Item = C>,
        C: Into<Cell>,
    {
        self.0.push(row);
    }

    /// Prints the table in `format` on standard output, for people in `lang`.
    pub fn print_in(&self, format: Format, lang: Lang) -> Result<()> {
        Ok(self.0.print_in(format, lang)?)
    }
}

impl std::ops::Deref for Table {
    type Target = report::Table;
    fn deref(&self) -> &report::Table {
        &self.0
    }
}

/// Prints a result in `format` on standard output (report's [`report::Shown`]: heading,
/// table and notes for people, the table as CSV, its typed value as JSON).
pub fn print_shown(value: &dyn report::Shown, format: Format) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    Ok(report::write_shown(value, format, lang(), &mut out)?)
}

/// Prints a record of named fields: field/value rows, or one JSON object.
pub fn print_record(record: &report::Record, format: Format) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    record.write_to(format, &mut out)?;
    out.flush()?;
    Ok(())
}

/// Standard output that remembers a closed pipe, for writers whose errors do not carry the
/// `io::Error` (a library's own error type): after a failed write, [`Watched::check`] turns
/// a closed pipe back into one.
pub struct Watched<W: Write> {
    inner: W,
    broken: bool,
}

impl<W: Write> Watched<W> {
    /// Watches `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            broken: false,
        }
    }

    /// The result of a write through this writer, with a closed pipe as an `io::Error`.
    pub fn check<T, E>(&self, result: std::result::Result<T, E>) -> Result<T>
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        match result {
            Ok(v) => Ok(v),
            Err(_) if self.broken => {
                Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into())
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| {
            self.broken |= e.kind() == std::io::ErrorKind::BrokenPipe;
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| {
            self.broken |= e.kind() == std::io::ErrorKind::BrokenPipe;
        })
    }
}
