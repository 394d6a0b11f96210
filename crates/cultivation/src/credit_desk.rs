//! A program office's 云量贷 lines kept on the voucher ledger between requests, so that each
//! operation — fund, grant, draw, repay, default — can run in its own process.
//!
//! The money is booked on the ledger's credit books (`finance-{program}`, through
//! [`LedgerBooks`]); the lines' state beside it is ledger documents, put in the same
//! [`VoucherBook::group`] as the postings, so state and money commit together or not at all
//! and `verify` covers both:
//!
//! - [`LINE_COLLECTION`]: one document per line (key `{program}/{line}`), the [`CreditLine`];
//! - [`PROGRAM_COLLECTION`]: one per program, its [`ProgramRules`] and the subsidy paid by
//!   firm and year (the yearly cap's record);
//! - [`REQUEST_COLLECTION`]: one per request id, the command and its reply. The same id with
//!   the same command returns the first reply and moves nothing; with another command it is
//!   refused ([`LedgerError::RequestConflict`]).
//!
//! A grant is decided by the library ([`finance::evaluate`]) on the ledger's verified spend
//! ([`LedgerEvidence`], as the cycle's step reads it) and the registry's facts
//! ([`RegistryView`]); a firm that is not eligible gets no line, and its decision (rules failed
//! or undecidable, with the value found and the bar) is kept with the request, so the
//! program's report counts refusals with their reasons.
//!
//! On loading, every line is checked against its accounts in the books
//! ([`CreditLines::restore`]): a ledger whose documents and postings disagree is an error.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use finance::eligibility::RuleOutcome;
use finance::lines::LinesState;
use finance::{
    CreditLine, CreditLines, DecisionStatus, Product, ProgramRules, Receipt, Scorecard, evaluate,
};
use registry_model::{EnterpriseId, RegionCode, RegistryStore};
use serde::{Deserialize, Serialize};
use voucher_ledger::book::Document;
use voucher_ledger::{Journal, LedgerError, VoucherBook};

use crate::credit_books::LedgerBooks;
pub use crate::credit_command::{
    CreditCommand, DefaultOrder, DrawOrder, FundOrder, GrantOrder, RepayOrder,
};
use crate::error::{CultivationError, Result};
use crate::registry_view::RegistryView;
use crate::spend_evidence::LedgerEvidence;

/// The ledger collection of credit lines, one document per `{program}/{line}`.
pub const LINE_COLLECTION: &str = "finance/line";
/// The ledger collection of programs (rules and the yearly subsidy record), one per program.
pub const PROGRAM_COLLECTION: &str = "finance/program";
/// The ledger collection of requests (command and reply), one per request id.
pub const REQUEST_COLLECTION: &str = "finance/request";
/// The region of the desk's books on the ledger (the cultivation programs' issuing region,
/// as the cycle's books).
pub const BOOKS_REGION: &str = crate::finance_step::BOOKS_REGION;

/// The credit books of `program` on the ledger.
pub fn books_name(program: &str) -> String {
    format!("finance-{program}")
}

/// A grant's decision as kept with its request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantDecision {
    /// The firm.
    pub firm: EnterpriseId,
    /// Eligible, refused or pending.
    pub status: DecisionStatus,
    /// The tier at decision (`None` without).
    pub tier: Option<String>,
    /// The score.
    pub score: i64,
    /// The probability of default (finite).
    pub pd: f64,
    /// Verified spend in the window, fen.
    pub verified_spend_fen: i64,
    /// The limit the rules give, fen (0 when not eligible).
    pub limit_fen: i64,
    /// The rules failed or undecidable: `rule: value (needs threshold)`.
    pub reasons: Vec<String>,
}

/// What one operation did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditReply {
    /// The request id.
    pub request_id: String,
    /// The program.
    pub program: String,
    /// The verb.
    pub verb: String,
    /// The line (empty for funding).
    pub line: String,
    /// A grant's decision.
    pub decision: Option<GrantDecision>,
    /// The library's receipts, in order (none for a refused grant).
    pub receipts: Vec<Receipt>,
    /// The line after the operation.
    pub after: Option<CreditLine>,
    /// True when an earlier run made it and nothing was written now.
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RequestRecord {
    command: CreditCommand,
    reply: CreditReply,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ProgramRecord {
    rules: ProgramRules,
    subsidy_by_firm_year: BTreeMap<String, i64>,
}

fn line_key(program: &str, line: &str) -> String {
    format!("{program}/{line}")
}

fn region() -> Result<RegionCode> {
    BOOKS_REGION.parse().map_err(|e| CultivationError::Bounds {
        what: "books region",
        value: format!("{BOOKS_REGION}: {e}"),
        bounds: "a region code".into(),
    })
}

fn program_record<J: Journal>(
    book: &VoucherBook<J>,
    program: &str,
) -> Result<Option<ProgramRecord>> {
    match book.document(PROGRAM_COLLECTION, program) {
        None => Ok(None),
        Some(d) => Ok(Some(d.document.read()?)),
    }
}

/// Every line of `program` on the ledger, by id.
pub fn load_lines<J: Journal>(book: &VoucherBook<J>, program: &str) -> Result<Vec<CreditLine>> {
    let prefix = format!("{program}/");
    let mut lines = book
        .documents(LINE_COLLECTION)
        .into_iter()
        .filter(|d| d.document.key.starts_with(&prefix))
        .map(|d| Ok(d.document.read::<CreditLine>()?))
        .collect::<Result<Vec<_>>>()?;
    lines.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(lines)
}

/// Every grant decision kept on the ledger for `program` (granted, refused and pending), in
/// the order they were made, with the line granted (empty when none).
pub fn load_decisions<J: Journal>(
    book: &VoucherBook<J>,
    program: &str,
) -> Result<Vec<(String, GrantDecision)>> {
    let mut out = Vec::new();
    for d in book.documents(REQUEST_COLLECTION) {
        let r: RequestRecord = d.document.read()?;
        if r.reply.program != program {
            continue;
        }
        if let Some(decision) = r.reply.decision {
            let line = if r.reply.receipts.is_empty() {
                String::new()
            } else {
                r.reply.line
            };
            out.push((line, decision));
        }
    }
    Ok(out)
}

/// The program's lines over its books on `book`, checked against the books; a program never
/// written to opens empty under `rules`. Stored rules that differ from `rules` are refused:
/// a program keeps the rules it was opened with.
pub fn open_program<'a, J: Journal>(
    book: &'a mut VoucherBook<J>,
    rules: &ProgramRules,
) -> Result<CreditLines<LedgerBooks<'a, J>>> {
    let program = rules.program.clone();
    let record = program_record(book, &program)?;
    let lines = load_lines(book, &program)?;
    let subsidy = match record {
        Some(r) if r.rules != *rules => {
            return Err(CultivationError::Bounds {
                what: "program rules",
                value: format!("{program}: {:?}", rules),
                bounds: format!("the rules the program was opened with: {:?}", r.rules),
            });
        }
        Some(r) => r.subsidy_by_firm_year,
        None => BTreeMap::new(),
    };
    let state = LinesState::from_parts(rules.clone(), lines, subsidy)?;
    let books = LedgerBooks::new(book, &books_name(&program), region()?);
    Ok(CreditLines::restore(books, state)?)
}

fn decision_of(e: &finance::Evaluation) -> GrantDecision {
    let d = &e.decision;
    GrantDecision {
        firm: d.firm,
        status: d.status,
        tier: d.tier.map(|t| t.key().to_string()),
        score: d.score,
        pd: if d.pd.is_finite() { d.pd } else { 0.0 },
        verified_spend_fen: e.spend.verified_fen,
        limit_fen: if d.status == DecisionStatus::Eligible {
            d.limit.limit_fen
        } else {
            0
        },
        reasons: d
            .checks
            .iter()
            .filter(|c| c.outcome != RuleOutcome::Passed)
            .map(|c| format!("{}: {} (needs {})", c.rule, c.value, c.threshold))
            .collect(),
    }
}

/// The shipped scorecards, every dated set (today data/finance/scorecard-2025.toml alone);
/// [`Scorecard::in_force`] picks the one of a date.
pub fn shipped_scorecards() -> Result<Vec<Scorecard>> {
    Ok(vec![Scorecard::embedded()?])
}

/// Runs one request on its own, as a process of the program office does: a new request moves
/// the ledger's clock to the command's date (refused when the ledger is later: it never
/// moves backwards); a repeated one returns its first reply whatever its date. The command
/// is decided with the shipped scorecard in force on its date
/// ([`CultivationError::NotInForce`] when none is), then run by [`credit_step`].
pub fn credit_request<J: Journal>(
    book: &mut VoucherBook<J>,
    registry: &dyn RegistryStore,
    product: &Product,
    request_id: &str,
    command: CreditCommand,
) -> Result<CreditReply> {
    let date = command.date();
    if book.document(REQUEST_COLLECTION, request_id).is_none() {
        crate::data_dir::set_ledger_date(book, date)?;
    }
    let card = scorecard_in_force(date)?;
    credit_step(book, registry, product, &card, request_id, command)
}

/// The shipped scorecard in force on `date` ([`CultivationError::NotInForce`] when none is).
pub fn scorecard_in_force(date: NaiveDate) -> Result<Scorecard> {
    let cards = shipped_scorecards()?;
    Scorecard::in_force(&cards, date)
        .cloned()
        .ok_or(CultivationError::NotInForce {
            what: "scorecard",
            date,
        })
}

/// Most firms one call of [`score_firms`] scores (a registry of a province's cultivated
/// firms; assumed).
pub const FIRMS_SCORED_MAX: usize = 1_000_000;

/// Every registry firm (or those `named`) evaluated as of `date` under `product` and the
/// shipped scorecard in force then: spend from the ledger's claimed contracts, facts from the
/// registry. More than [`FIRMS_SCORED_MAX`] firms are refused.
pub fn score_firms<J: Journal>(
    registry: &dyn RegistryStore,
    book: &VoucherBook<J>,
    product: &Product,
    named: &[EnterpriseId],
    date: NaiveDate,
) -> Result<Vec<finance::Evaluation>> {
    let firms: Vec<EnterpriseId> = if named.is_empty() {
        registry.firms()?.into_iter().map(|f| f.id).collect()
    } else {
        named.to_vec()
    };
    if firms.len() > FIRMS_SCORED_MAX {
        return Err(CultivationError::Bounds {
            what: "firms to score",
            value: firms.len().to_string(),
            bounds: format!("the limit of {FIRMS_SCORED_MAX} a call (name the firms)"),
        });
    }
    let card = scorecard_in_force(date)?;
    let evidence = LedgerEvidence::of(book)?;
    let facts = RegistryView::new(registry)?;
    Ok(firms
        .iter()
        .map(|f| evaluate(product, &card, &evidence, &facts, *f, date))
        .collect::<finance::Result<Vec<_>>>()?)
}

/// Runs one operation on `product`'s program under `request_id`: the postings and the lines'
/// new state commit in one ledger transaction. A grant is decided with `card` on the ledger's
/// spend and `registry`'s facts.
///
/// Refused, with nothing written: a request id used before for another command or for another
/// ledger request; a line that does not exist, or a grant of an id that does; whatever the
/// library refuses (a draw above what is available, a repayment above what is owed, a date
/// before the line's last one, a pool or budget overdrawn…).
pub fn credit_step<J: Journal>(
    book: &mut VoucherBook<J>,
    registry: &dyn RegistryStore,
    product: &Product,
    card: &Scorecard,
    request_id: &str,
    command: CreditCommand,
) -> Result<CreditReply> {
    if let Some(d) = book.document(REQUEST_COLLECTION, request_id) {
        let first: RequestRecord = d.document.read()?;
        if first.command == command {
            return Ok(CreditReply {
                replayed: true,
                ..first.reply
            });
        }
        return Err(LedgerError::RequestConflict {
            request_id: request_id.to_string(),
            seq: d.seq,
            detail: format!(
                "finance {} of line '{}'",
                first.command.verb(),
                first.command.line().unwrap_or("")
            ),
        }
        .into());
    }
    let rules = ProgramRules::of(product);
    let program = rules.program.clone();
    let decision = match &command {
        CreditCommand::Grant(GrantOrder { firm, date, .. }) => {
            let evidence = LedgerEvidence::of(book)?;
            let facts = RegistryView::new(registry)?;
            Some(evaluate(product, card, &evidence, &facts, *firm, *date)?)
        }
        _ => None,
    };
    book.group(|book| -> Result<CreditReply> {
        let mut lines = open_program(book, &rules)?;
        let before = lines.state().clone();
        let id = |step: &str| format!("{request_id}/{step}");
        let mut receipts = Vec::new();
        match &command {
            CreditCommand::Fund(FundOrder {
                fund, amount_yuan, ..
            }) => {
                receipts.push(lines.fund(&id("fund"), *fund, *amount_yuan)?);
            }
            CreditCommand::Grant(GrantOrder {
                line, bank, date, ..
            }) => {
                let e = decision.as_ref().ok_or_else(|| CultivationError::Bounds {
                    what: "grant",
                    value: line.clone(),
                    bounds: "a decision".into(),
                })?;
                if let Some(terms) = e.decision.grant_terms() {
                    receipts.push(lines.grant(&id("grant"), line, bank, &terms, *date)?);
                } else if lines.line(line).is_some() {
                    // The id is taken whatever the decision: say so before the refusal.
                    return Err(finance::FinanceError::Exists {
                        what: "credit line",
                        key: line.clone(),
                    }
                    .into());
                }
            }
            CreditCommand::Draw(DrawOrder {
                line,
                date,
                amount_yuan,
            }) => receipts.push(lines.draw(&id("draw"), line, *date, *amount_yuan)?),
            CreditCommand::Repay(RepayOrder {
                line,
                date,
                interest_yuan,
                principal_yuan,
            }) => {
                if interest_yuan.is_none() && principal_yuan.is_none() {
                    return Err(CultivationError::Bounds {
                        what: "repayment",
                        value: line.clone(),
                        bounds: "interest, principal or both".into(),
                    });
                }
                if let Some(a) = interest_yuan {
                    receipts.push(lines.pay_interest(&id("interest"), line, *date, *a)?);
                }
                if let Some(a) = principal_yuan {
                    receipts.push(lines.repay(&id("principal"), line, *date, *a)?);
                }
            }
            CreditCommand::Default(DefaultOrder {
                line,
                date,
                write_off,
            }) => {
                receipts.push(lines.default_lines(&id("default"), *date, &[line.as_str()])?);
                if *write_off {
                    receipts.push(lines.write_off(&id("write-off"), line, *date)?);
                }
            }
        }
        lines.check_invariants()?;
        let after = lines.state().clone();
        drop(lines);
        let line = command.line().unwrap_or("").to_string();
        let reply = CreditReply {
            request_id: request_id.to_string(),
            program: program.clone(),
            verb: command.verb().to_string(),
            after: after.lines.get(&line).cloned(),
            line,
            decision: decision.as_ref().map(decision_of),
            receipts,
            replayed: false,
        };
        let mut documents = Vec::new();
        for (id, l) in &after.lines {
            if before.lines.get(id) != Some(l) {
                documents.push(Document::of(LINE_COLLECTION, &line_key(&program, id), l)?);
            }
        }
        if before.subsidy_by_firm_year() != after.subsidy_by_firm_year()
            || book.document(PROGRAM_COLLECTION, &program).is_none()
        {
            documents.push(Document::of(
                PROGRAM_COLLECTION,
                &program,
                &ProgramRecord {
                    rules: rules.clone(),
                    subsidy_by_firm_year: after.subsidy_by_firm_year().clone(),
                },
            )?);
        }
        let record = RequestRecord {
            command: command.clone(),
            reply: reply.clone(),
        };
        documents.push(Document::of(REQUEST_COLLECTION, request_id, &record)?);
        book.put_documents(request_id, documents)?;
        Ok(reply)
    })
}
