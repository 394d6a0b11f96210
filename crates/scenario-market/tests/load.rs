//! Loading is all or nothing and names the file, line, field and value; CSV and TOML give the
//! same records; money is conserved through bundles, and a bundle batch is all or nothing.

mod common;

use proptest::prelude::*;
use registry_model::Money;
use scenario_market::load::{
    read_offers_csv, read_offers_toml, read_scenarios_csv, read_scenarios_toml,
};
use scenario_market::{
    GreedyMatcher, MarketError, MatchConfig, Matcher, MemoryLedger, OptimalMatcher, Scoring,
    bundle, example,
};

const OFFER_HEADER: &str = "id,firm,kind,title,tags,maturity,price_yuan\n";

fn offer_row(i: usize) -> String {
    format!(
        "O{i:03},91370200163562681G,product,Offer {i},vision;port,7,{}.50\n",
        1000 + i
    )
}

/// The ways a row can be wrong, with the field the error must name.
fn corrupt(row: &str, how: usize) -> (String, &'static str) {
    let cells: Vec<&str> = row.trim_end().split(',').collect();
    let mut c: Vec<String> = cells.iter().map(|s| s.to_string()).collect();
    let field = match how % 6 {
        0 => {
            c[1] = "91370200163562681A".into();
            "firm"
        }
        1 => {
            c[2] = "gadget".into();
            "kind"
        }
        2 => {
            c[5] = "10".into();
            "maturity"
        }
        3 => {
            c[6] = "12.345".into();
            "price_yuan"
        }
        4 => {
            c[4] = "vision;por/t".into();
            "tags"
        }
        _ => {
            c[0] = "O 1".into();
            "id"
        }
    };
    (c.join(",") + "\n", field)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn a_bad_row_rejects_the_whole_file(n in 1usize..40, bad in 0usize..40, how in 0usize..6) {
        let bad = bad % n;
        let mut text = OFFER_HEADER.to_string();
        let mut field = "";
        for i in 0..n {
            if i == bad {
                let (row, f) = corrupt(&offer_row(i), how);
                text.push_str(&row);
                field = f;
            } else {
                text.push_str(&offer_row(i));
            }
        }
        match read_offers_csv(text.as_bytes(), "offers.csv") {
            Err(MarketError::Record { file, line, field: f, .. }) => {
                prop_assert_eq!(file, "offers.csv");
                prop_assert_eq!(line, bad as u64 + 2);
                prop_assert_eq!(f, field);
            }
            other => prop_assert!(false, "expected a record error, got {:?}", other.map(|v| v.len())),
        }
        // Without the bad row, every record loads.
        let good: String = std::iter::once(OFFER_HEADER.to_string())
            .chain((0..n).filter(|&i| i != bad).map(offer_row))
            .collect();
        prop_assert_eq!(read_offers_csv(good.as_bytes(), "offers.csv").unwrap().len(), n - 1);
    }

    #[test]
    fn a_duplicate_id_names_both_lines(n in 2usize..30, a in 0usize..30, b in 0usize..30) {
        let (a, b) = (a % n, b % n);
        prop_assume!(a != b);
        let (first, second) = (a.min(b), a.max(b));
        let mut text = OFFER_HEADER.to_string();
        for i in 0..n {
            text.push_str(&offer_row(if i == second { first } else { i }));
        }
        let e = read_offers_csv(text.as_bytes(), "offers.csv").unwrap_err().to_string();
        let expected = format!("offers.csv:{}: field 'id'", second + 2);
        let already = format!("already on line {}", first + 2);
        prop_assert!(e.starts_with(&expected) && e.contains(&already), "{}", e);
    }

    #[test]
    fn money_is_conserved_through_bundles(
        ss in proptest::collection::vec(common::scenario_strategy(), 1..8),
        os in proptest::collection::vec(common::offer_strategy(6), 1..40),
        compute_fund in 0i64..40_000,
        optimal in any::<bool>(),
    ) {
        let market = common::build(&ss, &os, &[]);
        let g = Scoring::new(MatchConfig::embedded().unwrap()).unwrap().candidates(&market);
        let a = if optimal { OptimalMatcher.assign(&g).unwrap() } else { GreedyMatcher.assign(&g).unwrap() };
        let programs = bundle::BundlePrograms { compute: "c".parse().unwrap(), data: "d".parse().unwrap() };
        let reqs = bundle::requests(&market, &a, &programs, &"2025".parse().unwrap()).unwrap();
        let mut ledger = MemoryLedger::new();
        let yuan = |y| Money::from_yuan_i64(y).unwrap();
        ledger.appropriate("a/c", &programs.compute, yuan(compute_fund + 1)).unwrap();
        ledger.appropriate("a/d", &programs.data, yuan(1_000_000)).unwrap();
        let wanted: i64 = reqs.iter().filter(|r| r.movement.program() == &programs.compute).map(|r| r.movement.amount().fen()).sum();
        let before = ledger.clone();
        match bundle::grant(&mut ledger, &reqs) {
            Ok(rep) => {
                prop_assert!(wanted <= yuan(compute_fund + 1).fen());
                prop_assert_eq!(rep.compute_total.fen(), wanted);
                prop_assert_eq!(ledger.fund(&programs.compute).fen(), yuan(compute_fund + 1).fen() - wanted);
                // Idempotent: the same batch again moves nothing.
                let again = bundle::grant(&mut ledger, &reqs).unwrap();
                prop_assert_eq!(again.replayed, reqs.len());
            }
            Err(_) => {
                // Declined as a whole: the book is exactly as before.
                prop_assert!(wanted > yuan(compute_fund + 1).fen());
                prop_assert_eq!(&ledger, &before);
            }
        }
        ledger.check_invariants().unwrap();
        let vouchers: i64 = market.firms().iter().map(|f| ledger.voucher(&programs.compute, f).fen() + ledger.voucher(&programs.data, f).fen()).sum();
        prop_assert_eq!(vouchers + ledger.fund(&programs.compute).fen() + ledger.fund(&programs.data).fen(), yuan(compute_fund + 1 + 1_000_000).fen());
    }
}

#[test]
fn csv_and_toml_give_the_same_records() {
    let toml = r#"
[[scenario]]
id = "S-QD-PORT"
title = "Automated crane inspection at the container terminal"
owner = "Qingdao Port Group"
owner_type = "state_owned"
kind = "technology_application"
region = "370200"
needs = ["computer-vision", "iot", "port"]
required = ["port"]
offer_kinds = ["product", "solution"]
maturity_min = 6
region_scope = "anywhere"
budget_yuan = "900000"
slots = 2
opens = 2025-03-01
closes = 2025-06-30
compute_voucher_yuan = 50000
data_voucher_yuan = 20000
"#;
    let from_toml = read_scenarios_toml(toml, "s.toml").unwrap();
    let from_csv = read_scenarios_csv(example::SCENARIOS_CSV.as_bytes(), "s.csv").unwrap();
    assert_eq!(from_toml[0], from_csv[2]);
    let bad = toml.replace("maturity_min = 6", "maturity_min = 0");
    let e = read_scenarios_toml(&bad, "s.toml").unwrap_err().to_string();
    assert!(e.starts_with("s.toml:2: field 'maturity_min' = '0'"), "{e}");
    let typo = toml.replace("slots = 2", "slot = 2");
    assert!(
        read_scenarios_toml(&typo, "s.toml")
            .unwrap_err()
            .to_string()
            .contains("slot")
    );
    let offers = "[[offer]]\nid = \"O1\"\nfirm = \"91370200163562681G\"\nkind = \"product\"\ntitle = \"Kit\"\ntags = [\"port\"]\nmaturity = 7\nprice_yuan = \"100\"\n";
    assert_eq!(
        read_offers_toml(offers, "o.toml").unwrap()[0].price.fen(),
        10_000
    );
}

#[test]
fn headers_are_checked() {
    let e = read_offers_csv(
        "id,firm,kind,title,tags,maturity,price_yuan,colour\n".as_bytes(),
        "o.csv",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("o.csv:1: field 'colour'") && e.contains("unknown column"),
        "{e}"
    );
    let e = read_offers_csv("id,firm,kind,title,tags,maturity\n".as_bytes(), "o.csv")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'price_yuan'") && e.contains("required column missing"),
        "{e}"
    );
}
