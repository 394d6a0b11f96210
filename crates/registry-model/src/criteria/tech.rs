//! 科技型中小企业 (scored, 国科发政〔2017〕115号) and 高新技术企业 (国科发火〔2016〕32号).

use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::kind::CriterionKind;
use crate::money::{Money, ratio_cmp};
use crate::report::Evidence;
use crate::verdict::{Cmp, Outcome, Value, Verdict};

use super::Criterion;
use super::builder::*;

// ---------------------------------------------------------------------------------------------
// Threshold types (deserialised from a criteria-set TOML file).

/// A scoring bracket: values at or above `min` earn `points` (brackets listed highest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bracket {
    /// Lower bound (a fraction for shares and ratios, a count for IP).
    pub min: Decimal,
    /// Points earned.
    pub points: Decimal,
}

fn bracket_points_share(brackets: &[Bracket], num: i128, den: i128) -> Decimal {
    if den <= 0 {
        return Decimal::ZERO;
    }
    brackets
        .iter()
        .find(|b| ratio_cmp(num, den, b.min) != Ordering::Less)
        .map_or(Decimal::ZERO, |b| b.points)
}

fn bracket_points_count(brackets: &[Bracket], n: u32) -> Decimal {
    let n = Decimal::from(n);
    brackets
        .iter()
        .find(|b| n >= b.min)
        .map_or(Decimal::ZERO, |b| b.points)
}

/// 科技型中小企业评价办法 (国科发政〔2017〕115号): size limits and a 100-point score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TechBasedSme {
    /// Cited document.
    pub document: String,
    /// Most employees.
    pub staff_max: u32,
    /// Highest annual sales.
    pub revenue_max_yuan: Money,
    /// Highest total assets.
    pub assets_max_yuan: Money,
    /// Lowest passing score.
    pub score_min: Decimal,
    /// Points for the tech-staff share (fractions, highest first).
    pub tech_staff_share_points: Vec<Bracket>,
    /// Points for R&D ÷ sales (fractions, highest first).
    pub rd_ratio_points: Vec<Bracket>,
    /// Class-I IP count that earns [`TechBasedSme::ip_class1_points`].
    pub ip_class1_min: u32,
    /// Points for holding class-I IP.
    pub ip_class1_points: Decimal,
    /// Points for class-II IP counts when no class-I IP is held (highest first).
    pub ip_class2_points: Vec<Bracket>,
}

impl Criterion for TechBasedSme {
    fn kind(&self) -> CriterionKind {
        CriterionKind::TechBasedSme
    }
    fn document(&self) -> &str {
        &self.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let staff = b.fact(0, "staff", |r| r.staff);
        let o1 = b.record(
            "staff_max",
            "employees",
            "第六条(二)",
            th(Cmp::Le, Value::count(i64::from(self.staff_max))),
            staff
                .clone()
                .map(|s| count_test(i64::from(s), Cmp::Le, i64::from(self.staff_max))),
        );
        let revenue = b.fact(0, "revenue_yuan", |r| r.revenue_yuan);
        let o2 = b.record(
            "revenue_max",
            "annual sales",
            "第六条(二)",
            th(Cmp::Le, Value::yuan(self.revenue_max_yuan)),
            revenue
                .clone()
                .map(|m| money_test(m, Cmp::Le, self.revenue_max_yuan)),
        );
        let assets = b.fact(0, "assets_yuan", |r| r.assets_yuan);
        let o3 = b.record(
            "assets_max",
            "total assets",
            "第六条(二)",
            th(Cmp::Le, Value::yuan(self.assets_max_yuan)),
            assets.map(|m| money_test(m, Cmp::Le, self.assets_max_yuan)),
        );
        let size = o1.and(o2).and(o3);
        early!(b, size, CriterionKind::TechBasedSme);
        // Score parts: tech-staff share, R&D ÷ sales, IP.
        let tech = b.fact(0, "tech_staff", |r| r.tech_staff);
        let tech_points = merge(tech, staff).map(|(t, s)| {
            bracket_points_share(&self.tech_staff_share_points, i128::from(t), i128::from(s))
        });
        let rd = b.fact(0, "rd_spend_yuan", |r| r.rd_spend_yuan);
        let rd_points = merge(rd, revenue).map(|(rd, rev)| {
            bracket_points_share(
                &self.rd_ratio_points,
                i128::from(rd.fen()),
                i128::from(rev.fen()),
            )
        });
        let ip1 = b.fact(0, "ip_class1", |r| r.ip_class1);
        let ip_points = match ip1 {
            Ok(n) if n >= self.ip_class1_min => Ok(self.ip_class1_points),
            Ok(_) => b
                .fact(0, "ip_class2", |r| r.ip_class2)
                .map(|n| bracket_points_count(&self.ip_class2_points, n)),
            Err(m) => Err(m),
        };
        let o4 = b.record(
            "tech_staff_points",
            "tech-staff score (must not be zero)",
            "附件 评价指标(一)",
            th(Cmp::Gt, Value::points(Decimal::ZERO)),
            tech_points
                .clone()
                .map(|p| points_test(p, Cmp::Gt, Decimal::ZERO)),
        );
        let total = match (tech_points, rd_points, ip_points) {
            // An overflowing sum (possible only on an unvalidated report) fails the bar.
            (Ok(a), Ok(r), Ok(i)) => Ok(a
                .checked_add(r)
                .and_then(|x| x.checked_add(i))
                .unwrap_or(Decimal::MIN)),
            (a, r, i) => {
                let mut m = Vec::new();
                for part in [a, r, i] {
                    if let Err(mut x) = part {
                        m.append(&mut x);
                    }
                }
                Err(m)
            }
        };
        let o5 = b.record(
            "score_min",
            "total score (tech staff + R&D intensity + IP)",
            "第六条(四)",
            th(Cmp::Ge, Value::points(self.score_min)),
            total.map(|p| points_test(p, Cmp::Ge, self.score_min)),
        );
        let o = o1.and(o2).and(o3).and(o4).and(o5);
        b.finish(self.kind(), o)
    }
}

/// One band of an R&D-intensity rule keyed by revenue: applies while revenue ≤ `revenue_max_yuan`
/// (no maximum for the last band).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdBand {
    /// Revenue up to which the band applies (inclusive); absent for the top band.
    #[serde(default)]
    pub revenue_max_yuan: Option<Money>,
    /// Lowest R&D ÷ revenue in the band.
    pub ratio_min: Decimal,
}

/// 高新技术企业认定管理办法 (国科发火〔2016〕32号) §11.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HighTechEnterprise {
    /// Cited document.
    pub document: String,
    /// Years registered before applying.
    pub registered_years_min: i64,
    /// Class-I plus class-II IP at least (core IP).
    pub core_ip_min: u32,
    /// Lowest tech-staff share.
    pub tech_staff_share_min: Decimal,
    /// R&D ÷ sales over the window, by last-year revenue (ascending bands).
    pub rd_ratio_bands: Vec<RdBand>,
    /// Years of R&D and sales summed (fewer for younger firms).
    pub rd_window_years: u32,
    /// Lowest domestic share of R&D over the window.
    pub rd_domestic_share_min: Decimal,
    /// Lowest share of high-tech products and services in revenue.
    pub high_tech_revenue_share_min: Decimal,
    /// Innovation score must exceed this.
    pub innovation_score_above: Decimal,
    /// Most major incidents in the year.
    pub major_incidents_max: u32,
}

fn pick_band(bands: &[RdBand], revenue: Money) -> Option<&RdBand> {
    bands
        .iter()
        .find(|b| b.revenue_max_yuan.is_none_or(|max| revenue <= max))
}

impl Criterion for HighTechEnterprise {
    fn kind(&self) -> CriterionKind {
        CriterionKind::HighTechEnterprise
    }
    fn document(&self) -> &str {
        &self.document
    }
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s> {
        let mut b = Builder::new(ev, set_id, &self.document, detail);
        let age = ev.age_years();
        let mut o = b.record(
            "registered_years",
            "years registered at year end",
            "第十一条(一)",
            th(Cmp::Ge, Value::years(self.registered_years_min)),
            Ok((Value::years(age), age >= self.registered_years_min)),
        );
        let ip = merge(
            b.fact(0, "ip_class1", |r| r.ip_class1),
            b.fact(0, "ip_class2", |r| r.ip_class2),
        );
        early!(b, o, CriterionKind::HighTechEnterprise);
        o = o.and(b.record(
            "core_ip",
            "class-I + class-II IP owned",
            "第十一条(二)",
            th(Cmp::Ge, Value::count(i64::from(self.core_ip_min))),
            ip.map(|(a, c)| {
                count_test(
                    i64::from(a) + i64::from(c),
                    Cmp::Ge,
                    i64::from(self.core_ip_min),
                )
            }),
        ));
        early!(b, o, CriterionKind::HighTechEnterprise);
        o = o.and(
            b.record(
                "supported_field",
                "technology in a supported field",
                "第十一条(三)",
                th(Cmp::Eq, Value::flag(true)),
                b.fact(0, "supported_field", |r| r.supported_field)
                    .map(|f| (Value::flag(f), f)),
            ),
        );
        let staff = merge(
            b.fact(0, "tech_staff", |r| r.tech_staff),
            b.fact(0, "staff", |r| r.staff),
        );
        early!(b, o, CriterionKind::HighTechEnterprise);
        o = o.and(b.record(
            "tech_staff_share",
            "tech staff ÷ employees",
            "第十一条(四)",
            th(Cmp::Ge, Value::fraction(self.tech_staff_share_min)),
            staff.map(|(t, s)| {
                share_test(
                    i128::from(t),
                    i128::from(s),
                    Cmp::Ge,
                    self.tech_staff_share_min,
                )
            }),
        ));
        // R&D intensity: the band follows last-year revenue; sums cover the window, or the
        // years since founding for a younger firm.
        let window = ev.years_in_window(self.rd_window_years as usize);
        let revenue = b.fact(0, "revenue_yuan", |r| r.revenue_yuan);
        let band = revenue
            .as_ref()
            .ok()
            .and_then(|rev| pick_band(&self.rd_ratio_bands, *rev));
        let band_min = band.map_or(Decimal::ZERO, |bd| bd.ratio_min);
        let sums = merge(
            b.money_sum(window, "rd_spend_yuan", |r| r.rd_spend_yuan),
            b.money_sum(window, "revenue_yuan", |r| r.revenue_yuan),
        );
        let measured = match (revenue, sums) {
            (Ok(_), Ok((rd, rev))) => Ok(share_test(rd, rev, Cmp::Ge, band_min)),
            (Ok(_), Err(m)) => Err(m),
            (Err(mut m), Err(mut n)) => {
                for x in n.drain(..) {
                    if !m.contains(&x) {
                        m.push(x);
                    }
                }
                Err(m)
            }
            (Err(m), Ok(_)) => Err(m),
        };
        early!(b, o, CriterionKind::HighTechEnterprise);
        o = o.and(b.record(
            "rd_ratio",
            "R&D ÷ sales over the window (band by last-year revenue)",
            "第十一条(五)",
            th(Cmp::Ge, Value::fraction(band_min)),
            measured,
        ));
        // Domestic R&D share, weighted by each year's R&D.
        let mut weighted = Decimal::ZERO;
        let mut total = Decimal::ZERO;
        let mut missing: Missing<'s> = Vec::new();
        let mut complete = true;
        let mut overflow = false;
        for back in 0..window {
            match merge(
                b.fact(back, "rd_spend_yuan", |r| r.rd_spend_yuan),
                b.fact(back, "rd_domestic_share", |r| r.rd_domestic_share),
            ) {
                Ok((rd, share)) => {
                    // Checked: a report that skipped validation must not panic the judge; an
                    // overflow counts as a failed condition below.
                    match rd
                        .yuan()
                        .checked_mul(share)
                        .and_then(|x| weighted.checked_add(x))
                        .zip(total.checked_add(rd.yuan()))
                    {
                        Some((w, t)) => {
                            weighted = w;
                            total = t;
                        }
                        None => overflow = true,
                    }
                }
                Err(mut m) => {
                    complete = false;
                    missing.append(&mut m);
                }
            }
        }
        let domestic = if complete {
            if total.is_zero() || overflow {
                Ok((Value::fraction(Decimal::ZERO), false))
            } else {
                // Decided on the unrounded sums; the share is computed (rounded to 6 places)
                // only when it is shown.
                let share = if b.detail {
                    weighted
                        .checked_div(total)
                        .unwrap_or(Decimal::ZERO)
                        .round_dp(6)
                } else {
                    Decimal::ZERO
                };
                let bar = self.rd_domestic_share_min.checked_mul(total);
                Ok((Value::fraction(share), bar.is_some_and(|m| weighted >= m)))
            }
        } else {
            Err(missing)
        };
        early!(b, o, CriterionKind::HighTechEnterprise);
        o = o.and(b.record(
            "rd_domestic_share",
            "domestic share of R&D over the window",
            "第十一条(五)",
            th(Cmp::Ge, Value::fraction(self.rd_domestic_share_min)),
            domestic,
        ));
        let ht = merge(
            b.fact(0, "high_tech_revenue_yuan", |r| r.high_tech_revenue_yuan),
            b.fact(0, "revenue_yuan", |r| r.revenue_yuan),
        );
        early!(b, o, CriterionKind::HighTechEnterprise);
        o = o.and(b.record(
            "high_tech_revenue_share",
            "high-tech products and services ÷ revenue",
            "第十一条(六)",
            th(Cmp::Ge, Value::fraction(self.high_tech_revenue_share_min)),
            ht.map(|(h, r)| {
                share_test(
                    i128::from(h.fen()),
                    i128::from(r.fen()),
                    Cmp::Ge,
                    self.high_tech_revenue_share_min,
                )
            }),
        ));
        early!(b, o, CriterionKind::HighTechEnterprise);
        o = o.and(
            b.record(
                "innovation_score",
                "innovation capability score",
                "第十一条(七)",
                th(Cmp::Gt, Value::points(self.innovation_score_above)),
                b.fact(0, "innovation_score", |r| r.innovation_score)
                    .map(|p| points_test(p, Cmp::Gt, self.innovation_score_above)),
            ),
        );
        early!(b, o, CriterionKind::HighTechEnterprise);
        o = o.and(
            b.record(
                "major_incidents",
                "major safety, quality or environmental incidents in the year",
                "第十一条(八)",
                th(Cmp::Le, Value::count(i64::from(self.major_incidents_max))),
                b.fact(0, "major_incidents", |r| r.major_incidents)
                    .map(|n| {
                        count_test(i64::from(n), Cmp::Le, i64::from(self.major_incidents_max))
                    }),
            ),
        );
        b.finish(self.kind(), o)
    }
}
