//! Splitting a total by weights, exact to the fen, by the largest remainder rule:
//!
//! 1. each party's exact quota is `total × weight / Σ weights`;
//! 2. each party first gets its quota rounded DOWN to the fen;
//! 3. the fen left over (fewer than the number of parties) go one each to the parties with
//!    the largest fractional remainders (the largest remainder, or Hamilton, method);
//! 4. ties in the remainder go to the larger weight, then to the party listed first.
//!
//! So the parts always add up to the whole, no part differs from its exact quota by a fen or
//! more, and the result depends on the input order only for exact ties.

use rust_decimal::Decimal;

use crate::error::MoneyError;
use crate::wide::mul_div_rem;

/// The most parties in one split (bounds the sort of the remainders).
pub const PARTS_MAX: usize = 10_000;

/// Splits `total_fen` among labelled weights by the largest remainder rule of this module,
/// returning each party's fen in input order. Weights must be non-negative with a positive
/// sum; errors name the party by its label.
///
/// ```
/// use rust_decimal_macros::dec;
/// // 1000 fen by 1:2:3 → 166.67, 333.33, 500: floors 166, 333, 500, and the fen left goes
/// // to the largest remainder (0.67, party a).
/// let parts = money::split_by_weights(1000, &[("a", dec!(1)), ("b", dec!(2)), ("c", dec!(3))])?;
/// assert_eq!(parts, vec![167, 333, 500]);
/// assert!(money::split_by_weights(5, &[("a", dec!(0))]).is_err());
/// # Ok::<(), money::MoneyError>(())
/// ```
pub fn split_by_weights<L: AsRef<str>>(
    total_fen: u64,
    weights: &[(L, Decimal)],
) -> Result<Vec<u64>, MoneyError> {
    if weights.is_empty() {
        return Err(MoneyError::weights("weights".into(), "", "no parties"));
    }
    if weights.len() > PARTS_MAX {
        return Err(MoneyError::weights(
            "weights".into(),
            weights.len(),
            "more parties than the limit of 10,000",
        ));
    }
    // Bring every weight to one scale so they are exact integers (≤ 2^96 · 10^28 < 2^190:
    // a weight that does not fit u128 at the common scale is refused).
    let scale = weights.iter().map(|(_, w)| w.scale()).max().unwrap_or(0);
    let mut ints: Vec<u128> = Vec::with_capacity(weights.len());
    for (party, w) in weights {
        let field = || format!("weight of party '{}'", party.as_ref());
        if w.is_sign_negative() && !w.is_zero() {
            return Err(MoneyError::weights(field(), w, "negative"));
        }
        let m = u128::try_from(w.mantissa()).unwrap_or(0);
        let v = 10u128
            .checked_pow(scale - w.scale())
            .and_then(|f| m.checked_mul(f))
            .ok_or_else(|| MoneyError::weights(field(), w, "too large at the common scale"))?;
        ints.push(v);
    }
    let sum = ints
        .iter()
        .try_fold(0u128, |acc, &v| acc.checked_add(v))
        .ok_or_else(|| MoneyError::weights("weights".into(), "Σ", "sum of weights too large"))?;
    if sum == 0 {
        return Err(MoneyError::weights(
            "weights".into(),
            0,
            "weights sum to zero",
        ));
    }
    let total = u128::from(total_fen);
    let mut floors = Vec::with_capacity(ints.len());
    let mut rems = Vec::with_capacity(ints.len());
    let mut handed: u128 = 0;
    for &w in &ints {
        // w ≤ sum, so the quotient ≤ total: it always exists.
        let (q, r) = mul_div_rem(total, w, sum).unwrap_or((0, 0));
        floors.push(q);
        rems.push(r);
        handed += q;
    }
    // Σ floors > total − parties, so fewer fen than parties are left.
    let left = total.saturating_sub(handed);
    let mut order: Vec<usize> = (0..ints.len()).collect();
    // Largest remainder first; ties: larger weight, then earlier in the input.
    order.sort_by(|&a, &b| {
        rems.get(b)
            .cmp(&rems.get(a))
            .then(ints.get(b).cmp(&ints.get(a)))
            .then(a.cmp(&b))
    });
    for &i in order
        .iter()
        .take(usize::try_from(left).unwrap_or(usize::MAX))
    {
        if let Some(f) = floors.get_mut(i) {
            *f += 1;
        }
    }
    let parts: Vec<u64> = floors
        .into_iter()
        .map(|f| u64::try_from(f).unwrap_or(u64::MAX))
        .collect();
    // The rule's promise, asserted where it is made.
    debug_assert_eq!(parts.iter().map(|&p| u128::from(p)).sum::<u128>(), total);
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn golden_splits() {
        // Tie in remainder: 5 fen over weights 2,1,1 → 2.5, 1.25, 1.25: floors 2,1,1, one left
        // to the largest remainder 0.5 → party a.
        let p = split_by_weights(5, &[("a", dec!(2)), ("b", dec!(1)), ("c", dec!(1))]).unwrap();
        assert_eq!(p, vec![3, 1, 1]);
        // 2 fen over 1,1,1: remainders tie everywhere → first two listed.
        let p = split_by_weights(2, &[("a", dec!(1)), ("b", dec!(1)), ("c", dec!(1))]).unwrap();
        assert_eq!(p, vec![1, 1, 0]);
        // Mixed scales: 0.5 and 1.25 → 2:5 of 700 fen = 200, 500.
        let p = split_by_weights(700, &[("a", dec!(0.5)), ("b", dec!(1.25))]).unwrap();
        assert_eq!(p, vec![200, 500]);
        // The largest total with huge weights needs the wide product.
        let big = Decimal::MAX;
        let p = split_by_weights(u64::MAX, &[("a", big), ("b", big)]).unwrap();
        assert_eq!(p, vec![u64::MAX / 2 + 1, u64::MAX / 2]);
    }

    #[test]
    fn bad_weights_are_named() {
        let e = split_by_weights(5, &[("a", dec!(-1)), ("b", dec!(2))]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "weight of party 'a': '-1' cannot split a total: negative"
        );
        let e = split_by_weights(5, &[("a", dec!(0)), ("b", dec!(0))]).unwrap_err();
        assert!(e.to_string().contains("weights sum to zero"), "{e}");
        assert!(split_by_weights::<&str>(5, &[]).is_err());
        let many: Vec<(String, Decimal)> =
            (0..=PARTS_MAX).map(|i| (i.to_string(), dec!(1))).collect();
        assert!(split_by_weights(5, &many).is_err());
        // 10^-28 next to 7.9·10^28 cannot be brought to one integer scale.
        let e = split_by_weights(
            5,
            &[
                ("a", Decimal::MAX),
                ("b", dec!(0.0000000000000000000000000001)),
            ],
        );
        assert!(e.is_err());
    }
}
