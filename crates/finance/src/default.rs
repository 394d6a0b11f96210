//! The default side of a credit line's life: default (settled against the risk pool),
//! recovery (the pool's share returned) and write-off, as more operations of [`CreditLines`].

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::booking::{AccountKind, Booking, Posting, PostingCode};
use crate::error::{FinanceError, Result, invalid};
use crate::line::{CreditLine, DefaultRecord, LineStatus, cancel_commitment};
use crate::lines::{CreditLines, Plan, at_most, key};
use crate::money::yuan_to_fen_positive;
use crate::pool::{return_due_fen, settle};
use crate::receipt::{LineDefault, Outcome, Receipt};

/// Most lines declared in default in one request (settled together against the pool).
pub const DEFAULTS_PER_REQUEST_MAX: usize = 1_000;

impl<B: Booking> CreditLines<B> {
    /// Declares lines in default on `date`, together: interest accrues to the date, unpaid
    /// interest is reversed, the principal becomes the claim, the undrawn limit is cancelled,
    /// and the pool settles the claims under its rule, in the order given.
    pub fn default_lines(
        &mut self,
        request_id: &str,
        date: NaiveDate,
        line_ids: &[&str],
    ) -> Result<Receipt> {
        if line_ids.is_empty() || line_ids.len() > DEFAULTS_PER_REQUEST_MAX {
            return Err(FinanceError::TooMany {
                what: "lines in one default request",
                count: line_ids.len(),
                max: DEFAULTS_PER_REQUEST_MAX,
            });
        }
        self.run(
            request_id,
            format!("default {date} {}", line_ids.join(",")),
            |me| {
                let mut seen = std::collections::BTreeSet::new();
                let mut lines = Vec::with_capacity(line_ids.len());
                let mut postings = Vec::new();
                let mut accrued = Vec::with_capacity(line_ids.len());
                for id in line_ids {
                    if !seen.insert(*id) {
                        return Err(invalid(request_id, "lines", id, "listed twice"));
                    }
                    let at = me.active_at(id, date, "default")?;
                    postings.extend(at.postings);
                    accrued.push(at.accrued_fen);
                    lines.push(at.line);
                }
                let program = me.rules().program.clone();
                let pool = me.balance(&key(AccountKind::RiskPool, &program), request_id)?;
                let claims: Vec<i64> = lines.iter().map(|l| l.principal_fen).collect();
                let awards = settle(pool, me.rules().pool_share, me.rules().pool_rule, &claims);
                let mut out = Vec::with_capacity(lines.len());
                for ((l, award), acc) in lines.iter_mut().zip(&awards).zip(accrued) {
                    let reversed = l.interest_unpaid_fen;
                    if reversed > 0 {
                        postings.push(Posting::new(
                            key(AccountKind::InterestIncome, &l.bank),
                            key(AccountKind::InterestReceivable, &l.id),
                            reversed,
                            PostingCode::InterestReversal,
                        ));
                    }
                    if l.principal_fen > 0 {
                        postings.push(Posting::new(
                            key(AccountKind::DefaultedClaim, &l.id),
                            key(AccountKind::Principal, &l.id),
                            l.principal_fen,
                            PostingCode::Default,
                        ));
                    }
                    cancel_commitment(l, &mut postings);
                    if award.paid_fen > 0 {
                        postings.push(Posting::new(
                            key(AccountKind::BankCash, &l.bank),
                            key(AccountKind::RiskPool, &program),
                            award.paid_fen,
                            PostingCode::Compensation,
                        ));
                    }
                    l.default = Some(DefaultRecord {
                        on: date,
                        claim_fen: l.principal_fen,
                        interest_reversed_fen: reversed,
                        compensation_due_fen: award.due_fen,
                        compensation_fen: award.paid_fen,
                        recovered_fen: 0,
                        returned_to_pool_fen: 0,
                        written_off_fen: 0,
                    });
                    l.principal_fen = 0;
                    l.interest_unpaid_fen = 0;
                    l.subsidisable_unpaid_fen = 0;
                    l.status = LineStatus::Defaulted;
                    out.push(LineDefault {
                        line: l.id.clone(),
                        accrued_fen: acc,
                        award: *award,
                        interest_reversed_fen: reversed,
                    });
                }
                Ok(Plan::new(
                    postings,
                    Outcome::Defaulted { lines: out },
                    lines,
                ))
            },
        )
    }

    /// The line `id`, which must be in default, with its default record, for an operation
    /// dated `date` (not before the default).
    fn defaulted_at(
        &self,
        id: &str,
        date: NaiveDate,
        operation: &str,
    ) -> Result<(CreditLine, DefaultRecord)> {
        let l = self.line_for(id)?;
        l.require(LineStatus::Defaulted, operation)?;
        let d = l
            .default
            .ok_or_else(|| invalid(id, "default", "none", "a defaulted line without its record"))?;
        if date < d.on {
            return Err(invalid(
                id,
                "date",
                date,
                format!("before the default on {}", d.on),
            ));
        }
        Ok((l, d))
    }

    /// Money recovered on a defaulted line; the pool's share of it returns to the pool.
    pub fn recover(
        &mut self,
        request_id: &str,
        line_id: &str,
        date: NaiveDate,
        amount_yuan: Decimal,
    ) -> Result<Receipt> {
        let amount = yuan_to_fen_positive(amount_yuan, line_id, "amount_yuan")?;
        self.run(
            request_id,
            format!("recover {line_id} {date} {amount}"),
            |me| {
                let (mut l, mut d) = me.defaulted_at(line_id, date, "recover")?;
                at_most(line_id, amount_yuan, amount, d.open_fen(), "the open claim")?;
                let program = me.rules().program.clone();
                let mut postings = vec![Posting::new(
                    key(AccountKind::BankCash, &l.bank),
                    key(AccountKind::DefaultedClaim, &l.id),
                    amount,
                    PostingCode::Recovery,
                )];
                d.recovered_fen += amount;
                let returned = return_due_fen(d.recovered_fen, d.claim_fen, d.compensation_fen)
                    - d.returned_to_pool_fen;
                if returned > 0 {
                    postings.push(Posting::new(
                        key(AccountKind::RiskPool, &program),
                        key(AccountKind::BankCash, &l.bank),
                        returned,
                        PostingCode::PoolReturn,
                    ));
                    d.returned_to_pool_fen += returned;
                }
                l.default = Some(d);
                let outcome = Outcome::Recovered {
                    line: line_id.to_string(),
                    amount_fen: amount,
                    returned_to_pool_fen: returned.max(0),
                };
                Ok(Plan::new(postings, outcome, vec![l]))
            },
        )
    }

    /// Writes off a defaulted line's open claim.
    pub fn write_off(
        &mut self,
        request_id: &str,
        line_id: &str,
        date: NaiveDate,
    ) -> Result<Receipt> {
        self.run(request_id, format!("write_off {line_id} {date}"), |me| {
            let (mut l, mut d) = me.defaulted_at(line_id, date, "write off")?;
            let open = d.open_fen();
            let mut postings = Vec::new();
            if open > 0 {
                postings.push(Posting::new(
                    key(AccountKind::CreditLosses, &l.bank),
                    key(AccountKind::DefaultedClaim, &l.id),
                    open,
                    PostingCode::WriteOff,
                ));
            }
            d.written_off_fen += open;
            l.default = Some(d);
            l.status = LineStatus::WrittenOff;
            Ok(Plan::new(
                postings,
                Outcome::WrittenOff {
                    line: line_id.to_string(),
                    amount_fen: open,
                },
                vec![l],
            ))
        })
    }
}
