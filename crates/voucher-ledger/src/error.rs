//! The one error type of the crate.

use chrono::NaiveDate;

/// Everything that can go wrong in voucher-ledger.
///
/// Every message names the account, transfer, request, program, firm, file or journal entry at
/// fault and the value that was refused. When an operation returns an error, nothing was
/// written: the in-memory state and the journal are as they were before the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    // ---- the double-entry core -------------------------------------------------------------
    /// An account or transfer id of zero (zero means "none" in references).
    #[error("{what} id must not be zero")]
    IdZero {
        /// "account" or "transfer".
        what: &'static str,
    },
    /// An account id that the ledger does not know.
    #[error("account {id} does not exist{context}")]
    AccountNotFound {
        /// The unknown id.
        id: u64,
        /// Where it was referenced (such as " (debit side of transfer 7)").
        context: String,
    },
    /// An account with this id and exactly these fields exists already (an idempotent repeat).
    #[error("account {id} exists already with the same fields")]
    AccountExists {
        /// The id.
        id: u64,
    },
    /// An account with this id exists with other fields.
    #[error("account {id} exists already with different fields ({field} differs)")]
    AccountExistsWithDifferentFields {
        /// The id.
        id: u64,
        /// The first field that differs.
        field: &'static str,
    },
    /// Both balance limit flags on one account: it could never move.
    #[error(
        "account {id}: flags debits_must_not_exceed_credits and credits_must_not_exceed_debits are mutually exclusive"
    )]
    AccountFlagsConflict {
        /// The id.
        id: u64,
    },
    /// Ledger number zero is reserved.
    #[error("{what} {id}: ledger must not be zero")]
    LedgerZero {
        /// "account" or "transfer".
        what: &'static str,
        /// The id.
        id: u64,
    },
    /// A closed account accepts nothing.
    #[error("account {id} is closed and accepts no transfer (transfer {transfer})")]
    AccountClosed {
        /// The account.
        id: u64,
        /// The refused transfer.
        transfer: u64,
    },
    /// Closing an account twice.
    #[error("account {id} is already closed")]
    AccountAlreadyClosed {
        /// The account.
        id: u64,
    },
    /// The transfer's ledger differs from one of its accounts' ledger.
    #[error(
        "transfer {transfer}: ledger {transfer_ledger} but {side} account {account} is on ledger {account_ledger}"
    )]
    LedgerMismatch {
        /// The transfer.
        transfer: u64,
        /// The transfer's ledger.
        transfer_ledger: u32,
        /// "debit" or "credit".
        side: &'static str,
        /// The account.
        account: u64,
        /// The account's ledger.
        account_ledger: u32,
    },
    /// Debit and credit account are the same.
    #[error("transfer {transfer}: debit and credit account are both {account}")]
    SameAccount {
        /// The transfer.
        transfer: u64,
        /// The account.
        account: u64,
    },
    /// A zero amount on a transfer that must move money.
    #[error("transfer {transfer}: amount must be positive, got 0 fen")]
    ZeroAmount {
        /// The transfer.
        transfer: u64,
    },
    /// A balance or total would overflow its integer.
    #[error("transfer {transfer}: {what} would overflow")]
    Overflow {
        /// The transfer.
        transfer: u64,
        /// Which sum.
        what: &'static str,
    },
    /// The debit would take the account's debits above its credits.
    #[error(
        "transfer {transfer}: account {account} ({name}) would have debits above credits: debits {debits_fen} + pending {pending_fen} + amount {amount_fen} fen > credits {credits_fen} fen"
    )]
    ExceedsCredits {
        /// The transfer.
        transfer: u64,
        /// The account.
        account: u64,
        /// The account's name.
        name: String,
        /// Posted debits.
        debits_fen: u64,
        /// Pending debits.
        pending_fen: u64,
        /// The refused amount.
        amount_fen: u64,
        /// Posted credits.
        credits_fen: u64,
    },
    /// The credit would take the account's credits above its debits.
    #[error(
        "transfer {transfer}: account {account} ({name}) would have credits above debits: credits {credits_fen} + pending {pending_fen} + amount {amount_fen} fen > debits {debits_fen} fen"
    )]
    ExceedsDebits {
        /// The transfer.
        transfer: u64,
        /// The account.
        account: u64,
        /// The account's name.
        name: String,
        /// Posted credits.
        credits_fen: u64,
        /// Pending credits.
        pending_fen: u64,
        /// The refused amount.
        amount_fen: u64,
        /// Posted debits.
        debits_fen: u64,
    },
    /// A transfer with this id and the same fields exists already (an idempotent repeat).
    #[error("transfer {id} exists already with the same fields")]
    TransferExists {
        /// The id.
        id: u64,
    },
    /// A transfer with this id exists with other fields: ids are used at most once.
    #[error("transfer {id} exists already with different fields ({field} differs)")]
    TransferExistsWithDifferentFields {
        /// The id.
        id: u64,
        /// The first field that differs.
        field: &'static str,
    },
    /// The input set a field that the ledger assigns or that the flags forbid.
    #[error("transfer {transfer}: {reason}")]
    InvalidTransfer {
        /// The transfer.
        transfer: u64,
        /// What is wrong.
        reason: String,
    },
    /// Post or void of a pending transfer that does not exist (or is not pending).
    #[error("transfer {transfer}: pending transfer {pending_id} not found")]
    PendingNotFound {
        /// The post/void transfer.
        transfer: u64,
        /// The referenced id.
        pending_id: u64,
    },
    /// The pending transfer was resolved already (posted, voided or expired).
    #[error("transfer {transfer}: pending transfer {pending_id} is already {state}")]
    PendingResolved {
        /// The post/void transfer.
        transfer: u64,
        /// The referenced id.
        pending_id: u64,
        /// "posted", "voided" or "expired".
        state: &'static str,
    },
    /// Posting more than the pending amount, or voiding a different amount.
    #[error(
        "transfer {transfer}: amount {amount_fen} fen does not fit pending transfer {pending_id} of {pending_fen} fen"
    )]
    PendingAmount {
        /// The post/void transfer.
        transfer: u64,
        /// The referenced id.
        pending_id: u64,
        /// The requested amount.
        amount_fen: u64,
        /// The pending amount.
        pending_fen: u64,
    },
    /// The transfer falls in a closed period.
    #[error(
        "transfer {transfer}: the period through {closed_through} is closed (ledger date {date})"
    )]
    PeriodClosed {
        /// The transfer.
        transfer: u64,
        /// Last closed day.
        closed_through: NaiveDate,
        /// The ledger's date.
        date: NaiveDate,
    },
    /// Closing a period earlier than one already closed.
    #[error("period already closed through {closed_through}; cannot close through {requested}")]
    PeriodOrder {
        /// Already closed through.
        closed_through: NaiveDate,
        /// Requested.
        requested: NaiveDate,
    },
    /// The last transfer of a batch has the `linked` flag: the chain never closes.
    #[error("transfer {transfer}: linked chain is not closed at the end of the batch")]
    LinkedChainOpen {
        /// The last transfer.
        transfer: u64,
    },
    /// A transfer in a linked chain failed, so this one was not applied either.
    #[error(
        "transfer {transfer}: not applied because transfer {failed} of its linked chain failed"
    )]
    LinkedEventFailed {
        /// This transfer.
        transfer: u64,
        /// The one that failed.
        failed: u64,
    },
    /// A batch over the limit.
    #[error("batch of {len} {what} is over the limit of {max}")]
    BatchTooLarge {
        /// "transfers", "accounts", ...
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A group of requests ([`crate::VoucherBook::group`]) would grow over its limit; the
    /// request `request_id` was refused (and changed nothing). Commit the group and start
    /// another for the rest.
    #[error(
        "request '{request_id}' would make the group hold {len} {what}, over the limit of {max}; commit this group and continue in a new one"
    )]
    GroupTooLarge {
        /// The refused request.
        request_id: String,
        /// "requests" or "journal entries".
        what: &'static str,
        /// The size the group would have had.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An empty batch.
    #[error("empty batch of {what} in request '{request_id}'")]
    EmptyBatch {
        /// "transfers" or "accounts".
        what: &'static str,
        /// The request.
        request_id: String,
    },
    /// An atomic batch failed at `index`; nothing of it was applied.
    #[error("batch refused at item {index}: {source}")]
    BatchItem {
        /// Zero-based index of the failing item.
        index: usize,
        /// Why.
        source: Box<LedgerError>,
    },

    // ---- money ------------------------------------------------------------------------------
    /// An amount that is not a positive whole number of fen within range.
    #[error("{field}: {value} yuan is not a valid amount ({reason})")]
    InvalidAmount {
        /// The field (such as "amount" or "annual_budget_yuan").
        field: String,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A ratio outside 0..=1.
    #[error("{field}: ratio {value} is outside 0..=1")]
    InvalidRatio {
        /// Where.
        field: String,
        /// The value given.
        value: String,
    },
    /// Weights of a sharing that cannot be used.
    #[error("sharing: {reason}")]
    InvalidShares {
        /// Why.
        reason: String,
    },

    // ---- requests ----------------------------------------------------------------------------
    /// The same request id was used for a different request.
    #[error(
        "request '{request_id}' was already used (journal entry {seq}) for different content: {detail}"
    )]
    RequestConflict {
        /// The id.
        request_id: String,
        /// Journal entry of the first use.
        seq: u64,
        /// What the first use was.
        detail: String,
    },
    /// A contract id that is empty, too long or holds control characters.
    #[error("contract id '{contract_id}' is invalid: {reason}")]
    InvalidContractId {
        /// The id as given.
        contract_id: String,
        /// Why, and what is accepted.
        reason: &'static str,
    },
    /// A request id that is empty or too long.
    #[error("request id '{request_id}' is invalid: {reason}")]
    InvalidRequestId {
        /// The id.
        request_id: String,
        /// Why.
        reason: &'static str,
    },

    /// An anchor given to check against (a file, an anchor line or a head hash) that is none.
    #[error("anchor '{file}': {reason}")]
    InvalidAnchor {
        /// What was given.
        file: String,
        /// Why it is no anchor.
        reason: String,
    },

    // ---- programs ---------------------------------------------------------------------------
    /// A program file that does not parse.
    #[error("program file {file}: {message}")]
    ProgramParse {
        /// The file (or `<inline>`).
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A program whose content is inconsistent.
    #[error("program '{program}': field {field} = {value}: {reason}")]
    ProgramInvalid {
        /// The program id.
        program: String,
        /// The field.
        field: String,
        /// The value.
        value: String,
        /// Why.
        reason: String,
    },
    /// A program id that the book does not know.
    #[error("program '{program}' is not in the book")]
    ProgramNotFound {
        /// The id.
        program: String,
    },
    /// A program id added twice with different content.
    #[error("program '{program}' exists already with different content")]
    ProgramExists {
        /// The id.
        program: String,
    },
    /// A provider the program has not approved.
    #[error("program '{program}': provider '{provider}' is not approved")]
    ProviderNotApproved {
        /// The program.
        program: String,
        /// The provider.
        provider: String,
    },
    /// A provider in another region when the program does not allow that region.
    #[error(
        "program '{program}': provider '{provider}' is in region {provider_region}, which the program (issued by {issuing_region}) does not accept"
    )]
    CrossRegionNotAllowed {
        /// The program.
        program: String,
        /// The provider.
        provider: String,
        /// Its region.
        provider_region: String,
        /// The issuing region.
        issuing_region: String,
    },
    /// The firm does not meet the program's eligibility rules.
    #[error("program '{program}': firm {firm} is not eligible: {reason}")]
    Ineligible {
        /// The program.
        program: String,
        /// The firm.
        firm: String,
        /// Why.
        reason: String,
    },
    /// Firm and provider are related parties and the program bans that.
    #[error("program '{program}': firm {firm} and provider '{provider}' are related parties")]
    RelatedParty {
        /// The program.
        program: String,
        /// The firm.
        firm: String,
        /// The provider.
        provider: String,
    },
    /// A date outside the program's validity, or a voucher that has expired.
    #[error("program '{program}': {what} on {date} is outside the validity {from}..={until}")]
    OutsideValidity {
        /// The program.
        program: String,
        /// "grant", "redemption", ...
        what: &'static str,
        /// The ledger date.
        date: NaiveDate,
        /// First valid day.
        from: NaiveDate,
        /// Last valid day.
        until: NaiveDate,
    },
    /// The firm has no usable voucher balance in the program.
    #[error("program '{program}': firm {firm} has no unexpired voucher balance on {date}")]
    NoVoucherBalance {
        /// The program.
        program: String,
        /// The firm.
        firm: String,
        /// The ledger date.
        date: NaiveDate,
    },
    /// A grant over the firm's annual cap.
    #[error(
        "program '{program}': grant of {requested_fen} fen to firm {firm} in {year} exceeds the cap of {cap_fen} fen ({granted_fen} fen granted already)"
    )]
    CapExceeded {
        /// The program.
        program: String,
        /// The firm.
        firm: String,
        /// The year.
        year: i32,
        /// The cap.
        cap_fen: u64,
        /// Already granted.
        granted_fen: u64,
        /// Requested.
        requested_fen: u64,
    },
    /// A grant over the remaining annual budget.
    #[error(
        "program '{program}': grant of {requested_fen} fen in {year} exceeds the remaining budget of {remaining_fen} fen"
    )]
    BudgetExceeded {
        /// The program.
        program: String,
        /// The year.
        year: i32,
        /// Remaining budget.
        remaining_fen: u64,
        /// Requested.
        requested_fen: u64,
    },
    /// A contract that was claimed before.
    #[error(
        "contract '{contract}' was already claimed (request '{by_request}', program '{program}')"
    )]
    ContractClaimed {
        /// The contract.
        contract: String,
        /// The request that claimed it.
        by_request: String,
        /// The program it was claimed in.
        program: String,
    },
    /// A field of a challenge step, a credit posting or a document is not valid.
    #[error("request '{request_id}': field {field} = '{value}': {reason}")]
    InvalidRequest {
        /// The request.
        request_id: String,
        /// The field at fault.
        field: String,
        /// Its value (cut to 80 characters).
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// Nothing to do: clawback of a firm that holds and received nothing, and so on.
    #[error("{what}")]
    NothingToDo {
        /// What was found.
        what: String,
    },

    // ---- journal ----------------------------------------------------------------------------
    /// The storage failed (SQLite, file system).
    #[error("journal {journal}: {message}")]
    Storage {
        /// The journal (file path or "memory").
        journal: String,
        /// The storage's message.
        message: String,
    },
    /// The journal does not verify: an entry was edited, removed or reordered.
    #[error("journal {journal}: entry {seq}{request}: {reason}")]
    Tampered {
        /// The journal.
        journal: String,
        /// The entry's sequence number.
        seq: u64,
        /// " (request 'id')" when known.
        request: String,
        /// What does not match.
        reason: String,
    },
    /// Replaying the journal did not reproduce what it recorded.
    #[error("journal replay: entry {seq} (request '{request_id}'): {reason}")]
    ReplayMismatch {
        /// The entry.
        seq: u64,
        /// The request.
        request_id: String,
        /// What differs.
        reason: String,
    },
    /// An allocation's requests are refused as a whole (a firm asking twice, too many).
    #[error("allocation refused: {reason}")]
    AllocationInvalid {
        /// Why.
        reason: String,
    },
    /// A ledger invariant does not hold (a bug or a damaged journal).
    #[error("ledger invariant violated: {detail}")]
    Invariant {
        /// Which one and how.
        detail: String,
    },
}

impl LedgerError {
    /// True when the storage or the journal failed (or an invariant broke), as opposed to a
    /// request refused for its content: a caller such as a payment adapter declines the
    /// latter and stops on the former.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            LedgerError::Storage { .. }
                | LedgerError::Tampered { .. }
                | LedgerError::ReplayMismatch { .. }
                | LedgerError::Invariant { .. }
        )
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
