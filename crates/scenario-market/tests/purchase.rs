//! First purchase (首购首用): recognition explained, 首台套 as a catalogue entry, the price
//! deductions of 财库〔2020〕46号 and 财库〔2022〕19号 worked by hand, and the purchase record.

mod common;

use common::d;

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Money};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scenario_market::purchase::{
    Application, Catalogue, CatalogueRules, Category, Decision, Fact, FirmSize, Method,
    PreferencePolicy, Procurement, ProcurementBid, ProcurementKind, Purchase, PurchaseLog,
    evaluate, read_applications_csv,
};
use scenario_market::{Key, OwnerType};

fn firm(s: &str) -> EnterpriseId {
    s.parse().unwrap()
}

const QINGDAO: &str = "91370200163562681G";
const BEIJING: &str = "91110108555555552Q";
const SHENZHEN: &str = "91440300876543210T";

fn crane(applied: NaiveDate) -> Application {
    Application {
        product: "QC-1".parse().unwrap(),
        firm: firm(QINGDAO),
        name: "Quay crane vision system".into(),
        category: Category::FirstSet,
        scheme: "shandong".into(),
        applied,
        own_ip: Some(true),
        domestic_first: Some(true),
        third_party_tested: Some(true),
        no_major_incident: Some(true),
        trl: None,
        first_sale: None,
        cumulative_sales: None,
    }
}

#[test]
fn first_set_recognition_under_the_shandong_rules() {
    let rules = CatalogueRules::embedded().unwrap();
    let mut cat = Catalogue::new();
    let r = cat.recognise(&rules, &crane(d(2025, 3, 1))).unwrap();
    assert_eq!(r.decision, Decision::Recognised);
    assert_eq!(r.rule_set, "sd-first-set-2023");
    assert_eq!(r.conditions.len(), 5);
    assert!(
        r.conditions
            .iter()
            .all(|c| c.holds == Some(true) && !c.citation.is_empty())
    );
    let e = r.entry.unwrap();
    // Three years, to the day before the anniversary.
    assert_eq!((e.listed, e.expires), (d(2025, 3, 1), d(2028, 2, 29)));
    assert!(cat.listed(&e.product, d(2028, 2, 29)).is_some());
    assert!(cat.listed(&e.product, d(2028, 3, 1)).is_none());
    // Listed again while still listed: refused.
    assert!(cat.recognise(&rules, &crane(d(2026, 1, 1))).is_err());

    // A Beijing firm under the Shandong scheme: the province condition fails, with its value.
    let mut app = crane(d(2025, 3, 1));
    app.product = "QC-2".parse().unwrap();
    app.firm = firm(BEIJING);
    let r = cat.recognise(&rules, &app).unwrap();
    assert_eq!(r.decision, Decision::Refused);
    let p = r
        .conditions
        .iter()
        .find(|c| c.fact == Fact::Province)
        .unwrap();
    assert_eq!(
        (p.requirement.as_str(), p.value.as_deref(), p.holds),
        ("in 37", Some("11"), Some(false))
    );
    assert!(r.entry.is_none());
}

#[test]
fn national_rules_tell_what_is_missing_and_check_thresholds() {
    let rules = CatalogueRules::embedded().unwrap();
    let mut cat = Catalogue::new();
    let mut app = crane(d(2025, 3, 1));
    app.scheme = "national".into();
    let r = cat.recognise(&rules, &app).unwrap();
    assert_eq!(r.decision, Decision::Incomplete);
    assert_eq!(r.missing, vec![Fact::Trl, Fact::MonthsSinceFirstSale]);
    app.trl = scenario_market::Maturity::new(7);
    app.first_sale = Some(d(2022, 3, 2)); // 35 whole months before 2025-03-01
    assert_eq!(
        cat.recognise(&rules, &app).unwrap().decision,
        Decision::Recognised
    );
    let mut old = app.clone();
    old.product = "QC-3".parse().unwrap();
    old.first_sale = Some(d(2022, 2, 28)); // 36 months: still within "at most 36"
    assert_eq!(
        cat.recognise(&rules, &old).unwrap().decision,
        Decision::Recognised
    );
    old.product = "QC-4".parse().unwrap();
    old.first_sale = Some(d(2022, 1, 31)); // 37 months
    let r = cat.recognise(&rules, &old).unwrap();
    assert_eq!(r.decision, Decision::Refused);
    let m = r
        .conditions
        .iter()
        .find(|c| c.fact == Fact::MonthsSinceFirstSale)
        .unwrap();
    assert_eq!(
        (m.value.as_deref(), m.requirement.as_str()),
        (Some("37"), "≤ 36")
    );
    // Before any rule set is in force: an error, not a silent refusal.
    app.applied = d(2020, 1, 1);
    assert!(cat.recognise(&rules, &app).is_err());
}

#[test]
fn applications_read_from_csv_keep_missing_facts_missing() {
    let csv = "product,firm,name,category,scheme,applied,own_ip,trl\n\
               P1,91370200163562681G,Edge box,new_product,national,2025-04-01,true,\n\
               P2,91370200163562681G,Edge box 2,首版次,national,2025-04-01,maybe,7\n";
    let e = read_applications_csv(csv.as_bytes(), "apps.csv")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("apps.csv:3: field 'own_ip' = 'maybe'"), "{e}");
    let ok = read_applications_csv(&csv.as_bytes()[..csv.find("P2").unwrap()], "apps.csv").unwrap();
    assert_eq!(ok[0].trl, None);
    assert_eq!(ok[0].own_ip, Some(true));
}

fn listed_catalogue() -> Catalogue {
    let rules = CatalogueRules::embedded().unwrap();
    let mut cat = Catalogue::new();
    cat.recognise(&rules, &crane(d(2025, 3, 1))).unwrap();
    cat
}

fn bid(
    f: &str,
    size: FirmSize,
    price: i64,
    product: Option<&str>,
    small_share: Option<Decimal>,
    other: i64,
) -> ProcurementBid {
    ProcurementBid {
        bidder: firm(f),
        size,
        price: Money::from_yuan_i64(price).unwrap(),
        product: product.map(|p| p.parse::<Key>().unwrap()),
        small_share,
        other_points: Decimal::from(other),
    }
}

#[test]
fn deductions_by_period_worked_by_hand() {
    let policy = PreferencePolicy::embedded().unwrap();
    let cat = listed_catalogue();
    let procurement = |date, sm: Decimal, co: Decimal, ca: Decimal, method| Procurement {
        id: "P-2025-001".parse().unwrap(),
        kind: ProcurementKind::GoodsServices,
        method,
        date,
        small_micro_rate: sm,
        consortium_rate: co,
        catalogue_rate: ca,
    };
    // Lowest evaluated price, 2025: a small firm at ¥1,000,000 − 10 % = ¥900,000; a large
    // firm with a 30 % small-firm consortium at ¥950,000 − 5 % = ¥902,500; the Qingdao
    // maker of the catalogue crane, small, at ¥1,100,000 − (10 % + 8 %) = ¥902,000.
    let bids = vec![
        bid(BEIJING, FirmSize::Small, 1_000_000, None, None, 0),
        bid(
            SHENZHEN,
            FirmSize::Large,
            950_000,
            None,
            Some(dec!(0.30)),
            0,
        ),
        bid(QINGDAO, FirmSize::Small, 1_100_000, Some("QC-1"), None, 0),
    ];
    let r = evaluate(
        &policy,
        &cat,
        &procurement(
            d(2025, 6, 1),
            dec!(0.10),
            dec!(0.05),
            dec!(0.08),
            Method::LowestPrice,
        ),
        &bids,
    )
    .unwrap();
    assert_eq!(r.period, "cn-2022-07");
    let got: Vec<(String, String)> = r
        .bids
        .iter()
        .map(|b| (b.bidder.to_string(), b.evaluated_price.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            (BEIJING.to_string(), "900000".to_string()),
            (QINGDAO.to_string(), "902000".to_string()),
            (SHENZHEN.to_string(), "902500".to_string()),
        ]
    );
    // The winner's contract is at its bid price, not the deducted one.
    assert_eq!(r.bids[0].price.to_string(), "1000000.00");
    assert_eq!(r.bids[1].deductions.len(), 2);

    // 10 % is below the 2021 range? No: 2021 allowed 6-10 %, so 10 % passes; 12 % does not.
    let e = evaluate(
        &policy,
        &cat,
        &procurement(
            d(2021, 6, 1),
            dec!(0.12),
            dec!(0.02),
            dec!(0),
            Method::LowestPrice,
        ),
        &bids,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("small_micro_rate")
            && e.contains("outside 0.06–0.10")
            && e.contains("财库〔2020〕46号"),
        "{e}"
    );
    // And from 2022-07-01 the floor is 10 %: 6 % is refused.
    let e = evaluate(
        &policy,
        &cat,
        &procurement(
            d(2022, 7, 1),
            dec!(0.06),
            dec!(0.04),
            dec!(0),
            Method::LowestPrice,
        ),
        &bids,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("outside 0.10–0.20") && e.contains("财库〔2022〕19号"),
        "{e}"
    );

    // Comprehensive scoring, price weight 30 %: price points = 30 × lowest ÷ own.
    // Beijing: 30 × 900,000 / 900,000 = 30 + 50 other = 80.
    // Qingdao: 30 × 900,000 / 902,000 = 29.9335 (4 decimals) + 52 = 81.9335: it wins.
    let mut bids = bids;
    bids[0].other_points = Decimal::from(50);
    bids[2].other_points = Decimal::from(52);
    bids[1].other_points = Decimal::from(45);
    let r = evaluate(
        &policy,
        &cat,
        &procurement(
            d(2025, 6, 1),
            dec!(0.10),
            dec!(0.05),
            dec!(0.08),
            Method::Comprehensive {
                price_weight: dec!(0.30),
            },
        ),
        &bids,
    )
    .unwrap();
    assert_eq!(r.bids[0].bidder, firm(QINGDAO));
    assert_eq!(r.bids[0].price_points.unwrap().to_string(), "29.9335");
    assert_eq!(r.bids[0].total_points.unwrap().to_string(), "81.9335");
    assert_eq!(r.bids[1].total_points.unwrap().to_string(), "80.0000");
}

#[test]
fn the_record_marks_first_purchases() {
    let cat = listed_catalogue();
    let mut log = PurchaseLog::new();
    let p = |id: &str, date, amount: i64| Purchase {
        id: id.parse().unwrap(),
        product: "QC-1".parse().unwrap(),
        buyer: "Qingdao Port Group".into(),
        buyer_type: OwnerType::StateOwned,
        date,
        amount: Money::from_yuan_i64(amount).unwrap(),
        procurement: None,
    };
    assert!(!log.record(&cat, p("C-2", d(2025, 7, 1), 900_000)).unwrap());
    assert!(
        !log.record(&cat, p("C-1", d(2025, 5, 1), 1_000_000))
            .unwrap()
    );
    assert!(
        log.record(&cat, p("C-1", d(2025, 5, 1), 1_000_000))
            .unwrap()
    ); // replay
    assert!(
        log.record(&cat, p("C-1", d(2025, 5, 2), 1_000_000))
            .is_err()
    ); // same id, other content
    assert!(log.record(&cat, p("C-0", d(2025, 1, 1), 1)).is_err()); // before listing
    let firsts = log.first_purchases(&cat);
    assert_eq!(firsts.len(), 1);
    assert_eq!(
        (firsts[0].purchase.id.as_str(), firsts[0].purchases),
        ("C-1", 2)
    );
    let s = log.summary(&cat).unwrap();
    let fs = s.iter().find(|x| x.category == Category::FirstSet).unwrap();
    assert_eq!(
        (
            fs.listed,
            fs.bought,
            fs.first_amount.to_string(),
            fs.total_amount.to_string()
        ),
        (1, 1, "1000000.00".into(), "1900000.00".into())
    );
}

#[test]
fn each_deduction_says_why_and_a_preference_not_applied_says_why_not() {
    let policy = PreferencePolicy::embedded().unwrap();
    let cat = listed_catalogue();
    let p = Procurement {
        id: "P-2025-002".parse().unwrap(),
        kind: ProcurementKind::GoodsServices,
        method: Method::LowestPrice,
        date: d(2025, 6, 1),
        small_micro_rate: dec!(0.20),
        consortium_rate: dec!(0.06),
        catalogue_rate: dec!(0.10),
    };
    let bids = vec![
        // 20 % + 10 % = 30 %: exactly the cap of 2025, not above it.
        bid(QINGDAO, FirmSize::Small, 1_000_000, Some("QC-1"), None, 0),
        // Names the crane, but it is not its maker's bid.
        bid(
            BEIJING,
            FirmSize::Medium,
            1_000_000,
            Some("QC-1"),
            Some(dec!(0.25)),
            0,
        ),
    ];
    let r = evaluate(&policy, &cat, &p, &bids).unwrap();
    let qd = &r.bids[0];
    assert_eq!(qd.bidder, firm(QINGDAO));
    assert_eq!(
        (qd.total_rate, qd.evaluated_price),
        (dec!(0.3), dec!(700000))
    );
    let reasons: Vec<&str> = qd.deductions.iter().map(|d| d.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "bidder is small",
            "product QC-1 listed as first_set (sd-first-set-2023) until 2028-02-29"
        ]
    );
    assert!(qd.not_applied.is_empty());
    let bj = &r.bids[1];
    assert!(bj.deductions.is_empty());
    assert_eq!(
        bj.not_applied,
        [
            "small_micro: bidder is medium".to_string(),
            "consortium_small_share: 25% of the contract to small and micro firms, below 30%"
                .to_string(),
            format!(
                "catalogue_product: product QC-1 is listed for its maker {QINGDAO}, not the bidder"
            ),
        ]
    );
    // A preferences file capping deductions at 15 %: the 30 % is cut to 15 % and says so.
    let capped = PreferencePolicy::from_toml(
        &scenario_market::purchase::DEFAULT_PREFERENCES_TOML
            .replace("total_max = \"0.30\"", "total_max = \"0.15\""),
        "capped.toml",
    )
    .unwrap();
    let r = evaluate(&capped, &cat, &p, &bids[..1]).unwrap();
    assert_eq!(r.bids[0].total_rate, dec!(0.15));
    assert_eq!(r.bids[0].evaluated_price, dec!(850000));
    assert_eq!(
        r.bids[0].not_applied,
        ["total: deductions of 30% capped at 15% (period cn-2022-07)"]
    );
}

#[test]
fn a_record_kept_elsewhere_is_restored_and_checked() {
    let cat = listed_catalogue();
    let entries: Vec<_> = cat.entries().cloned().collect();
    let again = Catalogue::from_entries(entries.clone()).unwrap();
    assert_eq!(again, cat);
    let mut twice = entries.clone();
    twice.extend(entries);
    assert!(Catalogue::from_entries(twice).is_err());
    let p = Purchase {
        id: "C-1".parse().unwrap(),
        product: "QC-1".parse().unwrap(),
        buyer: "Qingdao Port Group".into(),
        buyer_type: OwnerType::StateOwned,
        date: d(2025, 5, 1),
        amount: Money::from_yuan_i64(10).unwrap(),
        procurement: None,
    };
    let log = PurchaseLog::restore([p.clone()]).unwrap();
    assert_eq!(log.first_purchases(&again)[0].purchase, p);
    assert!(PurchaseLog::restore([p.clone(), p.clone()]).is_err());
    let mut free = p;
    free.amount = Money::ZERO;
    assert!(PurchaseLog::restore([free]).is_err());
}
