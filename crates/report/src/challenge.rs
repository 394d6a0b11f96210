//! Challenge tasks (揭榜挂帅 / 赛马制) as tables, money in exact yuan: the reply of a step
//! (`scenario challenge post|bid|award|milestone`: the money each ledger request moved) and
//! a challenge's state (`scenario challenge show`: its money in one row, then one row a team's
//! milestone).

use cultivation::challenge_desk::ChallengeReply;
use scenario_market::challenge::Challenge;
use serde::Serialize;

use crate::cell::Cell;
use crate::table::Table;

/// A status's key as it is serialised (`open`, `accepted`, …).
fn key_of<T: Serialize>(value: &T) -> Cell {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Cell::from(s),
        _ => Cell::Null,
    }
}

/// One row a ledger request of the step (one row with no request when the step moved no
/// money, as a post or a bid).
pub fn challenge_reply_table(reply: &ChallengeReply) -> Table {
    let mut t = Table::new([
        "request_id",
        "verb",
        "task",
        "ledger_request",
        "amount_yuan",
        "replayed",
    ]);
    let row = |ledger: Cell, amount: Cell| {
        [
            Cell::from(reply.request_id.as_str()),
            Cell::from(reply.verb.as_str()),
            Cell::from(reply.task.as_str()),
            ledger,
            amount,
            Cell::from(reply.replayed),
        ]
    };
    if reply.receipts.is_empty() {
        t.push(row(Cell::Null, Cell::Null));
    }
    for r in &reply.receipts {
        t.push(row(
            Cell::from(r.request_id.as_str()),
            Cell::money(r.amount.yuan()),
        ));
    }
    t
}

/// One row a challenge's money: the budget, what was reserved into escrow at award, paid to
/// teams, clawed back, released to the fund and still in escrow.
pub fn challenge_money_table<'a>(challenges: impl IntoIterator<Item = &'a Challenge>) -> Table {
    let mut t = Table::new([
        "task",
        "status",
        "program",
        "budget_yuan",
        "bids",
        "teams",
        "reserved_yuan",
        "paid_yuan",
        "recovered_yuan",
        "released_yuan",
        "escrow_yuan",
    ]);
    for c in challenges {
        let m = c.money();
        t.push([
            Cell::from(c.task().id.as_str()),
            key_of(&c.status()),
            Cell::from(c.task().program.as_str()),
            Cell::money(c.task().budget.yuan()),
            Cell::from(c.bids().len()),
            Cell::from(c.teams().len()),
            Cell::money(m.reserved.yuan()),
            Cell::money(m.paid.yuan()),
            Cell::money(m.recovered.yuan()),
            Cell::money(m.released.yuan()),
            Cell::money(m.escrow.yuan()),
        ]);
    }
    t
}

/// One row a team's milestone: its amount, advance, what was paid and clawed back, its
/// status and decision; the team's award and status on each of its rows.
pub fn challenge_milestones_table(c: &Challenge) -> Table {
    let mut t = Table::new([
        "firm",
        "bid",
        "award_yuan",
        "team_status",
        "milestone",
        "amount_yuan",
        "advance_yuan",
        "paid_yuan",
        "recovered_yuan",
        "status",
        "decided",
        "note",
    ]);
    for team in c.teams() {
        for m in &team.milestones {
            t.push([
                Cell::from(team.firm.to_string()),
                Cell::from(team.bid.as_str()),
                Cell::money(team.award.yuan()),
                key_of(&team.status),
                Cell::from(m.id.as_str()),
                Cell::money(m.amount.yuan()),
                Cell::money(m.advance.yuan()),
                Cell::money(m.paid.yuan()),
                Cell::money(m.recovered.yuan()),
                key_of(&m.status),
                m.decided.map_or(Cell::Null, Cell::Date),
                Cell::from(m.note.as_str()),
            ]);
        }
    }
    t
}
