//! Importer for the Alibaba GPU cluster trace (cluster-trace-gpu-v2020, the PAI trace).
//!
//! Reads `pai_job_table` (job_name, inst_id, user, status, start_time, end_time) and
//! `pai_task_table` (job_name, task_name, inst_num, status, start_time, end_time, plan_cpu,
//! plan_mem, plan_gpu, gpu_type), headerless CSV as published (a header row naming
//! `job_name` first is skipped). Mapping:
//! - a job's cards = Σ over its tasks of ⌈inst_num × plan_gpu ÷ 100⌉ (plan_gpu is in percent
//!   of a card), its cores = Σ ⌈inst_num × plan_cpu ÷ 100⌉ (plan_cpu is in percent of a core);
//!   a task or a job beyond [`MAX_JOB_UNITS`] cards or cores is an error naming the line, the
//!   field and the values as written (never clamped);
//! - submission = the job's start_time minus the earliest imported start_time; duration =
//!   end_time − start_time (at least 1 s); no declared duration (the trace has none);
//! - kind from task names: `evaluator`/`inference`/`serving` → inference, `OssToVolume` →
//!   storage backup, `xComputeWorker`/`sql` → offline analysis, else training if it uses
//!   cards and offline analysis if not; inference gets a 20 ms latency limit;
//! - the trace's anonymous users are mapped to the caller's firms by a stable hash (FNV-1a),
//!   so each user is always the same firm;
//! - only `Terminated` jobs are imported unless failed ones are asked for; jobs without tasks
//!   or without any resource are skipped and counted.

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::generate::FirmDemand;
use crate::job::{Job, JobKind, MAX_JOB_UNITS, MAX_JOBS, MAX_TIME_S, Residency, validate_jobs};

/// Options of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Firms the trace's users are mapped to (at least one).
    pub firms: Vec<FirmDemand>,
    /// Import jobs whose status is `Failed` as well as `Terminated`.
    pub include_failed: bool,
    /// Deadline = submission + duration × this factor (≥ 1); none for no deadlines.
    pub deadline_factor: Option<f64>,
    /// Stop with an error beyond this many imported jobs.
    pub max_jobs: usize,
}

/// The jobs imported and what was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The jobs, in submission order.
    pub jobs: Vec<Job>,
    /// Rows read from the job table.
    pub job_rows: u64,
    /// Rows read from the task table.
    pub task_rows: u64,
    /// Jobs skipped for their status.
    pub skipped_status: u64,
    /// Jobs skipped for having no task rows.
    pub skipped_no_tasks: u64,
    /// Jobs skipped for asking for no card and no core, or lacking times.
    pub skipped_empty: u64,
}

fn fnv1a(s: &str) -> u64 {
    crate::seed::fnv1a(s.bytes())
}

struct TaskAgg {
    cards: u64,
    cores: u64,
    names: Vec<String>,
}

/// `⌈inst × plan ÷ 100⌉` units (plan in percent of a unit), or an error naming the line,
/// the field and the values as written when it exceeds [`MAX_JOB_UNITS`] (no clamping).
fn task_units(
    r: &csv::StringRecord,
    inst: f64,
    plan: f64,
    (column, field, unit): (usize, &str, &str),
    source: &str,
    line: u64,
) -> Result<u64> {
    let units = (inst * plan / 100.0).ceil();
    // Also false for NaN: inst and plan are finite and non-negative, their product may not be.
    if units <= f64::from(MAX_JOB_UNITS) {
        return Ok(units as u64);
    }
    Err(Error::Record {
        source_name: source.to_string(),
        line,
        field: field.to_string(),
        message: format!(
            "inst_num {} × {field} {} % of a {unit} = {units:e} {unit}s, above the limit of {MAX_JOB_UNITS} per job",
            r.get(2).unwrap_or("1").trim(),
            r.get(column).unwrap_or("").trim(),
        ),
    })
}

fn num(field: Option<&str>, source: &str, line: u64, name: &str) -> Result<Option<f64>> {
    let s = field.unwrap_or("").trim();
    if s.is_empty() {
        return Ok(None);
    }
    let v: f64 = s.parse().map_err(|_| Error::Record {
        source_name: source.to_string(),
        line,
        field: name.to_string(),
        message: format!("'{s}' is not a number"),
    })?;
    if !v.is_finite() || v < 0.0 {
        return Err(Error::Record {
            source_name: source.to_string(),
            line,
            field: name.to_string(),
            message: format!("{v} is not a non-negative number"),
        });
    }
    Ok(Some(v))
}

fn records<R: Read>(
    reader: R,
    source: &str,
    columns: usize,
) -> Result<Vec<(u64, csv::StringRecord)>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::Record {
            source_name: source.to_string(),
            line: e.position().map_or(0, |p| p.line()),
            field: "record".into(),
            message: e.to_string(),
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if out.is_empty() && rec.get(0) == Some("job_name") {
            continue;
        }
        if rec.len() != columns {
            return Err(Error::Record {
                source_name: source.to_string(),
                line,
                field: "record".into(),
                message: format!("{} columns, expected {columns}", rec.len()),
            });
        }
        if out.len() >= 4 * MAX_JOBS {
            return Err(Error::Limit {
                what: format!("rows in {source}"),
                value: out.len() as u64 + 1,
                limit: 4 * MAX_JOBS as u64,
            });
        }
        out.push((line, rec));
    }
    Ok(out)
}

/// Imports the two tables. All-or-nothing: a malformed row fails the whole import, naming
/// the file, line and column.
pub fn import<J: Read, T: Read>(
    job_table: J,
    job_source: &str,
    task_table: T,
    task_source: &str,
    options: &ImportOptions,
) -> Result<ImportReport> {
    if options.firms.is_empty() {
        return Err(Error::Parameter {
            name: "firms".into(),
            message: "the trace's users need at least one firm to map to".into(),
        });
    }
    if let Some(f) = options.deadline_factor
        && !(f.is_finite() && (1.0..=1000.0).contains(&f))
    {
        return Err(Error::Parameter {
            name: "deadline_factor".into(),
            message: format!("{f} is outside [1, 1000]"),
        });
    }
    let tasks_rows = records(task_table, task_source, 10)?;
    let mut tasks: BTreeMap<String, TaskAgg> = BTreeMap::new();
    for (line, r) in &tasks_rows {
        let job = r.get(0).unwrap_or("").to_string();
        let inst = num(r.get(2), task_source, *line, "inst_num")?.unwrap_or(1.0);
        let cpu = num(r.get(6), task_source, *line, "plan_cpu")?.unwrap_or(0.0);
        let gpu = num(r.get(8), task_source, *line, "plan_gpu")?.unwrap_or(0.0);
        let cards = task_units(r, inst, gpu, (8, "plan_gpu", "card"), task_source, *line)?;
        let cores = task_units(r, inst, cpu, (6, "plan_cpu", "core"), task_source, *line)?;
        let agg = tasks.entry(job.clone()).or_insert(TaskAgg {
            cards: 0,
            cores: 0,
            names: Vec::new(),
        });
        // Each term is at most MAX_JOB_UNITS and the sum is checked below at once: no overflow.
        agg.cards += cards;
        agg.cores += cores;
        for (total, field, unit) in [
            (agg.cards, "plan_gpu", "cards"),
            (agg.cores, "plan_cpu", "cores"),
        ] {
            if total > u64::from(MAX_JOB_UNITS) {
                return Err(Error::Record {
                    source_name: task_source.to_string(),
                    line: *line,
                    field: field.to_string(),
                    message: format!(
                        "job '{job}': its tasks up to this one ask for {total} {unit} in all, above the limit of {MAX_JOB_UNITS} per job"
                    ),
                });
            }
        }
        if agg.names.len() < 16 {
            agg.names.push(r.get(1).unwrap_or("").to_string());
        }
    }
    let job_rows = records(job_table, job_source, 6)?;
    let mut report = ImportReport {
        jobs: Vec::new(),
        job_rows: job_rows.len() as u64,
        task_rows: tasks_rows.len() as u64,
        skipped_status: 0,
        skipped_no_tasks: 0,
        skipped_empty: 0,
    };
    // (start, end, name, user, kind, cards, cores)
    let mut kept = Vec::new();
    for (line, r) in &job_rows {
        let name = r.get(0).unwrap_or("").trim().to_string();
        if name.is_empty() {
            return Err(Error::Record {
                source_name: job_source.to_string(),
                line: *line,
                field: "job_name".into(),
                message: "empty".into(),
            });
        }
        let status = r.get(3).unwrap_or("").trim();
        let ok = status == "Terminated" || (options.include_failed && status == "Failed");
        if !ok {
            report.skipped_status += 1;
            continue;
        }
        let start = num(r.get(4), job_source, *line, "start_time")?;
        let end = num(r.get(5), job_source, *line, "end_time")?;
        let (Some(start), Some(end)) = (start, end) else {
            report.skipped_empty += 1;
            continue;
        };
        if end < start {
            return Err(Error::Record {
                source_name: job_source.to_string(),
                line: *line,
                field: "end_time".into(),
                message: format!("{end} is before start_time {start}"),
            });
        }
        let Some(agg) = tasks.get(&name) else {
            report.skipped_no_tasks += 1;
            continue;
        };
        if agg.cards == 0 && agg.cores == 0 {
            report.skipped_empty += 1;
            continue;
        }
        let lower: Vec<String> = agg.names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let has = |k: &str| lower.iter().any(|n| n.contains(k));
        let kind = if has("evaluator") || has("inference") || has("serving") {
            JobKind::Inference
        } else if has("osstovolume") {
            JobKind::StorageBackup
        } else if has("xcompute") || has("sql") {
            JobKind::OfflineAnalysis
        } else if agg.cards > 0 {
            JobKind::Training
        } else {
            JobKind::OfflineAnalysis
        };
        // Both were checked against MAX_JOB_UNITS as the tasks were added up.
        let (Ok(cards), Ok(cores)) = (u32::try_from(agg.cards), u32::try_from(agg.cores)) else {
            return Err(Error::Limit {
                what: format!("units of job '{name}'"),
                value: agg.cards.max(agg.cores),
                limit: u64::from(MAX_JOB_UNITS),
            });
        };
        kept.push((
            start,
            end,
            name,
            r.get(2).unwrap_or("").to_string(),
            kind,
            cards,
            cores,
            *line,
        ));
        if kept.len() > options.max_jobs.min(MAX_JOBS) {
            return Err(Error::Limit {
                what: format!("jobs imported from {job_source}"),
                value: kept.len() as u64,
                limit: options.max_jobs.min(MAX_JOBS) as u64,
            });
        }
    }
    let t0 = kept.iter().map(|k| k.0).fold(f64::INFINITY, f64::min);
    for (start, end, name, user, kind, cards, cores, line) in kept {
        let submit_s = (start - t0).round() as u64;
        let duration_s = ((end - start).round() as u64).max(1);
        if submit_s > MAX_TIME_S || duration_s > MAX_TIME_S {
            return Err(Error::Record {
                source_name: job_source.to_string(),
                line,
                field: "start_time".into(),
                message: format!("times {start}..{end} span more than ten years"),
            });
        }
        let idx = (fnv1a(&user) % options.firms.len() as u64) as usize;
        let Some(firm) = options.firms.get(idx) else {
            continue;
        };
        let deadline_s = options
            .deadline_factor
            .map(|f| submit_s + (duration_s as f64 * f).ceil() as u64);
        report.jobs.push(Job {
            id: name,
            firm: firm.id,
            tier: firm.tier,
            home: firm.home,
            kind,
            cards,
            cpu_cores: cores,
            submit_s,
            duration_s,
            declared_s: None,
            deadline_s,
            latency_ms_max: (kind == JobKind::Inference).then_some(20.0),
            residency: Residency::Anywhere,
            budget: None,
            voucher_coverage: firm.voucher_coverage,
        });
    }
    report.jobs.sort_by_key(|j| j.submit_s);
    validate_jobs(&report.jobs)?;
    Ok(report)
}
