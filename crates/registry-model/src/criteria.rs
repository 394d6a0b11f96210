//! The official criteria, one type per standard behind the [`Criterion`] trait, with their
//! thresholds in versioned [`CriteriaSet`]s.
//!
//! A revision of the rules is a new set with its own effective date, never an edit of an old
//! one: a verdict for 2023 stays reproducible after the 2026 revision ships.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::money::{Money, ratio_cmp};
use crate::report::{AnnualReport, Evidence};
use crate::tier::Year;
use crate::verdict::{Cmp, Condition, Outcome, Threshold, Value, Verdict};

/// The official standards the registry evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    /// 科技型中小企业 (scored), 国科发政〔2017〕115号.
    TechBasedSme,
    /// 高新技术企业, 国科发火〔2016〕32号.
    HighTechEnterprise,
    /// 创新型中小企业, SME gradient rules.
    InnovativeSme,
    /// 专精特新中小企业, SME gradient rules.
    SpecialisedSme,
    /// 专精特新"小巨人", SME gradient rules.
    LittleGiant,
    /// High-growth enterprise (Eurostat-OECD).
    HighGrowth,
    /// Gazelle (Eurostat-OECD): a high-growth enterprise up to five years old.
    Gazelle,
    /// 瞪羚 as high-tech zones define it.
    ZoneGazelle,
    /// 独角兽 (Torch Centre rule).
    Unicorn,
}

impl CriterionKind {
    /// Every criterion, in evaluation order.
    pub const ALL: [CriterionKind; 9] = [
        CriterionKind::TechBasedSme,
        CriterionKind::HighTechEnterprise,
        CriterionKind::InnovativeSme,
        CriterionKind::SpecialisedSme,
        CriterionKind::LittleGiant,
        CriterionKind::HighGrowth,
        CriterionKind::Gazelle,
        CriterionKind::ZoneGazelle,
        CriterionKind::Unicorn,
    ];

    /// The key used in files (`tech_based_sme`).
    pub fn key(self) -> &'static str {
        match self {
            CriterionKind::TechBasedSme => "tech_based_sme",
            CriterionKind::HighTechEnterprise => "high_tech_enterprise",
            CriterionKind::InnovativeSme => "innovative_sme",
            CriterionKind::SpecialisedSme => "specialised_sme",
            CriterionKind::LittleGiant => "little_giant",
            CriterionKind::HighGrowth => "high_growth",
            CriterionKind::Gazelle => "gazelle",
            CriterionKind::ZoneGazelle => "zone_gazelle",
            CriterionKind::Unicorn => "unicorn",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            CriterionKind::TechBasedSme => "科技型中小企业",
            CriterionKind::HighTechEnterprise => "高新技术企业",
            CriterionKind::InnovativeSme => "创新型中小企业",
            CriterionKind::SpecialisedSme => "专精特新中小企业",
            CriterionKind::LittleGiant => "专精特新小巨人",
            CriterionKind::HighGrowth => "高成长企业",
            CriterionKind::Gazelle => "瞪羚企业(OECD)",
            CriterionKind::ZoneGazelle => "瞪羚企业(高新区)",
            CriterionKind::Unicorn => "独角兽企业",
        }
    }

    /// Position in [`CriterionKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for CriterionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for CriterionKind {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self> {
        CriterionKind::ALL
            .into_iter()
            .find(|k| k.key() == s.trim())
            .ok_or_else(|| RegistryError::NotFound {
                what: "criterion",
                key: s.to_string(),
            })
    }
}

/// One official standard: evaluates a firm-year into a [`Verdict`].
pub trait Criterion: Send + Sync {
    /// Which standard this is.
    fn kind(&self) -> CriterionKind;
    /// The document cited by its conditions.
    fn document(&self) -> &str;
    /// Judges one firm and year. With `detail` the verdict lists every condition and the
    /// missing facts; without, only the outcome is computed (the fast path for whole cohorts:
    /// no allocation, same outcome). Never fails: missing facts make "cannot tell".
    fn judge<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>, detail: bool) -> Verdict<'s>;
    /// Judges one firm and year with every condition (see [`Criterion::judge`]).
    fn evaluate<'s>(&'s self, set_id: &'s str, ev: &Evidence<'_>) -> Verdict<'s> {
        self.judge(set_id, ev, true)
    }
    /// The outcome only.
    fn outcome(&self, set_id: &str, ev: &Evidence<'_>) -> Outcome {
        self.judge(set_id, ev, false).outcome
    }
}

// ---------------------------------------------------------------------------------------------
// The verdict builder: records each condition with its threshold, value and citation.

type Missing<'s> = Vec<Cow<'s, str>>;

/// In the outcome-only path, stop at the first failed condition: the rest cannot change
/// "not met", and skipping them is what makes whole-cohort evaluation cheap.
macro_rules! early {
    ($b:ident, $o:ident, $kind:expr) => {
        if !$b.detail && $o == Outcome::NotMet {
            return $b.finish($kind, $o);
        }
    };
}

struct Builder<'s, 'e> {
    ev: &'e Evidence<'e>,
    set_id: &'s str,
    doc: &'s str,
    conds: Vec<Condition<'s>>,
    group: Option<&'static str>,
    groups: Vec<(&'static str, Outcome)>,
    detail: bool,
}

fn missing_name<'s>(field: &'static str, year: i64) -> Cow<'s, str> {
    Cow::Owned(format!("{field} ({year})"))
}

impl<'s, 'e> Builder<'s, 'e> {
    fn new(ev: &'e Evidence<'e>, set_id: &'s str, doc: &'s str, detail: bool) -> Self {
        Self {
            ev,
            set_id,
            doc,
            conds: if detail {
                Vec::with_capacity(10)
            } else {
                Vec::new()
            },
            group: None,
            groups: Vec::new(),
            detail,
        }
    }

    /// A missing fact: named when detail is asked for, an empty (allocation-free) list else.
    #[inline]
    fn missing(&self, field: &'static str, back: usize) -> Missing<'s> {
        if self.detail {
            vec![missing_name(field, self.year_back(back))]
        } else {
            Vec::new()
        }
    }

    #[inline]
    fn year_back(&self, back: usize) -> i64 {
        i64::from(self.ev.year) - back as i64
    }

    /// One fact of the report `back` years before the judged year.
    #[inline]
    fn fact<T>(
        &self,
        back: usize,
        field: &'static str,
        get: impl Fn(&AnnualReport) -> Option<T>,
    ) -> std::result::Result<T, Missing<'s>> {
        match self.ev.back(back) {
            None => Err(self.missing("report", back)),
            Some(r) => get(r).ok_or_else(|| self.missing(field, back)),
        }
    }

    /// Sum of a money fact over `years` years ending with the judged year, in fen.
    #[inline]
    fn money_sum(
        &self,
        years: usize,
        field: &'static str,
        get: impl Fn(&AnnualReport) -> Option<Money>,
    ) -> std::result::Result<i128, Missing<'s>> {
        let mut sum = 0i128;
        let mut missing = Vec::new();
        let mut complete = true;
        for back in 0..years {
            match self.fact(back, field, &get) {
                Ok(m) => sum += i128::from(m.fen()),
                Err(mut m) => {
                    complete = false;
                    missing.append(&mut m);
                }
            }
        }
        if complete { Ok(sum) } else { Err(missing) }
    }

    /// Records one condition (with detail) and returns its outcome. Kept tiny so the
    /// outcome-only path inlines it and never builds the condition.
    #[inline(always)]
    fn record(
        &mut self,
        key: &'static str,
        label: &'static str,
        clause: &'static str,
        threshold: Threshold,
        measured: std::result::Result<(Value, bool), Missing<'s>>,
    ) -> Outcome {
        if !self.detail {
            return match measured {
                Ok((_, pass)) => Outcome::from_bool(pass),
                Err(_) => Outcome::CannotTell,
            };
        }
        self.push_condition(key, label, clause, threshold, measured)
    }

    #[inline(never)]
    fn push_condition(
        &mut self,
        key: &'static str,
        label: &'static str,
        clause: &'static str,
        threshold: Threshold,
        measured: std::result::Result<(Value, bool), Missing<'s>>,
    ) -> Outcome {
        let (actual, outcome, missing) = match measured {
            Ok((v, pass)) => (Some(v), Outcome::from_bool(pass), Vec::new()),
            Err(m) => (None, Outcome::CannotTell, m),
        };
        self.conds.push(Condition {
            key: Cow::Borrowed(key),
            label: Cow::Borrowed(label),
            threshold,
            actual,
            outcome,
            citation: Cow::Borrowed(self.doc),
            clause: Cow::Borrowed(clause),
            alternative_of: self.group.map(Cow::Borrowed),
            missing,
        });
        outcome
    }

    /// Conditions recorded inside `f` are alternatives: the group passes when any passes.
    fn any_of(
        &mut self,
        group: &'static str,
        f: impl FnOnce(&mut Self) -> Vec<Outcome>,
    ) -> Outcome {
        let outer = self.group.replace(group);
        let outcomes = f(self);
        self.group = outer;
        let o = outcomes.into_iter().fold(Outcome::NotMet, Outcome::or);
        self.groups.push((group, o));
        o
    }

    #[inline]
    fn finish(self, kind: CriterionKind, outcome: Outcome) -> Verdict<'s> {
        let mut missing: Missing<'s> = Vec::new();
        if outcome == Outcome::CannotTell {
            for c in &self.conds {
                if c.outcome != Outcome::CannotTell {
                    continue;
                }
                // An alternative in a group that passed anyway does not block the verdict.
                if let Some(g) = &c.alternative_of
                    && self
                        .groups
                        .iter()
                        .any(|(name, o)| *name == g.as_ref() && *o == Outcome::Met)
                {
                    continue;
                }
                for m in &c.missing {
                    if !missing.contains(m) {
                        missing.push(m.clone());
                    }
                }
            }
        }
        Verdict {
            criterion: kind,
            set_id: Cow::Borrowed(self.set_id),
            outcome,
            conditions: self.conds,
            missing,
        }
    }
}

fn merge<'s, A, B>(
    a: std::result::Result<A, Missing<'s>>,
    b: std::result::Result<B, Missing<'s>>,
) -> std::result::Result<(A, B), Missing<'s>> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(mut x), Err(mut y)) => {
            x.append(&mut y);
            Err(x)
        }
        (Err(x), _) | (_, Err(x)) => Err(x),
    }
}

fn th(cmp: Cmp, value: Value) -> Threshold {
    Threshold { cmp, value }
}

/// `num/den cmp ratio`; a zero or negative denominator fails (the ratio is undefined).
fn share_test(num: i128, den: i128, cmp: Cmp, ratio: Decimal) -> (Value, bool) {
    let v = Value::Share { num, den };
    if den <= 0 {
        return (v, false);
    }
    (v, cmp.holds(ratio_cmp(num, den, ratio)))
}

/// Annualised growth from `start` to `end` over `years` compared with `rate`, exactly:
/// end/start cmp (1+rate)^years. A zero or negative start fails (growth undefined).
/// Mean of the growth rates r2→r1 and r1→r0 (r1, r2 > 0); `None` on overflow.
fn mean_growth(r0: Money, r1: Money, r2: Money) -> Option<Decimal> {
    let g1 = r0.yuan().checked_div(r1.yuan())? - Decimal::ONE;
    let g2 = r1.yuan().checked_div(r2.yuan())? - Decimal::ONE;
    g1.checked_add(g2)?.checked_div(Decimal::TWO)
}

/// (1 + rate)^years, exact; `None` on overflow.
fn growth_factor(rate: Decimal, years: u32) -> Option<Decimal> {
    let base = Decimal::ONE + rate;
    (0..years).try_fold(Decimal::ONE, |f, _| f.checked_mul(base))
}

/// Annualised growth from `start` to `end` over `years` compared with the rate whose
/// [`growth_factor`] is `factor`, exactly: end/start cmp (1+rate)^years. A zero or negative
/// start fails (growth undefined), as does a factor too large to compute.
fn cagr_test(
    end: i128,
    start: i128,
    years: u32,
    cmp: Cmp,
    factor: Option<Decimal>,
) -> (Value, bool) {
    let v = Value::Cagr { end, start, years };
    match factor {
        Some(f) if start > 0 => (v, cmp.holds(ratio_cmp(end, start, f))),
        _ => (v, false),
    }
}

fn money_test(m: Money, cmp: Cmp, t: Money) -> (Value, bool) {
    (Value::yuan(m), cmp.holds(m.cmp(&t)))
}

fn count_test(n: i64, cmp: Cmp, t: i64) -> (Value, bool) {
    (Value::count(n), cmp.holds(n.cmp(&t)))
}

fn points_test(p: Decimal, cmp: Cmp, t: Decimal) -> (Value, bool) {
    (Value::points(p), cmp.holds(p.cmp(&t)))
}

fn fraction_test(f: Decimal, cmp: Cmp, t: Decimal) -> (Value, bool) {
    (Value::fraction(f), cmp.holds(f.cmp(&t)))
}

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

impl InnovativeSme {
    fn evaluate_with<'s>(
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
            vec![t.and(i).and(g).and(s), ht, eq]
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

// ---------------------------------------------------------------------------------------------
// Criteria sets.

/// The header of a criteria-set file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetInfo {
    /// Stable id (`cn-2022`).
    pub id: String,
    /// Title in words.
    pub title: String,
    /// First day the set applies.
    pub effective_from: NaiveDate,
    /// Where the numbers come from and what is assumed.
    #[serde(default)]
    pub notes: String,
}

/// A complete, versioned set of thresholds for every criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriteriaSet {
    /// Id, title and effective date.
    pub set: SetInfo,
    /// 科技型中小企业.
    pub tech_based_sme: TechBasedSme,
    /// 高新技术企业.
    pub high_tech_enterprise: HighTechEnterprise,
    /// 创新型中小企业.
    pub innovative_sme: InnovativeSme,
    /// 专精特新中小企业.
    pub specialised_sme: SpecialisedSme,
    /// 专精特新"小巨人".
    pub little_giant: LittleGiant,
    /// High-growth enterprise and gazelle (Eurostat-OECD).
    pub high_growth: HighGrowth,
    /// 高新区瞪羚.
    pub zone_gazelle: ZoneGazelle,
    /// 独角兽.
    pub unicorn: Unicorn,
}

/// The verdicts of every criterion for one firm-year, indexed by [`CriterionKind::index`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts<'s> {
    /// The year judged.
    pub year: Year,
    /// One verdict per criterion, in [`CriterionKind::ALL`] order.
    pub verdicts: Vec<Verdict<'s>>,
}

impl Verdicts<'_> {
    /// The verdict of one criterion.
    pub fn get(&self, kind: CriterionKind) -> Option<&Verdict<'_>> {
        self.verdicts.iter().find(|v| v.criterion == kind)
    }

    /// The outcome of one criterion ("cannot tell" when absent).
    pub fn outcome(&self, kind: CriterionKind) -> Outcome {
        self.verdicts
            .get(kind.index())
            .filter(|v| v.criterion == kind)
            .or_else(|| self.get(kind))
            .map_or(Outcome::CannotTell, |v| v.outcome)
    }

    /// A copy that owns its strings.
    pub fn into_owned(self) -> Verdicts<'static> {
        Verdicts {
            year: self.year,
            verdicts: self.verdicts.into_iter().map(Verdict::into_owned).collect(),
        }
    }
}

/// Outcomes only, for the hot path (tier assignment over whole cohorts).
pub type Outcomes = [Outcome; 9];

fn cfg_err(file: &str, message: impl Into<String>) -> RegistryError {
    RegistryError::Config {
        file: file.to_string(),
        message: message.into(),
    }
}

fn check_fraction(file: &str, field: &str, v: Decimal) -> Result<()> {
    if v < Decimal::ZERO || v > Decimal::ONE {
        return Err(cfg_err(
            file,
            format!("{field} = {v}: a fraction must lie in 0..=1"),
        ));
    }
    Ok(())
}

fn check_descending(file: &str, field: &str, brackets: &[Bracket]) -> Result<()> {
    for w in brackets.windows(2) {
        if let [a, b] = w
            && a.min <= b.min
        {
            return Err(cfg_err(
                file,
                format!(
                    "{field}: brackets must be listed highest first ({} then {})",
                    a.min, b.min
                ),
            ));
        }
    }
    Ok(())
}

impl CriteriaSet {
    /// Parses and checks a criteria-set TOML text; `file` names it in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        let set: CriteriaSet = toml::from_str(text).map_err(|e| cfg_err(file, e.to_string()))?;
        set.check(file)?;
        Ok(set)
    }

    /// Reads a criteria-set TOML file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Checks ranges and orderings the file format cannot express.
    pub fn check(&self, file: &str) -> Result<()> {
        if self.set.id.trim().is_empty() {
            return Err(cfg_err(file, "set.id must not be empty"));
        }
        let t = &self.tech_based_sme;
        check_descending(
            file,
            "tech_based_sme.tech_staff_share_points",
            &t.tech_staff_share_points,
        )?;
        check_descending(file, "tech_based_sme.rd_ratio_points", &t.rd_ratio_points)?;
        check_descending(file, "tech_based_sme.ip_class2_points", &t.ip_class2_points)?;
        let h = &self.high_tech_enterprise;
        check_fraction(
            file,
            "high_tech_enterprise.tech_staff_share_min",
            h.tech_staff_share_min,
        )?;
        check_fraction(
            file,
            "high_tech_enterprise.rd_domestic_share_min",
            h.rd_domestic_share_min,
        )?;
        check_fraction(
            file,
            "high_tech_enterprise.high_tech_revenue_share_min",
            h.high_tech_revenue_share_min,
        )?;
        if h.rd_ratio_bands.is_empty()
            || h.rd_ratio_bands
                .last()
                .is_some_and(|b| b.revenue_max_yuan.is_some())
        {
            return Err(cfg_err(
                file,
                "high_tech_enterprise.rd_ratio_bands: need at least one band and the last must have no revenue_max_yuan",
            ));
        }
        for w in h.rd_ratio_bands.windows(2) {
            if let [a, b] = w
                && let (Some(x), Some(y)) = (a.revenue_max_yuan, b.revenue_max_yuan)
                && x >= y
            {
                return Err(cfg_err(
                    file,
                    "high_tech_enterprise.rd_ratio_bands: revenue_max_yuan must ascend",
                ));
            }
        }
        if !(1..=10).contains(&h.rd_window_years) {
            return Err(cfg_err(
                file,
                "high_tech_enterprise.rd_window_years must be 1..=10",
            ));
        }
        let s = &self.specialised_sme;
        check_fraction(file, "specialised_sme.rd_ratio_min", s.rd_ratio_min)?;
        let l = &self.little_giant;
        check_fraction(
            file,
            "little_giant.main_business_share_min",
            l.main_business_share_min,
        )?;
        check_fraction(
            file,
            "little_giant.niche_market_share_min",
            l.niche_market_share_min,
        )?;
        if l.rd_ratio_bands.is_empty() {
            return Err(cfg_err(
                file,
                "little_giant.rd_ratio_bands: need at least one band",
            ));
        }
        for (name, years) in [
            ("high_growth.period_years", self.high_growth.period_years),
            ("zone_gazelle.period_years", self.zone_gazelle.period_years),
        ] {
            if !(1..=3).contains(&years) {
                // Evidence carries three years of history.
                return Err(cfg_err(file, format!("{name} = {years}: must be 1..=3")));
            }
        }
        if self.unicorn.cny_per_usd <= Decimal::ZERO {
            return Err(cfg_err(file, "unicorn.cny_per_usd must be positive"));
        }
        Ok(())
    }

    /// The set's id.
    pub fn id(&self) -> &str {
        &self.set.id
    }

    /// The criteria of this set as trait objects, in [`CriterionKind::ALL`] order.
    pub fn criteria(&self) -> Vec<Box<dyn Criterion + '_>> {
        vec![
            Box::new(self.tech_based_sme.clone()),
            Box::new(self.high_tech_enterprise.clone()),
            Box::new(InnovativeSmeCriterion {
                rules: &self.innovative_sme,
                high_tech: &self.high_tech_enterprise,
            }),
            Box::new(self.specialised_sme.clone()),
            Box::new(self.little_giant.clone()),
            Box::new(self.high_growth.clone()),
            Box::new(Gazelle(&self.high_growth)),
            Box::new(self.zone_gazelle.clone()),
            Box::new(self.unicorn.clone()),
        ]
    }

    /// Evaluates one criterion.
    pub fn evaluate_one<'s>(&'s self, kind: CriterionKind, ev: &Evidence<'_>) -> Verdict<'s> {
        let id = self.set.id.as_str();
        match kind {
            CriterionKind::TechBasedSme => self.tech_based_sme.evaluate(id, ev),
            CriterionKind::HighTechEnterprise => self.high_tech_enterprise.evaluate(id, ev),
            CriterionKind::InnovativeSme => {
                let ht = self.high_tech_enterprise.judge(id, ev, false).outcome;
                self.innovative_sme.evaluate_with(id, ev, ht, true)
            }
            CriterionKind::SpecialisedSme => self.specialised_sme.evaluate(id, ev),
            CriterionKind::LittleGiant => self.little_giant.evaluate(id, ev),
            CriterionKind::HighGrowth => self.high_growth.evaluate(id, ev),
            CriterionKind::Gazelle => self.high_growth.evaluate_gazelle(id, ev, true),
            CriterionKind::ZoneGazelle => self.zone_gazelle.evaluate(id, ev),
            CriterionKind::Unicorn => self.unicorn.evaluate(id, ev),
        }
    }

    /// Evaluates every criterion for one firm-year.
    pub fn evaluate<'s>(&'s self, ev: &Evidence<'_>) -> Verdicts<'s> {
        let id = self.set.id.as_str();
        let ht = self.high_tech_enterprise.evaluate(id, ev);
        let inno = self.innovative_sme.evaluate_with(id, ev, ht.outcome, true);
        let verdicts = vec![
            self.tech_based_sme.evaluate(id, ev),
            ht,
            inno,
            self.specialised_sme.evaluate(id, ev),
            self.little_giant.evaluate(id, ev),
            self.high_growth.evaluate(id, ev),
            self.high_growth.evaluate_gazelle(id, ev, true),
            self.zone_gazelle.evaluate(id, ev),
            self.unicorn.evaluate(id, ev),
        ];
        Verdicts {
            year: ev.year,
            verdicts,
        }
    }

    /// The outcome of every criterion for one firm-year, in [`CriterionKind::ALL`] order:
    /// the fast path (no conditions recorded, nothing allocated), same outcomes as
    /// [`CriteriaSet::evaluate`].
    pub fn outcomes(&self, ev: &Evidence<'_>) -> Outcomes {
        let id = self.set.id.as_str();
        let ht = self.high_tech_enterprise.judge(id, ev, false).outcome;
        [
            self.tech_based_sme.judge(id, ev, false).outcome,
            ht,
            self.innovative_sme.evaluate_with(id, ev, ht, false).outcome,
            self.specialised_sme.judge(id, ev, false).outcome,
            self.little_giant.judge(id, ev, false).outcome,
            self.high_growth.judge(id, ev, false).outcome,
            self.high_growth.evaluate_gazelle(id, ev, false).outcome,
            self.zone_gazelle.judge(id, ev, false).outcome,
            self.unicorn.judge(id, ev, false).outcome,
        ]
    }
}

/// The shipped criteria sets (embedded, so the library works from any directory).
pub const EMBEDDED_SETS: [(&str, &str); 2] = [
    (
        "data/registry/criteria-cn-2022.toml",
        include_str!("../../../data/registry/criteria-cn-2022.toml"),
    ),
    (
        "data/registry/criteria-cn-2026.toml",
        include_str!("../../../data/registry/criteria-cn-2026.toml"),
    ),
];

/// Versioned criteria sets; picks the one in force on a date.
///
/// ```
/// use registry_model::criteria::CriteriaBook;
/// let book = CriteriaBook::embedded()?;
/// assert_eq!(book.for_year(2024)?.id(), "cn-2022");
/// assert_eq!(book.for_year(2026)?.id(), "cn-2026");
/// assert!(book.for_year(2020).is_err());
/// # Ok::<(), registry_model::RegistryError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriteriaBook {
    sets: Vec<CriteriaSet>,
}

impl CriteriaBook {
    /// A book of sets; ids must be unique and so must effective dates.
    pub fn new(mut sets: Vec<CriteriaSet>) -> Result<Self> {
        sets.sort_by_key(|s| s.set.effective_from);
        for w in sets.windows(2) {
            if let [a, b] = w
                && a.set.effective_from == b.set.effective_from
            {
                return Err(RegistryError::Duplicate {
                    what: "criteria set effective date",
                    key: format!("{} ({} and {})", a.set.effective_from, a.set.id, b.set.id),
                });
            }
        }
        for (i, s) in sets.iter().enumerate() {
            if sets.iter().skip(i + 1).any(|t| t.set.id == s.set.id) {
                return Err(RegistryError::Duplicate {
                    what: "criteria set",
                    key: s.set.id.clone(),
                });
            }
        }
        Ok(Self { sets })
    }

    /// The sets shipped in `data/registry/`.
    pub fn embedded() -> Result<Self> {
        let sets = EMBEDDED_SETS
            .iter()
            .map(|(file, text)| CriteriaSet::from_toml_str(text, file))
            .collect::<Result<Vec<_>>>()?;
        Self::new(sets)
    }

    /// Every set, oldest first.
    pub fn sets(&self) -> &[CriteriaSet] {
        &self.sets
    }

    /// The set with this id.
    pub fn get(&self, id: &str) -> Result<&CriteriaSet> {
        self.sets
            .iter()
            .find(|s| s.set.id == id)
            .ok_or_else(|| RegistryError::NotFound {
                what: "criteria set",
                key: id.to_string(),
            })
    }

    /// The set in force on `date`: the latest whose effective date is on or before it.
    pub fn in_force_on(&self, date: NaiveDate) -> Result<&CriteriaSet> {
        self.sets
            .iter()
            .rev()
            .find(|s| s.set.effective_from <= date)
            .ok_or_else(|| RegistryError::NoCriteriaSet {
                date,
                earliest: self.sets.first().map_or_else(
                    || "never (no sets)".to_string(),
                    |s| s.set.effective_from.to_string(),
                ),
            })
    }

    /// The set that judges statistical year `year`: the one in force on its last day.
    pub fn for_year(&self, year: Year) -> Result<&CriteriaSet> {
        self.in_force_on(crate::report::year_end(year))
    }
}
