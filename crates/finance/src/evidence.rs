//! Evidence of digital spend: the [`SpendEvidence`] seam through which a firm's verified cloud
//! and compute spend and its data and algorithm purchases over a window are read.
//!
//! The voucher ledger implements it in the orchestration layer from its contracts and
//! redemptions (a redeemed voucher is spend a program verified); a bank's own records can
//! stand in through [`MemoryEvidence`] and its CSV import. Only lines marked verified count
//! toward a credit limit; unverified spend is reported beside them, never added.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use registry_model::{EnterpriseId, Money};

use crate::csvio::read_rows;
use crate::error::{FinanceError, Result, invalid};

/// Most spend lines one query may return (a firm's year of cloud bills is far fewer).
pub const SPEND_LINES_PER_QUERY_MAX: usize = 1_000_000;

/// Most rows one spend CSV may hold.
pub const SPEND_ROWS_MAX: usize = 10_000_000;

/// Longest provider or contract id, in characters.
pub const SPEND_TEXT_LEN_MAX: usize = 200;

/// What the money bought. The 2020 plan names cloud service use, intelligent equipment and
/// digital transformation as the base of 云量贷; vouchers add data and algorithm purchases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendCategory {
    /// Cloud services and compute (云服务, 算力).
    CloudCompute,
    /// Data and corpus purchases (数据, 语料).
    Data,
    /// Algorithm and model services (算法, 模型).
    Algorithm,
    /// Intelligent equipment and digital transformation (智能化设备和数字化改造).
    DigitalEquipment,
}

impl SpendCategory {
    /// Every category, in a fixed order (the index of [`SpendSummary::by_category_fen`]).
    pub const ALL: [SpendCategory; 4] = [
        SpendCategory::CloudCompute,
        SpendCategory::Data,
        SpendCategory::Algorithm,
        SpendCategory::DigitalEquipment,
    ];

    /// Position in [`SpendCategory::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            SpendCategory::CloudCompute => "cloud_compute",
            SpendCategory::Data => "data",
            SpendCategory::Algorithm => "algorithm",
            SpendCategory::DigitalEquipment => "digital_equipment",
        }
    }
}

impl std::str::FromStr for SpendCategory {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        SpendCategory::ALL
            .into_iter()
            .find(|c| c.key() == s.trim())
            .ok_or_else(|| {
                "not a spend category (expected cloud_compute, data, algorithm or digital_equipment)".to_string()
            })
    }
}

/// Where a line of evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendSource {
    /// A voucher redemption on the ledger (the contract's full amount, the part the firm paid
    /// and the subsidy).
    VoucherRedemption,
    /// A contract recorded on the ledger without a voucher.
    LedgerContract,
    /// A bank's own records (payment flows, invoices it checked).
    BankRecord,
    /// An invoice declared by the firm.
    Declared,
}

impl SpendSource {
    /// Every source.
    pub const ALL: [SpendSource; 4] = [
        SpendSource::VoucherRedemption,
        SpendSource::LedgerContract,
        SpendSource::BankRecord,
        SpendSource::Declared,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            SpendSource::VoucherRedemption => "voucher_redemption",
            SpendSource::LedgerContract => "ledger_contract",
            SpendSource::BankRecord => "bank_record",
            SpendSource::Declared => "declared",
        }
    }
}

impl std::str::FromStr for SpendSource {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        SpendSource::ALL
            .into_iter()
            .find(|c| c.key() == s.trim())
            .ok_or_else(|| {
                "not a source (expected voucher_redemption, ledger_contract, bank_record or declared)".to_string()
            })
    }
}

/// An inclusive range of dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateWindow {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub until: NaiveDate,
}

impl DateWindow {
    /// A window; an error when `until` is before `from`.
    pub fn new(from: NaiveDate, until: NaiveDate) -> Result<Self> {
        if until < from {
            return Err(invalid(
                "window",
                "until",
                until,
                format!("is before the start {from}"),
            ));
        }
        Ok(Self { from, until })
    }

    /// The `months` months that end on `until` (12 months to 2025-06-30 is 2024-07-01 ..=
    /// 2025-06-30).
    pub fn months_to(until: NaiveDate, months: u32) -> Self {
        let from = until
            .checked_sub_months(Months::new(months))
            .and_then(|d| d.succ_opt())
            .unwrap_or(NaiveDate::MIN);
        Self { from, until }
    }

    /// The window of the same length just before this one.
    pub fn previous(&self) -> Self {
        let days = (self.until - self.from).num_days();
        let until = self.from.pred_opt().unwrap_or(NaiveDate::MIN);
        let from = until
            .checked_sub_signed(chrono::Duration::days(days))
            .unwrap_or(NaiveDate::MIN);
        Self { from, until }
    }

    /// True when `d` lies in the window.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.until
    }

    /// Calendar months the window touches.
    pub fn months(&self) -> u32 {
        let m = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        u32::try_from(m(self.until) - m(self.from) + 1).unwrap_or(0)
    }
}

/// One line of evidence: a payment for digital services or equipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendLine {
    /// The paying firm.
    pub firm: EnterpriseId,
    /// Date of the contract or payment.
    pub date: NaiveDate,
    /// What it bought.
    pub category: SpendCategory,
    /// The amount the contract was for (voucher subsidy included).
    pub amount_yuan: Money,
    /// The provider (a cloud, a compute cluster, a data exchange …).
    pub provider: String,
    /// The contract or invoice id.
    pub contract_id: String,
    /// Where the line comes from.
    pub source: SpendSource,
    /// Checked by the ledger or the bank (only verified spend counts toward a limit).
    pub verified: bool,
}

impl SpendLine {
    fn check(&self, record: &str) -> Result<()> {
        if self.amount_yuan.fen() < 0 {
            return Err(invalid(
                record,
                "amount_yuan",
                self.amount_yuan,
                "must not be negative",
            ));
        }
        for (field, v) in [
            ("provider", &self.provider),
            ("contract_id", &self.contract_id),
        ] {
            let n = v.chars().count();
            if n == 0 || n > SPEND_TEXT_LEN_MAX {
                return Err(invalid(
                    record,
                    field,
                    v,
                    format!("must have 1 to {SPEND_TEXT_LEN_MAX} characters"),
                ));
            }
        }
        Ok(())
    }
}

/// Reads a firm's spend evidence. Implemented by the voucher ledger (contracts and
/// redemptions) in the orchestration layer, and by [`MemoryEvidence`] here.
pub trait SpendEvidence {
    /// Every line of `firm` dated within `window` (at most [`SPEND_LINES_PER_QUERY_MAX`]).
    /// An unknown firm has no lines; an error means the source could not be read.
    fn spend_lines(&self, firm: &EnterpriseId, window: DateWindow) -> Result<Vec<SpendLine>>;
}

/// A firm's spend over a window, the base of a 云量贷 limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendSummary {
    /// The window.
    pub window: DateWindow,
    /// Verified spend by category, in the order of [`SpendCategory::ALL`].
    pub by_category_fen: [i64; 4],
    /// Verified spend in all categories.
    pub verified_fen: i64,
    /// Spend on lines not verified (reported, never counted).
    pub unverified_fen: i64,
    /// Calendar months of the window with verified spend.
    pub months_active: u32,
    /// Verified lines.
    pub lines: u32,
    /// Distinct providers of verified lines.
    pub providers: u32,
}

impl SpendSummary {
    /// Summarises `lines` over `window`; lines outside the window or of another firm are
    /// ignored, so a loose source cannot inflate a limit. Sums saturate at the crate's money
    /// bound.
    pub fn of(firm: &EnterpriseId, window: DateWindow, lines: &[SpendLine]) -> Self {
        let mut by = [0i64; 4];
        let mut unverified = 0i64;
        let mut months = std::collections::BTreeSet::new();
        let mut providers = std::collections::BTreeSet::new();
        let mut n = 0u32;
        for l in lines {
            if l.firm != *firm || !window.contains(l.date) || l.amount_yuan.fen() <= 0 {
                continue;
            }
            if !l.verified {
                unverified = unverified.saturating_add(l.amount_yuan.fen());
                continue;
            }
            let slot = &mut by[l.category.index()];
            *slot = slot.saturating_add(l.amount_yuan.fen());
            months.insert((l.date.year(), l.date.month()));
            providers.insert(l.provider.as_str());
            n = n.saturating_add(1);
        }
        let cap = crate::money::AMOUNT_FEN_MAX;
        let by = by.map(|v| v.min(cap));
        Self {
            window,
            by_category_fen: by,
            verified_fen: by.iter().fold(0i64, |a, v| a.saturating_add(*v)).min(cap),
            unverified_fen: unverified.min(cap),
            months_active: u32::try_from(months.len()).unwrap_or(u32::MAX),
            lines: n,
            providers: u32::try_from(providers.len()).unwrap_or(u32::MAX),
        }
    }

    /// Verified spend in one category.
    pub fn category_fen(&self, c: SpendCategory) -> i64 {
        self.by_category_fen[c.index()]
    }
}

/// Spend evidence held in memory: a bank's own records, a CSV export, a test fixture.
#[derive(Debug, Clone, Default)]
pub struct MemoryEvidence {
    lines: BTreeMap<EnterpriseId, Vec<SpendLine>>,
    count: usize,
}

impl MemoryEvidence {
    /// No evidence.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds lines, all or nothing: each is checked, and a contract id already held for the
    /// same firm and provider is refused (a contract is evidence once).
    pub fn add(&mut self, lines: Vec<SpendLine>) -> Result<()> {
        if self.count.saturating_add(lines.len()) > SPEND_ROWS_MAX {
            return Err(FinanceError::TooMany {
                what: "spend lines",
                count: self.count.saturating_add(lines.len()),
                max: SPEND_ROWS_MAX,
            });
        }
        let mut seen: std::collections::HashSet<(EnterpriseId, &str, &str)> = self
            .lines
            .values()
            .flatten()
            .map(|l| (l.firm, l.provider.as_str(), l.contract_id.as_str()))
            .collect();
        for (i, l) in lines.iter().enumerate() {
            let record = format!("spend line {} ({})", i + 1, l.contract_id);
            l.check(&record)?;
            if !seen.insert((l.firm, l.provider.as_str(), l.contract_id.as_str())) {
                return Err(FinanceError::Exists {
                    what: "spend contract",
                    key: format!("{}/{}/{}", l.firm, l.provider, l.contract_id),
                });
            }
        }
        drop(seen);
        self.count += lines.len();
        for l in lines {
            let v = self.lines.entry(l.firm).or_default();
            let at = v.partition_point(|x| x.date <= l.date);
            v.insert(at, l);
        }
        Ok(())
    }

    /// Reads a CSV table with the header
    /// `uscc,date,category,amount_yuan,provider,contract_id,source,verified`, all or nothing.
    pub fn read_csv(&mut self, reader: impl Read, source_name: &str) -> Result<usize> {
        let lines = read_rows(reader, source_name, "spend rows", SPEND_ROWS_MAX, |r| {
            let l = SpendLine {
                firm: r.get("uscc")?,
                date: r.get("date")?,
                category: r.get("category")?,
                amount_yuan: r.get("amount_yuan")?,
                provider: r.get("provider")?,
                contract_id: r.get("contract_id")?,
                source: r.get("source")?,
                verified: r.get("verified")?,
            };
            l.check(&format!("{source_name}:{}", r.line()))?;
            Ok(l)
        })?;
        let n = lines.len();
        self.add(lines)?;
        Ok(n)
    }

    /// Lines held.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no line is held.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl SpendEvidence for MemoryEvidence {
    fn spend_lines(&self, firm: &EnterpriseId, window: DateWindow) -> Result<Vec<SpendLine>> {
        let Some(v) = self.lines.get(firm) else {
            return Ok(Vec::new());
        };
        let start = v.partition_point(|l| l.date < window.from);
        let end = v.partition_point(|l| l.date <= window.until);
        let slice = &v[start..end.max(start)];
        if slice.len() > SPEND_LINES_PER_QUERY_MAX {
            return Err(FinanceError::TooMany {
                what: "spend lines in one window",
                count: slice.len(),
                max: SPEND_LINES_PER_QUERY_MAX,
            });
        }
        Ok(slice.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn windows() {
        let w = DateWindow::months_to(d(2025, 6, 30), 12);
        assert_eq!(w.from, d(2024, 7, 1));
        assert_eq!(w.months(), 12);
        let p = w.previous();
        assert_eq!(p.until, d(2024, 6, 30));
        assert_eq!((p.until - p.from).num_days(), (w.until - w.from).num_days());
        assert!(DateWindow::new(d(2025, 1, 2), d(2025, 1, 1)).is_err());
    }

    #[test]
    fn csv_summary_counts_verified_spend_in_window_only() {
        let firm: EnterpriseId = "91330101589882738D".parse().unwrap();
        let csv = "uscc,date,category,amount_yuan,provider,contract_id,source,verified\n\
            91330101589882738D,2025-01-15,cloud_compute,120000.00,aliyun,C1,voucher_redemption,true\n\
            91330101589882738D,2025-02-15,data,30000,sdx,C2,bank_record,true\n\
            91330101589882738D,2025-02-20,cloud_compute,10000,aliyun,C3,declared,false\n\
            91330101589882738D,2023-02-20,cloud_compute,99999,aliyun,C4,bank_record,true\n";
        let mut ev = MemoryEvidence::new();
        assert_eq!(ev.read_csv(csv.as_bytes(), "spend.csv").unwrap(), 4);
        let w = DateWindow::months_to(d(2025, 6, 30), 12);
        let lines = ev.spend_lines(&firm, w).unwrap();
        assert_eq!(lines.len(), 3);
        let s = SpendSummary::of(&firm, w, &lines);
        assert_eq!(s.verified_fen, 15_000_000);
        assert_eq!(s.category_fen(SpendCategory::CloudCompute), 12_000_000);
        assert_eq!(s.unverified_fen, 1_000_000);
        assert_eq!(s.months_active, 2);
        assert_eq!(s.providers, 2);
        // The same contract twice is refused, and the book is unchanged.
        let again = "uscc,date,category,amount_yuan,provider,contract_id,source,verified\n\
            91330101589882738D,2025-03-15,data,1,x,C9,bank_record,true\n\
            91330101589882738D,2025-01-15,cloud_compute,1,aliyun,C1,bank_record,true\n";
        assert!(ev.read_csv(again.as_bytes(), "again.csv").is_err());
        assert_eq!(ev.len(), 4);
        // A bad row names file, line, field and value.
        let bad = "uscc,date,category,amount_yuan,provider,contract_id,source,verified\n\
            91330101589882738D,2025-03-15,data,1.001,x,C9,bank_record,true\n";
        let e = ev
            .read_csv(bad.as_bytes(), "bad.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("bad.csv:2: field 'amount_yuan' = '1.001'"),
            "{e}"
        );
    }
}
