//! `shuchuang cycle` against the built binary: the report's numbers agree with the stores, a
//! second run of the same year changes nothing, the next year continues, a failed step
//! leaves the ledger as it was, and a crash in the middle of a step is completed by a rerun
//! to the same state as an uninterrupted run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use assert_cmd::Command;
use registry_model::{RegistryStore, SqliteStore};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use voucher_ledger::VoucherBook;

const FIRMS: &str = "150";
const SEED: &str = "11";

fn cycle(data: &Path, report: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("shuchuang").expect("binary built");
    cmd.env("LC_ALL", "C");
    cmd.arg("cycle")
        .arg("--data-dir")
        .arg(data)
        .args(["--firms", FIRMS, "--seed", SEED, "--jobs-per-holder", "2"])
        .arg("--out")
        .arg(report)
        .args(extra)
        .env_remove("SHUCHUANG_CYCLE_FAULT");
    cmd
}

fn run_json(data: &Path, report: &Path, extra: &[&str]) -> serde_json::Value {
    let out = cycle(data, report, &[&["--format", "json"], extra].concat())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("cycle --format json prints JSON")
}

/// Rows of a CSV file as maps from column to cell.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            header
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("not a decimal: '{s}'"))
}

fn fen(d: Decimal) -> u64 {
    let f = d * Decimal::ONE_HUNDRED;
    assert_eq!(f, f.trunc(), "{d} is not whole fen");
    f.to_u64().expect("a non-negative amount")
}

fn book(data: &Path) -> VoucherBook {
    VoucherBook::open(data.join("ledger.sqlite")).expect("ledger opens and replays")
}

/// Files of a report folder, by name, as bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("report folder")
        .map(|e| {
            let p = e.expect("entry").path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn check_report_against_stores(data: &Path, report: &Path, year: i32, summary: &serde_json::Value) {
    let book = book(data);
    book.verify().expect("journal hash chain verifies");
    book.check_invariants().expect("ledger invariants hold");

    // Vouchers granted in the report = the ledger's grants of the year, program by program.
    let mut granted_report: BTreeMap<String, u64> = BTreeMap::new();
    let mut granted_lines = 0u64;
    for r in rows(&report.join("benefits.csv")) {
        if r["status"] == "granted" {
            *granted_report.entry(r["program"].clone()).or_default() += fen(dec(&r["amount_yuan"]));
            granted_lines += 1;
        }
    }
    assert!(
        granted_lines > 0,
        "a cohort of {FIRMS} firms gets some benefits"
    );
    assert_eq!(summary["benefits"]["granted"].as_u64(), Some(granted_lines));
    // Step 6's bundles: the vouchers granted with each match.
    let matches = rows(&report.join("scenario_matches.csv"));
    assert!(!matches.is_empty(), "some scenarios are matched");
    assert_eq!(
        summary["scenarios"]["matches"].as_u64(),
        Some(matches.len() as u64)
    );
    for m in &matches {
        for (column, program) in [
            ("compute_yuan", "scenario-compute-voucher"),
            ("data_yuan", "scenario-data-voucher"),
        ] {
            *granted_report.entry(program.into()).or_default() += fen(dec(&m[column]));
        }
    }
    let mut redeemed_ledger = 0u64;
    for p in book.programs().map(|p| p.id.clone()).collect::<Vec<_>>() {
        let rep = book.report(&p).expect("program report");
        let y = rep.years.iter().find(|y| y.year == year);
        let granted = y.map_or(0, |y| y.granted_fen);
        assert_eq!(
            granted,
            granted_report.get(&p).copied().unwrap_or(0),
            "granted for {p} in {year}"
        );
        if rep.kind == "compute" {
            redeemed_ledger += y.map_or(0, |y| y.redeemed_fen);
        }
    }
    let vouchers = rows(&report.join("vouchers.csv"));
    for v in &vouchers {
        assert_eq!(
            fen(dec(&v["granted_yuan"])),
            granted_report.get(&v["program"]).copied().unwrap_or(0),
            "vouchers.csv granted for {}",
            v["program"]
        );
    }

    // Placed jobs in the report = the scheduler's placements, and each subsidy is a contract
    // redeemed on the ledger.
    let jobs = rows(&report.join("compute_jobs.csv"));
    assert_eq!(
        Some(jobs.len() as u64),
        summary["compute"]["placed"].as_u64()
    );
    assert!(!jobs.is_empty(), "voucher holders' jobs are placed");
    let mut subsidy_report = 0u64;
    for j in &jobs {
        let s = fen(dec(&j["subsidy_yuan"]));
        subsidy_report += s;
        if s > 0 {
            let c = book
                .contract(&format!("cycle-{year}-{}", j["job"]))
                .unwrap_or_else(|| panic!("job {} has its contract on the ledger", j["job"]));
            assert_eq!(c.subsidy_fen, s, "subsidy of job {}", j["job"]);
        }
    }
    assert_eq!(
        subsidy_report, redeemed_ledger,
        "compute subsidies = compute vouchers redeemed"
    );

    // Tier counts in the report = the registry's adjustment.
    let store = SqliteStore::open(data.join("registry.sqlite")).expect("registry opens");
    let adj = store
        .adjustment(year)
        .expect("read")
        .expect("the year is adjusted");
    let c = adj.counts();
    let tiers = rows(&report.join("tiers.csv"));
    let row = tiers
        .iter()
        .find(|r| r["year"] == year.to_string())
        .expect("a row for the year");
    assert_eq!(row["potential"], c.per_tier[0].to_string());
    assert_eq!(row["growth"], c.per_tier[1].to_string());
    assert_eq!(row["leading"], c.per_tier[2].to_string());
    assert_eq!(rows(&report.join("changes.csv")).len(), adj.entries.len());

    // The panel's rows = the stored panel's decisions in the change log.
    let decided: Vec<_> = adj.entries.iter().filter(|e| e.panel.is_some()).collect();
    assert_eq!(decided.len(), adj.panel_referrals().count());
    let panel = rows(&report.join("panel.csv"));
    assert_eq!(panel.len(), decided.len());
    for (row, e) in panel.iter().zip(&decided) {
        assert_eq!(row["firm"], e.id.to_string());
        let d = e.panel.as_ref().expect("decided");
        assert_eq!(row["trimmed_mean"], d.score.to_string(), "{}", e.id);
        let granted = e.to == e.referral.map(|r| r.tier);
        assert_eq!(row["decision"] == "admitted", granted, "{}", e.id);
    }
}

#[test]
fn a_cycle_agrees_with_its_stores_repeats_as_a_no_op_and_continues_next_year() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (r1, r2, r3) = (
        tmp.path().join("r1"),
        tmp.path().join("r2"),
        tmp.path().join("r3"),
    );

    let first = run_json(&data, &r1, &[]);
    assert_eq!(first["year"], 2025);
    assert_eq!(first["registry"]["generated"], 150);
    check_report_against_stores(&data, &r1, 2025, &first);
    // The CAICT figure as `index compute` gives it by default, with what it rests on.
    assert_eq!(first["index"]["caict_missing_share"], 0.09375);
    let caict = std::fs::read_to_string(r1.join("index_caict.csv")).unwrap();
    assert!(caict.starts_with(
        "node,unit,year,index,growth,contribution,total_contribution,estimated_share,missing_share,source\n"
    ));
    assert!(
        caict.contains("\nfusion,CN,2024,145.84757112138038,"),
        "{caict}"
    );
    let summary = std::fs::read_to_string(r1.join("summary.md")).unwrap();
    assert!(
        summary.contains("CAICT fusion index 2019–2024: 145.85 (50.3 % of its weight on estimates, 9.4 % on leaves without data;"),
        "{summary}"
    );
    for f in [
        "summary.md",
        "tiers.svg",
        "vouchers.svg",
        "clusters.svg",
        "index_caict.svg",
        "index_cohort.svg",
    ] {
        assert!(r1.join(f).exists(), "{f} is written");
    }
    let requests = book(&data).request_count();

    // The same year again: nothing written, the same numbers.
    let second = run_json(&data, &r2, &[]);
    assert_eq!(second["registry"]["already_adjusted"], true);
    assert_eq!(
        book(&data).request_count(),
        requests,
        "a second run writes nothing to the ledger"
    );
    let (a, b) = (files(&r1), files(&r2));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        // The summary and the page say that the year was already done.
        if name != "summary.md" && name != "index.html" {
            assert!(
                bytes == &b[name],
                "{name} differs between two runs of the same year"
            );
        }
    }
    for part in ["benefits", "compute", "supervision", "index"] {
        assert_eq!(
            first[part], second[part],
            "{part} summary differs on a repeat"
        );
    }

    // The next year continues from the stored state.
    let next = run_json(&data, &r3, &["--year", "2026"]);
    assert_eq!(next["year"], 2026);
    assert_eq!(next["registry"]["already_adjusted"], false);
    check_report_against_stores(&data, &r3, 2026, &next);
    let store = SqliteStore::open(data.join("registry.sqlite")).unwrap();
    let before = store.adjustment(2025).unwrap().unwrap();
    let after = store.adjustment(2026).unwrap().unwrap();
    for e in &after.entries {
        if let Some(prev) = before.entries.iter().find(|p| p.id == e.id) {
            assert_eq!(
                e.from, prev.to,
                "2026 starts from the tier of 2025 for {}",
                e.id
            );
        }
    }
    assert_eq!(rows(&r3.join("tiers.csv")).len(), 2, "tiers over two years");
    assert!(
        book(&data).request_count() > requests,
        "2026 writes its own grants"
    );

    // A year before the last adjusted one is refused: history is not rewritten.
    cycle(&data, &tmp.path().join("r4"), &["--year", "2024"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("before the last adjusted year"));
}

fn ledger_state(data: &Path) -> (usize, usize) {
    let b = book(data);
    (b.request_count(), b.ledger().transfers().len())
}

#[test]
fn a_failed_step_keeps_its_committed_groups_and_a_crash_is_completed_by_a_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    let faulty = tmp.path().join("faulty");
    let report = |name: &str| -> PathBuf { tmp.path().join(name) };

    // Reference: two uninterrupted years.
    run_json(&clean, &report("c25"), &[]);
    run_json(&clean, &report("c26"), &["--year", "2026"]);

    run_json(&faulty, &report("f25"), &[]);
    let before = ledger_state(&faulty);
    for (step, number) in [("benefits", "2"), ("compute", "3")] {
        let err = cycle(&faulty, &report("fx"), &["--year", "2026"])
            .env("SHUCHUANG_CYCLE_FAULT", format!("fail:{step}"))
            .assert()
            .failure()
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8_lossy(&err);
        assert!(
            err.contains(&format!("step {number} (")),
            "the error names the step: {err}"
        );
        assert!(
            err.contains("rerun the cycle for 2026 to complete the step"),
            "the error says a rerun completes the step: {err}"
        );
        book(&faulty)
            .verify()
            .expect("the journal verifies after a failed step");
    }
    // Nothing acknowledged is lost: the failed steps' committed groups stay.
    let after = ledger_state(&faulty);
    assert!(after.0 > before.0, "the 2026 grants and payments stay");
    let paid = book(&faulty)
        .contracts()
        .filter(|c| c.contract_id.starts_with("cycle-2026-"))
        .count();
    assert!(
        paid > 0,
        "the 2026 compute contracts of the failed step 3 stay"
    );

    // A crash (abort, no clean-up) after 5 payments of step 3, then a rerun.
    let status = cycle(&faulty, &report("fy"), &["--year", "2026"])
        .env("SHUCHUANG_CYCLE_FAULT", "abort:compute:5")
        .assert()
        .failure()
        .get_output()
        .status;
    assert!(!status.success());
    book(&faulty)
        .verify()
        .expect("the journal verifies after a crash");
    run_json(&faulty, &report("f26"), &["--year", "2026"]);

    // The recovered history equals the uninterrupted one, table for table.
    for f in [
        "tiers.csv",
        "changes.csv",
        "benefits.csv",
        "vouchers.csv",
        "compute_jobs.csv",
        "compute_clusters.csv",
    ] {
        assert_eq!(
            std::fs::read(report("c26").join(f)).unwrap(),
            std::fs::read(report("f26").join(f)).unwrap(),
            "{f} after recovery differs from the uninterrupted run"
        );
    }
    assert_eq!(
        ledger_state(&clean).1,
        ledger_state(&faulty).1,
        "same transfers in both ledgers"
    );
}

#[test]
fn a_chinese_report_folder_from_the_locale_and_the_same_csv_in_english() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (zh, en) = (tmp.path().join("zh"), tmp.path().join("en"));
    // No --lang: the locale says Chinese.
    let out = cycle(&data, &zh, &[])
        .env("LC_ALL", "zh_CN.UTF-8")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("年度培育库调整") && out.contains("潜力型"),
        "{out}"
    );
    assert!(out.contains("万") && out.contains("报告："), "{out}");
    // --lang wins over the locale.
    let out = cycle(&data, &en, &["--lang", "en"])
        .env("LC_ALL", "zh_CN.UTF-8")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("registry adjustment 2025") && !out.contains("潜力型"),
        "{out}"
    );
    let (a, b) = (files(&zh), files(&en));
    for (name, bytes) in a.iter().filter(|(n, _)| n.ends_with(".csv")) {
        assert!(bytes == &b[name], "{name} changes with the language");
    }
    let page = String::from_utf8(a["index.html"].clone()).unwrap();
    assert!(page.contains("<html lang=\"zh-CN\">") && page.contains("数据来源"));
    let tiers = String::from_utf8(a["tiers.svg"].clone()).unwrap();
    assert!(tiers.contains("潜力型") && tiers.contains("未入层级"));
    assert!(a["report.xlsx"].starts_with(b"PK"), "report.xlsx is a zip");
}
