//! The SME gradient (优质中小企业梯度培育管理暂行办法): 创新型中小企业, 专精特新中小企业 and
//! 专精特新"小巨人".

use std::borrow::Cow;
use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::kind::CriterionKind;
use crate::money::{Money, ratio_cmp};
use crate::report::Evidence;
use crate::verdict::{Cmp, Outcome, Value, Verdict};

use super::Criterion;
use super::builder::*;

use super::tech::HighTechEnterprise;

/// 创新型中小企业 (优质中小企业梯度培育管理暂行办法): points, or high-tech status, or equity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InnovativeSme {
    /// Cited document.
    pub document: String,
    /// Lowest total points.
    pub points_min: Decimal,
    /// Lowest innovation points.
    pub innovation_points_min: Decimal,
    /// Lowest growth points.
    pub growth_points_min: Decimal,
    /// Lowest specialisation points.
    pub specialisation_points_min: Decimal,
    /// Equity financing in the year that qualifies on its own.
    pub equity_financing_min_yuan: Money,
}

/// 专精特新中小企业 (优质中小企业梯度培育管理暂行办法).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialisedSme {
    /// Cited document.
    pub document: String,
    /// Years in the niche market.
    pub niche_years_min: u32,
    /// Lowest R&D spend in the year.
    pub rd_spend_min_yuan: Money,
    /// Lowest R&D ÷ revenue in the year.
    pub rd_ratio_min: Decimal,
    /// Lowest revenue …
    pub revenue_min_yuan: Money,
    /// … or at least this equity financing over the last two years.
    pub equity_2y_alt_min_yuan: Money,
    /// Lowest assessment score …
    pub score_min: Decimal,
    /// … or at least this mean R&D over the last two years …
    pub rd_mean_2y_alt_min_yuan: Money,
    /// … or at least this equity financing over the last two years.
    pub equity_2y_quality_alt_min_yuan: Money,
}

/// 专精特新"小巨人" (优质中小企业梯度培育管理暂行办法).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LittleGiant {
    /// Cited document.
    pub document: String,
    /// Years in the niche market.
    pub niche_years_min: u32,
    /// Lowest main-business share of revenue.
    pub main_business_share_min: Decimal,
    /// Lowest mean annual revenue growth over the last two years.
    pub revenue_growth_2y_min: Decimal,
    /// Highest debt ratio.
    pub debt_ratio_max: Decimal,
    /// Lowest national niche market share.
    pub niche_market_share_min: Decimal,
    /// R&D ÷ revenue over the last two years, by revenue (bands with a minimum revenue;
    /// a firm below every band fails).
    pub rd_ratio_bands: Vec<RevenueFloorBand>,
    /// Class-I IP at least.
    pub ip_class1_min: u32,
}

/// A band that applies from `revenue_min_yuan` upward (the highest matching band wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevenueFloorBand {
    /// Revenue from which the band applies (inclusive).
    pub revenue_min_yuan: Money,
    /// Lowest R&D ÷ revenue in the band.
    pub ratio_min: Decimal,
}

impl InnovativeSme {
    pub(super) fn evaluate_with<'s>(
        &'s self,
        set_id: &'s str,
        ev: &Evidence<'_>,
        high_tech: Outcome,
        detail: bool,
    ) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let o = b.any_of("qualifies_by", |b| {
            let inno = b.fact(0, "sme_innovation_points", |r| r.sme_innovation_points);
            let growth = b.fact(0, "sme_growth_points", |r| r.sme_growth_points);
            let spec = b.fact(0, "sme_specialisation_points", |r| {
                r.sme_specialisation_points
            });
            let total = match (&inno, &growth, &spec) {
                // An overflowing sum (possible only on an unvalidated report) fails the bar.
                (Ok(a), Ok(g), Ok(s)) => Ok(a
                    .checked_add(*g)
                    .and_then(|x| x.checked_add(*s))
                    .unwrap_or(Decimal::MIN)),
                _ => {
                    let mut m = Vec::new();
                    for part in [&inno, &growth, &spec] {
                        if let Err(x) = part {
                            m.extend(x.iter().cloned());
                        }
                    }
                    Err(m)
                }
            };
            // The four points bars are one alternative together.
            let points = b.all_of("assessment_points", |b| {
                let t = b.record(
                    "points",
                    "assessment points (innovation + growth + specialisation)",
                    "第六条(一)",
                    th(Cmp::Ge, Value::points(self.points_min)),
                    total.map(|p| points_test(p, Cmp::Ge, self.points_min)),
                );
                let i = b.record(
                    "innovation_points",
                    "innovation points",
                    "第六条(一)",
                    th(Cmp::Ge, Value::points(self.innovation_points_min)),
                    inno.map(|p| points_test(p, Cmp::Ge, self.innovation_points_min)),
                );
                let g = b.record(
                    "growth_points",
                    "growth points",
                    "第六条(一)",
                    th(Cmp::Ge, Value::points(self.growth_points_min)),
                    growth.map(|p| points_test(p, Cmp::Ge, self.growth_points_min)),
                );
                let s = b.record(
                    "specialisation_points",
                    "specialisation points",
                    "第六条(一)",
                    th(Cmp::Ge, Value::points(self.specialisation_points_min)),
                    spec.map(|p| points_test(p, Cmp::Ge, self.specialisation_points_min)),
                );
                t.and(i).and(g).and(s)
            });
            let ht = b.record(
                "high_tech_status",
                "high-tech enterprise under the same set",
                "第六条(二)",
                th(Cmp::Eq, Value::flag(true)),
                match high_tech {
                    Outcome::Met => Ok((Value::flag(true), true)),
                    Outcome::NotMet => Ok((Value::flag(false), false)),
                    Outcome::CannotTell => Err(vec![Cow::Borrowed("high_tech_enterprise verdict")]),
                },
            );
            let eq = b.record(
                "equity_financing",
                "new equity financing in the year",
                "第六条(三)",
                th(Cmp::Ge, Value::yuan(self.equity_financing_min_yuan)),
                b.fact(0, "equity_financing_yuan", |r| r.equity_financing_yuan)
                    .map(|m| money_test(m, Cmp::Ge, self.equity_financing_min_yuan)),
            );
            vec![points, ht, eq]
        });
        b.finish(CriterionKind::InnovativeSme, o)
    }
}

impl Criterion for SpecialisedSme {
    fn kind(&self) -> CriterionKind {
        CriterionKind::SpecialisedSme
    }
    fn document(&self) -> &str {
        &self.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let mut o = b.record(
            "niche_years",
            "years in the niche market",
            "第七条(一)",
            th(Cmp::Ge, Value::count(i64::from(self.niche_years_min))),
            b.fact(0, "niche_years", |r| r.niche_years)
                .map(|n| count_test(i64::from(n), Cmp::Ge, i64::from(self.niche_years_min))),
        );
        let rd = b.fact(0, "rd_spend_yuan", |r| r.rd_spend_yuan);
        early!(b, o, CriterionKind::SpecialisedSme);
        o = o.and(
            b.record(
                "rd_spend",
                "R&D spend in the year",
                "第七条(二)",
                th(Cmp::Ge, Value::yuan(self.rd_spend_min_yuan)),
                rd.clone()
                    .map(|m| money_test(m, Cmp::Ge, self.rd_spend_min_yuan)),
            ),
        );
        let revenue = b.fact(0, "revenue_yuan", |r| r.revenue_yuan);
        early!(b, o, CriterionKind::SpecialisedSme);
        o = o.and(b.record(
            "rd_ratio",
            "R&D ÷ revenue in the year",
            "第七条(二)",
            th(Cmp::Ge, Value::fraction(self.rd_ratio_min)),
            merge(rd, revenue.clone()).map(|(rd, rev)| {
                share_test(
                    i128::from(rd.fen()),
                    i128::from(rev.fen()),
                    Cmp::Ge,
                    self.rd_ratio_min,
                )
            }),
        ));
        let equity_2y = b.money_sum(2, "equity_financing_yuan", |r| r.equity_financing_yuan);
        early!(b, o, CriterionKind::SpecialisedSme);
        o = o.and(b.any_of("scale", |b| {
            let r = b.record(
                "revenue",
                "revenue in the year",
                "第七条(三)",
                th(Cmp::Ge, Value::yuan(self.revenue_min_yuan)),
                revenue.map(|m| money_test(m, Cmp::Ge, self.revenue_min_yuan)),
            );
            let e = b.record(
                "equity_2y",
                "new equity financing over the last two years",
                "第七条(三)",
                th(Cmp::Ge, Value::yuan(self.equity_2y_alt_min_yuan)),
                equity_2y.clone().map(|fen| {
                    let m = Money::from_fen(fen as i64).unwrap_or(Money::ZERO);
                    money_test(m, Cmp::Ge, self.equity_2y_alt_min_yuan)
                }),
            );
            vec![r, e]
        }));
        let rd_2y = b.money_sum(2, "rd_spend_yuan", |r| r.rd_spend_yuan);
        early!(b, o, CriterionKind::SpecialisedSme);
        o = o.and(b.any_of("quality", |b| {
            let s = b.record(
                "score",
                "specialised-SME assessment score",
                "第七条(四)",
                th(Cmp::Ge, Value::points(self.score_min)),
                b.fact(0, "specialised_score", |r| r.specialised_score)
                    .map(|p| points_test(p, Cmp::Ge, self.score_min)),
            );
            let r = b.record(
                "rd_mean_2y",
                "mean R&D spend over the last two years",
                "第七条(四)",
                th(Cmp::Ge, Value::yuan(self.rd_mean_2y_alt_min_yuan)),
                rd_2y.map(|fen| {
                    // mean ≥ bar  ⇔  sum ≥ 2·bar, exact; shown as the (rounded-down) mean.
                    let m = Money::from_fen((fen / 2) as i64).unwrap_or(Money::ZERO);
                    (
                        Value::yuan(m),
                        fen >= 2 * i128::from(self.rd_mean_2y_alt_min_yuan.fen()),
                    )
                }),
            );
            let e = b.record(
                "equity_2y_quality",
                "new equity financing over the last two years",
                "第七条(四)",
                th(Cmp::Ge, Value::yuan(self.equity_2y_quality_alt_min_yuan)),
                equity_2y.map(|fen| {
                    let m = Money::from_fen(fen as i64).unwrap_or(Money::ZERO);
                    money_test(m, Cmp::Ge, self.equity_2y_quality_alt_min_yuan)
                }),
            );
            vec![s, r, e]
        }));
        b.finish(self.kind(), o)
    }
}

impl Criterion for LittleGiant {
    fn kind(&self) -> CriterionKind {
        CriterionKind::LittleGiant
    }
    fn document(&self) -> &str {
        &self.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let mut o = b.record(
            "niche_years",
            "years in the niche market",
            "第八条(一)",
            th(Cmp::Ge, Value::count(i64::from(self.niche_years_min))),
            b.fact(0, "niche_years", |r| r.niche_years)
                .map(|n| count_test(i64::from(n), Cmp::Ge, i64::from(self.niche_years_min))),
        );
        early!(b, o, CriterionKind::LittleGiant);
        o = o.and(
            b.record(
                "main_business_share",
                "main business ÷ revenue",
                "第八条(二)",
                th(Cmp::Ge, Value::fraction(self.main_business_share_min)),
                b.fact(0, "main_business_share", |r| r.main_business_share)
                    .map(|f| fraction_test(f, Cmp::Ge, self.main_business_share_min)),
            ),
        );
        // Mean of the two annual growth rates, Y−2→Y−1 and Y−1→Y.
        let revs = merge(
            merge(
                b.fact(0, "revenue_yuan", |r| r.revenue_yuan),
                b.fact(1, "revenue_yuan", |r| r.revenue_yuan),
            ),
            b.fact(2, "revenue_yuan", |r| r.revenue_yuan),
        );
        early!(b, o, CriterionKind::LittleGiant);
        o = o.and(b.record(
            "revenue_growth_2y",
            "mean annual revenue growth over the last two years",
            "第八条(二)",
            th(Cmp::Ge, Value::fraction(self.revenue_growth_2y_min)),
            revs.map(|((r0, r1), r2)| {
                if r1.fen() <= 0 || r2.fen() <= 0 {
                    return (Value::fraction(Decimal::ZERO), false);
                }
                // mean(r0/r1 − 1, r1/r2 − 1) ≥ g  ⇔  r0·r2 + r1² ≥ 2(1 + g)·r1·r2 (r1, r2 > 0),
                // decided exactly in integers; the mean itself is computed only when shown.
                let (a, b1, c) = (
                    i128::from(r0.fen()),
                    i128::from(r1.fen()),
                    i128::from(r2.fen()),
                );
                let lhs = a
                    .checked_mul(c)
                    .zip(b1.checked_mul(b1))
                    .and_then(|(x, y)| x.checked_add(y));
                let rhs = b1.checked_mul(c).and_then(|x| x.checked_mul(2));
                let pass = match (lhs, rhs) {
                    (Some(l), Some(r)) if r > 0 => {
                        ratio_cmp(l, r, Decimal::ONE + self.revenue_growth_2y_min) != Ordering::Less
                    }
                    _ => mean_growth(r0, r1, r2).is_some_and(|m| m >= self.revenue_growth_2y_min),
                };
                let shown = if b.detail {
                    mean_growth(r0, r1, r2).unwrap_or(Decimal::ZERO).round_dp(6)
                } else {
                    Decimal::ZERO
                };
                (Value::fraction(shown), pass)
            }),
        ));
        early!(b, o, CriterionKind::LittleGiant);
        o = o.and(
            b.record(
                "debt_ratio",
                "liabilities ÷ assets",
                "第八条(二)",
                th(Cmp::Le, Value::fraction(self.debt_ratio_max)),
                b.fact(0, "debt_ratio", |r| r.debt_ratio)
                    .map(|f| fraction_test(f, Cmp::Le, self.debt_ratio_max)),
            ),
        );
        early!(b, o, CriterionKind::LittleGiant);
        o = o.and(
            b.record(
                "niche_market_share",
                "national share of the niche market",
                "第八条(三)",
                th(Cmp::Ge, Value::fraction(self.niche_market_share_min)),
                b.fact(0, "niche_market_share", |r| r.niche_market_share)
                    .map(|f| fraction_test(f, Cmp::Ge, self.niche_market_share_min)),
            ),
        );
        let revenue = b.fact(0, "revenue_yuan", |r| r.revenue_yuan);
        let band = revenue.as_ref().ok().and_then(|rev| {
            self.rd_ratio_bands
                .iter()
                .filter(|bd| *rev >= bd.revenue_min_yuan)
                .max_by_key(|bd| bd.revenue_min_yuan)
        });
        let sums = merge(
            b.money_sum(2, "rd_spend_yuan", |r| r.rd_spend_yuan),
            b.money_sum(2, "revenue_yuan", |r| r.revenue_yuan),
        );
        let (threshold, measured) = match (revenue, band, sums) {
            (Err(m), _, _) => (Decimal::ZERO, Err(m)),
            (Ok(_), _, Err(m)) => (band.map_or(Decimal::ZERO, |bd| bd.ratio_min), Err(m)),
            // Below every band: the rule sets no R&D route for such a firm.
            (Ok(_), None, Ok((rd, rev))) => (
                Decimal::ZERO,
                Ok((Value::Share { num: rd, den: rev }, false)),
            ),
            (Ok(_), Some(bd), Ok((rd, rev))) => {
                (bd.ratio_min, Ok(share_test(rd, rev, Cmp::Ge, bd.ratio_min)))
            }
        };
        early!(b, o, CriterionKind::LittleGiant);
        o = o.and(b.record(
            "rd_ratio_2y",
            "R&D ÷ revenue over the last two years (band by revenue; none below the lowest band)",
            "第八条(四)",
            th(Cmp::Ge, Value::fraction(threshold)),
            measured,
        ));
        early!(b, o, CriterionKind::LittleGiant);
        o = o.and(
            b.record(
                "ip_class1",
                "class-I IP owned",
                "第八条(四)",
                th(Cmp::Ge, Value::count(i64::from(self.ip_class1_min))),
                b.fact(0, "ip_class1", |r| r.ip_class1)
                    .map(|n| count_test(i64::from(n), Cmp::Ge, i64::from(self.ip_class1_min))),
            ),
        );
        b.finish(self.kind(), o)
    }
}
/// The innovative-SME test with the high-tech test of the same set (one of its routes).
#[derive(Debug, Clone, Copy)]
pub struct InnovativeSmeCriterion<'a> {
    /// The innovative-SME thresholds.
    pub rules: &'a InnovativeSme,
    /// The high-tech thresholds its status route uses.
    pub high_tech: &'a HighTechEnterprise,
}

impl Criterion for InnovativeSmeCriterion<'_> {
    fn kind(&self) -> CriterionKind {
        CriterionKind::InnovativeSme
    }
    fn document(&self) -> &str {
        &self.rules.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let ht = self.high_tech.judge(set_id, ev, false).outcome;
        self.rules.evaluate_with(set_id, ev, ht, detail)
    }
}
