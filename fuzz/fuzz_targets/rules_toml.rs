//! libFuzzer entry of [`shuchuang_fuzz::targets::rules_toml`] (its properties are documented there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shuchuang_fuzz::targets::rules_toml::run(data));
