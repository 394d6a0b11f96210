//! What the scoring matcher means, for one scenario and one offer: the hard filters in
//! their order and the four score parts. This file is the one definition; the indexed data
//! plane (`index.rs`) and the exhaustive reference path with explanations
//! ([`crate::score`]) both call it, so they cannot disagree.
//!
//! Scores are integers in hundredths of a point, 0 to [`SCORE_MAX`] (= 100.00 points), so
//! totals add exactly and the optimal assignment is exact.

use serde::{Deserialize, Serialize};

use crate::rows::{OfferRow, ScenarioRow, TAG_POINTS_LEN};

/// Number of hard filters.
pub const FILTERS: usize = 8;

/// The highest score: 100.00 points, in hundredths.
pub const SCORE_MAX: u32 = 10_000;

/// A hard filter. An offer is removed by the first filter it fails, in [`Filter::ALL`]
/// order. The order decides only which reason an offer is counted under; the offers that
/// pass are the same in any order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// The firm is outside the scenario's region scope.
    Region,
    /// The offer lacks a tag the scenario requires.
    RequiredTags,
    /// The offer shares fewer of the scenario's needs than the configured minimum.
    Relevance,
    /// The offer is less mature than the scenario's minimum readiness level.
    Maturity,
    /// The scenario does not take this kind of offer (技术, 产品, 方案, 服务).
    OfferKind,
    /// The offer cannot be taken up while the scenario is open.
    Window,
    /// The offer's price is above the scenario's budget per slot.
    Price,
    /// The firm is not in the cultivation registry at the scenario's minimum tier (for
    /// scenarios opened only to registered 数创企业).
    Tier,
}

impl Filter {
    /// Every filter, in the order they are applied. Region, tags and maturity come first
    /// because the data plane's index is ordered by them: it counts the offers they remove
    /// without visiting them.
    pub const ALL: [Filter; FILTERS] = [
        Filter::Region,
        Filter::RequiredTags,
        Filter::Relevance,
        Filter::Maturity,
        Filter::OfferKind,
        Filter::Window,
        Filter::Price,
        Filter::Tier,
    ];

    /// The name shown in explanations and reports.
    pub fn key(self) -> &'static str {
        match self {
            Filter::Region => "region",
            Filter::RequiredTags => "required_tags",
            Filter::Relevance => "relevance",
            Filter::Maturity => "maturity",
            Filter::OfferKind => "offer_kind",
            Filter::Window => "window",
            Filter::Price => "price",
            Filter::Tier => "tier",
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
    o: &OfferRow,
    overlap: u32,
    required_hits: u32,
    min_shared: u32,
) -> Option<Filter> {
    if !s.scope.admits(o.province) {
        return Some(Filter::Region);
    }
    if (required_hits as usize) < s.required.len() {
        return Some(Filter::RequiredTags);
    }
    if overlap < min_shared {
        return Some(Filter::Relevance);
    }
    tail_failure(s, o)
}

/// The filters after the tag filters: maturity, offer kind, window, price, tier.
///
/// Evaluated without branches: each test sets a bit in filter order and the lowest set bit
/// names the first filter failed. Most offers visited fail one of these, in no predictable
/// pattern, so this is the hot path's cost of mispredicted branches removed.
#[inline]
pub(crate) fn tail_failure(s: &ScenarioRow, o: &OfferRow) -> Option<Filter> {
    Filter::ALL
        .get(tail_code(s, o) as usize + TAIL_FIRST)
        .copied()
}

/// Position in [`Filter::ALL`] of the first filter after the tag filters.
pub(crate) const TAIL_FIRST: usize = 3;

/// [`tail_failure`] as a number: `f.index() − TAIL_FIRST` for the first filter failed, 32 when
/// every one passes.
#[inline]
pub(crate) fn tail_code(s: &ScenarioRow, o: &OfferRow) -> u32 {
    let price_over = match s.price_max_fen {
        Some(max) => o.price_fen > max,
        None => false,
    };
    let mask = u32::from(o.maturity < s.maturity_min)
        | u32::from(s.kinds_mask & o.kind_bit == 0) << 1
        | u32::from(o.from_day > s.closes_day || o.until_day < s.opens_day) << 2
        | u32::from(price_over) << 3
        | u32::from(o.tier < s.tier_min) << 4;
    mask.trailing_zeros()
}

/// The weights of the four parts and their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Weighting {
    weights: [u32; 4],
    sum: u64,
}

impl Weighting {
    pub(crate) fn new(weights: [u32; 4]) -> Self {
        Self {
            weights,
            sum: weights.iter().map(|&w| u64::from(w)).sum(),
        }
    }

    pub(crate) fn weights(&self) -> [u32; 4] {
        self.weights
    }
}

/// The tags part for each possible overlap with `needs` needs: 100 × overlap ÷ needs, in
/// hundredths, rounded down (entries beyond `needs` repeat the full score).
pub(crate) fn tag_points(needs: usize) -> [u32; TAG_POINTS_LEN] {
    let n = needs.max(1) as u32;
    let mut t = [0u32; TAG_POINTS_LEN];
    for (k, slot) in t.iter_mut().enumerate() {
        *slot = SCORE_MAX * (k as u32).min(n) / n;
    }
    t
}

/// The maturity part by readiness level: 100 × (level − 1) ÷ 8, in hundredths.
const MATURITY_POINTS: [u32; 10] = {
    let mut t = [0u32; 10];
    let mut level = 1;
    while level < 10 {
        t[level] = (level as u32 - 1) * SCORE_MAX / 8;
        level += 1;
    }
    t
};

/// `part × (max − price) ÷ max` rounded down, exactly (u64 when it fits, i128 else).
#[inline]
fn price_part(max: i64, price: i64) -> u32 {
    let p = price.clamp(0, max);
    let num = (max - p) as u64;
    match num.checked_mul(u64::from(SCORE_MAX)) {
        Some(x) => (x / max as u64) as u32,
        None => (i128::from(SCORE_MAX) * i128::from(max - p) / i128::from(max)) as u32,
    }
}

/// The four score parts of an offer that passed every filter, in hundredths of a point.
#[inline]
pub(crate) fn parts(
    s: &ScenarioRow,
    o: &OfferRow,
    overlap: u32,
    proximity_percent: [u32; 3],
) -> [u32; 4] {
    let tags = s
        .tag_points
        .get(overlap as usize)
        .copied()
        .unwrap_or(SCORE_MAX);
    let maturity = MATURITY_POINTS
        .get(o.maturity as usize)
        .copied()
        .unwrap_or(0);
    let price = match s.price_max_fen {
        Some(max) if max > 0 => price_part(max, o.price_fen),
        _ => SCORE_MAX,
    };
    let proximity = if o.prefecture == s.prefecture {
        proximity_percent[0]
    } else if o.province == s.province {
        proximity_percent[1]
    } else {
        proximity_percent[2]
    } * 100;
    [tags, maturity, price, proximity.min(SCORE_MAX)]
}

/// The weighted mean of the parts, rounded down; 0 when every weight is 0.
#[inline]
pub(crate) fn total(parts: [u32; 4], w: &Weighting) -> u32 {
    if w.sum == 0 {
        return 0;
    }
    let sum: u64 = parts
        .iter()
        .zip(w.weights)
        .map(|(&p, w)| u64::from(p) * u64::from(w))
        .sum();
    (sum / w.sum) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_is_the_weighted_mean_rounded_down() {
        let w = Weighting::new([50, 15, 20, 15]);
        assert_eq!(total([10_000, 0, 0, 0], &w), 5_000);
        // (6666·50 + 7500·15 + 5000·20 + 10000·15) / 100 = 6958.
        assert_eq!(total([6_666, 7_500, 5_000, 10_000], &w), 6_958);
        assert_eq!(total([1, 1, 1, 1], &Weighting::new([0; 4])), 0);
        assert_eq!(
            total([SCORE_MAX; 4], &Weighting::new([1_000; 4])),
            SCORE_MAX
        );
    }

    #[test]
    fn the_tail_codes_follow_the_filter_order() {
        assert_eq!(Filter::ALL[TAIL_FIRST], Filter::Maturity);
        assert_eq!(Filter::ALL[TAIL_FIRST + 4], Filter::Tier);
        assert_eq!(Filter::ALL.len(), TAIL_FIRST + 5);
    }

    #[test]
    fn tables_follow_the_formulas() {
        assert_eq!(
            MATURITY_POINTS,
            [0, 0, 1250, 2500, 3750, 5000, 6250, 7500, 8750, 10_000]
        );
        let t = tag_points(3);
        assert_eq!(&t[..5], &[0, 3333, 6666, 10_000, 10_000]);
    }

    #[test]
    fn price_part_is_exact_in_both_widths() {
        assert_eq!(price_part(45_000_000, 40_000_000), 1_111);
        assert_eq!(price_part(100, 0), SCORE_MAX);
        assert_eq!(price_part(100, 100), 0);
        // Beyond u64 for the product: the i128 path gives the same rounding.
        let max = 4_000_000_000_000_000_i64;
        assert_eq!(price_part(max, max / 4), 7_500);
    }
}
