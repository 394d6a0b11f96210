//! A seeded generator of markets for the annual cycle, the tests and the benches.
//!
//! Every record draws from its own ChaCha8 stream (the seed, the record kind and the record's
//! index), so the same spec gives the same market — byte for byte when written out — on any
//! number of threads. The shapes are assumed, chosen to look like a provincial scenario list:
//! a vocabulary of 24 sector tags and 48 technology tags with skewed popularity, scenarios
//! needing one sector and one to three technologies (the sector required in 70 % of them),
//! offers holding one sector and one to four technologies.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use registry_model::id::org_code_check_char;
use registry_model::{EnterpriseId, Money, RegionCode, Year};

use crate::error::{MarketError, Result};
use crate::key::{Key, Tag};
use crate::market::{Market, OFFERS_MAX, SCENARIOS_MAX};
use crate::offer::{Maturity, Offer, OfferKind};
use crate::scenario::{OwnerType, RegionScope, Scenario, ScenarioKind};

/// Sector tags (assumed vocabulary).
pub const SECTORS: [&str; 24] = [
    "smart-manufacturing",
    "smart-port",
    "smart-grid",
    "smart-transport",
    "smart-logistics",
    "smart-agriculture",
    "smart-healthcare",
    "smart-city",
    "digital-government",
    "digital-finance",
    "e-commerce",
    "education",
    "energy",
    "chemicals",
    "steel",
    "mining",
    "water",
    "tourism",
    "retail",
    "construction",
    "textiles",
    "food",
    "shipbuilding",
    "aerospace",
];

/// Technology tags (assumed vocabulary).
pub const TECHNOLOGIES: [&str; 48] = [
    "large-model",
    "computer-vision",
    "speech",
    "nlp",
    "knowledge-graph",
    "recommendation",
    "iot",
    "edge-computing",
    "5g",
    "digital-twin",
    "simulation",
    "robotics",
    "autonomous-driving",
    "drones",
    "blockchain",
    "privacy-computing",
    "data-governance",
    "data-annotation",
    "data-exchange",
    "cloud-native",
    "low-code",
    "cybersecurity",
    "industrial-internet",
    "predictive-maintenance",
    "quality-inspection",
    "scheduling",
    "energy-management",
    "carbon-accounting",
    "gis",
    "remote-sensing",
    "bim",
    "ar-vr",
    "customer-service",
    "risk-control",
    "fraud-detection",
    "supply-chain",
    "traceability",
    "smart-sensors",
    "chips",
    "hpc",
    "storage",
    "networking",
    "mlops",
    "agents",
    "ocr",
    "video-analytics",
    "positioning",
    "metrology",
];

/// Divisions firms and scenarios are placed in, with weights (assumed; Shandong heavy, as
/// the Shandong measures are one of the crate's sources).
const DIVISIONS: [(&str, u32); 16] = [
    ("370100", 12),
    ("370200", 12),
    ("370600", 5),
    ("370700", 5),
    ("371300", 4),
    ("110108", 10),
    ("310115", 9),
    ("330100", 8),
    ("320500", 6),
    ("440300", 9),
    ("440100", 5),
    ("510100", 5),
    ("420100", 4),
    ("610100", 3),
    ("520100", 2),
    ("640100", 1),
];

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketSpec {
    /// Scenarios.
    pub scenarios: usize,
    /// Offers.
    pub offers: usize,
    /// Firms the offers are spread over (each offer's firm is drawn among them).
    pub firms: usize,
    /// The seed.
    pub seed: u64,
    /// The year the scenarios open in.
    pub year: Year,
}

const STREAM_SCENARIO: u64 = 1;
const STREAM_OFFER: u64 = 2;
const STREAM_FIRM: u64 = 3;

fn rng(seed: u64, kind: u64, index: usize) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream((kind << 48) | index as u64);
    r
}

/// A popularity-skewed pick: index i has weight 1 / (i + 4).
fn skewed(r: &mut ChaCha8Rng, n: usize) -> usize {
    let total: f64 = (0..n).map(|i| 1.0 / (i as f64 + 4.0)).sum();
    let mut x = r.gen_range(0.0..total);
    for i in 0..n {
        let w = 1.0 / (i as f64 + 4.0);
        if x < w {
            return i;
        }
        x -= w;
    }
    n - 1
}

fn division(r: &mut ChaCha8Rng) -> &'static str {
    let total: u32 = DIVISIONS.iter().map(|d| d.1).sum();
    let mut x = r.gen_range(0..total);
    for (code, w) in DIVISIONS {
        if x < w {
            return code;
        }
        x -= w;
    }
    "370100"
}

fn tag(t: &str) -> Result<Tag> {
    Tag::parse(t).map_err(|reason| MarketError::Invariant(format!("generator tag '{t}' {reason}")))
}

fn key(text: String) -> Result<Key> {
    Key::parse(&text)
        .map_err(|reason| MarketError::Invariant(format!("generator key '{text}' {reason}")))
}

fn techs(r: &mut ChaCha8Rng, count: usize) -> Result<Vec<Tag>> {
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let t = tag(TECHNOLOGIES[skewed(r, TECHNOLOGIES.len())])?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// The firm of index `i`: a valid, unique USCC in a drawn division.
fn firm(seed: u64, i: usize) -> Result<EnterpriseId> {
    let mut r = rng(seed, STREAM_FIRM, i);
    let div = division(&mut r);
    // 7919 is prime and coprime with 10^8: index ↦ organisation code is one-to-one.
    let org = ((i as u64)
        .wrapping_mul(7919)
        .wrapping_add(seed % 100_000_000))
        % 100_000_000;
    let org8 = format!("{org:08}");
    let check = org_code_check_char(&org8)
        .ok_or_else(|| MarketError::Invariant(format!("no check character for {org8}")))?;
    EnterpriseId::from_first17(&format!("91{div}{org8}{check}"))
        .map_err(|e| MarketError::Invariant(format!("generated USCC: {e}")))
}

fn date(year: Year, ordinal: u32) -> Result<NaiveDate> {
    NaiveDate::from_yo_opt(year, ordinal.clamp(1, 365))
        .ok_or_else(|| MarketError::Invariant(format!("day {ordinal} of {year}")))
}

fn money_yuan(yuan: i64) -> Result<Money> {
    Money::from_yuan_i64(yuan).ok_or_else(|| MarketError::Invariant(format!("{yuan} yuan")))
}

fn scenario(spec: &MarketSpec, i: usize) -> Result<Scenario> {
    let mut r = rng(spec.seed, STREAM_SCENARIO, i);
    let owner_type = match r.gen_range(0..100) {
        0..40 => OwnerType::Government,
        40..65 => OwnerType::StateOwned,
        65..85 => OwnerType::IndustryLeader,
        _ => OwnerType::Platform,
    };
    let kind = ScenarioKind::ALL[r.gen_range(0..3)];
    let region =
        RegionCode::parse(division(&mut r)).map_err(|e| MarketError::Invariant(e.to_string()))?;
    let sector = tag(SECTORS[skewed(&mut r, SECTORS.len())])?;
    let n_tech = r.gen_range(1..=3);
    let mut needs = techs(&mut r, n_tech)?;
    needs.push(sector.clone());
    let required = if r.gen_bool(0.7) {
        vec![sector]
    } else {
        Vec::new()
    };
    let offer_kinds = if r.gen_bool(0.5) {
        Vec::new()
    } else {
        let a = OfferKind::ALL[r.gen_range(0..4)];
        let b = OfferKind::ALL[r.gen_range(0..4)];
        vec![a, b]
    };
    let maturity_min = Maturity::new(r.gen_range(3..=7)).unwrap_or(Maturity::MIN);
    let scope = match r.gen_range(0..100) {
        0..50 => RegionScope::Anywhere,
        50..85 => RegionScope::SameProvince,
        _ => {
            let mut list = vec![region.province_code().to_string()];
            for _ in 0..2 {
                let p = RegionCode::parse(division(&mut r))
                    .map_err(|e| MarketError::Invariant(e.to_string()))?;
                list.push(p.province_code().to_string());
            }
            list.sort();
            list.dedup();
            RegionScope::Provinces(list)
        }
    };
    let budget = if r.gen_bool(0.85) {
        // Log-uniform between ¥200k and ¥5M, whole thousands.
        let x: f64 = r.gen_range(200_000f64.ln()..5_000_000f64.ln());
        Some(money_yuan((x.exp() / 1000.0).round() as i64 * 1000)?)
    } else {
        None
    };
    let opens_day = r.gen_range(1..=240);
    let (compute, data) = if r.gen_bool(0.3) {
        (
            money_yuan(r.gen_range(1..=20) * 10_000)?,
            money_yuan(r.gen_range(0..=10) * 10_000)?,
        )
    } else {
        (Money::ZERO, Money::ZERO)
    };
    Ok(Scenario {
        id: key(format!("S{i:06}"))?,
        title: format!("{} scenario {i}", kind.key()),
        owner: format!("{} owner {}", owner_type.key(), i % 997),
        owner_type,
        kind,
        region,
        needs,
        required,
        offer_kinds,
        maturity_min,
        scope,
        budget,
        slots: r.gen_range(1..=3),
        opens: date(spec.year, opens_day)?,
        closes: date(spec.year, opens_day + r.gen_range(30..=120))?,
        compute_voucher_per_firm: compute,
        data_voucher_per_firm: data,
        // Generated markets have no registry behind them: every scenario takes any firm.
        tier_min: None,
    })
}

fn offer(spec: &MarketSpec, firms: &[EnterpriseId], i: usize) -> Result<Offer> {
    let mut r = rng(spec.seed, STREAM_OFFER, i);
    let f = r.gen_range(0..firms.len().max(1));
    let firm = *firms
        .get(f)
        .ok_or_else(|| MarketError::Invariant("no firms to draw from".into()))?;
    let sector = tag(SECTORS[skewed(&mut r, SECTORS.len())])?;
    let n_tech = r.gen_range(1..=4);
    let mut tags = techs(&mut r, n_tech)?;
    tags.push(sector);
    let x: f64 = r.gen_range(50_000f64.ln()..2_000_000f64.ln());
    let available_until = if r.gen_bool(0.1) {
        Some(date(spec.year, r.gen_range(60..=365))?)
    } else {
        None
    };
    Ok(Offer {
        id: key(format!("O{i:07}"))?,
        firm,
        kind: OfferKind::ALL[r.gen_range(0..4)],
        title: format!("offer {i}"),
        tags,
        maturity: Maturity::new(r.gen_range(3..=9)).unwrap_or(Maturity::MAX),
        region: firm.region(),
        price: money_yuan((x.exp() / 1000.0).round() as i64 * 1000)?,
        available_from: None,
        available_until,
    })
}

/// Generates a market (see the module documentation).
///
/// ```
/// use scenario_market::generate::{MarketSpec, generate};
/// let spec = MarketSpec { scenarios: 50, offers: 400, firms: 100, seed: 7, year: 2025 };
/// let a = generate(&spec)?;
/// let b = generate(&spec)?;
/// assert_eq!(a.offers(), b.offers());
/// assert_eq!(a.scenarios().len(), 50);
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
pub fn generate(spec: &MarketSpec) -> Result<Market> {
    if spec.scenarios > SCENARIOS_MAX || spec.offers > OFFERS_MAX || spec.firms > OFFERS_MAX {
        return Err(MarketError::Limit {
            what: "generated records",
            value: spec.scenarios.max(spec.offers).max(spec.firms) as u64,
            limit: SCENARIOS_MAX.min(OFFERS_MAX) as u64,
        });
    }
    if spec.offers > 0 && spec.firms == 0 {
        return Err(MarketError::Invalid {
            what: "market spec",
            id: spec.seed.to_string(),
            field: "firms".into(),
            value: "0".into(),
            reason: "offers need at least one firm".into(),
        });
    }
    if NaiveDate::from_yo_opt(spec.year, 1).is_none_or(|d| d.year() != spec.year) {
        return Err(MarketError::Invalid {
            what: "market spec",
            id: spec.seed.to_string(),
            field: "year".into(),
            value: spec.year.to_string(),
            reason: "not a calendar year".into(),
        });
    }
    let firms: Vec<EnterpriseId> = (0..spec.firms)
        .into_par_iter()
        .map(|i| firm(spec.seed, i))
        .collect::<Result<_>>()?;
    let scenarios: Vec<Scenario> = (0..spec.scenarios)
        .into_par_iter()
        .map(|i| scenario(spec, i))
        .collect::<Result<_>>()?;
    let offers: Vec<Offer> = (0..spec.offers)
        .into_par_iter()
        .map(|i| offer(spec, &firms, i))
        .collect::<Result<_>>()?;
    // One firm in ten states its capacity (1 to 5); the rest take the matcher's default.
    let mut with_offers: Vec<EnterpriseId> = offers.iter().map(|o| o.firm).collect();
    with_offers.sort();
    with_offers.dedup();
    let capacities = with_offers
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let mut r = rng(spec.seed, STREAM_FIRM, spec.firms + i);
            r.gen_bool(0.1).then(|| (*f, r.gen_range(1..=5)))
        })
        .collect();
    Market::new(scenarios, offers, capacities)
}
