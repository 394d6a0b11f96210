//! finance's results as tables, money in exact yuan: the 云量贷 decisions of `finance score`
//! (one row a firm) and, with `--explain`, each firm's factors and rule checks as the finance
//! crate words them.

use finance::money::fen_to_yuan;
use finance::{DecisionStatus, Evaluation};

use crate::cell::Cell;
use crate::table::Table;

/// Most firms one `finance score` call scores (a registry of a province's cultivated firms).
pub const FIRMS_SCORED_MAX: usize = 1_000_000;

/// The key of a decision's status.
pub fn status_key(s: DecisionStatus) -> &'static str {
    match s {
        DecisionStatus::Eligible => "eligible",
        DecisionStatus::Refused => "refused",
        DecisionStatus::Pending => "pending",
    }
}

/// One row a firm: the decision, its score and PD, the limit and what bound it, the verified
/// spend it rests on and the share of the model's weight on missing facts.
pub fn score_table(evaluations: &[Evaluation]) -> Table {
    let mut t = Table::new([
        "firm",
        "status",
        "tier",
        "score",
        "pd",
        "verified_spend_yuan",
        "limit_yuan",
        "bound_by",
        "missing_share",
    ]);
    for e in evaluations {
        let d = &e.decision;
        t.push([
            Cell::Text(d.firm.to_string()),
            Cell::Text(status_key(d.status).to_string()),
            d.tier
                .map_or(Cell::Null, |t| Cell::Text(t.key().to_string())),
            Cell::Int(i128::from(d.score)),
            Cell::fixed(d.pd, 6),
            Cell::money(fen_to_yuan(e.spend.verified_fen)),
            Cell::money(fen_to_yuan(d.limit.limit_fen)),
            Cell::Text(d.limit.binding.key().to_string()),
            Cell::fixed(d.missing_share, 4),
        ]);
    }
    t
}

/// The explanation of one firm's decision: every factor's band and points, then every rule
/// with its threshold and citation, and how the limit was reached.
pub fn explanation(e: &Evaluation) -> String {
    format!("{}\n{}", e.assessment, e.decision)
}

/// A simulated program year by year and in total (means over the runs): credit extended,
/// defaults, loss, compensation from the pool, subsidy paid, the program's cost and the pool
/// at the end of the year.
pub fn simulation_table(r: &finance::simulate::SimulationResult) -> Table {
    let mut t = Table::new([
        "year",
        "credit_extended_yuan",
        "defaults",
        "loss_yuan",
        "compensation_yuan",
        "interest_subsidy_yuan",
        "program_cost_yuan",
        "pool_end_yuan",
    ]);
    let row = |year: Cell, s: &finance::simulate::FlowStats| {
        [
            year,
            Cell::money(fen_to_yuan(s.credit_extended.mean_fen)),
            Cell::Int(i128::from(s.defaults.mean_fen)),
            Cell::money(fen_to_yuan(s.loss.mean_fen)),
            Cell::money(fen_to_yuan(s.compensation.mean_fen)),
            Cell::money(fen_to_yuan(s.subsidy.mean_fen)),
            Cell::money(fen_to_yuan(s.program_cost.mean_fen)),
            Cell::money(fen_to_yuan(s.pool_end.mean_fen)),
        ]
    };
    for (i, y) in r.by_year.iter().enumerate() {
        t.push(row(Cell::Int(i as i128 + 1), y));
    }
    t.push(row(Cell::Text("total".into()), &r.total));
    t
}

/// The expected loss check of a simulation in one sentence: the simulated mean loss beside
/// the analytic Σ PD × LGD × EAD, its standard error and z, and the program's cost per yuan
/// of credit extended.
pub fn loss_check_text(r: &finance::simulate::SimulationResult, lang: crate::lang::Lang) -> String {
    let c = &r.loss_check;
    let yuan = |fen: f64| {
        let fen = if fen.is_finite() {
            fen.round() as i64
        } else {
            0
        };
        crate::number::money_text(fen_to_yuan(fen), lang)
    };
    crate::messages::fill(
        "finance.simulated",
        lang,
        &[
            ("loans", &crate::number::thousands(r.loans as u64)),
            ("runs", &crate::number::thousands(r.spec.runs as u64)),
            ("years", &r.spec.years),
            ("seed", &r.spec.seed),
            ("simulated", &yuan(c.simulated_mean_fen)),
            ("analytic", &yuan(c.analytic_fen)),
            ("se", &yuan(c.standard_error_fen)),
            ("z", &crate::number::fixed(c.z, 2)),
            (
                "cost",
                &crate::number::percent_in(r.cost_per_yuan_extended, lang),
            ),
        ],
    )
}
