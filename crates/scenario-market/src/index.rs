//! The data plane: offers as columns, an inverted index from tag to offers, scenarios as
//! compact rows, and the indexed search.
//!
//! Scoring every scenario against every offer is 10^9 pair evaluations for 10,000 × 100,000.
//! But an offer that shares none of a scenario's needs fails the relevance filter, and one
//! that lacks a required tag fails the first filter, so only offers found through the tag
//! index can pass: the postings of the rarest required tag when the scenario requires tags,
//! else the union of the postings of its needs. Every other offer is counted as removed by
//! the filter it fails without being visited. The offers visited then go through the same
//! [`crate::pair`] functions as the exhaustive path, which is why both give the same
//! candidates, counts included (a property test checks it).

use std::collections::BTreeMap;

use registry_model::{EnterpriseId, RegionCode};

use crate::error::{MarketError, Result};
use crate::key::Tag;
use crate::offer::{Offer, OfferKind};
use crate::pair::{self, Filter};
use crate::scenario::{RegionScope, Scenario};

/// Most distinct tags in one market.
pub const VOCABULARY_MAX: usize = 1_000_000;

/// Where a scenario's firms may come from, as a province test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeRow {
    Anywhere,
    Province(u8),
    /// Bit p set for two-digit province code p.
    Set(u128),
}

impl ScopeRow {
    #[inline]
    pub(crate) fn admits(self, province: u8) -> bool {
        match self {
            ScopeRow::Anywhere => true,
            ScopeRow::Province(p) => p == province,
            ScopeRow::Set(mask) => province < 128 && mask & (1u128 << province) != 0,
        }
    }
}

/// A scenario in the form the filters read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScenarioRow {
    /// Tag ids of the needs, ascending.
    pub needs: Vec<u32>,
    /// Tag ids of the required tags, ascending (a subset of `needs`).
    pub required: Vec<u32>,
    pub kinds_mask: u8,
    pub maturity_min: u8,
    pub scope: ScopeRow,
    pub price_max_fen: Option<i64>,
    pub opens_day: i32,
    pub closes_day: i32,
    pub province: u8,
    pub prefecture: u16,
}

/// Offers as columns, and the tag index.
#[derive(Debug, Clone, Default)]
pub(crate) struct OfferIndex {
    /// Tag id → tag (ids follow the tags' sorted order).
    pub tag_names: Vec<Tag>,
    /// Offer o's tag ids are `offer_tags[offer_tag_start[o]..offer_tag_start[o + 1]]`.
    pub offer_tag_start: Vec<u32>,
    pub offer_tags: Vec<u32>,
    /// Tag t's offers are `postings[post_start[t]..post_start[t + 1]]`, ascending.
    pub post_start: Vec<u32>,
    pub postings: Vec<u32>,
    pub kind_bit: Vec<u8>,
    pub maturity: Vec<u8>,
    pub province: Vec<u8>,
    pub prefecture: Vec<u16>,
    pub price_fen: Vec<i64>,
    pub from_day: Vec<i32>,
    pub until_day: Vec<i32>,
    /// Offer → firm position.
    pub firm: Vec<u32>,
}

fn province_of(r: RegionCode) -> u8 {
    r.province_code().parse().unwrap_or(0)
}

fn prefecture_of(r: RegionCode) -> u16 {
    r.as_str()
        .get(..4)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

fn day(d: chrono::NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d)
}

impl OfferIndex {
    /// Builds the columns, the tag index and the scenario rows.
    pub(crate) fn build(
        scenarios: &[Scenario],
        offers: &[Offer],
        firms: &[EnterpriseId],
    ) -> Result<(Self, Vec<ScenarioRow>)> {
        let mut vocab: BTreeMap<&Tag, u32> = BTreeMap::new();
        for t in offers
            .iter()
            .flat_map(|o| &o.tags)
            .chain(scenarios.iter().flat_map(|s| &s.needs))
        {
            vocab.insert(t, 0);
        }
        if vocab.len() > VOCABULARY_MAX {
            return Err(MarketError::Limit {
                what: "distinct tags",
                value: vocab.len() as u64,
                limit: VOCABULARY_MAX as u64,
            });
        }
        let mut tag_names = Vec::with_capacity(vocab.len());
        for (i, (t, id)) in vocab.iter_mut().enumerate() {
            *id = i as u32;
            tag_names.push((*t).clone());
        }
        let id_of = |t: &Tag| vocab.get(t).copied().unwrap_or(0);
        let n = offers.len();
        let mut ix = OfferIndex {
            tag_names,
            offer_tag_start: Vec::with_capacity(n + 1),
            ..OfferIndex::default()
        };
        ix.offer_tag_start.push(0);
        let mut per_tag = vec![0u32; ix.tag_names.len() + 1];
        for o in offers {
            // Offer tags are sorted and tag ids follow the sorted order, so ids ascend.
            for t in &o.tags {
                let id = id_of(t);
                ix.offer_tags.push(id);
                if let Some(c) = per_tag.get_mut(id as usize + 1) {
                    *c += 1;
                }
            }
            ix.offer_tag_start.push(ix.offer_tags.len() as u32);
            ix.kind_bit.push(o.kind.bit());
            ix.maturity.push(o.maturity.level());
            ix.province.push(province_of(o.region));
            ix.prefecture.push(prefecture_of(o.region));
            ix.price_fen.push(o.price.fen());
            ix.from_day.push(o.available_from.map_or(i32::MIN, day));
            ix.until_day.push(o.available_until.map_or(i32::MAX, day));
            ix.firm
                .push(firms.binary_search(&o.firm).unwrap_or(0) as u32);
        }
        for i in 1..per_tag.len() {
            per_tag[i] += per_tag[i - 1];
        }
        ix.post_start = per_tag.clone();
        let mut fill = per_tag;
        let mut postings = vec![0u32; ix.offer_tags.len()];
        for o in 0..n {
            for &t in ix.tags_of(o) {
                if let Some(slot) = fill.get_mut(t as usize) {
                    if let Some(p) = postings.get_mut(*slot as usize) {
                        *p = o as u32;
                    }
                    *slot += 1;
                }
            }
        }
        ix.postings = postings;
        let all_kinds: u8 = OfferKind::ALL.iter().map(|k| k.bit()).fold(0, |a, b| a | b);
        let rows = scenarios
            .iter()
            .map(|s| ScenarioRow {
                needs: s.needs.iter().map(id_of).collect(),
                required: s.required.iter().map(id_of).collect(),
                kinds_mask: if s.offer_kinds.is_empty() {
                    all_kinds
                } else {
                    s.offer_kinds.iter().map(|k| k.bit()).fold(0, |a, b| a | b)
                },
                maturity_min: s.maturity_min.level(),
                scope: match &s.scope {
                    RegionScope::Anywhere => ScopeRow::Anywhere,
                    RegionScope::SameProvince => ScopeRow::Province(province_of(s.region)),
                    RegionScope::Provinces(list) => ScopeRow::Set(
                        list.iter()
                            .filter_map(|p| p.parse::<u8>().ok())
                            .filter(|&p| p < 128)
                            .fold(0u128, |m, p| m | (1u128 << p)),
                    ),
                },
                price_max_fen: s.budget_per_slot().map(|m| m.fen()),
                opens_day: day(s.opens),
                closes_day: day(s.closes),
                province: province_of(s.region),
                prefecture: prefecture_of(s.region),
            })
            .collect();
        Ok((ix, rows))
    }

    /// Number of offers.
    pub(crate) fn len(&self) -> usize {
        self.kind_bit.len()
    }

    /// Tag ids of offer `o`, ascending.
    #[inline]
    pub(crate) fn tags_of(&self, o: usize) -> &[u32] {
        let a = self.offer_tag_start.get(o).copied().unwrap_or(0) as usize;
        let b = self.offer_tag_start.get(o + 1).copied().unwrap_or(0) as usize;
        self.offer_tags.get(a..b).unwrap_or(&[])
    }

    /// Offers carrying tag `t`, ascending.
    #[inline]
    pub(crate) fn posting(&self, t: u32) -> &[u32] {
        let a = self.post_start.get(t as usize).copied().unwrap_or(0) as usize;
        let b = self.post_start.get(t as usize + 1).copied().unwrap_or(0) as usize;
        self.postings.get(a..b).unwrap_or(&[])
    }

    /// `(shared needs, required tags present)` of offer `o` for `s`, by merging sorted ids.
    #[inline]
    pub(crate) fn overlap(&self, s: &ScenarioRow, o: usize) -> (u32, u32) {
        (
            merge_count(&s.needs, self.tags_of(o)),
            merge_count(&s.required, self.tags_of(o)),
        )
    }

    /// Visits the offers that can pass scenario `s`'s tag filters through the tag index,
    /// counts every offer under the filter that removes it, and calls `pass(o, overlap)` for
    /// each offer that passes every filter. Returns removals per filter (in [`Filter::ALL`]
    /// order) and the number passed.
    pub(crate) fn search(
        &self,
        s: &ScenarioRow,
        min_shared: u32,
        scratch: &mut Scratch,
        mut pass: impl FnMut(usize, u32),
    ) -> ([u32; 7], u32) {
        let n = self.len() as u32;
        let mut removed = [0u32; 7];
        let mut passed = 0u32;
        // Offers never visited, counted under the filter they fail.
        let unvisited: (Filter, u32);
        let mut judge = |o: usize, overlap: u32, required_hits: u32| match pair::first_failure(
            s,
            self,
            o,
            overlap,
            required_hits,
            min_shared,
        ) {
            Some(f) => removed[f.index()] += 1,
            None => {
                passed += 1;
                pass(o, overlap);
            }
        };
        if !s.required.is_empty() {
            // Only offers holding every required tag get past the first filter: walk the
            // shortest posting list among the required tags.
            let rarest = s
                .required
                .iter()
                .copied()
                .min_by_key(|&t| self.posting(t).len())
                .unwrap_or(0);
            let mut holding = 0u32;
            for &o in self.posting(rarest) {
                let o = o as usize;
                let (overlap, hits) = self.overlap(s, o);
                if hits as usize == s.required.len() {
                    holding += 1;
                    judge(o, overlap, hits);
                }
            }
            unvisited = (Filter::RequiredTags, n - holding);
        } else {
            let epoch = scratch.next_epoch(self.len());
            scratch.touched.clear();
            for &t in &s.needs {
                for &o in self.posting(t) {
                    let i = o as usize;
                    if scratch.stamp[i] != epoch {
                        scratch.stamp[i] = epoch;
                        scratch.count[i] = 1;
                        scratch.touched.push(o);
                    } else {
                        scratch.count[i] = scratch.count[i].saturating_add(1);
                    }
                }
            }
            // Offers sharing no need: overlap 0 < min_shared (which is at least 1).
            unvisited = (Filter::Relevance, n - scratch.touched.len() as u32);
            for k in 0..scratch.touched.len() {
                let o = scratch.touched[k] as usize;
                judge(o, u32::from(scratch.count[o]), 0);
            }
        }
        removed[unvisited.0.index()] += unvisited.1;
        (removed, passed)
    }
}

/// How many ids two ascending lists share.
#[inline]
pub(crate) fn merge_count(a: &[u32], b: &[u32]) -> u32 {
    let (mut i, mut j, mut c) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                c += 1;
                i += 1;
                j += 1;
            }
        }
    }
    c
}

/// Per-thread working memory of the search: stamps instead of clearing arrays between
/// scenarios, so one scenario costs what it visits, not the size of the market.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    epoch: u32,
    stamp: Vec<u32>,
    count: Vec<u8>,
    touched: Vec<u32>,
}

impl Scratch {
    fn next_epoch(&mut self, n: usize) -> u32 {
        if self.stamp.len() != n || self.epoch == u32::MAX {
            self.stamp = vec![0; n];
            self.count = vec![0; n];
            self.epoch = 0;
        }
        self.epoch += 1;
        self.epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_counts_shared_ids() {
        assert_eq!(merge_count(&[1, 3, 5, 9], &[2, 3, 9, 10]), 2);
        assert_eq!(merge_count(&[], &[1]), 0);
    }

    #[test]
    fn scopes() {
        assert!(ScopeRow::Anywhere.admits(11));
        assert!(ScopeRow::Province(37).admits(37));
        assert!(!ScopeRow::Province(37).admits(11));
        let m = ScopeRow::Set((1u128 << 37) | (1u128 << 11));
        assert!(m.admits(11) && !m.admits(44));
    }
}
