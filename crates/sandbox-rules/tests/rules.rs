//! Behaviour of the rule language: exceptions, conflicts, dated parameters, schema errors
//! with lines, missing facts, traces, analysis.

use chrono::NaiveDate;
use rust_decimal_macros::dec;
use sandbox_rules::{Error, FactMap, RuleSet, RuleStatus, Status, Truth, Value};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const BASE: &str = r#"
[set]
name = "t"
default = "none"
default_citation = "test default"

[facts.x]
type = "integer"
[facts.flag]
type = "boolean"
[facts.kind]
type = "enumeration"
values = ["a", "b", "c"]

[params.limit]
type = "integer"
citation = "test notice"
values = [ { from = 2020-01-01, value = 10 }, { from = 2026-04-01, value = 20 } ]
"#;

fn set(rules: &str) -> Result<RuleSet, Error> {
    RuleSet::from_toml(&format!("{BASE}{rules}"), "t.toml")
}

/// The line of the first occurrence of `needle` in the full text given to `set`.
fn line_of(rules: &str, needle: &str) -> usize {
    let text = format!("{BASE}{rules}");
    let at = text.find(needle).expect("needle present");
    text[..at].matches('\n').count() + 1
}

#[test]
fn exception_wins_over_its_base_when_it_applies() {
    let s = set(r#"
[[rule]]
id = "base"
citation = "c"
when = { fact = "x", ge = 0 }
outcome = "pay"
[[rule]]
id = "unless_flag"
exception_to = "base"
citation = "c2"
when = { fact = "flag", is = true }
outcome = "no_pay"
"#)
    .unwrap();
    let f = FactMap::new().with("x", 5).with("flag", true);
    let r = s.evaluate(&f, d(2026, 1, 1));
    assert_eq!(r.outcome.as_deref(), Some("no_pay"));
    assert_eq!(r.rule(), Some("unless_flag"));
    // Citations: the exception's first, then its base's.
    assert_eq!(
        r.granted[0].citations,
        vec!["c2".to_string(), "c".to_string()]
    );
    let r = s.evaluate(&f.clone().with("flag", false), d(2026, 1, 1));
    assert_eq!(r.outcome.as_deref(), Some("pay"));
    // The exception is not considered when its base does not apply.
    let r = s.evaluate(&f.with("x", -1), d(2026, 1, 1));
    assert_eq!(r.status, Status::Default);
    assert_eq!(r.outcome.as_deref(), Some("none"));
}

const CONFLICTING: &str = r#"
[[rule]]
id = "base"
citation = "c"
outcome = "pay"
[[rule]]
id = "e1"
exception_to = "base"
citation = "c"
when = { fact = "flag", is = true }
outcome = "pay_half"
[[rule]]
id = "e2"
exception_to = "base"
citation = "c"
when = { fact = "x", gt = 3 }
outcome = "no_pay"
"#;

#[test]
fn two_applicable_exceptions_with_different_outcomes_are_a_conflict() {
    let s = set(CONFLICTING).unwrap();
    let r = s.evaluate(
        &FactMap::new().with("flag", true).with("x", 5),
        d(2026, 1, 1),
    );
    assert_eq!(r.status, Status::Conflict);
    assert_eq!(r.outcome, None);
    assert_eq!(r.conflicts.len(), 1);
    assert_eq!(r.conflicts[0].under, "base");
    assert_eq!(r.conflicts[0].rules, vec!["e1", "e2"]);
    assert_eq!(r.conflicts[0].outcomes, vec!["pay_half", "no_pay"]);
    // Only one applies: no conflict.
    let r = s.evaluate(
        &FactMap::new().with("flag", true).with("x", 1),
        d(2026, 1, 1),
    );
    assert_eq!(r.outcome.as_deref(), Some("pay_half"));
    // The analysis sees the clash before any firm does, with a situation where it happens.
    let a = s.analyze();
    assert_eq!(a.overlaps.len(), 1);
    assert_eq!(
        (a.overlaps[0].a.as_str(), a.overlaps[0].b.as_str()),
        ("e1", "e2")
    );
    assert!(
        a.overlaps[0].when.iter().any(|w| w.contains("x > 3")),
        "{:?}",
        a.overlaps[0].when
    );
}

#[test]
fn two_base_rules_disagreeing_in_a_decision_set_are_a_conflict() {
    let s = set(r#"
[[rule]]
id = "a"
citation = "c"
when = { fact = "kind", is = "a" }
outcome = "yes"
[[rule]]
id = "b"
citation = "c"
when = { fact = "x", lt = 0 }
outcome = "no"
"#)
    .unwrap();
    let r = s.evaluate(
        &FactMap::new().with("kind", "a").with("x", -1),
        d(2026, 1, 1),
    );
    assert_eq!(r.status, Status::Conflict);
    assert_eq!(r.conflicts[0].under, "*");
    assert_eq!(s.analyze().overlaps.len(), 1);
}

#[test]
fn dated_parameter_applies_on_each_side_of_its_change_date() {
    let s = set(r#"
[[rule]]
id = "within"
citation = "c"
when = { fact = "x", le = { param = "limit" } }
outcome = "ok"
valid_from = 2020-01-01
"#)
    .unwrap();
    let f = FactMap::new().with("x", 15);
    let before = s.explain(&f, d(2026, 3, 31));
    assert_eq!(before.status, Status::Default, "15 > 10 before the change");
    let after = s.explain(&f, d(2026, 4, 1));
    assert_eq!(
        after.outcome.as_deref(),
        Some("ok"),
        "15 ≤ 20 from the change date"
    );
    // The trace names the value used and the date it took effect.
    let t = after.trace.unwrap();
    assert_eq!(t.parameters.len(), 1);
    assert_eq!(t.parameters[0].value, "20");
    assert_eq!(t.parameters[0].since, d(2026, 4, 1));
    let tb = before.trace.unwrap();
    assert_eq!(tb.parameters[0].value, "10");
    assert_eq!(tb.parameters[0].since, d(2020, 1, 1));
    assert_eq!(
        tb.rules[0].conditions[0].parameter.as_deref(),
        Some("limit = 10 (since 2020-01-01)")
    );
}

#[test]
fn validity_periods_bound_rules() {
    let s = set(r#"
[[rule]]
id = "old"
citation = "c"
outcome = "old"
valid_until = 2025-12-31
[[rule]]
id = "new"
citation = "c"
outcome = "new"
valid_from = 2026-01-01
"#)
    .unwrap();
    let f = FactMap::new();
    assert_eq!(
        s.evaluate(&f, d(2025, 12, 31)).outcome.as_deref(),
        Some("old")
    );
    let r = s.explain(&f, d(2026, 1, 1));
    assert_eq!(r.outcome.as_deref(), Some("new"));
    assert_eq!(r.trace.unwrap().rules[0].status, RuleStatus::NotInForce);
}

#[test]
fn missing_facts_leave_the_decision_open_and_are_listed() {
    let s = set(r#"
[[rule]]
id = "r"
citation = "c"
when = { all = [ { fact = "x", gt = 1 }, { fact = "flag", is = true }, { fact = "kind", in = ["a", "b"] } ] }
outcome = "yes"
"#)
    .unwrap();
    let r = s.evaluate(&FactMap::new().with("x", 5), d(2026, 1, 1));
    assert_eq!(r.status, Status::Undetermined);
    assert_eq!(r.missing_facts, vec!["flag", "kind"]);
    // A false part settles it: nothing is missing then.
    let r = s.evaluate(&FactMap::new().with("x", 0), d(2026, 1, 1));
    assert_eq!(r.status, Status::Default);
    assert!(r.missing_facts.is_empty());
    // A value of the wrong type counts as unknown and is reported.
    let r = s.evaluate(
        &FactMap::new()
            .with("x", 5)
            .with("flag", true)
            .with("kind", "z"),
        d(2026, 1, 1),
    );
    assert_eq!(r.status, Status::Undetermined);
    assert_eq!(r.invalid_facts.len(), 1);
    assert_eq!(r.invalid_facts[0].fact, "kind");
}

#[test]
fn trace_prints_as_text_and_json_with_actual_values() {
    let s = set(r#"
[[rule]]
id = "r"
citation = "the law, art. 1"
when = { any = [ { fact = "x", gt = 100 }, { fact = "kind", is = "b" } ] }
outcome = "yes"
"#)
    .unwrap();
    let r = s.explain(
        &FactMap::new().with("x", 7).with("kind", "b"),
        d(2026, 1, 1),
    );
    let text = r.to_string();
    assert!(text.contains("✗ x > 100  (actual: 7)"), "{text}");
    assert!(text.contains("✓ kind = b  (actual: b)"), "{text}");
    assert!(text.contains("cites: the law, art. 1"), "{text}");
    let json = serde_json::to_value(&r).unwrap();
    let conds = &json["trace"]["rules"][0]["conditions"];
    assert_eq!(conds[0]["condition"], "any of");
    assert_eq!(conds[1]["result"], "false");
    assert_eq!(conds[1]["actual"], "7");
    assert_eq!(conds[2]["result"], "true");
    assert_eq!(
        r.trace.as_ref().unwrap().rules[0].conditions[2].result,
        Truth::True
    );
    // Round trip.
    let back: sandbox_rules::Decision = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn unknown_fact_is_an_error_with_its_line() {
    let rules = r#"
[[rule]]
id = "r"
citation = "c"
when = { all = [
  { fact = "x", gt = 1 },
  { fact = "revenue", gt = 1 },
] }
outcome = "yes"
"#;
    let e = set(rules).unwrap_err();
    match &e {
        Error::UnknownFact {
            file, line, name, ..
        } => {
            assert_eq!(file, "t.toml");
            assert_eq!(name, "revenue");
            assert_eq!(*line, line_of(rules, "{ fact = \"revenue\""));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with(&format!("t.toml:{}:", e.line().unwrap()))
    );
}

#[test]
fn type_mismatches_are_errors_with_their_line() {
    for (rules, needle) in [
        // A string where an integer is declared.
        (
            "[[rule]]\nid = \"r\"\ncitation = \"c\"\nwhen = { fact = \"x\", gt = \"many\" }\noutcome = \"y\"\n",
            "when",
        ),
        // An ordering on a boolean.
        (
            "[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"y\"\nwhen = { fact = \"flag\", lt = true }\n",
            "when",
        ),
        // A value outside the enumeration.
        (
            "[[rule]]\nid = \"r\"\ncitation = \"c\"\n\nwhen = { fact = \"kind\", in = [\"a\", \"q\"] }\noutcome = \"y\"\n",
            "when",
        ),
        // A parameter of another type.
        (
            "[[rule]]\nid = \"r\"\ncitation = \"c\"\nwhen = { fact = \"flag\", eq = { param = \"limit\" } }\noutcome = \"y\"\nvalid_from = 2021-01-01\n",
            "when",
        ),
    ] {
        match set(rules).unwrap_err() {
            Error::TypeMismatch { line, .. } => assert_eq!(line, line_of(rules, needle), "{rules}"),
            other => panic!("{rules}: {other:?}"),
        }
    }
}

#[test]
fn unreachable_rules_are_errors_with_their_line() {
    let contradictory = r#"
[[rule]]
id = "ok"
citation = "c"
outcome = "y"

[[rule]]
id = "never"
citation = "c"
when = { all = [ { fact = "x", gt = 10 }, { fact = "x", lt = 5 } ] }
outcome = "n"
"#;
    match set(contradictory).unwrap_err() {
        Error::Unreachable {
            rule, line, reason, ..
        } => {
            assert_eq!(rule, "never");
            assert_eq!(line, line_of(contradictory, "[[rule]]\nid = \"never\""));
            assert!(reason.contains("'x'"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let empty_validity = "[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"y\"\nvalid_from = 2026-01-01\nvalid_until = 2025-01-01\n";
    assert!(matches!(
        set(empty_validity),
        Err(Error::Unreachable { .. })
    ));
    let enum_exhausted = "[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"y\"\nwhen = { all = [ { fact = \"kind\", not_in = [\"a\", \"b\"] }, { fact = \"kind\", ne = \"c\" } ] }\n";
    assert!(matches!(
        set(enum_exhausted),
        Err(Error::Unreachable { .. })
    ));
    let disjoint_exception = r#"
[[rule]]
id = "base"
citation = "c"
outcome = "y"
valid_until = 2024-12-31
[[rule]]
id = "late"
exception_to = "base"
citation = "c"
outcome = "n"
valid_from = 2025-01-01
"#;
    match set(disjoint_exception).unwrap_err() {
        Error::Unreachable { rule, line, .. } => {
            assert_eq!(rule, "late");
            assert_eq!(line, line_of(disjoint_exception, "[[rule]]\nid = \"late\""));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cyclic_exceptions_are_errors_with_the_cycle() {
    let rules = r#"
[[rule]]
id = "a"
exception_to = "c"
citation = "c"
outcome = "y"
[[rule]]
id = "b"
exception_to = "a"
citation = "c"
outcome = "y"
[[rule]]
id = "c"
exception_to = "b"
citation = "c"
outcome = "y"
"#;
    match set(rules).unwrap_err() {
        Error::CyclicException { cycle, line, .. } => {
            assert!(
                cycle.contains("a -> c -> b -> a") || cycle.contains("->"),
                "{cycle}"
            );
            let names: Vec<&str> = cycle.split(" -> ").collect();
            assert_eq!(names.first(), names.last());
            assert_eq!(names.len(), 4);
            assert!(line > 0);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_schema_errors_name_line_and_field() {
    // Duplicate id: the line of the second id.
    let dup = "[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"y\"\n[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"z\"\n";
    let e = set(dup).unwrap_err();
    assert_eq!(
        e.line(),
        Some(
            line_of(
                dup,
                "[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"z\""
            ) + 1
        )
    );
    assert!(e.to_string().contains("duplicate rule id 'r'"));
    // No citation.
    let nocite = "[[rule]]\nid = \"r\"\noutcome = \"y\"\n";
    assert!(set(nocite).unwrap_err().to_string().contains("no citation"));
    // Unknown field: TOML-level error with a line.
    let typo = "[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"y\"\nwhenn = { fact = \"x\", gt = 1 }\n";
    let e = set(typo).unwrap_err();
    assert!(matches!(e, Error::Syntax { .. }), "{e:?}");
    assert_eq!(e.line(), Some(line_of(typo, "whenn")));
    // A parameter used before its first value.
    let early = "[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"y\"\nwhen = { fact = \"x\", lt = { param = \"limit\" } }\n";
    assert!(
        set(early)
            .unwrap_err()
            .to_string()
            .contains("no value before 2020-01-01")
    );
    // Unknown exception label.
    let lbl = "[[rule]]\nid = \"r\"\nexception_to = \"ghost\"\ncitation = \"c\"\noutcome = \"y\"\n";
    assert!(
        set(lbl)
            .unwrap_err()
            .to_string()
            .contains("unknown rule 'ghost'")
    );
}

#[test]
fn analysis_reports_exceptions_that_can_never_apply() {
    let s = set(r#"
[[rule]]
id = "base"
citation = "c"
when = { fact = "x", gt = 10 }
outcome = "y"
[[rule]]
id = "small"
exception_to = "base"
citation = "c"
when = { fact = "x", lt = 5 }
outcome = "n"
"#)
    .unwrap();
    let a = s.analyze();
    assert_eq!(a.dead_exceptions.len(), 1);
    assert_eq!(a.dead_exceptions[0].rule, "small");
    assert!(a.dead_exceptions[0].reason.contains("'x'"));
}

#[test]
fn analysis_finds_an_overlap_that_exists_only_before_a_parameter_change() {
    // x in (10, 20] overlaps "x > limit" only while limit = 10.
    let s = set(r#"
[[rule]]
id = "over"
citation = "c"
when = { fact = "x", gt = { param = "limit" } }
outcome = "high"
valid_from = 2020-01-01
[[rule]]
id = "band"
citation = "c"
when = { all = [ { fact = "x", gt = 15 }, { fact = "x", le = 20 } ] }
outcome = "band"
"#)
    .unwrap();
    let a = s.analyze();
    assert_eq!(a.overlaps.len(), 1, "{a:?}");
    assert_eq!(a.overlaps[0].from, d(2020, 1, 1));
}

#[test]
fn benefit_amounts_round_down_to_the_fen_and_missing_base_is_pending() {
    let s = RuleSet::from_toml(
        r#"
[set]
name = "b"
mode = "all"
[facts.spend_yuan]
type = "money"
[facts.ok]
type = "boolean"
[[rule]]
id = "p"
citation = "c"
when = { fact = "ok", is = true }
outcome = "voucher"
program = "prog"
amount = { rate = "33.3%", of = "spend_yuan", max = "1000" }
"#,
        "b.toml",
    )
    .unwrap();
    let day = d(2026, 1, 1);
    let r = s.evaluate(
        &FactMap::new()
            .with("ok", true)
            .with("spend_yuan", Value::Money(dec!(100.01))),
        day,
    );
    // 0.333 × 100.01 = 33.30333 → 33.30
    assert_eq!(r.granted[0].amount_yuan, Some(dec!(33.30)));
    assert_eq!(r.granted[0].amount_yuan.unwrap().to_string(), "33.30");
    assert_eq!(r.granted[0].program.as_deref(), Some("prog"));
    let r = s.evaluate(
        &FactMap::new()
            .with("ok", true)
            .with("spend_yuan", Value::Money(dec!(99999))),
        day,
    );
    assert_eq!(r.granted[0].amount_yuan, Some(dec!(1000)));
    assert_eq!(r.granted[0].amount_yuan.unwrap().to_string(), "1000.00");
    // Down, never up: 0.333 × 0.05 = 0.01665 → 0.01.
    let r = s.evaluate(
        &FactMap::new()
            .with("ok", true)
            .with("spend_yuan", Value::Money(dec!(0.05))),
        day,
    );
    assert_eq!(r.granted[0].amount_yuan.unwrap().to_string(), "0.01");
    let r = s.evaluate(&FactMap::new().with("ok", true), day);
    assert!(r.granted.is_empty());
    assert_eq!(r.pending[0].missing, vec!["spend_yuan"]);
    let r = s.evaluate(&FactMap::new(), day);
    assert_eq!(r.pending[0].missing, vec!["ok", "spend_yuan"]);
}

#[test]
fn set_param_overrides_a_list_from_a_date() {
    let mut s = sandbox_rules::shipped::ENFORCEMENT.load().unwrap();
    let facts = FactMap::new()
        .with("violation_code", "MY-1")
        .with("severity", "general")
        .with("corrected_in_time", true)
        .with("harm", "minor")
        .with("fault", "negligent")
        .with("prior_violations_2y", 0)
        .with("reduced_harm", false)
        .with("cooperated", false)
        .with("credit_commitment", false);
    assert_eq!(
        s.evaluate(&facts, d(2026, 6, 1)).outcome.as_deref(),
        Some("standard_penalty")
    );
    s.set_param(
        "first_offence_list",
        d(2026, 6, 1),
        Value::List(vec!["MY-1".into()]),
        None,
    )
    .unwrap();
    assert_eq!(
        s.evaluate(&facts, d(2026, 6, 1)).outcome.as_deref(),
        Some("discretionary_no_penalty")
    );
    assert_eq!(
        s.evaluate(&facts, d(2026, 5, 31)).outcome.as_deref(),
        Some("standard_penalty")
    );
    assert!(
        s.set_param("first_offence_list", d(2026, 6, 1), Value::Integer(3), None)
            .is_err()
    );
}

#[test]
fn extreme_numbers_do_not_panic() {
    let s = RuleSet::from_toml(
        r#"
[set]
name = "x"
mode = "all"
[facts.n]
type = "integer"
[facts.p]
type = "percent"
[facts.m]
type = "money"
[[rule]]
id = "r"
citation = "c"
when = { all = [ { fact = "n", gt = 9223372036854775807 }, { fact = "p", ge = "79228162514264337593543950335" } ] }
outcome = "y"
amount = { rate = "79228162514264337593543950335", of = "m", max = "79228162514264337593543950335" }
"#,
        "x.toml",
    );
    // n > i64::MAX can never hold for an integer fact: unreachable, reported, no panic.
    assert!(matches!(s, Err(Error::Unreachable { .. })), "{s:?}");
    let s = RuleSet::from_toml(
        r#"
[set]
name = "x"
mode = "all"
[facts.p]
type = "percent"
[facts.m]
type = "money"
[[rule]]
id = "r"
citation = "c"
when = { fact = "p", ge = "79228162514264337593543950335" }
outcome = "y"
amount = { rate = "79228162514264337593543950335", of = "m" }
"#,
        "x.toml",
    )
    .unwrap();
    let big = rust_decimal::Decimal::MAX;
    let r = s.explain(
        &FactMap::new()
            .with("p", Value::Percent(big))
            .with("m", Value::Money(big)),
        d(2026, 1, 1),
    );
    assert!(r.to_string().contains("(fraction)"));
    // The product overflows: no amount rather than a wrong one.
    assert_eq!(r.granted[0].amount_yuan, None);
}

#[test]
fn named_conditions_expand_show_in_traces_and_are_checked() {
    let rules = r#"
[conditions.big]
any = [ { fact = "x", gt = 100 }, { fact = "flag", is = true } ]

[[rule]]
id = "r"
citation = "c"
when = { all = [ { fact = "kind", is = "a" }, { ref = "big" } ] }
outcome = "yes"
"#;
    let s = set(rules).unwrap();
    let r = s.explain(
        &FactMap::new()
            .with("kind", "a")
            .with("x", 5)
            .with("flag", true),
        d(2026, 1, 1),
    );
    assert_eq!(r.outcome.as_deref(), Some("yes"));
    let conds = &r.trace.as_ref().unwrap().rules[0].conditions;
    assert!(
        conds
            .iter()
            .any(|c| c.condition == "big" && c.result == Truth::True),
        "{conds:?}"
    );
    let r = s.evaluate(
        &FactMap::new()
            .with("kind", "a")
            .with("x", 5)
            .with("flag", false),
        d(2026, 1, 1),
    );
    assert_eq!(r.status, Status::Default);

    // An unknown name, with the line of the reference.
    let bad =
        "[[rule]]\nid = \"r\"\ncitation = \"c\"\nwhen = { ref = \"nope\" }\noutcome = \"y\"\n";
    let e = set(bad).unwrap_err();
    assert_eq!(e.line(), Some(line_of(bad, "when")));
    assert!(e.to_string().contains("[conditions.nope]"));
    // Named conditions that refer to each other.
    let cyc = "[conditions.a]\nref = \"b\"\n[conditions.b]\nall = [ { ref = \"a\" } ]\n[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"y\"\n";
    assert!(matches!(set(cyc), Err(Error::CyclicException { .. })));
    // A mistake in an unused named condition is still found, at its line.
    let unused = "[conditions.u]\nall = [\n  { fact = \"ghost\", gt = 1 },\n]\n[[rule]]\nid = \"r\"\ncitation = \"c\"\noutcome = \"y\"\n";
    match set(unused).unwrap_err() {
        Error::UnknownFact { name, line, .. } => {
            assert_eq!(name, "ghost");
            assert_eq!(line, line_of(unused, "{ fact = \"ghost\""));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn named_conditions_cannot_blow_up() {
    // c0 uses c1 three times, c1 uses c2 three times, …: 3^14 tests if expanded, refused at
    // the limit (the nesting stays within the depth limit).
    let mut rules = String::new();
    for i in 0..14 {
        rules.push_str(&format!(
            "[conditions.c{i}]\nall = [ {{ ref = \"c{n}\" }}, {{ ref = \"c{n}\" }}, {{ ref = \"c{n}\" }} ]\n",
            n = i + 1
        ));
    }
    rules.push_str("[conditions.c14]\nfact = \"x\"\ngt = 1\n");
    rules.push_str(
        "[[rule]]\nid = \"r\"\ncitation = \"c\"\nwhen = { ref = \"c0\" }\noutcome = \"y\"\n",
    );
    let r = set(&rules);
    assert!(matches!(r, Err(Error::Limit { .. })), "{r:?}");
}
