//! Exact `a × b / d` in 256-bit intermediate arithmetic, for products of amounts and ratios
//! (or weights) that do not fit `u128`.

const LOW64: u128 = u64::MAX as u128;

/// The full 256-bit product of `a` and `b`, as (high, low) 128-bit halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & LOW64);
    let (b1, b0) = (b >> 64, b & LOW64);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Each term is below 2^64, so the sum is below 3·2^64: no overflow.
    let mid = (p00 >> 64) + (p01 & LOW64) + (p10 & LOW64);
    let low = (p00 & LOW64) | (mid << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (high, low)
}

/// `a × b / d` as (quotient, remainder), exact: `a × b = quotient × d + remainder` with
/// `remainder < d`. `None` when `d` is 0 or the quotient does not fit `u128`.
///
/// ```
/// // 10^20 × 10^28 / 10^28 does not fit u128 on the way, and is exact here.
/// let (q, r) = money::mul_div_rem(10u128.pow(20), 10u128.pow(28), 10u128.pow(28)).unwrap();
/// assert_eq!((q, r), (10u128.pow(20), 0));
/// assert_eq!(money::mul_div_rem(7, 5, 3), Some((11, 2)));
/// ```
pub fn mul_div_rem(a: u128, b: u128, d: u128) -> Option<(u128, u128)> {
    if d == 0 {
        return None;
    }
    if let Some(p) = a.checked_mul(b) {
        return Some((p / d, p % d));
    }
    let (high, low) = mul_wide(a, b);
    if high >= d {
        // The quotient would need more than 128 bits.
        return None;
    }
    // Long division of (high, low) by d, one bit of `low` at a time; the running remainder
    // stays below d, so doubling it overflows at most by one bit (`carry`).
    let mut rem = high;
    let mut quot = 0u128;
    for i in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((low >> i) & 1);
        quot <<= 1;
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            quot |= 1;
        }
    }
    Some((quot, rem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wide_product_golden() {
        // (2^128 - 1)^2 = 2^256 - 2^129 + 1: high = 2^128 - 2, low = 1.
        assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
        assert_eq!(mul_wide(1 << 64, 1 << 64), (1, 0));
        assert_eq!(
            mul_div_rem(u128::MAX, u128::MAX, u128::MAX),
            Some((u128::MAX, 0))
        );
        assert_eq!(mul_div_rem(u128::MAX, 2, 1), None);
        assert_eq!(mul_div_rem(1, 1, 0), None);
    }

    proptest! {
        #[test]
        fn quotient_and_remainder_rebuild_the_product(a: u128, b: u128, d in 1u128..) {
            if let Some((q, r)) = mul_div_rem(a, b, d) {
                prop_assert!(r < d);
                // q·d + r must equal a·b, checked in 256 bits.
                let (qh, ql) = mul_wide(q, d);
                let (low, carry) = ql.overflowing_add(r);
                prop_assert_eq!((qh + u128::from(carry), low), mul_wide(a, b));
            } else {
                prop_assert!(mul_wide(a, b).0 >= d);
            }
        }
    }
}
