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
