//! Voucher programs: their TOML form, validation, and the rules checked on every grant and
//! redemption.
//!
//! A program file looks like this (all amounts in yuan, as strings or numbers):
//!
//! ```toml
//! id = "hangzhou-compute-2024"
//! name = "杭州算力券 (2024)"
//! kind = "compute"
//! issuing_region = "330100"
//! annual_budget_yuan = "250000000"
//! cap_per_firm_yuan = "8000000"
//!
//! [ratio]
//! default = "0.20"
//! by_category = { domestic_chip = "0.30", filed_model = "0.30" }
//!
//! [validity]
//! from = 2024-01-01
//! until = 2024-12-31
//!
//! [providers]
//! any = true
//! related_party_ban = true
//! ```
//!
//! See docs/voucher-ledger.md for every field.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use registry_model::{EnterpriseId, RegionCode, Tier, Year};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocation::Allocation;
use crate::error::{LedgerError, Result};
use crate::money::{check_ratio, yuan_to_fen};

/// The most approved providers in one program.
pub const PROVIDERS_MAX: usize = 10_000;

/// What a voucher pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    /// 数据券 / 语料券: data and corpus purchases.
    Data,
    /// 算法券: algorithm and model services.
    Algorithm,
    /// 算力券: compute.
    Compute,
    /// 创新券: innovation services (testing, R&D services).
    Innovation,
    /// 揭榜挂帅 / 赛马制: a challenge program paying key technology tasks milestone by
    /// milestone. Its money moves only by challenge steps (reserve, pay, release, recover:
    /// [`crate::book::challenge`]); grants and redemptions are refused. `cap_per_firm_yuan`
    /// bounds one team's award.
    Challenge,
}

impl VoucherKind {
    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            VoucherKind::Data => "data",
            VoucherKind::Algorithm => "algorithm",
            VoucherKind::Compute => "compute",
            VoucherKind::Innovation => "innovation",
            VoucherKind::Challenge => "challenge",
        }
    }
}

/// Subsidy ratios.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioRule {
    /// The ratio for providers whose category has no ratio of its own.
    pub default: Decimal,
    /// Ratios by provider category (such as `domestic_chip = "0.30"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_category: BTreeMap<String, Decimal>,
    /// Ratios by the firm's tier (such as `potential = "0.60"` for start-ups). When both a
    /// category and a tier ratio apply, the larger one is used.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_tier: BTreeMap<Tier, Decimal>,
}

/// Who may receive vouchers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Eligible tiers; empty means any firm, with or without a tier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
    /// Eligible regions (a province `xx0000` or city `xxxx00` code covers its divisions);
    /// empty means the issuing region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<RegionCode>,
    /// Firms with a bad credit record are refused.
    #[serde(default)]
    pub require_clean_credit: bool,
}

/// When vouchers can be granted and used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validity {
    /// First day of the program.
    #[serde(deserialize_with = "date_de")]
    pub from: NaiveDate,
    /// Last day of the program.
    #[serde(deserialize_with = "date_de")]
    pub until: NaiveDate,
    /// Days after the end of the grant year during which that year's vouchers stay usable
    /// (never beyond `until`). 0: a voucher expires at the end of the year it was granted in.
    #[serde(default)]
    pub carry_over_days: u32,
}

/// Reads a date from a TOML date (`2024-01-01`) or a string (JSON in the journal).
fn date_de<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Toml(toml::value::Datetime),
    }
    let text = match Either::deserialize(d)? {
        Either::Text(s) => s,
        Either::Toml(dt) => dt.to_string(),
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|e| serde::de::Error::custom(format!("'{text}' is not a date YYYY-MM-DD: {e}")))
}

/// An approved provider (with the `clap` feature, also the options `--id`, `--name`,
/// `--category` and `--region` of a command line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Identifier used in redemptions (an operator or cluster id, or a USCC).
    #[cfg_attr(feature = "clap", arg(long))]
    pub id: String,
    /// Readable name.
    #[serde(default)]
    #[cfg_attr(feature = "clap", arg(long, default_value = ""))]
    pub name: String,
    /// Category for the ratio (such as `domestic_chip`); empty for the default ratio.
    #[serde(default)]
    #[cfg_attr(feature = "clap", arg(long, default_value = ""))]
    pub category: String,
    /// Region of the provider (six digits); absent means the issuing region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "clap", arg(long))]
    pub region: Option<RegionCode>,
}

/// Provider rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderRules {
    /// Any provider may be used (at the default ratio, in the issuing region) besides the
    /// approved ones.
    #[serde(default)]
    pub any: bool,
    /// Firm and provider may not be related parties.
    #[serde(default)]
    pub related_party_ban: bool,
    /// Approved providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approved: Vec<Provider>,
}

/// Conditions under which granted money is taken back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClawbackRules {
    /// A `failing` rating claws back the firm's whole year (unused and redeemed).
    #[serde(default)]
    pub on_failing_rating: bool,
}

/// A voucher program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// Unique id (letters, digits, `-`, `_`, `.`).
    pub id: String,
    /// Readable name.
    #[serde(default)]
    pub name: String,
    /// Kind of voucher.
    pub kind: VoucherKind,
    /// The region whose fund pays (and whose ledger holds the program's accounts).
    pub issuing_region: RegionCode,
    /// Budget per year; absent when not published (then the budget is open-ended and only
    /// the caps limit it; reports say so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_budget_yuan: Option<Decimal>,
    /// Most a firm can be granted per year.
    pub cap_per_firm_yuan: Decimal,
    /// Most subsidy per redemption (application), if the program limits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_per_application_yuan: Option<Decimal>,
    /// Extra yearly cap for a firm rated `excellent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_bonus_excellent_yuan: Option<Decimal>,
    /// Subsidy ratios.
    pub ratio: RatioRule,
    /// Who may receive vouchers.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// When.
    pub validity: Validity,
    /// Provider rules.
    #[serde(default)]
    pub providers: ProviderRules,
    /// Regions (besides the issuing one) whose providers may be used; redemptions there are
    /// settled against the issuing region's fund.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cross_region: Vec<RegionCode>,
    /// Clawback conditions.
    #[serde(default)]
    pub clawback: ClawbackRules,
    /// Where the numbers come from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Anything a reader should know (assumptions, rules kept outside the ledger).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// How the budget is shared when it cannot cover every eligible firm
    /// ([`crate::allocation`]); application order with a seeded lottery for ties by default.
    /// Left out of the serialised program when it is the default, so programs written
    /// before the field existed keep their bytes.
    #[serde(default, skip_serializing_if = "Allocation::is_default")]
    pub allocation: Allocation,
}

/// True when `area` (a province `xx0000`, a city `xxxx00` or a county code) contains `place`.
pub fn region_covers(area: RegionCode, place: RegionCode) -> bool {
    let a = area.as_str();
    let p = place.as_str();
    if a.ends_with("0000") {
        a.get(..2) == p.get(..2)
    } else if a.ends_with("00") {
        a.get(..4) == p.get(..4)
    } else {
        a == p
    }
}

/// The ledger number of a region's fund: the six-digit code as an integer.
pub fn ledger_of(region: RegionCode) -> u32 {
    region.as_str().parse().unwrap_or(1)
}

impl Program {
    /// Parses and validates a program from TOML; `file` names the source in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Program> {
        let p: Program = toml::from_str(text).map_err(|e| LedgerError::ProgramParse {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        p.validate()?;
        Ok(p)
    }

    fn invalid(&self, field: &str, value: impl ToString, reason: impl Into<String>) -> LedgerError {
        LedgerError::ProgramInvalid {
            program: self.id.clone(),
            field: field.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if self.id.is_empty()
            || self.id.len() > 64
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(self.invalid(
                "id",
                &self.id,
                "must be 1–64 letters, digits, '-', '_' or '.'",
            ));
        }
        if let Some(b) = self.annual_budget_yuan {
            yuan_to_fen(b, &format!("program '{}': annual_budget_yuan", self.id))?;
        }
        let cap = yuan_to_fen(
            self.cap_per_firm_yuan,
            &format!("program '{}': cap_per_firm_yuan", self.id),
        )?;
        if cap == 0 {
            return Err(self.invalid(
                "cap_per_firm_yuan",
                self.cap_per_firm_yuan,
                "must be positive",
            ));
        }
        for (field, v) in [
            ("cap_per_application_yuan", self.cap_per_application_yuan),
            ("cap_bonus_excellent_yuan", self.cap_bonus_excellent_yuan),
        ] {
            if let Some(v) = v {
                let fen = yuan_to_fen(v, &format!("program '{}': {field}", self.id))?;
                if fen == 0 {
                    return Err(self.invalid(field, v, "must be positive"));
                }
            }
        }
        check_ratio(
            self.ratio.default,
            &format!("program '{}': ratio.default", self.id),
        )?;
        for (k, v) in &self.ratio.by_category {
            check_ratio(*v, &format!("program '{}': ratio.by_category.{k}", self.id))?;
        }
        for (k, v) in &self.ratio.by_tier {
            check_ratio(*v, &format!("program '{}': ratio.by_tier.{k}", self.id))?;
        }
        if self.validity.until < self.validity.from {
            return Err(self.invalid(
                "validity.until",
                self.validity.until,
                format!("is before validity.from {}", self.validity.from),
            ));
        }
        if self.validity.carry_over_days > 3660 {
            return Err(self.invalid(
                "validity.carry_over_days",
                self.validity.carry_over_days,
                "more than ten years",
            ));
        }
        if self.providers.approved.len() > PROVIDERS_MAX {
            return Err(self.invalid(
                "providers.approved",
                self.providers.approved.len(),
                format!("more than {PROVIDERS_MAX} providers"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.providers.approved {
            p.validate(&self.id)?;
            if !seen.insert(p.id.as_str()) {
                return Err(self.invalid("providers.approved.id", &p.id, "listed twice"));
            }
        }
        Ok(())
    }

    /// The program's ledger (its issuing region's fund).
    pub fn ledger(&self) -> u32 {
        ledger_of(self.issuing_region)
    }

    /// Whether grants are possible on `date` (inside the validity, before that year's
    /// vouchers expire).
    pub fn is_open_on(&self, date: NaiveDate) -> bool {
        date >= self.validity.from && date <= self.expires_on(date.year())
    }

    /// Last day on which vouchers granted in `year` can be used.
    pub fn expires_on(&self, year: Year) -> NaiveDate {
        let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(self.validity.until);
        let carried = end
            .checked_add_days(chrono::Days::new(u64::from(self.validity.carry_over_days)))
            .unwrap_or(end);
        carried.min(self.validity.until)
    }

    /// The subsidy ratio for a provider category and a firm tier: the category's ratio (or
    /// the default), raised to the tier's ratio when that is larger.
    pub fn ratio_for(&self, category: &str, tier: Option<Tier>) -> Decimal {
        let base = self
            .ratio
            .by_category
            .get(category)
            .copied()
            .unwrap_or(self.ratio.default);
        match tier.and_then(|t| self.ratio.by_tier.get(&t)) {
            Some(&r) if r > base => r,
            _ => base,
        }
    }

    /// The approved provider `id`, or (when `providers.any`) an unlisted one in the issuing
    /// region at the default category.
    pub fn provider(&self, id: &str) -> Option<Provider> {
        self.providers
            .approved
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .or_else(|| {
                self.providers.any.then(|| Provider {
                    id: id.to_string(),
                    name: String::new(),
                    category: String::new(),
                    region: None,
                })
            })
    }
}

impl Provider {
    /// Checks the provider's fields.
    pub fn validate(&self, program: &str) -> Result<()> {
        if self.id.is_empty()
            || self.id.len() > 64
            || self.id.chars().any(|c| c.is_control() || c == '/')
        {
            return Err(LedgerError::ProgramInvalid {
                program: program.to_string(),
                field: "provider.id".into(),
                value: self.id.clone(),
                reason: "must be 1–64 characters without '/' or control characters".into(),
            });
        }
        Ok(())
    }
}

/// What a grant needs to know about a firm (with the `clap` feature, also the options
/// `--firm`, `--tier`, `--region` and `--bad-credit` of a command line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct Firm {
    /// The firm's USCC.
    #[cfg_attr(feature = "clap", arg(long = "firm", value_name = "FIRM"))]
    pub id: EnterpriseId,
    /// Its tier in the cultivation registry, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "clap", arg(long))]
    pub tier: Option<Tier>,
    /// Its region, when it differs from the region in its USCC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "clap", arg(long))]
    pub region: Option<RegionCode>,
    /// A bad credit record in the last three years.
    #[serde(default)]
    #[cfg_attr(feature = "clap", arg(long))]
    pub bad_credit: bool,
}

impl Firm {
    /// A firm known only by its USCC.
    pub fn new(id: EnterpriseId) -> Self {
        Self {
            id,
            tier: None,
            region: None,
            bad_credit: false,
        }
    }

    /// With a tier.
    pub fn with_tier(mut self, tier: Tier) -> Self {
        self.tier = Some(tier);
        self
    }

    /// The region used for eligibility.
    pub fn region(&self) -> RegionCode {
        self.region.unwrap_or_else(|| self.id.region())
    }
}

/// A firm's yearly rating in a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 优秀: raises the cap by `cap_bonus_excellent_yuan`.
    Excellent,
    /// 合格.
    Pass,
    /// 不合格: triggers a full clawback when the program says so.
    Failing,
}

/// What the rules see of an operation.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    /// "grant" or "redemption".
    pub action: &'static str,
    /// The ledger date.
    pub date: NaiveDate,
    /// The firm.
    pub firm: &'a Firm,
    /// The provider (redemptions only).
    pub provider: Option<&'a Provider>,
    /// Whether firm and provider are declared related parties.
    pub related: bool,
}

/// One rule of a program, checked before any money moves.
pub trait ProgramRule {
    /// A short name for reports.
    fn name(&self) -> &'static str;
    /// Ok, or the reason the operation is refused.
    fn check(&self, program: &Program, ctx: &RuleContext<'_>) -> Result<()>;
}

/// The date lies in the program's validity (and, for grants, before the year's vouchers
/// expire).
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidityRule;

impl ProgramRule for ValidityRule {
    fn name(&self) -> &'static str {
        "validity"
    }
    fn check(&self, p: &Program, ctx: &RuleContext<'_>) -> Result<()> {
        let until = if ctx.action == "grant" {
            p.expires_on(ctx.date.year()).min(p.validity.until)
        } else {
            p.validity.until
        };
        if ctx.date < p.validity.from || ctx.date > until {
            return Err(LedgerError::OutsideValidity {
                program: p.id.clone(),
                what: ctx.action,
                date: ctx.date,
                from: p.validity.from,
                until,
            });
        }
        Ok(())
    }
}

/// Tier, region and credit record.
#[derive(Debug, Clone, Copy, Default)]
pub struct EligibilityRule;

impl ProgramRule for EligibilityRule {
    fn name(&self) -> &'static str {
        "eligibility"
    }
    fn check(&self, p: &Program, ctx: &RuleContext<'_>) -> Result<()> {
        let refuse = |reason: String| LedgerError::Ineligible {
            program: p.id.clone(),
            firm: ctx.firm.id.to_string(),
            reason,
        };
        let e = &p.eligibility;
        if !e.tiers.is_empty() {
            match ctx.firm.tier {
                None => {
                    return Err(refuse(
                        "the firm has no tier in the cultivation registry".into(),
                    ));
                }
                Some(t) if !e.tiers.contains(&t) => {
                    let allowed: Vec<&str> = e.tiers.iter().map(|t| t.key()).collect();
                    return Err(refuse(format!(
                        "tier {} is not one of {}",
                        t.key(),
                        allowed.join(", ")
                    )));
                }
                Some(_) => {}
            }
        }
        let region = ctx.firm.region();
        let covered = if e.regions.is_empty() {
            region_covers(p.issuing_region, region)
        } else {
            e.regions.iter().any(|&r| region_covers(r, region))
        };
        if !covered {
            return Err(refuse(format!(
                "region {region} is outside the program's regions"
            )));
        }
        if e.require_clean_credit && ctx.firm.bad_credit {
            return Err(refuse("bad credit record within 3 years".into()));
        }
        Ok(())
    }
}

/// The provider is approved, in an accepted region, and not a related party.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProviderRule;

impl ProgramRule for ProviderRule {
    fn name(&self) -> &'static str {
        "provider"
    }
    fn check(&self, p: &Program, ctx: &RuleContext<'_>) -> Result<()> {
        let Some(prov) = ctx.provider else {
            return Ok(());
        };
        let region = prov.region.unwrap_or(p.issuing_region);
        if !region_covers(p.issuing_region, region)
            && !p.cross_region.iter().any(|&r| region_covers(r, region))
        {
            return Err(LedgerError::CrossRegionNotAllowed {
                program: p.id.clone(),
                provider: prov.id.clone(),
                provider_region: region.to_string(),
                issuing_region: p.issuing_region.to_string(),
            });
        }
        if p.providers.related_party_ban && (ctx.related || prov.id == ctx.firm.id.as_str()) {
            return Err(LedgerError::RelatedParty {
                program: p.id.clone(),
                firm: ctx.firm.id.to_string(),
                provider: prov.id.clone(),
            });
        }
        Ok(())
    }
}

/// The rules every program applies, in the order they are checked.
pub fn standard_rules() -> [&'static dyn ProgramRule; 3] {
    [&ValidityRule, &EligibilityRule, &ProviderRule]
}

#[cfg(test)]
mod tests {
    use super::*;

    const HZ: &str = r#"
id = "hz"
kind = "compute"
issuing_region = "330100"
annual_budget_yuan = "250000000"
cap_per_firm_yuan = "8000000"
[ratio]
default = "0.20"
by_category = { domestic_chip = "0.30" }
by_tier = { potential = "0.25" }
[validity]
from = 2024-01-01
until = 2025-06-30
carry_over_days = 90
"#;

    #[test]
    fn parses_and_applies_ratios() {
        let p = Program::from_toml(HZ, "hz.toml").unwrap();
        assert_eq!(p.ratio_for("domestic_chip", None).to_string(), "0.30");
        assert_eq!(
            p.ratio_for("other", Some(Tier::Potential)).to_string(),
            "0.25"
        );
        assert_eq!(
            p.ratio_for("domestic_chip", Some(Tier::Potential))
                .to_string(),
            "0.30"
        );
        assert_eq!(p.expires_on(2024).to_string(), "2025-03-31");
        assert_eq!(p.expires_on(2025).to_string(), "2025-06-30");
        assert_eq!(p.ledger(), 330100);
    }

    #[test]
    fn bad_programs_name_the_field() {
        let e = Program::from_toml(&HZ.replace("\"0.20\"", "\"1.2\""), "x.toml").unwrap_err();
        assert!(e.to_string().contains("ratio.default"), "{e}");
        let e = Program::from_toml(&HZ.replace("8000000", "-1"), "x.toml").unwrap_err();
        assert!(e.to_string().contains("cap_per_firm_yuan"), "{e}");
        let e = Program::from_toml(&HZ.replace("kind", "knd"), "x.toml").unwrap_err();
        assert!(e.to_string().contains("x.toml"), "{e}");
        let e = Program::from_toml(&HZ.replace("until = 2025-06-30", "until = 2023-06-30"), "x")
            .unwrap_err();
        assert!(e.to_string().contains("validity.until"), "{e}");
    }

    #[test]
    fn regions_cover_their_divisions() {
        let r = |s: &str| RegionCode::parse(s).unwrap();
        assert!(region_covers(r("330100"), r("330106")));
        assert!(!region_covers(r("330100"), r("330200")));
        assert!(region_covers(r("330000"), r("330200")));
        assert!(region_covers(r("310110"), r("310110")));
        assert!(!region_covers(r("310110"), r("310100")));
    }
}
