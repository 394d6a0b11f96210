//! Seeded supervision scenarios: a year's batch of sandbox applications, violations and
//! planned inspections among a cohort of firms, drawn from probabilities and ranges in a
//! data file (the shipped one is data/supervision/scenarios.toml, every value marked with its
//! source), to be decided by the sandbox, enforcement and inspection rule sets.
//!
//! The same configuration, subjects, year and seed give the same scenarios, bit for bit: one
//! ChaCha8 stream is drawn in a fixed order (sandbox applications over the tiered firms, then
//! violations over the tiered firms, then inspections over every firm).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::Error;
use crate::facts::FactMap;
use crate::inspection::PlannedInspection;
use crate::value::Value;

/// The shipped scenario configuration (data/supervision/scenarios.toml).
pub const SHIPPED: &str = include_str!("../../../data/supervision/scenarios.toml");
/// The file name errors in [`SHIPPED`] are reported against.
pub const SHIPPED_FILE: &str = "data/supervision/scenarios.toml";
/// Most firms one generation takes (tiered and all).
pub const SUBJECTS_MAX: usize = 10_000_000;
/// Most entries of a `values` list, and most inspections one firm may draw.
pub const CHOICES_MAX: usize = 1_000;

/// A probability and where it comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probability {
    /// In [0, 1].
    pub value: f64,
    /// A citation, or "assumed" and why.
    pub source: String,
}

/// A uniform draw from a list (a value listed twice is twice as likely).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The values, at least one.
    pub values: Vec<String>,
    /// A citation, or "assumed" and why.
    pub source: String,
}

/// A uniform whole number in `from..until` (`until` excluded).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntRange {
    /// Smallest value.
    pub from: i64,
    /// One past the largest value.
    pub until: i64,
    /// A citation, or "assumed" and why.
    pub source: String,
}

/// A number spread evenly on a log scale over `[log_from, log_until)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRange {
    /// Lower bound, > 0.
    pub log_from: f64,
    /// Upper bound (excluded), > `log_from`.
    pub log_until: f64,
    /// A citation, or "assumed" and why.
    pub source: String,
}

/// Sizes of a trial of one risk class.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialSize {
    /// Users reached by the trial.
    pub users: LogRange,
    /// Value of the trial's transactions, yuan (drawn in whole yuan).
    pub transaction_value_yuan: LogRange,
}

/// Sandbox applications.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxScenario {
    /// Share of tiered firms that apply in a year.
    pub apply: Probability,
    /// The application's risk class.
    pub risk_class: Choice,
    /// Length of the trial in months.
    pub duration_months: IntRange,
    /// Whether the applicant brings a risk plan.
    pub has_risk_plan: Probability,
    /// Trial sizes per risk class; every class of `risk_class` has one.
    pub size: BTreeMap<String, TrialSize>,
}

/// Violations found.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnforcementScenario {
    /// Share of tiered firms found in violation in a year.
    pub violation: Probability,
    /// The violation's code.
    pub violation_code: Choice,
    /// Its severity.
    pub severity: Choice,
    /// Whether the firm corrected it in time.
    pub corrected_in_time: Probability,
    /// The harm done.
    pub harm: Choice,
    /// The firm's fault.
    pub fault: Choice,
    /// Earlier violations within two years.
    pub prior_violations_2y: IntRange,
    /// Whether the firm reduced the harm.
    pub reduced_harm: Probability,
    /// Whether the firm cooperated.
    pub cooperated: Probability,
    /// Whether the firm signed a credit commitment.
    pub credit_commitment: Probability,
}

/// Inspections planned by the departments.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionScenario {
    /// Share of firms the departments plan to inspect in a year.
    pub planned: Probability,
    /// The firm's risk class.
    pub risk_class: Choice,
    /// The firm's credit rating.
    pub credit_rating: Choice,
    /// Inspections planned of one such firm.
    pub per_firm: IntRange,
    /// What triggers an inspection.
    pub trigger: Choice,
    /// Whether the department can check the matter from data it holds.
    pub data_available: Probability,
    /// Day of the year of the visit (0 = 1 January).
    pub day_of_year: IntRange,
    /// The departments, each as `department:subject`.
    pub departments: Choice,
}

/// The probabilities and ranges of a year's supervision scenarios.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioConfig {
    /// Sandbox applications.
    pub sandbox: SandboxScenario,
    /// Violations.
    pub enforcement: EnforcementScenario,
    /// Planned inspections.
    pub inspection: InspectionScenario,
}

/// A firm among whom scenarios are drawn: its id and its tier key (`None` without a tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject<'a> {
    /// The firm's id.
    pub firm: &'a str,
    /// Its tier key, when it holds a tier.
    pub tier: Option<&'a str>,
}

/// One case to decide: an id, the firm and its facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `S{year}-0001` for a sandbox application, `V{year}-0001` for a violation.
    pub id: String,
    /// The firm.
    pub firm: String,
    /// The facts the rule set decides on.
    pub facts: FactMap,
}

/// A year's scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenarios {
    /// Sandbox applications, for the sandbox rule set.
    pub sandbox: Vec<Case>,
    /// Violations, for the enforcement rule set.
    pub violations: Vec<Case>,
    /// Planned inspections, for the inspection planner.
    pub inspections: Vec<PlannedInspection>,
}

impl ScenarioConfig {
    /// The shipped configuration.
    pub fn shipped() -> Result<Self, Error> {
        Self::from_toml(SHIPPED, SHIPPED_FILE)
    }

    /// Reads and validates a configuration (`file` names it in errors).
    pub fn from_toml(text: &str, file: &str) -> Result<Self, Error> {
        let config: Self = toml::from_str(text).map_err(|e| Error::syntax(file, text, &e))?;
        config.validate(file)?;
        Ok(config)
    }

    fn validate(&self, file: &str) -> Result<(), Error> {
        let bad = |field: &str, message: String| Error::Input {
            origin: format!("{file}: {field}"),
            message,
        };
        let probability = |field: &str, p: &Probability| {
            if (0.0..=1.0).contains(&p.value) {
                Ok(())
            } else {
                Err(bad(
                    field,
                    format!("value {} is not a probability in [0, 1]", p.value),
                ))
            }
        };
        let choice = |field: &str, c: &Choice| {
            if c.values.is_empty() || c.values.len() > CHOICES_MAX {
                Err(bad(
                    field,
                    format!("needs 1 to {CHOICES_MAX} values, has {}", c.values.len()),
                ))
            } else {
                Ok(())
            }
        };
        let range = |field: &str, r: &IntRange, lo: i64, hi: i64| {
            if r.from < r.until && r.from >= lo && r.until <= hi {
                Ok(())
            } else {
                Err(bad(
                    field,
                    format!(
                        "from = {} until = {} is not a non-empty range within {lo}..{hi}",
                        r.from, r.until
                    ),
                ))
            }
        };
        let log_range = |field: &str, r: &LogRange| {
            if r.log_from.is_finite()
                && r.log_until.is_finite()
                && 0.0 < r.log_from
                && r.log_from < r.log_until
                && r.log_until <= 1e15
            {
                Ok(())
            } else {
                Err(bad(
                    field,
                    format!(
                        "log_from = {} log_until = {} is not a range 0 < from < until ≤ 1e15",
                        r.log_from, r.log_until
                    ),
                ))
            }
        };
        let s = &self.sandbox;
        probability("sandbox.apply", &s.apply)?;
        choice("sandbox.risk_class", &s.risk_class)?;
        range("sandbox.duration_months", &s.duration_months, 0, 1_200)?;
        probability("sandbox.has_risk_plan", &s.has_risk_plan)?;
        for class in &s.risk_class.values {
            let Some(size) = s.size.get(class) else {
                return Err(bad(
                    "sandbox.size",
                    format!(
                        "risk class '{class}' of sandbox.risk_class has no [sandbox.size.{class}]"
                    ),
                ));
            };
            log_range(&format!("sandbox.size.{class}.users"), &size.users)?;
            log_range(
                &format!("sandbox.size.{class}.transaction_value_yuan"),
                &size.transaction_value_yuan,
            )?;
        }
        let e = &self.enforcement;
        probability("enforcement.violation", &e.violation)?;
        choice("enforcement.violation_code", &e.violation_code)?;
        choice("enforcement.severity", &e.severity)?;
        probability("enforcement.corrected_in_time", &e.corrected_in_time)?;
        choice("enforcement.harm", &e.harm)?;
        choice("enforcement.fault", &e.fault)?;
        range(
            "enforcement.prior_violations_2y",
            &e.prior_violations_2y,
            0,
            1_000,
        )?;
        probability("enforcement.reduced_harm", &e.reduced_harm)?;
        probability("enforcement.cooperated", &e.cooperated)?;
        probability("enforcement.credit_commitment", &e.credit_commitment)?;
        let i = &self.inspection;
        probability("inspection.planned", &i.planned)?;
        choice("inspection.risk_class", &i.risk_class)?;
        choice("inspection.credit_rating", &i.credit_rating)?;
        range("inspection.per_firm", &i.per_firm, 0, CHOICES_MAX as i64)?;
        choice("inspection.trigger", &i.trigger)?;
        probability("inspection.data_available", &i.data_available)?;
        range("inspection.day_of_year", &i.day_of_year, 0, 366)?;
        choice("inspection.departments", &i.departments)?;
        for d in &i.departments.values {
            match d.split_once(':') {
                Some((dept, subject)) if !dept.trim().is_empty() && !subject.trim().is_empty() => {}
                _ => {
                    return Err(bad(
                        "inspection.departments",
                        format!("'{d}' is not department:subject"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Draws the scenarios of `year` among `tiered` (sandbox applications and violations;
    /// firms without a tier are skipped there) and `firms` (planned inspections), from
    /// `seed`. Subjects are taken in the order given (sort them, for example by id, for
    /// output that does not depend on how they were collected).
    pub fn generate(
        &self,
        firms: &[Subject<'_>],
        year: i32,
        seed: u64,
    ) -> Result<Scenarios, Error> {
        if firms.len() > SUBJECTS_MAX {
            return Err(Error::Limit {
                what: "firms of a scenario".into(),
                limit: SUBJECTS_MAX,
            });
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let tiered: Vec<(&str, &str)> = firms
            .iter()
            .filter_map(|s| s.tier.map(|t| (s.firm, t)))
            .collect();

        let s = &self.sandbox;
        let mut sandbox = Vec::new();
        for (firm, tier) in &tiered {
            if !rng.gen_bool(s.apply.value) {
                continue;
            }
            let risk = pick(&mut rng, &s.risk_class);
            let size = s.size.get(risk).ok_or_else(|| Error::Input {
                origin: "scenario".into(),
                message: format!("risk class '{risk}' has no trial size"),
            })?;
            let facts = FactMap::new()
                .with("phase", "application")
                .with("risk_class", risk)
                .with("tier", *tier)
                .with("users", log_uniform(&mut rng, &size.users) as i64)
                .with(
                    "transaction_value_yuan",
                    Value::Money(Decimal::from(
                        log_uniform(&mut rng, &size.transaction_value_yuan) as i64,
                    )),
                )
                .with(
                    "duration_months",
                    rng.gen_range(s.duration_months.from..s.duration_months.until),
                )
                .with("has_risk_plan", rng.gen_bool(s.has_risk_plan.value));
            sandbox.push(Case {
                id: format!("S{year}-{:04}", sandbox.len() + 1),
                firm: (*firm).to_string(),
                facts,
            });
        }

        let e = &self.enforcement;
        let mut violations = Vec::new();
        for (firm, _) in &tiered {
            if !rng.gen_bool(e.violation.value) {
                continue;
            }
            let facts = FactMap::new()
                .with("violation_code", pick(&mut rng, &e.violation_code))
                .with("severity", pick(&mut rng, &e.severity))
                .with("corrected_in_time", rng.gen_bool(e.corrected_in_time.value))
                .with("harm", pick(&mut rng, &e.harm))
                .with("fault", pick(&mut rng, &e.fault))
                .with(
                    "prior_violations_2y",
                    rng.gen_range(e.prior_violations_2y.from..e.prior_violations_2y.until),
                )
                .with("reduced_harm", rng.gen_bool(e.reduced_harm.value))
                .with("cooperated", rng.gen_bool(e.cooperated.value))
                .with("credit_commitment", rng.gen_bool(e.credit_commitment.value));
            violations.push(Case {
                id: format!("V{year}-{:04}", violations.len() + 1),
                firm: (*firm).to_string(),
                facts,
            });
        }

        let i = &self.inspection;
        // Validated ranges fit these types; the draws use the same integer widths as ever so
        // that a seed gives the same plan as before the values moved to data.
        let per_firm = (i.per_firm.from as i32)..(i.per_firm.until as i32);
        let days = (i.day_of_year.from as u32)..(i.day_of_year.until as u32);
        let last_day = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| Error::Input {
            origin: "scenario".into(),
            message: format!("year {year} has no calendar date"),
        })?;
        let mut inspections = Vec::new();
        for f in firms {
            if !rng.gen_bool(i.planned.value) {
                continue;
            }
            let risk = pick(&mut rng, &i.risk_class);
            let credit = pick(&mut rng, &i.credit_rating);
            for _ in 0..rng.gen_range(per_firm.clone()) {
                let d = rng.gen_range(0..i.departments.values.len());
                let day = rng.gen_range(days.clone());
                let date = NaiveDate::from_yo_opt(year, day + 1).unwrap_or(last_day);
                let (department, subject) =
                    i.departments.values[d].split_once(':').unwrap_or(("", ""));
                let facts = FactMap::new()
                    .with("trigger", pick(&mut rng, &i.trigger))
                    .with("risk_class", risk)
                    .with("credit_rating", credit)
                    .with("data_available", rng.gen_bool(i.data_available.value));
                inspections.push(PlannedInspection {
                    id: format!("I{year}-{:05}", inspections.len() + 1),
                    firm: f.firm.to_string(),
                    department: department.trim().to_string(),
                    date,
                    subject: subject.trim().to_string(),
                    facts,
                });
            }
        }
        Ok(Scenarios {
            sandbox,
            violations,
            inspections,
        })
    }
}

fn pick<'c, R: Rng>(rng: &mut R, choice: &'c Choice) -> &'c str {
    &choice.values[rng.gen_range(0..choice.values.len())]
}

/// A draw spread evenly on a log scale: sizes of trials span magnitudes.
fn log_uniform<R: Rng>(rng: &mut R, r: &LogRange) -> f64 {
    rng.gen_range(r.log_from.ln()..r.log_until.ln()).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subjects(n: usize) -> Vec<(String, Option<&'static str>)> {
        (0..n)
            .map(|k| (format!("firm-{k:04}"), (k % 3 != 0).then_some("growth")))
            .collect()
    }

    #[test]
    fn shipped_config_is_valid_and_every_value_has_a_source() {
        let c = ScenarioConfig::shipped().unwrap();
        assert_eq!(c.sandbox.apply.value, 0.05);
        assert!(SHIPPED.matches("source = \"assumed").count() >= 20);
    }

    #[test]
    fn same_seed_same_scenarios_other_seed_other_scenarios() {
        let c = ScenarioConfig::shipped().unwrap();
        let owned = subjects(2_000);
        let s: Vec<Subject<'_>> = owned
            .iter()
            .map(|(f, t)| Subject { firm: f, tier: *t })
            .collect();
        let a = c.generate(&s, 2025, 7).unwrap();
        assert_eq!(a, c.generate(&s, 2025, 7).unwrap());
        assert_ne!(a, c.generate(&s, 2025, 8).unwrap());
        // Only tiered firms apply or are found in violation.
        assert!(a.sandbox.iter().chain(&a.violations).all(|c| {
            let k: usize = c.firm[5..].parse().unwrap();
            k % 3 != 0
        }));
        // Rates near the configured ones (1,333 tiered firms, 2,000 firms).
        assert!((30..=110).contains(&a.sandbox.len()), "{}", a.sandbox.len());
        assert!(
            (15..=75).contains(&a.violations.len()),
            "{}",
            a.violations.len()
        );
        assert!(
            a.inspections
                .iter()
                .all(|p| p.date.format("%Y").to_string() == "2025")
        );
        assert!(
            a.inspections
                .iter()
                .all(|p| !p.department.is_empty() && !p.subject.is_empty())
        );
    }

    #[test]
    fn bad_values_are_refused_naming_the_field() {
        let bad = SHIPPED.replace("apply = { value = 0.05", "apply = { value = 1.5");
        let e = ScenarioConfig::from_toml(&bad, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sandbox.apply") && e.contains("1.5"), "{e}");
        let bad = SHIPPED.replace("[sandbox.size.prohibited]", "[sandbox.size.forbidden]");
        let e = ScenarioConfig::from_toml(&bad, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("prohibited"), "{e}");
        let bad = SHIPPED.replace("\"labour:wages\"", "\"labour\"");
        let e = ScenarioConfig::from_toml(&bad, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("department:subject"), "{e}");
    }
}
