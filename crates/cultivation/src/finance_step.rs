//! The finance step (云量贷): the year's credit lines granted from the compute spend the cycle
//! itself paid. The evidence is the ledger's claimed contracts ([`LedgerEvidence`]: every
//! compute job the cycle placed and paid is one), the facts are the registry's
//! ([`RegistryView`]); each firm with verified spend is scored and decided under the shipped
//! product and scorecard on the ledger date, and every eligible firm gets its line.
//!
//! The program's books for the year (`cycle-ylp-{year}`, on the ledger's credit books) are
//! funded with the subsidy budget and the risk pool; each line draws [`DRAW_SHARE`] of its
//! limit on the ledger date and pays the interest accrued to 31 December, on which the program
//! pays its subsidy (贴息). The year's cost is the subsidy paid plus compensation (none in a
//! year without defaults). Every movement has a request id `cycle/{year}/ylp/…`, so a rerun
//! finds them on the ledger and posts nothing twice.

use chrono::NaiveDate;
use finance::eligibility::RuleOutcome;
use finance::{CreditLines, DecisionStatus, Fund, Product, ProgramRules, Scorecard, evaluate};
use registry_model::{EnterpriseId, RegionCode, RegistryStore, Year};
use rust_decimal::Decimal;
use serde::Serialize;
use voucher_ledger::{Journal, VoucherBook};

use crate::credit_books::LedgerBooks;
use crate::error::{CultivationError, Result};
use crate::registry_view::RegistryView;
use crate::spend_evidence::LedgerEvidence;

/// The subsidy budget funded for a year, yuan (assumed: a city program's scale).
pub const SUBSIDY_BUDGET_YUAN: i64 = 5_000_000;
/// The risk pool funded for a year, yuan (assumed: 4 × the subsidy budget, as risk pools of
/// city 科技贷 schemes are typically several times their interest subsidies).
pub const RISK_POOL_YUAN: i64 = 20_000_000;
/// Share of its limit each line draws on the ledger date (assumed: half).
pub const DRAW_SHARE: Decimal = Decimal::from_parts(5, 0, 0, false, 1);
/// The partner bank of the cycle's lines (assumed: one bank for the program).
pub const BANK: &str = "cycle-bank";
/// The region of the program's books (the cultivation programs' issuing region, Beijing).
pub const BOOKS_REGION: &str = "110000";

/// The step's figures (money in yuan).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinanceSummary {
    /// The product decided under.
    pub product: String,
    /// The decision date.
    pub decided_on: NaiveDate,
    /// Firms with verified spend on the ledger in the product's window.
    pub firms_with_spend: usize,
    /// Of which eligible and granted a line.
    pub granted: usize,
    /// Refused.
    pub refused: usize,
    /// Pending on missing registry facts.
    pub pending: usize,
    /// Limits granted.
    pub limit_yuan: Decimal,
    /// Drawn.
    pub drawn_yuan: Decimal,
    /// Interest paid by the firms to 31 December.
    pub interest_yuan: Decimal,
    /// Subsidy paid by the program (贴息).
    pub subsidy_yuan: Decimal,
    /// The risk pool funded.
    pub pool_yuan: Decimal,
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
    /// The limit granted, yuan (0 when not eligible).
    pub limit_yuan: Decimal,
    /// Drawn, yuan.
    pub drawn_yuan: Decimal,
    /// Subsidy paid, yuan.
    pub subsidy_yuan: Decimal,
    /// The line id (empty when not eligible).
    pub line: String,
    /// The rules failed or undecidable, with the value found and the bar
    /// (`stable_operation: 1 < 6`).
    pub reasons: String,
}

/// The finance step's result.
#[derive(Debug, Clone, PartialEq)]
pub struct FinanceStep {
    /// The figures.
    pub summary: FinanceSummary,
    /// Every firm decided.
    pub lines: Vec<CreditLineRow>,
}

fn yuan(fen: i64) -> Decimal {
    money::yuan_of_fen(fen)
}

/// The finance step from start to end, deciding on `date` (the ledger date) of `year`.
pub fn run<J: Journal>(
    book: &mut VoucherBook<J>,
    store: &dyn RegistryStore,
    year: Year,
    date: NaiveDate,
) -> Result<FinanceStep> {
    let year_end =
        NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| CultivationError::Bounds {
            what: "year",
            value: year.to_string(),
            bounds: "a year with a calendar date".into(),
        })?;
    let product = Product::embedded()?;
    let cards = [Scorecard::embedded()?];
    let card = Scorecard::in_force(&cards, date).ok_or_else(|| CultivationError::Bounds {
        what: "scorecard date",
        value: date.to_string(),
        bounds: "a date a shipped scorecard is in force".into(),
    })?;
    let evidence = LedgerEvidence::of(book)?;
    let facts = RegistryView::new(store)?;
    let firms: Vec<EnterpriseId> = evidence.firms().copied().collect();
    let evaluations: Vec<_> = firms
        .iter()
        .map(|f| evaluate(&product, card, &evidence, &facts, *f, date))
        .collect::<finance::Result<Vec<_>>>()?
        .into_iter()
        .filter(|e| e.spend.verified_fen > 0)
        .collect();

    let region: RegionCode = BOOKS_REGION.parse().map_err(|e| CultivationError::Bounds {
        what: "books region",
        value: format!("{BOOKS_REGION}: {e}"),
        bounds: "a region code".into(),
    })?;
    let books = format!("cycle-ylp-{year}");
    let mut lines = CreditLines::new(
        LedgerBooks::new(book, &books, region),
        ProgramRules::of(&product),
    )?;
    let id = |what: &str| format!("cycle/{year}/ylp/{what}");
    // A movement an earlier run posted is on the ledger already (the lines' own memory of
    // requests is fresh each run): counted as replayed, and the books post nothing again.
    let mut replayed = 0usize;
    let mut seen = |lines: &CreditLines<LedgerBooks<'_, J>>, request: &str| {
        replayed += usize::from(lines.books().book().has_request(request));
    };
    let budget = Decimal::from(SUBSIDY_BUDGET_YUAN);
    let pool = Decimal::from(RISK_POOL_YUAN);
    for (what, fund, amount) in [
        ("fund/subsidy", Fund::SubsidyBudget, budget),
        ("fund/pool", Fund::RiskPool, pool),
    ] {
        seen(&lines, &id(what));
        lines.fund(&id(what), fund, amount)?;
    }

    let mut rows = Vec::with_capacity(evaluations.len());
    let (mut granted, mut refused, mut pending) = (0usize, 0usize, 0usize);
    for e in &evaluations {
        let d = &e.decision;
        let mut row = CreditLineRow {
            firm: d.firm.to_string(),
            tier: d.tier.map_or("none", |t| t.key()).to_string(),
            status: "refused",
            score: d.score,
            pd: if d.pd.is_finite() { d.pd } else { 0.0 },
            spend_yuan: yuan(e.spend.verified_fen),
            limit_yuan: Decimal::ZERO,
            drawn_yuan: Decimal::ZERO,
            subsidy_yuan: Decimal::ZERO,
            line: String::new(),
            reasons: d
                .checks
                .iter()
                .filter(|c| c.outcome != RuleOutcome::Passed)
                .map(|c| format!("{}: {} (needs {})", c.rule, c.value, c.threshold))
                .collect::<Vec<_>>()
                .join("; "),
        };
        match (d.status, d.grant_terms()) {
            (DecisionStatus::Eligible, Some(terms)) => {
                granted += 1;
                let line = format!("YLP-{year}-{}", d.firm);
                let firm = d.firm;
                let r = id(&format!("grant/{firm}"));
                seen(&lines, &r);
                lines.grant(&r, &line, BANK, &terms, date)?;
                let draw_fen = (Decimal::from(terms.limit_fen) * DRAW_SHARE).floor();
                let draw = money::yuan_of_fen(i64::try_from(draw_fen).unwrap_or(0));
                if draw > Decimal::ZERO {
                    let r = id(&format!("draw/{firm}"));
                    seen(&lines, &r);
                    lines.draw(&r, &line, date, draw)?;
                    let r = id(&format!("accrue/{firm}"));
                    seen(&lines, &r);
                    lines.accrue(&r, &line, year_end)?;
                    let unpaid = lines.line(&line).map_or(0, |l| l.interest_unpaid_fen);
                    if unpaid > 0 {
                        let r = id(&format!("interest/{firm}"));
                        seen(&lines, &r);
                        lines.pay_interest(&r, &line, year_end, yuan(unpaid))?;
                    }
                }
                if let Some(l) = lines.line(&line) {
                    row.status = "eligible";
                    row.limit_yuan = yuan(l.limit_fen);
                    row.drawn_yuan = yuan(l.drawn_total_fen);
                    row.subsidy_yuan = yuan(l.subsidy_paid_total_fen);
                    row.line = line;
                }
            }
            (DecisionStatus::Pending, _) => {
                pending += 1;
                row.status = "pending";
            }
            _ => refused += 1,
        }
        rows.push(row);
    }
    lines.check_invariants()?;
    let s = finance::report::summarise(&lines)?;
    drop(lines);
    book.check_invariants()?;
    Ok(FinanceStep {
        summary: FinanceSummary {
            product: product.id.clone(),
            decided_on: date,
            firms_with_spend: evaluations.len(),
            granted,
            refused,
            pending,
            limit_yuan: yuan(s.limit_fen),
            drawn_yuan: yuan(s.drawn_fen),
            interest_yuan: yuan(s.interest_paid_fen),
            subsidy_yuan: yuan(s.subsidy_fen),
            pool_yuan: yuan(s.pool_left_fen),
            budget_left_yuan: yuan(s.budget_left_fen),
            cost_yuan: yuan(s.program_cost_fen),
            replayed,
        },
        lines: rows,
    })
}
