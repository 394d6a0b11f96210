//! Fact tables and case files against the shipped rule sets (`rules enforce FILE.csv`,
//! `rules inspections`, `rules test`): `FactTable::read_csv` and `run_cases`. No panic; every
//! row of a table that loads is decided without a non-finite number. The first byte chooses
//! the shipped set (sandbox, enforcement, inspection, benefits) and whether the input is a
//! CSV table or a TOML case file.

use crate::{assert_finite, select, text};
use chrono::NaiveDate;
use sandbox_rules::{FactTable, run_cases, shipped};

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let Some((k, rest)) = select(data, 8) else {
        return;
    };
    let set = shipped::ALL[usize::from(k % 4)]
        .load()
        .expect("the shipped sets load");
    if k < 4 {
        // The reserved columns of the command that reads each set's tables.
        let reserved: &[&str] = match k {
            1 => &["id", "date", "note"],
            2 => &["id", "firm", "department", "date", "subject", "note"],
            _ => &["id", "name", "note"],
        };
        let Ok(table) = FactTable::read_csv(rest, "table.csv", Some(&set), reserved, &["id"])
        else {
            return;
        };
        let date = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        for row in table.rows.iter().take(64) {
            let d = set.evaluate(&row.facts, date);
            assert_finite("decision", &d);
        }
    } else if let Some(s) = text(rest) {
        let _ = run_cases(&set, s, "cases.toml");
    }
}
