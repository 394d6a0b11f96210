//! How a command prints its result.

use serde::Serialize;

/// The output formats: a table for people, CSV and JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// An aligned table for people, fitted to the terminal, long tables cut with a note.
    #[default]
    Table,
    /// Comma-separated values with a header row, full precision, streamed.
    Csv,
    /// A JSON array of objects keyed by the header, typed values, streamed.
    Json,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 3] = [Format::Table, Format::Csv, Format::Json];

    /// The format of a side file named `path` (such as `--treated FILE`): JSON when its
    /// extension is `json` (any case), else CSV; a side file is for programs, never a table.
    pub fn of_file(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Csv,
        }
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("'{s}' is not a format (table, csv, json)"))
    }
}
