//! A year's scenario results as tables (`scenario report`), money in exact yuan, rates as
//! exact decimals: the year's figures (matches, bundles, first purchases, challenges and their
//! money) as metric and value, the follow-through (conversion of matches into orders and
//! revenue) per owner type, scenario kind and owner, and the reply of a match or outcome
//! batch (`scenario match --record`, `scenario follow-up`).

use cultivation::follow_desk::FollowReply;
use cultivation::scenario_year::ScenarioYear;
use scenario_market::follow::{Conversion, ConversionRow};

use crate::cell::Cell;
use crate::names::{Kind, Names};
use crate::table::Table;

/// The year's figures, one metric a row; the money in yuan.
pub fn scenario_year_table(y: &ScenarioYear) -> Table {
    let c = &y.challenges;
    let n = |x: usize| Cell::from(x);
    let rows = [
        ("year", Cell::from(i64::from(y.year))),
        ("matches", n(y.matches)),
        ("scenarios_matched", n(y.scenarios_matched)),
        ("firms_matched", n(y.firms_matched)),
        ("bundle_compute_yuan", Cell::money(y.bundle_compute.yuan())),
        ("bundle_data_yuan", Cell::money(y.bundle_data.yuan())),
        ("purchases", n(y.purchases)),
        ("first_purchases", n(y.first_purchases)),
        ("purchase_yuan", Cell::money(y.purchase_amount.yuan())),
        (
            "first_purchase_yuan",
            Cell::money(y.first_purchase_amount.yuan()),
        ),
        ("challenges", n(c.tasks)),
        ("challenges_awarded", n(c.awarded)),
        ("challenge_target", Cell::from(u64::from(c.target))),
        ("challenge_teams", n(c.teams)),
        ("milestones_accepted", n(c.milestones_accepted)),
        ("milestones_failed", n(c.milestones_failed)),
        ("escrowed_yuan", Cell::money(c.money.reserved.yuan())),
        ("paid_yuan", Cell::money(c.money.paid.yuan())),
        ("clawed_back_yuan", Cell::money(c.money.recovered.yuan())),
        ("released_yuan", Cell::money(c.money.released.yuan())),
        ("in_escrow_yuan", Cell::money(c.money.escrow.yuan())),
        ("orders", Cell::from(y.conversion.total.orders)),
        (
            "revenue_yuan",
            Cell::money(y.conversion.total.revenue.yuan()),
        ),
    ];
    let mut t = Table::new(["metric", "value"]);
    for (k, v) in rows {
        t.push([Cell::from(k), v]);
    }
    t
}

/// Conversion, one row a group: by owner type and by kind (every one, zero when none was
/// matched, named by `names` in the output's language), by owner when `owners`, and all. `rate` counts unreported
/// matches as not converted; `unreported_share` says how much of it rests on missing reports;
/// `rate_reported` is the rate among the matches that reported.
pub fn conversion_table(c: &Conversion, names: &Names, owners: bool) -> Table {
    let mut t = Table::new([
        "group",
        "key",
        "matches",
        "reported",
        "converted",
        "rate",
        "rate_reported",
        "unreported_share",
        "orders",
        "revenue_yuan",
    ]);
    let mut push = |group: &str, key: Cell, r: &ConversionRow| {
        let rate = |x: Option<rust_decimal::Decimal>| x.map_or(Cell::Null, Cell::Number);
        t.push([
            Cell::from(group),
            key,
            Cell::from(r.matched),
            Cell::from(r.reported),
            Cell::from(r.converted),
            rate(r.rate),
            rate(r.rate_reported),
            rate(r.unreported_share),
            Cell::from(r.orders),
            Cell::money(r.revenue.yuan()),
        ]);
    };
    for r in &c.by_owner_type {
        push("owner_type", names.cell(Kind::OwnerType, &r.group), r);
    }
    for r in &c.by_kind {
        push("kind", names.cell(Kind::ScenarioKind, &r.group), r);
    }
    for r in c.by_owner.iter().filter(|_| owners) {
        push("owner", Cell::from(r.group.as_str()), r);
    }
    push("all", Cell::from(c.total.group.as_str()), &c.total);
    t
}

/// The reply of a match or outcome batch in one row.
pub fn follow_reply_table(r: &FollowReply) -> Table {
    let mut t = Table::new([
        "request_id",
        "verb",
        "records",
        "written",
        "already_recorded",
        "replayed",
    ]);
    t.push([
        Cell::from(r.request_id.as_str()),
        Cell::from(r.verb.as_str()),
        Cell::from(r.records),
        Cell::from(r.written),
        Cell::from(r.already_recorded),
        Cell::from(r.replayed),
    ]);
    t
}
