//! The registry's PostgreSQL schema, one frozen step per version: a server created by an
//! older build is migrated by the steps it lacks, so no step may change once released.
//!
//! Version 1: firms, reports (one column per fact of the first schema), adjustments, change
//! logs and data resources. Version 2: the digital-economy test and panels — the firms'
//! industry code, the seven facts that came with it, each change-log entry's class, referral
//! and panel decision, and the panels' rosters and scores.

use registry_model::report::{FACTS, FACTS_V1, FactKind};

use crate::migrate::Component;

/// The registry's migrations.
pub(crate) const REGISTRY: Component = Component {
    name: "registry",
    steps: &[registry_v1, registry_v2],
};

/// The facts whose columns version 2 adds, written out so that the step stays what it was
/// when a later build adds facts of its own.
pub(crate) const FACTS_V2: [(&str, FactKind); 7] = [
    ("data_assets_yuan", FactKind::Money),
    ("data_registrations", FactKind::Count),
    ("data_spend_yuan", FactKind::Money),
    ("data_revenue_yuan", FactKind::Money),
    ("new_product_revenue_yuan", FactKind::Money),
    ("scenario_projects", FactKind::Count),
    ("digital_level", FactKind::Count),
];

fn fact_type(kind: FactKind) -> &'static str {
    match kind {
        FactKind::Money | FactKind::Count => "BIGINT",
        FactKind::Flag => "BOOLEAN",
        FactKind::Decimal => "NUMERIC",
    }
}

/// The facts of version 1: [`FACTS`] before [`FACTS_V1`], the facts registry-model keeps
/// in its first schema (a test checks that they and [`FACTS_V2`] are all of [`FACTS`]).
fn facts_v1() -> &'static [(&'static str, FactKind)] {
    &FACTS[..FACTS_V1.min(FACTS.len())]
}

fn registry_v1() -> String {
    let facts: Vec<String> = facts_v1()
        .iter()
        .map(|(name, kind)| format!("{name} {}", fact_type(*kind)))
        .collect();
    format!(
        "CREATE TABLE firms (
            uscc     TEXT PRIMARY KEY,
            legacy   BOOLEAN NOT NULL,
            name     TEXT NOT NULL,
            founded  DATE NOT NULL,
            province TEXT NOT NULL
         );
         CREATE TABLE reports (
            uscc TEXT NOT NULL REFERENCES firms (uscc),
            year INTEGER NOT NULL,
            {},
            PRIMARY KEY (uscc, year)
         );
         CREATE INDEX reports_by_year ON reports (year);
         CREATE TABLE adjustments (
            year         INTEGER PRIMARY KEY,
            criteria_set TEXT NOT NULL,
            policy       TEXT NOT NULL,
            firms        BIGINT NOT NULL
         );
         CREATE TABLE tiers (
            year       INTEGER NOT NULL REFERENCES adjustments (year),
            uscc       TEXT NOT NULL REFERENCES firms (uscc),
            from_tier  TEXT,
            to_tier    TEXT,
            change     TEXT NOT NULL,
            grace      BOOLEAN NOT NULL,
            borderline BOOLEAN NOT NULL,
            stage      TEXT,
            reasons    JSONB NOT NULL,
            missing    JSONB NOT NULL,
            PRIMARY KEY (year, uscc)
         );
         CREATE INDEX tiers_by_firm ON tiers (uscc, year);
         CREATE TABLE data_resources (
            id     TEXT PRIMARY KEY,
            code   TEXT UNIQUE,
            state  TEXT NOT NULL,
            record JSONB NOT NULL
         );",
        facts.join(",\n            ")
    )
}

fn registry_v2() -> String {
    let facts: Vec<String> = FACTS_V2
        .iter()
        .map(|(name, kind)| format!("ADD COLUMN {name} {}", fact_type(*kind)))
        .collect();
    format!(
        "ALTER TABLE firms ADD COLUMN industry TEXT;
         ALTER TABLE reports {};
         ALTER TABLE tiers
            ADD COLUMN digital_class TEXT,
            ADD COLUMN class_partial BOOLEAN NOT NULL DEFAULT false,
            ADD COLUMN innovation    TEXT NOT NULL DEFAULT '',
            ADD COLUMN referral      JSONB,
            ADD COLUMN panel         JSONB;
         CREATE TABLE panels (
            year   INTEGER NOT NULL,
            name   TEXT NOT NULL,
            record JSONB NOT NULL,
            PRIMARY KEY (year, name)
         );
         CREATE TABLE panel_scores (
            year   INTEGER NOT NULL,
            panel  TEXT NOT NULL,
            uscc   TEXT NOT NULL,
            member TEXT NOT NULL,
            score  NUMERIC NOT NULL,
            note   TEXT NOT NULL,
            PRIMARY KEY (year, panel, uscc, member),
            FOREIGN KEY (year, panel) REFERENCES panels (year, name)
         );",
        facts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two steps together give every fact a column, once, of its kind.
    #[test]
    fn the_steps_cover_every_fact_once() {
        let stepped: Vec<(&str, FactKind)> = facts_v1().iter().copied().chain(FACTS_V2).collect();
        assert_eq!(stepped, FACTS.to_vec());
    }

    /// Version 1 is frozen: none of the version-2 facts is in it.
    #[test]
    fn v1_leaves_out_the_v2_facts() {
        let v1 = registry_v1();
        for (name, _) in FACTS_V2 {
            assert!(!v1.contains(name), "{name} in v1");
            assert!(registry_v2().contains(name), "{name} not in v2");
        }
    }
}
