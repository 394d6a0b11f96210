//! The registry conformance suite: what every [`RegistryStore`] must do, written once over
//! the trait and run against every implementation (memory, SQLite, PostgreSQL, …) by its own
//! tests.
//!
//! Enabled by the `conformance` feature, for tests. Each check takes a [`StoreFactory`] of
//! fresh stores and panics (as a test does) naming what differs. The reference behaviour is
//! [`MemoryStore`]'s: a check runs the same writes on a memory store and on the store under
//! test and requires the same reads, refusals and change logs.
//!
//! ```
//! use registry_model::MemoryStore;
//! use registry_model::conformance::{self, StoreFactory};
//!
//! struct Memory;
//! impl StoreFactory for Memory {
//!     type Store = MemoryStore;
//!     fn create(&mut self) -> MemoryStore { MemoryStore::new() }
//!     fn reopen(&mut self, s: &MemoryStore) -> MemoryStore { s.clone() }
//! }
//! conformance::firms_and_reports_round_trip(&mut Memory);
//! ```
//!
//! In a test file, [`crate::registry_conformance!`] writes one `#[test]` per check.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::adjust::Adjustment;
use crate::cohort::{CohortSpec, generate_cohort};
use crate::criteria::CriteriaBook;
use crate::error::RegistryError;
use crate::id::{EnterpriseId, LegacyPolicy};
use crate::panel::{Member, Panel, Role, ScoringRule, Tie, TieKind};
use crate::panel_store::{PanelWrite, ScoreRow};
use crate::policy::RulePolicy;
use crate::report::{AnnualReport, Enterprise, FactValue};
use crate::resource::{ResourceDetails, ResourceRegistry};
use crate::store::{MemoryStore, RegistryStore};
use crate::tier::{Tier, Year};

/// Makes the stores a conformance check runs on.
pub trait StoreFactory {
    /// The store under test.
    type Store: RegistryStore + Send;
    /// A new, empty store (a fresh file, schema or memory).
    fn create(&mut self) -> Self::Store;
    /// Another handle on the store `store` is kept in: a reopened file, a new connection, a
    /// copy of the memory. What it reads is what `store` wrote.
    fn reopen(&mut self, store: &Self::Store) -> Self::Store;
    /// Whether handles from [`StoreFactory::reopen`] may write at the same time (a database
    /// server): enables the check of concurrent adjustments.
    fn concurrent_writers(&self) -> bool {
        false
    }
}

/// The synthetic cohort of the checks: 60 firms reporting 2019–2024, seed 11.
fn cohort() -> (Vec<Enterprise>, Vec<AnnualReport>) {
    generate_cohort(&CohortSpec {
        count: 60,
        first_year: 2019,
        last_year: 2024,
        seed: 11,
    })
    .expect("the synthetic cohort")
}

/// A legacy firm (its check character is wrong, accepted on request and flagged) with a
/// report that has no fact at all, and one with every kind of fact set.
fn odd_firms() -> (Vec<Enterprise>, Vec<AnnualReport>) {
    let legacy =
        EnterpriseId::parse_with("91310110666007217A", LegacyPolicy::Accept).expect("legacy id");
    let quoted = EnterpriseId::from_first17("91330106000000777").expect("id");
    let firms = vec![
        Enterprise {
            id: legacy,
            name: "旧码企业 \"legacy\"\ttab".into(),
            founded: NaiveDate::from_ymd_opt(2010, 2, 28).unwrap_or_default(),
            industry: None,
        },
        Enterprise {
            id: quoted,
            name: "O'Brien \\ Co., 数据\n有限公司".into(),
            founded: NaiveDate::from_ymd_opt(2018, 12, 31).unwrap_or_default(),
            industry: crate::industry::IndustryCode::parse("6513").ok(),
        },
    ];
    let empty = AnnualReport::new(legacy, 2023);
    let mut full = AnnualReport::new(quoted, 2023);
    let set = |r: &mut AnnualReport, name: &str, v: FactValue| {
        r.set_fact(name, v)
            .unwrap_or_else(|e| panic!("setting {name}: {e}"));
    };
    set(
        &mut full,
        "revenue_yuan",
        FactValue::Money(Some(
            crate::money::Money::from_fen(123_456_789).unwrap_or_default(),
        )),
    );
    set(
        &mut full,
        "debt_ratio",
        FactValue::Decimal(Some(rust_decimal::Decimal::new(4250, 4))),
    );
    set(&mut full, "staff", FactValue::Count(Some(42)));
    set(&mut full, "listed", FactValue::Flag(Some(false)));
    set(&mut full, "pe_backed", FactValue::Flag(Some(true)));
    (firms, vec![empty, full])
}

fn assert_reads_equal<A: RegistryStore + ?Sized, B: RegistryStore + ?Sized>(
    what: &str,
    got: &A,
    want: &B,
) {
    assert_eq!(got.firms().ok(), want.firms().ok(), "{what}: firms");
    assert_eq!(
        got.firm_count().ok(),
        want.firm_count().ok(),
        "{what}: firm count"
    );
    assert_eq!(
        got.reports_between(2000, 2100).ok(),
        want.reports_between(2000, 2100).ok(),
        "{what}: reports"
    );
    assert_eq!(
        got.adjusted_years().ok(),
        want.adjusted_years().ok(),
        "{what}: adjusted years"
    );
    for y in want.adjusted_years().unwrap_or_default() {
        assert_eq!(
            got.adjustment(y).ok(),
            want.adjustment(y).ok(),
            "{what}: adjustment {y}"
        );
        for tier in [
            None,
            Some(Tier::Potential),
            Some(Tier::Growth),
            Some(Tier::Leading),
        ] {
            assert_eq!(
                got.list(y, tier).ok(),
                want.list(y, tier).ok(),
                "{what}: list {y} {tier:?}"
            );
        }
    }
    assert_eq!(
        got.counts_by_year().ok(),
        want.counts_by_year().ok(),
        "{what}: counts by year"
    );
    for f in want.firms().unwrap_or_default().iter().step_by(7) {
        assert_eq!(
            got.firm(&f.id).ok(),
            want.firm(&f.id).ok(),
            "{what}: firm {}",
            f.id
        );
        assert_eq!(
            got.reports_of(&f.id).ok(),
            want.reports_of(&f.id).ok(),
            "{what}: reports of {}",
            f.id
        );
        assert_eq!(
            got.history(&f.id).ok(),
            want.history(&f.id).ok(),
            "{what}: history of {}",
            f.id
        );
        assert_eq!(
            got.tier_history(&f.id).ok(),
            want.tier_history(&f.id).ok(),
            "{what}: tier history of {}",
            f.id
        );
    }
    assert_eq!(
        got.resources().ok(),
        want.resources().ok(),
        "{what}: resources"
    );
}

/// Firms and reports (a legacy code, names with quotes, tabs, backslashes and line breaks, a
/// report without facts, one with every kind of fact) read back as written, after reopening
/// too; an identical firm is left alone; a batch with one fault writes nothing.
pub fn firms_and_reports_round_trip<F: StoreFactory>(f: &mut F) {
    let (firms, reports) = cohort();
    let (odd, odd_reports) = odd_firms();
    let mut reference = MemoryStore::new();
    let mut store = f.create();
    assert_eq!(store.firm_count().ok(), Some(0), "a new store is empty");
    for s in [&mut reference as &mut dyn RegistryStore, &mut store] {
        let sum = s.insert(&firms, &reports).expect("inserting the cohort");
        assert_eq!(sum.firms_added, 60);
        assert_eq!(sum.reports_added as usize, reports.len());
        let sum = s
            .insert(&odd, &odd_reports)
            .expect("inserting the odd firms");
        assert_eq!(sum.reports_added, 2);
        // The same firms again, without reports: left alone.
        let again = s.insert(&firms[..5], &[]).expect("identical firms");
        assert_eq!((again.firms_added, again.firms_unchanged), (0, 5));
    }
    assert_reads_equal("after inserting", &store, &reference);
    let legacy = odd.first().map(|f| f.id).expect("legacy firm");
    let stored = store.firm(&legacy).ok().flatten().expect("the legacy firm");
    assert!(stored.id.is_legacy(), "the legacy flag is kept");

    // A batch with a new firm and a report already stored: refused whole.
    let newcomer = Enterprise {
        id: EnterpriseId::from_first17("91440300000000999").expect("id"),
        name: "新企业".into(),
        founded: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default(),
        industry: None,
    };
    let dup = reports.first().cloned().expect("a report");
    let e = store
        .insert(std::slice::from_ref(&newcomer), &[dup])
        .expect_err("a report stored already");
    assert!(matches!(e, RegistryError::Duplicate { .. }), "{e}");
    // A firm stored with other data: refused whole.
    let mut renamed = firms[0].clone();
    renamed.name.push_str(" (renamed)");
    let e = store
        .insert(&[newcomer.clone(), renamed], &[])
        .expect_err("other data for a stored firm");
    assert!(matches!(e, RegistryError::InvalidField { .. }), "{e}");
    assert_eq!(
        store.firm(&newcomer.id).ok(),
        Some(None),
        "nothing was written"
    );
    assert_reads_equal("after the refusals", &store, &reference);
    let reopened = f.reopen(&store);
    assert_reads_equal("reopened", &reopened, &reference);
}

fn adjust_all<S: RegistryStore + ?Sized>(s: &mut S, years: &[Year]) -> Vec<Adjustment> {
    let book = CriteriaBook::embedded().expect("the criteria sets");
    let policy = RulePolicy::default_policy().expect("the tier policy");
    years
        .iter()
        .map(|&y| {
            let set = book
                .get("cn-2022")
                .unwrap_or_else(|e| panic!("set cn-2022 for {y}: {e}"));
            s.adjust(y, set, &policy)
                .unwrap_or_else(|e| panic!("adjusting {y}: {e}"))
        })
        .collect()
}

/// Three yearly adjustments give the same change logs, histories, lists and counts as in
/// memory, after reopening too; rewriting or skipping a year and a report for an adjusted
/// year are refused and write nothing; a panel's decision enters the change log.
pub fn adjustments_match_memory<F: StoreFactory>(f: &mut F) {
    let (firms, reports) = cohort();
    let mut reference = MemoryStore::new();
    let mut store = f.create();
    let years = [2021, 2022, 2023];
    for s in [&mut reference as &mut dyn RegistryStore, &mut store] {
        s.insert(&firms, &reports).expect("inserting the cohort");
    }
    let want = adjust_all(&mut reference, &years);
    let got = adjust_all(&mut store, &years);
    assert_eq!(got, want, "the change logs");
    assert_reads_equal("after adjusting", &store, &reference);
    assert_eq!(store.last_adjusted_year().ok(), Some(Some(2023)));

    let book = CriteriaBook::embedded().expect("the criteria sets");
    let policy = RulePolicy::default_policy().expect("the tier policy");
    let set = book.get("cn-2022").expect("cn-2022");
    let e = store.adjust(2023, set, &policy).expect_err("a rewrite");
    assert!(matches!(e, RegistryError::AdjustmentOrder { .. }), "{e}");
    let e = store
        .adjust(2025, set, &policy)
        .expect_err("a skipped year");
    assert!(matches!(e, RegistryError::AdjustmentOrder { .. }), "{e}");
    let late = reports
        .iter()
        .find(|r| r.year == 2024)
        .cloned()
        .map(|mut r| {
            r.year = 2022;
            r
        });
    if let Some(late) = late.filter(|r| store.report(&r.id, 2022).ok() == Some(None)) {
        let e = store
            .insert(&[], &[late])
            .expect_err("a report of a frozen year");
        assert!(matches!(e, RegistryError::InvalidField { .. }), "{e}");
    }
    // A failing review commits nothing.
    let e = store
        .adjust_with_review(2024, set, &policy, &mut |_| {
            Err(RegistryError::NotFound {
                what: "panel",
                key: "absent".into(),
            })
        })
        .expect_err("a failing review");
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
    assert_reads_equal("after the refusals", &store, &reference);

    let reopened = f.reopen(&store);
    assert_reads_equal("reopened", &reopened, &reference);
    let mut reopened = reopened;
    let a = adjust_all(&mut reopened, &[2024]);
    let b = adjust_all(&mut reference, &[2024]);
    assert_eq!(a, b, "the 2024 change log after reopening");
    assert_reads_equal("after 2024", &reopened, &reference);
}

/// Data-resource records round-trip, are replaced by id, and a code already used by another
/// record is refused.
pub fn resources_round_trip<F: StoreFactory>(f: &mut F) {
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2025, m, day).unwrap_or_default();
    let holder: EnterpriseId = "91330101589882738D".parse().expect("id");
    let mut reg = ResourceRegistry::new(0);
    let details = |name: &str| ResourceDetails {
        name: name.into(),
        description: "城市交通流量，每日更新 \"quoted\"".into(),
    };
    let mut ids = Vec::new();
    for name in ["甲", "乙"] {
        let id = reg.apply(holder, details(name), d(3, 1)).expect("apply");
        reg.accept(&id, d(3, 2)).expect("accept");
        reg.pass_review(&id, d(3, 3)).expect("review");
        reg.publish_notice(&id, d(3, 4)).expect("notice");
        reg.complete(&id, d(3, 4)).expect("complete");
        ids.push(id);
    }
    let pending = reg.apply(holder, details("丙"), d(4, 1)).expect("apply");
    let mut store = f.create();
    let mut reference = MemoryStore::new();
    for s in [&mut reference as &mut dyn RegistryStore, &mut store] {
        for r in reg.records() {
            s.put_resource(r).expect("put");
        }
        // Replacing a record by id.
        if let Some(r) = reg.get(&pending) {
            s.put_resource(r).expect("replace");
        }
    }
    assert_eq!(store.resources().ok(), reference.resources().ok());
    let mut clash = reg.get(&ids[1]).cloned().expect("record");
    clash.id = "DR-APP-clash".into();
    clash.code = reg.get(&ids[0]).and_then(|r| r.code.clone());
    let e = store.put_resource(&clash).expect_err("a code used twice");
    assert!(matches!(e, RegistryError::Duplicate { .. }), "{e}");
    assert_eq!(store.resources().ok(), reference.resources().ok());
    let reopened = f.reopen(&store);
    assert_eq!(reopened.resources().ok(), reference.resources().ok());
}

fn panel_member(id: &str, role: Role, ties: Vec<Tie>) -> Member {
    Member {
        id: id.into(),
        name: format!("专家 {id}"),
        role,
        kind: None,
        affiliation: String::new(),
        ties,
    }
}

/// A panel of eight, two per role; `e1` is tied to `tied` (employed there, so recused).
fn panel_of(name: &str, tied: EnterpriseId, pass_mark: i64) -> Panel {
    let members = vec![
        panel_member("g1", Role::Government, vec![]),
        panel_member("g2", Role::Government, vec![]),
        panel_member(
            "e1",
            Role::Enterprise,
            vec![Tie {
                firm: tied,
                kind: TieKind::Employed,
                reason: String::new(),
            }],
        ),
        panel_member("e2", Role::Enterprise, vec![]),
        panel_member("r1", Role::Research, vec![]),
        panel_member("r2", Role::Research, vec![]),
        panel_member("i1", Role::Investment, vec![]),
        panel_member("i2", Role::Investment, vec![]),
    ];
    let rule = ScoringRule {
        min_valid_scores: 5,
        trim_each_end: 1,
        score_max: Decimal::new(100, 0),
        pass_mark: Decimal::new(pass_mark, 0),
    };
    Panel::new(name, members, rule).expect("the conformance panel")
}

fn score(firm: EnterpriseId, member: &str, tenths: i64, note: &str) -> ScoreRow {
    ScoreRow {
        firm,
        member: member.into(),
        score: Decimal::new(tenths, 1),
        note: note.into(),
    }
}

/// Panels and their scores round-trip, by year and name, after reopening too; a roster is
/// replaced until it is scored and fixed after; scores are added all or nothing (a batch with
/// one refused row — a recused member, a changed score, a member not on the panel — writes
/// none of it), rerunning an import changes nothing, and nothing of an adjusted year is
/// written. The results and refusals are [`MemoryStore`]'s.
pub fn panels_round_trip<F: StoreFactory>(f: &mut F) {
    let (firms, reports) = cohort();
    let a = firms[0].id;
    let b = firms[1].id;
    let year: Year = 2025;
    let first = panel_of("遴选组 \"甲\"", a, 60);
    let second = panel_of("遴选组 \"甲\"", a, 70);
    let other = panel_of("乙组", b, 60);
    let good = vec![
        score(b, "g1", 875, "数据要素\t应用广泛\n第二行"),
        score(a, "g2", 600, ""),
        score(a, "r1", 1000, "满分 'quoted' \\ backslash"),
    ];
    let mut store = f.create();
    let mut reference = MemoryStore::new();
    for s in [&mut reference as &mut dyn RegistryStore, &mut store] {
        s.insert(&firms, &reports).expect("inserting the cohort");
        assert_eq!(s.put_panel(year, &first).ok(), Some(PanelWrite::Added));
        assert_eq!(s.put_panel(year, &first).ok(), Some(PanelWrite::Unchanged));
        assert_eq!(s.put_panel(year, &second).ok(), Some(PanelWrite::Replaced));
        assert_eq!(s.put_panel(year, &other).ok(), Some(PanelWrite::Added));
        assert_eq!(s.put_panel(year - 1, &first).ok(), Some(PanelWrite::Added));
        let w = s
            .put_panel_scores(year, second.name(), &good)
            .expect("scores");
        assert_eq!((w.added, w.unchanged), (3, 0));
        let w = s
            .put_panel_scores(year, second.name(), &good)
            .expect("rerun");
        assert_eq!((w.added, w.unchanged), (0, 3), "a rerun adds nothing");
    }
    let same = |store: &dyn RegistryStore, reference: &MemoryStore, what: &str| {
        for y in [year - 1, year, year + 1] {
            assert_eq!(
                store.panels(y).ok(),
                reference.panels(y).ok(),
                "{what}: {y}"
            );
        }
        assert_eq!(
            store.panel(year, second.name()).ok(),
            Some(Some(second.clone())),
            "{what}: by name"
        );
        assert_eq!(store.panel(year, "无此组").ok(), Some(None), "{what}");
        for name in [second.name(), other.name()] {
            assert_eq!(
                store.panel_scores(year, name).ok(),
                reference.panel_scores(year, name).ok(),
                "{what}: scores of {name}"
            );
        }
    };
    same(&store, &reference, "after writing");
    let mut want = good.clone();
    want.sort_by(|x, y| (x.firm, &x.member).cmp(&(y.firm, &y.member)));
    assert_eq!(
        store.panel_scores(year, second.name()).ok(),
        Some(want),
        "ordered by firm then member"
    );
    assert_eq!(
        store.panels(year).ok().map(|p| p.len()),
        Some(2),
        "two panels in {year}"
    );

    // Refusals write nothing.
    let fresh = score(b, "g2", 500, "");
    let batches = [
        vec![fresh.clone(), score(a, "e1", 900, "")],
        vec![fresh.clone(), score(a, "g2", 650, "")],
        vec![fresh.clone(), score(a, "x9", 500, "")],
        vec![fresh.clone(), score(a, "g1", 1010, "")],
    ];
    for batch in &batches {
        let e = store
            .put_panel_scores(year, second.name(), batch)
            .expect_err("a batch with a refused row");
        assert!(matches!(e, RegistryError::Panel { .. }), "{e}");
    }
    let e = store
        .put_panel_scores(year, "无此组", std::slice::from_ref(&fresh))
        .expect_err("an unknown panel");
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
    let e = store
        .put_panel(year, &first)
        .expect_err("a scored roster replaced");
    assert!(matches!(e, RegistryError::Panel { .. }), "{e}");
    same(&store, &reference, "after the refusals");

    // An adjusted year's panels are frozen.
    let book = CriteriaBook::embedded().expect("the criteria sets");
    let policy = RulePolicy::default_policy().expect("the tier policy");
    let set = book.get("cn-2022").expect("cn-2022");
    store.adjust(year - 1, set, &policy).expect("adjusting");
    reference.adjust(year - 1, set, &policy).expect("adjusting");
    let e = store
        .put_panel(year - 1, &other)
        .expect_err("a panel of an adjusted year");
    assert!(matches!(e, RegistryError::AdjustmentOrder { .. }), "{e}");
    let e = store
        .put_panel_scores(year - 1, first.name(), &[fresh])
        .expect_err("scores of an adjusted year");
    assert!(matches!(e, RegistryError::AdjustmentOrder { .. }), "{e}");

    let reopened = f.reopen(&store);
    same(&reopened, &reference, "reopened");
}

/// Two writers adjust the same year at the same time (skipped without concurrent writers):
/// exactly one commits; the other is refused with [`RegistryError::AdjustmentOrder`] saying
/// the year is adjusted already, and the stored change log is the winner's.
pub fn concurrent_adjustments_one_wins<F: StoreFactory>(f: &mut F) {
    if !f.concurrent_writers() {
        return;
    }
    let (firms, reports) = cohort();
    let mut store = f.create();
    store
        .insert(&firms, &reports)
        .expect("inserting the cohort");
    let handles: Vec<F::Store> = (0..3).map(|_| f.reopen(&store)).collect();
    let barrier = std::sync::Barrier::new(handles.len());
    let outcomes: Vec<Result<Adjustment, RegistryError>> = std::thread::scope(|s| {
        let joins: Vec<_> = handles
            .into_iter()
            .map(|mut h| {
                let barrier = &barrier;
                s.spawn(move || {
                    let book = CriteriaBook::embedded().expect("sets");
                    let policy = RulePolicy::default_policy().expect("policy");
                    let set = book.get("cn-2022").expect("cn-2022");
                    barrier.wait();
                    h.adjust(2021, set, &policy)
                })
            })
            .collect();
        joins
            .into_iter()
            .map(|j| j.join().expect("an adjusting thread panicked"))
            .collect()
    });
    let won: Vec<&Adjustment> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "exactly one adjustment commits: {outcomes:?}");
    for o in &outcomes {
        if let Err(e) = o {
            assert!(
                matches!(e, RegistryError::AdjustmentOrder { year: 2021, .. })
                    && e.to_string().contains("already adjusted"),
                "the others are refused clearly: {e}"
            );
        }
    }
    assert_eq!(
        store.adjustment(2021).ok().flatten().as_ref(),
        won.first().copied()
    );
}

/// Writes one `#[test]` per conformance check. `$make` is an expression giving
/// `Option<impl StoreFactory>`: `None` skips the checks (a backend not available here).
#[macro_export]
macro_rules! registry_conformance {
    ($make:expr) => {
        #[test]
        fn conformance_firms_and_reports_round_trip() {
            if let Some(mut f) = $make {
                $crate::conformance::firms_and_reports_round_trip(&mut f);
            }
        }
        #[test]
        fn conformance_adjustments_match_memory() {
            if let Some(mut f) = $make {
                $crate::conformance::adjustments_match_memory(&mut f);
            }
        }
        #[test]
        fn conformance_resources_round_trip() {
            if let Some(mut f) = $make {
                $crate::conformance::resources_round_trip(&mut f);
            }
        }
        #[test]
        fn conformance_panels_round_trip() {
            if let Some(mut f) = $make {
                $crate::conformance::panels_round_trip(&mut f);
            }
        }
        #[test]
        fn conformance_concurrent_adjustments_one_wins() {
            if let Some(mut f) = $make {
                $crate::conformance::concurrent_adjustments_one_wins(&mut f);
            }
        }
    };
}
