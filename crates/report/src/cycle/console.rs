//! The cycle's steps for people, each printed as soon as it is done: `[1]` registry, `[2]`
//! benefits, `[3]` compute, `[4]` supervision, `[5]` index.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use cultivation::StepDone;
use cultivation::result::{
    BenefitSummary, ClusterLine, ComputeSummary, IndexSummary, RegistrySummary, SupervisionSummary,
};
use registry_model::{Adjustment, Tier};

use crate::cell::Cell;
use crate::error::Result;
use crate::format::Format;
use crate::number::{fixed, percent, yuan};
use crate::table::Table;

/// Prints the cycle's steps for people.
#[derive(Debug, Clone)]
pub struct Console {
    /// The data directory, named in the first line.
    pub data_dir: PathBuf,
    /// The seed, named when a cohort is generated.
    pub seed: u64,
}

/// `k1 v1, k2 v2` of a count map.
pub fn counts_text(m: &BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Console {
    /// Writes one step's lines.
    pub fn write_step(&self, out: &mut dyn Write, step: StepDone<'_>) -> Result<()> {
        match step {
            StepDone::Registry(r) => {
                writeln!(
                    out,
                    "shuchuang cycle {}: data in {}",
                    r.adjustment.year,
                    self.data_dir.display()
                )?;
                if let Some(n) = r.summary.generated {
                    writeln!(
                        out,
                        "  registry was empty: generated {n} firms (seed {})",
                        self.seed
                    )?;
                }
                registry(out, &r.summary, &r.adjustment)
            }
            StepDone::Benefits(b) => benefits(out, &b.summary),
            StepDone::Compute(c) => compute(out, &c.summary, &c.clusters),
            StepDone::Supervision(s) => supervision(out, &s.summary),
            StepDone::Index(i) => index(out, &i.summary),
        }
    }
}

fn registry(out: &mut dyn Write, r: &RegistrySummary, adj: &Adjustment) -> Result<()> {
    writeln!(
        out,
        "\n[1] registry adjustment {} (criteria set {}){}",
        adj.year,
        r.criteria_set,
        if r.already_adjusted {
            ": already done, nothing changed"
        } else {
            ": committed"
        }
    )?;
    let mut t = Table::new(["tier", "firms"]);
    for tier in Tier::ALL {
        t.push([
            Cell::from(format!("{} {}", tier.name_zh(), tier.key())),
            Cell::from(r.per_tier.get(tier.key()).copied().unwrap_or(0)),
        ]);
    }
    t.push([Cell::from("no tier"), Cell::from(r.untiered)]);
    t.write_to(Format::Table, out)?;
    let mut c = Table::new(["change", "firms"]);
    for (k, v) in &r.per_change {
        c.push([Cell::from(k), Cell::from(*v)]);
    }
    c.push([Cell::from("(in grace)"), Cell::from(r.grace)]);
    c.push([Cell::from("(borderline → panel)"), Cell::from(r.borderline)]);
    c.write_to(Format::Table, out)
}

fn benefits(out: &mut dyn Write, b: &BenefitSummary) -> Result<()> {
    writeln!(
        out,
        "\n[2] benefits: {} firms matched; {} granted without application ({}), {} refused by the ledger, {} pending on missing facts ({} firms told what to supply), {} conflicts",
        b.firms_matched,
        b.granted,
        yuan(b.granted_yuan),
        b.refused,
        b.pending,
        b.firms_with_missing_facts,
        b.conflicts
    )?;
    let mut t = Table::new(["program", "grants", "granted", "refused", "pending"]);
    for (p, l) in &b.per_program {
        t.push([
            Cell::from(p),
            Cell::from(l.grants),
            Cell::from(yuan(l.granted_yuan)),
            Cell::from(l.refused),
            Cell::from(l.pending),
        ]);
    }
    t.write_to(Format::Table, out)
}

/// Step 3's figures in one sentence (printed, and in summary.md).
pub fn compute_text(c: &ComputeSummary) -> String {
    format!(
        "compute ({} placement): {} voucher holders, {} jobs, {} placed, {} rejected; utilisation {}, idle {}, wait p50/p95/p99 {}/{}/{} s; cost {} of which vouchers paid {} (firms {}), green power {}, Jain fairness {}",
        c.policy,
        c.holders,
        c.jobs,
        c.placed,
        c.rejected,
        percent(c.utilisation),
        percent(c.idle_rate),
        c.wait_p50_s,
        c.wait_p95_s,
        c.wait_p99_s,
        yuan(c.gross_cost_yuan),
        yuan(c.subsidy_yuan),
        yuan(c.firm_cost_yuan),
        percent(c.green_share),
        fixed(c.jain_fairness, 3)
    )
}

fn compute(out: &mut dyn Write, c: &ComputeSummary, clusters: &[ClusterLine]) -> Result<()> {
    writeln!(out, "\n[3] {}", compute_text(c))?;
    let mut t = Table::new(["cluster", "jobs", "utilisation", "idle", "cost", "subsidy"]);
    for l in clusters {
        t.push([
            Cell::from(&l.cluster),
            Cell::from(l.jobs),
            Cell::from(percent(l.utilisation)),
            Cell::from(percent(l.idle_rate)),
            Cell::from(yuan(l.gross_cost_yuan)),
            Cell::from(yuan(l.subsidy_yuan)),
        ]);
    }
    t.write_to(Format::Table, out)
}

fn supervision(out: &mut dyn Write, s: &SupervisionSummary) -> Result<()> {
    writeln!(
        out,
        "\n[4] supervision: sandbox applications: {}; violations: {}; inspections: {} planned, site visits {} → {} ({} saved), {} non-site reviews, {} cap breaches, {} alerts",
        counts_text(&s.sandbox),
        counts_text(&s.enforcement),
        s.inspections_planned,
        s.visits_before,
        s.visits_after,
        s.visits_saved,
        s.non_site_reviews,
        s.cap_breaches,
        s.alerts
    )?;
    Ok(())
}

/// The top provinces as `Guangxi 120.3, Zhejiang 120.2, …`.
pub fn top_text(top: &[(String, f64)]) -> String {
    top.iter()
        .map(|(u, x)| format!("{u} {}", fixed(*x, 1)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn index(out: &mut dyn Write, i: &IndexSummary) -> Result<()> {
    writeln!(
        out,
        "\n[5] index: CAICT fusion index {}–{}: {} ({}% on estimates, {}% on leaves without data); cohort index over {} provinces from {}; top: {}",
        i.caict_base_year,
        i.caict_to_year,
        i.caict_total.map_or("-".into(), |x| fixed(x, 2)),
        i.caict_estimated_share
            .map_or("-".into(), |x| fixed(100.0 * x, 0)),
        fixed(100.0 * i.caict_missing_share, 0),
        i.cohort_provinces,
        i.cohort_base_year,
        top_text(&i.cohort_top)
    )?;
    Ok(())
}
