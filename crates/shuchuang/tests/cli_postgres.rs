//! The binary on a PostgreSQL server (`--database`): the whole cycle gives the same export
//! and listings as on SQLite, several processes granting at once lose nothing, two adjusting
//! one year at once leave one adjustment, a killed client or a stopped server leaves whole
//! groups. The roles' grants are tested in `cli_postgres_roles.rs`.

mod pg_support;

use pg_support::{Schema, grant, on_pg, on_sqlite, server, stdout, write};

#[test]
fn the_cycle_on_postgres_matches_the_cycle_on_sqlite() {
    let Some(server) = server() else { return };
    let schema = Schema::new(&server, "cycle");
    let tmp = tempfile::tempdir().unwrap();
    let sqlite = tmp.path().join("data");
    let cycle = [
        "cycle", "--firms", "120", "--year", "2025", "--format", "json",
    ];
    let pg_out = tmp.path().join("report-pg");
    let sq_out = tmp.path().join("report-sq");
    stdout(
        on_pg(&schema.url()),
        &[&cycle[..], &["--out", pg_out.to_str().unwrap()]].concat(),
    );
    stdout(
        on_sqlite(&sqlite),
        &[&cycle[..], &["--out", sq_out.to_str().unwrap()]].concat(),
    );
    for args in [
        &["voucher", "export", "--format", "csv"][..],
        &["voucher", "export", "--format", "beancount"],
        &["voucher", "balance", "--format", "csv"],
        &["registry", "list", "--year", "2025", "--format", "csv"],
    ] {
        let pg = stdout(on_pg(&schema.url()), args);
        let sq = stdout(on_sqlite(&sqlite), args);
        assert!(pg.len() > 100, "{args:?}: almost nothing on PostgreSQL");
        assert!(pg == sq, "{args:?} differs between PostgreSQL and SQLite");
    }
    // A second run of the same year changes nothing, on the server as in the directory.
    let before = stdout(
        on_pg(&schema.url()),
        &["voucher", "export", "--format", "csv"],
    );
    stdout(
        on_pg(&schema.url()),
        &[&cycle[..], &["--out", pg_out.to_str().unwrap()]].concat(),
    );
    let after = stdout(
        on_pg(&schema.url()),
        &["voucher", "export", "--format", "csv"],
    );
    assert!(before == after, "a rerun of the cycle wrote to the ledger");
    let verify = stdout(on_pg(&schema.url()), &["voucher", "verify"]);
    let verify = String::from_utf8(verify).unwrap();
    assert!(verify.contains("verified"), "{verify}");
    assert!(
        !verify.contains(":shuchuang_test@"),
        "a password was shown: {verify}"
    );
}

#[test]
fn processes_granting_and_redeeming_at_once_lose_nothing_and_verify() {
    const WRITERS: usize = 4;
    const REQUESTS: usize = 6;
    let Some(server) = server() else { return };
    let schema = Schema::new(&server, "writers");
    let url = schema.url();
    let defaults = [
        "voucher",
        "program",
        "add-defaults",
        "--request-id",
        "defaults",
    ];
    stdout(on_pg(&url), &defaults);
    assert!(grant(on_pg(&url), "base", "100000").status.success());
    // WRITERS processes at a time, each writing REQUESTS times in a row, grants and
    // redemptions in turn: every request is a process of its own that replays the journal,
    // then catches up with the others under the head's lock before it plans. The balance
    // never runs short (the base grant), so each subsidy is its ratio's whatever the order.
    type Request = (String, String, Option<String>);
    let acknowledged: Vec<Request> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let url = url.clone();
                s.spawn(move || {
                    (0..REQUESTS)
                        .map(|r| {
                            let id = format!("w{w}-r{r}");
                            let amount = format!("{}.{:02}", 100 + w * 10 + r, w + r);
                            let contract = (r % 2 == 1).then(|| format!("HZ-{w}-{r}"));
                            let out = write(on_pg(&url), &id, &amount, contract.as_deref());
                            assert!(
                                out.status.success(),
                                "{id}: {}",
                                String::from_utf8_lossy(&out.stderr)
                            );
                            (id, amount, contract)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(acknowledged.len(), WRITERS * REQUESTS);
    // A retry of an acknowledged request from another process is the same request: no double.
    let (id, amount, contract) = &acknowledged[1];
    assert!(
        write(on_pg(&url), id, amount, contract.as_deref())
            .status
            .success()
    );
    let out = write(on_pg(&url), id, "1.00", contract.as_deref());
    assert!(
        !out.status.success(),
        "the same id with other content was accepted"
    );
    // The serial model: the acknowledged requests one after another on SQLite.
    let tmp = tempfile::tempdir().unwrap();
    stdout(on_sqlite(tmp.path()), &defaults);
    assert!(
        grant(on_sqlite(tmp.path()), "base", "100000")
            .status
            .success()
    );
    for (id, amount, contract) in &acknowledged {
        let out = write(on_sqlite(tmp.path()), id, amount, contract.as_deref());
        assert!(
            out.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let balances = ["voucher", "balance", "--format", "csv"];
    let pg = stdout(on_pg(&url), &balances);
    let serial = stdout(on_sqlite(tmp.path()), &balances);
    assert!(
        pg == serial,
        "balances differ from the serial model:\n{}\n{}",
        String::from_utf8_lossy(&pg),
        String::from_utf8_lossy(&serial)
    );
    // The same transfers as the serial model, and no others (the order of writers aside, and
    // with it the transfer ids, which are drawn in the order of writing).
    let export = ["voucher", "export", "--format", "csv"];
    let sorted = |bytes: Vec<u8>| {
        let text = String::from_utf8(bytes).unwrap();
        let mut lines: Vec<String> = text
            .lines()
            .map(|l| l.split_once(',').map_or(l, |(_, rest)| rest).to_string())
            .collect();
        lines.sort();
        lines
    };
    let pg = sorted(stdout(on_pg(&url), &export));
    let serial = sorted(stdout(on_sqlite(tmp.path()), &export));
    assert!(pg.len() > WRITERS * REQUESTS, "{pg:?}");
    assert!(
        pg.iter().any(|l| l.contains("redeem")),
        "no redemption in {pg:?}"
    );
    assert_eq!(pg, serial);
    let verify = String::from_utf8(stdout(on_pg(&url), &["voucher", "verify"])).unwrap();
    assert!(verify.contains("verified"), "{verify}");
}

/// Two processes adjusting the same year at once: both are started while the test holds the
/// registry's write lock, so both are waiting when it is released. Exactly one commits; the
/// other is refused as already adjusted; the registry holds one adjustment of that year, with
/// one change-log row per firm.
#[test]
fn two_processes_adjusting_one_year_leave_one_adjustment() {
    const FIRMS: i64 = 150;
    let Some(server) = server() else { return };
    let schema = Schema::new(&server, "adjust");
    let url = schema.url();
    stdout(
        on_pg(&url),
        &[
            "registry",
            "generate",
            "--count",
            &FIRMS.to_string(),
            "--years",
            "2023..2024",
        ],
    );
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    let mut hold = admin.transaction().unwrap();
    hold.batch_execute(&format!(
        "LOCK TABLE \"{s}\".firms, \"{s}\".reports, \"{s}\".adjustments \
         IN SHARE ROW EXCLUSIVE MODE",
        s = schema.name
    ))
    .unwrap();
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("shuchuang"))
            .args(["registry", "adjust", "--year", "2024", "--format", "csv"])
            .env("LC_ALL", "C")
            .env("SHUCHUANG_DATABASE_URL", &url)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children = [spawn(), spawn()];
    // Both wait at the lock before it is released (a process that failed early would
    // never wait: the deadline turns that into a failure rather than a hang).
    let mut watch = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let waiting: i64 = watch
            .query_one(
                "SELECT COUNT(DISTINCT pid) FROM pg_locks WHERE NOT granted \
                 AND relation = to_regclass($1)",
                &[&format!("\"{}\".firms", schema.name)],
            )
            .unwrap()
            .get(0);
        if waiting == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{waiting} of the 2 adjusting processes reached the registry's lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    hold.commit().unwrap();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let (won, lost): (Vec<_>, Vec<_>) = outs.iter().partition(|o| o.status.success());
    assert_eq!(
        (won.len(), lost.len()),
        (1, 1),
        "exactly one adjustment commits: {:?}",
        outs.iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect::<Vec<_>>()
    );
    let err = String::from_utf8_lossy(&lost[0].stderr);
    assert!(
        err.contains(
            "cannot adjust year 2024: year 2024 is already adjusted; adjustments are never rewritten"
        ),
        "the second is not refused clearly: {err}"
    );
    assert!(
        lost[0].stdout.is_empty(),
        "the refused adjustment printed a change log"
    );
    assert!(
        !err.contains(":shuchuang_test@"),
        "a password was shown: {err}"
    );
    // The winner's change log names every firm once.
    let log = String::from_utf8_lossy(&won[0].stdout);
    assert_eq!(log.lines().count() as i64, FIRMS + 1, "{log}");
    let s = &schema.name;
    let mut count = |sql: &str| -> i64 { watch.query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) FROM \"{s}\".adjustments WHERE year = 2024"
        )),
        1
    );
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) FROM \"{s}\".tiers WHERE year = 2024"
        )),
        FIRMS,
        "the change log of 2024 holds one row per firm"
    );
    assert_eq!(
        count(&format!("SELECT COUNT(*) FROM \"{s}\".adjustments")),
        1,
        "no other year was adjusted"
    );
}

/// Entries in the schema's journal (0 before the ledger's tables exist).
fn journal_len(server: &str, schema: &str) -> i64 {
    let mut c = postgres::Client::connect(server, postgres::NoTls).unwrap();
    let exists: bool = c
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&format!("\"{schema}\".journal")],
        )
        .unwrap()
        .get(0);
    if !exists {
        return 0;
    }
    c.query_one(&format!("SELECT COUNT(*) FROM \"{schema}\".journal"), &[])
        .unwrap()
        .get(0)
}

#[test]
fn a_client_killed_mid_write_leaves_whole_groups_and_a_rerun_completes() {
    let Some(server) = server() else { return };
    let killed = Schema::new(&server, "kill");
    let clean = Schema::new(&server, "clean");
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("report");
    let cycle = [
        "cycle", "--firms", "200", "--year", "2025", "--format", "json", "--out",
    ];
    let cycle: Vec<&str> = cycle
        .into_iter()
        .chain([out_dir.to_str().unwrap()])
        .collect();
    // Kill the cycle once its ledger writes have begun, and before they end.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("shuchuang"))
        .args(&cycle)
        .env("LC_ALL", "C")
        .env("SHUCHUANG_DATABASE_URL", killed.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while journal_len(&server, &killed.name) == 0 && std::time::Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    let at_kill = journal_len(&server, &killed.name);
    assert!(
        at_kill > 0,
        "the cycle wrote nothing before it ended ({status})"
    );
    // What the killed client left verifies: whole groups only, one chain.
    let verify = String::from_utf8(stdout(on_pg(&killed.url()), &["voucher", "verify"])).unwrap();
    assert!(verify.contains("verified"), "{verify}");
    // A rerun completes the year; the ledger then equals one uninterrupted run.
    stdout(on_pg(&killed.url()), &cycle);
    stdout(on_pg(&clean.url()), &cycle);
    let export = ["voucher", "export", "--format", "csv"];
    let resumed = stdout(on_pg(&killed.url()), &export);
    assert!(
        resumed == stdout(on_pg(&clean.url()), &export),
        "the rerun differs from a clean run"
    );
    assert!(
        journal_len(&server, &killed.name) > at_kill,
        "the kill came after the last write: nothing was interrupted"
    );
}

/// `pg_ctlcluster` on the newest local cluster named main (as .ci/postgres.sh starts it).
fn pg_ctlcluster(action: &[&str]) {
    let mut versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .expect("a local PostgreSQL cluster (/etc/postgresql)")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    versions.sort_by_key(|v| v.parse::<u32>().unwrap_or(0));
    let version = versions.last().expect("a cluster version");
    let status = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", version, "main"])
        .args(action)
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctlcluster {action:?}: {status}");
}

/// Stops the local server with `-m immediate` (a crash: no checkpoint, no goodbye to
/// clients) while a client grants, restarts it, and checks that nothing acknowledged was
/// lost and nothing half-written remains. Ignored by default: it stops the server every
/// other test uses; .ci/run runs it alone after the others.
#[test]
#[ignore = "stops the local PostgreSQL server; run alone, as root: cargo test -p shuchuang --test cli_postgres -- --ignored"]
fn the_server_stopped_mid_write_loses_nothing_acknowledged() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let Some(server) = server() else { return };
    let schema = Schema::new(&server, "crash");
    let url = schema.url();
    stdout(
        on_pg(&url),
        &[
            "voucher",
            "program",
            "add-defaults",
            "--request-id",
            "defaults",
        ],
    );
    let acked = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let wait_for = |n: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        while acked.load(Ordering::SeqCst) < n {
            assert!(
                std::time::Instant::now() < deadline,
                "grants stopped succeeding"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    let acknowledged: Vec<(String, String)> = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut ok = Vec::new();
            for g in 0..10_000 {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let (id, amount) = (format!("c{g}"), format!("{}.{:02}", 100 + g % 50, g % 100));
                if grant(on_pg(&url), &id, &amount).status.success() {
                    ok.push((id, amount));
                    acked.fetch_add(1, Ordering::SeqCst);
                }
            }
            ok
        });
        wait_for(3);
        pg_ctlcluster(&["stop", "-m", "immediate"]);
        std::thread::sleep(std::time::Duration::from_millis(500));
        pg_ctlcluster(&["start"]);
        let after_restart = acked.load(Ordering::SeqCst) + 3;
        wait_for(after_restart);
        done.store(true, Ordering::SeqCst);
        writer.join().unwrap()
    });
    let verify = String::from_utf8(stdout(on_pg(&url), &["voucher", "verify"])).unwrap();
    assert!(verify.contains("verified"), "{verify}");
    // Every acknowledged grant is there: retried with its id and content, each is answered
    // from the journal and adds nothing.
    let export = ["voucher", "export", "--format", "csv"];
    let before = stdout(on_pg(&url), &export);
    for (id, amount) in &acknowledged {
        let out = grant(on_pg(&url), id, amount);
        assert!(
            out.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        before == stdout(on_pg(&url), &export),
        "an acknowledged grant was missing"
    );
    let grants = String::from_utf8(before)
        .unwrap()
        .lines()
        .filter(|l| l.contains(",grant,"))
        .count();
    assert!(
        grants >= acknowledged.len(),
        "{grants} grants, {} acknowledged",
        acknowledged.len()
    );
}
