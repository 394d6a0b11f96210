//! Input beyond the documented bounds is an error that names the file, line, field and value,
//! never a silent clamp; a residency rule naming a hub the catalog does not have is refused
//! before scheduling, not left to reject the job quietly.

use compute_scheduler::alibaba::{ImportOptions, import};
use compute_scheduler::generate::synthetic_firms;
use compute_scheduler::job::{MAX_JOB_UNITS, read_jobs_csv};
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

fn import_tasks(tasks: &str) -> Result<alibaba::ImportReport> {
    import(
        JOBS.as_bytes(),
        "pai_job_table.csv",
        tasks.as_bytes(),
        "pai_task_table.csv",
        &options(),
    )
}

#[test]
fn an_absurd_card_count_is_refused_not_clamped() {
    // Line 1 asks for 4 instances × 100 % of a card; make it 1e300 %.
    let bad = TASKS.replacen("29.296875,100.0,V100", "29.296875,1e300,V100", 1);
    let e = import_tasks(&bad).unwrap_err().to_string();
    assert!(
        e.contains("pai_task_table.csv line 1")
            && e.contains("plan_gpu")
            && e.contains("1e300")
            && e.contains(&MAX_JOB_UNITS.to_string()),
        "{e}"
    );
    // CPU too, and through the instance count: line 2 is a parameter server with no card.
    let bad = TASKS.replacen(",ps,1.0,Terminated,", ",ps,4e12,Terminated,", 1);
    let e = import_tasks(&bad).unwrap_err().to_string();
    assert!(
        e.contains("line 2") && e.contains("plan_cpu") && e.contains("4e12"),
        "{e}"
    );
}

#[test]
fn a_job_whose_tasks_add_up_beyond_the_bound_is_refused() {
    // Job a4 (line 5) asks for 1 × 800 % = 8 cards; add two tasks of 600,000 cards each to it:
    // each task is within the bound, their sum is not.
    let extra = "a4f0c2d3e4b5a6978899aabb,w1,6000.0,Terminated,2400.0,9600.0,100.0,1.0,10000.0,V100\n\
                 a4f0c2d3e4b5a6978899aabb,w2,6000.0,Terminated,2400.0,9600.0,100.0,1.0,10000.0,V100\n";
    let tasks = format!("{TASKS}{extra}");
    let e = import_tasks(&tasks).unwrap_err().to_string();
    assert!(
        e.contains("a4f0c2d3e4b5a6978899aabb") && e.contains("cards") && e.contains("1200008"),
        "{e}"
    );
}

#[test]
fn a_residency_hub_missing_from_the_catalog_is_refused() {
    let catalog = Catalog::embedded().unwrap();
    let csv = "\
id,firm,tier,home,kind,cards,cpu_cores,submit_s,duration_s,declared_s,deadline_s,latency_ms_max,residency,budget,voucher_coverage
j1,91310110666007217T,growth,310110,training,8,32,0,3600,,,,hubs:gansu|nope,,0.5
";
    let jobs = read_jobs_csv(csv.as_bytes(), "jobs.csv").unwrap();
    let mut pay = CoveragePayment::new(None).unwrap();
    let e = Simulator::new(&catalog, PolicyKind::Fifo.build(&catalog.scheduling))
        .schedule(&jobs, &mut pay)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("j1") && e.contains("residency") && e.contains("'nope'") && e.contains("gansu"),
        "{e}"
    );
    // The optimal reference refuses it alike.
    let e = optimum::optimum(
        &catalog,
        &Pipeline::standard(),
        &jobs,
        &optimum::OptimumOptions::default(),
    );
    assert!(e.is_err());
    // Known hubs schedule.
    let ok = csv.replace("gansu|nope", "gansu|ningxia");
    let jobs = read_jobs_csv(ok.as_bytes(), "jobs.csv").unwrap();
    let s = Simulator::new(&catalog, PolicyKind::Fifo.build(&catalog.scheduling))
        .schedule(&jobs, &mut pay)
        .unwrap();
    assert_eq!(s.metrics.jobs_placed, 1);
}
