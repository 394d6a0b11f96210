//! Voucher program TOML (`Program::from_toml`, `voucher program add FILE`): no panic; through
//! a book that already holds the shipped programs, a program that is refused writes nothing
//! (the journal and the programs are as before), and one that is accepted verifies.

use crate::{all_or_nothing, text};
use voucher_ledger::{Journal, ManualClock, Program, VoucherBook};

/// Runs the target on one input; panics on a broken property.
pub fn run(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let _ = Program::from_toml(s, "program.toml");
    let mut book = VoucherBook::in_memory(Box::new(ManualClock::at_date(
        chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
    )));
    book.add_default_programs("defaults").unwrap();
    let added = all_or_nothing(
        "voucher program add",
        &mut book,
        |b| {
            (
                b.journal().entries().unwrap().len(),
                b.programs().map(|p| p.id.clone()).collect::<Vec<_>>(),
            )
        },
        |b| b.add_program_toml("fuzz", s, "program.toml"),
    );
    if added.is_ok() {
        book.verify()
            .expect("a book that accepted a program verifies");
    }
}
