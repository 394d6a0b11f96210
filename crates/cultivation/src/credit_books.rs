//! finance's [`Booking`] on the voucher ledger: the twelve account kinds of a credit program
//! are the ledger's credit books ([`voucher_ledger::book::credit`]), so loans are journaled,
//! replayed on reopening, verified and audited with the vouchers whose spend justified them.
//!
//! One `post` is one ledger request ([`VoucherBook::post_credit`]): its postings are linked
//! transfers, applied in order, all or nothing, under the finance request id (the ledger's
//! idempotency key). Account kinds and posting codes map one to one by key. The bounded
//! kinds are opened by the ledger with `credits_must_not_exceed_debits`, so the ledger itself
//! refuses an overdraft; the adapter checks the postings against the balances first only to
//! answer with finance's own [`BookingError::Insufficient`] (which posting, which account,
//! what it held).

use std::collections::HashMap;

use finance::booking::{AccountKey, Booking, BookingError, Posted, Posting, check_request};
use registry_model::RegionCode;
use voucher_ledger::book::{
    CreditAccount, CreditAccountKind, CreditCode, CreditPosting, CreditSide,
};
use voucher_ledger::{Journal, LedgerError, VoucherBook};

/// Credit books of one program on a voucher book, borrowed.
pub struct LedgerBooks<'a, J: Journal> {
    book: &'a mut VoucherBook<J>,
    books: String,
    region: RegionCode,
}

impl<'a, J: Journal> LedgerBooks<'a, J> {
    /// The credit books named `books` (accounts `{books}/credit/{kind}/{owner}`) on the
    /// ledger of `region`.
    pub fn new(book: &'a mut VoucherBook<J>, books: &str, region: RegionCode) -> Self {
        Self {
            book,
            books: books.to_string(),
            region,
        }
    }

    /// The voucher book, for reads.
    pub fn book(&self) -> &VoucherBook<J> {
        self.book
    }

    /// The books' name.
    pub fn name(&self) -> &str {
        &self.books
    }

    fn balance_of(&self, a: &CreditAccount) -> i128 {
        self.book.credit_balance_fen(&self.books, a)
    }
}

/// The ledger's account of a finance account (same key).
pub fn ledger_account(a: &AccountKey) -> Result<CreditAccount, BookingError> {
    let kind = CreditAccountKind::of_key(a.kind.key()).ok_or_else(|| BookingError::Failed {
        message: format!("account kind '{}' has no ledger kind", a.kind.key()),
    })?;
    Ok(CreditAccount {
        kind,
        owner: a.owner.clone(),
    })
}

fn ledger_posting(p: &Posting) -> Result<CreditPosting, BookingError> {
    let code = CreditCode::of_key(p.code.key()).ok_or_else(|| BookingError::Failed {
        message: format!("posting code '{}' has no ledger code", p.code.key()),
    })?;
    Ok(CreditPosting {
        debit: ledger_account(&p.debit)?,
        credit: ledger_account(&p.credit)?,
        // check_request has refused amounts that are not positive.
        amount_fen: u64::try_from(p.amount_fen).unwrap_or(0),
        code,
    })
}

impl<J: Journal> Booking for LedgerBooks<'_, J> {
    fn post(&mut self, request_id: &str, postings: &[Posting]) -> Result<Posted, BookingError> {
        check_request(request_id, postings)?;
        let ledger: Vec<CreditPosting> = postings
            .iter()
            .map(ledger_posting)
            .collect::<Result<_, _>>()?;
        let repeat = self.book.has_request(request_id);
        if !repeat {
            // Finance's own refusal, posting by posting against the balances left by the
            // postings before it (the ledger would refuse the same request by its flags).
            let mut moved: HashMap<&CreditAccount, i128> = HashMap::new();
            for (index, (p, l)) in postings.iter().zip(&ledger).enumerate() {
                if l.credit.kind.bounded() {
                    let before = self.balance_of(&l.credit) + moved.get(&l.credit).unwrap_or(&0);
                    if before < i128::from(p.amount_fen) {
                        return Err(BookingError::Insufficient {
                            index,
                            code: p.code.key().to_string(),
                            account: p.credit.to_string(),
                            balance_fen: i64::try_from(before).unwrap_or(i64::MAX),
                            amount_fen: p.amount_fen,
                        });
                    }
                }
                let amount = i128::from(p.amount_fen);
                // A debit raises a debit-normal balance, a credit lowers it (and the reverse
                // for credit-normal accounts).
                let sign = |k: CreditAccountKind| match k.normal_side() {
                    CreditSide::Debit => 1,
                    CreditSide::Credit => -1,
                };
                *moved.entry(&l.debit).or_default() += sign(l.debit.kind) * amount;
                *moved.entry(&l.credit).or_default() -= sign(l.credit.kind) * amount;
            }
        }
        match self
            .book
            .post_credit(request_id, &self.books, self.region, ledger)
        {
            Ok(_) if repeat => Ok(Posted::Repeat),
            Ok(_) => Ok(Posted::Applied),
            Err(LedgerError::RequestConflict { request_id, .. }) => {
                Err(BookingError::RequestConflict { request_id })
            }
            Err(e) => Err(BookingError::Failed {
                message: e.to_string(),
            }),
        }
    }

    fn balance_fen(&self, account: &AccountKey) -> Result<i64, BookingError> {
        let b = self.balance_of(&ledger_account(account)?);
        i64::try_from(b).map_err(|_| BookingError::Failed {
            message: format!("balance of {account} ({b} fen) is beyond i64"),
        })
    }
}
