//! `shuchuang rules`: the built binary on shipped and hand-made rule sets.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;

fn bin(data_dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", data_dir);
    c
}

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/rules")
        .join(rel)
}

#[test]
fn check_accepts_the_shipped_sets_and_names_the_line_of_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["sandbox", "enforcement", "inspection", "benefits"] {
        bin(tmp.path())
            .args(["rules", "check", name, "--strict"])
            .assert()
            .success()
            .stdout(predicate::str::contains("valid"))
            .stdout(predicate::str::contains("no overlapping rules"));
    }
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[set]\nname = \"x\"\n[facts.a]\ntype = \"integer\"\n\n[[rule]]\nid = \"r\"\ncitation = \"c\"\nwhen = { fact = \"b\", gt = 1 }\noutcome = \"y\"\n",
    )
    .unwrap();
    bin(tmp.path())
        .args(["rules", "check"])
        .arg(&bad)
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.toml:9: unknown fact 'b'"));
}

#[test]
fn check_strict_fails_on_an_overlap() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("overlap.toml");
    std::fs::write(
        &f,
        "[set]\nname = \"x\"\n[facts.a]\ntype = \"integer\"\n[[rule]]\nid = \"r1\"\ncitation = \"c\"\nwhen = { fact = \"a\", gt = 1 }\noutcome = \"y\"\n[[rule]]\nid = \"r2\"\ncitation = \"c\"\nwhen = { fact = \"a\", lt = 5 }\noutcome = \"n\"\n",
    )
    .unwrap();
    bin(tmp.path())
        .args(["rules", "check"])
        .arg(&f)
        .assert()
        .success()
        .stdout(predicate::str::contains("overlap"))
        .stdout(predicate::str::contains("r1 / r2"));
    bin(tmp.path())
        .args(["rules", "check", "--strict"])
        .arg(&f)
        .assert()
        .failure()
        .stderr(predicate::str::contains("1 overlap(s)"));
}

#[test]
fn test_runs_every_shipped_case_and_fails_on_a_wrong_expectation() {
    let tmp = tempfile::tempdir().unwrap();
    bin(tmp.path())
        .args(["rules", "test"])
        .arg(data(""))
        .assert()
        .success()
        .stdout(predicate::str::contains("0 failed"));
    // A copy of the enforcement folder with one wrong expectation.
    let dir = tmp.path().join("enf");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(data("enforcement/rules.toml"), dir.join("rules.toml")).unwrap();
    std::fs::write(
        dir.join("cases.toml"),
        "[[case]]\nname = \"wrong\"\ndate = 2026-05-01\nfacts = { violation_code = \"X\", severity = \"serious\", corrected_in_time = false, harm = \"serious\", fault = \"intentional\", prior_violations_2y = 1, reduced_harm = false, cooperated = false, credit_commitment = false }\noutcome = \"no_penalty\"\n",
    )
    .unwrap();
    bin(tmp.path())
        .args(["rules", "test"])
        .arg(&dir)
        .assert()
        .failure()
        .stdout(predicate::str::contains("FAIL"))
        .stdout(predicate::str::contains(
            "expected no_penalty, got standard_penalty",
        ));
}

#[test]
fn eval_explains_with_trace_and_prints_json() {
    let tmp = tempfile::tempdir().unwrap();
    let facts = tmp.path().join("facts.toml");
    std::fs::write(
        &facts,
        "phase = \"application\"\nrisk_class = \"medium\"\ntier = \"growth\"\nusers = 15000\ntransaction_value_yuan = \"5000000\"\nduration_months = 12\nhas_risk_plan = true\n",
    )
    .unwrap();
    // Before the 2026-04-01 revision the medium-risk users limit is 10,000.
    bin(tmp.path())
        .args([
            "rules",
            "eval",
            "sandbox",
            "--explain",
            "--date",
            "2026-03-31",
            "--facts",
        ])
        .arg(&facts)
        .assert()
        .success()
        .stdout(predicate::str::contains("outcome: refuse"))
        .stdout(predicate::str::contains(
            "users_max_medium = 10000 (since 2024-01-01)",
        ))
        .stdout(predicate::str::contains("[held] refuse_over_limits"));
    let out = bin(tmp.path())
        .args([
            "rules",
            "eval",
            "sandbox",
            "--format",
            "json",
            "--date",
            "2026-04-01",
            "--facts",
        ])
        .arg(&facts)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "admit");
    assert_eq!(v["granted"][0]["rule"], "admit_medium");
    // A fact the set does not declare is refused, with its line.
    std::fs::write(&facts, "phase = \"application\"\nturnover = 5\n").unwrap();
    bin(tmp.path())
        .args(["rules", "eval", "sandbox", "--facts"])
        .arg(&facts)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "facts.toml:2: unknown fact 'turnover'",
        ));
}

#[test]
fn enforce_decides_each_violation_and_refuses_a_bad_file_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin(tmp.path())
        .args(["rules", "enforce", "--format", "csv", "--violations"])
        .arg(data("enforcement/violations-example.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let got: Vec<(String, String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[2].to_string(), r[3].to_string())
        })
        .collect();
    let want = [
        ("V001", "no_penalty", "art33_1_minor"),
        ("V002", "discretionary_no_penalty", "first_offence_advice"),
        ("V003", "no_penalty", "art33_2_no_fault"),
        ("V004", "mitigated_penalty", "mitigated_art32"),
        ("V005", "standard_penalty", "standard_penalty"),
        ("V006", "undetermined (facts missing)", ""),
    ];
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str(), g.2.as_str()), w);
    }
    // The department's own list: XX-300 becomes a first-offence code from 2026-01-01.
    let v = tmp.path().join("v.csv");
    std::fs::write(
        &v,
        "id,date,violation_code,severity,corrected_in_time,harm,fault,prior_violations_2y,reduced_harm,cooperated,credit_commitment\nA,2026-05-01,XX-300,general,true,none,negligent,0,false,false,false\n",
    )
    .unwrap();
    bin(tmp.path())
        .args(["rules", "enforce", "--format", "csv", "--violations"])
        .arg(&v)
        .assert()
        .success()
        .stdout(predicate::str::contains("standard_penalty"));
    let lists = tmp.path().join("lists.toml");
    std::fs::write(&lists, "from = 2026-01-01\nfirst_offence = [\"XX-300\"]\n").unwrap();
    bin(tmp.path())
        .args(["rules", "enforce", "--format", "csv", "--violations"])
        .arg(&v)
        .arg("--lists")
        .arg(&lists)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "discretionary_no_penalty,art33_1_first_offence",
        ));
    // A bad value on line 3 refuses the whole file.
    std::fs::write(
        &v,
        "id,violation_code,severity,harm\nA,X,minor,none\nB,X,huge,none\n",
    )
    .unwrap();
    bin(tmp.path())
        .args(["rules", "enforce", "--violations"])
        .arg(&v)
        .assert()
        .failure()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("v.csv:3: fact 'severity'"))
        .stderr(predicate::str::contains("'huge'"));
}

#[test]
fn inspections_merge_cap_and_report_visits_before_and_after() {
    let tmp = tempfile::tempdir().unwrap();
    bin(tmp.path())
        .args(["rules", "inspections", "--plan"])
        .arg(data("inspection/plan-example.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "site visits 7 before, 2 after (0 already made this year); 2 non-site reviews; 1 mandatory kept",
        ))
        .stdout(predicate::str::contains("[RepeatedSubject]"));
    // Cap 0: the mandatory visit is kept and the breach reported.
    let out = bin(tmp.path())
        .args([
            "rules",
            "inspections",
            "--cap",
            "0",
            "--format",
            "json",
            "--plan",
        ])
        .arg(data("inspection/plan-example.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["cap_breaches"], 1);
    assert_eq!(v["summary"]["visits_after"], 1);
    let site: Vec<&serde_json::Value> = v["inspections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["mode"] == "site")
        .collect();
    assert_eq!(site.len(), 1);
    assert_eq!(site[0]["mandatory"], true);
}

#[test]
fn match_runs_over_the_registry_firms() {
    let tmp = tempfile::tempdir().unwrap();
    bin(tmp.path())
        .args([
            "registry",
            "generate",
            "--count",
            "60",
            "--seed",
            "11",
            "--years",
            "2023..2025",
        ])
        .assert()
        .success();
    for y in ["2023", "2024", "2025"] {
        bin(tmp.path())
            .args(["registry", "adjust", "--year", y, "--format", "csv"])
            .assert()
            .success();
    }
    let out = bin(tmp.path())
        .args(["rules", "match", "--year", "2025", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let firms = v.as_array().unwrap();
    assert_eq!(firms.len(), 60);
    // By default `rules match` decides on the cycle's date of the year (1 July), so its
    // decisions are the cycle's benefits step's.
    let first = firms[0]["firm"].as_str().unwrap();
    let explained = bin(tmp.path())
        .args([
            "rules",
            "match",
            "--year",
            "2025",
            "--firm",
            first,
            "--explain",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(text.contains("rule set benefits on 2025-07-01"), "{text}");
    // Contracts are facts only the firm supplies: without them compute vouchers are pending.
    let pending_compute = firms.iter().any(|f| {
        f["pending"].as_array().unwrap().iter().any(|p| {
            p["missing"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == "compute_contract_yuan")
        })
    });
    assert!(pending_compute);
    // Supplying a contract for a firm in a compute-voucher region grants it.
    let (firm, policy) = firms
        .iter()
        .find_map(|f| {
            f["pending"].as_array().unwrap().iter().find_map(|p| {
                let missing = p["missing"].as_array().unwrap();
                (missing.len() == 1 && missing[0] == "compute_contract_yuan").then(|| {
                    (
                        f["firm"].as_str().unwrap().to_string(),
                        p["policy"].as_str().unwrap().to_string(),
                    )
                })
            })
        })
        .expect("a firm waiting only for its compute contract");
    let extra = tmp.path().join("extra.csv");
    std::fs::write(
        &extra,
        format!("id,compute_contract_yuan,filed_model_or_domestic_chips\n{firm},1000000,false\n"),
    )
    .unwrap();
    let out = bin(tmp.path())
        .args([
            "rules", "match", "--year", "2025", "--format", "json", "--facts",
        ])
        .arg(&extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["firm"] == firm.as_str())
        .unwrap();
    let g = f["granted"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["policy"] == policy.as_str())
        .unwrap();
    assert!(g["amount_yuan"].as_str().unwrap().parse::<f64>().unwrap() > 0.0);
    assert!(g["program"].as_str().unwrap().contains("compute"));
}

#[test]
fn a_misspelt_column_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("v.csv");
    std::fs::write(&v, "id,severty\nA,minor\n").unwrap();
    bin(tmp.path())
        .args(["rules", "enforce", "--violations"])
        .arg(&v)
        .assert()
        .failure()
        .stderr(predicate::str::contains("column 'severty' is not a fact"));
}

#[test]
fn match_needs_an_adjusted_year() {
    let tmp = tempfile::tempdir().unwrap();
    bin(tmp.path())
        .args([
            "registry",
            "generate",
            "--count",
            "5",
            "--seed",
            "1",
            "--years",
            "2024..2025",
        ])
        .assert()
        .success();
    bin(tmp.path())
        .args(["rules", "match", "--year", "2025"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("registry adjust --year 2025"));
}

#[test]
fn enforce_and_match_explain_why() {
    let tmp = tempfile::tempdir().unwrap();
    bin(tmp.path())
        .args(["rules", "enforce", "--explain", "--violations"])
        .arg(data("enforcement/violations-example.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("== violation V003"))
        .stdout(predicate::str::contains("[held] art33_2_no_fault"))
        .stdout(predicate::str::contains(
            "✓ fault = none_proven  (actual: none_proven)",
        ));
    bin(tmp.path())
        .args([
            "registry",
            "generate",
            "--count",
            "8",
            "--seed",
            "3",
            "--years",
            "2025..2025",
        ])
        .assert()
        .success();
    bin(tmp.path())
        .args(["registry", "adjust", "--year", "2025", "--format", "csv"])
        .assert()
        .success();
    let out = bin(tmp.path())
        .args(["rules", "match", "--year", "2025", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let all = bin(tmp.path())
        .args(["rules", "match", "--year", "2025", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let firm = v[0]["firm"].as_str().unwrap().to_string();
    bin(tmp.path())
        .args([
            "rules",
            "match",
            "--year",
            "2025",
            "--explain",
            "--firm",
            &firm,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("== firm {firm}")))
        .stdout(predicate::str::contains("trace:"))
        .stdout(predicate::str::contains("potential_compute_voucher"));
    bin(tmp.path())
        .args([
            "rules",
            "match",
            "--year",
            "2025",
            "--firm",
            "91110000600037341L",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not in the registry"));
}

#[test]
fn check_schema_lists_facts_dated_parameters_and_rules() {
    let tmp = tempfile::tempdir().unwrap();
    bin(tmp.path())
        .args(["rules", "check", "sandbox", "--schema", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "parameter,users_max_medium,integer,2024-01-01,10000",
        ))
        .stdout(predicate::str::contains(
            "parameter,users_max_medium,integer,2026-04-01,20000",
        ))
        .stdout(predicate::str::contains(
            "exception to over_limits_exit,graduate,graduate",
        ));
    let out = bin(tmp.path())
        .args(["rules", "check", "benefits", "--schema", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["schema"]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "rd_ratio" && f["type"] == "percent")
    );
}

#[test]
fn inspections_count_visits_already_made() {
    let tmp = tempfile::tempdir().unwrap();
    let done = tmp.path().join("done.csv");
    std::fs::write(
        &done,
        "firm,department,date,subject\n91330101589882738D,fire,2026-02-01,fire\n",
    )
    .unwrap();
    // One visit made: one left for the firm; its mandatory visit takes it.
    bin(tmp.path())
        .args(["rules", "inspections", "--plan"])
        .arg(data("inspection/plan-example.csv"))
        .arg("--done")
        .arg(&done)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "site visits 7 before, 1 after (1 already made this year)",
        ))
        .stdout(predicate::str::contains(
            "already inspected this year by fire on 2026-02-01",
        ));
}
