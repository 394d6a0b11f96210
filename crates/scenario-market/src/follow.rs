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

/// Conversion of `assignment`'s pairs from `outcomes`. Refused: a report for a pair that was
/// not matched (named by scenario and firm), or revenue beyond the money limit.
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
    // (scenario, firm) → (reports, orders, revenue)
    let mut per_pair: BTreeMap<(u32, u32), (usize, u64, i64)> = BTreeMap::new();
    for p in &assignment.pairs {
        per_pair.insert((p.scenario, p.firm), (0, 0, 0));
    }
    for o in outcomes {
        let pair = market
            .scenario_index(&o.scenario)
            .zip(market.firm_index(&o.firm))
            .map(|(s, f)| (s as u32, f as u32));
        let Some(slot) = pair.and_then(|k| per_pair.get_mut(&k)) else {
            return Err(MarketError::Invalid {
                what: "outcome",
                id: format!("{}/{}", o.scenario, o.firm),
                field: "scenario".into(),
                value: o.scenario.to_string(),
                reason: format!("firm {} was not matched to this scenario", o.firm),
            });
        };
        slot.0 += 1;
        slot.1 += u64::from(o.orders);
        slot.2 = slot
            .2
            .checked_add(o.revenue.fen())
            .ok_or(MarketError::Limit {
                what: "revenue of one pair, fen",
                value: u64::MAX,
                limit: i64::MAX as u64,
            })?;
    }
    let mut by_type: BTreeMap<usize, Acc> = BTreeMap::new();
    let mut by_kind: BTreeMap<usize, Acc> = BTreeMap::new();
    let mut by_owner: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    for (&(s, _), &(reports, orders, revenue)) in &per_pair {
        let Some(sc) = market.scenarios().get(s as usize) else {
            continue;
        };
        let t = crate::OwnerType::ALL
            .iter()
            .position(|x| *x == sc.owner_type)
            .unwrap_or(0);
        let k = crate::ScenarioKind::ALL
            .iter()
            .position(|x| *x == sc.kind)
            .unwrap_or(0);
        for acc in [
            by_type.entry(t).or_default(),
            by_kind.entry(k).or_default(),
            by_owner.entry(sc.owner.as_str()).or_default(),
            &mut total,
        ] {
            acc.matched += 1;
            acc.reported += usize::from(reports > 0);
            acc.converted += usize::from(orders > 0);
            acc.orders += orders;
            acc.revenue_fen = acc.revenue_fen.saturating_add(revenue);
        }
    }
    Ok(Conversion {
        by_owner_type: crate::OwnerType::ALL
            .iter()
            .enumerate()
            .map(|(i, t)| {
                by_type.get(&i).map_or_else(
                    || Acc::default().row(t.key().into()),
                    |a| a.row(t.key().into()),
                )
            })
            .collect(),
        by_kind: crate::ScenarioKind::ALL
            .iter()
            .enumerate()
            .map(|(i, k)| {
                by_kind.get(&i).map_or_else(
                    || Acc::default().row(k.key().into()),
                    |a| a.row(k.key().into()),
                )
            })
            .collect(),
        by_owner: by_owner
            .iter()
            .map(|(o, a)| a.row((*o).to_string()))
            .collect(),
        total: total.row("all".into()),
    })
}
