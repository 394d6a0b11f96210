//! The panel year over a store: roster, referral, recusal, scores, results and decisions.

use proptest::prelude::*;
use registry_model::cohort::{CohortSpec, generate_cohort};
use registry_model::panel::{Panel, ScoringRule, TieKind};
use registry_model::panel_csv::{parse_roster, parse_scores};
use registry_model::panel_desk::{self, Outcome};
use registry_model::panel_store::ScoreRow;
use registry_model::{
    CriteriaBook, EnterpriseId, MemoryStore, RegistryError, RegistryStore, RulePolicy, SqliteStore,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const ROSTER: &str = "id,name,member_type,affiliation
g1,王政,department,工信厅
g2,李地,locality,西安市
e1,张国,state_owned_firm,国投
e2,赵民,private_firm,某民企
r1,钱研,research_institute,中科院
r2,孙校,university,西安交大
i1,周投,investor,某基金
i2,吴孵,incubator,某孵化器
";

fn panel() -> Panel {
    let members = parse_roster(ROSTER.as_bytes(), "roster.csv").unwrap();
    Panel::new("p1", members, ScoringRule::default()).unwrap()
}

fn firm(i: usize) -> EnterpriseId {
    ["91330101589882738D", "913301060000001231"][i]
        .parse()
        .unwrap()
}

fn row(member: &str, f: EnterpriseId, score: Decimal) -> ScoreRow {
    ScoreRow {
        firm: f,
        member: member.into(),
        score,
        note: String::new(),
    }
}

#[test]
fn the_trimmed_mean_drops_the_highest_and_lowest_golden_by_hand() {
    let mut p = panel();
    p.refer(&[(firm(0), "甲"), (firm(1), "乙")]).unwrap();
    // Firm 0: 50 62 70 71 90 → drop 50 and 90 → (62 + 70 + 71) / 3 = 67.666… → 67.67.
    // Firm 1: four scores, under the quorum of five.
    let scores = [
        row("g1", firm(0), dec!(50)),
        row("e1", firm(0), dec!(62)),
        row("r1", firm(0), dec!(70)),
        row("i1", firm(0), dec!(71)),
        row("g2", firm(0), dec!(90)),
        row("g1", firm(1), dec!(80)),
        row("e1", firm(1), dec!(80)),
        row("r1", firm(1), dec!(80)),
        row("i1", firm(1), dec!(80)),
    ];
    let r = panel_desk::results(&p, &scores);
    assert_eq!(r[0].mean, Some(dec!(67.67)));
    assert_eq!(r[0].outcome, Outcome::Admitted);
    assert_eq!(r[0].trimmed, vec!["g1".to_string(), "g2".to_string()]);
    assert!(
        r[0].reason.contains("trimmed mean 67.67 of 5 scores"),
        "{}",
        r[0].reason
    );
    assert_eq!(r[1].outcome, Outcome::NoQuorum);
    // 40 55 58 59 99 → (55 + 58 + 59) / 3 = 57.33: below 60.
    let low = [
        row("g1", firm(0), dec!(40)),
        row("e1", firm(0), dec!(55)),
        row("r1", firm(0), dec!(58)),
        row("i1", firm(0), dec!(59)),
        row("g2", firm(0), dec!(99)),
    ];
    let r = panel_desk::results(&p, &low);
    assert_eq!(r[0].mean, Some(dec!(57.33)));
    assert_eq!(r[0].outcome, Outcome::NotAdmitted);
}

#[test]
fn an_affiliated_member_is_recused_with_its_reason_and_its_score_refused() {
    let mut p = panel();
    let added = p.refer(&[(firm(0), "国投")]).unwrap();
    assert_eq!(added, vec![("e1".to_string(), firm(0))]);
    let rec = panel_desk::recusals(&p, &firm(0));
    assert_eq!(
        rec,
        vec![("e1".into(), "employed: affiliated with 国投".into())]
    );
    let sheet = format!("member,firm,score\ng1,{0},70\ne1,{0},90\n", firm(0));
    let err = parse_scores(sheet.as_bytes(), "s.csv", &p)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("s.csv:3: field 'member' = 'e1': recused"),
        "{err}"
    );
}

#[test]
fn every_bad_line_names_file_line_field_and_value() {
    let mut p = panel();
    p.refer(&[(firm(0), "甲")]).unwrap();
    let f = firm(0);
    let cases = [
        (
            format!("member,firm,score\nzz,{f},70\n"),
            "s.csv:2: field 'member' = 'zz'",
        ),
        (
            format!("member,firm,score\ng1,{},70\n", firm(1)),
            "s.csv:2: field 'firm' = '913301060000001231': not referred",
        ),
        (
            format!("member,firm,score\ng1,{f},70\ng2,{f},101\n"),
            "s.csv:3: field 'score' = '101': outside 0..=100",
        ),
        (
            format!("member,firm,score\ng1,{f},x\n"),
            "s.csv:2: field 'score' = 'x'",
        ),
        (
            format!("member,firm,score\ng1,{f},7\ng1,{f},8\n"),
            "s.csv:3: field 'firm'",
        ),
        ("member,firm,grade\n".to_string(), "s.csv:1: field 'grade'"),
    ];
    for (text, want) in cases {
        let err = parse_scores(text.as_bytes(), "s.csv", &p)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(want), "{err}\nwanted {want}");
    }
    let err = parse_roster("id,name,member_type\na,b,mayor\n".as_bytes(), "r.csv")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("r.csv:2: field 'member_type' = 'mayor'"),
        "{err}"
    );
}

fn seeded(store: &mut dyn RegistryStore) {
    let (firms, reports) = generate_cohort(&CohortSpec {
        count: 400,
        first_year: 2022,
        last_year: 2025,
        seed: 7,
    })
    .unwrap();
    store.insert(&firms, &reports).unwrap();
}

/// create → refer → recuse → scores (a bad sheet changes nothing) → decide → decide again.
fn the_year(store: &mut dyn RegistryStore) {
    seeded(store);
    let book = CriteriaBook::embedded().unwrap();
    let set = book.for_year(2025).unwrap();
    let policy = RulePolicy::default_policy().unwrap();
    let p = panel();
    panel_desk::create(store, 2025, &p).unwrap();
    assert!(matches!(
        panel_desk::create(store, 2025, &p),
        Err(RegistryError::Duplicate { .. })
    ));
    let referred = panel_desk::refer(store, 2025, "p1", set, &policy, None).unwrap();
    assert!(!referred.is_empty(), "the cohort has borderline firms");
    let first = referred[0].firm;
    assert!(
        panel_desk::recuse(
            store,
            2025,
            "p1",
            "i2",
            first,
            TieKind::Invested,
            "fund holds 5 %"
        )
        .unwrap()
    );
    let p = panel_desk::stored(store, 2025, "p1").unwrap();
    // A sheet whose last line is bad writes nothing.
    let mut sheet = String::from("member,firm,score\n");
    for (k, r) in referred.iter().enumerate() {
        for (m, s) in [("g1", 55), ("e2", 65), ("r1", 70), ("r2", 72), ("i1", 90)] {
            sheet.push_str(&format!("{m},{},{}\n", r.firm, s - (k % 3) as i64 * 5));
        }
    }
    let bad = format!("{sheet}i2,{first},80\n");
    let err = parse_scores(bad.as_bytes(), "s.csv", &p)
        .unwrap_err()
        .to_string();
    assert!(err.contains("recused"), "{err}");
    assert!(store.panel_scores(2025, "p1").unwrap().is_empty());
    let rows = parse_scores(sheet.as_bytes(), "s.csv", &p).unwrap();
    store.put_panel_scores(2025, "p1", &rows).unwrap();
    let d = panel_desk::decide(store, 2025, set, &policy).unwrap();
    assert!(!d.already);
    assert_eq!(d.decisions.len(), referred.len());
    let adj = store.adjustment(2025).unwrap().unwrap();
    let e = adj.entry(&first).unwrap();
    // 55 65 70 72 90 → (65 + 70 + 72) / 3 = 69.
    assert_eq!(e.panel.as_ref().unwrap().score, dec!(69));
    assert!(
        e.reasons
            .iter()
            .any(|r| r == "panel 'p1': trimmed mean 69 of 5 scores"),
        "{:?}",
        e.reasons
    );
    let again = panel_desk::decide(store, 2025, set, &policy).unwrap();
    assert!(again.already);
    assert_eq!(again.decisions, d.decisions);
    assert_eq!(store.adjustment(2025).unwrap().unwrap(), adj);
}

#[test]
fn the_panel_year_runs_alike_in_memory_and_in_sqlite() {
    let mut mem = MemoryStore::new();
    the_year(&mut mem);
    let dir = tempfile::tempdir().unwrap();
    let mut sq = SqliteStore::open(dir.path().join("r.sqlite")).unwrap();
    the_year(&mut sq);
    assert_eq!(mem.adjustment(2025).unwrap(), sq.adjustment(2025).unwrap());
}

proptest! {
    /// A recused member's score never moves the result, whatever it is.
    #[test]
    fn a_recused_members_score_is_never_counted(
        scores in proptest::collection::vec(0u32..=100, 7),
        recused_score in 0u32..=100,
    ) {
        let mut p = panel();
        p.refer(&[(firm(0), "甲")]).unwrap();
        p.declare_tie("i2", firm(0), TieKind::Related, "brother-in-law").unwrap();
        let ids = ["g1", "g2", "e1", "e2", "r1", "r2", "i1"];
        let mut rows: Vec<ScoreRow> = ids.iter().zip(&scores).map(|(m, s)| row(m, firm(0), Decimal::from(*s))).collect();
        let without = panel_desk::results(&p, &rows);
        rows.push(row("i2", firm(0), Decimal::from(recused_score)));
        let with = panel_desk::results(&p, &rows);
        prop_assert_eq!(&without[0].mean, &with[0].mean);
        prop_assert_eq!(with[0].valid, 7);
        // The mean lies between the smallest and largest kept scores.
        let mut s = scores.clone();
        s.sort();
        let mean = with[0].mean.unwrap();
        prop_assert!(mean >= Decimal::from(s[1]) && mean <= Decimal::from(s[5]));
    }
}
