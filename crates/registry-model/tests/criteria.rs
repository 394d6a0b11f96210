//! Each criterion at its thresholds (just below, at, just above), in each revenue band, and
//! "cannot tell" on missing facts. Expected values are worked out by hand in the comments.

use chrono::NaiveDate;
use registry_model::criteria::CriteriaBook;
use registry_model::{
    AnnualReport, CriteriaSet, CriterionKind, Enterprise, EnterpriseId, Evidence, Money, Outcome,
    Value, Verdict,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn id() -> EnterpriseId {
    "91330101589882738D".parse().unwrap()
}

fn firm(founded: (i32, u32, u32)) -> Enterprise {
    Enterprise {
        id: id(),
        name: "浙江测试科技有限公司".into(),
        founded: NaiveDate::from_ymd_opt(founded.0, founded.1, founded.2).unwrap(),
        industry: Some("6513".parse().unwrap()),
    }
}

fn yuan(s: &str) -> Money {
    s.parse().unwrap()
}

/// A report that passes most criteria: revenue ¥40M, R&D ¥2.4M (6 %), 100 staff of whom 30
/// tech, IP 2 + 5, high-tech revenue 75 %, score 75.
fn base(year: i32) -> AnnualReport {
    let mut r = AnnualReport::new(id(), year);
    r.revenue_yuan = Some(yuan("40000000"));
    r.rd_spend_yuan = Some(yuan("2400000"));
    r.rd_domestic_share = Some(dec!(0.9));
    r.staff = Some(100);
    r.tech_staff = Some(30);
    r.rd_staff = Some(20);
    r.ip_class1 = Some(2);
    r.ip_class2 = Some(5);
    r.high_tech_revenue_yuan = Some(yuan("30000000"));
    r.assets_yuan = Some(yuan("50000000"));
    r.debt_ratio = Some(dec!(0.5));
    r.equity_financing_yuan = Some(Money::ZERO);
    r.listed = Some(false);
    r.pe_backed = Some(false);
    r.supported_field = Some(true);
    r.main_business_share = Some(dec!(0.8));
    r.niche_years = Some(5);
    r.niche_market_share = Some(dec!(0.12));
    r.major_incidents = Some(0);
    r.innovation_score = Some(dec!(75));
    r.sme_innovation_points = Some(dec!(30));
    r.sme_growth_points = Some(dec!(20));
    r.sme_specialisation_points = Some(dec!(20));
    r.specialised_score = Some(dec!(70));
    r
}

fn history() -> Vec<AnnualReport> {
    (2021..=2024).map(base).collect()
}

fn set(id: &str) -> CriteriaSet {
    CriteriaBook::embedded().unwrap().get(id).unwrap().clone()
}

fn judge(
    set: &CriteriaSet,
    kind: CriterionKind,
    f: &Enterprise,
    reports: &[AnnualReport],
) -> Verdict<'static> {
    let ev = Evidence::new(f, 2024, reports);
    set.evaluate_one(kind, &ev).into_owned()
}

fn outcome_with(
    kind: CriterionKind,
    edit: impl Fn(&mut Vec<AnnualReport>),
) -> (Outcome, Verdict<'static>) {
    let s = set("cn-2022");
    let f = firm((2010, 1, 1));
    let mut reports = history();
    edit(&mut reports);
    let v = judge(&s, kind, &f, &reports);
    (v.outcome, v)
}

fn y(reports: &mut [AnnualReport], year: i32) -> &mut AnnualReport {
    reports.iter_mut().find(|r| r.year == year).unwrap()
}

fn cond<'a>(v: &'a Verdict<'static>, key: &str) -> &'a registry_model::Condition<'static> {
    v.condition(key)
        .unwrap_or_else(|| panic!("no condition {key} in {v:#?}"))
}

// ---- high-tech enterprise -----------------------------------------------------------------

#[test]
fn high_tech_base_report_is_met_with_citations() {
    let (o, v) = outcome_with(CriterionKind::HighTechEnterprise, |_| {});
    assert_eq!(o, Outcome::Met);
    assert_eq!(v.conditions.len(), 9);
    for c in &v.conditions {
        assert!(c.citation.contains("国科发火〔2016〕32号"), "{c:?}");
        assert!(c.clause.starts_with("第十一条"), "{c:?}");
    }
}

#[test]
fn high_tech_rd_band_up_to_50m_is_5_percent_over_three_years() {
    // Revenue ¥40M a year: 3-year sales ¥120M; 5 % = ¥6M = ¥2M a year.
    let set_rd = |last: &'static str| {
        move |rs: &mut Vec<AnnualReport>| {
            for yr in 2022..=2024 {
                y(rs, yr).rd_spend_yuan = Some(yuan("2000000"));
            }
            y(rs, 2024).rd_spend_yuan = Some(yuan(last));
        }
    };
    let (at, v) = outcome_with(CriterionKind::HighTechEnterprise, set_rd("2000000"));
    assert_eq!(at, Outcome::Met);
    let c = cond(&v, "rd_ratio");
    assert_eq!(c.threshold.value, Value::fraction(dec!(0.05)));
    assert_eq!(
        c.actual,
        Some(Value::Share {
            num: 600_000_000,
            den: 12_000_000_000
        })
    );
    assert_eq!(c.actual.unwrap().to_string(), "5.00%");
    let (below, _) = outcome_with(CriterionKind::HighTechEnterprise, set_rd("1999999.99"));
    assert_eq!(below, Outcome::NotMet);
    let (above, _) = outcome_with(CriterionKind::HighTechEnterprise, set_rd("2000000.01"));
    assert_eq!(above, Outcome::Met);
}

#[test]
fn high_tech_rd_band_50m_to_200m_is_4_percent() {
    // Revenue ¥100M a year: ¥300M over 3 years; 4 % = ¥12M = ¥4M a year.
    let edit = |last: &'static str| {
        move |rs: &mut Vec<AnnualReport>| {
            for yr in 2022..=2024 {
                let r = y(rs, yr);
                r.revenue_yuan = Some(yuan("100000000"));
                r.high_tech_revenue_yuan = Some(yuan("80000000"));
                r.rd_spend_yuan = Some(yuan("4000000"));
            }
            y(rs, 2024).rd_spend_yuan = Some(yuan(last));
        }
    };
    let (at, v) = outcome_with(CriterionKind::HighTechEnterprise, edit("4000000"));
    assert_eq!(at, Outcome::Met);
    assert_eq!(
        cond(&v, "rd_ratio").threshold.value,
        Value::fraction(dec!(0.04))
    );
    assert_eq!(
        outcome_with(CriterionKind::HighTechEnterprise, edit("3999999.99")).0,
        Outcome::NotMet
    );
    assert_eq!(
        outcome_with(CriterionKind::HighTechEnterprise, edit("4000000.01")).0,
        Outcome::Met
    );
}

#[test]
fn high_tech_band_follows_last_year_revenue_at_the_boundary() {
    let band = |rev: &'static str| {
        let (_, v) = outcome_with(CriterionKind::HighTechEnterprise, move |rs| {
            y(rs, 2024).revenue_yuan = Some(yuan(rev));
        });
        cond(&v, "rd_ratio").threshold.value
    };
    assert_eq!(band("50000000"), Value::fraction(dec!(0.05)));
    assert_eq!(band("50000000.01"), Value::fraction(dec!(0.04)));
    assert_eq!(band("200000000"), Value::fraction(dec!(0.04)));
    assert_eq!(band("200000000.01"), Value::fraction(dec!(0.03)));
}

#[test]
fn high_tech_tech_staff_share_and_strict_score() {
    let staff = |tech: u32| {
        outcome_with(CriterionKind::HighTechEnterprise, move |rs| {
            y(rs, 2024).tech_staff = Some(tech);
        })
        .0
    };
    assert_eq!(staff(9), Outcome::NotMet); // 9 % < 10 %
    assert_eq!(staff(10), Outcome::Met); // 10 %
    assert_eq!(staff(11), Outcome::Met);
    let score = |s: Decimal| {
        outcome_with(CriterionKind::HighTechEnterprise, move |rs| {
            y(rs, 2024).innovation_score = Some(s);
        })
        .0
    };
    assert_eq!(score(dec!(69.9)), Outcome::NotMet);
    assert_eq!(score(dec!(70)), Outcome::NotMet); // must exceed 70
    assert_eq!(score(dec!(70.1)), Outcome::Met);
}

#[test]
fn high_tech_domestic_share_is_weighted_by_rd() {
    // R&D ¥2.4M a year; shares 0.5, 0.6, 0.7 → weighted 0.6 exactly: met at 60 %.
    let (o, v) = outcome_with(CriterionKind::HighTechEnterprise, |rs| {
        y(rs, 2022).rd_domestic_share = Some(dec!(0.5));
        y(rs, 2023).rd_domestic_share = Some(dec!(0.6));
        y(rs, 2024).rd_domestic_share = Some(dec!(0.7));
    });
    assert_eq!(o, Outcome::Met);
    assert_eq!(
        cond(&v, "rd_domestic_share").actual,
        Some(Value::fraction(dec!(0.6)))
    );
    let (o, _) = outcome_with(CriterionKind::HighTechEnterprise, |rs| {
        y(rs, 2022).rd_domestic_share = Some(dec!(0.5));
        y(rs, 2023).rd_domestic_share = Some(dec!(0.6));
        y(rs, 2024).rd_domestic_share = Some(dec!(0.69));
    });
    assert_eq!(o, Outcome::NotMet);
}

#[test]
fn high_tech_missing_facts_cannot_tell_and_are_listed() {
    let (o, v) = outcome_with(CriterionKind::HighTechEnterprise, |rs| {
        y(rs, 2024).innovation_score = None;
        y(rs, 2023).rd_spend_yuan = None;
    });
    assert_eq!(o, Outcome::CannotTell);
    let missing: Vec<&str> = v.missing.iter().map(|m| m.as_ref()).collect();
    assert!(missing.contains(&"innovation_score (2024)"), "{missing:?}");
    assert!(missing.contains(&"rd_spend_yuan (2023)"), "{missing:?}");
    // A failing condition decides despite missing facts.
    let (o, v) = outcome_with(CriterionKind::HighTechEnterprise, |rs| {
        y(rs, 2024).innovation_score = None;
        y(rs, 2024).supported_field = Some(false);
    });
    assert_eq!(o, Outcome::NotMet);
    assert!(v.missing.is_empty());
}

#[test]
fn high_tech_young_firm_uses_its_years_of_operation() {
    // Founded 1 March 2023: one full year at 31 Dec 2024; the R&D window is 2023–2024 only.
    let s = set("cn-2022");
    let f = firm((2023, 3, 1));
    let reports: Vec<AnnualReport> = (2023..=2024).map(base).collect();
    let v = judge(&s, CriterionKind::HighTechEnterprise, &f, &reports);
    assert_eq!(v.outcome, Outcome::Met, "{v:#?}");
    assert_eq!(
        cond(&v, "rd_ratio").actual,
        Some(Value::Share {
            num: 480_000_000,
            den: 8_000_000_000
        })
    );
    // Founded 2 January 2024: under one year at year end.
    let f = firm((2024, 1, 2));
    let v = judge(&s, CriterionKind::HighTechEnterprise, &f, &reports[1..]);
    assert_eq!(v.outcome, Outcome::NotMet);
    assert_eq!(cond(&v, "registered_years").actual, Some(Value::years(0)));
}

// ---- tech-based SME ---------------------------------------------------------------------------

#[test]
fn tech_sme_score_at_60_and_the_tech_staff_rule() {
    // Tech 30 % → 20, R&D 2 % (¥800k of ¥40M) → 10, class-I IP → 30: exactly 60.
    let score = |tech: u32, rd: &'static str| {
        outcome_with(CriterionKind::TechBasedSme, move |rs| {
            let r = y(rs, 2024);
            r.tech_staff = Some(tech);
            r.rd_spend_yuan = Some(yuan(rd));
        })
    };
    let (o, v) = score(30, "800000");
    assert_eq!(o, Outcome::Met);
    assert_eq!(cond(&v, "score_min").actual, Some(Value::points(dec!(60))));
    assert_eq!(score(29, "800000").0, Outcome::NotMet); // 16 + 10 + 30 = 56
    assert_eq!(score(30, "799999.99").0, Outcome::NotMet); // 20 + 0 + 30 = 50
    assert_eq!(score(30, "1200000").0, Outcome::Met); // 3 % → 20: 70
    // Tech staff under 10 % scores zero: fails even with 80 points.
    let (o, v) = score(9, "2400000");
    assert_eq!(cond(&v, "score_min").actual, Some(Value::points(dec!(80))));
    assert_eq!(o, Outcome::NotMet);
}

#[test]
fn tech_sme_ip_points_fall_back_to_class_two() {
    // No class-I IP: class-II 4 → 24; tech 20 + R&D 6 % 50 + 24 = 94.
    let (o, v) = outcome_with(CriterionKind::TechBasedSme, |rs| {
        let r = y(rs, 2024);
        r.ip_class1 = Some(0);
        r.ip_class2 = Some(4);
    });
    assert_eq!(o, Outcome::Met);
    assert_eq!(cond(&v, "score_min").actual, Some(Value::points(dec!(94))));
}

#[test]
fn tech_sme_size_limits() {
    let staff = |n: u32| {
        outcome_with(CriterionKind::TechBasedSme, move |rs| {
            let r = y(rs, 2024);
            r.staff = Some(n);
            r.tech_staff = Some(n * 3 / 10);
        })
        .0
    };
    assert_eq!(staff(500), Outcome::Met);
    assert_eq!(staff(501), Outcome::NotMet);
    let revenue = |rev: &'static str| {
        outcome_with(CriterionKind::TechBasedSme, move |rs| {
            let r = y(rs, 2024);
            r.revenue_yuan = Some(yuan(rev));
            r.rd_spend_yuan = Some(yuan("20000000"));
        })
        .0
    };
    assert_eq!(revenue("199999999.99"), Outcome::Met);
    assert_eq!(revenue("200000000"), Outcome::Met);
    assert_eq!(revenue("200000000.01"), Outcome::NotMet);
}

// ---- innovative SME ---------------------------------------------------------------------------

#[test]
fn innovative_sme_points_route_with_minimums() {
    // High-tech fails (no supported field), no equity: only the points route is open.
    let pts = |i: Decimal, g: Decimal, s: Decimal| {
        outcome_with(CriterionKind::InnovativeSme, move |rs| {
            let r = y(rs, 2024);
            r.supported_field = Some(false);
            r.sme_innovation_points = Some(i);
            r.sme_growth_points = Some(g);
            r.sme_specialisation_points = Some(s);
        })
        .0
    };
    assert_eq!(pts(dec!(30), dec!(15), dec!(15)), Outcome::Met); // 60
    assert_eq!(pts(dec!(29), dec!(15), dec!(15)), Outcome::NotMet); // 59
    assert_eq!(pts(dec!(40), dec!(14), dec!(30)), Outcome::NotMet); // growth below 15
    assert_eq!(pts(dec!(19), dec!(30), dec!(30)), Outcome::NotMet); // innovation below 20
}

#[test]
fn innovative_sme_equity_and_high_tech_routes() {
    let eq = |amount: &'static str| {
        outcome_with(CriterionKind::InnovativeSme, move |rs| {
            let r = y(rs, 2024);
            r.supported_field = Some(false);
            r.sme_innovation_points = Some(dec!(10));
            r.equity_financing_yuan = Some(yuan(amount));
        })
        .0
    };
    assert_eq!(eq("4999999.99"), Outcome::NotMet);
    assert_eq!(eq("5000000"), Outcome::Met);
    // High-tech status alone qualifies.
    let (o, v) = outcome_with(CriterionKind::InnovativeSme, |rs| {
        y(rs, 2024).sme_innovation_points = Some(dec!(10));
    });
    assert_eq!(o, Outcome::Met);
    assert_eq!(cond(&v, "high_tech_status").outcome, Outcome::Met);
    // Under the illustrative 2026 set the equity route needs ¥10M.
    let s = set("cn-2026");
    let f = firm((2010, 1, 1));
    let mut rs = history();
    let r = y(&mut rs, 2024);
    r.supported_field = Some(false);
    r.sme_innovation_points = Some(dec!(10));
    r.equity_financing_yuan = Some(yuan("5000000"));
    assert_eq!(
        judge(&s, CriterionKind::InnovativeSme, &f, &rs).outcome,
        Outcome::NotMet
    );
}

#[test]
fn innovative_sme_missing_points_cannot_tell_unless_another_route_passes() {
    let (o, v) = outcome_with(CriterionKind::InnovativeSme, |rs| {
        let r = y(rs, 2024);
        r.supported_field = Some(false);
        r.sme_growth_points = None;
    });
    assert_eq!(o, Outcome::CannotTell);
    assert_eq!(v.missing, vec!["sme_growth_points (2024)"]);
    let (o, v) = outcome_with(CriterionKind::InnovativeSme, |rs| {
        y(rs, 2024).sme_growth_points = None;
    });
    assert_eq!(o, Outcome::Met);
    assert!(v.missing.is_empty());
}

// ---- specialised SME --------------------------------------------------------------------------

#[test]
fn specialised_sme_rd_amount_and_ratio() {
    // Revenue ¥20M: R&D ¥1M is 5 %; the amount bar decides.
    let amount = |rd: &'static str| {
        outcome_with(CriterionKind::SpecialisedSme, move |rs| {
            let r = y(rs, 2024);
            r.revenue_yuan = Some(yuan("20000000"));
            r.rd_spend_yuan = Some(yuan(rd));
        })
        .0
    };
    assert_eq!(amount("999999.99"), Outcome::NotMet);
    assert_eq!(amount("1000000"), Outcome::Met);
    // Revenue ¥40M: 3 % = ¥1.2M.
    let ratio = |rd: &'static str| {
        outcome_with(CriterionKind::SpecialisedSme, move |rs| {
            y(rs, 2024).rd_spend_yuan = Some(yuan(rd));
        })
        .0
    };
    assert_eq!(ratio("1199999.99"), Outcome::NotMet);
    assert_eq!(ratio("1200000"), Outcome::Met);
    // The 2026 set raises the amount bar to ¥2M (illustrative).
    let s = set("cn-2026");
    let f = firm((2010, 1, 1));
    let mut rs = history();
    y(&mut rs, 2024).rd_spend_yuan = Some(yuan("1500000"));
    let v = judge(&s, CriterionKind::SpecialisedSme, &f, &rs);
    assert_eq!(v.outcome, Outcome::NotMet);
    assert_eq!(
        cond(&v, "rd_spend").threshold.value,
        Value::yuan(yuan("2000000"))
    );
}

#[test]
fn specialised_sme_scale_alternatives() {
    // Revenue just under ¥10M passes only with ¥20M equity over two years.
    let scale = |rev: &'static str, e23: &'static str, e24: &'static str| {
        outcome_with(CriterionKind::SpecialisedSme, move |rs| {
            let r = y(rs, 2024);
            r.revenue_yuan = Some(yuan(rev));
            r.rd_spend_yuan = Some(yuan("1000000"));
            r.equity_financing_yuan = Some(yuan(e24));
            y(rs, 2023).equity_financing_yuan = Some(yuan(e23));
        })
        .0
    };
    assert_eq!(scale("10000000", "0", "0"), Outcome::Met);
    assert_eq!(scale("9999999.99", "0", "0"), Outcome::NotMet);
    assert_eq!(
        scale("9999999.99", "10000000", "9999999.99"),
        Outcome::NotMet
    );
    assert_eq!(scale("9999999.99", "10000000", "10000000"), Outcome::Met);
}

#[test]
fn specialised_sme_quality_alternatives() {
    let q = |score: Decimal, eq23: &'static str| {
        outcome_with(CriterionKind::SpecialisedSme, move |rs| {
            y(rs, 2024).specialised_score = Some(score);
            y(rs, 2023).equity_financing_yuan = Some(yuan(eq23));
        })
        .0
    };
    assert_eq!(q(dec!(60), "0"), Outcome::Met);
    assert_eq!(q(dec!(59), "0"), Outcome::NotMet);
    assert_eq!(q(dec!(59), "59999999.99"), Outcome::NotMet);
    assert_eq!(q(dec!(59), "60000000"), Outcome::Met);
}

// ---- little giant -----------------------------------------------------------------------------

/// Revenue 2022–2024 given; main share, debt, niche and IP pass.
fn giant(
    r22: &'static str,
    r23: &'static str,
    r24: &'static str,
    rd23: &'static str,
    rd24: &'static str,
) -> impl Fn(&mut Vec<AnnualReport>) {
    move |rs| {
        y(rs, 2022).revenue_yuan = Some(yuan(r22));
        y(rs, 2023).revenue_yuan = Some(yuan(r23));
        y(rs, 2023).rd_spend_yuan = Some(yuan(rd23));
        let r = y(rs, 2024);
        r.revenue_yuan = Some(yuan(r24));
        r.high_tech_revenue_yuan = Some(yuan("1"));
        r.rd_spend_yuan = Some(yuan(rd24));
    }
}

#[test]
fn little_giant_band_from_100m_is_3_percent_over_two_years() {
    // 100M → 105M → 110.25M: growth 5 % and 5 %, mean 5 % (at the bar).
    // Two-year revenue ¥215.25M; 3 % = ¥6.4575M = 3.15M + 3.3075M.
    let (o, v) = outcome_with(
        CriterionKind::LittleGiant,
        giant("100000000", "105000000", "110250000", "3150000", "3307500"),
    );
    assert_eq!(o, Outcome::Met, "{v:#?}");
    assert_eq!(
        cond(&v, "rd_ratio_2y").threshold.value,
        Value::fraction(dec!(0.03))
    );
    assert_eq!(
        cond(&v, "revenue_growth_2y").actual,
        Some(Value::fraction(dec!(0.05)))
    );
    let below = outcome_with(
        CriterionKind::LittleGiant,
        giant(
            "100000000",
            "105000000",
            "110250000",
            "3150000",
            "3307499.99",
        ),
    );
    assert_eq!(below.0, Outcome::NotMet);
    assert_eq!(cond(&below.1, "rd_ratio_2y").outcome, Outcome::NotMet);
}

#[test]
fn little_giant_band_50m_to_100m_is_6_percent() {
    // 50M → 55M → 60M; two-year revenue ¥115M; 6 % = ¥6.9M = 3.3M + 3.6M.
    let at = outcome_with(
        CriterionKind::LittleGiant,
        giant("50000000", "55000000", "60000000", "3300000", "3600000"),
    );
    assert_eq!(at.0, Outcome::Met, "{:#?}", at.1);
    assert_eq!(
        cond(&at.1, "rd_ratio_2y").threshold.value,
        Value::fraction(dec!(0.06))
    );
    let below = outcome_with(
        CriterionKind::LittleGiant,
        giant("50000000", "55000000", "60000000", "3300000", "3599999.99"),
    );
    assert_eq!(below.0, Outcome::NotMet);
    // Below ¥50M no band applies: fails whatever the R&D.
    let small = outcome_with(
        CriterionKind::LittleGiant,
        giant("40000000", "45000000", "49999999.99", "9000000", "9000000"),
    );
    assert_eq!(cond(&small.1, "rd_ratio_2y").outcome, Outcome::NotMet);
}

#[test]
fn little_giant_growth_and_ratios_at_the_bar() {
    // 100M → 100M → 110M: growth 0 % and 10 %, mean 5 %.
    let g = |r24: &'static str| {
        let (_, v) = outcome_with(
            CriterionKind::LittleGiant,
            giant("100000000", "100000000", r24, "5000000", "5000000"),
        );
        cond(&v, "revenue_growth_2y").outcome
    };
    assert_eq!(g("110000000"), Outcome::Met);
    assert_eq!(g("109999999.99"), Outcome::NotMet);
    let f = |edit: fn(&mut AnnualReport)| {
        outcome_with(CriterionKind::LittleGiant, move |rs| {
            giant("100000000", "105000000", "110250000", "3150000", "3307500")(rs);
            edit(y(rs, 2024));
        })
        .0
    };
    assert_eq!(f(|r| r.debt_ratio = Some(dec!(0.70))), Outcome::Met);
    assert_eq!(f(|r| r.debt_ratio = Some(dec!(0.7001))), Outcome::NotMet);
    assert_eq!(f(|r| r.niche_market_share = Some(dec!(0.10))), Outcome::Met);
    assert_eq!(
        f(|r| r.niche_market_share = Some(dec!(0.0999))),
        Outcome::NotMet
    );
    assert_eq!(
        f(|r| r.main_business_share = Some(dec!(0.70))),
        Outcome::Met
    );
    assert_eq!(
        f(|r| r.main_business_share = Some(dec!(0.6999))),
        Outcome::NotMet
    );
    assert_eq!(f(|r| r.ip_class1 = Some(1)), Outcome::NotMet);
    assert_eq!(f(|r| r.niche_years = Some(3)), Outcome::Met);
    assert_eq!(f(|r| r.niche_years = Some(2)), Outcome::NotMet);
    assert_eq!(f(|r| r.debt_ratio = None), Outcome::CannotTell);
}

// ---- growth firms -----------------------------------------------------------------------------

#[test]
fn high_growth_needs_more_than_20_percent_a_year() {
    // 1.2^3 = 1.728: 1000 → 1728 employees is exactly 20 % (not more); 1729 passes.
    let staff = |start: u32, end: u32| {
        outcome_with(CriterionKind::HighGrowth, move |rs| {
            y(rs, 2021).staff = Some(start);
            y(rs, 2021).tech_staff = Some(0);
            let r = y(rs, 2024);
            r.staff = Some(end);
            r.tech_staff = Some(0);
        })
        .0
    };
    assert_eq!(staff(1000, 1728), Outcome::NotMet);
    assert_eq!(staff(1000, 1729), Outcome::Met);
    assert_eq!(staff(9, 1000), Outcome::NotMet); // fewer than 10 at the start
    assert_eq!(staff(10, 18), Outcome::Met); // 1.8 > 1.728
    let turnover = |end: &'static str| {
        outcome_with(CriterionKind::HighGrowth, move |rs| {
            y(rs, 2021).revenue_yuan = Some(yuan("100000000"));
            y(rs, 2024).revenue_yuan = Some(yuan(end));
            y(rs, 2024).high_tech_revenue_yuan = Some(yuan("1"));
        })
        .0
    };
    assert_eq!(turnover("172800000"), Outcome::NotMet);
    assert_eq!(turnover("172800000.01"), Outcome::Met);
}

#[test]
fn gazelle_is_high_growth_at_most_five_years_old() {
    let s = set("cn-2022");
    let mut rs = history();
    y(&mut rs, 2021).revenue_yuan = Some(yuan("10000000"));
    let judge_age =
        |founded: (i32, u32, u32)| judge(&s, CriterionKind::Gazelle, &firm(founded), &rs).outcome;
    assert_eq!(judge_age((2019, 12, 31)), Outcome::Met); // 5 at 31 Dec 2024
    assert_eq!(judge_age((2018, 12, 31)), Outcome::NotMet); // 6
}

#[test]
fn zone_gazelle_cagr_at_least_20_percent_and_age_15() {
    let cagr = |end: &'static str| {
        outcome_with(CriterionKind::ZoneGazelle, move |rs| {
            y(rs, 2021).revenue_yuan = Some(yuan("100000000"));
            y(rs, 2024).revenue_yuan = Some(yuan(end));
        })
        .0
    };
    assert_eq!(cagr("172800000"), Outcome::Met);
    assert_eq!(cagr("172799999.99"), Outcome::NotMet);
    let s = set("cn-2022");
    let mut rs = history();
    y(&mut rs, 2021).revenue_yuan = Some(yuan("10000000"));
    assert_eq!(
        judge(&s, CriterionKind::ZoneGazelle, &firm((2009, 1, 1)), &rs).outcome,
        Outcome::Met
    );
    assert_eq!(
        judge(&s, CriterionKind::ZoneGazelle, &firm((2008, 12, 31)), &rs).outcome,
        Outcome::NotMet
    );
    // No report three years back: cannot tell, and the missing report is named.
    let v = judge(
        &s,
        CriterionKind::ZoneGazelle,
        &firm((2009, 1, 1)),
        &rs[1..],
    );
    assert_eq!(v.outcome, Outcome::CannotTell);
    assert_eq!(v.missing, vec!["report (2021)"]);
}

#[test]
fn unicorn_valuation_bar_is_one_billion_dollars_at_7_10() {
    let s = set("cn-2022");
    let mk =
        |val: &'static str, listed: Option<bool>, pe: Option<bool>, founded: (i32, u32, u32)| {
            let mut rs = history();
            let r = y(&mut rs, 2024);
            r.valuation_yuan = Some(yuan(val));
            r.listed = listed;
            r.pe_backed = pe;
            judge(&s, CriterionKind::Unicorn, &firm(founded), &rs)
        };
    let at = mk("7100000000", Some(false), Some(true), (2015, 6, 1));
    assert_eq!(at.outcome, Outcome::Met);
    assert_eq!(
        cond(&at, "valuation").threshold.value,
        Value::yuan(yuan("7100000000"))
    );
    assert_eq!(
        mk("7099999999.99", Some(false), Some(true), (2015, 6, 1)).outcome,
        Outcome::NotMet
    );
    assert_eq!(
        mk("9000000000", Some(true), Some(true), (2015, 6, 1)).outcome,
        Outcome::NotMet
    );
    assert_eq!(
        mk("9000000000", Some(false), Some(true), (2014, 1, 1)).outcome,
        Outcome::Met
    ); // 10
    assert_eq!(
        mk("9000000000", Some(false), Some(true), (2013, 12, 31)).outcome,
        Outcome::NotMet
    ); // 11
    let v = mk("9000000000", Some(false), None, (2015, 6, 1));
    assert_eq!(v.outcome, Outcome::CannotTell);
    assert_eq!(v.missing, vec!["pe_backed (2024)"]);
}

// ---- sets -------------------------------------------------------------------------------------

#[test]
fn sets_are_chosen_by_effective_date_and_every_verdict_names_its_set() {
    let book = CriteriaBook::embedded().unwrap();
    assert_eq!(book.for_year(2022).unwrap().id(), "cn-2022");
    assert_eq!(book.for_year(2025).unwrap().id(), "cn-2022");
    assert_eq!(book.for_year(2026).unwrap().id(), "cn-2026");
    let err = book.for_year(2021).unwrap_err().to_string();
    assert!(
        err.contains("2021-12-31") && err.contains("2022-08-01"),
        "{err}"
    );
    let f = firm((2010, 1, 1));
    let rs = history();
    let all = book
        .for_year(2024)
        .unwrap()
        .evaluate(&Evidence::new(&f, 2024, &rs));
    assert_eq!(all.verdicts.len(), CriterionKind::ALL.len());
    for (v, k) in all.verdicts.iter().zip(CriterionKind::ALL) {
        assert_eq!(v.criterion, k);
        assert_eq!(v.set_id, "cn-2022");
        assert!(!v.conditions.is_empty());
    }
}

#[test]
fn malformed_sets_are_refused_with_the_file_named() {
    let text = registry_model::criteria::EMBEDDED_SETS[0].1;
    let bad = text.replace(
        "tech_staff_share_min = \"0.10\"",
        "tech_staff_share_min = \"10\"",
    );
    let err = CriteriaSet::from_toml_str(&bad, "mine.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("mine.toml:") && err.contains("tech_staff_share_min"),
        "{err}"
    );
    let bad = text.replace("staff_max = 500", "staff_max = 500\nstaff_maxx = 1");
    let err = CriteriaSet::from_toml_str(&bad, "mine.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("staff_maxx"), "{err}");
}
