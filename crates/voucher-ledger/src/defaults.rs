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
