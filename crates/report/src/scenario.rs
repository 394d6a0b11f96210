//! scenario-market's results as tables, money in exact yuan, scores in points with two
//! decimals: the scenario list (`scenario list`), an assignment of firms to scenarios
//! (`scenario match`) and what the scoring did for one scenario (`scenario match --explain`).

use rust_decimal::Decimal;
use scenario_market::{Assignment, Explanation, Market};

use crate::cell::Cell;
use crate::table::Table;

/// A score in hundredths of a point as points.
fn points(hundredths: u32) -> Cell {
    Cell::Number(Decimal::new(i64::from(hundredths), 2))
}

/// One row a scenario: owner, kind, region, slots, budget, the vouchers it brings and its
/// window.
pub fn scenarios_table(market: &Market) -> Table {
    let mut t = Table::new([
        "scenario",
        "title",
        "owner",
        "owner_type",
        "kind",
        "region",
        "slots",
        "budget_yuan",
        "compute_voucher_yuan",
        "data_voucher_yuan",
        "opens",
        "closes",
    ]);
    for s in market.scenarios() {
        t.push([
            Cell::from(s.id.as_str()),
            Cell::from(s.title.as_str()),
            Cell::from(s.owner.as_str()),
            Cell::from(s.owner_type.key()),
            Cell::from(s.kind.key()),
            Cell::from(s.region.as_str()),
            Cell::Int(i128::from(s.slots)),
            s.budget.map_or(Cell::Null, |b| Cell::money(b.yuan())),
            Cell::money(s.compute_voucher_per_firm.yuan()),
            Cell::money(s.data_voucher_per_firm.yuan()),
            Cell::Date(s.opens),
            Cell::Date(s.closes),
        ]);
    }
    t
}

/// One row a matched pair: the scenario, the firm, its offer and the pair's score.
pub fn assignment_table(market: &Market, a: &Assignment) -> Table {
    let mut t = Table::new(["scenario", "firm", "offer", "score"]);
    for p in &a.pairs {
        let s = market.scenarios().get(p.scenario as usize);
        let o = market.offers().get(p.offer as usize);
        let f = market.firms().get(p.firm as usize);
        t.push([
            s.map_or(Cell::Null, |s| Cell::from(s.id.as_str())),
            f.map_or(Cell::Null, |f| Cell::from(f.to_string())),
            o.map_or(Cell::Null, |o| Cell::from(o.id.as_str())),
            points(p.score),
        ]);
    }
    t
}

/// Every offer's fate in one scenario: scored (with its parts) or excluded (by which filter,
/// and why), the shortlisted ones with their rank.
pub fn explanation_table(e: &Explanation) -> Table {
    let mut t = Table::new(["offer", "firm", "fate", "score", "why"]);
    for s in &e.scores {
        let rank = e
            .shortlist
            .iter()
            .find(|r| r.offer == s.offer && r.firm == s.firm)
            .map_or_else(
                || "scored".to_string(),
                |r| format!("shortlist #{}", r.rank),
            );
        let why: Vec<String> = s
            .parts
            .iter()
            .map(|p| format!("{} {} (×{}): {}", p.part.key(), p.score, p.weight, p.why))
            .collect();
        t.push([
            Cell::from(s.offer.as_str()),
            Cell::from(s.firm.to_string()),
            Cell::from(rank),
            Cell::Number(s.total),
            Cell::from(why.join("; ")),
        ]);
    }
    for f in &e.filters {
        for x in &f.removed {
            t.push([
                Cell::from(x.offer.as_str()),
                Cell::from(x.firm.to_string()),
                Cell::from(format!("excluded: {}", f.filter.key())),
                Cell::Null,
                Cell::from(x.reason.as_str()),
            ]);
        }
    }
    t
}
