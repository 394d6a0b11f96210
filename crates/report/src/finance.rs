//! finance's results as tables, money in exact yuan: the 云量贷 decisions of `finance score`
//! (one row a firm) and, with `--explain`, each firm's factors and rule checks as the finance
//! crate words them.

use finance::money::fen_to_yuan;
use finance::{DecisionStatus, Evaluation};

use crate::cell::Cell;
use crate::record::Record;
use crate::table::Table;

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

/// The key of a receipt's operation (`funded`, `granted`, `drawn` …), as finance serialises it.
pub fn operation_key(o: &finance::Outcome) -> &'static str {
    use finance::Outcome as O;
    match o {
        O::Funded { .. } => "funded",
        O::Granted { .. } => "granted",
        O::Accrued { .. } => "accrued",
        O::Drawn { .. } => "drawn",
        O::InterestPaid { .. } => "interest_paid",
        O::Repaid { .. } => "repaid",
        O::Closed { .. } => "closed",
        O::Defaulted { .. } => "defaulted",
        O::Recovered { .. } => "recovered",
        O::WrittenOff { .. } => "written_off",
    }
}

/// A receipt's money, fen: (the amount moved, interest accrued on the way, subsidy paid,
/// compensation paid by the pool).
fn receipt_money(o: &finance::Outcome) -> (i64, i64, i64, i64) {
    use finance::Outcome as O;
    match o {
        O::Funded { amount_fen, .. } => (*amount_fen, 0, 0, 0),
        O::Granted { limit_fen, .. } => (*limit_fen, 0, 0, 0),
        O::Accrued { accrued_fen, .. } => (0, *accrued_fen, 0, 0),
        O::Drawn {
            amount_fen,
            accrued_fen,
            ..
        }
        | O::Repaid {
            amount_fen,
            accrued_fen,
            ..
        } => (*amount_fen, *accrued_fen, 0, 0),
        O::InterestPaid {
            paid_fen,
            accrued_fen,
            subsidy,
            ..
        } => (*paid_fen, *accrued_fen, subsidy.paid_fen, 0),
        O::Closed { cancelled_fen, .. } => (*cancelled_fen, 0, 0, 0),
        O::Defaulted { lines } => lines.iter().fold((0, 0, 0, 0), |a, l| {
            (
                a.0 + l.award.claim_fen,
                a.1 + l.accrued_fen,
                0,
                a.3 + l.award.paid_fen,
            )
        }),
        O::Recovered { amount_fen, .. } | O::WrittenOff { amount_fen, .. } => {
            (*amount_fen, 0, 0, 0)
        }
    }
}

/// What one `finance line` or `finance fund` request did: one row a booked operation (the
/// amount moved, the interest accrued on the way, the subsidy and the pool's compensation
/// paid); a grant the rules refused is one row with its status and no ledger request.
pub fn credit_reply_table(reply: &cultivation::credit_desk::CreditReply) -> Table {
    let mut t = Table::new([
        "request_id",
        "verb",
        "line",
        "status",
        "ledger_request",
        "operation",
        "amount_yuan",
        "accrued_yuan",
        "interest_subsidy_yuan",
        "compensation_yuan",
        "replayed",
    ]);
    let status = reply
        .decision
        .as_ref()
        .map_or("done", |d| status_key(d.status));
    let line = if reply.line.is_empty() {
        Cell::Null
    } else {
        Cell::from(reply.line.as_str())
    };
    if reply.receipts.is_empty() {
        t.push([
            Cell::from(reply.request_id.as_str()),
            Cell::from(reply.verb.as_str()),
            line.clone(),
            Cell::from(status),
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::from(reply.replayed),
        ]);
    }
    for r in &reply.receipts {
        let (amount, accrued, subsidy, compensation) = receipt_money(&r.outcome);
        t.push([
            Cell::from(reply.request_id.as_str()),
            Cell::from(reply.verb.as_str()),
            line.clone(),
            Cell::from(status),
            Cell::from(r.request_id.as_str()),
            Cell::from(operation_key(&r.outcome)),
            Cell::money(fen_to_yuan(amount)),
            Cell::money(fen_to_yuan(accrued)),
            Cell::money(fen_to_yuan(subsidy)),
            Cell::money(fen_to_yuan(compensation)),
            Cell::from(reply.replayed),
        ]);
    }
    t
}

/// A grant's decision in words: the status, score and limit, and every rule that failed or
/// could not be decided with the value found and the bar.
pub fn decision_text(d: &cultivation::credit_desk::GrantDecision) -> String {
    let mut s = format!(
        "{}: {} (score {}, PD {}, limit {})",
        d.firm,
        status_key(d.status),
        d.score,
        crate::number::fixed(d.pd, 6),
        fen_to_yuan(d.limit_fen)
    );
    for r in &d.reasons {
        s.push_str("\n  ✗ ");
        s.push_str(r);
    }
    s
}

/// One row a credit line: its firm, bank and status, the limit and what is left of it, the
/// principal and interest owed, what was drawn and repaid, interest and subsidy paid, and at
/// default the claim, the pool's compensation and what was written off.
pub fn line_table<'a>(lines: impl IntoIterator<Item = &'a finance::CreditLine>) -> Table {
    let mut t = Table::new([
        "line",
        "firm",
        "tier",
        "bank",
        "status",
        "granted_on",
        "maturity",
        "limit_yuan",
        "available_yuan",
        "principal_yuan",
        "interest_unpaid_yuan",
        "drawn_yuan",
        "repaid_yuan",
        "interest_yuan",
        "interest_subsidy_yuan",
        "claim_yuan",
        "compensation_yuan",
        "written_off_yuan",
    ]);
    for l in lines {
        let d = l.default.unwrap_or(finance::line::DefaultRecord {
            on: l.granted_on,
            claim_fen: 0,
            interest_reversed_fen: 0,
            compensation_due_fen: 0,
            compensation_fen: 0,
            recovered_fen: 0,
            returned_to_pool_fen: 0,
            written_off_fen: 0,
        });
        t.push([
            Cell::from(l.id.as_str()),
            Cell::Text(l.firm.to_string()),
            l.tier.map_or(Cell::Null, |t| Cell::from(t.key())),
            Cell::from(l.bank.as_str()),
            Cell::from(l.status.key()),
            Cell::from(l.granted_on),
            Cell::from(l.maturity),
            Cell::money(fen_to_yuan(l.limit_fen)),
            Cell::money(fen_to_yuan(l.available_fen)),
            Cell::money(fen_to_yuan(l.principal_fen)),
            Cell::money(fen_to_yuan(l.interest_unpaid_fen)),
            Cell::money(fen_to_yuan(l.drawn_total_fen)),
            Cell::money(fen_to_yuan(l.repaid_total_fen)),
            Cell::money(fen_to_yuan(l.interest_paid_total_fen)),
            Cell::money(fen_to_yuan(l.subsidy_paid_total_fen)),
            Cell::money(fen_to_yuan(d.claim_fen)),
            Cell::money(fen_to_yuan(d.compensation_fen)),
            Cell::money(fen_to_yuan(d.written_off_fen)),
        ]);
    }
    t
}

/// The risk pool of a program: its rule and share, what it holds, the claims settled against
/// it, what they were due and what it paid, what recoveries returned, and in words what its
/// exhaustion rule did.
pub fn pool_record(
    s: &finance::report::ProgramSummary,
    rules: &finance::ProgramRules,
    lang: crate::lang::Lang,
) -> Record {
    let defaults = ["defaulted", "written_off"]
        .iter()
        .map(|k| s.lines_by_status.get(*k).copied().unwrap_or(0))
        .sum::<usize>();
    let mut r = Record::new();
    r.push("program", s.program.as_str());
    r.push("rule", rules.pool_rule.key());
    r.push("share", Cell::Text(rules.pool_share.to_string()));
    r.push("pool_yuan", Cell::money(fen_to_yuan(s.pool_left_fen)));
    r.push("claims", Cell::Int(defaults as i128));
    r.push("claims_yuan", Cell::money(fen_to_yuan(s.claims_fen)));
    r.push(
        "compensation_due_yuan",
        Cell::money(fen_to_yuan(
            s.compensation_fen + s.compensation_shortfall_fen,
        )),
    );
    r.push(
        "compensation_yuan",
        Cell::money(fen_to_yuan(s.compensation_fen)),
    );
    r.push(
        "shortfall_yuan",
        Cell::money(fen_to_yuan(s.compensation_shortfall_fen)),
    );
    r.push(
        "returned_to_pool_yuan",
        Cell::money(fen_to_yuan(s.returned_to_pool_fen)),
    );
    let exhaustion = if s.compensation_shortfall_fen > 0 {
        crate::messages::fill(
            "finance.pool_short",
            lang,
            &[
                ("rule", &rules.pool_rule.key()),
                (
                    "shortfall",
                    &crate::number::money_text(fen_to_yuan(s.compensation_shortfall_fen), lang),
                ),
            ],
        )
    } else if defaults == 0 {
        crate::messages::text("finance.pool_no_claim", lang).to_string()
    } else {
        crate::messages::text("finance.pool_paid", lang).to_string()
    };
    r.push("exhaustion", Cell::Text(exhaustion));
    r
}

/// A program's scheme in one record: lines decided, granted, refused and pending; credit
/// extended, drawn, repaid, outstanding and defaulted; interest, subsidy, compensation and the
/// program's cost.
pub fn program_record(
    s: &finance::report::ProgramSummary,
    decisions: &[(String, cultivation::credit_desk::GrantDecision)],
) -> Record {
    let count = |st: DecisionStatus| decisions.iter().filter(|(_, d)| d.status == st).count();
    let mut r = Record::new();
    r.push("program", s.program.as_str());
    r.push("decisions", Cell::Int(decisions.len() as i128));
    r.push(
        "granted",
        Cell::Int(count(DecisionStatus::Eligible) as i128),
    );
    r.push("refused", Cell::Int(count(DecisionStatus::Refused) as i128));
    r.push("pending", Cell::Int(count(DecisionStatus::Pending) as i128));
    r.push("firms", Cell::Int(s.firms as i128));
    r.push(
        "credit_extended_yuan",
        Cell::money(fen_to_yuan(s.limit_fen)),
    );
    r.push("drawn_yuan", Cell::money(fen_to_yuan(s.drawn_fen)));
    r.push(
        "repaid_yuan",
        Cell::money(fen_to_yuan(s.drawn_fen - s.outstanding_fen - s.claims_fen)),
    );
    r.push(
        "outstanding_yuan",
        Cell::money(fen_to_yuan(s.outstanding_fen)),
    );
    r.push("defaulted_yuan", Cell::money(fen_to_yuan(s.claims_fen)));
    r.push(
        "interest_yuan",
        Cell::money(fen_to_yuan(s.interest_paid_fen)),
    );
    r.push(
        "interest_subsidy_yuan",
        Cell::money(fen_to_yuan(s.subsidy_fen)),
    );
    r.push(
        "compensation_yuan",
        Cell::money(fen_to_yuan(s.compensation_fen)),
    );
    r.push(
        "returned_to_pool_yuan",
        Cell::money(fen_to_yuan(s.returned_to_pool_fen)),
    );
    r.push(
        "program_cost_yuan",
        Cell::money(fen_to_yuan(s.program_cost_fen)),
    );
    r.push(
        "budget_left_yuan",
        Cell::money(fen_to_yuan(s.budget_left_fen)),
    );
    r.push("pool_yuan", Cell::money(fen_to_yuan(s.pool_left_fen)));
    r
}

/// Every grant decision of a program: the firm, the line granted (none when refused), the
/// status, score, limit and the rules that held it back.
pub fn decisions_table(decisions: &[(String, cultivation::credit_desk::GrantDecision)]) -> Table {
    let mut t = Table::new([
        "firm",
        "line",
        "status",
        "tier",
        "score",
        "pd",
        "limit_yuan",
        "reasons",
    ]);
    for (line, d) in decisions {
        t.push([
            Cell::Text(d.firm.to_string()),
            if line.is_empty() {
                Cell::Null
            } else {
                Cell::from(line.as_str())
            },
            Cell::from(status_key(d.status)),
            d.tier.as_deref().map_or(Cell::Null, Cell::from),
            Cell::Int(i128::from(d.score)),
            Cell::fixed(d.pd, 6),
            Cell::money(fen_to_yuan(d.limit_fen)),
            Cell::Text(d.reasons.join("; ")),
        ]);
    }
    t
}

/// Whom a program's lines reached: one row a tier, then one a province (`group` says which),
/// with lines, firms, limits, drawn, subsidy and defaults.
pub fn reach_table(s: &finance::report::ProgramSummary) -> Table {
    let mut t = Table::new([
        "group",
        "key",
        "name",
        "lines",
        "firms",
        "limit_yuan",
        "drawn_yuan",
        "interest_subsidy_yuan",
        "defaults",
    ]);
    for (group, rows) in [("tier", &s.by_tier), ("province", &s.by_province)] {
        for r in rows {
            t.push([
                Cell::from(group),
                Cell::from(r.key.as_str()),
                Cell::from(r.name.as_str()),
                Cell::Int(r.lines as i128),
                Cell::Int(r.firms as i128),
                Cell::money(fen_to_yuan(r.limit_fen)),
                Cell::money(fen_to_yuan(r.drawn_fen)),
                Cell::money(fen_to_yuan(r.subsidy_fen)),
                Cell::Int(r.defaults as i128),
            ]);
        }
    }
    t
}

/// Every bank's list: one row a recommended firm, best first.
pub fn recommendations_table(lists: &[finance::Recommendations]) -> Table {
    let mut t = Table::new([
        "bank",
        "rank",
        "firm",
        "tier",
        "sector",
        "score",
        "pd",
        "limit_yuan",
    ]);
    for l in lists {
        for r in &l.firms {
            t.push([
                Cell::from(l.bank.as_str()),
                Cell::Int(r.rank as i128),
                Cell::Text(r.firm.to_string()),
                r.tier.map_or(Cell::Null, |t| Cell::from(t.key())),
                r.sector.as_deref().map_or(Cell::Null, Cell::from),
                Cell::Int(i128::from(r.score)),
                Cell::fixed(r.pd, 6),
                Cell::money(fen_to_yuan(r.limit_fen)),
            ]);
        }
    }
    t
}

/// Every bank's filters: firms considered and matched, and how many each filter removed.
pub fn exclusions_table(lists: &[finance::Recommendations]) -> Table {
    let mut t = Table::new(["bank", "considered", "matched", "excluded_by", "firms"]);
    for l in lists {
        t.push([
            Cell::from(l.bank.as_str()),
            Cell::Int(l.considered as i128),
            Cell::Int(l.matched as i128),
            Cell::Null,
            Cell::Null,
        ]);
        for (why, n) in &l.excluded {
            t.push([
                Cell::from(l.bank.as_str()),
                Cell::Null,
                Cell::Null,
                Cell::from(why.as_str()),
                Cell::Int(*n as i128),
            ]);
        }
    }
    t
}

/// The state-VC indicator: one row a fund, gazelles and unicorns grown in its portfolio,
/// already so at entry, or not to be told, grown firms per 100 held and the money in them.
pub fn vc_table(funds: &[finance::statevc::FundIndicator]) -> Table {
    let mut t = Table::new([
        "fund",
        "state_owned",
        "year",
        "firms",
        "invested_yuan",
        "gazelles_grown",
        "gazelles_at_entry",
        "gazelles_cannot_tell",
        "unicorns_grown",
        "unicorns_at_entry",
        "unicorns_cannot_tell",
        "grown_per_100",
        "invested_in_grown_yuan",
    ]);
    for f in funds {
        t.push([
            Cell::from(f.fund.as_str()),
            Cell::from(f.state_owned),
            Cell::Int(i128::from(f.year)),
            Cell::Int(f.firms as i128),
            Cell::money(fen_to_yuan(f.invested_fen)),
            Cell::Int(f.gazelles.grown as i128),
            Cell::Int(f.gazelles.at_entry as i128),
            Cell::Int(f.gazelles.cannot_tell as i128),
            Cell::Int(f.unicorns.grown as i128),
            Cell::Int(f.unicorns.at_entry as i128),
            Cell::Int(f.unicorns.cannot_tell as i128),
            Cell::fixed(f.grown_per_100, 2),
            Cell::money(fen_to_yuan(f.invested_in_grown_fen)),
        ]);
    }
    t
}

impl crate::Shown for cultivation::credit_desk::CreditReply {
    fn table(&self) -> Table {
        credit_reply_table(self)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(self)
    }
    /// A refused or undecided grant's reasons.
    fn notes(&self, _: crate::Lang) -> Vec<String> {
        self.decision
            .iter()
            .filter(|d| !d.reasons.is_empty())
            .map(decision_text)
            .collect()
    }
}

impl crate::Shown for finance::simulate::SimulationResult {
    fn table(&self) -> Table {
        simulation_table(self)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(self)
    }
    /// The simulated loss beside the analytic expectation.
    fn notes(&self, lang: crate::Lang) -> Vec<String> {
        vec![loss_check_text(self, lang)]
    }
}

impl crate::Shown for Vec<finance::statevc::FundIndicator> {
    fn table(&self) -> Table {
        vc_table(self)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(self)
    }
}

impl crate::Shown for Vec<finance::CreditLine> {
    fn table(&self) -> Table {
        line_table(self)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(self)
    }
}
