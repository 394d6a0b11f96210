//! The default voucher programs shipped in `data/vouchers/`, embedded so the library and the
//! binary work from any directory. Numbers come from the real rounds in the project's
//! reference (each file's `source` says which); what the reference does not give is stated in
//! each file's `notes`.

use chrono::NaiveDate;

use crate::error::Result;
use crate::program::Program;

/// The default program files: (file name, TOML text).
pub const PROGRAM_FILES: [(&str, &str); 7] = [
    (
        "hangzhou-compute-2024.toml",
        include_str!("../../../data/vouchers/hangzhou-compute-2024.toml"),
    ),
    (
        "shenzhen-training-compute-2024.toml",
        include_str!("../../../data/vouchers/shenzhen-training-compute-2024.toml"),
    ),
    (
        "shenzhen-corpus-2024.toml",
        include_str!("../../../data/vouchers/shenzhen-corpus-2024.toml"),
    ),
    (
        "chengdu-compute-2025.toml",
        include_str!("../../../data/vouchers/chengdu-compute-2025.toml"),
    ),
    (
        "beijing-compute-2023.toml",
        include_str!("../../../data/vouchers/beijing-compute-2023.toml"),
    ),
    (
        "zhejiang-innovation.toml",
        include_str!("../../../data/vouchers/zhejiang-innovation.toml"),
    ),
    (
        "shandong-corpus.toml",
        include_str!("../../../data/vouchers/shandong-corpus.toml"),
    ),
];

/// The default programs, parsed and validated.
///
/// ```
/// let programs = voucher_ledger::defaults::programs().unwrap();
/// assert_eq!(programs.len(), 7);
/// assert!(programs.iter().any(|p| p.id == "hangzhou-compute-2024"));
/// ```
pub fn programs() -> Result<Vec<Program>> {
    PROGRAM_FILES
        .iter()
        .map(|(file, text)| Program::from_toml(text, &format!("data/vouchers/{file}")))
        .collect()
}

/// The default programs open on `date` (grants possible that day).
pub fn programs_open_on(date: NaiveDate) -> Result<Vec<Program>> {
    Ok(programs()?
        .into_iter()
        .filter(|p| p.is_open_on(date))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    /// The numbers of the reference table (shared/design/reference.md, "Voucher programs"),
    /// typed in again here by hand: a typo in a shipped file fails this test.
    #[test]
    fn shipped_programs_carry_the_reference_numbers() {
        let ps = programs().unwrap();
        let get = |id: &str| ps.iter().find(|p| p.id == id).unwrap();
        let row = |id: &str| {
            let p = get(id);
            (p.annual_budget_yuan, p.cap_per_firm_yuan, p.ratio.default)
        };
        assert_eq!(
            row("hangzhou-compute-2024"),
            (Some(dec!(250000000)), dec!(8000000), dec!(0.20))
        );
        assert_eq!(
            get("hangzhou-compute-2024")
                .ratio
                .by_category
                .get("domestic_chip"),
            Some(&dec!(0.30))
        );
        assert_eq!(
            get("hangzhou-compute-2024")
                .ratio
                .by_category
                .get("filed_model"),
            Some(&dec!(0.30))
        );
        assert_eq!(
            row("shenzhen-training-compute-2024"),
            (Some(dec!(500000000)), dec!(10000000), dec!(0.50))
        );
        assert_eq!(
            get("shenzhen-training-compute-2024")
                .ratio
                .by_tier
                .get(&registry_model::Tier::Potential),
            Some(&dec!(0.60))
        );
        assert_eq!(
            row("shenzhen-corpus-2024"),
            (Some(dec!(50000000)), dec!(2000000), dec!(0.30))
        );
        assert!(get("shenzhen-corpus-2024").providers.related_party_ban);
        assert_eq!(
            row("chengdu-compute-2025"),
            (Some(dec!(100000000)), dec!(5000000), dec!(0.60))
        );
        assert_eq!(
            row("beijing-compute-2023"),
            (None, dec!(2000000), Decimal::ONE)
        );
        assert!(get("beijing-compute-2023").eligibility.require_clean_credit);
        assert!(get("beijing-compute-2023").providers.related_party_ban);
        assert_eq!(row("zhejiang-innovation").1, dec!(100000));
        assert_eq!(
            get("zhejiang-innovation").cap_per_application_yuan,
            Some(dec!(20000))
        );
        assert_eq!(row("shandong-corpus").1, dec!(750000));
        assert_eq!(
            get("shandong-corpus").cap_bonus_excellent_yuan,
            Some(dec!(750000))
        );
        assert!(get("shandong-corpus").clawback.on_failing_rating);
        for p in &ps {
            assert!(!p.source.is_empty(), "{} has no source", p.id);
        }
    }
}
