//! Reading applications, procurement bids and purchases from CSV (all or nothing, faults
//! named by file, line, field and value).

use std::io::Read;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::cell::{self, Cell};
use crate::error::{FieldError, Result};
use crate::key::{self, Key};
use crate::offer::Maturity;
use crate::purchase::catalogue::{Application, CATALOGUE_MAX};
use crate::purchase::preference::{FirmSize, PROCUREMENT_BIDS_MAX, ProcurementBid};
use crate::purchase::record::{PURCHASES_MAX, Purchase};
use crate::purchase::rules::Category;
use crate::records::{Kind, read_csv};
use crate::scenario::OwnerType;

use cell::firm;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawApplication {
    product: Cell,
    firm: Cell,
    name: Cell,
    category: Cell,
    scheme: Cell,
    applied: Cell,
    own_ip: Cell,
    domestic_first: Cell,
    third_party_tested: Cell,
    no_major_incident: Cell,
    trl: Cell,
    first_sale: Cell,
    cumulative_sales_yuan: Cell,
}

fn validate_application(r: &RawApplication) -> std::result::Result<Application, FieldError> {
    let cat = cell::required("category", &r.category)?;
    Ok(Application {
        product: Key::field("product", cell::required("product", &r.product)?)?,
        firm: firm("firm", &r.firm)?,
        name: key::text("name", cell::required("name", &r.name)?, true)?,
        category: Category::parse(cat).ok_or_else(|| {
            FieldError::new(
                "category",
                cat,
                "expected new_product, first_set, first_batch or first_version",
            )
        })?,
        scheme: r.scheme.opt().unwrap_or("national").to_string(),
        applied: cell::date("applied", cell::required("applied", &r.applied)?)?,
        own_ip: cell::opt_flag("own_ip", &r.own_ip)?,
        domestic_first: cell::opt_flag("domestic_first", &r.domestic_first)?,
        third_party_tested: cell::opt_flag("third_party_tested", &r.third_party_tested)?,
        no_major_incident: cell::opt_flag("no_major_incident", &r.no_major_incident)?,
        trl: r.trl.opt().map(|t| Maturity::field("trl", t)).transpose()?,
        first_sale: cell::opt_date("first_sale", &r.first_sale)?,
        cumulative_sales: cell::opt_money("cumulative_sales_yuan", &r.cumulative_sales_yuan)?,
    })
}

/// Reads applications to the catalogue; an empty fact cell means "not given" (the condition
/// is undecided), never `false` or zero.
pub fn read_applications_csv(reader: impl Read, file: &str) -> Result<Vec<Application>> {
    read_csv(
        reader,
        file,
        &Kind {
            what: "applications",
            columns: &[
                "product",
                "firm",
                "name",
                "category",
                "scheme",
                "applied",
                "own_ip",
                "domestic_first",
                "third_party_tested",
                "no_major_incident",
                "trl",
                "first_sale",
                "cumulative_sales_yuan",
            ],
            required: &["product", "firm", "name", "category", "applied"],
            max: CATALOGUE_MAX,
            validate: validate_application,
            id: |a: &Application| a.product.to_string(),
        },
    )
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawProcurementBid {
    bidder: Cell,
    size: Cell,
    price_yuan: Cell,
    product: Cell,
    small_share: Cell,
    other_points: Cell,
}

fn validate_procurement_bid(
    r: &RawProcurementBid,
) -> std::result::Result<ProcurementBid, FieldError> {
    let size = cell::required("size", &r.size)?;
    let other = r.other_points.opt().unwrap_or("0");
    let other_points = Decimal::from_str_exact(other)
        .map_err(|_| FieldError::new("other_points", other, "not a decimal number"))?;
    if other_points < Decimal::ZERO || other_points > Decimal::ONE_HUNDRED {
        return Err(FieldError::new("other_points", other, "outside 0..=100"));
    }
    Ok(ProcurementBid {
        bidder: firm("bidder", &r.bidder)?,
        size: FirmSize::parse(size).ok_or_else(|| {
            FieldError::new("size", size, "expected micro, small, medium or large")
        })?,
        price: cell::money("price_yuan", cell::required("price_yuan", &r.price_yuan)?)?,
        product: r
            .product
            .opt()
            .map(|t| Key::field("product", t))
            .transpose()?,
        small_share: r
            .small_share
            .opt()
            .map(|t| cell::ratio("small_share", t))
            .transpose()?,
        other_points,
    })
}

/// Reads the bids of one procurement.
pub fn read_procurement_bids_csv(reader: impl Read, file: &str) -> Result<Vec<ProcurementBid>> {
    read_csv(
        reader,
        file,
        &Kind {
            what: "procurement bids",
            columns: &[
                "bidder",
                "size",
                "price_yuan",
                "product",
                "small_share",
                "other_points",
            ],
            required: &["bidder", "size", "price_yuan"],
            max: PROCUREMENT_BIDS_MAX,
            validate: validate_procurement_bid,
            id: |b: &ProcurementBid| b.bidder.to_string(),
        },
    )
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawPurchase {
    id: Cell,
    product: Cell,
    buyer: Cell,
    buyer_type: Cell,
    date: Cell,
    amount_yuan: Cell,
    procurement: Cell,
}

fn validate_purchase(r: &RawPurchase) -> std::result::Result<Purchase, FieldError> {
    let bt = cell::required("buyer_type", &r.buyer_type)?;
    Ok(Purchase {
        id: Key::field("id", cell::required("id", &r.id)?)?,
        product: Key::field("product", cell::required("product", &r.product)?)?,
        buyer: key::text("buyer", cell::required("buyer", &r.buyer)?, true)?,
        buyer_type: OwnerType::parse(bt).ok_or_else(|| {
            FieldError::new(
                "buyer_type",
                bt,
                "expected government, state_owned, industry_leader or platform",
            )
        })?,
        date: cell::date("date", cell::required("date", &r.date)?)?,
        amount: cell::money(
            "amount_yuan",
            cell::required("amount_yuan", &r.amount_yuan)?,
        )?,
        procurement: r
            .procurement
            .opt()
            .map(|t| Key::field("procurement", t))
            .transpose()?,
    })
}

/// Reads purchases of catalogue products.
pub fn read_purchases_csv(reader: impl Read, file: &str) -> Result<Vec<Purchase>> {
    read_csv(
        reader,
        file,
        &Kind {
            what: "purchases",
            columns: &[
                "id",
                "product",
                "buyer",
                "buyer_type",
                "date",
                "amount_yuan",
                "procurement",
            ],
            required: &[
                "id",
                "product",
                "buyer",
                "buyer_type",
                "date",
                "amount_yuan",
            ],
            max: PURCHASES_MAX,
            validate: validate_purchase,
            id: |p: &Purchase| p.id.to_string(),
        },
    )
}
