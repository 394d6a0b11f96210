//! Job CSV (`compute::job::read_jobs_csv`, `compute schedule --jobs FILE`): no panic, no
//! non-finite number in the jobs read; a stream of up to 32 jobs is checked against the
//! catalog and, when valid, scheduled by every policy without a non-finite figure in the
//! schedule or its metrics.

use crate::assert_finite;
use compute_scheduler::job::{read_jobs_csv, validate_jobs_for};
use compute_scheduler::{Catalog, NoPayment, PolicyKind, Scheduler, Simulator};

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let Ok(jobs) = read_jobs_csv(data, "jobs.csv") else {
        return;
    };
    assert_finite("jobs", &jobs);
    let catalog = Catalog::embedded().expect("the shipped catalog loads");
    if jobs.len() > 32 || validate_jobs_for(&jobs, &catalog).is_err() {
        return;
    }
    for kind in PolicyKind::ALL {
        let mut sim = Simulator::new(&catalog, kind.build(&catalog.scheduling));
        if let Ok(s) = sim.schedule(&jobs, &mut NoPayment) {
            assert_finite("schedule", &s);
        }
    }
}
