//! One module per subcommand group; each owns its argument types and its `run`. Options
//! shared by several groups are here.

use clap::{Args, ValueEnum};
use compute_scheduler::PolicyKind;
use registry_model::Year;

pub mod challenge;
pub mod compute;
pub mod cycle;
pub mod finance;
pub mod finance_line;
pub mod index;
pub mod panel;
pub mod purchase;
pub mod registry;
pub mod rules;
pub mod scenario;
pub mod voucher;

/// `--request-id ID`, the idempotency key every write takes (the ledger keeps each request
/// with its reply).
#[derive(Debug, Args)]
pub struct RequestIdArg {
    /// Idempotency key of this write: repeating it returns the first reply; reusing it for
    /// another request is refused.
    #[arg(long, value_name = "ID")]
    pub request_id: String,
}

/// The placement policies, as named on the command line (`--placement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlacementArg {
    /// First come, first served.
    Fifo,
    /// Cheapest feasible cluster after vouchers.
    Greedy,
    /// Weighted dominant-resource fair share between firms and tiers.
    Fair,
    /// EASY backfill on declared durations.
    Backfill,
}

impl PlacementArg {
    /// The scheduler's policy.
    pub fn kind(self) -> PolicyKind {
        match self {
            PlacementArg::Fifo => PolicyKind::Fifo,
            PlacementArg::Greedy => PolicyKind::Greedy,
            PlacementArg::Fair => PolicyKind::Fair,
            PlacementArg::Backfill => PolicyKind::Backfill,
        }
    }
}

/// Parses `--years FIRST..LAST` (also `FIRST..=LAST`), or a single year `Y` as `Y..Y`: an
/// inclusive range of statistical years, the same on every command.
pub fn parse_years(text: &str) -> Result<(Year, Year), String> {
    let t = text.trim();
    let (a, b) = match t.split_once("..") {
        Some((a, b)) => (a, b.trim_start_matches('=')),
        None => (t, t),
    };
    let year = |s: &str| -> Result<Year, String> {
        s.trim()
            .parse::<Year>()
            .ok()
            .filter(|y| {
                (registry_model::report::YEAR_MIN..=registry_model::report::YEAR_MAX).contains(y)
            })
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a year in {}..={}",
                    registry_model::report::YEAR_MIN,
                    registry_model::report::YEAR_MAX
                )
            })
    };
    let (a, b) = (year(a)?, year(b)?);
    if a > b {
        return Err(format!("'{text}': the first year is after the last"));
    }
    Ok((a, b))
}

/// `--years FIRST..LAST` as a clap argument value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Years {
    /// First year.
    pub first: Year,
    /// Last year (inclusive).
    pub last: Year,
}

impl std::str::FromStr for Years {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_years(s).map(|(first, last)| Years { first, last })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_mean_an_inclusive_range_everywhere() {
        assert_eq!(parse_years("2021..2025"), Ok((2021, 2025)));
        assert_eq!(parse_years("2021..=2025"), Ok((2021, 2025)));
        assert_eq!(parse_years("2025"), Ok((2025, 2025)));
        assert!(parse_years("2025..2021").is_err());
        assert!(parse_years("x..2021").is_err());
        assert!(parse_years("2147483640").is_err());
    }
}
