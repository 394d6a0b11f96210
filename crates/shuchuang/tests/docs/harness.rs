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
//!
//! Other blocks (plain, `sh`, `shell`, `bash`) hold recipes for people with a server, a quiet machine
//! or a kill in hand, and synopses. They are not run, but every line of them that calls the
//! binary is checked against it: a recipe's command, cut before any comment, pipe or
//! redirection, must be accepted by the program's argument parser (it is run with `--help`
//! appended, which parses and validates every argument before it, then prints help instead
//! of working; clap checks the values of global options given before a subcommand only after
//! the subcommand's own parse, so those values escape this check); a synopsis (a line with `[--option …]` brackets, continued on the indented
//! lines after it) must name exactly the options the command's `--help` lists, apart from
//! `--help` and the global `--database` (its own guide documents it).

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
    /// Calls of the binary in other blocks (recipes and synopses), checked by their syntax.
    pub recipes: Vec<Recipe>,
}

/// A line of a block that is not run but calls the binary: a recipe or a synopsis.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// 1-based line in the document.
    pub line: usize,
    /// The binary's arguments (after `shuchuang`), shell words, cut before any comment, pipe
    /// or redirection; for a synopsis, the words of all its lines.
    pub args: Vec<String>,
    /// Whether this is a synopsis (`[--option …]`) rather than a command.
    pub synopsis: bool,
}

/// Block kinds whose lines may be shell commands (others hold Rust, TOML, SQL, diagrams and
/// output as `text`, …).
const SHELL_BLOCKS: &[&str] = &["", "sh", "shell", "bash"];

/// Splits a shell command line into words (single and double quotes, backslash escapes),
/// stopping at the first unquoted comment, pipe, redirection or command separator.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        _ => w.push(q),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            '#' if word.is_none() => break,
            '|' | '>' | '<' | ';' | '&' => break,
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    // `2>` and the like: a trailing file-descriptor number belongs to the redirection.
    if line.contains('>')
        && words
            .last()
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
    {
        words.pop();
    }
    words
}

/// The binary's call in a recipe line, if the line makes one: `shuchuang …` (or a path ending
/// in `/shuchuang`, or `cargo run -p shuchuang -- …`) as the line's command, after an
/// optional `$ ` prompt, continued by trailing backslashes.
fn recipe_words(line: &str) -> Option<Vec<String>> {
    let line = line.trim_start();
    let line = line.strip_prefix("$ ").unwrap_or(line);
    let words = shell_words(line);
    match words.split_first() {
        Some((first, rest)) if first == "shuchuang" || first.ends_with("/shuchuang") => {
            Some(rest.to_vec())
        }
        // `cargo run [--release] -p shuchuang -- ARGS` is the binary too.
        Some((first, rest)) if first == "cargo" && rest.first().is_some_and(|w| w == "run") => {
            let runs_the_binary = rest.windows(2).any(|w| {
                matches!(w[0].as_str(), "-p" | "--package" | "--bin") && w[1] == "shuchuang"
            });
            let dashes = rest.iter().position(|w| w == "--")?;
            runs_the_binary.then(|| rest[dashes + 1..].to_vec())
        }
        _ => None,
    }
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
            } else if SHELL_BLOCKS.contains(&info) {
                let mut text = line.to_string();
                let synopsis = text.contains("[--");
                // A command continues after a trailing backslash; a synopsis on the indented
                // lines that follow it.
                while text.ends_with('\\')
                    || (synopsis
                        && lines
                            .peek()
                            .is_some_and(|(_, next)| next.trim_start().starts_with('[')))
                {
                    if text.ends_with('\\') {
                        text.pop();
                    }
                    match lines.next() {
                        Some((_, next)) => {
                            text.push(' ');
                            text.push_str(next.trim_start());
                        }
                        None => break,
                    }
                }
                let words = if synopsis {
                    // Brackets and placeholders are not the binary's words: keep the options.
                    let cleaned: String = text
                        .chars()
                        .map(|c| if matches!(c, '[' | ']' | '|') { ' ' } else { c })
                        .collect();
                    recipe_words(&cleaned)
                } else {
                    recipe_words(&text)
                };
                if let Some(args) = words {
                    parsed.recipes.push(Recipe {
                        line: i + 1,
                        args,
                        synopsis,
                    });
                }
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
    for recipe in &parsed.recipes {
        check_recipe(doc_name, recipe, &bin, dir, &mut report);
    }
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

/// Options a synopsis need not name: help, and the global `--database` of every command.
const SYNOPSIS_EXEMPT: &[&str] = &["--help", "--version", "--database"];

/// The long options a `--help` text lists (`  -x, --name <V>` or `      --name`).
pub fn help_options(help: &str) -> Vec<String> {
    let mut options: Vec<String> = help
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = match l.strip_prefix('-') {
                Some(short) if !short.starts_with('-') => short.get(3..)?,
                _ => l,
            };
            let name: String = l
                .strip_prefix("--")?
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!name.is_empty()).then(|| format!("--{name}"))
        })
        .collect();
    options.sort();
    options.dedup();
    options
}

/// Checks a recipe's command against the program's argument parser, or a synopsis against
/// the options its `--help` lists.
fn check_recipe(doc_name: &str, recipe: &Recipe, bin: &Path, dir: &Path, report: &mut String) {
    let command: Vec<&str> = if recipe.synopsis {
        recipe
            .args
            .iter()
            .take_while(|a| !a.starts_with('-'))
            .map(String::as_str)
            .collect()
    } else {
        recipe.args.iter().map(String::as_str).collect()
    };
    let out = Command::new(bin)
        .args(&command)
        .arg("--help")
        .current_dir(dir)
        .env("LC_ALL", "C.UTF-8")
        .env_remove("SHUCHUANG_DATA_DIR")
        .env_remove("SHUCHUANG_DATABASE_URL")
        .output()
        .expect("the binary runs");
    let shown = format!("shuchuang {}", recipe.args.join(" "));
    if !out.status.success() {
        let _ = writeln!(
            report,
            "{doc_name}:{}: `{shown}` is not accepted by the program:\n{}",
            recipe.line,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
        return;
    }
    if !recipe.synopsis {
        return;
    }
    let listed = help_options(&String::from_utf8_lossy(&out.stdout));
    let mut named: Vec<String> = recipe
        .args
        .iter()
        .filter(|a| a.starts_with("--"))
        .map(|a| a.split('=').next().unwrap_or(a).to_string())
        .collect();
    named.sort();
    named.dedup();
    let missing: Vec<&String> = listed
        .iter()
        .filter(|o| !named.contains(o) && !SYNOPSIS_EXEMPT.contains(&o.as_str()))
        .collect();
    let unknown: Vec<&String> = named.iter().filter(|o| !listed.contains(o)).collect();
    if !missing.is_empty() || !unknown.is_empty() {
        let _ = writeln!(
            report,
            "{doc_name}:{}: the synopsis of `shuchuang {}` leaves out {missing:?} and names {unknown:?}, which its --help does not list",
            recipe.line,
            command.join(" ")
        );
    }
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
