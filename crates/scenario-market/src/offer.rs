//! Offers: the supply side, what 数创企业 bring to scenarios — the 四新 (new technology,
//! product, solution, service), with tags, maturity, region and price.

use std::fmt;

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Money, RegionCode};
use serde::{Deserialize, Serialize};

use crate::cell::{self, Cell};
use crate::error::FieldError;
use crate::key::{self, Key, Tag};

/// The 四新 of the national measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    /// 新技术.
    Technology,
    /// 新产品.
    Product,
    /// 新方案.
    Solution,
    /// 新服务.
    Service,
}

impl OfferKind {
    /// All four, in report order.
    pub const ALL: [OfferKind; 4] = [
        OfferKind::Technology,
        OfferKind::Product,
        OfferKind::Solution,
        OfferKind::Service,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            OfferKind::Technology => "technology",
            OfferKind::Product => "product",
            OfferKind::Solution => "solution",
            OfferKind::Service => "service",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            OfferKind::Technology => "新技术",
            OfferKind::Product => "新产品",
            OfferKind::Solution => "新方案",
            OfferKind::Service => "新服务",
        }
    }

    /// Parses a key or a Chinese name.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL
            .into_iter()
            .find(|o| o.key().eq_ignore_ascii_case(t) || o.name_zh() == t)
    }

    /// The bit of this kind in a kind mask.
    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for OfferKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A technology readiness level, 1 (basic principles observed) to 9 (proven in operation):
/// the nine-level scale of GB/T 22900-2009 Annex A (科学技术研究项目评价通则, 技术就绪水平),
/// the same scale as NASA's and ISO 16290's TRLs.
///
/// ```
/// use scenario_market::Maturity;
/// assert_eq!(Maturity::new(7).unwrap().level(), 7);
/// assert!(Maturity::new(10).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Maturity(u8);

impl Maturity {
    /// Level 1.
    pub const MIN: Maturity = Maturity(1);
    /// Level 9.
    pub const MAX: Maturity = Maturity(9);

    /// A level in 1..=9.
    pub fn new(level: u8) -> Option<Self> {
        (1..=9).contains(&level).then_some(Self(level))
    }

    /// The level, 1 to 9.
    pub fn level(self) -> u8 {
        self.0
    }

    /// Parses a level for `field`.
    pub(crate) fn field(field: &str, text: &str) -> Result<Self, FieldError> {
        Ok(Self(cell::int_in(field, text, 1, 9)? as u8))
    }
}

impl TryFrom<u8> for Maturity {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Maturity::new(v).ok_or_else(|| format!("maturity {v} is outside 1..=9"))
    }
}

impl From<Maturity> for u8 {
    fn from(m: Maturity) -> u8 {
        m.0
    }
}

/// An offer of a firm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// Unique id.
    pub id: Key,
    /// The firm making it.
    pub firm: EnterpriseId,
    /// Which of the 四新.
    pub kind: OfferKind,
    /// Title.
    pub title: String,
    /// Capabilities as tags (sorted, unique, at least one).
    pub tags: Vec<Tag>,
    /// Technology readiness level.
    pub maturity: Maturity,
    /// Where the firm delivers from (defaults to the division in its USCC).
    pub region: RegionCode,
    /// List price for serving one scenario, yuan.
    pub price: Money,
    /// First day the offer can be taken up, if limited.
    pub available_from: Option<NaiveDate>,
    /// Last day the offer can be taken up, if limited.
    pub available_until: Option<NaiveDate>,
}

impl Offer {
    /// Normalises (sorts tags) and checks the offer; the error names the field and value.
    pub fn normalise(mut self) -> Result<Self, FieldError> {
        self.title = key::text("title", &self.title, true)?;
        self.tags = key::normalise_tags("tags", self.tags)?;
        if self.tags.is_empty() {
            return Err(FieldError::new(
                "tags",
                "",
                "an offer needs at least one tag (matching is by shared tags)",
            ));
        }
        if self.price.fen() < 0 {
            return Err(FieldError::new("price_yuan", self.price, "is negative"));
        }
        if let (Some(a), Some(b)) = (self.available_from, self.available_until)
            && b < a
        {
            return Err(FieldError::new(
                "available_until",
                b,
                format!("is before available_from ({a})"),
            ));
        }
        Ok(self)
    }

    /// Whether the offer can be taken up on some day of `opens..=closes`.
    pub fn available_during(&self, opens: NaiveDate, closes: NaiveDate) -> bool {
        self.available_from.is_none_or(|a| a <= closes)
            && self.available_until.is_none_or(|u| u >= opens)
    }
}

/// The columns of an offer file.
pub const OFFER_COLUMNS: [&str; 11] = [
    "id",
    "firm",
    "kind",
    "title",
    "tags",
    "maturity",
    "region",
    "price_yuan",
    "available_from",
    "available_until",
    "note",
];

/// An offer as read, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawOffer {
    id: Cell,
    firm: Cell,
    kind: Cell,
    title: Cell,
    tags: Cell,
    maturity: Cell,
    region: Cell,
    price_yuan: Cell,
    available_from: Cell,
    available_until: Cell,
    #[allow(dead_code)] // free text for people, kept in files, not in the model
    note: Cell,
}

impl RawOffer {
    /// Validates the record.
    pub(crate) fn validate(&self) -> Result<Offer, FieldError> {
        let id = Key::field("id", cell::required("id", &self.id)?)?;
        let firm = cell::firm("firm", &self.firm)?;
        let kind_text = cell::required("kind", &self.kind)?;
        let kind = OfferKind::parse(kind_text).ok_or_else(|| {
            FieldError::new(
                "kind",
                kind_text,
                "expected technology, product, solution or service",
            )
        })?;
        let region = match self.region.opt() {
            None => firm.region(),
            Some(t) => {
                RegionCode::parse(t).map_err(|e| FieldError::new("region", t, e.to_string()))?
            }
        };
        Offer {
            id,
            firm,
            kind,
            title: self.title.text().to_string(),
            tags: key::tag_list("tags", self.tags.text())?,
            maturity: Maturity::field("maturity", cell::required("maturity", &self.maturity)?)?,
            region,
            price: cell::money(
                "price_yuan",
                cell::required("price_yuan", &self.price_yuan)?,
            )?,
            available_from: cell::opt_date("available_from", &self.available_from)?,
            available_until: cell::opt_date("available_until", &self.available_until)?,
        }
        .normalise()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawOffer {
        RawOffer {
            id: Cell("O1".into()),
            firm: Cell("91370200163562681G".into()),
            kind: Cell("新产品".into()),
            title: Cell("Crane vision kit".into()),
            tags: Cell("vision;port".into()),
            maturity: Cell("7".into()),
            price_yuan: Cell("300000".into()),
            ..RawOffer::default()
        }
    }

    #[test]
    fn region_defaults_to_the_uscc_division() {
        let o = raw().validate().unwrap();
        assert_eq!(o.region.as_str(), "370200");
        assert_eq!(o.kind, OfferKind::Product);
    }

    #[test]
    fn faults_name_the_field() {
        let mut r = raw();
        r.firm = Cell("91370200163562681A".into());
        let e = r.validate().unwrap_err();
        assert_eq!(e.field, "firm");
        assert!(e.reason.contains("expected 'G'"), "{}", e.reason);
        let mut r = raw();
        r.maturity = Cell("0".into());
        assert_eq!(r.validate().unwrap_err().field, "maturity");
        let mut r = raw();
        r.available_from = Cell("2025-05-01".into());
        r.available_until = Cell("2025-04-01".into());
        assert_eq!(r.validate().unwrap_err().field, "available_until");
        let mut r = raw();
        r.tags = Cell(" ; ".into());
        assert_eq!(r.validate().unwrap_err().field, "tags");
    }

    #[test]
    fn availability() {
        let mut o = raw().validate().unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(o.available_during(d("2025-01-01"), d("2025-12-31")));
        o.available_from = Some(d("2026-01-01"));
        assert!(!o.available_during(d("2025-01-01"), d("2025-12-31")));
        o.available_from = None;
        o.available_until = Some(d("2025-01-01"));
        assert!(o.available_during(d("2025-01-01"), d("2025-12-31")));
    }
}
