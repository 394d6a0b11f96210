//! A seeded selection panel, for the annual cycle and for tests: the shipped example roster
//! (one member of each of the eight kinds the national measures name, so two per role), a
//! seeded set of declared conflicts of interest, and seeded scores around each referred
//! firm's margin. Nothing here is an observation: the roster's people are fictitious and
//! every parameter of the model is assumed (written below with its value).
//!
//! The score model (assumed). A referred firm either just earned the tier the panel is
//! asked about (the policy computed it; a deciding condition passed within the margin) or
//! just missed it. The panel's view of the firm centres on the pass mark, shifted by
//! [`LEAN_POINTS`] towards the side the policy put it on, plus a firm-level draw
//! N(0, [`FIRM_SD_POINTS`]) for what the criteria do not see (the quality of the business
//! plan, the data the firm holds); each member scores that centre plus its own draw
//! N(0, [`MEMBER_SD_POINTS`]), rounded to a whole point and clamped to `0..=score_max`.
//!
//! Conflicts (assumed): each member is tied to each referred firm with probability
//! [`TIE_PER_MILLE`] / 1000 — an investor or incubator by investment, any other member by
//! another relation — but never so many that the firm's valid scores would fall below the
//! quorum (a program office would seat a substitute instead).
//!
//! Every firm draws from its own ChaCha8 stream (the seed, stream = the firm's position
//! among the panel's referred firms, which are ordered by USCC), so the same seed gives the
//! same ties and scores on any number of threads.
//!
//! ```
//! use registry_model::panel_seed::{example_panel, seed_scores, seed_ties};
//! let panel = example_panel("cycle")?;
//! assert_eq!(panel.members().len(), 8);
//! assert_eq!(seed_ties(&mut panel.clone(), 7)?, vec![]); // no firm referred yet
//! assert!(seed_scores(&panel, &[], 7).is_empty());
//! # Ok::<(), registry_model::RegistryError>(())
//! ```

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{RegistryError, Result};
use crate::id::EnterpriseId;
use crate::panel::{Member, Panel, Role, ScoringRule, TieKind};
use crate::panel_csv::parse_roster;
use crate::panel_store::ScoreRow;

/// The shipped example roster: `data/registry/panel-roster-example.csv`, one member of each
/// of the eight kinds the national measures name (source of the kinds: the national
/// measures' panel of departments, localities, state-owned and private firms, research
/// institutes, universities, investors and incubators; the people are fictitious).
pub const EXAMPLE_ROSTER_CSV: &str =
    include_str!("../../../data/registry/panel-roster-example.csv");

/// The file name the example roster is reported under.
pub const EXAMPLE_ROSTER_FILE: &str = "data/registry/panel-roster-example.csv";

/// Points a referred firm's centre lies on the side of the pass mark the policy put it on
/// (assumed).
pub const LEAN_POINTS: f64 = 4.0;
/// Standard deviation of the firm-level draw, in points (assumed).
pub const FIRM_SD_POINTS: f64 = 8.0;
/// Standard deviation of one member's draw around the firm's centre, in points (assumed).
pub const MEMBER_SD_POINTS: f64 = 6.0;
/// Chance, per thousand, that a member is tied to a referred firm (assumed).
pub const TIE_PER_MILLE: u32 = 40;

/// The recorded reason of a seeded conflict of interest: a typed value, rendered in the
/// reader's language by the report crate; [`SeededTie::text`] is its English form, the one
/// the store records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeededTie {
    /// An investor or incubator holding a stake in the firm.
    Stake,
    /// Another member's business or advisory relation with the firm.
    Relation,
}

impl SeededTie {
    /// The tie this member kind gets.
    pub fn for_role(role: Role) -> Self {
        match role {
            Role::Investment => SeededTie::Stake,
            _ => SeededTie::Relation,
        }
    }

    /// The kind of tie recorded.
    pub fn kind(self) -> TieKind {
        match self {
            SeededTie::Stake => TieKind::Invested,
            SeededTie::Relation => TieKind::Related,
        }
    }

    /// The reason recorded with the tie.
    pub fn text(self) -> &'static str {
        match self {
            SeededTie::Stake => "seeded: holds a stake in the firm",
            SeededTie::Relation => "seeded: business or advisory relation with the firm",
        }
    }

    /// The seeded tie whose recorded reason is `text`, if any.
    pub fn from_text(text: &str) -> Option<Self> {
        [SeededTie::Stake, SeededTie::Relation]
            .into_iter()
            .find(|t| t.text() == text)
    }
}

/// The example roster's members.
pub fn example_roster() -> Result<Vec<Member>> {
    parse_roster(EXAMPLE_ROSTER_CSV.as_bytes(), EXAMPLE_ROSTER_FILE)
}

/// A panel named `name` of the example roster under the default scoring rule (quorum 5,
/// the highest and lowest dropped, pass mark 60; assumed).
pub fn example_panel(name: &str) -> Result<Panel> {
    Panel::new(name, example_roster()?, ScoringRule::default())
}

fn stream(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    rng
}

/// Declares seeded conflicts of interest on `panel`'s referred firms (see the module's
/// model), keeping every firm's valid members at the quorum or above. Returns the ties
/// added as (member id, firm); a tie already declared is kept and not counted.
pub fn seed_ties(panel: &mut Panel, seed: u64) -> Result<Vec<(String, EnterpriseId)>> {
    let quorum = panel.rule().min_valid_scores;
    let firms = panel.referred().to_vec();
    let members: Vec<(String, Role)> = panel
        .members()
        .iter()
        .map(|m| (m.id.clone(), m.role))
        .collect();
    let mut added = Vec::new();
    for (i, firm) in firms.iter().enumerate() {
        let mut rng = stream(seed, i);
        // One draw per member whatever happens, so one firm's ties do not shift another's.
        let draws: Vec<bool> = members
            .iter()
            .map(|_| rng.gen_range(0..1000) < TIE_PER_MILLE)
            .collect();
        for ((id, role), tied) in members.iter().zip(draws) {
            let valid = members.len() - panel.recused_for(firm).len();
            if !tied || valid <= quorum {
                continue;
            }
            let t = SeededTie::for_role(*role);
            if panel.declare_tie(id, *firm, t.kind(), t.text())? {
                added.push((id.clone(), *firm));
            }
        }
    }
    Ok(added)
}

/// Which side of the bar the policy put a referred firm on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Leaning {
    /// The policy computed the tier the panel is asked about.
    JustEarned,
    /// The policy did not: a deciding condition missed within the margin.
    JustMissed,
}

/// Seeded scores of every member not recused for each of `panel`'s referred firms, each
/// with its leaning (a firm of the panel missing from `leanings` is taken as just missed).
/// The rows are ordered by firm, then by member as the roster lists them.
pub fn seed_scores(
    panel: &Panel,
    leanings: &[(EnterpriseId, Leaning)],
    seed: u64,
) -> Vec<ScoreRow> {
    let rule = panel.rule();
    let max = rule.score_max.try_into().unwrap_or(100.0f64);
    let pass: f64 = rule.pass_mark.try_into().unwrap_or(max * 0.6);
    let firm_draw = Normal::new(0.0, FIRM_SD_POINTS).ok();
    let member_draw = Normal::new(0.0, MEMBER_SD_POINTS).ok();
    let mut out = Vec::new();
    for (i, firm) in panel.referred().iter().enumerate() {
        let mut rng = stream(seed, i);
        // The ties' draws come first on this stream: skip them so the scores do not repeat them.
        for _ in panel.members() {
            let _: u32 = rng.gen_range(0..1000);
        }
        let lean = match leanings.iter().find(|(f, _)| f == firm) {
            Some((_, Leaning::JustEarned)) => LEAN_POINTS,
            _ => -LEAN_POINTS,
        };
        let centre = pass + lean + firm_draw.map_or(0.0, |d| d.sample(&mut rng));
        let recused: Vec<&str> = panel
            .recused_for(firm)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        for m in panel.members() {
            // Every member draws, recused or not, so a tie does not shift the others' scores.
            let s = (centre + member_draw.map_or(0.0, |d| d.sample(&mut rng)))
                .round()
                .clamp(0.0, max);
            if recused.contains(&m.id.as_str()) {
                continue;
            }
            // A finite whole number in 0..=max: the conversion cannot fail; 0 if it did.
            let score = Decimal::from_f64_retain(s)
                .unwrap_or(Decimal::ZERO)
                .normalize();
            out.push(ScoreRow {
                firm: *firm,
                member: m.id.clone(),
                score,
                note: String::new(),
            });
        }
    }
    out
}

/// A firm's leaning from its change-log entry (before any panel decision): just earned when
/// the policy computed the tier its referral asks about. `None` for a firm not referred.
pub fn leaning(entry: &crate::adjust::ChangeEntry) -> Option<Leaning> {
    let r = entry.referral?;
    Some(if entry.to == Some(r.tier) {
        Leaning::JustEarned
    } else {
        Leaning::JustMissed
    })
}

/// Refuses a panel whose referred firms could not all reach the quorum.
pub fn check_quorum(panel: &Panel) -> Result<()> {
    let quorum = panel.rule().min_valid_scores;
    for firm in panel.referred() {
        let valid = panel.members().len() - panel.recused_for(firm).len();
        if valid < quorum {
            return Err(RegistryError::Panel {
                panel: panel.name().to_string(),
                reason: format!("firm {firm}: {valid} members not recused, quorum {quorum}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel_desk::{Outcome, check_composition, results};

    fn firms(n: usize) -> Vec<EnterpriseId> {
        crate::cohort::generate_cohort(&crate::cohort::CohortSpec {
            count: n,
            first_year: 2024,
            last_year: 2024,
            seed: 3,
        })
        .map(|(f, _)| f.into_iter().map(|f| f.id).collect())
        .unwrap_or_default()
    }

    fn seeded(seed: u64, n: usize) -> (Panel, Vec<ScoreRow>) {
        let mut p = example_panel("p").unwrap();
        let ids = firms(n);
        let named: Vec<(EnterpriseId, &str)> = ids.iter().map(|id| (*id, "")).collect();
        p.refer(&named).unwrap();
        seed_ties(&mut p, seed).unwrap();
        let lean: Vec<(EnterpriseId, Leaning)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let l = if i % 2 == 0 {
                    Leaning::JustEarned
                } else {
                    Leaning::JustMissed
                };
                (*id, l)
            })
            .collect();
        let s = seed_scores(&p, &lean, seed);
        (p, s)
    }

    #[test]
    fn the_example_roster_passes_the_composition_rule() {
        let p = example_panel("p").unwrap();
        assert!(check_composition(&p).is_ok());
        assert!(p.composition().kinds_missing.is_empty());
    }

    #[test]
    fn the_same_seed_gives_the_same_decisions_and_another_seed_others() {
        let (p1, s1) = seeded(11, 200);
        let (p2, s2) = seeded(11, 200);
        assert_eq!(p1, p2);
        assert_eq!(s1, s2);
        assert_eq!(results(&p1, &s1), results(&p2, &s2));
        let (_, s3) = seeded(12, 200);
        assert_ne!(s1, s3);
    }

    #[test]
    fn a_recused_member_never_scores_and_every_firm_keeps_its_quorum() {
        let (p, s) = seeded(5, 300);
        let ties: usize = p.members().iter().map(|m| m.ties.len()).sum();
        // 4 % of 8 × 300 pairs: about 96; the bound is loose so the test does not rest on one draw.
        assert!((40..200).contains(&ties), "{ties} ties");
        for row in &s {
            assert!(
                !p.recused_for(&row.firm).iter().any(|m| m.id == row.member),
                "{} scored {} though recused",
                row.member,
                row.firm
            );
        }
        check_quorum(&p).unwrap();
        let r = results(&p, &s);
        assert!(r.iter().all(|x| x.outcome != Outcome::NoQuorum));
        // Recused members are named in the results and their count subtracts from the valid.
        for x in &r {
            assert_eq!(x.valid + x.recused.len(), 8, "{}", x.firm);
        }
        // Both outcomes occur, and a firm that just earned its tier is admitted more often.
        let admitted = |parity: usize| {
            r.iter()
                .enumerate()
                .filter(|(i, x)| i % 2 == parity && x.outcome == Outcome::Admitted)
                .count()
        };
        assert!(
            admitted(0) > admitted(1),
            "{} vs {}",
            admitted(0),
            admitted(1)
        );
        assert!(admitted(1) > 0);
    }

    #[test]
    fn scores_are_whole_points_in_range() {
        let (_, s) = seeded(9, 100);
        for row in s {
            assert!(row.score >= Decimal::ZERO && row.score <= Decimal::ONE_HUNDRED);
            assert_eq!(row.score.fract(), Decimal::ZERO);
        }
    }
}
