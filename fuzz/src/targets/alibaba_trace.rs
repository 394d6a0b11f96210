//! The Alibaba GPU trace import (`compute_scheduler::alibaba::import`, `compute jobs --alibaba
//! JOBS TASKS`): no panic; an import that succeeds holds jobs within the bounds (no card count
//! clamped without a word, issue 11.8) and no non-finite number. Input: `JOB-TABLE 0xff
//! TASK-TABLE`.

use crate::{assert_finite, split};
use compute_scheduler::alibaba::{ImportOptions, import};
use compute_scheduler::generate::FirmDemand;
use compute_scheduler::job::validate_jobs;
use registry_model::{EnterpriseId, RegionCode, Tier};
use rust_decimal::Decimal;

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let parts = split(data, 2);
    let options = ImportOptions {
        firms: vec![FirmDemand {
            id: EnterpriseId::parse("91110000600037341L").unwrap(),
            tier: Tier::Growth,
            home: RegionCode::parse("110000").unwrap(),
            voucher_coverage: Decimal::new(5, 1),
        }],
        include_failed: data.len().is_multiple_of(2),
        deadline_factor: Some(1.5),
        max_jobs: 1_000,
    };
    if let Ok(r) = import(
        parts[0],
        "pai_job_table.csv",
        parts[1],
        "pai_task_table.csv",
        &options,
    ) {
        assert_finite("import", &r);
        validate_jobs(&r.jobs).expect("imported jobs are valid");
    }
}
