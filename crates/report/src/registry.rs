//! Registry results as tables: the change log of an adjustment, shared by `registry adjust`
//! and the cycle's report folder; a firm's verdicts and tier decision (`registry show`) and
//! its history (`registry history`).

use registry_model::store::HistoryEntry;
use registry_model::{
    Adjustment, AdjustmentCounts, Change, ChangeEntry, Enterprise, EnterpriseId, FirmClass, Tier,
    TierDecision, Verdicts, Year,
};

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
        let mut row = vec![
            Cell::from(e.id.to_string()),
            Cell::from(names(&e.id)),
            Cell::from(tier_key(e.from)),
            Cell::from(tier_key(e.to)),
        ];
        row.extend(standing_cells(e));
        row.push(Cell::from(e.reasons.join("; ")));
        row.push(Cell::from(e.missing.join("; ")));
        t.push(row);
    }
    t
}

/// A tier as `key 中文名`, `-` for none.
pub fn tier_text(t: Option<Tier>) -> String {
    t.map_or_else(
        || "-".to_string(),
        |t| format!("{} {}", t.key(), t.name_zh()),
    )
}

/// The lines above `registry show`'s table: the firm, the year judged and the criteria set,
/// then the tier decision and its reasons.
pub fn show_heading(
    firm: &Enterprise,
    year: Year,
    set_id: &str,
    decision: &TierDecision,
    class: &FirmClass,
) -> Vec<String> {
    let mut lines = vec![
        format!(
            "{} {} ({}, founded {}), judged for {year} under {set_id}",
            firm.id,
            firm.name,
            firm.region().province_name_zh().unwrap_or("?"),
            firm.founded,
        ),
        format!(
            "tier: {}; class: {} {}; stage: {}; borderline: {}",
            tier_text(decision.tier),
            digital_class(class),
            innovation(class),
            decision.stage.map_or_else(
                || "unknown".to_string(),
                |s| format!("{} {}", s.key(), s.name_zh())
            ),
            decision.borderline
        ),
    ];
    lines.extend(decision.reasons.iter().map(|r| format!("  {r}")));
    lines
}

/// A firm's line in a committed change log, for `registry show`: the tier the year's
/// adjustment gave it and its reasons (a panel's decision among them).
pub fn logged_lines(year: Year, e: &registry_model::ChangeEntry) -> Vec<String> {
    let mut lines = vec![format!(
        "change log {year}: {} -> {} ({}){}",
        tier_text(e.from),
        tier_text(e.to),
        e.change.key(),
        e.panel
            .as_ref()
            .map_or_else(String::new, |d| format!(", decided by panel {}", d.panel))
    )];
    lines.extend(e.reasons.iter().map(|r| format!("  {r}")));
    lines
}

/// One firm judged in a year (`registry show`): for programs this record as JSON; for people
/// the heading, the firm's entry in the year's change log when the year is adjusted, and
/// every verdict.
#[derive(Debug, serde::Serialize)]
pub struct FirmJudged<'a> {
    /// The firm.
    pub firm: &'a Enterprise,
    /// Its province (Chinese name), from its region.
    pub province: Option<&'static str>,
    /// The year judged.
    pub year: Year,
    /// Its report of the year, if any.
    pub report: Option<&'a registry_model::AnnualReport>,
    /// Every criterion's verdict.
    pub verdicts: &'a Verdicts<'a>,
    /// The tier policy's decision.
    pub decision: &'a TierDecision,
    /// Its class under the criteria set.
    pub class: &'a FirmClass,
    /// The tier policy's id.
    pub policy: &'a str,
    /// The firm's entry in the year's committed change log, if the year is adjusted.
    pub logged: Option<&'a ChangeEntry>,
    /// The criteria set's id (in the heading).
    #[serde(skip)]
    pub criteria_set: &'a str,
}

impl crate::Shown for FirmJudged<'_> {
    fn table(&self) -> Table {
        verdicts_table(self.verdicts)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(self)
    }
    fn heading(&self, _: crate::Lang) -> Vec<String> {
        let (d, c) = (self.decision, self.class);
        let mut lines = show_heading(self.firm, self.year, self.criteria_set, d, c);
        lines.extend(
            self.logged
                .map(|e| logged_lines(self.year, e))
                .unwrap_or_default(),
        );
        lines
    }
}

/// Every condition of every criterion: its threshold, the firm's value (or what is missing),
/// its result and citation.
pub fn verdicts_table(verdicts: &Verdicts<'_>) -> Table {
    let mut t = Table::new([
        "criterion",
        "verdict",
        "condition",
        "threshold",
        "actual",
        "result",
        "citation",
    ]);
    for v in &verdicts.verdicts {
        for c in &v.conditions {
            let cond = match &c.alternative_of {
                Some(g) => format!("{} (one of {g})", c.key),
                None => c.key.to_string(),
            };
            t.push([
                v.criterion.key().to_string(),
                v.outcome.key().to_string(),
                cond,
                c.threshold.to_string(),
                c.actual.map_or_else(
                    || format!("missing: {}", c.missing.join(", ")),
                    |x| x.to_string(),
                ),
                c.outcome.key().to_string(),
                format!("{} {}", c.citation, c.clause),
            ]);
        }
    }
    t
}

/// A firm's entries in every adjustment, oldest first.
pub fn history_table(hist: &[HistoryEntry]) -> Table {
    let mut t = Table::new([
        "year",
        "tier",
        "change",
        "grace",
        "borderline",
        "stage",
        "criteria_set",
        "policy",
        "reasons",
    ]);
    for h in hist {
        let e = &h.entry;
        t.push([
            Cell::from(h.year),
            Cell::from(tier_key(e.to)),
            Cell::from(e.change.key()),
            Cell::from(e.grace),
            Cell::from(e.borderline),
            Cell::from(e.stage.map_or_else(String::new, |s| s.key().to_string())),
            Cell::from(&h.criteria_set),
            Cell::from(&h.policy),
            Cell::from(e.reasons.join("; ")),
        ]);
    }
    t
}

/// The heading of `registry adjust`: year, criteria set, policy and whether it was committed.
pub fn adjust_heading(adj: &Adjustment, dry_run: bool) -> String {
    format!(
        "adjustment {} under criteria set {} and policy {} ({})",
        adj.year,
        adj.criteria_set,
        adj.policy,
        if dry_run {
            "dry run, not committed"
        } else {
            "committed"
        }
    )
}

/// An adjustment's counts: firms per tier after, and firms per change (with those kept on
/// grace, those referred to the panel, and the total).
pub fn adjust_counts_tables(counts: &AdjustmentCounts) -> [Table; 2] {
    let mut per_tier = Table::new(["tier", "firms"]);
    for (t, n) in Tier::ALL.iter().zip(counts.per_tier) {
        per_tier.push([tier_text(Some(*t)).into(), Cell::from(n)]);
    }
    per_tier.push([Cell::from("no tier"), Cell::from(counts.untiered)]);
    let mut per_change = Table::new(["change", "firms"]);
    for (c, n) in Change::ALL.iter().zip(counts.per_change) {
        per_change.push([
            Cell::from(format!("{} {}", c.key(), c.name_zh())),
            Cell::from(n),
        ]);
    }
    per_change.push([Cell::from("of which on grace"), Cell::from(counts.grace)]);
    per_change.push([
        Cell::from("referred to the panel"),
        Cell::from(counts.borderline),
    ]);
    per_change.push([Cell::from("total"), Cell::from(counts.firms)]);
    [per_tier, per_change]
}

/// `registry adjust --format json`: the adjustment with its counts, each entry with the
/// firm's name from `names`.
pub fn adjust_json<'a>(
    adj: &'a Adjustment,
    dry_run: bool,
    names: &dyn Fn(&EnterpriseId) -> String,
) -> impl serde::Serialize + 'a {
    #[derive(serde::Serialize)]
    struct AdjustOutput<'a> {
        year: Year,
        criteria_set: &'a str,
        policy: &'a str,
        dry_run: bool,
        counts: AdjustmentCounts,
        entries: Vec<NamedEntry<'a>>,
    }
    /// A change-log entry with the firm's name.
    #[derive(serde::Serialize)]
    struct NamedEntry<'a> {
        name: String,
        #[serde(flatten)]
        entry: &'a ChangeEntry,
    }
    AdjustOutput {
        year: adj.year,
        criteria_set: &adj.criteria_set,
        policy: &adj.policy,
        dry_run,
        counts: adj.counts(),
        entries: adj
            .entries
            .iter()
            .map(|entry| NamedEntry {
                name: names(&entry.id),
                entry,
            })
            .collect(),
    }
}

/// The columns of `registry list`.
pub const LIST_COLUMNS: [&str; 10] = [
    "uscc",
    "name",
    "province",
    "tier",
    "digital_class",
    "innovation",
    "change",
    "grace",
    "borderline",
    "stage",
];

/// One row of `registry list`: a firm and its change-log entry of the year.
pub fn list_row(f: &Enterprise, e: &ChangeEntry) -> Vec<Cell> {
    let mut row = vec![
        Cell::from(f.id.to_string()),
        Cell::from(f.name.as_str()),
        Cell::from(f.region().province_name_zh().unwrap_or("")),
        Cell::from(tier_key(e.to)),
    ];
    row.extend(standing_cells(e));
    row
}

/// A change-log entry's class and standing, as `registry list` and the change log show them:
/// digital class, innovation, change, grace, borderline, stage.
fn standing_cells(e: &ChangeEntry) -> [Cell; 6] {
    [
        Cell::from(digital_class(&e.class)),
        Cell::from(innovation(&e.class)),
        Cell::from(e.change.key()),
        Cell::from(e.grace),
        Cell::from(e.borderline),
        Cell::from(e.stage.map_or_else(String::new, |s| s.key().to_string())),
    ]
}

/// What a USCC says (`registry validate-id`), as item/value rows: validity, authority,
/// category, division, province and the organisation code with its check.
pub fn id_table(id: &EnterpriseId) -> Table {
    let region = id.region();
    let province = format!(
        "{} {}",
        region.province_name_zh().unwrap_or("?"),
        region.province_name_en().unwrap_or("?")
    );
    let check = if id.org_code_valid() { "ok" } else { "wrong" };
    let rows: [(&str, Cell); 9] = [
        ("uscc", id.to_string().into()),
        ("valid", (!id.is_legacy()).into()),
        (
            "legacy (check character wrong, accepted on request)",
            id.is_legacy().into(),
        ),
        ("registration authority", id.authority().to_string().into()),
        ("category", id.category().to_string().into()),
        ("division", region.to_string().into()),
        ("province", province.into()),
        ("organisation code", id.org_code().to_string().into()),
        ("organisation code check", check.into()),
    ];
    let mut t = Table::new(["item", "value"]);
    for (k, v) in rows {
        t.push([Cell::from(k), v]);
    }
    t
}

impl crate::Shown for Vec<HistoryEntry> {
    fn table(&self) -> Table {
        history_table(self)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(self)
    }
}
