//! Step 6, credit lines (云量贷): the year's lines granted from the compute spend the cycle
//! itself paid. The evidence is the ledger's claimed contracts ([`LedgerEvidence`]: every
//! compute job the cycle placed and paid is one, dated on the day the job was bound); the
//! facts are the registry's ([`RegistryView`]) for the cycle's year, as every other step reads
//! them. Each firm with verified spend in the year is scored with the shipped scorecard and
//! decided on 31 December ([`decision_date`]) under the cycle's product
//! (`data/finance/yunliangdai-cycle.toml`, [`product`]: the shipped product with its spend
//! floor, multiple, minimum line and active months scaled to what the cycle's vouchers pay).
//!
//! The program's books for the year (`cycle-ylp-{year}`, on the ledger's credit books) are
//! funded with the subsidy budget and the risk pool. Each eligible firm's line is granted and
//! draws [`DRAW_SHARE`] of its limit on the decision date; its term is then run to maturity as
//! the product's terms say, assuming no default: the interest of the term is paid at maturity
//! with the program's subsidy (贴息), the principal is repaid and the line closed. So the year's
//! cost to the program is what its lines' subsidies cost; the risk the pool carries is shown
//! beside it as the expected compensation Σ PD × pool share × drawn (an estimate: it rests on
//! the model's PD). Every movement has a request id `cycle/{year}/ylp/…` and is stamped on the
//! ledger on the decision date, so a rerun finds them on the ledger and posts nothing twice.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use finance::eligibility::RuleOutcome;
use finance::lines::LinesState;
use finance::{
    CreditLines, DecisionStatus, Fund, Product, ProgramRules, Scorecard, evaluate_on_profile,
};
use registry_model::{EnterpriseId, RegionCode, RegistryStore, Year};
use rust_decimal::Decimal;
use serde::Serialize;
use voucher_ledger::{Journal, ManualClock, VoucherBook};

use crate::credit_books::LedgerBooks;
use crate::error::{CultivationError, Result};
use crate::registry_view::RegistryView;
use crate::spend_evidence::LedgerEvidence;

/// The subsidy budget funded for a year, yuan (assumed: a city program's scale).
pub const SUBSIDY_BUDGET_YUAN: i64 = 5_000_000;
/// The risk pool funded for a year, yuan (assumed: 4 × the subsidy budget, as risk pools of
/// city 科技贷 schemes are typically several times their interest subsidies).
pub const RISK_POOL_YUAN: i64 = 20_000_000;
/// Share of its limit each line draws on the decision date (assumed: half).
pub const DRAW_SHARE: Decimal = Decimal::from_parts(5, 0, 0, false, 1);
/// The partner bank of the cycle's lines (assumed: one bank for the program).
pub const BANK: &str = "cycle-bank";
/// The region of the program's books (the cultivation programs' issuing region, Beijing).
pub const BOOKS_REGION: &str = "110000";
/// The cycle's product parameters (the shipped product scaled to the cycle's vouchers).
pub const PRODUCT_TOML: &str = include_str!("../../../data/finance/yunliangdai-cycle.toml");
/// Where [`PRODUCT_TOML`] comes from, for messages.
pub const PRODUCT_FILE: &str = "data/finance/yunliangdai-cycle.toml";

/// The cycle's product ([`PRODUCT_TOML`]).
pub fn product() -> Result<Product> {
    Ok(Product::from_toml_str(PRODUCT_TOML, PRODUCT_FILE)?)
}

/// The day the cycle of `year` decides its lines: 31 December, when the year's compute has
/// been paid (`None` for a year without calendar dates).
pub fn decision_date(year: Year) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
}

/// The step's figures (money in yuan).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinanceSummary {
    /// The product decided under.
    pub product: String,
    /// The scorecard that scored.
    pub scorecard: String,
    /// The decision date.
    pub decided_on: NaiveDate,
    /// Why no firm was decided (no product or scorecard in force); empty when the step ran.
    pub not_run: String,
    /// Firms with verified spend on the ledger in the product's window.
    pub firms_with_spend: usize,
    /// Of which eligible and granted a line.
    pub granted: usize,
    /// Refused.
    pub refused: usize,
    /// Pending on missing registry facts.
    pub pending: usize,
    /// The rules that refused or left firms pending, with how many firms each held back.
    pub held_back_by: BTreeMap<String, usize>,
    /// Limits granted (credit extended).
    pub limit_yuan: Decimal,
    /// Drawn.
    pub drawn_yuan: Decimal,
    /// Interest paid by the firms over the lines' term.
    pub interest_yuan: Decimal,
    /// Subsidy paid by the program (贴息).
    pub interest_subsidy_yuan: Decimal,
    /// The risk pool's balance after the year (nothing claimed: no line defaulted).
    pub pool_yuan: Decimal,
    /// The expected compensation from the pool, Σ PD × pool share × drawn, rounded down to the
    /// fen: an estimate resting on the model's PD.
    pub expected_compensation_yuan: Decimal,
    /// The subsidy budget left.
    pub budget_left_yuan: Decimal,
    /// The year's cost to the program: subsidy + compensation − returns.
    pub cost_yuan: Decimal,
    /// Movements made by an earlier run (replayed, nothing posted now).
    pub replayed: usize,
}

/// One firm's decision and line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreditLineRow {
    /// The firm.
    pub firm: String,
    /// Its tier at decision (`none` without).
    pub tier: String,
    /// `eligible`, `refused` or `pending`.
    pub status: &'static str,
    /// The score.
    pub score: i64,
    /// The probability of default.
    pub pd: f64,
    /// Verified spend in the window, yuan.
    pub spend_yuan: Decimal,
    /// Months of the window with verified spend.
    pub months_active: u32,
    /// The limit granted, yuan (0 when not eligible).
    pub limit_yuan: Decimal,
    /// Drawn, yuan.
    pub drawn_yuan: Decimal,
    /// Interest paid over the term, yuan.
    pub interest_yuan: Decimal,
    /// Subsidy paid, yuan.
    pub interest_subsidy_yuan: Decimal,
    /// The line id (empty when not eligible).
    pub line: String,
    /// The rules failed or undecidable, with the value found and the bar
    /// (`stable_operation: age 6, 1 months with spend (needs …)`).
    pub reasons: String,
}

/// Whom the lines reached, by tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReachLine {
    /// The tier key (`none` without).
    pub tier: String,
    /// Firms with verified spend.
    pub firms_with_spend: usize,
    /// Granted a line.
    pub lines_granted: usize,
    /// Limits granted, yuan.
    pub limit_yuan: Decimal,
    /// Drawn, yuan.
    pub drawn_yuan: Decimal,
    /// Subsidy paid, yuan.
    pub interest_subsidy_yuan: Decimal,
}

/// The finance step's result.
#[derive(Debug, Clone, PartialEq)]
pub struct FinanceStep {
    /// The figures.
    pub summary: FinanceSummary,
    /// Every firm decided.
    pub lines: Vec<CreditLineRow>,
    /// Whom the lines reached, by tier (tiers in the registry's order, `none` last).
    pub reach: Vec<ReachLine>,
}

fn yuan(fen: i64) -> Decimal {
    money::yuan_of_fen(fen)
}

fn bounds(what: &'static str, value: String, bounds: &str) -> CultivationError {
    CultivationError::Bounds {
        what,
        value,
        bounds: bounds.into(),
    }
}

/// The finance step from start to end for `year`, deciding on [`decision_date`]. The
/// ledger's clock is moved to the decision date (the ledger never stamps before its last
/// request, see [`crate::data_dir::set_cycle_ledger_date`]).
pub fn run<J: Journal>(
    book: &mut VoucherBook<J>,
    store: &dyn RegistryStore,
    year: Year,
) -> Result<FinanceStep> {
    let date = decision_date(year)
        .ok_or_else(|| bounds("year", year.to_string(), "a year with a calendar date"))?;
    let product = product()?;
    let cards = crate::credit_desk::shipped_scorecards()?;
    let card = Scorecard::in_force(&cards, date);
    let mut summary = FinanceSummary {
        product: product.id.clone(),
        scorecard: card.map_or_else(String::new, |c| c.id.clone()),
        decided_on: date,
        not_run: String::new(),
        firms_with_spend: 0,
        granted: 0,
        refused: 0,
        pending: 0,
        held_back_by: BTreeMap::new(),
        limit_yuan: Decimal::ZERO,
        drawn_yuan: Decimal::ZERO,
        interest_yuan: Decimal::ZERO,
        interest_subsidy_yuan: Decimal::ZERO,
        pool_yuan: Decimal::ZERO,
        expected_compensation_yuan: Decimal::ZERO,
        budget_left_yuan: Decimal::ZERO,
        cost_yuan: Decimal::ZERO,
        replayed: 0,
    };
    let card = match card {
        Some(c) if product.valid_on(date) => c,
        _ => {
            summary.not_run = format!(
                "no product and scorecard in force on {date} ({} valid {} to {}; scorecard {})",
                product.id,
                product.effective_from,
                product.effective_until,
                cards
                    .iter()
                    .map(|c| format!("{} from {}", c.id, c.effective_from))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Ok(FinanceStep {
                summary,
                lines: Vec::new(),
                reach: Vec::new(),
            });
        }
    };
    book.set_clock(Box::new(ManualClock::at_date(date)));
    let evidence = LedgerEvidence::of(book)?;
    let facts = RegistryView::new(store)?;
    let firms: Vec<EnterpriseId> = evidence.firms().copied().collect();
    let evaluations: Vec<_> = firms
        .iter()
        .map(|f| evaluate_on_profile(&product, card, &evidence, &facts, *f, date, year))
        .collect::<finance::Result<Vec<_>>>()?
        .into_iter()
        .filter(|e| e.spend.verified_fen > 0)
        .collect();

    let region: RegionCode = BOOKS_REGION.parse().map_err(|e| {
        bounds(
            "books region",
            format!("{BOOKS_REGION}: {e}"),
            "a region code",
        )
    })?;
    let books = format!("cycle-ylp-{year}");
    let rules = ProgramRules::of(&product);
    let id = |what: &str| format!("cycle/{year}/ylp/{what}");
    // A movement an earlier run posted is on the ledger already (the lines' own memory of
    // requests is fresh each run): counted as replayed, and the books post nothing again.
    let mut replayed = 0usize;
    // The program's funds, then the lines in groups of LINES_PER_GROUP firms: each group is
    // one ledger transaction (a journal commit), the lines' state carried from one to the next.
    let mut state = book.group(|book| -> Result<LinesState> {
        let mut lines = CreditLines::new(LedgerBooks::new(book, &books, region), rules.clone())?;
        for (what, fund, amount) in [
            (
                "fund/subsidy",
                Fund::SubsidyBudget,
                Decimal::from(SUBSIDY_BUDGET_YUAN),
            ),
            ("fund/pool", Fund::RiskPool, Decimal::from(RISK_POOL_YUAN)),
        ] {
            replayed += usize::from(lines.books().book().has_request(&id(what)));
            lines.fund(&id(what), fund, amount)?;
        }
        Ok(lines.state().clone())
    })?;
    let mut rows = Vec::with_capacity(evaluations.len());
    let mut expected_fen = Decimal::ZERO;
    for chunk in evaluations.chunks(LINES_PER_GROUP) {
        state = book.group(|book| -> Result<LinesState> {
            let mut lines = CreditLines::restore(LedgerBooks::new(book, &books, region), state)?;
            for e in chunk {
                let mut booked = Booked {
                    lines: &mut lines,
                    year,
                    date,
                    replayed: &mut replayed,
                };
                let (row, expected) = booked.line(e, &product, &mut summary.held_back_by)?;
                expected_fen += expected;
                rows.push(row);
            }
            Ok(lines.state().clone())
        })?;
    }
    let lines = CreditLines::restore(LedgerBooks::new(book, &books, region), state)?;
    lines.check_invariants()?;
    let s = finance::report::summarise(&lines)?;
    drop(lines);
    book.check_invariants()?;
    let count = |status: &str| rows.iter().filter(|r| r.status == status).count();
    summary.firms_with_spend = rows.len();
    summary.granted = count("eligible");
    summary.refused = count("refused");
    summary.pending = count("pending");
    summary.limit_yuan = yuan(s.limit_fen);
    summary.drawn_yuan = yuan(s.drawn_fen);
    summary.interest_yuan = yuan(s.interest_paid_fen);
    summary.interest_subsidy_yuan = yuan(s.subsidy_fen);
    summary.pool_yuan = yuan(s.pool_left_fen);
    summary.expected_compensation_yuan =
        yuan(i64::try_from(expected_fen.floor()).unwrap_or(i64::MAX));
    summary.budget_left_yuan = yuan(s.budget_left_fen);
    summary.cost_yuan = yuan(s.program_cost_fen);
    summary.replayed = replayed;
    Ok(FinanceStep {
        summary,
        reach: reach(&rows),
        lines: rows,
    })
}

/// Firms whose lines are booked in one ledger group (at most six requests a firm, each of a
/// few postings: well within [`voucher_ledger::journal::GROUP_REQUESTS_MAX`]).
pub const LINES_PER_GROUP: usize = 1_000;
const _: () = assert!(LINES_PER_GROUP * 6 <= voucher_ledger::journal::GROUP_REQUESTS_MAX);

/// The program's lines within one group, with what the step counts.
struct Booked<'l, 'b, J: Journal> {
    lines: &'l mut CreditLines<LedgerBooks<'b, J>>,
    year: Year,
    date: NaiveDate,
    replayed: &'l mut usize,
}

impl<J: Journal> Booked<'_, '_, J> {
    /// One firm's decision: granted, drawn, run to maturity and closed when eligible; its row
    /// and the expected compensation of its line (fen, not rounded).
    fn line(
        &mut self,
        e: &finance::Evaluation,
        product: &Product,
        held_back_by: &mut BTreeMap<String, usize>,
    ) -> Result<(CreditLineRow, Decimal)> {
        let (year, date) = (self.year, self.date);
        let id = |what: &str| format!("cycle/{year}/ylp/{what}");
        let lines = &mut *self.lines;
        let replayed = &mut *self.replayed;
        let mut seen = |lines: &CreditLines<LedgerBooks<'_, J>>, request: &str| {
            *replayed += usize::from(lines.books().book().has_request(request));
        };
        let mut expected_fen = Decimal::ZERO;
        let d = &e.decision;
        let held: Vec<_> = d
            .checks
            .iter()
            .filter(|c| c.outcome != RuleOutcome::Passed)
            .collect();
        let mut row = CreditLineRow {
            firm: d.firm.to_string(),
            tier: d.tier.map_or("none", |t| t.key()).to_string(),
            status: "refused",
            score: d.score,
            pd: if d.pd.is_finite() { d.pd } else { 0.0 },
            spend_yuan: yuan(e.spend.verified_fen),
            months_active: e.spend.months_active,
            limit_yuan: Decimal::ZERO,
            drawn_yuan: Decimal::ZERO,
            interest_yuan: Decimal::ZERO,
            interest_subsidy_yuan: Decimal::ZERO,
            line: String::new(),
            reasons: held
                .iter()
                .map(|c| format!("{}: {} (needs {})", c.rule, c.value, c.threshold))
                .collect::<Vec<_>>()
                .join("; "),
        };
        for c in &held {
            *held_back_by.entry(c.rule.to_string()).or_insert(0) += 1;
        }
        match (d.status, d.grant_terms()) {
            (DecisionStatus::Eligible, Some(terms)) => {
                let line = format!("YLP-{year}-{}", d.firm);
                let firm = d.firm;
                let r = id(&format!("grant/{firm}"));
                seen(lines, &r);
                lines.grant(&r, &line, BANK, &terms, date)?;
                let draw_fen = (Decimal::from(terms.limit_fen) * DRAW_SHARE).floor();
                let draw = money::yuan_of_fen(i64::try_from(draw_fen).unwrap_or(0));
                let maturity = lines.line(&line).map_or(date, |l| l.maturity);
                if draw > Decimal::ZERO {
                    let r = id(&format!("draw/{firm}"));
                    seen(lines, &r);
                    lines.draw(&r, &line, date, draw)?;
                    let r = id(&format!("accrue/{firm}"));
                    seen(lines, &r);
                    lines.accrue(&r, &line, maturity)?;
                    let unpaid = lines.line(&line).map_or(0, |l| l.interest_unpaid_fen);
                    if unpaid > 0 {
                        let r = id(&format!("interest/{firm}"));
                        seen(lines, &r);
                        lines.pay_interest(&r, &line, maturity, yuan(unpaid))?;
                    }
                    let r = id(&format!("repay/{firm}"));
                    seen(lines, &r);
                    lines.repay(&r, &line, maturity, draw)?;
                }
                let r = id(&format!("close/{firm}"));
                seen(lines, &r);
                lines.close(&r, &line, maturity)?;
                if let Some(l) = lines.line(&line) {
                    row.status = "eligible";
                    row.limit_yuan = yuan(l.limit_fen);
                    row.drawn_yuan = yuan(l.drawn_total_fen);
                    row.interest_yuan = yuan(l.interest_paid_total_fen);
                    row.interest_subsidy_yuan = yuan(l.subsidy_paid_total_fen);
                    row.line = line;
                    expected_fen +=
                        expected_compensation_fen(l.pd, product.pool_share, l.drawn_total_fen);
                }
            }
            (DecisionStatus::Pending, _) => row.status = "pending",
            _ => {}
        }
        Ok((row, expected_fen))
    }
}

/// PD × share × drawn in fen, exact in decimals: the PD is held in millionths (rounded half
/// up, as the simulation holds its LGD), the product is not rounded here (the sum is rounded
/// down once).
pub fn expected_compensation_fen(pd: f64, pool_share: Decimal, drawn_fen: i64) -> Decimal {
    let pd_millionths = if pd.is_finite() {
        (pd.clamp(0.0, 1.0) * 1e6).round() as i64
    } else {
        0
    };
    Decimal::new(pd_millionths, 6) * pool_share * Decimal::from(drawn_fen)
}

fn reach(rows: &[CreditLineRow]) -> Vec<ReachLine> {
    let mut by: BTreeMap<(usize, &str), ReachLine> = BTreeMap::new();
    for r in rows {
        let order = registry_model::Tier::ALL
            .iter()
            .position(|t| t.key() == r.tier)
            .unwrap_or(usize::MAX);
        let e = by.entry((order, &r.tier)).or_insert_with(|| ReachLine {
            tier: r.tier.clone(),
            firms_with_spend: 0,
            lines_granted: 0,
            limit_yuan: Decimal::ZERO,
            drawn_yuan: Decimal::ZERO,
            interest_subsidy_yuan: Decimal::ZERO,
        });
        e.firms_with_spend += 1;
        if r.status == "eligible" {
            e.lines_granted += 1;
            e.limit_yuan += r.limit_yuan;
            e.drawn_yuan += r.drawn_yuan;
            e.interest_subsidy_yuan += r.interest_subsidy_yuan;
        }
    }
    by.into_values().collect()
}
