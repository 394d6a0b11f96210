//! Audit views: balances at any date, a firm's statement, a program's report, and exports as
//! CSV and beancount text. All are computed from the immutable transfers, so they agree with
//! the journal by construction; the program counters kept by the book are checked against
//! them in [`VoucherBook::check_invariants`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Year};
use serde::{Deserialize, Serialize};

use crate::book::{AccountMeta, VoucherBook, account_code, account_id, names, transfer_code};
use crate::clock::{date_of, datetime_of, end_of};
use crate::core::{Account, Transfer};
use crate::error::{LedgerError, Result};
use crate::journal::Journal;
use crate::money::{fen_to_yuan, signed_fen_to_yuan, yuan_to_fen};

/// An account's posted balances at a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBalance {
    /// Account id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Ledger.
    pub ledger: u32,
    /// Code.
    pub code: u16,
    /// Posted debits.
    pub debits_posted_fen: u64,
    /// Posted credits.
    pub credits_posted_fen: u64,
    /// Credits minus debits.
    pub balance_fen: i128,
    /// Pending debits (only for "now"; 0 for past dates).
    pub debits_pending_fen: u64,
    /// Pending credits (only for "now").
    pub credits_pending_fen: u64,
}

/// One line of a firm's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// Date.
    pub date: NaiveDate,
    /// Program.
    pub program: String,
    /// Grant year.
    pub year: Year,
    /// What happened (grant, redeem, expire, clawback_unused, clawback_redeemed).
    pub kind: String,
    /// + into the firm's vouchers, − out of them (clawed-back subsidy: − too, owed by the firm).
    pub amount_fen: i128,
    /// Voucher balance of that program year after the line.
    pub balance_fen: i128,
    /// Contract, for redemptions.
    pub contract_id: Option<String>,
    /// Transfer id.
    pub transfer_id: u64,
}

/// A firm's statement across programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmStatement {
    /// The firm.
    pub firm: EnterpriseId,
    /// Lines in ledger order.
    pub lines: Vec<StatementLine>,
    /// Usable balance per program now.
    pub balances_fen: BTreeMap<String, u64>,
    /// Contracts the firm claimed.
    pub contracts: Vec<crate::book::Contract>,
    /// Σ subsidies received.
    pub subsidy_total_fen: u64,
    /// Σ the firm paid itself on those contracts.
    pub firm_paid_total_fen: u64,
    /// Σ clawed back that the firm owes.
    pub owed_fen: u64,
}

/// One year of a program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearReport {
    /// The year.
    pub year: Year,
    /// Budget (None when open-ended).
    pub budget_fen: Option<u64>,
    /// Granted.
    pub granted_fen: u64,
    /// Redeemed.
    pub redeemed_fen: u64,
    /// Expired back to the budget.
    pub expired_fen: u64,
    /// Unused balance clawed back.
    pub clawed_back_unused_fen: u64,
    /// Redeemed subsidy clawed back (owed by firms).
    pub clawed_back_redeemed_fen: u64,
    /// Budget not granted (None when open-ended).
    pub remaining_fen: Option<i128>,
    /// Voucher balances still outstanding.
    pub outstanding_fen: u64,
    /// Firms granted.
    pub firms: u32,
}

/// A program's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramReport {
    /// Program id.
    pub program: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Issuing region.
    pub issuing_region: String,
    /// Per year.
    pub years: Vec<YearReport>,
    /// Contracts claimed.
    pub contracts: u32,
    /// Σ contract amounts.
    pub contract_total_fen: u64,
    /// Paid to providers in other regions, settled against the issuing fund.
    pub cross_region_fen: u64,
}

impl<J: Journal> VoucherBook<J> {
    /// Posted balances of every account at the end of `as_of` (UTC), or now with pending
    /// amounts when `as_of` is None.
    pub fn balances(&self, as_of: Option<NaiveDate>) -> Vec<AccountBalance> {
        let ledger = self.ledger();
        match as_of {
            None => ledger.accounts().iter().map(balance_now).collect(),
            Some(d) => {
                let cutoff = end_of(d);
                let mut sums: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
                for t in ledger.transfers() {
                    if t.timestamp_s > cutoff {
                        break; // transfers are in time order
                    }
                    if !t.is_posting() {
                        continue;
                    }
                    sums.entry(t.debit_account_id).or_default().0 += t.amount_fen;
                    sums.entry(t.credit_account_id).or_default().1 += t.amount_fen;
                }
                ledger
                    .accounts()
                    .iter()
                    .filter(|a| a.timestamp_s <= cutoff)
                    .map(|a| {
                        let (d, c) = sums.get(&a.id).copied().unwrap_or((0, 0));
                        AccountBalance {
                            id: a.id,
                            name: a.name.clone(),
                            ledger: a.ledger,
                            code: a.code,
                            debits_posted_fen: d,
                            credits_posted_fen: c,
                            balance_fen: i128::from(c) - i128::from(d),
                            debits_pending_fen: 0,
                            credits_pending_fen: 0,
                        }
                    })
                    .collect()
            }
        }
    }

    /// [`balances`](Self::balances) of the accounts of one firm and/or one program (`None`:
    /// any).
    pub fn balances_of(
        &self,
        as_of: Option<NaiveDate>,
        firm: Option<&EnterpriseId>,
        program: Option<&str>,
    ) -> Vec<AccountBalance> {
        let mut all = self.balances(as_of);
        all.retain(|b| {
            let meta = self.account_meta(b.id);
            firm.is_none_or(|f| meta.and_then(|m| m.firm.as_ref()) == Some(f))
                && program.is_none_or(|p| meta.and_then(|m| m.program.as_deref()) == Some(p))
        });
        all
    }

    /// A firm's statement: every movement of its vouchers and clawbacks, its balances and
    /// contracts.
    pub fn statement(&self, firm: &EnterpriseId) -> FirmStatement {
        let ledger = self.ledger();
        let mut running: BTreeMap<u64, i128> = BTreeMap::new();
        let mut lines = Vec::new();
        let contract_by_ref: BTreeMap<u64, String> = self
            .contracts()
            .filter(|c| c.firm == *firm)
            .map(|c| {
                (
                    crate::book::contract_ref(&c.contract_id),
                    c.contract_id.clone(),
                )
            })
            .collect();
        let mut owed = 0u64;
        for t in ledger.transfers() {
            if !t.is_posting() {
                continue;
            }
            for (acct, sign) in [(t.credit_account_id, 1i128), (t.debit_account_id, -1i128)] {
                let Some(m) = self.account_meta(acct) else {
                    continue;
                };
                if m.firm != Some(*firm) {
                    continue;
                }
                let code = ledger.account(acct).map(|a| a.code).unwrap_or(0);
                let amount = sign * i128::from(t.amount_fen);
                let bal = running.entry(acct).or_default();
                if code == account_code::VOUCHER {
                    *bal += amount;
                } else if code == account_code::RECEIVABLE {
                    owed += t.amount_fen;
                }
                let balance_fen = if code == account_code::VOUCHER {
                    *bal
                } else {
                    // Clawed-back subsidy is shown against the voucher account of that year.
                    let vid = match (&m.program, m.year) {
                        (Some(p), Some(y)) => account_id(&names::voucher(p, y, firm)),
                        _ => 0,
                    };
                    running.get(&vid).copied().unwrap_or(0)
                };
                lines.push(StatementLine {
                    date: date_of(t.timestamp_s),
                    program: m.program.clone().unwrap_or_default(),
                    year: m.year.unwrap_or(0),
                    kind: transfer_code::name(t.code).to_string(),
                    amount_fen: amount,
                    balance_fen,
                    contract_id: contract_by_ref.get(&t.user_data).cloned(),
                    transfer_id: t.id,
                });
            }
        }
        let balances_fen = self
            .programs()
            .map(|p| (p.id.clone(), self.voucher_balance_fen(&p.id, firm)))
            .filter(|(_, b)| *b > 0)
            .collect();
        let contracts: Vec<_> = self
            .contracts()
            .filter(|c| c.firm == *firm)
            .cloned()
            .collect();
        // Totals count paid claims; holds are listed but not yet paid.
        let paid = || {
            contracts
                .iter()
                .filter(|c| c.status == crate::book::ContractStatus::Claimed)
        };
        let subsidy_total_fen = paid().map(|c| c.subsidy_fen).sum();
        let firm_paid_total_fen = paid()
            .map(|c| c.contract_amount_fen.saturating_sub(c.subsidy_fen))
            .sum();
        FirmStatement {
            firm: *firm,
            lines,
            balances_fen,
            contracts,
            subsidy_total_fen,
            firm_paid_total_fen,
            owed_fen: owed,
        }
    }

    /// A program's report per year: budget, granted, redeemed, expired, clawed back, remaining.
    pub fn report(&self, program: &str) -> Result<ProgramReport> {
        let p = self
            .program(program)
            .ok_or_else(|| LedgerError::ProgramNotFound {
                program: program.to_string(),
            })?;
        let ledger = self.ledger();
        let budget_fen = match p.annual_budget_yuan {
            Some(b) => Some(yuan_to_fen(b, "annual_budget_yuan")?),
            None => None,
        };
        let mut years: BTreeMap<Year, YearReport> = BTreeMap::new();
        let mut firms: BTreeMap<Year, std::collections::BTreeSet<EnterpriseId>> = BTreeMap::new();
        let mut cross = 0u64;
        let meta_of = |id: u64| -> Option<&AccountMeta> {
            self.account_meta(id)
                .filter(|m| m.program.as_deref() == Some(program))
        };
        for t in ledger.transfers() {
            if !t.is_posting() {
                continue;
            }
            let (Some(dm), cm) = (meta_of(t.debit_account_id), meta_of(t.credit_account_id)) else {
                continue;
            };
            let year = dm.year.or(cm.and_then(|m| m.year));
            match (t.code, year) {
                (transfer_code::GRANT, Some(y)) => {
                    let r = years.entry(y).or_insert_with(|| YearReport {
                        year: y,
                        ..YearReport::default()
                    });
                    r.granted_fen += t.amount_fen;
                    if let Some(f) = cm.and_then(|m| m.firm) {
                        firms.entry(y).or_default().insert(f);
                    }
                }
                (transfer_code::REDEEM, Some(y)) => {
                    years
                        .entry(y)
                        .or_insert_with(|| YearReport {
                            year: y,
                            ..YearReport::default()
                        })
                        .redeemed_fen += t.amount_fen;
                }
                (transfer_code::EXPIRE, Some(y)) => {
                    years
                        .entry(y)
                        .or_insert_with(|| YearReport {
                            year: y,
                            ..YearReport::default()
                        })
                        .expired_fen += t.amount_fen;
                }
                (transfer_code::CLAWBACK_UNUSED, Some(y)) => {
                    years
                        .entry(y)
                        .or_insert_with(|| YearReport {
                            year: y,
                            ..YearReport::default()
                        })
                        .clawed_back_unused_fen += t.amount_fen;
                }
                (transfer_code::CLAWBACK_REDEEMED, Some(y)) => {
                    years
                        .entry(y)
                        .or_insert_with(|| YearReport {
                            year: y,
                            ..YearReport::default()
                        })
                        .clawed_back_redeemed_fen += t.amount_fen;
                }
                (transfer_code::CROSS_REGION, _) => cross += t.amount_fen,
                _ => {}
            }
        }
        for (y, r) in years.iter_mut() {
            r.budget_fen = budget_fen;
            r.firms = u32::try_from(firms.get(y).map(|s| s.len()).unwrap_or(0)).unwrap_or(u32::MAX);
            let budget_acct = ledger.account(account_id(&names::budget(&p.id, *y)));
            r.remaining_fen =
                budget_fen.map(|_| budget_acct.map(Account::credit_balance_fen).unwrap_or(0));
            r.outstanding_fen = r
                .granted_fen
                .saturating_sub(r.redeemed_fen)
                .saturating_sub(r.expired_fen)
                .saturating_sub(r.clawed_back_unused_fen);
        }
        let contracts: Vec<_> = self
            .contracts()
            .filter(|c| c.program == p.id && c.status == crate::book::ContractStatus::Claimed)
            .collect();
        Ok(ProgramReport {
            program: p.id.clone(),
            name: p.name.clone(),
            kind: p.kind.key().to_string(),
            issuing_region: p.issuing_region.to_string(),
            years: years.into_values().collect(),
            contracts: u32::try_from(contracts.len()).unwrap_or(u32::MAX),
            contract_total_fen: contracts.iter().map(|c| c.contract_amount_fen).sum(),
            cross_region_fen: cross,
        })
    }

    /// Every transfer as CSV (header + one row per transfer, amounts in yuan with two
    /// decimals).
    pub fn export_csv(&self) -> Result<String> {
        let ledger = self.ledger();
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| LedgerError::Storage {
            journal: "csv export".into(),
            message: e.to_string(),
        };
        w.write_record([
            "transfer_id",
            "time_utc",
            "ledger",
            "code",
            "kind",
            "debit_account",
            "credit_account",
            "amount_yuan",
            "flags",
            "pending_id",
            "user_data",
        ])
        .map_err(csv_err)?;
        for t in ledger.transfers() {
            let name = |id: u64| {
                ledger
                    .account(id)
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| id.to_string())
            };
            w.write_record([
                t.id.to_string(),
                datetime_of(t.timestamp_s)
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string(),
                t.ledger.to_string(),
                t.code.to_string(),
                transfer_code::name(t.code).to_string(),
                name(t.debit_account_id),
                name(t.credit_account_id),
                fen_to_yuan(t.amount_fen).to_string(),
                flags_text(t),
                t.pending_id.to_string(),
                t.user_data.to_string(),
            ])
            .map_err(csv_err)?;
        }
        let bytes = w.into_inner().map_err(|e| LedgerError::Storage {
            journal: "csv export".into(),
            message: e.to_string(),
        })?;
        String::from_utf8(bytes).map_err(|e| LedgerError::Storage {
            journal: "csv export".into(),
            message: e.to_string(),
        })
    }

    /// The ledger as beancount text: an `open` per account, a transaction per posted
    /// transfer (the debit account +amount, the credit account −amount, in CNY). Pending and
    /// void transfers are left out (they move no posted balance).
    pub fn export_beancount(&self) -> String {
        let ledger = self.ledger();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "; exported by voucher-ledger: debit = +amount, credit = -amount"
        );
        let _ = writeln!(out, "option \"operating_currency\" \"CNY\"\n");
        let bean: BTreeMap<u64, String> = ledger
            .accounts()
            .iter()
            .map(|a| (a.id, beancount_account(a)))
            .collect();
        for a in ledger.accounts() {
            let _ = writeln!(
                out,
                "{} open {} CNY\n  name: \"{}\"",
                date_of(a.timestamp_s),
                bean.get(&a.id)
                    .map(String::as_str)
                    .unwrap_or("Equity:Unknown"),
                escape(&a.name)
            );
        }
        out.push('\n');
        for t in ledger.transfers() {
            if !t.is_posting() {
                continue;
            }
            let amount = signed_fen_to_yuan(i128::from(t.amount_fen));
            let _ = writeln!(
                out,
                "{} * \"{}\" \"transfer {}\"\n  {}  {} CNY\n  {}  -{} CNY\n",
                date_of(t.timestamp_s),
                transfer_code::name(t.code),
                t.id,
                bean.get(&t.debit_account_id)
                    .map(String::as_str)
                    .unwrap_or("Equity:Unknown"),
                amount,
                bean.get(&t.credit_account_id)
                    .map(String::as_str)
                    .unwrap_or("Equity:Unknown"),
                amount
            );
        }
        out
    }
}

fn balance_now(a: &Account) -> AccountBalance {
    AccountBalance {
        id: a.id,
        name: a.name.clone(),
        ledger: a.ledger,
        code: a.code,
        debits_posted_fen: a.debits_posted_fen,
        credits_posted_fen: a.credits_posted_fen,
        balance_fen: a.credit_balance_fen(),
        debits_pending_fen: a.debits_pending_fen,
        credits_pending_fen: a.credits_pending_fen,
    }
}

fn flags_text(t: &Transfer) -> String {
    let mut v = Vec::new();
    if t.flags.linked {
        v.push("linked");
    }
    if t.flags.pending {
        v.push("pending");
    }
    if t.flags.post_pending {
        v.push("post_pending");
    }
    if t.flags.void_pending {
        v.push("void_pending");
    }
    v.join("|")
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A beancount account name for an account: a root by its nature, then its name's parts
/// made of letters, digits and '-', each starting with a capital letter or digit.
fn beancount_account(a: &Account) -> String {
    let root = match a.code {
        account_code::FUND => "Equity",
        account_code::BUDGET
        | account_code::VOUCHER
        | account_code::PROVIDER
        | account_code::DUE => "Liabilities",
        account_code::CLAIM | account_code::RECEIVABLE => "Assets",
        _ => "Equity",
    };
    let mut out = String::from(root);
    if !matches!(a.code, 10..=16) {
        out.push_str(":Ledger");
        out.push_str(&a.ledger.to_string());
        out.push_str(&format!(":A{}", a.id));
        return out;
    }
    for part in a.name.split('/') {
        let mut comp: String = part
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        if comp != part {
            // Keep distinct names distinct after the characters beancount refuses are replaced.
            comp.push_str(&format!("-{:08x}", account_id(part) as u32));
        }
        match comp.chars().next() {
            Some(c) if c.is_ascii_lowercase() => {
                comp.replace_range(..1, &c.to_ascii_uppercase().to_string());
            }
            Some(c) if c.is_ascii_uppercase() || c.is_ascii_digit() => {}
            _ => comp.insert(0, 'X'),
        }
        out.push(':');
        out.push_str(&comp);
    }
    out
}
