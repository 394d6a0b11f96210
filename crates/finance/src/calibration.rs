//! Calibrating the credit models on a seeded synthetic portfolio and reporting their
//! discrimination on a held-out part.
//!
//! The portfolio is split by a hash of (seed, row): a row is held out with probability
//! `holdout_share`, whatever the thread count. On the training part the logistic model is
//! fitted on the covariates, and the scorecard's score is mapped to a PD by a one-covariate
//! logistic fit (`PD = σ(a + b × score)`). Both are then judged on the held-out part: AUC, KS
//! and a calibration table by decile of predicted PD.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::discrimination::{CalibrationBin, Discrimination, calibration_table, discrimination};
use crate::error::{FinanceError, Result};
use crate::irls::{FitOptions, fit_logistic};
use crate::logistic::LogisticModel;
use crate::model::CreditModel;
use crate::scorecard::{ScoreCalibration, Scorecard};
use crate::synthetic::{Portfolio, PortfolioSpec, generate};

/// How to calibrate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSpec {
    /// The synthetic portfolio.
    pub portfolio: PortfolioSpec,
    /// Share of rows held out for testing, in (0, 1).
    pub holdout_share: f64,
    /// Fit options.
    pub fit: FitOptions,
}

impl CalibrationSpec {
    /// The project's default: 200,000 firm-years with missing facts, seed 2025, 30 % held out
    /// (assumed).
    pub fn default_spec() -> Self {
        Self {
            portfolio: PortfolioSpec {
                rows: 200_000,
                seed: 2025,
                with_missing: true,
            },
            holdout_share: 0.3,
            fit: FitOptions::default(),
        }
    }
}

/// One model's figures on the held-out part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelTest {
    /// The model's id.
    pub model: String,
    /// AUC and KS on the held-out part.
    pub holdout: Discrimination,
    /// AUC and KS on the training part (a large gap would mean over-fitting).
    pub training: Discrimination,
    /// Predicted against observed default rates by decile of predicted PD, held-out part.
    pub calibration: Vec<CalibrationBin>,
}

/// What calibration produced and how the models did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// The spec.
    pub spec: CalibrationSpec,
    /// Training rows and their defaults.
    pub training_rows: usize,
    /// Defaults in training.
    pub training_defaults: usize,
    /// Held-out rows.
    pub holdout_rows: usize,
    /// Defaults held out.
    pub holdout_defaults: usize,
    /// The fitted logistic model.
    pub logistic: LogisticModel,
    /// The scorecard's fitted PD mapping.
    pub scorecard_calibration: ScoreCalibration,
    /// The logistic model's test.
    pub logistic_test: ModelTest,
    /// The calibrated scorecard's test.
    pub scorecard_test: ModelTest,
    /// The true PDs' own AUC on the held-out part: the best any model can do on this data.
    pub truth_holdout_auc: f64,
}

/// True when row `i` of a portfolio seeded `seed` is held out.
pub fn held_out(seed: u64, i: u64, share: f64) -> bool {
    // SplitMix64 of (seed, i): a fixed, well-mixed hash, independent of any thread count.
    let mut z = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    ((z >> 11) as f64 / (1u64 << 53) as f64) < share
}

/// Generates the portfolio, fits both models on the training part and tests them on the
/// held-out part. Returns the report and the calibrated scorecard.
pub fn calibrate(
    card: &Scorecard,
    spec: &CalibrationSpec,
) -> Result<(CalibrationReport, Scorecard)> {
    if !(spec.holdout_share > 0.0 && spec.holdout_share < 1.0) {
        return Err(FinanceError::Degenerate {
            what: "calibration",
            reason: format!("holdout share {} is not in (0, 1)", spec.holdout_share),
        });
    }
    let p = generate(&spec.portfolio)?;
    calibrate_on(card, &p, spec)
}

/// As [`calibrate`], on a portfolio already generated.
pub fn calibrate_on(
    card: &Scorecard,
    p: &Portfolio,
    spec: &CalibrationSpec,
) -> Result<(CalibrationReport, Scorecard)> {
    let seed = p.spec.seed;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for i in 0..p.len() {
        if held_out(seed, i as u64, spec.holdout_share) {
            test.push(i)
        } else {
            train.push(i)
        }
    }
    let pick = |idx: &[usize]| -> (Vec<_>, Vec<bool>) {
        (
            idx.iter().map(|&i| p.features[i]).collect(),
            idx.iter().map(|&i| p.defaulted[i]).collect(),
        )
    };
    let (ftr, ytr) = pick(&train);
    let (fte, yte) = pick(&test);
    let fitted_on = format!(
        "synthetic portfolio: {} rows, seed {}, missing facts {}, {} training rows",
        p.len(),
        seed,
        if p.spec.with_missing { "yes" } else { "no" },
        train.len()
    );
    let logistic = LogisticModel::fit(
        &format!("ylp-logistic-seed{seed}"),
        &fitted_on,
        &ftr,
        &ytr,
        card.scale,
        &spec.fit,
    )?;
    // The scorecard's PD map: one covariate, the score.
    let scores: Vec<f64> = ftr.par_iter().map(|f| card.score(f) as f64).collect();
    let mut x = Vec::with_capacity(scores.len() * 2);
    for s in &scores {
        x.extend([1.0, *s]);
    }
    let fit = fit_logistic(&x, &ytr, 2, &spec.fit)?;
    let cal = ScoreCalibration {
        intercept: fit.coefficients[0],
        slope: fit.coefficients[1],
        fitted_on,
    };
    let calibrated = card.clone().with_calibration(cal.clone());
    let test_of = |m: &dyn CreditModel| -> Result<ModelTest> {
        let pd_te: Vec<f64> = fte.par_iter().map(|f| m.pd(f)).collect();
        let pd_tr: Vec<f64> = ftr.par_iter().map(|f| m.pd(f)).collect();
        Ok(ModelTest {
            model: m.id().to_string(),
            holdout: discrimination(&pd_te, &yte)?,
            training: discrimination(&pd_tr, &ytr)?,
            calibration: calibration_table(&pd_te, &yte, 10)?,
        })
    };
    let logistic_test = test_of(&logistic)?;
    let scorecard_test = test_of(&calibrated)?;
    let truth: Vec<f64> = test.iter().map(|&i| p.true_pd[i]).collect();
    let truth_holdout_auc = discrimination(&truth, &yte)?.auc;
    let report = CalibrationReport {
        spec: *spec,
        training_rows: train.len(),
        training_defaults: ytr.iter().filter(|d| **d).count(),
        holdout_rows: test.len(),
        holdout_defaults: yte.iter().filter(|d| **d).count(),
        logistic,
        scorecard_calibration: cal,
        logistic_test,
        scorecard_test,
        truth_holdout_auc,
    };
    Ok((report, calibrated))
}
