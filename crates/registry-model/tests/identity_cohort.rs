//! USCC validation properties and the synthetic cohort's guarantees.

use std::collections::HashSet;

use proptest::prelude::*;
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::id::{USCC_CHARSET, uscc_check_char};
use registry_model::region::PROVINCES;
use registry_model::{EnterpriseId, LegacyPolicy, UsccError};

fn charset_char() -> impl Strategy<Value = char> {
    (0usize..31).prop_map(|i| USCC_CHARSET[i] as char)
}

/// Seventeen characters with a real province in positions 3–4.
fn first17() -> impl Strategy<Value = String> {
    (
        charset_char(),
        charset_char(),
        0usize..PROVINCES.len(),
        proptest::collection::vec(0u8..10, 4),
        proptest::collection::vec(charset_char(), 9),
    )
        .prop_map(|(a, b, p, digits, rest)| {
            let mut s = String::new();
            s.push(a);
            s.push(b);
            s.push_str(PROVINCES[p].0);
            for d in digits {
                s.push(char::from(b'0' + d));
            }
            s.extend(rest);
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_generated_code_always_validates(f in first17()) {
        let id = EnterpriseId::from_first17(&f).unwrap();
        prop_assert_eq!(&id.as_str()[..17], f.as_str());
        prop_assert!(!id.is_legacy());
        prop_assert_eq!(EnterpriseId::parse(id.as_str()).unwrap(), id);
    }

    /// Weights 3^i mod 31 are all non-zero and 31 is prime, so changing any one character to
    /// another of the set changes the sum mod 31: the code is rejected.
    #[test]
    fn any_single_character_change_is_caught(f in first17(), pos in 0usize..18, by in 1usize..31) {
        let id = EnterpriseId::from_first17(&f).unwrap();
        let mut bytes = id.as_str().as_bytes().to_vec();
        let old = USCC_CHARSET.iter().position(|&c| c == bytes[pos]).unwrap();
        bytes[pos] = USCC_CHARSET[(old + by) % 31];
        let changed = String::from_utf8(bytes).unwrap();
        let err = EnterpriseId::parse(&changed).unwrap_err();
        prop_assert!(
            matches!(err, UsccError::CheckCharacter { .. } | UsccError::Region { .. } | UsccError::Character { .. }),
            "{err}"
        );
        // When the province is still real, the error names the expected check character.
        if let UsccError::CheckCharacter { expected, .. } = err {
            prop_assert_eq!(Some(expected), uscc_check_char(&changed[..17]));
        }
    }
}

#[test]
fn hand_made_wrong_codes() {
    // Lower case is accepted and normalised; I/O/S/V/Z are not in the set.
    assert_eq!(
        EnterpriseId::parse("91110000600037341l").unwrap().as_str(),
        "91110000600037341L"
    );
    for (code, why) in [
        ("91110000600037341", "17 characters"),
        ("911100006000373410L", "19 characters"),
        ("9111000060003734OL", "letter O"),
        ("91110000600037341S", "letter S"),
        ("91990000600037341L", "no province 99"),
        ("91330101589882738E", "wrong check character"),
        ("91330101589882737D", "transposed digit"),
    ] {
        assert!(EnterpriseId::parse(code).is_err(), "{code}: {why}");
    }
    let err = EnterpriseId::parse("91330101589882738E")
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected 'D'"), "{err}");
    let id = EnterpriseId::parse_with("91330101589882738E", LegacyPolicy::Accept).unwrap();
    assert!(id.is_legacy());
    assert_eq!(id.region().province_name_zh(), Some("浙江"));
}

#[test]
fn cohort_codes_are_valid_unique_and_in_real_provinces() {
    let spec = CohortSpec {
        count: 5000,
        first_year: 2021,
        last_year: 2025,
        seed: 99,
    };
    let (firms, reports) = generate_cohort(&spec).unwrap();
    assert_eq!(firms.len(), 5000);
    let ids: HashSet<_> = firms.iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), 5000, "USCCs are unique");
    let mut provinces = HashSet::new();
    for f in &firms {
        assert!(!f.id.is_legacy());
        assert!(f.id.org_code_valid(), "{}", f.id);
        let p = f.id.region().province_name_zh().expect("real province");
        provinces.insert(p);
        assert!(f.name.starts_with(p));
    }
    assert!(provinces.len() >= 25, "{provinces:?}");
    for r in &reports {
        r.validate().unwrap();
        assert!(ids.contains(&r.id));
        assert!((2021..=2025).contains(&r.year));
    }
    // Skewed: most firms small, a few large; a handful of unicorn-sized valuations.
    let mut rev: Vec<i64> = reports
        .iter()
        .filter(|r| r.year == 2025)
        .filter_map(|r| r.revenue_yuan.map(|m| m.fen()))
        .collect();
    rev.sort_unstable();
    let median = rev[rev.len() / 2];
    let p99 = rev[rev.len() * 99 / 100];
    assert!(p99 > 20 * median, "median {median}, p99 {p99}");
    let unicorns: HashSet<_> = reports
        .iter()
        .filter(|r| r.valuation_yuan.is_some_and(|v| v.fen() >= 710_000_000_000))
        .map(|r| r.id)
        .collect();
    assert!((3..=40).contains(&unicorns.len()), "{}", unicorns.len());
}

#[test]
fn cohort_is_the_same_whatever_the_thread_count() {
    let spec = CohortSpec {
        count: 800,
        first_year: 2020,
        last_year: 2024,
        seed: 5,
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let a = one.install(|| generate_cohort(&spec).unwrap());
    let b = four.install(|| generate_cohort(&spec).unwrap());
    assert_eq!(a, b);
    let mut bytes_a = Vec::new();
    registry_model::csvio::write_csv(&mut bytes_a, &a.0, &a.1).unwrap();
    let mut bytes_b = Vec::new();
    registry_model::csvio::write_csv(&mut bytes_b, &b.0, &b.1).unwrap();
    assert_eq!(bytes_a, bytes_b);
    let other = generate_cohort(&CohortSpec { seed: 6, ..spec }).unwrap();
    assert_ne!(other.1, a.1);
}

#[test]
fn the_fast_path_gives_the_same_outcomes_as_full_verdicts() {
    let spec = CohortSpec {
        count: 3000,
        first_year: 2019,
        last_year: 2025,
        seed: 17,
    };
    let (firms, reports) = generate_cohort(&spec).unwrap();
    let book = registry_model::CriteriaBook::embedded().unwrap();
    let mut by_firm: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
    for r in &reports {
        by_firm.entry(r.id).or_default().push(r.clone());
    }
    let mut met = 0;
    for f in &firms {
        let own = by_firm.get(&f.id).cloned().unwrap_or_default();
        for year in [2022, 2025, 2026] {
            let set = book.for_year(year).unwrap();
            let ev = registry_model::Evidence::new(f, year, &own);
            let full = set.evaluate(&ev);
            let fast = set.outcomes(&ev);
            let full_outcomes: Vec<_> = full.verdicts.iter().map(|v| v.outcome).collect();
            assert_eq!(full_outcomes, fast.to_vec(), "{} {year}", f.id);
            met += fast
                .iter()
                .filter(|o| **o == registry_model::Outcome::Met)
                .count();
        }
    }
    assert!(met > 1000, "{met}");
}

#[test]
fn csv_round_trip_keeps_every_fact() {
    let spec = CohortSpec {
        count: 400,
        first_year: 2021,
        last_year: 2025,
        seed: 3,
    };
    let (firms, reports) = generate_cohort(&spec).unwrap();
    let mut bytes = Vec::new();
    registry_model::csvio::write_csv(&mut bytes, &firms, &reports).unwrap();
    let parsed = registry_model::csvio::parse_csv(
        &bytes[..],
        "mem.csv",
        registry_model::LegacyPolicy::Reject,
    )
    .unwrap();
    assert_eq!(parsed.firms, firms);
    let mut want = reports.clone();
    want.sort_by_key(|r| (r.id, r.year));
    let mut got = parsed.reports;
    got.sort_by_key(|r| (r.id, r.year));
    assert_eq!(got, want);
}

#[test]
fn a_report_lists_its_facts_by_name() {
    let id: EnterpriseId = "91110000600037341L".parse().unwrap();
    let mut r = registry_model::AnnualReport::new(id, 2024);
    r.staff = Some(12);
    let facts: Vec<_> = r.facts().collect();
    assert_eq!(facts.len(), registry_model::report::FACTS.len());
    assert_eq!(
        facts.iter().find(|(n, _)| *n == "staff").map(|(_, v)| *v),
        Some(registry_model::report::FactValue::Count(Some(12)))
    );
    assert_eq!(facts.iter().filter(|(_, v)| v.is_some()).count(), 1);
}

#[test]
fn extending_the_last_year_keeps_earlier_firms_and_reports() {
    let short = CohortSpec {
        count: 600,
        first_year: 2021,
        last_year: 2024,
        seed: 12,
    };
    let long = CohortSpec {
        last_year: 2026,
        ..short
    };
    let (f1, r1) = generate_cohort(&short).unwrap();
    let (f2, r2) = generate_cohort(&long).unwrap();
    assert_eq!(f1, f2);
    let early: Vec<_> = r2.iter().filter(|r| r.year <= 2024).cloned().collect();
    assert_eq!(early, r1);
    assert!(r2.iter().any(|r| r.year == 2026));
}
