//! Jobs: who submits what, when, needing how much, under which limits; read and written as CSV.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use registry_model::{EnterpriseId, RegionCode, Tier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::money::yuan_to_fen_exact;

/// Most jobs in one stream (bounds memory: about 300 bytes a job inside the simulator).
pub const MAX_JOBS: usize = 5_000_000;
/// Latest submit time and longest duration accepted: ten years in seconds.
pub const MAX_TIME_S: u64 = 10 * 366 * 24 * 3600;
/// Most cards or cores one job may ask for.
pub const MAX_JOB_UNITS: u32 = 1_000_000;
/// Longest job id.
pub const MAX_ID_LEN: usize = 64;

/// What a job does; decides its latency class in the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Model training: latency-tolerant, card-heavy.
    Training,
    /// Real-time inference: latency-bound.
    Inference,
    /// Offline analysis: latency-tolerant, CPU-heavy.
    OfflineAnalysis,
    /// Storage backup: latency-tolerant, CPU only.
    StorageBackup,
}

impl JobKind {
    /// All kinds.
    pub const ALL: [JobKind; 4] = [
        JobKind::Training,
        JobKind::Inference,
        JobKind::OfflineAnalysis,
        JobKind::StorageBackup,
    ];

    /// The key used in files.
    pub fn key(self) -> &'static str {
        match self {
            JobKind::Training => "training",
            JobKind::Inference => "inference",
            JobKind::OfflineAnalysis => "offline_analysis",
            JobKind::StorageBackup => "storage_backup",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Where a job's data may be processed (a data-residency rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Residency {
    /// Any cluster of the network.
    #[default]
    Anywhere,
    /// Only clusters in the firm's home province.
    HomeProvince,
    /// Only clusters of the east hubs or only of the west hubs.
    Region(crate::catalog::Region),
    /// Only clusters of these hubs (ids).
    Hubs(Vec<String>),
}

impl fmt::Display for Residency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Residency::Anywhere => f.write_str("anywhere"),
            Residency::HomeProvince => f.write_str("home_province"),
            Residency::Region(r) => write!(f, "region:{}", r.key()),
            Residency::Hubs(h) => write!(f, "hubs:{}", h.join("|")),
        }
    }
}

impl FromStr for Residency {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let t = s.trim();
        match t {
            "" | "anywhere" => Ok(Residency::Anywhere),
            "home_province" => Ok(Residency::HomeProvince),
            "region:east" => Ok(Residency::Region(crate::catalog::Region::East)),
            "region:west" => Ok(Residency::Region(crate::catalog::Region::West)),
            _ => {
                if let Some(list) = t.strip_prefix("hubs:") {
                    let hubs: Vec<String> = list
                        .split('|')
                        .map(|h| h.trim().to_string())
                        .filter(|h| !h.is_empty())
                        .collect();
                    if hubs.is_empty() {
                        return Err(format!("'{s}' names no hub"));
                    }
                    Ok(Residency::Hubs(hubs))
                } else {
                    Err(format!(
                        "'{s}' is not a residency rule (anywhere, home_province, region:east, region:west, hubs:a|b)"
                    ))
                }
            }
        }
    }
}

impl Serialize for Residency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Residency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A compute job submitted by a firm. Times are seconds from the start of the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Unique id within the stream.
    pub id: String,
    /// The submitting firm.
    pub firm: EnterpriseId,
    /// The firm's cultivation tier.
    pub tier: Tier,
    /// The firm's home region (its province decides latency).
    pub home: RegionCode,
    /// What the job does.
    pub kind: JobKind,
    /// Accelerator cards needed for the whole run.
    pub cards: u32,
    /// CPU cores needed for the whole run.
    pub cpu_cores: u32,
    /// Submission time.
    pub submit_s: u64,
    /// Actual run time (what the simulator runs and bills).
    pub duration_s: u64,
    /// Run time declared by the user (what backfill and cost estimates use); the actual
    /// duration when absent.
    #[serde(default)]
    pub declared_s: Option<u64>,
    /// Latest completion time wanted; none for best-effort work.
    #[serde(default)]
    pub deadline_s: Option<u64>,
    /// Largest round-trip latency in ms the job tolerates from its home province; none for
    /// offline work.
    #[serde(default)]
    pub latency_ms_max: Option<f64>,
    /// Data-residency rule.
    #[serde(default)]
    pub residency: Residency,
    /// Most the firm will pay for this job after vouchers, yuan (estimated on the declared
    /// duration); none for no limit.
    #[serde(default)]
    pub budget: Option<Decimal>,
    /// Share of the job's cost the firm's compute voucher covers, in [0, 1].
    pub voucher_coverage: Decimal,
}

impl Job {
    /// Checks the job's references to the catalog: every hub its residency names exists.
    pub fn check_catalog(&self, catalog: &Catalog) -> Result<()> {
        if let Residency::Hubs(hubs) = &self.residency {
            for h in hubs {
                if !catalog.hubs.iter().any(|known| &known.id == h) {
                    let known: Vec<&str> = catalog.hubs.iter().map(|x| x.id.as_str()).collect();
                    return Err(Error::Job {
                        job_id: self.id.clone(),
                        field: "residency".into(),
                        message: format!(
                            "hub '{h}' is not in the catalog (its hubs: {})",
                            known.join(", ")
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The declared duration (the actual one when none was declared).
    pub fn declared_duration_s(&self) -> u64 {
        self.declared_s.unwrap_or(self.duration_s)
    }

    /// Checks one job's fields; the error names the job, the field and the value.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, message: String| Error::Job {
            job_id: self.id.clone(),
            field: field.to_string(),
            message,
        };
        if self.id.trim().is_empty() || self.id.len() > MAX_ID_LEN {
            return Err(bad(
                "id",
                format!("'{}' must have 1 to {MAX_ID_LEN} characters", self.id),
            ));
        }
        if self.cards == 0 && self.cpu_cores == 0 {
            return Err(bad("cards", "a job needs at least one card or core".into()));
        }
        if self.cards > MAX_JOB_UNITS || self.cpu_cores > MAX_JOB_UNITS {
            return Err(bad(
                "cards",
                format!(
                    "{} cards / {} cores above the limit {MAX_JOB_UNITS}",
                    self.cards, self.cpu_cores
                ),
            ));
        }
        if self.submit_s > MAX_TIME_S {
            return Err(bad(
                "submit_s",
                format!("{} is beyond {MAX_TIME_S}", self.submit_s),
            ));
        }
        if self.duration_s == 0 || self.duration_s > MAX_TIME_S {
            return Err(bad(
                "duration_s",
                format!("{} is outside [1, {MAX_TIME_S}]", self.duration_s),
            ));
        }
        if let Some(d) = self.declared_s
            && (d == 0 || d > MAX_TIME_S)
        {
            return Err(bad(
                "declared_s",
                format!("{d} is outside [1, {MAX_TIME_S}]"),
            ));
        }
        if let Some(d) = self.deadline_s {
            let earliest = self.submit_s + self.duration_s;
            if d < earliest {
                return Err(bad(
                    "deadline_s",
                    format!(
                        "{d} is before the earliest possible finish {earliest} (submit + duration)"
                    ),
                ));
            }
            if d > 2 * MAX_TIME_S {
                return Err(bad(
                    "deadline_s",
                    format!("{d} is beyond {}", 2 * MAX_TIME_S),
                ));
            }
        }
        if let Some(l) = self.latency_ms_max
            && (!l.is_finite() || l < 0.0)
        {
            return Err(bad("latency_ms_max", format!("{l} is not a latency in ms")));
        }
        if self.voucher_coverage < Decimal::ZERO || self.voucher_coverage > Decimal::ONE {
            return Err(bad(
                "voucher_coverage",
                format!("{} is outside [0, 1]", self.voucher_coverage),
            ));
        }
        if let Some(b) = self.budget
            && yuan_to_fen_exact(b).is_none()
        {
            return Err(bad(
                "budget",
                format!("{b} is not a non-negative amount in whole fen"),
            ));
        }
        Ok(())
    }
}

/// Checks a whole stream: every job valid, ids unique, at most [`MAX_JOBS`].
pub fn validate_jobs(jobs: &[Job]) -> Result<()> {
    if jobs.len() > MAX_JOBS {
        return Err(Error::Limit {
            what: "jobs in one stream".into(),
            value: jobs.len() as u64,
            limit: MAX_JOBS as u64,
        });
    }
    let mut seen = BTreeSet::new();
    for j in jobs {
        j.validate()?;
        if !seen.insert(j.id.as_str()) {
            return Err(Error::Job {
                job_id: j.id.clone(),
                field: "id".into(),
                message: "duplicate id".into(),
            });
        }
    }
    Ok(())
}

/// Checks a whole stream against the catalog it is scheduled on: [`validate_jobs`], and
/// every hub a residency rule names exists in the catalog (a misspelt hub would otherwise
/// narrow, or empty, the clusters a job may use without a word).
pub fn validate_jobs_for(jobs: &[Job], catalog: &Catalog) -> Result<()> {
    validate_jobs(jobs)?;
    for j in jobs {
        j.check_catalog(catalog)?;
    }
    Ok(())
}

/// The CSV header of a job file, in column order.
pub const JOB_CSV_HEADER: [&str; 15] = [
    "id",
    "firm",
    "tier",
    "home",
    "kind",
    "cards",
    "cpu_cores",
    "submit_s",
    "duration_s",
    "declared_s",
    "deadline_s",
    "latency_ms_max",
    "residency",
    "budget",
    "voucher_coverage",
];

/// Reads a job CSV (header row naming the columns of [`JOB_CSV_HEADER`] in any order; the
/// optional columns `declared_s`, `deadline_s`, `latency_ms_max`, `residency` and `budget`
/// may be absent or empty). All-or-nothing: the first bad record fails the whole read with
/// its line, column and value.
pub fn read_jobs_csv<R: Read>(reader: R, source_name: &str) -> Result<Vec<Job>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let rec_err = |line: u64, field: &str, message: String| Error::Record {
        source_name: source_name.to_string(),
        line,
        field: field.to_string(),
        message,
    };
    let headers = rdr
        .headers()
        .map_err(|e| rec_err(1, "header", e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let required = [
        "id",
        "firm",
        "tier",
        "home",
        "kind",
        "cards",
        "cpu_cores",
        "submit_s",
        "duration_s",
        "voucher_coverage",
    ];
    for r in required {
        if col(r).is_none() {
            return Err(rec_err(
                1,
                r,
                "required column missing from the header".into(),
            ));
        }
    }
    let idx: Vec<Option<usize>> = JOB_CSV_HEADER.iter().map(|h| col(h)).collect();
    let mut jobs = Vec::new();
    let mut seen = BTreeSet::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            rec_err(
                e.position().map_or(0, |p| p.line()),
                "record",
                e.to_string(),
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if jobs.len() >= MAX_JOBS {
            return Err(Error::Limit {
                what: format!("jobs in {source_name}"),
                value: jobs.len() as u64 + 1,
                limit: MAX_JOBS as u64,
            });
        }
        let get = |k: usize| -> &str {
            idx.get(k)
                .copied()
                .flatten()
                .and_then(|i| rec.get(i))
                .unwrap_or("")
        };
        fn parse<T: FromStr>(
            v: &str,
            line: u64,
            field: &str,
            what: &str,
            e: &dyn Fn(u64, &str, String) -> Error,
        ) -> Result<T> {
            v.parse::<T>()
                .map_err(|_| e(line, field, format!("'{v}' is not {what}")))
        }
        fn opt<T: FromStr>(
            v: &str,
            line: u64,
            field: &str,
            what: &str,
            e: &dyn Fn(u64, &str, String) -> Error,
        ) -> Result<Option<T>> {
            if v.is_empty() {
                Ok(None)
            } else {
                parse(v, line, field, what, e).map(Some)
            }
        }
        let e: &dyn Fn(u64, &str, String) -> Error = &rec_err;
        let firm = get(1);
        let job = Job {
            id: get(0).to_string(),
            firm: EnterpriseId::parse(firm).map_err(|x| rec_err(line, "firm", x.to_string()))?,
            tier: get(2)
                .parse::<Tier>()
                .map_err(|x| rec_err(line, "tier", x.to_string()))?,
            home: RegionCode::parse(get(3)).map_err(|x| rec_err(line, "home", x.to_string()))?,
            kind: match get(4) {
                "training" => JobKind::Training,
                "inference" => JobKind::Inference,
                "offline_analysis" => JobKind::OfflineAnalysis,
                "storage_backup" => JobKind::StorageBackup,
                other => {
                    return Err(rec_err(
                        line,
                        "kind",
                        format!(
                            "'{other}' is not a kind (training, inference, offline_analysis, storage_backup)"
                        ),
                    ));
                }
            },
            cards: parse(get(5), line, "cards", "a whole number of cards", e)?,
            cpu_cores: parse(get(6), line, "cpu_cores", "a whole number of cores", e)?,
            submit_s: parse(get(7), line, "submit_s", "whole seconds", e)?,
            duration_s: parse(get(8), line, "duration_s", "whole seconds", e)?,
            declared_s: opt(get(9), line, "declared_s", "whole seconds", e)?,
            deadline_s: opt(get(10), line, "deadline_s", "whole seconds", e)?,
            latency_ms_max: opt(get(11), line, "latency_ms_max", "a latency in ms", e)?,
            residency: get(12)
                .parse()
                .map_err(|x: String| rec_err(line, "residency", x))?,
            budget: opt(get(13), line, "budget", "an amount in yuan", e)?,
            voucher_coverage: parse(get(14), line, "voucher_coverage", "a ratio such as 0.3", e)?,
        };
        if let Err(Error::Job {
            field,
            message,
            job_id,
        }) = job.validate()
        {
            return Err(rec_err(line, &field, format!("job '{job_id}': {message}")));
        }
        if !seen.insert(job.id.clone()) {
            return Err(rec_err(
                line,
                "id",
                format!("duplicate job id '{}'", job.id),
            ));
        }
        jobs.push(job);
    }
    Ok(jobs)
}

/// Writes jobs as CSV with [`JOB_CSV_HEADER`].
pub fn write_jobs_csv<W: Write>(writer: W, jobs: &[Job]) -> Result<()> {
    let io = |e: csv::Error| Error::Io {
        source_name: "job CSV output".into(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(writer);
    for j in jobs {
        w.serialize(j).map_err(io)?;
    }
    if jobs.is_empty() {
        w.write_record(JOB_CSV_HEADER).map_err(io)?;
    }
    w.flush().map_err(|e| Error::Io {
        source_name: "job CSV output".into(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
id,firm,tier,home,kind,cards,cpu_cores,submit_s,duration_s,declared_s,deadline_s,latency_ms_max,residency,budget,voucher_coverage
j1,91110000600037341L,leading,11,inference,2,8,0,3600,,7200,5,anywhere,,0.3
j2,91310110666007217T,potential,310110,training,8,32,60,7200,9000,,,hubs:gansu|ningxia,500.00,0.5
";

    #[test]
    fn reads_and_round_trips() {
        let jobs = read_jobs_csv(SAMPLE.as_bytes(), "s.csv").unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].latency_ms_max, Some(5.0));
        assert_eq!(jobs[0].declared_duration_s(), 3600);
        assert_eq!(jobs[1].declared_duration_s(), 9000);
        assert_eq!(
            jobs[1].residency,
            Residency::Hubs(vec!["gansu".into(), "ningxia".into()])
        );
        let mut out = Vec::new();
        write_jobs_csv(&mut out, &jobs).unwrap();
        let back = read_jobs_csv(out.as_slice(), "out.csv").unwrap();
        assert_eq!(back, jobs);
    }

    #[test]
    fn bad_records_name_line_and_field() {
        let bad = SAMPLE.replace(
            "j2,91310110666007217T,potential",
            "j2,91310110666007217A,potential",
        );
        let e = read_jobs_csv(bad.as_bytes(), "s.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.csv line 3") && e.contains("firm"), "{e}");
        let bad = SAMPLE.replace(",0.5\n", ",1.5\n");
        let e = read_jobs_csv(bad.as_bytes(), "s.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("voucher_coverage") && e.contains("1.5"),
            "{e}"
        );
        let bad = SAMPLE.replace("0,3600,,7200", "0,3600,,3000");
        let e = read_jobs_csv(bad.as_bytes(), "s.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("deadline_s"), "{e}");
        let bad = SAMPLE.replace("j2,", "j1,");
        let e = read_jobs_csv(bad.as_bytes(), "s.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate"), "{e}");
    }
}
