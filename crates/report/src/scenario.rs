//! scenario-market's results as tables, money in exact yuan, scores in points with two
//! decimals: the scenario list (`scenario list`), an assignment of firms to scenarios
//! (`scenario match`), what the scoring did for one scenario (`scenario match --explain`),
//! the matchers compared on one instance (`scenario compare`), first-purchase recognition
//! decisions (`scenario catalogue`) and the cycle's step 6 (its matches and bundles, its figures in one sentence).

use cultivation::scenario_step::{MatchLine, ScenarioSummary};
use rust_decimal::Decimal;
use scenario_market::purchase::{Decision, Recognition};
use scenario_market::{Assignment, Comparison, Explanation, Market};

use crate::cell::Cell;
use crate::lang::Lang;
use crate::messages::fill;
use crate::names::{Kind, Names};
use crate::number::{money_text, thousands};
use crate::table::Table;

/// A score in hundredths of a point as points.
fn points(hundredths: u32) -> Cell {
    Cell::Number(Decimal::new(i64::from(hundredths), 2))
}

/// One row a scenario: owner, kind, region, slots, budget, the vouchers it brings and its
/// window.
pub fn scenarios_table(market: &Market) -> Table {
    let mut t = Table::new([
        "scenario",
        "title",
        "owner",
        "owner_type",
        "kind",
        "region",
        "slots",
        "budget_yuan",
        "compute_voucher_yuan",
        "data_voucher_yuan",
        "opens",
        "closes",
    ]);
    for s in market.scenarios() {
        t.push([
            Cell::from(s.id.as_str()),
            Cell::from(s.title.as_str()),
            Cell::from(s.owner.as_str()),
            Cell::from(s.owner_type.key()),
            Cell::from(s.kind.key()),
            Cell::from(s.region.as_str()),
            Cell::Int(i128::from(s.slots)),
            s.budget.map_or(Cell::Null, |b| Cell::money(b.yuan())),
            Cell::money(s.compute_voucher_per_firm.yuan()),
            Cell::money(s.data_voucher_per_firm.yuan()),
            Cell::Date(s.opens),
            Cell::Date(s.closes),
        ]);
    }
    t
}

/// One row a matched pair: the scenario, the firm, its offer and the pair's score.
pub fn assignment_table(market: &Market, a: &Assignment) -> Table {
    let mut t = Table::new(["scenario", "firm", "offer", "score"]);
    for p in &a.pairs {
        let s = market.scenarios().get(p.scenario as usize);
        let o = market.offers().get(p.offer as usize);
        let f = market.firms().get(p.firm as usize);
        t.push([
            s.map_or(Cell::Null, |s| Cell::from(s.id.as_str())),
            f.map_or(Cell::Null, |f| Cell::from(f.to_string())),
            o.map_or(Cell::Null, |o| Cell::from(o.id.as_str())),
            points(p.score),
        ]);
    }
    t
}

/// Every offer's fate in one scenario: scored (with its parts) or excluded (by which filter,
/// and why), the shortlisted ones with their rank.
pub fn explanation_table(e: &Explanation) -> Table {
    let mut t = Table::new(["offer", "firm", "fate", "score", "why"]);
    for s in &e.scores {
        let rank = e
            .shortlist
            .iter()
            .find(|r| r.offer == s.offer && r.firm == s.firm)
            .map_or_else(
                || "scored".to_string(),
                |r| format!("shortlist #{}", r.rank),
            );
        let why: Vec<String> = s
            .parts
            .iter()
            .map(|p| format!("{} {} (×{}): {}", p.part.key(), p.score, p.weight, p.why))
            .collect();
        t.push([
            Cell::from(s.offer.as_str()),
            Cell::from(s.firm.to_string()),
            Cell::from(rank),
            Cell::Number(s.total),
            Cell::from(why.join("; ")),
        ]);
    }
    for f in &e.filters {
        for x in &f.removed {
            t.push([
                Cell::from(x.offer.as_str()),
                Cell::from(x.firm.to_string()),
                Cell::from(format!("excluded: {}", f.filter.key())),
                Cell::Null,
                Cell::from(x.reason.as_str()),
            ]);
        }
    }
    t
}

/// One row a matcher: pairs, slots filled, total and mean score, the shortfall from the
/// optimum and (with rankings) the blocking pairs; an empty cell where a figure is undefined.
pub fn comparison_table(c: &Comparison) -> Table {
    let mut t = Table::new([
        "matcher",
        "pairs",
        "slots_filled_pct",
        "total_score",
        "mean_score",
        "gap_pct",
        "blocking_pairs",
    ]);
    let number = |d: Option<Decimal>| d.map_or(Cell::Null, Cell::Number);
    for r in &c.rows {
        t.push([
            Cell::from(r.matcher.as_str()),
            Cell::from(r.pairs as u64),
            number(r.slots_filled_pct),
            Cell::Number(r.total_score),
            number(r.mean_score),
            number(r.gap_pct),
            r.blocking_pairs
                .map_or(Cell::Null, |n| Cell::from(n as u64)),
        ]);
    }
    t
}

/// One row an application: the decision, the rule set applied, how long the product is
/// listed, every condition with its value and source, and the facts still to supply.
pub fn recognition_table(recs: &[Recognition]) -> Table {
    let mut t = Table::new([
        "product",
        "firm",
        "category",
        "rule_set",
        "decision",
        "listed_until",
        "conditions",
        "missing",
    ]);
    for r in recs {
        let decision = match r.decision {
            Decision::Recognised => "recognised",
            Decision::Refused => "refused",
            Decision::Incomplete => "incomplete",
        };
        let conditions: Vec<String> = r
            .conditions
            .iter()
            .map(|c| {
                let value = c.value.as_deref().unwrap_or("-");
                let verdict = match c.holds {
                    Some(true) => "holds",
                    Some(false) => "fails",
                    None => "missing",
                };
                format!(
                    "{} {}: {value}, {verdict} ({})",
                    c.fact.key(),
                    c.requirement,
                    c.citation
                )
            })
            .collect();
        let missing: Vec<&str> = r.missing.iter().map(|f| f.key()).collect();
        t.push([
            Cell::from(r.product.as_str()),
            Cell::from(r.firm.to_string()),
            Cell::from(r.category.key()),
            Cell::from(r.rule_set.as_str()),
            Cell::from(decision),
            r.entry
                .as_ref()
                .map_or(Cell::Null, |e| Cell::Date(e.expires)),
            Cell::from(conditions.join("; ")),
            Cell::from(missing.join(", ")),
        ]);
    }
    t
}

/// The cycle's matches (`scenario_matches.csv`): each pair with its kind, owner type, score
/// and the compute and data vouchers granted with it.
pub fn cycle_matches_table(matches: &[MatchLine], names: &Names) -> Table {
    let mut t = Table::new([
        "scenario",
        "kind",
        "owner_type",
        "firm",
        "offer",
        "score",
        "compute_yuan",
        "data_yuan",
    ]);
    for m in matches {
        t.push([
            Cell::from(m.scenario.as_str()),
            names.cell(Kind::ScenarioKind, &m.kind),
            names.cell(Kind::OwnerType, &m.owner_type),
            Cell::from(m.firm.as_str()),
            Cell::from(m.offer.as_str()),
            points(m.score),
            Cell::money(m.compute_yuan),
            Cell::money(m.data_yuan),
        ]);
    }
    t
}

/// Matches and their follow-through per owner type and scenario kind (every one, zero when
/// none matched): the cycle's conversion, simulated by an assumed model (see
/// [`ScenarioSummary::conversion`]).
pub fn kind_table(s: &ScenarioSummary, names: &Names) -> Table {
    crate::scenario_year::conversion_table(&s.conversion, names, false)
}

/// Step 6's figures in one sentence (printed, and in summary.md and index.html).
pub fn scenarios_text(s: &ScenarioSummary, lang: Lang) -> String {
    let n = |x: usize| thousands(x as u64);
    let score = Decimal::from(s.total_score) / Decimal::ONE_HUNDRED;
    fill(
        "cycle.scenarios",
        lang,
        &[
            ("scenarios", &n(s.scenarios)),
            ("offers", &n(s.offers)),
            ("offering", &n(s.firms_offering)),
            ("matches", &n(s.matches)),
            ("filled", &n(s.scenarios_filled)),
            ("reached", &n(s.firms_reached)),
            ("score", &score.round_dp(2)),
            ("grants", &n(s.bundle_grants)),
            ("replayed", &n(s.replayed)),
            ("compute", &money_text(s.compute_yuan, lang)),
            ("data", &money_text(s.data_yuan, lang)),
        ],
    ) + &fill(
        "cycle.follow",
        lang,
        &[
            ("reported", &n(s.conversion.total.reported)),
            ("matches", &n(s.conversion.total.matched)),
            ("converted", &n(s.conversion.total.converted)),
            ("orders", &thousands(s.conversion.total.orders)),
            (
                "revenue",
                &money_text(s.conversion.total.revenue.yuan(), lang),
            ),
        ],
    )
}
