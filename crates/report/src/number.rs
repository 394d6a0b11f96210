//! Numbers and money as text: the one place that decides how a figure looks, in each
//! language.
//!
//! Tables for people round; CSV and JSON carry full precision and never depend on the
//! language. Money is exact yuan (`rust_decimal::Decimal`), never a float, and never loses a
//! fen on its way to a program.
//!
//! # Money for people
//!
//! Every amount for people goes through [`money`] (a table cell) or [`money_text`] (a
//! sentence, a chart label). The rule:
//!
//! | language | where | amount | shown as | rounding |
//! |---|---|---|---|---|
//! | en | table cell | any | `515,917,000.00` (the column says yuan) | none: exact to the fen |
//! | en | sentence, chart | any | `¥515,917,000.00` | none: exact to the fen |
//! | zh | table cell | below ¥1万 | `1,234.50元` | none: exact to the fen |
//! | zh | table cell | ¥1万 and above | `51,591.70万元` | to 0.01 万元 (¥100) |
//! | zh | sentence, chart | below ¥1万 | `¥1,234.50` | none: exact to the fen |
//! | zh | sentence, chart | ¥1万 to below ¥1亿 | `¥1,266.20万` | to 0.01 万 (¥100) |
//! | zh | sentence, chart | ¥1亿 and above | `¥5.16亿` | to 0.01 亿 (¥1,000,000) |
//!
//! Rounding is half away from zero (¥155 is 0.02万, ¥145 is 0.01万), the convention of
//! Chinese statistical tables (四舍五入). The unit is chosen after rounding, so ¥99,999,999
//! reads `¥1.00亿`, never `¥10,000.00万`. Digits are grouped by three with commas in both
//! languages (`51,591.70万元`, as the statistical yearbooks print them). A negative amount
//! keeps its sign in front (`-¥1,234.50`, `-1,234.50元`).

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::lang::Lang;

/// ¥1万 (ten thousand yuan).
const WAN: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);
/// ¥1亿 (a hundred million yuan), in 万.
const WAN_PER_YI: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// Money for people in English prose (`¥143,900,000.00`): exact to the fen, grouped.
pub fn yuan(d: Decimal) -> String {
    money_text(d, Lang::En)
}

/// Money for programs: the exact yuan as a decimal string (`1234.50`).
pub fn yuan_exact(d: Decimal) -> String {
    d.to_string()
}

/// `d` rounded half away from zero to `dp` decimals, digits grouped by three, exactly `dp`
/// decimals shown (`1234567.5` at 2 → `1,234,567.50`).
pub fn grouped(d: Decimal, dp: u32) -> String {
    let r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", dp as usize, r.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
    if r.is_sign_negative() && !r.is_zero() {
        out.push('-');
    }
    out.push_str(&group_digits(int));
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The sign in front of the text of the magnitude (`-¥…`); zero has none.
fn signed(d: Decimal, body: impl FnOnce(Decimal) -> String) -> String {
    if d.is_sign_negative() && !d.is_zero() {
        format!("-{}", body(d.abs()))
    } else {
        body(d)
    }
}

/// The amount in 万, rounded half away from zero to 0.01 万 (¥100).
fn in_wan(d: Decimal) -> Decimal {
    (d / WAN).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Money in a table cell for people (see the module's rule): `515,917,000.00` in English,
/// `51,591.70万元` or `1,234.50元` in Chinese.
pub fn money(d: Decimal, lang: Lang) -> String {
    match lang {
        Lang::En => grouped(d, 2),
        Lang::Zh => signed(d, |a| {
            if a >= WAN {
                format!("{}万元", grouped(in_wan(a), 2))
            } else {
                format!("{}元", grouped(a, 2))
            }
        }),
    }
}

/// Money in a sentence or on a chart (see the module's rule): `¥515,917,000.00` in English,
/// `¥5.16亿`, `¥1,266.20万` or `¥1,234.50` in Chinese.
pub fn money_text(d: Decimal, lang: Lang) -> String {
    signed(d, |a| match lang {
        Lang::En => format!("¥{}", grouped(a, 2)),
        Lang::Zh => {
            let wan = in_wan(a);
            if wan >= WAN_PER_YI {
                format!("¥{}亿", grouped(a / WAN / WAN_PER_YI, 2))
            } else if a >= WAN {
                format!("¥{}万", grouped(wan, 2))
            } else {
                format!("¥{}", grouped(a, 2))
            }
        }
    })
}

/// The unit money is drawn in on a chart's axis, with its divisor: 万元 in Chinese, millions
/// of yuan in English (both the units of the respective statistical yearbooks).
pub fn chart_money_unit(lang: Lang) -> (&'static str, f64) {
    match lang {
        Lang::En => ("¥ million", 1e6),
        Lang::Zh => ("万元", 1e4),
    }
}

/// Money as a number on a chart's axis in [`chart_money_unit`] (drawing only: exact amounts
/// are in the tables).
pub fn chart_money(d: Decimal, lang: Lang) -> Option<f64> {
    let (_, div) = chart_money_unit(lang);
    d.to_f64().map(|x| x / div).filter(|x| x.is_finite())
}

/// A number with `digits` decimals; empty for a value that is not finite.
pub fn fixed(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        String::new()
    }
}

/// A number with `digits` decimals and digits grouped by three (`12,345.6`); `-` for a
/// value that is not finite.
pub fn fixed_grouped(x: f64, digits: u32) -> String {
    match Decimal::from_f64_retain(x) {
        Some(d) if x.is_finite() => grouped(d, digits),
        _ => "-".into(),
    }
}

/// A number at full precision (the shortest text that reads back to the same value); empty
/// for a value that is not finite, so no `NaN` or `inf` ever reaches a file.
pub fn full(x: f64) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        String::new()
    }
}

/// Appends [`full`]`(x)` to `buf` without allocating: the same bytes, made by `ryu` (the
/// shortest digits that read back to `x`, as `Display` finds them) and written positionally
/// as `Display` writes them (`100`, not `100.0`). The rare value `ryu` would write with an
/// exponent (below 1e-5 or from 1e16 in magnitude) goes through `Display` itself.
pub fn push_full(buf: &mut Vec<u8>, x: f64, ryu: &mut ryu::Buffer) {
    if !x.is_finite() {
        return;
    }
    let s = ryu.format_finite(x).as_bytes();
    if s.contains(&b'e') {
        buf.extend_from_slice(x.to_string().as_bytes());
    } else if let Some(whole) = s.strip_suffix(b".0") {
        buf.extend_from_slice(whole);
    } else {
        buf.extend_from_slice(s);
    }
}

/// A share in [0, 1] as a percentage with one decimal (`30.5 %`).
pub fn percent(share: f64) -> String {
    percent_in(share, Lang::En)
}

/// A share in [0, 1] as a percentage with one decimal: `30.5 %` in English (SI spacing),
/// `30.5%` in Chinese; `-` for a value that is not finite.
pub fn percent_in(share: f64, lang: Lang) -> String {
    if share.is_finite() {
        format!("{:.1}{}", 100.0 * share, lang.pick(" %", "%"))
    } else {
        "-".into()
    }
}

/// A count with thousands separators (`1,234,567`), the same in both languages.
pub fn thousands(n: u64) -> String {
    group_digits(&n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn figures_look_the_same_everywhere() {
        assert_eq!(yuan(dec!(143900000.00)), "¥143,900,000.00");
        assert_eq!(yuan_exact(dec!(1234.50)), "1234.50");
        assert_eq!(fixed(2.0 / 3.0, 2), "0.67");
        assert_eq!(fixed(f64::NAN, 2), "");
        assert_eq!(full(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(full(f64::NEG_INFINITY), "");
        assert_eq!(percent(0.305), "30.5 %");
        assert_eq!(percent_in(0.305, Lang::Zh), "30.5%");
        assert_eq!(percent_in(f64::NAN, Lang::Zh), "-");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(fixed_grouped(12345.64, 1), "12,345.6");
        assert_eq!(fixed_grouped(f64::INFINITY, 1), "-");
    }

    fn pushed(x: f64) -> String {
        let mut buf = Vec::new();
        push_full(&mut buf, x, &mut ryu::Buffer::new());
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn push_full_writes_what_full_writes() {
        for x in [
            0.0,
            -0.0,
            1.0,
            100.0,
            -3.5,
            0.1 + 0.2,
            1e-5,
            1.5e-7,
            9.999e15,
            1e16,
            1e300,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            145.84757112138038,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(pushed(x), full(x), "{x:e}");
        }
        assert_eq!(pushed(100.0), "100");
        assert_eq!(pushed(1e16), "10000000000000000");
    }

    proptest::proptest! {
        // Any bit pattern: every finite double, subnormals and huge values included.
        #[test]
        fn push_full_is_display_for_every_double(bits: u64) {
            let x = f64::from_bits(bits);
            proptest::prop_assert_eq!(pushed(x), full(x));
        }

        #[test]
        fn push_full_is_display_for_index_like_values(x in -1e6f64..1e6) {
            proptest::prop_assert_eq!(pushed(x), full(x));
        }
    }

    // Expected texts worked by hand from the rule in the module documentation.
    #[test]
    fn money_follows_the_written_rule() {
        let zh = |d| (money(d, Lang::Zh), money_text(d, Lang::Zh));
        // The example: 515,917,000 yuan.
        assert_eq!(
            zh(dec!(515917000.00)),
            ("51,591.70万元".into(), "¥5.16亿".into())
        );
        assert_eq!(money(dec!(515917000.00), Lang::En), "515,917,000.00");
        assert_eq!(money_text(dec!(515917000.00), Lang::En), "¥515,917,000.00");
        // Below 1万: exact to the fen.
        assert_eq!(zh(dec!(1234.5)), ("1,234.50元".into(), "¥1,234.50".into()));
        assert_eq!(zh(dec!(9999.99)), ("9,999.99元".into(), "¥9,999.99".into()));
        // 1万 exactly, and halves rounded away from zero.
        assert_eq!(zh(dec!(10000)), ("1.00万元".into(), "¥1.00万".into()));
        assert_eq!(zh(dec!(12661992.44)).1, "¥1,266.20万");
        assert_eq!(money(dec!(10150), Lang::Zh), "1.02万元");
        assert_eq!(money(dec!(10149.99), Lang::Zh), "1.01万元");
        // The unit is chosen after rounding.
        assert_eq!(money_text(dec!(99999999), Lang::Zh), "¥1.00亿");
        assert_eq!(money_text(dec!(99994999.99), Lang::Zh), "¥9,999.50万");
        assert_eq!(money_text(dec!(1234567890123.45), Lang::Zh), "¥12,345.68亿");
        // Signs stay in front; zero has none.
        assert_eq!(money(dec!(-12345), Lang::Zh), "-1.23万元");
        assert_eq!(money_text(dec!(-1234.5), Lang::En), "-¥1,234.50");
        assert_eq!(money(dec!(0), Lang::Zh), "0.00元");
        assert_eq!(grouped(dec!(-0.004), 2), "0.00");
        assert_eq!(grouped(dec!(1234567.5), 2), "1,234,567.50");
    }

    #[test]
    fn chart_money_is_in_the_units_of_the_axis() {
        assert_eq!(chart_money(dec!(515917000), Lang::Zh), Some(51591.7));
        assert_eq!(chart_money(dec!(515917000), Lang::En), Some(515.917));
    }
}
