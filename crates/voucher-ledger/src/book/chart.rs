//! The chart of accounts and its naming: account and transfer codes, the account names of a
//! program, and the ids derived from names and request ids (SHA-256, so every replica derives
//! the same ids without a counter).

use registry_model::{EnterpriseId, Year};
use sha2::{Digest, Sha256};

/// Account codes of the chart of accounts.
pub mod account_code {
    /// A program's source of money (the issuing region's fund).
    pub const FUND: u16 = 10;
    /// A program's budget for one year.
    pub const BUDGET: u16 = 11;
    /// A firm's voucher balance for one program year.
    pub const VOUCHER: u16 = 12;
    /// What a provider is owed.
    pub const PROVIDER: u16 = 13;
    /// Cross-region: what the issuing fund owes another region.
    pub const DUE: u16 = 14;
    /// Cross-region: another region's claim on the issuing fund.
    pub const CLAIM: u16 = 15;
    /// Clawback: what a firm owes back.
    pub const RECEIVABLE: u16 = 16;
}

/// Transfer codes.
pub mod transfer_code {
    /// Fund → budget: a year's budget.
    pub const FUNDING: u16 = 1;
    /// Budget → voucher.
    pub const GRANT: u16 = 2;
    /// Voucher → provider (or → due, cross-region).
    pub const REDEEM: u16 = 3;
    /// Voucher → budget: unused balance after expiry.
    pub const EXPIRE: u16 = 4;
    /// Voucher → budget: unused balance clawed back.
    pub const CLAWBACK_UNUSED: u16 = 5;
    /// Receivable → budget: redeemed subsidy clawed back (the firm owes it).
    pub const CLAWBACK_REDEEMED: u16 = 6;
    /// Claim → provider, on the provider region's ledger: cross-region settlement.
    pub const CROSS_REGION: u16 = 7;

    /// A short name for a code.
    pub fn name(code: u16) -> &'static str {
        match code {
            FUNDING => "funding",
            GRANT => "grant",
            REDEEM => "redeem",
            EXPIRE => "expire",
            CLAWBACK_UNUSED => "clawback_unused",
            CLAWBACK_REDEEMED => "clawback_redeemed",
            CROSS_REGION => "cross_region",
            _ => "other",
        }
    }
}

/// The idempotency key of a grant made without application ("免申即享"): one per year,
/// program and firm, so re-running a yearly cycle grants nothing twice.
///
/// ```
/// let firm: registry_model::EnterpriseId = "91330101589882738D".parse().unwrap();
/// assert_eq!(
///     voucher_ledger::book::grant_key(2025, "chengdu-compute-2025", &firm),
///     "grant/2025/chengdu-compute-2025/91330101589882738D"
/// );
/// ```
pub fn grant_key(year: Year, program: &str, firm: &EnterpriseId) -> String {
    format!("grant/{year}/{program}/{firm}")
}

/// Id of the account named `name` (the first 8 bytes of its SHA-256; never 0).
pub fn account_id(name: &str) -> u64 {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b).max(1)
}

pub(super) fn transfer_id(request_id: &str, leg: usize) -> u64 {
    account_id(&format!("transfer\u{1f}{request_id}\u{1f}{leg}"))
}

/// The reference a redemption's transfers carry in `user_data`: a hash of the contract id.
pub fn contract_ref(contract_id: &str) -> u64 {
    account_id(&format!("contract\u{1f}{contract_id}"))
}

/// Account names of the chart of accounts.
pub mod names {
    use registry_model::{EnterpriseId, RegionCode, Year};
    /// The program's fund.
    pub fn fund(p: &str) -> String {
        format!("{p}/fund")
    }
    /// A year's budget.
    pub fn budget(p: &str, y: Year) -> String {
        format!("{p}/{y}/budget")
    }
    /// A firm's vouchers of a year.
    pub fn voucher(p: &str, y: Year, f: &EnterpriseId) -> String {
        format!("{p}/{y}/voucher/{f}")
    }
    /// A provider's payable.
    pub fn provider(p: &str, prov: &str) -> String {
        format!("{p}/provider/{prov}")
    }
    /// What the issuing fund owes another region.
    pub fn due(p: &str, r: RegionCode) -> String {
        format!("{p}/due/{r}")
    }
    /// Another region's claim on the issuing fund.
    pub fn claim(p: &str, r: RegionCode) -> String {
        format!("{p}/claim/{r}")
    }
    /// A firm's clawback receivable.
    pub fn receivable(p: &str, y: Year, f: &EnterpriseId) -> String {
        format!("{p}/{y}/receivable/{f}")
    }
}
