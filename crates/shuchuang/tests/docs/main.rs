//! The documents say what the program does: every `console` block of README.md and docs/*.md
//! is run against the built binary and must print what the document shows (see `harness.rs`
//! for the conventions). Each long document is its own test so they run in parallel; the rest
//! are checked together, so a new document is checked without being listed.

mod harness;

use harness::{
    check, check_doc, help_options, line_matches, lines_match, parse, root, scratch, shell_words,
};

/// Documents checked by their own test (their commands take a while).
const OWN_TEST: &[&str] = &[
    "README.md",
    "docs/voucher-ledger.md",
    "docs/sandbox-rules.md",
    "docs/index-engine.md",
    "docs/compute-scheduler.md",
];

#[test]
fn readme() {
    check_doc("README.md");
}

#[test]
fn voucher_ledger_guide() {
    check_doc("docs/voucher-ledger.md");
}

#[test]
fn index_engine_guide() {
    check_doc("docs/index-engine.md");
}

#[test]
fn sandbox_rules_guide() {
    check_doc("docs/sandbox-rules.md");
}

#[test]
fn compute_scheduler_guide() {
    check_doc("docs/compute-scheduler.md");
}

#[test]
fn every_other_document() {
    let root = root();
    let mut report = String::new();
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    for path in docs {
        let rel = format!(
            "docs/{}",
            path.file_name().expect("a name").to_string_lossy()
        );
        if OWN_TEST.contains(&rel.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("the document");
        let dir = scratch(&root);
        report.push_str(&check(&rel, &text, dir.path()));
    }
    assert!(report.is_empty(), "{report}");
}

#[test]
fn wildcards_match_only_what_they_stand_for() {
    assert!(line_matches("took [..] s", "took 1.25 s"));
    assert!(line_matches("│ a ┆ … ┆ z │", "│ a ┆ b ┆ c ┆ z │"));
    assert!(line_matches("plain  ", "plain"));
    assert!(!line_matches("took [..] s", "took 1.25 ms!"));
    assert!(!line_matches("155.39", "155.40"));
    assert!(!line_matches("a[..]b[..]c", "a-c-b"));
    let shown: Vec<String> = ["first", "...", "last", ""]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(lines_match(&shown, &["first", "x", "y", "last"]));
    assert!(lines_match(&shown, &["first", "last", ""]));
    assert!(!lines_match(&shown, &["first", "x"]));
    assert!(!lines_match(&shown, &["first", "last", "more"]));
    let exact: Vec<String> = vec!["one".into()];
    assert!(!lines_match(&exact, &[]));
    assert!(!lines_match(&exact, &["one", "two"]));
}

#[test]
fn blocks_are_parsed_with_continuations_and_commands_outside_console_are_found() {
    let doc = "text\n```console\n$ shuchuang a \\\n  --b c\nout 1\nout 2\n$ shuchuang d\n```\n\
               ```text\n$ shuchuang hidden\n```\n";
    let parsed = parse(doc);
    assert_eq!(parsed.shown.len(), 2);
    assert_eq!(parsed.shown[0].command, "shuchuang a --b c");
    assert_eq!(parsed.shown[0].line, 3);
    assert_eq!(parsed.shown[0].output, vec!["out 1", "out 2"]);
    assert!(parsed.shown[1].output.is_empty());
    assert_eq!(
        parsed.unchecked,
        vec![(10, "$ shuchuang hidden".to_string())]
    );
}

#[test]
fn the_check_fails_when_the_document_or_the_program_drifts() {
    let root = root();
    let good = "```console\n$ shuchuang registry validate-id 91310110666007217A\n\
                error: USCC '91310110666007217A': check character is 'A', expected 'T'\n```\n";
    let dir = scratch(&root);
    assert_eq!(check("good.md", good, dir.path()), "");
    // A changed figure in the document.
    let drifted = good.replace("expected 'T'", "expected 'X'");
    let report = check("drifted.md", &drifted, dir.path());
    assert!(report.contains("drifted.md:2"), "{report}");
    // A command shown as failing that succeeds.
    let wrong_status = "```console\n$ shuchuang registry validate-id 91310110666007217T\n\
                        error: [..]\n```\n";
    let report = check("status.md", wrong_status, dir.path());
    assert!(report.contains("should fail"), "{report}");
    // A command hidden in a block that is never run.
    let hidden = "```text\n$ shuchuang registry validate-id 91310110666007217T\n```\n";
    assert!(check("hidden.md", hidden, dir.path()).contains("never checked"));
}

#[test]
fn recipe_lines_are_cut_into_the_binarys_words() {
    assert_eq!(
        shell_words("shuchuang index compute /tmp/b --format csv > /dev/null   # compute_ms"),
        ["shuchuang", "index", "compute", "/tmp/b", "--format", "csv"]
    );
    assert_eq!(
        shell_words("shuchuang --database 'postgres://a b' cycle 2>/dev/null | head"),
        ["shuchuang", "--database", "postgres://a b", "cycle"]
    );
    assert_eq!(
        shell_words(r#"shuchuang x "a \"q\"" g$i || break"#),
        ["shuchuang", "x", "a \"q\"", "g$i"]
    );
    let doc = "```sh\nfor i in 1 2; do\n  shuchuang voucher grant \\\n    --firm F --request-id g$i || break\ndone\n```\n\
               ```\nshuchuang cycle [--year Y] [--placement fifo|fair]\n                [--lang zh|en]\n```\n\
               ```toml\nshuchuang = 1\n```\n";
    let parsed = parse(doc);
    assert_eq!(parsed.recipes.len(), 2, "{:?}", parsed.recipes);
    let cargo = "```sh\ncargo run --release -p shuchuang -- cycle --year 2026  # one year\n\
                 cargo run -p finance --example simulate -- 20\n```\n";
    let parsed_cargo = parse(cargo);
    assert_eq!(parsed_cargo.recipes.len(), 1, "{:?}", parsed_cargo.recipes);
    assert_eq!(parsed_cargo.recipes[0].args, ["cycle", "--year", "2026"]);
    assert_eq!(parsed.recipes[0].line, 3);
    assert_eq!(
        parsed.recipes[0].args,
        ["voucher", "grant", "--firm", "F", "--request-id", "g$i"]
    );
    assert!(!parsed.recipes[0].synopsis);
    assert!(parsed.recipes[1].synopsis);
    assert_eq!(
        parsed.recipes[1].args,
        [
            "cycle",
            "--year",
            "Y",
            "--placement",
            "fifo",
            "fair",
            "--lang",
            "zh",
            "en"
        ]
    );
}

#[test]
fn help_options_are_read_from_clap_help() {
    let help = "Usage: x\n\nOptions:\n  -f, --firm <F>\n          The firm\n      --dry-run\n  -h, --help\n          Print help\n";
    assert_eq!(help_options(help), ["--dry-run", "--firm", "--help"]);
}

#[test]
fn recipes_and_synopses_that_drift_from_the_program_are_reported() {
    let root = root();
    let dir = scratch(&root);
    let good =
        "```sh\nshuchuang index synth --units 20 --years 3 --seed 1 --out /tmp/x  # synth\n```\n";
    assert_eq!(check("good.md", good, dir.path()), "");
    // An option the command does not have.
    let wrong = good.replace("--units", "--unit-count");
    let report = check("wrong.md", &wrong, dir.path());
    assert!(
        report.contains("wrong.md:2") && report.contains("not accepted"),
        "{report}"
    );
    // A value the option refuses.
    let bad_value = "```\nshuchuang cycle --placement fastest\n```\n";
    assert!(check("value.md", bad_value, dir.path()).contains("not accepted"));
    // A synopsis that leaves out an option and names one that does not exist.
    let synopsis = "```\nshuchuang cycle [--data-dir DIR] [--year Y] [--speed S]\n```\n";
    let report = check("synopsis.md", synopsis, dir.path());
    assert!(
        report.contains("leaves out") && report.contains("--firms") && report.contains("--speed"),
        "{report}"
    );
}
