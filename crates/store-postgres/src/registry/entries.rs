//! Change-log rows of PostgreSQL to entries: the row's values read into a
//! [`registry_model::change_row::ChangeRow`], which decodes them as it does the SQLite
//! store's (a stored value that does not decode is reported as corrupt, naming the year and
//! the firm).

use registry_model::Year;
use registry_model::adjust::ChangeEntry;
use registry_model::change_row::ChangeRow;
use registry_model::error::Result;

use super::PgRegistry;

impl PgRegistry {
    /// A change-log entry from a row of [`super::TIER_COLS`] (starting at column 0).
    pub(super) fn entry_from_row(&self, year: Year, row: &postgres::Row) -> Result<ChangeEntry> {
        ChangeRow {
            uscc: row.get(0),
            from_tier: row.get(1),
            to_tier: row.get(2),
            change: row.get(3),
            grace: row.get(4),
            borderline: row.get(5),
            stage: row.get(6),
            reasons: row.get(7),
            missing: row.get(8),
            digital_class: row.get(9),
            class_partial: row.get(10),
            innovation: row.get(11),
            referral: row.get(12),
            panel: row.get(13),
        }
        .decode(&self.store, year)
    }
}
