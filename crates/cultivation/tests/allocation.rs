//! Step 2 shares a budget that cannot cover every grant by the program's allocation rule,
//! never by identifier order: the compute voucher with a budget of ten grants (¥500,000 at
//! ¥50,000 each), on the in-memory and the SQLite ledger.
//!
//! The winners are checked against the rule computed here independently: benefits granted
//! without application carry no date, so application order is the lottery alone, SHA-256 of
//! the seed (big-endian) and the USCC, smallest first.

use std::collections::BTreeSet;

use compute_scheduler::seed::derive_seed;
use cultivation::result::BenefitLine;
use cultivation::{CycleConfig, CycleOutcome, DataDir, Quiet, Stores, run_cycle};
use registry_model::MemoryStore;
use sha2::{Digest, Sha256};
use voucher_ledger::program::Program;
use voucher_ledger::{Journal, MemoryJournal, SystemClock, VoucherBook};

const PROGRAM: &str = "compute-voucher";

fn config() -> CycleConfig {
    let mut c = CycleConfig::new().unwrap();
    c.firms = 400;
    c.seed = 11;
    c.jobs_per_holder = 0;
    c
}

/// The shipped compute voucher with a budget of ten ¥50,000 grants.
fn small_program() -> Program {
    let text = include_str!("../../../data/cycle/compute-voucher.toml").replace(
        "annual_budget_yuan = \"100000000\"",
        "annual_budget_yuan = \"500000\"",
    );
    assert!(text.contains("\"500000\""));
    Program::from_toml(&text, "compute-voucher (budget ¥500,000)").unwrap()
}

fn add_program<J: Journal>(book: &mut VoucherBook<J>) {
    if book.program(PROGRAM).is_none() {
        book.add_program("test-program", small_program()).unwrap();
    }
}

fn lines(o: &CycleOutcome) -> Vec<&BenefitLine> {
    o.benefits
        .lines
        .iter()
        .filter(|l| l.program == PROGRAM)
        .collect()
}

fn check(o: &CycleOutcome) {
    let ls = lines(o);
    let granted: BTreeSet<&str> = ls
        .iter()
        .filter(|l| l.status == "granted")
        .map(|l| l.firm.as_str())
        .collect();
    let refused: Vec<&&BenefitLine> = ls.iter().filter(|l| l.status == "refused").collect();
    assert_eq!(granted.len(), 10, "ten grants fit the budget");
    assert!(
        refused.len() >= 10,
        "the budget binds: {} refused",
        refused.len()
    );
    let asked = granted.len() + refused.len();
    for l in &refused {
        assert_eq!(l.decided_by, "application_order", "{l:?}");
        assert!(
            l.detail.starts_with("application_order: position ")
                && l.detail.contains(&format!(
                    " of {asked} (applied without a date; ties by lottery"
                ))
                && l.detail
                    .contains("refused, the budget ¥500000.00 ran out at position 11"),
            "{}",
            l.detail
        );
    }
    for l in ls.iter().filter(|l| l.status == "granted") {
        assert_eq!(l.decided_by, "application_order");
        assert_eq!(l.amount_yuan, Some(rust_decimal::Decimal::from(50_000)));
    }
    // The rule, independently: the ten smallest lottery keys win.
    let seed = derive_seed(11, o.year, "allocation");
    let mut all: Vec<&str> = ls.iter().map(|l| l.firm.as_str()).collect();
    all.sort_by_key(|f| {
        let mut h = Sha256::new();
        h.update(seed.to_be_bytes());
        h.update(f.as_bytes());
        <[u8; 32]>::from(h.finalize())
    });
    let winners: BTreeSet<&str> = all[..10].iter().copied().collect();
    assert_eq!(granted, winners);
    // Not identifier order: the ten smallest USCCs are not the ten granted.
    let mut by_id = all.clone();
    by_id.sort_unstable();
    let first_ids: BTreeSet<&str> = by_id[..10].iter().copied().collect();
    assert_ne!(granted, first_ids);
    assert_eq!(o.benefits.summary.refused_by_rule, refused.len());
}

#[test]
fn a_binding_budget_is_shared_by_the_rule_on_memory_and_sqlite_and_a_rerun_agrees() {
    let c = config();
    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    add_program(&mut ledger);
    let mut cohort = None;
    let mut memory_year = || {
        run_cycle(
            Stores {
                registry: &mut registry,
                ledger: &mut ledger,
                cohort: &mut cohort,
            },
            &c,
            &mut Quiet,
        )
        .unwrap()
    };
    let m = memory_year();
    check(&m);
    // A rerun answers every grant from the ledger and decides the same.
    let again = memory_year();
    assert_eq!(again.benefits.lines, m.benefits.lines);

    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("data"));
    let sqlite_year = || {
        let lock = dir.lock().unwrap();
        let mut registry = dir.open_registry(&lock).unwrap();
        let mut ledger = dir.open_ledger(&lock, true, None).unwrap();
        add_program(&mut ledger);
        let mut cohort = dir.cohort_file(&lock);
        run_cycle(
            Stores {
                registry: registry.as_mut(),
                ledger: &mut ledger,
                cohort: &mut cohort,
            },
            &c,
            &mut Quiet,
        )
        .unwrap()
    };
    let s = sqlite_year();
    check(&s);
    assert_eq!(s.benefits.lines, m.benefits.lines);
    assert_eq!(sqlite_year().benefits.lines, m.benefits.lines);
}
