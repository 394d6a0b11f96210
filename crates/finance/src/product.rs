//! The 云量贷 product: a dated TOML parameter set with the limit rule (a multiple of verified
//! spend, capped by tier and by score), the eligibility rules and their citations, the loan
//! terms, the interest subsidy (贴息) and the risk pool's share and exhaustion rule.
//!
//! The 2020 plan (发改高技〔2020〕552号) says of 云量贷: «鼓励试验区联合金融机构，探索根据云服务
//! 使用量、智能化设备和数字化改造的投入，认定为可抵押资产和研发投入，对经营稳定、信誉良好的中小微
//! 企业提供低息或贴息贷款» — the base (verified cloud use and digital investment), the
//! borrowers (stable, reputable SMEs) and the subsidy are the plan's; every number is a
//! program default and the shipped file marks it "assumed".

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use registry_model::Tier;

use crate::error::{Result, config};
use crate::evidence::SpendCategory;
use crate::money::{DayCount, RATIO_MAX, check_ratio, yuan_to_fen};
use crate::pool::PoolRule;
use crate::tomlio::parse_toml;

/// Longest parameter-file text accepted, in bytes.
pub const PRODUCT_TOML_LEN_MAX: usize = 1 << 20;
/// Longest loan term, in months.
pub const TERM_MONTHS_MAX: u32 = 120;
/// Most score bands of the limit rule.
pub const SCORE_BANDS_MAX: usize = 16;

/// The shipped default product.
pub const DEFAULT_PRODUCT_TOML: &str = include_str!("../../../data/finance/yunliangdai-2025.toml");

/// How the program subsidises interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum SubsidyRule {
    /// A share of the interest paid (0.5 = half).
    ShareOfInterest(Decimal),
    /// Percentage points of the rate (0.015 = 1.5 points): the share is points ÷ rate.
    RatePoints(Decimal),
}

impl SubsidyRule {
    /// The subsidy on `interest_fen` of interest paid on a loan at `annual_rate`, rounded down
    /// to the fen and never above the interest (the rule every subsidy of the crate follows).
    pub fn subsidy_fen(&self, interest_fen: i64, annual_rate: Decimal) -> i64 {
        self.share(annual_rate)
            .and_then(|f| f.mul_down(interest_fen))
            .unwrap_or(0)
            .clamp(0, interest_fen.max(0))
    }

    /// The share of the interest this rule pays, exactly (points ÷ rate for rate points).
    pub fn share(&self, annual_rate: Decimal) -> Option<crate::money::Fraction> {
        match *self {
            SubsidyRule::ShareOfInterest(s) => crate::money::Fraction::of(s),
            SubsidyRule::RatePoints(p) => crate::money::Fraction::ratio(p, annual_rate),
        }
    }
}

/// The terms a line is granted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTerms {
    /// Months from grant to maturity.
    pub term_months: u32,
    /// Annual interest rate (0.0345 = 3.45 %).
    pub annual_rate: Decimal,
    /// Day count of interest.
    pub day_count: DayCount,
    /// Repaid principal may be drawn again before maturity.
    pub revolving: bool,
    /// The interest subsidy.
    pub subsidy: SubsidyRule,
    /// Months from grant during which interest is subsidised.
    pub subsidy_months: u32,
}

impl LineTerms {
    /// Maturity of a line granted on `granted`.
    pub fn maturity(&self, granted: NaiveDate) -> NaiveDate {
        granted
            .checked_add_months(Months::new(self.term_months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Last day (exclusive) of the subsidised period of a line granted on `granted`.
    pub fn subsidy_until(&self, granted: NaiveDate) -> NaiveDate {
        granted
            .checked_add_months(Months::new(self.subsidy_months.min(self.term_months)))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// Minimum score and share of the tier cap from that score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreBand {
    /// Lowest score of the band.
    pub from: i64,
    /// Share of the tier cap a firm in the band may borrow, in (0, 1].
    pub share_of_tier_cap: Decimal,
}

/// The SME size rule (中小微企业).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmeRule {
    /// Staff below this passes.
    pub staff_below: u32,
    /// Revenue below this (fen) passes.
    pub revenue_below_fen: i64,
    /// Source.
    pub citation: String,
}

/// Stable operation (经营稳定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StableRule {
    /// Whole years since registration, at least.
    pub age_min_years: i64,
    /// Months of the evidence window with verified spend, at least.
    pub months_active_min: u32,
    /// Source.
    pub citation: String,
}

/// A rule with only a citation (no bad credit record; a tier in the registry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitedRule {
    /// Source.
    pub citation: String,
}

/// Minimum verified spend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendRule {
    /// Verified spend (weighted, as for the limit) at least, fen.
    pub min_fen: i64,
    /// Source.
    pub citation: String,
}

/// Credit quality: a PD ceiling (the score floor is the first score band).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityRule {
    /// Highest one-year PD accepted.
    pub pd_max: Decimal,
    /// Source.
    pub citation: String,
}

/// The eligibility rules; a rule left out of the file is not applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// 中小微企业.
    pub sme: Option<SmeRule>,
    /// 经营稳定.
    pub stable_operation: Option<StableRule>,
    /// 信誉良好.
    pub good_credit: Option<CitedRule>,
    /// A tier in the cultivation registry.
    pub registered: Option<CitedRule>,
    /// Minimum verified spend.
    pub verified_spend: Option<SpendRule>,
    /// PD ceiling and score floor.
    pub credit_quality: Option<QualityRule>,
}

/// A 云量贷 product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// First day of validity.
    pub effective_from: NaiveDate,
    /// Last day of validity.
    pub effective_until: NaiveDate,
    /// The program whose budget and pool pay.
    pub program: String,
    /// Where the parameters come from.
    pub source: String,
    /// Months of the evidence window.
    pub window_months: u32,
    /// Weight of each spend category in the limit base, in [`SpendCategory::ALL`] order.
    pub category_weights: [Decimal; 4],
    /// Citation of the evidence rule.
    pub evidence_citation: String,
    /// Limit = this multiple of the weighted verified spend, before caps.
    pub spend_multiple: Decimal,
    /// Caps by tier, fen: no tier, potential, growth, leading.
    pub tier_caps_fen: [i64; 4],
    /// Score bands, ascending: below the first no line is granted.
    pub score_bands: Vec<ScoreBand>,
    /// The limit rounds down to a multiple of this, fen.
    pub limit_unit_fen: i64,
    /// A computed limit below this is not granted, fen.
    pub limit_min_fen: i64,
    /// Citation of the limit rule.
    pub limit_citation: String,
    /// Eligibility rules.
    pub rules: Rules,
    /// Loan terms.
    pub terms: LineTerms,
    /// Citation of the terms and subsidy.
    pub terms_citation: String,
    /// Subsidy cap per firm per calendar year, fen.
    pub subsidy_cap_per_firm_year_fen: i64,
    /// Citation of the subsidy.
    pub subsidy_citation: String,
    /// Share of a defaulted claim the pool covers, in [0, 1].
    pub pool_share: Decimal,
    /// What happens when the pool cannot pay every claim in full.
    pub pool_rule: PoolRule,
    /// Citation of the pool rule.
    pub pool_citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    product: HeaderSpec,
    evidence: EvidenceSpec,
    limit: LimitSpec,
    #[serde(default)]
    rules: RulesSpec,
    terms: TermsSpec,
    subsidy: SubsidySpec,
    pool: PoolSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderSpec {
    id: String,
    name: String,
    #[serde(deserialize_with = "crate::tomlio::date")]
    effective_from: NaiveDate,
    #[serde(deserialize_with = "crate::tomlio::date")]
    effective_until: NaiveDate,
    program: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceSpec {
    window_months: u32,
    category_weights: BTreeMap<String, Decimal>,
    citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitSpec {
    spend_multiple: Decimal,
    tier_caps_yuan: BTreeMap<String, Decimal>,
    score_bands: Vec<ScoreBand>,
    round_down_to_yuan: Decimal,
    min_yuan: Decimal,
    citation: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RulesSpec {
    sme: Option<SmeSpec>,
    stable_operation: Option<StableRule>,
    good_credit: Option<CitedRule>,
    registered: Option<CitedRule>,
    verified_spend: Option<SpendSpec>,
    credit_quality: Option<QualityRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmeSpec {
    staff_below: u32,
    revenue_below_yuan: Decimal,
    citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpendSpec {
    min_yuan: Decimal,
    citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsSpec {
    term_months: u32,
    annual_rate: Decimal,
    day_count: DayCount,
    revolving: bool,
    citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubsidySpec {
    kind: String,
    value: Decimal,
    months: u32,
    cap_per_firm_per_year_yuan: Decimal,
    citation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolSpec {
    share: Decimal,
    rule: PoolRule,
    citation: String,
}

impl Product {
    /// Reads and validates a product; `file` names it in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        if text.len() > PRODUCT_TOML_LEN_MAX {
            return Err(config(file, "(file)", text.len(), "larger than 1 MiB"));
        }
        let s: FileSpec = parse_toml(text, file)?;
        let h = s.product;
        for (field, v) in [
            ("product.id", &h.id),
            ("product.program", &h.program),
            ("product.source", &h.source),
        ] {
            if v.trim().is_empty() || v.len() > crate::booking::OWNER_LEN_MAX {
                return Err(config(file, field, v, "must have 1 to 128 bytes"));
            }
        }
        if h.effective_until < h.effective_from {
            return Err(config(
                file,
                "product.effective_until",
                h.effective_until,
                "before effective_from",
            ));
        }
        let fen = |d: Decimal, field: &str| yuan_to_fen(d, file, field);
        if !(1..=120).contains(&s.evidence.window_months) {
            return Err(config(
                file,
                "evidence.window_months",
                s.evidence.window_months,
                "must be 1 to 120",
            ));
        }
        let mut weights = [Decimal::ZERO; 4];
        for (k, w) in &s.evidence.category_weights {
            let c: SpendCategory = k.parse().map_err(|e: String| {
                config(file, format!("evidence.category_weights.{k}"), k, e)
            })?;
            weights[c.index()] = check_ratio(
                *w,
                Decimal::ONE,
                file,
                &format!("evidence.category_weights.{k}"),
            )?;
        }
        let l = s.limit;
        let spend_multiple =
            check_ratio(l.spend_multiple, RATIO_MAX, file, "limit.spend_multiple")?;
        let mut tier_caps_fen = [0i64; 4];
        for (k, v) in &l.tier_caps_yuan {
            let slot = match k.as_str() {
                "none" => 0,
                other => {
                    other.parse::<Tier>().map_err(|e| {
                        config(file, format!("limit.tier_caps_yuan.{k}"), k, e.to_string())
                    })? as usize
                        + 1
                }
            };
            tier_caps_fen[slot] = fen(*v, &format!("limit.tier_caps_yuan.{k}"))?;
        }
        if l.score_bands.is_empty() || l.score_bands.len() > SCORE_BANDS_MAX {
            return Err(config(
                file,
                "limit.score_bands",
                l.score_bands.len(),
                format!("needs 1 to {SCORE_BANDS_MAX} bands"),
            ));
        }
        for (i, b) in l.score_bands.iter().enumerate() {
            let field = format!("limit.score_bands[{i}]");
            check_ratio(
                b.share_of_tier_cap,
                Decimal::ONE,
                file,
                &format!("{field}.share_of_tier_cap"),
            )?;
            if b.share_of_tier_cap.is_zero() {
                return Err(config(
                    file,
                    format!("{field}.share_of_tier_cap"),
                    0,
                    "must be positive",
                ));
            }
            if i > 0 && b.from <= l.score_bands[i - 1].from {
                return Err(config(
                    file,
                    format!("{field}.from"),
                    b.from,
                    "score bands must ascend",
                ));
            }
        }
        let rules = Rules {
            sme: s
                .rules
                .sme
                .map(|r| {
                    Ok::<_, crate::error::FinanceError>(SmeRule {
                        staff_below: r.staff_below,
                        revenue_below_fen: fen(
                            r.revenue_below_yuan,
                            "rules.sme.revenue_below_yuan",
                        )?,
                        citation: r.citation,
                    })
                })
                .transpose()?,
            stable_operation: s.rules.stable_operation,
            good_credit: s.rules.good_credit,
            registered: s.rules.registered,
            verified_spend: s
                .rules
                .verified_spend
                .map(|r| {
                    Ok::<_, crate::error::FinanceError>(SpendRule {
                        min_fen: fen(r.min_yuan, "rules.verified_spend.min_yuan")?,
                        citation: r.citation,
                    })
                })
                .transpose()?,
            credit_quality: s
                .rules
                .credit_quality
                .map(|r| {
                    check_ratio(r.pd_max, Decimal::ONE, file, "rules.credit_quality.pd_max")?;
                    Ok::<_, crate::error::FinanceError>(r)
                })
                .transpose()?,
        };
        let t = s.terms;
        if !(1..=TERM_MONTHS_MAX).contains(&t.term_months) {
            return Err(config(
                file,
                "terms.term_months",
                t.term_months,
                format!("must be 1 to {TERM_MONTHS_MAX}"),
            ));
        }
        let annual_rate = check_ratio(t.annual_rate, Decimal::ONE, file, "terms.annual_rate")?;
        let sub = s.subsidy;
        let value = check_ratio(sub.value, Decimal::ONE, file, "subsidy.value")?;
        let subsidy = match sub.kind.as_str() {
            "share_of_interest" => SubsidyRule::ShareOfInterest(value),
            "rate_points" => {
                if value > annual_rate {
                    return Err(config(
                        file,
                        "subsidy.value",
                        value,
                        "more points than the rate: the subsidy would exceed the interest",
                    ));
                }
                if annual_rate.is_zero() {
                    return Err(config(
                        file,
                        "terms.annual_rate",
                        0,
                        "rate points need a positive rate",
                    ));
                }
                SubsidyRule::RatePoints(value)
            }
            other => {
                return Err(config(
                    file,
                    "subsidy.kind",
                    other,
                    "expected share_of_interest or rate_points",
                ));
            }
        };
        if sub.months > t.term_months {
            return Err(config(
                file,
                "subsidy.months",
                sub.months,
                "longer than the term",
            ));
        }
        let p = s.pool;
        let limit_unit_fen = fen(l.round_down_to_yuan, "limit.round_down_to_yuan")?;
        Ok(Product {
            id: h.id,
            name: h.name,
            effective_from: h.effective_from,
            effective_until: h.effective_until,
            program: h.program,
            source: h.source,
            window_months: s.evidence.window_months,
            category_weights: weights,
            evidence_citation: s.evidence.citation,
            spend_multiple,
            tier_caps_fen,
            score_bands: l.score_bands,
            limit_unit_fen,
            limit_min_fen: fen(l.min_yuan, "limit.min_yuan")?,
            limit_citation: l.citation,
            rules,
            terms: LineTerms {
                term_months: t.term_months,
                annual_rate,
                day_count: t.day_count,
                revolving: t.revolving,
                subsidy,
                subsidy_months: sub.months,
            },
            terms_citation: t.citation,
            subsidy_cap_per_firm_year_fen: fen(
                sub.cap_per_firm_per_year_yuan,
                "subsidy.cap_per_firm_per_year_yuan",
            )?,
            subsidy_citation: sub.citation,
            pool_share: check_ratio(p.share, Decimal::ONE, file, "pool.share")?,
            pool_rule: p.rule,
            pool_citation: p.citation,
        })
    }

    /// The shipped default product (`data/finance/yunliangdai-2025.toml`).
    pub fn embedded() -> Result<Self> {
        Self::from_toml_str(DEFAULT_PRODUCT_TOML, "data/finance/yunliangdai-2025.toml")
    }

    /// True when the product may grant on `date`.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && date <= self.effective_until
    }

    /// The lowest score a line is granted at.
    pub fn score_min(&self) -> i64 {
        self.score_bands.first().map_or(i64::MAX, |b| b.from)
    }

    /// The share of the tier cap open to `score`, or `None` below the lowest band.
    pub fn score_share(&self, score: i64) -> Option<Decimal> {
        self.score_bands
            .iter()
            .rev()
            .find(|b| score >= b.from)
            .map(|b| b.share_of_tier_cap)
    }
}
