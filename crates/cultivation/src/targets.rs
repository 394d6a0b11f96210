//! Program targets (TOML: metric, unit, region, year, value, source) and their progress
//! measured from the registry's change logs and reports and the voucher ledger.
//!
//! A target file lists `[[target]]` tables. A metric the registry and ledger can count is
//! measured; one they cannot (a province's GDP share, headquarters) is listed with metric
//! `external` and reported as not measured — never estimated. Every measured figure says what
//! it counts and how many firms lacked the facts it needs.
//!
//! ```
//! use cultivation::targets::{Metric, TargetFile};
//! let t = TargetFile::from_toml_str(cultivation::targets::SHANDONG_TARGETS.1, "shandong.toml")?;
//! assert!(t.targets.iter().any(|t| t.metric == Metric::HighTechFirms && t.value == 3000.into()));
//! # Ok::<(), cultivation::CultivationError>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use registry_model::criteria::{CriteriaBook, CriterionKind, InnovationType};
use registry_model::verdict::Outcome;
use registry_model::{AnnualReport, EnterpriseId, Evidence, RegistryStore, Tier, Year};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use voucher_ledger::{Journal, VoucherBook};

use crate::error::{CultivationError, Result};

/// Most targets one file may list.
pub const TARGETS_MAX: usize = 1_000;

/// The digitalisation level from which a firm counts as digitalised: level 2 (二级) of the
/// SME digitalisation assessment (中小企业数字化水平评测指标（2024年版）), the level the
/// national SME digital-transformation pilots aim at (assumed as the bar here).
pub const DIGITALISED_LEVEL_MIN: u32 = 2;

/// The shipped Shandong targets (path, text).
pub const SHANDONG_TARGETS: (&str, &str) = (
    "data/targets/shandong-2025.toml",
    include_str!("../../../data/targets/shandong-2025.toml"),
);

/// The basis of a target nothing here can count ([`Metric::External`]).
pub const EXTERNAL_BASIS: &str =
    "external, not measured: neither the registry nor the ledger counts it";

/// What a target counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Firms with a tier at the end of the year.
    RegistryFirms,
    /// Firms of the potential tier.
    TierPotential,
    /// Firms of the growth tier.
    TierGrowth,
    /// Firms of the leading tier.
    TierLeading,
    /// Tiered firms meeting the high-tech enterprise criterion in the year.
    HighTechFirms,
    /// Tiered firms classified as data-value innovators (数据价值创新): the key data-element
    /// firms.
    DataElementFirms,
    /// Vouchers redeemed in the year, net of redeemed subsidy clawed back, in yuan.
    VoucherSpendYuan,
    /// Share of tiered firms reporting a digitalisation level that reach
    /// [`DIGITALISED_LEVEL_MIN`] (0–1).
    DigitalisedShare,
    /// Not countable from the registry or the ledger; listed, never measured.
    External,
}

impl Metric {
    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            Metric::RegistryFirms => "registry_firms",
            Metric::TierPotential => "tier_potential",
            Metric::TierGrowth => "tier_growth",
            Metric::TierLeading => "tier_leading",
            Metric::HighTechFirms => "high_tech_firms",
            Metric::DataElementFirms => "data_element_firms",
            Metric::VoucherSpendYuan => "voucher_spend_yuan",
            Metric::DigitalisedShare => "digitalised_share",
            Metric::External => "external",
        }
    }
}

/// One target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// What is counted.
    pub metric: Metric,
    /// What the value is in (`firms`, `yuan`, `share`, …), as the source states it.
    pub unit: String,
    /// A province code (`37`) or `all`.
    pub region: String,
    /// The year by which the value is to be reached.
    pub year: Year,
    /// The value to reach.
    pub value: Decimal,
    /// The document that sets it.
    pub source: String,
    /// What the target says, in the source's words.
    #[serde(default)]
    pub title: String,
    /// When set, progress counts the change since this year ("new" firms).
    #[serde(default)]
    pub baseline_year: Option<Year>,
}

/// A target file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// The targets, in file order.
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
}

fn bad(file: &str, message: String) -> CultivationError {
    CultivationError::File {
        path: PathBuf::from(file),
        message,
    }
}

impl TargetFile {
    /// Parses and checks a target file; `file` names it in errors (which name the target
    /// by its position and the field at fault).
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        let t: TargetFile = toml::from_str(text).map_err(|e| bad(file, e.to_string()))?;
        if t.targets.len() > TARGETS_MAX {
            return Err(bad(
                file,
                format!("{} targets, at most {TARGETS_MAX}", t.targets.len()),
            ));
        }
        for (i, x) in t.targets.iter().enumerate() {
            let at = |field: &str, value: String, reason: &str| {
                bad(
                    file,
                    format!("target #{}: field '{field}' = '{value}': {reason}", i + 1),
                )
            };
            if x.region != "all" && registry_model::region::province_name_en(&x.region).is_none() {
                return Err(at(
                    "region",
                    x.region.clone(),
                    "a province code (37) or all",
                ));
            }
            if x.value < Decimal::ZERO {
                return Err(at("value", x.value.to_string(), "must not be negative"));
            }
            if x.metric == Metric::DigitalisedShare && x.value > Decimal::ONE {
                return Err(at("value", x.value.to_string(), "a share lies in 0..=1"));
            }
            if x.source.trim().is_empty() {
                return Err(at("source", String::new(), "every target names its source"));
            }
            if !(registry_model::report::YEAR_MIN..=registry_model::report::YEAR_MAX)
                .contains(&x.year)
            {
                return Err(at("year", x.year.to_string(), "outside 1978..=2200"));
            }
            if let Some(b) = x.baseline_year
                && b >= x.year
            {
                return Err(at("baseline_year", b.to_string(), "must precede year"));
            }
        }
        Ok(t)
    }

    /// The shipped target file ([`SHANDONG_TARGETS`]), which the annual cycle reports on
    /// unless given another.
    pub fn shipped() -> Result<Self> {
        Self::from_toml_str(SHANDONG_TARGETS.1, SHANDONG_TARGETS.0)
    }

    /// Reads a target file.
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| CultivationError::File {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }
}

/// A target's progress in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The target.
    pub target: Target,
    /// The year measured.
    pub year: Year,
    /// The figure (the change since the baseline when the target has one); `None` when not
    /// measured.
    pub measured: Option<Decimal>,
    /// measured ÷ value (`None` when not measured or the value is zero).
    pub share_of_target: Option<Decimal>,
    /// What the figure counts, or why it is not measured.
    pub basis: String,
    /// Firms in scope whose facts the figure needed but lacked (counted as not meeting it).
    pub firms_missing_facts: u64,
}

/// One year's counts of one region, from the registry.
#[derive(Debug, Default, Clone)]
struct YearCounts {
    tiered: u64,
    per_tier: [u64; 3],
    high_tech: u64,
    high_tech_undecided: u64,
    data_element: u64,
    level_reported: u64,
    level_reached: u64,
}

fn in_region(id: &EnterpriseId, region: &str) -> bool {
    region == "all" || id.region().province_code() == region
}

fn count_year(
    store: &dyn RegistryStore,
    book: &CriteriaBook,
    year: Year,
    region: &str,
) -> Result<Option<YearCounts>> {
    let Some(adj) = store.adjustment(year)? else {
        return Ok(None);
    };
    let set = book.get(&adj.criteria_set)?;
    let firms: HashMap<EnterpriseId, registry_model::Enterprise> =
        store.firms()?.into_iter().map(|f| (f.id, f)).collect();
    let mut reports: BTreeMap<EnterpriseId, Vec<AnnualReport>> = BTreeMap::new();
    for r in store.reports_between(year - registry_model::LOOK_BACK_YEARS, year)? {
        reports.entry(r.id).or_default().push(r);
    }
    let mut c = YearCounts::default();
    for e in adj.entries.iter().filter(|e| in_region(&e.id, region)) {
        let Some(tier) = e.to else { continue };
        c.tiered += 1;
        c.per_tier[Tier::ALL.iter().position(|t| *t == tier).unwrap_or(0)] += 1;
        if e.class.innovation.contains(&InnovationType::DataValue) {
            c.data_element += 1;
        }
        let own = reports.get(&e.id).map_or(&[][..], Vec::as_slice);
        if let Some(f) = firms.get(&e.id) {
            let ev = Evidence::new(f, year, own);
            match set.outcomes(&ev)[CriterionKind::HighTechEnterprise.index()] {
                Outcome::Met => c.high_tech += 1,
                Outcome::CannotTell => c.high_tech_undecided += 1,
                Outcome::NotMet => {}
            }
        }
        if let Some(level) = own
            .iter()
            .find(|r| r.year == year)
            .and_then(|r| r.digital_level)
        {
            c.level_reported += 1;
            if level >= DIGITALISED_LEVEL_MIN {
                c.level_reached += 1;
            }
        }
    }
    Ok(Some(c))
}

/// Vouchers redeemed in `year` by the registry's firms of `region`, over every program, net
/// of redeemed subsidy clawed back, in fen.
fn voucher_spend_fen<J: Journal>(
    book: &VoucherBook<J>,
    firms: &[EnterpriseId],
    year: Year,
    region: &str,
) -> u64 {
    book.programs()
        .flat_map(|p| {
            firms
                .iter()
                .filter(|f| in_region(f, region))
                .filter_map(move |f| book.firm_year(&p.id, year, f))
        })
        .map(|fy| fy.redeemed_fen.saturating_sub(fy.clawed_back_redeemed_fen))
        .sum()
}

/// Measures every target of `file` in `year` from the registry and the ledger. A registry
/// figure needs the year adjusted, a ledger figure a ledger (else the target is reported as
/// not measured, with the reason).
pub fn measure<J: Journal>(
    file: &TargetFile,
    year: Year,
    store: &dyn RegistryStore,
    criteria: &CriteriaBook,
    ledger: Option<&VoucherBook<J>>,
) -> Result<Vec<Progress>> {
    let mut cache: HashMap<(Year, String), Option<YearCounts>> = HashMap::new();
    let mut out = Vec::with_capacity(file.targets.len());
    let ids: Vec<EnterpriseId> = store.firms()?.into_iter().map(|f| f.id).collect();
    for t in &file.targets {
        let mut counts = |y: Year| -> Result<Option<YearCounts>> {
            let key = (y, t.region.clone());
            if let Some(c) = cache.get(&key) {
                return Ok(c.clone());
            }
            let c = count_year(store, criteria, y, &t.region)?;
            cache.insert(key, c.clone());
            Ok(c)
        };
        let figure = |c: &YearCounts| -> (Decimal, u64) {
            match t.metric {
                Metric::RegistryFirms => (c.tiered.into(), 0),
                Metric::TierPotential => (c.per_tier[0].into(), 0),
                Metric::TierGrowth => (c.per_tier[1].into(), 0),
                Metric::TierLeading => (c.per_tier[2].into(), 0),
                Metric::HighTechFirms => (c.high_tech.into(), c.high_tech_undecided),
                Metric::DataElementFirms => (c.data_element.into(), 0),
                Metric::DigitalisedShare => (
                    if c.level_reported == 0 {
                        Decimal::ZERO
                    } else {
                        (Decimal::from(c.level_reached) / Decimal::from(c.level_reported))
                            .round_dp(4)
                    },
                    c.tiered - c.level_reported,
                ),
                Metric::VoucherSpendYuan | Metric::External => (Decimal::ZERO, 0),
            }
        };
        let (measured, basis, missing) = match t.metric {
            Metric::External => (None, EXTERNAL_BASIS.to_string(), 0),
            Metric::VoucherSpendYuan if ledger.is_none() => {
                (None, "not measured: no voucher ledger".to_string(), 0)
            }
            Metric::VoucherSpendYuan => {
                let Some(ledger) = ledger else { continue };
                let fen = voucher_spend_fen(ledger, &ids, year, &t.region);
                let mut v = Decimal::from(fen) / Decimal::ONE_HUNDRED;
                let mut basis = format!("ledger: vouchers redeemed in {year}, net of clawbacks");
                if let Some(b) = t.baseline_year {
                    basis = format!("ledger: vouchers redeemed in {}..={year}", b + 1);
                    for y in (b + 1)..year {
                        v += Decimal::from(voucher_spend_fen(ledger, &ids, y, &t.region))
                            / Decimal::ONE_HUNDRED;
                    }
                }
                (Some(v), basis, 0)
            }
            _ => match counts(year)? {
                None => (
                    None,
                    format!("not measured: {year} is not adjusted in the registry"),
                    0,
                ),
                Some(c) => {
                    let (now, missing) = figure(&c);
                    match t.baseline_year {
                        None => (
                            Some(now),
                            format!("registry: {year} change log, tiered firms"),
                            missing,
                        ),
                        Some(b) => match counts(b)? {
                            None => (
                                None,
                                format!(
                                    "not measured: baseline {b} is not adjusted in the registry"
                                ),
                                missing,
                            ),
                            Some(cb) => (
                                Some(now - figure(&cb).0),
                                format!("registry: {year} change log against {b}"),
                                missing,
                            ),
                        },
                    }
                }
            },
        };
        let share_of_target = match measured {
            Some(m) if !t.value.is_zero() => Some((m / t.value).round_dp(4)),
            _ => None,
        };
        out.push(Progress {
            target: t.clone(),
            year,
            measured,
            share_of_target,
            basis,
            firms_missing_facts: missing,
        });
    }
    Ok(out)
}
