//! What the scoring matcher means, for one scenario and one offer: the hard filters in
//! their order and the four score parts. This file is the one definition; the indexed data
//! plane ([`crate::index`]) and the exhaustive reference path with explanations
//! ([`crate::score`]) both call it, so they cannot disagree.
//!
//! Scores are integers in hundredths of a point, 0 to [`SCORE_MAX`] (= 100.00 points), so
//! totals add exactly and the optimal assignment is exact.

use serde::{Deserialize, Serialize};

use crate::index::{OfferIndex, ScenarioRow};

/// The highest score: 100.00 points, in hundredths.
pub const SCORE_MAX: u32 = 10_000;

/// A hard filter. An offer is removed by the first filter it fails, in [`Filter::ALL`]
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// The offer lacks a tag the scenario requires.
    RequiredTags,
    /// The offer shares fewer of the scenario's needs than the configured minimum.
    Relevance,
    /// The scenario does not take this kind of offer (技术, 产品, 方案, 服务).
    OfferKind,
    /// The offer is less mature than the scenario's minimum readiness level.
    Maturity,
    /// The firm is outside the scenario's region scope.
    Region,
    /// The offer cannot be taken up while the scenario is open.
    Window,
    /// The offer's price is above the scenario's budget per slot.
    Price,
}

impl Filter {
    /// Every filter, in the order they are applied. Tag filters come first because the data
    /// plane finds the offers that pass them from the tag index without visiting the rest.
    pub const ALL: [Filter; 7] = [
        Filter::RequiredTags,
        Filter::Relevance,
        Filter::OfferKind,
        Filter::Maturity,
        Filter::Region,
        Filter::Window,
        Filter::Price,
    ];

    /// The name shown in explanations and reports.
    pub fn key(self) -> &'static str {
        match self {
            Filter::RequiredTags => "required_tags",
            Filter::Relevance => "relevance",
            Filter::OfferKind => "offer_kind",
            Filter::Maturity => "maturity",
            Filter::Region => "region",
            Filter::Window => "window",
            Filter::Price => "price",
        }
    }

    /// Position in [`Filter::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A score part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// 100 × shared needs ÷ the scenario's needs, rounded down.
    Tags,
    /// 100 × (level − 1) ÷ 8: level 1 scores 0, level 9 scores 100.
    Maturity,
    /// 100 × (budget per slot − price) ÷ budget per slot; 100 when the scenario has no
    /// budget or the budget per slot is zero (the price then is zero too).
    Price,
    /// The configured percentage for the same prefecture, the same province, or elsewhere.
    Proximity,
}

impl Part {
    /// Every part, in the order of [`crate::Weights::as_array`].
    pub const ALL: [Part; 4] = [Part::Tags, Part::Maturity, Part::Price, Part::Proximity];

    /// The name shown in explanations.
    pub fn key(self) -> &'static str {
        match self {
            Part::Tags => "tags",
            Part::Maturity => "maturity",
            Part::Price => "price",
            Part::Proximity => "proximity",
        }
    }
}

/// The first filter offer `o` fails for scenario `s`, given how many of the scenario's needs
/// it shares (`overlap`) and how many of its required tags it has (`required_hits`).
#[inline]
pub(crate) fn first_failure(
    s: &ScenarioRow,
    ix: &OfferIndex,
    o: usize,
    overlap: u32,
    required_hits: u32,
    min_shared: u32,
) -> Option<Filter> {
    if (required_hits as usize) < s.required.len() {
        return Some(Filter::RequiredTags);
    }
    if overlap < min_shared {
        return Some(Filter::Relevance);
    }
    if s.kinds_mask & ix.kind_bit[o] == 0 {
        return Some(Filter::OfferKind);
    }
    if ix.maturity[o] < s.maturity_min {
        return Some(Filter::Maturity);
    }
    if !s.scope.admits(ix.province[o]) {
        return Some(Filter::Region);
    }
    if ix.from_day[o] > s.closes_day || ix.until_day[o] < s.opens_day {
        return Some(Filter::Window);
    }
    if let Some(max) = s.price_max_fen
        && ix.price_fen[o] > max
    {
        return Some(Filter::Price);
    }
    None
}

/// The four score parts of an offer that passed every filter, in hundredths of a point.
#[inline]
pub(crate) fn parts(
    s: &ScenarioRow,
    ix: &OfferIndex,
    o: usize,
    overlap: u32,
    proximity_percent: [u32; 3],
) -> [u32; 4] {
    let needs = s.needs.len().max(1) as u64;
    let tags = (u64::from(SCORE_MAX) * u64::from(overlap).min(needs) / needs) as u32;
    let maturity = u32::from(ix.maturity[o].saturating_sub(1)) * SCORE_MAX / 8;
    let price = match s.price_max_fen {
        Some(max) if max > 0 => {
            let p = ix.price_fen[o].clamp(0, max);
            (i128::from(SCORE_MAX) * i128::from(max - p) / i128::from(max)) as u32
        }
        _ => SCORE_MAX,
    };
    let proximity = if ix.prefecture[o] == s.prefecture {
        proximity_percent[0]
    } else if ix.province[o] == s.province {
        proximity_percent[1]
    } else {
        proximity_percent[2]
    } * 100;
    [tags, maturity, price, proximity.min(SCORE_MAX)]
}

/// The weighted mean of the parts, rounded down; 0 when every weight is 0.
#[inline]
pub(crate) fn total(parts: [u32; 4], weights: [u32; 4]) -> u32 {
    let w: u64 = weights.iter().map(|&x| u64::from(x)).sum();
    if w == 0 {
        return 0;
    }
    let sum: u64 = parts
        .iter()
        .zip(weights)
        .map(|(&p, w)| u64::from(p) * u64::from(w))
        .sum();
    (sum / w) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_is_the_weighted_mean_rounded_down() {
        assert_eq!(total([10_000, 0, 0, 0], [50, 15, 20, 15]), 5_000);
        // (6666·50 + 7500·15 + 5000·20 + 10000·15) / 100 = 6958.
        assert_eq!(
            total([6_666, 7_500, 5_000, 10_000], [50, 15, 20, 15]),
            6_958
        );
        assert_eq!(total([1, 1, 1, 1], [0, 0, 0, 0]), 0);
        assert_eq!(total([SCORE_MAX; 4], [1_000; 4]), SCORE_MAX);
    }
}
