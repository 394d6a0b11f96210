//! Registry results as tables: the change log of an adjustment, shared by `registry adjust`
//! and the cycle's report folder.

use registry_model::{Adjustment, Change, EnterpriseId, FirmClass, Tier};

use crate::cell::Cell;
use crate::table::Table;

/// A tier's key, empty for none.
pub fn tier_key(t: Option<Tier>) -> String {
    t.map_or_else(String::new, |t| t.key().to_string())
}

/// A firm's digital class (`03`, `05*` when its code belongs only in part), empty without an
/// industry code.
pub fn digital_class(c: &FirmClass) -> String {
    c.digital.map_or_else(String::new, |d| {
        format!("{}{}", d.key(), if c.partial { "*" } else { "" })
    })
}

/// A firm's innovation types (`technology+data_value`), empty when none shows.
pub fn innovation(c: &FirmClass) -> String {
    let keys: Vec<&str> = c.innovation.iter().map(|t| t.key()).collect();
    keys.join("+")
}

/// The change log of an adjustment (`all`: also the firms not admitted), with each firm's
/// name from `names`.
pub fn change_log_table(
    adj: &Adjustment,
    names: &dyn Fn(&EnterpriseId) -> String,
    all: bool,
) -> Table {
    let mut t = Table::new([
        "uscc",
        "name",
        "from",
        "to",
        "digital_class",
        "innovation",
        "change",
        "grace",
        "borderline",
        "stage",
        "reasons",
        "missing",
    ]);
    for e in &adj.entries {
        if !all && e.change == Change::NotAdmitted {
            continue;
        }
        t.push([
            Cell::from(e.id.to_string()),
            Cell::from(names(&e.id)),
            Cell::from(tier_key(e.from)),
            Cell::from(tier_key(e.to)),
            Cell::from(digital_class(&e.class)),
            Cell::from(innovation(&e.class)),
            Cell::from(e.change.key()),
            Cell::from(e.grace),
            Cell::from(e.borderline),
            Cell::from(e.stage.map_or_else(String::new, |s| s.key().to_string())),
            Cell::from(e.reasons.join("; ")),
            Cell::from(e.missing.join("; ")),
        ]);
    }
    t
}
