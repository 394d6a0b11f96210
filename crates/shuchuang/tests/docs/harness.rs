//! Runs the command blocks of the project's Markdown documents against the built binary and
//! compares what they print with what the document shows.
//!
//! A runnable block is a fenced block whose info string is `console`. In it, a line starting
//! with `$ ` is a command (a line ending in `\` continues on the next line); the lines after
//! it, up to the next command or the end of the block, are the output the document shows:
//! standard output and standard error together, as a terminal shows them.
//!
//! In shown output:
//! - a line that is exactly `...` stands for any number of lines (also none);
//! - `[..]` or `…` inside a line stands for any text on that line (a timing, a path, trimmed
//!   table columns);
//! - trailing spaces and trailing empty lines are ignored.
//!
//! A command whose shown output starts with `error:` must fail (exit status not 0); every
//! other command must succeed. Commands run with `sh -c` in a scratch directory per document
//! (its `data/`, `docs/`, `crates/` and `benches/` are links to the repository's), in order, so a
//! document's later commands see what its earlier ones wrote, exactly as a reader following
//! the document from a fresh clone would. `shuchuang` on the command line is the binary under
//! test (its directory leads `PATH`); the language is English unless the command says
//! `--lang zh`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One command of a runnable block and the output the document shows for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// 1-based line of the command in the document.
    pub line: usize,
    /// The command as written, continuation lines joined.
    pub command: String,
    /// The output lines the document shows.
    pub output: Vec<String>,
}

/// What a document's blocks hold: the commands of `console` blocks, and the lines of other
/// blocks that look like commands of the binary (they would escape the check).
#[derive(Debug, Default)]
pub struct Parsed {
    /// Commands of runnable blocks, in document order.
    pub shown: Vec<Shown>,
    /// `(line, text)` of `$ shuchuang …` lines in blocks that are not `console`.
    pub unchecked: Vec<(usize, String)>,
}

/// Reads the runnable blocks of a Markdown text.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut fence: Option<String> = None;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            fence = match fence {
                None => Some(info.trim().to_string()),
                Some(_) => None,
            };
            continue;
        }
        let Some(info) = fence.as_deref() else {
            continue;
        };
        if info != "console" {
            if trimmed.starts_with("$ shuchuang") {
                parsed.unchecked.push((i + 1, line.to_string()));
            }
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            let mut command = cmd.to_string();
            while command.ends_with('\\') {
                command.pop();
                match lines.next() {
                    Some((_, next)) => command.push_str(next.trim_start()),
                    None => break,
                }
            }
            parsed.shown.push(Shown {
                line: i + 1,
                command,
                output: Vec::new(),
            });
        } else if let Some(last) = parsed.shown.last_mut() {
            last.output.push(line.to_string());
        }
    }
    parsed
}

/// Whether one actual line matches one shown line (`[..]` and `…` match any text).
pub fn line_matches(shown: &str, actual: &str) -> bool {
    let shown = shown.trim_end().replace('…', "[..]");
    let actual = actual.trim_end();
    let parts: Vec<&str> = shown.split("[..]").collect();
    if parts.len() == 1 {
        return shown == actual;
    }
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut tail) = actual.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().unwrap_or((&"", &[]));
    for part in middle {
        match tail.find(part) {
            Some(at) => tail = &tail[at + part.len()..],
            None => return false,
        }
    }
    tail.ends_with(last)
}

/// Whether the actual lines match the shown lines (`...` lines match any run of lines).
pub fn lines_match(shown: &[String], actual: &[&str]) -> bool {
    fn go(shown: &[String], actual: &[&str]) -> bool {
        match shown.split_first() {
            None => actual.is_empty(),
            Some((first, rest)) if first.trim() == "..." => {
                (0..=actual.len()).any(|skip| go(rest, &actual[skip..]))
            }
            Some((first, rest)) => match actual.split_first() {
                Some((a, actual_rest)) => line_matches(first, a) && go(rest, actual_rest),
                None => false,
            },
        }
    }
    let shown = trim_trailing_empty(shown);
    let actual: Vec<&str> = actual.to_vec();
    let mut end = actual.len();
    while end > 0 && actual[end - 1].trim().is_empty() {
        end -= 1;
    }
    go(shown, &actual[..end])
}

fn trim_trailing_empty(lines: &[String]) -> &[String] {
    let mut end = lines.len();
    while end > 0 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    &lines[..end]
}

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

/// A scratch directory that looks like a fresh clone to the commands.
pub fn scratch(root: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a scratch directory");
    for name in ["data", "docs", "crates", "benches", "README.md"] {
        let from = root.join(name);
        if from.exists() {
            std::os::unix::fs::symlink(&from, dir.path().join(name)).expect("a link");
        }
    }
    dir
}

/// Runs every command of a document in `dir`; returns the report of every mismatch (empty
/// when the document says what the program does).
pub fn check(doc_name: &str, text: &str, dir: &Path) -> String {
    let parsed = parse(text);
    let mut report = String::new();
    for (line, cmd) in &parsed.unchecked {
        let _ = writeln!(
            report,
            "{doc_name}:{line}: a command in a block that is not `console`, so never checked: {cmd}"
        );
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_shuchuang"));
    let bin_dir = bin.parent().expect("the binary's directory");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(paths).expect("PATH");
    for shown in &parsed.shown {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1\n{}", shown.command))
            .current_dir(dir)
            .env("PATH", &path)
            .env("LC_ALL", "C.UTF-8")
            .env("LANG", "C.UTF-8")
            .env_remove("SHUCHUANG_DATA_DIR")
            .env_remove("SHUCHUANG_DATABASE_URL")
            .env_remove("SHUCHUANG_LANG")
            .output()
            .expect("sh runs");
        let actual = String::from_utf8_lossy(&out.stdout);
        let actual_lines: Vec<&str> = actual.lines().collect();
        let expect_failure = shown
            .output
            .first()
            .is_some_and(|l| l.starts_with("error:"));
        let status_ok = out.status.success() != expect_failure;
        if !status_ok || !lines_match(&shown.output, &actual_lines) {
            let _ = writeln!(
                report,
                "{doc_name}:{}: `{}` {}\n--- the document shows:\n{}\n--- the program printed:\n{}",
                shown.line,
                shown.command,
                if status_ok {
                    "prints something else".to_string()
                } else {
                    format!(
                        "should {} but exited with {}",
                        if expect_failure { "fail" } else { "succeed" },
                        out.status
                    )
                },
                shown.output.join("\n"),
                actual.trim_end()
            );
        }
    }
    report
}

/// Checks one document of the repository in a fresh scratch directory; panics with every
/// mismatch.
pub fn check_doc(rel: &str) {
    let root = root();
    let text = std::fs::read_to_string(root.join(rel)).expect("the document");
    assert!(
        !parse(&text).shown.is_empty(),
        "{rel} has no `console` block: nothing of it would be checked"
    );
    let dir = scratch(&root);
    let report = check(rel, &text, dir.path());
    assert!(report.is_empty(), "{report}");
}
