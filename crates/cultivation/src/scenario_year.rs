//! A year's scenario results from what the ledger holds (`shuchuang scenario report`): the
//! matches recorded for the year, the bundle vouchers the matched firms hold from the scenario
//! programs, the first purchases (首购首用) of the year, the challenges (揭榜挂帅) whose bids
//! closed in the year with their money, and the follow-through — conversion of the matches
//! into orders and revenue per owner type, kind and owner, each rate with the share of it
//! that rests on missing reports.

use std::collections::BTreeSet;

use chrono::Datelike;
use registry_model::{Money, Year};
use scenario_market::challenge::{ChallengeSummary, SHANDONG_TASKS_PER_YEAR, summarise};
use scenario_market::follow::{Conversion, conversion_of};
use serde::Serialize;
use voucher_ledger::{Journal, VoucherBook};

use crate::challenge_desk::load_challenges;
use crate::error::{CultivationError, Result};
use crate::follow_desk::year_matches;
use crate::purchase_desk::load_purchases;
use crate::scenario_step::BUNDLE_PROGRAM_IDS;

/// A year's scenario results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioYear {
    /// The year.
    pub year: Year,
    /// Matches recorded for the year (scenarios that closed in it).
    pub matches: usize,
    /// Scenarios with at least one match.
    pub scenarios_matched: usize,
    /// Distinct firms matched.
    pub firms_matched: usize,
    /// Compute vouchers the matched firms were granted in the year from the scenario compute
    /// program ([`BUNDLE_PROGRAM_IDS`]), yuan.
    pub bundle_compute: Money,
    /// Data vouchers likewise, from the scenario data program, yuan.
    pub bundle_data: Money,
    /// Purchases of catalogue products dated in the year.
    pub purchases: usize,
    /// Of which a product's first purchase (首购) in the whole record.
    pub first_purchases: usize,
    /// Their amount, yuan.
    pub purchase_amount: Money,
    /// The first purchases' amount, yuan.
    pub first_purchase_amount: Money,
    /// Challenges whose bids closed in the year: tasks, teams, milestones and their money
    /// (escrowed, paid, clawed back, released, still in escrow), against the Shandong target.
    pub challenges: ChallengeSummary,
    /// Follow-through of the year's matches.
    pub conversion: Conversion,
}

fn add(a: Money, b: Money) -> Result<Money> {
    a.checked_add(b).ok_or_else(|| CultivationError::Bounds {
        what: "scenario report total, yuan",
        value: format!("{} + {}", a.yuan(), b.yuan()),
        bounds: "the money limit".into(),
    })
}

/// The scenario results of `year` on `book`. A stored document that does not read back is an
/// error naming it; a total beyond the money limit is refused.
pub fn scenario_year<J: Journal>(book: &VoucherBook<J>, year: Year) -> Result<ScenarioYear> {
    let (pairs, outcomes) = year_matches(book, year)?;
    let conversion = conversion_of(&pairs, &outcomes)?;
    let firms: BTreeSet<_> = pairs.iter().map(|p| p.firm).collect();
    let scenarios: BTreeSet<_> = pairs.iter().map(|p| &p.scenario).collect();
    let mut bundles = [Money::ZERO; 2];
    for (total, program) in bundles.iter_mut().zip(BUNDLE_PROGRAM_IDS) {
        for f in &firms {
            let fen = book
                .firm_year(program, year, f)
                .map_or(0, |y| y.granted_fen);
            let granted = i64::try_from(fen)
                .ok()
                .and_then(Money::from_fen)
                .unwrap_or(Money::ZERO);
            *total = add(*total, granted)?;
        }
    }

    let (log, catalogue) = load_purchases(book)?;
    let firsts: BTreeSet<_> = log
        .first_purchases(&catalogue)
        .into_iter()
        .map(|f| f.purchase.id)
        .collect();
    let (mut purchases, mut first_purchases) = (0, 0);
    let (mut purchase_amount, mut first_purchase_amount) = (Money::ZERO, Money::ZERO);
    for p in log.purchases().filter(|p| p.date.year() == year) {
        purchases += 1;
        purchase_amount = add(purchase_amount, p.amount)?;
        if firsts.contains(&p.id) {
            first_purchases += 1;
            first_purchase_amount = add(first_purchase_amount, p.amount)?;
        }
    }

    let challenges: Vec<_> = load_challenges(book)?
        .into_iter()
        .filter(|c| c.task().bids_close.year() == year)
        .collect();
    let challenges = summarise(&challenges, SHANDONG_TASKS_PER_YEAR)?;
    Ok(ScenarioYear {
        year,
        matches: conversion.total.matched,
        scenarios_matched: scenarios.len(),
        firms_matched: firms.len(),
        bundle_compute: bundles[0],
        bundle_data: bundles[1],
        purchases,
        first_purchases,
        purchase_amount,
        first_purchase_amount,
        challenges,
        conversion,
    })
}
