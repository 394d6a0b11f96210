//! USCC parsing (`EnterpriseId`, GB 32100-2015) and region codes: no panic; a code that parses
//! is 18 characters of its alphabet, upper case, with the right check character (or flagged
//! legacy), and parses again to itself (normalisation is idempotent, so one firm has one key).

use crate::text;
use registry_model::id::uscc_check_char;
use registry_model::{EnterpriseId, LegacyPolicy, RegionCode};

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let Some(s) = text(data) else { return };
    for policy in [LegacyPolicy::Reject, LegacyPolicy::Accept] {
        let Ok(id) = EnterpriseId::parse_with(s, policy) else {
            continue;
        };
        let code = id.as_str();
        assert_eq!(code.len(), 18, "{code}");
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
            "{code}"
        );
        let check = uscc_check_char(&code[..17]);
        if policy == LegacyPolicy::Reject || !id.is_legacy() {
            assert_eq!(check, code.chars().nth(17), "{code}");
        }
        let again = EnterpriseId::parse_with(code, policy).expect("a parsed code parses again");
        assert_eq!(again, id);
        assert_eq!(id.to_string(), code);
        let _ = id.region();
        let _ = id.org_code_valid();
    }
    if let Ok(r) = RegionCode::parse(s) {
        let again = RegionCode::parse(&r.to_string()).expect("a parsed region parses again");
        assert_eq!(again, r);
    }
}
