//! High-growth enterprises and gazelles (Eurostat-OECD), 高新区瞪羚 and 独角兽.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::kind::CriterionKind;
use crate::money::Money;
use crate::report::Evidence;
use crate::verdict::{Cmp, Outcome, Value, Verdict};

use super::Criterion;
use super::builder::*;

/// High-growth enterprise (Eurostat-OECD Manual on Business Demography Statistics, 2007).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HighGrowth {
    /// Cited document.
    pub document: String,
    /// Employees at the start of the period at least.
    pub staff_start_min: u32,
    /// Annualised growth must exceed this (employees or turnover).
    pub annual_growth_above: Decimal,
    /// Length of the period.
    pub period_years: u32,
    /// Gazelle: a high-growth enterprise at most this old at the end of the period.
    pub gazelle_age_max: i64,
}

/// 瞪羚企业 as Chinese high-tech zones commonly define it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneGazelle {
    /// Cited document.
    pub document: String,
    /// Oldest age.
    pub age_max: i64,
    /// Lowest revenue CAGR over the period.
    pub revenue_cagr_min: Decimal,
    /// Length of the period.
    pub period_years: u32,
}

/// 独角兽企业 (Torch Centre rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unicorn {
    /// Cited document.
    pub document: String,
    /// Oldest age.
    pub age_max: i64,
    /// Lowest valuation in US dollars.
    pub valuation_min_usd: Money,
    /// Yuan per US dollar used to convert the valuation bar (an assumption of the set).
    pub cny_per_usd: Decimal,
}

impl Unicorn {
    /// The valuation bar in yuan, rounded down to the fen.
    pub fn valuation_min_yuan(&self) -> Money {
        let y = (self.valuation_min_usd.yuan() * self.cny_per_usd)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
        Money::from_yuan(y).unwrap_or(Money::ZERO)
    }
}

impl HighGrowth {
    fn growth_conditions(&self, b: &mut Builder<'_, '_>) -> Outcome {
        let back = self.period_years as usize;
        let start_staff = b.fact(back, "staff", |r| r.staff);
        let o = b.record(
            "staff_start",
            "employees at the start of the period",
            "§8.2",
            th(Cmp::Ge, Value::count(i64::from(self.staff_start_min))),
            start_staff
                .clone()
                .map(|n| count_test(i64::from(n), Cmp::Ge, i64::from(self.staff_start_min))),
        );
        if !b.detail && o == Outcome::NotMet {
            return o;
        }
        let years = self.period_years;
        let rate = self.annual_growth_above;
        let factor = growth_factor(rate, years);
        let g = b.any_of("growth", |b| {
            let staff = merge(b.fact(0, "staff", |r| r.staff), start_staff);
            let s = b.record(
                "staff_growth",
                "annualised growth of employees",
                "§8.2",
                th(Cmp::Gt, Value::fraction(rate)),
                staff.map(|(end, start)| {
                    cagr_test(i128::from(end), i128::from(start), years, Cmp::Gt, factor)
                }),
            );
            let rev = merge(
                b.fact(0, "revenue_yuan", |r| r.revenue_yuan),
                b.fact(back, "revenue_yuan", |r| r.revenue_yuan),
            );
            let t = b.record(
                "turnover_growth",
                "annualised growth of turnover",
                "§8.2",
                th(Cmp::Gt, Value::fraction(rate)),
                rev.map(|(end, start)| {
                    cagr_test(
                        i128::from(end.fen()),
                        i128::from(start.fen()),
                        years,
                        Cmp::Gt,
                        factor,
                    )
                }),
            );
            vec![s, t]
        });
        o.and(g)
    }
}

impl Criterion for HighGrowth {
    fn kind(&self) -> CriterionKind {
        CriterionKind::HighGrowth
    }
    fn document(&self) -> &str {
        &self.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let o = self.growth_conditions(&mut b);
        b.finish(self.kind(), o)
    }
}

/// The Eurostat-OECD gazelle: the high-growth test plus an age limit, over the high-growth
/// thresholds of the same set.
#[derive(Debug, Clone, Copy)]
pub struct Gazelle<'a>(pub &'a HighGrowth);

impl Criterion for Gazelle<'_> {
    fn kind(&self) -> CriterionKind {
        CriterionKind::Gazelle
    }
    fn document(&self) -> &str {
        &self.0.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        self.0.evaluate_gazelle(set_id, ev, detail)
    }
}

impl HighGrowth {
    /// The gazelle test: at most `gazelle_age_max` years old and high-growth.
    pub fn evaluate_gazelle<'s>(
        &'s self,
        set_id: &'s str,
        ev: &Evidence<'_>,
        detail: bool,
    ) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let age = ev.age_years();
        let a = b.record(
            "age",
            "age at the end of the period",
            "§8.3",
            th(Cmp::Le, Value::years(self.gazelle_age_max)),
            Ok((Value::years(age), age <= self.gazelle_age_max)),
        );
        early!(b, a, CriterionKind::Gazelle);
        let o = a.and(self.growth_conditions(&mut b));
        b.finish(CriterionKind::Gazelle, o)
    }
}

impl Criterion for ZoneGazelle {
    fn kind(&self) -> CriterionKind {
        CriterionKind::ZoneGazelle
    }
    fn document(&self) -> &str {
        &self.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let age = ev.age_years();
        let a = b.record(
            "age",
            "age at year end",
            "认定条件(一)",
            th(Cmp::Le, Value::years(self.age_max)),
            Ok((Value::years(age), age <= self.age_max)),
        );
        early!(b, a, CriterionKind::ZoneGazelle);
        let back = self.period_years as usize;
        let rev = merge(
            b.fact(0, "revenue_yuan", |r| r.revenue_yuan),
            b.fact(back, "revenue_yuan", |r| r.revenue_yuan),
        );
        let g = b.record(
            "revenue_cagr",
            "revenue CAGR over the period",
            "认定条件(二)",
            th(Cmp::Ge, Value::fraction(self.revenue_cagr_min)),
            rev.map(|(end, start)| {
                cagr_test(
                    i128::from(end.fen()),
                    i128::from(start.fen()),
                    self.period_years,
                    Cmp::Ge,
                    growth_factor(self.revenue_cagr_min, self.period_years),
                )
            }),
        );
        b.finish(self.kind(), a.and(g))
    }
}

impl Criterion for Unicorn {
    fn kind(&self) -> CriterionKind {
        CriterionKind::Unicorn
    }
    fn document(&self) -> &str {
        &self.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        // A validated USCC is issued only to entities registered in China.
        let mut o = b.record(
            "registered_in_china",
            "registered in China (holds a USCC)",
            "认定标准(一)",
            th(Cmp::Eq, Value::flag(true)),
            Ok((Value::flag(true), true)),
        );
        let age = ev.age_years();
        early!(b, o, CriterionKind::Unicorn);
        o = o.and(b.record(
            "age",
            "age at year end",
            "认定标准(二)",
            th(Cmp::Le, Value::years(self.age_max)),
            Ok((Value::years(age), age <= self.age_max)),
        ));
        early!(b, o, CriterionKind::Unicorn);
        o = o.and(
            b.record(
                "unlisted",
                "not listed",
                "认定标准(三)",
                th(Cmp::Eq, Value::flag(false)),
                b.fact(0, "listed", |r| r.listed)
                    .map(|l| (Value::flag(l), !l)),
            ),
        );
        early!(b, o, CriterionKind::Unicorn);
        o = o.and(
            b.record(
                "pe_backed",
                "backed by private equity",
                "认定标准(三)",
                th(Cmp::Eq, Value::flag(true)),
                b.fact(0, "pe_backed", |r| r.pe_backed)
                    .map(|p| (Value::flag(p), p)),
            ),
        );
        let bar = self.valuation_min_yuan();
        early!(b, o, CriterionKind::Unicorn);
        o = o.and(
            b.record(
                "valuation",
                "latest valuation (yuan; bar converted from US$)",
                "认定标准(四)",
                th(Cmp::Ge, Value::yuan(bar)),
                b.fact(0, "valuation_yuan", |r| r.valuation_yuan)
                    .map(|m| money_test(m, Cmp::Ge, bar)),
            ),
        );
        b.finish(self.kind(), o)
    }
}
