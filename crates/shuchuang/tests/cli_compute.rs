//! `shuchuang compute …` run as a built binary.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn bin(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.current_dir(dir)
        .env("SHUCHUANG_DATA_DIR", dir.join("state"));
    c
}

fn repo_file(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// Two jobs placed by hand: both Shanghai firms on the shipped catalog. J1 (inference,
/// 5 ms) can only use the Yangtze demonstration zone (1.8 ms) or Wuhu (4.8 ms): greedy takes
/// Wuhu, the cheaper (12.00 vs 13.50 per card-hour). J2 (training, no limit) takes Qingyang,
/// the cheapest of all (8.20).
const JOBS: &str = "\
id,firm,tier,home,kind,cards,cpu_cores,submit_s,duration_s,declared_s,deadline_s,latency_ms_max,residency,budget,voucher_coverage
J1,91310110666007217T,growth,31,inference,2,0,0,3600,,,5,,,0.3
J2,91310110666007217T,growth,31,training,8,0,10,7200,,,,,,0.5
";

#[test]
fn catalog_lists_the_ten_clusters_and_the_latency_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .args(["compute", "catalog", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 11, "{text}");
    assert!(
        text.contains("qingyang,庆阳,gansu,甘肃,west,62,14000,300000,8.20"),
        "{text}"
    );
    bin(dir.path())
        .args(["compute", "catalog", "--latency", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("31,上海,16.6,1.8,4.8"));
}

#[test]
fn schedule_places_by_hand_and_explains() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jobs.csv"), JOBS).unwrap();
    let out = bin(dir.path())
        .args([
            "compute",
            "schedule",
            "--jobs",
            "jobs.csv",
            "--placement",
            "greedy",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["job"], "J1");
    assert_eq!(v[0]["cluster"], "wuhu");
    // 2 cards × 12.00 × 1 h = 24.00; 30 % voucher = 7.20.
    assert_eq!(v[0]["gross_yuan"], "24.00");
    assert_eq!(v[0]["subsidy_yuan"], "7.20");
    assert_eq!(v[0]["firm_cost_yuan"], "16.80");
    assert_eq!(v[1]["cluster"], "qingyang");
    // 8 × 8.20 × 2 h = 131.20; 50 % = 65.60.
    assert_eq!(v[1]["gross_yuan"], "131.20");
    assert_eq!(v[1]["subsidy_yuan"], "65.60");

    let out = bin(dir.path())
        .args([
            "compute",
            "schedule",
            "--jobs",
            "jobs.csv",
            "--explain",
            "J1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let ex: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let filters = ex["evaluations"][0]["filters"].as_array().unwrap();
    let latency = filters.iter().find(|f| f["filter"] == "latency").unwrap();
    // Eight clusters are beyond 5 ms from Shanghai.
    assert_eq!(latency["removed"].as_array().unwrap().len(), 8);
    assert_eq!(ex["evaluations"][0]["chosen"], "wuhu");
    assert_eq!(ex["evaluations"][0]["scores"].as_array().unwrap().len(), 2);

    bin(dir.path())
        .args([
            "compute",
            "schedule",
            "--jobs",
            "jobs.csv",
            "--explain",
            "J1",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("filter latency")
                .and(predicate::str::contains("> limit 5 ms")),
        );
}

#[test]
fn simulate_prints_metrics_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        bin(dir.path())
            .args([
                "compute",
                "simulate",
                "--generate",
                "300",
                "--seed",
                "4",
                "--placement",
                "fair",
                "--format",
                "csv",
            ])
            .output()
            .unwrap()
    };
    let a = run();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let text = String::from_utf8(a.stdout.clone()).unwrap();
    for key in [
        "utilisation",
        "wait_p99_s",
        "deadline_violations",
        "subsidy_yuan",
        "jain_fairness",
        "rack_occupancy",
    ] {
        assert!(text.contains(key), "{key} missing: {text}");
    }
    assert!(text.contains("jobs_submitted,300"));
    assert!(text.contains("latency_violations,0"));
    assert_eq!(a.stdout, run().stdout);
    bin(dir.path())
        .args([
            "compute",
            "simulate",
            "--generate",
            "50",
            "--per-cluster",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "cluster,region,jobs,utilisation",
        ));
}

#[test]
fn compare_runs_every_policy_and_the_optimum() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .args([
            "compute",
            "compare",
            "--generate",
            "40",
            "--seed",
            "3",
            "--capacity-divisor",
            "3000",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["policy"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["fifo", "greedy", "fair", "backfill", "optimum (integer)"]
    );
    let opt: f64 = rows[4]["modelled_cost_yuan"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        rows[..4].iter().any(|r| r["bounded"] == true),
        "some policy meets every deadline"
    );
    for r in &rows[..4] {
        let cost: f64 = r["modelled_cost_yuan"].as_str().unwrap().parse().unwrap();
        // JSON values are typed: `bounded` is a boolean, `gap_pct` a number.
        if r["bounded"] == true {
            assert!(opt <= cost + 1e-9, "{r}");
            let gap = r["gap_pct"].as_f64().unwrap();
            assert!(gap >= 0.0);
        }
    }
}

#[test]
fn jobs_round_trip_and_alibaba_import() {
    let dir = tempfile::tempdir().unwrap();
    bin(dir.path())
        .args([
            "compute",
            "jobs",
            "--generate",
            "25",
            "--seed",
            "9",
            "--out",
            "g.csv",
        ])
        .assert()
        .success();
    let g = std::fs::read_to_string(dir.path().join("g.csv")).unwrap();
    assert_eq!(g.lines().count(), 26);
    bin(dir.path())
        .args(["compute", "schedule", "--jobs", "g.csv", "--format", "csv"])
        .assert()
        .success();
    let jobs = repo_file("data/compute/alibaba-sample/pai_job_table.csv");
    let tasks = repo_file("data/compute/alibaba-sample/pai_task_table.csv");
    bin(dir.path())
        .args([
            "compute",
            "simulate",
            "--placement",
            "backfill",
            "--format",
            "csv",
            "--alibaba-jobs",
        ])
        .arg(&jobs)
        .arg("--alibaba-tasks")
        .arg(&tasks)
        .assert()
        .success()
        .stdout(predicate::str::contains("jobs_submitted,6"))
        .stderr(predicate::str::contains("imported 6 jobs"));
    // The sample's one Failed job comes in on request.
    bin(dir.path())
        .args([
            "compute",
            "jobs",
            "--alibaba-include-failed",
            "--alibaba-jobs",
        ])
        .arg(&jobs)
        .arg("--alibaba-tasks")
        .arg(&tasks)
        .assert()
        .success()
        .stderr(predicate::str::contains("imported 7 jobs"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.csv"), JOBS.replace("0.5\n", "2\n")).unwrap();
    bin(dir.path())
        .args(["compute", "schedule", "--jobs", "bad.csv"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("bad.csv line 3")
                .and(predicate::str::contains("voucher_coverage")),
        );
    bin(dir.path())
        .args(["compute", "schedule"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("give a job source"));
    bin(dir.path())
        .args([
            "compute",
            "schedule",
            "--generate",
            "5",
            "--placement",
            "random",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "possible values: fifo, greedy, fair, backfill",
        ));
    std::fs::write(dir.path().join("cat.toml"), "[[hub]]\nid = 1\n").unwrap();
    bin(dir.path())
        .args(["compute", "catalog", "--catalog", "cat.toml"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cat.toml"));
    bin(dir.path())
        .args([
            "compute",
            "schedule",
            "--generate",
            "5",
            "--explain",
            "nope",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("'nope'"));
}
