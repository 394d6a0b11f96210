//! summary.md: every printed number, with the file it comes from.

use std::fmt::Write as _;

use cultivation::CycleOutcome;
use registry_model::Tier;

use super::console::{counts_text, top_text};
use crate::number::{fixed, yuan};

/// The summary of a cycle as Markdown.
pub fn summary_markdown(o: &CycleOutcome) -> String {
    let mut md = String::new();
    // Writing into a String cannot fail.
    let _ = write_summary(&mut md, o);
    md
}

fn write_summary(md: &mut String, o: &CycleOutcome) -> std::fmt::Result {
    let r = &o.registry.summary;
    writeln!(md, "# shuchuang cycle {}\n", o.year)?;
    writeln!(
        md,
        "Ledger date {}. Every number below comes from a CSV file in this folder.\n",
        o.date
    )?;
    writeln!(md, "## 1. Registry (tiers.csv, changes.csv, tiers.svg)\n")?;
    writeln!(
        md,
        "{} firms in the registry{}; adjustment {} under criteria set `{}`{}.\n",
        r.firms,
        r.generated
            .map_or(String::new(), |n| format!(" ({n} generated this run)")),
        o.year,
        r.criteria_set,
        if r.already_adjusted {
            " (already done: unchanged)"
        } else {
            ""
        }
    )?;
    writeln!(md, "| tier | firms |\n|---|---:|")?;
    for t in Tier::ALL {
        writeln!(
            md,
            "| {} {} | {} |",
            t.name_zh(),
            t.key(),
            r.per_tier.get(t.key()).copied().unwrap_or(0)
        )?;
    }
    writeln!(md, "| no tier | {} |\n", r.untiered)?;
    writeln!(md, "| change | firms |\n|---|---:|")?;
    for (k, v) in &r.per_change {
        writeln!(md, "| {k} | {v} |")?;
    }
    writeln!(
        md,
        "\n{} firms in their year of grace; {} borderline firms sent to the panel.\n",
        r.grace, r.borderline
    )?;
    let b = &o.benefits.summary;
    writeln!(
        md,
        "## 2. Benefits without application (benefits.csv, vouchers.csv, vouchers.svg)\n"
    )?;
    writeln!(
        md,
        "{} firms matched: {} benefits granted ({}), {} refused by the ledger (caps, budgets, eligibility), {} pending on missing facts for {} firms (快申快享), {} conflicts.\n",
        b.firms_matched,
        b.granted,
        yuan(b.granted_yuan),
        b.refused,
        b.pending,
        b.firms_with_missing_facts,
        b.conflicts
    )?;
    writeln!(
        md,
        "| program | grants | granted | refused | pending |\n|---|---:|---:|---:|---:|"
    )?;
    for (p, l) in &b.per_program {
        writeln!(
            md,
            "| {p} | {} | {} | {} | {} |",
            l.grants,
            yuan(l.granted_yuan),
            l.refused,
            l.pending
        )?;
    }
    let c = &o.compute.summary;
    writeln!(
        md,
        "\n## 3. Compute (compute_summary.csv, compute_clusters.csv, compute_jobs.csv, compute_rejections.csv, clusters.svg)\n"
    )?;
    writeln!(md, "Step 3, {}.\n", super::console::compute_text(c))?;
    let v = &o.supervision.summary;
    writeln!(
        md,
        "## 4. Supervision (sandbox.csv, enforcement.csv, inspections.csv)\n"
    )?;
    writeln!(md, "- Sandbox applications: {}", counts_text(&v.sandbox))?;
    writeln!(md, "- Violations: {}", counts_text(&v.enforcement))?;
    writeln!(
        md,
        "- Inspections: {} planned; site visits {} → {} ({} saved by joint inspections and non-site review); {} non-site reviews; {} cap breaches; {} alerts.\n",
        v.inspections_planned,
        v.visits_before,
        v.visits_after,
        v.visits_saved,
        v.non_site_reviews,
        v.cap_breaches,
        v.alerts
    )?;
    let i = &o.index.summary;
    writeln!(
        md,
        "## 5. Measurement (index_caict.csv, index_cohort.csv, index_caict.svg, index_cohort.svg)\n"
    )?;
    writeln!(
        md,
        "CAICT fusion index {}–{}: {} ({} % of its weight on estimates, {} % on leaves without data; the report's published second- and third-level paths stand in where its raw data falls short). Cohort index of the registry's firms over {} provinces, base {} = 100; top: {}.",
        i.caict_base_year,
        i.caict_to_year,
        i.caict_total.map_or("-".into(), |x| fixed(x, 2)),
        i.caict_estimated_share
            .map_or("-".into(), |x| fixed(100.0 * x, 0)),
        fixed(100.0 * i.caict_missing_share, 0),
        i.cohort_provinces,
        i.cohort_base_year,
        top_text(&i.cohort_top)
    )
}
