//! The Alibaba trace importer on the hand-written sample in data/compute/alibaba-sample
//! (expected values worked out by hand in that folder's README).

use compute_scheduler::alibaba::{ImportOptions, import};
use compute_scheduler::generate::synthetic_firms;
use compute_scheduler::*;

const JOBS: &str = include_str!("../../../data/compute/alibaba-sample/pai_job_table.csv");
const TASKS: &str = include_str!("../../../data/compute/alibaba-sample/pai_task_table.csv");

fn options() -> ImportOptions {
    ImportOptions {
        firms: synthetic_firms(4, 0.75, 1).unwrap(),
        include_failed: false,
        deadline_factor: Some(3.0),
        max_jobs: 1000,
    }
}

#[test]
fn sample_imports_as_worked_out_by_hand() {
    let r = import(
        JOBS.as_bytes(),
        "pai_job_table.csv",
        TASKS.as_bytes(),
        "pai_task_table.csv",
        &options(),
    )
    .unwrap();
    assert_eq!((r.job_rows, r.task_rows), (10, 10));
    assert_eq!(
        (r.skipped_status, r.skipped_no_tasks, r.skipped_empty),
        (2, 1, 1)
    );
    let got: Vec<(&str, u32, u32, JobKind, u64, u64)> = r
        .jobs
        .iter()
        .map(|j| {
            (
                &j.id[..2],
                j.cards,
                j.cpu_cores,
                j.kind,
                j.submit_s,
                j.duration_s,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("a1", 4, 28, JobKind::Training, 0, 3600),
            ("a2", 1, 2, JobKind::Inference, 500, 600),
            ("a4", 8, 12, JobKind::Training, 1400, 7200),
            ("a5", 0, 8, JobKind::StorageBackup, 2000, 900),
            ("a7", 0, 30, JobKind::OfflineAnalysis, 3000, 7200),
            ("a8", 1, 1, JobKind::Training, 3500, 1),
        ]
    );
    // Inference gets the 20 ms class; deadlines are submit + 3 × duration.
    assert_eq!(r.jobs[1].latency_ms_max, Some(20.0));
    assert_eq!(r.jobs[0].deadline_s, Some(10_800));
    // The same user is always the same firm: a1, a2 and a9 share user 58540f191766.
    assert_eq!(r.jobs[0].firm, r.jobs[1].firm);
    // And the imported stream schedules.
    let catalog = Catalog::embedded().unwrap();
    let mut pay = CoveragePayment::new(None).unwrap();
    let s = Simulator::new(&catalog, PolicyKind::Backfill.build(&catalog.scheduling))
        .schedule(&r.jobs, &mut pay)
        .unwrap();
    assert_eq!(s.metrics.jobs_placed + s.metrics.jobs_rejected, 6);
}

#[test]
fn failed_jobs_on_request() {
    let mut o = options();
    o.include_failed = true;
    let r = import(JOBS.as_bytes(), "j", TASKS.as_bytes(), "t", &o).unwrap();
    assert_eq!(r.jobs.len(), 7);
    let a3 = r.jobs.iter().find(|j| j.id.starts_with("a3")).unwrap();
    assert_eq!((a3.cards, a3.cpu_cores, a3.duration_s), (2, 12, 100));
}

#[test]
fn malformed_rows_fail_the_whole_import_with_their_line() {
    let bad = TASKS.replace("400.0,10.0,,", "lots,10.0,,");
    let e = import(
        JOBS.as_bytes(),
        "j.csv",
        bad.as_bytes(),
        "t.csv",
        &options(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("t.csv line 2") && e.contains("plan_cpu") && e.contains("'lots'"),
        "{e}"
    );
    let bad = JOBS.replace("Terminated,2400.0,9600.0", "Terminated,2400.0");
    let e = import(
        bad.as_bytes(),
        "j.csv",
        TASKS.as_bytes(),
        "t.csv",
        &options(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("j.csv line 4") && e.contains("5 columns"), "{e}");
    let bad = JOBS.replace("1500.0,2100.0", "1500.0,1400.0");
    let e = import(
        bad.as_bytes(),
        "j.csv",
        TASKS.as_bytes(),
        "t.csv",
        &options(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("end_time") && e.contains("1400"), "{e}");
    let mut o = options();
    o.max_jobs = 3;
    assert!(import(JOBS.as_bytes(), "j", TASKS.as_bytes(), "t", &o).is_err());
}
