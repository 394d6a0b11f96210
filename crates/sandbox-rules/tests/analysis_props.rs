//! The analysis against brute force: on small random rule sets over an integer and an
//! enumeration, "unreachable" and "overlap" must agree exactly with an exhaustive search
//! (the search covers every value that matters: the constants lie in -5..=5).

use chrono::NaiveDate;
use proptest::prelude::*;
use sandbox_rules::{Error, FactMap, RuleSet, Status};

#[derive(Debug, Clone)]
enum C {
    Cmp(&'static str, i64),
    Between(i64, i64),
    KIn(Vec<&'static str>),
    KNotIn(Vec<&'static str>),
    All(Vec<C>),
    Any(Vec<C>),
    Not(Box<C>),
}

impl C {
    fn toml(&self) -> String {
        match self {
            C::Cmp(op, v) => format!("{{ fact = \"x\", {op} = {v} }}"),
            C::Between(a, b) => format!("{{ fact = \"x\", between = [{a}, {b}] }}"),
            C::KIn(ks) => format!("{{ fact = \"k\", in = [{}] }}", quote(ks)),
            C::KNotIn(ks) => format!("{{ fact = \"k\", not_in = [{}] }}", quote(ks)),
            C::All(cs) => format!(
                "{{ all = [{}] }}",
                cs.iter().map(C::toml).collect::<Vec<_>>().join(", ")
            ),
            C::Any(cs) => format!(
                "{{ any = [{}] }}",
                cs.iter().map(C::toml).collect::<Vec<_>>().join(", ")
            ),
            C::Not(c) => format!("{{ not = {} }}", c.toml()),
        }
    }
    fn holds(&self, x: i64, k: &str) -> bool {
        match self {
            C::Cmp(op, v) => match *op {
                "eq" => x == *v,
                "ne" => x != *v,
                "lt" => x < *v,
                "le" => x <= *v,
                "gt" => x > *v,
                _ => x >= *v,
            },
            C::Between(a, b) => *a <= x && x <= *b,
            C::KIn(ks) => ks.contains(&k),
            C::KNotIn(ks) => !ks.contains(&k),
            C::All(cs) => cs.iter().all(|c| c.holds(x, k)),
            C::Any(cs) => cs.iter().any(|c| c.holds(x, k)),
            C::Not(c) => !c.holds(x, k),
        }
    }
}

fn quote(ks: &[&str]) -> String {
    ks.iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn leaf() -> impl Strategy<Value = C> {
    let ks = prop::sample::subsequence(vec!["a", "b", "c"], 1..=3);
    prop_oneof![
        (
            prop::sample::select(vec!["eq", "ne", "lt", "le", "gt", "ge"]),
            -5i64..=5
        )
            .prop_map(|(o, v)| C::Cmp(o, v)),
        (-5i64..=5, -5i64..=5).prop_map(|(a, b)| C::Between(a, b)),
        ks.clone().prop_map(C::KIn),
        ks.prop_map(C::KNotIn),
    ]
}

fn cond() -> impl Strategy<Value = C> {
    leaf().prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(C::All),
            prop::collection::vec(inner.clone(), 1..3).prop_map(C::Any),
            inner.prop_map(|c| C::Not(Box::new(c))),
        ]
    })
}

const HEAD: &str = "[set]\nname = \"p\"\n[facts.x]\ntype = \"integer\"\n[facts.k]\ntype = \"enumeration\"\nvalues = [\"a\", \"b\", \"c\"]\n";

fn witnesses(f: impl Fn(i64, &str) -> bool) -> bool {
    (-8i64..=8).any(|x| ["a", "b", "c"].iter().any(|k| f(x, k)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn analysis_agrees_with_brute_force(a in cond(), b in cond()) {
        let text = format!(
            "{HEAD}[[rule]]\nid = \"ra\"\ncitation = \"c\"\nwhen = {}\noutcome = \"A\"\n[[rule]]\nid = \"rb\"\ncitation = \"c\"\nwhen = {}\noutcome = \"B\"\n",
            a.toml(),
            b.toml()
        );
        let a_sat = witnesses(|x, k| a.holds(x, k));
        let b_sat = witnesses(|x, k| b.holds(x, k));
        match RuleSet::from_toml(&text, "p.toml") {
            Err(Error::Unreachable { rule, .. }) => {
                // Only a rule with no witness at all may be called unreachable.
                let sat = if rule == "ra" { a_sat } else { b_sat };
                prop_assert!(!sat, "{rule} called unreachable but has a witness\n{text}");
            }
            Err(e) => prop_assert!(false, "unexpected error {e}\n{text}"),
            Ok(set) => {
                prop_assert!(a_sat && b_sat, "an unsatisfiable rule was accepted\n{text}");
                let both = witnesses(|x, k| a.holds(x, k) && b.holds(x, k));
                let found = !set.analyze().overlaps.is_empty();
                prop_assert_eq!(found, both, "overlap analysis disagrees\n{}", text);
                // And the evaluator agrees with the brute force on every point.
                let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
                for x in -8i64..=8 {
                    for k in ["a", "b", "c"] {
                        let d = set.evaluate(&FactMap::new().with("x", x).with("k", k), day);
                        let want = match (a.holds(x, k), b.holds(x, k)) {
                            (true, true) => Status::Conflict,
                            (false, false) => Status::NoDecision,
                            _ => Status::Decided,
                        };
                        prop_assert_eq!(d.status, want);
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn dead_exceptions_and_precedence_agree_with_brute_force(a in cond(), c in cond()) {
        let text = format!(
            "{HEAD}[[rule]]\nid = \"ra\"\ncitation = \"c\"\nwhen = {}\noutcome = \"A\"\n[[rule]]\nid = \"rc\"\nexception_to = \"ra\"\ncitation = \"c\"\nwhen = {}\noutcome = \"C\"\n",
            a.toml(),
            c.toml()
        );
        let Ok(set) = RuleSet::from_toml(&text, "p.toml") else {
            // Unreachable rules are covered by the test above.
            prop_assume!(false);
            unreachable!()
        };
        let alive = witnesses(|x, k| a.holds(x, k) && c.holds(x, k));
        let dead = set.analyze().dead_exceptions.iter().any(|d| d.rule == "rc");
        prop_assert_eq!(dead, !alive, "dead-exception analysis disagrees\n{}", text);
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for x in -8i64..=8 {
            for k in ["a", "b", "c"] {
                let d = set.evaluate(&FactMap::new().with("x", x).with("k", k), day);
                let want = match (a.holds(x, k), c.holds(x, k)) {
                    (true, true) => Some("C"),
                    (true, false) => Some("A"),
                    // The exception is not considered when its base does not apply.
                    (false, _) => None,
                };
                prop_assert_eq!(d.outcome.as_deref(), want);
            }
        }
    }
}
