//! Challenge tasks (揭榜挂帅 / 赛马制): a poster publishes a task with a budget and
//! milestones, firms bid, a four-in-one panel scores the bids, the best bid wins (or the best
//! few race), and each accepted milestone is paid — or a failed one clawed back — through the
//! [`crate::MarketLedger`].
//!
//! The Shandong measures ask for at least [`SHANDONG_TASKS_PER_YEAR`] key technology tasks a
//! year by 揭榜挂帅 or 赛马制; [`summarise`] reports a year's tasks against that target.

mod run;
mod task;

use serde::{Deserialize, Serialize};

pub use run::{
    BidEvaluation, Challenge, ChallengeMoney, MilestoneState, MilestoneStatus, Status, Team,
    TeamStatus,
};
pub use task::{
    BIDS_MAX, Bid, BidScore, ChallengeTask, MILESTONES_MAX, MilestoneSpec, Mode, SCORE_MIN_DEFAULT,
    TASKS_MAX, TEAMS_MAX, read_bids_csv, read_scores_csv, read_tasks_toml,
};

use registry_model::Money;

/// Key technology tasks a year by 揭榜挂帅 / 赛马制 that the Shandong measures ask for (每年
/// 不少于 20 项; see docs/scenario-market.md for the source).
pub const SHANDONG_TASKS_PER_YEAR: u32 = 20;

/// A year's challenges in figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeSummary {
    /// Tasks posted.
    pub tasks: usize,
    /// Tasks awarded (at least one team).
    pub awarded: usize,
    /// Tasks closed with no award (流榜).
    pub unawarded: usize,
    /// Of the awarded, races (赛马制).
    pub races: usize,
    /// Teams funded.
    pub teams: usize,
    /// Teams that completed every milestone.
    pub teams_completed: usize,
    /// Teams out after a failed milestone.
    pub teams_failed: usize,
    /// Milestones accepted.
    pub milestones_accepted: usize,
    /// Milestones failed.
    pub milestones_failed: usize,
    /// Money, summed over tasks.
    pub money: ChallengeMoney,
    /// The yearly target of awarded tasks compared against.
    pub target: u32,
    /// Whether awarded tasks reach it.
    pub target_met: bool,
}

/// Sums up `challenges` against a yearly `target` of awarded tasks (the Shandong measures'
/// [`SHANDONG_TASKS_PER_YEAR`] by default).
pub fn summarise(challenges: &[Challenge], target: u32) -> crate::Result<ChallengeSummary> {
    let sum = |f: &dyn Fn(&ChallengeMoney) -> Money| {
        crate::total::money_total(
            "challenge money summed over tasks",
            challenges.iter().map(|c| f(&c.money())),
        )
    };
    let teams = || challenges.iter().flat_map(|c| c.teams());
    let milestones = || teams().flat_map(|t| t.milestones.iter());
    let awarded = challenges.iter().filter(|c| !c.teams().is_empty()).count();
    Ok(ChallengeSummary {
        tasks: challenges.len(),
        awarded,
        unawarded: challenges
            .iter()
            .filter(|c| c.status() == Status::Closed && c.teams().is_empty())
            .count(),
        races: challenges
            .iter()
            .filter(|c| !c.teams().is_empty() && matches!(c.task().mode, Mode::Race { .. }))
            .count(),
        teams: teams().count(),
        teams_completed: teams()
            .filter(|t| t.status == TeamStatus::Completed)
            .count(),
        teams_failed: teams().filter(|t| t.status == TeamStatus::Failed).count(),
        milestones_accepted: milestones()
            .filter(|m| m.status == MilestoneStatus::Accepted)
            .count(),
        milestones_failed: milestones()
            .filter(|m| m.status == MilestoneStatus::Failed)
            .count(),
        money: ChallengeMoney {
            reserved: sum(&|m| m.reserved)?,
            paid: sum(&|m| m.paid)?,
            recovered: sum(&|m| m.recovered)?,
            released: sum(&|m| m.released)?,
            escrow: sum(&|m| m.escrow)?,
        },
        target,
        target_met: awarded as u64 >= u64::from(target),
    })
}
