//! The command-line conventions of docs/cli.md, against the built binary: the data
//! directory's lock (a second writer refused before it says anything, nothing acknowledged
//! lost, two first cycles at once), a read-only data directory, a closed pipe, Ctrl-C,
//! GB18030/GBK input, help with examples and listed values, long tables cut with a note,
//! documented maximums.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use assert_cmd::cargo::CommandCargoExt;
use predicates::prelude::*;

// A valid USCC in Hangzhou (330106), as in cli_voucher.rs.
const FIRM: &str = "913301060000001231";

fn sc(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", dir)
        .env_remove("SHUCHUANG_CYCLE_FAULT")
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

fn process(dir: &Path) -> Process {
    let mut c = Process::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", dir)
        .env_remove("SHUCHUANG_CYCLE_FAULT")
        .env_remove("SHUCHUANG_LEDGER_DATE");
    c
}

fn small_cycle(out: &Path) -> Vec<String> {
    [
        "cycle",
        "--firms",
        "120",
        "--seed",
        "5",
        "--jobs-per-holder",
        "2",
        "--format",
        "json",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([out.display().to_string()])
    .collect()
}

/// Waits until a process holds the data directory's lock (its pid is in the lock file).
fn wait_for_lock(dir: &Path, pid: u32) {
    let until = Instant::now() + Duration::from_secs(120);
    while Instant::now() < until {
        if std::fs::read_to_string(dir.join("lock")).is_ok_and(|t| t.trim() == pid.to_string()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("process {pid} never took the lock of {}", dir.display());
}

/// A grant on 31 December 2025: after the 2025 cycle the ledger stands there (its compute
/// contracts are dated over the year and its credit lines decided on 31 December), and the
/// ledger never moves backwards.
fn grant(dir: &Path, request: &str) -> assert_cmd::assert::Assert {
    sc(dir)
        .args(["voucher", "--date", "2025-12-31", "grant"])
        .args([
            "--program",
            "chengdu-compute-2025",
            "--firm",
            "91510104000000001B",
        ])
        .args([
            "--amount",
            "1000",
            "--request-id",
            request,
            "--format",
            "json",
        ])
        .assert()
}

fn request_count(dir: &Path) -> usize {
    voucher_ledger::VoucherBook::open(dir.join("ledger.sqlite"))
        .unwrap()
        .request_count()
}

fn has_request(dir: &Path, id: &str) -> bool {
    let conn = rusqlite::Connection::open(dir.join("ledger.sqlite")).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM journal WHERE body LIKE ?1",
            [format!("%\"{id}\"%")],
            |r| r.get(0),
        )
        .unwrap();
    n > 0
}

#[test]
fn a_second_writer_is_refused_before_it_says_anything_and_nothing_acknowledged_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // A year of the cycle first (it adds the programs), then a grant acknowledged by its
    // own process.
    sc(&data)
        .args(small_cycle(&tmp.path().join("r1")))
        .assert()
        .success();
    let firm = registry_model::EnterpriseId::from_first17("91510104000000001").unwrap();
    assert_eq!(firm.to_string(), "91510104000000001B");
    grant(&data, "outside-1").success();
    assert!(has_request(&data, "outside-1"));

    // The next year's cycle fails at the end of step 3: the grant acknowledged before it is
    // still there (no snapshot is put back), and so are the cycle's committed groups.
    let before = request_count(&data);
    sc(&data)
        .args(small_cycle(&tmp.path().join("r2")))
        .args(["--year", "2026"])
        .env("SHUCHUANG_CYCLE_FAULT", "fail:compute")
        .assert()
        .failure()
        .stderr(predicate::str::contains("rerun the cycle for 2026"));
    assert!(
        has_request(&data, "outside-1"),
        "an acknowledged grant survives a failed step"
    );
    assert!(request_count(&data) > before);

    // A grant during a running cycle is refused at once, and prints nothing on stdout.
    let go = tmp.path().join("go");
    let mut cycle = process(&data)
        .args(small_cycle(&tmp.path().join("r3")))
        .args(["--year", "2026"])
        .env(
            "SHUCHUANG_CYCLE_FAULT",
            format!("wait:compute:{}", go.display()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_lock(&data, cycle.id());
    let refused = grant(&data, "during-1").failure().code(1);
    let out = refused.get_output();
    assert!(out.stdout.is_empty(), "nothing is acknowledged");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "data directory {} in use by pid {}",
            data.display(),
            cycle.id()
        )),
        "{err}"
    );
    // Readers never wait.
    sc(&data)
        .args([
            "voucher",
            "report",
            "chengdu-compute-2025",
            "--format",
            "csv",
        ])
        .assert()
        .success();
    std::fs::write(&go, "").unwrap();
    let status = cycle.wait().unwrap();
    let mut stderr = String::new();
    cycle
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{stderr}");
    assert!(!has_request(&data, "during-1"));
    assert!(has_request(&data, "outside-1"));
    sc(&data).args(["voucher", "verify"]).assert().success();
}

#[test]
fn two_first_cycles_at_once_one_runs_the_other_is_refused_and_the_report_is_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let go = tmp.path().join("go");
    let spawn = |name: &str| {
        process(&data)
            .args(small_cycle(&tmp.path().join(name)))
            .env(
                "SHUCHUANG_CYCLE_FAULT",
                format!("wait:registry:{}", go.display()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("ra"), spawn("rb"));
    // Exactly one of them gets the lock; the other ends at once, refused.
    let until = Instant::now() + Duration::from_secs(120);
    let mut procs = vec![(a, "ra"), (b, "rb")];
    let refused = loop {
        if let Some(k) = procs
            .iter_mut()
            .position(|(p, _)| p.try_wait().unwrap().is_some())
        {
            break procs.remove(k);
        }
        assert!(Instant::now() < until, "neither cycle was refused");
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut winner, winner_dir) = procs.pop().unwrap();
    let out = refused.0.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by pid"), "{err}");
    assert!(!err.contains("already exists"), "{err}");
    std::fs::write(&go, "").unwrap();
    let status = winner.wait().unwrap();
    assert!(status.success());
    // The survivor's report is complete: every file, every row of a clean run.
    let clean = tmp.path().join("clean");
    sc(&tmp.path().join("data-clean"))
        .args(small_cycle(&clean))
        .assert()
        .success();
    let report = tmp.path().join(winner_dir);
    for f in report::cycle::REPORT_FILES {
        assert!(report.join(f).is_file(), "{f} is written");
        if f.ends_with(".csv") {
            assert_eq!(
                std::fs::read(report.join(f)).unwrap(),
                std::fs::read(clean.join(f)).unwrap(),
                "{f} of the surviving cycle equals a clean run's"
            );
        }
    }
}

#[test]
fn ctrl_c_says_what_was_and_was_not_written() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let go = tmp.path().join("go");
    let child = process(&data)
        .args(small_cycle(&tmp.path().join("r")))
        .env(
            "SHUCHUANG_CYCLE_FAULT",
            format!("wait:compute:{}", go.display()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_lock(&data, child.id());
    // The cycle says when it waits at the start of step 3 (the handler was installed before
    // anything else).
    let waiting = PathBuf::from(format!("{}.waiting", go.display()));
    let until = Instant::now() + Duration::from_secs(120);
    while !waiting.exists() {
        assert!(Instant::now() < until, "the cycle never reached step 3");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Process::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interrupted: during step 3"), "{err}");
    assert!(err.contains("rerun the cycle 2025"), "{err}");
    assert!(err.contains("the report folder was not written"), "{err}");
    assert!(!tmp.path().join("r").exists());
    // What it said stays: the grants of step 2 are there, and the rerun completes the year.
    assert!(request_count(&data) > 0);
    sc(&data)
        .args(small_cycle(&tmp.path().join("r")))
        .assert()
        .success();
}

#[test]
fn a_read_only_data_directory_reads_and_refuses_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    sc(&data)
        .args(small_cycle(&tmp.path().join("r")))
        .assert()
        .success();
    let set_mode = |mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        for e in std::fs::read_dir(&data).unwrap() {
            let p = e.unwrap().path();
            let m = if mode == 0o555 { 0o444 } else { 0o644 };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
        }
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    set_mode(0o555);
    let files = || {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    let listing = files();
    for read in [
        vec!["voucher", "verify"],
        vec!["voucher", "balance", "--format", "csv"],
        vec!["voucher", "export", "--format", "csv"],
        vec!["voucher", "report", "compute-voucher"],
        vec!["registry", "list", "--year", "2025", "--format", "csv"],
        vec![
            "registry",
            "adjust",
            "--year",
            "2026",
            "--dry-run",
            "--format",
            "csv",
        ],
        vec!["rules", "match", "--year", "2025", "--format", "csv"],
    ] {
        sc(&data).args(&read).assert().success();
    }
    let refused = format!("data directory {} is read-only", data.display());
    grant(&data, "ro-1")
        .failure()
        .stderr(predicate::str::contains(refused.as_str()));
    sc(&data)
        .args(small_cycle(&tmp.path().join("r2")))
        .args(["--year", "2026"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(refused.as_str()));
    sc(&data)
        .args(["registry", "adjust", "--year", "2026"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(refused.as_str()));
    assert_eq!(listing, files(), "reading made no file in the directory");
    set_mode(0o755);
}

#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec![
            "compute",
            "schedule",
            "--generate",
            "20000",
            "--seed",
            "1",
            "--format",
            "csv",
        ],
        vec!["compute", "jobs", "--generate", "200000", "--seed", "1"],
        vec!["registry", "validate-id", FIRM],
    ] {
        let mut child = process(tmp.path())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        let mut stdout = child.stdout.take().unwrap();
        let _ = stdout.read(&mut first).unwrap();
        drop(stdout); // the reader goes away, as `| head -c 16` does
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            out.stderr.is_empty() || !String::from_utf8_lossy(&out.stderr).contains("Broken pipe"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn gbk_input_is_decoded_and_an_undecodable_file_is_refused_naming_the_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let csv = "uscc,name,founded,year,revenue_yuan,staff\n\
               91110000600037341L,北京甲科技有限公司,2015-01-01,2024,1000000,20\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let file = tmp.path().join("firms-gbk.csv");
    std::fs::write(&file, &gbk).unwrap();
    sc(&data)
        .args(["registry", "import"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("is in gb18030"));
    sc(&data)
        .args(["registry", "show", "91110000600037341L", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("北京甲科技有限公司"));
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, b"uscc,name\n\x81\x20\xff\n").unwrap();
    sc(&data)
        .args(["registry", "import"])
        .arg(&bad)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("bad.csv:2")
                .and(predicate::str::contains("neither UTF-8 nor GB18030/GBK")),
        );
}

#[test]
fn help_shows_examples_and_every_value_of_an_enum() {
    let leaves: &[&[&str]] = &[
        &["cycle"],
        &["registry", "init"],
        &["registry", "generate"],
        &["registry", "import"],
        &["registry", "adjust"],
        &["registry", "show"],
        &["registry", "history"],
        &["registry", "list"],
        &["registry", "validate-id"],
        &["compute", "catalog"],
        &["compute", "schedule"],
        &["compute", "simulate"],
        &["compute", "compare"],
        &["compute", "jobs"],
        &["rules", "check"],
        &["rules", "test"],
        &["rules", "eval"],
        &["rules", "enforce"],
        &["rules", "inspections"],
        &["rules", "match"],
        &["voucher", "grant"],
        &["voucher", "redeem"],
        &["voucher", "balance"],
        &["voucher", "export"],
        &["voucher", "share"],
    ];
    let tmp = tempfile::tempdir().unwrap();
    for leaf in leaves {
        let out = sc(tmp.path())
            .args(*leaf)
            .arg("--help")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8(out).unwrap();
        assert!(
            help.contains("Examples:"),
            "{leaf:?} --help has no examples"
        );
    }
    sc(tmp.path())
        .args(["compute", "simulate", "-h"])
        .assert()
        .stdout(
            predicate::str::contains("[possible values: table, csv, json]")
                .and(predicate::str::contains("fifo, greedy, fair, backfill")),
        );
    // --data-dir belongs to the commands that use a store.
    sc(tmp.path())
        .args(["compute", "catalog", "--data-dir", "x"])
        .assert()
        .failure()
        .code(2);
}

#[test]
fn a_long_table_is_cut_with_a_note_and_csv_is_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let t = sc(tmp.path())
        .args(["compute", "schedule", "--generate", "120", "--seed", "3"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let t = String::from_utf8(t).unwrap();
    assert!(
        t.contains("showing 50 of 120 rows; use --format csv for all"),
        "{t}"
    );
    let csv = sc(tmp.path())
        .args([
            "compute",
            "schedule",
            "--generate",
            "120",
            "--seed",
            "3",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 121);
}

#[test]
fn sizes_beyond_their_documented_maximum_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            vec!["cycle", "--jobs-per-holder", "1001"],
            "--jobs-per-holder 1001 is outside 0..=1000",
        ),
        (vec!["cycle", "--firms", "0"], "--firms 0 is outside"),
        (
            vec![
                "compute",
                "compare",
                "--generate",
                "10",
                "--optimum-max",
                "100000000",
            ],
            "above its maximum 2000",
        ),
        (
            vec!["compute", "jobs", "--generate", "5000001"],
            "--generate 5000001 is outside",
        ),
        (
            vec!["registry", "generate", "--years", "2147483640"],
            "not a year",
        ),
    ] {
        sc(&tmp.path().join("d"))
            .args(&args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(says));
    }
    assert!(
        !tmp.path().join("d").exists(),
        "a refused size writes nothing"
    );
}

#[test]
fn adjust_as_csv_or_json_names_every_firm() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    sc(d)
        .args([
            "registry",
            "generate",
            "--count",
            "40",
            "--years",
            "2021..2024",
            "--seed",
            "2",
        ])
        .assert()
        .success();
    let out = sc(d)
        .args([
            "registry",
            "adjust",
            "--year",
            "2024",
            "--dry-run",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 40);
    assert!(
        rows.iter().all(|row| !row[1].is_empty()),
        "every row has a name"
    );
    let out = sc(d)
        .args(["registry", "adjust", "--year", "2024", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 40);
    assert!(
        entries
            .iter()
            .all(|e| e["name"].as_str().is_some_and(|n| !n.is_empty()))
    );
}

#[test]
fn progress_on_a_terminal_shows_a_label_and_real_counts() {
    // `script` gives the command a terminal; without one nothing is drawn.
    if Process::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to give the command a terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("shuchuang");
    let caict = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/caict-2025");
    let on_a_terminal = |command: String| -> String {
        let out = Process::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).replace('\r', "\n")
    };
    let spin = on_a_terminal(format!(
        "{} registry generate --count 20000 --years 2021..2025 --data-dir d",
        bin.display()
    ));
    assert!(spin.contains("generating 20000 firms"), "{spin}");
    let bar = on_a_terminal(format!(
        "{} index uncertainty {} --samples 20000 --format csv",
        bin.display(),
        caict.display()
    ));
    assert!(bar.contains("draws [") && bar.contains("/20,000"), "{bar}");
    assert!(
        !bar.contains(" 0/0") && !spin.contains(" 0/0"),
        "no empty bar"
    );
    let first = bar.lines().find(|l| l.contains("draws [")).unwrap();
    assert!(
        !first.contains("left"),
        "no estimate of the time left at the start: {first}"
    );
    // Without a terminal, standard error stays clean.
    sc(tmp.path())
        .args(["registry", "generate", "--count", "2000", "--out"])
        .arg(tmp.path().join("c.csv"))
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}
