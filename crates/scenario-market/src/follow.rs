//! Follow-through: orders and revenue reported after a match, and conversion rates by owner
//! type, by scenario kind and by owner. A matched pair with no report is counted as
//! unreported, never as "no orders": every rate says how much of it rests on missing reports.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::cell::{self, Cell};
use crate::error::{FieldError, MarketError, Result};
use crate::key::Key;
use crate::market::Market;
use crate::matcher::Assignment;
use crate::records::{Kind, read_csv};
use crate::scenario::{OwnerType, ScenarioKind};

/// Most outcome reports read at once.
pub const OUTCOMES_MAX: usize = 1_000_000;

/// What a matched firm reported for a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The scenario.
    pub scenario: Key,
    /// The firm.
    pub firm: EnterpriseId,
    /// When reported.
    pub reported: NaiveDate,
    /// Orders since the match (or since the last report).
    pub orders: u32,
    /// Revenue from them, yuan.
    pub revenue: Money,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawOutcome {
    scenario: Cell,
    firm: Cell,
    reported: Cell,
    orders: Cell,
    revenue_yuan: Cell,
}

fn validate(r: &RawOutcome) -> std::result::Result<Outcome, FieldError> {
    Ok(Outcome {
        scenario: Key::field("scenario", cell::required("scenario", &r.scenario)?)?,
        firm: cell::firm("firm", &r.firm)?,
        reported: cell::date("reported", cell::required("reported", &r.reported)?)?,
        orders: cell::int_in("orders", cell::required("orders", &r.orders)?, 0, 1_000_000)? as u32,
        revenue: cell::money(
            "revenue_yuan",
            cell::required("revenue_yuan", &r.revenue_yuan)?,
        )?,
    })
}

/// Reads outcome reports (`scenario,firm,reported,orders,revenue_yuan`); a pair may report
/// several times (the reports add up), but not twice on one day.
pub fn read_outcomes_csv(reader: impl Read, file: &str) -> Result<Vec<Outcome>> {
    read_csv(
        reader,
        file,
        &Kind {
            what: "outcomes",
            columns: &["scenario", "firm", "reported", "orders", "revenue_yuan"],
            required: &["scenario", "firm", "reported", "orders", "revenue_yuan"],
            max: OUTCOMES_MAX,
            validate,
            id: |o: &Outcome| format!("{}/{}/{}", o.scenario, o.firm, o.reported),
        },
    )
}

/// Conversion of one group of matched pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversionRow {
    /// The group (an owner type, a scenario kind, an owner, or `all`).
    pub group: String,
    /// Matched pairs.
    pub matched: usize,
    /// Of which reported at least once.
    pub reported: usize,
    /// Of which reported at least one order.
    pub converted: usize,
    /// converted ÷ matched (4 decimals): unreported pairs count as not converted.
    pub rate: Option<Decimal>,
    /// converted ÷ reported (4 decimals): the rate among pairs that reported.
    pub rate_reported: Option<Decimal>,
    /// Share of matched pairs with no report (4 decimals): how much of `rate` rests on
    /// missing data.
    pub unreported_share: Option<Decimal>,
    /// Orders reported.
    pub orders: u64,
    /// Revenue reported, yuan.
    pub revenue: Money,
}

/// Conversion rates of an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    /// By owner type, in [`crate::OwnerType::ALL`] order.
    pub by_owner_type: Vec<ConversionRow>,
    /// By scenario kind, in [`crate::ScenarioKind::ALL`] order.
    pub by_kind: Vec<ConversionRow>,
    /// By owner, sorted by owner.
    pub by_owner: Vec<ConversionRow>,
    /// All pairs.
    pub total: ConversionRow,
}

#[derive(Default)]
struct Acc {
    matched: usize,
    reported: usize,
    converted: usize,
    orders: u64,
    revenue_fen: i64,
}

fn ratio(n: usize, d: usize) -> Option<Decimal> {
    (d > 0).then(|| {
        (Decimal::from(n as u64) / Decimal::from(d as u64))
            .round_dp(4)
            .normalize()
    })
}

impl Acc {
    fn row(&self, group: String) -> ConversionRow {
        ConversionRow {
            group,
            matched: self.matched,
            reported: self.reported,
            converted: self.converted,
            rate: ratio(self.converted, self.matched),
            rate_reported: ratio(self.converted, self.reported),
            unreported_share: ratio(self.matched - self.reported, self.matched),
            orders: self.orders,
            revenue: Money::from_fen(self.revenue_fen).unwrap_or(Money::ZERO),
        }
    }
}

/// A matched pair as kept after the matching: what conversion groups it by, named rather than
/// by position, so it can be stored and read back without the market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedPair {
    /// The scenario.
    pub scenario: Key,
    /// Its kind.
    pub kind: ScenarioKind,
    /// Who opened it.
    pub owner: String,
    /// The owner's type.
    pub owner_type: OwnerType,
    /// The scenario's last day of offers: its year is the year of the match.
    pub closes: NaiveDate,
    /// The firm.
    pub firm: EnterpriseId,
    /// The offer the firm brings.
    pub offer: Key,
    /// The pair's score, hundredths of a point.
    pub score: u32,
}

/// `assignment`'s pairs named by `market`. A pair whose positions are not in the market is an
/// invariant error naming them.
pub fn matched_pairs(market: &Market, assignment: &Assignment) -> Result<Vec<MatchedPair>> {
    assignment
        .pairs
        .iter()
        .map(|p| {
            let (Some(s), Some(firm), Some(offer)) = (
                market.scenarios().get(p.scenario as usize),
                market.firms().get(p.firm as usize),
                market.offers().get(p.offer as usize),
            ) else {
                return Err(MarketError::Invariant(format!(
                    "pair ({}, {}, {}) is not in the market",
                    p.scenario, p.firm, p.offer
                )));
            };
            Ok(MatchedPair {
                scenario: s.id.clone(),
                kind: s.kind,
                owner: s.owner.clone(),
                owner_type: s.owner_type,
                closes: s.closes,
                firm: *firm,
                offer: offer.id.clone(),
                score: p.score,
            })
        })
        .collect()
}

/// Conversion of `assignment`'s pairs from `outcomes`: [`conversion_of`] the
/// [`matched_pairs`].
///
/// ```
/// use scenario_market::{example, follow, MatchConfig, Matcher, OptimalMatcher, Scoring};
/// let m = example::market()?;
/// let a = OptimalMatcher.assign(&Scoring::new(MatchConfig::embedded()?)?.candidates(&m))?;
/// let c = follow::conversion(&m, &a, &[])?;
/// assert_eq!(c.total.matched, a.pairs.len());
/// assert_eq!(c.total.rate.unwrap().to_string(), "0"); // nobody reported: rate 0, …
/// assert_eq!(c.total.unreported_share.unwrap().to_string(), "1"); // … all of it on missing data
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
pub fn conversion(
    market: &Market,
    assignment: &Assignment,
    outcomes: &[Outcome],
) -> Result<Conversion> {
    conversion_of(&matched_pairs(market, assignment)?, outcomes)
}

/// Conversion of the matched `pairs` from `outcomes`. Refused: a report for a pair that was
/// not matched (named by scenario and firm), or revenue beyond the money limit. A pair given
/// twice counts once.
pub fn conversion_of(pairs: &[MatchedPair], outcomes: &[Outcome]) -> Result<Conversion> {
    // (scenario, firm) → (the pair, reports, orders, revenue)
    let mut per_pair: BTreeMap<(&Key, EnterpriseId), (&MatchedPair, usize, u64, i64)> =
        BTreeMap::new();
    for p in pairs {
        per_pair
            .entry((&p.scenario, p.firm))
            .or_insert((p, 0, 0, 0));
    }
    for o in outcomes {
        let Some(slot) = per_pair.get_mut(&(&o.scenario, o.firm)) else {
            return Err(MarketError::Invalid {
                what: "outcome",
                id: format!("{}/{}", o.scenario, o.firm),
                field: "scenario".into(),
                value: o.scenario.to_string(),
                reason: format!("firm {} was not matched to this scenario", o.firm),
            });
        };
        slot.1 += 1;
        slot.2 += u64::from(o.orders);
        slot.3 = slot
            .3
            .checked_add(o.revenue.fen())
            .ok_or(MarketError::Limit {
                what: "revenue of one pair, fen",
                value: u64::MAX,
                limit: i64::MAX as u64,
            })?;
    }
    let mut by_type: BTreeMap<OwnerType, Acc> = BTreeMap::new();
    let mut by_kind: BTreeMap<ScenarioKind, Acc> = BTreeMap::new();
    let mut by_owner: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    for &(p, reports, orders, revenue) in per_pair.values() {
        for acc in [
            by_type.entry(p.owner_type).or_default(),
            by_kind.entry(p.kind).or_default(),
            by_owner.entry(p.owner.as_str()).or_default(),
            &mut total,
        ] {
            acc.matched += 1;
            acc.reported += usize::from(reports > 0);
            acc.converted += usize::from(orders > 0);
            acc.orders += orders;
            acc.revenue_fen = acc.revenue_fen.saturating_add(revenue);
        }
    }
    let row = |acc: Option<&Acc>, group: &str| {
        acc.map_or_else(|| Acc::default().row(group.into()), |a| a.row(group.into()))
    };
    Ok(Conversion {
        by_owner_type: OwnerType::ALL
            .iter()
            .map(|t| row(by_type.get(t), t.key()))
            .collect(),
        by_kind: ScenarioKind::ALL
            .iter()
            .map(|k| row(by_kind.get(k), k.key()))
            .collect(),
        by_owner: by_owner
            .iter()
            .map(|(o, a)| a.row((*o).to_string()))
            .collect(),
        total: total.row("all".into()),
    })
}
