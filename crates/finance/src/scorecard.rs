//! The transparent scorecard: base points plus, for every factor, the points of the band its
//! value falls in (or the factor's missing-value points), read from a dated TOML parameter set.
//!
//! Bands are half-open and lower-inclusive: a band's `from` belongs to it, the next band's
//! `from` does not. The first band of a numeric factor has no `from` (it starts at −∞), so
//! every value has exactly one band. Thresholds are written in yuan for money, as decimal
//! fractions for ratios (0.05 = 5 %), as integers for counts and years; they convert exactly
//! to the integer units of [`Features`] or the file is refused.
//!
//! The score maps to a PD on the card's [`ScoreScale`], or through a fitted calibration
//! ([`ScoreCalibration`], `calibration::calibrate_scorecard`) once one is attached.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::error::{Result, config};
use crate::features::{Factor, FactorValue, Features, MICROS, Unit};
use crate::model::{
    Assessment, CreditModel, FactorContribution, SCORE_MAX, SCORE_MIN, ScoreScale, clamp_pd,
    sigmoid,
};
use crate::tomlio::parse_toml;

/// Most bands one factor may have.
pub const BANDS_MAX: usize = 32;
/// Largest magnitude of any points value.
pub const POINTS_ABS_MAX: i64 = 1_000;
/// Longest parameter-file text accepted, in bytes.
pub const SCORECARD_TOML_LEN_MAX: usize = 1 << 20;

/// The shipped default scorecard (program defaults, marked "assumed" in the file).
pub const DEFAULT_SCORECARD_TOML: &str = include_str!("../../../data/finance/scorecard-2025.toml");

/// One band of a numeric factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    /// Lower bound, inclusive, in the factor's unit; `None` for −∞ (the first band).
    pub from: Option<i64>,
    /// Points earned in the band.
    pub points: i64,
}

/// How a factor earns points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandRule {
    /// Bands over a numeric value, ascending.
    Numeric(Vec<Band>),
    /// Points per tier; index 0 is "no tier", then potential, growth, leading.
    Tier([i64; 4]),
    /// Points for a clean record and for a bad one.
    Credit {
        /// No bad credit record.
        clean: i64,
        /// A bad credit record.
        bad_record: i64,
    },
}

/// A factor of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoredFactor {
    /// The factor.
    pub factor: Factor,
    /// Why it is on the card (shown with the parameters).
    pub why: String,
    /// Points when the facts are missing.
    pub missing_points: i64,
    /// Its points.
    pub rule: BandRule,
}

impl ScoredFactor {
    fn points_range(&self) -> (i64, i64) {
        let mut all: Vec<i64> = match &self.rule {
            BandRule::Numeric(b) => b.iter().map(|b| b.points).collect(),
            BandRule::Tier(t) => t.to_vec(),
            BandRule::Credit { clean, bad_record } => vec![*clean, *bad_record],
        };
        all.push(self.missing_points);
        let lo = all.iter().copied().min().unwrap_or(0);
        let hi = all.iter().copied().max().unwrap_or(0);
        (lo, hi)
    }

    /// Points, band index, for a value.
    fn points_of(&self, v: Option<FactorValue>) -> (i64, Option<usize>) {
        match (&self.rule, v) {
            (BandRule::Numeric(bands), Some(FactorValue::Number(x))) => {
                // Bands ascend; the first has no lower bound, so the search always finds one.
                let i = bands
                    .iter()
                    .rposition(|b| b.from.is_none_or(|f| x >= f))
                    .unwrap_or(0);
                (bands[i].points, Some(i))
            }
            (BandRule::Tier(p), Some(FactorValue::Tier(t))) => {
                let i = t.map_or(0, |t| t as usize + 1);
                (p[i], Some(i))
            }
            (BandRule::Credit { clean, bad_record }, Some(FactorValue::BadCredit(b))) => {
                if b {
                    (*bad_record, Some(1))
                } else {
                    (*clean, Some(0))
                }
            }
            _ => (self.missing_points, None),
        }
    }

    fn band_label(&self, i: usize) -> String {
        match &self.rule {
            BandRule::Numeric(bands) => {
                let unit = self.factor.unit().unwrap_or(Unit::Count);
                let show = |v: i64| display_threshold(v, unit);
                match (bands[i].from, bands.get(i + 1).and_then(|b| b.from)) {
                    (None, Some(hi)) => format!("< {}", show(hi)),
                    (Some(lo), Some(hi)) => format!("[{}, {})", show(lo), show(hi)),
                    (Some(lo), None) => format!("≥ {}", show(lo)),
                    (None, None) => "all values".to_string(),
                }
            }
            BandRule::Tier(_) => ["none", "potential", "growth", "leading"][i.min(3)].to_string(),
            BandRule::Credit { .. } => ["clean", "bad_record"][i.min(1)].to_string(),
        }
    }
}

fn display_threshold(v: i64, unit: Unit) -> String {
    match unit {
        Unit::Fen => Decimal::new(v, 2).normalize().to_string(),
        Unit::Micros => Decimal::new(v, 6).normalize().to_string(),
        Unit::Count | Unit::Years => v.to_string(),
    }
}

/// A fitted map from score to PD: `PD = σ(intercept + slope × score)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCalibration {
    /// Intercept of the log-odds of default.
    pub intercept: f64,
    /// Change of the log-odds per point (negative: higher scores default less).
    pub slope: f64,
    /// What it was fitted on (portfolio id, seed, sizes).
    pub fitted_on: String,
}

/// How the card's score becomes a PD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PdMapping {
    /// Through the card's own scale (the designed odds; assumed until calibrated).
    Scale,
    /// Through a calibration fitted on a portfolio.
    Fitted(ScoreCalibration),
}

/// A dated, transparent scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// Parameter set id.
    pub id: String,
    /// Title.
    pub title: String,
    /// First day the set applies.
    pub effective_from: NaiveDate,
    /// Where the numbers come from ("assumed" for program defaults).
    pub source: String,
    /// Points every firm starts with.
    pub base_points: i64,
    /// The score scale.
    pub scale: ScoreScale,
    /// The factors, in file order.
    pub factors: Vec<ScoredFactor>,
    /// How the score becomes a PD.
    pub pd_mapping: PdMapping,
    /// Σ over factors of (max − min points): the weight of all factors.
    range_total: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    scorecard: HeaderSpec,
    scale: ScaleSpec,
    factor: Vec<FactorSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderSpec {
    id: String,
    title: String,
    #[serde(deserialize_with = "crate::tomlio::date")]
    effective_from: NaiveDate,
    source: String,
    base_points: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleSpec {
    base_score: Decimal,
    base_odds: Decimal,
    pdo: Decimal,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactorSpec {
    key: String,
    why: String,
    missing_points: i64,
    #[serde(default)]
    bands: Vec<BandSpec>,
    #[serde(default)]
    categories: BTreeMap<String, i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BandSpec {
    #[serde(default)]
    from: Option<Decimal>,
    points: i64,
}

/// A threshold in the factor's integer unit, exactly, or `None`.
fn threshold_units(d: Decimal, unit: Unit) -> Option<i64> {
    let scaled = match unit {
        Unit::Fen => d.checked_mul(Decimal::ONE_HUNDRED)?,
        Unit::Micros => d.checked_mul(Decimal::from(MICROS))?,
        Unit::Count | Unit::Years => d,
    };
    let n = scaled.normalize();
    if n.scale() != 0 {
        return None;
    }
    n.to_i64()
}

impl Scorecard {
    /// Reads and validates a scorecard; `file` names it in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        if text.len() > SCORECARD_TOML_LEN_MAX {
            return Err(config(file, "(file)", text.len(), "larger than 1 MiB"));
        }
        let spec: FileSpec = parse_toml(text, file)?;
        let h = spec.scorecard;
        if h.id.trim().is_empty() {
            return Err(config(file, "scorecard.id", &h.id, "must not be empty"));
        }
        if h.source.trim().is_empty() {
            return Err(config(
                file,
                "scorecard.source",
                "",
                "every parameter set says where it comes from",
            ));
        }
        check_points(file, "scorecard.base_points", h.base_points)?;
        let to_f = |d: Decimal, f: &str| -> Result<f64> {
            d.to_f64()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| config(file, f, d, "must be a positive number"))
        };
        let scale = ScoreScale {
            base_score: to_f(spec.scale.base_score, "scale.base_score")?,
            base_odds: to_f(spec.scale.base_odds, "scale.base_odds")?,
            pdo: to_f(spec.scale.pdo, "scale.pdo")?,
        };
        if spec.scale.source.trim().is_empty() {
            return Err(config(
                file,
                "scale.source",
                "",
                "must say where the scale comes from",
            ));
        }
        let mut factors = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (i, fs) in spec.factor.into_iter().enumerate() {
            let at = |f: &str| format!("factor[{i}].{f}");
            let factor: Factor = fs
                .key
                .parse()
                .map_err(|e: String| config(file, at("key"), &fs.key, e))?;
            if !seen.insert(factor) {
                return Err(config(file, at("key"), &fs.key, "factor listed twice"));
            }
            check_points(file, &at("missing_points"), fs.missing_points)?;
            let rule = match factor.unit() {
                Some(unit) => {
                    if !fs.categories.is_empty() {
                        return Err(config(
                            file,
                            at("categories"),
                            "",
                            "a numeric factor takes bands",
                        ));
                    }
                    if fs.bands.is_empty() || fs.bands.len() > BANDS_MAX {
                        return Err(config(
                            file,
                            at("bands"),
                            fs.bands.len(),
                            format!("needs 1 to {BANDS_MAX} bands"),
                        ));
                    }
                    let mut bands = Vec::with_capacity(fs.bands.len());
                    for (j, b) in fs.bands.iter().enumerate() {
                        let field = format!("factor[{i}].bands[{j}]");
                        check_points(file, &format!("{field}.points"), b.points)?;
                        let from = match (j, b.from) {
                            (0, None) => None,
                            (0, Some(v)) => {
                                return Err(config(file, format!("{field}.from"), v, "the first band starts at −∞: leave 'from' out"));
                            }
                            (_, None) => {
                                return Err(config(file, format!("{field}.from"), "", "every band after the first needs 'from'"));
                            }
                            (_, Some(v)) => Some(threshold_units(v, unit).ok_or_else(|| {
                                config(file, format!("{field}.from"), v, "not exact in the factor's unit (fen for money, millionths for ratios, whole counts and years)")
                            })?),
                        };
                        if let (Some(prev), Some(cur)) =
                            (bands.last().and_then(|x: &Band| x.from), from)
                        {
                            if cur <= prev {
                                return Err(config(
                                    file,
                                    format!("{field}.from"),
                                    display_threshold(cur, unit),
                                    "bands must ascend",
                                ));
                            }
                        }
                        bands.push(Band {
                            from,
                            points: b.points,
                        });
                    }
                    BandRule::Numeric(bands)
                }
                None => {
                    if !fs.bands.is_empty() {
                        return Err(config(
                            file,
                            at("bands"),
                            "",
                            "a categorical factor takes categories",
                        ));
                    }
                    let names: &[&str] = if factor == Factor::Tier {
                        &["none", "potential", "growth", "leading"]
                    } else {
                        &["clean", "bad_record"]
                    };
                    for k in fs.categories.keys() {
                        if !names.contains(&k.as_str()) {
                            return Err(config(
                                file,
                                at("categories"),
                                k,
                                format!("expected the categories {}", names.join(", ")),
                            ));
                        }
                    }
                    let mut pts = Vec::new();
                    for n in names {
                        let p = *fs.categories.get(*n).ok_or_else(|| {
                            config(
                                file,
                                at("categories"),
                                "",
                                format!("category '{n}' has no points"),
                            )
                        })?;
                        check_points(file, &format!("{}.{n}", at("categories")), p)?;
                        pts.push(p);
                    }
                    if factor == Factor::Tier {
                        BandRule::Tier([pts[0], pts[1], pts[2], pts[3]])
                    } else {
                        BandRule::Credit {
                            clean: pts[0],
                            bad_record: pts[1],
                        }
                    }
                }
            };
            factors.push(ScoredFactor {
                factor,
                why: fs.why,
                missing_points: fs.missing_points,
                rule,
            });
        }
        if factors.is_empty() {
            return Err(config(
                file,
                "factor",
                0,
                "a scorecard needs at least one factor",
            ));
        }
        let card = Scorecard {
            id: h.id,
            title: h.title,
            effective_from: h.effective_from,
            source: h.source,
            base_points: h.base_points,
            scale,
            range_total: factors
                .iter()
                .map(|f| {
                    let (lo, hi) = f.points_range();
                    hi - lo
                })
                .sum(),
            factors,
            pd_mapping: PdMapping::Scale,
        };
        let (lo, hi) = card.score_bounds();
        if lo < SCORE_MIN || hi > SCORE_MAX {
            return Err(config(
                file,
                "factor",
                format!("[{lo}, {hi}]"),
                format!("possible scores must lie in [{SCORE_MIN}, {SCORE_MAX}]"),
            ));
        }
        Ok(card)
    }

    /// The shipped default card (`data/finance/scorecard-2025.toml`).
    pub fn embedded() -> Result<Self> {
        Self::from_toml_str(DEFAULT_SCORECARD_TOML, "data/finance/scorecard-2025.toml")
    }

    /// The card in force on `date`: the latest `effective_from` not after it.
    pub fn in_force(cards: &[Scorecard], date: NaiveDate) -> Option<&Scorecard> {
        cards
            .iter()
            .filter(|c| c.effective_from <= date)
            .max_by_key(|c| c.effective_from)
    }

    /// The lowest and highest score the card can give.
    pub fn score_bounds(&self) -> (i64, i64) {
        self.factors
            .iter()
            .fold((self.base_points, self.base_points), |(lo, hi), f| {
                let (a, b) = f.points_range();
                (lo + a, hi + b)
            })
    }

    /// The card with a fitted PD mapping.
    pub fn with_calibration(mut self, cal: ScoreCalibration) -> Self {
        self.pd_mapping = PdMapping::Fitted(cal);
        self
    }

    /// The PD of a score under the card's mapping.
    pub fn pd_of_score(&self, score: i64) -> f64 {
        match &self.pd_mapping {
            PdMapping::Scale => self.scale.pd_of_score(score as f64),
            PdMapping::Fitted(c) => clamp_pd(sigmoid(c.intercept + c.slope * score as f64)),
        }
    }

    fn points(&self, f: &Features) -> i64 {
        let total = self.factors.iter().fold(self.base_points, |acc, sf| {
            acc + sf.points_of(f.value(sf.factor)).0
        });
        debug_assert!((SCORE_MIN..=SCORE_MAX).contains(&total), "checked at load");
        total
    }
}

fn check_points(file: &str, field: &str, p: i64) -> Result<()> {
    if p.abs() > POINTS_ABS_MAX {
        return Err(config(
            file,
            field,
            p,
            format!("points must lie in [−{POINTS_ABS_MAX}, {POINTS_ABS_MAX}]"),
        ));
    }
    Ok(())
}

impl CreditModel for Scorecard {
    fn id(&self) -> &str {
        &self.id
    }

    fn pd(&self, f: &Features) -> f64 {
        self.pd_of_score(self.points(f))
    }

    fn score(&self, f: &Features) -> i64 {
        self.points(f)
    }

    fn assess(&self, f: &Features) -> Assessment {
        let mut factors = Vec::with_capacity(self.factors.len());
        let mut missing_range = 0i64;
        let mut score = self.base_points;
        for sf in &self.factors {
            let v = f.value(sf.factor);
            let (points, band) = sf.points_of(v);
            score += points;
            if band.is_none() {
                let (lo, hi) = sf.points_range();
                missing_range += hi - lo;
            }
            factors.push(FactorContribution {
                factor: sf.factor,
                value: v,
                value_text: v.map_or_else(|| "missing".to_string(), |v| v.display(sf.factor)),
                band: band.map(|i| sf.band_label(i)),
                points: Some(points),
                log_odds: None,
                missing: band.is_none(),
            });
        }
        let missing_share = if self.range_total > 0 {
            missing_range as f64 / self.range_total as f64
        } else {
            0.0
        };
        Assessment {
            model: self.id.clone(),
            score,
            pd: self.pd_of_score(score),
            factors,
            missing_share,
        }
    }
}
