//! The overlap analysis is bounded in memory and time: on a generated set of rules that all
//! overlap (inside the documented limits), it lists the first overlaps in full, counts every
//! overlap among the pairs it checked, and says how many pairs it left unchecked. The test
//! checks the result and the counts, not the time.

use sandbox_rules::RuleSet;
use sandbox_rules::analysis::{OVERLAP_PAIRS_MAX, OVERLAPS_LISTED_MAX};
use sandbox_rules::model::{RULE_SET_BYTES_MAX, RULES_MAX};

/// `n` base rules of a decision set, rule `i` applying from `x ≥ i` with its own outcome: any
/// two of them apply together (for a large enough `x`) with different outcomes.
fn overlapping_rules(n: usize) -> String {
    let mut t = String::from("[set]\nname = \"many\"\n[facts.x]\ntype = \"integer\"\n");
    for i in 0..n {
        t.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\ncitation = \"c\"\nwhen = {{ fact = \"x\", ge = {i} }}\noutcome = \"o{i}\"\n"
        ));
    }
    t
}

fn pairs(n: usize) -> u64 {
    (n as u64) * (n as u64 - 1) / 2
}

#[test]
fn a_small_set_is_counted_in_full_and_listed_up_to_the_bound() {
    let n = 120; // 7,140 pairs, every one an overlap
    let set = RuleSet::from_toml(&overlapping_rules(n), "many.toml").unwrap();
    let a = set.analyze();
    assert_eq!(a.overlaps_total, pairs(n));
    assert_eq!(a.pairs_unchecked, 0);
    assert_eq!(a.overlaps.len(), OVERLAPS_LISTED_MAX.min(pairs(n) as usize));
    // The first listed is the first pair in rule order, with a situation where both apply.
    let first = &a.overlaps[0];
    assert_eq!((first.a.as_str(), first.b.as_str()), ("r0", "r1"));
    assert_eq!(first.outcomes, ["o0".to_string(), "o1".to_string()]);
    assert_eq!(first.when, vec!["x ≥ 0".to_string(), "x ≥ 1".to_string()]);
    assert!(!a.is_clean());
}

#[test]
fn the_largest_set_is_analysed_within_its_bounds() {
    let n = RULES_MAX - 1;
    let text = overlapping_rules(n);
    assert!(text.len() <= RULE_SET_BYTES_MAX, "{} bytes", text.len());
    let set = RuleSet::from_toml(&text, "many.toml").unwrap();
    let a = set.analyze();
    // Every pair checked is an overlap; the pairs beyond the bound are counted, not checked.
    assert_eq!(a.overlaps_total, OVERLAP_PAIRS_MAX);
    assert_eq!(a.overlaps_total + a.pairs_unchecked, pairs(n));
    assert_eq!(a.overlaps.len(), OVERLAPS_LISTED_MAX);
    assert_eq!(
        (a.overlaps[0].a.as_str(), a.overlaps[0].b.as_str()),
        ("r0", "r1")
    );
    // Pairs are taken in order: the last listed is r0 with the 1,000th rule after it.
    let last = a.overlaps.last().unwrap();
    assert_eq!((last.a.as_str(), last.b.as_str()), ("r0", "r1000"));
}
