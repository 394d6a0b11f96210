//! What a program's 云量贷 lines cost and whom they reached: one summary of the lines and the
//! program's accounts, with the reach by tier and by province.
//!
//! The program's cost is what left its accounts for good: subsidies paid plus compensation
//! paid, minus what recoveries returned to the pool.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::booking::Booking;
use crate::error::Result;
use crate::line::LineStatus;
use crate::lines::{CreditLines, Fund};

/// Lines, firms and money of one group (a tier, a province).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reach {
    /// The group's key (`growth`, `none`, `33` …).
    pub key: String,
    /// Its name for people (`成长型`, `浙江` …).
    pub name: String,
    /// Lines.
    pub lines: usize,
    /// Distinct firms.
    pub firms: usize,
    /// Limits granted, fen.
    pub limit_fen: i64,
    /// Drawn, fen.
    pub drawn_fen: i64,
    /// Subsidy paid, fen.
    pub subsidy_fen: i64,
    /// Lines in default or written off.
    pub defaults: usize,
}

/// A program's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramSummary {
    /// The program.
    pub program: String,
    /// Lines by status key.
    pub lines_by_status: BTreeMap<String, usize>,
    /// Distinct firms with a line.
    pub firms: usize,
    /// Limits granted, fen.
    pub limit_fen: i64,
    /// Drawn in total, fen (the credit extended).
    pub drawn_fen: i64,
    /// Principal outstanding, fen.
    pub outstanding_fen: i64,
    /// Interest paid by firms, fen.
    pub interest_paid_fen: i64,
    /// Subsidy paid, fen.
    pub subsidy_fen: i64,
    /// Claims at default, fen.
    pub claims_fen: i64,
    /// Compensation paid by the pool, fen.
    pub compensation_fen: i64,
    /// Compensation due and not paid (pool short), fen.
    pub compensation_shortfall_fen: i64,
    /// Recovered on defaulted lines, fen.
    pub recovered_fen: i64,
    /// Returned to the pool, fen.
    pub returned_to_pool_fen: i64,
    /// Written off, fen.
    pub written_off_fen: i64,
    /// The program's net cost: subsidy + compensation − returns, fen.
    pub program_cost_fen: i64,
    /// The program's cost per yuan drawn (0 when nothing was drawn).
    pub cost_per_yuan_drawn: f64,
    /// Subsidy budget left, fen.
    pub budget_left_fen: i64,
    /// Risk pool left, fen.
    pub pool_left_fen: i64,
    /// Reach by tier (none, potential, growth, leading).
    pub by_tier: Vec<Reach>,
    /// Reach by province of registration.
    pub by_province: Vec<Reach>,
}

fn add(r: &mut Reach, firms: &mut std::collections::BTreeSet<String>, l: &crate::line::CreditLine) {
    r.lines += 1;
    firms.insert(l.firm.to_string());
    r.firms = firms.len();
    r.limit_fen = r.limit_fen.saturating_add(l.limit_fen);
    r.drawn_fen = r.drawn_fen.saturating_add(l.drawn_total_fen);
    r.subsidy_fen = r.subsidy_fen.saturating_add(l.subsidy_paid_total_fen);
    if matches!(l.status, LineStatus::Defaulted | LineStatus::WrittenOff) {
        r.defaults += 1;
    }
}

/// Summarises a program's lines and accounts.
pub fn summarise<B: Booking>(c: &CreditLines<B>) -> Result<ProgramSummary> {
    let mut s = ProgramSummary {
        program: c.rules().program.clone(),
        lines_by_status: BTreeMap::new(),
        firms: 0,
        limit_fen: 0,
        drawn_fen: 0,
        outstanding_fen: 0,
        interest_paid_fen: 0,
        subsidy_fen: 0,
        claims_fen: 0,
        compensation_fen: 0,
        compensation_shortfall_fen: 0,
        recovered_fen: 0,
        returned_to_pool_fen: 0,
        written_off_fen: 0,
        program_cost_fen: 0,
        cost_per_yuan_drawn: 0.0,
        budget_left_fen: c.fund_balance_fen(Fund::SubsidyBudget)?,
        pool_left_fen: c.fund_balance_fen(Fund::RiskPool)?,
        by_tier: Vec::new(),
        by_province: Vec::new(),
    };
    let mut firms = std::collections::BTreeSet::new();
    let tier_names = [
        ("none", "无层级"),
        ("potential", "潜力型"),
        ("growth", "成长型"),
        ("leading", "领军型"),
    ];
    let mut tiers: Vec<(Reach, std::collections::BTreeSet<String>)> = tier_names
        .iter()
        .map(|(k, n)| {
            (
                Reach {
                    key: k.to_string(),
                    name: n.to_string(),
                    ..Reach::default()
                },
                Default::default(),
            )
        })
        .collect();
    let mut provinces: BTreeMap<String, (Reach, std::collections::BTreeSet<String>)> =
        BTreeMap::new();
    for l in c.lines() {
        *s.lines_by_status
            .entry(l.status.key().to_string())
            .or_default() += 1;
        firms.insert(l.firm.to_string());
        s.limit_fen = s.limit_fen.saturating_add(l.limit_fen);
        s.drawn_fen = s.drawn_fen.saturating_add(l.drawn_total_fen);
        s.outstanding_fen = s.outstanding_fen.saturating_add(l.principal_fen);
        s.interest_paid_fen = s
            .interest_paid_fen
            .saturating_add(l.interest_paid_total_fen);
        s.subsidy_fen = s.subsidy_fen.saturating_add(l.subsidy_paid_total_fen);
        if let Some(d) = l.default {
            s.claims_fen = s.claims_fen.saturating_add(d.claim_fen);
            s.compensation_fen = s.compensation_fen.saturating_add(d.compensation_fen);
            s.compensation_shortfall_fen = s
                .compensation_shortfall_fen
                .saturating_add(d.compensation_due_fen - d.compensation_fen);
            s.recovered_fen = s.recovered_fen.saturating_add(d.recovered_fen);
            s.returned_to_pool_fen = s
                .returned_to_pool_fen
                .saturating_add(d.returned_to_pool_fen);
            s.written_off_fen = s.written_off_fen.saturating_add(d.written_off_fen);
        }
        let slot = l.tier.map_or(0, |t| t as usize + 1);
        let (r, f) = &mut tiers[slot];
        add(r, f, l);
        let region = l.firm.region();
        let code = region.province_code().to_string();
        let (r, f) = provinces.entry(code.clone()).or_insert_with(|| {
            (
                Reach {
                    key: code.clone(),
                    name: region.province_name_zh().unwrap_or("?").to_string(),
                    ..Reach::default()
                },
                Default::default(),
            )
        });
        add(r, f, l);
    }
    s.firms = firms.len();
    s.program_cost_fen = s.subsidy_fen + s.compensation_fen - s.returned_to_pool_fen;
    if s.drawn_fen > 0 {
        s.cost_per_yuan_drawn = s.program_cost_fen as f64 / s.drawn_fen as f64;
    }
    s.by_tier = tiers.into_iter().map(|(r, _)| r).collect();
    s.by_province = provinces.into_values().map(|(r, _)| r).collect();
    Ok(s)
}
