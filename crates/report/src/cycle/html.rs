//! index.html: the cycle's report as one self-contained page an officer can open, print
//! and circulate. Everything is inside the file: the charts are inline SVG, the style is
//! inline CSS, nothing is fetched (no script, no font, no image from a network). The
//! contents list links to each section; each chart has its data source under it
//! (数据来源); every table of the folder is in the appendix, long ones cut with a note that
//! says where all rows are. Printed, the page lays out on A4.

use std::fmt::Write as _;

use cultivation::CycleOutcome;

use super::charts::ChartFile;
use super::console::{
    benefits_text, change_table, compute_text, finance_text, held_back_text, index_text,
    program_table, reach_table, registry_text, supervision_lines, tier_table,
};
use super::markdown::capitalised;
use super::tables::{CycleTable, heading};
use crate::cell::Cell;
use crate::chart::svg::{FONT_FAMILY, escape};
use crate::error::Result;
use crate::lang::Lang;
use crate::messages::{fill, text};
use crate::names::Names;
use crate::number::thousands;
use crate::scenario::{kind_table, scenarios_text};
use crate::table::Table;
use crate::targets::{targets_table, targets_text};

/// Rows of a table the page shows before its note; every row is in the CSV and the
/// workbook.
pub const HTML_ROWS_SHOWN: usize = 50;

/// The sections of the page: message key and anchor.
pub const SECTIONS: [(&str, &str); 9] = [
    ("sec.registry", "registry"),
    ("sec.benefits", "benefits"),
    ("sec.compute", "compute"),
    ("sec.supervision", "supervision"),
    ("sec.index", "index"),
    ("sec.scenarios", "scenarios"),
    ("sec.finance", "finance"),
    ("sec.targets", "targets"),
    ("sec.appendix", "tables"),
];

const STYLE: &str = r#"
:root { color: #212121; }
body { font-family: FONTS; margin: 0 auto; max-width: 190mm; padding: 8mm 10mm; line-height: 1.6; font-size: 11pt; }
h1 { font-size: 18pt; margin: 0 0 4pt; }
h2 { font-size: 14pt; border-bottom: 1px solid #9e9e9e; padding-bottom: 2pt; margin-top: 18pt; }
h3 { font-size: 12pt; margin: 12pt 0 4pt; }
nav ol { padding-left: 1.4em; margin: 4pt 0; }
a { color: #0b5394; }
p.lead, p.files { color: #555; }
figure { margin: 10pt 0 14pt; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 9.5pt; color: #555; margin-top: 2pt; }
table { border-collapse: collapse; margin: 6pt 0 10pt; font-size: 9.5pt; width: auto; max-width: 100%; }
th, td { border: 1px solid #bdbdbd; padding: 2pt 5pt; vertical-align: top; }
th { background: #eeeeee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
p.note { font-size: 9.5pt; color: #555; margin-top: 0; }
.wide { overflow-x: auto; }
@page { size: A4; margin: 15mm 12mm 15mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { break-after: page; }
  h2 { break-before: page; }
  h2, h3 { break-after: avoid; }
  figure, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  .wide { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  table { font-size: 8.5pt; }
}
"#;

fn numeric(c: &Cell) -> bool {
    matches!(c, Cell::Int(_) | Cell::Float { .. } | Cell::Money(_))
}

/// A table as HTML, headings by `heading`, at most `rows` rows, then a note naming `file`.
fn html_table(
    out: &mut String,
    t: &Table,
    lang: Lang,
    heading: &dyn Fn(&str) -> String,
    rows: usize,
    file: Option<&str>,
) -> std::fmt::Result {
    out.push_str("<div class=\"wide\"><table>\n<thead><tr>");
    for h in &t.header {
        write!(out, "<th scope=\"col\">{}</th>", escape(&heading(h)))?;
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in t.rows.iter().take(rows) {
        out.push_str("<tr>");
        for c in r {
            let class = if numeric(c) { " class=\"num\"" } else { "" };
            write!(out, "<td{class}>{}</td>", escape(&c.text_in(lang)))?;
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    if t.rows.len() > rows {
        let (shown, total) = (thousands(rows as u64), thousands(t.rows.len() as u64));
        let file = file.unwrap_or_default();
        let note = fill(
            "doc.cut",
            lang,
            &[("shown", &shown), ("total", &total), ("file", &file)],
        );
        writeln!(out, "<p class=\"note\">{}</p>", escape(&note))?;
    }
    Ok(())
}

fn anchor_of(file: &str) -> String {
    file.trim_end_matches(".csv")
        .trim_end_matches(".svg")
        .replace('_', "-")
}

fn figures(out: &mut String, section: &str, charts: &[ChartFile]) -> Result<()> {
    for c in charts.iter().filter(|c| c.section == section) {
        let svg = c.figure.render(false)?;
        let _ = write!(
            out,
            "<figure id=\"fig-{}\">\n{svg}<figcaption>",
            anchor_of(c.file)
        );
        if let Some(src) = &c.figure.source {
            let _ = write!(out, "{}", escape(src));
        }
        let _ = writeln!(out, " ({})</figcaption>\n</figure>", c.file);
    }
    Ok(())
}

fn para(out: &mut String, text: &str) {
    let _ = writeln!(out, "<p>{}</p>", escape(text));
}

/// The page of a cycle in `lang`: the summary with every chart in place, then every table.
pub fn page(
    o: &CycleOutcome,
    lang: Lang,
    names: &Names,
    charts: &[ChartFile],
    tables: &[CycleTable],
) -> Result<String> {
    let mut out = String::with_capacity(1 << 20);
    let title = fill("doc.title", lang, &[("year", &o.year)]);
    let col = |h: &str| heading(h, lang, names);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n</header>\n",
        lang.html_tag(),
        escape(&title),
        STYLE.replace("FONTS", FONT_FAMILY),
        escape(&title),
        escape(&fill("doc.lead", lang, &[("date", &o.date)]))
    );
    let _ = writeln!(
        out,
        "<nav>\n<h2 id=\"contents\">{}</h2>\n<ol>",
        escape(text("doc.contents", lang))
    );
    for (key, id) in SECTIONS {
        let _ = writeln!(
            out,
            "<li><a href=\"#{id}\">{}</a></li>",
            escape(&super::section_title(key, lang))
        );
    }
    out.push_str("</ol>\n</nav>\n<main>\n");
    let open = |out: &mut String, key: &str| {
        let id = SECTIONS.iter().find(|(k, _)| *k == key).map_or("", |s| s.1);
        let _ = writeln!(
            out,
            "<section id=\"{id}\">\n<h2>{}</h2>",
            escape(&super::section_title(key, lang))
        );
        let files: Vec<String> = tables
            .iter()
            .filter(|t| t.section == key)
            .map(|t| {
                format!(
                    "<a href=\"#table-{}\">{}</a>",
                    anchor_of(t.file),
                    escape(t.file)
                )
            })
            .collect();
        if !files.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"files\">{}{}{}</p>",
                escape(text("doc.tables", lang)),
                lang.pick(": ", "："),
                files.join(", ")
            );
        }
    };
    let r = &o.registry.summary;
    open(&mut out, "sec.registry");
    para(&mut out, &registry_text(r, o.year, lang));
    let tiers = tier_table(r, names);
    let _ = html_table(&mut out, &tiers, lang, &col, usize::MAX, None);
    let changes = change_table(r, names);
    let _ = html_table(&mut out, &changes, lang, &col, usize::MAX, None);
    para(
        &mut out,
        &fill(
            "cycle.grace_text",
            lang,
            &[("grace", &r.grace), ("borderline", &r.borderline)],
        ),
    );
    if let Some(p) = crate::panel::cycle_panel_text(r.panel.as_ref(), lang) {
        para(&mut out, &p);
    }
    figures(&mut out, "sec.registry", charts)?;
    out.push_str("</section>\n");

    open(&mut out, "sec.benefits");
    para(
        &mut out,
        &capitalised(&benefits_text(&o.benefits.summary, lang)),
    );
    let programs = program_table(&o.benefits.summary, lang, names);
    let _ = html_table(&mut out, &programs, lang, &col, usize::MAX, None);
    figures(&mut out, "sec.benefits", charts)?;
    out.push_str("</section>\n");

    open(&mut out, "sec.compute");
    para(
        &mut out,
        &capitalised(&compute_text(&o.compute.summary, lang)),
    );
    figures(&mut out, "sec.compute", charts)?;
    out.push_str("</section>\n");

    open(&mut out, "sec.supervision");
    out.push_str("<ul>\n");
    for line in supervision_lines(&o.supervision.summary, lang) {
        let _ = writeln!(out, "<li>{}</li>", escape(&line));
    }
    out.push_str("</ul>\n");
    out.push_str("</section>\n");

    open(&mut out, "sec.index");
    para(
        &mut out,
        &capitalised(&index_text(&o.index.summary, lang, names)),
    );
    figures(&mut out, "sec.index", charts)?;
    out.push_str("</section>\n");

    open(&mut out, "sec.scenarios");
    let sc = &o.scenarios.summary;
    para(&mut out, &capitalised(&scenarios_text(sc, lang)));
    let kinds = kind_table(sc, names);
    let _ = html_table(&mut out, &kinds, lang, &col, usize::MAX, None);
    figures(&mut out, "sec.scenarios", charts)?;
    out.push_str("</section>\n");

    open(&mut out, "sec.finance");
    let f = &o.finance;
    para(&mut out, &capitalised(&finance_text(&f.summary, lang)));
    if let Some(line) = held_back_text(&f.summary, lang) {
        para(&mut out, &capitalised(&line));
    }
    if f.summary.not_run.is_empty() {
        let reach = reach_table(&f.reach, lang, names);
        let _ = html_table(&mut out, &reach, lang, &col, usize::MAX, None);
    }
    out.push_str("</section>\n");

    open(&mut out, "sec.targets");
    para(
        &mut out,
        &capitalised(&targets_text(&o.targets, o.year, lang)),
    );
    let targets = targets_table(&o.targets);
    let _ = html_table(&mut out, &targets, lang, &col, usize::MAX, None);
    out.push_str("</section>\n");

    let _ = writeln!(
        out,
        "<section id=\"tables\">\n<h2>{}</h2>",
        escape(text("sec.appendix", lang))
    );
    for t in tables {
        let _ = writeln!(
            out,
            "<h3 id=\"table-{}\">{} ({})</h3>",
            anchor_of(t.file),
            escape(text(t.title, lang)),
            escape(t.file)
        );
        let _ = html_table(
            &mut out,
            &t.table,
            lang,
            &col,
            HTML_ROWS_SHOWN,
            Some(t.file),
        );
    }
    out.push_str("</section>\n</main>\n</body>\n</html>\n");
    Ok(out)
}
