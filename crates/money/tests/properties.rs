//! Properties of the money rules, checked against independent computations in `Decimal`
//! (exact for these magnitudes) rather than against the integer code they test.

use money::{MONEY_FEN_MAX, Money, Ratio, div_half_up, ratio_floor_fen, split_by_weights};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn amount_fen() -> impl Strategy<Value = i64> {
    -MONEY_FEN_MAX..=MONEY_FEN_MAX
}

/// A ratio in [0, 1] with 0 to 12 decimal places.
fn ratio() -> impl Strategy<Value = Decimal> {
    (0u32..=12).prop_flat_map(|scale| {
        let den = 10i64.pow(scale);
        (0..=den).prop_map(move |m| Decimal::new(m, scale))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// fen → Money → text → Money, and → JSON → Money, give back the same amount.
    #[test]
    fn text_and_serde_round_trip(fen in amount_fen()) {
        let m = Money::from_fen(fen).unwrap();
        let text = m.to_string();
        prop_assert_eq!(text.parse::<Money>().unwrap(), m);
        prop_assert_eq!(Money::from_yuan(m.yuan()).unwrap(), m);
        let json = serde_json::to_string(&m).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        // Two decimals, always.
        prop_assert_eq!(text.split('.').nth(1).map(str::len), Some(2));
    }

    /// A yuan value with a third decimal that is not zero is refused, never rounded.
    #[test]
    fn fractions_of_a_fen_are_refused(fen in amount_fen(), tenth in 1i64..=9) {
        let mill = i128::from(fen) * 10 + i128::from(if fen < 0 { -tenth } else { tenth });
        let yuan = Decimal::from_i128_with_scale(mill, 3);
        prop_assert!(Money::from_yuan(yuan).is_err());
    }

    /// Floor rounding never exceeds the exact product and misses it by less than a fen.
    #[test]
    fn floor_never_exceeds_the_exact_product(amount in 0u64..=(MONEY_FEN_MAX as u64), r in ratio()) {
        let floor = ratio_floor_fen(amount, r).unwrap();
        let exact = Decimal::from(amount) * r;
        prop_assert!(Decimal::from(floor) <= exact);
        prop_assert!(exact - Decimal::from(floor) < Decimal::ONE);
        prop_assert!(floor <= amount);
        // The same through Money, signed.
        let m = Money::from_fen(amount as i64).unwrap();
        prop_assert_eq!(m.floor_ratio(Ratio::new(r).unwrap()).fen(), floor as i64);
        let neg = Money::from_fen(-(amount as i64)).unwrap().floor_ratio(Ratio::new(r).unwrap());
        prop_assert!(Decimal::from(neg.fen()) <= -exact);
        prop_assert!(-exact - Decimal::from(neg.fen()) < Decimal::ONE);
    }

    /// Half-up division is the nearest integer, halves away from zero.
    #[test]
    fn half_up_is_nearest(num in -(1i128 << 60)..(1i128 << 60), den in 1i128..1_000_000) {
        let q = div_half_up(num, den).unwrap();
        let exact = Decimal::from_i128_with_scale(num, 0) / Decimal::from_i128_with_scale(den, 0);
        let expect = exact.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        prop_assert_eq!(Decimal::from_i128_with_scale(q, 0), expect);
    }

    /// A split hands out exactly the total, each part within one fen of its exact quota.
    #[test]
    fn split_sums_to_the_whole(
        total in 0u64..=(MONEY_FEN_MAX as u64),
        ws in proptest::collection::vec((0u64..1_000_000, 0u32..4), 1..30),
    ) {
        let weights: Vec<(String, Decimal)> = ws.iter().enumerate()
            .map(|(i, &(m, s))| (format!("p{i}"), Decimal::new(m as i64, s)))
            .collect();
        let wsum: Decimal = weights.iter().map(|w| w.1).sum();
        let parts = match split_by_weights(total, &weights) {
            Ok(p) => p,
            Err(e) => {
                prop_assert!(wsum.is_zero(), "{e}");
                return Ok(());
            }
        };
        prop_assert_eq!(parts.len(), weights.len());
        let sum: u128 = parts.iter().map(|&p| u128::from(p)).sum();
        prop_assert_eq!(sum, u128::from(total));
        for (p, (_, w)) in parts.iter().zip(&weights) {
            let exact = Decimal::from(total) * *w / wsum;
            prop_assert!((Decimal::from(*p) - exact).abs() < Decimal::ONE, "{} vs {}", p, exact);
        }
    }
}
