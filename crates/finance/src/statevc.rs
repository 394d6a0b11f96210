//! The state-VC indicator: how many gazelles and unicorns a fund's portfolio has grown.
//!
//! The national measures ask that state venture capital be assessed on the gazelles and
//! unicorns it grows. A holding counts as *grown* into a gazelle (or unicorn) when the firm was
//! not one in the last statistical year before the investment and is one in the year judged.
//! A firm that already was one at entry is counted apart (bought, not grown); a firm whose
//! status cannot be told (missing facts) is counted apart too, never guessed.
//!
//! Whether a firm is a gazelle or unicorn is decided by the registry's criteria through the
//! [`GrowthCriteria`] seam (the orchestration layer implements it with registry-model's
//! gazelle, zone-gazelle and unicorn criteria); this module only counts.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use registry_model::{EnterpriseId, Money, Outcome, Year};

use crate::csvio::read_rows;
use crate::error::{FinanceError, Result, invalid};
use crate::line::check_id;

/// Most holdings one computation takes.
pub const HOLDINGS_MAX: usize = 1_000_000;

/// A fund's investment in a firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// The fund's id.
    pub fund: String,
    /// State-owned (国有) venture capital.
    pub state_owned: bool,
    /// The firm.
    pub firm: EnterpriseId,
    /// Date of the investment.
    pub invested_on: NaiveDate,
    /// Amount invested.
    pub amount_yuan: Money,
}

/// Reads holdings from CSV with the header `fund,state_owned,uscc,invested_on,amount_yuan`,
/// all or nothing.
pub fn read_holdings_csv(reader: impl Read, source_name: &str) -> Result<Vec<Holding>> {
    read_rows(reader, source_name, "holdings", HOLDINGS_MAX, |r| {
        let fund: String = r.get("fund")?;
        check_id("fund", &fund).map_err(|e| r.error("fund", &fund, e.to_string()))?;
        let amount_yuan: Money = r.get("amount_yuan")?;
        if amount_yuan.fen() < 0 {
            return Err(r.error(
                "amount_yuan",
                &amount_yuan.to_string(),
                "must not be negative",
            ));
        }
        Ok(Holding {
            fund,
            state_owned: r.get("state_owned")?,
            firm: r.get("uscc")?,
            invested_on: r.get("invested_on")?,
            amount_yuan,
        })
    })
}

/// A firm's growth status in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrowthStatus {
    /// A gazelle (瞪羚) under the registry's criteria.
    pub gazelle: Outcome,
    /// A unicorn (独角兽) under the registry's criteria.
    pub unicorn: Outcome,
}

/// Decides whether a firm is a gazelle or a unicorn in a year. Implemented in the
/// orchestration layer with registry-model's criteria.
pub trait GrowthCriteria {
    /// The firm's status for statistical year `year`; a firm the registry does not know is
    /// "cannot tell" on both.
    fn status(&self, firm: &EnterpriseId, year: Year) -> Result<GrowthStatus>;
}

/// How one kind of growth came out over a fund's holdings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GrowthCount {
    /// Grown in the portfolio: not one at entry, one now.
    pub grown: usize,
    /// Already one at entry.
    pub at_entry: usize,
    /// Status at entry or now cannot be told.
    pub cannot_tell: usize,
}

/// A grown firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrownFirm {
    /// The firm.
    pub firm: EnterpriseId,
    /// "gazelle" or "unicorn".
    pub kind: String,
    /// First investment date.
    pub invested_on: NaiveDate,
}

/// The indicator for one fund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundIndicator {
    /// The fund.
    pub fund: String,
    /// State-owned.
    pub state_owned: bool,
    /// The statistical year judged.
    pub year: Year,
    /// Firms held by the end of that year.
    pub firms: usize,
    /// Invested in them, fen.
    pub invested_fen: i64,
    /// Gazelles.
    pub gazelles: GrowthCount,
    /// Unicorns.
    pub unicorns: GrowthCount,
    /// Grown gazelles and unicorns per 100 firms held.
    pub grown_per_100: f64,
    /// Invested in the firms that grew, fen.
    pub invested_in_grown_fen: i64,
    /// The firms that grew.
    pub grown: Vec<GrownFirm>,
}

fn count(entry: Outcome, now: Outcome, c: &mut GrowthCount) -> bool {
    match (entry, now) {
        (Outcome::Met, _) => c.at_entry += 1,
        (Outcome::NotMet, Outcome::Met) => {
            c.grown += 1;
            return true;
        }
        (Outcome::NotMet, Outcome::NotMet) => {}
        _ => c.cannot_tell += 1,
    }
    false
}

/// The indicator of every fund in `holdings` for statistical year `year`: firms invested in
/// up to the end of `year` count; a firm held twice by one fund counts once, from its first
/// investment.
pub fn indicator(
    holdings: &[Holding],
    criteria: &dyn GrowthCriteria,
    year: Year,
) -> Result<Vec<FundIndicator>> {
    if holdings.len() > HOLDINGS_MAX {
        return Err(FinanceError::TooMany {
            what: "holdings",
            count: holdings.len(),
            max: HOLDINGS_MAX,
        });
    }
    // fund → (state_owned, firm → (first investment, amount))
    type Held = BTreeMap<EnterpriseId, (NaiveDate, i64)>;
    let mut funds: BTreeMap<&str, (bool, Held)> = BTreeMap::new();
    for h in holdings {
        if h.invested_on.year() > year {
            continue;
        }
        let entry = funds
            .entry(h.fund.as_str())
            .or_insert((h.state_owned, BTreeMap::new()));
        if entry.0 != h.state_owned {
            return Err(invalid(
                format!("fund {}", h.fund),
                "state_owned",
                h.state_owned,
                "differs between the fund's holdings",
            ));
        }
        let f = entry.1.entry(h.firm).or_insert((h.invested_on, 0));
        f.0 = f.0.min(h.invested_on);
        f.1 = f.1.saturating_add(h.amount_yuan.fen());
    }
    let mut out = Vec::with_capacity(funds.len());
    for (fund, (state_owned, firms)) in funds {
        let mut ind = FundIndicator {
            fund: fund.to_string(),
            state_owned,
            year,
            firms: firms.len(),
            invested_fen: 0,
            gazelles: GrowthCount::default(),
            unicorns: GrowthCount::default(),
            grown_per_100: 0.0,
            invested_in_grown_fen: 0,
            grown: Vec::new(),
        };
        for (firm, (on, amount)) in firms {
            ind.invested_fen = ind.invested_fen.saturating_add(amount);
            let entry = criteria.status(&firm, on.year() - 1)?;
            let now = criteria.status(&firm, year)?;
            let g = count(entry.gazelle, now.gazelle, &mut ind.gazelles);
            let u = count(entry.unicorn, now.unicorn, &mut ind.unicorns);
            for (grew, kind) in [(g, "gazelle"), (u, "unicorn")] {
                if grew {
                    ind.grown.push(GrownFirm {
                        firm,
                        kind: kind.to_string(),
                        invested_on: on,
                    });
                }
            }
            if g || u {
                ind.invested_in_grown_fen = ind.invested_in_grown_fen.saturating_add(amount);
            }
        }
        if ind.firms > 0 {
            ind.grown_per_100 =
                (ind.gazelles.grown + ind.unicorns.grown) as f64 * 100.0 / ind.firms as f64;
        }
        out.push(ind);
    }
    Ok(out)
}

/// Growth statuses held in memory (tests, a fund's own records).
#[derive(Debug, Clone, Default)]
pub struct MemoryGrowth {
    statuses: BTreeMap<(EnterpriseId, Year), GrowthStatus>,
}

impl MemoryGrowth {
    /// No statuses: every firm "cannot tell".
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a firm's status in a year.
    pub fn set(&mut self, firm: EnterpriseId, year: Year, status: GrowthStatus) {
        self.statuses.insert((firm, year), status);
    }
}

impl GrowthCriteria for MemoryGrowth {
    fn status(&self, firm: &EnterpriseId, year: Year) -> Result<GrowthStatus> {
        Ok(self
            .statuses
            .get(&(*firm, year))
            .copied()
            .unwrap_or(GrowthStatus {
                gazelle: Outcome::CannotTell,
                unicorn: Outcome::CannotTell,
            }))
    }
}
