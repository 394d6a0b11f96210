//! How well a model separates defaulters from the others: the area under the ROC curve (AUC)
//! and the Kolmogorov–Smirnov statistic (KS), and a calibration table.
//!
//! Both take a *risk* per firm (higher = riskier: a PD, or minus a score) and the outcomes.
//! Ties are handled exactly: AUC = P(risk of a defaulter > risk of a non-defaulter) + ½ P(tie)
//! (the Mann–Whitney statistic ÷ D·G); KS = the largest gap between the two cumulative
//! distributions, evaluated after each group of equal risk (never inside a tie). Sorting is
//! O(n log n); `tests/fixtures/auc_ks.py` computes both by their definitions (all pairs, all
//! thresholds) as an independent check.

use serde::{Deserialize, Serialize};

use crate::error::{FinanceError, Result};

/// Most rows one computation accepts.
pub const DISCRIMINATION_ROWS_MAX: usize = 50_000_000;

/// AUC and KS of one model on one sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Discrimination {
    /// Rows.
    pub n: usize,
    /// Defaulters among them.
    pub defaults: usize,
    /// Area under the ROC curve, in [0, 1] (0.5 = no discrimination).
    pub auc: f64,
    /// Kolmogorov–Smirnov statistic, in [0, 1].
    pub ks: f64,
    /// The risk at which the KS gap is largest (the cut-off: risk ≤ it on one side).
    pub ks_at_risk: f64,
}

/// AUC and KS of `risk` against `defaulted`.
///
/// ```
/// use finance::discrimination::discrimination;
/// // Worked by hand: defaulters at risk 0.9 and 0.4, others at 0.8, 0.4 and 0.1.
/// // Pairs (D, G): (0.9,·) beats all three = 3; (0.4,0.8) loses, (0.4,0.4) ties = ½,
/// // (0.4,0.1) wins = 1. AUC = 4.5 / 6 = 0.75.
/// let d = discrimination(&[0.9, 0.8, 0.4, 0.4, 0.1], &[true, false, true, false, false])?;
/// assert_eq!(d.auc, 0.75);
/// // Cumulative shares at risk ≤ 0.1: D 0, G 1/3; ≤ 0.4: D 1/2, G 2/3; ≤ 0.8: D 1/2, G 1.
/// assert!((d.ks - 0.5).abs() < 1e-15);
/// # Ok::<(), finance::FinanceError>(())
/// ```
pub fn discrimination(risk: &[f64], defaulted: &[bool]) -> Result<Discrimination> {
    let n = risk.len();
    if n != defaulted.len() {
        return Err(FinanceError::Degenerate {
            what: "AUC/KS",
            reason: format!("{n} risks for {} outcomes", defaulted.len()),
        });
    }
    if n > DISCRIMINATION_ROWS_MAX {
        return Err(FinanceError::TooMany {
            what: "AUC/KS rows",
            count: n,
            max: DISCRIMINATION_ROWS_MAX,
        });
    }
    if let Some(i) = risk.iter().position(|r| !r.is_finite()) {
        return Err(FinanceError::Degenerate {
            what: "AUC/KS",
            reason: format!("risk {} at row {i} is not finite", risk[i]),
        });
    }
    let d = defaulted.iter().filter(|x| **x).count();
    let g = n - d;
    if d == 0 || g == 0 {
        return Err(FinanceError::Degenerate {
            what: "AUC/KS",
            reason: format!("{d} defaulters and {g} others: both are needed"),
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| risk[a].total_cmp(&risk[b]).then(a.cmp(&b)));
    // Twice the Mann–Whitney U, in integers: exact for any n that fits in memory.
    let mut u2: u128 = 0;
    let (mut goods_below, mut defs_below) = (0u64, 0u64);
    // The KS gap |G_below/G − D_below/D| compared exactly as |G_below·D − D_below·G| / (G·D).
    let mut ks_num: u128 = 0;
    let mut ks_at = risk[order[0]];
    let mut i = 0;
    while i < n {
        let r = risk[order[i]];
        let (mut gd, mut gg) = (0u64, 0u64);
        while i < n && risk[order[i]] == r {
            if defaulted[order[i]] {
                gd += 1
            } else {
                gg += 1
            }
            i += 1;
        }
        // Each defaulter of the group beats every good below and ties with the group's goods.
        u2 += u128::from(gd) * (2 * u128::from(goods_below) + u128::from(gg));
        goods_below += gg;
        defs_below += gd;
        let gap =
            (u128::from(goods_below) * d as u128).abs_diff(u128::from(defs_below) * g as u128);
        if gap > ks_num {
            ks_num = gap;
            ks_at = r;
        }
    }
    let ks = ks_num as f64 / (d as f64 * g as f64);
    let auc = u2 as f64 / (2.0 * d as f64 * g as f64);
    Ok(Discrimination {
        n,
        defaults: d,
        auc,
        ks,
        ks_at_risk: ks_at,
    })
}

/// One bin of a calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Rows in the bin.
    pub n: usize,
    /// Mean predicted PD.
    pub predicted: f64,
    /// Observed default rate.
    pub observed: f64,
}

/// Predicted against observed default rates in `bins` bins of equal size by predicted PD
/// (lowest first): a calibrated model has the two close in every bin.
pub fn calibration_table(
    pd: &[f64],
    defaulted: &[bool],
    bins: usize,
) -> Result<Vec<CalibrationBin>> {
    if pd.len() != defaulted.len() || pd.is_empty() || bins == 0 || bins > pd.len() {
        return Err(FinanceError::Degenerate {
            what: "calibration table",
            reason: format!(
                "{} PDs, {} outcomes, {bins} bins",
                pd.len(),
                defaulted.len()
            ),
        });
    }
    if pd.iter().any(|p| !p.is_finite()) {
        return Err(FinanceError::Degenerate {
            what: "calibration table",
            reason: "a PD is not finite".into(),
        });
    }
    let mut order: Vec<usize> = (0..pd.len()).collect();
    order.sort_unstable_by(|&a, &b| pd[a].total_cmp(&pd[b]).then(a.cmp(&b)));
    let n = pd.len();
    Ok((0..bins)
        .map(|b| {
            let lo = b * n / bins;
            let hi = (b + 1) * n / bins;
            let idx = &order[lo..hi];
            let m = idx.len().max(1) as f64;
            CalibrationBin {
                n: idx.len(),
                predicted: idx.iter().map(|&i| pd[i]).sum::<f64>() / m,
                observed: idx.iter().filter(|&&i| defaulted[i]).count() as f64 / m,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_reversed_and_flat() {
        let y = [false, false, true, true];
        let d = discrimination(&[0.1, 0.2, 0.3, 0.4], &y).unwrap();
        assert_eq!((d.auc, d.ks), (1.0, 1.0));
        let d = discrimination(&[0.4, 0.3, 0.2, 0.1], &y).unwrap();
        assert_eq!((d.auc, d.ks), (0.0, 1.0));
        let d = discrimination(&[0.5; 4], &y).unwrap();
        assert_eq!((d.auc, d.ks), (0.5, 0.0));
        assert!(discrimination(&[0.1, 0.2], &[true, true]).is_err());
        assert!(discrimination(&[0.1, f64::NAN], &[true, false]).is_err());
    }

    #[test]
    fn calibration_bins() {
        let pd = [0.1, 0.1, 0.9, 0.9];
        let y = [false, false, true, false];
        let t = calibration_table(&pd, &y, 2).unwrap();
        assert_eq!(t[0].observed, 0.0);
        assert_eq!(t[1].observed, 0.5);
        assert!((t[1].predicted - 0.9).abs() < 1e-15);
    }
}
