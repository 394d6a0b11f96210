//! Rules-as-code results as tables: a rule set's schema and the findings of its analysis,
//! case runs, decisions with their rules and citations, an inspection plan, benefit
//! matching.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sandbox_rules::inspection::{Plan, PlannerConfig};
use sandbox_rules::{Analysis, CaseReport, Decision, FactType, FirmBenefits, RuleSet, Status};

use crate::cell::Cell;
use crate::table::Table;

fn type_text(t: &FactType) -> String {
    match t {
        FactType::Enumeration { values } => format!("enumeration [{}]", values.join(", ")),
        FactType::List { values } if !values.is_empty() => {
            format!("list of [{}]", values.join(", "))
        }
        other => other.name().to_string(),
    }
}

/// A set's facts, parameters (every dated value) and rules, with their lines.
pub fn schema_table(set: &RuleSet) -> Table {
    let mut t = Table::new([
        "kind",
        "name",
        "type",
        "from",
        "value",
        "line",
        "description / citation",
    ]);
    for f in set.facts() {
        t.push([
            Cell::from("fact"),
            Cell::from(&f.name),
            Cell::from(type_text(&f.ty)),
            Cell::Null,
            Cell::Null,
            Cell::from(f.line),
            Cell::from(f.description.clone().unwrap_or_default()),
        ]);
    }
    for p in set.params() {
        for v in &p.values {
            t.push([
                Cell::from("parameter"),
                Cell::from(&p.name),
                Cell::from(type_text(&p.ty)),
                Cell::from(v.from),
                Cell::from(v.value.to_string()),
                Cell::from(p.line),
                Cell::from(
                    v.citation
                        .clone()
                        .or_else(|| p.citation.clone())
                        .unwrap_or_default(),
                ),
            ]);
        }
    }
    for r in set.rules() {
        let period = match (r.valid_from, r.valid_until) {
            (Some(f), Some(u)) => format!("{f}..{u}"),
            (Some(f), None) => format!("{f}.."),
            (None, Some(u)) => format!("..{u}"),
            (None, None) => String::new(),
        };
        let kind = if r.exception_to.is_empty() {
            "rule".to_string()
        } else {
            format!("exception to {}", r.exception_to.join(", "))
        };
        t.push([
            Cell::from(kind),
            Cell::from(&r.id),
            Cell::from(&r.outcome),
            Cell::from(period),
            Cell::from(r.amount.clone().unwrap_or_default()),
            Cell::from(r.line),
            Cell::from(r.citations.join("; ")),
        ]);
    }
    t
}

/// What the analysis found: overlapping rules, exceptions that never apply, conditions too
/// large to analyse.
pub fn findings_table(a: &Analysis) -> Table {
    let mut t = Table::new(["finding", "rules", "lines", "detail"]);
    for o in &a.overlaps {
        t.push([
            Cell::from("overlap"),
            Cell::from(format!("{} / {}", o.a, o.b)),
            Cell::from(format!("{} / {}", o.a_line, o.b_line)),
            Cell::from(format!(
                "under {}: {} vs {} when {} (from {})",
                o.under,
                o.outcomes[0],
                o.outcomes[1],
                o.when.join(" and "),
                o.from
            )),
        ]);
    }
    for dx in &a.dead_exceptions {
        t.push([
            Cell::from("exception never applies"),
            Cell::from(&dx.rule),
            Cell::from(dx.line.to_string()),
            Cell::from(format!(
                "exception to {}: {}",
                dx.exception_to.join(", "),
                dx.reason
            )),
        ]);
    }
    for n in &a.not_analysed {
        t.push([
            Cell::from("not analysed"),
            Cell::from(n),
            Cell::Null,
            Cell::from("condition too large for the analysis"),
        ]);
    }
    let unlisted = a.overlaps_total.saturating_sub(a.overlaps.len() as u64);
    if unlisted > 0 {
        t.push([
            Cell::from("overlaps not listed"),
            Cell::Null,
            Cell::Null,
            Cell::from(format!(
                "{unlisted} more of {} overlaps found",
                a.overlaps_total
            )),
        ]);
    }
    if a.pairs_unchecked > 0 {
        t.push([
            Cell::from("pairs unchecked"),
            Cell::Null,
            Cell::Null,
            Cell::from(format!(
                "{} pairs of rules not examined (the analysis stops after {} pairs): overlaps \
                 among them are not counted",
                a.pairs_unchecked,
                sandbox_rules::analysis::OVERLAP_PAIRS_MAX
            )),
        ]);
    }
    t
}

/// One line of counts for `rules check --strict`: every overlap found (not only the listed
/// ones), exceptions that never apply, and pairs left unchecked.
pub fn findings_summary(a: &Analysis) -> String {
    format!(
        "{} overlap(s) ({} listed), {} exception(s) that never apply, {} pair(s) unchecked",
        a.overlaps_total.max(a.overlaps.len() as u64),
        a.overlaps.len(),
        a.dead_exceptions.len(),
        a.pairs_unchecked
    )
}

/// Each cases file's run.
pub fn cases_table(reports: &[CaseReport]) -> Table {
    let mut t = Table::new(["set", "file", "cases", "passed", "failed"]);
    for r in reports {
        t.push([
            Cell::from(&r.set),
            Cell::from(&r.file),
            Cell::from(r.total),
            Cell::from(r.passed),
            Cell::from(r.failures.len()),
        ]);
    }
    t
}

/// A decision's status in words.
pub fn status_text(s: Status, outcome: Option<&str>) -> String {
    match s {
        Status::Decided => format!("decided: {}", outcome.unwrap_or("")),
        Status::Default => format!("default: {}", outcome.unwrap_or("")),
        Status::NoDecision => "no rule applies".to_string(),
        Status::Conflict => "CONFLICT".to_string(),
        Status::Undetermined => "undetermined (facts missing)".to_string(),
        Status::Matched => "matched".to_string(),
    }
}

/// One decision: what was granted, what is pending on missing facts, conflicts.
pub fn decision_table(d: &Decision) -> Table {
    let mut t = Table::new([
        "policy",
        "rule",
        "outcome",
        "program",
        "amount_yuan",
        "measures",
        "citations",
        "missing",
    ]);
    for g in &d.granted {
        t.push([
            Cell::from(&g.policy),
            Cell::from(&g.rule),
            Cell::from(&g.outcome),
            Cell::from(g.program.clone()),
            g.amount_yuan.map_or(Cell::Null, Cell::money),
            Cell::from(g.measures.join("; ")),
            Cell::from(g.citations.join("; ")),
            Cell::Null,
        ]);
    }
    for p in &d.pending {
        t.push([
            Cell::from(&p.policy),
            Cell::Null,
            Cell::from(format!("pending: {}", p.outcome)),
            Cell::from(p.program.clone()),
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::from(p.missing.join("; ")),
        ]);
    }
    for c in &d.conflicts {
        t.push([
            Cell::from(&c.under),
            Cell::from(c.rules.join(" / ")),
            Cell::from(format!("CONFLICT: {}", c.outcomes.join(" / "))),
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
        ]);
    }
    t
}

/// Cases decided one per row, and the count of each outcome.
pub fn decisions_table<'a>(
    decisions: impl IntoIterator<Item = (&'a str, &'a Decision)>,
) -> (Table, BTreeMap<String, usize>) {
    let mut t = Table::new([
        "id",
        "date",
        "outcome",
        "rule",
        "measures",
        "citations",
        "missing",
    ]);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (id, d) in decisions {
        let g = d.grant();
        let outcome = d
            .outcome
            .clone()
            .unwrap_or_else(|| status_text(d.status, None));
        *counts.entry(outcome.clone()).or_default() += 1;
        t.push([
            Cell::from(id),
            Cell::from(d.date),
            Cell::from(outcome),
            Cell::from(g.map(|g| g.rule.clone())),
            Cell::from(g.map(|g| g.measures.join("; "))),
            Cell::from(g.map(|g| g.citations.join("; "))),
            Cell::from(d.missing_facts.join("; ")),
        ]);
    }
    (t, counts)
}

/// A joint inspection plan, one joint inspection per row.
pub fn plan_table(p: &Plan) -> Table {
    let mut t = Table::new([
        "joint",
        "firm",
        "date",
        "mode",
        "mandatory",
        "departments",
        "subjects",
        "replaces",
    ]);
    for j in &p.inspections {
        t.push([
            Cell::from(&j.id),
            Cell::from(&j.firm),
            Cell::from(j.date),
            Cell::from(match j.mode {
                sandbox_rules::InspectionMode::Site => "site visit",
                sandbox_rules::InspectionMode::NonSite => "non-site review",
            }),
            Cell::from(j.mandatory),
            Cell::from(j.departments.join("; ")),
            Cell::from(j.subjects.join("; ")),
            Cell::from(j.members.join("; ")),
        ]);
    }
    t
}

/// Benefits matched per firm, and the summary line for people.
pub fn match_table(matched: &[FirmBenefits], year: i32, date: NaiveDate) -> (Table, String) {
    let mut t = Table::new([
        "firm",
        "policy",
        "status",
        "program",
        "amount_yuan",
        "missing",
        "reasons",
    ]);
    let mut granted_total = Decimal::ZERO;
    let (mut n_granted, mut n_pending) = (0usize, 0usize);
    for m in matched {
        for g in &m.granted {
            n_granted += 1;
            granted_total = granted_total.saturating_add(g.amount_yuan.unwrap_or_default());
            t.push([
                Cell::from(&m.firm),
                Cell::from(&g.policy),
                Cell::from("granted without application"),
                Cell::from(g.program.clone()),
                g.amount_yuan.map_or(Cell::Null, Cell::money),
                Cell::Null,
                Cell::from(g.reasons.join("; ")),
            ]);
        }
        for p in &m.pending {
            n_pending += 1;
            t.push([
                Cell::from(&m.firm),
                Cell::from(&p.policy),
                Cell::from("missing facts (快申快享)"),
                Cell::from(p.program.clone()),
                Cell::Null,
                Cell::from(p.missing.join("; ")),
                Cell::Null,
            ]);
        }
        for c in &m.conflicts {
            t.push([
                Cell::from(&m.firm),
                Cell::from(&c.under),
                Cell::from(format!("CONFLICT {}", c.rules.join(" / "))),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::from(c.outcomes.join(" / ")),
            ]);
        }
    }
    let note = format!(
        "{} firms, year {year}, rules on {date}: {n_granted} benefits granted without application (¥{granted_total}), {n_pending} pending on missing facts",
        matched.len()
    );
    (t, note)
}

/// `rules check` as JSON: the set's name, file, mode and sizes and its analysis; with
/// `schema`, its facts, parameters and rules too.
pub fn check_json(set: &RuleSet, a: &Analysis, schema: bool) -> serde_json::Value {
    let mut out = serde_json::json!({
        "set": set.name(),
        "file": set.file(),
        "mode": set.mode(),
        "facts": set.facts().len(),
        "parameters": set.params().len(),
        "rules": set.rules().len(),
        "analysis": a,
    });
    if schema {
        out["schema"] = serde_json::json!({
            "facts": set.facts(),
            "parameters": set.params(),
            "rules": set.rules(),
        });
    }
    out
}

/// The line `rules check` opens with: the set, its mode and sizes, and that it is valid.
pub fn check_summary(set: &RuleSet) -> String {
    format!(
        "{}: rule set '{}' ({:?}), {} facts, {} parameters, {} rules: valid",
        set.file(),
        set.name(),
        set.mode(),
        set.facts().len(),
        set.params().len(),
        set.rules().len()
    )
}

/// The sentence `rules check` prints when the analysis finds nothing.
pub const NO_FINDINGS: &str = "analysis: no overlapping rules, no exception that can never apply";

/// The lines after a case run's table: each failed case with its problems, then the counts.
pub fn suite_lines(reports: &[CaseReport]) -> Vec<String> {
    let mut lines = Vec::new();
    for r in reports {
        for fl in &r.failures {
            lines.push(format!("FAIL {}:{}: {}", r.file, fl.line, fl.name));
            lines.extend(fl.problems.iter().map(|p| format!("    {p}")));
        }
    }
    let failed: usize = reports.iter().map(|r| r.failures.len()).sum();
    let total: usize = reports.iter().map(|r| r.total).sum();
    lines.push(format!(
        "{} cases, {} passed, {failed} failed",
        total,
        total - failed
    ));
    lines
}

/// The line above a decision's table: the set, the date and the status.
pub fn decision_heading(d: &Decision) -> String {
    format!(
        "{} on {}: {}",
        d.set,
        d.date,
        status_text(d.status, d.outcome.as_deref())
    )
}

/// `rules enforce` as JSON: each violation's id and decision.
pub fn violations_json<'a>(
    decisions: impl IntoIterator<Item = (&'a str, &'a Decision)>,
) -> serde_json::Value {
    decisions
        .into_iter()
        .map(|(id, d)| serde_json::json!({ "id": id, "decision": d }))
        .collect()
}

/// The line after `rules enforce`'s table: the violations and the count of each outcome.
pub fn violations_summary(violations: usize, counts: &BTreeMap<String, usize>) -> String {
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{violations} violations: {}", summary.join(", "))
}

/// The lines after an inspection plan's table: each alert, then what the plan changed under
/// `config`'s window and cap.
pub fn plan_notes(p: &Plan, config: &PlannerConfig) -> Vec<String> {
    let mut lines: Vec<String> = p
        .alerts
        .iter()
        .map(|a| format!("alert [{:?}] {} {}: {}", a.kind, a.firm, a.year, a.message))
        .collect();
    let s = p.summary;
    lines.push(format!(
        "{} planned inspections of {} firms: site visits {} before, {} after ({} already made this year); {} non-site reviews; {} mandatory kept; {} cap breaches (window {} days, cap {} per year)",
        s.planned,
        s.firms,
        s.visits_before,
        s.visits_after,
        s.visits_done,
        s.non_site_reviews,
        s.mandatory,
        s.cap_breaches,
        config.window_days,
        config.yearly_cap
    ));
    lines
}

/// A decision without its trace (`rules eval`); the trace is the decision's `Display`.
impl crate::Shown for Decision {
    fn table(&self) -> Table {
        decision_table(self)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(self)
    }
    fn heading(&self, _: crate::Lang) -> Vec<String> {
        vec![decision_heading(self)]
    }
}

impl crate::Shown for Vec<CaseReport> {
    fn table(&self) -> Table {
        cases_table(self)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(self)
    }
    fn notes(&self, _: crate::Lang) -> Vec<String> {
        suite_lines(self)
    }
}
