//! libFuzzer entry of [`shuchuang_fuzz::targets::rule_tables`] (its properties are documented there).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shuchuang_fuzz::targets::rule_tables::run(data));
