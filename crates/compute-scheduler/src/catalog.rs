//! The catalog of the national compute network: hubs, clusters and the province → cluster
//! latency table, read from TOML (the shipped default is `data/compute/catalog.toml`).

use std::collections::{BTreeMap, BTreeSet};

use registry_model::region::PROVINCES;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::yuan_to_fen_exact;

/// The shipped default catalog (8 hubs, 10 clusters), embedded so the crate works anywhere.
pub const DEFAULT_CATALOG_TOML: &str = include_str!("../../../data/compute/catalog.toml");

/// Most clusters a catalog may hold (the network has 10; room for growth, but bounded).
pub const MAX_CLUSTERS: usize = 64;
/// Most hubs a catalog may hold.
pub const MAX_HUBS: usize = 64;
/// Largest capacity of one cluster in cards or cores.
pub const MAX_CAPACITY: u32 = 100_000_000;

/// East or west in the 东数西算 design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Eastern hubs: real-time work near demand.
    East,
    /// Western hubs: cheap green power for training, offline analysis, backup.
    West,
}

impl Region {
    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            Region::East => "east",
            Region::West => "west",
        }
    }
}

/// A hub node (枢纽节点).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hub {
    /// Short id, such as `jingjinji`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// East or west.
    pub region: Region,
}

/// A data-centre cluster (集群) of a hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// Short id, such as `qingyang`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The hub it belongs to.
    pub hub: String,
    /// Two-digit province code where it stands (GB/T 2260).
    pub province: String,
    /// Accelerator cards.
    pub cards: u32,
    /// CPU cores.
    pub cpu_cores: u32,
    /// Cards per rack, for the rack-occupancy proxy.
    pub cards_per_rack: u32,
    /// Price of one card for one hour, yuan (whole fen).
    pub price_card_hour: Decimal,
    /// Price of one CPU core for one hour, yuan (whole fen).
    pub price_core_hour: Decimal,
    /// Power usage effectiveness.
    pub pue: Decimal,
    /// Share of green power in its supply, in [0, 1].
    pub green_share: Decimal,
    /// Electricity price in yuan per kWh, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electricity_kwh: Option<Decimal>,
    /// The provider billed for work here (the voucher ledger's provider id); defaults to the
    /// cluster id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Whether compute vouchers may pay for work here (an approved provider); default true.
    #[serde(default = "yes")]
    pub voucher_eligible: bool,
}

fn yes() -> bool {
    true
}

impl Cluster {
    /// The provider billed for work on this cluster.
    pub fn provider_id(&self) -> &str {
        self.provider.as_deref().unwrap_or(&self.id)
    }
}

/// Weights of the four scorers for one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreWeights {
    /// Cost to the firm after vouchers (lower is better).
    pub cost: u32,
    /// Green-power share (higher is better).
    pub green: u32,
    /// Latency from the firm's province (lower is better).
    pub latency: u32,
    /// Utilisation after placement (lower is better: spreads load).
    pub balance: u32,
}

impl ScoreWeights {
    /// Cost only.
    pub const COST_ONLY: ScoreWeights = ScoreWeights {
        cost: 1,
        green: 0,
        latency: 0,
        balance: 0,
    };
    /// All four scorers weighted equally.
    pub const EQUAL: ScoreWeights = ScoreWeights {
        cost: 1,
        green: 1,
        latency: 1,
        balance: 1,
    };
}

/// Weights of the tiers in weighted fair share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierWeights {
    /// 潜力型.
    pub potential: Decimal,
    /// 成长型.
    pub growth: Decimal,
    /// 领军型.
    pub leading: Decimal,
}

impl TierWeights {
    /// The weight of `tier`.
    pub fn of(&self, tier: registry_model::Tier) -> Decimal {
        match tier {
            registry_model::Tier::Potential => self.potential,
            registry_model::Tier::Growth => self.growth,
            registry_model::Tier::Leading => self.leading,
        }
    }
}

/// Policy parameters carried in the catalog file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulingConfig {
    /// Scorer weights of FIFO.
    pub fifo: ScoreWeights,
    /// Scorer weights of cost-greedy.
    pub greedy: ScoreWeights,
    /// Scorer weights of weighted fair share.
    pub fair: ScoreWeights,
    /// Scorer weights of EASY backfill.
    pub backfill: ScoreWeights,
    /// Tier weights in fair share.
    pub tier_weight: TierWeights,
    /// Most pending jobs a policy examines in one scheduling cycle.
    pub scan_limit: u32,
}

impl Default for SchedulingConfig {
    fn default() -> Self {
        Self {
            fifo: ScoreWeights::EQUAL,
            greedy: ScoreWeights::COST_ONLY,
            fair: ScoreWeights::EQUAL,
            backfill: ScoreWeights::EQUAL,
            tier_weight: TierWeights {
                potential: Decimal::ONE,
                growth: Decimal::ONE,
                leading: Decimal::ONE,
            },
            scan_limit: 512,
        }
    }
}

/// The latency table as written in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyTable {
    /// Cluster ids, the column order of `ms`.
    pub clusters: Vec<String>,
    /// Province code → round-trip ms to each cluster.
    pub ms: BTreeMap<String, Vec<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    scheduling: Option<SchedulingConfig>,
    #[serde(default)]
    hub: Vec<Hub>,
    #[serde(default)]
    cluster: Vec<Cluster>,
    latency: LatencyTable,
}

/// A validated catalog: hubs, clusters in file order, and dense derived tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalog {
    /// Policy parameters.
    pub scheduling: SchedulingConfig,
    /// Hubs in file order.
    pub hubs: Vec<Hub>,
    /// Clusters in file order; a cluster's index here is its `ClusterIdx`.
    pub clusters: Vec<Cluster>,
    /// Latency in ms, `[province index in PROVINCES][cluster index]`; `None` where the table
    /// has no figure.
    #[serde(skip)]
    latency_ms: Vec<Vec<Option<f64>>>,
    /// Price per card-hour in fen, per cluster.
    #[serde(skip)]
    card_hour_fen: Vec<i64>,
    /// Price per core-hour in fen, per cluster.
    #[serde(skip)]
    core_hour_fen: Vec<i64>,
    /// Region of each cluster (from its hub).
    #[serde(skip)]
    region: Vec<Region>,
    /// Green share as f64 per cluster (scores and energy shares are not money).
    #[serde(skip)]
    green_f64: Vec<f64>,
    /// PUE as f64 per cluster.
    #[serde(skip)]
    pue_f64: Vec<f64>,
}

/// Index of a province code in [`PROVINCES`].
pub fn province_index(code: &str) -> Option<usize> {
    PROVINCES.iter().position(|(c, _, _)| *c == code)
}

impl Catalog {
    /// The shipped default catalog.
    pub fn embedded() -> Result<Catalog> {
        Self::from_toml_str(
            DEFAULT_CATALOG_TOML,
            "embedded default (data/compute/catalog.toml)",
        )
    }

    /// Parses and validates a catalog; `source_name` names the file in errors.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Catalog> {
        let file: CatalogFile = toml::from_str(text).map_err(|e| Error::CatalogParse {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
        let invalid = |field: String, message: String| Error::CatalogInvalid {
            source_name: source_name.to_string(),
            field,
            message,
        };
        if file.hub.is_empty() || file.hub.len() > MAX_HUBS {
            return Err(invalid(
                "hub".into(),
                format!("{} hubs given, expected 1 to {MAX_HUBS}", file.hub.len()),
            ));
        }
        if file.cluster.is_empty() || file.cluster.len() > MAX_CLUSTERS {
            return Err(invalid(
                "cluster".into(),
                format!(
                    "{} clusters given, expected 1 to {MAX_CLUSTERS}",
                    file.cluster.len()
                ),
            ));
        }
        let mut hub_ids = BTreeMap::new();
        for h in &file.hub {
            if h.id.trim().is_empty() {
                return Err(invalid("hub.id".into(), "empty id".into()));
            }
            if hub_ids.insert(h.id.clone(), h.region).is_some() {
                return Err(invalid(format!("hub '{}'", h.id), "duplicate id".into()));
            }
        }
        let mut cluster_ids = BTreeSet::new();
        let mut card_hour_fen = Vec::new();
        let mut core_hour_fen = Vec::new();
        let mut region = Vec::new();
        for c in &file.cluster {
            let f = |name: &str| format!("cluster '{}'.{name}", c.id);
            if c.id.trim().is_empty() {
                return Err(invalid("cluster.id".into(), "empty id".into()));
            }
            if !cluster_ids.insert(c.id.clone()) {
                return Err(invalid(
                    format!("cluster '{}'", c.id),
                    "duplicate id".into(),
                ));
            }
            let Some(r) = hub_ids.get(&c.hub) else {
                return Err(invalid(
                    f("hub"),
                    format!("'{}' is not a hub of this catalog", c.hub),
                ));
            };
            region.push(*r);
            if province_index(&c.province).is_none() {
                return Err(invalid(
                    f("province"),
                    format!("'{}' is not a two-digit province code", c.province),
                ));
            }
            if c.cards == 0 && c.cpu_cores == 0 {
                return Err(invalid(f("cards"), "a cluster needs cards or cores".into()));
            }
            if c.cards > MAX_CAPACITY || c.cpu_cores > MAX_CAPACITY {
                return Err(invalid(
                    f("cards"),
                    format!(
                        "{} cards / {} cores above the limit {MAX_CAPACITY}",
                        c.cards, c.cpu_cores
                    ),
                ));
            }
            if c.cards_per_rack == 0 {
                return Err(invalid(f("cards_per_rack"), "must be at least 1".into()));
            }
            let card = yuan_to_fen_exact(c.price_card_hour).ok_or_else(|| {
                invalid(
                    f("price_card_hour"),
                    format!(
                        "{} is not a non-negative amount in whole fen",
                        c.price_card_hour
                    ),
                )
            })?;
            let core = yuan_to_fen_exact(c.price_core_hour).ok_or_else(|| {
                invalid(
                    f("price_core_hour"),
                    format!(
                        "{} is not a non-negative amount in whole fen",
                        c.price_core_hour
                    ),
                )
            })?;
            card_hour_fen.push(card);
            core_hour_fen.push(core);
            if c.pue < Decimal::ONE || c.pue > Decimal::from(3) {
                return Err(invalid(f("pue"), format!("{} is outside [1, 3]", c.pue)));
            }
            if c.green_share < Decimal::ZERO || c.green_share > Decimal::ONE {
                return Err(invalid(
                    f("green_share"),
                    format!("{} is outside [0, 1]", c.green_share),
                ));
            }
        }
        // The latency table: its columns must be exactly the clusters, in any order.
        let lat = &file.latency;
        let mut column_of = Vec::with_capacity(file.cluster.len());
        for c in &file.cluster {
            let pos = lat
                .clusters
                .iter()
                .position(|x| *x == c.id)
                .ok_or_else(|| {
                    invalid(
                        "latency.clusters".into(),
                        format!("cluster '{}' has no column", c.id),
                    )
                })?;
            column_of.push(pos);
        }
        if lat.clusters.len() != file.cluster.len() {
            return Err(invalid(
                "latency.clusters".into(),
                format!(
                    "{} columns for {} clusters (a column names an unknown or repeated cluster)",
                    lat.clusters.len(),
                    file.cluster.len()
                ),
            ));
        }
        let mut latency_ms = vec![vec![None; file.cluster.len()]; PROVINCES.len()];
        for (prov, row) in &lat.ms {
            let p = province_index(prov).ok_or_else(|| {
                invalid(
                    format!("latency.ms.\"{prov}\""),
                    "not a two-digit province code".into(),
                )
            })?;
            if row.len() != lat.clusters.len() {
                return Err(invalid(
                    format!("latency.ms.\"{prov}\""),
                    format!("{} values for {} columns", row.len(), lat.clusters.len()),
                ));
            }
            for (ci, col) in column_of.iter().enumerate() {
                let v = row.get(*col).copied().unwrap_or(f64::NAN);
                if !v.is_finite() || !(0.0..=10_000.0).contains(&v) {
                    return Err(invalid(
                        format!("latency.ms.\"{prov}\"[{col}]"),
                        format!("{v} is not a latency in [0, 10000] ms"),
                    ));
                }
                if let Some(slot) = latency_ms.get_mut(p).and_then(|r| r.get_mut(ci)) {
                    *slot = Some(v);
                }
            }
        }
        let scheduling = file.scheduling.unwrap_or_default();
        for (name, w) in [
            ("fifo", scheduling.fifo),
            ("greedy", scheduling.greedy),
            ("fair", scheduling.fair),
            ("backfill", scheduling.backfill),
        ] {
            let total = u64::from(w.cost)
                + u64::from(w.green)
                + u64::from(w.latency)
                + u64::from(w.balance);
            if total == 0 || total > 1_000_000 {
                return Err(invalid(
                    format!("scheduling.{name}"),
                    format!("weights sum to {total}, expected 1 to 1000000"),
                ));
            }
        }
        let tw = scheduling.tier_weight;
        for (name, v) in [
            ("potential", tw.potential),
            ("growth", tw.growth),
            ("leading", tw.leading),
        ] {
            if v <= Decimal::ZERO || v > Decimal::from(1000) {
                return Err(invalid(
                    format!("scheduling.tier_weight.{name}"),
                    format!("{v} is outside (0, 1000]"),
                ));
            }
        }
        if scheduling.scan_limit == 0 || scheduling.scan_limit > 1_000_000 {
            return Err(invalid(
                "scheduling.scan_limit".into(),
                format!("{} is outside [1, 1000000]", scheduling.scan_limit),
            ));
        }
        use rust_decimal::prelude::ToPrimitive;
        let green_f64 = file
            .cluster
            .iter()
            .map(|c| c.green_share.to_f64().unwrap_or(0.0))
            .collect();
        let pue_f64 = file
            .cluster
            .iter()
            .map(|c| c.pue.to_f64().unwrap_or(1.0))
            .collect();
        Ok(Catalog {
            scheduling,
            hubs: file.hub,
            clusters: file.cluster,
            latency_ms,
            card_hour_fen,
            core_hour_fen,
            region,
            green_f64,
            pue_f64,
        })
    }

    /// The same catalog with every cluster's cards and cores divided by `divisor` (rounded
    /// down, but at least 1 where the original is not 0): small networks on which capacity
    /// binds, for tests, the optimal reference and what-if runs.
    pub fn with_capacity_divisor(&self, divisor: u32) -> Result<Catalog> {
        if divisor == 0 || divisor > MAX_CAPACITY {
            return Err(Error::Parameter {
                name: "capacity divisor".into(),
                message: format!("{divisor} is outside [1, {MAX_CAPACITY}]"),
            });
        }
        let mut out = self.clone();
        let shrink = |x: u32| if x == 0 { 0 } else { (x / divisor).max(1) };
        for c in &mut out.clusters {
            c.cards = shrink(c.cards);
            c.cpu_cores = shrink(c.cpu_cores);
            c.cards_per_rack = c.cards_per_rack.min(c.cards.max(1));
        }
        Ok(out)
    }

    /// Number of clusters.
    pub fn len(&self) -> usize {
        self.clusters.len()
    }

    /// Always false for a validated catalog (it has at least one cluster).
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }

    /// Index of the cluster with this id.
    pub fn cluster_index(&self, id: &str) -> Option<usize> {
        self.clusters.iter().position(|c| c.id == id)
    }

    /// Round-trip latency in ms from a province (index in [`PROVINCES`]) to a cluster.
    pub fn latency_ms(&self, province: usize, cluster: usize) -> Option<f64> {
        self.latency_ms
            .get(province)?
            .get(cluster)
            .copied()
            .flatten()
    }

    /// Price of a card-hour on a cluster, in fen.
    pub fn card_hour_fen(&self, cluster: usize) -> i64 {
        self.card_hour_fen.get(cluster).copied().unwrap_or(0)
    }

    /// Price of a core-hour on a cluster, in fen.
    pub fn core_hour_fen(&self, cluster: usize) -> i64 {
        self.core_hour_fen.get(cluster).copied().unwrap_or(0)
    }

    /// Green-power share of a cluster as a float (0 for an unknown index).
    pub fn green_share_f64(&self, cluster: usize) -> f64 {
        self.green_f64.get(cluster).copied().unwrap_or(0.0)
    }

    /// PUE of a cluster as a float (1 for an unknown index).
    pub fn pue_f64(&self, cluster: usize) -> f64 {
        self.pue_f64.get(cluster).copied().unwrap_or(1.0)
    }

    /// East or west, from the cluster's hub.
    pub fn region(&self, cluster: usize) -> Option<Region> {
        self.region.get(cluster).copied()
    }

    /// Total cards of the network.
    pub fn total_cards(&self) -> u64 {
        self.clusters.iter().map(|c| u64::from(c.cards)).sum()
    }

    /// Total CPU cores of the network.
    pub fn total_cores(&self) -> u64 {
        self.clusters.iter().map(|c| u64::from(c.cpu_cores)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_has_the_reference_network() {
        let c = Catalog::embedded().unwrap();
        assert_eq!(c.hubs.len(), 8);
        assert_eq!(c.clusters.len(), 10);
        let names: Vec<&str> = c.clusters.iter().map(|c| c.name_zh.as_str()).collect();
        for want in [
            "张家口",
            "芜湖",
            "韶关",
            "天府",
            "重庆",
            "和林格尔",
            "贵安",
            "庆阳",
            "中卫",
        ] {
            assert!(names.contains(&want), "{want} missing");
        }
        // Reference PUE targets: <= 1.25 east, <= 1.2 west.
        for (i, cl) in c.clusters.iter().enumerate() {
            let limit = match c.region(i).unwrap() {
                Region::East => Decimal::new(125, 2),
                Region::West => Decimal::new(12, 1),
            };
            assert!(cl.pue <= limit, "{} PUE {}", cl.id, cl.pue);
        }
        // Every province has a full row.
        for p in 0..PROVINCES.len() {
            for k in 0..c.len() {
                assert!(c.latency_ms(p, k).is_some());
            }
        }
        // The modelled default price in Qingyang is 8.20 yuan per card-hour.
        let q = c.cluster_index("qingyang").unwrap();
        assert_eq!(c.card_hour_fen(q), 820);
    }

    #[test]
    fn errors_name_the_field_and_value() {
        let bad = DEFAULT_CATALOG_TOML.replace("cards_per_rack = 32", "cards_per_rack = 0");
        let e = Catalog::from_toml_str(&bad, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.toml") && e.contains("cards_per_rack"), "{e}");
        let bad = DEFAULT_CATALOG_TOML
            .replace("price_card_hour = \"8.20\"", "price_card_hour = \"8.205\"");
        let e = Catalog::from_toml_str(&bad, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cluster 'qingyang'.price_card_hour") && e.contains("8.205"),
            "{e}"
        );
        let bad = DEFAULT_CATALOG_TOML.replace("hub = \"gansu\"", "hub = \"mars\"");
        let e = Catalog::from_toml_str(&bad, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'mars'"), "{e}");
        let e = Catalog::from_toml_str("nonsense = [", "y.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("y.toml"), "{e}");
    }
}
