//! finance's [`SpendEvidence`] from the voucher ledger: every contract a firm claimed with a
//! voucher is a verified line of spend (source `voucher_redemption`), the contract's full
//! amount (what the firm bought, not the subsidy), dated on its redemption.
//!
//! | voucher program kind | spend category |
//! |---|---|
//! | compute (算力券) | `cloud_compute` |
//! | data (数据券 / 语料券) | `data` |
//! | algorithm (算法券) | `algorithm` |
//!
//! Innovation vouchers buy testing and R&D services, which are none of the 云量贷 categories,
//! and challenge programs pay awards, not purchases: neither is spend evidence. A contract
//! still held by pending transfers is not counted until it is settled (it may be released).
//! The evidence is a snapshot of the book taken by [`LedgerEvidence::of`].

use std::collections::BTreeMap;

use finance::evidence::{
    DateWindow, SPEND_LINES_PER_QUERY_MAX, SpendCategory, SpendEvidence, SpendLine, SpendSource,
};
use finance::{FinanceError, Result};
use registry_model::{EnterpriseId, Money};
use voucher_ledger::book::ContractStatus;
use voucher_ledger::{Journal, VoucherBook, VoucherKind};

/// The spend category of a voucher program kind, or `None` when its contracts are not spend
/// evidence.
pub fn category_of(kind: VoucherKind) -> Option<SpendCategory> {
    match kind {
        VoucherKind::Compute => Some(SpendCategory::CloudCompute),
        VoucherKind::Data => Some(SpendCategory::Data),
        VoucherKind::Algorithm => Some(SpendCategory::Algorithm),
        VoucherKind::Innovation | VoucherKind::Challenge => None,
    }
}

/// The claimed contracts of a voucher book as spend lines, by firm (dated, oldest first).
#[derive(Debug, Clone, Default)]
pub struct LedgerEvidence {
    by_firm: BTreeMap<EnterpriseId, Vec<SpendLine>>,
}

impl LedgerEvidence {
    /// The evidence of `book` as it stands.
    pub fn of<J: Journal>(book: &VoucherBook<J>) -> Result<Self> {
        let mut by_firm: BTreeMap<EnterpriseId, Vec<SpendLine>> = BTreeMap::new();
        for c in book.contracts() {
            if c.status != ContractStatus::Claimed {
                continue;
            }
            let Some(category) = book.program(&c.program).and_then(|p| category_of(p.kind)) else {
                continue;
            };
            let amount = i64::try_from(c.contract_amount_fen)
                .ok()
                .and_then(Money::from_fen)
                .ok_or_else(|| FinanceError::Source {
                    what: "spend evidence",
                    message: format!(
                        "contract '{}': amount {} fen is beyond the money bound",
                        c.contract_id, c.contract_amount_fen
                    ),
                })?;
            by_firm.entry(c.firm).or_default().push(SpendLine {
                firm: c.firm,
                date: c.date,
                category,
                amount_yuan: amount,
                provider: c.provider.clone(),
                contract_id: c.contract_id.clone(),
                source: SpendSource::VoucherRedemption,
                verified: true,
            });
        }
        for lines in by_firm.values_mut() {
            lines.sort_by(|a, b| (a.date, &a.contract_id).cmp(&(b.date, &b.contract_id)));
        }
        Ok(Self { by_firm })
    }

    /// Firms with at least one line, in id order.
    pub fn firms(&self) -> impl Iterator<Item = &EnterpriseId> {
        self.by_firm.keys()
    }
}

impl SpendEvidence for LedgerEvidence {
    fn spend_lines(&self, firm: &EnterpriseId, window: DateWindow) -> Result<Vec<SpendLine>> {
        let lines: Vec<SpendLine> = self
            .by_firm
            .get(firm)
            .map(|v| {
                v.iter()
                    .filter(|l| window.contains(l.date))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if lines.len() > SPEND_LINES_PER_QUERY_MAX {
            return Err(FinanceError::TooMany {
                what: "spend lines of one firm in a window",
                count: lines.len(),
                max: SPEND_LINES_PER_QUERY_MAX,
            });
        }
        Ok(lines)
    }
}
