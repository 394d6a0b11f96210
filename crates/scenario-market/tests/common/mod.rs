//! Builders shared by the integration tests: small random markets from proptest values.
#![allow(dead_code)] // each test file uses a part

use chrono::NaiveDate;
use proptest::prelude::*;
use registry_model::id::org_code_check_char;
use registry_model::{EnterpriseId, Money, RegionCode, Tier};
use scenario_market::{
    FirmTable, Key, Market, Maturity, Offer, OfferKind, OwnerType, RegionScope, Scenario,
    ScenarioKind, Standing, Tag,
};

pub const VOCAB: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
pub const DIVISIONS: [&str; 4] = ["370100", "370200", "110108", "440300"];

pub fn firm(i: usize) -> EnterpriseId {
    let org8 = format!("{:08}", 1000 + i * 7);
    let check = org_code_check_char(&org8).unwrap();
    let div = DIVISIONS[i % DIVISIONS.len()];
    EnterpriseId::from_first17(&format!("91{div}{org8}{check}")).unwrap()
}

/// A calendar date.
pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Whole yuan.
pub fn yuan(y: i64) -> Money {
    Money::from_yuan_i64(y).unwrap()
}

/// A key.
pub fn key(s: &str) -> Key {
    s.parse().unwrap()
}

pub fn day(d: u32) -> NaiveDate {
    NaiveDate::from_yo_opt(2025, d.clamp(1, 365)).unwrap()
}

fn tags(mask: u8) -> Vec<Tag> {
    VOCAB
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, t)| Tag::parse(t).unwrap())
        .collect()
}

/// A scenario from small numbers.
#[derive(Debug, Clone)]
pub struct S {
    pub needs: u8,
    pub required: u8,
    pub kinds: u8,
    pub maturity_min: u8,
    pub scope: u8,
    pub budget: Option<u32>,
    pub slots: u32,
    pub opens: u32,
    pub len: u32,
    pub division: usize,
    /// 0: any firm; 1–3: registered firms of tier potential, growth, leading or above.
    pub tier_min: u8,
}

/// An offer from small numbers.
#[derive(Debug, Clone)]
pub struct O {
    pub firm: usize,
    pub kind: usize,
    pub tags: u8,
    pub maturity: u8,
    pub price: u32,
    pub from: Option<u32>,
    pub until: Option<u32>,
}

pub fn scenario_strategy() -> impl Strategy<Value = S> {
    (
        (1u8..64, 0u8..64, 0u8..16, 1u8..=9, 0u8..4),
        (
            proptest::option::weighted(0.8, 0u32..2000),
            1u32..=3,
            1u32..300,
            0u32..120,
            0usize..4,
            0u8..6,
        ),
    )
        .prop_map(
            |(
                (needs, required, kinds, maturity_min, scope),
                (budget, slots, opens, len, division, tier),
            )| S {
                needs,
                // Required tags are drawn among the needs, half the time none.
                required: if required % 2 == 0 {
                    0
                } else {
                    required & needs
                },
                kinds,
                maturity_min,
                scope,
                budget,
                slots,
                opens,
                len,
                division,
                tier_min: tier.saturating_sub(2),
            },
        )
}

pub fn offer_strategy(firms: usize) -> impl Strategy<Value = O> {
    (
        0..firms,
        0usize..4,
        1u8..64,
        1u8..=9,
        0u32..1500,
        proptest::option::weighted(0.2, 1u32..300),
        proptest::option::weighted(0.2, 1u32..365),
    )
        .prop_map(|(firm, kind, tags, maturity, price, from, until)| O {
            firm,
            kind,
            tags,
            maturity,
            price,
            from,
            until: match (from, until) {
                (Some(f), Some(u)) if u < f => Some(f),
                (_, u) => u,
            },
        })
}

pub fn build(ss: &[S], os: &[O], capacities: &[(usize, u32)]) -> Market {
    let scenarios = ss
        .iter()
        .enumerate()
        .map(|(i, s)| Scenario {
            id: Key::parse(&format!("S{i:03}")).unwrap(),
            title: format!("scenario {i}"),
            owner: format!("owner {}", i % 3),
            owner_type: OwnerType::ALL[i % 4],
            kind: ScenarioKind::ALL[i % 3],
            region: RegionCode::parse(DIVISIONS[s.division]).unwrap(),
            needs: tags(s.needs),
            required: tags(s.required),
            offer_kinds: OfferKind::ALL
                .iter()
                .enumerate()
                .filter(|(k, _)| s.kinds & (1 << k) != 0)
                .map(|(_, k)| *k)
                .collect(),
            maturity_min: Maturity::new(s.maturity_min).unwrap(),
            scope: match s.scope {
                0 | 1 => RegionScope::Anywhere,
                2 => RegionScope::SameProvince,
                _ => RegionScope::Provinces(vec!["11".into(), "44".into()]),
            },
            budget: s
                .budget
                .map(|b| Money::from_yuan_i64(i64::from(b) * 100).unwrap()),
            slots: s.slots,
            opens: day(s.opens),
            closes: day(s.opens + s.len),
            compute_voucher_per_firm: Money::from_yuan_i64(i64::from(s.slots) * 1000).unwrap(),
            data_voucher_per_firm: Money::from_yuan_i64(i64::from(s.slots % 2) * 500).unwrap(),
            tier_min: match s.tier_min {
                0 => None,
                1 => Some(Tier::Potential),
                2 => Some(Tier::Growth),
                _ => Some(Tier::Leading),
            },
        })
        .collect();
    let offers = os
        .iter()
        .enumerate()
        .map(|(i, o)| Offer {
            id: Key::parse(&format!("O{i:03}")).unwrap(),
            firm: firm(o.firm),
            kind: OfferKind::ALL[o.kind],
            title: format!("offer {i}"),
            tags: tags(o.tags),
            maturity: Maturity::new(o.maturity).unwrap(),
            region: firm(o.firm).region(),
            price: Money::from_yuan_i64(i64::from(o.price) * 100).unwrap(),
            available_from: o.from.map(day),
            available_until: o.until.map(day),
        })
        .collect();
    let mut caps: Vec<(EnterpriseId, u32)> = Vec::new();
    for &(f, c) in capacities {
        let id = firm(f);
        if os.iter().any(|o| o.firm == f) && !caps.iter().any(|x| x.0 == id) {
            caps.push((id, c));
        }
    }
    Market::new(scenarios, offers, caps)
        .unwrap()
        .with_directory(&directory(), 2025)
        .unwrap()
}

/// Firm i's standing in 2025: i % 5 = 0 not registered, 1 registered without a tier,
/// 2 potential, 3 growth, 4 leading.
pub fn directory() -> FirmTable {
    let mut t = FirmTable::new();
    for i in 0..64 {
        let tier = match i % 5 {
            0 => continue,
            1 => None,
            2 => Some(Tier::Potential),
            3 => Some(Tier::Growth),
            _ => Some(Tier::Leading),
        };
        t.insert(firm(i), 2025, Standing { tier, size: None });
    }
    t
}
