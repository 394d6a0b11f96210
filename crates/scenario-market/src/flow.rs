//! [`OptimalMatcher`]: the assignment of maximum total score under both sides' capacities,
//! by min-cost flow, with an LP dual certificate.
//!
//! # Why min-cost flow, and its bound
//!
//! The problem is a bipartite b-matching: maximise Σ w·x over candidate pairs, each scenario
//! at most its slots, each firm at most its capacity, each pair at most once. Its LP
//! relaxation has an integral optimum (the constraint matrix is totally unimodular), so a
//! network-flow algorithm finds the exact integer optimum with integer arithmetic — scores
//! are integers, nothing is rounded. A general LP solver (good_lp with microlp, used in the
//! tests as an independent oracle) would solve the same relaxation in floating point, with a
//! tolerance to round away and no bound on its running time that we could state.
//!
//! Network: source → scenario (capacity = slots, cost 0) → firm (capacity 1, cost −score) →
//! sink (capacity = the firm's capacity, cost 0). Successive shortest paths with Dijkstra on
//! reduced costs (Johnson potentials, initialised exactly because the network is a DAG);
//! each round adds one unit along the cheapest path, and the loop stops when that path no
//! longer has negative cost, which gives the maximum-weight flow of any value (path costs
//! never decrease). Bound: at most F rounds, F ≤ min(Σ slots, Σ firm capacities, pairs), each
//! O((V + E) log V) with V = scenarios + firms + 2 and E = pairs + scenarios + firms; memory
//! O(V + E).
//!
//! # The certificate
//!
//! From the final residual network, potentials satisfying every reduced-cost condition
//! (including the source–sink edge that leaves the flow value free) give LP dual values
//! u (scenarios) and v (firms). The dual's value is checked to equal the total score — a
//! proof of optimality over the candidate graph. A scenario s whose shortlist cut firms off
//! is covered as well when u_s is at least the best cut score (then every cut pair satisfies
//! its dual constraint, as v ≥ 0): the assignment is then optimal over every pair that passed
//! the filters.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::candidates::Candidates;
use crate::error::{MarketError, Result};
use crate::matcher::{Assignment, Certificate, Matcher, Pair};

/// The maximum total score under capacities (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct OptimalMatcher;

impl Matcher for OptimalMatcher {
    fn name(&self) -> &'static str {
        "optimal"
    }

    fn assign(&self, g: &Candidates) -> Result<Assignment> {
        let mut net = Network::build(g);
        net.run();
        let pairs = net.pairs(g);
        let mut a = Assignment::new(self.name(), pairs);
        a.validate(g)?;
        a.certificate = net.certificate(g, a.total_score)?;
        Ok(a)
    }
}

const INF: i64 = i64::MAX / 4;

struct Network {
    n: usize,
    source: usize,
    sink: usize,
    to: Vec<u32>,
    cap: Vec<i32>,
    cost: Vec<i64>,
    /// Adjacency in CSR form: arcs of node v are `adj[adj_start[v]..adj_start[v + 1]]`.
    adj_start: Vec<u32>,
    adj: Vec<u32>,
    /// (arc id of scenario → firm, candidate edge index).
    pair_arcs: Vec<(u32, u32)>,
    firm_node: Vec<u32>,
    potential: Vec<i64>,
    flow_value: u64,
}

impl Network {
    fn build(g: &Candidates) -> Self {
        let n_s = g.scenarios();
        let mut firm_node = vec![u32::MAX; g.firms()];
        let mut next = n_s + 1;
        for e in g.edges() {
            if let Some(slot) = firm_node.get_mut(e.firm as usize)
                && *slot == u32::MAX
            {
                *slot = next as u32;
                next += 1;
            }
        }
        let n = next + 1;
        let (source, sink) = (0, n - 1);
        let mut net = Network {
            n,
            source,
            sink,
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            adj_start: Vec::new(),
            adj: Vec::new(),
            pair_arcs: Vec::with_capacity(g.edges().len()),
            firm_node,
            potential: vec![0; n],
            flow_value: 0,
        };
        let mut from = Vec::new();
        let mut add = |net: &mut Network, u: usize, v: usize, cap: i32, cost: i64| -> u32 {
            let id = net.to.len() as u32;
            net.to.extend([v as u32, u as u32]);
            net.cap.extend([cap, 0]);
            net.cost.extend([cost, -cost]);
            from.extend([u as u32, v as u32]);
            id
        };
        for s in 0..n_s {
            add(&mut net, source, s + 1, g.scenario_capacity(s) as i32, 0);
        }
        for (i, e) in g.edges().iter().enumerate() {
            let fnode = net.firm_node[e.firm as usize] as usize;
            let id = add(
                &mut net,
                e.scenario as usize + 1,
                fnode,
                1,
                -i64::from(e.score),
            );
            net.pair_arcs.push((id, i as u32));
        }
        for (f, &node) in net.firm_node.clone().iter().enumerate() {
            if node != u32::MAX {
                add(&mut net, node as usize, sink, g.firm_capacity(f) as i32, 0);
            }
        }
        // CSR adjacency.
        let mut count = vec![0u32; n + 1];
        for &u in &from {
            count[u as usize + 1] += 1;
        }
        for i in 1..=n {
            count[i] += count[i - 1];
        }
        let mut fill = count.clone();
        net.adj = vec![0; from.len()];
        for (arc, &u) in from.iter().enumerate() {
            let slot = &mut fill[u as usize];
            net.adj[*slot as usize] = arc as u32;
            *slot += 1;
        }
        net.adj_start = count;
        // Exact initial potentials: shortest distances from the source in the DAG
        // source → scenarios (0) → firms (−score) → sink (0).
        for &(arc, _) in &net.pair_arcs {
            let f = net.to[arc as usize] as usize;
            net.potential[f] = net.potential[f].min(net.cost[arc as usize]);
        }
        let sink_p = (n_s + 1..sink).map(|v| net.potential[v]).min().unwrap_or(0);
        net.potential[sink] = sink_p;
        net
    }

    fn arcs(&self, v: usize) -> &[u32] {
        let a = self.adj_start[v] as usize;
        let b = self.adj_start[v + 1] as usize;
        &self.adj[a..b]
    }

    #[inline]
    fn reduced(&self, arc: usize, u: usize) -> i64 {
        self.cost[arc] + self.potential[u] - self.potential[self.to[arc] as usize]
    }

    /// Successive shortest paths until the cheapest path is no longer negative.
    fn run(&mut self) {
        let mut dist = vec![INF; self.n];
        let mut prev_arc = vec![u32::MAX; self.n];
        let mut done = vec![false; self.n];
        let mut heap = BinaryHeap::new();
        loop {
            dist.fill(INF);
            prev_arc.fill(u32::MAX);
            done.fill(false);
            heap.clear();
            dist[self.source] = 0;
            heap.push(Reverse((0i64, self.source as u32)));
            while let Some(Reverse((d, u))) = heap.pop() {
                let u = u as usize;
                if done[u] || d > dist[u] {
                    continue;
                }
                done[u] = true;
                if u == self.sink {
                    break;
                }
                for &arc in self.arcs(u) {
                    let arc = arc as usize;
                    if self.cap[arc] <= 0 {
                        continue;
                    }
                    let v = self.to[arc] as usize;
                    let nd = d + self.reduced(arc, u);
                    if nd < dist[v] {
                        dist[v] = nd;
                        prev_arc[v] = arc as u32;
                        heap.push(Reverse((nd, v as u32)));
                    }
                }
            }
            if !done[self.sink] {
                return;
            }
            // Every node not settled is at least as far as the sink: capping distances at
            // the sink's keeps all reduced costs non-negative (early exit of Dijkstra).
            let d_sink = dist[self.sink];
            for (p, d) in self.potential.iter_mut().zip(&dist) {
                *p += (*d).min(d_sink);
            }
            let path_cost = self.potential[self.sink] - self.potential[self.source];
            if path_cost >= 0 {
                return;
            }
            let mut bottleneck = i32::MAX;
            let mut v = self.sink;
            while v != self.source {
                let arc = prev_arc[v] as usize;
                bottleneck = bottleneck.min(self.cap[arc]);
                v = self.to[arc ^ 1] as usize;
            }
            let mut v = self.sink;
            while v != self.source {
                let arc = prev_arc[v] as usize;
                self.cap[arc] -= bottleneck;
                self.cap[arc ^ 1] += bottleneck;
                v = self.to[arc ^ 1] as usize;
            }
            self.flow_value += bottleneck as u64;
        }
    }

    fn pairs(&self, g: &Candidates) -> Vec<Pair> {
        self.pair_arcs
            .iter()
            .filter(|&&(arc, _)| self.cap[arc as usize] == 0)
            .filter_map(|&(_, i)| g.edges().get(i as usize))
            .map(Pair::from)
            .collect()
    }

    /// Potentials valid for every residual arc plus the free flow-value arcs (sink → source
    /// always, source → sink when the flow is positive), by Bellman–Ford relaxation from
    /// the search's potentials; `None` when it does not settle within its bound.
    fn dual_potentials(&self) -> Option<Vec<i64>> {
        let mut p = self.potential.clone();
        let mut queued = vec![true; self.n];
        let mut queue: VecDeque<usize> = (0..self.n).collect();
        let mut budget: u64 = 64 * (self.n as u64 + self.to.len() as u64) + 1_000;
        while let Some(u) = queue.pop_front() {
            queued[u] = false;
            let mut relax = |v: usize, c: i64, p: &mut Vec<i64>, queue: &mut VecDeque<usize>| {
                if p[u] + c < p[v] {
                    p[v] = p[u] + c;
                    if !queued[v] {
                        queued[v] = true;
                        queue.push_back(v);
                    }
                }
            };
            for &arc in self.arcs(u) {
                let arc = arc as usize;
                if self.cap[arc] > 0 {
                    relax(self.to[arc] as usize, self.cost[arc], &mut p, &mut queue);
                }
            }
            if u == self.sink {
                relax(self.source, 0, &mut p, &mut queue);
            }
            if u == self.source && self.flow_value > 0 {
                relax(self.sink, 0, &mut p, &mut queue);
            }
            budget = budget.checked_sub(1 + self.arcs(u).len() as u64)?;
        }
        Some(p)
    }

    fn certificate(&self, g: &Candidates, total: u64) -> Result<Option<Certificate>> {
        let Some(p) = self.dual_potentials() else {
            return Ok(None);
        };
        let k = p[self.source];
        let u: Vec<i64> = (0..g.scenarios()).map(|s| (p[s + 1] - k).max(0)).collect();
        let v: Vec<i64> = (0..g.firms())
            .map(|f| match self.firm_node[f] {
                u32::MAX => 0,
                node => (k - p[node as usize]).max(0),
            })
            .collect();
        let mut dual: i64 = 0;
        for (s, us) in u.iter().enumerate() {
            dual += i64::from(g.scenario_capacity(s)) * us;
        }
        for (f, vf) in v.iter().enumerate() {
            dual += i64::from(g.firm_capacity(f)) * vf;
        }
        for &(arc, i) in &self.pair_arcs {
            let Some(e) = g.edges().get(i as usize) else {
                continue;
            };
            let cover = u[e.scenario as usize] + v[e.firm as usize];
            let w = i64::from(e.score);
            if self.cap[arc as usize] == 0 {
                dual += (w - cover).max(0);
            } else if cover < w {
                return Err(MarketError::Invariant(format!(
                    "optimal: dual infeasible on pair ({}, {}): {cover} < {w}",
                    e.scenario, e.firm
                )));
            }
        }
        if dual != total as i64 {
            return Err(MarketError::Invariant(format!(
                "optimal: dual value {dual} ≠ total score {total}"
            )));
        }
        let scenarios_uncertified: Vec<u32> = (0..g.scenarios())
            .filter(|&s| g.cut_best(s).is_some_and(|b| u[s] < i64::from(b)))
            .map(|s| s as u32)
            .collect();
        Ok(Some(Certificate {
            dual_bound: dual as u64,
            shortlist_sufficient: scenarios_uncertified.is_empty(),
            scenarios_uncertified,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates::Edge;
    use crate::matcher::GreedyMatcher;

    fn e(scenario: u32, firm: u32, score: u32) -> Edge {
        Edge {
            scenario,
            firm,
            offer: firm,
            score,
        }
    }

    #[test]
    fn beats_greedy_on_the_classic_instance() {
        // Greedy takes (0,0)=10 and then nothing else fits; the optimum is (0,1)+(1,0)=18.
        let g = Candidates::new(
            vec![1, 1],
            vec![1, 1],
            vec![e(0, 0, 10), e(0, 1, 9), e(1, 0, 9)],
        )
        .unwrap();
        let greedy = GreedyMatcher.assign(&g).unwrap();
        let opt = OptimalMatcher.assign(&g).unwrap();
        assert_eq!(greedy.total_score, 10);
        assert_eq!(opt.total_score, 18);
        let c = opt.certificate.unwrap();
        assert_eq!(c.dual_bound, 18);
        assert!(c.shortlist_sufficient);
    }

    #[test]
    fn leaves_a_slot_empty_rather_than_lose_score() {
        // Zero-score pairs add nothing; capacities of 2 on both sides.
        let g = Candidates::new(
            vec![2],
            vec![2, 2, 2],
            vec![e(0, 0, 0), e(0, 1, 5), e(0, 2, 7)],
        )
        .unwrap();
        let opt = OptimalMatcher.assign(&g).unwrap();
        assert_eq!(opt.total_score, 12);
        assert_eq!(opt.pairs.len(), 2);
    }

    #[test]
    fn empty_graph() {
        let g = Candidates::new(vec![1, 2], vec![], vec![]).unwrap();
        let a = OptimalMatcher.assign(&g).unwrap();
        assert!(a.pairs.is_empty());
        assert_eq!(a.certificate.unwrap().dual_bound, 0);
    }
}
