//! Voucher-ledger results as tables and records, money in exact yuan: replies to writes,
//! balances, a firm's statement, a program's report, a verification, the program list.

use rust_decimal::Decimal;
use voucher_ledger::money::{fen_to_yuan, signed_fen_to_yuan};
use voucher_ledger::share::{CostShare, Part};
use voucher_ledger::{
    AccountBalance, ClawbackReceipt, FirmStatement, Program, ProgramReport, Reply, VerifyReport,
};

use crate::cell::Cell;
use crate::record::Record;
use crate::table::Table;

/// Fen as money in yuan.
pub fn yuan(fen: u64) -> Cell {
    Cell::money(fen_to_yuan(fen))
}

/// Signed fen as money in yuan.
pub fn signed_yuan(fen: i128) -> Cell {
    Cell::money(signed_fen_to_yuan(fen))
}

fn clawback(r: &mut Record, c: &ClawbackReceipt) {
    r.push("clawback_program", &c.program);
    r.push("firm", c.firm.to_string());
    r.push("year", c.year);
    r.push("unused_returned_yuan", yuan(c.unused_fen));
    r.push("redeemed_owed_back_yuan", yuan(c.redeemed_fen));
    r.push("reason", &c.reason);
}

/// A reply to a write.
pub fn reply_record(reply: &Reply) -> Record {
    let mut r = Record::new();
    match reply {
        Reply::ProgramAdded { program } => r.push("program_added", program),
        Reply::ProviderAdded { program, provider } => {
            r.push("program", program);
            r.push("provider_approved", provider);
        }
        Reply::RelatedDeclared { firm, provider } => {
            r.push("firm", firm.to_string());
            r.push("related_provider", provider);
        }
        Reply::Granted(g) => {
            r.push("program", &g.program);
            r.push("firm", g.firm.to_string());
            r.push("year", g.year);
            r.push("granted_yuan", yuan(g.amount_fen));
            r.push("granted_this_year_yuan", yuan(g.granted_year_fen));
            r.push("cap_yuan", yuan(g.cap_fen));
            r.push("expires_on", g.expires_on);
            r.push("transfer", g.transfer_id.to_string());
        }
        Reply::Redeemed(x) | Reply::Held(x) => {
            r.push("program", &x.program);
            r.push("firm", x.firm.to_string());
            r.push("provider", &x.provider);
            r.push("contract", &x.contract_id);
            r.push("contract_yuan", yuan(x.contract_amount_fen));
            r.push("ratio", x.ratio);
            r.push("ratio_x_contract_yuan", yuan(x.by_ratio_fen));
            r.push("voucher_balance_yuan", yuan(x.balance_fen));
            r.push("cap_remaining_yuan", yuan(x.cap_remaining_fen));
            r.push("subsidy_yuan", yuan(x.subsidy_fen));
            r.push("firm_pays_yuan", yuan(x.firm_pays_fen));
            r.push("limited_by", format!("{:?}", x.limited_by).to_lowercase());
            r.push("cross_region", x.cross_region);
            r.push("held", x.held);
        }
        Reply::Settled {
            contract_id,
            subsidy_fen,
            ..
        } => {
            r.push("contract_settled", contract_id);
            r.push("subsidy_yuan", yuan(*subsidy_fen));
        }
        Reply::Released {
            contract_id,
            subsidy_fen,
        } => {
            r.push("contract_released", contract_id);
            r.push("returned_to_voucher_yuan", yuan(*subsidy_fen));
        }
        Reply::Expired(x) => {
            r.push("as_of", x.as_of);
            r.push("vouchers_expired", x.vouchers);
            r.push("returned_to_budget_yuan", yuan(x.returned_fen));
            r.push("left_for_next_run", x.remaining);
        }
        Reply::ClawedBack(c) => clawback(&mut r, c),
        Reply::Rated {
            program,
            firm,
            year,
            rating,
            clawback: claw,
        } => {
            r.push("program", program);
            r.push("firm", firm.to_string());
            r.push("year", *year);
            r.push("rating", format!("{rating:?}").to_lowercase());
            if let Some(c) = claw {
                clawback(&mut r, c);
            }
        }
        Reply::AccountsCreated { count } => r.push("accounts_created", *count),
        Reply::TransfersCreated { count } => r.push("transfers_created", *count),
        Reply::AccountClosed { account_id } => r.push("account_closed", account_id.to_string()),
        Reply::PeriodClosed { through } => r.push("closed_through", *through),
        Reply::Challenge(c) => {
            r.push("program", &c.program);
            r.push("task", &c.task);
            r.push("firm", c.firm.to_string());
            r.push("step", c.step.key());
            r.push("amount_yuan", yuan(c.amount_fen));
            r.push("year", c.year);
            r.push("reserved_yuan", yuan(c.team.reserved_fen));
            r.push("paid_yuan", yuan(c.team.paid_fen));
            r.push("released_yuan", yuan(c.team.released_fen));
            r.push("recovered_yuan", yuan(c.team.recovered_fen));
            r.push("escrow_yuan", yuan(c.team.escrow_fen()));
        }
        Reply::Posted {
            books, postings, ..
        } => {
            r.push("books", books);
            r.push("postings", *postings);
        }
        Reply::DocumentsPut { count } => r.push("documents_put", *count),
    }
    r
}

/// Account balances.
pub fn balances_table<'a>(balances: impl IntoIterator<Item = &'a AccountBalance>) -> Table {
    let mut t = Table::new([
        "account",
        "ledger",
        "debits_yuan",
        "credits_yuan",
        "balance_yuan",
        "pending_debits_yuan",
        "pending_credits_yuan",
    ]);
    for b in balances {
        t.push([
            Cell::from(&b.name),
            Cell::from(b.ledger),
            yuan(b.debits_posted_fen),
            yuan(b.credits_posted_fen),
            signed_yuan(b.balance_fen),
            yuan(b.debits_pending_fen),
            yuan(b.credits_pending_fen),
        ]);
    }
    t
}

/// A firm's statement: every voucher movement.
pub fn statement_table(st: &FirmStatement) -> Table {
    let mut t = Table::new([
        "date",
        "program",
        "year",
        "kind",
        "amount_yuan",
        "voucher_balance_yuan",
        "contract_id",
    ]);
    for l in &st.lines {
        t.push([
            Cell::from(l.date),
            Cell::from(&l.program),
            Cell::from(l.year),
            Cell::from(&l.kind),
            signed_yuan(l.amount_fen),
            signed_yuan(l.balance_fen),
            Cell::from(l.contract_id.clone()),
        ]);
    }
    t
}

/// A firm's statement as one JSON object: its lines and totals, money in yuan.
pub fn statement_json(st: &FirmStatement) -> serde_json::Value {
    let t = statement_table(st);
    let lines: Vec<serde_json::Value> = t
        .rows
        .iter()
        .map(|r| {
            t.header
                .iter()
                .zip(r)
                .map(|(h, c)| (h.clone(), c.json()))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect();
    serde_json::json!({
        "firm": st.firm.to_string(),
        "lines": lines,
        "subsidy_total_yuan": fen_to_yuan(st.subsidy_total_fen).to_string(),
        "firm_paid_total_yuan": fen_to_yuan(st.firm_paid_total_fen).to_string(),
        "owed_yuan": fen_to_yuan(st.owed_fen).to_string(),
    })
}

/// The statement's totals in words.
pub fn statement_note(st: &FirmStatement) -> String {
    format!(
        "subsidies received {} yuan; paid by the firm on those contracts {} yuan; owed back {} yuan",
        fen_to_yuan(st.subsidy_total_fen),
        fen_to_yuan(st.firm_paid_total_fen),
        fen_to_yuan(st.owed_fen)
    )
}

/// A program's report per year (an empty budget or remaining is open-ended).
pub fn program_report_table(r: &ProgramReport) -> Table {
    let mut t = Table::new([
        "year",
        "budget_yuan",
        "granted_yuan",
        "redeemed_yuan",
        "expired_yuan",
        "clawed_back_unused_yuan",
        "clawed_back_redeemed_yuan",
        "remaining_yuan",
        "outstanding_yuan",
        "firms",
    ]);
    for y in &r.years {
        t.push([
            Cell::from(y.year),
            y.budget_fen.map_or(Cell::Null, yuan),
            yuan(y.granted_fen),
            yuan(y.redeemed_fen),
            yuan(y.expired_fen),
            yuan(y.clawed_back_unused_fen),
            yuan(y.clawed_back_redeemed_fen),
            y.remaining_fen.map_or(Cell::Null, signed_yuan),
            yuan(y.outstanding_fen),
            Cell::from(y.firms),
        ]);
    }
    t
}

/// The report's contracts in words.
pub fn program_report_note(r: &ProgramReport) -> String {
    format!(
        "{} ({}, {}): {} contracts worth {} yuan; cross-region settlements {} yuan; an empty budget or remaining is open-ended",
        r.program,
        r.kind,
        r.issuing_region,
        r.contracts,
        fen_to_yuan(r.contract_total_fen),
        fen_to_yuan(r.cross_region_fen)
    )
}

/// What a verification checked, with the anchor it checked against and where that came from
/// (`anchor_source`: the anchor file's path, or `--anchor`).
pub fn verify_record(v: &VerifyReport, anchor_source: Option<&str>) -> Record {
    let mut r = Record::new();
    r.push("journal", &v.journal);
    r.push("entries", v.chain.entries);
    r.push("batches", v.chain.batches);
    r.push("requests", v.requests);
    r.push("accounts", v.accounts);
    r.push("transfers", v.transfers);
    r.push(
        "posted_total_yuan",
        signed_yuan(i128::try_from(v.posted_total_fen).unwrap_or(i128::MAX)),
    );
    r.push("head_hash", &v.chain.head_hash);
    // The anchor checked (none: a cut at the end is not detectable), where it came from, and
    // how many entries the journal holds beyond it.
    match &v.anchor {
        Some(a) => {
            r.push("anchor", a.anchor.to_string());
            r.push("anchor_source", anchor_source.unwrap_or(""));
            r.push("anchor_lag_entries", a.lag_entries);
        }
        None => {
            r.push("anchor", Cell::Null);
            r.push("anchor_source", Cell::Null);
            r.push("anchor_lag_entries", Cell::Null);
        }
    }
    r
}

/// The programs in the ledger (an empty annual budget is open-ended).
pub fn programs_table<'a>(programs: impl IntoIterator<Item = &'a Program>) -> Table {
    let mut t = Table::new([
        "program",
        "name",
        "kind",
        "issuing_region",
        "annual_budget_yuan",
        "cap_per_firm_yuan",
        "ratio_default",
        "from",
        "until",
    ]);
    for p in programs {
        t.push([
            Cell::from(&p.id),
            Cell::from(&p.name),
            Cell::from(p.kind.key()),
            Cell::from(p.issuing_region.to_string()),
            p.annual_budget_yuan.map_or(Cell::Null, Cell::money),
            Cell::money(p.cap_per_firm_yuan),
            Cell::from(p.ratio.default),
            Cell::from(p.validity.from),
            Cell::from(p.validity.until),
        ]);
    }
    t
}

/// A cost share as party, weight and amount rows: the government's ratio and part, then the
/// firm's.
pub fn cost_share_table(government_ratio: Decimal, s: &CostShare) -> Table {
    let mut t = Table::new(["party", "weight", "amount_yuan"]);
    t.push([
        Cell::from("government"),
        Cell::from(government_ratio),
        signed_yuan(s.government_fen.into()),
    ]);
    t.push([
        Cell::from("firm"),
        Cell::from(Decimal::ONE - government_ratio),
        signed_yuan(s.firm_fen.into()),
    ]);
    t
}

/// A revenue share as party, weight and amount rows, in the order of `parts`.
pub fn revenue_share_table(parts: &[Part]) -> Table {
    let mut t = Table::new(["party", "weight", "amount_yuan"]);
    for p in parts {
        t.push([
            Cell::from(&p.party),
            Cell::from(p.weight),
            signed_yuan(p.amount_fen.into()),
        ]);
    }
    t
}

/// The sentences after a verification's record: what was verified and, when no anchor was
/// checked, why one should be kept elsewhere.
pub fn verify_notes(v: &VerifyReport) -> Vec<&'static str> {
    let mut lines = vec!["verified: hash chain intact, every request replays, invariants hold"];
    if v.anchor.is_none() {
        lines.push(
            "no anchor: a journal cut at its end cannot be told from a shorter one; keep the anchor line above (--format json: \"anchor\") elsewhere and check with --anchor",
        );
    }
    lines
}

impl crate::Shown for FirmStatement {
    fn table(&self) -> Table {
        statement_table(self)
    }
    fn json(&self) -> Option<crate::Result<String>> {
        crate::shown::json_of(&statement_json(self))
    }
    fn notes(&self, _: crate::Lang) -> Vec<String> {
        vec![statement_note(self)]
    }
}

/// JSON: the table's rows.
impl crate::Shown for ProgramReport {
    fn table(&self) -> Table {
        program_report_table(self)
    }
    fn notes(&self, _: crate::Lang) -> Vec<String> {
        vec![program_report_note(self)]
    }
}
