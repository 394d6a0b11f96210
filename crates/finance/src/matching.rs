//! Bank matching: for each bank's appetite (sectors, tiers, score, PD, size, provinces), the
//! eligible firms it should be shown, best first, and how many every filter removed.
//!
//! Only firms whose 云量贷 decision is eligible are considered. A filter that needs a fact the
//! firm lacks (a sector filter and no sector) excludes it and says so. Ranking: score
//! descending, then PD ascending, then the USCC, so the list is the same on every run.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use registry_model::{EnterpriseId, Tier};

use crate::eligibility::{DecisionStatus, Evaluation};
use crate::error::{FinanceError, Result, config};
use crate::line::check_id;
use crate::money::yuan_to_fen;
use crate::tomlio::parse_toml;

/// Most appetites one file may hold.
pub const APPETITES_MAX: usize = 1_000;
/// Most firms one recommendation list may hold.
pub const RECOMMENDATIONS_MAX: usize = 100_000;
/// Most candidates one matching may consider.
pub const CANDIDATES_MAX: usize = 10_000_000;

/// The shipped example appetites.
pub const EXAMPLE_APPETITES_TOML: &str =
    include_str!("../../../data/finance/appetites-example.toml");

/// What a bank wants to lend to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appetite {
    /// The bank's id.
    pub bank: String,
    /// Sector code prefixes (empty: any sector).
    pub sectors: Vec<String>,
    /// Tiers (empty: any tier, and firms without one).
    pub tiers: Vec<Tier>,
    /// Lowest score.
    pub score_min: i64,
    /// Highest PD (`None`: the product's rule only).
    pub pd_max: Option<Decimal>,
    /// Revenue at least, fen.
    pub revenue_min_fen: Option<i64>,
    /// Revenue at most, fen.
    pub revenue_max_fen: Option<i64>,
    /// Limit at least, fen (the bank's smallest ticket).
    pub limit_min_fen: Option<i64>,
    /// Province codes, two digits (empty: anywhere).
    pub provinces: Vec<String>,
    /// Longest list.
    pub max_firms: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    bank: Vec<AppetiteSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppetiteSpec {
    id: String,
    #[serde(default)]
    sectors: Vec<String>,
    #[serde(default)]
    tiers: Vec<Tier>,
    score_min: i64,
    pd_max: Option<Decimal>,
    revenue_min_yuan: Option<Decimal>,
    revenue_max_yuan: Option<Decimal>,
    limit_min_yuan: Option<Decimal>,
    #[serde(default)]
    provinces: Vec<String>,
    max_firms: usize,
}

impl Appetite {
    /// Reads appetites (`[[bank]]` tables); `file` names the source in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Vec<Self>> {
        let f: FileSpec = parse_toml(text, file)?;
        if f.bank.len() > APPETITES_MAX {
            return Err(FinanceError::TooMany {
                what: "bank appetites",
                count: f.bank.len(),
                max: APPETITES_MAX,
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        f.bank
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                let at = |field: &str| format!("bank[{i}].{field}");
                check_id("bank", &b.id).map_err(|_| {
                    config(
                        file,
                        at("id"),
                        &b.id,
                        "1 to 64 ASCII letters, digits or . _ - :",
                    )
                })?;
                if !seen.insert(b.id.clone()) {
                    return Err(config(file, at("id"), &b.id, "listed twice"));
                }
                for s in &b.sectors {
                    if s.is_empty()
                        || s.len() > crate::facts::SECTOR_LEN_MAX
                        || !s.chars().all(|c| c.is_ascii_alphanumeric())
                    {
                        return Err(config(
                            file,
                            at("sectors"),
                            s,
                            "sector prefixes are 1 to 16 ASCII letters or digits",
                        ));
                    }
                }
                for p in &b.provinces {
                    if p.len() != 2 || !p.chars().all(|c| c.is_ascii_digit()) {
                        return Err(config(
                            file,
                            at("provinces"),
                            p,
                            "a province is two digits (GB/T 2260: 33 Zhejiang)",
                        ));
                    }
                }
                if b.max_firms == 0 || b.max_firms > RECOMMENDATIONS_MAX {
                    return Err(config(
                        file,
                        at("max_firms"),
                        b.max_firms,
                        format!("must be 1 to {RECOMMENDATIONS_MAX}"),
                    ));
                }
                if let Some(p) = b.pd_max {
                    crate::money::check_ratio(p, Decimal::ONE, file, &at("pd_max"))?;
                }
                let fen = |d: Option<Decimal>, f: &str| {
                    d.map(|d| yuan_to_fen(d, file, &at(f))).transpose()
                };
                Ok(Appetite {
                    bank: b.id,
                    sectors: b.sectors,
                    tiers: b.tiers,
                    score_min: b.score_min,
                    pd_max: b.pd_max,
                    revenue_min_fen: fen(b.revenue_min_yuan, "revenue_min_yuan")?,
                    revenue_max_fen: fen(b.revenue_max_yuan, "revenue_max_yuan")?,
                    limit_min_fen: fen(b.limit_min_yuan, "limit_min_yuan")?,
                    provinces: b.provinces,
                    max_firms: b.max_firms,
                })
            })
            .collect()
    }
}

/// A firm a bank might lend to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The firm.
    pub firm: EnterpriseId,
    /// Its sector.
    pub sector: Option<String>,
    /// Its tier.
    pub tier: Option<Tier>,
    /// Revenue, fen.
    pub revenue_fen: Option<i64>,
    /// Score.
    pub score: i64,
    /// PD.
    pub pd: f64,
    /// The 云量贷 limit it was decided.
    pub limit_fen: i64,
    /// The decision's status.
    pub status: DecisionStatus,
}

impl Candidate {
    /// A candidate from a firm's evaluation.
    pub fn of(e: &Evaluation) -> Self {
        Self {
            firm: e.decision.firm,
            sector: e.profile.as_ref().and_then(|p| p.sector.clone()),
            tier: e.decision.tier,
            revenue_fen: e.features.revenue_fen,
            score: e.decision.score,
            pd: e.decision.pd,
            limit_fen: e.decision.limit.limit_fen,
            status: e.decision.status,
        }
    }
}

/// One recommended firm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Rank, from 1.
    pub rank: usize,
    /// The firm.
    pub firm: EnterpriseId,
    /// Score.
    pub score: i64,
    /// PD.
    pub pd: f64,
    /// Limit, fen.
    pub limit_fen: i64,
    /// Tier.
    pub tier: Option<Tier>,
    /// Sector.
    pub sector: Option<String>,
}

/// A bank's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations {
    /// The bank.
    pub bank: String,
    /// Firms considered.
    pub considered: usize,
    /// Firms that passed every filter (the list holds at most `max_firms` of them).
    pub matched: usize,
    /// The list, best first.
    pub firms: Vec<Recommendation>,
    /// Firms removed, by the first filter that removed them.
    pub excluded: BTreeMap<String, usize>,
}

/// The first filter `c` fails, or `None` when it passes them all.
fn excluded_by(a: &Appetite, c: &Candidate) -> Option<&'static str> {
    if c.status != DecisionStatus::Eligible {
        return Some("not eligible for 云量贷");
    }
    if !a.sectors.is_empty() {
        match &c.sector {
            None => return Some("sector unknown"),
            Some(s) if !a.sectors.iter().any(|p| s.starts_with(p.as_str())) => {
                return Some("sector");
            }
            _ => {}
        }
    }
    if !a.tiers.is_empty() && !c.tier.is_some_and(|t| a.tiers.contains(&t)) {
        return Some("tier");
    }
    if c.score < a.score_min {
        return Some("score");
    }
    if let Some(max) = a.pd_max {
        if Decimal::try_from(c.pd).map_or(true, |pd| pd > max) {
            return Some("pd");
        }
    }
    if a.revenue_min_fen.is_some() || a.revenue_max_fen.is_some() {
        let Some(r) = c.revenue_fen else {
            return Some("revenue unknown");
        };
        if a.revenue_min_fen.is_some_and(|m| r < m) || a.revenue_max_fen.is_some_and(|m| r > m) {
            return Some("revenue");
        }
    }
    if a.limit_min_fen.is_some_and(|m| c.limit_fen < m) {
        return Some("limit below the bank's smallest ticket");
    }
    if !a.provinces.is_empty()
        && !a
            .provinces
            .iter()
            .any(|p| c.firm.region().province_code() == p)
    {
        return Some("province");
    }
    None
}

/// The list for one appetite.
pub fn recommend(a: &Appetite, candidates: &[Candidate]) -> Result<Recommendations> {
    if candidates.len() > CANDIDATES_MAX {
        return Err(FinanceError::TooMany {
            what: "candidates",
            count: candidates.len(),
            max: CANDIDATES_MAX,
        });
    }
    let mut excluded = BTreeMap::new();
    let mut passed: Vec<&Candidate> = Vec::new();
    for c in candidates {
        match excluded_by(a, c) {
            Some(why) => *excluded.entry(why.to_string()).or_insert(0) += 1,
            None => passed.push(c),
        }
    }
    passed.sort_by(|x, y| {
        y.score
            .cmp(&x.score)
            .then(x.pd.total_cmp(&y.pd))
            .then(x.firm.cmp(&y.firm))
    });
    let matched = passed.len();
    let firms = passed
        .into_iter()
        .take(a.max_firms)
        .enumerate()
        .map(|(i, c)| Recommendation {
            rank: i + 1,
            firm: c.firm,
            score: c.score,
            pd: c.pd,
            limit_fen: c.limit_fen,
            tier: c.tier,
            sector: c.sector.clone(),
        })
        .collect();
    Ok(Recommendations {
        bank: a.bank.clone(),
        considered: candidates.len(),
        matched,
        firms,
        excluded,
    })
}

/// The lists for every appetite, in the appetites' order.
pub fn recommend_all(
    appetites: &[Appetite],
    candidates: &[Candidate],
) -> Result<Vec<Recommendations>> {
    appetites
        .par_iter()
        .map(|a| recommend(a, candidates))
        .collect()
}
