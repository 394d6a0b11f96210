//! The cycle's steps for people, each printed as soon as it is done: `[1]` registry, `[2]`
//! benefits, `[3]` compute, `[4]` supervision, `[5]` index, `[6]` scenarios, `[7]` credit
//! lines, in the reader's language. The
//! sentences are shared with summary.md and index.html ([`sentences`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use cultivation::finance_step::{FinanceSummary, ReachLine};
use cultivation::result::{
    BenefitSummary, ClusterLine, ComputeSummary, IndexSummary, RegistrySummary, SupervisionSummary,
};
use cultivation::{Step, StepDone};
use registry_model::{Adjustment, Tier};

use super::step_mark;
use crate::cell::{Cell, Term};
use crate::error::Result;
use crate::format::Format;
use crate::lang::Lang;
use crate::messages::{column, fill, labelled, text};
use crate::names::{Kind, Names};
use crate::number::{fixed, money_text, percent_in, thousands};
use crate::scenario::{kind_table, scenarios_text};
use crate::table::Table;

/// Prints the cycle's steps for people.
#[derive(Debug, Clone)]
pub struct Console {
    /// The data directory, named in the first line.
    pub data_dir: PathBuf,
    /// The seed, named when a cohort is generated.
    pub seed: u64,
    /// The language.
    pub lang: Lang,
    /// Names of tiers, programs, clusters and provinces.
    pub names: Names,
}

/// `k1 v1, k2 v2` of a count map (`、`-separated in Chinese).
pub fn counts_text(m: &BTreeMap<String, u64>, lang: Lang) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {}", thousands(*v)))
        .collect::<Vec<_>>()
        .join(lang.pick(", ", "，"))
}

impl Console {
    /// Writes one step's lines.
    pub fn write_step(&self, out: &mut dyn Write, step: StepDone<'_>) -> Result<()> {
        let lang = self.lang;
        match step {
            StepDone::Registry(r) => {
                let dir = self.data_dir.display();
                let year = r.adjustment.year;
                let head = fill("cycle.head", lang, &[("year", &year), ("dir", &dir)]);
                writeln!(out, "{head}")?;
                if let Some(n) = r.summary.generated {
                    let args: [(&str, &dyn std::fmt::Display); 2] =
                        [("n", &thousands(n as u64)), ("seed", &self.seed)];
                    writeln!(out, "  {}", fill("cycle.generated", lang, &args))?;
                }
                self.registry(out, &r.summary, &r.adjustment)
            }
            StepDone::Benefits(b) => self.benefits(out, &b.summary),
            StepDone::Compute(c) => self.compute(out, &c.summary, &c.clusters),
            StepDone::Supervision(s) => Ok(writeln!(
                out,
                "\n{} {}",
                step_mark(Step::Supervision),
                supervision_text(&s.summary, lang)
            )?),
            StepDone::Index(i) => Ok(writeln!(
                out,
                "\n{} {}",
                step_mark(Step::Index),
                index_text(&i.summary, lang, &self.names)
            )?),
            StepDone::Scenarios(s) => {
                writeln!(
                    out,
                    "\n{} {}",
                    step_mark(Step::Scenarios),
                    scenarios_text(&s.summary, lang)
                )?;
                kind_table(&s.summary, &self.names).write_in(Format::Table, lang, out)
            }
            StepDone::Finance(f) => {
                writeln!(
                    out,
                    "\n{} {}",
                    step_mark(Step::Finance),
                    finance_text(&f.summary, lang)
                )?;
                if !f.summary.not_run.is_empty() {
                    return Ok(());
                }
                if let Some(line) = held_back_text(&f.summary, lang) {
                    writeln!(out, "  {line}")?;
                }
                reach_table(&f.reach, lang, &self.names).write_in(Format::Table, lang, out)
            }
        }
    }

    fn registry(&self, out: &mut dyn Write, r: &RegistrySummary, adj: &Adjustment) -> Result<()> {
        let lang = self.lang;
        writeln!(
            out,
            "\n{} {}",
            step_mark(Step::Registry),
            registry_head(r, adj, lang)
        )?;
        tier_table(r, &self.names).write_in(Format::Table, lang, out)?;
        let mut c = change_table(r, &self.names);
        c.push([
            Cell::from(text("cycle.in_grace", lang)),
            Cell::from(r.grace),
        ]);
        c.push([
            Cell::from(text("cycle.to_panel", lang)),
            Cell::from(r.borderline),
        ]);
        c.write_in(Format::Table, lang, out)?;
        if let Some(p) = crate::panel::cycle_panel_text(r.panel.as_ref(), lang) {
            writeln!(out, "  {p}")?;
        }
        Ok(())
    }

    fn benefits(&self, out: &mut dyn Write, b: &BenefitSummary) -> Result<()> {
        writeln!(
            out,
            "\n{} {}",
            step_mark(Step::Benefits),
            benefits_text(b, self.lang)
        )?;
        program_table(b, self.lang, &self.names).write_in(Format::Table, self.lang, out)
    }

    fn compute(
        &self,
        out: &mut dyn Write,
        c: &ComputeSummary,
        clusters: &[ClusterLine],
    ) -> Result<()> {
        let lang = self.lang;
        writeln!(
            out,
            "\n{} {}",
            step_mark(Step::Compute),
            compute_text(c, lang)
        )?;
        let mut t = Table::new(["cluster", "jobs", "utilisation", "idle", "cost", "subsidy"]);
        for l in clusters {
            t.push([
                self.names.cell(Kind::Cluster, &l.cluster),
                Cell::from(l.jobs),
                Cell::from(percent_in(l.utilisation, lang)),
                Cell::from(percent_in(l.idle_rate, lang)),
                Cell::from(money_text(l.gross_cost_yuan, lang)),
                Cell::from(money_text(l.subsidy_yuan, lang)),
            ]);
        }
        t.write_in(Format::Table, lang, out)
    }
}

/// `registry adjustment 2025 (criteria set cn-2022): committed`.
pub fn registry_head(r: &RegistrySummary, adj: &Adjustment, lang: Lang) -> String {
    let state = text(
        if r.already_adjusted {
            "cycle.already"
        } else {
            "cycle.committed"
        },
        lang,
    );
    fill(
        "cycle.registry",
        lang,
        &[
            ("year", &adj.year),
            ("set", &r.criteria_set),
            ("state", &state),
        ],
    )
}

/// Firms per tier and without a tier after the adjustment.
pub fn tier_table(r: &RegistrySummary, names: &Names) -> Table {
    let mut t = Table::new(["tier", "firms"]);
    for tier in Tier::ALL {
        t.push([
            names.cell(Kind::Tier, tier.key()),
            Cell::from(r.per_tier.get(tier.key()).copied().unwrap_or(0)),
        ]);
    }
    let no_tier = Term {
        key: "no tier".into(),
        en: "no tier".into(),
        zh: column("untiered", Lang::Zh).into(),
    };
    t.push([Cell::Term(Box::new(no_tier)), Cell::from(r.untiered)]);
    t
}

/// Grants, amounts, refusals and pending benefits per program.
pub fn program_table(b: &BenefitSummary, lang: Lang, names: &Names) -> Table {
    let mut t = Table::new(["program", "grants", "granted", "refused", "pending"]);
    for (p, l) in &b.per_program {
        t.push([
            names.cell(Kind::Program, p),
            Cell::from(l.grants),
            Cell::from(money_text(l.granted_yuan, lang)),
            Cell::from(l.refused),
            Cell::from(l.pending),
        ]);
    }
    t
}

/// Step 2's figures in one sentence.
pub fn benefits_text(b: &BenefitSummary, lang: Lang) -> String {
    let n = |x: usize| thousands(x as u64);
    fill(
        "cycle.benefits",
        lang,
        &[
            ("matched", &n(b.firms_matched)),
            ("granted", &n(b.granted)),
            ("amount", &money_text(b.granted_yuan, lang)),
            ("refused", &n(b.refused)),
            ("by_rule", &n(b.refused_by_rule)),
            ("pending", &n(b.pending)),
            ("told", &n(b.firms_with_missing_facts)),
            ("conflicts", &n(b.conflicts)),
        ],
    )
}

/// Step 3's figures in one sentence (printed, and in summary.md).
pub fn compute_text(c: &ComputeSummary, lang: Lang) -> String {
    fill(
        "cycle.compute",
        lang,
        &[
            ("policy", &c.policy),
            ("holders", &thousands(c.holders as u64)),
            ("jobs", &thousands(c.jobs)),
            ("placed", &thousands(c.placed)),
            ("rejected", &thousands(c.rejected)),
            ("util", &percent_in(c.utilisation, lang)),
            ("idle", &percent_in(c.idle_rate, lang)),
            ("p50", &thousands(c.wait_p50_s)),
            ("p95", &thousands(c.wait_p95_s)),
            ("p99", &thousands(c.wait_p99_s)),
            ("cost", &money_text(c.gross_cost_yuan, lang)),
            ("subsidy", &money_text(c.subsidy_yuan, lang)),
            ("firms", &money_text(c.firm_cost_yuan, lang)),
            ("green", &percent_in(c.green_share, lang)),
            ("jain", &fixed(c.jain_fairness, 3)),
        ],
    )
}

/// Step 4's figures in one sentence.
pub fn supervision_text(s: &SupervisionSummary, lang: Lang) -> String {
    let n = |x: usize| thousands(x as u64);
    fill(
        "cycle.supervision",
        lang,
        &[
            ("sandbox", &counts_text(&s.sandbox, lang)),
            ("violations", &counts_text(&s.enforcement, lang)),
            ("planned", &n(s.inspections_planned)),
            ("before", &n(s.visits_before)),
            ("after", &n(s.visits_after)),
            ("saved", &n(s.visits_saved)),
            ("non_site", &n(s.non_site_reviews)),
            ("breaches", &n(s.cap_breaches)),
            ("alerts", &n(s.alerts)),
        ],
    )
}

/// The top provinces as `Guangxi 120.3, Zhejiang 120.2, …` (`广西 120.3，浙江 120.2，…`).
pub fn top_text(top: &[(String, f64)], lang: Lang, names: &Names) -> String {
    top.iter()
        .map(|(u, x)| format!("{} {}", names.name(Kind::Province, u, lang), fixed(*x, 1)))
        .collect::<Vec<_>>()
        .join(lang.pick(", ", "，"))
}

/// Step 5's figures in one sentence.
pub fn index_text(i: &IndexSummary, lang: Lang, names: &Names) -> String {
    fill(
        "cycle.index",
        lang,
        &[
            ("from", &i.caict_base_year),
            ("to", &i.caict_to_year),
            ("total", &i.caict_total.map_or("-".into(), |x| fixed(x, 2))),
            (
                "estimated",
                &i.caict_estimated_share
                    .map_or("-".into(), |x| percent_in(x, lang)),
            ),
            ("missing", &percent_in(i.caict_missing_share, lang)),
            ("provinces", &i.cohort_provinces),
            ("base", &i.cohort_base_year),
            ("top", &top_text(&i.cohort_top, lang, names)),
        ],
    )
}

/// Step 1 in one sentence for the report: firms, the adjustment and its criteria set.
pub fn registry_text(r: &RegistrySummary, year: registry_model::Year, lang: Lang) -> String {
    let generated = r.generated.map_or(String::new(), |n| {
        fill("cycle.generated_now", lang, &[("n", &thousands(n as u64))])
    });
    let already = if r.already_adjusted {
        text("cycle.already_short", lang)
    } else {
        ""
    };
    fill(
        "cycle.registry_text",
        lang,
        &[
            ("firms", &thousands(r.firms)),
            ("generated", &generated),
            ("year", &year),
            ("set", &r.criteria_set),
            ("already", &already),
        ],
    )
}

/// Firms per change of the adjustment.
pub fn change_table(r: &RegistrySummary, names: &Names) -> Table {
    let mut t = Table::new(["change", "firms"]);
    for (k, v) in &r.per_change {
        t.push([names.cell(Kind::Change, k), Cell::from(*v)]);
    }
    t
}

/// Step 4 for the report: sandbox decisions, violations, and the inspection plan.
pub fn supervision_lines(v: &SupervisionSummary, lang: Lang) -> [String; 3] {
    let n = |x: usize| thousands(x as u64);
    [
        labelled("cycle.sandbox", &counts_text(&v.sandbox, lang), lang),
        labelled("cycle.violations", &counts_text(&v.enforcement, lang), lang),
        fill(
            "cycle.inspections",
            lang,
            &[
                ("planned", &n(v.inspections_planned)),
                ("before", &n(v.visits_before)),
                ("after", &n(v.visits_after)),
                ("saved", &n(v.visits_saved)),
                ("non_site", &n(v.non_site_reviews)),
                ("breaches", &n(v.cap_breaches)),
                ("alerts", &n(v.alerts)),
            ],
        ),
    ]
}

/// Step 6's figures in one sentence (printed, and in the report).
pub fn finance_text(f: &FinanceSummary, lang: Lang) -> String {
    if !f.not_run.is_empty() {
        return fill("cycle.finance_not_run", lang, &[("reason", &f.not_run)]);
    }
    let n = |x: usize| thousands(x as u64);
    fill(
        "cycle.finance",
        lang,
        &[
            ("product", &f.product),
            ("card", &f.scorecard),
            ("date", &f.decided_on),
            ("firms", &n(f.firms_with_spend)),
            ("granted", &n(f.granted)),
            ("refused", &n(f.refused)),
            ("pending", &n(f.pending)),
            ("limit", &money_text(f.limit_yuan, lang)),
            ("drawn", &money_text(f.drawn_yuan, lang)),
            ("interest", &money_text(f.interest_yuan, lang)),
            ("subsidy", &money_text(f.interest_subsidy_yuan, lang)),
            ("pool", &money_text(f.pool_yuan, lang)),
            ("expected", &money_text(f.expected_compensation_yuan, lang)),
            ("cost", &money_text(f.cost_yuan, lang)),
        ],
    )
}

/// `held back by: credit_quality 128, good_credit 46, …`: the rules that refused firms or
/// left them pending, with how many each held back (`None` when none did).
pub fn held_back_text(f: &FinanceSummary, lang: Lang) -> Option<String> {
    if f.held_back_by.is_empty() {
        return None;
    }
    let counts: BTreeMap<String, u64> = f
        .held_back_by
        .iter()
        // Rule keys in English (as the CSV and JSON keep them), their names in Chinese.
        .map(|(k, v)| {
            let key = format!("finance.rule.{k}");
            let name = crate::messages::text(&key, lang);
            let name = if name == key { k.as_str() } else { name };
            (name.to_string(), *v as u64)
        })
        .collect();
    Some(labelled(
        "cycle.held_back",
        &counts_text(&counts, lang),
        lang,
    ))
}

/// Whom the credit lines reached, by tier.
pub fn reach_table(reach: &[ReachLine], lang: Lang, names: &Names) -> Table {
    let mut t = Table::new([
        "tier",
        "firms",
        "lines",
        "limit",
        "drawn",
        "interest_subsidy",
    ]);
    for r in reach {
        t.push([
            names.cell(Kind::Tier, &r.tier),
            Cell::from(r.firms_with_spend),
            Cell::from(r.lines_granted),
            Cell::from(money_text(r.limit_yuan, lang)),
            Cell::from(money_text(r.drawn_yuan, lang)),
            Cell::from(money_text(r.interest_subsidy_yuan, lang)),
        ]);
    }
    t
}
