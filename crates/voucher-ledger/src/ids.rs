//! Identifiers at the book's boundary, normalised and validated once.
//!
//! A rule that compares identifiers (the related-party ban, a contract claimed once, an
//! approved provider) is only as strong as the identifiers are canonical: `…017f` and `…017F`,
//! or `szdex` and ` szdex`, must be one party. So every identifier a request carries is put in
//! its normal form before the request is hashed, planned or journaled
//! ([`crate::VoucherBook::execute`]):
//!
//! - a USCC by `registry_model::EnterpriseId`'s parser, the one function for it (trimmed,
//!   upper-cased, checked); a provider id that is a USCC is written the same way, so a firm's
//!   own code as provider is recognised however it is spelt (legacy codes with a wrong check
//!   character included);
//! - provider ids ([`provider_id`]): trimmed, 1–[`PROVIDER_ID_LEN_MAX`] bytes, no control
//!   characters and no `/` (account names use it as a separator);
//! - contract ids ([`contract_id`]): trimmed, 1–[`CONTRACT_ID_LEN_MAX`] bytes, no control
//!   characters: the same text rules as request ids ([`check_id_text`]).
//!
//! Requests already in a journal replay exactly as they were recorded.

use registry_model::{EnterpriseId, LegacyPolicy};

use crate::error::{LedgerError, Result};

/// The longest request id, in bytes.
pub const REQUEST_ID_LEN_MAX: usize = 200;

/// The longest provider id, in bytes.
pub const PROVIDER_ID_LEN_MAX: usize = 64;

/// The longest contract id, in bytes (as long as a request id).
pub const CONTRACT_ID_LEN_MAX: usize = REQUEST_ID_LEN_MAX;

/// Why an identifier's text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdFault {
    /// Empty or only white space.
    Empty,
    /// Longer than its limit.
    TooLong,
    /// Holds a control character (a newline, a tab, NUL, …).
    ControlCharacter,
}

/// The text rules every identifier shares (request, contract and provider ids): not empty or
/// blank, at most `len_max` bytes, no control characters.
pub fn check_id_text(text: &str, len_max: usize) -> std::result::Result<(), IdFault> {
    if text.trim().is_empty() {
        return Err(IdFault::Empty);
    }
    if text.len() > len_max {
        return Err(IdFault::TooLong);
    }
    if text.chars().any(char::is_control) {
        return Err(IdFault::ControlCharacter);
    }
    Ok(())
}

/// A provider id in its normal form: trimmed; a USCC upper-cased as `EnterpriseId` writes it;
/// 1–64 bytes without control characters or `/`. `program` names the program in the error
/// (`-` when there is none, as for a relation).
///
/// ```
/// use voucher_ledger::ids::provider_id;
/// assert_eq!(provider_id("  szdex ", "-").unwrap(), "szdex");
/// // A USCC is one party however it is spelt.
/// assert_eq!(provider_id(" 91330101589882738d", "-").unwrap(), "91330101589882738D");
/// assert!(provider_id("a/b", "-").is_err());
/// assert!(provider_id(" \t", "-").is_err());
/// ```
pub fn provider_id(raw: &str, program: &str) -> Result<String> {
    let t = raw.trim();
    if let Ok(id) = EnterpriseId::parse_with(t, LegacyPolicy::Accept) {
        return Ok(id.to_string());
    }
    let bad = |fault: &str| LedgerError::ProgramInvalid {
        program: program.to_string(),
        field: "provider".into(),
        value: raw.to_string(),
        reason: format!(
            "{fault}: a provider id is 1–{PROVIDER_ID_LEN_MAX} bytes without '/' or control characters"
        ),
    };
    check_id_text(t, PROVIDER_ID_LEN_MAX).map_err(|f| {
        bad(match f {
            IdFault::Empty => "empty",
            IdFault::TooLong => "too long",
            IdFault::ControlCharacter => "contains control characters",
        })
    })?;
    if t.contains('/') {
        return Err(bad("contains '/'"));
    }
    Ok(t.to_string())
}

/// A contract id in its normal form: trimmed, 1–200 bytes, no control characters.
///
/// ```
/// use voucher_ledger::ids::contract_id;
/// assert_eq!(contract_id(" C-1 ").unwrap(), "C-1");
/// assert!(contract_id("C\n1").is_err());
/// ```
pub fn contract_id(raw: &str) -> Result<String> {
    let t = raw.trim();
    check_id_text(t, CONTRACT_ID_LEN_MAX).map_err(|reason| LedgerError::InvalidContractId {
        contract_id: raw.to_string(),
        reason: match reason {
            IdFault::Empty => "empty (a contract id is 1–200 bytes without control characters)",
            IdFault::TooLong => "longer than 200 bytes",
            IdFault::ControlCharacter => "contains control characters",
        },
    })?;
    Ok(t.to_string())
}
