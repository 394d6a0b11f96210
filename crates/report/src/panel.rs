//! Selection panels as tables (`registry panel`): the composition check, the firms referred,
//! the results and the decisions written into the change log.

use cultivation::panel_step::PanelSummary;
use registry_model::panel_desk::{Decided, FirmResult, Referred, RoleCheck};

use crate::cell::Cell;
use crate::lang::Lang;
use crate::messages::fill;
use crate::registry::tier_key;
use crate::table::Table;

fn recused_text(recused: &[(String, String)]) -> String {
    let parts: Vec<String> = recused
        .iter()
        .map(|(m, why)| format!("{m} ({why})"))
        .collect();
    parts.join("; ")
}

/// Each role's members against the composition rule, with the rule's source.
pub fn composition_table(lines: &[RoleCheck]) -> Table {
    let mut t = Table::new(["role", "members", "min", "max", "ok", "basis"]);
    for l in lines {
        t.push([
            Cell::from(format!("{} {}", l.role.key(), l.role.name_zh())),
            Cell::from(l.members),
            Cell::from(l.min),
            Cell::from(l.max),
            Cell::from(l.ok),
            Cell::from(l.basis.as_str()),
        ]);
    }
    t
}

/// The firms referred: the tier the panel may grant, the fallback, the members recused.
pub fn referred_table(referred: &[Referred]) -> Table {
    let mut t = Table::new(["uscc", "name", "asks", "fallback", "recused"]);
    for r in referred {
        t.push([
            Cell::from(r.firm.to_string()),
            Cell::from(r.name.as_str()),
            Cell::from(
                r.referral
                    .map_or_else(String::new, |q| q.tier.key().to_string()),
            ),
            Cell::from(
                r.referral
                    .map_or_else(String::new, |q| tier_key(q.fallback)),
            ),
            Cell::from(recused_text(&r.recused)),
        ]);
    }
    t
}

/// Each referred firm's result: valid scores, the trimmed mean, the outcome and the reasons.
pub fn results_table(results: &[FirmResult]) -> Table {
    let mut t = Table::new([
        "uscc", "valid", "counted", "mean", "outcome", "recused", "reasons",
    ]);
    for r in results {
        t.push([
            Cell::from(r.firm.to_string()),
            Cell::from(r.valid),
            Cell::from(r.counted),
            r.mean.map_or_else(|| Cell::from(""), Cell::from),
            Cell::from(r.outcome.key()),
            Cell::from(recused_text(&r.recused)),
            Cell::from(r.reason.as_str()),
        ]);
    }
    t
}

/// The decisions written into the change log: the tier computed and the tier decided.
pub fn decisions_table(d: &Decided) -> Table {
    let mut t = Table::new(["panel", "uscc", "mean", "computed", "to"]);
    for x in &d.decisions {
        t.push([
            Cell::from(x.panel.as_str()),
            Cell::from(x.firm.to_string()),
            Cell::from(x.mean),
            Cell::from(tier_key(x.computed)),
            Cell::from(tier_key(x.tier)),
        ]);
    }
    t
}

/// The cycle's panel (`panel.csv`): per referred firm the members whose scores counted
/// (valid, before trimming), those recused with their reasons, the trimmed mean, the
/// decision (`admitted`, `not_admitted`, `no_quorum`) and its reason.
pub fn cycle_panel_table(results: &[FirmResult]) -> Table {
    let mut t = Table::new([
        "firm",
        "members_scoring",
        "recused",
        "trimmed_mean",
        "decision",
        "reason",
    ]);
    for r in results {
        t.push([
            Cell::from(r.firm.to_string()),
            Cell::from(r.valid),
            Cell::from(recused_text(&r.recused)),
            r.mean.map_or(Cell::Null, Cell::from),
            Cell::from(r.outcome.key()),
            Cell::from(r.reason.as_str()),
        ]);
    }
    t
}

/// The cycle's panel in one sentence: firms referred, granted, given the fallback and the
/// recusals; `None` when the year had no panel.
pub fn cycle_panel_text(p: Option<&PanelSummary>, lang: Lang) -> Option<String> {
    let p = p?;
    Some(fill(
        "cycle.panel_text",
        lang,
        &[
            ("panel", &p.panel),
            ("referred", &p.referred),
            ("admitted", &p.admitted),
            ("not_admitted", &p.not_admitted),
            ("recusals", &p.recusals),
        ],
    ))
}
