//! Compute-scheduler results as tables: the catalog and its latencies, a schedule job by
//! job (streamed), one job's placement explained, the metrics, the clusters, and policies
//! compared with the optimum. Money in yuan, shares as numbers.

use std::io::Write;

use compute_scheduler::alibaba::ImportReport;
use compute_scheduler::compare::PolicyRun;
use compute_scheduler::optimum::Optimum;
use compute_scheduler::sim::Explanation;
use compute_scheduler::{Catalog, Job, Schedule};
use registry_model::region::PROVINCES;

use crate::cell::Cell;
use crate::error::Result;
use crate::format::Format;
use crate::table::{RowWriter, Table};

/// The clusters of the network.
pub fn catalog_table(catalog: &Catalog) -> Table {
    let mut t = Table::new([
        "cluster",
        "name",
        "hub",
        "hub_name",
        "region",
        "province",
        "cards",
        "cpu_cores",
        "price_card_hour_yuan",
        "price_core_hour_yuan",
        "pue",
        "green_share",
    ]);
    for (i, c) in catalog.clusters.iter().enumerate() {
        let hub = catalog.hubs.iter().find(|h| h.id == c.hub);
        t.push([
            Cell::from(&c.id),
            Cell::from(&c.name_zh),
            Cell::from(&c.hub),
            Cell::from(hub.map_or_else(String::new, |h| h.name_zh.clone())),
            Cell::from(catalog.region(i).map_or("?", |r| r.key())),
            Cell::from(&c.province),
            Cell::from(c.cards),
            Cell::from(c.cpu_cores),
            Cell::money(c.price_card_hour),
            Cell::money(c.price_core_hour),
            Cell::from(c.pue),
            Cell::from(c.green_share),
        ]);
    }
    t
}

/// Latency in ms from each province to each cluster (empty: not reachable).
pub fn latency_table(catalog: &Catalog) -> Table {
    let mut header = vec!["province".to_string(), "name".to_string()];
    header.extend(catalog.clusters.iter().map(|c| c.id.clone()));
    let mut t = Table::new(header);
    for (p, (code, zh, _)) in PROVINCES.iter().enumerate() {
        let mut row = vec![Cell::from(*code), Cell::from(*zh)];
        row.extend((0..catalog.len()).map(|c| Cell::from(catalog.latency_ms(p, c))));
        t.push(row);
    }
    t
}

/// One job's placement explained step by step: each filter's removals, each score, the
/// decision.
pub fn explain_table(ex: &Explanation, catalog: &Catalog) -> Table {
    let mut t = Table::new(["time_s", "step", "cluster", "detail"]);
    let mut row = |time: Option<u64>, step: String, cluster: String, detail: String| {
        t.push([
            Cell::from(time),
            Cell::from(step),
            Cell::from(cluster),
            Cell::from(detail),
        ]);
    };
    row(
        Some(ex.submit_s),
        "submitted".into(),
        String::new(),
        ex.job_id.clone(),
    );
    if let Some(r) = &ex.rejection {
        for f in &r.filters {
            for rm in &f.removed {
                row(
                    Some(ex.submit_s),
                    format!("filter {}", f.filter),
                    rm.cluster.clone(),
                    rm.reason.clone(),
                );
            }
        }
        row(
            Some(ex.submit_s),
            "rejected".into(),
            String::new(),
            "no cluster passes the filters".into(),
        );
    }
    for (i, ev) in ex.evaluations.iter().enumerate() {
        if i + 1 == ex.evaluations.len() && ex.evaluations_omitted > 0 {
            row(
                None,
                "…".into(),
                String::new(),
                format!("{} evaluations omitted", ex.evaluations_omitted),
            );
        }
        for f in &ev.filters {
            if f.removed.is_empty() {
                row(
                    Some(ev.time_s),
                    format!("filter {}", f.filter),
                    String::new(),
                    "removed none".into(),
                );
            }
            for rm in &f.removed {
                row(
                    Some(ev.time_s),
                    format!("filter {}", f.filter),
                    rm.cluster.clone(),
                    rm.reason.clone(),
                );
            }
        }
        for s in &ev.scores {
            let parts: Vec<String> = s
                .parts
                .iter()
                .map(|p| format!("{} {:.1}×{}", p.scorer, p.score, p.weight))
                .collect();
            row(
                Some(ev.time_s),
                "score".into(),
                s.cluster.clone(),
                format!("{} = {:.1}", parts.join(" + "), s.total),
            );
        }
        row(
            Some(ev.time_s),
            "decision".into(),
            ev.chosen.clone().unwrap_or_default(),
            ev.note.clone(),
        );
    }
    if let Some(p) = &ex.placement {
        let cl = catalog
            .clusters
            .get(p.cluster)
            .map_or("?", |c| c.id.as_str());
        row(
            Some(p.start_s),
            "bound".into(),
            cl.to_string(),
            format!(
                "ran {}..{} s; gross {} yuan, vouchers {} yuan, firm pays {} yuan",
                p.start_s, p.end_s, p.gross_cost, p.subsidy, p.firm_cost
            ),
        );
    }
    t
}

/// Writes where and when each job ran (then the rejected jobs), row by row.
pub fn write_schedule(
    format: Format,
    out: &mut dyn Write,
    schedule: &Schedule,
    jobs: &[Job],
    catalog: &Catalog,
) -> Result<()> {
    let mut w = RowWriter::new(
        format,
        [
            "job",
            "firm",
            "tier",
            "kind",
            "cluster",
            "start_s",
            "end_s",
            "wait_s",
            "latency_ms",
            "gross_yuan",
            "subsidy_yuan",
            "firm_cost_yuan",
            "note",
        ],
        out,
    )?;
    for p in &schedule.placements {
        let Some(j) = jobs.get(p.job) else { continue };
        w.row([
            Cell::from(&j.id),
            Cell::from(j.firm.to_string()),
            Cell::from(j.tier.to_string()),
            Cell::from(j.kind.to_string()),
            Cell::from(catalog.clusters.get(p.cluster).map(|c| c.id.as_str())),
            Cell::from(p.start_s),
            Cell::from(p.end_s),
            Cell::from(p.start_s.saturating_sub(j.submit_s)),
            Cell::from(p.latency_ms),
            Cell::money(p.gross_cost),
            Cell::money(p.subsidy),
            Cell::money(p.firm_cost),
            Cell::from(p.payment_declined.clone().unwrap_or_default()),
        ])?;
    }
    for r in &schedule.rejections {
        let Some(j) = jobs.get(r.job) else { continue };
        let reasons: Vec<String> = r
            .filters
            .iter()
            .filter(|f| !f.removed.is_empty())
            .map(|f| format!("{} removed {}", f.filter, f.removed.len()))
            .collect();
        let mut cells = vec![
            Cell::from(&j.id),
            Cell::from(j.firm.to_string()),
            Cell::from(j.tier.to_string()),
            Cell::from(j.kind.to_string()),
        ];
        cells.extend(std::iter::repeat_n(Cell::Null, 8));
        cells.push(Cell::from(format!("rejected: {}", reasons.join(", "))));
        w.row(cells)?;
    }
    w.finish()
}

/// The metrics of a schedule, one per row.
pub fn metrics_table(s: &Schedule) -> Table {
    let m = &s.metrics;
    let f3 = |x: f64| Cell::fixed(x, 3);
    let f1 = |x: f64| Cell::fixed(x, 1);
    let rows: Vec<(&str, Cell)> = vec![
        ("policy", Cell::from(&s.policy)),
        ("jobs_submitted", Cell::from(m.jobs_submitted)),
        ("jobs_placed", Cell::from(m.jobs_placed)),
        ("jobs_rejected", Cell::from(m.jobs_rejected)),
        ("firms", Cell::from(m.firms)),
        ("events", Cell::from(m.events)),
        ("makespan_s", Cell::from(m.makespan_s)),
        ("utilisation", f3(m.utilisation)),
        ("core_utilisation", f3(m.core_utilisation)),
        ("idle_rate", f3(m.idle_rate)),
        ("rack_occupancy", f3(m.rack_occupancy)),
        ("wait_mean_s", f1(m.wait_mean_s)),
        ("wait_p50_s", Cell::from(m.wait_p50_s)),
        ("wait_p95_s", Cell::from(m.wait_p95_s)),
        ("wait_p99_s", Cell::from(m.wait_p99_s)),
        ("jct_mean_s", f1(m.jct_mean_s)),
        ("jct_p50_s", Cell::from(m.jct_p50_s)),
        ("jct_p95_s", Cell::from(m.jct_p95_s)),
        ("latency_violations", Cell::from(m.latency_violations)),
        ("deadline_violations", Cell::from(m.deadline_violations)),
        ("gross_cost_yuan", Cell::money(m.gross_cost)),
        ("subsidy_yuan", Cell::money(m.subsidy)),
        ("firm_cost_yuan", Cell::money(m.firm_cost)),
        ("payment_declines", Cell::from(m.payment_declines)),
        ("green_share", f3(m.green_share)),
        ("west_card_share", f3(m.west_card_share)),
        ("jain_fairness", f3(m.jain_fairness)),
    ];
    let mut t = Table::new(["metric", "value"]);
    for (k, v) in rows {
        t.push([Cell::from(k), v]);
    }
    t
}

/// Each cluster's use and cost.
pub fn cluster_table(s: &Schedule) -> Table {
    let mut t = Table::new([
        "cluster",
        "region",
        "jobs",
        "utilisation",
        "core_utilisation",
        "idle_rate",
        "rack_occupancy",
        "busy_card_s",
        "idle_card_s",
        "capacity_card_s",
        "gross_yuan",
        "subsidy_yuan",
        "firm_cost_yuan",
        "green_share",
    ]);
    for c in &s.metrics.per_cluster {
        t.push([
            Cell::from(&c.cluster),
            Cell::from(&c.region),
            Cell::from(c.jobs),
            Cell::fixed(c.utilisation, 3),
            Cell::fixed(c.core_utilisation, 3),
            Cell::fixed(c.idle_rate, 3),
            Cell::fixed(c.rack_occupancy, 3),
            Cell::from(c.busy_card_s),
            Cell::from(c.idle_card_s),
            Cell::from(c.capacity_card_s),
            Cell::money(c.gross_cost),
            Cell::money(c.subsidy),
            Cell::money(c.firm_cost),
            Cell::fixed(c.green_share, 3),
        ]);
    }
    t
}

/// Policies side by side, then the optimum's row.
pub fn compare_table(runs: &[PolicyRun], optimum: Option<&Optimum>) -> Table {
    let mut t = Table::new([
        "policy",
        "placed",
        "rejected",
        "utilisation",
        "wait_p50_s",
        "wait_p95_s",
        "wait_p99_s",
        "makespan_s",
        "deadline_misses",
        "gross_yuan",
        "subsidy_yuan",
        "firm_cost_yuan",
        "modelled_cost_yuan",
        "gap_pct",
        "bounded",
        "green_share",
        "jain",
    ]);
    for r in runs {
        let m = &r.schedule.metrics;
        t.push([
            Cell::from(&r.schedule.policy),
            Cell::from(m.jobs_placed),
            Cell::from(m.jobs_rejected),
            Cell::fixed(m.utilisation, 3),
            Cell::from(m.wait_p50_s),
            Cell::from(m.wait_p95_s),
            Cell::from(m.wait_p99_s),
            Cell::from(m.makespan_s),
            Cell::from(m.deadline_violations),
            Cell::money(m.gross_cost),
            Cell::money(m.subsidy),
            Cell::money(m.firm_cost),
            Cell::money(r.modelled_yuan),
            Cell::from(r.gap_pct),
            Cell::from(m.deadline_violations == 0),
            Cell::fixed(m.green_share, 3),
            Cell::fixed(m.jain_fairness, 3),
        ]);
    }
    if let Some(o) = optimum {
        let (name, value) = match (o.integer_optimum, o.lp_bound) {
            (Some(v), _) => ("optimum (integer)", Some(v)),
            (None, Some(v)) => ("optimum (LP bound)", Some(v)),
            _ => ("optimum", None),
        };
        let mut row = vec![Cell::from(name), Cell::from(o.jobs), Cell::from(o.excluded)];
        row.extend(std::iter::repeat_n(Cell::Null, 9));
        row.push(value.map_or(Cell::Null, Cell::money));
        row.extend(std::iter::repeat_n(Cell::Null, 4));
        t.push(row);
    }
    t
}

/// The notes under `compute compare`'s table: what the optimum said or why it was skipped, and
/// what the modelled cost means.
pub fn compare_notes(optimum: Option<&Optimum>, jobs: usize, optimum_max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    match optimum {
        Some(o) => lines.extend(o.note.as_ref().map(|n| format!("optimum: {n}"))),
        None => lines.push(format!(
            "optimum: skipped, {jobs} jobs is above --optimum-max {optimum_max}"
        )),
    }
    lines.push("modelled cost = cost to firms after each job's voucher coverage, no budget caps; the optimum bounds it for schedules that meet every deadline (bounded = yes)".to_string());
    lines
}

/// The line after an import of the Alibaba trace: the jobs made, the rows read and the rows
/// skipped, by reason.
pub fn import_note(report: &ImportReport, imported: usize) -> String {
    format!(
        "imported {} jobs ({} job rows, {} task rows; skipped {} by status, {} without tasks, {} without resources)",
        imported,
        report.job_rows,
        report.task_rows,
        report.skipped_status,
        report.skipped_no_tasks,
        report.skipped_empty
    )
}
