//! Purchase preferences in a procurement evaluation: price deductions for small and micro
//! firms (财库〔2020〕46号, raised for goods and services by 财库〔2022〕19号 from 2022-07-01),
//! for consortia and subcontracting with small firms, and for catalogue (首购首用) products,
//! each rate chosen by the purchaser within the range in force on the procurement date
//! (`data/scenario-market/procurement-preferences.toml`).
//!
//! The deducted price is used only to evaluate; the contract is at the bid price. Prices and
//! deductions are exact: a deduction is a rate in basis points, an evaluated price is
//! `price × (1 − Σ rates)` kept exact in decimal yuan.

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::cell;
pub use crate::directory::FirmSize;
use crate::error::{MarketError, Result};
use crate::key::Key;
use crate::purchase::catalogue::Catalogue;

/// The shipped preference periods.
pub const DEFAULT_PREFERENCES_TOML: &str =
    include_str!("../../../../data/scenario-market/procurement-preferences.toml");

/// Most bids in one evaluation.
pub const PROCUREMENT_BIDS_MAX: usize = 10_000;

/// Goods and services, or works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcurementKind {
    /// 货物、服务.
    GoodsServices,
    /// 工程.
    Works,
}

/// How the bids are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    /// 最低评标价法: the lowest evaluated price wins.
    LowestPrice,
    /// 综合评分法: price points = weight × 100 × lowest evaluated price ÷ own evaluated price
    /// (the low-price-first formula of MoF Order 87 art. 55), plus the bid's other points.
    Comprehensive {
        /// The price's share of the 100 points, 0 to 1.
        price_weight: Decimal,
    },
}

/// A legal range of a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lowest rate.
    pub min: Decimal,
    /// Highest rate.
    pub max: Decimal,
}

impl Range {
    fn contains(&self, r: Decimal) -> bool {
        self.min <= r && r <= self.max
    }
}

/// The preference rules in force over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferencePeriod {
    /// Id.
    pub id: String,
    /// First day in force.
    pub effective_from: toml::value::Datetime,
    /// Last day in force.
    #[serde(default)]
    pub effective_until: Option<toml::value::Datetime>,
    /// The documents.
    pub citation: String,
    /// Small and micro firms, goods and services.
    pub small_micro_goods_services: Range,
    /// Small and micro firms, works.
    pub small_micro_works: Range,
    /// Consortia or subcontracting with small firms, goods and services.
    pub consortium_goods_services: Range,
    /// Consortia or subcontracting with small firms, works.
    pub consortium_works: Range,
    /// Least share of the contract held by small and micro firms for the consortium rate.
    pub consortium_small_share_min: Decimal,
    /// Catalogue products.
    pub catalogue: Range,
    /// Where the catalogue preference comes from.
    pub catalogue_citation: String,
    /// Most that deductions may add up to.
    pub total_max: Decimal,
}

impl PreferencePeriod {
    /// The lowest rates the period allows for a procurement of `kind`, as
    /// `(small_micro, consortium, catalogue)`: what a purchaser who gives no rate gets
    /// (assumed: the rules set ranges, the purchaser picks; the floor is the least it may pick).
    pub fn lowest_rates(&self, kind: ProcurementKind) -> (Decimal, Decimal, Decimal) {
        let (sm, co) = match kind {
            ProcurementKind::GoodsServices => (
                self.small_micro_goods_services,
                self.consortium_goods_services,
            ),
            ProcurementKind::Works => (self.small_micro_works, self.consortium_works),
        };
        (sm.min, co.min, self.catalogue.min)
    }

    fn dates(&self) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let p =
            |d: &toml::value::Datetime| NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").ok();
        let from = p(&self.effective_from)?;
        let until = match &self.effective_until {
            Some(u) => Some(p(u)?),
            None => None,
        };
        Some((from, until))
    }
}

/// Every preference period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferencePolicy {
    periods: Vec<PreferencePeriod>,
}

impl PreferencePolicy {
    /// The shipped periods.
    pub fn embedded() -> Result<Self> {
        Self::from_toml(
            DEFAULT_PREFERENCES_TOML,
            "embedded data/scenario-market/procurement-preferences.toml",
        )
    }

    /// Reads and checks periods; `file` names the text in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Doc {
            period: Vec<PreferencePeriod>,
        }
        let err = |message: String| MarketError::Config {
            file: file.to_string(),
            message,
        };
        let doc: Doc = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        for p in &doc.period {
            let at = |m: String| err(format!("period '{}': {m}", p.id));
            let (from, until) = p
                .dates()
                .ok_or_else(|| at("effective dates must be plain dates".into()))?;
            if until.is_some_and(|u| u < from) {
                return Err(at("effective_until is before effective_from".into()));
            }
            if p.citation.trim().is_empty() || p.catalogue_citation.trim().is_empty() {
                return Err(at("a citation is empty".into()));
            }
            for (name, r) in [
                ("small_micro_goods_services", p.small_micro_goods_services),
                ("small_micro_works", p.small_micro_works),
                ("consortium_goods_services", p.consortium_goods_services),
                ("consortium_works", p.consortium_works),
                ("catalogue", p.catalogue),
            ] {
                cell::check_ratio(name, r.min)
                    .map_err(|e| at(format!("{name}.min = {}: {}", e.value, e.reason)))?;
                cell::check_ratio(name, r.max)
                    .map_err(|e| at(format!("{name}.max = {}: {}", e.value, e.reason)))?;
                if r.min > r.max {
                    return Err(at(format!("{name}: min {} above max {}", r.min, r.max)));
                }
            }
            for (name, v) in [
                ("consortium_small_share_min", p.consortium_small_share_min),
                ("total_max", p.total_max),
            ] {
                cell::check_ratio(name, v)
                    .map_err(|e| at(format!("{name} = {}: {}", e.value, e.reason)))?;
            }
        }
        let mut periods = doc.period;
        periods.sort_by_key(|p| p.dates().map(|d| d.0));
        Ok(Self { periods })
    }

    /// The period in force on `date`.
    pub fn in_force(&self, date: NaiveDate) -> Option<&PreferencePeriod> {
        self.periods
            .iter()
            .filter(|p| {
                p.dates()
                    .is_some_and(|(f, u)| f <= date && u.is_none_or(|u| u >= date))
            })
            .max_by_key(|p| p.dates().map(|d| d.0))
    }
}

/// A procurement and the rates its purchaser chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procurement {
    /// Id.
    pub id: Key,
    /// Goods and services, or works.
    pub kind: ProcurementKind,
    /// How bids are evaluated.
    pub method: Method,
    /// The evaluation date (selects the period in force).
    pub date: NaiveDate,
    /// Deduction for small and micro firms.
    pub small_micro_rate: Decimal,
    /// Deduction for consortia and subcontracting with small firms.
    pub consortium_rate: Decimal,
    /// Deduction for catalogue products.
    pub catalogue_rate: Decimal,
}

/// A bid in a procurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcurementBid {
    /// The bidder (a consortium's lead).
    pub bidder: EnterpriseId,
    /// Its size.
    pub size: FirmSize,
    /// Its price, yuan.
    pub price: Money,
    /// The product offered, if it may be a catalogue product.
    pub product: Option<Key>,
    /// Share of the contract that small and micro firms hold in its consortium or
    /// subcontracts (for medium and large bidders).
    pub small_share: Option<Decimal>,
    /// Technical and commercial points (comprehensive scoring only).
    pub other_points: Decimal,
}

/// A deduction applied to a bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deduction {
    /// Which preference.
    pub kind: String,
    /// The rate.
    pub rate: Decimal,
    /// Why it applies to this bid (`bidder is small`, `product QC-1 listed as first_set
    /// until 2028-02-29`).
    pub reason: String,
    /// Its source.
    pub citation: String,
}

/// A bid's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidResult {
    /// The bidder.
    pub bidder: EnterpriseId,
    /// The bid price (the contract price if it wins).
    pub price: Money,
    /// The deductions applied (the total capped by the period's maximum).
    pub deductions: Vec<Deduction>,
    /// Why a preference the purchaser offers did not apply to this bid (a medium firm
    /// below the consortium share, a product not listed on the date, …).
    pub not_applied: Vec<String>,
    /// The rate deducted in all: the deductions' sum, or the period's `total_max` when the
    /// sum is above it.
    pub total_rate: Decimal,
    /// The deducted price used to evaluate, yuan (exact).
    pub evaluated_price: Decimal,
    /// Price points (comprehensive scoring), rounded half to even to 4 decimals.
    pub price_points: Option<Decimal>,
    /// Price points plus other points (comprehensive scoring).
    pub total_points: Option<Decimal>,
    /// Place, 1 = winner.
    pub rank: u32,
}

/// The evaluation of a procurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcurementResult {
    /// The procurement.
    pub procurement: Key,
    /// The period applied.
    pub period: String,
    /// The bids, best first.
    pub bids: Vec<BidResult>,
}

fn bp(d: Decimal) -> i64 {
    i64::from(cell::ratio_bp(d))
}

/// Evaluates `bids` under the period in force on the procurement date. Errors: no period in
/// force; a chosen rate outside its legal range (named with the range and citation); a
/// weight outside [0, 1]; no bid or too many.
pub fn evaluate(
    policy: &PreferencePolicy,
    catalogue: &Catalogue,
    procurement: &Procurement,
    bids: &[ProcurementBid],
) -> Result<ProcurementResult> {
    let invalid = |field: &str, value: String, reason: String| MarketError::Invalid {
        what: "procurement",
        id: procurement.id.to_string(),
        field: field.to_string(),
        value,
        reason,
    };
    let Some(period) = policy.in_force(procurement.date) else {
        return Err(MarketError::NotFound {
            what: "preference period in force",
            key: procurement.date.to_string(),
        });
    };
    if bids.is_empty() || bids.len() > PROCUREMENT_BIDS_MAX {
        return Err(invalid(
            "bids",
            bids.len().to_string(),
            format!("need 1..={PROCUREMENT_BIDS_MAX}"),
        ));
    }
    let (sm_range, co_range) = match procurement.kind {
        ProcurementKind::GoodsServices => (
            period.small_micro_goods_services,
            period.consortium_goods_services,
        ),
        ProcurementKind::Works => (period.small_micro_works, period.consortium_works),
    };
    for (field, rate, range, citation) in [
        (
            "small_micro_rate",
            procurement.small_micro_rate,
            sm_range,
            &period.citation,
        ),
        (
            "consortium_rate",
            procurement.consortium_rate,
            co_range,
            &period.citation,
        ),
        (
            "catalogue_rate",
            procurement.catalogue_rate,
            period.catalogue,
            &period.catalogue_citation,
        ),
    ] {
        cell::check_ratio(field, rate).map_err(|e| invalid(field, e.value, e.reason))?;
        if !range.contains(rate) {
            return Err(invalid(
                field,
                rate.to_string(),
                format!(
                    "outside {}–{} in force on {} (period {}: {citation})",
                    range.min, range.max, procurement.date, period.id
                ),
            ));
        }
    }
    if let Method::Comprehensive { price_weight } = procurement.method {
        cell::check_ratio("price_weight", price_weight)
            .map_err(|e| invalid("price_weight", e.value, e.reason))?;
    }
    let mut results: Vec<BidResult> = Vec::with_capacity(bids.len());
    for b in bids {
        if b.price.fen() <= 0 {
            return Err(invalid(
                "price",
                b.price.to_string(),
                format!("bid of {} must be positive", b.bidder),
            ));
        }
        let (deductions, mut not_applied) = deductions_of(procurement, period, catalogue, b);
        let sum_bp = deductions.iter().map(|d| bp(d.rate)).sum::<i64>();
        let total_bp = sum_bp.min(bp(period.total_max));
        if sum_bp > total_bp {
            not_applied.push(format!(
                "total: deductions of {} capped at {} (period {})",
                percent(Decimal::new(sum_bp, 4)),
                percent(period.total_max),
                period.id
            ));
        }
        // price_fen × (10000 − bp) is exact in i128; as yuan it has at most six decimals.
        let evaluated = Decimal::from_i128_with_scale(
            i128::from(b.price.fen()) * i128::from(10_000 - total_bp),
            6,
        )
        .normalize();
        results.push(BidResult {
            bidder: b.bidder,
            price: b.price,
            deductions,
            not_applied,
            total_rate: Decimal::new(total_bp, 4).normalize(),
            evaluated_price: evaluated,
            price_points: None,
            total_points: None,
            rank: 0,
        });
    }
    let lowest = results
        .iter()
        .map(|r| r.evaluated_price)
        .min()
        .unwrap_or(Decimal::ONE);
    if let Method::Comprehensive { price_weight } = procurement.method {
        for (r, b) in results.iter_mut().zip(bids) {
            let mut pp =
                (price_weight * Decimal::ONE_HUNDRED * lowest / r.evaluated_price).round_dp(4);
            pp.rescale(4);
            let mut total = (pp + b.other_points).round_dp(4);
            total.rescale(4);
            r.price_points = Some(pp);
            r.total_points = Some(total);
        }
    }
    results.sort_by(|a, b| {
        b.total_points
            .cmp(&a.total_points)
            .then(a.evaluated_price.cmp(&b.evaluated_price))
            .then(a.price.cmp(&b.price))
            .then(a.bidder.cmp(&b.bidder))
    });
    for (i, r) in results.iter_mut().enumerate() {
        r.rank = i as u32 + 1;
    }
    Ok(ProcurementResult {
        procurement: procurement.id.clone(),
        period: period.id.clone(),
        bids: results,
    })
}

fn percent(rate: Decimal) -> String {
    format!("{}%", (rate * Decimal::ONE_HUNDRED).normalize())
}

/// The deductions `b` earns under `period`, each with its reason, and why each preference
/// the purchaser offers (a rate above zero) does not apply.
fn deductions_of(
    procurement: &Procurement,
    period: &PreferencePeriod,
    catalogue: &Catalogue,
    b: &ProcurementBid,
) -> (Vec<Deduction>, Vec<String>) {
    let mut deductions = Vec::new();
    let mut not_applied = Vec::new();
    let size = b.size.key();
    match b.size {
        FirmSize::Micro | FirmSize::Small => {
            if procurement.small_micro_rate > Decimal::ZERO {
                deductions.push(Deduction {
                    kind: "small_micro".into(),
                    rate: procurement.small_micro_rate,
                    reason: format!("bidder is {size}"),
                    citation: period.citation.clone(),
                });
            }
        }
        FirmSize::Medium | FirmSize::Large => {
            if procurement.small_micro_rate > Decimal::ZERO {
                not_applied.push(format!("small_micro: bidder is {size}"));
            }
            if procurement.consortium_rate > Decimal::ZERO {
                let min = period.consortium_small_share_min;
                match b.small_share {
                    Some(s) if s >= min => deductions.push(Deduction {
                        kind: "consortium_small_share".into(),
                        rate: procurement.consortium_rate,
                        reason: format!(
                            "{} of the contract to small and micro firms (at least {})",
                            percent(s),
                            percent(min)
                        ),
                        citation: period.citation.clone(),
                    }),
                    Some(s) => not_applied.push(format!(
                        "consortium_small_share: {} of the contract to small and micro firms, below {}",
                        percent(s),
                        percent(min)
                    )),
                    None => not_applied.push(
                        "consortium_small_share: no share to small and micro firms given".into(),
                    ),
                }
            }
        }
    }
    if procurement.catalogue_rate > Decimal::ZERO {
        match &b.product {
            None => not_applied.push("catalogue_product: no product named".into()),
            Some(p) => match catalogue.listed(p, procurement.date) {
                Some(e) if e.firm == b.bidder => deductions.push(Deduction {
                    kind: "catalogue_product".into(),
                    rate: procurement.catalogue_rate,
                    reason: format!(
                        "product {p} listed as {} ({}) until {}",
                        e.category, e.rule_set, e.expires
                    ),
                    citation: period.catalogue_citation.clone(),
                }),
                Some(e) => not_applied.push(format!(
                    "catalogue_product: product {p} is listed for its maker {}, not the bidder",
                    e.firm
                )),
                None => not_applied.push(format!(
                    "catalogue_product: product {p} is not in the catalogue on {}",
                    procurement.date
                )),
            },
        }
    }
    (deductions, not_applied)
}
