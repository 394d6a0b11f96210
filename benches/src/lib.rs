//! Shared fixtures for the shuchuang criterion benches (one bench file per crate in
//! `benches/`). Fixtures are built in memory from seeds and shipped data, so a bench run
//! needs no files besides the workspace.

use index_engine::synth::{SynthOptions, synth_panel};
use index_engine::{Framework, Panel, PanelBuilder};

/// The CAICT 2025 framework and the national observations shipped in `data/caict-2025`.
pub fn caict_national() -> (Framework, Panel) {
    let fw = index_engine::caict2025::framework().expect("the shipped framework is valid");
    let panel = index_engine::caict2025::panel(&fw).expect("the shipped observations are valid");
    (fw, panel)
}

/// A synthetic panel of the CAICT framework, as `shuchuang index synth --units U --years Y
/// --seed S` writes it (5 % of values removed, never in the first year).
pub fn synthetic_panel(units: usize, years: usize, seed: u64) -> (Framework, Panel) {
    let fw = index_engine::synth::framework().expect("the shipped framework is valid");
    let opts = SynthOptions {
        units,
        years,
        seed,
        ..SynthOptions::default()
    };
    let panel = synth_panel(&fw, &opts).expect("synthetic panel");
    (fw, panel)
}

/// The observations CSV of [`synthetic_panel`], exactly as `shuchuang index synth` writes it.
pub fn synthetic_csv(units: usize, years: usize, seed: u64) -> Vec<u8> {
    let (_, panel) = synthetic_panel(units, years, seed);
    let mut out = Vec::new();
    panel
        .write_csv(&mut out, "synthetic")
        .expect("writing to memory");
    out
}

/// The records of `csv` parsed into a builder, ready for [`PanelBuilder::finish`] (the dense
/// layout, which `shuchuang index compute --timings` counts in `compute_ms`).
pub fn parsed_builder<'f>(fw: &'f Framework, csv: &[u8]) -> PanelBuilder<'f> {
    let mut b = PanelBuilder::new(fw, "synthetic observations");
    b.read_csv(csv).expect("synthetic observations parse");
    b
}
