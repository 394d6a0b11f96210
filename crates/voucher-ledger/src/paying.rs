//! Which refusals are answers and which program pays: decisions a caller of the book makes
//! the same way everywhere (the cultivation cycle's grants and compute payments, a payment
//! adapter of another crate).

use registry_model::EnterpriseId;

use crate::book::VoucherBook;
use crate::error::LedgerError;
use crate::journal::Journal;
use crate::program::{Program, VoucherKind};

impl LedgerError {
    /// True for a refusal that answers the request itself: the firm is not eligible, a cap
    /// or budget is reached, the provider is not approved, the contract was claimed, … The
    /// caller reports it and goes on. False for a storage or journal failure
    /// ([`LedgerError::is_failure`]), and for a request id reused with other content, a
    /// program the ledger does not know or a group over its limit: those mean the data or
    /// the configuration changed under the caller, who stops.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use rust_decimal_macros::dec;
    /// use voucher_ledger::{Firm, ManualClock, VoucherBook};
    ///
    /// let clock = ManualClock::at_date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
    /// let mut book = VoucherBook::in_memory(Box::new(clock));
    /// book.add_default_programs("defaults")?;
    /// let firm = Firm::new(registry_model::EnterpriseId::from_first17("91510104000000001")?);
    /// // A negative amount is an answer about this grant; an unknown program is not.
    /// let negative = book.grant("g1", "chengdu-compute-2025", &firm, dec!(-1)).unwrap_err();
    /// assert!(negative.is_refusal());
    /// let unknown = book.grant("g2", "no-such-program", &firm, dec!(1)).unwrap_err();
    /// assert!(!unknown.is_refusal());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_refusal(&self) -> bool {
        !self.is_failure()
            && !matches!(
                self,
                LedgerError::RequestConflict { .. }
                    | LedgerError::ProgramNotFound { .. }
                    | LedgerError::GroupTooLarge { .. }
            )
    }
}

impl<J: Journal> VoucherBook<J> {
    /// The program of `kind` that pays a firm's bill: among the programs of that kind in
    /// which the firm holds a voucher balance, the one with the largest balance; ties go to
    /// the first by program id. `None` when the firm holds no such voucher.
    pub fn paying_program(&self, kind: VoucherKind, firm: &EnterpriseId) -> Option<&Program> {
        self.paying_program_except(kind, firm, &[])
    }

    /// [`VoucherBook::paying_program`] leaving out the programs whose ids are in `except`
    /// (vouchers earmarked for other work, such as a scenario's compute bundle).
    pub fn paying_program_except(
        &self,
        kind: VoucherKind,
        firm: &EnterpriseId,
        except: &[&str],
    ) -> Option<&Program> {
        self.programs()
            .filter(|p| p.kind == kind && !except.contains(&p.id.as_str()))
            .map(|p| (self.voucher_balance_fen(&p.id, firm), p))
            .filter(|(balance, _)| *balance > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.id.cmp(&a.1.id)))
            .map(|(_, p)| p)
    }
}
