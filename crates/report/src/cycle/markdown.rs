//! summary.md: every printed number, with the file it comes from and the charts in place,
//! in the reader's language.

use std::fmt::Write as _;

use cultivation::CycleOutcome;

use super::charts::ChartFile;
use super::console::{
    benefits_text, change_table, compute_text, finance_text, held_back_text, index_text,
    program_table, reach_table, registry_text, supervision_lines, tier_table,
};
use crate::cell::Cell;
use crate::lang::Lang;
use crate::messages::{fill, labelled};
use crate::names::Names;
use crate::scenario::{kind_table, scenarios_text};
use crate::table::Table;
use crate::targets::{targets_table, targets_text};

/// A table as Markdown, headings in `lang`, numbers right-aligned.
pub fn markdown_table(t: &Table, lang: Lang, heading: &dyn Fn(&str) -> String) -> String {
    let mut md = String::new();
    let cells = |r: &[String]| format!("| {} |\n", r.join(" | "));
    let head: Vec<String> = t.header.iter().map(|h| heading(h)).collect();
    md.push_str(&cells(&head));
    let align: Vec<String> = t
        .header
        .iter()
        .enumerate()
        .map(|(k, _)| {
            let numeric = t.rows.iter().all(|r| {
                matches!(
                    r.get(k),
                    Some(Cell::Int(_) | Cell::Float { .. } | Cell::Money(_) | Cell::Null)
                )
            });
            if numeric { "---:" } else { "---" }.to_string()
        })
        .collect();
    md.push_str(&cells(&align));
    for r in &t.rows {
        let row: Vec<String> = r
            .iter()
            .map(|c| c.text_in(lang).replace('|', "\\|"))
            .collect();
        md.push_str(&cells(&row));
    }
    md
}

/// The summary of a cycle as Markdown in `lang`, with `charts` embedded where they belong.
pub fn summary_markdown(
    o: &CycleOutcome,
    lang: Lang,
    names: &Names,
    charts: &[ChartFile],
) -> String {
    let mut md = String::new();
    // Writing into a String cannot fail.
    let _ = write_summary(&mut md, o, lang, names, charts);
    md
}

fn files(section: &str, charts: &[ChartFile], csvs: &str) -> String {
    let svgs: Vec<&str> = charts
        .iter()
        .filter(|c| c.section == section)
        .map(|c| c.file)
        .collect();
    if svgs.is_empty() {
        csvs.to_string()
    } else {
        format!("{csvs}, {}", svgs.join(", "))
    }
}

fn embed(md: &mut String, section: &str, charts: &[ChartFile]) -> std::fmt::Result {
    for c in charts.iter().filter(|c| c.section == section) {
        writeln!(md, "![{}]({})\n", c.file, c.file)?;
        if let Some(src) = &c.figure.source {
            writeln!(md, "*{src}*\n")?;
        }
    }
    Ok(())
}

fn write_summary(
    md: &mut String,
    o: &CycleOutcome,
    lang: Lang,
    names: &Names,
    charts: &[ChartFile],
) -> std::fmt::Result {
    let r = &o.registry.summary;
    let col = |h: &str| crate::messages::column(h, lang).to_string();
    writeln!(md, "# {}\n", fill("doc.title", lang, &[("year", &o.year)]))?;
    writeln!(md, "{}\n", fill("doc.lead", lang, &[("date", &o.date)]))?;
    let section = |md: &mut String, key: &str, csvs: &str| {
        let list = labelled("doc.files", &files(key, charts, csvs), lang);
        writeln!(md, "## {}\n\n{list}\n", super::section_title(key, lang))
    };
    section(md, "sec.registry", "tiers.csv, changes.csv, panel.csv")?;
    writeln!(md, "{}\n", registry_text(r, o.year, lang))?;
    writeln!(md, "{}", markdown_table(&tier_table(r, names), lang, &col))?;
    writeln!(
        md,
        "{}",
        markdown_table(&change_table(r, names), lang, &col)
    )?;
    writeln!(
        md,
        "{}\n",
        fill(
            "cycle.grace_text",
            lang,
            &[("grace", &r.grace), ("borderline", &r.borderline)]
        )
    )?;
    if let Some(p) = crate::panel::cycle_panel_text(r.panel.as_ref(), lang) {
        writeln!(md, "{p}\n")?;
    }
    embed(md, "sec.registry", charts)?;

    section(md, "sec.benefits", "benefits.csv, vouchers.csv")?;
    writeln!(
        md,
        "{}\n",
        capitalised(&benefits_text(&o.benefits.summary, lang))
    )?;
    let programs = program_table(&o.benefits.summary, lang, names);
    writeln!(md, "{}", markdown_table(&programs, lang, &col))?;
    embed(md, "sec.benefits", charts)?;

    section(
        md,
        "sec.compute",
        "compute_summary.csv, compute_clusters.csv, compute_jobs.csv, compute_rejections.csv",
    )?;
    writeln!(
        md,
        "{}\n",
        capitalised(&compute_text(&o.compute.summary, lang))
    )?;
    embed(md, "sec.compute", charts)?;

    section(
        md,
        "sec.supervision",
        "sandbox.csv, enforcement.csv, inspections.csv",
    )?;
    let [sandbox, violations, inspections] = supervision_lines(&o.supervision.summary, lang);
    writeln!(md, "- {sandbox}\n- {violations}\n- {inspections}\n")?;

    section(md, "sec.index", "index_caict.csv, index_cohort.csv")?;
    writeln!(
        md,
        "{}\n",
        capitalised(&index_text(&o.index.summary, lang, names))
    )?;
    embed(md, "sec.index", charts)?;

    section(md, "sec.scenarios", "scenario_matches.csv")?;
    let sc = &o.scenarios.summary;
    writeln!(md, "{}\n", capitalised(&scenarios_text(sc, lang)))?;
    writeln!(md, "{}", markdown_table(&kind_table(sc, names), lang, &col))?;
    embed(md, "sec.scenarios", charts)?;

    section(md, "sec.finance", "credit_lines.csv, credit_reach.csv")?;
    let f = &o.finance;
    writeln!(md, "{}\n", capitalised(&finance_text(&f.summary, lang)))?;
    if let Some(line) = held_back_text(&f.summary, lang) {
        writeln!(md, "{}\n", capitalised(&line))?;
    }
    if f.summary.not_run.is_empty() {
        let reach = reach_table(&f.reach, lang, names);
        writeln!(md, "{}", markdown_table(&reach, lang, &col))?;
    }
    section(md, "sec.targets", "targets.csv")?;
    writeln!(
        md,
        "{}\n",
        capitalised(&targets_text(&o.targets, o.year, lang))
    )?;
    writeln!(
        md,
        "{}",
        markdown_table(&targets_table(&o.targets), lang, &col)
    )
}

/// A sentence with its first letter upper-cased (the printed steps start lower-case after
/// their number).
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
