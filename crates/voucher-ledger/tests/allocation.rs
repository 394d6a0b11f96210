//! Budget allocation: each rule's invariants (pro rata sums to the budget to the fen; an
//! ordered rule grants a prefix of its order, so tier priority never grants a lower tier
//! while a higher one is refused), the seeded lottery independent of input order and
//! threads, and hand-computed cases.

use std::sync::OnceLock;

use chrono::NaiveDate;
use proptest::prelude::*;
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::{EnterpriseId, Tier};
use rust_decimal::Decimal;
use voucher_ledger::allocation::{Allocation, Decision, Request, allocate};

fn ids() -> &'static [EnterpriseId] {
    static IDS: OnceLock<Vec<EnterpriseId>> = OnceLock::new();
    IDS.get_or_init(|| {
        let (firms, _) = generate_cohort(&CohortSpec {
            count: 64,
            first_year: 2024,
            last_year: 2024,
            seed: 7,
        })
        .unwrap();
        firms.into_iter().map(|f| f.id).collect()
    })
}

fn request(
    i: usize,
    amount_fen: u64,
    day: Option<u32>,
    tier: Option<usize>,
    score: Option<u32>,
) -> Request {
    Request {
        firm: ids()[i],
        amount_fen,
        applied_on: day.map(|d| {
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(u64::from(d))
        }),
        tier: tier.and_then(|t| Tier::ALL.get(t).copied()),
        score: score.map(Decimal::from),
    }
}

fn requests() -> impl Strategy<Value = Vec<Request>> {
    prop::collection::vec(
        (
            1u64..5_000_000,
            prop::option::of(0u32..5),
            prop::option::of(0usize..3),
            prop::option::of(0u32..4),
        ),
        1..40,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (a, d, t, s))| request(i, a, d, t, s))
            .collect()
    })
}

const RULES: [Allocation; 4] = [
    Allocation::ApplicationOrder,
    Allocation::TierPriority,
    Allocation::ScoreOrder,
    Allocation::ProRata,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_rule_keeps_its_invariants(reqs in requests(), budget_share in 0u64..=120, seed in any::<u64>()) {
        let total: u64 = reqs.iter().map(|r| r.amount_fen).sum();
        let budget = total * budget_share / 100;
        for rule in RULES {
            let d = allocate(rule, budget, &reqs, seed).unwrap();
            prop_assert_eq!(d.len(), reqs.len());
            let granted: u64 = d.iter().map(|x| x.granted_fen).sum();
            prop_assert!(granted <= budget.max(total.min(budget)));
            for (x, r) in d.iter().zip(&reqs) {
                prop_assert_eq!(x.firm, r.firm);
                prop_assert!(x.granted_fen <= r.amount_fen);
                prop_assert!(!x.reason.is_empty());
            }
            if total <= budget {
                prop_assert!(d.iter().all(|x| x.granted_fen == x.requested_fen));
                continue;
            }
            if rule == Allocation::ProRata {
                // To the fen, and never below the rounded-down share.
                prop_assert_eq!(granted, budget);
                for x in &d {
                    let floor = u128::from(x.requested_fen) * u128::from(budget) / u128::from(total);
                    prop_assert!(u128::from(x.granted_fen) >= floor && u128::from(x.granted_fen) <= floor + 1);
                }
            } else {
                // A prefix of the order is granted whole; everything after is refused.
                let mut by_rank = d.clone();
                by_rank.sort_by_key(|x| x.rank);
                let first_refused = by_rank.iter().position(|x| x.granted_fen == 0).unwrap_or(by_rank.len());
                prop_assert!(by_rank[..first_refused].iter().all(|x| x.granted_fen == x.requested_fen));
                prop_assert!(by_rank[first_refused..].iter().all(|x| x.granted_fen == 0 && x.reason.contains("ran out")));
            }
            if rule == Allocation::TierPriority {
                let tier_of = |x: &Decision| reqs.iter().find(|r| r.firm == x.firm).unwrap().tier;
                let lowest_granted = d.iter().filter(|x| x.granted_fen > 0).map(tier_of).min();
                let highest_refused = d.iter().filter(|x| x.granted_fen == 0).map(tier_of).max();
                if let (Some(g), Some(r)) = (lowest_granted, highest_refused) {
                    prop_assert!(g >= r, "granted {:?} while {:?} refused", g, r);
                }
            }
        }
    }

    #[test]
    fn the_lottery_depends_on_the_seed_only(reqs in requests(), seed in any::<u64>()) {
        let budget = reqs.iter().map(|r| r.amount_fen).sum::<u64>() / 2;
        for rule in RULES {
            let a = allocate(rule, budget, &reqs, seed).unwrap();
            let mut rev = reqs.clone();
            rev.reverse();
            let mut b = allocate(rule, budget, &rev, seed).unwrap();
            b.reverse();
            prop_assert_eq!(&a, &b);
            let threads: Vec<Vec<Decision>> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..3).map(|_| s.spawn(|| allocate(rule, budget, &reqs, seed).unwrap())).collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            prop_assert!(threads.iter().all(|t| *t == a));
        }
    }
}

#[test]
fn hand_computed_cases() {
    // Pro rata: 100 fen for three requests of 50: 33 each, the last fen to one firm.
    let reqs: Vec<Request> = (0..3).map(|i| request(i, 50, None, None, None)).collect();
    let d = allocate(Allocation::ProRata, 100, &reqs, 1).unwrap();
    let mut g: Vec<u64> = d.iter().map(|x| x.granted_fen).collect();
    g.sort_unstable();
    assert_eq!(g, vec![33, 33, 34]);
    // Application order: budget 150 fen; requests of 100 on day 2, 60 on day 0, 80 on day 1:
    // day 0 (60) granted, day 1 (80) granted (140), day 2 (100) refused.
    let reqs = vec![
        request(0, 100, Some(2), None, None),
        request(1, 60, Some(0), None, None),
        request(2, 80, Some(1), None, None),
    ];
    let d = allocate(Allocation::ApplicationOrder, 150, &reqs, 1).unwrap();
    assert_eq!(
        d.iter().map(|x| x.granted_fen).collect::<Vec<_>>(),
        vec![0, 60, 80]
    );
    assert!(
        d[0].reason.contains("position 3 of 3 (applied 2025-01-03"),
        "{}",
        d[0].reason
    );
    assert!(
        d[0].reason
            .contains("ran out at position 3 (¥0.10 left, ¥1.00 asked there)"),
        "{}",
        d[0].reason
    );
    // Tier priority puts the leading firm first whatever its date.
    let reqs = vec![
        request(0, 100, Some(0), Some(0), None),
        request(1, 100, Some(3), Some(2), None),
    ];
    let d = allocate(Allocation::TierPriority, 100, &reqs, 1).unwrap();
    assert_eq!(
        d.iter().map(|x| x.granted_fen).collect::<Vec<_>>(),
        vec![0, 100]
    );
    // Score order, highest first; a firm without a score last.
    let reqs = vec![
        request(0, 100, None, None, None),
        request(1, 100, None, None, Some(70)),
        request(2, 100, None, None, Some(90)),
    ];
    let d = allocate(Allocation::ScoreOrder, 200, &reqs, 1).unwrap();
    assert_eq!(d.iter().map(|x| x.rank).collect::<Vec<_>>(), vec![3, 2, 1]);
    assert_eq!(
        d.iter().map(|x| x.granted_fen).collect::<Vec<_>>(),
        vec![0, 100, 100]
    );
    // A firm asking twice is refused as a whole.
    let twice = vec![
        request(0, 1, None, None, None),
        request(0, 2, None, None, None),
    ];
    assert!(
        allocate(Allocation::ProRata, 1, &twice, 1)
            .unwrap_err()
            .to_string()
            .contains("twice")
    );
}

#[test]
fn a_program_names_its_rule_and_the_default_keeps_old_bytes() {
    let text = include_str!("../../../data/vouchers/hangzhou-compute-2024.toml");
    let p = voucher_ledger::Program::from_toml(text, "hangzhou.toml").unwrap();
    assert_eq!(p.allocation, Allocation::ApplicationOrder);
    assert!(!serde_json::to_string(&p).unwrap().contains("allocation"));
    let with = text.replacen("id = ", "allocation = \"pro_rata\"\nid = ", 1);
    let p = voucher_ledger::Program::from_toml(&with, "hangzhou.toml").unwrap();
    assert_eq!(p.allocation, Allocation::ProRata);
    assert!(
        serde_json::to_string(&p)
            .unwrap()
            .contains("\"allocation\":\"pro_rata\"")
    );
    let bad = text.replacen("id = ", "allocation = \"uscc_order\"\nid = ", 1);
    assert!(voucher_ledger::Program::from_toml(&bad, "hangzhou.toml").is_err());
}
