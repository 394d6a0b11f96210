//! [`Scoring`]: hard filters, then weighted scores, for every scenario of a market — the
//! indexed search for whole markets, and [`Scoring::explain`] for one scenario with every
//! exclusion and every score part written out (as compute-scheduler's pipeline does for a
//! job).

use rayon::prelude::*;
use registry_model::EnterpriseId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::candidates::{Candidates, Edge, FilterCounts};
use crate::config::MatchConfig;
use crate::error::{MarketError, Result};
use crate::index::{OfferRow, ScenarioRow, Scratch};
use crate::key::Key;
use crate::market::Market;
use crate::pair::{self, FILTERS, Filter, Part};
use crate::scenario::RegionScope;

/// A score in hundredths of a point as points with two decimals.
pub fn points(score: u32) -> Decimal {
    Decimal::new(i64::from(score), 2)
}

/// The scoring stage of the matcher.
///
/// ```
/// use scenario_market::{MatchConfig, Scoring, example};
/// let market = example::market()?;
/// let scoring = Scoring::new(MatchConfig::embedded()?)?;
/// let g = scoring.candidates(&market);
/// // The indexed search and the exhaustive reference agree, counts included.
/// assert_eq!(g, scoring.candidates_exhaustive(&market));
/// let why = scoring.explain(&market, 0)?;
/// assert_eq!(why.offers, market.offers().len());
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoring {
    config: MatchConfig,
    weighting: pair::Weighting,
}

impl Scoring {
    /// A scoring stage with `config` (checked again here).
    pub fn new(config: MatchConfig) -> Result<Self> {
        config.check().map_err(|message| MarketError::Config {
            file: config.id.clone(),
            message,
        })?;
        let weighting = pair::Weighting::new(config.weights.as_array());
        Ok(Self { config, weighting })
    }

    /// The configuration.
    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    fn proximity(&self) -> [u32; 3] {
        let p = self.config.proximity;
        [p.same_prefecture, p.same_province, p.elsewhere]
    }

    fn empty_graph(&self, market: &Market) -> Candidates {
        let scenario_capacity = market.scenarios().iter().map(|s| s.slots).collect();
        let firm_capacity = (0..market.firms().len())
            .map(|f| {
                market
                    .firm_capacity(f)
                    .unwrap_or(self.config.firm_capacity_default)
            })
            .collect();
        Candidates::with_capacity(scenario_capacity, firm_capacity)
    }

    /// Shortlists of every scenario through the tag index, in parallel (rayon). Each
    /// scenario is computed alone, so the result is the same on any number of threads.
    /// Time: the postings read (for each scenario, the runs of its needs in the provinces it
    /// admits, or of its rarest required tag with galloping searches in the others) plus a
    /// linear selection of the shortlist; memory: a bit and a byte per offer per thread,
    /// and the graph.
    pub fn candidates(&self, market: &Market) -> Candidates {
        let ix = &market.index;
        let n_f = market.firms().len();
        let min_shared = self.config.min_shared_tags;
        let results: Vec<(Vec<Edge>, Option<u32>, FilterCounts)> = (0..market.rows.len())
            .into_par_iter()
            .map_init(
                || (Scratch::default(), Shortlister::default()),
                |(scratch, shortlister), s| {
                    let row = &market.rows[s];
                    shortlister.begin(n_f);
                    let (removed, passed) = ix.search(row, min_shared, scratch, |x, overlap| {
                        shortlister.offer(x.firm, x.offer, self.score(row, x, overlap));
                    });
                    self.finish(s, shortlister, removed, passed)
                },
            )
            .collect();
        let mut g = self.empty_graph(market);
        for (edges, cut, counts) in results {
            g.push_scenario(edges, cut, counts);
        }
        g
    }

    /// The same shortlists by evaluating every scenario against every offer: the reference
    /// the indexed search is tested against, and fine for small markets. Time is
    /// O(scenarios × offers).
    pub fn candidates_exhaustive(&self, market: &Market) -> Candidates {
        let ix = &market.index;
        let mut shortlister = Shortlister::default();
        let mut g = self.empty_graph(market);
        for (s, row) in market.rows.iter().enumerate() {
            shortlister.begin(market.firms().len());
            let mut removed = [0u32; FILTERS];
            let mut passed = 0;
            for o in 0..ix.len() {
                let (overlap, hits) = ix.overlap(row, o);
                let orow = &ix.rows[o];
                match pair::first_failure(row, orow, overlap, hits, self.config.min_shared_tags) {
                    Some(f) => removed[f.index()] += 1,
                    None => {
                        passed += 1;
                        shortlister.offer(orow.firm, orow.offer, self.score(row, orow, overlap));
                    }
                }
            }
            let (edges, cut, counts) = self.finish(s, &mut shortlister, removed, passed);
            g.push_scenario(edges, cut, counts);
        }
        g
    }

    #[inline]
    fn score(&self, row: &ScenarioRow, orow: &OfferRow, overlap: u32) -> u32 {
        pair::total(
            pair::parts(row, orow, overlap, self.proximity()),
            &self.weighting,
        )
    }

    fn finish(
        &self,
        s: usize,
        shortlister: &mut Shortlister,
        removed: [u32; FILTERS],
        passed: u32,
    ) -> (Vec<Edge>, Option<u32>, FilterCounts) {
        let (ranked, cut, firms_passing) = shortlister.finish(self.config.shortlist_len as usize);
        let edges = ranked
            .into_iter()
            .map(|(score, firm, offer)| Edge {
                scenario: s as u32,
                firm,
                offer,
                score,
            })
            .collect();
        let counts = FilterCounts {
            removed,
            passed,
            firms_passing,
        };
        (edges, cut, counts)
    }

    /// Every offer's fate for scenario `s` (a position in [`Market::scenarios`]): which
    /// filter removed it and why, every score part of those that passed with its reason and
    /// weight, and the shortlist. Time O(offers); the result holds one line per offer.
    pub fn explain(&self, market: &Market, s: usize) -> Result<Explanation> {
        let (Some(scenario), Some(row)) = (market.scenarios().get(s), market.rows.get(s)) else {
            return Err(MarketError::NotFound {
                what: "scenario position",
                key: s.to_string(),
            });
        };
        let ix = &market.index;
        let mut filters: Vec<FilterOutcome> = Filter::ALL
            .iter()
            .map(|&filter| FilterOutcome {
                filter,
                removed: Vec::new(),
            })
            .collect();
        let mut scores = Vec::new();
        let mut shortlister = Shortlister::default();
        shortlister.begin(market.firms().len());
        let weights = self.weighting.weights();
        for (o, offer) in market.offers().iter().enumerate() {
            let (overlap, hits) = ix.overlap(row, o);
            let orow = &ix.rows[o];
            if let Some(f) =
                pair::first_failure(row, orow, overlap, hits, self.config.min_shared_tags)
            {
                let tier = market.firm_standing(orow.firm as usize).map(|s| s.tier);
                let reason =
                    crate::explain::reason(f, scenario, offer, overlap, &self.config, tier);
                if let Some(out) = filters.get_mut(f.index()) {
                    out.removed.push(Exclusion {
                        offer: offer.id.clone(),
                        firm: offer.firm,
                        reason,
                    });
                }
                continue;
            }
            let raw = pair::parts(row, orow, overlap, self.proximity());
            let total = pair::total(raw, &self.weighting);
            shortlister.offer(orow.firm, orow.offer, total);
            let parts = Part::ALL
                .iter()
                .zip(raw)
                .zip(weights)
                .map(|((&part, score), weight)| ScorePart {
                    part,
                    score: points(score),
                    weight,
                    why: crate::explain::part_reason(part, scenario, offer, overlap),
                })
                .collect();
            scores.push((
                total,
                OfferScore {
                    offer: offer.id.clone(),
                    firm: offer.firm,
                    parts,
                    total: points(total),
                },
            ));
        }
        scores.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.offer.cmp(&b.1.offer)));
        let (ranked, cut, _) = shortlister.finish(self.config.shortlist_len as usize);
        // Positions come from this market, so every lookup succeeds.
        let shortlist = ranked
            .iter()
            .filter_map(|&(score, f, o)| {
                Some((
                    *market.firms().get(f as usize)?,
                    market.offers().get(o as usize)?.id.clone(),
                    score,
                ))
            })
            .enumerate()
            .map(|(i, (firm, offer, score))| ShortlistEntry {
                rank: i as u32 + 1,
                firm,
                offer,
                score: points(score),
            })
            .collect();
        Ok(Explanation {
            scenario: scenario.id.clone(),
            config: self.config.id.clone(),
            scope: scenario.scope.clone(),
            offers: market.offers().len(),
            filters,
            scores: scores.into_iter().map(|(_, s)| s).collect(),
            shortlist,
            cut_best: cut.map(points),
        })
    }
}

/// Keeps, for one scenario, each firm's best offer and selects the best firms.
#[derive(Debug, Default)]
pub(crate) struct Shortlister {
    epoch: u32,
    stamp: Vec<u32>,
    /// (score, offer) of each firm's best offer so far.
    best: Vec<(u32, u32)>,
    firms: Vec<u32>,
}

impl Shortlister {
    pub(crate) fn begin(&mut self, n_firms: usize) {
        if self.stamp.len() != n_firms || self.epoch == u32::MAX {
            self.stamp = vec![0; n_firms];
            self.best = vec![(0, 0); n_firms];
            self.epoch = 0;
        }
        self.epoch += 1;
        self.firms.clear();
    }

    /// Offer `o` passed with `score`: keep it if it is its firm's best (ties: lower offer
    /// position).
    #[inline]
    pub(crate) fn offer(&mut self, firm: u32, o: u32, score: u32) {
        let f = firm as usize;
        if self.stamp[f] != self.epoch {
            self.stamp[f] = self.epoch;
            self.best[f] = (score, o);
            self.firms.push(f as u32);
        } else {
            let (bs, bo) = self.best[f];
            if score > bs || (score == bs && o < bo) {
                self.best[f] = (score, o);
            }
        }
    }

    /// The best `k` firms as (score, firm, offer), ranked by score then firm position; the
    /// best score left off; the number of firms that passed.
    pub(crate) fn finish(&mut self, k: usize) -> (Vec<(u32, u32, u32)>, Option<u32>, u32) {
        let mut all: Vec<(u32, u32, u32)> = self
            .firms
            .iter()
            .map(|&f| {
                let (score, o) = self.best[f as usize];
                (score, f, o)
            })
            .collect();
        let n = all.len() as u32;
        let rank = |a: &(u32, u32, u32), b: &(u32, u32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        let mut cut = None;
        if all.len() > k {
            if k > 0 {
                all.select_nth_unstable_by(k - 1, rank);
            }
            cut = all.get(k..).and_then(|rest| rest.iter().map(|x| x.0).max());
            all.truncate(k);
        }
        all.sort_unstable_by(rank);
        (all, cut, n)
    }
}

/// One filter's removals in an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterOutcome {
    /// The filter.
    pub filter: Filter,
    /// Offers it removed, with reasons.
    pub removed: Vec<Exclusion>,
}

/// An offer removed by a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// The offer.
    pub offer: Key,
    /// Its firm.
    pub firm: EnterpriseId,
    /// Why, with the values compared.
    pub reason: String,
}

/// One part of an offer's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorePart {
    /// The part.
    pub part: Part,
    /// Its score, 0 to 100 points.
    pub score: Decimal,
    /// Its weight.
    pub weight: u32,
    /// Why, with the values used.
    pub why: String,
}

/// The score of an offer that passed every filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferScore {
    /// The offer.
    pub offer: Key,
    /// Its firm.
    pub firm: EnterpriseId,
    /// The four parts.
    pub parts: Vec<ScorePart>,
    /// Weighted mean of the parts, rounded down to the hundredth.
    pub total: Decimal,
}

/// A place on a scenario's shortlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortlistEntry {
    /// 1 for the best.
    pub rank: u32,
    /// The firm.
    pub firm: EnterpriseId,
    /// Its best offer for the scenario.
    pub offer: Key,
    /// Its score.
    pub score: Decimal,
}

/// Everything the scoring stage did for one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The scenario.
    pub scenario: Key,
    /// The id of the matching configuration used.
    pub config: String,
    /// The scenario's region scope.
    pub scope: RegionScope,
    /// Offers in the market.
    pub offers: usize,
    /// Each filter's removals, in the order applied.
    pub filters: Vec<FilterOutcome>,
    /// Every offer that passed, best first (ties by offer id).
    pub scores: Vec<OfferScore>,
    /// The shortlist: the best firms, each with its best offer.
    pub shortlist: Vec<ShortlistEntry>,
    /// The best score of a passing firm left off the shortlist.
    pub cut_best: Option<Decimal>,
}

impl Explanation {
    /// Offers removed by each filter, in order, then the number passed.
    pub fn counts(&self) -> (Vec<(Filter, usize)>, usize) {
        (
            self.filters
                .iter()
                .map(|f| (f.filter, f.removed.len()))
                .collect(),
            self.scores.len(),
        )
    }
}
