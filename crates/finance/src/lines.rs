//! [`CreditLines`]: a program's 云量贷 lines, their subsidy budget and risk pool, every money
//! movement posted through a [`Booking`] implementation.
//!
//! Every operation takes a request id and is idempotent: the same id with the same arguments
//! returns the first receipt and changes nothing; with other arguments it is refused. An
//! operation works out its postings and the lines' new state first, posts the postings as one
//! request (all or nothing), and only then takes the new state: a refused posting leaves
//! everything as it was.
//!
//! Interest accrues on the principal outstanding, day by day under the line's day count, and
//! is posted at every change of principal, at every payment, at default and on request
//! ([`CreditLines::accrue`]); each accrual posting is rounded half up to the fen. Interest
//! keeps accruing after maturity at the same rate until the line is repaid or in default (no
//! penalty rate). A payment settles the oldest interest first; the part accrued in the
//! subsidised period earns the subsidy, rounded down to the fen, capped by the firm's yearly
//! cap and by what is left in the budget (first come). The subsidy is therefore never above
//! the interest the firm actually paid.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use registry_model::{EnterpriseId, Year};

use crate::booking::{AccountKey, AccountKind, Booking, Posting, PostingCode, check_request_id};
use crate::eligibility::GrantTerms;
use crate::error::{FinanceError, Result, invalid};
use crate::line::{CreditLine, LineStatus, bring_to, cancel_commitment, check_id};
use crate::money::{AMOUNT_FEN_MAX, yuan_to_fen_positive};
use crate::pool::PoolRule;
use crate::product::Product;
pub use crate::receipt::{Fund, LineDefault, Outcome, Receipt, SubsidyPaid};

/// Most lines one program may hold.
pub const LINES_MAX: usize = 1_000_000;
/// Most requests one program remembers (for idempotency).
pub const REQUESTS_MAX: usize = 50_000_000;

/// The program-wide rules: who pays, the subsidy cap, the pool's share and rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramRules {
    /// The program's id (owner of its budget, pool and treasury accounts).
    pub program: String,
    /// Subsidy cap per firm per calendar year, fen.
    pub subsidy_cap_per_firm_year_fen: i64,
    /// Share of a claim the pool covers.
    pub pool_share: Decimal,
    /// The pool's exhaustion rule.
    pub pool_rule: PoolRule,
}

impl ProgramRules {
    /// The rules of a product.
    pub fn of(product: &Product) -> Self {
        Self {
            program: product.program.clone(),
            subsidy_cap_per_firm_year_fen: product.subsidy_cap_per_firm_year_fen,
            pool_share: product.pool_share,
            pool_rule: product.pool_rule,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RequestRecord {
    fingerprint: String,
    receipt: Receipt,
}

/// The state of a program's lines apart from the books, for saving and restoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinesState {
    /// Program rules.
    pub rules: ProgramRules,
    /// Lines by id.
    pub lines: BTreeMap<String, CreditLine>,
    requests: HashMap<String, RequestRecord>,
    subsidy_by_firm_year: BTreeMap<String, i64>,
    /// Σ of the limits granted: at most [`AMOUNT_FEN_MAX`], so every sum over the program's
    /// lines fits in `i64`.
    limits_total_fen: i64,
}

impl LinesState {
    /// A state rebuilt from its parts, as a store keeping each line apart saves them: the
    /// rules, every line, and the subsidy paid by firm and calendar year
    /// ([`LinesState::subsidy_by_firm_year`]). It remembers no request: the store answers
    /// repeats itself. [`CreditLines::restore`] checks it against the books.
    pub fn from_parts(
        rules: ProgramRules,
        lines: impl IntoIterator<Item = CreditLine>,
        subsidy_by_firm_year: BTreeMap<String, i64>,
    ) -> Result<Self> {
        let mut by_id = BTreeMap::new();
        let mut limits_total_fen = 0i64;
        for l in lines {
            if by_id.len() >= LINES_MAX {
                return Err(FinanceError::TooMany {
                    what: "credit lines",
                    count: LINES_MAX + 1,
                    max: LINES_MAX,
                });
            }
            limits_total_fen = limits_total_fen
                .checked_add(l.limit_fen)
                .filter(|t| *t <= AMOUNT_FEN_MAX)
                .ok_or_else(|| {
                    invalid(
                        &l.id,
                        "limit_fen",
                        l.limit_fen,
                        "the program's limits pass ¥10^15",
                    )
                })?;
            if let Some(previous) = by_id.insert(l.id.clone(), l) {
                return Err(FinanceError::Exists {
                    what: "credit line",
                    key: previous.id,
                });
            }
        }
        Ok(Self {
            rules,
            lines: by_id,
            requests: HashMap::new(),
            subsidy_by_firm_year,
            limits_total_fen,
        })
    }

    /// Subsidy paid by firm and calendar year (`{uscc}/{year}` → fen), for saving.
    pub fn subsidy_by_firm_year(&self) -> &BTreeMap<String, i64> {
        &self.subsidy_by_firm_year
    }
}

/// What an operation will do, worked out before anything is written.
pub(crate) struct Plan {
    pub(crate) postings: Vec<Posting>,
    pub(crate) outcome: Outcome,
    pub(crate) lines: Vec<CreditLine>,
    pub(crate) subsidy: Option<(String, i64)>,
    /// Limit newly granted (added to the program's total).
    pub(crate) granted_fen: i64,
}

impl Plan {
    /// A plan that grants nothing and pays no subsidy.
    pub(crate) fn new(postings: Vec<Posting>, outcome: Outcome, lines: Vec<CreditLine>) -> Self {
        Self {
            postings,
            outcome,
            lines,
            subsidy: None,
            granted_fen: 0,
        }
    }
}

/// An active line brought up to a date: its new state, the accrual postings, the interest
/// accrued.
pub(crate) struct AtDate {
    pub(crate) line: CreditLine,
    pub(crate) postings: Vec<Posting>,
    pub(crate) accrued_fen: i64,
}

/// Refuses `amount` above `bound` (an amount given as `amount_yuan`), naming what it was
/// checked against.
pub(crate) fn at_most(
    line_id: &str,
    amount_yuan: Decimal,
    amount: i64,
    bound: i64,
    what: &str,
) -> Result<()> {
    if amount > bound {
        return Err(invalid(
            line_id,
            "amount_yuan",
            amount_yuan,
            format!("above {what} of {bound} fen"),
        ));
    }
    Ok(())
}

/// A program's credit lines over a [`Booking`].
#[derive(Debug)]
pub struct CreditLines<B: Booking> {
    books: B,
    state: LinesState,
}

pub(crate) fn key(kind: AccountKind, owner: &str) -> AccountKey {
    AccountKey::new(kind, owner)
}

fn firm_year(firm: &EnterpriseId, year: Year) -> String {
    format!("{firm}/{year}")
}

impl<B: Booking> CreditLines<B> {
    /// A program with no lines over `books`.
    pub fn new(books: B, rules: ProgramRules) -> Result<Self> {
        check_id("program", &rules.program)?;
        Ok(Self {
            books,
            state: LinesState {
                rules,
                lines: BTreeMap::new(),
                requests: HashMap::new(),
                subsidy_by_firm_year: BTreeMap::new(),
                limits_total_fen: 0,
            },
        })
    }

    /// Restores a program from its saved state and the books it was posting to, and checks
    /// that they agree.
    pub fn restore(books: B, state: LinesState) -> Result<Self> {
        let me = Self { books, state };
        me.check_invariants()?;
        Ok(me)
    }

    /// The state apart from the books (serialisable).
    pub fn state(&self) -> &LinesState {
        &self.state
    }

    /// The books.
    pub fn books(&self) -> &B {
        &self.books
    }

    /// Gives the books back.
    pub fn into_books(self) -> B {
        self.books
    }

    /// The program rules.
    pub fn rules(&self) -> &ProgramRules {
        &self.state.rules
    }

    /// A line.
    pub fn line(&self, id: &str) -> Option<&CreditLine> {
        self.state.lines.get(id)
    }

    /// Every line, by id.
    pub fn lines(&self) -> impl Iterator<Item = &CreditLine> {
        self.state.lines.values()
    }

    /// Subsidy paid to `firm` in calendar year `year`.
    pub fn subsidy_used_fen(&self, firm: &EnterpriseId, year: Year) -> i64 {
        self.state
            .subsidy_by_firm_year
            .get(&firm_year(firm, year))
            .copied()
            .unwrap_or(0)
    }

    /// Balance of a program account (budget or pool) in the books.
    pub fn fund_balance_fen(&self, fund: Fund) -> Result<i64> {
        let kind = match fund {
            Fund::SubsidyBudget => AccountKind::SubsidyBudget,
            Fund::RiskPool => AccountKind::RiskPool,
        };
        self.balance(&key(kind, &self.state.rules.program), "read")
    }

    pub(crate) fn balance(&self, k: &AccountKey, request_id: &str) -> Result<i64> {
        self.books
            .balance_fen(k)
            .map_err(|source| FinanceError::Booking {
                request_id: request_id.to_string(),
                source,
            })
    }

    /// The line `id`, which must be active, brought up to `date`.
    pub(crate) fn active_at(&self, id: &str, date: NaiveDate, operation: &str) -> Result<AtDate> {
        let mut line = self.line_for(id)?;
        line.require(LineStatus::Active, operation)?;
        let mut postings = Vec::new();
        let accrued_fen = bring_to(&mut line, date, &mut postings)?;
        Ok(AtDate {
            line,
            postings,
            accrued_fen,
        })
    }

    pub(crate) fn line_for(&self, id: &str) -> Result<CreditLine> {
        self.state
            .lines
            .get(id)
            .cloned()
            .ok_or_else(|| FinanceError::NotFound {
                what: "credit line",
                key: id.to_string(),
            })
    }

    /// Runs one request: repeat check, plan, post, apply, remember.
    pub(crate) fn run(
        &mut self,
        request_id: &str,
        fingerprint: String,
        plan: impl FnOnce(&Self) -> Result<Plan>,
    ) -> Result<Receipt> {
        check_request_id(request_id).map_err(|source| FinanceError::Booking {
            request_id: request_id.to_string(),
            source,
        })?;
        if let Some(r) = self.state.requests.get(request_id) {
            if r.fingerprint == fingerprint {
                let mut receipt = r.receipt.clone();
                receipt.repeat = true;
                return Ok(receipt);
            }
            return Err(FinanceError::RequestConflict {
                request_id: request_id.to_string(),
                previous: r.fingerprint.clone(),
                attempted: fingerprint,
            });
        }
        if self.state.requests.len() >= REQUESTS_MAX {
            return Err(FinanceError::TooMany {
                what: "requests remembered",
                count: REQUESTS_MAX + 1,
                max: REQUESTS_MAX,
            });
        }
        let plan = plan(self)?;
        if !plan.postings.is_empty() {
            // Posted or a repeat of the same postings (the books kept a request the state lost,
            // as after restoring an older snapshot): either way the postings are in the books.
            self.books
                .post(request_id, &plan.postings)
                .map_err(|source| FinanceError::Booking {
                    request_id: request_id.to_string(),
                    source,
                })?;
        }
        for l in plan.lines {
            self.state.lines.insert(l.id.clone(), l);
        }
        self.state.limits_total_fen = self.state.limits_total_fen.saturating_add(plan.granted_fen);
        if let Some((k, add)) = plan.subsidy {
            let e = self.state.subsidy_by_firm_year.entry(k).or_default();
            *e = e.saturating_add(add);
        }
        let receipt = Receipt {
            request_id: request_id.to_string(),
            outcome: plan.outcome,
            postings: plan.postings.len(),
            repeat: false,
        };
        self.state.requests.insert(
            request_id.to_string(),
            RequestRecord {
                fingerprint,
                receipt: receipt.clone(),
            },
        );
        Ok(receipt)
    }

    /// Puts money into the subsidy budget or the risk pool.
    pub fn fund(&mut self, request_id: &str, fund: Fund, amount_yuan: Decimal) -> Result<Receipt> {
        let amount = yuan_to_fen_positive(amount_yuan, request_id, "amount_yuan")?;
        let program = self.state.rules.program.clone();
        self.run(request_id, format!("fund {fund:?} {amount}"), |_| {
            let kind = match fund {
                Fund::SubsidyBudget => AccountKind::SubsidyBudget,
                Fund::RiskPool => AccountKind::RiskPool,
            };
            let funding = Posting::new(
                key(kind, &program),
                key(AccountKind::ProgramTreasury, &program),
                amount,
                PostingCode::Funding,
            );
            Ok(Plan::new(
                vec![funding],
                Outcome::Funded {
                    fund,
                    amount_fen: amount,
                },
                vec![],
            ))
        })
    }

    /// Grants a line on the terms of an eligible decision.
    pub fn grant(
        &mut self,
        request_id: &str,
        line_id: &str,
        bank: &str,
        terms: &GrantTerms,
        date: NaiveDate,
    ) -> Result<Receipt> {
        check_id("credit line", line_id)?;
        check_id("bank", bank)?;
        let fp = format!(
            "grant {line_id} {bank} {} {} {date}",
            terms.firm, terms.limit_fen
        );
        self.run(request_id, fp, |me| {
            if me.state.lines.contains_key(line_id) {
                return Err(FinanceError::Exists {
                    what: "credit line",
                    key: line_id.to_string(),
                });
            }
            if me.state.lines.len() >= LINES_MAX {
                return Err(FinanceError::TooMany {
                    what: "credit lines",
                    count: LINES_MAX + 1,
                    max: LINES_MAX,
                });
            }
            if terms.limit_fen <= 0 || terms.limit_fen > crate::money::AMOUNT_FEN_MAX {
                return Err(invalid(
                    line_id,
                    "limit_fen",
                    terms.limit_fen,
                    "must be positive",
                ));
            }
            if me.state.limits_total_fen.saturating_add(terms.limit_fen) > AMOUNT_FEN_MAX {
                return Err(invalid(
                    line_id,
                    "limit_fen",
                    terms.limit_fen,
                    "the program's limits would pass ¥10^15 in total",
                ));
            }
            let line = CreditLine {
                id: line_id.to_string(),
                firm: terms.firm,
                tier: terms.tier,
                bank: bank.to_string(),
                product: terms.product.clone(),
                score: terms.score,
                pd: terms.pd,
                limit_fen: terms.limit_fen,
                terms: terms.terms,
                granted_on: date,
                maturity: terms.terms.maturity(date),
                subsidy_until: terms.terms.subsidy_until(date),
                status: LineStatus::Active,
                available_fen: terms.limit_fen,
                principal_fen: 0,
                interest_unpaid_fen: 0,
                subsidisable_unpaid_fen: 0,
                accrued_through: date,
                drawn_total_fen: 0,
                repaid_total_fen: 0,
                interest_accrued_total_fen: 0,
                interest_paid_total_fen: 0,
                subsidy_paid_total_fen: 0,
                default: None,
            };
            let commit = Posting::new(
                key(AccountKind::Commitment, line_id),
                key(AccountKind::CommitmentsIssued, bank),
                terms.limit_fen,
                PostingCode::Grant,
            );
            let outcome = Outcome::Granted {
                line: line_id.to_string(),
                limit_fen: terms.limit_fen,
                maturity: line.maturity,
            };
            let mut plan = Plan::new(vec![commit], outcome, vec![line]);
            plan.granted_fen = terms.limit_fen;
            Ok(plan)
        })
    }

    /// Accrues interest on a line up to (not including) `date`.
    pub fn accrue(&mut self, request_id: &str, line_id: &str, date: NaiveDate) -> Result<Receipt> {
        self.run(request_id, format!("accrue {line_id} {date}"), |me| {
            let at = me.active_at(line_id, date, "accrue interest")?;
            let outcome = Outcome::Accrued {
                line: line_id.to_string(),
                accrued_fen: at.accrued_fen,
            };
            Ok(Plan::new(at.postings, outcome, vec![at.line]))
        })
    }

    /// Draws principal.
    pub fn draw(
        &mut self,
        request_id: &str,
        line_id: &str,
        date: NaiveDate,
        amount_yuan: Decimal,
    ) -> Result<Receipt> {
        let amount = yuan_to_fen_positive(amount_yuan, line_id, "amount_yuan")?;
        self.run(
            request_id,
            format!("draw {line_id} {date} {amount}"),
            |me| {
                let AtDate {
                    line: mut l,
                    mut postings,
                    accrued_fen,
                } = me.active_at(line_id, date, "draw")?;
                if date >= l.maturity {
                    return Err(invalid(
                        line_id,
                        "date",
                        date,
                        format!("on or after maturity {}: no more draws", l.maturity),
                    ));
                }
                at_most(
                    line_id,
                    amount_yuan,
                    amount,
                    l.available_fen,
                    "the available limit",
                )?;
                postings.push(Posting::new(
                    key(AccountKind::Principal, &l.id),
                    key(AccountKind::BankCash, &l.bank),
                    amount,
                    PostingCode::Drawdown,
                ));
                postings.push(Posting::new(
                    key(AccountKind::CommitmentsIssued, &l.bank),
                    key(AccountKind::Commitment, &l.id),
                    amount,
                    PostingCode::Drawdown,
                ));
                l.available_fen -= amount;
                l.principal_fen += amount;
                l.drawn_total_fen = l.drawn_total_fen.saturating_add(amount);
                let outcome = Outcome::Drawn {
                    line: line_id.to_string(),
                    amount_fen: amount,
                    accrued_fen,
                };
                Ok(Plan::new(postings, outcome, vec![l]))
            },
        )
    }

    /// The firm pays interest; the program pays the subsidy on it.
    pub fn pay_interest(
        &mut self,
        request_id: &str,
        line_id: &str,
        date: NaiveDate,
        amount_yuan: Decimal,
    ) -> Result<Receipt> {
        let amount = yuan_to_fen_positive(amount_yuan, line_id, "amount_yuan")?;
        self.run(
            request_id,
            format!("pay_interest {line_id} {date} {amount}"),
            |me| {
                let AtDate {
                    line: mut l,
                    mut postings,
                    accrued_fen,
                } = me.active_at(line_id, date, "pay interest")?;
                at_most(
                    line_id,
                    amount_yuan,
                    amount,
                    l.interest_unpaid_fen,
                    "the unpaid interest",
                )?;
                postings.push(Posting::new(
                    key(AccountKind::BankCash, &l.bank),
                    key(AccountKind::InterestReceivable, &l.id),
                    amount,
                    PostingCode::InterestPayment,
                ));
                // Oldest interest first: the subsidisable part is always the oldest.
                let subsidisable = amount.min(l.subsidisable_unpaid_fen);
                l.subsidisable_unpaid_fen -= subsidisable;
                l.interest_unpaid_fen -= amount;
                l.interest_paid_total_fen = l.interest_paid_total_fen.saturating_add(amount);
                let computed = l
                    .terms
                    .subsidy
                    .subsidy_fen(subsidisable, l.terms.annual_rate);
                let fy = firm_year(&l.firm, date.year());
                let used = me.state.subsidy_by_firm_year.get(&fy).copied().unwrap_or(0);
                let cap = me.state.rules.subsidy_cap_per_firm_year_fen;
                let cap_left = (cap - used).max(0);
                let program = me.state.rules.program.clone();
                let budget = me
                    .balance(&key(AccountKind::SubsidyBudget, &program), request_id)?
                    .max(0);
                let paid = computed.min(cap_left).min(budget);
                let note = if paid == computed {
                    None
                } else if computed.min(cap_left) > budget {
                    Some(format!(
                        "subsidy budget exhausted: paid {paid} of {computed} fen"
                    ))
                } else {
                    Some(format!(
                        "yearly cap of {cap} fen per firm reached: paid {paid} of {computed} fen"
                    ))
                };
                if paid > 0 {
                    postings.push(Posting::new(
                        key(AccountKind::SubsidyPaid, l.firm.as_str()),
                        key(AccountKind::SubsidyBudget, &program),
                        paid,
                        PostingCode::Subsidy,
                    ));
                }
                l.subsidy_paid_total_fen = l.subsidy_paid_total_fen.saturating_add(paid);
                debug_assert!(l.subsidy_paid_total_fen <= l.interest_paid_total_fen);
                let subsidy = SubsidyPaid {
                    subsidisable_fen: subsidisable,
                    computed_fen: computed,
                    paid_fen: paid,
                    note,
                };
                let outcome = Outcome::InterestPaid {
                    line: line_id.to_string(),
                    paid_fen: amount,
                    accrued_fen,
                    subsidy,
                };
                let mut plan = Plan::new(postings, outcome, vec![l]);
                plan.subsidy = (paid > 0).then_some((fy, paid));
                Ok(plan)
            },
        )
    }

    /// The firm repays principal. On a revolving line before maturity the repaid amount may be
    /// drawn again.
    pub fn repay(
        &mut self,
        request_id: &str,
        line_id: &str,
        date: NaiveDate,
        amount_yuan: Decimal,
    ) -> Result<Receipt> {
        let amount = yuan_to_fen_positive(amount_yuan, line_id, "amount_yuan")?;
        self.run(
            request_id,
            format!("repay {line_id} {date} {amount}"),
            |me| {
                let AtDate {
                    line: mut l,
                    mut postings,
                    accrued_fen,
                } = me.active_at(line_id, date, "repay")?;
                at_most(
                    line_id,
                    amount_yuan,
                    amount,
                    l.principal_fen,
                    "the principal outstanding",
                )?;
                postings.push(Posting::new(
                    key(AccountKind::BankCash, &l.bank),
                    key(AccountKind::Principal, &l.id),
                    amount,
                    PostingCode::Repayment,
                ));
                l.principal_fen -= amount;
                l.repaid_total_fen = l.repaid_total_fen.saturating_add(amount);
                if l.terms.revolving && date < l.maturity {
                    postings.push(Posting::new(
                        key(AccountKind::Commitment, &l.id),
                        key(AccountKind::CommitmentsIssued, &l.bank),
                        amount,
                        PostingCode::Repayment,
                    ));
                    l.available_fen += amount;
                }
                let outcome = Outcome::Repaid {
                    line: line_id.to_string(),
                    amount_fen: amount,
                    accrued_fen,
                    principal_left_fen: l.principal_fen,
                };
                Ok(Plan::new(postings, outcome, vec![l]))
            },
        )
    }

    /// Closes a line that owes nothing; its undrawn limit is cancelled.
    pub fn close(&mut self, request_id: &str, line_id: &str, date: NaiveDate) -> Result<Receipt> {
        self.run(request_id, format!("close {line_id} {date}"), |me| {
            let AtDate {
                line: mut l,
                mut postings,
                ..
            } = me.active_at(line_id, date, "close")?;
            if l.owed_fen() > 0 {
                return Err(FinanceError::LineState {
                    line: l.id.clone(),
                    state: format!(
                        "owing {} fen principal and {} fen interest",
                        l.principal_fen, l.interest_unpaid_fen
                    ),
                    operation: "close".into(),
                });
            }
            let cancelled = cancel_commitment(&mut l, &mut postings);
            l.status = LineStatus::Closed;
            Ok(Plan::new(
                postings,
                Outcome::Closed {
                    line: line_id.to_string(),
                    cancelled_fen: cancelled,
                },
                vec![l],
            ))
        })
    }

    /// Checks that every line's balances agree with its accounts in the books, that no line
    /// received more subsidy than the interest paid on it, and that the yearly subsidy record
    /// matches the lines.
    pub fn check_invariants(&self) -> Result<()> {
        let bad = |line: &str, what: String| FinanceError::Degenerate {
            what: "credit line invariants",
            reason: format!("line {line}: {what}"),
        };
        let mut subsidy_total = 0i64;
        for l in self.state.lines.values() {
            let open = l.default.map_or(0, |d| d.open_fen());
            for (kind, expected) in [
                (AccountKind::Principal, l.principal_fen),
                (AccountKind::InterestReceivable, l.interest_unpaid_fen),
                (AccountKind::Commitment, l.available_fen),
                (AccountKind::DefaultedClaim, open),
            ] {
                let got = self.balance(&key(kind, &l.id), "check")?;
                if got != expected {
                    return Err(bad(
                        &l.id,
                        format!(
                            "{} is {got} fen in the books, {expected} fen on the line",
                            kind.key()
                        ),
                    ));
                }
            }
            if l.subsidy_paid_total_fen > l.interest_paid_total_fen {
                return Err(bad(&l.id, "subsidy above the interest paid".into()));
            }
            if l.subsidisable_unpaid_fen > l.interest_unpaid_fen
                || l.available_fen < 0
                || l.principal_fen < 0
            {
                return Err(bad(&l.id, "a negative or inconsistent balance".into()));
            }
            if l.drawn_total_fen
                != l.repaid_total_fen + l.principal_fen + l.default.map_or(0, |d| d.claim_fen)
            {
                return Err(bad(&l.id, "drawn ≠ repaid + outstanding + claim".into()));
            }
            subsidy_total += l.subsidy_paid_total_fen;
        }
        let limits: i64 = self.state.lines.values().map(|l| l.limit_fen).sum();
        if limits != self.state.limits_total_fen {
            return Err(FinanceError::Degenerate {
                what: "credit line invariants",
                reason: format!(
                    "limits total {} ≠ Σ of the lines' limits {limits}",
                    self.state.limits_total_fen
                ),
            });
        }
        let recorded: i64 = self.state.subsidy_by_firm_year.values().sum();
        if recorded != subsidy_total {
            return Err(FinanceError::Degenerate {
                what: "credit line invariants",
                reason: format!("yearly subsidy record {recorded} ≠ lines' {subsidy_total} fen"),
            });
        }
        Ok(())
    }
}
