//! Selection panels and data-resource registration.

use chrono::NaiveDate;
use registry_model::panel::{Member, MemberKind, Panel, Role, ScoringRule, Tie, TieKind};
use registry_model::resource::{
    RegistrationKind, ResourceDetails, ResourceRegistry, ResourceState,
};
use registry_model::{EnterpriseId, MemoryStore, RegistryError, RegistryStore, SqliteStore};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn firm() -> EnterpriseId {
    "91330101589882738D".parse().unwrap()
}

fn member(id: &str, role: Role, ties: Vec<Tie>) -> Member {
    Member {
        id: id.into(),
        name: format!("专家{id}"),
        role,
        kind: None,
        affiliation: String::new(),
        ties,
    }
}

fn panel() -> Panel {
    let f = firm();
    Panel::new(
        "2025 遴选组",
        vec![
            member("g1", Role::Government, vec![]),
            member("g2", Role::Government, vec![]),
            member(
                "e1",
                Role::Enterprise,
                vec![Tie {
                    firm: f,
                    kind: TieKind::Employed,
                    reason: String::new(),
                }],
            ),
            member("e2", Role::Enterprise, vec![]),
            member("r1", Role::Research, vec![]),
            member("r2", Role::Research, vec![]),
            member(
                "i1",
                Role::Investment,
                vec![Tie {
                    firm: f,
                    kind: TieKind::Invested,
                    reason: String::new(),
                }],
            ),
            member("i2", Role::Investment, vec![]),
        ],
        ScoringRule {
            min_valid_scores: 5,
            trim_each_end: 1,
            score_max: dec!(100),
            pass_mark: dec!(60),
        },
    )
    .unwrap()
}

fn scores(list: &[(&str, Decimal)]) -> Vec<(String, Decimal)> {
    list.iter().map(|(i, s)| (i.to_string(), *s)).collect()
}

#[test]
fn four_in_one_names_every_missing_role() {
    let err = Panel::new(
        "p",
        vec![
            member("g", Role::Government, vec![]),
            member("e", Role::Enterprise, vec![]),
        ],
        ScoringRule {
            min_valid_scores: 1,
            trim_each_end: 0,
            score_max: dec!(100),
            pass_mark: dec!(60),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no research, investment member"), "{err}");
}

#[test]
fn tied_members_are_recused_and_the_mean_is_trimmed() {
    // e1 (employed) and i1 (invested) are recused; their 100s are ignored.
    // Valid: 60, 70, 75, 80, 82, 95 → drop 60 and 95 → mean of 70, 75, 80, 82 = 76.75.
    let s = panel()
        .score(
            &firm(),
            &scores(&[
                ("g1", dec!(70)),
                ("g2", dec!(60)),
                ("e1", dec!(100)),
                ("e2", dec!(75)),
                ("r1", dec!(80)),
                ("r2", dec!(95)),
                ("i1", dec!(100)),
                ("i2", dec!(82)),
            ]),
        )
        .unwrap();
    assert_eq!(s.score, dec!(76.75));
    assert_eq!(s.recused, vec!["e1", "i1"]);
    assert_eq!(s.trimmed, vec!["g2", "r2"]);
    assert_eq!(s.valid.len(), 6);
    // Another firm: nobody is recused. 60..100 trimmed → mean of the middle six.
    let other: EnterpriseId = "91110000600037341L".parse().unwrap();
    let s = panel()
        .score(
            &other,
            &scores(&[
                ("g1", dec!(70)),
                ("g2", dec!(60)),
                ("e1", dec!(100)),
                ("e2", dec!(75)),
                ("r1", dec!(80)),
                ("r2", dec!(95)),
                ("i1", dec!(100)),
                ("i2", dec!(82)),
            ]),
        )
        .unwrap();
    // Sorted: 60 70 75 80 82 95 100 100 → keep 70 75 80 82 95 100 → 502 / 6 = 83.666… → 83.67.
    assert_eq!(s.score, dec!(83.67));
    assert!(s.recused.is_empty());
}

#[test]
fn too_few_valid_scores_unknown_members_and_ranges_are_errors() {
    let p = panel();
    let err = p
        .score(
            &firm(),
            &scores(&[
                ("g1", dec!(70)),
                ("g2", dec!(60)),
                ("e1", dec!(90)),
                ("e2", dec!(75)),
                ("r1", dec!(80)),
            ]),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("4 valid scores, at least 5 needed (2 recused)"),
        "{err}"
    );
    let err = p
        .score(&firm(), &scores(&[("zz", dec!(70))]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("'zz'"), "{err}");
    let err = p
        .score(&firm(), &scores(&[("g1", dec!(101))]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("101"), "{err}");
    let err = p
        .score(&firm(), &scores(&[("g1", dec!(1)), ("g1", dec!(2))]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("twice"), "{err}");
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, day).unwrap()
}

fn details(name: &str) -> ResourceDetails {
    ResourceDetails {
        name: name.into(),
        description: "城市交通流量，每日更新".into(),
    }
}

fn registered(reg: &mut ResourceRegistry, holder: EnterpriseId, name: &str) -> String {
    let id = reg.apply(holder, details(name), d(3, 1)).unwrap();
    reg.accept(&id, d(3, 2)).unwrap();
    reg.pass_review(&id, d(3, 3)).unwrap();
    reg.publish_notice(&id, d(3, 4)).unwrap();
    reg.complete(&id, d(3, 14)).unwrap();
    id
}

#[test]
fn registration_runs_in_order_and_illegal_steps_are_errors() {
    let mut reg = ResourceRegistry::new(10);
    let holder: EnterpriseId = "91330101589882738D".parse().unwrap();
    let id = reg.apply(holder, details("交通流量"), d(3, 1)).unwrap();
    let err = reg.publish_notice(&id, d(3, 2)).unwrap_err();
    assert!(
        matches!(err, RegistryError::IllegalTransition { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("applied"), "{err}");
    reg.accept(&id, d(3, 2)).unwrap();
    assert!(reg.accept(&id, d(3, 2)).is_err());
    reg.pass_review(&id, d(3, 3)).unwrap();
    reg.publish_notice(&id, d(3, 4)).unwrap();
    assert!(
        reg.complete(&id, d(3, 13)).is_err(),
        "9 days of notice are not enough"
    );
    let r = reg.complete(&id, d(3, 14)).unwrap();
    assert_eq!(r.state, ResourceState::Registered);
    assert_eq!(r.code.as_deref(), Some("DR-33-2025-000001"));
    assert_eq!(r.version, 1);
    assert!(reg.apply(holder, details(" "), d(3, 1)).is_err());
}

#[test]
fn change_correction_and_cancellation_keep_codes_unique() {
    let mut reg = ResourceRegistry::new(0);
    let holder: EnterpriseId = "91330101589882738D".parse().unwrap();
    let a = registered(&mut reg, holder, "甲");
    let b = registered(&mut reg, holder, "乙");
    let code_a = reg.get(&a).unwrap().code.clone().unwrap();
    let code_b = reg.get(&b).unwrap().code.clone().unwrap();
    assert_ne!(code_a, code_b);
    // Change: through the same steps; the code stays, the details change.
    reg.apply_change(&a, details("甲（更新）"), d(4, 1))
        .unwrap();
    assert_eq!(reg.get(&a).unwrap().kind, RegistrationKind::Change);
    reg.accept(&a, d(4, 2)).unwrap();
    reg.pass_review(&a, d(4, 3)).unwrap();
    reg.publish_notice(&a, d(4, 4)).unwrap();
    let r = reg.complete(&a, d(4, 5)).unwrap();
    assert_eq!(r.details.name, "甲（更新）");
    assert_eq!(r.code.as_deref(), Some(code_a.as_str()));
    assert_eq!(r.version, 2);
    // A rejected correction leaves the record registered with its old details.
    reg.apply_correction(&a, details("错"), d(5, 1), "名称有误")
        .unwrap();
    reg.reject(&a, d(5, 2), "无依据").unwrap();
    assert_eq!(reg.get(&a).unwrap().state, ResourceState::Registered);
    assert_eq!(reg.get(&a).unwrap().details.name, "甲（更新）");
    // Cancellation retires the code; nothing can follow.
    reg.apply_cancellation(&b, d(6, 1), "停止提供").unwrap();
    reg.accept(&b, d(6, 2)).unwrap();
    reg.pass_review(&b, d(6, 3)).unwrap();
    reg.publish_notice(&b, d(6, 4)).unwrap();
    assert_eq!(
        reg.complete(&b, d(6, 5)).unwrap().state,
        ResourceState::Cancelled
    );
    assert!(reg.apply_change(&b, details("丙"), d(7, 1)).is_err());
    // A new registration never reuses the retired code, also after a reload from a store.
    let mut store = MemoryStore::new();
    for r in reg.records() {
        store.put_resource(r).unwrap();
    }
    let mut again = ResourceRegistry::from_records(store.resources().unwrap(), 0).unwrap();
    let c = registered(&mut again, holder, "丁");
    let code_c = again.get(&c).unwrap().code.clone().unwrap();
    assert!(code_c != code_a && code_c != code_b);
    assert_eq!(code_c, "DR-33-2025-000003");
}

#[test]
fn stores_refuse_a_duplicate_code() {
    let mut reg = ResourceRegistry::new(0);
    let holder: EnterpriseId = "91330101589882738D".parse().unwrap();
    let a = registered(&mut reg, holder, "甲");
    let mut copy = reg.get(&a).unwrap().clone();
    copy.id = "REG-99999999".into();
    let dir = tempfile::tempdir().unwrap();
    let mut sq = SqliteStore::open(dir.path().join("r.sqlite")).unwrap();
    let mut mem = MemoryStore::new();
    for s in [&mut sq as &mut dyn RegistryStore, &mut mem] {
        s.put_resource(reg.get(&a).unwrap()).unwrap();
        let err = s.put_resource(&copy).unwrap_err();
        assert!(matches!(err, RegistryError::Duplicate { .. }), "{err}");
        assert_eq!(s.resources().unwrap().len(), 1);
    }
}

#[test]
fn panel_decisions_apply_to_referred_firms_before_the_commit() {
    use registry_model::cohort::{CohortSpec, generate_cohort};
    use registry_model::{Change, CriteriaBook, RulePolicy, Tier};
    let (firms, reports) = generate_cohort(&CohortSpec {
        count: 400,
        first_year: 2021,
        last_year: 2024,
        seed: 8,
    })
    .unwrap();
    let book = CriteriaBook::embedded().unwrap();
    let policy = RulePolicy::default_policy().unwrap();
    let mut store = MemoryStore::new();
    store.insert(&firms, &reports).unwrap();
    let members = |firm| {
        vec![
            member("g", Role::Government, vec![]),
            member(
                "e",
                Role::Enterprise,
                vec![Tie {
                    firm,
                    kind: TieKind::Related,
                    reason: String::new(),
                }],
            ),
            member("r", Role::Research, vec![]),
            member("i", Role::Investment, vec![]),
            member("i2", Role::Investment, vec![]),
        ]
    };
    let rule = ScoringRule {
        min_valid_scores: 3,
        trim_each_end: 1,
        score_max: dec!(100),
        pass_mark: dec!(60),
    };
    let mut decided = None;
    let adj = store
        .adjust_with_review(2024, book.for_year(2024).unwrap(), &policy, &mut |adj| {
            let e = adj
                .panel_referrals()
                .next()
                .expect("some borderline firm")
                .clone();
            let panel = Panel::new("遴选组", members(e.id), rule).unwrap();
            // g 80, r 60, i 70, i2 90; e is recused → drop 60 and 90 → 75.
            let s = panel.score(
                &e.id,
                &scores(&[
                    ("g", dec!(80)),
                    ("e", dec!(10)),
                    ("r", dec!(60)),
                    ("i", dec!(70)),
                    ("i2", dec!(90)),
                ]),
            )?;
            assert_eq!(s.score, dec!(75));
            adj.apply_panel_decision("遴选组", &s, Some(Tier::Growth))?;
            // A firm that was not referred cannot be overridden.
            let other = adj.entries.iter().find(|x| !x.borderline).unwrap().id;
            let mut fake = s.clone();
            fake.firm = other;
            assert!(adj.apply_panel_decision("遴选组", &fake, None).is_err());
            decided = Some(e.id);
            Ok(())
        })
        .unwrap();
    let id = decided.unwrap();
    let e = adj.entry(&id).unwrap();
    assert_eq!(e.to, Some(Tier::Growth));
    assert_eq!(e.change, Change::between(e.from, Some(Tier::Growth)));
    assert!(
        e.reasons
            .last()
            .unwrap()
            .contains("panel '遴选组' scored 75"),
        "{:?}",
        e.reasons
    );
    // What was committed is what the panel decided.
    assert_eq!(
        store
            .adjustment(2024)
            .unwrap()
            .unwrap()
            .entry(&id)
            .unwrap()
            .to,
        Some(Tier::Growth)
    );
    // A failing review commits nothing.
    let err = store.adjust_with_review(2025, book.for_year(2025).unwrap(), &policy, &mut |_| {
        Err(RegistryError::Panel {
            panel: "p".into(),
            reason: "no quorum".into(),
        })
    });
    assert!(err.is_err());
    assert_eq!(store.adjusted_years().unwrap(), vec![2024]);
}

#[test]
fn the_eight_member_kinds_fill_the_four_roles_and_the_composition_counts_them() {
    // Two kinds per role, in the measures' order.
    let roles: Vec<Role> = MemberKind::ALL.iter().map(|k| k.role()).collect();
    assert_eq!(
        roles,
        [
            Role::Government,
            Role::Government,
            Role::Enterprise,
            Role::Enterprise,
            Role::Research,
            Role::Research,
            Role::Investment,
            Role::Investment
        ]
    );
    assert_eq!(
        "高校".parse::<MemberKind>().unwrap(),
        MemberKind::University
    );
    assert_eq!(
        "incubator".parse::<MemberKind>().unwrap(),
        MemberKind::Incubator
    );
    assert!("professor".parse::<MemberKind>().is_err());

    let kinded = |id: &str, kind: MemberKind| Member {
        kind: Some(kind),
        affiliation: String::new(),
        ..member(id, kind.role(), vec![])
    };
    let mut members = vec![
        kinded("d", MemberKind::Department),
        kinded("s", MemberKind::StateOwnedFirm),
        kinded("p", MemberKind::PrivateFirm),
        kinded("u", MemberKind::University),
        kinded("v", MemberKind::Investor),
    ];
    members.push(member("x", Role::Research, vec![]));
    let p = Panel::new("组", members.clone(), ScoringRule::default()).unwrap();
    let c = p.composition();
    assert_eq!(
        c.per_role,
        vec![
            (Role::Government, 1),
            (Role::Enterprise, 2),
            (Role::Research, 2),
            (Role::Investment, 1)
        ]
    );
    assert_eq!(
        c.kinds_missing,
        vec![
            MemberKind::Locality,
            MemberKind::ResearchInstitute,
            MemberKind::Incubator
        ]
    );
    assert_eq!(c.without_kind, 1);
    assert_eq!(c.ties, 0);

    // A member whose kind belongs to another role is refused, naming both.
    let mut wrong = members.clone();
    wrong[1].role = Role::Research;
    let err = Panel::new("组", wrong, ScoringRule::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("kind state_owned_firm (role enterprise), not research"),
        "{err}"
    );

    // The pass mark lies within the score range.
    let rule = ScoringRule {
        pass_mark: dec!(101),
        ..ScoringRule::default()
    };
    let err = Panel::new("组", members.clone(), rule)
        .unwrap_err()
        .to_string();
    assert!(err.contains("pass_mark (101)"), "{err}");
    assert!(Panel::new(" ", members, ScoringRule::default()).is_err());
}
