//! The properties every fuzz target checks, in one place.
//!
//! - No panic: libFuzzer reports any panic as a crash (the targets call the libraries as a
//!   user's program would and never unwrap their results).
//! - No non-finite number in what a loader returns: [`assert_finite`] walks any value that
//!   serialises and fails on a NaN or an infinity, wherever it sits.
//! - No partial write: a load that fails leaves its store as it was ([`all_or_nothing`]).
//!
//! Each target's body is a plain function, `targets::NAME::run`, so that the stable toolchain
//! builds and checks it too: `cargo test --manifest-path fuzz/Cargo.toml` runs every target
//! over its committed seeds (`seeds/NAME/`) and over every input a fuzzing run once found
//! failing (`regressions/NAME/`, kept after the fix).

pub mod targets;

use serde::Serialize;
use serde_value::Value;

/// The byte that separates the parts of an input that feeds several files (a job table and
/// its task table, a rule set and its fact table). 0xff never occurs in UTF-8 text.
pub const SEPARATOR: u8 = 0xff;

/// Splits `data` into `n` parts at the first `n - 1` [`SEPARATOR`]s; missing parts are empty.
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(n);
    let mut rest = data;
    for _ in 1..n {
        match rest.iter().position(|&b| b == SEPARATOR) {
            Some(k) => {
                parts.push(&rest[..k]);
                rest = &rest[k + 1..];
            }
            None => {
                parts.push(rest);
                rest = &[];
            }
        }
    }
    parts.push(rest);
    parts
}

/// The first byte chooses which loader a combined target runs (modulo `n`); the rest is its
/// input.
pub fn select(data: &[u8], n: u8) -> Option<(u8, &[u8])> {
    let (&first, rest) = data.split_first()?;
    Some((first % n, rest))
}

/// Fails (panics, which the fuzzer reports) when `value` holds a non-finite number.
pub fn assert_finite<T: Serialize + ?Sized>(what: &str, value: &T) {
    // A value that cannot be serialised is not this property's business.
    if let Ok(v) = serde_value::to_value(value) {
        walk(what, &v);
    }
}

fn walk(what: &str, v: &Value) {
    match v {
        Value::F64(x) => assert!(x.is_finite(), "{what}: non-finite number {x}"),
        Value::F32(x) => assert!(x.is_finite(), "{what}: non-finite number {x}"),
        Value::Seq(items) => items.iter().for_each(|i| walk(what, i)),
        Value::Map(m) => m.iter().for_each(|(k, x)| {
            walk(what, k);
            walk(what, x);
        }),
        Value::Option(Some(b)) | Value::Newtype(b) => walk(what, b),
        _ => {}
    }
}

/// [`assert_finite`] for a value that does not serialise: its `Debug` text holds no `NaN` or
/// `inf` token (how `Debug` writes a non-finite `f64`).
pub fn assert_finite_debug<T: std::fmt::Debug + ?Sized>(what: &str, value: &T) {
    let text = format!("{value:?}");
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    for token in text.split(|c: char| !is_word(c)) {
        assert!(
            token != "NaN" && token != "inf",
            "{what}: non-finite number in {text}"
        );
    }
}

/// Runs `load` on `state` and, when it fails, asserts that `snapshot` of the state is what it
/// was before: a failed load writes nothing.
pub fn all_or_nothing<S: ?Sized, K, T, E>(
    what: &str,
    state: &mut S,
    snapshot: impl Fn(&S) -> K,
    load: impl FnOnce(&mut S) -> Result<T, E>,
) -> Result<T, E>
where
    K: PartialEq + std::fmt::Debug,
{
    let before = snapshot(state);
    let result = load(state);
    if result.is_err() {
        let after = snapshot(state);
        assert!(before == after, "{what}: a failed load changed the state");
    }
    result
}

/// Text for the parsers that take `&str`: the input when it is UTF-8.
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every seed and every kept regression input of every target passes its properties.
    #[test]
    fn seeds_and_regressions_pass() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for (name, run) in super::targets::ALL {
            let mut count = 0;
            for kind in ["seeds", "regressions"] {
                let Ok(dir) = std::fs::read_dir(root.join(kind).join(name)) else {
                    continue;
                };
                for entry in dir {
                    let path = entry.expect("reading a seed folder").path();
                    let data = std::fs::read(&path).expect("reading a seed");
                    eprintln!("{}", path.display());
                    run(&data);
                    count += 1;
                }
            }
            assert!(count > 0, "target {name} has no seed in seeds/{name}/");
        }
    }

    /// Every target has a libFuzzer entry and a seed folder, and every entry is a target.
    #[test]
    fn every_target_is_wired() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut entries: Vec<String> = std::fs::read_dir(root.join("fuzz_targets"))
            .expect("fuzz_targets/")
            .map(|e| {
                e.unwrap()
                    .path()
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        entries.sort();
        let mut names: Vec<&str> = super::targets::ALL.iter().map(|(n, _)| *n).collect();
        names.sort();
        assert_eq!(entries, names);
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        for name in names {
            assert!(
                manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")),
                "{name} is not a [[bin]] of fuzz/Cargo.toml"
            );
        }
    }
}
