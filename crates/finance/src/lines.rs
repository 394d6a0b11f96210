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
use crate::line::{CreditLine, DefaultRecord, LineStatus, check_id};
use crate::money::{interest_fen, yuan_to_fen_positive};
use crate::pool::{Award, PoolRule, return_due_fen, settle};
use crate::product::Product;

/// Most lines one program may hold.
pub const LINES_MAX: usize = 1_000_000;
/// Most requests one program remembers (for idempotency).
pub const REQUESTS_MAX: usize = 50_000_000;
/// Most lines declared in default in one request (settled together against the pool).
pub const DEFAULTS_PER_REQUEST_MAX: usize = 1_000;

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

/// Which program account a funding goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fund {
    /// The interest-subsidy budget.
    SubsidyBudget,
    /// The risk pool.
    RiskPool,
}

/// The subsidy on one interest payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsidyPaid {
    /// Interest paid that was accrued in the subsidised period.
    pub subsidisable_fen: i64,
    /// The subsidy the rule gives on it, rounded down.
    pub computed_fen: i64,
    /// What the program paid.
    pub paid_fen: i64,
    /// Why less than computed (the yearly cap, the budget), if so.
    pub note: Option<String>,
}

/// One line's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDefault {
    /// The line.
    pub line: String,
    /// Interest accrued up to the default date.
    pub accrued_fen: i64,
    /// The pool's award on the claim.
    pub award: Award,
    /// Unpaid interest reversed.
    pub interest_reversed_fen: i64,
}

/// What an operation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "operation")]
pub enum Outcome {
    /// A program account was funded.
    Funded {
        /// Which.
        fund: Fund,
        /// Amount.
        amount_fen: i64,
    },
    /// A line was granted.
    Granted {
        /// Line.
        line: String,
        /// Limit.
        limit_fen: i64,
        /// Maturity.
        maturity: NaiveDate,
    },
    /// Interest was accrued.
    Accrued {
        /// Line.
        line: String,
        /// Interest accrued.
        accrued_fen: i64,
    },
    /// Principal was drawn.
    Drawn {
        /// Line.
        line: String,
        /// Amount.
        amount_fen: i64,
        /// Interest accrued first.
        accrued_fen: i64,
    },
    /// Interest was paid and subsidised.
    InterestPaid {
        /// Line.
        line: String,
        /// Paid by the firm.
        paid_fen: i64,
        /// Interest accrued first.
        accrued_fen: i64,
        /// The subsidy.
        subsidy: SubsidyPaid,
    },
    /// Principal was repaid.
    Repaid {
        /// Line.
        line: String,
        /// Amount.
        amount_fen: i64,
        /// Interest accrued first.
        accrued_fen: i64,
        /// Principal left.
        principal_left_fen: i64,
    },
    /// A line was closed.
    Closed {
        /// Line.
        line: String,
        /// Undrawn limit cancelled.
        cancelled_fen: i64,
    },
    /// Lines went into default and the pool settled their claims.
    Defaulted {
        /// Each line.
        lines: Vec<LineDefault>,
    },
    /// Money was recovered on a defaulted line.
    Recovered {
        /// Line.
        line: String,
        /// Amount.
        amount_fen: i64,
        /// Returned to the pool.
        returned_to_pool_fen: i64,
    },
    /// A defaulted line's open claim was written off.
    WrittenOff {
        /// Line.
        line: String,
        /// Amount.
        amount_fen: i64,
    },
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The request id.
    pub request_id: String,
    /// What was done.
    pub outcome: Outcome,
    /// Postings made.
    pub postings: usize,
    /// True when this is a repeat of an earlier request: nothing changed now.
    pub repeat: bool,
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
}

/// What an operation will do, worked out before anything is written.
struct Plan {
    postings: Vec<Posting>,
    outcome: Outcome,
    lines: Vec<CreditLine>,
    subsidy: Option<(String, i64)>,
}

/// A program's credit lines over a [`Booking`].
#[derive(Debug)]
pub struct CreditLines<B: Booking> {
    books: B,
    state: LinesState,
}

fn key(kind: AccountKind, owner: &str) -> AccountKey {
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

    fn balance(&self, k: &AccountKey, request_id: &str) -> Result<i64> {
        self.books
            .balance_fen(k)
            .map_err(|source| FinanceError::Booking {
                request_id: request_id.to_string(),
                source,
            })
    }

    fn line_for(&self, id: &str) -> Result<CreditLine> {
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
    fn run(
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
        if let Some((k, add)) = plan.subsidy {
            *self.state.subsidy_by_firm_year.entry(k).or_default() += add;
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
            Ok(Plan {
                postings: vec![Posting::new(
                    key(kind, &program),
                    key(AccountKind::ProgramTreasury, &program),
                    amount,
                    PostingCode::Funding,
                )],
                outcome: Outcome::Funded {
                    fund,
                    amount_fen: amount,
                },
                lines: vec![],
                subsidy: None,
            })
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
            Ok(Plan {
                postings: vec![Posting::new(
                    key(AccountKind::Commitment, line_id),
                    key(AccountKind::CommitmentsIssued, bank),
                    terms.limit_fen,
                    PostingCode::Grant,
                )],
                outcome: Outcome::Granted {
                    line: line_id.to_string(),
                    limit_fen: terms.limit_fen,
                    maturity: line.maturity,
                },
                lines: vec![line],
                subsidy: None,
            })
        })
    }

    /// Accrues interest on a line up to (not including) `date`.
    pub fn accrue(&mut self, request_id: &str, line_id: &str, date: NaiveDate) -> Result<Receipt> {
        self.run(request_id, format!("accrue {line_id} {date}"), |me| {
            let mut l = me.line_for(line_id)?;
            l.require(LineStatus::Active, "accrue interest")?;
            let mut postings = Vec::new();
            let accrued = bring_to(&mut l, date, &mut postings)?;
            Ok(Plan {
                postings,
                outcome: Outcome::Accrued {
                    line: line_id.to_string(),
                    accrued_fen: accrued,
                },
                lines: vec![l],
                subsidy: None,
            })
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
                let mut l = me.line_for(line_id)?;
                l.require(LineStatus::Active, "draw")?;
                if date >= l.maturity {
                    return Err(invalid(
                        line_id,
                        "date",
                        date,
                        format!("on or after maturity {}: no more draws", l.maturity),
                    ));
                }
                let mut postings = Vec::new();
                let accrued = bring_to(&mut l, date, &mut postings)?;
                if amount > l.available_fen {
                    return Err(invalid(
                        line_id,
                        "amount_yuan",
                        amount_yuan,
                        format!("above the available limit of {} fen", l.available_fen),
                    ));
                }
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
                l.drawn_total_fen += amount;
                Ok(Plan {
                    postings,
                    outcome: Outcome::Drawn {
                        line: line_id.to_string(),
                        amount_fen: amount,
                        accrued_fen: accrued,
                    },
                    lines: vec![l],
                    subsidy: None,
                })
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
                let mut l = me.line_for(line_id)?;
                l.require(LineStatus::Active, "pay interest")?;
                let mut postings = Vec::new();
                let accrued = bring_to(&mut l, date, &mut postings)?;
                if amount > l.interest_unpaid_fen {
                    return Err(invalid(
                        line_id,
                        "amount_yuan",
                        amount_yuan,
                        format!("above the unpaid interest of {} fen", l.interest_unpaid_fen),
                    ));
                }
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
                l.interest_paid_total_fen += amount;
                let computed = l
                    .terms
                    .subsidy
                    .subsidy_fen(subsidisable, l.terms.annual_rate);
                let fy = firm_year(&l.firm, date.year());
                let used = me.state.subsidy_by_firm_year.get(&fy).copied().unwrap_or(0);
                let cap_left = (me.state.rules.subsidy_cap_per_firm_year_fen - used).max(0);
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
                        "yearly cap of {} fen per firm reached: paid {paid} of {computed} fen",
                        me.state.rules.subsidy_cap_per_firm_year_fen
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
                l.subsidy_paid_total_fen += paid;
                debug_assert!(l.subsidy_paid_total_fen <= l.interest_paid_total_fen);
                Ok(Plan {
                    postings,
                    outcome: Outcome::InterestPaid {
                        line: line_id.to_string(),
                        paid_fen: amount,
                        accrued_fen: accrued,
                        subsidy: SubsidyPaid {
                            subsidisable_fen: subsidisable,
                            computed_fen: computed,
                            paid_fen: paid,
                            note,
                        },
                    },
                    lines: vec![l],
                    subsidy: (paid > 0).then_some((fy, paid)),
                })
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
                let mut l = me.line_for(line_id)?;
                l.require(LineStatus::Active, "repay")?;
                let mut postings = Vec::new();
                let accrued = bring_to(&mut l, date, &mut postings)?;
                if amount > l.principal_fen {
                    return Err(invalid(
                        line_id,
                        "amount_yuan",
                        amount_yuan,
                        format!("above the principal outstanding of {} fen", l.principal_fen),
                    ));
                }
                postings.push(Posting::new(
                    key(AccountKind::BankCash, &l.bank),
                    key(AccountKind::Principal, &l.id),
                    amount,
                    PostingCode::Repayment,
                ));
                l.principal_fen -= amount;
                l.repaid_total_fen += amount;
                if l.terms.revolving && date < l.maturity {
                    postings.push(Posting::new(
                        key(AccountKind::Commitment, &l.id),
                        key(AccountKind::CommitmentsIssued, &l.bank),
                        amount,
                        PostingCode::Repayment,
                    ));
                    l.available_fen += amount;
                }
                Ok(Plan {
                    postings,
                    outcome: Outcome::Repaid {
                        line: line_id.to_string(),
                        amount_fen: amount,
                        accrued_fen: accrued,
                        principal_left_fen: l.principal_fen,
                    },
                    lines: vec![l],
                    subsidy: None,
                })
            },
        )
    }

    /// Closes a line that owes nothing; its undrawn limit is cancelled.
    pub fn close(&mut self, request_id: &str, line_id: &str, date: NaiveDate) -> Result<Receipt> {
        self.run(request_id, format!("close {line_id} {date}"), |me| {
            let mut l = me.line_for(line_id)?;
            l.require(LineStatus::Active, "close")?;
            let mut postings = Vec::new();
            bring_to(&mut l, date, &mut postings)?;
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
            Ok(Plan {
                postings,
                outcome: Outcome::Closed {
                    line: line_id.to_string(),
                    cancelled_fen: cancelled,
                },
                lines: vec![l],
                subsidy: None,
            })
        })
    }

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
                    let mut l = me.line_for(id)?;
                    l.require(LineStatus::Active, "default")?;
                    accrued.push(bring_to(&mut l, date, &mut postings)?);
                    lines.push(l);
                }
                let program = me.state.rules.program.clone();
                let pool = me.balance(&key(AccountKind::RiskPool, &program), request_id)?;
                let claims: Vec<i64> = lines.iter().map(|l| l.principal_fen).collect();
                let awards = settle(
                    pool,
                    me.state.rules.pool_share,
                    me.state.rules.pool_rule,
                    &claims,
                );
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
                Ok(Plan {
                    postings,
                    outcome: Outcome::Defaulted { lines: out },
                    lines,
                    subsidy: None,
                })
            },
        )
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
                let mut l = me.line_for(line_id)?;
                l.require(LineStatus::Defaulted, "recover")?;
                let mut d = l.default.ok_or_else(|| {
                    invalid(
                        line_id,
                        "default",
                        "none",
                        "a defaulted line without its record",
                    )
                })?;
                if date < d.on {
                    return Err(invalid(
                        line_id,
                        "date",
                        date,
                        format!("before the default on {}", d.on),
                    ));
                }
                if amount > d.open_fen() {
                    return Err(invalid(
                        line_id,
                        "amount_yuan",
                        amount_yuan,
                        format!("above the open claim of {} fen", d.open_fen()),
                    ));
                }
                let program = me.state.rules.program.clone();
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
                Ok(Plan {
                    postings,
                    outcome: Outcome::Recovered {
                        line: line_id.to_string(),
                        amount_fen: amount,
                        returned_to_pool_fen: returned.max(0),
                    },
                    lines: vec![l],
                    subsidy: None,
                })
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
            let mut l = me.line_for(line_id)?;
            l.require(LineStatus::Defaulted, "write off")?;
            let mut d = l.default.ok_or_else(|| {
                invalid(
                    line_id,
                    "default",
                    "none",
                    "a defaulted line without its record",
                )
            })?;
            if date < d.on {
                return Err(invalid(
                    line_id,
                    "date",
                    date,
                    format!("before the default on {}", d.on),
                ));
            }
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
            Ok(Plan {
                postings,
                outcome: Outcome::WrittenOff {
                    line: line_id.to_string(),
                    amount_fen: open,
                },
                lines: vec![l],
                subsidy: None,
            })
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

/// Accrues `l` up to `date` (split at the end of the subsidised period) and lets the undrawn
/// limit lapse at maturity; returns the interest accrued.
fn bring_to(l: &mut CreditLine, date: NaiveDate, postings: &mut Vec<Posting>) -> Result<i64> {
    if date < l.accrued_through {
        return Err(invalid(
            &l.id,
            "date",
            date,
            format!(
                "before the last accrual date {}: no back-dating",
                l.accrued_through
            ),
        ));
    }
    let mut total = 0;
    let from = l.accrued_through;
    let split = l.subsidy_until.clamp(from, date);
    for (a, b, subsidised) in [(from, split, true), (split, date, false)] {
        let days = (b - a).num_days();
        if days <= 0 || l.principal_fen == 0 {
            continue;
        }
        let i = interest_fen(
            l.principal_fen,
            l.terms.annual_rate,
            days,
            l.terms.day_count,
        )
        .ok_or_else(|| invalid(&l.id, "date", date, "interest beyond the accepted range"))?;
        if i > 0 {
            postings.push(Posting::new(
                key(AccountKind::InterestReceivable, &l.id),
                key(AccountKind::InterestIncome, &l.bank),
                i,
                PostingCode::InterestAccrual,
            ));
            l.interest_unpaid_fen += i;
            l.interest_accrued_total_fen += i;
            if subsidised {
                l.subsidisable_unpaid_fen += i;
            }
            total += i;
        }
    }
    l.accrued_through = date;
    if date >= l.maturity {
        cancel_commitment(l, postings);
    }
    Ok(total)
}

/// Cancels the undrawn limit; returns the amount.
fn cancel_commitment(l: &mut CreditLine, postings: &mut Vec<Posting>) -> i64 {
    let c = l.available_fen;
    if c > 0 {
        postings.push(Posting::new(
            key(AccountKind::CommitmentsIssued, &l.bank),
            key(AccountKind::Commitment, &l.id),
            c,
            PostingCode::Cancellation,
        ));
        l.available_fen = 0;
    }
    c
}
