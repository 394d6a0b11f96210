//! One module per fuzz target: `run(data)` is the target's body, called by its libFuzzer entry
//! in `fuzz_targets/` and, on the stable toolchain, by the seed-corpus test over
//! `seeds/TARGET/` and `regressions/TARGET/`.

pub mod alibaba_trace;
pub mod finance;
pub mod framework_csv;
pub mod jobs_csv;
pub mod observations_csv;
pub mod program_toml;
pub mod registry_import;
pub mod rule_tables;
pub mod rules_toml;
pub mod scenario_market;
pub mod settings_toml;
pub mod uscc;

/// A target's body: runs one input, panics on a broken property.
pub type Target = fn(&[u8]);

/// Every target by name (the name of its `fuzz_targets/` file and of its seed folder).
pub const ALL: &[(&str, Target)] = &[
    ("alibaba_trace", alibaba_trace::run),
    ("finance", finance::run),
    ("framework_csv", framework_csv::run),
    ("jobs_csv", jobs_csv::run),
    ("observations_csv", observations_csv::run),
    ("program_toml", program_toml::run),
    ("registry_import", registry_import::run),
    ("rule_tables", rule_tables::run),
    ("rules_toml", rules_toml::run),
    ("scenario_market", scenario_market::run),
    ("settings_toml", settings_toml::run),
    ("uscc", uscc::run),
];
