//! Calibrates the shipped scorecard and fits the logistic model on the default synthetic
//! portfolio, then prints the held-out discrimination and calibration as JSON.
//!
//! Run: `cargo run --release -p finance --example calibrate`.

use finance::Scorecard;
use finance::calibration::{CalibrationSpec, calibrate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let card = Scorecard::embedded()?;
    let spec = CalibrationSpec::default_spec();
    let t = std::time::Instant::now();
    let (report, _) = calibrate(&card, &spec)?;
    eprintln!("calibrated in {:.2} s", t.elapsed().as_secs_f64());
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
