//! A seeded synthetic cohort: firms with valid USCCs in real provinces and several years of
//! plausible, skewed reports (most firms small, a tenth fast-growing, a handful of unicorns).
//!
//! Each firm draws from its own ChaCha8 stream (the master seed, stream = firm index), so the
//! output is the same bytes whatever the thread count. Amounts are sampled in floating point
//! and rounded to whole thousands of yuan before they become exact [`Money`].
//!
//! The industry code and the digital-economy facts (data assets, registrations and spending,
//! data and new-product revenue, scenario projects, the digitalisation level) come from a
//! second stream per firm ([`DIGITAL_STREAM`] + index), so adding them left every other draw
//! of the first stream, and so every earlier fact, as it was.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal};
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::id::{EnterpriseId, org_code_check_char};
use crate::industry::IndustryCode;
use crate::money::Money;
use crate::report::{AnnualReport, Enterprise};
use crate::tier::Year;

/// Most firms one cohort may have.
pub const COHORT_FIRMS_MAX: usize = 10_000_000;
/// Most years one cohort may span.
pub const COHORT_YEARS_MAX: i32 = 30;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortSpec {
    /// Number of firms.
    pub count: usize,
    /// First statistical year with reports.
    pub first_year: Year,
    /// Last statistical year with reports.
    pub last_year: Year,
    /// Master seed.
    pub seed: u64,
}

/// Real divisions (GB/T 2260) of registration, weighted by the size of the province's digital
/// economy: (division code, weight).
const DIVISIONS: &[(&str, u32)] = &[
    ("440305", 70), // 深圳南山
    ("440106", 40), // 广州天河
    ("110108", 60), // 北京海淀
    ("110105", 25), // 北京朝阳
    ("310115", 45), // 上海浦东
    ("310110", 15), // 上海杨浦
    ("330106", 45), // 杭州西湖
    ("330108", 20), // 杭州滨江
    ("320106", 25), // 南京鼓楼
    ("320505", 25), // 苏州虎丘
    ("370102", 20), // 济南历下
    ("370212", 12), // 青岛崂山
    ("510107", 22), // 成都武侯
    ("500112", 12), // 重庆渝北
    ("420111", 18), // 武汉洪山
    ("340104", 14), // 合肥蜀山
    ("610113", 12), // 西安雁塔
    ("350203", 10), // 厦门思明
    ("430104", 10), // 长沙岳麓
    ("410105", 10), // 郑州金水
    ("120116", 8),  // 天津滨海
    ("520115", 8),  // 贵阳观山湖
    ("130102", 5),  // 石家庄长安
    ("210106", 5),  // 沈阳铁西
    ("360111", 5),  // 南昌青山湖
    ("450103", 4),  // 南宁青秀
    ("530102", 4),  // 昆明五华
    ("140105", 3),  // 太原小店
    ("220104", 3),  // 长春朝阳
    ("230103", 3),  // 哈尔滨南岗
    ("150105", 3),  // 呼和浩特赛罕
    ("620102", 2),  // 兰州城关
    ("640104", 2),  // 银川兴庆
    ("460108", 2),  // 海口美兰
    ("630104", 1),  // 西宁城西
    ("650104", 1),  // 乌鲁木齐新市
    ("540102", 1),  // 拉萨城关
];

/// The offset of the second stream of each firm (digital-economy facts): far above any firm
/// index ([`COHORT_FIRMS_MAX`]), so the two streams of the cohort never meet.
pub const DIGITAL_STREAM: u64 = 1 << 40;

/// Industry codes (GB/T 4754-2017) of the cohort with weights: mostly the digital economy's
/// core (software, IT services, internet platforms and data, electronics), a share of other
/// industries whose firms may count as industrial digitalisation (05) on data evidence.
const INDUSTRIES: &[(&str, u32)] = &[
    ("6513", 14), // 应用软件开发
    ("6511", 3),  // 基础软件开发
    ("6519", 4),  // 其他软件开发
    ("6520", 3),  // 集成电路设计
    ("6531", 6),  // 信息系统集成服务
    ("6532", 4),  // 物联网技术服务
    ("6550", 4),  // 信息处理和存储支持服务
    ("6560", 3),  // 信息技术咨询服务
    ("6429", 2),  // 其他互联网信息服务
    ("6450", 3),  // 互联网数据服务
    ("6431", 3),  // 互联网生产服务平台
    ("6432", 2),  // 互联网生活服务平台
    ("6433", 1),  // 互联网科技创新平台
    ("3911", 1),  // 计算机整机制造
    ("3973", 2),  // 集成电路制造
    ("3961", 1),  // 可穿戴智能设备制造
    ("3963", 1),  // 智能无人飞行器制造
    ("3491", 1),  // 工业机器人制造
    ("5292", 2),  // 互联网零售
    ("7320", 4),  // 工程和技术研究和试验发展
    ("4011", 3),  // 工业自动控制系统装置制造
    ("3612", 2),  // 新能源车整车制造
    ("3841", 2),  // 锂离子电池制造
    ("2710", 2),  // 化学药品原料药制造
    ("1311", 1),  // 稻谷加工
];

/// Share of firms without an industry code (old registrations).
const INDUSTRY_MISSING: f64 = 0.03;

const NAME_HEADS: &[&str] = &[
    "数智", "云启", "星图", "智链", "算力", "深度", "天枢", "知微", "灵犀", "鲲鹏", "数澜", "极光",
    "矩阵", "量子", "元象", "易数", "慧眼", "远景", "睿思", "凌云",
];
const NAME_TAILS: &[&str] = &[
    "科技",
    "信息技术",
    "数据服务",
    "智能科技",
    "网络科技",
    "软件",
    "数字科技",
    "人工智能",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Archetype {
    Ordinary,
    FastGrowing,
    Unicorn,
}

fn yuan_thousands(x: f64) -> Money {
    // Rounded to whole thousands of yuan: reports are filed in thousands, and the coarse grid
    // keeps last-bit differences of libm from reaching the output.
    let k = (x / 1000.0).round();
    let k = if k.is_finite() {
        k.clamp(0.0, 1.0e11)
    } else {
        0.0
    };
    Money::from_yuan_i64(k as i64 * 1000).unwrap_or(Money::ZERO)
}

fn frac(x: f64, dp: u32) -> Decimal {
    let scale = 10f64.powi(dp as i32);
    let v = (x.clamp(0.0, 1.0) * scale).round() as i64;
    Decimal::new(v, dp)
}

fn points(x: f64, max: f64) -> Decimal {
    Decimal::from(x.clamp(0.0, max).round() as i64)
}

/// The USCC of firm `index` of a cohort with `seed`: unique within the cohort (the organisation
/// code is an affine bijection of the index modulo 10^8), valid, in `division`.
fn uscc_for(index: usize, seed: u64, division: &str) -> Result<EnterpriseId> {
    // 7919 is prime and coprime with 10^8, so index ↦ org is one-to-one for < 10^8 firms.
    let org = ((index as u64)
        .wrapping_mul(7919)
        .wrapping_add(seed % 100_000_000))
        % 100_000_000;
    let org8 = format!("{org:08}");
    let check = org_code_check_char(&org8).ok_or_else(|| RegistryError::InvalidField {
        record: format!("cohort firm {index}"),
        field: "org_code".into(),
        value: org8.clone(),
        reason: "no check character".into(),
    })?;
    Ok(EnterpriseId::from_first17(&format!(
        "91{division}{org8}{check}"
    ))?)
}

fn pick_division(rng: &mut ChaCha8Rng) -> &'static str {
    let total: u32 = DIVISIONS.iter().map(|d| d.1).sum();
    let mut x = rng.gen_range(0..total);
    for (code, w) in DIVISIONS {
        if x < *w {
            return code;
        }
        x -= w;
    }
    "110108"
}

fn pick_industry(rng: &mut ChaCha8Rng) -> Option<IndustryCode> {
    if rng.gen_bool(INDUSTRY_MISSING) {
        return None;
    }
    let total: u32 = INDUSTRIES.iter().map(|d| d.1).sum();
    let mut x = rng.gen_range(0..total);
    for (code, w) in INDUSTRIES {
        if x < *w {
            return IndustryCode::parse(code).ok();
        }
        x -= w;
    }
    None
}

/// The digital-economy traits of a firm, fixed over time (drawn from its second stream).
struct DigitalTraits {
    data_rich: bool,
    data_spend_share: f64,
    new_product_share: f64,
    scenario_rate: f64,
    digital_level: u32,
}

fn digital_traits(rng: &mut ChaCha8Rng, archetype: Archetype) -> DigitalTraits {
    let fast = archetype != Archetype::Ordinary;
    DigitalTraits {
        data_rich: rng.gen_bool(if fast { 0.45 } else { 0.25 }),
        data_spend_share: LogNormal::new((0.015f64).ln(), 0.8)
            .map_or(0.015, |d| d.sample(rng))
            .min(0.3),
        new_product_share: if fast {
            rng.gen_range(0.15..0.7)
        } else {
            rng.gen_range(0.02..0.5)
        },
        scenario_rate: rng.gen_range(0.0..2.0),
        digital_level: rng.gen_range(1..=4),
    }
}

/// The year's digital-economy facts of a firm (data assets exist from 2024, when 财会〔2023〕11号
/// took effect; registrations from 2023).
fn digital_facts(
    r: &mut AnnualReport,
    rng: &mut ChaCha8Rng,
    t: &DigitalTraits,
    revenue: f64,
    rev: Money,
) {
    let p = 0.02;
    let year = r.year;
    let assets = if t.data_rich {
        yuan_thousands(revenue * rng.gen_range(0.02..0.15))
    } else {
        Money::ZERO
    };
    r.data_assets_yuan = if year >= 2024 {
        maybe(rng, p, assets)
    } else {
        None
    };
    let regs = if t.data_rich { rng.gen_range(1..=3) } else { 0 };
    r.data_registrations = if year >= 2023 {
        maybe(rng, p, regs)
    } else {
        None
    };
    let spend = t.data_spend_share * rng.gen_range(0.8..1.2);
    r.data_spend_yuan = maybe(rng, p, yuan_thousands(revenue * spend).min(rev));
    let data_share = if t.data_rich {
        rng.gen_range(0.05..0.4)
    } else {
        rng.gen_range(0.0..0.05)
    };
    r.data_revenue_yuan = maybe(rng, p, yuan_thousands(revenue * data_share).min(rev));
    let np = (t.new_product_share + rng.gen_range(-0.05..0.05)).clamp(0.0, 1.0);
    r.new_product_revenue_yuan = maybe(rng, p, yuan_thousands(revenue * np).min(rev));
    let projects = (t.scenario_rate * rng.gen_range(0.0..2.0)).floor() as u32;
    r.scenario_projects = maybe(rng, p, projects);
    r.digital_level = if rng.gen_bool(0.8) {
        Some(t.digital_level)
    } else {
        None
    };
}

fn maybe<T>(rng: &mut ChaCha8Rng, p_missing: f64, v: T) -> Option<T> {
    if rng.gen_bool(p_missing) {
        None
    } else {
        Some(v)
    }
}

fn firm(index: usize, spec: &CohortSpec) -> Result<(Enterprise, Vec<AnnualReport>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    rng.set_stream(index as u64);
    let mut rng2 = ChaCha8Rng::seed_from_u64(spec.seed);
    rng2.set_stream(DIGITAL_STREAM + index as u64);
    let industry = pick_industry(&mut rng2);
    let division = pick_division(&mut rng);
    let id = uscc_for(index, spec.seed, division)?;
    let u: f64 = rng.r#gen();
    let archetype = if u < 0.002 {
        Archetype::Unicorn
    } else if u < 0.102 {
        Archetype::FastGrowing
    } else {
        Archetype::Ordinary
    };
    // Age at the cohort's first year: most firms young (exponential, mean 7 years); unicorns at
    // most 5. Every firm-level draw is anchored on the first year, never the last, so a cohort
    // extended by more years keeps its earlier firms and reports unchanged.
    let age_draw: f64 = Exp::new(1.0 / 7.0).map_or(5.0, |d| d.sample(&mut rng));
    let mut age = age_draw.floor() as i32;
    if archetype == Archetype::Unicorn {
        age = age.clamp(0, 5);
    }
    let founded_year = (spec.first_year - age.clamp(0, 40)).max(1985);
    let founded =
        NaiveDate::from_ymd_opt(founded_year, rng.gen_range(1..=12), rng.gen_range(1..=28))
            .unwrap_or(NaiveDate::MIN);
    let head = NAME_HEADS[rng.gen_range(0..NAME_HEADS.len())];
    let tail = NAME_TAILS[rng.gen_range(0..NAME_TAILS.len())];
    let province = id.region().province_name_zh().unwrap_or("");
    let enterprise = Enterprise {
        id,
        name: format!("{province}{head}{tail}有限公司"),
        founded,
        industry,
    };
    // Firm traits, fixed over time.
    let revenue_median: f64 = match archetype {
        Archetype::Unicorn => 800.0e6,
        Archetype::FastGrowing => 15.0e6,
        Archetype::Ordinary => 8.0e6,
    };
    let mut revenue =
        LogNormal::new(revenue_median.ln(), 1.3).map_or(revenue_median, |d| d.sample(&mut rng));
    let growth_mean: f64 = match archetype {
        Archetype::Unicorn => 0.45,
        Archetype::FastGrowing => 0.35,
        Archetype::Ordinary => 0.06,
    };
    let growth = Normal::new(growth_mean, 0.12).ok();
    // Fast growers invest more in R&D (median 7 % against 4.5 %).
    let rd_median: f64 = if archetype == Archetype::Ordinary {
        0.045
    } else {
        0.07
    };
    let rd_intensity = LogNormal::new(rd_median.ln(), 0.6)
        .map_or(rd_median, |d| d.sample(&mut rng))
        .min(0.4);
    let tech_share_base: f64 = rng.gen_range(0.05..0.6);
    let ht_share: f64 = rng.gen_range(0.35..0.98);
    let assessed = rng.gen_bool(if archetype == Archetype::Ordinary {
        0.6
    } else {
        0.85
    });
    let revenue_per_head =
        LogNormal::new((600_000f64).ln(), 0.5).map_or(600_000.0, |d| d.sample(&mut rng));
    let domestic: f64 = if rng.gen_bool(0.85) {
        rng.gen_range(0.85..1.0)
    } else {
        rng.gen_range(0.4..0.85)
    };
    let supported = rng.gen_bool(0.7);
    let main_share: f64 = rng.gen_range(0.55..1.0);
    let niche_start = founded_year + rng.gen_range(0..4);
    let niche_share = LogNormal::new((0.02f64).ln(), 1.0)
        .map_or(0.02, |d| d.sample(&mut rng))
        .min(0.6);
    let debt: f64 = rng.gen_range(0.1..0.9);
    let stops_at = rng
        .gen_bool(0.03)
        .then(|| spec.first_year + rng.gen_range(1..8));
    let listed = archetype != Archetype::Unicorn && revenue > 300.0e6 && rng.gen_bool(0.2);
    let mut pe_backed = archetype == Archetype::Unicorn;
    let mut ip1: u32 = rng.gen_range(0..3);
    let mut ip2: u32 = rng.gen_range(0..5);
    let traits = digital_traits(&mut rng2, archetype);
    // Walk back from the last year to the firm's first report year: revenue is drawn for the
    // first reported year and grown forward.
    let first = spec.first_year.max(founded_year);
    let mut reports = Vec::new();
    for year in first..=spec.last_year {
        if stops_at.is_some_and(|s| year >= s) {
            break;
        }
        if year > first {
            let g = growth.map_or(growth_mean, |d| d.sample(&mut rng)).max(-0.5);
            revenue *= 1.0 + g;
        }
        let rev = yuan_thousands(revenue);
        let staff = ((revenue / revenue_per_head).round() as u32).clamp(3, 200_000);
        let tech_share = (tech_share_base + rng.gen_range(-0.03..0.03)).clamp(0.0, 0.95);
        let tech = ((f64::from(staff) * tech_share).round() as u32).min(staff);
        let rd_staff = ((f64::from(tech) * rng.gen_range(0.3..0.9)).round() as u32).min(tech);
        let rd = yuan_thousands(revenue * (rd_intensity * rng.gen_range(0.8..1.2)).min(0.5));
        ip1 += u32::from(rng.gen_bool((rd_intensity * 8.0).min(0.9)));
        ip2 += rng.gen_range(0..3);
        let raised = match archetype {
            Archetype::Unicorn => rng.gen_bool(0.6),
            Archetype::FastGrowing => rng.gen_bool(0.3),
            Archetype::Ordinary => rng.gen_bool(0.05),
        };
        let equity = if raised {
            pe_backed = true;
            let median: f64 = if archetype == Archetype::Unicorn {
                800.0e6
            } else {
                15.0e6
            };
            yuan_thousands(LogNormal::new(median.ln(), 0.8).map_or(median, |d| d.sample(&mut rng)))
        } else {
            Money::ZERO
        };
        let valuation = match archetype {
            Archetype::Unicorn => yuan_thousands(rng.gen_range(7.5e9..60.0e9)),
            _ if pe_backed => yuan_thousands(revenue * rng.gen_range(2.0..12.0)),
            _ => yuan_thousands(0.0),
        };
        let mut r = AnnualReport::new(id, year);
        let p = 0.02; // share of each optional fact left unreported
        r.revenue_yuan = Some(rev);
        r.rd_spend_yuan = maybe(&mut rng, p, rd);
        r.rd_domestic_share = maybe(&mut rng, p, frac(domestic, 2));
        r.staff = Some(staff);
        r.tech_staff = maybe(&mut rng, p, tech);
        r.rd_staff = maybe(&mut rng, p, rd_staff);
        r.ip_class1 = maybe(&mut rng, p, ip1);
        r.ip_class2 = maybe(&mut rng, p, ip2);
        r.high_tech_revenue_yuan = maybe(&mut rng, p, yuan_thousands(revenue * ht_share).min(rev));
        let assets = yuan_thousands(revenue * rng.gen_range(0.6..2.0));
        r.assets_yuan = maybe(&mut rng, p, assets);
        let debt_now = frac(debt + rng.gen_range(-0.05..0.05), 2);
        r.debt_ratio = maybe(&mut rng, p, debt_now);
        r.equity_financing_yuan = maybe(&mut rng, p, equity);
        r.valuation_yuan = if pe_backed {
            maybe(&mut rng, p, valuation)
        } else {
            None
        };
        r.listed = Some(listed);
        r.pe_backed = Some(pe_backed);
        r.supported_field = maybe(&mut rng, p, supported);
        r.main_business_share = maybe(&mut rng, p, frac(main_share, 2));
        r.niche_years = maybe(&mut rng, p, (year - niche_start).max(0) as u32);
        r.niche_market_share = maybe(&mut rng, p, frac(niche_share, 3));
        let incidents = u32::from(rng.gen_bool(0.01));
        r.major_incidents = maybe(&mut rng, p, incidents);
        // Firms that sit the high-tech assessment do so every year; the score follows their
        // tech staff and R&D intensity.
        if assessed {
            let base = 58.0 + 30.0 * tech_share_base + 200.0 * rd_intensity;
            r.innovation_score = Some(points(base + rng.gen_range(-10.0..10.0), 100.0));
        }
        if rng.gen_bool(0.7) {
            r.sme_innovation_points = Some(points(rng.gen_range(8.0..40.0), 40.0));
            r.sme_growth_points = Some(points(rng.gen_range(4.0..30.0), 30.0));
            r.sme_specialisation_points = Some(points(rng.gen_range(4.0..30.0), 30.0));
        }
        if rng.gen_bool(0.5) {
            r.specialised_score = Some(points(rng.gen_range(35.0..95.0), 100.0));
        }
        digital_facts(&mut r, &mut rng2, &traits, revenue, rev);
        reports.push(r);
    }
    Ok((enterprise, reports))
}

/// Generates a cohort: `spec.count` firms ordered by index, and their reports for
/// `first_year..=last_year` (every firm is founded by the first year, most of them recently;
/// about 3 % stop reporting at some year, so adjustments meet grace and exits).
///
/// Extending `last_year` with the same seed and first year keeps every firm and every earlier
/// report byte for byte: only the new years are added.
///
/// ```
/// use registry_model::cohort::{CohortSpec, generate_cohort};
/// let spec = CohortSpec { count: 50, first_year: 2022, last_year: 2024, seed: 7 };
/// let (firms, reports) = generate_cohort(&spec)?;
/// assert_eq!(firms.len(), 50);
/// assert!(reports.iter().all(|r| (2022..=2024).contains(&r.year)));
/// assert_eq!(generate_cohort(&spec)?.1, reports); // same seed, same data
/// # Ok::<(), registry_model::RegistryError>(())
/// ```
pub fn generate_cohort(spec: &CohortSpec) -> Result<(Vec<Enterprise>, Vec<AnnualReport>)> {
    if spec.count > COHORT_FIRMS_MAX {
        return Err(RegistryError::Limit {
            what: "firms in a cohort",
            value: spec.count as u64,
            limit: COHORT_FIRMS_MAX as u64,
        });
    }
    if spec.first_year < crate::report::YEAR_MIN
        || spec.last_year > crate::report::YEAR_MAX
        || spec.first_year > spec.last_year
        || spec.last_year - spec.first_year >= COHORT_YEARS_MAX
    {
        return Err(RegistryError::InvalidField {
            record: "cohort spec".into(),
            field: "years".into(),
            value: format!("{}..{}", spec.first_year, spec.last_year),
            reason: format!(
                "need first ≤ last, at most {COHORT_YEARS_MAX} years, within 1978-2200"
            ),
        });
    }
    let per_firm: Vec<(Enterprise, Vec<AnnualReport>)> = (0..spec.count)
        .into_par_iter()
        .map(|i| firm(i, spec))
        .collect::<Result<_>>()?;
    let mut firms = Vec::with_capacity(per_firm.len());
    let mut reports = Vec::with_capacity(per_firm.len() * 3);
    for (f, mut rs) in per_firm {
        firms.push(f);
        reports.append(&mut rs);
    }
    Ok((firms, reports))
}
