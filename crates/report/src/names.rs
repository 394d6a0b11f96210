//! Domain names in each language, taken from the data and the domain crates that own them,
//! never from a table of our own: tiers, changes and stages from registry-model, provinces
//! from its division table, clusters and hubs from the compute catalog
//! (`data/compute/catalog.toml`), voucher programs from their TOML files, scenario kinds and
//! owner types from scenario-market, indicator names from the framework (`name_zh`,
//! `name_en`).
//!
//! Files for programs keep the keys (`yangtze-demo`, `potential`); people read the names
//! (长三角生态绿色一体化发展示范区, 潜力型). A key with no name shows as itself.

use std::collections::HashMap;

use compute_scheduler::Catalog;
use index_engine::Framework;
use registry_model::{Change, Stage, Tier};
use voucher_ledger::Program;

use crate::cell::{Cell, Term};
use crate::error::{ReportError, Result};
use crate::lang::Lang;

/// What a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A registry tier (`potential`).
    Tier,
    /// A yearly change (`admitted`).
    Change,
    /// A development stage (`rnd`).
    Stage,
    /// A province, by its English name as the registry's statistics name it (`Zhejiang`),
    /// or by its two-digit code (`33`).
    Province,
    /// A compute cluster (`yangtze-demo`).
    Cluster,
    /// A hub node of the compute network (`jingjinji`).
    Hub,
    /// A voucher program (`compute-voucher`).
    Program,
    /// A kind of application scenario (`technology_application`).
    ScenarioKind,
    /// A type of scenario owner (`state_owned`).
    OwnerType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    en: String,
    zh: String,
}

/// Names of keys in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    entries: HashMap<(Kind, String), Entry>,
}

impl Names {
    /// The names every registry knows: tiers, changes, stages and the 31 provinces.
    pub fn registry() -> Names {
        let mut n = Names::default();
        for t in Tier::ALL {
            n.insert(Kind::Tier, t.key(), t.key(), t.name_zh());
        }
        for c in Change::ALL {
            n.insert(
                Kind::Change,
                c.key(),
                &c.key().replace('_', " "),
                c.name_zh(),
            );
        }
        for s in [Stage::Rnd, Stage::Growth, Stage::Mature] {
            n.insert(Kind::Stage, s.key(), s.key(), s.name_zh());
        }
        for (code, zh, en) in registry_model::region::PROVINCES {
            n.insert(Kind::Province, en, en, zh);
            n.insert(Kind::Province, code, en, zh);
        }
        for k in scenario_market::ScenarioKind::ALL {
            n.insert(
                Kind::ScenarioKind,
                k.key(),
                &k.key().replace('_', " "),
                k.name_zh(),
            );
        }
        for o in scenario_market::OwnerType::ALL {
            n.insert(
                Kind::OwnerType,
                o.key(),
                &o.key().replace('_', " "),
                o.name_zh(),
            );
        }
        n
    }

    /// The registry's names, the shipped compute catalog's, and the shipped voucher
    /// programs' (voucher-ledger's city rounds and the cultivation and scenario-bundle
    /// programs of the cycle).
    pub fn shipped() -> Result<Names> {
        let mut n = Names::registry();
        let catalog = Catalog::embedded().map_err(|e| ReportError::Invalid(e.to_string()))?;
        n.add_catalog(&catalog);
        let mut programs = voucher_ledger::defaults::programs()
            .map_err(|e| ReportError::Invalid(e.to_string()))?;
        let cycle_programs = cultivation::benefits::CULTIVATION_PROGRAMS
            .into_iter()
            .chain(cultivation::scenario_step::BUNDLE_PROGRAMS);
        for (file, text) in cycle_programs {
            programs.push(
                Program::from_toml(text, file).map_err(|e| ReportError::Invalid(e.to_string()))?,
            );
        }
        n.add_programs(&programs);
        Ok(n)
    }

    fn insert(&mut self, kind: Kind, key: &str, en: &str, zh: &str) {
        let fallback = |s: &str| if s.trim().is_empty() { key } else { s }.to_string();
        self.entries.insert(
            (kind, key.to_string()),
            Entry {
                en: fallback(en),
                zh: fallback(zh),
            },
        );
    }

    /// Adds the clusters and hubs of a compute catalog.
    pub fn add_catalog(&mut self, catalog: &Catalog) {
        for c in &catalog.clusters {
            self.insert(Kind::Cluster, &c.id, &c.name_en, &c.name_zh);
        }
        for h in &catalog.hubs {
            self.insert(Kind::Hub, &h.id, &h.name_en, &h.name_zh);
        }
    }

    /// Adds voucher programs: the Chinese name is the program's `name`; English readers see
    /// its id, as no program file carries an English name.
    pub fn add_programs<'a>(&mut self, programs: impl IntoIterator<Item = &'a Program>) {
        for p in programs {
            self.insert(Kind::Program, &p.id, &p.id, &p.name);
        }
    }

    /// The name of `key` in `lang` (the key itself when it has none).
    pub fn name(&self, kind: Kind, key: &str, lang: Lang) -> String {
        match self.entries.get(&(kind, key.to_string())) {
            Some(e) => lang.pick(&e.en, &e.zh).clone(),
            None => key.to_string(),
        }
    }

    /// Whether `key` has a name.
    pub fn knows(&self, kind: Kind, key: &str) -> bool {
        self.entries.contains_key(&(kind, key.to_string()))
    }

    /// A table cell holding `key` for programs and its name for people.
    pub fn cell(&self, kind: Kind, key: &str) -> Cell {
        match self.entries.get(&(kind, key.to_string())) {
            Some(e) => Cell::Term(Box::new(Term {
                key: key.to_string(),
                en: e.en.clone(),
                zh: e.zh.clone(),
            })),
            None => Cell::from(key),
        }
    }
}

/// The name of framework node `node` in `lang` (`name_zh` / `name_en` from framework.csv;
/// the node id when the file leaves the name empty).
pub fn node_name(fw: &Framework, node: usize, lang: Lang) -> String {
    let Some(n) = fw.nodes().get(node) else {
        return String::new();
    };
    let s = &n.spec;
    let name = lang.pick(&s.name_en, &s.name_zh);
    let other = lang.pick(&s.name_zh, &s.name_en);
    if !name.trim().is_empty() {
        name.clone()
    } else if !other.trim().is_empty() {
        other.clone()
    } else {
        s.id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_data() {
        let n = Names::shipped().unwrap();
        assert_eq!(n.name(Kind::Tier, "potential", Lang::Zh), "潜力型");
        assert_eq!(n.name(Kind::Tier, "potential", Lang::En), "potential");
        assert_eq!(n.name(Kind::Change, "not_admitted", Lang::Zh), "未入库");
        assert_eq!(
            n.name(Kind::Change, "not_admitted", Lang::En),
            "not admitted"
        );
        assert_eq!(
            n.name(Kind::Cluster, "yangtze-demo", Lang::Zh),
            "长三角生态绿色一体化发展示范区"
        );
        assert_eq!(
            n.name(Kind::Cluster, "zhangjiakou", Lang::En),
            "Zhangjiakou"
        );
        assert_eq!(n.name(Kind::Hub, "gba", Lang::Zh), "粤港澳");
        assert_eq!(n.name(Kind::Province, "Zhejiang", Lang::Zh), "浙江");
        assert_eq!(n.name(Kind::Province, "33", Lang::En), "Zhejiang");
        assert_eq!(
            n.name(Kind::ScenarioKind, "data_empowerment", Lang::Zh),
            "数据赋能"
        );
        assert_eq!(
            n.name(Kind::OwnerType, "state_owned", Lang::En),
            "state owned"
        );
        assert!(n.knows(Kind::Program, "scenario-compute-voucher"));
        assert_eq!(
            n.name(Kind::Program, "compute-voucher", Lang::Zh),
            "数创企业算力券 (培育库)"
        );
        assert_eq!(
            n.name(Kind::Program, "compute-voucher", Lang::En),
            "compute-voucher"
        );
        // Unknown keys show as themselves, in a plain text cell.
        assert_eq!(n.name(Kind::Cluster, "nowhere", Lang::Zh), "nowhere");
        assert_eq!(n.cell(Kind::Cluster, "nowhere"), Cell::from("nowhere"));
        let c = n.cell(Kind::Cluster, "wuhu");
        assert_eq!(
            (c.csv(), c.text_in(Lang::Zh)),
            ("wuhu".into(), "芜湖".into())
        );
    }

    #[test]
    fn framework_nodes_are_named_from_the_file() {
        let fw = index_engine::caict2025::framework().unwrap();
        let root = fw.root();
        assert_eq!(
            node_name(&fw, root, Lang::Zh),
            "科技创新和产业创新融合发展指数"
        );
        assert_eq!(
            node_name(&fw, root, Lang::En),
            "Science-industry innovation fusion index"
        );
    }
}
