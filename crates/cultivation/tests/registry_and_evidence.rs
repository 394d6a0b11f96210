//! The registry as finance's facts and growth criteria and the market's firm directory
//! (`RegistryView`), and the ledger's contracts as finance's spend evidence
//! (`LedgerEvidence`), on hand-built firms, reports and redemptions.

use chrono::NaiveDate;
use cultivation::{LedgerEvidence, RegistryView};
use finance::RegistryFacts;
use finance::evidence::{DateWindow, SpendCategory, SpendEvidence, SpendSource};
use finance::statevc::GrowthCriteria;
use registry_model::{
    AnnualReport, CriteriaBook, CriterionKind, Enterprise, EnterpriseId, Evidence, MemoryStore,
    Money, Outcome, RegistryStore, RulePolicy,
};
use rust_decimal_macros::dec;
use scenario_market::{FirmDirectory, FirmSize};
use voucher_ledger::{Firm, ManualClock, VoucherBook};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn id(n: u32) -> EnterpriseId {
    EnterpriseId::from_first17(&format!("91510104{n:09}")).unwrap()
}

fn yuan(n: i64) -> Option<Money> {
    Some(Money::from_fen(n * 100).unwrap())
}

fn store() -> MemoryStore {
    let firm = |n, founded| Enterprise {
        id: id(n),
        name: format!("firm {n}"),
        founded,
        industry: None,
    };
    let report = |n, year, staff, revenue| {
        let mut r = AnnualReport::new(id(n), year);
        r.staff = Some(staff);
        r.revenue_yuan = yuan(revenue);
        r.rd_spend_yuan = yuan(revenue / 10);
        r.debt_ratio = Some(dec!(0.35));
        r
    };
    let mut s = MemoryStore::new();
    s.insert(
        &[firm(1, d(2015, 3, 1)), firm(2, d(2026, 1, 5))],
        &[
            report(1, 2024, 50, 16_000_000),
            report(1, 2025, 50, 20_000_000),
            report(2, 2026, 5, 100_000),
        ],
    )
    .unwrap();
    s
}

#[test]
fn the_registry_as_profiles_standings_and_growth() {
    let mut s = store();
    {
        let v = RegistryView::new(&s).unwrap();
        // Before 2025 is adjusted: registered, without a tier; 50 staff and ¥20M is small
        // (medium needs 100 staff), by the software row of the 2011 rules.
        let st = v.standing(&id(1), 2025).unwrap().unwrap();
        assert_eq!((st.tier, st.size), (None, Some(FirmSize::Small)));
        // Firm 2 was registered in 2026: not in the registry in 2025; unknown firms neither.
        assert_eq!(v.standing(&id(2), 2025).unwrap(), None);
        assert_eq!(v.standing(&id(3), 2025).unwrap(), None);
        assert_eq!(
            v.standing(&id(2), 2026).unwrap().unwrap().size,
            Some(FirmSize::Micro)
        );
        let p = v.profile(&id(1), 2025).unwrap().unwrap();
        assert_eq!(p.founded, Some(d(2015, 3, 1)));
        assert_eq!((p.staff, p.revenue_yuan), (Some(50), yuan(20_000_000)));
        assert_eq!(p.revenue_prior_yuan, yuan(16_000_000));
        assert_eq!(p.rd_spend_yuan, yuan(2_000_000));
        assert_eq!(p.debt_ratio, Some(dec!(0.35)));
        assert_eq!(
            (p.tier, p.sector.clone(), p.bad_credit_3y),
            (None, None, None)
        );
        // A year without a report: known firm, facts missing.
        let p = v.profile(&id(1), 2023).unwrap().unwrap();
        assert_eq!((p.staff, p.revenue_prior_yuan), (None, None));
        assert!(v.profile(&id(3), 2025).unwrap().is_none());
        let g = v.status(&id(3), 2025).unwrap();
        assert_eq!(
            (g.gazelle, g.unicorn),
            (Outcome::CannotTell, Outcome::CannotTell)
        );
    }
    let book = CriteriaBook::embedded().unwrap();
    let policy = RulePolicy::default_policy().unwrap();
    s.adjust(2025, book.for_year(2025).unwrap(), &policy)
        .unwrap();
    let tier = s.standings(2025).unwrap()[&id(1)].tier;
    let v = RegistryView::new(&s).unwrap();
    assert_eq!(v.standing(&id(1), 2025).unwrap().unwrap().tier, tier);
    assert_eq!(v.profile(&id(1), 2025).unwrap().unwrap().tier, tier);
    // Gazelle is the OECD or the zone criterion (Kleene or); unicorn its own criterion.
    let firm = s.firm(&id(1)).unwrap().unwrap();
    let reports = s.reports_of(&id(1)).unwrap();
    let ev = Evidence::from_refs(&firm, 2025, reports.iter());
    let set = book.for_year(2025).unwrap();
    let o = |k| set.evaluate_one(k, &ev).outcome;
    let g = v.status(&id(1), 2025).unwrap();
    assert_eq!(
        g.gazelle,
        o(CriterionKind::Gazelle).or(o(CriterionKind::ZoneGazelle))
    );
    assert_eq!(g.unicorn, o(CriterionKind::Unicorn));
}

const DATA: &str = r#"
id = "cd-data-2025"
name = "成都数据券 (test)"
kind = "data"
issuing_region = "510100"
annual_budget_yuan = "1000000"
cap_per_firm_yuan = "200000"
[ratio]
default = "0.5"
[validity]
from = 2025-01-01
until = 2025-12-31
[providers]
any = true
"#;

#[test]
fn claimed_contracts_are_verified_spend_by_category() {
    let clock = ManualClock::at_date(d(2025, 4, 15));
    let mut book = VoucherBook::in_memory(Box::new(clock.clone()));
    book.add_default_programs("d").unwrap();
    book.add_program_toml("p/data", DATA, "data.toml").unwrap();
    let c = "chengdu-compute-2025";
    let f = id(1);
    book.grant("g1", c, &Firm::new(f), dec!(50000)).unwrap();
    book.grant("g2", "cd-data-2025", &Firm::new(f), dec!(10000))
        .unwrap();
    book.redeem("r1", c, &f, "cloud-a", "C-1", dec!(12000.50))
        .unwrap();
    clock.set_date(d(2025, 6, 1));
    book.redeem("r2", "cd-data-2025", &f, "data-x", "D-1", dec!(8000))
        .unwrap();
    // A held contract is not evidence until it is settled.
    book.hold_fen("h1", c, &f, "cloud-b", "C-2", 100_000, 0)
        .unwrap();
    let ev = LedgerEvidence::of(&book).unwrap();
    let year = DateWindow::new(d(2025, 1, 1), d(2025, 12, 31)).unwrap();
    let lines = ev.spend_lines(&f, year).unwrap();
    let got: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l.contract_id.as_str(),
                l.category,
                l.amount_yuan.to_string(),
                l.date,
                l.source,
                l.verified,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "C-1",
                SpendCategory::CloudCompute,
                "12000.50".to_string(),
                d(2025, 4, 15),
                SpendSource::VoucherRedemption,
                true
            ),
            (
                "D-1",
                SpendCategory::Data,
                "8000.00".to_string(),
                d(2025, 6, 1),
                SpendSource::VoucherRedemption,
                true
            ),
        ]
    );
    // The window is inclusive and filters by date; other firms have nothing.
    let spring = DateWindow::new(d(2025, 1, 1), d(2025, 4, 15)).unwrap();
    assert_eq!(ev.spend_lines(&f, spring).unwrap().len(), 1);
    assert!(ev.spend_lines(&id(9), year).unwrap().is_empty());
    assert_eq!(
        cultivation::spend_evidence::category_of(voucher_ledger::VoucherKind::Innovation),
        None
    );
}
