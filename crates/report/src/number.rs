//! Numbers and money as text: the one place that decides how a figure looks.
//!
//! Tables for people round; CSV and JSON carry full precision. Money is exact yuan
//! (`rust_decimal::Decimal`), never a float, and never loses a fen on its way out.

use rust_decimal::Decimal;

/// Money for people: `¥` and the yuan rounded to the fen (`¥143900000.00`).
pub fn yuan(d: Decimal) -> String {
    format!("¥{}", d.round_dp(2))
}

/// Money for programs: the exact yuan as a decimal string (`1234.50`).
pub fn yuan_exact(d: Decimal) -> String {
    d.to_string()
}

/// A number with `digits` decimals; empty for a value that is not finite.
pub fn fixed(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        String::new()
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

/// A share in [0, 1] as a percentage with one decimal (`30.5 %`).
pub fn percent(share: f64) -> String {
    if share.is_finite() {
        format!("{:.1} %", 100.0 * share)
    } else {
        "-".into()
    }
}

/// A count with thousands separators (`1,234,567`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn figures_look_the_same_everywhere() {
        assert_eq!(yuan(dec!(143900000.00)), "¥143900000.00");
        assert_eq!(yuan(dec!(12661992.444)), "¥12661992.44");
        assert_eq!(yuan_exact(dec!(1234.50)), "1234.50");
        assert_eq!(fixed(2.0 / 3.0, 2), "0.67");
        assert_eq!(fixed(f64::NAN, 2), "");
        assert_eq!(full(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(full(f64::NEG_INFINITY), "");
        assert_eq!(percent(0.305), "30.5 %");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
