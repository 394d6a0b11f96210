//! Exact sums of money: in i128, refused beyond the money type's range instead of wrapping or
//! saturating in silence.

use registry_model::Money;
use registry_model::money::MONEY_FEN_MAX;

use crate::error::{MarketError, Result};

/// The exact sum of `xs`; an error naming `what` beyond ±[`MONEY_FEN_MAX`] fen.
pub(crate) fn money_total(
    what: &'static str,
    xs: impl IntoIterator<Item = Money>,
) -> Result<Money> {
    let sum: i128 = xs.into_iter().map(|m| i128::from(m.fen())).sum();
    i64::try_from(sum)
        .ok()
        .and_then(Money::from_fen)
        .ok_or(MarketError::Limit {
            what,
            value: u64::try_from(sum.unsigned_abs()).unwrap_or(u64::MAX),
            limit: MONEY_FEN_MAX as u64,
        })
}

/// The sum of `xs` in fen as i128 (never overflows for fewer than 2^64 amounts).
pub(crate) fn fen_total(xs: impl IntoIterator<Item = Money>) -> i128 {
    xs.into_iter().map(|m| i128::from(m.fen())).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact_or_refused() {
        let big = Money::from_fen(MONEY_FEN_MAX).unwrap();
        assert!(money_total("t", [big, Money::from_fen(1).unwrap()]).is_err());
        assert_eq!(money_total("t", [big]).unwrap(), big);
        assert_eq!(fen_total([big, big]), 2 * i128::from(MONEY_FEN_MAX));
    }
}
