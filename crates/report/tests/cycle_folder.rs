//! The cycle's report folder: the same CSV files whichever store the cycle ran on and
//! whichever language it is written in; index.html is one self-contained page with every
//! chart and table; report.xlsx holds every table, typed, equal to its CSV cell by cell.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use cultivation::{CycleConfig, CycleOutcome, DataDir, Quiet, Stores, run_cycle};
use registry_model::MemoryStore;
use report::cycle::tables::tables;
use report::cycle::{REPORT_FILES, write_folder};
use report::{Lang, Names};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use scraper::{Html, Selector};
use voucher_ledger::{MemoryJournal, SystemClock, VoucherBook};

fn csvs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn config() -> CycleConfig {
    let mut config = CycleConfig::new().unwrap();
    config.firms = 100;
    config.seed = 7;
    config.jobs_per_holder = 2;
    config
}

fn memory_cycle() -> CycleOutcome {
    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let mut cohort = None;
    run_cycle(
        Stores {
            registry: &mut registry,
            ledger: &mut ledger,
            cohort: &mut cohort,
        },
        &config(),
        &mut Quiet,
    )
    .unwrap()
}

#[test]
fn memory_and_sqlite_cycles_write_the_same_csv_files_in_every_language() {
    let tmp = tempfile::tempdir().unwrap();
    let memory = memory_cycle();
    let dir = DataDir::new(tmp.path().join("data"));
    let lock = dir.lock().unwrap();
    let mut store = dir.open_registry(&lock).unwrap();
    let mut book = dir.open_ledger(&lock, true, None).unwrap();
    let mut file = dir.cohort_file(&lock);
    let sqlite = run_cycle(
        Stores {
            registry: store.as_mut(),
            ledger: &mut book,
            cohort: &mut file,
        },
        &config(),
        &mut Quiet,
    )
    .unwrap();

    let names = Names::shipped().unwrap();
    let (a, b) = (tmp.path().join("memory"), tmp.path().join("sqlite"));
    let written = write_folder(&a, &memory, Lang::En, &names).unwrap();
    write_folder(&b, &sqlite, Lang::Zh, &names).unwrap();
    assert_eq!(written.len(), REPORT_FILES.len());
    for f in &written {
        assert!(f.is_file(), "{} is written", f.display());
    }
    let (ca, cb) = (csvs(&a), csvs(&b));
    assert_eq!(ca.len(), 18, "every CSV table of the folder");
    assert_eq!(ca.keys().collect::<Vec<_>>(), cb.keys().collect::<Vec<_>>());
    for (name, bytes) in &ca {
        assert!(bytes.len() > 20, "{name} has rows");
        assert!(
            bytes == &cb[name],
            "{name} differs between the stores or the languages"
        );
        assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "{name}: no BOM");
    }
    let md = std::fs::read_to_string(a.join("summary.md")).unwrap();
    assert!(md.contains("## 3. Compute") && md.contains("100 firms in the registry"));
    assert!(
        md.contains("## 7. Credit lines (云量贷)")
            && md.contains("firms with verified compute spend"),
        "{md}"
    );
    assert!(
        md.contains("![tiers.svg](tiers.svg)"),
        "summary.md embeds its charts"
    );
    let zh = std::fs::read_to_string(b.join("summary.md")).unwrap();
    assert!(
        zh.contains("## 三、算力调度与算力券")
            && zh.contains("潜力型")
            && zh.contains("## 七、云量贷"),
        "{zh}"
    );
    assert!(zh.contains("万"), "amounts in 万 or 亿: {zh}");
    // Step 6: its sentence and matches per kind, named in the reader's language.
    assert!(
        md.contains("## 6. Application scenarios") && md.contains("| technology application |"),
        "{md}"
    );
    assert!(
        zh.contains("## 六、应用场景供需对接") && zh.contains("| 技术应用 |"),
        "{zh}"
    );
    let matches = String::from_utf8(ca["scenario_matches.csv"].clone()).unwrap();
    assert!(
        matches.starts_with("scenario,kind,owner_type,firm,offer,score,compute_yuan,data_yuan\n")
    );
    assert_eq!(matches.lines().count(), memory.scenarios.matches.len() + 1);
    // The registry's selection panel: one row per referred firm, and its sentence in both
    // languages.
    let panel = memory.registry.panel.as_ref().expect("the cycle's panel");
    let rows = String::from_utf8(ca["panel.csv"].clone()).unwrap();
    assert!(
        rows.starts_with("firm,members_scoring,recused,trimmed_mean,decision,reason\n"),
        "{rows}"
    );
    assert_eq!(rows.lines().count(), panel.results.len() + 1);
    assert_eq!(
        rows.matches(",admitted,").count(),
        panel.summary.admitted,
        "{rows}"
    );
    assert!(rows.contains("panel cycle: trimmed mean "), "{rows}");
    let sentence = format!(
        "scored the {} borderline firms: {} granted",
        panel.summary.referred, panel.summary.admitted
    );
    assert!(md.contains(&sentence), "{md}");
    assert!(
        zh.contains(&format!("评审 {} 家临界企业", panel.summary.referred)),
        "{zh}"
    );
}

#[test]
fn the_cycle_reports_the_shipped_targets_in_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let outcome = memory_cycle();
    let names = Names::shipped().unwrap();
    let (en, zh) = (tmp.path().join("en"), tmp.path().join("zh"));
    write_folder(&en, &outcome, Lang::En, &names).unwrap();
    write_folder(&zh, &outcome, Lang::Zh, &names).unwrap();
    let csv = std::fs::read_to_string(en.join("targets.csv")).unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        head,
        [
            "title",
            "metric",
            "region",
            "year",
            "target",
            "unit",
            "measured_in",
            "measured",
            "share_of_target",
            "basis",
            "firms_missing_facts",
            "source"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    // One row per target of the shipped file, in file order.
    let shipped = cultivation::targets::TargetFile::shipped().unwrap();
    assert_eq!(rows.len(), shipped.targets.len());
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    for (row, t) in rows.iter().zip(&shipped.targets) {
        assert_eq!(&row[col("metric")], t.metric.key());
        assert_eq!(&row[col("measured_in")], "2025");
        assert_eq!(&row[col("source")], t.source);
        if t.metric == cultivation::targets::Metric::External {
            assert_eq!(&row[col("measured")], "", "{row:?}");
            assert!(
                row[col("basis")].starts_with("external, not measured"),
                "{row:?}"
            );
        }
    }
    // The data-element firms are counted from the change log the cycle wrote: the tiered
    // firms of Shandong (37) classified as data-value innovators.
    let data_element = outcome
        .registry
        .adjustment
        .entries
        .iter()
        .filter(|e| e.to.is_some() && e.id.region().province_code() == "37")
        .filter(|e| {
            e.class
                .innovation
                .contains(&registry_model::criteria::InnovationType::DataValue)
        })
        .count();
    let row = rows
        .iter()
        .find(|r| &r[col("metric")] == "data_element_firms")
        .unwrap();
    assert_eq!(row[col("measured")], data_element.to_string());
    // Voucher spend is measured from the ledger the cycle wrote, not left out.
    if let Some(row) = rows
        .iter()
        .find(|r| &r[col("metric")] == "voucher_spend_yuan")
    {
        assert!(row[col("basis")].starts_with("ledger:"), "{row:?}");
    }
    // The same table, section and sentence in both languages' documents.
    let md = std::fs::read_to_string(en.join("summary.md")).unwrap();
    assert!(
        md.contains("## Targets") && md.contains("targets.csv"),
        "{md}"
    );
    assert!(
        md.contains(&format!("{} targets, measured in 2025", rows.len())),
        "{md}"
    );
    let zh_md = std::fs::read_to_string(zh.join("summary.md")).unwrap();
    assert!(
        zh_md.contains("## 培育目标进展") && zh_md.contains("外部指标"),
        "{zh_md}"
    );
    assert!(zh_md.contains("培育重点数据要素企业 100 家"), "{zh_md}");
    for dir in [&en, &zh] {
        let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
        let doc = Html::parse_document(&html);
        assert_eq!(
            select(&doc, "section#targets table tbody tr").len(),
            rows.len()
        );
        assert_eq!(select(&doc, "h3#table-targets").len(), 1);
    }
    assert_eq!(
        std::fs::read(en.join("targets.csv")).unwrap(),
        std::fs::read(zh.join("targets.csv")).unwrap()
    );
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

#[test]
fn index_html_is_one_self_contained_page_with_every_chart_and_table() {
    let tmp = tempfile::tempdir().unwrap();
    let outcome = memory_cycle();
    let names = Names::shipped().unwrap();
    for lang in [Lang::Zh, Lang::En] {
        let dir = tmp.path().join(lang.code());
        write_folder(&dir, &outcome, lang, &names).unwrap();
        let text = std::fs::read_to_string(dir.join("index.html")).unwrap();
        let doc = Html::parse_document(&text);
        assert_eq!(
            select(&doc, "html")[0].value().attr("lang"),
            Some(lang.html_tag())
        );
        assert_eq!(select(&doc, "h1").len(), 1);
        // Sections with anchors, each linked from the contents.
        let links: Vec<String> = select(&doc, "nav a")
            .iter()
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect();
        assert_eq!(links.len(), 9, "{links:?}");
        for href in &links {
            let id = href.trim_start_matches('#');
            assert_eq!(
                select(&doc, &format!("section[id='{id}']")).len(),
                1,
                "{id}"
            );
        }
        // One inline <svg> per chart file, each in a figure with its source under it.
        let svgs = REPORT_FILES.iter().filter(|f| f.ends_with(".svg")).count();
        assert_eq!(select(&doc, "svg").len(), svgs);
        let captions = select(&doc, "figure > figcaption");
        assert_eq!(captions.len(), svgs);
        let source = lang.pick("Source:", "数据来源：");
        for c in &captions {
            assert!(c.text().collect::<String>().starts_with(source));
        }
        // Every table of the folder is in the appendix, with a header row.
        let appendix = select(&doc, "section#tables h3");
        assert_eq!(appendix.len(), 18);
        let heads = select(&doc, "section#tables table thead tr");
        assert_eq!(heads.len(), 18);
        let first_head = select(&doc, "section#tables th")[0]
            .text()
            .collect::<String>();
        assert_eq!(first_head, lang.pick("Year", "年份"));
        // No external resource: no script, no stylesheet link, no URL fetched.
        assert!(select(&doc, "script, link, img, iframe, object").is_empty());
        for el in select(&doc, "[src], [href]") {
            for attr in ["src", "href"] {
                if let Some(v) = el.value().attr(attr) {
                    assert!(v.starts_with('#'), "{attr}='{v}' leaves the page");
                }
            }
        }
        let style: String = select(&doc, "style")
            .iter()
            .flat_map(|s| s.text())
            .collect();
        assert!(!style.contains("@import") && !style.contains("url("));
        assert!(style.contains("@page") && style.contains("A4"));
        assert!(!text.contains("http://") || text.matches("http://").count() == svgs);
        assert!(!text.contains("https://"));
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

#[test]
fn report_xlsx_holds_every_table_typed_and_equal_to_its_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let outcome = memory_cycle();
    let names = Names::shipped().unwrap();
    let lang = Lang::Zh;
    let dir = tmp.path().join("zh");
    write_folder(&dir, &outcome, lang, &names).unwrap();
    let mut wb: Xlsx<_> = open_workbook(dir.join("report.xlsx")).unwrap();
    let sheets = wb.sheet_names();
    let typed = tables(&outcome, &names).unwrap();
    assert_eq!(sheets.len(), typed.len(), "{sheets:?}");
    let mut compared = 0;
    for (sheet, t) in sheets.iter().zip(&typed) {
        assert_eq!(sheet, report::messages::text(t.title, lang));
        let range = wb.worksheet_range(sheet).unwrap();
        let mut csv = csv::Reader::from_path(dir.join(t.file)).unwrap();
        let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_string).collect();
        let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
        let rows: Vec<&[Data]> = range.rows().collect();
        if records.is_empty() {
            continue;
        }
        assert_eq!(rows.len(), records.len() + 1, "{}", t.file);
        assert_eq!(header, t.table.header, "{}", t.file);
        // Headings in the language.
        for (k, h) in header.iter().enumerate() {
            assert_eq!(
                cell_text(&rows[0][k]),
                report::cycle::tables::heading(h, lang, &names)
            );
        }
        for (i, rec) in records.iter().enumerate() {
            for (k, field) in rec.iter().enumerate() {
                let x = rows[i + 1].get(k).unwrap_or(&Data::Empty);
                let cell = &t.table.rows[i][k];
                match cell {
                    // serde writes floats its own way (`0.0`); the value is what counts.
                    report::Cell::Float { value, .. } => {
                        assert_eq!(field.parse::<f64>().ok(), Some(*value), "{}", t.file)
                    }
                    _ => assert_eq!(cell.csv(), field, "{} row {i} col {k}: typed = CSV", t.file),
                }
                let ok = match x {
                    Data::Empty => field.is_empty(),
                    Data::Float(v) => {
                        // Money and measured numbers: the CSV's value, as Excel's double.
                        let exact = field.parse::<Decimal>().ok().and_then(|d| d.to_f64());
                        let float = field.parse::<f64>().ok();
                        exact == Some(*v) || float == Some(*v)
                    }
                    Data::Int(v) => field.parse::<i64>() == Ok(*v),
                    Data::Bool(b) => field == b.to_string(),
                    Data::DateTime(d) => d
                        .as_datetime()
                        .is_some_and(|t| t.format("%Y-%m-%d").to_string() == field),
                    // Text cells: the CSV's text, or a key's name in the language.
                    Data::String(s) => *s == cell.text_in(lang),
                    other => panic!("{}: unexpected {other:?}", t.file),
                };
                assert!(
                    ok,
                    "{} row {i} col {k}: xlsx {x:?} vs CSV '{field}'",
                    t.file
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 1_000, "compared {compared} cells");
}
