//! Discrimination against an independent computation, and the credit models calibrated on the
//! synthetic portfolio.

use finance::calibration::{CalibrationSpec, calibrate};
use finance::discrimination::discrimination;
use finance::irls::FitOptions;
use finance::logistic::COVARIATES;
use finance::synthetic::{PortfolioSpec, TRUE_COEFFICIENTS, TRUE_INTERCEPT, generate};
use finance::{CreditModel, LogisticModel, Scorecard};

/// tests/fixtures/auc_ks.py computes AUC over every pair and KS over every threshold in exact
/// rational arithmetic; the crate's sorted sweep must agree.
#[test]
fn auc_and_ks_agree_with_the_independent_script() {
    let csv = include_str!("fixtures/auc_ks.csv");
    let expected: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/auc_ks.json")).unwrap();
    let (mut risk, mut y) = (Vec::new(), Vec::new());
    for line in csv.lines().skip(1) {
        let (r, d) = line.split_once(',').unwrap();
        risk.push(r.parse::<f64>().unwrap());
        y.push(d == "true");
    }
    let d = discrimination(&risk, &y).unwrap();
    assert_eq!(d.n, expected["rows"].as_u64().unwrap() as usize);
    assert_eq!(d.defaults, expected["defaults"].as_u64().unwrap() as usize);
    assert!(
        (d.auc - expected["auc"].as_f64().unwrap()).abs() < 1e-15,
        "{} vs {}",
        d.auc,
        expected["auc"]
    );
    assert!(
        (d.ks - expected["ks"].as_f64().unwrap()).abs() < 1e-15,
        "{} vs {}",
        d.ks,
        expected["ks"]
    );
    assert_eq!(d.ks_at_risk, expected["ks_at_risk"].as_f64().unwrap());
}

/// On complete data drawn from a known logistic truth, IRLS recovers every coefficient within
/// four standard errors.
#[test]
fn the_logistic_fit_recovers_the_truth() {
    let p = generate(&PortfolioSpec {
        rows: 60_000,
        seed: 99,
        with_missing: false,
    })
    .unwrap();
    let card = Scorecard::embedded().unwrap();
    let m = LogisticModel::fit(
        "t",
        "test",
        &p.features,
        &p.defaulted,
        card.scale,
        &FitOptions::default(),
    )
    .unwrap();
    assert!(m.fit.iterations <= 12, "{} iterations", m.fit.iterations);
    let z0 = (m.intercept - TRUE_INTERCEPT) / m.std_errors[0];
    assert!(
        z0.abs() < 4.0,
        "intercept {} vs {TRUE_INTERCEPT} (z {z0})",
        m.intercept
    );
    for (j, (name, _, _)) in COVARIATES.iter().enumerate() {
        let z = (m.coefficients[j] - TRUE_COEFFICIENTS[j]) / m.std_errors[j + 1];
        assert!(
            z.abs() < 4.0,
            "{name}: {} vs {} (z {z})",
            m.coefficients[j],
            TRUE_COEFFICIENTS[j]
        );
    }
    m.check().unwrap();
    let back: LogisticModel = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back.pd(&p.features[0]), m.pd(&p.features[0]));
}

/// Both models discriminate on the held-out part, not better than the truth itself, with no
/// sign of over-fitting, and their predicted default rates match the observed ones by decile.
#[test]
fn calibration_report_on_a_held_out_part() {
    let mut spec = CalibrationSpec::default_spec();
    spec.portfolio.rows = 40_000;
    let card = Scorecard::embedded().unwrap();
    let (r, calibrated) = calibrate(&card, &spec).unwrap();
    assert_eq!(r.training_rows + r.holdout_rows, 40_000);
    assert!((r.holdout_rows as f64 / 40_000.0 - 0.3).abs() < 0.02);
    for t in [&r.logistic_test, &r.scorecard_test] {
        assert!(
            t.holdout.auc > 0.68 && t.holdout.auc < r.truth_holdout_auc + 0.02,
            "{}: {}",
            t.model,
            t.holdout.auc
        );
        assert!((t.training.auc - t.holdout.auc).abs() < 0.03);
        assert!(t.holdout.ks > 0.25);
        for b in &t.calibration {
            let se = (b.predicted * (1.0 - b.predicted) / b.n as f64).sqrt();
            assert!(
                (b.observed - b.predicted).abs() < 4.0 * se + 0.01,
                "{}: {b:?}",
                t.model
            );
        }
    }
    // The fitted map makes higher scores safer, and the calibrated card reports it.
    assert!(r.scorecard_calibration.slope < 0.0);
    let f = &generate(&spec.portfolio).unwrap().features[0];
    assert_eq!(calibrated.score(f), card.score(f));
    assert!(calibrated.pd(f) != card.pd(f));
    assert!(calibrated.assess(f).pd == calibrated.pd(f));
}
