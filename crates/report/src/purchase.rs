//! First purchase (首购首用) as tables, money in exact yuan: a procurement's evaluation with
//! the purchase preferences (`scenario purchase evaluate`: each bid's deductions with their
//! reasons and sources, its evaluated price and place), a batch of purchases recorded
//! (`scenario purchase record`) and the record kept on the ledger (`scenario purchase list`).

use cultivation::purchase_desk::PurchaseReply;
use rust_decimal::Decimal;
use scenario_market::purchase::{Catalogue, ProcurementResult, PurchaseLog};

use crate::cell::Cell;
use crate::table::Table;

fn percent(rate: Decimal) -> String {
    format!("{}%", (rate * Decimal::ONE_HUNDRED).normalize())
}

/// One row a bid, best first: its place, the bid price (the contract price if it wins), each
/// deduction (`small_micro 10%: bidder is small [source]`), the rate deducted in all, the
/// evaluated price, the points (comprehensive scoring) and why an offered preference did not
/// apply.
pub fn procurement_table(r: &ProcurementResult) -> Table {
    let mut t = Table::new([
        "rank",
        "bidder",
        "winner",
        "price_yuan",
        "deductions",
        "total_rate",
        "evaluated_price_yuan",
        "price_points",
        "total_points",
        "not_applied",
    ]);
    for b in &r.bids {
        let deductions: Vec<String> = b
            .deductions
            .iter()
            .map(|d| {
                format!(
                    "{} {}: {} [{}]",
                    d.kind,
                    percent(d.rate),
                    d.reason,
                    d.citation
                )
            })
            .collect();
        t.push([
            Cell::from(b.rank),
            Cell::from(b.bidder.to_string()),
            Cell::from(b.rank == 1),
            Cell::money(b.price.yuan()),
            Cell::from(deductions.join("; ")),
            Cell::from(percent(b.total_rate)),
            Cell::money(b.evaluated_price),
            b.price_points.map_or(Cell::Null, Cell::Number),
            b.total_points.map_or(Cell::Null, Cell::Number),
            Cell::from(b.not_applied.join("; ")),
        ]);
    }
    t
}

const PURCHASE_COLUMNS: [&str; 9] = [
    "id",
    "product",
    "category",
    "buyer",
    "buyer_type",
    "date",
    "amount_yuan",
    "procurement",
    "first_purchase",
];

/// One row a purchase of a batch: the purchase, its category, whether it is its product's
/// first purchase (首购), whether an earlier batch had recorded it and whether the whole
/// request was a replay.
pub fn purchase_reply_table(reply: &PurchaseReply) -> Table {
    let mut header: Vec<&str> = PURCHASE_COLUMNS.to_vec();
    header.extend(["already_recorded", "request_id", "replayed"]);
    let mut t = Table::new(header);
    for r in &reply.purchases {
        let p = &r.purchase;
        t.push([
            Cell::from(p.id.as_str()),
            Cell::from(p.product.as_str()),
            Cell::from(r.category.key()),
            Cell::from(p.buyer.as_str()),
            Cell::from(p.buyer_type.key()),
            Cell::Date(p.date),
            Cell::money(p.amount.yuan()),
            p.procurement
                .as_ref()
                .map_or(Cell::Null, |k| Cell::from(k.as_str())),
            Cell::from(r.first),
            Cell::from(r.already_recorded),
            Cell::from(reply.request_id.as_str()),
            Cell::from(reply.replayed),
        ]);
    }
    t
}

/// One row a recorded purchase, by contract id, with its category (from the catalogue entry
/// it was recorded against) and whether it is its product's first purchase.
pub fn purchase_log_table(log: &PurchaseLog, catalogue: &Catalogue) -> Table {
    let firsts: std::collections::BTreeSet<_> = log
        .first_purchases(catalogue)
        .into_iter()
        .map(|f| f.purchase.id)
        .collect();
    let mut t = Table::new(PURCHASE_COLUMNS);
    for p in log.purchases() {
        let category = catalogue
            .entry(&p.product)
            .map_or(Cell::Null, |e| Cell::from(e.category.key()));
        t.push([
            Cell::from(p.id.as_str()),
            Cell::from(p.product.as_str()),
            category,
            Cell::from(p.buyer.as_str()),
            Cell::from(p.buyer_type.key()),
            Cell::Date(p.date),
            Cell::money(p.amount.yuan()),
            p.procurement
                .as_ref()
                .map_or(Cell::Null, |k| Cell::from(k.as_str())),
            Cell::from(firsts.contains(&p.id)),
        ]);
    }
    t
}
