//! Compute bills paid with vouchers: the adapter between compute-scheduler's [`Payment`]
//! seam and the voucher ledger. Each placed job is a contract with the cluster that runs it,
//! redeemed on the ledger with a request id derived from the year and the job.
//!
//! The simulator pays as it places, one job at a time, while the ledger commits in groups
//! (one durable transaction per group). [`schedule_paying_in_groups`] joins the two: the
//! simulation runs on its own thread and hands each bill over a rendezvous channel to the
//! ledger's thread, which pays it inside the open group and commits a group every
//! `group_size` payments. The order of payments, and so every subsidy, is exactly that of a
//! simulation paying directly; a failed group leaves the groups before it committed.
//!
//! Each contract is dated on the day its job was bound to a cluster (its month of use is what
//! finance's evidence counts): the payer moves the ledger's clock to that day before
//! redeeming. The ledger never dates a request before its last one, so a job bound before the
//! year's vouchers were granted is paid, and dated, on the grant date; a job bound after the
//! year's end is dated 31 December of the year (it is the year's bill). The clock is put back
//! at the end of the step.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use chrono::NaiveDate;
use compute_scheduler::{
    Catalog, Charge, Job, Payment, PaymentError, PolicyKind, Schedule, Scheduler, Simulator,
};
use registry_model::{EnterpriseId, Year};
use rust_decimal::Decimal;
use voucher_ledger::clock::ManualClock;
use voucher_ledger::{Journal, VoucherBook};

use crate::error::{CultivationError, Result};
use crate::observer::Observer;
use crate::step::Step;

/// A bill, owned, as it crosses from the simulation's thread to the ledger's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    /// The firm.
    pub firm: EnterpriseId,
    /// The job's id.
    pub job_id: String,
    /// The provider billed.
    pub provider: String,
    /// Gross cost, yuan.
    pub gross_cost: Decimal,
    /// Bind time, seconds from the start of the year.
    pub time_s: u64,
}

/// Pays bills on the ledger: the firm's compute program redeems a contract
/// `cycle-{year}-{job}` with request id `cycle-{year}-job-{job}`; subsidy = min(ratio ×
/// cost, voucher balance, remaining cap), rounded down to the fen (the ledger's rule). The
/// contract is dated on the bill's day ([`LedgerPayer::date_of`]).
#[derive(Debug, Clone)]
pub struct LedgerPayer {
    year: Year,
    program_of: HashMap<EnterpriseId, String>,
    clock: ManualClock,
}

impl LedgerPayer {
    /// A payer for `year`; `program_of` names the program that pays each firm's bills.
    pub fn new(year: Year, program_of: HashMap<EnterpriseId, String>) -> Self {
        Self {
            year,
            program_of,
            clock: ManualClock::default(),
        }
    }

    /// The day a bill is dated: 1 January of the year plus its bind time in whole days, at
    /// most 31 December of the year (`None` for a year without calendar dates).
    pub fn date_of(&self, time_s: u64) -> Option<NaiveDate> {
        let first = NaiveDate::from_ymd_opt(self.year, 1, 1)?;
        let last = NaiveDate::from_ymd_opt(self.year, 12, 31)?;
        let day = first.checked_add_days(chrono::Days::new(time_s / 86_400));
        Some(day.map_or(last, |d| d.min(last)))
    }

    /// Gives the ledger the payer's clock (the caller puts its own back afterwards).
    pub fn install_clock<J: Journal>(&self, book: &mut VoucherBook<J>) {
        book.set_clock(Box::new(self.clock.clone()));
    }

    /// Whether a bill goes to the ledger (the firm holds a compute voucher and there is
    /// something to pay); other bills are declined without a ledger request.
    pub fn redeems(&self, bill: &Bill) -> bool {
        self.program_of.contains_key(&bill.firm) && bill.gross_cost > Decimal::ZERO
    }

    /// Pays one bill. `Ok(Err(declined))` is an answer (no voucher, nothing to pay, a
    /// refusal of the ledger); `Err` is a ledger failure.
    pub fn pay<J: Journal>(
        &self,
        book: &mut VoucherBook<J>,
        bill: &Bill,
    ) -> Result<std::result::Result<Decimal, String>> {
        let Some(program) = self.program_of.get(&bill.firm) else {
            return Ok(Err("no compute voucher".into()));
        };
        if bill.gross_cost <= Decimal::ZERO {
            return Ok(Err("nothing to pay".into()));
        }
        if let Some(d) = self.date_of(bill.time_s) {
            self.clock.set_date(d);
        }
        let request_id = format!("cycle-{}-job-{}", self.year, bill.job_id);
        let contract_id = format!("cycle-{}-{}", self.year, bill.job_id);
        match book.redeem(
            &request_id,
            program,
            &bill.firm,
            &bill.provider,
            &contract_id,
            bill.gross_cost,
        ) {
            Ok(r) => Ok(Ok(voucher_ledger::money::fen_to_yuan(r.subsidy_fen))),
            Err(e) if e.is_refusal() => Ok(Err(e.to_string())),
            Err(e) => Err(e.into()),
        }
    }
}

/// The simulation's side of the channel.
struct ChannelPayment {
    bills: SyncSender<Bill>,
    answers: Receiver<std::result::Result<Decimal, PaymentError>>,
}

impl Payment for ChannelPayment {
    fn charge(&mut self, charge: &Charge<'_>) -> std::result::Result<Decimal, PaymentError> {
        let bill = Bill {
            firm: charge.firm,
            job_id: charge.job_id.to_string(),
            provider: charge.provider.to_string(),
            gross_cost: charge.gross_cost,
            time_s: charge.time_s,
        };
        self.bills
            .send(bill)
            .map_err(|_| PaymentError::Failed("the ledger stopped taking payments".into()))?;
        self.answers
            .recv()
            .map_err(|_| PaymentError::Failed("the ledger stopped taking payments".into()))?
    }
}

/// Places `jobs` on `catalog` with `policy`, paying each placed job through `payer` on
/// `book` in ledger groups of at most `group_size` payments.
#[allow(clippy::too_many_arguments)]
pub fn schedule_paying_in_groups<J: Journal>(
    book: &mut VoucherBook<J>,
    payer: &LedgerPayer,
    catalog: &Catalog,
    jobs: &[Job],
    policy: PolicyKind,
    group_size: usize,
    observer: &mut dyn Observer,
) -> Result<Schedule> {
    let group_size = group_size.max(1);
    let before = book.today();
    payer.install_clock(book);
    let (bill_tx, bill_rx) = sync_channel::<Bill>(0);
    let (answer_tx, answer_rx) = sync_channel(0);
    let schedule = std::thread::scope(|scope| {
        let simulation = scope.spawn(move || {
            let mut payment = ChannelPayment {
                bills: bill_tx,
                answers: answer_rx,
            };
            Simulator::new(catalog, policy.build(&catalog.scheduling)).schedule(jobs, &mut payment)
        });
        let mut writes = 0usize;
        let mut failure: Option<CultivationError> = None;
        let mut finished = false;
        while !finished && failure.is_none() {
            let group = book.group(|book| -> Result<()> {
                for _ in 0..group_size {
                    let Ok(bill) = bill_rx.recv() else {
                        finished = true;
                        break;
                    };
                    let redeems = payer.redeems(&bill);
                    let paid = payer.pay(book, &bill);
                    observer.advance(1);
                    if redeems {
                        writes += 1;
                        observer.ledger_write(Step::Compute, writes);
                    }
                    match paid {
                        Ok(answer) => {
                            let answer = answer.map_err(PaymentError::Declined);
                            if answer_tx.send(answer).is_err() {
                                // The simulation stopped; it says why when joined.
                                finished = true;
                                break;
                            }
                        }
                        Err(e) => {
                            let _ = answer_tx.send(Err(PaymentError::Failed(e.to_string())));
                            return Err(e);
                        }
                    }
                }
                Ok(())
            });
            if let Err(e) = group {
                failure = Some(e);
            }
        }
        // Closing both ends unblocks a simulation still waiting on the ledger.
        drop(bill_rx);
        drop(answer_tx);
        let schedule = simulation.join().map_err(|_| {
            CultivationError::Compute(compute_scheduler::Error::Parameter {
                name: "simulation".into(),
                message: "the simulation thread panicked".into(),
            })
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(schedule?),
        }
    });
    book.set_clock(Box::new(ManualClock::at_date(before)));
    schedule
}
