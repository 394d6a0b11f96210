//! The data plane: one compact row per offer, an inverted index from tag to offers cut
//! into runs by province, scenarios as compact rows, and the indexed search.
//!
//! Scoring every scenario against every offer is 10^9 pair evaluations for 10,000 × 100,000.
//! The first filters are the ones the index is ordered by, so the offers they remove are
//! counted without being visited:
//!
//! - region: offers outside the scenario's provinces are never looked at; their number comes
//!   from the per-province totals;
//! - required tags and relevance: only offers in the runs of the scenario's rarest required
//!   tag, or else in the union of its needs' runs, can pass; the others are counted by
//!   subtraction.
//!
//! Each posting carries a copy of its offer's row, and runs ascend by offer, so the search
//! reads memory in order: the rarest required tag's run drives and the other needs' runs are
//! searched with forward-only galloping cursors, or the needs' runs are merged. The offers
//! visited go through the same [`crate::pair`] functions as the exhaustive path, which is
//! why both give the same candidates, counts included (a property test checks it).

use std::collections::BTreeMap;

use registry_model::{EnterpriseId, RegionCode};

use crate::error::{MarketError, Result};
use crate::key::Tag;
use crate::offer::{Offer, OfferKind};
use crate::pair::{self, FILTERS, Filter};
pub(crate) use crate::rows::{OfferRow, ScenarioRow, ScopeRow, tier_code};
use crate::scenario::{RegionScope, Scenario};

/// Most distinct tags in one market.
pub const VOCABULARY_MAX: usize = 1_000_000;

/// Two-digit province codes are below 100.
const PROVINCE_SLOTS: usize = 100;

/// One tag's postings from one province, ascending by offer.
type Run<'a> = &'a [OfferRow];

/// The offer rows and the tag index.
#[derive(Debug, Clone, Default)]
pub(crate) struct OfferIndex {
    pub rows: Vec<OfferRow>,
    /// Offer o's tag ids are `offer_tags[offer_tag_start[o]..offer_tag_start[o + 1]]`.
    offer_tag_start: Vec<u32>,
    offer_tags: Vec<u32>,
    /// Tag t's postings are `postings[post_start[t]..post_start[t + 1]]`, ordered by
    /// (province, offer); `post_ids` holds their offer positions alone, 8 to a cache line,
    /// for the cursors' searches.
    post_start: Vec<u32>,
    postings: Vec<OfferRow>,
    post_ids: Vec<u32>,
    /// Tag t's province runs are `dir[dir_start[t]..dir_start[t + 1]]`: (province, start).
    dir_start: Vec<u32>,
    dir: Vec<(u8, u32)>,
    /// Offers per province code.
    province_total: Vec<u32>,
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
    /// Builds the rows, the tag index and the scenario rows.
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
        // Ids follow the tags' sorted order, so sorted tag lists give ascending ids.
        for (i, id) in vocab.values_mut().enumerate() {
            *id = i as u32;
        }
        let id_of = |t: &Tag| vocab.get(t).copied().unwrap_or(0);
        let n = offers.len();
        let n_tags = vocab.len();
        let mut ix = OfferIndex {
            rows: Vec::with_capacity(n),
            offer_tag_start: Vec::with_capacity(n + 1),
            province_total: vec![0; PROVINCE_SLOTS],
            ..OfferIndex::default()
        };
        ix.offer_tag_start.push(0);
        for o in offers {
            // Offer tags are sorted and tag ids follow the sorted order, so ids ascend.
            ix.offer_tags.extend(o.tags.iter().map(id_of));
            ix.offer_tag_start.push(ix.offer_tags.len() as u32);
            let province = province_of(o.region);
            if let Some(c) = ix.province_total.get_mut(province as usize) {
                *c += 1;
            }
            ix.rows.push(OfferRow {
                price_fen: o.price.fen(),
                from_day: o.available_from.map_or(i32::MIN, day),
                until_day: o.available_until.map_or(i32::MAX, day),
                firm: firms.binary_search(&o.firm).unwrap_or(0) as u32,
                offer: ix.rows.len() as u32,
                prefecture: prefecture_of(o.region),
                kind_bit: o.kind.bit(),
                maturity: o.maturity.level(),
                province,
                tier: 0,
            });
        }
        // Postings: (tag, province, offer), then cut into runs.
        let mut entries: Vec<(u32, u8, u32)> = Vec::with_capacity(ix.offer_tags.len());
        for (o, row) in ix.rows.iter().enumerate() {
            for &t in ix.tags_of(o) {
                entries.push((t, row.province, o as u32));
            }
        }
        entries.sort_unstable();
        ix.post_start = vec![0; n_tags + 1];
        ix.dir_start = vec![0; n_tags + 1];
        let mut last: Option<(u32, u8)> = None;
        for (i, &(t, p, o)) in entries.iter().enumerate() {
            if last != Some((t, p)) {
                ix.dir.push((p, i as u32));
                last = Some((t, p));
            }
            ix.postings
                .push(ix.rows.get(o as usize).copied().unwrap_or_default());
            ix.post_ids.push(o);
            if let Some(c) = ix.post_start.get_mut(t as usize + 1) {
                *c += 1;
            }
        }
        for t in 0..n_tags {
            ix.post_start[t + 1] += ix.post_start[t];
        }
        // Directory offsets per tag: the runs of tag t start at its first posting.
        let mut d = 0usize;
        for t in 0..n_tags {
            ix.dir_start[t] = d as u32;
            let end = ix.post_start[t + 1];
            while d < ix.dir.len() && ix.dir[d].1 < end {
                d += 1;
            }
        }
        ix.dir_start[n_tags] = ix.dir.len() as u32;
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
                tier_min: tier_code(s.tier_min),
                tag_points: pair::tag_points(s.needs.len()),
                opens_day: day(s.opens),
                closes_day: day(s.closes),
                province: province_of(s.region),
                prefecture: prefecture_of(s.region),
            })
            .collect();
        Ok((ix, rows))
    }

    /// Sets each offer's firm tier (rows and the postings' copies) from `tiers`, by firm
    /// position.
    pub(crate) fn set_tiers(&mut self, tiers: &[u8]) {
        for r in self.rows.iter_mut().chain(self.postings.iter_mut()) {
            r.tier = tiers.get(r.firm as usize).copied().unwrap_or(0);
        }
    }

    /// Number of offers.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Tag ids of offer `o`, ascending.
    #[inline]
    pub(crate) fn tags_of(&self, o: usize) -> &[u32] {
        let a = self.offer_tag_start.get(o).copied().unwrap_or(0) as usize;
        let b = self.offer_tag_start.get(o + 1).copied().unwrap_or(0) as usize;
        self.offer_tags.get(a..b).unwrap_or(&[])
    }

    /// `(shared needs, required tags present)` of offer `o` for `s`, by merging sorted ids.
    #[inline]
    pub(crate) fn overlap(&self, s: &ScenarioRow, o: usize) -> (u32, u32) {
        (
            merge_count(&s.needs, self.tags_of(o)),
            merge_count(&s.required, self.tags_of(o)),
        )
    }

    /// Tag `t`'s runs in the provinces `scope` admits, as (province, run).
    fn runs(&self, t: u32, scope: ScopeRow) -> impl Iterator<Item = (u8, Run<'_>)> + '_ {
        let t = t as usize;
        let a = self.dir_start.get(t).copied().unwrap_or(0) as usize;
        let b = self.dir_start.get(t + 1).copied().unwrap_or(0) as usize;
        let end = self.post_start.get(t + 1).copied().unwrap_or(0);
        let dir = self.dir.get(a..b).unwrap_or(&[]);
        dir.iter().enumerate().filter_map(move |(k, &(p, start))| {
            if !scope.admits(p) {
                return None;
            }
            let stop = dir.get(k + 1).map_or(end, |x| x.1) as usize;
            let start = start as usize;
            Some((p, self.postings.get(start..stop)?))
        })
    }

    /// The offer positions of tag `t`'s run in province `p` (empty when it has none).
    fn run_ids(&self, t: u32, p: u8) -> &[u32] {
        let t = t as usize;
        let a = self.dir_start.get(t).copied().unwrap_or(0) as usize;
        let b = self.dir_start.get(t + 1).copied().unwrap_or(0) as usize;
        let end = self.post_start.get(t + 1).copied().unwrap_or(0);
        let dir = self.dir.get(a..b).unwrap_or(&[]);
        match dir.binary_search_by_key(&p, |x| x.0) {
            Ok(k) => {
                let start = dir[k].1 as usize;
                let stop = dir.get(k + 1).map_or(end, |x| x.1) as usize;
                self.post_ids.get(start..stop).unwrap_or(&[])
            }
            Err(_) => &[],
        }
    }

    /// Offers in the provinces `scope` admits.
    fn admitted(&self, scope: ScopeRow) -> u32 {
        self.province_total
            .iter()
            .enumerate()
            .filter(|&(p, _)| scope.admits(p as u8))
            .map(|(_, &c)| c)
            .sum()
    }

    /// Visits, through the index, the offers that can pass scenario `s`'s region and tag
    /// filters; counts every offer under the filter that removes it; calls
    /// `pass(o, overlap)` for each offer that passes every filter. Returns removals per
    /// filter (in [`Filter::ALL`] order) and the number passed.
    pub(crate) fn search(
        &self,
        s: &ScenarioRow,
        min_shared: u32,
        scratch: &mut Scratch,
        mut pass: impl FnMut(&OfferRow, u32),
    ) -> ([u32; FILTERS], u32) {
        let n = self.len() as u32;
        let admitted = self.admitted(s.scope);
        let mut removed = [0u32; FILTERS];
        removed[Filter::Region.index()] = n - admitted;
        let mut passed = 0u32;
        if !s.required.is_empty() {
            // Only offers holding every required tag pass the tag filters: drive by the
            // rarest required tag's runs, and find the driver's offers in the other tags'
            // runs (all ascending by offer) with forward-only galloping cursors.
            let rarest = s
                .required
                .iter()
                .copied()
                .min_by_key(|&t| self.runs(t, s.scope).map(|r| r.1.len()).sum::<usize>())
                .unwrap_or(0);
            let base = s.required.len() as u32;
            let mut required: Vec<Cursor<'_>> = Vec::with_capacity(s.required.len());
            let mut others: Vec<Cursor<'_>> = Vec::with_capacity(s.needs.len());
            let mut holding = 0u32;
            for (p, driver) in self.runs(rarest, s.scope) {
                required.clear();
                others.clear();
                for &t in &s.needs {
                    if t == rarest {
                        continue;
                    }
                    let c = Cursor::new(self.run_ids(t, p));
                    if s.required.binary_search(&t).is_ok() {
                        required.push(c);
                    } else {
                        others.push(c);
                    }
                }
                'offers: for x in driver {
                    for c in required.iter_mut() {
                        if !c.seek(x.offer) {
                            continue 'offers;
                        }
                    }
                    holding += 1;
                    let shared = |others: &mut Vec<Cursor<'_>>| {
                        base + others
                            .iter_mut()
                            .map(|c| u32::from(c.seek(x.offer)))
                            .sum::<u32>()
                    };
                    // With the required tags alone meeting the relevance minimum, the shared
                    // needs are counted only for offers that pass the later filters.
                    let overlap = if base >= min_shared {
                        None
                    } else {
                        let o = shared(&mut others);
                        if o < min_shared {
                            removed[Filter::Relevance.index()] += 1;
                            continue;
                        }
                        Some(o)
                    };
                    match removed.get_mut(pair::TAIL_FIRST + pair::tail_code(s, x) as usize) {
                        Some(r) => *r += 1,
                        None => {
                            passed += 1;
                            pass(x, overlap.unwrap_or_else(|| shared(&mut others)));
                        }
                    }
                }
            }
            removed[Filter::RequiredTags.index()] += admitted - holding;
        } else {
            // No required tag: the offers sharing a need are the union of the needs' runs. A
            // bit per offer marks the first sighting, when the later filters are judged from
            // the posting; sightings of passing offers are counted to give their overlap.
            scratch.reset(self.len());
            let mut sharing = 0u32;
            for &t in &s.needs {
                for (_, run) in self.runs(t, s.scope) {
                    for x in run {
                        let o = x.offer as usize;
                        if scratch.seen(o) {
                            if let Some(c) = scratch.count.get_mut(o)
                                && *c > 0
                            {
                                *c = c.saturating_add(1);
                            }
                            continue;
                        }
                        sharing += 1;
                        if min_shared > 1 {
                            // Relevance needs the final overlap: judge after all runs.
                            scratch.count[o] = 1;
                            scratch.pending.push(*x);
                            continue;
                        }
                        match removed.get_mut(pair::TAIL_FIRST + pair::tail_code(s, x) as usize) {
                            Some(r) => *r += 1,
                            None => {
                                scratch.count[o] = 1;
                                scratch.pending.push(*x);
                            }
                        }
                    }
                }
            }
            // Admitted offers sharing no need: overlap 0 < min_shared (at least 1).
            removed[Filter::Relevance.index()] += admitted - sharing;
            for x in &scratch.pending {
                let overlap = u32::from(scratch.count[x.offer as usize]);
                if overlap < min_shared {
                    removed[Filter::Relevance.index()] += 1;
                    continue;
                }
                if min_shared > 1
                    && let Some(f) = pair::tail_failure(s, x)
                {
                    removed[f.index()] += 1;
                    continue;
                }
                passed += 1;
                pass(x, overlap);
            }
        }
        (removed, passed)
    }
}

/// Per-thread working memory of the union search: a bit per offer for "seen", a count of
/// sightings for offers still in play, and those offers. Only what a scenario touched is
/// cleared, so a scenario costs what it visits.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    seen: Vec<u64>,
    count: Vec<u8>,
    pending: Vec<OfferRow>,
    touched_words: Vec<u32>,
}

impl Scratch {
    fn reset(&mut self, n: usize) {
        if self.count.len() != n {
            self.seen = vec![0; n.div_ceil(64)];
            self.count = vec![0; n];
            self.touched_words.clear();
            self.pending.clear();
            return;
        }
        for &w in &self.touched_words {
            if let Some(word) = self.seen.get_mut(w as usize) {
                *word = 0;
            }
        }
        for x in &self.pending {
            if let Some(c) = self.count.get_mut(x.offer as usize) {
                *c = 0;
            }
        }
        self.touched_words.clear();
        self.pending.clear();
    }

    /// Whether offer `o` was seen before; marks it seen.
    #[inline]
    fn seen(&mut self, o: usize) -> bool {
        let (w, bit) = (o / 64, 1u64 << (o % 64));
        let Some(word) = self.seen.get_mut(w) else {
            return true;
        };
        if *word & bit != 0 {
            return true;
        }
        if *word == 0 {
            self.touched_words.push(w as u32);
        }
        *word |= bit;
        false
    }
}

/// A forward-only cursor over a run's offer positions (ascending).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    ids: &'a [u32],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(ids: &'a [u32]) -> Self {
        Self { ids, pos: 0 }
    }

    /// Moves to the first entry ≥ `offer` (galloping, then binary search) and says whether
    /// it is `offer`. Calls must come with ascending offers.
    #[inline]
    fn seek(&mut self, offer: u32) -> bool {
        let rest = self.ids.get(self.pos..).unwrap_or(&[]);
        match rest.first() {
            None => return false,
            Some(&first) if first >= offer => return first == offer,
            Some(_) => {}
        }
        let mut step = 1usize;
        while step < rest.len() && rest[step] < offer {
            step *= 2;
        }
        let lo = step / 2;
        let hi = step.min(rest.len());
        let k = lo
            + rest
                .get(lo..hi)
                .map_or(0, |w| w.partition_point(|&x| x < offer));
        self.pos += k;
        self.ids.get(self.pos) == Some(&offer)
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

    #[test]
    fn rows_stay_small() {
        assert!(std::mem::size_of::<OfferRow>() <= 32);
    }
}
