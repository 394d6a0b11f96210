//! Every loader of finance: the scorecard, bank appetites, the product and simulation TOML,
//! firm facts, spend evidence and state-fund holdings CSV. No panic; what loads holds no
//! non-finite number; a CSV read into a store that fails leaves the store as it was (all or
//! nothing); a scorecard that loads assesses every firm of a facts table within bounds. The
//! first byte chooses the loader.

use crate::{all_or_nothing, assert_finite, select, split, text};
use finance::product::DEFAULT_PRODUCT_TOML;
use finance::scorecard::DEFAULT_SCORECARD_TOML;
use finance::statevc::read_holdings_csv;
use finance::{
    Appetite, CreditModel, Features, MemoryEvidence, MemoryFacts, Product, Scorecard,
    SimulationSpec,
};
use finance::{DateWindow, SpendSummary};

fn facts_snapshot(f: &MemoryFacts) -> Vec<String> {
    f.iter().map(|p| format!("{p:?}")).collect()
}

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let Some((k, rest)) = select(data, 7) else {
        return;
    };
    let s = text(rest);
    match (k, s) {
        (0, _) => {
            // A scorecard (or the shipped one) over a facts table: SCORECARD 0xff FACTS.
            let parts = split(rest, 2);
            let card = match text(parts[0]) {
                Some("") => Scorecard::from_toml_str(DEFAULT_SCORECARD_TOML, "scorecard.toml"),
                Some(t) => Scorecard::from_toml_str(t, "scorecard.toml"),
                None => return,
            };
            let Ok(card) = card else { return };
            assert_finite("scorecard", &card);
            let mut facts = MemoryFacts::new();
            if facts.read_csv(parts[1], "facts.csv").is_err() {
                return;
            }
            let window =
                DateWindow::months_to(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(), 12);
            for p in facts.iter().take(64) {
                let none = SpendSummary::of(&p.firm, window, &[]);
                let a = card.assess(&Features::from_sources(Some(p), &none, &none));
                assert_finite("assessment", &a);
                assert!(a.pd > 0.0 && a.pd < 1.0, "pd {} outside (0, 1)", a.pd);
            }
        }
        (1, Some(s)) => {
            if let Ok(a) = Appetite::from_toml_str(s, "appetites.toml") {
                assert_finite("appetites", &a);
            }
        }
        (2, Some(s)) => {
            if let Ok(p) = Product::from_toml_str(s, "product.toml") {
                assert_finite("product", &p);
            }
        }
        (3, Some(s)) => {
            let product = Product::from_toml_str(DEFAULT_PRODUCT_TOML, "product.toml")
                .expect("the shipped product loads");
            if let Ok(spec) = SimulationSpec::from_toml_str(s, "simulation.toml", &product) {
                assert_finite("simulation", &spec);
            }
        }
        (4, _) => {
            let mut facts = MemoryFacts::new();
            facts
                .read_csv(
                    "uscc,year,founded,tier,sector,staff,revenue_yuan,revenue_prior_yuan,rd_spend_yuan,debt_ratio,bad_credit_3y\n91110000600037341L,2024,2015-01-01,growth,software,20,1000000,800000,100000,0.4,false\n".as_bytes(),
                    "base.csv",
                )
                .expect("the base row loads");
            let _ = all_or_nothing("facts", &mut facts, facts_snapshot, |f| {
                f.read_csv(rest, "facts.csv")
            });
        }
        (5, _) => {
            let mut ev = MemoryEvidence::new();
            let _ = all_or_nothing(
                "evidence",
                &mut ev,
                |e| format!("{e:?}"),
                |e| e.read_csv(rest, "evidence.csv"),
            );
        }
        (6, _) => {
            if let Ok(h) = read_holdings_csv(rest, "holdings.csv") {
                assert_finite("holdings", &h);
            }
        }
        _ => {}
    }
}
