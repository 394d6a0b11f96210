//! Scenarios (应用场景): the demand side of the market, opened by government departments,
//! state-owned firms, industry leaders and platforms (national measures §5–6).

use std::fmt;

use chrono::NaiveDate;
use registry_model::{Money, RegionCode, Tier};
use serde::{Deserialize, Serialize};

use crate::cell::{self, Cell};
use crate::error::FieldError;
use crate::key::{self, Key, Tag};
use crate::offer::{Maturity, OfferKind};

/// Most firms one scenario takes.
pub const SLOTS_MAX: u32 = 1_000;

/// Who opens a scenario (the owners the national measures name in §5–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerType {
    /// 政府部门: city digitalisation and public resources.
    Government,
    /// 国有企业.
    StateOwned,
    /// 行业龙头企业.
    IndustryLeader,
    /// 平台企业.
    Platform,
}

impl OwnerType {
    /// Every owner type, in report order.
    pub const ALL: [OwnerType; 4] = [
        OwnerType::Government,
        OwnerType::StateOwned,
        OwnerType::IndustryLeader,
        OwnerType::Platform,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            OwnerType::Government => "government",
            OwnerType::StateOwned => "state_owned",
            OwnerType::IndustryLeader => "industry_leader",
            OwnerType::Platform => "platform",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            OwnerType::Government => "政府部门",
            OwnerType::StateOwned => "国有企业",
            OwnerType::IndustryLeader => "行业龙头企业",
            OwnerType::Platform => "平台企业",
        }
    }

    /// Parses a key or a Chinese name.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL
            .into_iter()
            .find(|o| o.key().eq_ignore_ascii_case(t) || o.name_zh() == t)
    }
}

impl fmt::Display for OwnerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The three kinds of new scenario the national measures list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// 技术应用: a new technology put to use.
    TechnologyApplication,
    /// 服务支撑: services that support a sector or a city.
    ServiceSupport,
    /// 数据赋能: data put to work.
    DataEmpowerment,
}

impl ScenarioKind {
    /// Every kind, in report order.
    pub const ALL: [ScenarioKind; 3] = [
        ScenarioKind::TechnologyApplication,
        ScenarioKind::ServiceSupport,
        ScenarioKind::DataEmpowerment,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            ScenarioKind::TechnologyApplication => "technology_application",
            ScenarioKind::ServiceSupport => "service_support",
            ScenarioKind::DataEmpowerment => "data_empowerment",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            ScenarioKind::TechnologyApplication => "技术应用",
            ScenarioKind::ServiceSupport => "服务支撑",
            ScenarioKind::DataEmpowerment => "数据赋能",
        }
    }

    /// Parses a key or a Chinese name.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL
            .into_iter()
            .find(|o| o.key().eq_ignore_ascii_case(t) || o.name_zh() == t)
    }
}

impl fmt::Display for ScenarioKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Where the firms serving a scenario may come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionScope {
    /// Any region.
    Anywhere,
    /// Only the scenario's own province.
    SameProvince,
    /// The listed provinces (two-digit codes, sorted): a scenario co-built across regions
    /// (跨区域场景共建).
    Provinces(Vec<String>),
}

impl RegionScope {
    /// Parses `anywhere`, `province`, or a `;`-separated list of two-digit province codes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "" | "anywhere" => return Ok(RegionScope::Anywhere),
            "province" | "same_province" => return Ok(RegionScope::SameProvince),
            _ => {}
        }
        let mut codes = Vec::new();
        for part in t.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let r = RegionCode::parse(part).map_err(|_| {
                format!(
                    "'{part}' is not a province code (expected anywhere, province, or codes like 37;11)"
                )
            })?;
            if part.len() != 2 {
                return Err(format!("'{part}' is not a two-digit province code"));
            }
            codes.push(r.province_code().to_string());
        }
        codes.sort();
        codes.dedup();
        Ok(RegionScope::Provinces(codes))
    }

    /// Whether a firm in `offer` may serve a scenario in `scenario`.
    pub fn admits(&self, scenario: RegionCode, offer: RegionCode) -> bool {
        match self {
            RegionScope::Anywhere => true,
            RegionScope::SameProvince => scenario.province_code() == offer.province_code(),
            RegionScope::Provinces(list) => list.iter().any(|p| p == offer.province_code()),
        }
    }
}

impl fmt::Display for RegionScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionScope::Anywhere => f.write_str("anywhere"),
            RegionScope::SameProvince => f.write_str("province"),
            RegionScope::Provinces(p) => f.write_str(&p.join(";")),
        }
    }
}

/// A scenario opened to the market.
///
/// `needs` are the scenario's needs as tags (scored by how many an offer covers); `required`
/// are the needs an offer must all cover (a hard filter) and are always among `needs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// Unique id.
    pub id: Key,
    /// Title.
    pub title: String,
    /// Who opens it (a department, a firm).
    pub owner: String,
    /// The owner's type.
    pub owner_type: OwnerType,
    /// The scenario's kind.
    pub kind: ScenarioKind,
    /// Where it is (GB/T 2260 division).
    pub region: RegionCode,
    /// Needs as tags (sorted, unique; include `required`).
    pub needs: Vec<Tag>,
    /// Needs every offer must cover (sorted, unique).
    pub required: Vec<Tag>,
    /// Kinds of offer accepted (sorted, unique; empty: all four).
    pub offer_kinds: Vec<OfferKind>,
    /// Lowest technology readiness level accepted.
    pub maturity_min: Maturity,
    /// Where serving firms may come from.
    pub scope: RegionScope,
    /// Money the owner will pay in all, if any (test-and-show scenarios may pay nothing).
    pub budget: Option<Money>,
    /// How many firms it takes.
    pub slots: u32,
    /// First day offers are taken.
    pub opens: NaiveDate,
    /// Last day offers are taken.
    pub closes: NaiveDate,
    /// Compute vouchers promised to each matched firm (场景+算力), yuan.
    pub compute_voucher_per_firm: Money,
    /// Data vouchers promised to each matched firm (场景+数据), yuan.
    pub data_voucher_per_firm: Money,
    /// Open only to firms in the cultivation registry at this tier or above (面向数创企业);
    /// `None` takes any firm. Needs a directory ([`crate::Market::with_directory`]).
    #[serde(default)]
    pub tier_min: Option<Tier>,
}

impl Scenario {
    /// The most one matched firm may be paid: the budget shared equally among the slots,
    /// rounded down to the fen; `None` when there is no budget.
    pub fn budget_per_slot(&self) -> Option<Money> {
        let b = self.budget?;
        Money::from_fen(b.fen() / i64::from(self.slots.max(1)))
    }

    /// Normalises (sorts tags and kinds, adds required tags to needs) and checks the
    /// scenario; the error names the field and value.
    pub fn normalise(mut self) -> Result<Self, FieldError> {
        self.title = key::text("title", &self.title, true)?;
        self.owner = key::text("owner", &self.owner, true)?;
        let mut needs = self.needs;
        needs.extend(self.required.iter().cloned());
        self.needs = key::normalise_tags("needs", needs)?;
        self.required = key::normalise_tags("required", self.required)?;
        self.offer_kinds.sort();
        self.offer_kinds.dedup();
        if self.slots == 0 || self.slots > SLOTS_MAX {
            return Err(FieldError::new(
                "slots",
                self.slots,
                format!("outside 1..={SLOTS_MAX}"),
            ));
        }
        if self.closes < self.opens {
            return Err(FieldError::new(
                "closes",
                self.closes,
                format!("is before opens ({})", self.opens),
            ));
        }
        for (field, m) in [
            ("budget_yuan", self.budget.unwrap_or(Money::ZERO)),
            ("compute_voucher_yuan", self.compute_voucher_per_firm),
            ("data_voucher_yuan", self.data_voucher_per_firm),
        ] {
            if m.fen() < 0 {
                return Err(FieldError::new(field, m, "is negative"));
            }
        }
        if let RegionScope::Provinces(p) = &self.scope {
            if p.is_empty() {
                return Err(FieldError::new("region_scope", "", "lists no province"));
            }
            for code in p {
                if code.len() != 2 || RegionCode::parse(code).is_err() {
                    return Err(FieldError::new(
                        "region_scope",
                        code,
                        "not a two-digit province code",
                    ));
                }
            }
        }
        if self.needs.is_empty() {
            return Err(FieldError::new(
                "needs",
                "",
                "a scenario needs at least one tag (matching is by shared tags)",
            ));
        }
        Ok(self)
    }
}

/// The columns of a scenario file (CSV header or TOML keys).
pub const SCENARIO_COLUMNS: [&str; 19] = [
    "id",
    "title",
    "owner",
    "owner_type",
    "kind",
    "region",
    "needs",
    "required",
    "offer_kinds",
    "maturity_min",
    "region_scope",
    "budget_yuan",
    "slots",
    "opens",
    "closes",
    "compute_voucher_yuan",
    "data_voucher_yuan",
    "tier_min",
    "note",
];

/// A scenario as read, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawScenario {
    id: Cell,
    title: Cell,
    owner: Cell,
    owner_type: Cell,
    kind: Cell,
    region: Cell,
    needs: Cell,
    required: Cell,
    offer_kinds: Cell,
    maturity_min: Cell,
    region_scope: Cell,
    budget_yuan: Cell,
    slots: Cell,
    opens: Cell,
    closes: Cell,
    compute_voucher_yuan: Cell,
    data_voucher_yuan: Cell,
    tier_min: Cell,
    #[allow(dead_code)] // free text for people, kept in files, not in the model
    note: Cell,
}

impl RawScenario {
    /// Validates the record.
    pub(crate) fn validate(&self) -> Result<Scenario, FieldError> {
        let id = Key::field("id", cell::required("id", &self.id)?)?;
        let owner_type_text = cell::required("owner_type", &self.owner_type)?;
        let owner_type = OwnerType::parse(owner_type_text).ok_or_else(|| {
            FieldError::new(
                "owner_type",
                owner_type_text,
                "expected government, state_owned, industry_leader or platform",
            )
        })?;
        let kind_text = cell::required("kind", &self.kind)?;
        let kind = ScenarioKind::parse(kind_text).ok_or_else(|| {
            FieldError::new(
                "kind",
                kind_text,
                "expected technology_application, service_support or data_empowerment",
            )
        })?;
        let region_text = cell::required("region", &self.region)?;
        let region = RegionCode::parse(region_text)
            .map_err(|e| FieldError::new("region", region_text, e.to_string()))?;
        let mut offer_kinds = Vec::new();
        for part in self.offer_kinds.text().split(';').map(str::trim) {
            if part.is_empty() {
                continue;
            }
            offer_kinds.push(OfferKind::parse(part).ok_or_else(|| {
                FieldError::new(
                    "offer_kinds",
                    part,
                    "expected technology, product, solution or service",
                )
            })?);
        }
        let maturity_min = match self.maturity_min.opt() {
            None => Maturity::MIN,
            Some(t) => Maturity::field("maturity_min", t)?,
        };
        let scope = RegionScope::parse(self.region_scope.text())
            .map_err(|r| FieldError::new("region_scope", self.region_scope.text(), r))?;
        let slots = match self.slots.opt() {
            None => 1,
            Some(t) => cell::int_in("slots", t, 1, u64::from(SLOTS_MAX))? as u32,
        };
        Scenario {
            id,
            title: self.title.text().to_string(),
            owner: self.owner.text().to_string(),
            owner_type,
            kind,
            region,
            needs: key::tag_list("needs", self.needs.text())?,
            required: key::tag_list("required", self.required.text())?,
            offer_kinds,
            maturity_min,
            scope,
            budget: cell::opt_money("budget_yuan", &self.budget_yuan)?,
            slots,
            opens: cell::date("opens", cell::required("opens", &self.opens)?)?,
            closes: cell::date("closes", cell::required("closes", &self.closes)?)?,
            compute_voucher_per_firm: cell::money_or_zero(
                "compute_voucher_yuan",
                &self.compute_voucher_yuan,
            )?,
            data_voucher_per_firm: cell::money_or_zero(
                "data_voucher_yuan",
                &self.data_voucher_yuan,
            )?,
            tier_min: self
                .tier_min
                .opt()
                .map(|t| {
                    t.parse::<Tier>()
                        .map_err(|e| FieldError::new("tier_min", t, e.to_string()))
                })
                .transpose()?,
        }
        .normalise()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawScenario {
        RawScenario {
            id: Cell("S1".into()),
            title: Cell("Port cranes".into()),
            owner: Cell("Qingdao Port".into()),
            owner_type: Cell("国有企业".into()),
            kind: Cell("technology_application".into()),
            region: Cell("370200".into()),
            needs: Cell("vision;iot".into()),
            required: Cell("port".into()),
            budget_yuan: Cell("1000000".into()),
            slots: Cell("3".into()),
            opens: Cell("2025-03-01".into()),
            closes: Cell("2025-06-30".into()),
            ..RawScenario::default()
        }
    }

    #[test]
    fn a_valid_record() {
        let s = raw().validate().unwrap();
        assert_eq!(s.owner_type, OwnerType::StateOwned);
        let needs: Vec<&str> = s.needs.iter().map(Tag::as_str).collect();
        assert_eq!(needs, ["iot", "port", "vision"]);
        assert_eq!(s.budget_per_slot().unwrap().fen(), 33_333_333);
        assert_eq!(s.scope, RegionScope::Anywhere);
        assert_eq!(s.maturity_min, Maturity::MIN);
    }

    #[test]
    fn faults_name_the_field() {
        let mut r = raw();
        r.closes = Cell("2025-01-01".into());
        assert_eq!(r.validate().unwrap_err().field, "closes");
        let mut r = raw();
        r.owner_type = Cell("ngo".into());
        assert_eq!(r.validate().unwrap_err().field, "owner_type");
        let mut r = raw();
        r.region_scope = Cell("37;99".into());
        assert_eq!(r.validate().unwrap_err().field, "region_scope");
        let mut r = raw();
        r.slots = Cell("0".into());
        assert_eq!(r.validate().unwrap_err().field, "slots");
        let mut r = raw();
        r.needs = Cell(String::new());
        r.required = Cell(String::new());
        assert_eq!(r.validate().unwrap_err().field, "needs");
    }

    #[test]
    fn scopes() {
        let qd = RegionCode::parse("370200").unwrap();
        let bj = RegionCode::parse("110108").unwrap();
        assert!(RegionScope::SameProvince.admits(qd, RegionCode::parse("370100").unwrap()));
        assert!(!RegionScope::SameProvince.admits(qd, bj));
        let p = RegionScope::parse("37; 11").unwrap();
        assert!(p.admits(qd, bj));
        assert_eq!(p.to_string(), "11;37");
        assert!(RegionScope::parse("370200").is_err());
    }
}
