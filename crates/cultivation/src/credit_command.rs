//! The operations on a program's 云量贷 lines ([`crate::credit_desk`]), one type each, kept
//! with their request on the ledger. With the `clap` feature each order is also the options
//! of its command line verb (`finance fund`, `finance line grant|draw|repay|default`).

use chrono::NaiveDate;
use finance::Fund;
use registry_model::EnterpriseId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The program puts money into its subsidy budget or its risk pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct FundOrder {
    /// The fund.
    #[cfg_attr(feature = "clap", arg(long, value_enum))]
    pub fund: Fund,
    /// Amount, yuan.
    #[cfg_attr(feature = "clap", arg(long, value_name = "YUAN"))]
    pub amount_yuan: Decimal,
    /// The date.
    #[cfg_attr(feature = "clap", arg(long, value_name = "DATE"))]
    pub date: NaiveDate,
}

/// Decide a firm's line and grant it when eligible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct GrantOrder {
    /// The borrower.
    #[cfg_attr(feature = "clap", arg(long, value_name = "USCC"))]
    pub firm: EnterpriseId,
    /// The new line's id (1–64 ASCII letters, digits or . _ - :).
    #[cfg_attr(feature = "clap", arg(long, value_name = "LINE"))]
    pub line: String,
    /// The lending bank's id.
    #[cfg_attr(feature = "clap", arg(long, value_name = "BANK"))]
    pub bank: String,
    /// The decision date: spend over the product's window to it, registry facts of the year
    /// before.
    #[cfg_attr(feature = "clap", arg(long, value_name = "DATE"))]
    pub date: NaiveDate,
}

/// The firm draws principal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct DrawOrder {
    /// The line.
    pub line: String,
    /// The date.
    #[cfg_attr(feature = "clap", arg(long, value_name = "DATE"))]
    pub date: NaiveDate,
    /// Amount, yuan.
    #[cfg_attr(feature = "clap", arg(long, value_name = "YUAN"))]
    pub amount_yuan: Decimal,
}

/// The firm pays interest (the program pays its subsidy on it), then principal; at least
/// one of the two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct RepayOrder {
    /// The line.
    pub line: String,
    /// The date.
    #[cfg_attr(feature = "clap", arg(long, value_name = "DATE"))]
    pub date: NaiveDate,
    /// Interest paid, yuan (settled before the principal; oldest interest first).
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "YUAN", required_unless_present = "principal_yuan")
    )]
    pub interest_yuan: Option<Decimal>,
    /// Principal repaid, yuan.
    #[cfg_attr(feature = "clap", arg(long, value_name = "YUAN"))]
    pub principal_yuan: Option<Decimal>,
}

/// The line is in default: the claim is settled against the pool; with `write_off` the
/// bank's remaining claim is written off as its loss at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct DefaultOrder {
    /// The line.
    pub line: String,
    /// The date.
    #[cfg_attr(feature = "clap", arg(long, value_name = "DATE"))]
    pub date: NaiveDate,
    /// Also write the bank's open claim off as its loss.
    #[cfg_attr(feature = "clap", arg(long))]
    pub write_off: bool,
}

/// One operation on a program's lines (kept as `{"verb": "grant", …fields}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "snake_case")]
pub enum CreditCommand {
    /// Money into a fund.
    Fund(FundOrder),
    /// A line decided and, when eligible, granted.
    Grant(GrantOrder),
    /// Principal drawn.
    Draw(DrawOrder),
    /// Interest paid and/or principal repaid.
    Repay(RepayOrder),
    /// A line in default.
    Default(DefaultOrder),
}

impl CreditCommand {
    /// The verb's key (`grant`, `draw` …).
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Fund(_) => "fund",
            Self::Grant(_) => "grant",
            Self::Draw(_) => "draw",
            Self::Repay(_) => "repay",
            Self::Default(_) => "default",
        }
    }

    /// The line it acts on (none for funding).
    pub fn line(&self) -> Option<&str> {
        match self {
            Self::Fund(_) => None,
            Self::Grant(GrantOrder { line, .. })
            | Self::Draw(DrawOrder { line, .. })
            | Self::Repay(RepayOrder { line, .. })
            | Self::Default(DefaultOrder { line, .. }) => Some(line),
        }
    }

    /// The date it happens on.
    pub fn date(&self) -> NaiveDate {
        match self {
            Self::Fund(FundOrder { date, .. })
            | Self::Grant(GrantOrder { date, .. })
            | Self::Draw(DrawOrder { date, .. })
            | Self::Repay(RepayOrder { date, .. })
            | Self::Default(DefaultOrder { date, .. }) => *date,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests already on ledgers were kept as `{"verb": …, fields}`: the same JSON reads
    /// back as the same command.
    #[test]
    fn a_kept_request_reads_back_in_the_struct_variant_form() {
        let kept = r#"{"verb":"repay","line":"YLP-0001","date":"2025-07-14","interest_yuan":"8625","principal_yuan":null}"#;
        let c: CreditCommand = serde_json::from_str(kept).unwrap();
        assert_eq!(c.verb(), "repay");
        assert_eq!(c.line(), Some("YLP-0001"));
        assert_eq!(serde_json::to_string(&c).unwrap(), kept);
    }
}
