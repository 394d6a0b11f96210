//! Challenge tasks (揭榜挂帅 / 赛马制) as posted, the bids on them and the panel's scores,
//! with their readers: tasks from TOML, bids and scores from CSV.

use chrono::NaiveDate;
use registry_model::{EnterpriseId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::cell::{self, Cell};
use crate::error::{FieldError, MarketError, Result};
use crate::key::{self, Key, Tag};
use crate::records::{Kind, read_csv};

/// Most milestones of one task.
pub const MILESTONES_MAX: usize = 12;
/// Most bids on one task.
pub const BIDS_MAX: usize = 1_000;
/// Most racing teams of one task.
pub const TEAMS_MAX: u32 = 10;
/// Most tasks in one file.
pub const TASKS_MAX: usize = 10_000;
/// The lowest panel score a bid needs to be awarded when the task does not say: 60 of 100,
/// assumed (the common pass mark of Chinese expert reviews; no rule fixes it for 揭榜挂帅).
pub const SCORE_MIN_DEFAULT: Decimal = Decimal::from_parts(60, 0, 0, false, 0);

/// One winner, or several teams racing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// 揭榜挂帅: the best bid takes the task.
    Single,
    /// 赛马制: the best `teams` bids run in parallel, each paid milestone by milestone.
    Race {
        /// How many teams race.
        teams: u32,
    },
}

impl Mode {
    /// How many teams the task funds at most.
    pub fn teams(self) -> u32 {
        match self {
            Mode::Single => 1,
            Mode::Race { teams } => teams,
        }
    }
}

/// A milestone of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneSpec {
    /// Id, unique within the task.
    pub id: Key,
    /// When it is due.
    pub due: NaiveDate,
    /// Share of a team's award paid for it (the shares sum to exactly 1).
    pub share: Decimal,
    /// Share of the milestone's amount paid in advance when the milestone starts (0 to 1);
    /// clawed back if the milestone fails.
    pub advance: Decimal,
    /// What acceptance requires.
    pub criterion: String,
}

/// A posted task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeTask {
    /// Unique id.
    pub id: Key,
    /// Title.
    pub title: String,
    /// Who posts it (the 发榜方).
    pub poster: String,
    /// The ledger program that pays it (a program of kind "challenge").
    pub program: Key,
    /// Most that all teams' awards may add up to, yuan.
    pub budget: Money,
    /// One winner or a race.
    pub mode: Mode,
    /// Last day bids are taken.
    pub bids_close: NaiveDate,
    /// Lowest panel score that can be awarded.
    pub score_min: Decimal,
    /// What the task is about, as tags.
    pub tags: Vec<Tag>,
    /// The milestones, in order.
    pub milestones: Vec<MilestoneSpec>,
}

impl ChallengeTask {
    /// Checks the task; the error names the field and value.
    pub fn check(&self) -> std::result::Result<(), FieldError> {
        key::text("title", &self.title, true)?;
        key::text("poster", &self.poster, true)?;
        if self.budget.fen() <= 0 {
            return Err(FieldError::new(
                "budget_yuan",
                self.budget,
                "must be positive",
            ));
        }
        if let Mode::Race { teams } = self.mode
            && !(2..=TEAMS_MAX).contains(&teams)
        {
            return Err(FieldError::new(
                "teams",
                teams,
                format!("a race needs 2..={TEAMS_MAX} teams"),
            ));
        }
        if self.score_min < Decimal::ZERO || self.score_min > Decimal::ONE_HUNDRED {
            return Err(FieldError::new(
                "score_min",
                self.score_min,
                "outside 0..=100",
            ));
        }
        if self.milestones.is_empty() || self.milestones.len() > MILESTONES_MAX {
            return Err(FieldError::new(
                "milestone",
                self.milestones.len(),
                format!("a task needs 1..={MILESTONES_MAX} milestones"),
            ));
        }
        let mut total = Decimal::ZERO;
        let mut last_due = self.bids_close;
        for (i, m) in self.milestones.iter().enumerate() {
            let field = |f: &str| format!("milestone[{i}].{f}");
            cell::check_ratio(&field("share"), m.share)?;
            cell::check_ratio(&field("advance"), m.advance)?;
            if m.share <= Decimal::ZERO {
                return Err(FieldError::new(
                    &field("share"),
                    m.share,
                    "must be positive",
                ));
            }
            if m.due <= last_due {
                return Err(FieldError::new(
                    &field("due"),
                    m.due,
                    format!("must come after {last_due} (bids close, then each milestone in turn)"),
                ));
            }
            last_due = m.due;
            key::text(&field("criterion"), &m.criterion, true)?;
            if self.milestones[..i].iter().any(|x| x.id == m.id) {
                return Err(FieldError::new(
                    &field("id"),
                    &m.id,
                    "milestone id given twice",
                ));
            }
            total += m.share;
        }
        if total != Decimal::ONE {
            return Err(FieldError::new(
                "milestone.share",
                total,
                "the shares must sum to exactly 1",
            ));
        }
        Ok(())
    }

    /// A team's amount for each milestone: share × award rounded down to the fen, the last
    /// milestone taking the remainder so the amounts add up to the award exactly.
    pub fn amounts(&self, award: Money) -> Vec<(Money, Money)> {
        let n = self.milestones.len();
        let mut left = award.fen();
        let mut out = Vec::with_capacity(n);
        for (i, m) in self.milestones.iter().enumerate() {
            let amount = if i + 1 == n {
                left
            } else {
                (i128::from(award.fen()) * i128::from(cell::ratio_bp(m.share)) / 10_000) as i64
            };
            left -= amount;
            let advance =
                (i128::from(amount) * i128::from(cell::ratio_bp(m.advance)) / 10_000) as i64;
            out.push((
                Money::from_fen(amount).unwrap_or(Money::ZERO),
                Money::from_fen(advance).unwrap_or(Money::ZERO),
            ));
        }
        out
    }
}

/// A bid on a task (揭榜).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    /// Id, unique within the task.
    pub id: Key,
    /// The task bid on.
    pub task: Key,
    /// The bidding firm (a consortium bids under its lead firm).
    pub firm: EnterpriseId,
    /// The funding asked, yuan.
    pub amount: Money,
    /// When it was submitted.
    pub submitted: NaiveDate,
    /// The plan in brief.
    pub plan: String,
}

/// One panel member's score of one bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidScore {
    /// The task.
    pub task: Key,
    /// The bid scored.
    pub bid: Key,
    /// The member's id.
    pub member: String,
    /// The score, 0 to the panel's maximum.
    pub score: Decimal,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawMilestone {
    id: Cell,
    due: Cell,
    share: Cell,
    advance: Cell,
    criterion: Cell,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawTask {
    id: Cell,
    title: Cell,
    poster: Cell,
    program: Cell,
    budget_yuan: Cell,
    mode: Cell,
    teams: Cell,
    bids_close: Cell,
    score_min: Cell,
    tags: Cell,
    milestone: Vec<RawMilestone>,
}

impl RawTask {
    fn validate(&self) -> std::result::Result<ChallengeTask, FieldError> {
        let mode = match cell::required("mode", &self.mode)?
            .to_ascii_lowercase()
            .as_str()
        {
            "single" | "揭榜挂帅" => Mode::Single,
            "race" | "赛马制" => Mode::Race {
                teams: cell::int_in(
                    "teams",
                    cell::required("teams", &self.teams)?,
                    2,
                    u64::from(TEAMS_MAX),
                )? as u32,
            },
            other => return Err(FieldError::new("mode", other, "expected single or race")),
        };
        let milestones = self
            .milestone
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let f = |x: &str| format!("milestone[{i}].{x}");
                Ok(MilestoneSpec {
                    id: Key::field(&f("id"), cell::required(&f("id"), &m.id)?)?,
                    due: cell::date(&f("due"), cell::required(&f("due"), &m.due)?)?,
                    share: cell::ratio(&f("share"), cell::required(&f("share"), &m.share)?)?,
                    advance: match m.advance.opt() {
                        None => Decimal::ZERO,
                        Some(t) => cell::ratio(&f("advance"), t)?,
                    },
                    criterion: m.criterion.text().to_string(),
                })
            })
            .collect::<std::result::Result<Vec<_>, FieldError>>()?;
        let score_min = match self.score_min.opt() {
            None => SCORE_MIN_DEFAULT,
            Some(t) => Decimal::from_str_exact(t)
                .map_err(|_| FieldError::new("score_min", t, "not a decimal number"))?,
        };
        let task = ChallengeTask {
            id: Key::field("id", cell::required("id", &self.id)?)?,
            title: self.title.text().to_string(),
            poster: self.poster.text().to_string(),
            program: Key::field("program", cell::required("program", &self.program)?)?,
            budget: cell::money(
                "budget_yuan",
                cell::required("budget_yuan", &self.budget_yuan)?,
            )?,
            mode,
            bids_close: cell::date(
                "bids_close",
                cell::required("bids_close", &self.bids_close)?,
            )?,
            score_min,
            tags: key::tag_list("tags", self.tags.text())?,
            milestones,
        };
        task.check()?;
        Ok(task)
    }
}

/// Reads `[[task]]` tables (each with `[[task.milestone]]` tables) from TOML text.
///
/// ```
/// let text = r#"
/// [[task]]
/// id = "T1"
/// title = "Port scheduling model"
/// poster = "Qingdao Port Group"
/// program = "challenge-2025"
/// budget_yuan = "2000000"
/// mode = "race"
/// teams = 2
/// bids_close = 2025-05-31
/// [[task.milestone]]
/// id = "M1"
/// due = 2025-09-30
/// share = "0.4"
/// advance = "0.5"
/// criterion = "prototype runs on one terminal"
/// [[task.milestone]]
/// id = "M2"
/// due = 2025-12-31
/// share = "0.6"
/// criterion = "in service on all terminals"
/// "#;
/// let tasks = scenario_market::challenge::read_tasks_toml(text, "tasks.toml")?;
/// assert_eq!(tasks[0].amounts(registry_model::Money::from_yuan_i64(1_000_001).unwrap())[1].0.to_string(), "600000.60");
/// # Ok::<(), scenario_market::MarketError>(())
/// ```
pub fn read_tasks_toml(text: &str, file: &str) -> Result<Vec<ChallengeTask>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[serde(default)]
        task: Vec<toml::Spanned<RawTask>>,
    }
    let doc: Doc = toml::from_str(text).map_err(|e| MarketError::Config {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    if doc.task.len() > TASKS_MAX {
        return Err(MarketError::Limit {
            what: "tasks",
            value: doc.task.len() as u64,
            limit: TASKS_MAX as u64,
        });
    }
    let mut out: Vec<ChallengeTask> = Vec::with_capacity(doc.task.len());
    for item in doc.task {
        let line = crate::records::line_of(text, item.span().start);
        let t = item.get_ref().validate().map_err(|e| e.at(file, line))?;
        if out.iter().any(|x| x.id == t.id) {
            return Err(FieldError::new("id", &t.id, "task id given twice").at(file, line));
        }
        out.push(t);
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawBid {
    task: Cell,
    bid: Cell,
    firm: Cell,
    amount_yuan: Cell,
    submitted: Cell,
    plan: Cell,
}

fn validate_bid(r: &RawBid) -> std::result::Result<Bid, FieldError> {
    let amount = cell::money(
        "amount_yuan",
        cell::required("amount_yuan", &r.amount_yuan)?,
    )?;
    if amount.fen() <= 0 {
        return Err(FieldError::new("amount_yuan", amount, "must be positive"));
    }
    Ok(Bid {
        id: Key::field("bid", cell::required("bid", &r.bid)?)?,
        task: Key::field("task", cell::required("task", &r.task)?)?,
        firm: cell::firm("firm", &r.firm)?,
        amount,
        submitted: cell::date("submitted", cell::required("submitted", &r.submitted)?)?,
        plan: key::text("plan", r.plan.text(), false)?,
    })
}

/// Reads a bid CSV (`task,bid,firm,amount_yuan,submitted,plan`).
pub fn read_bids_csv(reader: impl std::io::Read, file: &str) -> Result<Vec<Bid>> {
    read_csv(
        reader,
        file,
        &Kind {
            what: "bids",
            columns: &["task", "bid", "firm", "amount_yuan", "submitted", "plan"],
            required: &["task", "bid", "firm", "amount_yuan", "submitted"],
            max: TASKS_MAX * 10,
            validate: validate_bid,
            id: |b: &Bid| format!("{}/{}", b.task, b.id),
        },
    )
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawScore {
    task: Cell,
    bid: Cell,
    member: Cell,
    score: Cell,
}

fn validate_score(r: &RawScore) -> std::result::Result<BidScore, FieldError> {
    let text = cell::required("score", &r.score)?;
    Ok(BidScore {
        task: Key::field("task", cell::required("task", &r.task)?)?,
        bid: Key::field("bid", cell::required("bid", &r.bid)?)?,
        member: key::text("member", cell::required("member", &r.member)?, true)?,
        score: Decimal::from_str_exact(text)
            .map_err(|_| FieldError::new("score", text, "not a decimal number"))?,
    })
}

/// Reads a panel score CSV (`task,bid,member,score`); a member scores a bid once.
pub fn read_scores_csv(reader: impl std::io::Read, file: &str) -> Result<Vec<BidScore>> {
    read_csv(
        reader,
        file,
        &Kind {
            what: "scores",
            columns: &["task", "bid", "member", "score"],
            required: &["task", "bid", "member", "score"],
            max: TASKS_MAX * 100,
            validate: validate_score,
            id: |s: &BidScore| format!("{}/{}/{}", s.task, s.bid, s.member),
        },
    )
}
