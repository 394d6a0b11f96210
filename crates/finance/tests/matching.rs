//! Bank matching, the state-VC indicator and the program report, on cases worked by hand.

use chrono::NaiveDate;
use rust_decimal_macros::dec;

use finance::eligibility::GrantTerms;
use finance::lines::Fund;
use finance::matching::{Appetite, Candidate, EXAMPLE_APPETITES_TOML, recommend, recommend_all};
use finance::report::summarise;
use finance::statevc::{GrowthStatus, Holding, MemoryGrowth, indicator, read_holdings_csv};
use finance::{CreditLines, DecisionStatus, MemoryBooks, Product, ProgramRules};
use registry_model::{EnterpriseId, Outcome, Tier};

fn id(s: &str) -> EnterpriseId {
    s.parse().unwrap()
}

const ZJ: &str = "91330101589882738D"; // Zhejiang (33)
const SH: &str = "91310110666007217T"; // Shanghai (31)
const BJ: &str = "91110000600037341L"; // Beijing (11)

fn cand(
    firm: &str,
    sector: Option<&str>,
    tier: Option<Tier>,
    score: i64,
    pd: f64,
    limit_yuan: i64,
    revenue_yuan: Option<i64>,
) -> Candidate {
    Candidate {
        firm: id(firm),
        sector: sector.map(String::from),
        tier,
        revenue_fen: revenue_yuan.map(|r| r * 100),
        score,
        pd,
        limit_fen: limit_yuan * 100,
        status: DecisionStatus::Eligible,
    }
}

#[test]
fn banks_see_the_firms_that_fit_best_first() {
    let banks = Appetite::from_toml_str(EXAMPLE_APPETITES_TOML, "appetites.toml").unwrap();
    assert_eq!(banks.len(), 3);
    let mut refused = cand(
        BJ,
        Some("0301"),
        Some(Tier::Leading),
        800,
        0.001,
        5_000_000,
        Some(1),
    );
    refused.status = DecisionStatus::Refused;
    let candidates = vec![
        cand(
            ZJ,
            Some("0301"),
            Some(Tier::Growth),
            700,
            0.010,
            700_000,
            Some(20_000_000),
        ),
        cand(
            SH,
            Some("0402"),
            Some(Tier::Potential),
            700,
            0.008,
            300_000,
            Some(8_000_000),
        ),
        cand(
            BJ,
            Some("05"),
            Some(Tier::Leading),
            760,
            0.004,
            5_000_000,
            Some(90_000_000),
        ),
        cand(BJ, None, Some(Tier::Potential), 560, 0.050, 150_000, None),
        refused,
    ];
    let all = recommend_all(&banks, &candidates).unwrap();
    // bank-tech: sectors 03/04, score ≥ 620, PD ≤ 3 %, ticket ≥ ¥200,000. ZJ and SH pass;
    // equal scores rank by PD: SH (0.8 %) before ZJ (1 %).
    let tech = &all[0];
    assert_eq!(tech.bank, "bank-tech");
    let firms: Vec<String> = tech.firms.iter().map(|r| r.firm.to_string()).collect();
    assert_eq!(firms, vec![SH.to_string(), ZJ.to_string()]);
    assert_eq!(tech.firms[0].rank, 1);
    assert_eq!(tech.excluded.get("sector"), Some(&1));
    assert_eq!(tech.excluded.get("sector unknown"), Some(&1));
    assert_eq!(tech.excluded.get("not eligible for 云量贷"), Some(&1));
    // bank-zhejiang: growth or leading, Zhejiang only, revenue ≥ ¥5M: ZJ alone.
    let zj = &all[1];
    assert_eq!(zj.firms.len(), 1);
    assert_eq!(zj.firms[0].firm, id(ZJ));
    assert_eq!(zj.excluded.get("province"), Some(&1));
    // bank-inclusive: potential, score ≥ 520, revenue ≤ ¥20M: SH; the firm without revenue
    // is excluded for it.
    let inc = &all[2];
    assert_eq!(
        inc.firms.iter().map(|r| r.firm).collect::<Vec<_>>(),
        vec![id(SH)]
    );
    assert_eq!(inc.excluded.get("revenue unknown"), Some(&1));
    assert_eq!(inc.considered, 5);
    // The list is cut at max_firms, but `matched` counts all.
    let mut one = banks[0].clone();
    one.max_firms = 1;
    let r = recommend(&one, &candidates).unwrap();
    assert_eq!((r.firms.len(), r.matched), (1, 2));
}

#[test]
fn bad_appetites_are_refused() {
    for (text, needle) in [
        (
            "[[bank]]\nid = \"a b\"\nscore_min = 1\nmax_firms = 1\n",
            "bank[0].id",
        ),
        (
            "[[bank]]\nid = \"a\"\nprovinces = [\"330\"]\nscore_min = 1\nmax_firms = 1\n",
            "bank[0].provinces",
        ),
        (
            "[[bank]]\nid = \"a\"\nscore_min = 1\nmax_firms = 0\n",
            "bank[0].max_firms",
        ),
        (
            "[[bank]]\nid = \"a\"\nscore_min = 1\nmax_firms = 1\n[[bank]]\nid = \"a\"\nscore_min = 1\nmax_firms = 1\n",
            "listed twice",
        ),
        (
            "[[bank]]\nid = \"a\"\ntiers = [\"huge\"]\nscore_min = 1\nmax_firms = 1\n",
            "x.toml:",
        ),
    ] {
        let e = Appetite::from_toml_str(text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{needle}: {e}");
    }
}

fn status(g: Outcome, u: Outcome) -> GrowthStatus {
    GrowthStatus {
        gazelle: g,
        unicorn: u,
    }
}

/// Fund `sv-1` (state-owned) holds ZJ from 2021 (not a gazelle in 2020, one in 2025: grown),
/// SH from 2022 (already a gazelle in 2021: bought; a unicorn by 2025: grown), BJ from 2023
/// (status unknown in 2025) and a firm bought in 2026 (not yet held in 2025).
#[test]
fn the_state_vc_indicator_counts_grown_firms_only() {
    use Outcome::*;
    let csv = format!(
        "fund,state_owned,uscc,invested_on,amount_yuan\n\
         sv-1,true,{ZJ},2021-05-01,10000000\n\
         sv-1,true,{ZJ},2022-05-01,5000000\n\
         sv-1,true,{SH},2022-03-01,20000000\n\
         sv-1,true,{BJ},2023-01-01,1000000\n\
         sv-1,true,91310000MA1FL0XX5X,2026-01-01,1\n\
         pe-2,false,{SH},2024-01-01,3000000\n"
    );
    let err = read_holdings_csv(csv.as_bytes(), "holdings.csv")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("holdings.csv:6: field 'uscc'"), "{err}");
    let later = finance::synthetic::synthetic_firm_id(1).unwrap();
    let csv = csv.replace("91310000MA1FL0XX5X", later.as_str());
    let holdings: Vec<Holding> = read_holdings_csv(csv.as_bytes(), "holdings.csv").unwrap();
    let mut g = MemoryGrowth::new();
    g.set(id(ZJ), 2020, status(NotMet, NotMet));
    g.set(id(ZJ), 2025, status(Met, NotMet));
    g.set(id(SH), 2021, status(Met, NotMet));
    g.set(id(SH), 2023, status(Met, NotMet));
    g.set(id(SH), 2025, status(Met, Met));
    let out = indicator(&holdings, &g, 2025).unwrap();
    let sv = out.iter().find(|f| f.fund == "sv-1").unwrap();
    assert!(sv.state_owned);
    assert_eq!(sv.firms, 3);
    assert_eq!(sv.invested_fen, 3_600_000_000);
    assert_eq!(
        (
            sv.gazelles.grown,
            sv.gazelles.at_entry,
            sv.gazelles.cannot_tell
        ),
        (1, 1, 1)
    );
    assert_eq!(
        (
            sv.unicorns.grown,
            sv.unicorns.at_entry,
            sv.unicorns.cannot_tell
        ),
        (1, 0, 1)
    );
    assert!((sv.grown_per_100 - 200.0 / 3.0).abs() < 1e-12);
    assert_eq!(sv.invested_in_grown_fen, 3_500_000_000);
    assert_eq!(sv.grown.len(), 2);
    let pe = out.iter().find(|f| f.fund == "pe-2").unwrap();
    // pe-2 bought SH in 2024: a gazelle at entry (2023), a unicorn grown since.
    assert_eq!((pe.gazelles.at_entry, pe.unicorns.grown), (1, 1));
}

#[test]
fn the_program_report_shows_cost_and_reach() {
    let product = Product::embedded().unwrap();
    let mut c = CreditLines::new(MemoryBooks::new(), ProgramRules::of(&product)).unwrap();
    let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
    c.fund("f1", Fund::SubsidyBudget, dec!(100000)).unwrap();
    c.fund("f2", Fund::RiskPool, dec!(1000000)).unwrap();
    for (line, firm, tier) in [
        ("L1", ZJ, Tier::Growth),
        ("L2", SH, Tier::Potential),
        ("L3", ZJ, Tier::Growth),
    ] {
        let t = GrantTerms {
            firm: id(firm),
            tier: Some(tier),
            limit_fen: 100_000_000,
            terms: product.terms,
            score: 650,
            pd: 0.02,
            product: product.id.clone(),
        };
        c.grant(&format!("g{line}"), line, "bank-a", &t, d(1, 1))
            .unwrap();
        c.draw(&format!("d{line}"), line, d(1, 1), dec!(1000000))
            .unwrap();
    }
    c.pay_interest("i1", "L1", d(1, 31), dec!(2875)).unwrap(); // subsidy 1,437.50
    c.default_lines("x", d(2, 1), &["L2"]).unwrap(); // claim 1,000,000: pool pays 500,000
    c.recover("v", "L2", d(3, 1), dec!(200000)).unwrap(); // returns 100,000
    let s = summarise(&c).unwrap();
    assert_eq!(s.firms, 2);
    assert_eq!(s.drawn_fen, 300_000_000);
    assert_eq!(s.subsidy_fen, 143_750);
    assert_eq!(s.compensation_fen, 50_000_000);
    assert_eq!(s.returned_to_pool_fen, 10_000_000);
    assert_eq!(s.program_cost_fen, 143_750 + 50_000_000 - 10_000_000);
    assert_eq!(s.budget_left_fen, 10_000_000 - 143_750);
    assert_eq!(s.pool_left_fen, 100_000_000 - 50_000_000 + 10_000_000);
    assert_eq!(s.lines_by_status.get("defaulted"), Some(&1));
    let growth = s.by_tier.iter().find(|r| r.key == "growth").unwrap();
    assert_eq!(
        (growth.lines, growth.firms, growth.subsidy_fen),
        (2, 1, 143_750)
    );
    let zj = s.by_province.iter().find(|r| r.key == "33").unwrap();
    assert_eq!((zj.lines, zj.name.as_str()), (2, "浙江"));
    let sh = s.by_province.iter().find(|r| r.key == "31").unwrap();
    assert_eq!(sh.defaults, 1);
}
